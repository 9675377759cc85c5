//! Naming the best point of a sweep or scenario of a comparison as a
//! statistical claim (`--select METRIC`): which points cannot be told apart
//! from the best at 95 % (subset selection with MCB intervals, on the common
//! random numbers every point shares), which meet the user's constraints, and,
//! with an indifference zone δ, a sequential procedure (KN) that adds
//! replications only to the points still in contention until one is left.
//! Also the Pareto front of lead time against blast radius (of means).
//!
//! The statistics are in [`procedures`] on plain numbers; this module reads the
//! metric columns of an experiment's points, splits the error rate, and gives
//! back [`Selection`], plain data that `selection.json`, the terminal and the
//! page are written from. More replications come through a callback, so
//! nothing here runs the engine (see [`more_replications`] for the one that does).

pub mod procedures;

use std::ops::Range;

use serde::{Deserialize, Serialize};

use self::procedures::{Answers, Feasible, More, Requests};
use super::job::{Job, PointResults};
use crate::error::InputError;
use crate::metrics;

/// The confidence of every statement the selection makes.
pub const CONFIDENCE: f64 = 0.95;
/// The sequential procedure's name in `selection.json`.
const KN: &str = "KN (Kim & Nelson 2001), fully sequential, c = 1";
/// The two metrics of the Pareto front.
pub const PARETO: (&str, &str) = ("lead_time.mean", "blast_radius.share_hours");
/// δ when `--delta` is given without a value: this share of the best first-stage mean.
pub const DEFAULT_RELATIVE_DELTA: f64 = 0.01;

/// Which way a constraint bounds its metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = ">=")]
    AtLeast,
}

/// `KEY<=VALUE` or `KEY>=VALUE`: a bound on a metric's mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    pub key: String,
    pub op: Op,
    pub bound: f64,
}

impl Constraint {
    pub fn parse(text: &str) -> Result<Constraint, InputError> {
        let arg = format!("--constraint {text}");
        let (key, op, value) = if let Some((k, v)) = text.split_once("<=") {
            (k, Op::AtMost, v)
        } else if let Some((k, v)) = text.split_once(">=") {
            (k, Op::AtLeast, v)
        } else {
            return Err(InputError::new(
                &arg,
                "expected KEY<=VALUE or KEY>=VALUE, e.g. blast_radius.share_hours<=10",
            ));
        };
        let bound = value.trim().parse::<f64>().ok().filter(|b| b.is_finite());
        let Some(bound) = bound else {
            return Err(InputError::new(
                &arg,
                format!("{:?} is not a number", value.trim()),
            ));
        };
        Ok(Constraint {
            key: key.trim().to_string(),
            op,
            bound,
        })
    }

    pub fn text(&self) -> String {
        let op = match self.op {
            Op::AtMost => "≤",
            Op::AtLeast => "≥",
        };
        format!("{} {op} {}", self.key, self.bound)
    }
}

/// The indifference zone of the sequential procedure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delta {
    /// In the metric's unit.
    Absolute(f64),
    /// A share of the best first-stage mean's size.
    Relative(f64),
}

impl Delta {
    /// Parses `0.5` (the metric's unit) or `2%`.
    pub fn parse(text: &str) -> Result<Delta, InputError> {
        let t = text.trim();
        let bad = || {
            InputError::new(
                format!("--delta {text}"),
                "expected a positive number in the metric's unit (0.5) or a share of the best mean (2%)",
            )
        };
        let (v, relative) = match t.strip_suffix('%') {
            Some(p) => (p.trim().parse::<f64>().map_err(|_| bad())? / 100.0, true),
            None => (t.parse::<f64>().map_err(|_| bad())?, false),
        };
        if !v.is_finite() || v <= 0.0 {
            return Err(bad());
        }
        Ok(if relative {
            Delta::Relative(v)
        } else {
            Delta::Absolute(v)
        })
    }
}

/// `--select` as given, kept in the experiment's header (so in every shard's
/// part and in `experiment.json`): `merge` and `promosim report` make the
/// selection the unsharded command makes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectSpec {
    pub metric: String,
    /// `KEY<=VALUE` or `KEY>=VALUE`, as given.
    pub constraints: Vec<String>,
    /// `--delta` as given (`0.5`, `2%`), or none: no sequential procedure.
    pub delta: Option<String>,
    pub max_replications: u64,
}

