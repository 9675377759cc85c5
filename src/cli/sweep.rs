//! `promosim sweep`: one scenario over a grid of overrides, every point on the same seeds.

use std::path::{Path, PathBuf};

use super::CliError;
use super::execute as common;
use super::opts::ExperimentOpts;
use crate::error::InputError;
use crate::experiment::job::{Job, Kind, PointSpec};
use crate::experiment::overrides;

pub const HELP: &str = "Examples:
  promosim sweep scenarios/tailspin.yaml --set build.agents=1..4
  promosim sweep scenarios/tailspin.yaml --set 'stages.test.trigger.schedule=\"0 3 * * *\",\"0 3,15 * * *\"'
  promosim sweep scenarios/tailspin.yaml --set stages.test.trigger=auto,'{schedule: \"0 3 * * *\"}' --set build.agents=1,2

A path names keys with dots; a list element by its name (stages.test.deploy.duration) or
its index (stages.0). Values are YAML: 1..4 is the integers 1 to 4; quote strings that hold
commas. Several --set make the cartesian grid (the first varies slowest). A scenario may
carry its own grid as `sweep: {build.agents: [1, 2, 3]}`; --set adds to it (or replaces
the same path). Every point runs replications 0..R on the scenario's seed (or --seed).
Writes sweep.csv (one row per point) and sweep.json to reports/sweep-<name>/.";

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file (YAML).
    pub file: PathBuf,
    /// PATH=V1,V2,… : a dimension of the grid (repeatable).
    #[arg(long = "set", value_name = "PATH=V1,V2,…")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub opts: ExperimentOpts,
    /// A metric the page's table and charts show (repeatable; default: lead time, deploys, blast radius, change failure rate).
    #[arg(long = "metric", value_name = "KEY")]
    pub metric: Vec<String>,
    #[command(flatten)]
    pub select: super::select::SelectOpts,
}

/// The grid points of a sweep, checked and compiled.
pub fn points(file: &Path, set: &[String]) -> Result<(Vec<String>, Vec<PointSpec>), InputError> {
    // Bounded like every scenario read (a file of gigabytes, /dev/zero).
    let source = crate::scenario::read_source(file)?;
    overrides::sweep_points(&source, file, set)
}

pub fn sweep(a: SweepArgs) -> Result<(), CliError> {
    super::report::check_metrics(&a.metric)?;
    let (paths, points) = points(&a.file, &a.set)?;
    let first = &points[0].model;
    let seed = a.opts.sample.seed.unwrap_or(first.seed);
    let replications = a.opts.check(first.replications)?;
    let name = first.name.clone();
    let dir = a
        .opts
        .out
        .clone()
        .unwrap_or_else(|| common::default_dir(Kind::Sweep, &[name.as_str()]));
    let build = |r: u32| Job::new(Kind::Sweep, seed, r, paths.clone(), points.to_vec());
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
