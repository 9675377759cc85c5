//! The reaction of a manual trigger, recovered from when releases became
//! eligible and when the stage took one.
//!
//! The simulator keeps one pending action per manual stage (`docs/model.md`,
//! Stages): the person is asked when a release becomes eligible and no
//! action is pending, and acts after their reaction in working time, taking
//! the newest eligible release. So each take at `T_k` answers the request
//! made by the first release that became eligible after the previous take
//! `T_{k-1}`; the reaction is the person's working time between the two.

use std::collections::HashMap;

use jiff::Timestamp;

use super::fit::Sample;
use super::observe::is_build;
use super::working::{Hours, Span};
use crate::history::{EventKind, History, Outcome};

/// The reaction sample of the manual stage `stage`, in `hours`' working time.
pub fn manual_reaction(history: &History, span: &Span, stage: &str, hours: &Hours<'_>) -> Sample {
    let upstream = span.upstream(stage);
    let needed = upstream.len().max(1);
    let slot = |name: &str| -> Option<usize> {
        if upstream.is_empty() {
            return is_build(name).then_some(0);
        }
        upstream.iter().position(|u| u.eq_ignore_ascii_case(name))
    };
    // Per release: when each upstream stage passed it (first success).
    let mut passed: HashMap<&str, Vec<Option<Timestamp>>> = HashMap::new();
    let mut taken: HashMap<&str, Timestamp> = HashMap::new();
    for e in &history.events {
        if e.event == EventKind::Finish
            && e.outcome == Outcome::Succeeded
            && let Some(i) = slot(&e.stage)
        {
            let v = passed
                .entry(e.release.as_str())
                .or_insert_with(|| vec![None; needed]);
            v[i] = v[i].or(Some(e.at));
        }
        if e.event == EventKind::Queued && e.stage.eq_ignore_ascii_case(stage) {
            taken.entry(e.release.as_str()).or_insert(e.at);
        }
    }
    // A release is eligible when its last upstream stage passed it.
    let mut eligible: Vec<Timestamp> = passed
        .values()
        .filter_map(|v| v.iter().copied().collect::<Option<Vec<_>>>())
        .filter_map(|v| v.into_iter().max())
        .collect();
    eligible.sort();
    let mut takes: Vec<Timestamp> = taken.into_values().collect();
    takes.sort();
    let mut sample = Sample::default();
    let mut prev: Option<Timestamp> = None;
    let request_after = |prev: Option<Timestamp>| {
        let i = prev.map_or(0, |p| eligible.partition_point(|&e| e <= p));
        eligible.get(i).copied()
    };
    for &t in &takes {
        // No request between the takes: the history began while one was pending.
        if let Some(asked) = request_after(prev).filter(|&a| a <= t) {
            sample.observed.push(span.working(hours, asked, t));
        }
        prev = Some(t);
    }
    // A request still unanswered when the history ends: censored there.
    if let (Some(asked), Some(last)) = (request_after(prev), history.last()) {
        sample.censored.push(span.working(hours, asked, last));
    }
    sample
}
