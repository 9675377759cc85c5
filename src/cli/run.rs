//! `promosim run`: replications → summary table, summary.json, replications.csv
//! and the report page.

use std::path::Path;
use std::time::Instant;

use super::execute;
use super::{CliError, Format, RunArgs, io, load_model, out_dir, print};
use crate::error::InputError;
use crate::experiment::job::{EXPERIMENT_FILE, Job, JobHeader, Kind, PointHeader, PointSpec};
use crate::experiment::{self, Summary};
use crate::model::Model;
use crate::report::files::{AtomicFile, Staged, write_atomic};
use crate::report::replications::{Both, ExperimentJson, ReplicationsCsv};
use crate::report::{self, figures, records, table};

pub fn run(a: RunArgs) -> Result<(), CliError> {
    let (s, m) = load_model(&a.file, a.opts.sample.seed)?;
    let opts = &a.opts;
    let replications = opts.check(m.replications)?;
    if a.commits && opts.shard.is_some() {
        return Err(InputError::new(
            "--commits",
            "cannot be combined with --shard: run `promosim run --commits -r 1` for the commit records",
        )
        .into());
    }
    for w in super::validate::scenario_warnings(&m) {
        eprintln!("{w}");
    }
    let dir = out_dir(&opts.out, &m);
    let t0 = Instant::now();
    let charts =
        |summary: &Summary, to: &Path| write_report(&a, &m, to, summary, (t0, replications));
    let header = PointHeader::new(m.name.clone(), a.file.display().to_string(), Vec::new(), &m);
    let build = |r: u32| {
        let point = PointSpec {
            header: header.clone(),
            model: m.clone(),
            text: s.source.clone(),
        };
        Job::new(Kind::Run, m.seed, r, Vec::new(), vec![point])
    };
    if opts.shard.is_some() || opts.precision.is_some() {
        // Shards and early stopping go through the experiment job (parts, merge).
        let hook = |asm: &experiment::job::Assembled, to: &Path| {
            commits(&a, &m, to)?;
            charts(&asm.summary(0), to)
        };
        return execute::execute(opts, replications, &dir, build, &hook);
    }
    // The whole report is staged and put in place at the end: an error or
    // Ctrl-C leaves the previous report as it was.
    let staged = Staged::begin(&dir).map_err(io(&dir))?;
    let to = staged.path();
    commits(&a, &m, to)?;
    let summary = stream(&m, &build(replications).header, &opts.runner, to)?;
    charts(&summary, to)?;
    let json = summary.to_json();
    let p = to.join("summary.json");
    write_atomic(&p, json.as_bytes()).map_err(io(&p))?;
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    staged.commit().map_err(io(&dir))?;
    match opts.format {
        Format::Table => print(&format!(
            "{}\nReport: {}\n",
            table::render(&summary),
            dir.display()
        )),
        Format::Json => print(&json),
    }
}

/// With `--commits`, `commits.csv`: every commit of replication 0.
fn commits(a: &RunArgs, m: &Model, to: &Path) -> Result<(), CliError> {
    if a.commits {
        let p = to.join("commits.csv");
        records::write_commits(&p, m, &experiment::commits(m, 0)).map_err(io(&p))?;
    }
    Ok(())
}

/// Runs the replications of the experiment `header`, streaming
/// `replications.csv` and `experiment.json` as they finish, and prints the
/// stall warnings. After Ctrl-C nothing is left behind.
fn stream(
    m: &Model,
    header: &JobHeader,
    runner: &super::opts::RunnerOpts,
    dir: &Path,
) -> Result<Summary, CliError> {
    let csv_path = dir.join("replications.csv");
    let json_path = dir.join(EXPERIMENT_FILE);
    let failed = |e: String| CliError::Failed(format!("{}: {e}", csv_path.display()));
    let failed_json = |e: String| CliError::Failed(format!("{}: {e}", json_path.display()));
    let mut csv = ReplicationsCsv::new(AtomicFile::create(&csv_path).map_err(io(&csv_path))?);
    let mut json = ExperimentJson::new(
        AtomicFile::create(&json_path).map_err(io(&json_path))?,
        header,
    );
    let out = experiment::stream(
        m,
        runner.plan(header.replications),
        &mut Both(&mut csv, &mut json),
    )
    .map_err(failed)?;
    if crate::interrupt::requested() {
        // Dropping the writers removes their temporary files.
        return Err(CliError::Interrupted);
    }
    for w in out.stalls.warnings(m) {
        eprintln!("{w}");
    }
    csv.finish()
        .map_err(failed)?
        .commit()
        .map_err(io(&csv_path))?;
    json.finish()
        .map_err(failed_json)?
        .commit()
        .map_err(io(&json_path))?;
    Ok(out.summary)
}

/// The charts, `index.html` and `report.md` (unless `--no-report`), and with
/// `--verbose` how long the simulation (since `t0`, of `replications` asked
/// for) and the report took.
fn write_report(
    a: &RunArgs,
    m: &Model,
    dir: &Path,
    summary: &Summary,
    (t0, replications): (Instant, u32),
) -> Result<(), CliError> {
    let sim_secs = t0.elapsed().as_secs_f64();
    if a.opts.no_report {
        if a.verbose {
            eprintln!("simulation: {sim_secs:.3} s for {replications} replications");
        }
        return Ok(());
    }
    let t1 = Instant::now();
    let m = &as_ran(m, summary);
    let k = (summary.replications as usize).min(figures::QUEUE_BAND_REPLICATIONS);
    let written = experiment::in_pool(a.opts.runner.threads, || {
        let traces = experiment::trace_replications(m, k);
        report::write_run(dir, m, summary, &traces)
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
}

/// The model as it ran: the page states the replications run (`-r N`, or
/// where `--precision` stopped), not the scenario's own count.
pub fn as_ran(m: &Model, summary: &Summary) -> Model {
    let mut m = m.clone();
    m.replications = summary.replications;
    m
}
