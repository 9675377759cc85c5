//! Maximum-likelihood fits of durations (with right-censoring), goodness of
//! fit by Kolmogorov–Smirnov, and exact intervals for rates and proportions.
//! The rules are stated in `docs/calibrate.md`.

use statrs::distribution::{Beta, ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};

use crate::dist::DistSpec;
use crate::time::{Duration, SimDuration};

/// Fewer observed (uncensored) values than this: no fit, the base value stays.
pub const MIN_DURATIONS: usize = 10;
/// From this many values on, a family the KS test rejects gives way to `empirical`.
pub const MIN_EMPIRICAL: usize = 30;
/// At most this many values in an `empirical` list (quantiles beyond it).
const EMPIRICAL_POINTS: usize = 100;
/// Shortest duration used in a fit: a zero-second job would make ln x infinite.
const FLOOR_SECS: f64 = 0.5;

/// Durations in seconds: those seen to end, and those still running (or
/// cancelled) when last seen, which only say "at least this long".
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub observed: Vec<f64>,
    pub censored: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Exp,
    LogNormal,
    Empirical,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Exp => "exp",
            Family::LogNormal => "lognormal",
            Family::Empirical => "empirical",
        }
    }
}

/// A fitted duration distribution and how well each family fits.
#[derive(Debug, Clone)]
pub struct Fit {
    pub family: Family,
    pub spec: DistSpec,
    pub n: usize,
    pub censored: usize,
    /// The fitted median, seconds, with its 95 % interval.
    pub median: f64,
    pub median_ci: (f64, f64),
    /// KS distance of the observed values to the fitted exponential and lognormal.
    pub ks_exp: f64,
    pub ks_lognormal: f64,
    /// The 5 % critical KS distance for n values, 1.36 / √n.
    pub ks_critical: f64,
}

/// Fits `exp`, `lognormal` and `empirical` and keeps the best by the rule of
/// `docs/calibrate.md`; `None` when fewer than [`MIN_DURATIONS`] values ended.
pub fn fit_duration(sample: &Sample) -> Option<Fit> {
    let mut x: Vec<f64> = sample.observed.iter().map(|v| v.max(FLOOR_SECS)).collect();
    let c: Vec<f64> = sample.censored.iter().map(|v| v.max(FLOOR_SECS)).collect();
    x.retain(|v| v.is_finite());
    let n = x.len();
    if n < MIN_DURATIONS {
        return None;
    }
    x.sort_by(f64::total_cmp);
    let exp_mean = (x.iter().sum::<f64>() + c.iter().sum::<f64>()) / n as f64;
    let (mu, sigma) = lognormal_mle(&x, &c);
    let ks_exp = ks(&x, |v| 1.0 - (-v / exp_mean).exp());
    let normal = Normal::new(mu, sigma).ok()?;
    let ks_lognormal = ks(&x, |v| normal.cdf(v.ln()));
    let ks_critical = 1.36 / (n as f64).sqrt();
    let best = if ks_exp <= ks_lognormal {
        Family::Exp
    } else {
        Family::LogNormal
    };
    let best_ks = ks_exp.min(ks_lognormal);
    // The empirical list cannot stand for censored values, so it is used
    // only when nothing is censored.
    let family = if best_ks > ks_critical && n >= MIN_EMPIRICAL && c.is_empty() {
        Family::Empirical
    } else {
        best
    };
    let (spec, median, median_ci) = match family {
        Family::Exp => {
            // 2 T / θ is χ² with 2n degrees of freedom (T: total time on test).
            let chi = ChiSquared::new(2.0 * n as f64).ok()?;
            let total = exp_mean * n as f64;
            let (lo, hi) = (
                2.0 * total / chi.inverse_cdf(0.975),
                2.0 * total / chi.inverse_cdf(0.025),
            );
            let ln2 = std::f64::consts::LN_2;
            (
                DistSpec::Exp(secs(exp_mean)),
                exp_mean * ln2,
                (lo * ln2, hi * ln2),
            )
        }
        Family::LogNormal => {
            let t = t975(n);
            let half = t * sigma / (n as f64).sqrt();
            (
                DistSpec::LogNormal { mu, sigma },
                mu.exp(),
                ((mu - half).exp(), (mu + half).exp()),
            )
        }
        Family::Empirical => {
            let points = empirical_points(&x);
            let (lo, hi) = median_order_interval(&x);
            (
                DistSpec::Empirical(points.into_iter().map(secs).collect()),
                quantile(&x, 0.5),
                (lo, hi),
            )
        }
    };
    Some(Fit {
        family,
        spec,
        n,
        censored: c.len(),
        median,
        median_ci,
        ks_exp,
        ks_lognormal,
        ks_critical,
    })
}

fn secs(s: f64) -> Duration {
    // Whole seconds from 10 s on, tenths below: what the scenario reads back.
    let r = if s >= 10.0 {
        s.round()
    } else {
        (s * 10.0).round() / 10.0
    };
    Duration(SimDuration::from_secs(r.max(0.1)))
}

