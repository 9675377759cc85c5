//! Whether a job runs on the model's runs: its `if:`, and the jobs it needs.

use super::on::On;
use super::{DISPATCHER, Job, Workflow, condition};
use crate::import::draft::{Draft, StageDraft, add_person};
use crate::import::sidecar::assumed_reaction;
use crate::import::tree::Node;
use crate::import::writer::Val;

/// Whether `job` is left out: its `if:` is false on every run the model
/// simulates (a pull request's job, a failure path), or it needs a job left
/// out and its `if:` does not run it regardless (`always()`, `cancelled()`).
pub(super) fn leaves_out(
    file: &str,
    on: &On,
    job: &Job,
    jobs: &[Job],
    left_out: &[bool],
    warnings: &mut Vec<String>,
) -> bool {
    let cond = job.node.get("if");
    let text = cond.and_then(Node::scalar).unwrap_or_default();
    let line = cond.map_or(job.node.line, |c| c.line);
    let status_check = text.contains("always()") || text.contains("cancelled()");
    if let Some(k) = job
        .needs
        .iter()
        .find(|n| {
            jobs.iter()
                .zip(left_out)
                .any(|(x, &out)| out && &x.id == *n)
        })
        .filter(|_| !status_check)
    {
        warnings.push(format!(
            "warning: {file}:{line}: job {} needs {k}, which never runs here: left out too",
            job.id
        ));
        return true;
    }
    if cond.is_none() || runs(on, on.event(), &text) != Some(false) {
        return false;
    }
    if on.event() != condition::Event::Dispatch
        && on.dispatch_event
        && runs(on, condition::Event::Dispatch, &text) != Some(false)
    {
        return false; // started by hand: `condition` makes it manual
    }
    warnings.push(format!(
        "warning: {file}:{line}: job {} never runs on a {} (`if: {}`): left out of the scenario",
        job.id,
        on.runs_words(),
        text.trim()
    ));
    true
}

/// Whether `if:` text holds for `event` (`None`: unknown).
pub(super) fn runs(on: &On, event: condition::Event, text: &str) -> Option<bool> {
    condition::runs(text, &on.context(event))
}

/// A job's `if:`, for a job that runs: one that holds only when someone
/// dispatches the workflow makes the deployment manual; one that holds on the
/// model's runs is noted; one that cannot be known gets a warning.
pub(super) fn job_if(
    on: &On,
    file: &str,
    job: &Job,
    st: Option<&mut StageDraft>,
    d: &mut Draft,
    warnings: &mut Vec<String>,
) {
    let Some(c) = job.node.get("if") else { return };
    let text = c.scalar().unwrap_or_default();
    let at = format!("{file}:{}", c.line);
    match (runs(on, on.event(), &text), st) {
        // `leaves_out` kept it: it runs when someone dispatches the workflow.
        (Some(false), Some(st)) => {
            st.trigger = Val::read(
                format!("{{manual: {{by: {DISPATCHER}}}}}"),
                format!("{at} (only on workflow_dispatch; who starts it is assumed)"),
            );
            add_person(&mut d.people, DISPATCHER, assumed_reaction());
        }
        (Some(true), Some(st)) => st.notes.push(format!(
            "{at}: condition {text:?} holds on a {}",
            on.runs_words()
        )),
        (Some(_), None) => {}
        (None, _) => unknown_condition(on, file, job, warnings),
    }
}

/// A warning for a job's `if:` that cannot be known before a run.
pub(super) fn unknown_condition(on: &On, file: &str, job: &Job, warnings: &mut Vec<String>) {
    let Some(c) = job.node.get("if") else { return };
    let text = c.scalar().unwrap_or_default();
    if runs(on, on.event(), &text).is_none() {
        warnings.push(format!("warning: {file}:{}: condition {text:?} of job {} is not understood; the job runs when its needs succeeded", c.line, job.id));
    }
}

/// Jobs of one dispatch: a stage whose `if:` holds only on
/// `workflow_dispatch` (made manual by `job_if`) that follows another stage
/// run only by a dispatch is started by that same dispatch, not by a second
/// person: it follows automatically. Records the stages run only by a
/// dispatch (those made manual, and the ones after them).
///
/// A deployment that needs a plain job run only on a dispatch (see
/// [`plain_dispatch_only`]) is skipped by GitHub on every other run: it is
/// started by that dispatch, a manual trigger as an `if:` of its own would make it.
pub(super) fn same_dispatch(
    cx: &Workflow,
    job: &Job,
    deps: &[String],
    st: &mut StageDraft,
    d: &mut Draft,
) {
    let mut dispatched = cx.dispatched.borrow_mut();
    let after = deps.iter().find(|n| dispatched.contains(n)).cloned();
    let only_dispatch = job
        .node
        .get("if")
        .filter(|c| runs(cx.on, cx.on.event(), &c.scalar().unwrap_or_default()) == Some(false));
    let through = needed_plain(cx, job);
    if let (None, None, Some((plain, at))) = (&only_dispatch, &after, &through) {
        st.trigger = Val::read(
            format!("{{manual: {{by: {DISPATCHER}}}}}"),
            format!(
                "{at} (job {plain}, which job {} needs, runs only on workflow_dispatch, so GitHub skips this job on every other run; who starts it is assumed)",
                job.id
            ),
        );
        add_person(&mut d.people, DISPATCHER, assumed_reaction());
    }
    if let (Some(c), Some(first)) = (only_dispatch, &after) {
        st.trigger = Val::read(
            "auto",
            format!(
                "{}:{} (only on workflow_dispatch, as stage {first} it follows: the dispatch that starts {first} runs this job too, when {first} has succeeded)",
                cx.file, c.line
            ),
        );
    }
    if only_dispatch.is_some() || after.is_some() || through.is_some() {
        dispatched.push(st.name.clone());
    }
}

/// The first plain job `job` needs that runs only on a dispatch, and the
/// place of the `if:` that makes it so.
fn needed_plain(cx: &Workflow, job: &Job) -> Option<(String, String)> {
    let plain = cx.dispatch_plain.borrow();
    job.needs
        .iter()
        .find_map(|n| plain.iter().find(|(id, _)| id == n).cloned())
}

/// Whether a plain job runs only when someone dispatches the workflow: its
/// own `if:` holds only then (`leaves_out` kept it for that), or it needs a
/// plain job that does, without `always()` to run it regardless. The place
/// of that `if:`.
pub(super) fn plain_dispatch_only(cx: &Workflow, job: &Job) -> Option<String> {
    let cond = job.node.get("if");
    let text = cond.and_then(Node::scalar).unwrap_or_default();
    if let Some(c) = cond
        && runs(cx.on, cx.on.event(), &text) == Some(false)
    {
        return Some(format!("{}:{}", cx.file, c.line));
    }
    if text.contains("always()") {
        return None;
    }
    needed_plain(cx, job).map(|(_, at)| at)
}
