//! A matrix over environments (`environment: ${{ matrix.X }}`): one stage
//! per leg; and the notes a matrix job leaves on the build or its stages.

use super::Job;
use crate::import::tree::Node;
use crate::import::writer::num;

/// The legs of a matrix over environments: their environment names in
/// matrix order, and whether they run one at a time (`max-parallel: 1`).
pub(super) struct MatrixEnv {
    pub legs: Vec<String>,
    pub sequential: bool,
    /// `file:line` of `strategy`.
    pub at: String,
    /// `file:line` of `max-parallel`, when given.
    pub max_parallel_at: Option<String>,
    /// Legs per environment, when other axes multiply them.
    pub per_env: usize,
}

/// `environment: ${{ matrix.X }}` with `strategy.matrix.X` a list of names
/// (or `include` entries each giving X): the legs' environments, in order.
pub(super) fn matrix_env(file: &str, job: &Node, warnings: &mut Vec<String>) -> Option<MatrixEnv> {
    let e = job.get("environment")?;
    let raw = e
        .text()
        .map(str::to_string)
        .or_else(|| e.get("name").and_then(Node::scalar))?;
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let axis = compact
        .strip_prefix("${{matrix.")?
        .strip_suffix("}}")?
        .to_string();
    let strategy = job.get("strategy")?;
    let m = strategy.get("matrix")?;
    let mut legs: Vec<String> = Vec::new();
    match m.get(&axis).and_then(Node::list) {
        Some(list) => {
            for v in list {
                legs.push(v.scalar()?);
            }
        }
        None => {
            for inc in m.get("include").and_then(Node::list)? {
                if let Some(v) = inc.get(&axis).and_then(Node::scalar)
                    && !legs.contains(&v)
                {
                    legs.push(v);
                }
            }
        }
    }
    if legs.is_empty() || legs.iter().any(|l| l.contains("${{")) {
        return None;
    }
    e.known(&["url"]);
    let per_env: usize = m
        .entries()
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| {
            let k = k.text().unwrap_or_default();
            k != axis && k != "include" && k != "exclude"
        })
        .map(|(_, v)| v.list().map_or(1, <[Node]>::len))
        .product();
    if let Some(x) = m.get("exclude") {
        warnings.push(format!(
            "warning: {file}:{}: the matrix's `exclude` is not applied to its environments: each of {} is a stage",
            x.line,
            legs.join(", ")
        ));
    }
    let mp = strategy.get("max-parallel");
    Some(MatrixEnv {
        sequential: mp.and_then(Node::number) == Some(1.0),
        max_parallel_at: mp.map(|n| format!("{file}:{}", n.line)),
        at: format!("{file}:{}", strategy.line),
        legs,
        per_env,
    })
}

pub(super) fn matrix_note(file: &str, job: &Job) -> Option<String> {
    let s = job.node.get("strategy")?;
    s.mark_all();
    let m = s.get("matrix").and_then(Node::entries)?;
    let legs: usize = m
        .iter()
        .filter(|(k, _)| k.text() != Some("include") && k.text() != Some("exclude"))
        .map(|(_, v)| v.list().map_or(1, <[Node]>::len))
        .product();
    let par = s
        .get("max-parallel")
        .and_then(Node::number)
        .map(|x| format!(", at most {} at once", num(x)))
        .unwrap_or_default();
    let place = if job.env.is_some() {
        "the deployment"
    } else {
        "the build"
    };
    Some(format!(
        "{file}:{}: job {} runs a {legs}-leg matrix{par}: {place} ends with its slowest leg",
        s.line, job.id
    ))
}

/// The note on one leg's stage of a matrix over environments.
pub(super) fn matrix_leg_note(job: &Job, m: &MatrixEnv, leg: usize) -> String {
    let how = if m.sequential {
        "max-parallel: 1, so the legs deploy one after another, each stage after the one before"
    } else {
        "the legs run side by side, so each stage follows the job's needs (GitHub's fail-fast cancels the other legs when one fails; the model does not)"
    };
    let per = if m.per_env > 1 {
        format!(
            "; each environment runs {} legs of the other axes, which end with the slowest",
            m.per_env
        )
    } else {
        String::new()
    };
    format!(
        "leg {} of {} of job {}'s matrix over environments ({}): {how}{per}",
        leg + 1,
        m.legs.len(),
        job.id,
        m.at
    )
}
