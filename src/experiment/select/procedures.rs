//! The statistics of ranking and selection, on plain numbers: no engine, no
//! scenario. `data[i][r]` is replication `r` of system `i`; the same `r` of
//! every system ran on the same random numbers (common random numbers), so
//! everything here works on paired differences `X_i(r) − X_j(r)`, whose
//! variance CRN makes small.
//!
//! - [`subset`]: the subset procedure of Nelson, Swann, Goldsman & Song (2001)
//!   with CRN (paired differences, Bonferroni t), with Hsu's constrained
//!   multiple-comparisons-with-the-best (MCB) intervals from the same widths;
//! - [`kn`]: Kim & Nelson's (2001) fully sequential procedure KN;
//! - [`feasibility`]: each system's constraint classified from a t interval
//!   (Bonferroni over systems and constraints), after Andradóttir & Kim (2010);
//! - [`pareto`]: the points no other point beats in both means.
//!
//! Every procedure minimises: a caller whose metric is better higher negates it.

use std::ops::Range;

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The upper `p` quantile of Student's t with `df` degrees of freedom
/// (`t_{1−p, df}`); infinite when there is no degree of freedom.
pub fn t_upper(p: f64, df: u64) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(1.0 - p))
        .unwrap_or(f64::INFINITY)
}

/// Mean and sample variance (n − 1) of the finite values; `n` counts them.
fn moments(values: impl Iterator<Item = f64>) -> (u64, f64, f64) {
    let (mut n, mut mean, mut m2) = (0u64, 0.0, 0.0);
    for x in values.filter(|x| x.is_finite()) {
        n += 1;
        let d = x - mean;
        mean += d / n as f64;
        m2 += d * (x - mean);
    }
    let var = if n > 1 { m2 / (n - 1) as f64 } else { f64::NAN };
    (n, mean, var)
}

/// The paired difference `X_i − X_j` over replications where both are defined:
/// count, mean, variance.
pub fn paired(a: &[f64], b: &[f64]) -> (u64, f64, f64) {
    moments(a.iter().zip(b).map(|(x, y)| x - y))
}

/// The mean of the finite values of a system.
pub fn mean(a: &[f64]) -> f64 {
    moments(a.iter().copied()).1
}

/// What [`subset`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Subset {
    /// System `i` cannot be told apart from the best.
    pub keep: Vec<bool>,
    /// Hsu's constrained MCB interval for `μ_i − min_{j≠i} μ_j`: the upper end
    /// says how much worse than the best `i` can be (0 for the best), the lower
    /// end below 0 that it may be the best. `None` for a system not compared.
    pub mcb: Vec<Option<(f64, f64)>>,
}

/// Subset selection with CRN at confidence `1 − alpha` (smaller is better).
///
/// System `i` is kept when `X̄_i − X̄_j ≤ W_ij` for every other compared `j`,
/// with `W_ij = t_{1−α/(k−1), n_ij−1} S_ij / √n_ij` (`S_ij²` the sample variance
/// of the paired differences): then the best system (any best, if several tie)
/// is kept with probability at least `1 − alpha`, whatever the means, provided
/// the paired differences are normal. `candidate[i]` says whether `i` may be
/// kept at all, `against[j]` whether `j` may eliminate others (both all-true
/// without constraints). `k` in the Bonferroni split is the number of systems.
pub fn subset(data: &[Vec<f64>], alpha: f64, candidate: &[bool], against: &[bool]) -> Subset {
    let k = data.len();
    let t = |n: u64| t_upper(alpha / (k.max(2) - 1) as f64, n.saturating_sub(1));
    let mut keep = vec![false; k];
    let mut mcb = vec![None; k];
    for i in (0..k).filter(|&i| candidate[i]) {
        // max_j (X̄_i − X̄_j ∓ W_ij): the ends of the constrained MCB interval.
        let (mut low, mut high) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for j in (0..k).filter(|&j| j != i && against[j]) {
            let (n, d, var) = paired(&data[i], &data[j]);
            let w = if n < 2 {
                f64::INFINITY
            } else {
                t(n) * (var.max(0.0) / n as f64).sqrt()
            };
            let (lo, hi) = if w.is_finite() {
                (d - w, d + w)
            } else {
                (f64::NEG_INFINITY, f64::INFINITY)
            };
            low = low.max(lo);
            high = high.max(hi);
        }
        keep[i] = low <= 0.0;
        // Alone (no one to compare with): it is the best of what is compared.
        mcb[i] = Some(if low == f64::NEG_INFINITY && high == f64::NEG_INFINITY {
            (0.0, 0.0)
        } else {
            (low.min(0.0), high.max(0.0))
        });
    }
    Subset { keep, mcb }
}

