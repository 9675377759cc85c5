//! GitHub: `gh run list --json …` output, and the REST responses for workflow
//! runs, jobs, deployments and deployment statuses (which of the four a file
//! holds is told by its shape).

use serde::Deserialize;

use super::{Doc, EventKind, Outcome, Part, StageEvent, Time, json_docs, json_error, opt_time};
use crate::error::InputError;

/// One element of `gh run list --json databaseId,workflowName,headSha,event,status,conclusion,createdAt,startedAt,updatedAt,attempt`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GhRun {
    #[serde(rename = "workflowName")]
    workflow_name: String,
    head_sha: String,
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
        run_events(
            &mut part.events,
            Run {
                release: r.head_sha,
                stage: r.workflow_name,
                event: r.event,
                status: r.status,
                conclusion: r.conclusion,
                created: r.created_at,
                started: r.started_at,
                ended: r.updated_at,
                attempt: r.attempt,
                commit_at: None,
            },
        );
    }
    Ok(part)
}

/// A run or a job, as both formats give it.
struct Run {
    release: String,
    stage: String,
    event: String,
    status: String,
    conclusion: Option<String>,
    created: Time,
    started: Option<Time>,
    ended: Time,
    attempt: u32,
    commit_at: Option<Time>,
}

fn run_events(out: &mut Vec<StageEvent>, r: Run) {
    // A pull request's run tests a branch, not main's pipeline: the model
    // follows main (an export not filtered by `--branch main` holds them).
    if matches!(
        r.event.as_str(),
        "pull_request" | "pull_request_target" | "merge_group"
    ) {
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
    if r.status == "completed" {
        let outcome = r
            .conclusion
            .as_deref()
            .and_then(Outcome::parse)
            .unwrap_or(Outcome::Cancelled);
        out.push(ev(EventKind::Finish, r.ended, outcome));
    }
}

#[derive(Deserialize)]
struct RunsPage {
    workflow_runs: Vec<RestRun>,
}

#[derive(Deserialize)]
struct RestRun {
    name: String,
    head_sha: String,
    event: String,
    status: String,
    conclusion: Option<String>,
    created_at: Time,
    #[serde(default, deserialize_with = "opt_time")]
    run_started_at: Option<Time>,
    updated_at: Time,
    #[serde(default = "one")]
    run_attempt: u32,
    #[serde(default)]
    head_commit: Option<HeadCommit>,
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
    name: String,
    head_sha: String,
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

#[derive(Deserialize)]
struct Deployment {
    id: u64,
    sha: String,
    environment: String,
    created_at: Time,
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

/// Reads a file of GitHub REST responses: `{"workflow_runs": […]}`,
/// `{"jobs": […]}`, a list of deployments or a list of deployment statuses;
/// or several pages of them back to back, as `gh api --paginate` writes them.
pub fn parse_github(text: &str, file: &str) -> Result<Part, InputError> {
    let mut part = Part::default();
    // Statuses of one deployment may span pages: they are ordered together.
    let mut statuses = Vec::new();
    for doc in json_docs(text, file)? {
        page(&mut part, &mut statuses, &doc, text, file)?;
    }
    status_events(&mut part.events, statuses);
    Ok(part)
}

/// One page (one JSON document) of a REST response.
fn page(
    part: &mut Part,
    statuses: &mut Vec<DeploymentStatus>,
    doc: &Doc<'_>,
    text: &str,
    file: &str,
) -> Result<(), InputError> {
    let shape = &doc.shape;
    let first = shape.as_array().and_then(|a| a.first());
    if shape.get("workflow_runs").is_some() {
        let page: RunsPage = doc.read(text, file)?;
        for r in page.workflow_runs {
            run_events(
                &mut part.events,
                Run {
                    release: r.head_sha,
                    stage: r.name,
                    event: r.event,
                    status: r.status,
                    conclusion: r.conclusion,
                    created: r.created_at,
                    started: r.run_started_at,
                    ended: r.updated_at,
                    attempt: r.run_attempt,
                    commit_at: r.head_commit.map(|c| c.timestamp),
                },
            );
        }
    } else if shape.get("jobs").is_some() {
        let page: JobsPage = doc.read(text, file)?;
        for j in page.jobs {
            let ended = j.completed_at.unwrap_or(j.started_at);
            run_events(
                &mut part.events,
                Run {
                    release: j.head_sha,
                    stage: j.name,
                    event: String::new(),
                    status: if j.completed_at.is_some() {
                        j.status
                    } else {
                        "in_progress".into()
                    },
                    conclusion: j.conclusion,
                    created: j.created_at.unwrap_or(j.started_at),
                    started: Some(j.started_at),
                    ended,
                    attempt: j.run_attempt,
                    commit_at: None,
                },
            );
        }
    } else if first.is_some_and(|d| d.get("sha").is_some()) {
        let list: Vec<Deployment> = doc.read(text, file)?;
        for d in list {
            part.aliases
                .push((format!("deployment:{}", d.id), d.sha.clone()));
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
            "not a GitHub REST response this reader knows: expected {\"workflow_runs\": [...]}, {\"jobs\": [...]}, a list of deployments (with \"sha\") or of deployment statuses (with \"state\")",
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
    fn pull_request_runs_are_left_out() {
        let run = |sha: &str, event: &str| {
            format!(
                r#"{{"databaseId": 1, "workflowName": "ci", "headSha": "{sha}", "event": "{event}",
                "status": "completed", "conclusion": "success", "createdAt": "2024-01-01T10:00:00Z",
                "startedAt": "2024-01-01T10:01:00Z", "updatedAt": "2024-01-01T10:05:00Z", "attempt": 1}}"#
            )
        };
        let text = format!("[{}, {}]", run("a", "push"), run("b", "pull_request"));
        let part = parse_gh_runs(&text, "runs.json").expect("runs");
        assert!(!part.events.is_empty());
        assert!(
            part.events.iter().all(|e| e.release == "a"),
            "{:?}",
            part.events
        );
    }
}
