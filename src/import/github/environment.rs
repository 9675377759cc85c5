//! A job's environment name: `environment:` (a name, `{name, url}`, a
//! dispatch input, an expression evaluated for the model's runs) or a
//! reusable workflow's `with: {environment: …}` input.

use super::condition;
use super::on::{On, dispatch_input};
use crate::import::tree::Node;

/// A job's environment name (`environment: prod` or `{name: prod, url: …}`,
/// or a reusable workflow's `with: {environment: prod}`; `callee_read`: the
/// workflow it calls was read, and declares no environment).
pub(super) fn environment(
    file: &str,
    job: &Node,
    on: &On,
    callee_read: bool,
    warnings: &mut Vec<String>,
) -> Option<(String, u64)> {
    let (n, name, input) = match job.get("environment") {
        Some(e) => {
            e.known(&["url"]);
            (
                e.line,
                e.text()
                    .map(str::to_string)
                    .or_else(|| e.get("name").and_then(Node::scalar)),
                false,
            )
        }
        None => {
            let w = job.get("with")?.get("environment")?;
            (w.line, w.scalar(), true)
        }
    };
    let name = name?;
    if name.contains("${{") {
        // A dispatch input with a default: the environment a run gets unless
        // whoever starts it picks another.
        if let Some((input, default)) = dispatch_input(&name, &on.inputs) {
            warnings.push(format!("warning: {file}:{n}: environment {name:?} is the dispatch input {input}: its default {default:?} is used"));
            return Some((default, n));
        }
        // `${{ github.event.inputs.environment || 'staging' }}` on a push.
        match eval_value(on, &name) {
            Some(v) if v.trim().is_empty() => return None,
            Some(v) => {
                warnings.push(format!(
                    "warning: {file}:{n}: environment {name:?} is {v:?} on a {}",
                    on.runs_words()
                ));
                return Some((v, n));
            }
            None => {}
        }
        if input {
            // Only a string input of a workflow that is not read (or that
            // declares no environment): nothing says the job deploys.
            let why = if callee_read {
                "the workflow it calls declares no `environment:`"
            } else {
                "the workflow it calls is not read"
            };
            let id = job_id_hint(job);
            warnings.push(format!("warning: {file}:{n}: job {id:?} passes the input `environment: {name}`, which names no one environment, and {why}: nothing says the job deploys, so it is not a stage but a plain job (build, or verification after a deployment); if it deploys, add its stages by hand"));
            return None;
        }
        let hint = job_id_hint(job);
        warnings.push(format!("warning: {file}:{n}: environment {name:?} is an expression; {hint:?} is used as its name"));
        return Some((hint, n));
    }
    Some((name, n))
}

/// A text that is one expression, evaluated for the workflow's runs.
pub(super) fn eval_value(on: &On, text: &str) -> Option<String> {
    condition::value(text, &on.context(on.event()))
}

pub(super) fn job_id_hint(job: &Node) -> String {
    job.get("name")
        .and_then(Node::scalar)
        .unwrap_or_else(|| "deploy".into())
}
