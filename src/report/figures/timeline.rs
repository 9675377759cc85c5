//! The release timeline (Gantt) and exposure over time.

use super::*;
use crate::engine::{Replication, TraceKind, TraceRecord};
use crate::model::{Model, TrafficProfile};
use crate::report::charts::{BarKind, Chart, GanttBar};
use crate::report::number::fmt_num;
use crate::time::HOUR;

/// Releases moving through build and stages in one replication, in
/// [`timeline_window`]: thin bars while waiting (queue, trigger, checks, lock),
/// full bars while building, deploying and verifying; rejections and
/// rollbacks marked. Times on the axis are hours since the window start.
pub fn timeline(model: &Model, rep: &Replication) -> Chart {
    let (a, b) = timeline_window(model);
    let mut lanes = vec!["build".to_string()];
    lanes.extend(model.stages.iter().map(|s| s.name.clone()));
    let bars = gantt_bars(&rep.trace, a, b, lanes.len());
    Chart::Gantt {
        title: format!(
            "How do releases move through the pipeline? Replication 0, hours from day {}",
            fmt_num((a / 24.0).floor())
        ),
        lanes,
        bars,
    }
}

/// Gantt bars of the trace clipped to `[a, b]` hours, shifted so `a` is 0;
/// bars of the same kind closer than a pixel (at 800 px) are merged.
pub fn gantt_bars(trace: &[TraceRecord], a: f64, b: f64, n_lanes: usize) -> Vec<GanttBar> {
    use std::collections::HashMap;
    // Open intervals per (release, lane): (start, waiting?).
    let mut open: HashMap<(u32, usize), (f64, bool)> = HashMap::new();
    let mut last_rollback_start: HashMap<usize, f64> = HashMap::new();
    let mut raw: Vec<GanttBar> = Vec::new();
    let mut push = |lane: usize, s: f64, e: f64, kind: BarKind, label: Option<String>| {
        if e < a || s > b || lane >= n_lanes {
            return;
        }
        // An outcome after the window is not shown at the window's edge.
        let kind = if e > b && matches!(kind, BarKind::Rejected | BarKind::Rollback) {
            BarKind::Normal
        } else {
            kind
        };
        raw.push(GanttBar {
            lane,
            start_h: s.max(a) - a,
            end_h: e.min(b) - a,
            label,
            kind,
        });
    };
    for r in trace {
        let t = r.time.hours();
        if t > b + 24.0 * 60.0 {
            break;
        }
        let lane = r.stage.map_or(0, |s| s + 1);
        let Some(rel) = r.release else {
            if r.event == TraceKind::RollbackStart
                && let Some(s) = r.stage
            {
                last_rollback_start.insert(s + 1, t);
            }
            continue;
        };
        let label = || Some(format!("v{rel}"));
        match (r.event, r.stage.is_some()) {
            (TraceKind::BuildQueued, false) | (TraceKind::Triggered, true) => {
                open.insert((rel, lane), (t, true));
            }
            (TraceKind::BuildStart, false) | (TraceKind::DeployStart, true) => {
                if let Some((s, true)) = open.get(&(rel, lane)).copied() {
                    push(lane, s, t, BarKind::Waiting, None);
                }
                open.insert((rel, lane), (t, false));
            }
            // A verification job waiting for an agent mid-visit (`agent:
            // true`): the work so far, then a wait, then work again. (A
            // deploy job waits before its `deploy_start`, already a wait.)
            (TraceKind::JobQueued, true) => {
                if let Some((s, false)) = open.get(&(rel, lane)).copied() {
                    push(lane, s, t, BarKind::Normal, label());
                    open.insert((rel, lane), (t, true));
                }
            }
            (TraceKind::JobStart, true) => {
                if let Some((s, true)) = open.get(&(rel, lane)).copied() {
                    push(lane, s, t, BarKind::Waiting, None);
                    open.insert((rel, lane), (t, false));
                }
            }
            (TraceKind::BuildDone, false) | (TraceKind::Passed, true) => {
                if let Some((s, false)) = open.remove(&(rel, lane)) {
                    push(lane, s, t, BarKind::Normal, label());
                }
            }
            (TraceKind::BuildFailed | TraceKind::BuildRejected, false)
            | (
                TraceKind::Rejected
                | TraceKind::DeployFailed
                | TraceKind::ApprovalRejected
                | TraceKind::BlockedKnownDefect,
                true,
            ) => {
                match open.remove(&(rel, lane)) {
                    // Rejected while waiting (an approver said no): the wait,
                    // then the mark.
                    Some((s, true)) => {
                        push(lane, s, t, BarKind::Waiting, None);
                        push(lane, t, t, BarKind::Rejected, None);
                    }
                    Some((s, false)) => push(lane, s, t, BarKind::Rejected, label()),
                    None => {}
                }
            }
            (TraceKind::Superseded | TraceKind::ApprovalTimeout | TraceKind::GateTimeout, true) => {
                if let Some((s, true)) = open.remove(&(rel, lane)) {
                    push(lane, s, t, BarKind::Waiting, None);
                }
            }
            (TraceKind::RolledBack, true) => {
                if let Some((s, _)) = open.remove(&(rel, lane)) {
                    push(lane, s, t, BarKind::Rollback, label());
                } else {
                    let s = last_rollback_start.remove(&lane).unwrap_or(t);
                    push(lane, s, t, BarKind::Rollback, None);
                }
            }
            _ => {}
        }
    }
    // Still open at the window's end: draw up to it.
    let mut rest: Vec<_> = open.into_iter().collect();
    rest.sort_by_key(|((rel, lane), _)| (*lane, *rel));
    for ((rel, lane), (s, waiting)) in rest {
        if s <= b {
            let kind = if waiting {
                BarKind::Waiting
            } else {
                BarKind::Normal
            };
            let label = (!waiting).then(|| format!("v{rel}"));
            push(lane, s, b, kind, label);
        }
    }
    merge_bars(raw, (b - a) / 800.0)
}