impl SelectSpec {
    /// The request, checked: known metrics, parseable constraints and δ, a cap of at least 2.
    pub fn request(&self) -> Result<Request, InputError> {
        let constraints = self
            .constraints
            .iter()
            .map(|c| Constraint::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        let delta = self.delta.as_deref().map(Delta::parse).transpose()?;
        let metric = self.metric.trim();
        let keys = std::iter::once(metric).chain(constraints.iter().map(|c| c.key.as_str()));
        for key in keys {
            if metrics::find(key).is_none() {
                return Err(InputError::new(
                    key,
                    "no such metric (docs/metrics.md lists them, e.g. lead_time.mean, blast_radius.share_hours)",
                ));
            }
        }
        // Constraints may bound any metric; "the best" needs a direction.
        if metrics::find(metric).is_some_and(|d| d.better == metrics::Better::Neither) {
            return Err(InputError::new(
                metric,
                "has no better direction (docs/metrics.md: —), so no point is the best by it; select by a metric that is better lower or higher, and bound this one with --constraint",
            ));
        }
        if self.max_replications < 2 {
            return Err(InputError::new(
                "--select-max-replications",
                "must be at least 2",
            ));
        }
        Ok(Request {
            metric: metric.to_string(),
            constraints,
            delta,
            max_replications: self.max_replications,
        })
    }
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub metric: String,
    pub constraints: Vec<Constraint>,
    /// Run KN with this indifference zone (else no replications are added).
    pub delta: Option<Delta>,
    /// KN stops at this many replications per point without selecting.
    pub max_replications: u64,
}

/// One point's part in the selection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointChoice {
    pub label: String,
    /// Mean and 95 % half-width of the metric over the first-stage replications.
    pub mean: f64,
    pub ci95: f64,
    /// Cannot be told apart from the best (among the feasible, with constraints).
    pub in_subset: bool,
    /// MCB: at most this much worse than the best (metric's unit, ≥ 0); only without constraints.
    pub worse_than_best_at_most: Option<f64>,
    /// All constraints met (`yes`), one surely broken (`no`), or not yet clear.
    pub feasible: Option<Feasible>,
    /// On the Pareto front of the two [`PARETO`] means.
    pub pareto: bool,
    /// Replications the sequential procedure ended with (first stage included).
    pub sequential_replications: Option<u64>,
}

/// A constraint's verdict over the points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConstraintResult {
    pub constraint: Constraint,
    pub feasible: usize,
    pub infeasible: usize,
    pub uncertain: usize,
}

/// What the sequential procedure did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sequential {
    pub procedure: &'static str,
    /// Indifference zone, in the metric's unit.
    pub delta: f64,
    /// How δ was given: "absolute" or "N % of the best mean".
    pub delta_from: String,
    pub eta: f64,
    pub h2: f64,
    pub confidence: f64,
    /// The point selected; `None` when the replication cap came first.
    pub selected: Option<String>,
    /// Points still in contention at the end.
    pub survivors: Vec<String>,
    /// Replications added beyond the first stage, over all points.
    pub added_replications: u64,
}

/// The contents of `selection.json`: plain data for the terminal and the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    pub metric: String,
    pub unit: String,
    /// "lower" or "higher".
    pub better: &'static str,
    pub confidence: f64,
    /// The share of 1 − confidence given to the constraints (Bonferroni), 0 without.
    pub feasibility_alpha: f64,
    /// First-stage replications of every point.
    pub replications: u32,
    pub procedure: &'static str,
    pub points: Vec<PointChoice>,
    pub subset: Vec<String>,
    pub constraints: Vec<ConstraintResult>,
    pub sequential: Option<Sequential>,
    /// The two metrics of the Pareto front (of means), when both exist.
    pub pareto_of: Option<(String, String)>,
    pub pareto: Vec<String>,
}

/// Column `key` of every point, or a message naming the metrics there are.
fn columns(points: &[PointResults], key: &str) -> Result<Vec<Vec<f64>>, InputError> {
    points
        .iter()
        .map(|p| p.column(key))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            let known: Vec<&str> = crate::experiment::compare::KEY_METRICS.to_vec();
            InputError::new(
                key,
                format!(
                    "no such metric in every point (metrics.md lists them; e.g. {})",
                    known.join(", ")
                ),
            )
        })
}

