//! Paired comparisons under common random numbers.
//!
//! Every scenario of a comparison runs replications `0..R` on the same seed, so
//! replication r of each sees the same commit stream and the same defects. The
//! difference of a metric is taken per replication, d_r = m_B(r) − m_A(r), and
//! its mean gets a Student-t interval with R − 1 degrees of freedom: the noise
//! the scenarios share cancels, and the interval is narrower than the unpaired
//! (Welch) interval from the two separate standard deviations.

use serde::Serialize;

use super::job::Assembled;
use crate::metrics::{self, MetricSummary};

/// The metrics a comparison or a sweep shows in its table (all of them go to JSON).
pub const KEY_METRICS: &[&str] = &[
    "lead_time.mean",
    "lead_time.p50",
    "lead_time.p85",
    "lead_time.p95",
    "production.deploys_per_week",
    "production.commits_per_deploy",
    "build.utilisation",
    "defects.escaped",
    "blast_radius.share_hours",
    "blast_radius.user_hours_total",
    "blast_radius.peak_users",
    "production.change_failure_rate",
    "restore.from_detection",
    "commits.delivered",
];

/// The paired difference B − A of one metric.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Difference {
    /// The scenario compared with the first.
    pub scenario: String,
    /// Replications where the metric was defined in both.
    pub n: u64,
    /// Mean of B − A over replications.
    pub mean: f64,
    /// 95 % half-width of the paired interval (t, n − 1 d.f.).
    pub ci95: f64,
    /// 95 % half-width had the scenarios been run on independent seeds (Welch).
    pub unpaired_ci95: f64,
    /// The paired interval excludes zero: see [`is_real`].
    pub real: bool,
}

/// A metric in one scenario.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stat {
    pub n: u64,
    pub mean: f64,
    pub ci95: f64,
    pub sd: f64,
}

