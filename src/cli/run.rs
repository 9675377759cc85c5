//! `promosim run`: replications → summary table, summary.json, CSV.

use super::{CliError, Format, RunArgs, io, load_model, out_dir};
use crate::error::InputError;
use crate::experiment::{self, Plan};
use crate::model::Model;
use crate::report::files::{write_atomic, write_csv};
use crate::report::summary::{self, Summary};
use crate::report::table;

pub fn run(a: RunArgs) -> Result<(), CliError> {
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
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    for w in crate::check::stall_warnings(&m, &outcome.replications) {
        eprintln!("{w}");
    }
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
