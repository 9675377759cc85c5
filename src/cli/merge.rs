//! `promosim merge`: join the partial results of shards into the whole result.

use std::path::{Path, PathBuf};

use super::execute as common;
use super::{CliError, Format};
use crate::error::InputError;
use crate::experiment::job::{self, Kind, Partial};

pub const HELP: &str = "Examples:
  promosim run scenarios/tailspin.yaml --shard 1/3 --out parts/   (and 2/3, 3/3, anywhere)
  promosim merge parts/part-1-of-3.json parts/part-2-of-3.json parts/part-3-of-3.json --out reports/tailspin
  promosim merge parts/ --out reports/tailspin        (every part-*.json in the folder)

Writes exactly the files the unsharded command writes (summary.json and replications.csv for
run; comparison.json/.csv for compare; sweep.json/.csv for sweep), byte for byte. Refuses parts
of different runs (scenario text, overrides, seed, replications or version differ), a shard
given twice, and missing shards. Parts of a compare/sweep --select also give selection.json
(even with --no-report), the one the unsharded command writes: the replications --delta adds
are run here. Unless --no-report, also draws the charts, index.html and report.md, byte for
byte as the unsharded command does (see promosim report).";

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Partial results (part-I-of-N.json), or folders holding them.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Report folder (default: the folder the unsharded command would write).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Skip the charts, index.html and report.md (`promosim report DIR` draws them later).
    #[arg(long)]
    pub no_report: bool,
    /// A metric a comparison's or sweep's page shows (repeatable).
    #[arg(long = "metric", value_name = "KEY")]
    pub metric: Vec<String>,
    /// Worker threads for the replications the charts trace (default: all cores).
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
}

fn is_part(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("part-") && n.ends_with(".json"))
}

/// The part files named: files as given, folders expanded to their `part-*.json`.
pub fn part_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for a in args {
        if a.is_dir() {
            let rd = std::fs::read_dir(a).map_err(|e| {
                InputError::new(
                    a.display().to_string(),
                    format!("cannot read the folder: {e}"),
                )
            })?;
            let mut found: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_part(p))
                .collect();
            if found.is_empty() {
                return Err(InputError::new(
                    a.display().to_string(),
                    "holds no part-*.json partial results",
                ));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(a.clone());
        }
    }
    Ok(files)
}

pub fn merge(a: MergeArgs) -> Result<(), CliError> {
    let mut parts = Vec::new();
    for f in part_files(&a.parts)? {
        let shown = f.display().to_string();
        let text = std::fs::read_to_string(&f)
            .map_err(|e| InputError::new(&shown, format!("cannot read the partial result: {e}")))?;
        parts.push((shown.clone(), Partial::from_json(&text, &shown)?));
    }
    let asm = job::assemble(parts)?;
    let dir = a.out.clone().unwrap_or_else(|| {
        let names: Vec<&str> = match asm.header.kind {
            Kind::Run | Kind::Sweep => asm
                .header
                .points
                .first()
                .map(|p| p.scenario.as_str())
                .into_iter()
                .collect(),
            Kind::Compare => asm.header.points.iter().map(|p| p.label.as_str()).collect(),
        };
        common::default_dir(asm.header.kind, &names)
    });
    super::report::check_metrics(&a.metric)?;
    // The page and the selection are made as the unsharded command makes
    // them (`promosim report`); the selection needs the models for the
    // replications its sequential procedure adds.
    let models = if a.no_report && asm.header.select.is_none() {
        Vec::new()
    } else {
        super::report::models_of(&asm.header, "merge")?
    };
    let hook = super::select::PointsHook::new(models, &a.metric, a.threads, a.no_report);
    common::report(&asm, &dir, a.format, &|asm, to| hook.write(asm, to))?;
    hook.print(a.format)
}
