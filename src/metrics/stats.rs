//! Replications → means with 95 % intervals, reduced in replication order.

use serde::Serialize;

use super::ReplicationResult;

/// A metric over replications: mean and 95 % confidence half-width.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MetricSummary {
    pub key: String,
    pub unit: &'static str,
    /// Replications where the metric was defined (e.g. some commit was delivered).
    pub n: u64,
    pub mean: f64,
    /// Half-width of the 95 % interval of the mean (Student t, n − 1 d.f.); 0 when n < 2.
    pub ci95: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
}

/// Two-sided 95 % Student t quantile with `df` degrees of freedom.
pub fn t95(df: u64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if df == 0 {
        return f64::NAN;
    }
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.96)
}

/// Mean, sd and 95 % half-width of values, NaNs skipped, summed in the given order.
pub fn describe(
    key: String,
    unit: &'static str,
    values: impl Iterator<Item = f64>,
) -> MetricSummary {
    let mut acc = Accumulator::default();
    values.for_each(|x| acc.push(x));
    acc.finish(key, unit)
}

/// Welford's running mean and variance, with min and max; NaNs skipped.
/// Sequential: the same numbers whatever the thread count.
#[derive(Debug, Clone, Copy)]
pub struct Accumulator {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Accumulator {
    #[inline]
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    pub fn finish(self, key: String, unit: &'static str) -> MetricSummary {
        let Accumulator {
            n,
            mean,
            m2,
            min,
            max,
        } = self;
        if n == 0 {
            return MetricSummary {
                key,
                unit,
                n,
                mean: f64::NAN,
                ci95: f64::NAN,
                sd: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            };
        }
        let sd = if n > 1 {
            (m2 / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let ci95 = if n > 1 {
            t95(n - 1) * sd / (n as f64).sqrt()
        } else {
            0.0
        };
        MetricSummary {
            key,
            unit,
            n,
            mean,
            ci95,
            sd,
            min,
            max,
        }
    }
}

/// Summarises replications given in replication order.
///
/// One pass with a running accumulator per metric: the flattened metrics of all
/// replications (about 8 kB each) are never held at once.
pub fn summarise(results: &[ReplicationResult]) -> Vec<MetricSummary> {
    let Some(first) = results.first() else {
        return Vec::new();
    };
    let head = first.metrics();
    let mut acc = vec![Accumulator::default(); head.len()];
    for r in results {
        for (a, m) in acc.iter_mut().zip(r.metrics()) {
            a.push(m.value);
        }
    }
    head.into_iter()
        .zip(acc)
        .map(|(m, a)| a.finish(m.key, m.unit))
        .collect()
}
