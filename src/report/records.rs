//! One replication's records as CSV: `commits.csv` (every commit and when it
//! was delivered) and `trace-K.csv` (the event log).

use std::path::Path;

use crate::engine::{CommitRecord, Replication, TraceKind};
use crate::metrics::{Breakdown, StagePart, Where};
use crate::model::Model;
use crate::report::files::{AtomicFile, csv_bytes, write_csv};

#[derive(serde::Serialize)]
struct CommitRow {
    commit: u64,
    arrived_h: f64,
    arrived: String,
    delivered_h: Option<f64>,
    lead_time_h: Option<f64>,
    release: Option<u32>,
    fix: bool,
    counted: bool,
}

impl CommitRow {
    fn new(m: &Model, c: &CommitRecord) -> Self {
        CommitRow {
            commit: c.commit,
            arrived_h: c.arrived.hours(),
            arrived: m.clock.zoned(c.arrived).datetime().to_string(),
            delivered_h: c.delivered.map(|d| d.hours()),
            lead_time_h: c.delivered.map(|d| (d - c.arrived).hours()),
            release: c.release,
            fix: c.fix,
            // As the engine counts: arrived at or after the warm-up, delivered.
            counted: c.delivered.is_some() && c.arrived.0 >= m.warm_up().0,
        }
    }
}

/// A commit's hours per `where.*` key, in [`Where::all`]'s order (the build's
/// parts, then each stage's [`StagePart::ALL`]); empty where it has no split.
fn where_values(n_stages: usize, b: Option<&Breakdown>) -> Vec<Option<f64>> {
    let Some(b) = b else {
        return vec![None; 3 + n_stages * StagePart::ALL.len()];
    };
    let mut v = vec![Some(b.before_build), Some(b.agent_wait), Some(b.build)];
    for st in &b.stages {
        v.extend(StagePart::ALL.iter().map(|&p| Some(st.get(p))));
    }
    v
}

/// Writes `commits.csv`: every commit of `rep`, and for each counted one
/// where its lead time went (the `where.*` parts, in hours; they add up to
/// its lead time, and their means over the counted commits are the
/// replication's `where.*` figures). `rep` needs its commit records with
/// their parts ([`crate::experiment::commits`]).
pub fn write_commits(path: &Path, m: &Model, rep: &Replication) -> std::io::Result<()> {
    // Streamed: a 5-year run's file is tens of megabytes.
    let mut file = AtomicFile::create(path)?;
    write_commit_rows(&mut file, m, rep)?;
    file.commit()
}

fn write_commit_rows(
    out: impl std::io::Write,
    m: &Model,
    rep: &Replication,
) -> std::io::Result<()> {
    let columns = Where::all(m.stages.iter().map(|s| s.name.as_str()));
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    let mut header: Vec<String> = [
        "commit",
        "arrived_h",
        "arrived",
        "delivered_h",
        "lead_time_h",
        "release",
        "fix",
        "counted",
    ]
    .map(String::from)
    .to_vec();
    header.extend(columns.iter().map(Where::key));
    w.write_record(&header).map_err(std::io::Error::other)?;
    for c in &rep.commits {
        let row = (
            CommitRow::new(m, c),
            where_values(m.stages.len(), c.breakdown.as_ref()),
        );
        w.serialize(row).map_err(std::io::Error::other)?;
    }
    w.flush()
}

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

/// Writes the event log of `rep` (`queue` rows give a queue's new length; no
/// stage = the build queue).
pub fn write_trace(path: &Path, m: &Model, rep: &Replication) -> std::io::Result<()> {
    write_csv(path, trace_rows(m, rep))
}

/// The event log of `rep` as CSV text, for standard output.
pub fn trace_csv(m: &Model, rep: &Replication) -> std::io::Result<Vec<u8>> {
    csv_bytes(trace_rows(m, rep))
}

fn trace_rows<'a>(m: &'a Model, rep: &'a Replication) -> impl Iterator<Item = TraceRow<'a>> {
    rep.trace.iter().map(|r| TraceRow {
        time_h: r.time.hours(),
        civil_time: m.clock.zoned(r.time).datetime().to_string(),
        event: r.event.name(),
        release: r.release,
        stage: r.stage.map_or("", |s| m.stages[s].name.as_str()),
        value: r.value,
        defect: r.defect,
    })
}

/// The reference of `trace-K.csv` (`docs/trace.md`), generated from
/// [`TraceKind`]'s declarations.
pub fn trace_reference_markdown() -> String {
    let mut s = String::from(
        "# Event log reference (`trace-K.csv`)\n\n\
         Generated from `TraceKind` in `src/engine/records.rs` (`cargo test --test \
         metric_reference` checks it; `UPDATE_DOCS=1` rewrites it). `promosim trace FILE -k K` \
         writes replication K's event log, one row per event, in time order.\n\n\
         | column | meaning |\n|---|---|\n\
         | `time_h` | hours since the start of the run |\n\
         | `civil_time` | the same instant in the scenario's time zone |\n\
         | `event` | what happened (below) |\n\
         | `release` | the release (build) it is about, when there is one |\n\
         | `stage` | the stage's name; empty for the build and for run-wide events |\n\
         | `value` | a number qualifying the event, as the table says |\n\
         | `defect` | the defect it is about (defect events) |\n\n\
         | event | meaning |\n|---|---|\n",
    );
    for k in TraceKind::ALL {
        s.push_str(&format!("| `{}` | {} |\n", k.name(), k.about()));
    }
    s.push_str(
        "\nNot in the log, to be derived when rebuilding a release's visit: when it\n\
         became eligible at a stage (its upstream stages' `passed`, plus the stage's\n\
         soak), when a window opens (from the calendar and freezes), and when each\n\
         verification step starts (after the previous one; a person's step starts\n\
         with their reaction, and `task_queued` appears only when the task has to wait\n\
         for a free member; a step with `agent: true` logs `job_queued` when it has to\n\
         wait for an agent and `job_start` when it gets one). `summary.json`'s `where.*` figures are the per-commit\n\
         parts of `docs/model.md`, averaged over the counted commits.\n",
    );
    s
}
