//! What `run`, `compare` and `sweep` share: replications, seed, threads,
//! shards, early stopping, and writing the report.

use std::path::{Path, PathBuf};

use super::{CliError, Format, io, print};
use crate::error::InputError;
use crate::experiment::job::{Assembled, Job, Shard};
use crate::experiment::{output, precision};
use crate::report::files::write_atomic;

/// Options of every experiment command.
#[derive(Debug, Clone, clap::Args)]
pub struct ExperimentOpts {
    /// Replications of every scenario or point (default: the first scenario's run.replications).
    #[arg(long, short = 'r')]
    pub replications: Option<u32>,
    /// Seed for every scenario or point (default: the first scenario's run.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// Report folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Skip the charts, index.html and report.md.
    #[arg(long)]
    pub no_report: bool,
    /// Run only shard I of N of the units (scenario or point × replication) and write a
    /// partial result (`auto` or `auto/N`: from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID); join with `merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Add replications until the key metrics' 95 % intervals are within this relative half-width (e.g. 5%).
    #[arg(long, value_name = "PERCENT")]
    pub precision: Option<String>,
    /// With --precision: stop at this many replications at most.
    #[arg(long, default_value_t = 10_000)]
    pub max_replications: u32,
}

/// Parses `5%` or `0.05`.
pub fn parse_precision(text: &str) -> Result<f64, InputError> {
    let t = text.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    };
    match v {
        Ok(x) if x.is_finite() && x > 0.0 && x < 1.0 => Ok(x),
        _ => Err(InputError::new(
            format!("--precision {text}"),
            "expected a relative half-width between 0 and 100 %, e.g. 5% or 0.05",
        )),
    }
}

impl ExperimentOpts {
    /// Checks the options; gives the replication count to use.
    pub fn check(&self, default_replications: u32) -> Result<u32, InputError> {
        let r = self.replications.unwrap_or(default_replications);
        if r == 0 {
            return Err(InputError::new("--replications", "must be at least 1"));
        }
        if self.threads == Some(0) {
            return Err(InputError::new("--threads", "must be at least 1"));
        }
        if self.shard.is_some() && self.precision.is_some() {
            return Err(InputError::new(
                "--precision",
                "cannot be combined with --shard: each shard would stop at a different count; run the sharded experiment with a fixed --replications",
            ));
        }
        if self.precision.is_some() && self.max_replications < 2 {
            return Err(InputError::new("--max-replications", "must be at least 2"));
        }
        Ok(r)
    }
}

/// Runs a job as the options say and writes its report to `dir`.
/// `build(R)` makes the job with R replications.
pub fn execute(
    opts: &ExperimentOpts,
    replications: u32,
    dir: &Path,
    build: impl Fn(u32) -> Job,
    before_summary: &dyn Fn(&Assembled) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let progress = !opts.quiet;
    if let Some(spec) = &opts.shard {
        let shard = Shard::parse(spec)?;
        let job = build(replications);
        let part = job
            .run(shard, opts.threads, progress)
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
            let (asm, stop) = precision::run(
                &job,
                target,
                opts.max_replications,
                opts.threads,
                progress,
                &build,
            )
            .map_err(CliError::Failed)?;
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
        None => build(replications)
            .run_all(opts.threads, progress)
            .map_err(CliError::Failed)?,
    };
    // Ctrl-C: the replications stopped early; write nothing.
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    report(&asm, dir, opts.format, before_summary)
}

/// Writes the files of an assembled experiment (the last one marks the report
/// complete) and prints its table or JSON.
pub fn report(
    asm: &Assembled,
    dir: &Path,
    format: Format,
    before_summary: &dyn Fn(&Assembled) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let out = output::render(asm);
    let (last, rest) = out
        .files
        .split_last()
        .map_or((None, &out.files[..]), |(l, r)| (Some(l), r));
    for (name, bytes) in rest {
        let p = dir.join(name);
        write_atomic(&p, bytes).map_err(io(&p))?;
    }
    before_summary(asm)?;
    if let Some((name, bytes)) = last {
        let p = dir.join(name);
        write_atomic(&p, bytes).map_err(io(&p))?;
    }
    match format {
        Format::Table => print(&format!("{}\nReport: {}\n", out.table, dir.display())),
        Format::Json => print(&out.json),
    }
}

/// The folder a command writes to when `--out` is not given.
pub fn default_dir(asm_kind: crate::experiment::job::Kind, names: &[&str]) -> PathBuf {
    use crate::experiment::job::Kind;
    let reports = Path::new("reports");
    let name = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    match asm_kind {
        Kind::Run => reports.join(names.first().copied().unwrap_or("scenario")),
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

/// The hook that writes a comparison's charts, `index.html` and `report.md`
/// (one column per scenario or grid point), before its last file.
pub fn points_report<'a>(
    opts: &'a ExperimentOpts,
    dir: &'a Path,
    title: &'a str,
    points: &'a [crate::experiment::job::PointSpec],
    labels: &'a [String],
) -> impl Fn(&Assembled) -> Result<(), CliError> + 'a {
    move |asm: &Assembled| {
        if opts.no_report {
            return Ok(());
        }
        let summaries: Vec<_> = (0..points.len()).map(|p| asm.summary(p)).collect();
        let traces: Vec<_> = crate::experiment::in_pool(opts.threads, || {
            points
                .iter()
                .map(|p| crate::report::trace_replications(&p.model, 1))
                .collect()
        })
        .map_err(CliError::Failed)?;
        let scenarios: Vec<crate::report::figures::Charted> = points
            .iter()
            .zip(&summaries)
            .zip(&traces)
            .zip(labels)
            .map(
                |(((p, summary), traces), label): (
                    ((&crate::experiment::job::PointSpec, _), &Vec<_>),
                    &String,
                )| crate::report::figures::Charted {
                    label: label.as_str(),
                    model: &p.model,
                    summary,
                    traces,
                },
            )
            .collect();
        crate::report::write_compare(dir, title, &scenarios)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        Ok(())
    }
}
