//! Results → chart specifications ([`Chart`] values): plain data in, plain data
//! out, no drawing and no files, so every number a chart shows can be checked
//! against `summary.json` in a test.
//!
//! Inputs: a scenario's [`Summary`] (means and intervals over replications) and
//! a few traced replications ([`experiment::trace`](crate::experiment::trace)),
//! from which the per-commit and over-time charts are drawn. Charts drawn from
//! one replication say so in their title.
//!
//! For `compare` and `sweep`: [`lead_time_cdf`], [`where_by_scenario`],
//! [`production_deploys`], [`commits_per_deploy`], [`tradeoff`] take several
//! scenarios (or grid points) and draw one series, bar or point per scenario;
//! [`compare_figures`] bundles them.

use crate::engine::{CommitRecord, Replication, TraceRecord};
use crate::experiment::Summary;
use crate::metrics::StagePart;
use crate::model::Model;
use crate::report::charts::{BarKind, CdfSeries, Chart, GanttBar, Series, TradeoffPoint, fmt_num};

/// A chart, the file stem it is saved under (`charts/<stem>.{png,svg}`) and a
/// caption for the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub stem: String,
    pub chart: Chart,
    pub caption: String,
}

/// One scenario (or sweep grid point) as the charts need it.
#[derive(Debug, Clone, Copy)]
pub struct Scenario<'a> {
    /// Name shown in legends and under bars.
    pub label: &'a str,
    pub model: &'a Model,
    pub summary: &'a Summary,
    /// Traced replications 0, 1, …, K−1 (may be empty: the charts drawn from a
    /// trace are then left out or empty).
    pub traces: &'a [Replication],
}

/// How many traced replications [`run_figures`] uses for the queue band.
pub const QUEUE_BAND_REPLICATIONS: usize = 8;
/// Days shown in the Gantt timeline and the queue detail, from the end of warm-up.
pub const TIMELINE_DAYS: f64 = 14.0;
/// Incidents shown in the incident chart.
pub const WORST_INCIDENTS: usize = 5;

fn mean(s: &Summary, key: &str) -> f64 {
    s.get(key).map_or(f64::NAN, |m| m.mean)
}

fn ci(s: &Summary, key: &str) -> f64 {
    s.get(key).map_or(f64::NAN, |m| m.ci95)
}

