//! `--select METRIC [--constraint KEY<=VALUE …] [--delta X]` of `sweep` and
//! `compare`: after the experiment, name the best as a statistical claim (see
//! `experiment::select`), write `selection.json` into the result folder, put
//! it on the page and print a short block after the table.
//!
//! The options travel in the experiment's header, so a shard's part carries
//! them and `merge` (or `promosim report`) makes the same selection from the
//! merged replications; the sequential procedure's added replications are run
//! by that one process, on the same random numbers as the unsharded command.

use std::cell::RefCell;
use std::path::Path;

use super::opts::ExperimentOpts;
use super::{CliError, Format, io, print};
use crate::error::InputError;
use crate::experiment::job::{Assembled, Job, PointSpec};
use crate::experiment::select::{self, SelectSpec, Selection};
use crate::model::Model;
use crate::report::files::write_atomic;

/// The selection options (flattened into `sweep` and `compare`).
#[derive(Debug, Clone, clap::Args)]
pub struct SelectOpts {
    /// Name the best point on this metric: the points that cannot be told apart from the
    /// best at 95 % (subset selection on common random numbers; docs/experiments.md).
    #[arg(long, value_name = "METRIC")]
    pub select: Option<String>,
    /// With --select: only points whose mean meets KEY<=VALUE (or KEY>=VALUE) count (repeatable).
    #[arg(long = "constraint", value_name = "KEY<=VALUE", requires = "select")]
    pub constraints: Vec<String>,
    /// With --select: add replications only where needed until one point is left (KN),
    /// indifference zone X in the metric's unit or P% of the best mean (alone: 1%).
    #[arg(long, value_name = "X|P%", num_args = 0..=1, default_missing_value = "1%", requires = "select")]
    pub delta: Option<String>,
    /// With --delta: at most this many replications per point.
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    pub select_max_replications: u64,
}

impl SelectOpts {
    /// The options as the header keeps them, checked before the experiment
    /// runs (an unknown metric is refused now, not after).
    pub fn spec(&self) -> Result<Option<SelectSpec>, InputError> {
        let Some(metric) = &self.select else {
            return Ok(None);
        };
        let spec = SelectSpec {
            metric: metric.trim().to_string(),
            constraints: self.constraints.clone(),
            delta: self.delta.clone(),
            max_replications: self.select_max_replications,
        };
        spec.request()?;
        Ok(Some(spec))
    }
}

/// The selection an experiment's header asks for (`None` without `--select`),
/// on its replications; `models` are its points' (for the sequential
/// procedure's added replications).
pub fn selection(
    asm: &Assembled,
    models: &[Model],
    threads: Option<usize>,
) -> Result<Option<Selection>, CliError> {
    let Some(spec) = &asm.header.select else {
        return Ok(None);
    };
    let req = spec.request()?;
    // The selection's points are named as on the page.
    let (_, labels) = super::report::title_and_labels(&asm.header);
    let job = Job {
        header: asm.header.clone(),
        models: super::report::as_run(models, &asm.header),
    };
    let mut more = select::more_replications(&job, &req.metric, threads);
    let s = select::select(&req, &labels, &asm.points, &mut more)?;
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    Ok(Some(s))
}

/// The hook of `compare`, `sweep` and `merge` that writes, before the last
/// data file, `selection.json` (with `--select`) and the page (unless
/// `--no-report`); it keeps the selection to print after the table.
pub struct PointsHook<'a> {
    pub models: Vec<Model>,
    pub metrics: &'a [String],
    pub threads: Option<usize>,
    pub no_report: bool,
    made: RefCell<Option<Selection>>,
}

impl<'a> PointsHook<'a> {
    pub fn new(
        models: Vec<Model>,
        metrics: &'a [String],
        threads: Option<usize>,
        no_report: bool,
    ) -> Self {
        PointsHook {
            models,
            metrics,
            threads,
            no_report,
            made: RefCell::new(None),
        }
    }

    pub fn write(&self, asm: &Assembled, dir: &Path) -> Result<(), CliError> {
        let s = selection(asm, &self.models, self.threads)?;
        if let Some(s) = &s {
            let p = dir.join("selection.json");
            write_atomic(&p, s.to_json().as_bytes()).map_err(io(&p))?;
        }
        if !self.no_report {
            super::report::page(
                asm,
                &self.models,
                self.metrics,
                self.threads,
                dir,
                s.as_ref(),
            )?;
        }
        *self.made.borrow_mut() = s;
        Ok(())
    }

    /// Prints the selection's text block: after the table on stdout, or on
    /// stderr when stdout carries JSON.
    pub fn print(&self, format: Format) -> Result<(), CliError> {
        let Some(s) = self.made.borrow().clone() else {
            return Ok(());
        };
        let text = select::text(&s);
        match format {
            Format::Table => print(&format!("\n{text}")),
            Format::Json => {
                eprint!("{text}");
                Ok(())
            }
        }
    }
}

/// Runs a comparison or a sweep: the job (whole or a shard), its page
/// (`--metric`), and the selection when `--select` asks for one, printed
/// after the table.
pub fn execute_points(
    opts: &ExperimentOpts,
    select: &SelectOpts,
    metric: &[String],
    points: &[PointSpec],
    replications: u32,
    dir: &Path,
    build: impl Fn(u32) -> Job,
) -> Result<(), CliError> {
    let spec = select.spec()?;
    let build = |r: u32| {
        let mut job = build(r);
        job.header.select = spec.clone();
        job
    };
    let models = points.iter().map(|p| p.model.clone()).collect();
    let hook = PointsHook::new(models, metric, opts.runner.threads, opts.no_report);
    super::execute::execute(opts, replications, dir, build, &|asm, to| {
        hook.write(asm, to)
    })?;
    hook.print(opts.format)
}
