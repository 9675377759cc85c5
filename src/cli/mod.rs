//! The command line: parses arguments, runs the work, writes reports.
//! `main` only prints the error and sets the exit code.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

mod backtest;
mod baseline;
mod calibrate;
mod check;
mod compare;
mod execute;
mod import;
mod merge;
mod opts;
mod report;
mod run;
mod select;
mod sweep;
mod trace;
mod validate;

use crate::error::InputError;
use crate::model::{self, Model};
use crate::scenario;

/// Why a command failed, and so its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: exit code 2.
    #[error("{0}")]
    Input(#[from] InputError),
    /// Anything else (cannot write a report, a regression): exit code 1.
    #[error("{0}")]
    Failed(String),
    /// Ctrl-C: nothing was written; exit code 130.
    #[error("interrupted: no report was written")]
    Interrupted,
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Failed(_) => 1,
            CliError::Interrupted => 130,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "promosim",
    version,
    about = "What does our promotion policy cost? A discrete-event simulator of release pipelines.",
    after_help = "Examples:\n  promosim run scenarios/tailspin.yaml\n  promosim compare scenarios/tailspin.yaml scenarios/tailspin-continuous.yaml\n  promosim sweep scenarios/tailspin.yaml --set build.agents=1..4\n  promosim validate scenarios/tailspin.yaml\n  promosim trace scenarios/tailspin.yaml --replication 0"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario's replications and report lead time, queues and defects.
    #[command(
        after_help = "Examples:\n  promosim run scenarios/tailspin.yaml\n  promosim run scenarios/tailspin.yaml --replications 1000 --seed 7 --threads 2\n  promosim run scenarios/tailspin.yaml --format json > summary.json\n\nWrites summary.json and replications.csv (and commits.csv with --commits) to reports/<scenario>/,\nand, unless --no-report, charts/*.png|svg, index.html (one self-contained page) and report.md."
    )]
    Run(RunArgs),
    /// Store a scenario's key metrics, per replication, as a baseline for `check`.
    #[command(
        after_help = "Examples:\n  promosim baseline scenarios/tailspin.yaml --out baselines/tailspin.json\n  promosim baseline scenarios/tailspin.yaml -r 20 --tolerance lead_time.p50=5% --metric where.test.trigger\n\nSee docs/ci.md for the decision rule and the default tolerances."
    )]
    Baseline(baseline::BaselineArgs),
    /// Rerun a scenario on a baseline's seeds and fail when a metric regressed.
    #[command(
        after_help = "Examples:\n  promosim check scenarios/tailspin.yaml --baseline baselines/tailspin.json\n  promosim check scenarios/tailspin.yaml --baseline baselines/tailspin.json --junit check.xml --markdown check.md\n\nExit codes: 0 pass (or improved), 1 a metric regressed, 2 bad input, 130 interrupted."
    )]
    Check(check::CheckArgs),
    /// Check a scenario file without running it.
    #[command(after_help = "Example:\n  promosim validate scenarios/tailspin.yaml")]
    Validate {
        /// The scenario file (YAML).
        file: PathBuf,
    },
    /// Write the event log of one replication as CSV.
    #[command(
        after_help = "Example:\n  promosim trace scenarios/tailspin.yaml --replication 3 --out trace.csv"
    )]
    Trace {
        /// The scenario file (YAML).
        file: PathBuf,
        /// Which replication (0-based).
        #[arg(long, short = 'k', default_value_t = 0)]
        replication: u64,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Output file (default reports/<scenario>/trace-<K>.csv; `-`: standard output); with --as, a folder
        /// (default reports/<scenario>/history-<K>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the log as run history that `calibrate` reads: csv, gh-runs, github or azure.
        #[arg(long = "as", value_name = "FORMAT")]
        as_history: Option<String>,
    },
    /// Run several scenarios on the same seeds and compare them (paired differences).
    #[command(after_help = compare::HELP)]
    Compare(compare::CompareArgs),
    /// Run a scenario over a grid of overrides (--set PATH=V1,V2,… or a sweep section).
    #[command(after_help = sweep::HELP)]
    Sweep(sweep::SweepArgs),
    /// Join the partial results of a sharded run, compare or sweep into the whole result.
    #[command(after_help = merge::HELP)]
    Merge(merge::MergeArgs),
    /// Redraw the charts, index.html and report.md of a result folder (run, compare, sweep, merge).
    #[command(after_help = report::HELP)]
    Report(report::ReportArgs),
    /// Fit a scenario's durations, rates and approvals to exported run history (GitHub, Azure DevOps, CSV).
    #[command(after_help = calibrate::HELP)]
    Calibrate(calibrate::CalibrateArgs),
    /// Replay a history's commits through a calibrated scenario and compare lead times.
    #[command(after_help = backtest::HELP)]
    Backtest(backtest::BacktestArgs),
    /// Turn a pipeline definition (Azure Pipelines, GitHub Actions, Argo Rollouts, Flagger) into a scenario.
    #[command(subcommand, after_help = import::HELP)]
    Import(import::ImportCommand),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (YAML).
    pub file: PathBuf,
    #[command(flatten)]
    pub opts: opts::ExperimentOpts,
    /// Also write commits.csv: every commit of replication 0, when it was delivered and where its lead time went
    #[arg(long)]
    pub commits: bool,
    /// Print how long the simulation and the report took (on stderr).
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Loads, checks and compiles a scenario, applying a seed override.
pub fn load_model(
    file: &Path,
    seed: Option<u64>,
) -> Result<(scenario::Scenario, Model), InputError> {
    let s = scenario::load(file)?;
    let mut m = model::compile(&s)?;
    if let Some(seed) = seed {
        m.seed = seed;
    }
    Ok((s, m))
}

pub(crate) fn out_dir(out: &Option<PathBuf>, m: &Model) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| Path::new("reports").join(crate::report::files::safe_name(&m.name)))
}

pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| CliError::Failed(format!("{}: cannot write: {e}", path.display()))
}

/// Writes `text` to standard output, locked and flushed: the only way a
/// command prints (no `print!`, which panics when stdout fails).
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    stdout_result(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// What a failed write to standard output means, decided in this one place.
///
/// A closed pipe (`promosim validate s.yaml | head -1`, EPIPE) is not an
/// error: the reader has all it wanted, so the rest is dropped and the command
/// finishes with its own exit code, silently. Anything else (a full device,
/// `>/dev/full`) is an ordinary failure: one line on stderr, exit code 1.
pub fn stdout_result(r: io::Result<()>) -> Result<(), CliError> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failed(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

pub fn execute(cli: Cli) -> Result<(), CliError> {
    crate::interrupt::install();
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Baseline(args) => baseline::baseline(args),
        Command::Check(args) => check::check(args),
        Command::Validate { file } => validate::validate(&file),
        Command::Trace {
            file,
            replication,
            seed,
            out,
            as_history: None,
        } => trace::trace(&file, replication, seed, out),
        Command::Trace {
            file,
            replication,
            seed,
            out,
            as_history: Some(format),
        } => trace::history(&file, replication, seed, out, &format),
        Command::Compare(args) => compare::compare(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => merge::merge(args),
        Command::Report(args) => report::report(args),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Backtest(args) => backtest::backtest(args),
        Command::Import(cmd) => import::import(cmd),
    }
}
