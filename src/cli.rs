//! The command line: parses arguments, runs the work, writes reports.
//! `main` only prints the error and sets the exit code.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::InputError;
use crate::experiment::{self, Plan};
use crate::model::{self, Model};
use crate::report::files::{write_atomic, write_csv};
use crate::report::summary::{self, Summary};
use crate::report::table;
use crate::scenario;

/// Why a command failed, and so its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: exit code 2.
    #[error("{0}")]
    Input(#[from] InputError),
    /// Anything else (cannot write a report): exit code 1.
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "promosim",
    version,
    about = "What does our promotion policy cost? A discrete-event simulator of release pipelines.",
    after_help = "Examples:\n  promosim run scenarios/tailspin.yaml\n  promosim validate scenarios/tailspin.yaml\n  promosim trace scenarios/tailspin.yaml --replication 0"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario's replications and report lead time, queues and defects.
    #[command(
        after_help = "Examples:\n  promosim run scenarios/tailspin.yaml\n  promosim run scenarios/tailspin.yaml --replications 1000 --seed 7 --threads 2\n  promosim run scenarios/tailspin.yaml --format json > summary.json\n\nWrites summary.json and replications.csv (and commits.csv with --commits) to reports/<scenario>/."
    )]
    Run(RunArgs),
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
        /// Output file (default reports/<scenario>/trace-<K>.csv).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (YAML).
    pub file: PathBuf,
    /// Number of replications (default: the scenario's run.replications).
    #[arg(long, short = 'r')]
    pub replications: Option<u32>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// Report folder (default reports/<scenario>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write commits.csv: every commit of replication 0 and when it was delivered.
    #[arg(long)]
    pub commits: bool,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
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

fn out_dir(out: &Option<PathBuf>, m: &Model) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| Path::new("reports").join(&m.name))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| CliError::Failed(format!("{}: cannot write: {e}", path.display()))
}

pub fn execute(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Validate { file } => validate(&file),
        Command::Trace {
            file,
            replication,
            seed,
            out,
        } => trace(&file, replication, seed, out),
    }
}

fn run(a: RunArgs) -> Result<(), CliError> {
    let (_s, m) = load_model(&a.file, a.seed)?;
    let replications = a.replications.unwrap_or(m.replications);
    if replications == 0 {
        return Err(InputError::new("--replications", "must be at least 1").into());
    }
    if a.threads == Some(0) {
        return Err(InputError::new("--threads", "must be at least 1").into());
    }
    let plan = Plan {
        replications,
        threads: a.threads,
        progress: !a.quiet,
    };
    let outcome = experiment::run(&m, plan).map_err(CliError::Failed)?;
    let summary = Summary::new(&m, replications, outcome.summary);
    let dir = out_dir(&a.out, &m);
    let json = summary.to_json();
    let p = dir.join("replications.csv");
    write_atomic(&p, &summary::replications_csv(&outcome.replications)).map_err(io(&p))?;
    if a.commits {
        let rep = experiment::trace(&m, 0);
        let p = dir.join("commits.csv");
        write_csv(&p, rep.commits.iter().map(|c| CommitRow::new(&m, c))).map_err(io(&p))?;
    }
    // summary.json last: its presence means the report is complete.
    let p = dir.join("summary.json");
    write_atomic(&p, json.as_bytes()).map_err(io(&p))?;
    match a.format {
        Format::Table => {
            print!("{}", table::render(&summary));
            println!("\nReport: {}", dir.display());
        }
        Format::Json => print!("{json}"),
    }
    Ok(())
}

fn validate(file: &Path) -> Result<(), CliError> {
    let (_s, m) = load_model(file, None)?;
    println!("{}: ok", file.display());
    println!(
        "  {} stage(s), {} people/teams, about {:.0} commits per replication over {:.0} days, {} replications, seed {}",
        m.stages.len(),
        m.people.len(),
        m.expected_commits,
        m.horizon.hours() / 24.0,
        m.replications,
        m.seed
    );
    for st in &m.stages {
        let trigger = match &st.trigger {
            model::Trigger::Auto => "auto".to_string(),
            model::Trigger::Schedule { cron, fires } => {
                format!("schedule {cron:?} ({} firings)", fires.len())
            }
            model::Trigger::Manual { person, .. } => {
                format!("manual by {}", m.people[*person].name)
            }
        };
        let deps: Vec<&str> = st.deps.iter().map(|&d| m.stages[d].name.as_str()).collect();
        println!(
            "  - {}: after {}, trigger {trigger}{}{}",
            st.name,
            if deps.is_empty() {
                "build".into()
            } else {
                deps.join(" + ")
            },
            if st.approval.is_some() {
                ", approval"
            } else {
                ""
            },
            if st.production { ", production" } else { "" }
        );
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct TraceRow<'a> {
    time_h: f64,
    civil_time: String,
    event: &'a str,
    release: Option<u32>,
    stage: &'a str,
    value: Option<f64>,
}

#[derive(serde::Serialize)]
struct CommitRow {
    commit: u64,
    arrived_h: f64,
    arrived: String,
    delivered_h: Option<f64>,
    lead_time_h: Option<f64>,
    release: Option<u32>,
    fix: bool,
}

impl CommitRow {
    fn new(m: &Model, c: &crate::engine::CommitRecord) -> Self {
        CommitRow {
            commit: c.commit,
            arrived_h: c.arrived.hours(),
            arrived: m.clock.zoned(c.arrived).datetime().to_string(),
            delivered_h: c.delivered.map(|d| d.hours()),
            lead_time_h: c.delivered.map(|d| (d - c.arrived).hours()),
            release: c.release,
            fix: c.fix,
        }
    }
}

fn trace(
    file: &Path,
    replication: u64,
    seed: Option<u64>,
    out: Option<PathBuf>,
) -> Result<(), CliError> {
    let (_s, m) = load_model(file, seed)?;
    let rep = experiment::trace(&m, replication);
    let path = out.unwrap_or_else(|| out_dir(&None, &m).join(format!("trace-{replication}.csv")));
    let rows = rep.trace.iter().map(|r| TraceRow {
        time_h: r.time.hours(),
        civil_time: m.clock.zoned(r.time).datetime().to_string(),
        event: r.event,
        release: r.release,
        stage: r.stage.map_or("", |s| m.stages[s].name.as_str()),
        value: r.value,
    });
    write_csv(&path, rows).map_err(io(&path))?;
    println!(
        "{} events of replication {replication} written to {}",
        rep.trace.len(),
        path.display()
    );
    Ok(())
}
