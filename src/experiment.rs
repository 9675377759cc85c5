//! Many replications of a model, in parallel, reduced in replication order so
//! the numbers do not depend on the thread count or the order runs finish in.

use rayon::prelude::*;

use crate::engine::{self, Options, Replication};
use crate::metrics::{self, MetricSummary, ReplicationResult};
use crate::model::Model;

/// How to run an experiment.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub replications: u32,
    /// Worker threads; `None` = all cores.
    pub threads: Option<usize>,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// The per-replication results of a run, in replication order, and their summary.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub replications: Vec<ReplicationResult>,
    pub summary: Vec<MetricSummary>,
}

/// Runs replications `0..plan.replications` of `model`.
pub fn run(model: &Model, plan: Plan) -> Result<Outcome, String> {
    let results = in_pool(plan.threads, || {
        let bar = progress_bar(plan.progress, plan.replications as u64);
        (0..plan.replications as u64)
            .into_par_iter()
            .map(|r| {
                let out = engine::run(model, r, Options::default()).result;
                bar.inc(1);
                out
            })
            .collect::<Vec<_>>()
    })?;
    let summary = metrics::summarise(&results);
    Ok(Outcome {
        replications: results,
        summary,
    })
}

/// One replication with its event log and commit records.
pub fn trace(model: &Model, replication: u64) -> Replication {
    engine::run(
        model,
        replication,
        Options {
            trace: true,
            commit_records: true,
        },
    )
}

/// Runs `f` in a pool of `threads` workers (or the global pool).
pub fn in_pool<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T, String> {
    match threads {
        None => Ok(f()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| format!("cannot start {n} threads: {e}")),
    }
}

fn progress_bar(show: bool, len: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} replications  {per_sec}  eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}