/// Runs the selection on the first-stage results `points` (labelled by
/// `labels`), asking `more` for replications when a δ was given.
pub fn select(
    req: &Request,
    labels: &[String],
    points: &[PointResults],
    more: &mut More<'_>,
) -> Result<Selection, InputError> {
    let k = points.len();
    let raw = columns(points, &req.metric)?;
    let higher = metrics::higher_is_better(&req.metric);
    let sign = if higher { -1.0 } else { 1.0 };
    // Everything below minimises.
    let data: Vec<Vec<f64>> = raw
        .iter()
        .map(|c| c.iter().map(|x| sign * x).collect())
        .collect();
    let alpha = 1.0 - CONFIDENCE;
    let alpha_f = if req.constraints.is_empty() {
        0.0
    } else {
        alpha / 2.0
    };
    let alpha_s = alpha - alpha_f;
    let (feasible, constraints) = classify(points, &req.constraints, alpha_f)?;
    let candidate: Vec<bool> = feasible.iter().map(|f| *f != Some(Feasible::No)).collect();
    let against: Vec<bool> = feasible
        .iter()
        .map(|f| f.is_none() || *f == Some(Feasible::Yes))
        .collect();
    let sub = procedures::subset(&data, alpha_s, &candidate, &against);
    let pareto = pareto_front(points);
    let seq = match req.delta {
        None => None,
        Some(d) => Some(sequential(req, d, &data, &against, alpha_s, labels, more)?),
    };
    let seq_reps = seq.as_ref().map(|(_, reps)| reps.clone());
    let unit = points
        .first()
        .and_then(|p| p.index(&req.metric).map(|i| p.keys[i].1))
        .unwrap_or("");
    let choices = (0..k)
        .map(|i| {
            let s = metrics::describe(String::new(), "", raw[i].iter().copied());
            PointChoice {
                label: labels[i].clone(),
                mean: s.mean,
                ci95: s.ci95,
                in_subset: sub.keep[i],
                worse_than_best_at_most: if req.constraints.is_empty() {
                    sub.mcb[i].map(|(_, hi)| hi)
                } else {
                    None
                },
                feasible: feasible[i],
                pareto: pareto.as_ref().is_some_and(|p| p[i]),
                sequential_replications: seq_reps
                    .as_ref()
                    .and_then(|r| r.get(i).copied().flatten()),
            }
        })
        .collect::<Vec<_>>();
    Ok(Selection {
        metric: req.metric.clone(),
        unit: unit.to_string(),
        better: if higher { "higher" } else { "lower" },
        confidence: CONFIDENCE,
        feasibility_alpha: alpha_f,
        replications: points.first().map_or(0, |p| p.rows.len() as u32),
        procedure: "subset selection with common random numbers (Nelson, Swann, Goldsman & Song 2001; paired differences, Bonferroni t) and Hsu's constrained MCB intervals",
        subset: (0..k)
            .filter(|&i| sub.keep[i])
            .map(|i| labels[i].clone())
            .collect(),
        pareto_of: pareto
            .as_ref()
            .map(|_| (PARETO.0.to_string(), PARETO.1.to_string())),
        pareto: (0..k)
            .filter(|&i| choices[i].pareto)
            .map(|i| labels[i].clone())
            .collect(),
        points: choices,
        constraints,
        sequential: seq.map(|(s, _)| s),
    })
}

type Classes = (Vec<Option<Feasible>>, Vec<ConstraintResult>);

/// Each point's feasibility over all constraints (None without any), and each
/// constraint's tally, at joint confidence 1 − `alpha_f`.
fn classify(
    points: &[PointResults],
    constraints: &[Constraint],
    alpha_f: f64,
) -> Result<Classes, InputError> {
    let k = points.len();
    let mut overall: Vec<Option<Feasible>> = vec![None; k];
    let mut tallies = Vec::new();
    let each = alpha_f / (k * constraints.len().max(1)) as f64;
    for c in constraints {
        let cols = columns(points, &c.key)?;
        let mut t = ConstraintResult {
            constraint: c.clone(),
            feasible: 0,
            infeasible: 0,
            uncertain: 0,
        };
        for (i, col) in cols.iter().enumerate() {
            // `≥ b` is `−x ≤ −b`.
            let (x, b): (Vec<f64>, f64) = match c.op {
                Op::AtMost => (col.clone(), c.bound),
                Op::AtLeast => (col.iter().map(|v| -v).collect(), -c.bound),
            };
            let class = procedures::feasibility(&x, b, each).0;
            match class {
                Feasible::Yes => t.feasible += 1,
                Feasible::No => t.infeasible += 1,
                Feasible::Uncertain => t.uncertain += 1,
            }
            overall[i] = Some(match (overall[i], class) {
                (Some(Feasible::No), _) | (_, Feasible::No) => Feasible::No,
                (Some(Feasible::Uncertain), _) | (_, Feasible::Uncertain) => Feasible::Uncertain,
                _ => Feasible::Yes,
            });
        }
        tallies.push(t);
    }
    Ok((overall, tallies))
}

