//! An experiment as data: its points (scenarios or grid points), the common
//! seed and replication count, and its units of work; shards of the units;
//! partial results and how they are merged back into the whole.
//!
//! The unsharded commands go through exactly the same path as `merge`: they
//! build the one partial result holding every unit (shard 1/1) in memory and
//! [`assemble`] it, so a merge of shards writes byte for byte the same files.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::select::SelectSpec;
pub use super::shard::Shard;
use super::summary::{Summary, dora_of};
use super::{Fold, Sink};
use crate::error::InputError;
use crate::fingerprint::Fnv;
use crate::metrics::{MetricSummary, Unit};
use crate::model::Model;

/// The tag of a partial result file, and its format version.
pub const PARTIAL_FORMAT: &str = "promosim-partial/1";

/// Which command the experiment belongs to (and so which files it writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Run,
    Compare,
    Sweep,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Run => "run",
            Kind::Compare => "compare",
            Kind::Sweep => "sweep",
        })
    }
}

/// An override as text, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    pub path: String,
    pub value: String,
}

/// What the reports say about a point, without its model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointHeader {
    /// Unique within the experiment: the scenario name, or `point-K` in a sweep.
    pub label: String,
    /// The scenario file it came from.
    pub file: String,
    pub settings: Vec<Setting>,
    pub scenario: String,
    pub description: String,
    pub start: String,
    pub time_zone: String,
    pub horizon_h: f64,
    pub warm_up_h: f64,
    pub stages: Vec<String>,
    /// The scenario text the point ran (after its overrides), so that a
    /// result can be re-traced and its page redrawn (`promosim report`).
    /// Empty in parts written before it was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

impl PointHeader {
    pub fn new(label: String, file: String, settings: Vec<Setting>, m: &Model) -> PointHeader {
        // Summary::new knows how a model is described; reuse it.
        let s = Summary::new(m, 0, Vec::new());
        PointHeader {
            label,
            file,
            settings,
            scenario: s.scenario,
            description: s.description,
            start: s.start,
            time_zone: s.time_zone,
            horizon_h: s.horizon_h,
            warm_up_h: s.warm_up_h,
            stages: s.stages,
            source: String::new(),
        }
    }
}

/// Everything that identifies an experiment's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobHeader {
    pub promosim: String,
    /// FNV-1a 64 of the version, kind, seed, replications and every point's
    /// scenario text (after overrides), in hex.
    pub fingerprint: String,
    pub kind: Kind,
    pub seed: u64,
    pub replications: u32,
    /// Sweep: the overridden paths (one column each).
    pub dimensions: Vec<String>,
    pub points: Vec<PointHeader>,
    /// `--select` of a comparison or sweep: what `merge` and `report` select on.
    /// Not in the fingerprint (it changes no replication); parts must agree on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<SelectSpec>,
}

impl JobHeader {
    pub fn units(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.replications)
    }
}

/// An experiment ready to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub header: JobHeader,
    pub models: Vec<Model>,
}

/// A point to put into a job: its header, model (seed already common) and the text it was read from.
#[derive(Clone)]
pub struct PointSpec {
    pub header: PointHeader,
    pub model: Model,
    pub text: String,
}

impl Job {
    /// Builds a job; every model runs on `seed`.
    pub fn new(
        kind: Kind,
        seed: u64,
        replications: u32,
        dimensions: Vec<String>,
        points: Vec<PointSpec>,
    ) -> Job {
        let mut h = Fnv::default();
        h.field(env!("CARGO_PKG_VERSION").as_bytes());
        h.field(kind.to_string().as_bytes());
        h.field(&seed.to_le_bytes());
        h.field(&replications.to_le_bytes());
        for d in &dimensions {
            h.field(d.as_bytes());
        }
        let mut headers = Vec::new();
        let mut models = Vec::new();
        for mut p in points {
            h.field(p.header.label.as_bytes());
            h.field(p.text.as_bytes());
            for s in &p.header.settings {
                h.field(s.path.as_bytes());
                h.field(s.value.as_bytes());
            }
            p.model.seed = seed;
            p.header.source = p.text;
            headers.push(p.header);
            models.push(p.model);
        }
        Job {
            header: JobHeader {
                promosim: env!("CARGO_PKG_VERSION").to_string(),
                fingerprint: format!("{:016x}", h.finish()),
                kind,
                seed,
                replications,
                dimensions,
                points: headers,
                select: None,
            },
            models,
        }
    }

