//! GitHub: `gh run list --json …` output, and the REST responses for workflow
//! runs, jobs, deployments and deployment statuses (which of the four a file
//! holds is told by its shape).

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Doc, Environment, EventKind, Outcome, Part, StageEvent, Time, json_docs, json_error, opt_time,
};
use crate::error::InputError;

/// One element of `gh run list --json databaseId,workflowName,headSha,event,status,conclusion,createdAt,startedAt,updatedAt,attempt`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GhRun {
    #[serde(default)]
    database_id: Option<u64>,
    #[serde(rename = "workflowName")]
    workflow_name: String,
    head_sha: String,
    #[serde(default)]
    head_branch: Option<String>,
    #[serde(default)]
    event: String,
    status: String,
    #[serde(default)]
    conclusion: Option<String>,
    created_at: Time,
    #[serde(default, deserialize_with = "opt_time")]
    started_at: Option<Time>,
    updated_at: Time,
    #[serde(default = "one")]
    attempt: u32,
}

fn one() -> u32 {
    1
}

/// Reads `gh run list --json …` output: one run per element, its workflow as the stage.
pub fn parse_gh_runs(text: &str, file: &str) -> Result<Part, InputError> {
    let runs: Vec<GhRun> = serde_json::from_str(text).map_err(|e| json_error(file, &e))?;
    let mut part = Part::default();
    for r in runs {
        let completed = r.status == "completed";
        part.runs.push(RunRecord {
            id: r.database_id,
            file: file.to_string(),
            run: Run {
                release: r.head_sha,
                branch: r.head_branch,
                stage: r.workflow_name,
                event: r.event,
                conclusion: r.conclusion,
                created: r.created_at,
                started: r.started_at,
                ended: completed.then_some(r.updated_at),
                attempt: r.attempt,
                commit_at: None,
            },
        });
    }
    Ok(part)
}

/// A run or a job, as both formats give it.
#[derive(Debug, Clone)]
struct Run {
    release: String,
    /// `head_branch`, when the response gives it.
    branch: Option<String>,
    stage: String,
    event: String,
    conclusion: Option<String>,
    created: Time,
    started: Option<Time>,
    /// When it ended: set only for completed work (else it is still open).
    ended: Option<Time>,
    attempt: u32,
    commit_at: Option<Time>,
}

/// A workflow run whose end is settled when every file is read: the end of
/// its last job when that run's jobs are given, else its `updated_at`
/// within GitHub's 35-day limit on a run.
#[derive(Debug, Clone)]
pub(crate) struct RunRecord {
    /// The run's `id` (`databaseId` in `gh run list`).
    id: Option<u64>,
    file: String,
    run: Run,
}

/// A job (or the matrix legs of one job, merged) of a workflow run.
#[derive(Debug, Clone)]
pub(crate) struct JobRecord {
    run_id: Option<u64>,
    file: String,
    run: Run,
}

/// GitHub limits a workflow run to 35 days, waits and approvals included
/// (docs.github.com/en/actions/reference/limits): a later `updated_at` is
/// a later change to the run (a re-run, an edit), not its end.
const RUN_LIMIT_SECS: i64 = 35 * 86_400;

fn is_pull_request(event: &str) -> bool {
    matches!(
        event,
        "pull_request" | "pull_request_target" | "merge_group"
    )
}

/// What the runs and jobs of all files say about each other: which runs
/// were left out (their jobs go too), and when each run's last job ended.
pub(crate) struct Links {
    dropped: HashSet<u64>,
    /// (run id, attempt) → the last job's end, and whether every job ended.
    ends: HashMap<(u64, u32), (Option<Timestamp>, bool)>,
    /// The branch the history follows (see [`main_branch`]).
    main: Option<Main>,
}

/// The branch taken as main, and what says so.
struct Main {
    name: String,
    from: &'static str,
}

