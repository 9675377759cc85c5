//! Baselines and regression checks of a policy (`promosim baseline`, `promosim check`).
//!
//! A [`Baseline`] stores, for a few key metrics, the value of every replication
//! of a run (besides mean and interval), the seed and replication count, and a
//! hash of the scenario text. [`compare`] reruns nothing itself: given the
//! per-replication results of a rerun on the baseline's seed and replication
//! count, it pairs replication r of the rerun with replication r of the baseline
//! (common random numbers: the same commits and defects) and decides each metric
//! on the paired difference `d_r = now_r − base_r`:
//!
//! * `d̄ ± h` is the mean of the `d_r` and the half-width of its 95 % Student-t
//!   interval ([`crate::metrics::describe`]);
//! * the tolerance of a metric is `tol = max(relative × |baseline mean|, absolute)`;
//! * for a metric where higher is worse: **regressed** when `d̄ − h > tol` (the
//!   whole interval lies beyond the tolerance: worse, and not by noise);
//!   **improved** when `d̄ + h < −tol`; otherwise **pass**. Higher-is-better
//!   metrics are mirrored (`−d_r`).
//!
//! Replications where either value is undefined (NaN, e.g. no incident so no time
//! to restore) are left out of the pairs; with fewer than two pairs the metric is
//! reported `n/a` and passes (undefined lead times mean nothing was delivered,
//! which the deploy rate catches). A baseline metric that the rerun does not
//! produce at all (a stage was renamed or removed) is `missing` and fails.
//! Documented for users in `docs/ci.md`. Data and decisions only: the table,
//! markdown and JUnit renderings are in `report::check` and `report::junit`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::fingerprint::{Fnv, fnv1a64};
use crate::metrics::{self, ReplicationResult};
use crate::model::Model;

/// The metrics a baseline keeps unless told otherwise.
pub const DEFAULT_METRICS: [&str; 9] = [
    "lead_time.mean",
    "lead_time.p50",
    "lead_time.p95",
    "production.deploys_per_week",
    "build.agent_wait",
    "blast_radius.share_hours",
    "production.change_failure_rate",
    "restore.from_detection",
    "defects.escaped",
];

/// How much a metric may move the wrong way before it counts: the larger of
/// `relative × |baseline mean|` and `absolute` (in the metric's unit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    pub relative: f64,
    pub absolute: f64,
}

impl Tolerance {
    /// The allowed movement for a baseline mean.
    pub fn allowed(&self, baseline_mean: f64) -> f64 {
        let rel = if baseline_mean.is_finite() {
            self.relative * baseline_mean.abs()
        } else {
            0.0
        };
        rel.max(self.absolute)
    }

    /// Parses `5%` (relative), `0.5` (absolute, in the metric's unit) or
    /// `5%,0.5` (the larger of the two).
    pub fn parse(text: &str) -> Result<Tolerance, String> {
        let bad = || {
            format!(
                "expected a tolerance such as 5% (relative), 0.5 (absolute, in the metric's unit) or 5%,0.5 (the larger), found {text:?}"
            )
        };
        let mut t = Tolerance {
            relative: 0.0,
            absolute: 0.0,
        };
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        if parts.is_empty() || parts.len() > 2 {
            return Err(bad());
        }
        let (mut seen_rel, mut seen_abs) = (false, false);
        for p in parts {
            if let Some(num) = p.strip_suffix('%') {
                let v: f64 = num.trim().parse().map_err(|_| bad())?;
                if !(v.is_finite() && v >= 0.0) || seen_rel {
                    return Err(bad());
                }
                t.relative = v / 100.0;
                seen_rel = true;
            } else {
                let v: f64 = p.parse().map_err(|_| bad())?;
                if !(v.is_finite() && v >= 0.0) || seen_abs {
                    return Err(bad());
                }
                t.absolute = v;
                seen_abs = true;
            }
        }
        Ok(t)
    }
}

impl std::fmt::Display for Tolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.relative > 0.0, self.absolute > 0.0) {
            (true, true) => write!(f, "{}%,{}", self.relative * 100.0, self.absolute),
            (true, false) => write!(f, "{}%", self.relative * 100.0),
            (false, _) => write!(f, "{}", self.absolute),
        }
    }
}

