//! `promosim check`: rerun on a baseline's seeds, decide per metric on the paired
//! difference, print a table, optionally write JUnit XML and a markdown summary.

use std::path::PathBuf;

use super::execute::kept_replications;
use super::opts::RunnerOpts;
use super::{CliError, io, load_model, print};
use crate::check::{self, Baseline};
use crate::error::InputError;
use crate::report::files::write_atomic;
use crate::report::{check as render, junit};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The scenario file (YAML).
    pub file: PathBuf,
    /// The baseline written by `promosim baseline`.
    #[arg(long)]
    pub baseline: PathBuf,
    /// Override a metric's tolerance: KEY=5%, KEY=0.5 or KEY=5%,0.5 (repeatable).
    #[arg(long = "tolerance", value_name = "KEY=TOL")]
    pub tolerances: Vec<String>,
    /// Write a JUnit XML report (one test case per metric) for CI test tabs.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a markdown summary for a pull-request comment.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    #[command(flatten)]
    pub runner: RunnerOpts,
}

pub fn check(a: CheckArgs) -> Result<(), CliError> {
    let shown = a.baseline.display().to_string();
    let text = std::fs::read_to_string(&a.baseline)
        .map_err(|e| InputError::new(&shown, format!("cannot read the baseline: {e}")))?;
    let b = Baseline::from_json(&text, &shown)?;
    let (s, m) = load_model(&a.file, Some(b.seed))?;
    if b.scenario != m.name {
        return Err(InputError::new(
            &shown,
            format!(
                "this baseline is of scenario {:?}, not {:?}",
                b.scenario, m.name
            ),
        )
        .into());
    }
    a.runner.check()?;
    let mut tolerances = check::scenario_overrides(&s)?;
    tolerances.extend(check::parse_overrides(&a.tolerances)?);
    check::known_overrides(&b, &tolerances)?;
    let results = kept_replications(&m, b.replications, &a.runner)?;
    let report = check::compare(&b, &s.source, &results, &tolerances);
    if let Some(p) = &a.junit {
        write_atomic(p, junit::render(&report).as_bytes()).map_err(io(p))?;
    }
    if let Some(p) = &a.markdown {
        write_atomic(p, render::render_markdown(&report).as_bytes()).map_err(io(p))?;
    }
    print(&render::render_table(&report))?;
    let failed: Vec<&str> = report.failures().map(|mm| mm.key.as_str()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Failed(format!(
            "{} of {} metrics regressed: {}",
            failed.len(),
            report.metrics.len(),
            failed.join(", ")
        )))
    }
}
