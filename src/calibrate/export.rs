//! A simulated replication's event log written as run history, in each
//! format `calibrate` reads (`promosim trace --as FORMAT`): the round trip
//! that checks calibration recovers the parameters it simulated with.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::engine::{Replication, TraceKind};
use crate::history::{EventKind, Format, Outcome, StageEvent};
use crate::model::Model;

/// The replication's log as history events: commits, the build and each
/// stage's trigger, approval and deployment.
pub fn events(m: &Model, rep: &Replication) -> Vec<StageEvent> {
    let mut out = Vec::new();
    let mut asked: std::collections::HashSet<(u32, usize)> = Default::default();
    for r in &rep.trace {
        let at = m.clock.zoned(r.time).timestamp();
        let stage = r
            .stage
            .map_or("build".to_string(), |s| m.stages[s].name.clone());
        let release = r.release.map_or(String::new(), |x| x.to_string());
        let (event, outcome) = match r.event {
            TraceKind::Commit | TraceKind::FixLands => (EventKind::Commit, Outcome::None),
            TraceKind::BuildQueued => (EventKind::Queued, Outcome::None),
            TraceKind::BuildStart | TraceKind::DeployStart => (EventKind::Start, Outcome::None),
            TraceKind::BuildDone | TraceKind::Deployed => (EventKind::Finish, Outcome::Succeeded),
            TraceKind::BuildFailed | TraceKind::BuildRejected | TraceKind::DeployFailed => {
                (EventKind::Finish, Outcome::Failed)
            }
            TraceKind::Triggered => {
                let s = r.stage.unwrap_or(0);
                if let (Some(rel), true) = (r.release, m.stages[s].approval.is_some()) {
                    asked.insert((rel, s));
                    out.push(event(
                        &release,
                        &stage,
                        EventKind::Queued,
                        at,
                        Outcome::None,
                    ));
                    (EventKind::ApprovalRequested, Outcome::None)
                } else {
                    (EventKind::Queued, Outcome::None)
                }
            }
            // Verification caught a defect after a successful deployment.
            TraceKind::Rejected if r.stage.is_some() => (EventKind::Rejected, Outcome::None),
            TraceKind::Approved => (EventKind::ApprovalDone, Outcome::Approved),
            TraceKind::ApprovalRejected => (EventKind::ApprovalDone, Outcome::Rejected),
            TraceKind::ApprovalTimeout => (EventKind::ApprovalDone, Outcome::TimedOut),
            // Overtaken while waiting for its approval: the request was withdrawn.
            TraceKind::Superseded => match (r.release, r.stage) {
                (Some(rel), Some(s)) if asked.remove(&(rel, s)) => {
                    (EventKind::ApprovalDone, Outcome::Cancelled)
                }
                _ => continue,
            },
            _ => continue,
        };
        if matches!(
            r.event,
            TraceKind::Approved | TraceKind::ApprovalRejected | TraceKind::ApprovalTimeout
        ) && let (Some(rel), Some(s)) = (r.release, r.stage)
        {
            asked.remove(&(rel, s));
        }
        let stage = if event == EventKind::Commit {
            String::new()
        } else {
            stage
        };
        out.push(event_at(&release, &stage, event, at, outcome));
    }
    out
}

fn event(
    release: &str,
    stage: &str,
    event: EventKind,
    at: Timestamp,
    outcome: Outcome,
) -> StageEvent {
    event_at(release, stage, event, at, outcome)
}

fn event_at(
    release: &str,
    stage: &str,
    event: EventKind,
    at: Timestamp,
    outcome: Outcome,
) -> StageEvent {
    StageEvent {
        release: release.to_string(),
        stage: stage.to_string(),
        event,
        at,
        outcome,
        attempt: 1,
    }
}

