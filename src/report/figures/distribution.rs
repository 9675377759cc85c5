//! Where lead time goes, deployments per stage and how commits batch into them.

use super::*;
use crate::engine::{CommitRecord, Replication, TraceKind};
use crate::experiment::Summary;
use crate::metrics::{StagePart, Where, quantile};
use crate::model::Model;
use crate::report::charts::{CdfSeries, Chart};
use crate::report::number::fmt_num;

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
/// with that replication's own p50 and p95 marked, so the markers sit on the
/// curve; the title gives the means over all replications beside them.
pub fn lead_time_cdf(scenarios: &[Charted]) -> Chart {
    let series = scenarios
        .iter()
        .filter_map(|sc| {
            let rep = sc.traces.first()?;
            let sorted_values_h = lead_time_samples(sc.model, &rep.commits);
            Some(CdfSeries {
                name: sc.label.to_string(),
                p50: quantile(&sorted_values_h, 0.50),
                p95: quantile(&sorted_values_h, 0.95),
                sorted_values_h,
            })
        })
        .collect();
    let reps = scenarios.first().map_or(0, |s| s.summary.replications);
    let title = match scenarios {
        [one] => format!(
            "How long until a commit runs for every user? Replication 0, its p50 and p95 \
             marked; over all {reps} replications the mean p50 is {} h and p95 {} h",
            fmt_num(mean(one.summary, "lead_time.p50")),
            fmt_num(mean(one.summary, "lead_time.p95"))
        ),
        _ => format!(
            "How long until a commit runs for every user? Replication 0 of each, its p50 \
             and p95 marked (the tables give the means over {reps} replications)"
        ),
    };
    Chart::LeadTimeCdf { title, series }
}

/// The ways a commit spends its lead time, as stacked components: waiting for
/// an agent (a build's or a stage job's), the other stage parts
/// ([`StagePart::ALL`], in order), and before the build.
pub const WHERE_COMPONENTS: [&str; 10] = [
    "waiting for an agent",
    "waiting for trigger",
    "waiting for checks",
    "waiting for the window",
    "waiting for the lock",
    "waiting for a person",
    "executing",
    "person off work",
    "rework",
    "before the build",
];

// Every stage part but the agent wait (shared with the build's), and before the build.
const _: () = assert!(WHERE_COMPONENTS.len() == StagePart::ALL.len() + 1);

/// The component index of a stage part: a stage job's agent wait is drawn
/// with the build's, as one "waiting for an agent".
pub(super) fn component(p: StagePart) -> usize {
    match p {
        StagePart::Agent => 0,
        _ if p.index() < StagePart::Agent.index() => 1 + p.index(),
        _ => p.index(),
    }
}

/// The `where.*` parts of one scenario as (category, component index, part):
/// categories are "before build", "build" and each stage. Every `where.*`
/// metric appears exactly once, so the components sum to `lead_time.mean`.
pub fn where_keys(summary: &Summary) -> Vec<(String, usize, Where<'_>)> {
    Where::all(summary.stages.iter().map(String::as_str))
        .into_iter()
        .map(|w| match w {
            Where::BeforeBuild => ("before build".to_string(), WHERE_COMPONENTS.len() - 1, w),
            Where::AgentWait => ("build".to_string(), 0, w),
            Where::Building => ("build".to_string(), component(StagePart::Executing), w),
            Where::Stage(s, p) => (s.to_string(), component(p), w),
        })
        .collect()
}

/// Where the time goes in one scenario: one stacked bar per stage (and the
/// build), components from the `where.*` means of `summary.json`.
pub fn where_by_stage(summary: &Summary) -> Chart {
    let mut categories: Vec<String> = Vec::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    for (cat, k, w) in where_keys(summary) {
        if categories.last() != Some(&cat) {
            categories.push(cat);
            values.push(vec![0.0; WHERE_COMPONENTS.len()]);
        }
        if let Some(row) = values.last_mut() {
            row[k] += nan_to_zero(mean(summary, &w.key()));
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

pub(super) fn nan_to_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// The components of one scenario's lead time, summed over stages.
pub fn where_components(summary: &Summary) -> [f64; WHERE_COMPONENTS.len()] {
    let mut out = [0.0; WHERE_COMPONENTS.len()];
    for (_, k, w) in where_keys(summary) {
        out[k] += nan_to_zero(mean(summary, &w.key()));
    }
    out
}

/// Where the time goes, one stacked bar per scenario.
pub fn where_by_scenario(scenarios: &[Charted]) -> Chart {
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
pub(super) fn interval_note(replications: u64) -> &'static str {
    if replications >= 2 {
        ", ± 95 % interval"
    } else {
        " (one replication: no interval)"
    }
}

/// Whiskers, when there are intervals.
pub(super) fn whiskers(replications: u64, errors: impl FnOnce() -> Vec<f64>) -> Option<Vec<f64>> {
    (replications >= 2).then(errors)
}

/// Deployments per week of each stage, with 95 % intervals.
pub fn deploys_by_stage(summary: &Summary) -> Chart {
    let key = |s: &String| format!("stage.{s}.deploys_per_week");
    let n = summary.replications as u64;
    // Dev may deploy a hundred times a week, production three: a cut axis
    // keeps the small bars readable.
    Chart::BarsCutAxis {
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
pub fn production_deploys(scenarios: &[Charted]) -> Chart {
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
pub fn commits_per_deploy(scenarios: &[Charted]) -> Chart {
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
pub(super) fn replications(scenarios: &[Charted]) -> u64 {
    scenarios
        .iter()
        .map(|s| s.summary.replications as u64)
        .min()
        .unwrap_or(0)
}

/// Bucket edges (inclusive upper bounds) of the batch-size histogram.
pub(super) const BATCH_BUCKETS: [(f64, &str); 9] = [
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
        .filter(|r| r.event == TraceKind::Delivered && r.time.secs() >= warm)
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
