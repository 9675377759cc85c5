//! `promosim backtest`: the real commit stream of a history replayed through a
//! calibrated model, and the simulated lead times set against the observed.
//!
//! Observed lead time (`docs/calibrate.md`): a production deployment that
//! succeeded delivers every commit that arrived at or before its release's
//! build was queued (the release is a snapshot of main); a commit's lead time
//! ends at the first such deployment. Commits never delivered within the
//! history are left out on both sides.

use std::collections::HashMap;
use std::path::Path;

use jiff::Timestamp;

use crate::error::InputError;
use crate::experiment::overrides::{Node, read_tree};
use crate::history::{EventKind, History, Outcome};
use crate::model::{self, Model};
use crate::scenario;

/// The lead-time quantiles compared.
pub const QUANTILES: [f64; 6] = [0.10, 0.25, 0.50, 0.75, 0.90, 0.95];

/// One row of the quantile table (hours).
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileRow {
    pub q: f64,
    pub observed: f64,
    /// Of all simulated commits pooled.
    pub simulated: f64,
    /// The 2.5 % and 97.5 % points of the quantile over replications: the
    /// range the model gives for one history like this one.
    pub range: (f64, f64),
}

/// What the backtest found.
#[derive(Debug, Clone)]
pub struct Backtest {
    pub name: String,
    pub replications: u32,
    /// Lead times in hours, sorted.
    pub observed_h: Vec<f64>,
    pub simulated_h: Vec<f64>,
    pub rows: Vec<QuantileRow>,
    /// The two-sample Kolmogorov–Smirnov distance, and its 5 % critical value.
    pub ks: f64,
    pub ks_critical: f64,
    /// Production deployments per week: observed, simulated (mean over replications).
    pub deploys_per_week: (f64, f64),
    /// The observed share of failed production deployments, when any finished.
    pub failed_deploys: Option<f64>,
    /// The simulated change failure rate (mean over replications).
    pub change_failure_rate: f64,
    /// (simulated p50 − observed p50) / observed p50.
    pub p50_error: f64,
    pub commits: usize,
}

impl Backtest {
    /// The plain verdict a meeting reads.
    pub fn verdict(&self) -> String {
        let p50 = self.rows.iter().find(|r| r.q == 0.5);
        let inside = p50.is_some_and(|r| r.range.0 <= r.observed && r.observed <= r.range.1);
        let shape = if self.ks <= self.ks_critical {
            "and the whole distribution is consistent with it (KS test at 5 %)".to_string()
        } else {
            format!(
                "but the shape differs (KS distance {:.3} > {:.3} critical): read the quantile table before trusting tails",
                self.ks, self.ks_critical
            )
        };
        format!(
            "The model reproduces observed p50 lead time within {:.0} % ({}: the observed p50 lies {} the range of {} replayed replications), {shape}.",
            self.p50_error.abs() * 100.0,
            if self.p50_error >= 0.0 {
                "simulated higher"
            } else {
                "simulated lower"
            },
            if inside { "inside" } else { "OUTSIDE" },
            self.replications
        )
    }
}

/// Observed lead times (hours, sorted), production deployments and failures.
pub fn observed(history: &History, production: &[String]) -> (Vec<f64>, usize, usize) {
    let is_prod = |s: &str| production.iter().any(|p| p.eq_ignore_ascii_case(s));
    let mut cut: HashMap<&str, Timestamp> = HashMap::new();
    let mut delivered: Vec<(Timestamp, Timestamp)> = Vec::new();
    let (mut deploys, mut failed) = (0, 0);
    for e in &history.events {
        if e.event == EventKind::Queued && !is_prod(&e.stage) {
            cut.entry(e.release.as_str()).or_insert(e.at);
        }
        if e.event == EventKind::Finish && is_prod(&e.stage) {
            match e.outcome {
                Outcome::Succeeded => {
                    deploys += 1;
                    let snapshot = cut.get(e.release.as_str()).copied().unwrap_or(e.at);
                    delivered.push((snapshot, e.at));
                }
                Outcome::Failed => failed += 1,
                _ => {}
            }
        }
    }
    // For each commit, the earliest delivery whose snapshot holds it.
    delivered.sort_by_key(|d| d.1);
    let mut lead = Vec::new();
    for c in history.commits() {
        if let Some((_, at)) = delivered.iter().find(|(snap, at)| *snap >= c && *at >= c) {
            lead.push((at.as_millisecond() - c.as_millisecond()) as f64 / 3.6e6);
        }
    }
    lead.sort_by(f64::total_cmp);
    (lead, deploys, failed)
}

