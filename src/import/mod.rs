//! `promosim import`: a team's pipeline definition (Azure Pipelines, GitHub
//! Actions, Argo Rollouts, Flagger) turned into a scenario, or into a
//! production-strategy fragment merged into one.
//!
//! Pipeline files say what runs after what, when and under which lock; they
//! do not say how long anything takes, how often it fails or how fast people
//! approve. Every such value is written with an `ASSUMED` comment, and every
//! value read carries its `file:line`. Approvals, checks and wait timers live
//! outside the files (Azure environments, GitHub environment settings): a
//! small sidecar file supplies them ([`sidecar`]). What an importer does not
//! understand is warned about with its `file:line`, never dropped silently.
//! The result is checked by the scenario reader and the model compiler before
//! it is returned. Everything is documented in `docs/import.md`.

pub mod azure;
pub mod draft;
pub mod expr;
pub mod github;
pub mod merge;
pub mod production;
pub mod rollout;
pub mod sidecar;
pub mod tree;
pub mod writer;

use std::path::Path;

use crate::error::InputError;
use tree::Node;

/// The result of an import: scenario (or fragment) text and the warnings.
#[derive(Debug, Clone)]
pub struct Imported {
    pub yaml: String,
    /// `warning: file:line: …` lines, one per construct not understood.
    pub warnings: Vec<String>,
}

/// The largest pipeline file read (pipeline files are kilobytes).
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// Template files included inside one another at most this deep (a cycle stops here).
pub const MAX_TEMPLATE_DEPTH: usize = 10;

/// A YAML file read into positioned trees, one per document (`---`).
pub fn read_docs(path: &Path, what: &str) -> Result<(String, Vec<Node>), InputError> {
    let shown = path.display().to_string();
    let source = crate::scenario::read_limited(path, MAX_FILE_BYTES, what)?;
    let docs: Vec<Node> = serde_saphyr::from_multiple(&source).map_err(|e| {
        let mut err = crate::scenario::yaml::yaml_error(&shown, &source, &e);
        if err.line.is_some_and(|l| helm_action(&source, l)) {
            err.message.push_str(
                " (the file holds `{{ … }}` template actions, as a Helm chart does: render it first, e.g. with `helm template`, and import the output)",
            );
        } else if err.line.is_some_and(|l| unquoted_args(&source, l)) {
            // Kubernetes reads the file as YAML too, and refuses it just the same.
            err.message.push_str(
                " (an unquoted Argo placeholder `{{args.…}}` is a YAML mapping, not text: quote it, e.g. \"{{args.name}}\", as Kubernetes needs too)",
            );
        }
        err
    })?;
    let docs: Vec<Node> = docs.into_iter().filter(|d| !d.is_null()).collect();
    if docs.is_empty() {
        return Err(InputError::new(&shown, format!("the {what} is empty")));
    }
    Ok((shown, docs))
}

/// Whether the line `line` (1-based) of `source`, or the one before, holds a
/// Go/Helm template action `{{ … }}`: not a `${{ … }}` expression (Azure,
/// GitHub) nor an Argo `{{args.…}}` placeholder.
fn helm_action(source: &str, line: u64) -> bool {
    let at = usize::try_from(line).unwrap_or(usize::MAX);
    source
        .lines()
        .enumerate()
        .filter(|(i, _)| *i + 1 == at || *i + 2 == at)
        .any(|(_, l)| {
            l.match_indices("{{").any(|(i, _)| {
                let rest = l[i + 2..].trim_start_matches(['-', ' ']);
                !l[..i].ends_with('$') && !rest.starts_with("args.")
            })
        })
}

/// Whether the line `line` (1-based) of `source` holds an Argo placeholder
/// `{{args.…}}` as an unquoted value.
fn unquoted_args(source: &str, line: u64) -> bool {
    let at = usize::try_from(line).unwrap_or(usize::MAX);
    source.lines().nth(at.wrapping_sub(1)).is_some_and(|l| {
        l.split_once(": ")
            .is_some_and(|(_, v)| v.trim_start().starts_with("{{args."))
            || l.trim_start().starts_with("- {{args.")
    })
}

/// The one document of a pipeline file, which must be a mapping.
pub fn read_one(path: &Path, what: &str) -> Result<(String, Node), InputError> {
    let (shown, mut docs) = read_docs(path, what)?;
    let doc = docs.remove(0);
    if doc.entries().is_none() {
        return Err(doc.error(
            &shown,
            format!("expected the {what} to be a mapping of keys"),
        ));
    }
    Ok((shown, doc))
}

/// Adds a warning for every key under `root` that no importer read.
pub fn warn_unread(file: &str, root: &Node, warnings: &mut Vec<String>) {
    let mut out = Vec::new();
    root.unread("", &mut out);
    for (line, key) in out {
        let w = format!(
            "warning: {file}:{line}: `{key}` is not understood by the importer and was ignored"
        );
        if !warnings.contains(&w) {
            warnings.push(w);
        }
    }
}

/// Checks that generated scenario text is a scenario the simulator accepts;
/// `shown` names it in the message.
pub fn check_scenario(text: &str, shown: &str) -> Result<(), InputError> {
    let s = crate::scenario::parse(text, Path::new(shown)).map_err(|e| generated(e, shown))?;
    crate::model::compile(&s).map_err(|e| generated(e, shown))?;
    Ok(())
}

fn generated(e: InputError, shown: &str) -> InputError {
    InputError::new(
        shown,
        format!(
            "the imported scenario does not validate: {e} (check the values the sidecar or the pipeline file gave)"
        ),
    )
}

/// A text value from the file for a stage or person name: what the scenario
/// language accepts as a name (`build` is reserved).
pub fn stage_name(raw: &str) -> String {
    let s: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() {
        "stage".into()
    } else if s == crate::scenario::BUILD {
        "build-stage".into()
    } else {
        s
    }
}

/// A duration as a pipeline file writes it (`1h`, `30m`, Go's `1h30m`, a
/// number of seconds) in the scenario's words.
pub fn duration_text(n: &Node) -> Option<String> {
    if let Some(x) = n.number()
        && x >= 0.0
        && n.text()
            .is_none_or(|t| !t.trim().ends_with(char::is_alphabetic))
    {
        return Some(crate::time::Duration(crate::time::SimDuration(x)).to_string());
    }
    let t = n.text()?;
    crate::time::Duration::parse(t).ok().map(|d| d.to_string())
}
