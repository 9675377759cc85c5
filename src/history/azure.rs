//! Azure DevOps: the REST Builds list (`_apis/build/builds`) and build
//! Timelines (`_apis/build/builds/{id}/timeline`), told apart by shape.
//!
//! A Builds list gives the commit stream (a CI-triggered build stands for a
//! push) and each run as stage `run`. A Timeline gives, per `Stage` record,
//! the deployment (the span of its `Job` records), its result, and its
//! approvals (`Checkpoint.Approval` records: request at `startTime`, answer
//! at `finishTime`).

use std::collections::HashMap;

use serde::Deserialize;

use super::{Doc, EventKind, Outcome, Part, StageEvent, Time, json_docs, opt_time};
use crate::error::InputError;

#[derive(Deserialize)]
struct BuildList {
    value: Vec<Build>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Build {
    id: u64,
    status: String,
    #[serde(default)]
    result: Option<String>,
    #[serde(default)]
    reason: String,
    queue_time: Time,
    #[serde(default, deserialize_with = "opt_time")]
    start_time: Option<Time>,
    #[serde(default, deserialize_with = "opt_time")]
    finish_time: Option<Time>,
}

#[derive(Deserialize)]
struct Timeline {
    records: Vec<Record>,
    #[serde(default)]
    url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    id: String,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    #[serde(default)]
    identifier: Option<String>,
    #[serde(default, deserialize_with = "opt_time")]
    start_time: Option<Time>,
    #[serde(default, deserialize_with = "opt_time")]
    finish_time: Option<Time>,
    state: String,
    #[serde(default)]
    result: Option<String>,
    #[serde(default)]
    attempt: Option<u32>,
}

/// Reads one Azure DevOps response: a Builds list (the REST
/// `{"count": …, "value": [...]}`, or the plain array `az pipelines runs
/// list -o json` prints) or a build Timeline.
pub fn parse_azure(text: &str, file: &str) -> Result<Part, InputError> {
    let mut part = Part::default();
    for doc in json_docs(text, file)? {
        document(&mut part, &doc, text, file)?;
    }
    Ok(part)
}

fn document(part: &mut Part, doc: &Doc<'_>, text: &str, file: &str) -> Result<(), InputError> {
    let shape = &doc.shape;
    let is_build = |v: &serde_json::Value| v.get("queueTime").is_some();
    if shape.get("value").is_some() {
        let list: BuildList = doc.read(text, file)?;
        for b in list.value {
            builds(&mut part.events, b);
        }
    } else if shape
        .as_array()
        .is_some_and(|a| a.first().is_some_and(is_build))
    {
        let list: Vec<Build> = doc.read(text, file)?;
        for b in list {
            builds(&mut part.events, b);
        }
    } else if shape.as_array().is_some_and(|a| a.is_empty()) {
        // No runs in the range asked for.
    } else if shape.get("records").is_some() {
        let t: Timeline = doc.read(text, file)?;
        let id = build_id(&t.url, file).ok_or_else(|| {
            InputError::new(
                file,
                "cannot tell which build this timeline belongs to: its \"url\" has no /builds/{id}/ and the file name no number (name it timeline-{id}.json)",
            )
        })?;
        timeline(&mut part.events, &id, &t.records);
    } else {
        return Err(doc.unknown(
            text,
            file,
            "not an Azure DevOps response this reader knows: expected a Builds list ({\"count\": …, \"value\": [...]}, or the array `az pipelines runs list -o json` prints) or a build Timeline ({\"records\": [...]})",
        ));
    }
    Ok(())
}

fn builds(out: &mut Vec<StageEvent>, b: Build) {
    let release = b.id.to_string();
    let ev = |event, at: Time, outcome| StageEvent {
        release: release.clone(),
        stage: "run".into(),
        event,
        at: at.0,
        outcome,
        attempt: 1,
    };
    if matches!(b.reason.as_str(), "individualCI" | "batchedCI") {
        let mut c = ev(EventKind::Commit, b.queue_time, Outcome::None);
        c.stage.clear();
        out.push(c);
    }
    out.push(ev(EventKind::Queued, b.queue_time, Outcome::None));
    if let Some(s) = b.start_time {
        out.push(ev(EventKind::Start, s, Outcome::None));
    }
    if let (Some(f), "completed") = (b.finish_time, b.status.as_str()) {
        let outcome = b
            .result
            .as_deref()
            .and_then(Outcome::parse)
            .unwrap_or(Outcome::Cancelled);
        out.push(ev(EventKind::Finish, f, outcome));
    }
}

/// The build id from `…/build/builds/123/…` in the url, else the first number in the file name.
fn build_id(url: &str, file: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    if let Some(i) = lower.find("/builds/") {
        let id: String = url[i + 8..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !id.is_empty() {
            return Some(id);
        }
    }
    let name = std::path::Path::new(file)
        .file_stem()?
        .to_string_lossy()
        .to_string();
    let digits: String = name
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then_some(digits)
}

fn timeline(out: &mut Vec<StageEvent>, release: &str, records: &[Record]) {
    let by_id: HashMap<&str, &Record> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let stage_of = |r| stage_of(&by_id, r);
    for stage in records.iter().filter(|r| r.kind == "Stage") {
        if stage.result.as_deref() == Some("skipped") {
            continue;
        }
        let name = stage
            .identifier
            .clone()
            .unwrap_or_else(|| stage.name.clone());
        let attempt = stage.attempt.unwrap_or(1).max(1);
        let ev = |event, at: Time, outcome| StageEvent {
            release: release.to_string(),
            stage: name.clone(),
            event,
            at: at.0,
            outcome,
            attempt,
        };
        let mine: Vec<&Record> = records
            .iter()
            .filter(|r| stage_of(r).is_some_and(|s| s.id == stage.id))
            .collect();
        if let Some(q) = stage.start_time {
            out.push(ev(EventKind::Queued, q, Outcome::None));
        }
        for a in mine.iter().filter(|r| r.kind == "Checkpoint.Approval") {
            let Some(asked) = a.start_time else { continue };
            out.push(ev(EventKind::ApprovalRequested, asked, Outcome::None));
            if let (Some(done), "completed") = (a.finish_time, a.state.as_str()) {
                let answer = match a.result.as_deref() {
                    Some("succeeded") => Outcome::Approved,
                    Some("failed" | "rejected") => Outcome::Rejected,
                    Some("timedOut" | "timedout") => Outcome::TimedOut,
                    // Cancelled with its run: no answer, the wait is censored.
                    _ => continue,
                };
                out.push(ev(EventKind::ApprovalDone, done, answer));
            }
        }
        let jobs: Vec<&&Record> = mine.iter().filter(|r| r.kind == "Job").collect();
        let start = jobs.iter().filter_map(|j| j.start_time).map(|t| t.0).min();
        if let Some(s) = start {
            out.push(ev(EventKind::Start, Time(s), Outcome::None));
            let done = jobs.iter().all(|j| j.state == "completed");
            let end = jobs.iter().filter_map(|j| j.finish_time).map(|t| t.0).max();
            if let (true, Some(e), "completed") = (done, end, stage.state.as_str()) {
                let outcome = stage
                    .result
                    .as_deref()
                    .and_then(Outcome::parse)
                    .unwrap_or(Outcome::Cancelled);
                out.push(ev(EventKind::Finish, Time(e), outcome));
            }
        }
    }
}

/// The Stage record `r` belongs to, through its parents (at most 16 levels).
fn stage_of<'a>(by_id: &HashMap<&str, &'a Record>, r: &'a Record) -> Option<&'a Record> {
    let mut cur = r;
    for _ in 0..16 {
        if cur.kind == "Stage" {
            return Some(cur);
        }
        cur = by_id.get(cur.parent_id.as_deref()?)?;
    }
    None
}