/// Lead times in hours of the commits that arrived after the warm-up and were
/// delivered before the horizon (the commits `lead_time.*` counts), sorted.
pub fn lead_time_samples(model: &Model, commits: &[CommitRecord]) -> Vec<f64> {
    let warm = model.warm_up.secs();
    let mut v: Vec<f64> = commits
        .iter()
        .filter(|c| c.arrived.secs() >= warm)
        .filter_map(|c| c.delivered.map(|d| (d.secs() - c.arrived.secs()) / 3600.0))
        .filter(|x| x.is_finite())
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Empirical CDF of lead time, one curve per scenario (from its replication 0),
/// p50 and p95 marked at the means over all replications from `summary.json`.
pub fn lead_time_cdf(scenarios: &[Scenario]) -> Chart {
    let series = scenarios
        .iter()
        .filter_map(|sc| {
            let rep = sc.traces.first()?;
            Some(CdfSeries {
                name: sc.label.to_string(),
                sorted_values_h: lead_time_samples(sc.model, &rep.commits),
                p50: mean(sc.summary, "lead_time.p50"),
                p95: mean(sc.summary, "lead_time.p95"),
            })
        })
        .collect();
    let reps = scenarios.first().map_or(0, |s| s.summary.replications);
    Chart::LeadTimeCdf {
        title: format!(
            "How long until a commit runs for every user? Curve: replication 0; \
             markers: mean p50 and p95 over {reps} replications"
        ),
        series,
    }
}

/// The ways a commit spends its lead time, as stacked components: an agent
/// wait, the stage parts ([`StagePart::ALL`], in order), and before the build.
pub const WHERE_COMPONENTS: [&str; 9] = [
    "waiting for an agent",
    "waiting for trigger",
    "waiting for checks",
    "waiting for the window",
    "waiting for the lock",
    "executing",
    "person off work",
    "rework",
    "before the build",
];

/// The component index of a stage part.
fn component(p: StagePart) -> usize {
    1 + p.index()
}

/// The `where.*` keys of one scenario as (category, component index, key):
/// categories are "before build", "build" and each stage. Every `where.*`
/// metric appears exactly once, so the components sum to `lead_time.mean`.
pub fn where_keys(summary: &Summary) -> Vec<(String, usize, String)> {
    let mut keys = vec![
        (
            "before build".to_string(),
            WHERE_COMPONENTS.len() - 1,
            "where.before_build".to_string(),
        ),
        ("build".to_string(), 0, "where.build.agent_wait".to_string()),
        (
            "build".to_string(),
            component(StagePart::Executing),
            "where.build.executing".to_string(),
        ),
    ];
    for s in &summary.stages {
        for p in StagePart::ALL {
            keys.push((s.clone(), component(p), format!("where.{s}.{}", p.key())));
        }
    }
    keys
}

/// Where the time goes in one scenario: one stacked bar per stage (and the
/// build), components from the `where.*` means of `summary.json`.
pub fn where_by_stage(summary: &Summary) -> Chart {
    let mut categories: Vec<String> = Vec::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    for (cat, k, key) in where_keys(summary) {
        if categories.last() != Some(&cat) {
            categories.push(cat);
            values.push(vec![0.0; WHERE_COMPONENTS.len()]);
        }
        if let Some(row) = values.last_mut() {
            row[k] += nan_to_zero(mean(summary, &key));
        }
    }
    Chart::StackedBars {
        title: format!(
            "Where does a commit's lead time go? Mean hours per delivered commit, \
             by stage (total {} h)",
            fmt_num(mean(summary, "lead_time.mean"))
        ),
        y_label: "hours per delivered commit (mean)".into(),
        categories,
        components: WHERE_COMPONENTS.iter().map(|s| s.to_string()).collect(),
        values,
    }
}

fn nan_to_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// The components of one scenario's lead time, summed over stages.
pub fn where_components(summary: &Summary) -> [f64; WHERE_COMPONENTS.len()] {
    let mut out = [0.0; WHERE_COMPONENTS.len()];
    for (_, k, key) in where_keys(summary) {
        out[k] += nan_to_zero(mean(summary, &key));
    }
    out
}

/// Where the time goes, one stacked bar per scenario.
pub fn where_by_scenario(scenarios: &[Scenario]) -> Chart {
    Chart::StackedBars {
        title: "Where does a commit's lead time go? Mean hours per delivered commit".into(),
        y_label: "hours per delivered commit (mean)".into(),
        categories: scenarios.iter().map(|s| s.label.to_string()).collect(),
        components: WHERE_COMPONENTS.iter().map(|s| s.to_string()).collect(),
        values: scenarios
            .iter()
            .map(|s| where_components(s.summary).to_vec())
            .collect(),
    }
}

/// ", ± 95 % interval" for a title, when there are intervals: one
/// replication has none (a whisker of 0 would claim a certainty it cannot give).
fn interval_note(replications: u64) -> &'static str {
    if replications >= 2 {
        ", ± 95 % interval"
    } else {
        " (one replication: no interval)"
    }
}

/// Whiskers, when there are intervals.
fn whiskers(replications: u64, errors: impl FnOnce() -> Vec<f64>) -> Option<Vec<f64>> {
    (replications >= 2).then(errors)
}

/// Deployments per week of each stage, with 95 % intervals.
pub fn deploys_by_stage(summary: &Summary) -> Chart {
    let key = |s: &String| format!("stage.{s}.deploys_per_week");
    let n = summary.replications as u64;
    Chart::Bars {
        title: format!(
            "How often does each stage deploy? Mean per week over {} replications{}",
            summary.replications,
            interval_note(n)
        ),
        y_label: "deployments per week".into(),
        categories: summary.stages.clone(),
        values: summary
            .stages
            .iter()
            .map(|s| mean(summary, &key(s)))
            .collect(),
        errors: whiskers(n, || {
            summary
                .stages
                .iter()
                .map(|s| ci(summary, &key(s)))
                .collect()
        }),
    }
}

