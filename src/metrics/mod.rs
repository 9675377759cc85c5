//! What one replication measured, and how replications are summarised.
//!
//! The engine fills a [`ReplicationResult`] as it runs (no per-event records);
//! [`ReplicationResult::metrics`] flattens it into named scalars in a fixed
//! order, and [`summarise`] reduces those over replications, in replication
//! order, into means with 95 % confidence intervals (Student t, R − 1 d.f.).

use serde::Serialize;

mod catalogue;
pub mod dora;
mod reference;
mod stats;
mod unit;
mod where_keys;

pub use catalogue::{Better, Def, METRICS, Unit, Where, find, higher_is_better};
pub use reference::reference_markdown;
pub use stats::*;

/// A quantity whose time average matters: a queue length, busy agents.
/// Accumulates its integral from `from` (the end of the warm-up) onwards.
#[derive(Debug, Clone, Copy)]
pub struct TimeWeighted {
    from: f64,
    last: f64,
    value: f64,
    area: f64,
    max: f64,
}

impl TimeWeighted {
    pub fn new(from: f64) -> Self {
        TimeWeighted {
            from,
            last: from,
            value: 0.0,
            area: 0.0,
            max: 0.0,
        }
    }

    /// `last` starts at `from` and only moves past it, so the area runs from
    /// `last`; and no value is NaN, so plain comparisons give `f64::max`'s
    /// answer (without its NaN handling, on a path taken several times per
    /// commit). The maximum is of values held for a positive time after the
    /// warm-up: a release queued and taken at one instant (a free lock or
    /// agent) never waited, so it does not count.
    #[inline]
    pub fn add(&mut self, t: f64, delta: f64) {
        if t > self.last {
            self.area += self.value * (t - self.last);
            self.last = t;
            if self.value > self.max {
                self.max = self.value;
            }
        }
        self.value += delta;
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    /// (time-weighted mean, max) over `[from, until)`.
    pub fn finish(&self, until: f64) -> (f64, f64) {
        let area = self.area + self.value * (until - self.last.max(self.from)).max(0.0);
        let span = until - self.from;
        (
            if span > 0.0 { area / span } else { f64::NAN },
            // The last value counts when it held for a while before `until`.
            if until > self.last {
                self.max.max(self.value)
            } else {
                self.max
            },
        )
    }
}

/// Lead time for changes, in hours, over commits that arrived after the warm-up
/// and reached production before the horizon.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LeadTime {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p85: f64,
    pub p95: f64,
    pub p99: f64,
}

impl LeadTime {
    /// Exact order statistics (nearest rank) without a full sort.
    pub fn from_samples(v: Vec<f64>) -> LeadTime {
        if v.is_empty() {
            return LeadTime {
                count: 0,
                mean: f64::NAN,
                p50: f64::NAN,
                p85: f64::NAN,
                p95: f64::NAN,
                p99: f64::NAN,
            };
        }
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        // Selected as integers in `f64::total_cmp`'s order: the same values,
        // with a plain compare in the partitions instead of a float one.
        let mut v: Vec<i64> = v.into_iter().map(total_order_key).collect();
        // Ascending quantiles: each selection leaves the larger values after
        // its rank, so the next one searches only those.
        let mut from = 0;
        let mut q = |p: f64| {
            let k = rank(p, n).max(from);
            let x = *v[from..].select_nth_unstable(k - from).1;
            from = k;
            from_total_order_key(x)
        };
        let (p50, p85, p95, p99) = (q(0.50), q(0.85), q(0.95), q(0.99));
        LeadTime {
            count: n as u64,
            mean,
            p50,
            p85,
            p95,
            p99,
        }
    }
}

/// `x` as the integer `f64::total_cmp` orders it by: the integers compare as
/// the floats do in that order.
fn total_order_key(x: f64) -> i64 {
    flip_magnitude(x.to_bits() as i64)
}

/// The float whose [`total_order_key`] is `k`.
fn from_total_order_key(k: i64) -> f64 {
    f64::from_bits(flip_magnitude(k) as u64)
}

/// Flips every bit but the sign of a negative value; its own inverse, since
/// the sign it looks at is kept.
fn flip_magnitude(b: i64) -> i64 {
    b ^ (((b >> 63) as u64) >> 1) as i64
}

/// The index of the p-quantile among n sorted samples, by nearest rank: the
/// smallest value with at least a share p of the samples at or below it. Every
/// percentile promosim shows (summary, charts, bands) uses this one rule.
fn rank(p: f64, n: usize) -> usize {
    ((p * n as f64).ceil() as usize).clamp(1, n) - 1
}

/// The p-quantile of ascending `sorted` samples by nearest rank (see [`rank`]);
/// NaN when there are none.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[rank(p, sorted.len())]
}

