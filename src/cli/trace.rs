//! `promosim trace`: the event log of one replication as CSV.

use std::path::{Path, PathBuf};

use super::{CliError, io, load_model, out_dir, print};
use crate::experiment;
use crate::report::files::CreatedDirs;
use crate::report::records;

pub fn trace(
    file: &Path,
    replication: u64,
    seed: Option<u64>,
    out: Option<PathBuf>,
) -> Result<(), CliError> {
    let (_s, m) = load_model(file, seed)?;
    let rep = experiment::trace(&m, replication);
    // Ctrl-C stopped the replication part-way: its log is truncated, write nothing.
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    // `--out -`: the CSV on standard output, and nothing else there.
    if out.as_deref() == Some(Path::new("-")) {
        let csv = records::trace_csv(&m, &rep).map_err(io(Path::new("-")))?;
        return print(&String::from_utf8_lossy(&csv));
    }
    let path = out.unwrap_or_else(|| out_dir(&None, &m).join(format!("trace-{replication}.csv")));
    // Folders made for the file are removed again if it is not written.
    let made = CreatedDirs::for_file(&path).map_err(io(&path))?;
    // The CSV goes through a temporary file that is only renamed into place
    // when no interrupt came while it was written (`write_atomic`).
    match records::write_trace(&path, &m, &rep) {
        Err(_) if crate::interrupt::requested() => return Err(CliError::Interrupted),
        r => r.map_err(io(&path))?,
    }
    made.keep();
    print(&format!(
        "{} rows of replication {replication}'s event log written to {}\n",
        rep.trace.len(),
        path.display()
    ))
}

/// `promosim trace --as FORMAT`: the replication's log as run history files
/// (one CSV or JSON file, or several for GitHub REST and Azure DevOps).
pub fn history(
    file: &Path,
    replication: u64,
    seed: Option<u64>,
    out: Option<PathBuf>,
    format: &str,
) -> Result<(), CliError> {
    let fmt = crate::history::Format::parse(format).ok_or_else(|| {
        crate::error::InputError::new(
            "--as",
            format!(
                "unknown history format {format:?}: expected one of {}",
                crate::history::Format::NAMES
            ),
        )
    })?;
    let (_s, m) = load_model(file, seed)?;
    let rep = experiment::trace(&m, replication);
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    let dir = out.unwrap_or_else(|| out_dir(&None, &m).join(format!("history-{replication}")));
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let events = crate::calibrate::export::events(&m, &rep);
    let files = crate::calibrate::export::write(fmt, &events);
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    print(&format!(
        "{} history events of replication {replication} written as {format} to {} ({} files)\n",
        events.len(),
        dir.display(),
        files.len()
    ))
}