/// The events as files of `format`: (file name, text). The CSV and
/// `gh run list` are one file; GitHub REST and Azure DevOps several.
pub fn write(format: Format, events: &[StageEvent]) -> Vec<(String, String)> {
    match format {
        Format::Csv => vec![("history.csv".into(), csv(events))],
        Format::GhRuns => vec![("runs.json".into(), pretty(&gh_runs(events)))],
        Format::Github => github(events),
        Format::Azure => azure(events),
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

fn csv(events: &[StageEvent]) -> String {
    let mut s = String::from("release,stage,event,time,result,attempt\n");
    for e in events {
        s.push_str(&format!(
            "{},{},{},{},{},{}\n",
            e.release,
            e.stage,
            e.event.name(),
            e.at,
            e.outcome.name(),
            e.attempt
        ));
    }
    s
}

/// One piece of work: a release at a stage.
#[derive(Default)]
struct Work {
    queued: Option<Timestamp>,
    start: Option<Timestamp>,
    finish: Option<(Timestamp, Outcome)>,
    asked: Option<Timestamp>,
    answered: Option<(Timestamp, Outcome)>,
    first_commit: Option<Timestamp>,
}

/// Groups by (release number, stage), releases in order; commits go to the
/// first release queued after them.
fn works(events: &[StageEvent]) -> BTreeMap<(u64, String), Work> {
    let mut w: BTreeMap<(u64, String), Work> = BTreeMap::new();
    let mut pending: Option<Timestamp> = None;
    for e in events {
        if e.event == EventKind::Commit {
            pending = pending.or(Some(e.at));
            continue;
        }
        let key = (e.release.parse::<u64>().unwrap_or(0), e.stage.clone());
        let x = w.entry(key).or_default();
        match e.event {
            EventKind::Queued => {
                x.queued = x.queued.or(Some(e.at));
                if e.stage == "build" {
                    x.first_commit = pending.take();
                }
            }
            EventKind::Start => x.start = x.start.or(Some(e.at)),
            EventKind::Finish => x.finish = x.finish.or(Some((e.at, e.outcome))),
            EventKind::ApprovalRequested => x.asked = x.asked.or(Some(e.at)),
            EventKind::ApprovalDone => x.answered = x.answered.or(Some((e.at, e.outcome))),
            // GitHub and Azure responses have no separate verification verdict.
            EventKind::Commit | EventKind::Rejected => {}
        }
    }
    w
}

fn sha(release: u64) -> String {
    format!(
        "{:040x}",
        release.wrapping_mul(0x9e37_79b9_7f4a_7c15) as u128 + 1
    )
}

fn conclusion(o: Outcome) -> &'static str {
    match o {
        Outcome::Failed => "failure",
        Outcome::Cancelled => "cancelled",
        _ => "success",
    }
}

fn gh_runs(events: &[StageEvent]) -> Value {
    let runs: Vec<Value> = works(events)
        .into_iter()
        .filter_map(|((rel, stage), w)| {
            let created = w.queued.or(w.start)?;
            let ended = w.finish.map(|f| f.0).or(w.start).unwrap_or(created);
            Some(json!({
                "databaseId": 1000 + rel,
                "workflowName": stage,
                "headSha": sha(rel),
                "event": if stage == "build" && w.first_commit.is_some() { "push" } else { "workflow_run" },
                "status": if w.finish.is_some() { "completed" } else { "in_progress" },
                "conclusion": w.finish.map_or("", |f| conclusion(f.1)),
                "createdAt": w.first_commit.unwrap_or(created).to_string(),
                "startedAt": w.start.map(|t| t.to_string()),
                "updatedAt": ended.to_string(),
                "attempt": 1,
            }))
        })
        .collect();
    Value::Array(runs)
}

fn github(events: &[StageEvent]) -> Vec<(String, String)> {
    let w = works(events);
    let mut runs = Vec::new();
    let mut deployments = Vec::new();
    let mut statuses = Vec::new();
    for ((rel, stage), x) in &w {
        let Some(created) = x.queued.or(x.start) else {
            continue;
        };
        if stage == "build" {
            runs.push(json!({
                "id": 5000 + rel, "name": "build", "head_sha": sha(*rel),
                "head_branch": "main",
                "event": if x.first_commit.is_some() { "push" } else { "workflow_dispatch" },
                "status": if x.finish.is_some() { "completed" } else { "in_progress" },
                "conclusion": x.finish.map(|f| conclusion(f.1)),
                "created_at": created.to_string(),
                "run_started_at": x.start.map(|t| t.to_string()),
                "updated_at": x.finish.map(|f| f.0).or(x.start).unwrap_or(created).to_string(),
                "run_attempt": 1,
                "head_commit": x.first_commit.map(|t| json!({"id": sha(*rel), "timestamp": t.to_string()})),
            }));
            continue;
        }
        let id = deployments.len() as u64 + 1;
        deployments.push(json!({
            "id": id, "sha": sha(*rel), "ref": "main", "environment": stage,
            "created_at": created.to_string(),
        }));
        let url = format!("https://api.github.com/repos/o/r/deployments/{id}");
        let mut status = |state: &str, at: Timestamp| {
            let sid = statuses.len() + 1;
            statuses.push(json!({"id": sid, "state": state, "created_at": at.to_string(), "deployment_url": url, "environment": stage}));
        };
        status("queued", created);
        if let Some(a) = x.asked {
            status("waiting", a);
            match x.answered {
                Some((t, Outcome::Rejected)) => status("failure", t),
                Some((t, Outcome::Approved)) => status("queued", t),
                Some((t, _)) => status("inactive", t),
                None => {}
            }
        }
        if let Some(s) = x.start {
            status("in_progress", s);
        }
        if let Some((t, o)) = x.finish {
            status(
                if o == Outcome::Failed {
                    "failure"
                } else {
                    "success"
                },
                t,
            );
        }
    }
    // The API lists statuses newest first.
    statuses.reverse();
    vec![
        (
            "runs.json".into(),
            pretty(&json!({"total_count": runs.len(), "workflow_runs": runs})),
        ),
        (
            "deployments.json".into(),
            pretty(&Value::Array(deployments)),
        ),
        ("statuses.json".into(), pretty(&Value::Array(statuses))),
    ]
}

fn azure(events: &[StageEvent]) -> Vec<(String, String)> {
    let w = works(events);
    let mut builds = Vec::new();
    let mut timelines: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    let result = |o: Outcome| match o {
        Outcome::Failed => "failed",
        Outcome::Cancelled => "canceled",
        _ => "succeeded",
    };
    let t = |x: Option<Timestamp>| x.map(|t| t.to_string());
    for ((rel, stage), x) in &w {
        let Some(queued) = x.queued.or(x.start) else {
            continue;
        };
        let id = 100 + rel;
        if stage == "build" {
            builds.push(json!({
                "id": id, "buildNumber": format!("2026.{rel}"), "status": if x.finish.is_some() { "completed" } else { "inProgress" },
                "result": x.finish.map(|f| result(f.1)),
                "reason": if x.first_commit.is_some() { "individualCI" } else { "manual" },
                "queueTime": x.first_commit.unwrap_or(queued).to_string(),
                "startTime": t(x.start), "finishTime": t(x.finish.map(|f| f.0)),
                "sourceVersion": sha(*rel), "definition": {"id": 1, "name": "pipeline"},
            }));
        }
        let records = timelines.entry(id).or_default();
        let sid = format!("stage-{stage}");
        let done = x.finish.is_some() || matches!(x.answered, Some((_, Outcome::Rejected)));
        let stage_result = match (x.finish, x.answered) {
            (Some((_, o)), _) => Some(result(o)),
            (None, Some((_, Outcome::Rejected))) => Some("failed"),
            _ => None,
        };
        records.push(json!({
            "id": sid, "parentId": null, "type": "Stage", "name": stage, "identifier": stage,
            "startTime": t(Some(queued)), "finishTime": t(x.finish.map(|f| f.0)),
            "state": if done { "completed" } else { "inProgress" }, "result": stage_result, "attempt": 1,
        }));
        if let Some(a) = x.asked {
            let (state, res) = match x.answered {
                Some((_, Outcome::Approved)) => ("completed", Some("succeeded")),
                Some((_, Outcome::Rejected)) => ("completed", Some("failed")),
                Some((_, Outcome::TimedOut)) => ("completed", Some("timedOut")),
                Some(_) => ("completed", Some("canceled")),
                None => ("inProgress", None),
            };
            records.push(json!({"id": format!("cp-{stage}"), "parentId": sid, "type": "Checkpoint", "name": "Checkpoint", "startTime": t(Some(a)), "finishTime": t(x.answered.map(|v| v.0)), "state": state, "result": res}));
            records.push(json!({"id": format!("ap-{stage}"), "parentId": format!("cp-{stage}"), "type": "Checkpoint.Approval", "name": "Checkpoint.Approval", "startTime": t(Some(a)), "finishTime": t(x.answered.map(|v| v.0)), "state": state, "result": res}));
        }
        if let Some(s) = x.start {
            let (state, res) = match x.finish {
                Some((_, o)) => ("completed", Some(result(o))),
                None => ("inProgress", None),
            };
            records.push(json!({"id": format!("ph-{stage}"), "parentId": sid, "type": "Phase", "name": stage, "startTime": t(Some(s)), "finishTime": t(x.finish.map(|f| f.0)), "state": state, "result": res}));
            records.push(json!({"id": format!("job-{stage}"), "parentId": format!("ph-{stage}"), "type": "Job", "name": format!("Deploy {stage}"), "startTime": t(Some(s)), "finishTime": t(x.finish.map(|f| f.0)), "state": state, "result": res, "attempt": 1}));
        }
    }
    let mut files = vec![(
        "builds.json".to_string(),
        pretty(&json!({"count": builds.len(), "value": builds})),
    )];
    for (id, records) in timelines {
        let url =
            format!("https://dev.azure.com/org/project/_apis/build/builds/{id}/Timeline/t{id}");
        files.push((
            format!("timeline-{id}.json"),
            pretty(&json!({"records": records, "id": format!("t{id}"), "url": url})),
        ));
    }
    files
}