impl From<&MetricSummary> for Stat {
    fn from(m: &MetricSummary) -> Stat {
        Stat {
            n: m.n,
            mean: m.mean,
            ci95: m.ci95,
            sd: m.sd,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MetricComparison {
    pub key: String,
    pub unit: String,
    /// One per scenario, in the order given (`null` where a scenario lacks the metric).
    pub values: Vec<Option<Stat>>,
    /// One per scenario after the first: its paired difference from the first.
    pub differences: Vec<Option<Difference>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScenarioRef {
    pub label: String,
    pub scenario: String,
    pub file: String,
}

/// The contents of `comparison.json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    pub promosim: &'static str,
    pub seed: u64,
    pub replications: u32,
    /// The scenario every difference is taken against.
    pub baseline: String,
    pub scenarios: Vec<ScenarioRef>,
    pub metrics: Vec<MetricComparison>,
}

/// Paired difference `b − a` over replications where both are defined.
pub fn paired(label: &str, a: &[f64], b: &[f64]) -> Difference {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(x, y)| y - x)
        .collect();
    let s = metrics::describe(String::new(), "", d.iter().copied());
    let sa = metrics::describe(String::new(), "", a.iter().copied());
    let sb = metrics::describe(String::new(), "", b.iter().copied());
    let real = is_real(&s, sa.mean.abs().max(sb.mean.abs()));
    Difference {
        scenario: label.to_string(),
        n: s.n,
        mean: s.mean,
        ci95: s.ci95,
        unpaired_ci95: welch_half_width(&sa, &sb),
        real,
    }
}

/// Differences smaller than this share of the metric's size are rounding
/// noise: the same quantities summed in another order differ by a few units in
/// the last place (about 1e-16 of their size), never by a real amount.
pub const ROUNDING: f64 = 1e-9;

/// Whether a paired difference `d` (mean, 95 % half-width, pairs) is real: its
/// interval is defined (at least 2 pairs) and excludes 0, and its mean is
/// neither exactly 0 nor rounding noise next to `scale`, the size of the
/// metric itself. Identical values in every replication (difference 0,
/// half-width 0) are not a difference.
pub fn is_real(d: &MetricSummary, scale: f64) -> bool {
    let noise = if scale.is_finite() {
        ROUNDING * scale
    } else {
        0.0
    };
    d.n >= 2 && d.ci95.is_finite() && d.mean != 0.0 && d.mean.abs() > noise && d.mean.abs() > d.ci95
}

/// 95 % half-width of the difference of two independent means (Welch–Satterthwaite d.f.).
pub fn welch_half_width(a: &MetricSummary, b: &MetricSummary) -> f64 {
    if a.n < 2 || b.n < 2 {
        return f64::NAN;
    }
    let (va, vb) = (a.sd * a.sd / a.n as f64, b.sd * b.sd / b.n as f64);
    let se2 = va + vb;
    if se2 == 0.0 {
        return 0.0;
    }
    let df = se2 * se2 / (va * va / (a.n - 1) as f64 + vb * vb / (b.n - 1) as f64);
    metrics::t95((df.floor() as u64).max(1)) * se2.sqrt()
}

/// Compares every point of an assembled experiment with the first.
pub fn compare(asm: &Assembled) -> Comparison {
    let pts = &asm.points;
    let labels: Vec<&str> = asm.header.points.iter().map(|p| p.label.as_str()).collect();
    let summaries: Vec<Vec<MetricSummary>> = pts.iter().map(|p| p.summarise()).collect();
    // Keys: the first scenario's, then any others have in addition, in order.
    let mut keys: Vec<(String, &'static str)> = Vec::new();
    for p in pts {
        for (k, u) in &p.keys {
            if !keys.iter().any(|(x, _)| x == k) {
                keys.push((k.clone(), u));
            }
        }
    }
    let metrics = keys
        .iter()
        .map(|(key, unit)| {
            let values = pts
                .iter()
                .zip(&summaries)
                .map(|(p, s)| p.index(key).map(|i| Stat::from(&s[i])))
                .collect();
            let base = pts.first().and_then(|p| p.column(key));
            let differences = pts
                .iter()
                .zip(&labels)
                .skip(1)
                .map(|(p, label)| match (&base, p.column(key)) {
                    (Some(a), Some(b)) => Some(paired(label, a, &b)),
                    _ => None,
                })
                .collect();
            MetricComparison {
                key: key.clone(),
                unit: unit.to_string(),
                values,
                differences,
            }
        })
        .collect();
    Comparison {
        promosim: env!("CARGO_PKG_VERSION"),
        seed: asm.header.seed,
        replications: asm.header.replications,
        baseline: labels.first().map(|s| s.to_string()).unwrap_or_default(),
        scenarios: asm
            .header
            .points
            .iter()
            .map(|p| ScenarioRef {
                label: p.label.clone(),
                scenario: p.scenario.clone(),
                file: p.file.clone(),
            })
            .collect(),
        metrics,
    }
}

impl Comparison {
    pub fn get(&self, key: &str) -> Option<&MetricComparison> {
        self.metrics.iter().find(|m| m.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_columns_differ_by_exactly_zero() {
        let a = [1.0, 5.0, 3.0, f64::NAN, 2.0];
        let d = paired("b", &a, &a);
        assert_eq!((d.n, d.mean, d.ci95, d.real), (4, 0.0, 0.0, false));
        assert!(d.unpaired_ci95 > 0.0);
    }

    #[test]
    fn rounding_noise_is_not_a_real_difference() {
        // 0.1 + 0.2 and 0.3: the same quantity summed in two orders, in every
        // replication. The difference is -5.6e-17 with half-width 0, which
        // "excludes 0" but is no difference: shown as "-0.000 ± 0.00 *" before.
        let a = [0.1 + 0.2; 5];
        let b = [0.3; 5];
        let d = paired("b", &a, &b);
        assert!(d.mean < 0.0 && d.mean.abs() > d.ci95, "{d:?}");
        assert!(!d.real, "{d:?}");
        // A relative shift of rounding size that varies with the value.
        let a: Vec<f64> = (0..10).map(|i| 0.1 * i as f64 + 0.2).collect();
        let c: Vec<f64> = a.iter().map(|x| x * (1.0 + 1e-15)).collect();
        let d = paired("c", &a, &c);
        assert!(d.mean.abs() > d.ci95, "{d:?}");
        assert!(!d.real, "{d:?}");
    }

    #[test]
    fn one_pair_has_no_interval_and_is_never_real() {
        let d = paired("b", &[1.0], &[5.0]);
        assert_eq!((d.n, d.mean, d.real), (1, 4.0, false));
    }

    #[test]
    fn a_constant_shift_in_every_replication_is_real() {
        let a = [1.0, 5.0, 3.0, 2.0];
        let b = [2.0, 6.0, 4.0, 3.0];
        let d = paired("b", &a, &b);
        assert_eq!((d.mean, d.ci95, d.real), (1.0, 0.0, true));
    }

    #[test]
    fn a_shift_shared_noise_is_real_and_narrow() {
        let a: Vec<f64> = (0..20).map(|i| (i * 7 % 11) as f64).collect();
        let b: Vec<f64> = a
            .iter()
            .enumerate()
            .map(|(i, x)| x + 1.0 + 0.01 * (i % 3) as f64)
            .collect();
        let d = paired("b", &a, &b);
        assert!(d.real);
        assert!(d.ci95 < d.unpaired_ci95 / 10.0, "{d:?}");
    }
}
