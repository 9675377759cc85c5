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

use crate::engine::Replication;
use crate::experiment::Summary;
use crate::model::Model;
use crate::report::charts::Chart;

mod distribution;
mod queues;
mod risk;
mod sweep;
mod timeline;

pub use distribution::*;
pub use queues::*;
pub use risk::*;
pub use sweep::*;
pub use timeline::*;

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
pub struct Charted<'a> {
    /// Name shown in legends and under bars.
    pub label: &'a str,
    pub model: &'a Model,
    pub summary: &'a Summary,
    /// Traced replications 0, 1, …, K−1 (may be empty: the charts drawn from a
    /// trace are then left out or empty).
    pub traces: &'a [Replication],
}

pub use crate::experiment::charted::{QUEUE_BAND_REPLICATIONS, TIMELINE_DAYS, timeline_window};
/// Incidents shown in the incident chart.
pub const WORST_INCIDENTS: usize = 5;

fn mean(s: &Summary, key: &str) -> f64 {
    s.get(key).map_or(f64::NAN, |m| m.mean)
}

fn ci(s: &Summary, key: &str) -> f64 {
    s.get(key).map_or(f64::NAN, |m| m.ci95)
}

/// The charts of one `run`: `scenario.traces` should hold replications
/// 0..K (K = [`QUEUE_BAND_REPLICATIONS`] or fewer); with no trace only the
/// charts drawn from `summary.json` are returned.
pub fn run_figures(scenario: &Charted) -> Vec<Figure> {
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
         deployment windows); its lock (a release without the commit deploying). Executing \
         is building, deploying and verifying it, in the furthest-along release holding it; \
         before the build is batching and rework. The bars add up to the mean lead time.",
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
            "Releases waiting in each stage (for checks, the window, the lock or an agent), and \
             builds waiting for an agent; grey stretches are change freezes.",
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
             built, deployed and tested; × marks a rejection, ▼ a rollback; a number \
             beside a mark counts marks too close together to draw apart.",
        ));
        out.push(fig(
            "incidents",
            incidents(m, s, rep),
            "Each bar is one incident's blast radius: the share of users running the defect \
             times the traffic served (hours at the scenario's traffic factors), from its first \
             exposure until rollback or fix, as blast_radius.share_hours counts it. The name gives \
             the largest share of users it reached and the hours some user ran it (pauses \
             left out).",
        ));
    }
    out
}

/// The charts of a comparison (or a sweep): lead-time CDFs, where the time
/// goes, production deploys, commits per deploy, and the trade-off scatter.
pub fn compare_figures(scenarios: &[Charted]) -> Vec<Figure> {
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
    use crate::report::charts::{BarKind, GanttBar};

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
        assert!((integrated_exposure(&p, 100.0, None) - (0.1 + 1.0)).abs() < 1e-12);
        assert!((integrated_exposure(&[(1.0, 0.5)], 3.0, None) - 1.0).abs() < 1e-12);
        assert!((exposed_hours(&p, 100.0) - 3.0).abs() < 1e-12);
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
        // The normal bars join; the rejections stay single (the chart groups
        // their markers with a count instead).
        assert_eq!(merged.len(), 4);
        assert_eq!((merged[0].start_h, merged[0].end_h), (0.0, 2.0));
        assert_eq!(merged[0].label, None);
        let rejected = merged.iter().filter(|b| b.kind == BarKind::Rejected);
        assert_eq!(rejected.count(), 2);
    }
}