/// The default tolerance of a metric (see `docs/ci.md`).
pub fn default_tolerance(key: &str) -> Tolerance {
    let (relative, absolute) = match key {
        k if k.starts_with("lead_time.") => (0.05, 0.05),
        "production.deploys_per_week" => (0.05, 0.1),
        "production.change_failure_rate" => (0.0, 0.01),
        "defects.escaped" => (0.10, 0.5),
        k if k.starts_with("blast_radius.") => (0.10, 0.01),
        k if k.starts_with("restore.") => (0.10, 0.05),
        "build.agent_wait" => (0.10, 0.01),
        _ => (0.05, 0.0),
    };
    Tolerance { relative, absolute }
}

/// Whether a larger value of the metric is better, as its declaration says.
pub fn higher_is_better(key: &str) -> bool {
    metrics::higher_is_better(key)
}

/// Whether the metric is declared better higher or lower (not "—").
pub fn has_direction(key: &str) -> bool {
    metrics::find(key).is_none_or(|d| d.better != metrics::Better::Neither)
}

/// One metric of a baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineMetric {
    pub key: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub tolerance: Tolerance,
    /// Replications where the metric was defined.
    pub n: u64,
    /// Mean over defined replications (`null` when none).
    pub mean: Option<f64>,
    /// Half-width of the 95 % interval of the mean.
    pub ci95: Option<f64>,
    /// The value of every replication, in replication order; `null` = undefined.
    pub values: Vec<Option<f64>>,
}

/// The contents of `baselines/NAME.json`. Field order is fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// `experiment::summary::SCHEMA_VERSION`; 0 when absent (made before versions).
    #[serde(default)]
    pub schema_version: u32,
    pub promosim: String,
    pub scenario: String,
    /// FNV-1a 64 of the scenario text (line endings normalised), hex.
    pub scenario_hash: String,
    pub seed: u64,
    pub replications: u32,
    /// [`Baseline::fingerprint`] of the fields above and the metrics, hex; a
    /// baseline of an older promosim has none (see [`Baseline::verify`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    pub metrics: Vec<BaselineMetric>,
}