/// The branch the model follows: the one most of the non-pull-request runs
/// ran on, or without runs that give a branch, the one most jobs ran on (a
/// jobs file says nothing of its run's event). A tie goes to `main`, then
/// `master`; another tie leaves every branch in.
fn main_branch(parts: &[Part]) -> Option<Main> {
    let runs = parts
        .iter()
        .flat_map(|p| &p.runs)
        .filter(|r| !is_pull_request(&r.run.event))
        .filter_map(|r| r.run.branch.as_deref());
    let jobs = parts
        .iter()
        .flat_map(|p| &p.jobs)
        .filter_map(|j| j.run.branch.as_deref());
    let (name, from) = match most_common(runs) {
        Some(b) => (
            b,
            "most of its push and other non-pull-request runs ran on it",
        ),
        None => (
            most_common(jobs)?,
            "most of its jobs ran on it, and no runs file says which runs were pushes to main",
        ),
    };
    Some(Main { name, from })
}

/// The most common branch; a tie goes to `main`, then `master`, else to none.
fn most_common<'a>(branches: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for b in branches {
        *counts.entry(b).or_default() += 1;
    }
    let top = *counts.values().max()?;
    let tied: Vec<&str> = counts
        .iter()
        .filter(|c| *c.1 == top)
        .map(|c| *c.0)
        .collect();
    match tied.as_slice() {
        [one] => Some(one.to_string()),
        _ => ["main", "master"]
            .into_iter()
            .find(|m| tied.contains(m))
            .map(str::to_string),
    }
}

impl Links {
    pub fn new(parts: &[Part]) -> Links {
        let mut links = Links {
            dropped: HashSet::new(),
            ends: HashMap::new(),
            main: main_branch(parts),
        };
        for p in parts {
            for r in &p.runs {
                if let Some(id) = r.id
                    && is_pull_request(&r.run.event)
                {
                    links.dropped.insert(id);
                }
            }
            for j in &p.jobs {
                let Some(id) = j.run_id else { continue };
                let (last, all) = links
                    .ends
                    .entry((id, j.run.attempt))
                    .or_insert((None, true));
                match j.run.ended {
                    Some(t) => *last = Some(last.map_or(t.0, |l| l.max(t.0))),
                    None => *all = false,
                }
            }
        }
        links
    }

    /// The events of a file's runs and jobs.
    pub fn events(
        &self,
        runs: Vec<RunRecord>,
        jobs: Vec<JobRecord>,
        out: &mut Vec<StageEvent>,
        warnings: &mut Vec<String>,
    ) {
        let file = runs
            .first()
            .map(|r| r.file.clone())
            .or_else(|| jobs.first().map(|j| j.file.clone()));
        let mut off_main: Vec<(String, usize)> = Vec::new();
        for r in runs {
            let mut run = r.run;
            if is_pull_request(&run.event) || !self.on_main(&run, &mut off_main) {
                continue;
            }
            if let Some(updated) = run.ended {
                let by_jobs = r.id.and_then(|id| match self.ends.get(&(id, run.attempt)) {
                    Some(&(last, true)) => last,
                    _ => None,
                });
                if let Some(end) = by_jobs {
                    run.ended = Some(Time(end));
                } else {
                    let (since, what) = match run.started {
                        Some(s) => (s, "run_started_at"),
                        None => (run.created, "created_at"),
                    };
                    let secs = updated.0.as_second() - since.0.as_second();
                    if secs > RUN_LIMIT_SECS {
                        warnings.push(format!(
                            "{}: run {} ({:?}, attempt {}): updated_at {} is {:.0} days after {what} {}, beyond GitHub's 35-day limit on a run, so it is a later change to the run, not its end: the run counts as queued at {} (and its push as a commit) but gives no duration and no outcome (its jobs, `…/actions/runs/{}/jobs`, would give its end)",
                            r.file,
                            r.id.map_or("without id".to_string(), |i| i.to_string()),
                            run.stage,
                            run.attempt,
                            updated.0,
                            secs as f64 / 86_400.0,
                            since.0,
                            run.created.0,
                            r.id.map_or("ID".to_string(), |i| i.to_string()),
                        ));
                        run.started = None;
                        run.ended = None;
                    }
                }
            }
            run_events(out, run);
        }
        for j in jobs {
            if j.run_id.is_some_and(|id| self.dropped.contains(&id))
                || !self.on_main(&j.run, &mut off_main)
            {
                continue;
            }
            run_events(out, j.run);
        }
        if let (Some(file), Some(main)) = (file, &self.main)
            && !off_main.is_empty()
        {
            let list: Vec<String> = off_main.iter().map(|(b, n)| format!("{b} ({n})")).collect();
            warnings.push(format!(
                "{file}: runs and jobs of other branches than {} are left out (the model follows main; {}): {}",
                main.name,
                main.from,
                list.join(", ")
            ));
        }
    }