/// KN's constant η = ½[(2α/(k−1))^(−2/(n0−1)) − 1] (Kim & Nelson 2001, c = 1),
/// for `k` ≥ 2 systems, first-stage size `n0` ≥ 2, confidence `1 − alpha`.
pub fn kn_eta(k: usize, n0: u64, alpha: f64) -> f64 {
    let base = 2.0 * alpha / (k.max(2) - 1) as f64;
    0.5 * (base.powf(-2.0 / (n0 as f64 - 1.0)) - 1.0)
}

/// More replications of some systems: each request is `(system, replications)`,
/// the answer one value per replication, per request.
pub type More<'a> = dyn FnMut(&Requests) -> Answers + 'a;
/// What [`More`] is asked: `(system, replications)` pairs.
pub type Requests = [(usize, Range<u64>)];
/// What [`More`] answers: one value per replication asked, per request.
pub type Answers = Result<Vec<Vec<f64>>, String>;

/// What [`kn`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Kn {
    /// The system selected; `None` when the replication cap stopped it first.
    pub selected: Option<usize>,
    /// Systems still in contention when it stopped (only the selected one when it finished).
    pub survivors: Vec<usize>,
    /// Replications each system ended with (first stage included).
    pub replications: Vec<u64>,
    pub eta: f64,
    /// h² = 2η(n0 − 1).
    pub h2: f64,
}

/// Kim & Nelson's fully sequential procedure KN (smaller is better): with `n0`
/// = `first[i].len()` replications of each system, confidence `1 − alpha` and
/// indifference zone `delta` > 0, it adds one replication at a time to the
/// systems still in contention and drops system `i` as soon as
/// `X̄_i(r) > X̄_l(r) + W_il(r)` for a surviving `l`, with
/// `W_il(r) = max(0, δ/(2r) · (h² S_il²/δ² − r))` (a triangular continuation
/// region; `S_il²` from the first stage). When the best mean is at least δ
/// better than every other, it selects the best with probability ≥ 1 − α
/// under normal paired differences; else it selects one within δ of the best.
///
/// `more` is asked for replications `r..r+batch` of the survivors (a batch at a
/// time, so a caller can run them in parallel; each elimination still looks at
/// one replication at a time, so the result does not depend on `batch`).
/// It stops at `max_r` replications per system without selecting.
pub fn kn(
    first: &[Vec<f64>],
    alpha: f64,
    delta: f64,
    batch: u64,
    max_r: u64,
    more: &mut More<'_>,
) -> Result<Kn, String> {
    let k = first.len();
    let n0 = first.iter().map(|x| x.len()).min().unwrap_or(0) as u64;
    if first.iter().flatten().any(|x| !x.is_finite()) {
        return Err("the metric is undefined in some replications: the sequential procedure needs a value in every one".into());
    }
    let eta = kn_eta(k, n0, alpha);
    let h2 = 2.0 * eta * (n0 as f64 - 1.0);
    let mut obs: Vec<Vec<f64>> = first.iter().map(|x| x[..n0 as usize].to_vec()).collect();
    let done = |selected: usize, obs: &[Vec<f64>]| Kn {
        selected: Some(selected),
        survivors: vec![selected],
        replications: obs.iter().map(|x| x.len() as u64).collect(),
        eta,
        h2,
    };
    if k < 2 {
        return Ok(done(0, &obs));
    }
    if n0 < 2 || delta.is_nan() || delta <= 0.0 {
        return Err("the sequential procedure needs at least 2 replications and δ > 0".into());
    }
    let s2: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|l| paired(&obs[i], &obs[l]).2).collect())
        .collect();
    let mut alive: Vec<bool> = vec![true; k];
    let mut sums: Vec<f64> = obs.iter().map(|x| x.iter().sum()).collect();
    let mut r = n0;
    loop {
        let old = alive.clone();
        let rf = r as f64;
        let mut last_needed = 0.0f64;
        for i in (0..k).filter(|&i| old[i]) {
            for l in (0..k).filter(|&l| l != i && old[l]) {
                let need = h2 * s2[i][l] / (delta * delta);
                last_needed = last_needed.max(need.floor());
                let w = (delta / (2.0 * rf) * (need - rf)).max(0.0);
                if sums[i] / rf > sums[l] / rf + w {
                    alive[i] = false;
                    break;
                }
            }
        }
        let living: Vec<usize> = (0..k).filter(|&i| alive[i]).collect();
        if living.len() == 1 {
            return Ok(done(living[0], &obs));
        }
        // Past max N_il every W is 0 and the smallest mean wins (ties: the first).
        if rf > last_needed {
            let best = living
                .iter()
                .copied()
                .min_by(|&a, &b| sums[a].total_cmp(&sums[b]))
                .unwrap_or(0);
            return Ok(done(best, &obs));
        }
        if r >= max_r {
            return Ok(Kn {
                selected: None,
                survivors: living,
                replications: obs.iter().map(|x| x.len() as u64).collect(),
                eta,
                h2,
            });
        }
        if living.iter().any(|&i| obs[i].len() as u64 <= r) {
            let end = (r + batch.max(1)).min(max_r);
            let asks: Vec<(usize, Range<u64>)> = living
                .iter()
                .filter(|&&i| (obs[i].len() as u64) < end)
                .map(|&i| (i, obs[i].len() as u64..end))
                .collect();
            let got = more(&asks)?;
            for ((i, range), values) in asks.iter().zip(got) {
                if values.len() as u64 != range.end - range.start
                    || values.iter().any(|x| !x.is_finite())
                {
                    return Err(format!(
                        "replications {}..{} gave no value of the metric in every replication",
                        range.start, range.end
                    ));
                }
                obs[*i].extend(values);
            }
        }
        for &i in &living {
            sums[i] += obs[i][r as usize];
        }
        r += 1;
    }
}