    /// Runs the units of `shard` (all of them for 1/1) and returns the partial result.
    pub fn run(
        &self,
        shard: Shard,
        threads: Option<usize>,
        progress: bool,
    ) -> Result<Partial, String> {
        let units: Vec<u64> = (0..self.header.units())
            .filter(|u| shard.owns(*u))
            .collect();
        let reps = u64::from(self.header.replications);
        // The metric names of a point come with the first of its units here.
        let mut first_of_point: Vec<Option<u64>> = vec![None; self.models.len()];
        for &u in &units {
            first_of_point[(u / reps) as usize].get_or_insert(u);
        }
        let rows = super::run_units_with(
            &self.models,
            self.header.replications,
            &units,
            threads,
            progress,
            |u, r| {
                let m = r.metrics();
                let names = (first_of_point[(u / reps) as usize] == Some(u)).then(|| {
                    m.iter()
                        .map(|x| KeyUnit {
                            key: x.key.clone(),
                            unit: x.unit.to_string(),
                        })
                        .collect::<Vec<_>>()
                });
                (
                    UnitValues {
                        unit: u,
                        values: m.into_iter().map(|x| Num(x.value)).collect(),
                    },
                    names,
                )
            },
        )?;
        let mut keys: Vec<Option<Vec<KeyUnit>>> = vec![None; self.models.len()];
        let mut out = Vec::with_capacity(units.len());
        for (values, names) in rows {
            if let Some(names) = names {
                keys[(values.unit / reps) as usize] = Some(names);
            }
            out.push(values);
        }
        Ok(Partial {
            format: PARTIAL_FORMAT.to_string(),
            header: self.header.clone(),
            shard,
            keys,
            units: out,
        })
    }

    /// Runs every unit and assembles the result (what an unsharded command reports).
    pub fn run_all(&self, threads: Option<usize>, progress: bool) -> Result<Assembled, String> {
        let part = self.run(Shard::WHOLE, threads, progress)?;
        assemble(vec![("this run".to_string(), part)]).map_err(|e| e.to_string())
    }
}

/// A metric's key and unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUnit {
    pub key: String,
    pub unit: String,
}

/// A metric value in a partial file: a number; `null` for NaN (undefined in
/// that replication); `"inf"`/`"-inf"` for infinities. Round-trips exactly.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_nan() {
            s.serialize_none()
        } else if v == f64::INFINITY {
            s.serialize_str("inf")
        } else if v == f64::NEG_INFINITY {
            s.serialize_str("-inf")
        } else {
            s.serialize_f64(v)
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Number(f64),
            Text(String),
        }
        match Option::<Form>::deserialize(d)? {
            None => Ok(Num(f64::NAN)),
            Some(Form::Number(v)) => Ok(Num(v)),
            Some(Form::Text(t)) => match t.as_str() {
                "inf" => Ok(Num(f64::INFINITY)),
                "-inf" => Ok(Num(f64::NEG_INFINITY)),
                _ => Err(serde::de::Error::custom(format!(
                    "expected a number, null, \"inf\" or \"-inf\", found {t:?}"
                ))),
            },
        }
    }
}

/// One unit's metric values, in the order of its point's keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitValues {
    pub unit: u64,
    pub values: Vec<Num>,
}

/// What `--shard I/N` writes: the experiment's identity and the units of one shard.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    pub format: String,
    pub header: JobHeader,
    pub shard: Shard,
    /// Per point: its metric keys, when this shard ran a unit of it.
    pub keys: Vec<Option<Vec<KeyUnit>>>,
    pub units: Vec<UnitValues>,
}

impl Partial {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn from_json(text: &str, file: &str) -> Result<Partial, InputError> {
        let p: Partial = serde_json::from_str(text).map_err(|e| {
            InputError::at(
                file,
                e.line() as u64,
                e.column() as u64,
                format!("not a promosim partial result: {e}"),
            )
        })?;
        if p.format != PARTIAL_FORMAT {
            return Err(InputError::new(
                file,
                format!(
                    "partial result format {:?}, this promosim reads {PARTIAL_FORMAT:?}",
                    p.format
                ),
            ));
        }
        if p.header.replications == 0 {
            return Err(InputError::new(
                file,
                "claims 0 replications: not a part of any run promosim makes",
            ));
        }
        Ok(p)
    }

