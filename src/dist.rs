//! Distributions of durations, by name, as a scenario writes them, and their
//! compiled, sampleable form.
//!
//! ```yaml
//! duration: 15m                                  # constant
//! duration: {exp: 10m}                           # exponential with this mean
//! duration: {uniform: [5m, 10m]}
//! duration: {lognormal: {mean: 10m, sd: 3m}}
//! duration: {lognormal: {median: 8m, p95: 20m}}
//! duration: {empirical: [4m, 5m, 5m, 7m, 12m]}   # each value equally likely
//! ```

use std::fmt;

use rand_distr::{Distribution, Exp1, StandardNormal};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::rng::SimRng;
use crate::time::Duration;

/// A duration distribution as written in a scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum DistSpec {
    Const(Duration),
    Exp(Duration),
    Uniform(Duration, Duration),
    LogNormal { mu: f64, sigma: f64 },
    Empirical(Vec<Duration>),
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum DistForm {
    Const(Duration),
    Exp(Duration),
    Uniform([Duration; 2]),
    Lognormal(LogNormalForm),
    Empirical(Vec<Duration>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogNormalForm {
    mean: Option<Duration>,
    sd: Option<Duration>,
    median: Option<Duration>,
    p95: Option<Duration>,
}

/// z such that P(Z <= z) = 0.95 for a standard normal Z.
const Z95: f64 = 1.644_853_626_951_472_2;

impl LogNormalForm {
    fn to_params(&self) -> Result<(f64, f64), String> {
        match (self.mean, self.sd, self.median, self.p95) {
            (Some(mean), Some(sd), None, None) => {
                let (m, s) = (mean.secs(), sd.secs());
                if m <= 0.0 {
                    return Err("lognormal mean must be positive".into());
                }
                let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                Ok((m.ln() - sigma2 / 2.0, sigma2.sqrt()))
            }
            (None, None, Some(median), Some(p95)) => {
                let (md, p) = (median.secs(), p95.secs());
                if md <= 0.0 || p < md {
                    return Err("lognormal needs 0 < median <= p95".into());
                }
                Ok((md.ln(), (p.ln() - md.ln()) / Z95))
            }
            _ => Err("lognormal takes either {mean, sd} or {median, p95}".into()),
        }
    }
}

impl DistForm {
    fn into_spec(self) -> Result<DistSpec, String> {
        Ok(match self {
            DistForm::Const(d) => DistSpec::Const(d),
            DistForm::Exp(d) => DistSpec::Exp(d),
            DistForm::Uniform([a, b]) => {
                if b < a {
                    return Err(format!(
                        "uniform [{a}, {b}]: the upper bound is below the lower"
                    ));
                }
                DistSpec::Uniform(a, b)
            }
            DistForm::Lognormal(l) => {
                let (mu, sigma) = l.to_params()?;
                DistSpec::LogNormal { mu, sigma }
            }
            DistForm::Empirical(v) => {
                if v.is_empty() {
                    return Err("empirical needs at least one value".into());
                }
                DistSpec::Empirical(v)
            }
        })
    }
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DistSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration (15m) or a distribution such as {exp: 10m}, {uniform: [5m, 10m]}, {lognormal: {mean: 10m, sd: 3m}}, {empirical: [...]}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DistSpec, E> {
                Duration::parse(v).map(DistSpec::Const).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DistSpec, E> {
                if v == 0 {
                    return Ok(DistSpec::Const(Duration::default()));
                }
                Err(E::custom(format!(
                    "a bare number ({v}) has no unit: write {v}s, {v}m or {v}h"
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DistSpec, E> {
                self.visit_i64(v as i64)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DistSpec, A::Error> {
                let form = DistForm::deserialize(de::value::MapAccessDeserializer::new(map))?;
                form.into_spec().map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for DistSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.describe())
    }
}

impl DistSpec {
    /// The compiled distribution, sampling seconds.
    pub fn compile(&self) -> Dist {
        match self {
            DistSpec::Const(d) => Dist::Const(d.secs()),
            DistSpec::Exp(d) => Dist::Exp(d.secs()),
            DistSpec::Uniform(a, b) => Dist::Uniform(a.secs(), b.secs() - a.secs()),
            DistSpec::LogNormal { mu, sigma } => Dist::LogNormal(*mu, *sigma),
            DistSpec::Empirical(v) => Dist::Empirical(v.iter().map(|d| d.secs()).collect()),
        }
    }

    /// Plain words for reports: "exp(mean 10m)".
    pub fn describe(&self) -> String {
        match self {
            DistSpec::Const(d) => format!("{d}"),
            DistSpec::Exp(d) => format!("exp(mean {d})"),
            DistSpec::Uniform(a, b) => format!("uniform({a}..{b})"),
            DistSpec::LogNormal { .. } => {
                format!("lognormal(mean {:.1}m)", self.compile().mean() / 60.0)
            }
            DistSpec::Empirical(v) => format!("empirical({} values)", v.len()),
        }
    }
}

/// A compiled duration distribution; samples are seconds, never negative.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Const(f64),
    /// Exponential with this mean.
    Exp(f64),
    /// Uniform on `[low, low + width)`.
    Uniform(f64, f64),
    /// exp(N(mu, sigma²)).
    LogNormal(f64, f64),
    Empirical(Vec<f64>),
}

impl Dist {
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        match self {
            Dist::Const(c) => *c,
            Dist::Exp(mean) => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Dist::Uniform(low, width) => low + width * crate::rng::uniform(rng),
            Dist::LogNormal(mu, sigma) => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Empirical(v) => {
                let i = (crate::rng::uniform(rng) * v.len() as f64) as usize;
                v[i.min(v.len() - 1)]
            }
        }
    }

    pub fn mean(&self) -> f64 {
        match self {
            Dist::Const(c) => *c,
            Dist::Exp(m) => *m,
            Dist::Uniform(low, width) => low + width / 2.0,
            Dist::LogNormal(mu, sigma) => (mu + sigma * sigma / 2.0).exp(),
            Dist::Empirical(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Const(c) if *c == 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(y: &str) -> Result<DistSpec, String> {
        #[derive(Deserialize)]
        struct W {
            d: DistSpec,
        }
        serde_saphyr::from_str::<W>(y)
            .map(|w| w.d)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn every_form_parses_and_has_the_stated_mean() {
        assert_eq!(parse("d: 15m").unwrap().compile().mean(), 900.0);
        assert_eq!(parse("d: {exp: 10m}").unwrap().compile().mean(), 600.0);
        assert_eq!(
            parse("d: {uniform: [5m, 15m]}").unwrap().compile().mean(),
            600.0
        );
        let ln = parse("d: {lognormal: {mean: 10m, sd: 3m}}")
            .unwrap()
            .compile();
        assert!((ln.mean() - 600.0).abs() < 1e-9);
        let ln2 = parse("d: {lognormal: {median: 8m, p95: 20m}}").unwrap();
        match ln2 {
            DistSpec::LogNormal { mu, .. } => assert!((mu.exp() - 480.0).abs() < 1e-9),
            _ => panic!("lognormal expected"),
        }
        assert_eq!(
            parse("d: {empirical: [1m, 2m, 3m]}")
                .unwrap()
                .compile()
                .mean(),
            120.0
        );
    }

    #[test]
    fn mistakes_are_refused_with_a_reason() {
        assert!(parse("d: {exp: -5m}").unwrap_err().contains("negative"));
        assert!(
            parse("d: {lognormal: {mean: 10m}}")
                .unwrap_err()
                .contains("either")
        );
        assert!(parse("d: {gamma: 5m}").is_err());
        assert!(parse("d: 5").unwrap_err().contains("no unit"));
        assert!(
            parse("d: {uniform: [10m, 5m]}")
                .unwrap_err()
                .contains("below")
        );
    }

    #[test]
    fn sample_means_converge() {
        let mut rng = crate::rng::stream(7, 0, 0);
        for spec in [
            "d: {exp: 10m}",
            "d: {lognormal: {mean: 10m, sd: 5m}}",
            "d: {uniform: [0s, 20m]}",
        ] {
            let d = parse(spec).unwrap().compile();
            let n = 200_000;
            let m: f64 = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
            // Standard error is at most sd/sqrt(n) ~ 600/447 ~ 1.4 s; allow 5 sigma.
            assert!((m - 600.0).abs() < 7.0, "{spec}: {m}");
        }
    }
}
