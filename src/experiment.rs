//! Many replications of one or more models, in parallel, reduced in unit order
//! so the numbers do not depend on the thread count or the order runs finish in.
//!
//! The unit of work is one (point × replication): point `p` (a scenario of a
//! comparison, a grid point of a sweep, or the one scenario of a run) and
//! replication `r` make unit `p × R + r`. One rayon `par_iter` runs every unit of
//! an experiment; results are collected indexed by unit and reduced sequentially.
//!
//! Submodules: [`overrides`] (paths into a scenario, sweep grids), [`job`] (the
//! experiment as data, shards, partial results, merge), [`compare`] (paired
//! differences under common random numbers), [`output`] (the files and tables
//! each command writes), [`precision`] (adding replications until the intervals
//! are narrow enough).

pub mod compare;
pub mod job;
pub mod output;
pub mod overrides;
pub mod precision;

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
    let units: Vec<u64> = (0..plan.replications as u64).collect();
    let results = run_units(
        std::slice::from_ref(model),
        plan.replications,
        &units,
        plan.threads,
        plan.progress,
    )?;
    let summary = metrics::summarise(&results);
    Ok(Outcome {
        replications: results,
        summary,
    })
}

/// Runs the given units of an experiment over `models` (the points) with
/// `replications` replications each: unit `u` is replication `u % replications`
/// of point `u / replications`. Results come back in the order of `units`,
/// whatever the thread count.
pub fn run_units(
    models: &[Model],
    replications: u32,
    units: &[u64],
    threads: Option<usize>,
    progress: bool,
) -> Result<Vec<ReplicationResult>, String> {
    run_units_with(models, replications, units, threads, progress, |_, r| r)
}

/// As [`run_units`], but each result is turned into what the caller keeps
/// (`keep(unit, result)`) as soon as it is made, so a long experiment holds only
/// that — a row of numbers — rather than every full result.
pub fn run_units_with<T: Send>(
    models: &[Model],
    replications: u32,
    units: &[u64],
    threads: Option<usize>,
    progress: bool,
    keep: impl Fn(u64, ReplicationResult) -> T + Sync,
) -> Result<Vec<T>, String> {
    let reps = u64::from(replications.max(1));
    in_pool(threads, || {
        let bar = progress_bar(progress, units.len() as u64);
        let out = units
            .par_iter()
            .with_max_len(1)
            .map(|&u| {
                let point = (u / reps) as usize;
                let result = engine::run(&models[point], u % reps, Options::default()).result;
                bar.inc(1);
                keep(u, result)
            })
            .collect::<Vec<_>>();
        bar.finish_and_clear();
        out
    })
}

/// Runs replications `0..replications` of `model` a chunk at a time and hands
/// each result to `consume` in replication order, so memory stays flat in the
/// number of replications. Stops early (without error) after Ctrl-C.
pub fn run_in_order(
    model: &Model,
    replications: u32,
    threads: Option<usize>,
    progress: bool,
    mut consume: impl FnMut(u64, ReplicationResult) -> Result<(), String> + Send,
) -> Result<(), String> {
    in_pool(threads, || {
        let bar = progress_bar(progress, u64::from(replications));
        // A few replications per worker: enough to keep every core busy.
        let chunk = 32 * rayon::current_num_threads().max(1) as u64;
        let total = u64::from(replications);
        let mut start = 0;
        while start < total && !crate::interrupt::requested() {
            let end = (start + chunk).min(total);
            let reps: Vec<u64> = (start..end).collect();
            let results: Vec<ReplicationResult> = reps
                .par_iter()
                .with_max_len(1)
                .map(|&r| {
                    let out = engine::run(model, r, Options::default()).result;
                    bar.inc(1);
                    out
                })
                .collect();
            for (r, result) in (start..end).zip(results) {
                consume(r, result)?;
            }
            start = end;
        }
        bar.finish_and_clear();
        Ok(())
    })?
}

/// One replication with its event log and commit records.
pub fn trace(model: &Model, replication: u64) -> Replication {
    engine::run(
        model,
        replication,
        Options {
            trace: true,
            commit_records: true,
            ..Options::default()
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
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} runs  {rate}  {eta} left")
    {
        bar.set_style(style.with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", s.per_sec());
            },
        ));
    }
    bar
}
