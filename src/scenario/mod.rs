//! The scenario language: YAML as DevOps engineers write it, read with serde
//! (unknown keys refused), then checked as a whole (references, cycles, budgets).
//!
//! Three layers, as ripgrep's `LowArgs` → `HiArgs`: [`file`] and [`stage`] are
//! the file as written (serde, each value checked as it is read); `validate`
//! turns that into [`valid::Validated`], where choices that exclude each other
//! are enums and names are indices; `load` gives a [`Scenario`] holding it.
//! [`crate::model::compile`] turns it into the immutable model.
//! Every key, its unit and its default is documented in `docs/scenario.md`.

pub mod file;
pub mod stage;
pub mod valid;
mod validate;
pub mod values;
mod yaml;

pub use file::ScenarioFile;
pub use valid::Validated;

use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use crate::error::InputError;

/// A name used to refer to something defined elsewhere in the file, with where it was written.
pub type NameRef = Spanned<String>;

/// A scenario that parsed and whose cross-references all resolve.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// What the file says, validated (named `file` for what it came from).
    pub file: Validated,
    pub name: String,
    /// Where it was read from (for relative replay paths and messages).
    pub path: PathBuf,
    /// The source text (for the scenario hash of baselines).
    pub source: String,
}

/// Reads and checks a scenario file.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    let shown = path.display().to_string();
    let source = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(&shown, format!("cannot read the scenario: {e}")))?;
    parse(&source, path)
}

/// Parses and checks scenario text; `path` names it in messages and anchors relative paths.
pub fn parse(source: &str, path: &Path) -> Result<Scenario, InputError> {
    let shown = path.display().to_string();
    let file: ScenarioFile =
        serde_saphyr::from_str(source).map_err(|e| yaml::yaml_error(&shown, source, &e))?;
    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into())
    });
    Ok(Scenario {
        file: validate::validate(&file, &shown)?,
        name,
        path: path.to_path_buf(),
        source: source.to_string(),
    })
}

/// Stages per scenario (defect detection keeps one bit per stage).
pub const MAX_STAGES: usize = 63;

/// Retries of a build or a deployment (each is drawn at once).
pub const MAX_RETRIES: u32 = 100;

/// Batches of a rolling update, or weight steps of a Flagger canary.
pub const MAX_ROLLOUT_STEPS: f64 = 1000.0;

/// The name the build step is referred to by in `depends_on`.
pub const BUILD: &str = "build";