/// Merges bars of the same lane and kind that overlap or nearly touch (gap
/// below `eps`, one pixel), dropping their labels. Rejections and rollbacks
/// stay single: each carries a marker, and the chart groups markers that would
/// overlap into one with a count, so none is lost.
pub(super) fn merge_bars(mut bars: Vec<GanttBar>, eps: f64) -> Vec<GanttBar> {
    bars.sort_by(|x, y| {
        (x.lane, x.kind as u8)
            .cmp(&(y.lane, y.kind as u8))
            .then(x.start_h.total_cmp(&y.start_h))
    });
    let mut out: Vec<GanttBar> = Vec::with_capacity(bars.len());
    for bar in bars {
        if let Some(last) = out.last_mut()
            && last.lane == bar.lane
            && last.kind == bar.kind
            && match bar.kind {
                BarKind::Normal | BarKind::Waiting => bar.start_h <= last.end_h + eps,
                BarKind::Rejected | BarKind::Rollback => false,
            }
        {
            if bar.end_h > last.end_h {
                last.end_h = bar.end_h;
            }
            last.label = None;
            continue;
        }
        out.push(bar);
    }
    out
}

/// Exposure over time of each escaped defect in a trace: (defect, [(t h, share)]).
pub fn exposures(trace: &[TraceRecord]) -> Vec<(u32, Vec<(f64, f64)>)> {
    let mut by: Vec<(u32, Vec<(f64, f64)>)> = Vec::new();
    for r in trace.iter().filter(|r| r.event == TraceKind::Exposure) {
        let (Some(d), Some(x)) = (r.defect, r.value) else {
            continue;
        };
        let t = r.time.hours();
        match by.iter_mut().find(|(k, _)| *k == d) {
            Some((_, v)) => v.push((t, x)),
            None => by.push((d, vec![(t, x)])),
        }
    }
    by
}

/// Exposed share integrated over the traffic served (share·hours at traffic
/// factor 1, as `blast_radius.share_hours`), until `end` hours; without a
/// traffic profile, share × hours.
pub fn integrated_exposure(
    points: &[(f64, f64)],
    end: f64,
    traffic: Option<&TrafficProfile>,
) -> f64 {
    segments(points, end)
        .map(|(t, next, x)| {
            let served = traffic.map_or(next - t, |f| f.integral(t * HOUR, next * HOUR) / HOUR);
            x * served
        })
        .sum()
}

/// Hours with some user exposed (x > 0), until `end` hours.
pub fn exposed_hours(points: &[(f64, f64)], end: f64) -> f64 {
    segments(points, end)
        .filter(|&(_, _, x)| x > 0.0)
        .map(|(t, next, _)| next - t)
        .sum()
}

/// (from, to, share) of each step of an exposure, the last one up to `end`.
fn segments(points: &[(f64, f64)], end: f64) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
    points.iter().enumerate().map(move |(i, &(t, x))| {
        let next = points.get(i + 1).map_or(end, |p| p.0);
        (t, next.max(t), x)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;

    fn rec(h: f64, event: TraceKind) -> TraceRecord {
        TraceRecord {
            time: SimTime(h * 3600.0),
            event,
            release: Some(3),
            stage: Some(0),
            value: None,
            defect: None,
        }
    }

    #[test]
    fn a_verification_job_waiting_for_an_agent_is_drawn_as_a_wait() {
        use TraceKind::*;
        let trace = [
            rec(1.0, Triggered),
            rec(1.0, JobQueued), // the deploy's job: already waiting
            rec(2.0, DeployStart),
            rec(3.0, JobQueued), // a verification step's job
            rec(5.0, JobStart),
            rec(6.0, Passed),
        ];
        let bars = gantt_bars(&trace, 0.0, 10.0, 2);
        let mut got: Vec<(f64, f64, bool)> = bars
            .iter()
            .map(|b| (b.start_h, b.end_h, b.kind == BarKind::Waiting))
            .collect();
        got.sort_by(|x, y| x.0.total_cmp(&y.0));
        assert_eq!(
            got,
            [
                (1.0, 2.0, true),
                (2.0, 3.0, false),
                (3.0, 5.0, true),
                (5.0, 6.0, false)
            ]
        );
    }
}
