//! `--select METRIC [--constraint KEY<=VALUE …] [--delta X]` of `sweep` and
//! `compare`: after the experiment, name the best as a statistical claim (see
//! `experiment::select`), write `selection.json` into the result folder and
//! print a short block after the table.

use std::cell::RefCell;
use std::path::Path;

use super::opts::ExperimentOpts;
use super::{CliError, Format, io, print};
use crate::error::InputError;
use crate::experiment::job::{Assembled, Job, PointSpec};
use crate::experiment::select::{self, Constraint, Delta, Request, Selection};
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

/// Runs the selection inside an experiment's report hook and prints it after the table.
pub struct Chooser {
    request: Option<Request>,
    job: Option<Job>,
    labels: Vec<String>,
    threads: Option<usize>,
    made: RefCell<Option<Selection>>,
}

impl Chooser {
    /// Checks the options; `job` gives the points' models (any replication count).
    pub fn new(
        o: &SelectOpts,
        sharded: bool,
        job: impl FnOnce() -> Job,
        labels: &[String],
        threads: Option<usize>,
    ) -> Result<Chooser, InputError> {
        let request = match &o.select {
            None => None,
            Some(metric) => {
                if sharded {
                    return Err(InputError::new(
                        "--select",
                        "needs the whole experiment: run it without --shard",
                    ));
                }
                let constraints = o
                    .constraints
                    .iter()
                    .map(|c| Constraint::parse(c))
                    .collect::<Result<Vec<_>, _>>()?;
                let delta = o.delta.as_deref().map(Delta::parse).transpose()?;
                // Refuse an unknown metric before the experiment runs, not after.
                let keys = std::iter::once(metric.trim())
                    .chain(constraints.iter().map(|c| c.key.as_str()));
                for key in keys {
                    if crate::metrics::find(key).is_none() {
                        return Err(InputError::new(
                            key,
                            "no such metric (docs/metrics.md lists them, e.g. lead_time.mean, blast_radius.share_hours)",
                        ));
                    }
                }
                if o.select_max_replications < 2 {
                    return Err(InputError::new(
                        "--select-max-replications",
                        "must be at least 2",
                    ));
                }
                Some(Request {
                    metric: metric.trim().to_string(),
                    constraints,
                    delta,
                    max_replications: o.select_max_replications,
                })
            }
        };
        Ok(Chooser {
            job: request.as_ref().map(|_| job()),
            request,
            labels: labels.to_vec(),
            threads,
            made: RefCell::new(None),
        })
    }

    /// The report hook `inner`, preceded by the selection (which writes
    /// `selection.json` into the folder the hook is given).
    pub fn wrap<'a>(
        &'a self,
        inner: impl Fn(&Assembled, &Path) -> Result<(), CliError> + 'a,
    ) -> impl Fn(&Assembled, &Path) -> Result<(), CliError> + 'a {
        move |asm: &Assembled, dir: &Path| {
            if let (Some(req), Some(job)) = (&self.request, &self.job) {
                let mut more = select::more_replications(job, &req.metric, self.threads);
                let s = select::select(req, &self.labels, &asm.points, &mut more)?;
                if crate::interrupt::requested() {
                    return Err(CliError::Interrupted);
                }
                let p = dir.join("selection.json");
                write_atomic(&p, s.to_json().as_bytes()).map_err(io(&p))?;
                *self.made.borrow_mut() = Some(s);
            }
            inner(asm, dir)
        }
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

/// Runs a comparison or a sweep: the job, its page (`--metric`), and the
/// selection when `--select` asks for one, printed after the table.
pub fn execute_points(
    opts: &ExperimentOpts,
    select: &SelectOpts,
    metric: &[String],
    points: &[PointSpec],
    replications: u32,
    dir: &Path,
    build: impl Fn(u32) -> Job,
) -> Result<(), CliError> {
    let models = points.iter().map(|p| p.model.clone()).collect();
    let report = super::report::points_report(opts, models, metric);
    // The selection's points are named as on the page.
    let (_, labels) = super::report::title_and_labels(&build(1).header);
    let sharded = opts.shard.is_some();
    let chooser = Chooser::new(select, sharded, || build(1), &labels, opts.runner.threads)?;
    let report = chooser.wrap(report);
    super::execute::execute(opts, replications, dir, &build, &report)?;
    chooser.print(opts.format)
}
