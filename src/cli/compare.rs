//! `promosim compare`: several scenarios on the same seeds, side by side, with
//! paired differences from the first.

use std::path::PathBuf;

use super::CliError;
use super::execute as common;
use super::opts::ExperimentOpts;
use crate::error::InputError;
use crate::experiment::job::{Job, Kind, PointHeader, PointSpec};
use crate::model;
use crate::scenario;

pub const HELP: &str = "Examples:
  promosim compare scenarios/tailspin.yaml scenarios/tailspin-continuous.yaml
  promosim compare a.yaml b.yaml c.yaml --replications 200 --threads 2
  promosim compare a.yaml b.yaml --shard 2/3 --out results/   (then: promosim merge results/)

Every scenario runs replications 0..R on the first scenario's seed (or --seed): the same
commits and defects in replication r of each (common random numbers). The table shows each
scenario's mean ± 95 % half-width and the paired difference from the first scenario; * marks
a difference whose interval excludes 0. Writes comparison.json and comparison.csv to
reports/compare-<a>-vs-<b>/.";

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario files (YAML); the first is the baseline.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub opts: ExperimentOpts,
    /// A metric the page's tables and charts show (repeatable; default: lead time, deploys, blast radius, change failure rate).
    #[arg(long = "metric", value_name = "KEY")]
    pub metric: Vec<String>,
    #[command(flatten)]
    pub select: super::select::SelectOpts,
}

/// Loads the scenarios of a comparison; labels are their names, made unique.
pub fn points(files: &[PathBuf]) -> Result<Vec<PointSpec>, InputError> {
    let mut out: Vec<PointSpec> = Vec::new();
    for f in files {
        let s = scenario::load(f)?;
        let m = model::compile(&s)?;
        let mut label = m.name.clone();
        let mut k = 2;
        while out.iter().any(|p| p.header.label == label) {
            label = format!("{}#{k}", m.name);
            k += 1;
        }
        out.push(PointSpec {
            header: PointHeader::new(label, f.display().to_string(), Vec::new(), &m),
            model: m,
            text: s.source,
        });
    }
    Ok(out)
}

pub fn compare(a: CompareArgs) -> Result<(), CliError> {
    super::report::check_metrics(&a.metric)?;
    let points = points(&a.files)?;
    let first = &points[0].model;
    let seed = a.opts.sample.seed.unwrap_or(first.seed);
    let replications = a.opts.check(first.replications)?;
    let labels: Vec<&str> = points.iter().map(|p| p.header.label.as_str()).collect();
    let dir = a
        .opts
        .out
        .clone()
        .unwrap_or_else(|| common::default_dir(Kind::Compare, &labels));
    let build = |r: u32| Job::new(Kind::Compare, seed, r, Vec::new(), points.to_vec());
    super::select::execute_points(
        &a.opts,
        &a.select,
        &a.metric,
        &points,
        replications,
        &dir,
        build,
    )
}