/// What a constraint says of a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Feasible {
    Yes,
    No,
    /// The interval straddles the bound.
    Uncertain,
}

/// Classifies `data[i]` against `mean ≤ bound` with a two-sided t interval at
/// confidence `1 − alpha_each`: feasible when the whole interval is within,
/// infeasible when it is wholly outside. Give `alpha_each = α / (k · m)` for `k`
/// systems and `m` constraints: then every "feasible" and "infeasible" is right
/// at once with probability ≥ 1 − α (Bonferroni).
pub fn feasibility(data: &[f64], bound: f64, alpha_each: f64) -> (Feasible, f64, f64) {
    let (n, mean, var) = moments(data.iter().copied());
    if n < 2 {
        return (Feasible::Uncertain, mean, f64::INFINITY);
    }
    let half = t_upper(alpha_each / 2.0, n - 1) * (var.max(0.0) / n as f64).sqrt();
    let class = if mean + half <= bound {
        Feasible::Yes
    } else if mean - half > bound {
        Feasible::No
    } else {
        Feasible::Uncertain
    };
    (class, mean, half)
}

/// The points on the Pareto front of two means, both smaller-is-better: no
/// other point is at least as good in both and better in one. NaN is never on it.
pub fn pareto(x: &[f64], y: &[f64]) -> Vec<bool> {
    let n = x.len().min(y.len());
    (0..n)
        .map(|i| {
            x[i].is_finite()
                && y[i].is_finite()
                && !(0..n)
                    .any(|j| j != i && x[j] <= x[i] && y[j] <= y[i] && (x[j] < x[i] || y[j] < y[i]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // t_{0.975, 9} = 2.262, t_{0.95, 29} = 1.699 (any t table).
        assert!((t_upper(0.025, 9) - 2.262).abs() < 1e-3);
        assert!((t_upper(0.05, 29) - 1.699).abs() < 1e-3);
        assert!(t_upper(0.05, 0).is_infinite());
    }

    #[test]
    fn pareto_keeps_the_undominated() {
        let x = [1.0, 2.0, 3.0, 2.0, f64::NAN];
        let y = [3.0, 2.0, 1.0, 3.0, 0.0];
        assert_eq!(pareto(&x, &y), vec![true, true, true, false, false]);
    }

    #[test]
    fn feasibility_is_decided_only_outside_the_interval() {
        let low = [1.0, 1.1, 0.9, 1.0];
        assert_eq!(feasibility(&low, 5.0, 0.05).0, Feasible::Yes);
        assert_eq!(feasibility(&low, 0.5, 0.05).0, Feasible::No);
        assert_eq!(feasibility(&low, 1.0, 0.05).0, Feasible::Uncertain);
    }
}
