//! `promosim calibrate`: fit a scenario's random inputs to exported run history.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::{CliError, io, print};
use crate::calibrate;
use crate::error::InputError;
use crate::history::{self, Format, History};

pub const HELP: &str = "Examples:\n  promosim calibrate --history runs.json --format gh-runs --out calibrated.yaml\n  promosim calibrate --history builds.json timeline-*.json --format azure --scenario base.yaml --out calibrated.yaml\n  promosim calibrate --history events.csv --format csv --scenario scenarios/tailspin.yaml --out calibrated.yaml\n\nFormats: csv (release,stage,event,time,result[,attempt]), gh-runs (gh run list --json ...),\ngithub (REST workflow runs, jobs, deployments, deployment statuses), azure (REST Builds list and build Timelines).\nSee docs/calibrate.md for the export commands and the fitting rules.";

/// The largest history file read (a year of a busy pipeline's runs is far below it).
const HISTORY_LIMIT: u64 = 256 << 20;

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Exported history files (all in the same format).
    #[arg(long, required = true, num_args = 1..)]
    pub history: Vec<PathBuf>,
    /// Their format: csv, gh-runs, github or azure.
    #[arg(long)]
    pub format: String,
    /// The scenario whose values are calibrated (default: one made from the history).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Where the calibrated scenario is written.
    #[arg(long)]
    pub out: PathBuf,
}

/// Reads every history file in `format` into one table.
pub fn read_history(files: &[PathBuf], format: &str) -> Result<History, InputError> {
    let format = Format::parse(format).ok_or_else(|| {
        InputError::new(
            "--format",
            format!(
                "unknown history format {format:?}: expected one of {}",
                Format::NAMES
            ),
        )
    })?;
    let mut parts = Vec::new();
    for f in files {
        let text = crate::scenario::read_limited(f, HISTORY_LIMIT, "history")?;
        parts.push(history::parse(format, &text, &f.display().to_string())?);
    }
    let h = History::from_parts(parts);
    for w in &h.warnings {
        eprintln!("warning: {w}");
    }
    if h.events.is_empty() {
        return Err(InputError::new(
            files
                .first()
                .map_or(String::new(), |f| f.display().to_string()),
            "the history holds no events",
        ));
    }
    Ok(h)
}

pub fn calibrate(args: CalibrateArgs) -> Result<(), CliError> {
    let h = read_history(&args.history, &args.format)?;
    let base = match &args.scenario {
        Some(p) => Some((crate::scenario::read_source(p)?, p.display().to_string())),
        None => None,
    };
    let c = calibrate::calibrate(&h, base.as_ref().map(|(t, f)| (t.as_str(), f.as_str())))?;
    // The result must read back as a scenario; paths in it are relative to --out.
    if let Err(e) = crate::scenario::parse(&c.yaml, &args.out) {
        return Err(CliError::Failed(format!(
            "the calibrated scenario does not validate ({e}); this is a bug, please report it"
        )));
    }
    write_file(&args.out, &c.yaml)?;
    print(&table(&c, &args.out))
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(path))?;
    }
    std::fs::write(path, text).map_err(io(path))
}

fn table(c: &calibrate::Calibration, out: &Path) -> String {
    let mut o = String::new();
    let w = c
        .lines
        .iter()
        .map(|l| l.path.len())
        .max()
        .unwrap_or(10)
        .max(9);
    let _ = writeln!(
        o,
        "{:<w$}  {:>5}  {:>5}  estimate (95 % interval); goodness of fit",
        "parameter", "n", "cens."
    );
    for l in &c.lines {
        let what = match &l.kept {
            Some(why) => format!("KEPT from the base scenario: {why}"),
            None if l.fit.is_empty() => format!("{} {}", l.estimate, l.interval),
            None => format!("{} {}; {}", l.estimate, l.interval, l.fit),
        };
        let _ = writeln!(o, "{:<w$}  {:>5}  {:>5}  {what}", l.path, l.n, l.censored);
    }
    for x in &c.observed {
        let _ = writeln!(o, "observed (not a model parameter): {}", x.line());
    }
    for n in &c.notes {
        let _ = writeln!(o, "note: {n}");
    }
    for s in &c.unmatched {
        let _ = writeln!(
            o,
            "note: history stage {s:?} matches no stage of the scenario: ignored"
        );
    }
    let kept = c.lines.iter().filter(|l| l.kept.is_some()).count();
    let _ = writeln!(
        o,
        "{} values fitted, {kept} kept from the base scenario; written to {}",
        c.lines.len() - kept,
        out.display()
    );
    o
}