    /// Whether `run` is on the branch the history follows (or says no
    /// branch); counts it by its branch when not.
    fn on_main(&self, run: &Run, off: &mut Vec<(String, usize)>) -> bool {
        let (Some(main), Some(b)) = (&self.main, &run.branch) else {
            return true;
        };
        if *b == main.name {
            return true;
        }
        match off.iter_mut().find(|(x, _)| x == b) {
            Some((_, n)) => *n += 1,
            None => off.push((b.clone(), 1)),
        }
        false
    }
}

fn run_events(out: &mut Vec<StageEvent>, r: Run) {
    // A pull request's run tests a branch, not main's pipeline: the model
    // follows main (an export not filtered by `--branch main` holds them).
    if is_pull_request(&r.event) {
        return;
    }
    let ev = |event, at: Time, outcome| StageEvent {
        release: r.release.clone(),
        stage: r.stage.clone(),
        event,
        at: at.0,
        outcome,
        attempt: r.attempt,
    };
    // A push run of a first attempt stands for its head commit reaching main.
    if r.event == "push" && r.attempt == 1 {
        let mut c = ev(
            EventKind::Commit,
            r.commit_at.unwrap_or(r.created),
            Outcome::None,
        );
        c.stage.clear();
        out.push(c);
    }
    out.push(ev(EventKind::Queued, r.created, Outcome::None));
    if let Some(s) = r.started {
        out.push(ev(EventKind::Start, s, Outcome::None));
    }
    if let Some(end) = r.ended {
        let outcome = r
            .conclusion
            .as_deref()
            .and_then(Outcome::parse)
            .unwrap_or(Outcome::Cancelled);
        out.push(ev(EventKind::Finish, end, outcome));
    }
}

#[derive(Deserialize)]
struct RunsPage {
    workflow_runs: Vec<RestRun>,
}

#[derive(Deserialize)]
struct RestRun {
    #[serde(default)]
    id: Option<u64>,
    /// Absent in older responses (2020): then `path`, then `workflow_id`, name the workflow.
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    workflow_id: Option<u64>,
    head_sha: String,
    #[serde(default)]
    head_branch: Option<String>,
    event: String,
    status: String,
    conclusion: Option<String>,
    created_at: Time,
    /// `None`: the key is absent (older responses); `Some(None)`: null (not started).
    #[serde(default, deserialize_with = "present_opt_time")]
    run_started_at: Option<Option<Time>>,
    updated_at: Time,
    #[serde(default = "one")]
    run_attempt: u32,
    #[serde(default)]
    head_commit: Option<HeadCommit>,
}

fn present_opt_time<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Time>>, D::Error> {
    opt_time(d).map(Some)
}

impl RestRun {
    /// The workflow's name: `name`; without it (older responses) the file
    /// name of `path` without its extension (`.github/workflows/ci.yml` → `ci`),
    /// else `workflow-{workflow_id}`.
    fn workflow(&self) -> Option<String> {
        if let Some(n) = &self.name {
            return Some(n.clone());
        }
        if let Some(p) = self.path.as_deref().filter(|p| !p.trim().is_empty()) {
            let file = p.rsplit('/').next().unwrap_or(p);
            let stem = file
                .strip_suffix(".yml")
                .or_else(|| file.strip_suffix(".yaml"))
                .unwrap_or(file);
            return Some(stem.to_string());
        }
        self.workflow_id.map(|id| format!("workflow-{id}"))
    }