/// The lognormal MLE (μ, σ of ln x) with right-censored values, by EM on the
/// log scale: each censored ln c is replaced by the moments of the normal
/// truncated below at ln c. Without censoring this is the closed form.
fn lognormal_mle(x: &[f64], c: &[f64]) -> (f64, f64) {
    let y: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let lc: Vec<f64> = c.iter().map(|v| v.ln()).collect();
    let n = (y.len() + lc.len()) as f64;
    let mut mu = y.iter().sum::<f64>() / y.len() as f64;
    let mut var = (y.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / y.len() as f64).max(1e-12);
    let iterations = if lc.is_empty() { 0 } else { 500 };
    for _ in 0..iterations {
        let sd = var.sqrt();
        let std = Normal::new(0.0, 1.0).expect("standard normal");
        let (mut s1, mut s2) = (y.iter().sum::<f64>(), y.iter().map(|v| v * v).sum::<f64>());
        for &l in &lc {
            let a = (l - mu) / sd;
            let tail = (1.0 - std.cdf(a)).max(1e-300);
            let lambda = std.pdf(a) / tail;
            let e1 = mu + sd * lambda;
            let e2 = mu * mu + var + sd * (l + mu) * lambda;
            s1 += e1;
            s2 += e2;
        }
        let new_mu = s1 / n;
        let new_var = (s2 / n - new_mu * new_mu).max(1e-12);
        let done = (new_mu - mu).abs() < 1e-10 && (new_var - var).abs() < 1e-10;
        mu = new_mu;
        var = new_var;
        if done {
            break;
        }
    }
    (mu, var.sqrt())
}

/// The Kolmogorov–Smirnov distance of sorted values to a CDF.
pub fn ks(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = cdf(v);
            (((i + 1) as f64 / n) - f).max(f - i as f64 / n)
        })
        .fold(0.0, f64::max)
}

pub use crate::experiment::backtest::{ks_two, quantile};

fn empirical_points(sorted: &[f64]) -> Vec<f64> {
    if sorted.len() <= EMPIRICAL_POINTS {
        return sorted.to_vec();
    }
    (0..EMPIRICAL_POINTS)
        .map(|i| quantile(sorted, (i as f64 + 0.5) / EMPIRICAL_POINTS as f64))
        .collect()
}

/// A distribution-free 95 % interval for the median: the order statistics
/// n/2 ∓ 1.96 √n / 2.
pub fn median_order_interval(sorted: &[f64]) -> (f64, f64) {
    let n = sorted.len() as f64;
    let half = 1.96 * n.sqrt() / 2.0;
    let lo = ((n / 2.0 - half).floor().max(0.0)) as usize;
    let hi = ((n / 2.0 + half).ceil() as usize).min(sorted.len() - 1);
    (sorted[lo], sorted[hi])
}

fn t975(n: usize) -> f64 {
    StudentsT::new(0.0, 1.0, (n.max(2) - 1) as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.96)
}

/// A proportion k / n with its exact (Clopper–Pearson) 95 % interval.
pub fn proportion(k: usize, n: usize) -> (f64, (f64, f64)) {
    let (kf, nf) = (k as f64, n as f64);
    let lo = if k == 0 {
        0.0
    } else {
        Beta::new(kf, nf - kf + 1.0)
            .map(|b| b.inverse_cdf(0.025))
            .unwrap_or(0.0)
    };
    let hi = if k == n {
        1.0
    } else {
        Beta::new(kf + 1.0, nf - kf)
            .map(|b| b.inverse_cdf(0.975))
            .unwrap_or(1.0)
    };
    (kf / nf, (lo, hi))
}

/// A Poisson rate: k events in `exposure` units, with its exact 95 % interval.
pub fn poisson_rate(k: usize, exposure: f64) -> (f64, (f64, f64)) {
    let kf = k as f64;
    let lo = if k == 0 {
        0.0
    } else {
        ChiSquared::new(2.0 * kf)
            .map(|c| c.inverse_cdf(0.025) / 2.0)
            .unwrap_or(0.0)
    };
    let hi = ChiSquared::new(2.0 * kf + 2.0)
        .map(|c| c.inverse_cdf(0.975) / 2.0)
        .unwrap_or(f64::INFINITY);
    (kf / exposure, (lo / exposure, hi / exposure))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_mle_with_censoring_is_total_time_over_events() {
        let s = Sample {
            observed: (1..=20).map(|i| i as f64 * 10.0).collect(),
            censored: vec![100.0; 5],
        };
        let f = fit_duration(&s).expect("enough data");
        let mean = (2100.0 + 500.0) / 20.0;
        assert_eq!(f.n, 20);
        if f.family == Family::Exp {
            assert!((f.median - mean * std::f64::consts::LN_2).abs() < 1e-9);
        }
        assert!(f.median_ci.0 < f.median && f.median < f.median_ci.1);
    }

    #[test]
    fn too_few_values_give_no_fit() {
        let s = Sample {
            observed: vec![1.0; MIN_DURATIONS - 1],
            censored: vec![],
        };
        assert!(fit_duration(&s).is_none());
    }

    #[test]
    fn censoring_raises_the_lognormal_location() {
        let x: Vec<f64> = (1..=50).map(|i| (i as f64 / 10.0).exp()).collect();
        let (mu0, _) = lognormal_mle(&x, &[]);
        let (mu1, _) = lognormal_mle(&x, &[x[49]; 10]);
        assert!(mu1 > mu0);
    }

    #[test]
    fn intervals_contain_their_estimates() {
        let (p, (lo, hi)) = proportion(3, 100);
        assert!(lo < p && p < hi && lo > 0.0 && hi < 0.1);
        let (r, (lo, hi)) = poisson_rate(100, 10.0);
        assert!(lo < r && r < hi && (r - 10.0).abs() < 1e-12);
        assert!(ks_two(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]) < 1e-12);
        assert!((ks_two(&[1.0, 2.0], &[3.0, 4.0]) - 1.0).abs() < 1e-12);
    }
}