/// The hash a baseline stores: FNV-1a 64 of the text with `\r\n` read as `\n`,
/// so a checkout with Windows line endings hashes the same.
pub fn scenario_hash(source: &str) -> String {
    format!("{:016x}", fnv1a64(source.replace("\r\n", "\n").as_bytes()))
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The value of each metric key in each replication (`NaN` when the key is absent).
fn columns(results: &[ReplicationResult], keys: &[String]) -> Vec<Vec<f64>> {
    let mut cols = vec![Vec::with_capacity(results.len()); keys.len()];
    for r in results {
        let all = r.metrics();
        for (k, col) in keys.iter().zip(cols.iter_mut()) {
            col.push(
                all.iter()
                    .find(|m| &m.key == k)
                    .map_or(f64::NAN, |m| m.value),
            );
        }
    }
    cols
}

/// Every metric key a replication produces.
pub fn known_keys(results: &[ReplicationResult]) -> Vec<String> {
    results
        .first()
        .map(|r| r.metrics().into_iter().map(|m| m.key).collect())
        .unwrap_or_default()
}

/// Builds a baseline from a run's per-replication results.
///
/// `keys` are the metrics to keep; `tolerances` override the defaults per key.
/// An unknown key is bad input.
pub fn make_baseline(
    model: &Model,
    source: &str,
    results: &[ReplicationResult],
    keys: &[String],
    tolerances: &BTreeMap<String, Tolerance>,
) -> Result<Baseline, InputError> {
    let known = known_keys(results);
    for k in keys.iter().chain(tolerances.keys()) {
        if !known.contains(k) {
            return Err(InputError::new(
                "--metric",
                format!(
                    "unknown metric {k:?}; metrics of this scenario: {}",
                    known.join(", ")
                ),
            ));
        }
    }
    let cols = columns(results, keys);
    let metrics = keys
        .iter()
        .zip(cols)
        .map(|(k, col)| {
            let unit = results
                .first()
                .and_then(|r| r.metrics().into_iter().find(|m| &m.key == k))
                .map_or("", |m| m.unit);
            let s = metrics::describe(k.clone(), unit, col.iter().copied());
            BaselineMetric {
                key: k.clone(),
                unit: unit.to_string(),
                higher_is_better: higher_is_better(k),
                tolerance: tolerances
                    .get(k)
                    .copied()
                    .unwrap_or_else(|| default_tolerance(k)),
                n: s.n,
                mean: finite(s.mean),
                ci95: finite(s.ci95),
                values: col.into_iter().map(finite).collect(),
            }
        })
        .collect();
    let mut b = Baseline {
        schema_version: crate::experiment::summary::SCHEMA_VERSION,
        promosim: env!("CARGO_PKG_VERSION").to_string(),
        scenario: model.name.clone(),
        scenario_hash: scenario_hash(source),
        seed: model.seed,
        replications: results.len() as u32,
        fingerprint: None,
        metrics,
    };
    b.fingerprint = Some(b.fingerprint());
    Ok(b)
}

impl Baseline {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// FNV-1a 64 of what a check relies on: the scenario, its hash, the
    /// seed, the replication count and every metric's key, direction,
    /// tolerance and values. It makes a hand edit (a seed, a count, a value)
    /// evident; it is a consistency check, not a signature.
    pub fn fingerprint(&self) -> String {
        let mut h = Fnv::default();
        h.field(self.scenario.as_bytes());
        h.field(self.scenario_hash.as_bytes());
        h.field(&self.seed.to_le_bytes());
        h.field(&self.replications.to_le_bytes());
        for m in &self.metrics {
            h.field(m.key.as_bytes());
            h.field(&[u8::from(m.higher_is_better)]);
            h.field(&m.tolerance.relative.to_bits().to_le_bytes());
            h.field(&m.tolerance.absolute.to_bits().to_le_bytes());
            for v in &m.values {
                h.field(&v.map_or(u64::MAX, f64::to_bits).to_le_bytes());
            }
        }
        format!("{:016x}", h.finish())
    }

    /// Checks the baseline against the scenario it is checked with, whose own
    /// seed (without any override) is `scenario_seed`.
    ///
    /// A baseline with a fingerprint vouches for its seed and replication
    /// count itself ([`Baseline::from_json`] checked it). One without (made by
    /// an older promosim) cannot, so its seed must be the scenario's own:
    /// `promosim baseline` stores that seed unless `--seed` was given, and an
    /// edited seed would rerun on other random numbers and pass on noise.
    pub fn verify(&self, scenario_seed: u64, file: &str) -> Result<(), InputError> {
        if self.fingerprint.is_none() && self.seed != scenario_seed {
            return Err(InputError::new(
                file,
                format!(
                    "the baseline's seed {} is not the scenario's seed {scenario_seed}, and the \
                     baseline has no fingerprint to vouch for it (edited, or made by an older \
                     promosim); make it again with `promosim baseline`",
                    self.seed
                ),
            ));
        }
        Ok(())
    }

    /// Reads a baseline file's text; a malformed one is bad input.
    pub fn from_json(text: &str, file: &str) -> Result<Baseline, InputError> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            InputError::at(
                file,
                e.line() as u64,
                e.column() as u64,
                format!("not a promosim baseline: {e}"),
            )
        })?;
        if b.replications < 2 {
            return Err(InputError::new(
                file,
                "a baseline needs at least 2 replications",
            ));
        }
        if b.metrics.is_empty() {
            return Err(InputError::new(
                file,
                "the baseline lists no metrics, so a check would decide nothing; \
                 make it again with `promosim baseline`",
            ));
        }
        for m in &b.metrics {
            // The direction is the metric's declaration, never the file's say:
            // a flipped flag would turn a regression into an improvement.
            if let Some(d) = metrics::find(&m.key)
                && (d.better == metrics::Better::Higher) != m.higher_is_better
            {
                return Err(InputError::new(
                    file,
                    format!(
                        "metric {:?}: higher_is_better is {} in the file, but the metric is declared {} is better; the baseline was edited — make it again with `promosim baseline`",
                        m.key,
                        m.higher_is_better,
                        if d.better == metrics::Better::Higher {
                            "higher"
                        } else {
                            "lower"
                        }
                    ),
                ));
            }
            if m.values.len() != b.replications as usize {
                return Err(InputError::new(
                    file,
                    format!(
                        "metric {:?} has {} values for {} replications",
                        m.key,
                        m.values.len(),
                        b.replications
                    ),
                ));
            }
            let defined: Vec<f64> = m.values.iter().flatten().copied().collect();
            let mean = defined.iter().sum::<f64>() / defined.len().max(1) as f64;
            // A mean is stored only when every counted value was finite.
            let agrees = m.mean.is_none_or(|stored| {
                m.n == defined.len() as u64 && (stored - mean).abs() <= 1e-9 * mean.abs().max(1.0)
            });
            if !agrees {
                return Err(edited(
                    file,
                    &format!("metric {:?}: its n and mean do not match its values", m.key),
                ));
            }
            let t = m.tolerance;
            if !(t.relative.is_finite()
                && t.relative >= 0.0
                && t.absolute.is_finite()
                && t.absolute >= 0.0)
            {
                return Err(InputError::new(
                    file,
                    format!("metric {:?}: tolerances must be non-negative", m.key),
                ));
            }
        }
        if let Some(stored) = &b.fingerprint
            && *stored != b.fingerprint()
        {
            return Err(edited(
                file,
                "its seed, replication count, tolerances or values no longer match its fingerprint",
            ));
        }
        Ok(b)
    }
}

