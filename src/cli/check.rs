//! `promosim check`: rerun on a baseline's seeds, decide per metric on the paired
//! difference, print a table, optionally write JUnit XML and a markdown summary.

use std::path::{Path, PathBuf};

use super::execute::kept_replications;
use super::opts::RunnerOpts;
use super::{CliError, load_model, print};
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
    /// Write a JUnit XML report (one test case per metric) for CI test tabs (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a markdown summary for a pull-request comment (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    #[command(flatten)]
    pub runner: RunnerOpts,
}

/// The largest baseline read: 64 MiB holds 9 metrics of about 300 000 replications.
const MAX_BASELINE_BYTES: u64 = 64 << 20;

pub fn check(a: CheckArgs) -> Result<(), CliError> {
    let shown = a.baseline.display().to_string();
    let text = crate::scenario::read_limited(&a.baseline, MAX_BASELINE_BYTES, "baseline")?;
    let b = Baseline::from_json(&text, &shown)?;
    let (s, mut m) = load_model(&a.file, None)?;
    b.verify(m.seed, &shown)?;
    m.seed = b.seed;
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
    // Refused before the rerun, not after it: a report that cannot be written.
    for p in a.junit.iter().chain(&a.markdown) {
        writable(p)?;
    }
    let mut tolerances = check::scenario_overrides(&s)?;
    tolerances.extend(check::parse_overrides(&a.tolerances)?);
    check::known_overrides(&b, &tolerances)?;
    let results = kept_replications(&m, b.replications, &a.runner)?;
    let report = check::compare(&b, &s.source, &results, &tolerances);
    if let Some(p) = &a.junit {
        write_report(p, &junit::render(&report))?;
    }
    if let Some(p) = &a.markdown {
        write_report(p, &render::render_markdown(&report))?;
    }
    print(&render::render_table(&report))?;
    let failed: Vec<&str> = report.failures().map(|mm| mm.key.as_str()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Failed(format!(
            "{} of {} metrics failed (regressed, changed or missing): {}",
            failed.len(),
            report.metrics.len(),
            failed.join(", ")
        )))
    }
}

/// A `--junit` or `--markdown` file that cannot be written is bad input
/// (exit 2), never a regression (exit 1): CI must not read it as one.
/// Writes a JUnit or Markdown report to `p`; `-` is standard output.
fn write_report(p: &Path, text: &str) -> Result<(), CliError> {
    if p == Path::new("-") {
        return print(text);
    }
    write_atomic(p, text.as_bytes()).map_err(unwritable(p))
}

fn unwritable(p: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| InputError::new(p.display().to_string(), format!("cannot write: {e}")).into()
}

/// Whether a report file could be written at `p`: not a folder, in a folder that exists.
fn writable(p: &Path) -> Result<(), CliError> {
    if p == Path::new("-") {
        return Ok(());
    }
    let shown = p.display().to_string();
    if p.is_dir() {
        return Err(
            InputError::new(shown, "is a folder, not a file to write the report to").into(),
        );
    }
    let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = parent
        && !d.is_dir()
    {
        return Err(InputError::new(
            shown,
            format!("cannot write: the folder {} does not exist", d.display()),
        )
        .into());
    }
    Ok(())
}