    fn record(self, file: &str, stage: String) -> RunRecord {
        let started = match self.run_started_at {
            Some(s) => s,
            // Older responses have no `run_started_at`: a run that started
            // is taken to start when it was created (its queue wait included).
            None if self.status != "queued" && self.status != "waiting" => Some(self.created_at),
            None => None,
        };
        RunRecord {
            id: self.id,
            file: file.to_string(),
            run: Run {
                release: self.head_sha,
                branch: self.head_branch,
                stage,
                event: self.event,
                conclusion: self.conclusion,
                created: self.created_at,
                started,
                ended: (self.status == "completed").then_some(self.updated_at),
                attempt: self.run_attempt,
                commit_at: self.head_commit.map(|c| c.timestamp),
            },
        }
    }
}

#[derive(Deserialize)]
struct HeadCommit {
    timestamp: Time,
}

#[derive(Deserialize)]
struct JobsPage {
    jobs: Vec<RestJob>,
}

#[derive(Deserialize)]
struct RestJob {
    #[serde(default)]
    run_id: Option<u64>,
    name: String,
    head_sha: String,
    #[serde(default)]
    head_branch: Option<String>,
    status: String,
    conclusion: Option<String>,
    #[serde(default, deserialize_with = "opt_time")]
    created_at: Option<Time>,
    started_at: Time,
    #[serde(default, deserialize_with = "opt_time")]
    completed_at: Option<Time>,
    #[serde(default = "one")]
    run_attempt: u32,
}

impl RestJob {
    fn record(self, file: &str) -> JobRecord {
        let ended = self.completed_at.filter(|_| self.status == "completed");
        JobRecord {
            run_id: self.run_id,
            file: file.to_string(),
            run: Run {
                release: self.head_sha,
                branch: self.head_branch,
                stage: self.name,
                event: String::new(),
                conclusion: self.conclusion,
                created: self.created_at.unwrap_or(self.started_at),
                started: Some(self.started_at),
                ended,
                attempt: self.run_attempt,
                commit_at: None,
            },
        }
    }
}

/// A matrix leg's job name, `test (Python 3.7)`: the job (`test`) before
/// the parenthesised matrix values GitHub appends.
fn matrix_base(name: &str) -> Option<&str> {
    let open = name.rfind(" (")?;
    name.ends_with(')').then(|| name[..open].trim_end())
}

/// The jobs of a file, the matrix legs of one job in one run attempt
/// (`test (Python 3.7)`, `test (Python 3.8)`, …: at least two with the same
/// name before the parentheses) merged into one job of that name, as the
/// legs run side by side: created and started with its first leg, ended
/// with its last (open while a leg is), failed when a leg failed, else
/// cancelled when a leg did not succeed.
fn merge_matrix_legs(jobs: Vec<RestJob>, file: &str) -> Vec<JobRecord> {
    type Key = (Option<u64>, String, u32, String);
    let key = |j: &RestJob| -> Option<Key> {
        matrix_base(&j.name).map(|b| (j.run_id, j.head_sha.clone(), j.run_attempt, b.to_string()))
    };
    let mut legs: HashMap<Key, usize> = HashMap::new();
    for j in &jobs {
        if let Some(k) = key(j) {
            *legs.entry(k).or_default() += 1;
        }
    }
    let mut out: Vec<JobRecord> = Vec::new();
    let mut merged: HashMap<Key, usize> = HashMap::new();
    for j in jobs {
        let k = key(&j).filter(|k| legs[k] >= 2);
        let mut rec = j.record(file);
        let Some(k) = k else {
            out.push(rec);
            continue;
        };
        rec.run.stage = k.3.clone();
        match merged.get(&k) {
            None => {
                merged.insert(k, out.len());
                out.push(rec);
            }
            Some(&i) => {
                let m = &mut out[i].run;
                m.created = Time(m.created.0.min(rec.run.created.0));
                m.started = match (m.started, rec.run.started) {
                    (Some(a), Some(b)) => Some(Time(a.0.min(b.0))),
                    (a, b) => a.or(b),
                };
                m.ended = match (m.ended, rec.run.ended) {
                    (Some(a), Some(b)) => Some(Time(a.0.max(b.0))),
                    _ => None,
                };
                if leg_rank(rec.run.conclusion.as_deref()) > leg_rank(m.conclusion.as_deref()) {
                    m.conclusion = rec.run.conclusion;
                }
            }
        }
    }
    out
}