/// Where a delivered commit's lead time went, as a mean per commit (hours).
/// The components sum to the mean lead time.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Breakdown {
    /// Commit → its delivering release's build was triggered (batching, and
    /// rework when an earlier release carrying it was rejected).
    pub before_build: f64,
    pub agent_wait: f64,
    pub build: f64,
    /// Per stage: waiting for the trigger, for checks, for the lock, executing.
    pub stages: Vec<StageBreakdown>,
}

/// What a commit was doing at a stage, between the time its upstream first
/// held it and the time the stage first ran it. Declared once: the metric keys
/// (`where.<stage>.<key>`), the table, the chart and the page all use this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StagePart {
    /// Waiting for a schedule or a person to take the release.
    Trigger,
    /// Waiting for checks: approvals and gates.
    Checks,
    /// Waiting for the deployment window to open (business hours, freezes).
    Window,
    /// Waiting for the stage's lock (a release not holding the commit deploying or verifying there).
    Lock,
    /// Holding the lock, a deploy or verification job waiting for one of the
    /// build's agents (a stage with `agent: true`; builds queue for them too).
    Agent,
    /// Waiting, in their working hours, for a person or team busy with other
    /// tasks (a manual test, a review); their reaction time is not in it.
    Person,
    /// Deploying, verifying and rolling out: machine time and people's working time.
    Executing,
    /// A person's task (a manual trigger, a manual test, a promotion) held
    /// open while that person is outside their working hours.
    OffHours,
    /// No release holding the commit was at the stage: earlier ones were
    /// rejected, failed or aborted here, and the next one was still on its way.
    Rework,
}

impl StagePart {
    pub const ALL: [StagePart; 9] = [
        StagePart::Trigger,
        StagePart::Checks,
        StagePart::Window,
        StagePart::Lock,
        StagePart::Agent,
        StagePart::Person,
        StagePart::Executing,
        StagePart::OffHours,
        StagePart::Rework,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The last segment of the metric key `where.<stage>.<key>`.
    pub fn key(self) -> &'static str {
        match self {
            StagePart::Trigger => "trigger",
            StagePart::Checks => "checks",
            StagePart::Window => "window",
            StagePart::Lock => "lock",
            StagePart::Agent => "agent",
            StagePart::Person => "person",
            StagePart::Executing => "executing",
            StagePart::OffHours => "off_hours",
            StagePart::Rework => "rework",
        }
    }

    /// Short label for tables and chart legends.
    pub fn label(self) -> &'static str {
        match self {
            StagePart::Trigger => "waiting for trigger",
            StagePart::Checks => "waiting for checks",
            StagePart::Window => "waiting for the window",
            StagePart::Lock => "waiting for the lock",
            StagePart::Agent => "waiting for an agent",
            StagePart::Person => "waiting for a person",
            StagePart::Executing => "deploying and verifying",
            StagePart::OffHours => "person off work",
            StagePart::Rework => "rework",
        }
    }
}

/// Hours per [`StagePart`], indexed by [`StagePart::index`].
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StageBreakdown {
    pub parts: [f64; StagePart::ALL.len()],
}

impl StageBreakdown {
    pub fn get(&self, p: StagePart) -> f64 {
        self.parts[p.index()]
    }