/// The calibrated scenario with the history's commits replayed: its run
/// spans the history, its stream is `commits.replay` of `commits_csv`
/// (written here).
pub fn replay_model(
    text: &str,
    file: &Path,
    history: &History,
    commits_csv: &Path,
) -> Result<Model, InputError> {
    let shown = file.display().to_string();
    let (Some(first), Some(last)) = (history.first(), history.last()) else {
        return Err(InputError::new(&shown, "the history holds no events"));
    };
    let commits = history.commits();
    if commits.is_empty() {
        return Err(InputError::new(
            &shown,
            "the history holds no commits to replay",
        ));
    }
    let mut csv = String::from("timestamp\n");
    for c in &commits {
        csv.push_str(&format!("{c}\n"));
    }
    std::fs::write(commits_csv, csv).map_err(|e| {
        InputError::new(
            commits_csv.display().to_string(),
            format!("cannot write: {e}"),
        )
    })?;
    let mut tree = read_tree(text, &shown)?;
    let Node::Map(top) = &mut tree else {
        return Err(InputError::new(&shown, "a scenario is a mapping"));
    };
    let tz = top
        .iter()
        .find(|(k, _)| k == "run")
        .and_then(|(_, r)| match r {
            Node::Map(m) => m
                .iter()
                .find(|(k, _)| k == "time_zone")
                .map(|(_, v)| v.text()),
            _ => None,
        })
        .and_then(|n| jiff::tz::TimeZone::get(&n).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    // The run starts on the minute of the first event and ends a minute after the last.
    let start = first.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string();
    let minutes = (last.as_second() - first.as_second()) / 60 + 2;
    for (k, v) in top.iter_mut() {
        if let (true, Node::Map(run)) = (k == "run", &mut *v) {
            run.retain(|(k, _)| !matches!(k.as_str(), "start" | "horizon" | "warm_up"));
            run.push(("start".into(), Node::Str(start.clone())));
            run.push(("horizon".into(), Node::Str(format!("{minutes}m"))));
        }
        if let (true, Node::Map(c)) = (k == "commits", &mut *v) {
            c.retain(|(k, _)| !matches!(k.as_str(), "poisson" | "replay" | "volume"));
            let path = commits_csv.display().to_string();
            c.push((
                "replay".into(),
                Node::Map(vec![("csv".into(), Node::Str(path))]),
            ));
        }
    }
    // JSON is YAML: the edited tree reads back through every scenario check.
    let json = serde_json::to_string(&tree).map_err(|e| InputError::new(&shown, e.to_string()))?;
    let s = scenario::parse(&json, file)?;
    model::compile(&s)
}

/// Runs `replications` of the replayed model and compares lead times.
pub fn backtest(m: &Model, history: &History, replications: u32) -> Backtest {
    let production: Vec<String> = m
        .stages
        .iter()
        .filter(|s| s.production)
        .map(|s| s.name.clone())
        .collect();
    let production = if production.is_empty() {
        vec!["build".to_string()]
    } else {
        production
    };
    let (observed_h, deploys, failed) = observed(history, &production);
    let reps: Vec<_> = (0..u64::from(replications))
        .map(|k| super::trace(m, k))
        .collect();
    let per_rep: Vec<Vec<f64>> = reps
        .iter()
        .map(|r| {
            let mut v: Vec<f64> = r
                .commits
                .iter()
                .filter(|c| !c.fix)
                .filter_map(|c| c.delivered.map(|d| (d.secs() - c.arrived.secs()) / 3600.0))
                .collect();
            v.sort_by(f64::total_cmp);
            v
        })
        .collect();
    let mut simulated_h: Vec<f64> = per_rep.iter().flatten().copied().collect();
    simulated_h.sort_by(f64::total_cmp);
    let rows = QUANTILES
        .iter()
        .map(|&q| {
            let mut each: Vec<f64> = per_rep
                .iter()
                .filter(|v| !v.is_empty())
                .map(|v| quantile(v, q))
                .collect();
            each.sort_by(f64::total_cmp);
            QuantileRow {
                q,
                observed: quantile(&observed_h, q),
                simulated: quantile(&simulated_h, q),
                range: (quantile(&each, 0.025), quantile(&each, 0.975)),
            }
        })
        .collect::<Vec<_>>();
    let weeks = match (history.first(), history.last()) {
        (Some(a), Some(b)) => ((b.as_second() - a.as_second()) as f64 / 604_800.0).max(1e-9),
        _ => 1.0,
    };
    let n = replications.max(1) as f64;
    let sim_dpw = reps
        .iter()
        .map(|r| r.result.production_deploys_per_week)
        .sum::<f64>()
        / n;
    let cfr = reps
        .iter()
        .map(|r| r.result.incidents.change_failure_rate)
        .sum::<f64>()
        / n;
    let (no, ns) = (observed_h.len() as f64, simulated_h.len() as f64);
    let p50 = rows
        .iter()
        .find(|r| r.q == 0.5)
        .map_or((f64::NAN, f64::NAN), |r| (r.observed, r.simulated));
    Backtest {
        name: m.name.clone(),
        replications,
        ks: ks_two(&observed_h, &simulated_h),
        ks_critical: 1.36 * ((no + ns) / (no * ns).max(1.0)).sqrt(),
        observed_h,
        simulated_h,
        rows,
        deploys_per_week: (deploys as f64 / weeks, sim_dpw),
        failed_deploys: (deploys + failed > 0).then(|| failed as f64 / (deploys + failed) as f64),
        change_failure_rate: cfr,
        p50_error: (p50.1 - p50.0) / p50.0,
        commits: history.commits().len(),
    }
}

/// The q-quantile of sorted values (linear between order statistics); NaN when empty.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The two-sample Kolmogorov–Smirnov distance of two sorted samples.
pub fn ks_two(a: &[f64], b: &[f64]) -> f64 {
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    while i < a.len() && j < b.len() {
        let v = a[i].min(b[j]);
        while i < a.len() && a[i] <= v {
            i += 1;
        }
        while j < b.len() && b[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    d
}
