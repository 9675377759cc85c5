//! `promosim run`: replications → summary table, summary.json, CSV.

use super::job::{self as common, ExperimentOpts};
use super::{CliError, RunArgs, io, load_model, out_dir};
use crate::error::InputError;
use crate::experiment;
use crate::experiment::job::{Job, Kind, PointHeader, PointSpec};
use crate::model::Model;
use crate::report;
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
        no_report: a.no_report,
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
    let t0 = std::time::Instant::now();
    // The charts, index.html and report.md are written before summary.json,
    // whose presence marks the report complete.
    let charts = |asm: &experiment::job::Assembled| -> Result<(), CliError> {
        let sim_secs = t0.elapsed().as_secs_f64();
        for w in crate::check::stall_warnings_for_point(&m, &asm.points[0]) {
            eprintln!("{w}");
        }
        if a.no_report {
            if a.verbose {
                eprintln!("simulation: {sim_secs:.3} s for {replications} replications");
            }
            return Ok(());
        }
        let t1 = std::time::Instant::now();
        let summary = asm.summary(0);
        let k = (summary.replications as usize).min(report::figures::QUEUE_BAND_REPLICATIONS);
        let written = experiment::in_pool(a.threads, || {
            let traces = report::trace_replications(&m, k);
            report::write_run(&dir, &m, &summary, &traces)
        })
        .map_err(CliError::Failed)?
        .map_err(|e| CliError::Failed(e.to_string()))?;
        if a.verbose {
            let report_secs = t1.elapsed().as_secs_f64();
            eprintln!(
                "simulation: {sim_secs:.3} s for {} replications; report: {report_secs:.3} s \
                 ({k} traced replications {:.3} s, {} files rendered and written {:.3} s)",
                summary.replications,
                report_secs - written.render_secs,
                written.files.len(),
                written.render_secs
            );
        }
        Ok(())
    };
    common::execute(&opts, replications, &dir, build, &charts)
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
