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
    /// Someone starts its runs: `workflow_dispatch`, or a push or release
    /// that is not a push to the trunk (`by_hand`).
    pub(super) dispatch: bool,
    /// `workflow_dispatch` (or `repository_dispatch`) itself was read.
    pub(super) dispatch_event: bool,
    /// Where what starts a manual run was read.
    pub(super) dispatch_at: String,
    /// Runs someone starts by a push that is not to the trunk (a release
    /// tag, a promotion branch) or by publishing a release.
    pub(super) by_hand: Option<ByHand>,
    pub(super) schedule: Option<(String, String)>,
    /// The branch its pushes run on: the trunk, or the branch someone merges into.
    pub(super) branch: String,
    /// `workflow_call`: another workflow calls it (not simulated).
    pub(super) called: bool,
    /// `workflow_dispatch` inputs and their defaults.
    pub(super) inputs: Vec<(String, Option<String>)>,
    /// In a called workflow: its inputs (the caller's `with`, else defaults).
    pub(super) with: Option<Vec<(String, Option<String>)>>,
}

/// A run started by someone's push or release rather than by a push to the trunk.
#[derive(Clone, PartialEq)]
pub(super) enum ByHand {
    /// A push to another branch (a promotion by merging into it).
    Branch,
    /// A push of tags matching a pattern: the text before its first wildcard.
    Tag(String),
    /// A published release.
    Release,
}

impl On {
    /// The model's runs, as a warning names them.
    pub(super) fn event_words(&self) -> &'static str {
        match (self.event(), &self.by_hand) {
            (condition::Event::Push, Some(ByHand::Tag(_))) => "push of a release tag",
            (condition::Event::Push, _) => "push",
            (condition::Event::Schedule, _) => "scheduled run",
            (condition::Event::WorkflowRun, _) => "run after the workflow it follows",
            (condition::Event::Dispatch, _) => "manual dispatch",
            (condition::Event::Release, _) => "published release",
        }
    }

    /// The model's runs in a warning: `push to main`, `push of a release tag`.
    pub(super) fn runs_words(&self) -> String {
        match (self.event(), &self.by_hand) {
            (condition::Event::Push, Some(ByHand::Tag(_))) | (condition::Event::Release, _) => {
                self.event_words().into()
            }
            _ => format!("{} to {}", self.event_words(), self.branch),
        }
    }

    /// The event the model's runs start with, for evaluating `if:`: a push
    /// to the trunk, else the schedule, the workflow it follows, a push
    /// elsewhere (to its branch or a tag), a dispatch, a release.
    pub(super) fn event(&self) -> condition::Event {
        use condition::Event;
        let pushed = matches!(self.by_hand, Some(ByHand::Branch | ByHand::Tag(_)));
        if self.push {
            Event::Push
        } else if self.schedule.is_some() {
            Event::Schedule
        } else if self.follows_other {
            Event::WorkflowRun
        } else if pushed {
            Event::Push
        } else if self.dispatch_event || self.by_hand.is_none() {
            Event::Dispatch
        } else {
            Event::Release
        }
    }

    /// What `if:` and expressions are evaluated against, for `event`.
    pub(super) fn context(&self, event: condition::Event) -> condition::Context<'_> {
        let tag = match (&self.by_hand, event) {
            (Some(ByHand::Tag(t)), condition::Event::Push) => Some(t.as_str()),
            (Some(ByHand::Release), condition::Event::Release) => Some(""),
            _ => None,
        };
        condition::Context {
            event,
            branch: &self.branch,
            tag,
            inputs: &self.inputs,
            with: self.with.as_deref(),
        }
    }

    /// Nothing the model simulates starts the workflow (only pull requests,
    /// a merge queue, comments…): none of its jobs runs.
    pub(super) fn never_runs(&self) -> bool {
        !self.push
            && self.schedule.is_none()
            && !self.follows_other
            && !self.dispatch
            && !self.called
    }
}

/// The branch the model's pushes go to: `main` (or `master`) when a
/// workflow runs on pushes to it or names no branch, else the first plain
/// branch a workflow pushes to.
pub(super) fn trunk(roots: &[(String, Node)]) -> String {
    let mut lists: Vec<Option<Vec<String>>> = Vec::new();
    for (_, root) in roots {
        let Some(on) = root.get("on") else {
            lists.push(None);
            continue;
        };
        let push = match on.entries() {
            Some(_) => on.get("push"),
            None => on
                .one_or_many()
                .iter()
                .any(|e| e.scalar().as_deref() == Some("push"))
                .then_some(on),
        };
        let Some(push) = push else { continue };
        if push.get("branches").is_none() && !tags_only(push) {
            lists.push(None);
            continue;
        }
        if let Some(b) = push.get("branches") {
            lists.push(Some(
                b.one_or_many().iter().filter_map(|b| b.scalar()).collect(),
            ));
        }
    }
    let names = |n: &str| lists.iter().flatten().flatten().any(|b| b == n);
    if names("main") || (lists.iter().any(Option::is_none) && !names("master")) {
        return "main".into();
    }
    if names("master") {
        return "master".into();
    }
    lists
        .iter()
        .flatten()
        .flatten()
        .find(|b| !b.contains(['*', '?', '!', '[']))
        .cloned()
        .unwrap_or_else(|| "main".into())
}

/// A `push` that runs for tags only (no branch filter beside them).
fn tags_only(push: &Node) -> bool {
    let has = |k: &str| push.get(k).is_some();
    (has("tags") || has("tags-ignore")) && !has("branches") && !has("branches-ignore")
}