/// How a leg's conclusion weighs in its job's: a failure over anything
/// else, anything else (cancelled, skipped) over a success.
fn leg_rank(conclusion: Option<&str>) -> u8 {
    match conclusion.and_then(Outcome::parse) {
        Some(Outcome::Succeeded) => 0,
        Some(Outcome::Failed) => 2,
        _ => 1,
    }
}

#[derive(Deserialize)]
struct Deployment {
    id: u64,
    sha: String,
    environment: String,
    created_at: Time,
    #[serde(default)]
    production_environment: Option<bool>,
    #[serde(default)]
    transient_environment: Option<bool>,
}

#[derive(Deserialize)]
struct DeploymentStatus {
    /// Increases with creation: orders statuses of the same instant.
    #[serde(default)]
    id: u64,
    state: String,
    created_at: Time,
    /// `https://api.github.com/repos/o/r/deployments/42`: links the status to its deployment.
    deployment_url: String,
    #[serde(default)]
    environment: String,
}

/// Reads a file of GitHub REST responses: `{"workflow_runs": […]}`, one
/// run object, `{"jobs": […]}`, a list of deployments or a list of
/// deployment statuses; or several pages of them back to back, as
/// `gh api --paginate` writes them.
pub fn parse_github(text: &str, file: &str) -> Result<Part, InputError> {
    let mut part = Part::default();
    // Statuses of one deployment may span pages: they are ordered together;
    // the matrix legs of one job too: they are merged together.
    let mut statuses = Vec::new();
    let mut jobs = Vec::new();
    for doc in json_docs(text, file)? {
        page(&mut part, &mut statuses, &mut jobs, &doc, text, file)?;
    }
    status_events(&mut part.events, statuses);
    part.jobs = merge_matrix_legs(jobs, file);
    Ok(part)
}

fn add_runs(
    part: &mut Part,
    list: Vec<RestRun>,
    doc: &Doc<'_>,
    text: &str,
    file: &str,
) -> Result<(), InputError> {
    for r in list {
        let Some(stage) = r.workflow() else {
            return Err(doc.unknown(
                text,
                file,
                &format!(
                    "workflow run {} has no `name`, `path` or `workflow_id`: nothing names its workflow",
                    r.id.map_or("without id".to_string(), |i| i.to_string())
                ),
            ));
        };
        part.runs.push(r.record(file, stage));
    }
    Ok(())
}

/// One page (one JSON document) of a REST response.
fn page(
    part: &mut Part,
    statuses: &mut Vec<DeploymentStatus>,
    jobs: &mut Vec<RestJob>,
    doc: &Doc<'_>,
    text: &str,
    file: &str,
) -> Result<(), InputError> {
    let shape = &doc.shape;
    let first = shape.as_array().and_then(|a| a.first());
    if shape.get("workflow_runs").is_some() {
        let page: RunsPage = doc.read(text, file)?;
        add_runs(part, page.workflow_runs, doc, text, file)?;
    } else if shape.get("workflow_id").is_some() && shape.get("head_sha").is_some() {
        // One run: `GET /repos/{owner}/{repo}/actions/runs/{run_id}`.
        let run: RestRun = doc.read(text, file)?;
        add_runs(part, vec![run], doc, text, file)?;
    } else if shape.get("jobs").is_some() {
        let page: JobsPage = doc.read(text, file)?;
        jobs.extend(page.jobs);
    } else if first.is_some_and(|d| d.get("sha").is_some()) {
        let list: Vec<Deployment> = doc.read(text, file)?;
        for d in list {
            part.aliases
                .push((format!("deployment:{}", d.id), d.sha.clone()));
            part.environments.push(Environment {
                name: d.environment.clone(),
                production: d.production_environment,
                transient: d.transient_environment,
            });
            part.events.push(StageEvent {
                release: d.sha,
                stage: d.environment,
                event: EventKind::Queued,
                at: d.created_at.0,
                outcome: Outcome::None,
                attempt: 1,
            });
        }
    } else if first.is_some_and(|d| d.get("state").is_some()) {
        let list: Vec<DeploymentStatus> = doc.read(text, file)?;
        statuses.extend(list);
    } else if shape.as_array().is_some_and(|a| a.is_empty()) {
        // An empty page: nothing happened.
    } else {
        return Err(doc.unknown(
            text,
            file,
            "not a GitHub REST response this reader knows: expected {\"workflow_runs\": [...]}, one workflow run (with \"workflow_id\" and \"head_sha\"), {\"jobs\": [...]}, a list of deployments (with \"sha\") or of deployment statuses (with \"state\")",
        ));
    }
    Ok(())
}