/// A baseline that was changed by hand since `promosim baseline` wrote it.
fn edited(file: &str, what: &str) -> InputError {
    InputError::new(
        file,
        format!("the baseline was edited: {what}; make it again with `promosim baseline`"),
    )
}

/// What `check` decided for one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Improved,
    Regressed,
    /// A metric with no better direction moved beyond its tolerance either way.
    Changed,
    /// Fewer than two replications where both runs define the metric.
    NotApplicable,
    /// The rerun does not produce the metric.
    Missing,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Improved => "IMPROVED",
            Verdict::Regressed => "REGRESSED",
            Verdict::Changed => "CHANGED",
            Verdict::NotApplicable => "n/a",
            Verdict::Missing => "MISSING",
        }
    }

    /// Whether the verdict fails the check.
    pub fn fails(self) -> bool {
        matches!(
            self,
            Verdict::Regressed | Verdict::Changed | Verdict::Missing
        )
    }
}

/// One metric's comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricCheck {
    pub key: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub baseline_mean: f64,
    pub now_mean: f64,
    /// Mean paired difference now − baseline, and the half-width of its 95 % interval.
    pub delta: f64,
    pub delta_ci95: f64,
    /// Pairs used.
    pub pairs: u64,
    pub tolerance: Tolerance,
    /// The allowed movement, in the metric's unit.
    pub allowed: f64,
    pub verdict: Verdict,
}

/// The outcome of `check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    pub metrics: Vec<MetricCheck>,
    /// Things worth saying that do not decide (scenario text changed, version).
    pub notes: Vec<String>,
}

impl CheckReport {
    pub fn failures(&self) -> impl Iterator<Item = &MetricCheck> {
        self.metrics.iter().filter(|m| m.verdict.fails())
    }

    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }
}

/// Decides every baseline metric on the paired differences (see the module docs).
///
/// `results` must be the rerun's replications `0..baseline.replications` on the
/// baseline's seed; `tolerances` override the baseline's stored ones.
pub fn compare(
    baseline: &Baseline,
    source: &str,
    results: &[ReplicationResult],
    tolerances: &BTreeMap<String, Tolerance>,
) -> CheckReport {
    let mut notes = Vec::new();
    let hash = scenario_hash(source);
    if hash != baseline.scenario_hash {
        notes.push(format!(
            "the scenario text changed since the baseline (hash {} → {hash}); the decision is on the metrics",
            baseline.scenario_hash
        ));
    }
    if baseline.promosim != env!("CARGO_PKG_VERSION") {
        notes.push(format!(
            "baseline made by promosim {}, this is {}",
            baseline.promosim,
            env!("CARGO_PKG_VERSION")
        ));
    }
    let known = known_keys(results);
    let keys: Vec<String> = baseline.metrics.iter().map(|m| m.key.clone()).collect();
    let cols = columns(results, &keys);
    let metrics =
        baseline
            .metrics
            .iter()
            .zip(cols)
            .map(|(b, now)| {
                let tolerance = tolerances.get(&b.key).copied().unwrap_or(b.tolerance);
                let base_mean = b.mean.unwrap_or(f64::NAN);
                let allowed = tolerance.allowed(base_mean);
                let now_mean = metrics::describe(String::new(), "", now.iter().copied()).mean;
                let mut check = MetricCheck {
                    key: b.key.clone(),
                    unit: b.unit.clone(),
                    higher_is_better: b.higher_is_better,
                    baseline_mean: base_mean,
                    now_mean,
                    delta: f64::NAN,
                    delta_ci95: f64::NAN,
                    pairs: 0,
                    tolerance,
                    allowed,
                    verdict: Verdict::NotApplicable,
                };
                if !known.contains(&b.key) {
                    check.verdict = Verdict::Missing;
                    return check;
                }
                let diffs = b.values.iter().zip(&now).filter_map(|(base, new)| {
                    match (base, new.is_finite()) {
                        (Some(base), true) => Some(new - base),
                        _ => None,
                    }
                });
                let d = metrics::describe(String::new(), "", diffs);
                check.pairs = d.n;
                if d.n < 2 {
                    return check;
                }
                check.delta = d.mean;
                check.delta_ci95 = d.ci95;
                // A metric with no better direction (deploys counted per
                // stage, batch size, ...) fails when it moved either way.
                if !has_direction(&b.key) {
                    check.verdict = if d.mean.abs() - d.ci95 > allowed {
                        Verdict::Changed
                    } else {
                        Verdict::Pass
                    };
                    return check;
                }
                // Worsening is positive.
                let worse = if b.higher_is_better { -d.mean } else { d.mean };
                check.verdict = if worse - d.ci95 > allowed {
                    Verdict::Regressed
                } else if worse + d.ci95 < -allowed {
                    Verdict::Improved
                } else {
                    Verdict::Pass
                };
                check
            })
            .collect();
    CheckReport {
        scenario: baseline.scenario.clone(),
        seed: baseline.seed,
        replications: baseline.replications,
        metrics,
        notes,
    }
}