    /// The file name a shard writes: `part-I-of-N.json`.
    pub fn file_name(&self) -> String {
        format!("part-{}-of-{}.json", self.shard.index, self.shard.count)
    }
}

/// The metric values of one point, every replication, in replication order.
#[derive(Debug, Clone)]
pub struct PointResults {
    pub keys: Vec<(String, &'static str)>,
    /// `rows[r][i]`: metric `i` of replication `r`.
    pub rows: Vec<Vec<f64>>,
}

impl PointResults {
    /// Summaries of every metric, reduced in replication order.
    pub fn summarise(&self) -> Vec<MetricSummary> {
        let mut fold = Fold::new(self.keys.clone());
        self.rows.iter().for_each(|r| fold.push(r));
        fold.finish()
    }

    /// Hands every replication's values to `sink`, in order, as a streamed
    /// run does (nothing at all when there are none).
    pub fn replay(&self, sink: &mut impl Sink) -> Result<(), String> {
        if self.rows.is_empty() {
            return Ok(());
        }
        sink.keys(&self.keys)?;
        for (r, row) in self.rows.iter().enumerate() {
            sink.replication(r as u64, row)?;
        }
        Ok(())
    }

    pub fn index(&self, key: &str) -> Option<usize> {
        self.keys.iter().position(|(k, _)| k == key)
    }

    /// The values of metric `key`, one per replication.
    pub fn column(&self, key: &str) -> Option<Vec<f64>> {
        let i = self.index(key)?;
        Some(self.rows.iter().map(|r| r[i]).collect())
    }
}

/// Every unit of an experiment, from one run or merged from shards.
#[derive(Debug, Clone)]
pub struct Assembled {
    pub header: JobHeader,
    pub points: Vec<PointResults>,
}

impl Assembled {
    /// The `summary.json` of point `p`.
    pub fn summary(&self, p: usize) -> Summary {
        let h = &self.header.points[p];
        let metrics = self.points[p].summarise();
        Summary {
            schema_version: super::summary::SCHEMA_VERSION,
            promosim: env!("CARGO_PKG_VERSION"),
            scenario: h.scenario.clone(),
            description: h.description.clone(),
            seed: self.header.seed,
            replications: self.header.replications,
            start: h.start.clone(),
            time_zone: h.time_zone.clone(),
            horizon_h: h.horizon_h,
            warm_up_h: h.warm_up_h,
            stages: h.stages.clone(),
            dora: dora_of(&metrics),
            metrics,
        }
    }
}

/// The file of a result folder that holds the whole experiment (every
/// unit, as a part of one shard, with the scenarios as run), from which
/// `promosim report` redraws the page.
pub const EXPERIMENT_FILE: &str = "experiment.json";

impl Assembled {
    /// The experiment as one part holding every unit (shard 1/1): what
    /// [`EXPERIMENT_FILE`] holds; [`assemble`] gives back the same result.
    pub fn to_partial(&self) -> Partial {
        let reps = u64::from(self.header.replications);
        let keys = self
            .points
            .iter()
            .map(|p| {
                (!p.rows.is_empty()).then(|| {
                    p.keys
                        .iter()
                        .map(|(k, u)| KeyUnit {
                            key: k.clone(),
                            unit: u.to_string(),
                        })
                        .collect()
                })
            })
            .collect();
        let units = self
            .points
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                p.rows.iter().enumerate().map(move |(r, row)| UnitValues {
                    unit: i as u64 * reps + r as u64,
                    values: row.iter().map(|v| Num(*v)).collect(),
                })
            })
            .collect();
        Partial {
            format: PARTIAL_FORMAT.to_string(),
            header: self.header.clone(),
            shard: Shard::WHOLE,
            keys,
            units,
        }
    }
}

/// A part's unit symbol as one of the declared units (summaries hold
/// `&'static str`); any other is refused, never leaked into memory.
fn unit_of(unit: &str, file: &str) -> Result<&'static str, InputError> {
    Unit::from_symbol(unit).map(Unit::symbol).ok_or_else(|| {
        InputError::new(
            file,
            format!("unknown unit {unit:?}: the part was written by another promosim version"),
        )
    })
}