/// Deployment statuses, per deployment in time order: `waiting` is an
/// approval request, answered by the next status (`queued` / `in_progress` /
/// `success`: approved; `failure` / `error`: rejected); `in_progress` starts
/// the deployment, `success` / `failure` / `error` ends it.
fn status_events(out: &mut Vec<StageEvent>, mut list: Vec<DeploymentStatus>) {
    list.sort_by(|a, b| {
        (&a.deployment_url, a.created_at.0, a.id).cmp(&(&b.deployment_url, b.created_at.0, b.id))
    });
    let mut waiting_for: Option<String> = None;
    for s in list {
        let id = s
            .deployment_url
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        let release = format!("deployment:{id}");
        let mut push = |event, outcome| {
            out.push(StageEvent {
                release: release.clone(),
                stage: s.environment.clone(),
                event,
                at: s.created_at.0,
                outcome,
                attempt: 1,
            })
        };
        let state = s.state.as_str();
        if waiting_for.as_deref() == Some(&id) && state != "waiting" {
            waiting_for = None;
            let answer = if matches!(state, "failure" | "error") {
                Outcome::Rejected
            } else {
                Outcome::Approved
            };
            push(EventKind::ApprovalDone, answer);
            if answer == Outcome::Rejected {
                continue;
            }
        }
        match state {
            "waiting" => {
                waiting_for = Some(id.clone());
                push(EventKind::ApprovalRequested, Outcome::None);
            }
            "in_progress" => push(EventKind::Start, Outcome::None),
            "success" => push(EventKind::Finish, Outcome::Succeeded),
            "failure" | "error" => push(EventKind::Finish, Outcome::Failed),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matrix_leg_is_named_by_its_job_and_a_final_parenthesis() {
        assert_eq!(matrix_base("test (Python 3.7)"), Some("test"));
        assert_eq!(matrix_base("test (ubuntu-latest, 3.11-dev)"), Some("test"));
        assert_eq!(matrix_base("e2e (smoke) (chrome)"), Some("e2e (smoke)"));
        assert_eq!(matrix_base("build"), None);
        assert_eq!(matrix_base("deploy (eu) now"), None);
    }

    #[test]
    fn pull_request_runs_are_left_out() {
        let run = |sha: &str, event: &str| {
            format!(
                r#"{{"databaseId": 1, "workflowName": "ci", "headSha": "{sha}", "event": "{event}",
                "status": "completed", "conclusion": "success", "createdAt": "2024-01-01T10:00:00Z",
                "startedAt": "2024-01-01T10:01:00Z", "updatedAt": "2024-01-01T10:05:00Z", "attempt": 1}}"#
            )
        };
        let text = format!("[{}, {}]", run("a", "push"), run("b", "pull_request"));
        let h = crate::history::History::from_parts(vec![
            parse_gh_runs(&text, "runs.json").expect("runs"),
        ]);
        assert!(!h.events.is_empty());
        assert!(h.events.iter().all(|e| e.release == "a"), "{:?}", h.events);
    }
}