/// The Pareto front of the [`PARETO`] means, when every point has both.
fn pareto_front(points: &[PointResults]) -> Option<Vec<bool>> {
    let x = columns(points, PARETO.0).ok()?;
    let y = columns(points, PARETO.1).ok()?;
    let x: Vec<f64> = x.iter().map(|c| procedures::mean(c)).collect();
    let y: Vec<f64> = y.iter().map(|c| procedures::mean(c)).collect();
    Some(procedures::pareto(&x, &y))
}

/// KN among the points that may eliminate others (all, without constraints).
fn sequential(
    req: &Request,
    d: Delta,
    data: &[Vec<f64>],
    among: &[bool],
    alpha: f64,
    labels: &[String],
    more: &mut More<'_>,
) -> Result<(Sequential, Vec<Option<u64>>), InputError> {
    let arg = || format!("--select {} --delta", req.metric);
    let ids: Vec<usize> = (0..data.len()).filter(|&i| among[i]).collect();
    if ids.is_empty() {
        // Nothing shown feasible: no point to run more replications of.
        return Ok((
            Sequential {
                procedure: KN,
                delta: f64::NAN,
                delta_from: "no point is shown feasible".into(),
                eta: f64::NAN,
                h2: f64::NAN,
                confidence: 1.0 - alpha,
                selected: None,
                survivors: Vec::new(),
                added_replications: 0,
            },
            vec![None; data.len()],
        ));
    }
    let first: Vec<Vec<f64>> = ids.iter().map(|&i| data[i].clone()).collect();
    let means: Vec<f64> = first.iter().map(|c| procedures::mean(c)).collect();
    let best = means.iter().copied().fold(f64::INFINITY, f64::min);
    let (delta, delta_from) = match d {
        Delta::Absolute(v) => (v, "absolute".to_string()),
        Delta::Relative(p) => (
            p * best.abs(),
            format!("{} % of the best first-stage mean", p * 100.0),
        ),
    };
    if !(delta.is_finite() && delta > 0.0) {
        return Err(InputError::new(
            arg(),
            "the relative δ is 0 (the best mean is 0): give δ in the metric's unit",
        ));
    }
    let n0 = first.first().map_or(0, |c| c.len()) as u64;
    // Batches of a tenth of the first stage (at least 10): the result does not
    // depend on it, only how many replications are run past the end.
    let batch = (n0 / 10).max(10);
    // `more` speaks of points; KN of its own systems (the ids).
    let sign = if metrics::higher_is_better(&req.metric) {
        -1.0
    } else {
        1.0
    };
    let mut ask = |reqs: &Requests| -> Answers {
        let mapped: Vec<(usize, Range<u64>)> =
            reqs.iter().map(|(i, r)| (ids[*i], r.clone())).collect();
        Ok(more(&mapped)?
            .into_iter()
            .map(|v| v.into_iter().map(|x| sign * x).collect())
            .collect())
    };
    let kn = procedures::kn(&first, alpha, delta, batch, req.max_replications, &mut ask)
        .map_err(|e| InputError::new(arg(), e))?;
    let mut reps = vec![None; data.len()];
    for (j, &i) in ids.iter().enumerate() {
        reps[i] = Some(kn.replications[j]);
    }
    let added = kn.replications.iter().map(|r| r.saturating_sub(n0)).sum();
    Ok((
        Sequential {
            procedure: KN,
            delta,
            delta_from,
            eta: kn.eta,
            h2: kn.h2,
            confidence: 1.0 - alpha,
            selected: kn.selected.map(|j| labels[ids[j]].clone()),
            survivors: kn
                .survivors
                .iter()
                .map(|&j| labels[ids[j]].clone())
                .collect(),
            added_replications: added,
        },
        reps,
    ))
}

