//! How a workflow starts and what it serialises: `on` (push, schedule,
//! dispatch and its inputs, workflow_run), the build's batching, and
//! `concurrency` groups.

use super::{DISPATCHER, condition};
use crate::import::draft::{Draft, StageDraft, add_person};
use crate::import::sidecar::assumed_reaction;
use crate::import::tree::Node;
use crate::import::writer::{Val, quote};

/// How a workflow starts, read from `on`.
#[derive(Default, Clone)]
pub(super) struct On {
    pub(super) push: bool,
    /// Where `push` was read (`file:line`); `None` when assumed (no `on:`).
    pub(super) push_at: Option<String>,
    pub(super) follows_other: bool,
    pub(super) dispatch: bool,
    /// Where `workflow_dispatch` (or `repository_dispatch`) was read.
    pub(super) dispatch_at: String,
    pub(super) schedule: Option<(String, String)>,
    /// The branch pushes run on: the first plain name of `push.branches`, else `main`.
    pub(super) branch: String,
    /// `workflow_dispatch` inputs and their defaults.
    pub(super) inputs: Vec<(String, Option<String>)>,
    /// In a called workflow: its inputs (the caller's `with`, else defaults).
    pub(super) with: Option<Vec<(String, Option<String>)>>,
}

impl On {
    /// The model's runs, as a warning names them.
    pub(super) fn event_words(&self) -> &'static str {
        match self.event() {
            condition::Event::Push => "push",
            condition::Event::Schedule => "scheduled run",
            condition::Event::WorkflowRun => "run after the workflow it follows",
            condition::Event::Dispatch => "manual dispatch",
        }
    }

    /// The event the model's runs start with, for evaluating `if:`.
    pub(super) fn event(&self) -> condition::Event {
        use condition::Event;
        if self.push {
            Event::Push
        } else if self.schedule.is_some() {
            Event::Schedule
        } else if self.follows_other {
            Event::WorkflowRun
        } else {
            Event::Dispatch
        }
    }
}

pub(super) fn read_on(file: &str, root: &Node, d: &mut Draft, warnings: &mut Vec<String>) -> On {
    let mut on = On {
        branch: "main".into(),
        ..On::default()
    };
    let Some(n) = root.get("on") else {
        warnings.push(format!(
            "warning: {file}: the workflow has no `on:`; a run per push assumed"
        ));
        on.push = true;
        return on;
    };
    let events: Vec<(String, Option<&Node>, u64)> = match n.entries() {
        Some(entries) => entries
            .iter()
            .map(|(k, v)| (k.scalar().unwrap_or_default(), Some(v), k.line))
            .collect(),
        None => n
            .one_or_many()
            .iter()
            .map(|e| (e.scalar().unwrap_or_default(), None, e.line))
            .collect(),
    };
    n.mark_all();
    for (event, value, line) in events {
        match event.as_str() {
            "push" => {
                let has = |k: &str| value.and_then(|v| v.get(k)).is_some();
                if (has("tags") || has("tags-ignore"))
                    && !has("branches")
                    && !has("branches-ignore")
                {
                    // GitHub runs such a workflow for tag pushes only: a release cadence.
                    warnings.push(format!("warning: {file}:{line}: `push` of tags only: runs start when someone pushes a release tag, taken as a manual trigger"));
                    if !on.dispatch {
                        on.dispatch_at = format!(
                            "{file}:{line} (`push` of tags only: someone pushes a release tag)"
                        );
                    }
                    on.dispatch = true;
                    continue;
                }
                on.push = true;
                on.push_at = Some(format!("{file}:{line}"));
                let branches = value.and_then(|v| v.get("branches")).map(Node::one_or_many);
                if let Some(b) = branches
                    .iter()
                    .flatten()
                    .filter_map(|b| b.text())
                    .find(|b| !b.contains(['*', '?', '!', '[']))
                {
                    on.branch = b.to_string();
                }
            }
            "workflow_run" => on.follows_other = true,
            "workflow_dispatch" | "repository_dispatch" => {
                if let Some(inputs) = value.and_then(|v| v.get("inputs")).and_then(Node::entries) {
                    on.inputs = inputs
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.scalar().unwrap_or_default(),
                                v.get("default").and_then(Node::scalar),
                            )
                        })
                        .collect();
                }
                if !on.dispatch {
                    on.dispatch_at = format!("{file}:{line} (`{event}`)");
                }
                on.dispatch = true;
            }
            "schedule" => {
                let first = value.and_then(|v| v.list()).and_then(|l| l.first());
                match first.and_then(|s| s.get("cron")).and_then(Node::text) {
                    Some(cron) => on.schedule = Some((cron.to_string(), format!("{file}:{line}"))),
                    None => warnings.push(format!(
                        "warning: {file}:{line}: a schedule without `cron` was ignored"
                    )),
                }
                if value.and_then(|v| v.list()).is_some_and(|l| l.len() > 1) {
                    warnings.push(format!("warning: {file}:{line}: only the first cron is used; the model gives a stage one schedule"));
                }
            }
            "pull_request" | "pull_request_target" | "merge_group" => {
                let note = format!(
                    "{file}:{line}: `{event}` runs are not simulated: the model follows main"
                );
                if !d.build_notes.contains(&note) {
                    d.build_notes.push(note);
                }
            }
            other => warnings.push(format!(
                "warning: {file}:{line}: the `{other}` event is not simulated"
            )),
        }
    }
    on
}