/// Whether a `branches` pattern (`*` within a segment, `**` across them,
/// `?`) matches the branch `name`.
fn glob(pattern: &str, name: &str) -> bool {
    fn m(p: &[u8], n: &[u8]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => (0..=n.len()).any(|i| m(&p[2..], &n[i..])),
            Some(b'*') => (0..=n.len())
                .take_while(|&i| i == 0 || n[i - 1] != b'/')
                .any(|i| m(&p[1..], &n[i..])),
            Some(b'?') => !n.is_empty() && m(&p[1..], &n[1..]),
            Some(c) => n.first() == Some(c) && m(&p[1..], &n[1..]),
        }
    }
    m(pattern.as_bytes(), name.as_bytes())
}

/// How a workflow starts; `trunk`: the branch the model's pushes go to.
pub(super) fn read_on(
    file: &str,
    root: &Node,
    trunk: &str,
    d: &mut Draft,
    warnings: &mut Vec<String>,
) -> On {
    let mut on = On {
        branch: trunk.into(),
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
    let mut release = None;
    for (event, value, line) in events {
        match event.as_str() {
            "push" => push(file, line, value, trunk, &mut on, warnings),
            "workflow_run" => on.follows_other = true,
            "workflow_call" => {
                on.called = true;
                warnings.push(format!(
                    "warning: {file}:{line}: the `workflow_call` event is not simulated"
                ));
            }
            "release" => release = Some(line),
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
                if !on.dispatch_event {
                    on.dispatch_at = format!("{file}:{line} (`{event}`)");
                }
                on.dispatch = true;
                on.dispatch_event = true;
            }
            "schedule" => schedule(file, line, value, &mut on, warnings),
            "pull_request" | "pull_request_target" | "merge_group" => {
                let note = format!(
                    "{file}:{line}: `{event}` runs are not simulated: the model follows {trunk}"
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
    if let Some(line) = release {
        released(file, line, &mut on, warnings);
    }
    on
}

/// `on.push`: a run per push to the trunk; a push of tags only, or to
/// branches that are not the trunk, is someone's release or promotion.
fn push(
    file: &str,
    line: u64,
    value: Option<&Node>,
    trunk: &str,
    on: &mut On,
    warnings: &mut Vec<String>,
) {
    let list = |k: &str| -> Option<Vec<String>> {
        value
            .and_then(|v| v.get(k))
            .map(|b| b.one_or_many().iter().filter_map(|b| b.scalar()).collect())
    };
    if value.is_some_and(tags_only) {
        // GitHub runs such a workflow for tag pushes only: a release cadence.
        warnings.push(format!("warning: {file}:{line}: `push` of tags only: runs start when someone pushes a release tag, taken as a manual trigger"));
        let tag = list("tags")
            .and_then(|t| t.into_iter().next())
            .map(|t| {
                t.split(['*', '?', '[', '!'])
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default();
        by_hand(
            on,
            ByHand::Tag(tag),
            format!("{file}:{line} (`push` of tags only: someone pushes a release tag)"),
        );
        return;
    }
    let branches = list("branches");
    let ignored = list("branches-ignore").unwrap_or_default();
    let on_trunk = branches
        .as_ref()
        .is_none_or(|b| b.iter().any(|p| glob(p, trunk)))
        && !ignored.iter().any(|p| glob(p, trunk));
    if on_trunk {
        on.push = true;
        on.push_at = Some(format!("{file}:{line}"));
        return;
    }
    // Pushes to another branch: someone merges into it to promote a release.
    let branch = branches
        .iter()
        .flatten()
        .find(|b| !b.contains(['*', '?', '!', '[']))
        .or(branches.iter().flatten().next())
        .cloned()
        .unwrap_or_else(|| "another branch".into());
    warnings.push(format!("warning: {file}:{line}: `push` to {branch}, not to {trunk}: GitHub runs the workflow when someone pushes or merges into {branch}, not on the model's pushes to {trunk}; taken as a manual trigger"));
    on.branch = branch.clone();
    by_hand(
        on,
        ByHand::Branch,
        format!("{file}:{line} (`push` to {branch}: someone merges into it)"),
    );
}

/// Runs someone starts by a push or a release, cited at `at`.
fn by_hand(on: &mut On, how: ByHand, at: String) {
    if !on.dispatch {
        on.dispatch_at = at;
    }
    on.dispatch = true;
    if on.by_hand.is_none() {
        on.by_hand = Some(how);
    }
}

/// `on.release`: when nothing else starts the workflow, someone publishing a
/// release does; beside a push or a schedule it adds runs the model does not simulate.
fn released(file: &str, line: u64, on: &mut On, warnings: &mut Vec<String>) {
    if on.push || on.schedule.is_some() || on.follows_other || on.dispatch {
        warnings.push(format!(
            "warning: {file}:{line}: the `release` event is not simulated"
        ));
        return;
    }
    warnings.push(format!("warning: {file}:{line}: `release`: runs start when someone publishes a release, taken as a manual trigger"));
    by_hand(
        on,
        ByHand::Release,
        format!("{file}:{line} (`release`: someone publishes a release)"),
    );
}

/// `on.schedule`: its first cron.
fn schedule(file: &str, line: u64, value: Option<&Node>, on: &mut On, warnings: &mut Vec<String>) {
    let first = value.and_then(|v| v.list()).and_then(|l| l.first());
    match first.and_then(|s| s.get("cron")).and_then(Node::text) {
        Some(cron) => on.schedule = Some((cron.to_string(), format!("{file}:{line}"))),
        None => warnings.push(format!(
            "warning: {file}:{line}: a schedule without `cron` was ignored"
        )),
    }
    if value.and_then(|v| v.list()).is_some_and(|l| l.len() > 1) {
        warnings.push(format!(
            "warning: {file}:{line}: only the first cron is used; the model gives a stage one schedule"
        ));
    }
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
