//! `promosim trace`: the event log of one replication as CSV.

use std::path::{Path, PathBuf};

use super::{CliError, io, load_model, out_dir, print};
use crate::experiment;
use crate::report::files::write_csv;

#[derive(serde::Serialize)]
struct TraceRow<'a> {
    time_h: f64,
    civil_time: String,
    event: &'a str,
    release: Option<u32>,
    stage: &'a str,
    value: Option<f64>,
    defect: Option<u32>,
}

pub fn trace(
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
        defect: r.defect,
    });
    write_csv(&path, rows).map_err(io(&path))?;
    print(&format!(
        "{} events of replication {replication} written to {}\n",
        rep.trace.len(),
        path.display()
    ))
}
