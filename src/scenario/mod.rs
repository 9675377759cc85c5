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
mod indent;
pub mod stage;
pub mod valid;
mod validate;
pub mod values;
pub(crate) mod yaml;

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

/// The largest scenario file read, in bytes: hand-written pipelines are a few
/// kilobytes; `/dev/zero` or a mistaken 1 GiB file is refused, not read until
/// memory runs out.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// Reads and checks a scenario file.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    let source = read_source(path)?;
    parse(&source, path)
}

/// A scenario file's text, read within [`MAX_FILE_BYTES`].
pub fn read_source(path: &Path) -> Result<String, InputError> {
    read_limited(path, MAX_FILE_BYTES, "scenario")
}

/// The text of a file the user names (a scenario, a baseline), refused up
/// front when it is longer than `limit` bytes, and read at most that far:
/// devices and pipes report a size of 0.
pub fn read_limited(path: &Path, limit: u64, what: &str) -> Result<String, InputError> {
    let shown = path.display().to_string();
    let cannot =
        |e: std::io::Error| InputError::new(&shown, format!("cannot read the {what}: {e}"));
    // "pipeline file", "template": say "file" once.
    let noun = if what.ends_with("file") {
        what.to_string()
    } else {
        format!("{what} file")
    };
    let too_big = |size: String| {
        InputError::new(
            &shown,
            format!(
                "the {noun} is {size}, above the limit of {limit} bytes ({} MiB) for a {what}",
                limit >> 20
            ),
        )
    };
    let f = std::fs::File::open(path).map_err(cannot)?;
    let size = f.metadata().map_err(cannot)?.len();
    if size > limit {
        return Err(too_big(format!("{size} bytes")));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(f, limit + 1), &mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(too_big("longer than that".into()));
    }
    String::from_utf8(bytes).map_err(|e| {
        InputError::new(
            &shown,
            format!(
                "cannot read the {what}: not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
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
