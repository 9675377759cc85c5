//! The jobs one manual run starts together. A `workflow_dispatch` run starts
//! every job that needs nothing (beyond the build) at once, on the commit it
//! was started on: they take one release, not each the newest one when
//! someone gets to it. The first such stage takes the manual trigger; a job
//! on the same environment is that stage (GitHub runs the jobs side by side,
//! and the environment's reviewers answer once per run for the jobs waiting
//! on it); a job on another environment follows it, `trigger: auto`, so it
//! takes the same release.

use super::{Job, Workflow, job_if};
use crate::import::draft::{Draft, StageDraft};
use crate::import::writer::{Val, quote};

/// Whether a stage that follows `deps` (none: only the build) is one the
/// workflow's manual run starts.
pub(super) fn starts_run(cx: &Workflow, deps: &[String]) -> bool {
    deps.is_empty()
        && !cx.on.push
        && !cx.on.follows_other
        && cx.on.schedule.is_none()
        && cx.on.dispatch
}

/// A job the manual run starts, deploying to the environment of the stage
/// that took the run's trigger: it joins that stage (its title, a note and
/// its `if:`). Returns the stage, or `None` when the job needs a stage of
/// its own.
pub(super) fn join_run(
    cx: &Workflow,
    job: &Job,
    deps: &[String],
    d: &mut Draft,
    warnings: &mut Vec<String>,
) -> Option<usize> {
    let s = cx.run_start.get()?;
    let env = job.env.as_ref()?;
    if !starts_run(cx, deps)
        || job.matrix.is_some()
        || job.callee.is_some()
        || job.unprotected.is_some()
        || d.stages[s].environment.as_deref() != Some(env.name.as_str())
        || d.stages[s].unprotected.is_some()
    {
        return None;
    }
    let mut st = d.stages[s].clone();
    let title = job
        .node
        .get("name")
        .and_then(|n| n.scalar())
        .unwrap_or_else(|| job.id.clone());
    st.title = Some(match st.title.take() {
        Some(t) => format!("{t}, {title}"),
        None => title,
    });
    st.notes.push(format!(
        "{}:{}: job {} deploys to {} in the same manual run: the run starts its jobs together, side by side on one commit, so they are one stage, which ends with the slowest of them",
        cx.file, job.node.line, job.id, env.name
    ));
    job_if(cx.on, cx.file, job, Some(&mut st), d, warnings);
    d.stages[s] = st;
    Some(s)
}

/// A stage the manual run starts, but not the first: it takes the release
/// the first took (`depends_on` it, `trigger: auto`), with a warning that the
/// model starts it only once that stage has deployed.
pub(super) fn follow_run(
    cx: &Workflow,
    job: &Job,
    st: &mut StageDraft,
    d: &Draft,
    warnings: &mut Vec<String>,
) {
    let Some(s) = cx.run_start.get() else { return };
    let first = &d.stages[s].name;
    let at = format!(
        "{} (one manual run starts its jobs together, on one commit: this job takes the release stage {first} took)",
        cx.on.dispatch_at
    );
    st.depends_on = Some(Val::read(format!("[{}]", quote(first)), at.clone()));
    st.trigger = Val::read("auto", at);
    warnings.push(format!(
        "warning: {}:{}: job {} starts in the same manual run as stage {first}, on the same commit; the model cannot start two stages on one person's action, so stage {} follows {first} automatically and starts only once {first} has deployed (GitHub runs them side by side)",
        cx.file, job.node.line, job.id, st.name
    ));
}
