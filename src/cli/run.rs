//! `promosim run`: replications → summary table, summary.json, CSV.

use super::job as common;
use std::path::Path;

use super::{CliError, Format, RunArgs, io, load_model, out_dir, print};
use crate::check::StallTally;
use crate::error::InputError;
use crate::experiment;
use crate::experiment::job::{Job, Kind, PointHeader, PointSpec};
use crate::experiment::output::csv_number;
use crate::metrics::Accumulator;
use crate::model::Model;
use crate::report;
use crate::report::files::{AtomicFile, write_atomic, write_csv};
use crate::report::summary::Summary;
use crate::report::table;

pub fn run(a: RunArgs) -> Result<(), CliError> {
    let (s, m) = load_model(&a.file, a.opts.seed)?;
    let opts = &a.opts;
    let replications = opts.check(m.replications)?;
    if a.commits && opts.shard.is_some() {
        return Err(InputError::new(
            "--commits",
            "cannot be combined with --shard: run `promosim run --commits -r 1` for the commit records",
        )
        .into());
    }
    let dir = out_dir(&opts.out, &m);
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
    let charts = |summary: &Summary| -> Result<(), CliError> {
        let sim_secs = t0.elapsed().as_secs_f64();
        if opts.no_report {
            if a.verbose {
                eprintln!("simulation: {sim_secs:.3} s for {replications} replications");
            }
            return Ok(());
        }
        let t1 = std::time::Instant::now();
        let k = (summary.replications as usize).min(report::figures::QUEUE_BAND_REPLICATIONS);
        let written = experiment::in_pool(opts.threads, || {
            let traces = report::trace_replications(&m, k);
            report::write_run(&dir, &m, summary, &traces)
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
    if opts.shard.is_some() || opts.precision.is_some() {
        // Shards and early stopping go through the experiment job (parts, merge).
        let hook = |asm: &experiment::job::Assembled| charts(&asm.summary(0));
        return common::execute(opts, replications, &dir, build, &hook);
    }
    let summary = stream_replications(&m, replications, &a, &dir)?;
    charts(&summary)?;
    let json = summary.to_json();
    let p = dir.join("summary.json");
    write_atomic(&p, json.as_bytes()).map_err(io(&p))?;
    match opts.format {
        Format::Table => print(&format!(
            "{}\nReport: {}\n",
            table::render(&summary),
            dir.display()
        )),
        Format::Json => print(&json),
    }
}

/// Runs the replications in order, folding each into the summary's running
/// statistics and a row of `replications.csv` as it comes: memory stays flat in
/// the number of replications. The same numbers, to the byte, as the job path
/// (`--shard` parts merged), which the tests check.
fn stream_replications(
    m: &Model,
    replications: u32,
    a: &RunArgs,
    dir: &Path,
) -> Result<Summary, CliError> {
    let csv_path = dir.join("replications.csv");
    let file = AtomicFile::create(&csv_path).map_err(io(&csv_path))?;
    let mut csv = csv::Writer::from_writer(file);
    let mut keys: Vec<(String, &'static str)> = Vec::new();
    let mut stats: Vec<Accumulator> = Vec::new();
    let mut tally = StallTally::default();
    experiment::run_in_order(
        m,
        replications,
        a.opts.threads,
        !a.opts.quiet,
        |r, result| {
            let metrics = result.metrics();
            if keys.is_empty() {
                keys = metrics.iter().map(|x| (x.key.clone(), x.unit)).collect();
                stats = vec![Accumulator::default(); keys.len()];
                let header =
                    std::iter::once("replication").chain(keys.iter().map(|(k, _)| k.as_str()));
                csv.write_record(header).map_err(|e| e.to_string())?;
            }
            let cells =
                std::iter::once(r.to_string()).chain(metrics.iter().map(|x| csv_number(x.value)));
            csv.write_record(cells).map_err(|e| e.to_string())?;
            for (acc, x) in stats.iter_mut().zip(&metrics) {
                acc.push(x.value);
            }
            tally.add(&result);
            Ok(())
        },
    )
    .map_err(|e| CliError::Failed(format!("{}: {e}", csv_path.display())))?;
    if crate::interrupt::requested() {
        // Dropping the writer removes its temporary file: nothing is left behind.
        return Err(CliError::Interrupted);
    }
    for w in tally.warnings(m) {
        eprintln!("{w}");
    }
    let file = csv
        .into_inner()
        .map_err(|e| CliError::Failed(format!("{}: {e}", csv_path.display())))?;
    file.commit().map_err(io(&csv_path))?;
    let metrics = keys
        .into_iter()
        .zip(stats)
        .map(|((k, u), acc)| acc.finish(k, u))
        .collect();
    Ok(Summary::new(m, replications, metrics))
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