/// Production deployments per week, one bar per scenario.
pub fn production_deploys(scenarios: &[Scenario]) -> Chart {
    let k = "production.deploys_per_week";
    let n = replications(scenarios);
    Chart::Bars {
        title: format!(
            "How often does production deploy? Mean per week{}",
            interval_note(n)
        ),
        y_label: "production deployments per week".into(),
        categories: scenarios.iter().map(|s| s.label.to_string()).collect(),
        values: scenarios.iter().map(|s| mean(s.summary, k)).collect(),
        errors: whiskers(n, || scenarios.iter().map(|s| ci(s.summary, k)).collect()),
    }
}

/// Commits per production deployment, one bar per scenario.
pub fn commits_per_deploy(scenarios: &[Scenario]) -> Chart {
    let k = "production.commits_per_deploy";
    let n = replications(scenarios);
    Chart::Bars {
        title: format!(
            "How many commits does a production deployment carry? Mean{}",
            interval_note(n)
        ),
        y_label: "commits per production deployment".into(),
        categories: scenarios.iter().map(|s| s.label.to_string()).collect(),
        values: scenarios.iter().map(|s| mean(s.summary, k)).collect(),
        errors: whiskers(n, || scenarios.iter().map(|s| ci(s.summary, k)).collect()),
    }
}

/// The fewest replications among the scenarios of a comparison.
fn replications(scenarios: &[Scenario]) -> u64 {
    scenarios
        .iter()
        .map(|s| s.summary.replications as u64)
        .min()
        .unwrap_or(0)
}

/// Bucket edges (inclusive upper bounds) of the batch-size histogram.
const BATCH_BUCKETS: [(f64, &str); 9] = [
    (1.0, "1"),
    (5.0, "2–5"),
    (20.0, "6–20"),
    (50.0, "21–50"),
    (100.0, "51–100"),
    (200.0, "101–200"),
    (500.0, "201–500"),
    (1000.0, "501–1000"),
    (f64::INFINITY, "> 1000"),
];

/// Commits per production deployment in one scenario: the share of deliveries
/// (replication 0, after the warm-up) by number of commits delivered.
pub fn batch_sizes(model: &Model, summary: &Summary, rep: &Replication) -> Chart {
    let warm = model.warm_up.secs();
    let sizes: Vec<f64> = rep
        .trace
        .iter()
        .filter(|r| r.event == "delivered" && r.time.secs() >= warm)
        .filter_map(|r| r.value)
        .collect();
    let mut counts = [0usize; BATCH_BUCKETS.len()];
    for &n in &sizes {
        if let Some(i) = BATCH_BUCKETS.iter().position(|(hi, _)| n <= *hi) {
            counts[i] += 1;
        }
    }
    // Trim empty buckets at both ends.
    let first = counts.iter().position(|&c| c > 0).unwrap_or(0);
    let last = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    let total = sizes.len().max(1) as f64;
    let (categories, values) = if sizes.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        (
            BATCH_BUCKETS[first..=last]
                .iter()
                .map(|(hi, l)| {
                    if *hi == 1.0 {
                        "1 commit".to_string()
                    } else {
                        format!("{l} commits")
                    }
                })
                .collect(),
            counts[first..=last]
                .iter()
                .map(|&c| c as f64 / total * 100.0)
                .collect(),
        )
    };
    let k = "production.commits_per_deploy";
    Chart::Bars {
        title: format!(
            "How many commits does a production deployment carry? Mean {}; \
             bars: the {} deployments of replication 0",
            crate::report::number::with_interval(
                mean(summary, k),
                ci(summary, k),
                summary.replications as u64
            ),
            sizes.len()
        ),
        y_label: "production deployments (%)".into(),
        categories,
        values,
        errors: None,
    }
}

/// Queue-length step functions of one replication, from its `queue` trace
/// events: index 0 is the build queue, index 1 + s stage s. Each is a list of
/// (time in hours, length from then on), starting at (0, 0).
pub fn queue_steps(model: &Model, trace: &[TraceRecord]) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![vec![(0.0, 0.0)]; 1 + model.stages.len()];
    for r in trace.iter().filter(|r| r.event == "queue") {
        let i = r.stage.map_or(0, |s| s + 1);
        if let (Some(q), Some(v)) = (out.get_mut(i), r.value) {
            let t = r.time.hours();
            match q.last_mut() {
                Some(last) if last.0 == t => last.1 = v,
                _ => q.push((t, v)),
            }
        }
    }
    out
}

