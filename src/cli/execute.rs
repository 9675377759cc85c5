//! Running an experiment as the options say, and writing what it made: a
//! job whole, in a shard or until precise (`run --shard/--precision`,
//! `compare`, `sweep`, `merge`), and the replications `baseline` and `check`
//! keep.

use std::path::{Path, PathBuf};

use super::opts::{ExperimentOpts, RunnerOpts, check_kept, parse_precision};
use super::{CliError, Format, io, print};
use crate::experiment::job::{Assembled, Job, Kind, Shard};
use crate::experiment::{self, precision, stalls};
use crate::metrics::ReplicationResult;
use crate::model::Model;
use crate::report::files::{Staged, write_atomic};
use crate::report::output;

/// Runs replications `0..replications` of `m`, keeping every result (what
/// `baseline` and `check` decide on), and prints the stall warnings.
pub fn kept_replications(
    m: &Model,
    replications: u32,
    runner: &RunnerOpts,
) -> Result<Vec<ReplicationResult>, CliError> {
    check_kept(
        &[m],
        u64::from(replications),
        &format!("--replications {replications}"),
    )?;
    let results = experiment::run(m, runner.plan(replications))
        .map_err(CliError::Failed)?
        .replications;
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    for w in stalls::stall_warnings(m, &results) {
        eprintln!("{w}");
    }
    Ok(results)
}

/// Runs a job as the options say and writes its report to `dir`.
/// `build(R)` makes the job with R replications.
pub fn execute(
    opts: &ExperimentOpts,
    replications: u32,
    dir: &Path,
    build: impl Fn(u32) -> Job,
    before_summary: &dyn Fn(&Assembled, &Path) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let progress = !opts.runner.quiet;
    let kept = |job: &Job, kept: u64, option: String| {
        let models: Vec<&Model> = job.models.iter().collect();
        check_kept(&models, kept, &option)
    };
    if let Some(spec) = &opts.shard {
        let shard = Shard::parse(spec)?;
        let job = build(replications);
        kept(
            &job,
            u64::from(replications).div_ceil(u64::from(shard.count)),
            format!("--replications {replications} --shard {shard}"),
        )?;
        let part = job
            .run(shard, opts.runner.threads, progress)
            .map_err(CliError::Failed)?;
        if crate::interrupt::requested() {
            return Err(CliError::Interrupted);
        }
        let p = dir.join(part.file_name());
        write_atomic(&p, part.to_json().as_bytes()).map_err(io(&p))?;
        print(&format!(
            "{} {}: shard {shard}, {} of {} runs (point × replication) → {}\n\
             Join the parts with: promosim merge {}/part-*-of-{}.json\n",
            job.header.kind,
            job.header
                .points
                .first()
                .map_or("", |p| p.scenario.as_str()),
            part.units.len(),
            job.header.units(),
            p.display(),
            dir.display(),
            shard.count
        ))?;
        return Ok(());
    }
    let asm = match &opts.precision {
        Some(text) => {
            let target = parse_precision(text)?;
            let job = build(replications);
            let most = opts.max_replications.max(replications);
            kept(&job, u64::from(most), format!("--max-replications {most}"))?;
            let (asm, stop) = precision::run(
                &job,
                target,
                opts.max_replications,
                opts.runner.threads,
                progress,
                &build,
            )
            .map_err(CliError::Failed)?;
            // Ctrl-C ended the rounds: whether the precision was reached says nothing.
            if crate::interrupt::requested() {
                return Err(CliError::Interrupted);
            }
            let how = stop.widest.as_ref().map_or(String::new(), |(w, k)| {
                format!(" (widest: {k} ± {:.1} %)", w * 100.0)
            });
            if stop.met {
                eprintln!(
                    "precision {:.1} % reached with {} replications{how}",
                    target * 100.0,
                    stop.replications
                );
            } else {
                eprintln!(
                    "warning: precision {:.1} % not reached at --max-replications {}{how}",
                    target * 100.0,
                    stop.replications
                );
            }
            asm
        }
        None => {
            let job = build(replications);
            kept(
                &job,
                u64::from(replications),
                format!("--replications {replications}"),
            )?;
            job.run_all(opts.runner.threads, progress)
                .map_err(CliError::Failed)?
        }
    };
    // Ctrl-C: the replications stopped early; write nothing.
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    report(&asm, dir, opts.format, before_summary)
}

/// Writes the files of an assembled experiment (the last one marks the report
/// complete) into a staged folder put in place at the end, and prints its
/// table or JSON. `before_summary` writes the charts and page into the folder
/// it is given.
pub fn report(
    asm: &Assembled,
    dir: &Path,
    format: Format,
    before_summary: &dyn Fn(&Assembled, &Path) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let out = output::render(asm);
    let staged = Staged::begin(dir).map_err(io(dir))?;
    let to = staged.path();
    let (last, rest) = out
        .files
        .split_last()
        .map_or((None, &out.files[..]), |(l, r)| (Some(l), r));
    for (name, bytes) in rest {
        let p = to.join(name);
        write_atomic(&p, bytes).map_err(io(&p))?;
    }
    before_summary(asm, to)?;
    if let Some((name, bytes)) = last {
        let p = to.join(name);
        write_atomic(&p, bytes).map_err(io(&p))?;
    }
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    staged.commit().map_err(io(dir))?;
    match format {
        Format::Table => print(&format!("{}\nReport: {}\n", out.table, dir.display())),
        Format::Json => print(&out.json),
    }
}

/// The folder a command writes to when `--out` is not given.
pub fn default_dir(asm_kind: Kind, names: &[&str]) -> PathBuf {
    let reports = Path::new("reports");
    let name = crate::report::files::safe_name;
    match asm_kind {
        Kind::Run => reports.join(name(names.first().copied().unwrap_or("scenario"))),
        Kind::Compare => {
            let parts: Vec<String> = names.iter().map(|n| name(n)).collect();
            reports.join(format!("compare-{}", parts.join("-vs-")))
        }
        Kind::Sweep => reports.join(format!(
            "sweep-{}",
            name(names.first().copied().unwrap_or("scenario"))
        )),
    }
}
