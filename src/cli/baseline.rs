//! `promosim baseline`: a run's key metrics, per replication, stored for `check`.

use std::path::{Path, PathBuf};

use super::execute::kept_replications;
use super::opts::{RunnerOpts, SampleOpts};
use super::{CliError, io, load_model, print};
use crate::check;
use crate::report::check::render_baseline;
use crate::report::files::write_atomic;

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// The scenario file (YAML).
    pub file: PathBuf,
    /// Where to write the baseline (default baselines/<scenario>.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub sample: SampleOpts,
    #[command(flatten)]
    pub runner: RunnerOpts,
    /// Keep this metric too (repeatable); see the keys in summary.json.
    #[arg(long = "metric", value_name = "KEY")]
    pub metrics: Vec<String>,
    /// Tolerance of a metric: KEY=5% (relative), KEY=0.5 (absolute) or KEY=5%,0.5 (repeatable).
    #[arg(long = "tolerance", value_name = "KEY=TOL")]
    pub tolerances: Vec<String>,
}

pub fn baseline(a: BaselineArgs) -> Result<(), CliError> {
    let (s, m) = load_model(&a.file, a.sample.seed)?;
    let replications = a.sample.replications(
        m.replications,
        2,
        " replications for a baseline (its paired interval needs a variance)",
    )?;
    a.runner.check()?;
    let mut tolerances = check::scenario_overrides(&s)?;
    tolerances.extend(check::parse_overrides(&a.tolerances)?);
    let listed = s.file.check.as_ref().and_then(|c| c.metrics.clone());
    let keys = check::baseline_keys(listed, &a.metrics, &tolerances);
    let results = kept_replications(&m, replications, &a.runner)?;
    let b = check::make_baseline(&m, &s.source, &results, &keys, &tolerances)?;
    let path = a.out.unwrap_or_else(|| {
        Path::new("baselines").join(format!("{}.json", crate::report::files::safe_name(&m.name)))
    });
    write_atomic(&path, b.to_json().as_bytes()).map_err(io(&path))?;
    print(&render_baseline(&b, &path))
}