/// Time-weighted mean of a step function over each period `[d·w, (d+1)·w)`
/// hours for `d` in `from..to` (the last step holds until the end).
fn period_means(steps: &[(f64, f64)], from: usize, to: usize, w: f64) -> Vec<f64> {
    let mut area = vec![0.0; to.saturating_sub(from)];
    let (lo, hi) = (from as f64 * w, to as f64 * w);
    for (i, &(t, v)) in steps.iter().enumerate() {
        if v == 0.0 {
            continue;
        }
        let end = steps.get(i + 1).map_or(hi, |s| s.0);
        let (mut a, b) = (t.max(lo), end.min(hi));
        while a < b {
            let d = (a / w).floor();
            let end = ((d + 1.0) * w).min(b);
            if let Some(x) = area.get_mut((d as usize).saturating_sub(from)) {
                *x += v * (end - a);
            }
            a = end;
        }
    }
    area.into_iter().map(|x| x / w).collect()
}

fn queue_names(model: &Model) -> Vec<String> {
    std::iter::once("build queue".to_string())
        .chain(model.stages.iter().map(|s| format!("{}: waiting", s.name)))
        .collect()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Queue length over the whole run: per week (from the start), the
/// time-weighted mean queue length, averaged over the traced replications,
/// with a p10–p90 band over them when there are at least three. Weeks that
/// overlap the warm-up or end after the horizon are left out.
pub fn queues_weekly(model: &Model, traces: &[Replication]) -> Chart {
    let w = 7.0 * 24.0;
    let from = (model.warm_up.hours() / w).ceil() as usize;
    let to = (model.horizon.hours() / w).floor() as usize;
    let per_rep: Vec<Vec<Vec<f64>>> = traces
        .iter()
        .map(|r| {
            queue_steps(model, &r.trace)
                .iter()
                .map(|s| period_means(s, from, to, w))
                .collect()
        })
        .collect();
    let names = queue_names(model);
    let series = names
        .into_iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let mut line = Vec::new();
            let mut band = Vec::new();
            for (k, d) in (from..to).enumerate() {
                let mut v: Vec<f64> = per_rep.iter().map(|r| r[i][k]).collect();
                if v.is_empty() {
                    continue;
                }
                v.sort_by(f64::total_cmp);
                let x = d as f64 + 1.0;
                line.push((x, v.iter().sum::<f64>() / v.len() as f64));
                band.push((x, percentile(&v, 0.1), percentile(&v, 0.9)));
            }
            // A queue that never held anything says nothing: leave it out.
            if line.iter().all(|p| p.1 == 0.0) && i > 0 {
                return None;
            }
            Some(Series {
                name,
                points: line,
                step: false,
                band: (traces.len() >= 3).then_some(band),
            })
        })
        .collect();
    let over = match traces.len() {
        1 => "replication 0".to_string(),
        n => format!("mean of replications 0–{}, band p10–p90", n - 1),
    };
    Chart::TimeSeries {
        title: format!("Where do releases queue, and when? Weekly mean queue length ({over})"),
        y_label: "releases waiting (weekly mean)".into(),
        x_label: "week of the run".into(),
        series,
    }
}

/// Days shown in the queue detail, from the end of warm-up.
pub const QUEUE_DETAIL_DAYS: f64 = 7.0;

/// Queue length, event by event, in the first [`QUEUE_DETAIL_DAYS`] after
/// the warm-up of one replication.
pub fn queues_detail(model: &Model, rep: &Replication) -> Chart {
    let (a, b) = timeline_window(model);
    let b = b.min(a + QUEUE_DETAIL_DAYS * 24.0);
    let series = queue_steps(model, &rep.trace)
        .into_iter()
        .zip(queue_names(model))
        .enumerate()
        .filter_map(|(i, (steps, name))| {
            let before = steps
                .iter()
                .take_while(|p| p.0 <= a)
                .last()
                .map_or(0.0, |p| p.1);
            let mut pts = vec![(a / 24.0, before)];
            pts.extend(
                steps
                    .iter()
                    .filter(|p| p.0 > a && p.0 < b)
                    .map(|p| (p.0 / 24.0, p.1)),
            );
            let last = pts.last().map_or(0.0, |p| p.1);
            pts.push((b / 24.0, last));
            if i > 0 && pts.iter().all(|p| p.1 == 0.0) {
                return None;
            }
            Some(Series {
                name,
                points: pts,
                step: true,
                band: None,
            })
        })
        .collect();
    Chart::TimeSeries {
        title: format!(
            "How long are the queues, moment by moment? Replication 0, days {}–{}",
            fmt_num((a / 24.0).floor()),
            fmt_num((b / 24.0).ceil())
        ),
        y_label: "releases waiting".into(),
        x_label: "day of the run".into(),
        series,
    }
}

