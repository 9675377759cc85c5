//! A matrix over environments (`environment: ${{ matrix.X }}`): one stage
//! per leg; and the notes a matrix job leaves on the build or its stages.

use super::Job;
use crate::import::tree::Node;
use crate::import::writer::num;

/// The legs of a matrix over environments: their environment names in
/// matrix order, and whether they run one at a time (`max-parallel: 1`).
pub(super) struct MatrixEnv {
    /// The axis that names the environment.
    pub axis: String,
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
    let m = matrix_over(file, job, &axis_of(&raw)?, warnings)?;
    e.known(&["url"]);
    Some(m)
}

/// A reusable-workflow job given a `with` value `${{ matrix.X }}` over a list
/// of names: the matrix, and the input it fills. Whether the input names the
/// called workflow's environment is for the caller to find out.
pub(super) fn matrix_with(file: &str, job: &Node) -> Option<(MatrixEnv, Vec<String>)> {
    job.get("with")?.entries()?.iter().find_map(|(_, v)| {
        let mut quiet = Vec::new();
        let m = matrix_over(file, job, &axis_of(&v.scalar()?)?, &mut quiet)?;
        Some((m, quiet))
    })
}

/// `X` of a value that is exactly `${{ matrix.X }}`.
fn axis_of(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    Some(
        compact
            .strip_prefix("${{matrix.")?
            .strip_suffix("}}")?
            .to_string(),
    )
}

/// The legs of `job`'s matrix along `axis`, when they are a list of names.
fn matrix_over(
    file: &str,
    job: &Node,
    axis: &str,
    warnings: &mut Vec<String>,
) -> Option<MatrixEnv> {
    let strategy = job.get("strategy")?;
    let m = strategy.get("matrix")?;
    let mut legs: Vec<String> = Vec::new();
    match m.get(axis).and_then(Node::list) {
        Some(list) => {
            for v in list {
                legs.push(v.scalar()?);
            }
        }
        None => {
            for inc in m.get("include").and_then(Node::list)? {
                if let Some(v) = inc.get(axis).and_then(Node::scalar)
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
        axis: axis.to_string(),
        legs,
        per_env,
    })
}

/// How many legs a job's matrix runs and how many rounds of them
/// `max-parallel` makes (one round when it is absent or not below the legs).
pub(super) fn matrix_rounds(job: &Job) -> Option<(usize, usize, Option<f64>)> {
    let s = job.node.get("strategy")?;
    let m = s.get("matrix").and_then(Node::entries)?;
    let legs: usize = m
        .iter()
        .filter(|(k, _)| k.text() != Some("include") && k.text() != Some("exclude"))
        .map(|(_, v)| v.list().map_or(1, <[Node]>::len))
        .product();
    let par = s.get("max-parallel").and_then(Node::number);
    let rounds = match par {
        Some(p) if p >= 1.0 => legs.div_ceil(p as usize),
        _ => 1,
    };
    Some((legs, rounds, par))
}

pub(super) fn matrix_note(file: &str, job: &Job) -> Option<String> {
    let s = job.node.get("strategy")?;
    s.mark_all();
    let (legs, rounds, par) = matrix_rounds(job)?;
    let place = if job.env.is_some() {
        "the deployment"
    } else {
        "the build"
    };
    let how = match par {
        Some(p) if p == 1.0 && legs > 1 => format!(
            ", at most 1 at once: the legs run one after another, so {place} takes the sum of the legs"
        ),
        Some(p) if rounds > 1 => format!(
            ", at most {} at once: {rounds} rounds one after another, so {place} takes the sum of the rounds, each as long as its slowest leg",
            num(p)
        ),
        Some(p) => format!(
            ", at most {} at once: {place} ends with its slowest leg",
            num(p)
        ),
        None => format!(": {place} ends with its slowest leg"),
    };
    Some(format!(
        "{file}:{}: job {} runs a {legs}-leg matrix{how}",
        s.line, job.id
    ))
}

/// A title with its `${{ matrix.X }}` expressions expanded: the leg's value
/// for the axis a stage is per leg of (`leg`), an axis's values joined for
/// a stage that covers all its legs, and dropped when the axis is not a
/// list of plain values.
pub(super) fn expand_title(title: &str, job: &Job, leg: Option<(&str, &str)>) -> String {
    let m = job.node.get("strategy").and_then(|s| s.get("matrix"));
    let mut out = String::new();
    let mut rest = title;
    while let Some(start) = rest.find("${{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let expr = rest[start + 3..start + len].trim();
        out.push_str(&rest[..start]);
        match expr.strip_prefix("matrix.") {
            Some(axis) => {
                let values = match leg {
                    Some((a, v)) if a == axis => Some(v.to_string()),
                    _ => m
                        .and_then(|m| m.get(axis))
                        .and_then(Node::list)
                        .and_then(|l| l.iter().map(Node::scalar).collect::<Option<Vec<_>>>())
                        .map(|v| v.join(", ")),
                };
                out.push_str(&values.unwrap_or_default());
            }
            None => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The note on one leg's stage of a matrix over environments.
pub(super) fn matrix_leg_note(job: &Job, m: &MatrixEnv, leg: usize) -> String {
    let how = if m.sequential {
        "max-parallel: 1, so the legs deploy one after another, each stage after the one before"
    } else {
        "the legs run side by side, so each stage follows the job's needs (GitHub's fail-fast cancels the other legs when one fails; the model does not)"
    };
    let per = match (m.per_env > 1, m.sequential) {
        (false, _) => String::new(),
        (true, false) => format!(
            "; each environment runs {} legs of the other axes, which end with the slowest",
            m.per_env
        ),
        (true, true) => format!(
            "; each environment runs {} legs of the other axes, one after another, so the stage takes their sum",
            m.per_env
        ),
    };
    format!(
        "leg {} of {} of job {}'s matrix over environments ({}): {how}{per}",
        leg + 1,
        m.legs.len(),
        job.id,
        m.at
    )
}

/// A deploy duration for `rounds` rounds of legs one after another: the
/// assumed 5m each.
pub(super) fn rounds_duration(rounds: usize, why: String) -> crate::import::writer::Val {
    crate::import::writer::Val::assumed(
        format!("{}m", 5 * rounds),
        format!(
            "a deployment's duration is not in the file: {why}, 5m each; calibrate it or set deploy.duration in the sidecar"
        ),
    )
}
