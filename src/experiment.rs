//! Many replications of one or more models, in parallel, reduced in unit order
//! so the numbers do not depend on the thread count or the order runs finish in.
//!
//! The unit of work is one (point × replication): point `p` (a scenario of a
//! comparison, a grid point of a sweep, or the one scenario of a run) and
//! replication `r` make unit `p × R + r`. One rayon `par_iter` runs every unit of
//! an experiment; results are collected indexed by unit and reduced sequentially.
//!
//! A run of one model streams: [`stream`] hands each replication's values to a
//! [`Sink`] in replication order (so `replications.csv` is written as the run
//! goes) and folds them into the [`Summary`]; the same [`Fold`] reduces the
//! rows of an assembled (sharded, merged or early-stopped) experiment. The
//! experiment computes results; it renders and writes nothing (see `report`).
//!
//! Submodules: [`overrides`] (paths into a scenario, sweep grids), [`job`] (the
//! experiment as data, shards, partial results, merge), [`compare`] (paired
//! differences under common random numbers), [`precision`] (adding
//! replications until the intervals are narrow enough), [`summary`] (what
//! `summary.json` holds), [`stalls`] (warnings about runs that stalled).

pub mod backtest;
pub mod charted;
pub mod compare;
pub mod job;
pub mod overrides;
pub mod precision;
pub mod select;
pub mod shard;
pub mod stalls;
pub mod summary;

pub use summary::Summary;

use rayon::prelude::*;

use crate::engine::{self, Options, Replication, StopToken};
use crate::metrics::{self, Accumulator, MetricSummary, ReplicationResult};
use crate::model::Model;
use stalls::StallTally;

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
pub struct Results {
    pub replications: Vec<ReplicationResult>,
    pub summary: Vec<MetricSummary>,
}

/// Receives each replication's metric values, in replication order, as the
/// run makes them, so a run of any length holds only what the sink keeps.
pub trait Sink {
    /// The metrics' keys and units; called once, before the first replication.
    fn keys(&mut self, keys: &[(String, &'static str)]) -> Result<(), String>;
    /// Replication `r`'s values, in the order of the keys.
    fn replication(&mut self, r: u64, values: &[f64]) -> Result<(), String>;
}

/// A sink that keeps nothing.
impl Sink for () {
    fn keys(&mut self, _: &[(String, &'static str)]) -> Result<(), String> {
        Ok(())
    }
    fn replication(&mut self, _: u64, _: &[f64]) -> Result<(), String> {
        Ok(())
    }
}

/// The running statistics of every metric, fed one replication at a time in
/// replication order: the one reduction behind every summary, so a streamed
/// run and an assembled one give the same numbers to the bit.
#[derive(Debug, Clone, Default)]
pub struct Fold {
    keys: Vec<(String, &'static str)>,
    stats: Vec<Accumulator>,
}

impl Fold {
    pub fn new(keys: Vec<(String, &'static str)>) -> Fold {
        let stats = vec![Accumulator::default(); keys.len()];
        Fold { keys, stats }
    }

    pub fn push(&mut self, values: &[f64]) {
        for (acc, v) in self.stats.iter_mut().zip(values) {
            acc.push(*v);
        }
    }

    pub fn finish(self) -> Vec<MetricSummary> {
        self.keys
            .into_iter()
            .zip(self.stats)
            .map(|((k, u), acc)| acc.finish(k, u))
            .collect()
    }
}

/// What a streamed run gives back besides what its sink kept.
#[derive(Debug, Clone)]
pub struct Streamed {
    pub summary: Summary,
    /// What the stall warnings need (see [`StallTally::warnings`]).
    pub stalls: StallTally,
}

/// Runs replications `0..plan.replications` of `model` in order, handing each
/// one's metric values to `sink` and folding them into the summary: memory
/// stays flat in the number of replications. After Ctrl-C it stops early
/// without error; the caller checks [`crate::interrupt::requested`].
pub fn stream<S: Sink + Send>(model: &Model, plan: Plan, sink: &mut S) -> Result<Streamed, String> {
    let mut fold: Option<Fold> = None;
    let mut stalls = StallTally::default();
    let mut values = Vec::new();
    run_in_order(
        model,
        plan.replications,
        plan.threads,
        plan.progress,
        |r, result| {
            let metrics = result.metrics();
            let fold = match &mut fold {
                Some(f) => f,
                None => {
                    let keys: Vec<_> = metrics.iter().map(|x| (x.key.clone(), x.unit)).collect();
                    sink.keys(&keys)?;
                    fold.insert(Fold::new(keys))
                }
            };
            values.clear();
            values.extend(metrics.iter().map(|x| x.value));
            sink.replication(r, &values)?;
            fold.push(&values);
            stalls.add(&result);
            Ok(())
        },
    )?;
    let metrics = fold.map(Fold::finish).unwrap_or_default();
    Ok(Streamed {
        summary: Summary::new(model, plan.replications, metrics),
        stalls,
    })
}

/// Runs replications `0..plan.replications` of `model`, keeping every result.
pub fn run(model: &Model, plan: Plan) -> Result<Results, String> {
    let units: Vec<u64> = (0..plan.replications as u64).collect();
    let results = run_units(
        std::slice::from_ref(model),
        plan.replications,
        &units,
        plan.threads,
        plan.progress,
    )?;
    let summary = metrics::summarise(&results);
    Ok(Results {
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
                let result = engine::run(&models[point], u % reps, interruptible()).result;
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
                    let out = engine::run(model, r, interruptible()).result;
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

/// Engine options whose stop token is Ctrl-C.
fn interruptible() -> Options {
    Options {
        stop: StopToken::new(crate::interrupt::flag()),
        ..Options::default()
    }
}

/// One replication with its event log and commit records.
pub fn trace(model: &Model, replication: u64) -> Replication {
    engine::run(
        model,
        replication,
        Options {
            trace: true,
            commit_records: true,
            ..interruptible()
        },
    )
}

/// One replication's commit records, each counted commit with where its
/// lead time went (`commits.csv`).
pub fn commits(model: &Model, replication: u64) -> Replication {
    engine::run(
        model,
        replication,
        Options {
            commit_records: true,
            commit_parts: true,
            ..interruptible()
        },
    )
}

pub use charted::trace_replications;

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
