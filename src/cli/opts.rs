//! The options the commands share: how replications run (threads, progress
//! bar) and, for `run`, `compare` and `sweep`, replications, seed, output,
//! shards and early stopping.

use std::path::PathBuf;

use super::Format;
use crate::error::InputError;
use crate::experiment::Plan;
use crate::model::Model;

/// `--threads` above this many per core is refused ...
const MAX_THREADS_PER_CORE: usize = 8;
/// ... unless it is within this many, on any machine.
const MIN_THREAD_LIMIT: usize = 64;

/// The largest `--threads` accepted: thousands of threads start slowly and
/// only contend for the same cores.
fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores * MAX_THREADS_PER_CORE).max(MIN_THREAD_LIMIT)
}

/// How replications run; every command that runs them takes these.
#[derive(Debug, Clone, clap::Args)]
pub struct RunnerOpts {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl RunnerOpts {
    pub fn check(&self) -> Result<(), InputError> {
        match self.threads {
            Some(0) => Err(InputError::new("--threads", "must be at least 1")),
            Some(t) if t > max_threads() => Err(InputError::new(
                format!("--threads {t}"),
                format!(
                    "at most {} on this machine ({MAX_THREADS_PER_CORE} per core, or {MIN_THREAD_LIMIT}): \
                     threads beyond the cores only add overhead, and the results do not depend on the count",
                    max_threads()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The plan of a run of `replications` replications.
    pub fn plan(&self, replications: u32) -> Plan {
        Plan {
            replications,
            threads: self.threads,
            progress: !self.quiet,
        }
    }
}

/// Which replications run: how many, on which seed. `run`, `compare`,
/// `sweep` and `baseline` take these (`check` takes them from its baseline).
#[derive(Debug, Clone, clap::Args)]
pub struct SampleOpts {
    /// Replications (default: the scenario's run.replications; with several scenarios or
    /// points, the first one's). Every scenario or point runs the same replications.
    #[arg(long, short = 'r')]
    pub replications: Option<u32>,
    /// Seed (default: the scenario's run.seed; with several, the first one's).
    #[arg(long)]
    pub seed: Option<u64>,
}

impl SampleOpts {
    /// The replication count to use: the option, else `default`; at least `min`.
    pub fn replications(&self, default: u32, min: u32, why: &str) -> Result<u32, InputError> {
        let r = self.replications.unwrap_or(default);
        if r < min {
            return Err(InputError::new(
                "--replications",
                format!("must be at least {min}{why}"),
            ));
        }
        Ok(r)
    }
}

/// Options of every experiment command.
#[derive(Debug, Clone, clap::Args)]
pub struct ExperimentOpts {
    #[command(flatten)]
    pub sample: SampleOpts,
    #[command(flatten)]
    pub runner: RunnerOpts,
    /// Report folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Skip the charts, index.html and report.md.
    #[arg(long)]
    pub no_report: bool,
    /// Run only shard I of N of the units (scenario or point × replication) and write a
    /// partial result (`auto` or `auto/N`: from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID); join with `merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Add replications until the key metrics' 95 % intervals are within this relative half-width (e.g. 5%).
    #[arg(long, value_name = "PERCENT")]
    pub precision: Option<String>,
    /// With --precision: stop at this many replications at most.
    #[arg(long, default_value_t = 10_000)]
    pub max_replications: u32,
}

/// Memory the replications a command keeps may take (compare, sweep,
/// shards, `--precision`, baseline and check keep every replication's
/// metrics; a streamed `run` keeps none).
const KEPT_LIMIT_BYTES: f64 = 512.0 * 1024.0 * 1024.0;

/// Refuses, before anything runs, keeping `replications` of every model in
/// `models` (`option` names what asked for them) when their metrics would not fit in [`KEPT_LIMIT_BYTES`]. A
/// replication keeps about 64 metrics plus 32 per stage, 8 bytes each: an
/// over-estimate, so the limit holds.
pub fn check_kept(models: &[&Model], replications: u64, option: &str) -> Result<(), InputError> {
    let per_replication: f64 = models
        .iter()
        .map(|m| 8.0 * (64.0 + 32.0 * m.stages.len() as f64) + 64.0)
        .sum();
    let bytes = per_replication * replications as f64;
    if bytes > KEPT_LIMIT_BYTES {
        let most = (KEPT_LIMIT_BYTES / per_replication).floor();
        return Err(InputError::new(
            option,
            format!(
                "keeping {replications} replications of {} would take about {:.1} GiB, above the {:.1} GiB limit; \
                 at most {most:.0} here (a `run` without --shard or --precision streams any number)",
                if models.len() == 1 {
                    "this scenario".to_string()
                } else {
                    format!("{} scenarios or points", models.len())
                },
                bytes / GIB,
                KEPT_LIMIT_BYTES / GIB,
            ),
        ));
    }
    Ok(())
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Parses `5%` or `0.05`.
pub fn parse_precision(text: &str) -> Result<f64, InputError> {
    let t = text.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    };
    match v {
        Ok(x) if x.is_finite() && x > 0.0 && x < 1.0 => Ok(x),
        _ => Err(InputError::new(
            format!("--precision {text}"),
            "expected a relative half-width between 0 and 100 %, e.g. 5% or 0.05",
        )),
    }
}

impl ExperimentOpts {
    /// Checks the options; gives the replication count to use.
    pub fn check(&self, default_replications: u32) -> Result<u32, InputError> {
        let r = self.sample.replications(default_replications, 1, "")?;
        self.runner.check()?;
        if self.shard.is_some() && self.precision.is_some() {
            return Err(InputError::new(
                "--precision",
                "cannot be combined with --shard: each shard would stop at a different count; run the sharded experiment with a fixed --replications",
            ));
        }
        if self.precision.is_some() && self.max_replications < 2 {
            return Err(InputError::new("--max-replications", "must be at least 2"));
        }
        Ok(r)
    }
}