/// Checks that `parts` are every shard of one run, each once; gives the file
/// of each shard, in shard order.
fn shard_files(parts: &[(String, Partial)]) -> Result<Vec<&str>, InputError> {
    let Some((first_file, first)) = parts.first() else {
        return Err(InputError::new("merge", "no partial results given"));
    };
    let header = first.header.clone();
    let count = first.shard.count;
    // By shard index: a part claiming billions of shards costs nothing here.
    let mut seen: std::collections::BTreeMap<u32, &str> = std::collections::BTreeMap::new();
    for (file, p) in parts {
        // The fingerprint covers what the result depends on; where the scenario
        // file lay on each machine (`file`) may differ.
        if p.header.fingerprint != header.fingerprint
            || p.header.replications != header.replications
            || p.header.points.len() != header.points.len()
        {
            return Err(InputError::new(
                file,
                format!(
                    "is a part of a different run than {first_file} ({} {} with fingerprint {}, not {} {} with fingerprint {}): merge parts of one command only",
                    p.header.kind,
                    p.header
                        .points
                        .iter()
                        .map(|x| x.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    p.header.fingerprint,
                    header.kind,
                    header
                        .points
                        .iter()
                        .map(|x| x.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    header.fingerprint
                ),
            ));
        }
        if p.header.select != header.select {
            let said = |h: &JobHeader| {
                h.select.as_ref().map_or("no --select".to_string(), |s| {
                    let mut t = format!("--select {}", s.metric);
                    for c in &s.constraints {
                        t.push_str(&format!(" --constraint {c}"));
                    }
                    if let Some(d) = &s.delta {
                        t.push_str(&format!(" --delta {d}"));
                    }
                    t
                })
            };
            return Err(InputError::new(
                file,
                format!(
                    "was run with {} but {first_file} with {}: give every shard the same selection options",
                    said(&p.header),
                    said(&header)
                ),
            ));
        }
        if p.shard.count != count {
            return Err(InputError::new(
                file,
                format!(
                    "is shard {} but {first_file} is shard {}: all parts must split the run into the same number of shards",
                    p.shard, first.shard
                ),
            ));
        }
        if p.shard.index == 0 || p.shard.index > count {
            return Err(InputError::new(
                file,
                format!("shard {} does not exist", p.shard),
            ));
        }
        if let Some(other) = seen.insert(p.shard.index, file.as_str()) {
            return Err(InputError::new(
                file,
                format!("shard {} is given twice (also {other})", p.shard),
            ));
        }
        if p.keys.len() != header.points.len() {
            return Err(InputError::new(file, "metric keys do not match its points"));
        }
    }
    let absent = u64::from(count) - seen.len() as u64;
    if absent > 0 {
        // Name the first few; a tampered count must not make a huge message.
        let mut missing: Vec<String> = (1..=count)
            .filter(|i| !seen.contains_key(i))
            .take(10)
            .map(|i| format!("{i}/{count}"))
            .collect();
        if absent > 10 {
            missing.push(format!("… ({absent} in all)"));
        }
        return Err(InputError::new(
            "merge",
            format!(
                "shard(s) {} missing: give every part-I-of-{count}.json of the run",
                missing.join(", ")
            ),
        ));
    }
    Ok(seen.into_values().collect())
}

/// The metric keys of each point, from any part that ran a unit of it; all must agree.
fn point_keys<'a>(
    parts: &'a [(String, Partial)],
    header: &JobHeader,
) -> Result<Vec<Option<&'a Vec<KeyUnit>>>, InputError> {
    let npoints = header.points.len();
    let mut keys: Vec<Option<&Vec<KeyUnit>>> = vec![None; npoints];
    for (file, p) in parts {
        for (i, k) in p.keys.iter().enumerate() {
            if let Some(k) = k {
                match keys[i] {
                    Some(prev) if prev != k => {
                        return Err(InputError::new(
                            file,
                            format!(
                                "metric names of {} differ from another part's",
                                header.points[i].label
                            ),
                        ));
                    }
                    _ => keys[i] = Some(k),
                }
            }
        }
    }
    Ok(keys)
}

