//! `promosim import`: a pipeline definition as a scenario (see `docs/import.md`).

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{CliError, io, print};
use crate::import::{self, Imported, sidecar};

pub const HELP: &str = "Examples:
  promosim import azure-pipelines azure-pipelines.yml --sidecar environments.yaml --out scenario.yaml
  promosim import github-actions .github/workflows/ci.yml .github/workflows/deploy.yml --out scenario.yaml
  promosim import argo-rollout rollout.yaml --into scenario.yaml --out scenario.yaml
  promosim import flagger canary.yaml

Values the file cannot tell (durations, failure rates, approval times) are written
with an ASSUMED comment; warnings name each construct not understood (file:line).
See docs/import.md.";

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// An azure-pipelines.yml (templates by relative path are read too).
    AzurePipelines {
        /// The pipeline file.
        file: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Keep this scenario's run, calendars, commits, people and incidents; take build and stages from the pipeline.
        #[arg(long)]
        into: Option<PathBuf>,
        /// Approvals, checks, agents and durations the YAML cannot hold (docs/import.md).
        #[arg(long)]
        sidecar: Option<PathBuf>,
    },
    /// One or more GitHub Actions workflow files.
    GithubActions {
        /// The workflow files (`.github/workflows/*.yml`).
        #[arg(required = true)]
        workflows: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Keep this scenario's run, calendars, commits, people and incidents; take build and stages from the workflows.
        #[arg(long)]
        into: Option<PathBuf>,
        /// Required reviewers, wait timers, agents and durations (docs/import.md).
        #[arg(long)]
        sidecar: Option<PathBuf>,
    },
    /// An Argo Rollouts `Rollout` (canary steps or blue-green), as a production strategy.
    ArgoRollout {
        file: PathBuf,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        into: Into,
    },
    /// A Flagger `Canary` (its analysis), as a production strategy.
    Flagger {
        file: PathBuf,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        into: Into,
    },
}

#[derive(Debug, clap::Args)]
pub struct Common {
    /// Write the result here (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct Into {
    /// Merge the strategy into this scenario's production stage (the scenario text is kept otherwise).
    #[arg(long)]
    into: Option<PathBuf>,
    /// Which production stage, when the scenario has several.
    #[arg(long, requires = "into")]
    stage: Option<String>,
}

pub fn import(cmd: ImportCommand) -> Result<(), CliError> {
    let result = match cmd {
        ImportCommand::AzurePipelines {
            file,
            common,
            into,
            sidecar,
        } => {
            let side = sidecar.as_deref().map(sidecar::read).transpose()?;
            let out = shown(&common.out);
            let i = import::azure::import(&file, side.as_ref(), &out)?;
            (pipeline(i, into.as_deref(), &out)?, common.out)
        }
        ImportCommand::GithubActions {
            workflows,
            common,
            into,
            sidecar,
        } => {
            let side = sidecar.as_deref().map(sidecar::read).transpose()?;
            let paths: Vec<&Path> = workflows.iter().map(PathBuf::as_path).collect();
            let out = shown(&common.out);
            let i = import::github::import(&paths, side.as_ref(), &out)?;
            (pipeline(i, into.as_deref(), &out)?, common.out)
        }
        ImportCommand::ArgoRollout { file, common, into } => (
            fragment(import::rollout::argo(&file)?, &into, &common.out)?,
            common.out,
        ),
        ImportCommand::Flagger { file, common, into } => (
            fragment(import::rollout::flagger(&file)?, &into, &common.out)?,
            common.out,
        ),
    };
    let (imported, out) = result;
    for w in &imported.warnings {
        eprintln!("{w}");
    }
    match out {
        Some(path) => {
            std::fs::write(&path, &imported.yaml).map_err(io(&path))?;
            eprintln!("wrote {}", path.display());
            Ok(())
        }
        None => print(&imported.yaml),
    }
}

fn shown(out: &Option<PathBuf>) -> String {
    out.as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the imported scenario".into())
}

/// An imported pipeline alone, or written into a base scenario and checked there.
fn pipeline(i: Imported, into: Option<&Path>, out: &str) -> Result<Imported, CliError> {
    let Some(base) = into else { return Ok(i) };
    let mut warnings = i.warnings;
    let yaml = import::merge::pipeline_into(base, &i.yaml, &mut warnings)?;
    import::check_scenario(&yaml, out)?;
    Ok(Imported { yaml, warnings })
}

/// A strategy alone, or merged into a scenario and checked there.
fn fragment(
    f: import::rollout::Fragment,
    into: &Into,
    out: &Option<PathBuf>,
) -> Result<Imported, CliError> {
    let yaml = match &into.into {
        Some(scenario) => {
            let text = import::merge::into(scenario, &f, into.stage.as_deref())?;
            import::check_scenario(&text, &shown(out))?;
            text
        }
        None => f.render(),
    };
    Ok(Imported {
        yaml,
        warnings: f.warnings,
    })
}
