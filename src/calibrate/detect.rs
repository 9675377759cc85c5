//! What history says about detection, and no more: the share of deployed
//! releases each stage's verification rejected, and production rollbacks.
//! Neither is a model parameter: `detect` multiplies the chance that a
//! release carries a defect the checks can catch, and only the product is
//! seen (`docs/calibrate.md`, What cannot be learned from history).

use std::collections::HashMap;

use super::fit;
use super::observe::Observations;
use crate::history::{EventKind, History};

/// A share the history shows, with its 95 % interval and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// `stages.test: verification rejections`.
    pub what: String,
    pub k: usize,
    pub n: usize,
    /// The share and its Clopper–Pearson interval.
    pub share: (f64, f64, f64),
    pub meaning: String,
}

impl Observed {
    fn new(what: String, k: usize, n: usize, meaning: &str) -> Observed {
        let (p, (lo, hi)) = fit::proportion(k, n);
        Observed {
            what,
            k,
            n,
            share: (p, lo, hi),
            meaning: meaning.to_string(),
        }
    }

    /// One line, for the YAML header and the table.
    pub fn line(&self) -> String {
        let (p, lo, hi) = self.share;
        format!(
            "{}: {} of {} = {:.2} %, 95 % interval [{:.2} %, {:.2} %] ({})",
            self.what,
            self.k,
            self.n,
            p * 100.0,
            lo * 100.0,
            hi * 100.0,
            self.meaning
        )
    }
}

const REJECTION_MEANING: &str = "of releases deployed here; = P(a release deployed here carries a defect these checks catch) x detect: only the product is seen, so detect and defects are kept; it is a lower bound on the share of deployed releases carrying such a defect";

const ROLLBACK_MEANING: &str = "of production deployments redeploy a release older than one already deployed there; incident rates and detect_per_hour are not identified from this";

/// The observations, and a note when the history cannot show rejections;
/// `verifies` says whether a stage has verification at all (a stage the base
/// scenario gives no `verify` rejects nothing, and is not listed).
pub fn observed(
    history: &History,
    obs: &Observations,
    production: &[String],
    verifies: &dyn Fn(&str) -> bool,
) -> (Vec<Observed>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    if history.has_rejections() {
        for (name, w) in &obs.stages {
            if w.deployed > 0 && verifies(name) {
                out.push(Observed::new(
                    format!("stages.{name}: verification rejections"),
                    w.verify_rejected,
                    w.deployed,
                    REJECTION_MEANING,
                ));
            }
        }
    } else {
        notes.push("this history does not tell verification rejections from failed deployments (it holds no `rejected` event; only the CSV carries them): every failure at a stage is counted in its deploy.failure, and nothing is learned about detect".to_string());
    }
    for p in production {
        if let Some((k, n)) = rollbacks(history, p) {
            out.push(Observed::new(
                format!("stages.{p}: rollbacks"),
                k,
                n,
                ROLLBACK_MEANING,
            ));
        }
    }
    (out, notes)
}

/// Production deployments of `stage` (their starts) and how many of them
/// deploy a release older than one it already ran. A release's age is when
/// the history first shows it (its build's queueing).
fn rollbacks(history: &History, stage: &str) -> Option<(usize, usize)> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for e in &history.events {
        if e.event != EventKind::Commit {
            let next = seen.len();
            seen.entry(e.release.as_str()).or_insert(next);
        }
    }
    let (mut k, mut n) = (0, 0);
    let mut newest: Option<usize> = None;
    for e in &history.events {
        if e.event != EventKind::Start || !e.stage.eq_ignore_ascii_case(stage) {
            continue;
        }
        let age = seen[e.release.as_str()];
        n += 1;
        match newest {
            Some(top) if age < top => k += 1,
            _ => newest = Some(age),
        }
    }
    (n > 0).then_some((k, n))
}
