//! `promosim baseline`: a run's key metrics, per replication, stored for `check`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::{CliError, io, load_model, print};
use crate::check;
use crate::error::InputError;
use crate::experiment::{self, Plan};
use crate::report::files::write_atomic;

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// The scenario file (YAML).
    pub file: PathBuf,
    /// Where to write the baseline (default baselines/<scenario>.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Number of replications (default: the scenario's run.replications; at least 2).
    #[arg(long, short = 'r')]
    pub replications: Option<u32>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// Keep this metric too (repeatable); see the keys in summary.json.
    #[arg(long = "metric", value_name = "KEY")]
    pub metrics: Vec<String>,
    /// Tolerance of a metric: KEY=5% (relative), KEY=0.5 (absolute) or KEY=5%,0.5 (repeatable).
    #[arg(long = "tolerance", value_name = "KEY=TOL")]
    pub tolerances: Vec<String>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

pub fn baseline(a: BaselineArgs) -> Result<(), CliError> {
    let (s, m) = load_model(&a.file, a.seed)?;
    let replications = a.replications.unwrap_or(m.replications);
    if replications < 2 {
        return Err(InputError::new(
            "--replications",
            "a baseline needs at least 2 replications (the paired interval needs a variance)",
        )
        .into());
    }
    if a.threads == Some(0) {
        return Err(InputError::new("--threads", "must be at least 1").into());
    }
    let mut tolerances = check::scenario_overrides(&s)?;
    tolerances.extend(check::parse_overrides(&a.tolerances)?);
    let mut keys: Vec<String> = match s.file.check.as_ref().and_then(|c| c.metrics.clone()) {
        Some(k) => k,
        None => check::DEFAULT_METRICS
            .iter()
            .map(|k| k.to_string())
            .collect(),
    };
    for k in &a.metrics {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    for k in tolerances.keys() {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    let plan = Plan {
        replications,
        threads: a.threads,
        progress: !a.quiet,
    };
    let outcome = experiment::run(&m, plan).map_err(CliError::Failed)?;
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    for w in check::stall_warnings(&m, &outcome.replications) {
        eprintln!("{w}");
    }
    let b = check::make_baseline(&m, &s.source, &outcome.replications, &keys, &tolerances)?;
    let path = a
        .out
        .unwrap_or_else(|| Path::new("baselines").join(format!("{}.json", m.name)));
    write_atomic(&path, b.to_json().as_bytes()).map_err(io(&path))?;
    let mut o = format!(
        "baseline of {}: {} metrics over {} replications (seed {}, scenario hash {}) written to {}\n",
        b.scenario,
        b.metrics.len(),
        b.replications,
        b.seed,
        b.scenario_hash,
        path.display()
    );
    for mm in &b.metrics {
        // With fewer than 2 values the interval is undefined, not zero.
        let half = match mm.ci95 {
            Some(h) if mm.n >= 2 => check::num(h),
            _ => "n/a".into(),
        };
        let _ = writeln!(
            o,
            "  {:<34} {:>10} ± {:<8} {:<8} tolerance {}",
            mm.key,
            check::num(mm.mean.unwrap_or(f64::NAN)),
            half,
            mm.unit,
            mm.tolerance
        );
    }
    print(&o)
}