/// A callback that runs replications of `job`'s points and gives metric `key`
/// of each: what [`select`] asks for to run KN on the engine. Replication `r`
/// of a point is the same run whatever else runs, so these extend the
/// experiment on the same random numbers.
pub fn more_replications<'a>(
    job: &'a Job,
    key: &'a str,
    threads: Option<usize>,
) -> impl FnMut(&Requests) -> Answers + 'a {
    move |reqs: &Requests| {
        let reps = reqs.iter().map(|(_, r)| r.end).max().unwrap_or(1).max(1);
        let units: Vec<u64> = reqs
            .iter()
            .flat_map(|(p, r)| r.clone().map(move |r| *p as u64 * reps + r))
            .collect();
        let replications =
            u32::try_from(reps).map_err(|_| format!("{reps} replications are too many"))?;
        let values = super::run_units_with(
            &job.models,
            replications,
            &units,
            threads,
            false,
            |_, res| {
                res.metrics()
                    .into_iter()
                    .find(|m| m.key == key)
                    .map_or(f64::NAN, |m| m.value)
            },
        )?;
        let mut it = values.into_iter();
        Ok(reqs
            .iter()
            .map(|(_, r)| it.by_ref().take((r.end - r.start) as usize).collect())
            .collect())
    }
}

/// The short text block printed after the table.
pub fn text(s: &Selection) -> String {
    let pct = format!("{:.0} %", s.confidence * 100.0);
    let k = s.points.len();
    let mut out = format!(
        "Selection on {} ({} is better, {} replications per point):\n",
        s.metric, s.better, s.replications
    );
    for c in &s.constraints {
        out.push_str(&format!(
            "  feasible with {}: {} of {k} ({} surely not, {} not yet clear; all verdicts jointly at {:.1} %)\n",
            c.constraint.text(),
            c.feasible,
            c.infeasible,
            c.uncertain,
            (1.0 - s.feasibility_alpha) * 100.0
        ));
    }
    let among = if s.constraints.is_empty() {
        ""
    } else {
        " feasible"
    };
    let n = s.subset.len();
    if n == 0 {
        out.push_str(&format!(
            "  {}: no point can be the best{among}: none meets the constraints at {pct}\n",
            s.metric
        ));
    } else {
        let who = if n == 1 {
            format!("only {} (1 of {k} points)", s.subset[0])
        } else {
            format!("these {n} of {k} points")
        };
        out.push_str(&format!(
            "  {}: {who} cannot be told apart from the best{among} at {pct}{}\n",
            s.metric,
            if n == 1 {
                String::new()
            } else {
                format!(": {}", s.subset.join(", "))
            }
        ));
    }
    if let Some(q) = s.sequential.as_ref().filter(|q| !q.delta.is_finite()) {
        out.push_str(&format!("  sequential (KN): not run, {}\n", q.delta_from));
    }
    if let Some(q) = s.sequential.as_ref().filter(|q| q.delta.is_finite()) {
        let d = format!("δ = {:.3} {} ({})", q.delta, s.unit, q.delta_from);
        match &q.selected {
            Some(best) => out.push_str(&format!(
                "  sequential (KN, {d}): {best} is the best, or within δ of it, at {:.0} % ({} replications added where needed)\n",
                q.confidence * 100.0,
                q.added_replications
            )),
            None => out.push_str(&format!(
                "  sequential (KN, {d}): not separated at the replication cap; still in contention: {}\n",
                q.survivors.join(", ")
            )),
        }
    }
    if let Some((x, y)) = &s.pareto_of {
        out.push_str(&format!(
            "  Pareto front of means ({x} against {y}): {}\n",
            s.pareto.join(", ")
        ));
    }
    out
}

/// The subset of `points` that cannot be told apart from the best on
/// `metric` at 95 % (no constraints, no added replications): what a page
/// says about "the best" when no `--select` was asked. `None` when the
/// metric is missing or there are too few replications for an interval.
pub fn subset_only(metric: &str, labels: &[String], points: &[PointResults]) -> Option<Selection> {
    let req = Request {
        metric: metric.to_string(),
        constraints: Vec::new(),
        delta: None,
        max_replications: 0,
    };
    let mut never = |_: &Requests| -> Answers { Err("no replications are added".into()) };
    if points.len() < 2 || points.iter().any(|p| p.rows.len() < 2) {
        return None;
    }
    select(&req, labels, points, &mut never).ok()
}

/// `selection.json`: the selection under the outputs' `schema_version`.
#[derive(Serialize)]
struct Versioned<'a> {
    schema_version: u32,
    #[serde(flatten)]
    selection: &'a Selection,
}

impl Selection {
    pub fn to_json(&self) -> String {
        let v = Versioned {
            schema_version: crate::experiment::summary::SCHEMA_VERSION,
            selection: self,
        };
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    }
}