/// The timeline window in hours: [`TIMELINE_DAYS`] from the end of warm-up
/// (or the last days of the run when it is shorter).
pub fn timeline_window(model: &Model) -> (f64, f64) {
    let end = model.horizon.hours();
    let a = model.warm_up.hours().min(end);
    let b = (a + TIMELINE_DAYS * 24.0).min(end);
    let a = (b - TIMELINE_DAYS * 24.0).max(0.0).min(a);
    (a, b)
}

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
            if r.event == "rollback_start"
                && let Some(s) = r.stage
            {
                last_rollback_start.insert(s + 1, t);
            }
            continue;
        };
        let label = || Some(format!("v{rel}"));
        match (r.event, r.stage.is_some()) {
            ("build_queued", false) | ("triggered", true) => {
                open.insert((rel, lane), (t, true));
            }
            ("build_start", false) | ("deploy_start", true) => {
                if let Some((s, true)) = open.get(&(rel, lane)).copied() {
                    push(lane, s, t, BarKind::Waiting, None);
                }
                open.insert((rel, lane), (t, false));
            }
            ("build_done", false) | ("passed", true) => {
                if let Some((s, false)) = open.remove(&(rel, lane)) {
                    push(lane, s, t, BarKind::Normal, label());
                }
            }
            ("build_failed" | "build_rejected", false)
            | ("rejected" | "deploy_failed" | "approval_rejected" | "blocked_known_defect", true) =>
            {
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
            ("superseded" | "approval_timeout" | "gate_timeout", true) => {
                if let Some((s, true)) = open.remove(&(rel, lane)) {
                    push(lane, s, t, BarKind::Waiting, None);
                }
            }
            ("rolled_back", true) => {
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
/// below `eps`, one pixel), dropping their labels. Rejections closer than
/// ten pixels are merged too, so their markers do not pile up; rollbacks
/// stay single.
fn merge_bars(mut bars: Vec<GanttBar>, eps: f64) -> Vec<GanttBar> {
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
                BarKind::Rejected => bar.start_h <= last.end_h + 10.0 * eps,
                BarKind::Rollback => false,
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
    for r in trace.iter().filter(|r| r.event == "exposure") {
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

/// Exposed share integrated over time (share·hours), until `end` hours.
pub fn integrated_exposure(points: &[(f64, f64)], end: f64) -> f64 {
    points
        .iter()
        .enumerate()
        .map(|(i, &(t, x))| {
            let next = points.get(i + 1).map_or(end, |p| p.0);
            x * (next - t).max(0.0)
        })
        .sum()
}

/// Exposed traffic share over time of the [`WORST_INCIDENTS`] incidents with
/// the largest integrated exposure in one replication (after the warm-up).
pub fn incidents(model: &Model, summary: &Summary, rep: &Replication) -> Chart {
    let end = model.horizon.hours();
    let warm = model.warm_up.hours();
    type Incident = (u32, Vec<(f64, f64)>, f64);
    let mut all: Vec<Incident> = exposures(&rep.trace)
        .into_iter()
        .filter(|(_, p)| p.first().is_some_and(|f| f.0 >= warm))
        .map(|(d, p)| {
            let area = integrated_exposure(&p, end);
            (d, p, area)
        })
        .filter(|(_, _, area)| *area > 0.0)
        .collect();
    let n = all.len();
    all.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)));
    all.truncate(WORST_INCIDENTS);
    let series = all
        .into_iter()
        .map(|(_, p, area)| {
            let t0 = p[0].0;
            let mut points: Vec<(f64, f64)> = p.iter().map(|&(t, x)| (t - t0, x * 100.0)).collect();
            match (p.last(), points.last().copied()) {
                (Some(&(_, x)), _) if x > 0.0 => points.push((end - t0, x * 100.0)),
                // Show the drop to zero with a little room after it.
                (_, Some(last)) => points.push((last.0 * 1.02 + 0.1, 0.0)),
                _ => {}
            }
            Series {
                name: format!(
                    "day {}: {} share·h",
                    fmt_num((t0 / 24.0).floor()),
                    fmt_num(area)
                ),
                points,
                step: true,
                band: None,
            }
        })
        .collect();
    Chart::TimeSeries {
        title: format!(
            "How many users did the worst incidents reach, for how long? The {} largest of {n} \
             in replication 0 (mean blast radius {} share·h per incident)",
            WORST_INCIDENTS.min(n),
            fmt_num(mean(summary, "blast_radius.share_hours"))
        ),
        y_label: "traffic exposed to the defect (%)".into(),
        x_label: "hours since the defect first reached users".into(),
        series,
    }
}

/// What the y axis of a [`tradeoff`] chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Risk {
    /// `blast_radius.share_hours`: exposed traffic share × hours per incident.
    BlastRadius,
    /// `production.change_failure_rate`, in percent.
    ChangeFailureRate,
}

impl Risk {
    /// Blast radius when any point has incidents, else change failure rate.
    pub fn auto(points: &[(String, &Summary)]) -> Risk {
        if points
            .iter()
            .any(|(_, s)| mean(s, "blast_radius.share_hours").is_finite())
        {
            Risk::BlastRadius
        } else {
            Risk::ChangeFailureRate
        }
    }
}

/// Trade-off scatter: lead time p50 (x) against a risk measure (y), one
/// labelled point per scenario or grid point, with 95 % interval whiskers.
pub fn tradeoff(points: &[(String, &Summary)], risk: Risk) -> Chart {
    let (key, scale, y_label, what) = match risk {
        Risk::BlastRadius => (
            "blast_radius.share_hours",
            1.0,
            "blast radius per incident (traffic share × hours)",
            "blast radius",
        ),
        Risk::ChangeFailureRate => (
            "production.change_failure_rate",
            100.0,
            "change failure rate (%)",
            "change failure rate",
        ),
    };
    let lt = "lead_time.p50";
    Chart::Tradeoff {
        title: format!(
            "Faster or safer? Median lead time against {what}; whiskers: 95 % intervals"
        ),
        x_label: "lead time p50 (hours)".into(),
        y_label: y_label.into(),
        points: points
            .iter()
            .map(|(label, s)| {
                let (x, xe) = (mean(s, lt), nan_to_zero(ci(s, lt)));
                let (y, ye) = (mean(s, key) * scale, nan_to_zero(ci(s, key)) * scale);
                TradeoffPoint {
                    label: label.clone(),
                    x,
                    x_lo: x - xe,
                    x_hi: x + xe,
                    y,
                    y_lo: y - ye,
                    y_hi: y + ye,
                }
            })
            .collect(),
    }
}

/// The charts of one `run`: `scenario.traces` should hold replications
/// 0..K (K = [`QUEUE_BAND_REPLICATIONS`] or fewer); with no trace only the
/// charts drawn from `summary.json` are returned.
pub fn run_figures(scenario: &Scenario) -> Vec<Figure> {
    let (m, s) = (scenario.model, scenario.summary);
    let mut out = Vec::new();
    let fig = |stem: &str, chart: Chart, caption: &str| Figure {
        stem: stem.into(),
        chart,
        caption: caption.into(),
    };
    if !scenario.traces.is_empty() {
        out.push(fig(
            "lead-time",
            lead_time_cdf(std::slice::from_ref(scenario)),
            "Share of commits (y) that run for every user within a given time (x). \
             The curve is one replication; the markers are the p50 and p95 averaged over all.",
        ));
    }
    out.push(fig(
        "where",
        where_by_stage(s),
        "Mean hours a delivered commit spends in each stage, by what it waits for: a build \
         agent; the stage's trigger (a schedule, a person); its checks (approvals, gates, \
         deployment windows); its lock (another release deploying). Executing is building, \
         deploying and verifying; before the build is batching and rework. The bars add up \
         to the mean lead time.",
    ));
    out.push(fig(
        "deploys",
        deploys_by_stage(s),
        "Deployments per week that passed each stage.",
    ));
    if let Some(rep) = scenario.traces.first() {
        out.push(fig(
            "commits-per-deploy",
            batch_sizes(m, s, rep),
            "How many commits each production deployment delivered (batch size).",
        ));
        out.push(fig(
            "queues",
            queues_weekly(m, scenario.traces),
            "Releases waiting for checks or the lock in each stage, and builds waiting for an agent.",
        ));
        out.push(fig(
            "queues-detail",
            queues_detail(m, rep),
            "The same queues moment by moment, in the first week after the warm-up.",
        ));
        out.push(fig(
            "timeline",
            timeline(m, rep),
            "Each bar is a release in a stage: thin while it waits, thick while it is \
             built, deployed and tested; × marks a rejection, ▼ a rollback.",
        ));
        out.push(fig(
            "incidents",
            incidents(m, s, rep),
            "Traffic share running a defect, from its first exposure until rollback or fix.",
        ));
    }
    out
}

/// The charts of a comparison (or a sweep): lead-time CDFs, where the time
/// goes, production deploys, commits per deploy, and the trade-off scatter.
pub fn compare_figures(scenarios: &[Scenario]) -> Vec<Figure> {
    let points: Vec<(String, &Summary)> = scenarios
        .iter()
        .map(|s| (s.label.to_string(), s.summary))
        .collect();
    let mut out = Vec::new();
    let fig = |stem: &str, chart: Chart, caption: &str| Figure {
        stem: stem.into(),
        chart,
        caption: caption.into(),
    };
    out.push(fig(
        "tradeoff",
        tradeoff(&points, Risk::auto(&points)),
        "Each point is a scenario: further left is faster, lower is safer.",
    ));
    if scenarios.iter().any(|s| !s.traces.is_empty()) {
        out.push(fig(
            "lead-time",
            lead_time_cdf(scenarios),
            "Share of commits (y) that run for every user within a given time (x).",
        ));
    }
    out.push(fig(
        "where",
        where_by_scenario(scenarios),
        "Mean hours a delivered commit spends waiting and executing; the bars add up to the mean lead time.",
    ));
    out.push(fig(
        "deploys",
        production_deploys(scenarios),
        "Production deployments per week.",
    ));
    out.push(fig(
        "commits-per-deploy",
        commits_per_deploy(scenarios),
        "Commits delivered per production deployment.",
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_means_integrate_steps() {
        // 0 until 12 h, 2 until 36 h, then 0.
        let steps = vec![(0.0, 0.0), (12.0, 2.0), (36.0, 0.0)];
        let d = period_means(&steps, 0, 3, 24.0);
        assert!((d[0] - 1.0).abs() < 1e-12, "{d:?}");
        assert!((d[1] - 1.0).abs() < 1e-12, "{d:?}");
        assert!(d[2].abs() < 1e-12, "{d:?}");
    }

    #[test]
    fn integrated_exposure_holds_until_end() {
        let p = [(10.0, 0.05), (12.0, 1.0), (13.0, 0.0)];
        assert!((integrated_exposure(&p, 100.0) - (0.1 + 1.0)).abs() < 1e-12);
        assert!((integrated_exposure(&[(1.0, 0.5)], 3.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn merging_joins_neighbours() {
        let bar = |s: f64, e: f64, kind| GanttBar {
            lane: 0,
            start_h: s,
            end_h: e,
            label: Some("v".into()),
            kind,
        };
        let merged = merge_bars(
            vec![
                bar(0.0, 1.0, BarKind::Normal),
                bar(1.0, 2.0, BarKind::Normal),
                bar(1.5, 1.7, BarKind::Rejected),
                bar(1.7, 1.9, BarKind::Rejected),
                bar(5.0, 6.0, BarKind::Normal),
            ],
            0.01,
        );
        assert_eq!(merged.len(), 3);
        assert_eq!((merged[0].start_h, merged[0].end_h), (0.0, 2.0));
        assert_eq!(merged[0].label, None);
    }
}
