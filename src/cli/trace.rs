//! `promosim trace`: the event log of one replication as CSV.

use std::path::{Path, PathBuf};

use super::{CliError, io, load_model, out_dir, print};
use crate::experiment;
use crate::report::records;

pub fn trace(
    file: &Path,
    replication: u64,
    seed: Option<u64>,
    out: Option<PathBuf>,
) -> Result<(), CliError> {
    let (_s, m) = load_model(file, seed)?;
    let rep = experiment::trace(&m, replication);
    let path = out.unwrap_or_else(|| out_dir(&None, &m).join(format!("trace-{replication}.csv")));
    records::write_trace(&path, &m, &rep).map_err(io(&path))?;
    print(&format!(
        "{} events of replication {replication} written to {}\n",
        rep.trace.len(),
        path.display()
    ))
}