/// Parses `KEY=TOL` command-line overrides.
pub fn parse_overrides(items: &[String]) -> Result<BTreeMap<String, Tolerance>, InputError> {
    let mut out = BTreeMap::new();
    for item in items {
        let (k, v) = item.split_once('=').ok_or_else(|| {
            InputError::new(
                "--tolerance",
                format!("expected KEY=TOLERANCE such as lead_time.p50=5%, found {item:?}"),
            )
        })?;
        let t = Tolerance::parse(v.trim()).map_err(|e| InputError::new("--tolerance", e))?;
        out.insert(k.trim().to_string(), t);
    }
    Ok(out)
}

/// The metrics a baseline keeps: the scenario's `check.metrics` (or
/// [`DEFAULT_METRICS`]), then each `--metric` and each metric given a
/// tolerance, once each, in that order.
pub fn baseline_keys(
    listed: Option<Vec<String>>,
    extra: &[String],
    tolerances: &BTreeMap<String, Tolerance>,
) -> Vec<String> {
    let mut keys =
        listed.unwrap_or_else(|| DEFAULT_METRICS.iter().map(|k| k.to_string()).collect());
    for k in extra.iter().chain(tolerances.keys()) {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys
}

/// Refuses a tolerance override for a metric the baseline does not keep.
pub fn known_overrides(
    b: &Baseline,
    tolerances: &BTreeMap<String, Tolerance>,
) -> Result<(), InputError> {
    for k in tolerances.keys() {
        if !b.metrics.iter().any(|mm| &mm.key == k) {
            let keys: Vec<&str> = b.metrics.iter().map(|mm| mm.key.as_str()).collect();
            return Err(InputError::new(
                "--tolerance",
                format!(
                    "{k:?} is not a metric of the baseline (it has: {}); add it with `promosim baseline --metric {k}`",
                    keys.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Tolerances written in a scenario's `check:` section.
pub fn scenario_overrides(
    s: &crate::scenario::Scenario,
) -> Result<BTreeMap<String, Tolerance>, InputError> {
    let mut out = BTreeMap::new();
    if let Some(c) = &s.file.check {
        for (k, v) in &c.tolerances {
            let t = Tolerance::parse(&v.value.0).map_err(|e| {
                InputError::at(
                    s.path.display().to_string(),
                    v.referenced.line(),
                    v.referenced.column(),
                    format!("check.tolerances.{k}: {e}"),
                )
            })?;
            out.insert(k.clone(), t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_hash_ignores_line_endings() {
        assert_eq!(scenario_hash("a\r\nb"), scenario_hash("a\nb"));
        assert_eq!(scenario_hash(""), "cbf29ce484222325");
    }

    #[test]
    fn tolerances_parse() {
        let t = Tolerance::parse("5%").unwrap();
        assert_eq!((t.relative, t.absolute), (0.05, 0.0));
        let t = Tolerance::parse("0.5").unwrap();
        assert_eq!((t.relative, t.absolute), (0.0, 0.5));
        let t = Tolerance::parse("10%, 2").unwrap();
        assert_eq!((t.relative, t.absolute), (0.1, 2.0));
        assert_eq!(t.allowed(100.0), 10.0);
        assert_eq!(t.allowed(1.0), 2.0);
        for bad in ["", "x", "-1", "5%,6%", "1,2", "NaN", "inf%"] {
            assert!(Tolerance::parse(bad).is_err(), "{bad}");
        }
    }
}
