//! `promosim run`: replications → summary table, summary.json, CSV.

use super::job::{self as common, ExperimentOpts};
use super::{CliError, RunArgs, io, load_model, out_dir};
use crate::error::InputError;
use crate::experiment;
use crate::experiment::job::{Job, Kind, PointHeader, PointSpec};
use crate::model::Model;
use crate::report::files::write_csv;

pub fn run(a: RunArgs) -> Result<(), CliError> {
    let (s, m) = load_model(&a.file, a.seed)?;
    let opts = ExperimentOpts {
        replications: a.replications,
        seed: a.seed,
        threads: a.threads,
        out: a.out.clone(),
        format: a.format,
        quiet: a.quiet,
        shard: a.shard.clone(),
        precision: a.precision.clone(),
        max_replications: a.max_replications,
    };
    let replications = opts.check(m.replications)?;
    if a.commits && a.shard.is_some() {
        return Err(InputError::new(
            "--commits",
            "cannot be combined with --shard: run `promosim run --commits -r 1` for the commit records",
        )
        .into());
    }
    let dir = out_dir(&a.out, &m);
    if a.commits {
        let rep = experiment::trace(&m, 0);
        let p = dir.join("commits.csv");
        write_csv(&p, rep.commits.iter().map(|c| CommitRow::new(&m, c))).map_err(io(&p))?;
    }
    let header = PointHeader::new(m.name.clone(), a.file.display().to_string(), Vec::new(), &m);
    let build = |r: u32| {
        Job::new(
            Kind::Run,
            m.seed,
            r,
            Vec::new(),
            vec![PointSpec {
                header: header.clone(),
                model: m.clone(),
                text: s.source.clone(),
            }],
        )
    };
    common::execute(&opts, replications, &dir, build)
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