/// Checks that `parts` are the shards of one experiment, all of them, each
/// once, and puts their units back in order.
pub fn assemble(parts: Vec<(String, Partial)>) -> Result<Assembled, InputError> {
    let seen = shard_files(&parts)?;
    let header = parts[0].1.header.clone();
    let count = parts[0].1.shard.count;
    let npoints = header.points.len();
    let keys = point_keys(&parts, &header)?;
    let reps = u64::from(header.replications);
    let total = header.units();
    let mut rows: Vec<Option<Vec<f64>>> = vec![None; total as usize];
    for (file, p) in parts.iter() {
        for u in &p.units {
            if u.unit >= total || !p.shard.owns(u.unit) {
                return Err(InputError::new(
                    file,
                    format!("unit {} does not belong to shard {}", u.unit, p.shard),
                ));
            }
            let point = (u.unit / reps) as usize;
            let width = keys[point].map_or(0, |k| k.len());
            if u.values.len() != width {
                return Err(InputError::new(
                    file,
                    format!(
                        "unit {} has {} values, expected {width}",
                        u.unit,
                        u.values.len()
                    ),
                ));
            }
            let slot = &mut rows[u.unit as usize];
            if slot.is_some() {
                return Err(InputError::new(
                    file,
                    format!("unit {} is given twice", u.unit),
                ));
            }
            *slot = Some(u.values.iter().map(|n| n.0).collect());
        }
    }
    if let Some(u) = rows.iter().position(Option::is_none) {
        let shard = u as u64 % u64::from(count) + 1;
        return Err(InputError::new(
            seen[(shard - 1) as usize],
            format!("unit {u} of shard {shard}/{count} is missing: the part is incomplete"),
        ));
    }
    let mut rows = rows.into_iter().flatten();
    let mut points = Vec::with_capacity(npoints);
    for p in 0..npoints {
        let keys = keys[p]
            .map(|k| {
                k.iter()
                    .map(|x| Ok((x.key.clone(), unit_of(&x.unit, seen[0])?)))
                    .collect::<Result<Vec<_>, InputError>>()
            })
            .transpose()?
            .unwrap_or_default();
        let rows = rows.by_ref().take(reps as usize).collect();
        points.push(PointResults { keys, rows });
    }
    Ok(Assembled { header, points })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs() {
        let none = |_: &str| None;
        assert_eq!(
            Shard::parse_with("2/3", none).unwrap(),
            Shard { index: 2, count: 3 }
        );
        assert!(Shard::parse_with("0/3", none).is_err());
        assert!(Shard::parse_with("4/3", none).is_err());
        assert!(Shard::parse_with("1/0", none).is_err());
        assert!(Shard::parse_with("x/3", none).is_err());
        assert!(Shard::parse_with("2", none).is_err());
        assert!(Shard::parse_with("auto/3", none).is_err());
        let k8s = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "0".to_string());
        assert_eq!(
            Shard::parse_with("auto/3", k8s).unwrap(),
            Shard { index: 1, count: 3 }
        );
        assert!(Shard::parse_with("auto", k8s).is_err());
        let slurm = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("3".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("1".to_string()),
            "SLURM_ARRAY_TASK_COUNT" => Some("3".to_string()),
            _ => None,
        };
        assert_eq!(
            Shard::parse_with("auto", slurm).unwrap(),
            Shard { index: 3, count: 3 }
        );
        let over = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "3".to_string());
        assert!(Shard::parse_with("auto/3", over).is_err());
    }

    #[test]
    fn units_split_evenly_and_completely() {
        let n = 3;
        let mut owners = [0; 10];
        for i in 1..=n {
            let s = Shard { index: i, count: n };
            for (u, o) in owners.iter_mut().enumerate() {
                if s.owns(u as u64) {
                    *o += 1;
                }
            }
        }
        assert!(owners.iter().all(|&o| o == 1));
    }

    #[test]
    fn numbers_round_trip() {
        let v = vec![
            Num(f64::NAN),
            Num(0.1 + 0.2),
            Num(f64::INFINITY),
            Num(-1e-300),
            Num(f64::NEG_INFINITY),
        ];
        let s = serde_json::to_string(&v).unwrap();
        let back: Vec<Num> = serde_json::from_str(&s).unwrap();
        assert!(back[0].0.is_nan());
        for (a, b) in v.iter().zip(&back).skip(1) {
            assert_eq!(a.0.to_bits(), b.0.to_bits(), "{s}");
        }
    }
}