    pub fn total(&self) -> f64 {
        self.parts.iter().sum()
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildResult {
    /// Builds started (after the warm-up).
    pub builds: u64,
    pub builds_per_week: f64,
    /// Builds that failed every attempt (flaky failures beyond the retries).
    pub failed: u64,
    pub defects_caught: u64,
    /// Mean wait for an agent, hours, over builds queued after the warm-up.
    pub mean_agent_wait: f64,
    /// Builds entering the agent queue per hour (for Little's law).
    pub queue_arrival_rate: f64,
    pub queue_mean: f64,
    pub queue_max: f64,
    /// Busy agent time / (agents × time).
    pub utilisation: f64,
    pub agent_hours: f64,
}

/// One person or team's manual tasks over the counted window.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonResult {
    pub name: String,
    /// Tasks started after the warm-up, per week.
    pub tasks_per_week: f64,
    /// Effort of those tasks, people-hours per week.
    pub hours_per_week: f64,
    /// That effort / (members × their working hours).
    pub utilisation: f64,
    /// Time-weighted mean of tasks waiting for a free member.
    pub queue_mean: f64,
    /// Mean hours a task waited for a free member (ready → started).
    pub wait: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StageResult {
    pub name: String,
    /// Releases that passed the stage (deployed and verified), after the warm-up.
    pub deployments: u64,
    pub deployments_per_week: f64,
    /// Mean per release that passed, hours.
    pub trigger_wait: f64,
    pub check_wait: f64,
    pub lock_wait: f64,
    /// Holding the lock, waiting for an agent for its deploy or verification jobs.
    pub agent_wait: f64,
    pub executing: f64,
    /// Releases waiting for checks, the window, the lock or an agent.
    pub queue_mean: f64,
    pub queue_max: f64,
    pub defects_caught: u64,
    pub deploy_failures: u64,
    pub approval_rejections: u64,
    pub approval_timeouts: u64,
    pub gate_timeouts: u64,
    /// Releases dropped because a newer one overtook them.
    pub superseded: u64,
    /// Production: releases not shipped because they carry a known defect.
    pub known_defect_blocks: u64,
    /// Times a release got stuck for good: a person who never works again, a
    /// window that never opens again, an approval that can never come.
    pub stalls: u64,
    /// Why, the first time it happened.
    pub stall_reason: Option<Stall>,
}

/// Why a release got stuck for good at a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Stall {
    /// A manual trigger whose person never works again.
    TriggerPerson,
    /// Too few approvers ever work again.
    Approvers,
    /// The deployment window never opens again.
    Window,
    /// A manual verification step's tester never works again.
    Tester,
    /// A rollout's promoter never works again.
    Promoter,
}

impl Stall {
    /// The reason, as the warning says it.
    pub fn words(self) -> &'static str {
        match self {
            Stall::TriggerPerson => "the person who triggers it never works again",
            Stall::Approvers => {
                "an approval that can never come: too few approvers ever work again (the release times out)"
            }
            Stall::Window => {
                "its deployment window (business hours minus freezes) never opens again"
            }
            Stall::Tester => "a manual verification step's tester never works again",
            Stall::Promoter => "the person who promotes the rollout never works again",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DefectResult {
    /// Defects introduced by commits after the warm-up.
    pub introduced: u64,
    /// Caught anywhere (first catch), after the warm-up.
    pub caught: u64,
    /// Reached production, by severity (minor, major, critical).
    pub escaped: [u64; 3],
}

/// Every commit of the run is in exactly one of these at the horizon.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Conservation {
    pub arrived: u64,
    pub delivered: u64,
    /// Not delivered, and the newest release carrying them was rejected or failed.
    pub rejected: u64,
    /// Not delivered and still moving: not built yet, or in a release under way.
    pub in_flight: u64,
}

/// Escaped defects seen by users: exposure, detection, recovery.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IncidentResult {
    /// Defects that first reached some share of users after the warm-up.
    pub incidents: u64,
    pub by_severity: [u64; 3],
    /// Detected by monitoring or canary analysis before the horizon.
    pub detected: u64,
    pub detected_by_analysis: u64,
    /// Mean exposed share × hours per incident.
    pub share_hours: f64,
    /// Mean user-hours per incident (share-hours × users).
    pub user_hours: f64,
    /// Total user-hours of all incidents.
    pub user_hours_total: f64,
    /// Mean peak share per incident.
    pub peak_share: f64,
    /// Mean per incident of the most users exposed at once (share × traffic × users).
    pub peak_users: f64,
    /// Hours during which some user was exposed, mean per incident.
    pub exposed_h: f64,
    /// Hours users ran it before detection (first exposure → detection, gaps
    /// with no user exposed left out), mean over detected incidents.
    pub detection_delay_h: f64,
    /// Detection → the first time afterwards no user is exposed, mean hours
    /// (restored incidents).
    pub restore_h: f64,
    /// The detection delay plus detection → the first time afterwards no user
    /// is exposed, mean hours (restored incidents): DORA's "time to restore
    /// service", counted in hours users were exposed.
    pub restore_from_exposure_h: f64,
    /// Stable releases rolled back (switched back or redeployed) after a detection.
    pub rollbacks: u64,
    /// Rollouts aborted before they completed (canary analysis, a failed
    /// batch, a detection during the rollout).
    pub aborts: u64,
    /// Production rollouts started after the warm-up (per stage, retries included).
    pub rollouts: u64,
    /// Releases whose first production rollout began after the warm-up.
    pub deployments: u64,
    /// Of those, the ones that first shipped a defect that was then detected,
    /// or whose rollout failed a batch.
    pub failed_deployments: u64,
    /// Failed deployments / deployments.
    pub change_failure_rate: f64,
    /// Production environment-hours (both colours count while both run).
    pub environment_hours: f64,
}

/// Canary analysis as it behaves in practice: runs, false alarms, inconclusive pauses.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CanaryResult {
    /// Analysis runs opened after the warm-up (an Argo `analysis` step, or a
    /// Flagger rollout's whole analysis).
    pub runs: u64,
    pub runs_per_week: f64,
    /// Runs failed by a false alarm.
    pub false_alarms: u64,
    pub false_alarms_per_week: f64,
    /// False alarms / runs.
    pub false_alarm_share: f64,
    /// Rollouts paused on inconclusive analysis.
    pub inconclusive_pauses: u64,
    pub inconclusive_pauses_per_week: f64,
    /// Mean hours from a false alarm's abort to the retry, or to the stage's
    /// next rollout (false alarms followed by one before the horizon).
    pub false_alarm_cost_h: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplicationResult {
    pub replication: u64,
    pub lead_time: LeadTime,
    pub breakdown: Breakdown,
    pub build: BuildResult,
    pub stages: Vec<StageResult>,
    pub people: Vec<PersonResult>,
    pub production_deploys: u64,
    pub production_deploys_per_week: f64,
    pub commits_per_production_deploy: f64,
    pub defects: DefectResult,
    pub incidents: IncidentResult,
    pub canary: CanaryResult,
    pub conservation: Conservation,
    pub events: u64,
    /// Why the replication ended: the horizon, or before it.
    pub stop: StopReason,
}

/// Why a replication ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub enum StopReason {
    /// It ran to the horizon.
    #[default]
    Horizon,
    /// It reached `run.max_events`.
    EventBudget,
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// The clock stopped moving: this many events at one instant (a loop that
    /// makes no progress in time), with the kinds of the last of them.
    NoProgress {
        at_h: f64,
        events: Vec<(&'static str, u64)>,
    },
}

impl ReplicationResult {
    /// Ended before the horizon, for whatever reason.
    pub fn stopped_early(&self) -> bool {
        self.stop != StopReason::Horizon
    }
}

/// One named scalar of a replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub key: String,
    pub unit: &'static str,
    pub value: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_declared_with_its_unit() {
        let r = ReplicationResult {
            stages: vec![StageResult {
                name: "prod".into(),
                ..Default::default()
            }],
            breakdown: Breakdown {
                stages: vec![StageBreakdown::default()],
                ..Default::default()
            },
            ..Default::default()
        };
        for m in r.metrics() {
            assert!(
                find(&m.key).is_some_and(|d| d.unit.symbol() == m.unit),
                "{} has unit {:?}, not as declared",
                m.key,
                m.unit
            );
        }
    }