/// The build's batching and the time zone, from `on` and the workflow's `concurrency`.
pub(super) fn batch_and_zone(file: &str, root: &Node, on: &On, locked: bool, d: &mut Draft) {
    if locked && on.push {
        let line = root.get("concurrency").map_or(0, |c| c.line);
        d.batch = Val::read(
            "run",
            format!(
                "{file}:{line} (workflow concurrency: one run at a time, a newer pending run replaces an older one)"
            ),
        );
    } else if on.push && d.batch.text == "none" {
        d.batch = match &on.push_at {
            Some(at) => Val::read(
                "none",
                format!("{at} (`push` without workflow concurrency: a run per push)"),
            ),
            None => Val::assumed(
                "none",
                format!("{file} has no `on:`: a run per push assumed"),
            ),
        };
    }
    if let (Some((_, at)), crate::import::writer::Why::Assumed(_)) =
        (&on.schedule, &d.time_zone.why)
    {
        d.time_zone = Val::read(
            "UTC",
            format!("{at} (`schedule`: GitHub Actions reads cron schedules in UTC)"),
        );
    }
}

/// A first deployment of a workflow that does not run on push: started by
/// its schedule, or by whoever dispatches it.
pub(super) fn start_trigger(on: &On, st: &mut StageDraft, d: &mut Draft) {
    if let Some((cron, at)) = &on.schedule {
        st.trigger = Val::read(format!("{{schedule: {}}}", quote(cron)), at.clone());
    } else if on.dispatch {
        st.trigger = Val::read(
            format!("{{manual: {{by: {DISPATCHER}}}}}"),
            format!("{} (who starts it is assumed)", on.dispatch_at),
        );
        add_person(&mut d.people, DISPATCHER, assumed_reaction());
    }
}

/// `${{ inputs.X }}` or `${{ github.event.inputs.X }}` naming a dispatch
/// input with a non-empty default: (X, the default).
pub(super) fn dispatch_input(
    expr: &str,
    inputs: &[(String, Option<String>)],
) -> Option<(String, String)> {
    let inner = expr.trim().strip_prefix("${{")?.strip_suffix("}}")?.trim();
    let name = inner
        .strip_prefix("github.event.inputs.")
        .or_else(|| inner.strip_prefix("inputs."))?;
    inputs
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(n, d)| d.clone().filter(|d| !d.is_empty()).map(|d| (n.clone(), d)))
}

/// `concurrency`: the run-latest lock, with where it was read; `None` when
/// the group is one run's own (keyed by its SHA or run id), which serialises nothing.
pub(super) fn concurrency(file: &str, c: &Node, warnings: &mut Vec<String>) -> Option<(Val, bool)> {
    c.known(&["group"]);
    let cancel = c
        .get("cancel-in-progress")
        .and_then(Node::boolean)
        .unwrap_or(false);
    let group = c
        .text()
        .or_else(|| c.get("group").and_then(Node::text))
        .unwrap_or_default();
    let compact: String = group.chars().filter(|ch| !ch.is_whitespace()).collect();
    if [
        "github.sha",
        "github.run_id",
        "github.run_number",
        "github.run_attempt",
    ]
    .iter()
    .any(|k| compact.contains(k))
    {
        warnings.push(format!("warning: {file}:{}: concurrency group {group:?} is keyed by the run itself: on main every run has its own group, so it serialises nothing and is not a lock", c.line));
        return None;
    }
    let at = format!("{file}:{}", c.line);
    if cancel {
        warnings.push(format!("warning: {at}: `cancel-in-progress: true` also cancels a running job; the model lets it finish and cancels only the waiting ones"));
    }
    let how = if cancel {
        "concurrency group, cancel-in-progress"
    } else {
        "concurrency group: a newer pending run replaces an older one"
    };
    Some((Val::read("run_latest", format!("{at} ({how})")), cancel))
}