    #[test]
    fn quantiles_by_integer_key_are_those_of_a_sort() {
        // Ties, zeros of both signs, negatives and wide magnitudes.
        let mut x: u64 = 7;
        let v: Vec<f64> = (0..2_000)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                match i % 7 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => -((x >> 40) as f64),
                    3 => (x >> 60) as f64,
                    _ => f64::from_bits(x >> 2),
                }
            })
            .collect();
        for n in [1, 2, 3, 10, 99, 2_000] {
            let s = &v[..n];
            let mut sorted = s.to_vec();
            sorted.sort_by(f64::total_cmp);
            let l = LeadTime::from_samples(s.to_vec());
            for (got, p) in [(l.p50, 0.5), (l.p85, 0.85), (l.p95, 0.95), (l.p99, 0.99)] {
                assert_eq!(
                    got.to_bits(),
                    quantile(&sorted, p).to_bits(),
                    "n {n}, p {p}"
                );
            }
        }
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let l = LeadTime::from_samples((1..=100).map(f64::from).rev().collect());
        assert_eq!((l.p50, l.p85, l.p95, l.p99), (50.0, 85.0, 95.0, 99.0));
        assert_eq!(l.mean, 50.5);
    }

    #[test]
    fn time_weighted_mean_ignores_the_warm_up() {
        let mut q = TimeWeighted::new(10.0);
        q.add(0.0, 5.0); // 5 during warm-up: not counted
        q.add(12.0, -5.0); // 5 from 10 to 12
        q.add(15.0, 2.0); // 0 from 12 to 15, then 2 until 20
        let (mean, max) = q.finish(20.0);
        assert!((mean - (5.0 * 2.0 + 2.0 * 5.0) / 10.0).abs() < 1e-12);
        assert_eq!(max, 5.0);
    }

    #[test]
    fn the_maximum_counts_only_values_held_for_a_while() {
        let mut q = TimeWeighted::new(0.0);
        q.add(1.0, 1.0);
        q.add(1.0, -1.0); // queued and taken at once: never waited
        q.add(2.0, 3.0);
        q.add(2.0, -1.0); // 2 from t = 2 on
        q.add(4.0, 5.0);
        assert_eq!(
            q.finish(4.0).1,
            2.0,
            "7 at the horizon's instant held for no time"
        );
        assert_eq!(q.finish(5.0).1, 7.0);
        let mut idle = TimeWeighted::new(0.0);
        idle.add(3.0, 1.0);
        idle.add(3.0, -1.0);
        assert_eq!(idle.finish(10.0), (0.0, 0.0));
    }

    #[test]
    fn interval_uses_student_t() {
        let s = describe("x".into(), "", [1.0, 2.0, 3.0, 4.0].into_iter());
        assert!((s.mean - 2.5).abs() < 1e-12);
        // t(3, 0.975) = 3.182446
        assert!((s.ci95 - 3.182_446 * (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-5);
    }
}
