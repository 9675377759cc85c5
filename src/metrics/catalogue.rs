//! Every metric promosim reports, declared once: its key, unit, the direction
//! that is better and what it measures. [`ReplicationResult::metrics`] emits
//! them in this order, `check` takes its directions from here, and the
//! reference `docs/metrics.md` is generated from it (`reference`).
//!
//! A key may hold placeholders: `{stage}` (one metric per stage, in pipeline
//! order) and `{severity}` (minor, major, critical). Consecutive per-stage
//! declarations form a block that is emitted stage by stage.

pub use super::unit::Unit;
pub use super::where_keys::Where;

use super::{Metric, PersonResult, ReplicationResult, StageBreakdown, StagePart, StageResult};
use crate::stream::Severity;

/// Which way a metric should move for the policy to be better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
    /// A count that describes the run rather than judges it (commits
    /// arrived, events). `check` treats an increase as the wrong way.
    Neither,
}

/// How a declaration reads its value from a replication's result.
#[derive(Clone, Copy)]
enum Value {
    Run(fn(&ReplicationResult) -> f64),
    Stage(fn(&StageResult, &StageBreakdown) -> f64),
    Severity(fn(&ReplicationResult, Severity) -> f64),
    Person(fn(&PersonResult) -> f64),
}

/// One declared metric.
#[derive(Clone, Copy)]
pub struct Def {
    /// The key, with `{stage}` or `{severity}` where one metric per stage or
    /// severity is reported.
    pub key: &'static str,
    pub unit: Unit,
    pub better: Better,
    /// What it measures, in one sentence for the reference.
    pub about: &'static str,
    value: Value,
}

impl std::fmt::Debug for Def {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Def").field("key", &self.key).finish()
    }
}

/// A declaration; the helpers below name which kind of value it reads.
const fn def(
    key: &'static str,
    unit: Unit,
    better: Better,
    about: &'static str,
    value: Value,
) -> Def {
    Def {
        key,
        unit,
        better,
        about,
        value,
    }
}

const fn run(
    k: &'static str,
    u: Unit,
    b: Better,
    a: &'static str,
    f: fn(&ReplicationResult) -> f64,
) -> Def {
    def(k, u, b, a, Value::Run(f))
}

const fn stage(
    k: &'static str,
    u: Unit,
    b: Better,
    a: &'static str,
    f: fn(&StageResult, &StageBreakdown) -> f64,
) -> Def {
    def(k, u, b, a, Value::Stage(f))
}

const fn severity(
    k: &'static str,
    u: Unit,
    b: Better,
    a: &'static str,
    f: fn(&ReplicationResult, Severity) -> f64,
) -> Def {
    def(k, u, b, a, Value::Severity(f))
}

const fn person(
    k: &'static str,
    u: Unit,
    b: Better,
    a: &'static str,
    f: fn(&PersonResult) -> f64,
) -> Def {
    def(k, u, b, a, Value::Person(f))
}

/// Every metric, in the order `summary.json`, `replications.csv` and the
/// tables list them.
pub static METRICS: &[Def] = &[
    run(
        "lead_time.mean",
        Unit::Hours,
        Better::Lower,
        "Mean lead time for changes: commit → running for every user, over commits that arrived after the warm-up and were delivered before the horizon.",
        |r| r.lead_time.mean,
    ),
    run(
        "lead_time.p50",
        Unit::Hours,
        Better::Lower,
        "Median lead time (nearest rank).",
        |r| r.lead_time.p50,
    ),
    run(
        "lead_time.p85",
        Unit::Hours,
        Better::Lower,
        "85th percentile of lead time (nearest rank).",
        |r| r.lead_time.p85,
    ),
    run(
        "lead_time.p95",
        Unit::Hours,
        Better::Lower,
        "95th percentile of lead time (nearest rank).",
        |r| r.lead_time.p95,
    ),
    run(
        "lead_time.p99",
        Unit::Hours,
        Better::Lower,
        "99th percentile of lead time (nearest rank).",
        |r| r.lead_time.p99,
    ),
    run(
        "lead_time.commits",
        Unit::Commits,
        Better::Higher,
        "Commits the lead-time figures are taken over.",
        |r| r.lead_time.count as f64,
    ),
    run(
        "where.before_build",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit from the commit to the trigger of the first successful build holding it (batching, failed or rejected builds).",
        |r| r.breakdown.before_build,
    ),
    run(
        "where.build.agent_wait",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit its successful build waited for an agent.",
        |r| r.breakdown.agent_wait,
    ),
    run(
        "where.build.executing",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit its successful build ran.",
        |r| r.breakdown.build,
    ),
    stage(
        "where.{stage}.trigger",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit the stage waited for its trigger: a schedule, or a person's reaction to a manual trigger in their working hours.",
        |_, b| b.get(StagePart::Trigger),
    ),
    stage(
        "where.{stage}.checks",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit the stage waited for approvals and gates.",
        |_, b| b.get(StagePart::Checks),
    ),
    stage(
        "where.{stage}.window",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit the stage waited for its deployment window (business hours, freezes).",
        |_, b| b.get(StagePart::Window),
    ),
    stage(
        "where.{stage}.lock",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit the stage waited for its lock (a release not holding the commit deploying or verifying there).",
        |_, b| b.get(StagePart::Lock),
    ),
    stage(
        "where.{stage}.agent",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit its release, holding the stage's lock, waited for one of the build's agents to deploy or verify (`agent: true`).",
        |_, b| b.get(StagePart::Agent),
    ),
    stage(
        "where.{stage}.person",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit its release waited at the stage, in their working hours, for a person or team busy with other tasks.",
        |_, b| b.get(StagePart::Person),
    ),
    stage(
        "where.{stage}.executing",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit of deploy, verification and rollout at the stage.",
        |_, b| b.get(StagePart::Executing),
    ),
    stage(
        "where.{stage}.off_hours",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit a person's task at the stage was held while that person was off work.",
        |_, b| b.get(StagePart::OffHours),
    ),
    stage(
        "where.{stage}.rework",
        Unit::Hours,
        Better::Lower,
        "Mean hours per delivered commit no release holding it was at the stage (earlier ones rejected, failed or aborted there; the next still on its way).",
        |_, b| b.get(StagePart::Rework),
    ),
    run(
        "production.deploys_per_week",
        Unit::PerWeek,
        Better::Higher,
        "Production deployments per week: releases that passed every production stage (regions, rings and tenants count once).",
        |r| r.production_deploys_per_week,
    ),
    run(
        "production.commits_per_deploy",
        Unit::Commits,
        Better::Neither,
        "Mean commits delivered per production deployment (batch size; a deployment is a release running in every production stage).",
        |r| r.commits_per_production_deploy,
    ),
    run(
        "build.builds_per_week",
        Unit::PerWeek,
        Better::Higher,
        "Builds started per week.",
        |r| r.build.builds_per_week,
    ),
    run(
        "build.failed",
        Unit::Builds,
        Better::Lower,
        "Builds that failed every attempt.",
        |r| r.build.failed as f64,
    ),
    run(
        "build.agent_wait",
        Unit::Hours,
        Better::Lower,
        "Mean hours a build waited for an agent.",
        |r| r.build.mean_agent_wait,
    ),
    run(
        "build.queue.mean",
        Unit::Builds,
        Better::Lower,
        "Time-weighted mean number of builds waiting for an agent.",
        |r| r.build.queue_mean,
    ),
    run(
        "build.queue.max",
        Unit::Builds,
        Better::Lower,
        "Most builds waiting for an agent at once.",
        |r| r.build.queue_max,
    ),
    run(
        "build.utilisation",
        Unit::Share,
        Better::Higher,
        "Busy agent time / (agents × time): builds, and the deploy and verification jobs of stages with `agent: true`.",
        |r| r.build.utilisation,
    ),
    run(
        "build.agent_hours",
        Unit::Hours,
        Better::Lower,
        "Agent hours spent building, and on the deploy and verification jobs of stages with `agent: true`.",
        |r| r.build.agent_hours,
    ),
    run(
        "build.defects_caught",
        Unit::Defects,
        Better::Higher,
        "Defects the build's tests caught first.",
        |r| r.build.defects_caught as f64,
    ),
    stage(
        "stage.{stage}.deploys_per_week",
        Unit::PerWeek,
        Better::Higher,
        "Releases per week that passed the stage (deployed and verified).",
        |s, _| s.deployments_per_week,
    ),
    stage(
        "stage.{stage}.trigger_wait",
        Unit::Hours,
        Better::Lower,
        "Mean hours per passed release from eligible to taken by the trigger.",
        |s, _| s.trigger_wait,
    ),
    stage(
        "stage.{stage}.check_wait",
        Unit::Hours,
        Better::Lower,
        "Mean hours per passed release waiting for approvals, gates and the window.",
        |s, _| s.check_wait,
    ),
    stage(
        "stage.{stage}.lock_wait",
        Unit::Hours,
        Better::Lower,
        "Mean hours per passed release waiting for the stage's lock.",
        |s, _| s.lock_wait,
    ),
    stage(
        "stage.{stage}.agent_wait",
        Unit::Hours,
        Better::Lower,
        "Mean hours per passed release, holding the stage's lock, waiting for one of the build's agents for its deploy and verification jobs (`agent: true`).",
        |s, _| s.agent_wait,
    ),
    stage(
        "stage.{stage}.executing",
        Unit::Hours,
        Better::Lower,
        "Mean hours per passed release deploying and verifying (its waits for an agent not included).",
        |s, _| s.executing,
    ),
    stage(
        "stage.{stage}.queue.mean",
        Unit::Releases,
        Better::Lower,
        "Time-weighted mean number of releases waiting for checks, the lock or (holding it, `agent: true`) an agent.",
        |s, _| s.queue_mean,
    ),
    stage(
        "stage.{stage}.queue.max",
        Unit::Releases,
        Better::Lower,
        "Most releases waiting for checks, the lock or an agent at once.",
        |s, _| s.queue_max,
    ),
    stage(
        "stage.{stage}.defects_caught",
        Unit::Defects,
        Better::Higher,
        "Defects the stage caught first.",
        |s, _| s.defects_caught as f64,
    ),
    stage(
        "stage.{stage}.superseded",
        Unit::Releases,
        Better::Lower,
        "Releases dropped because a newer one overtook them.",
        |s, _| s.superseded as f64,
    ),
    stage(
        "stage.{stage}.deploy_failures",
        Unit::Releases,
        Better::Lower,
        "Deployments that failed every attempt.",
        |s, _| s.deploy_failures as f64,
    ),
    stage(
        "stage.{stage}.approval_rejections",
        Unit::Releases,
        Better::Lower,
        "Releases an approver rejected.",
        |s, _| s.approval_rejections as f64,
    ),
    stage(
        "stage.{stage}.timeouts",
        Unit::Releases,
        Better::Lower,
        "Approvals and gates that timed out.",
        |s, _| (s.approval_timeouts + s.gate_timeouts) as f64,
    ),
    stage(
        "stage.{stage}.stalled",
        Unit::Releases,
        Better::Lower,
        "Releases stuck for good (a person who never works again, a window that never opens), over the whole run: a warning about the scenario.",
        |s, _| s.stalls as f64,
    ),
    run(
        "defects.introduced",
        Unit::Defects,
        Better::Lower,
        "Defects introduced by commits that arrived after the warm-up.",
        |r| r.defects.introduced as f64,
    ),
    run(
        "defects.caught",
        Unit::Defects,
        Better::Higher,
        "Defects caught by tests before production: the build's and the stages' verification (first catch). Production detections are `incidents.detected`.",
        |r| r.defects.caught as f64,
    ),
    run(
        "defects.escaped",
        Unit::Defects,
        Better::Lower,
        "Defects that reached production users.",
        |r| r.defects.escaped.iter().sum::<u64>() as f64,
    ),
    severity(
        "defects.escaped.{severity}",
        Unit::Defects,
        Better::Lower,
        "Escaped defects of that severity.",
        |r, s| r.defects.escaped[s.index()] as f64,
    ),
    run(
        "incidents.count",
        Unit::Incidents,
        Better::Lower,
        "Defects that first reached some share of users after the warm-up.",
        |r| r.incidents.incidents as f64,
    ),
    severity(
        "incidents.{severity}",
        Unit::Incidents,
        Better::Lower,
        "Incidents of that severity.",
        |r, s| r.incidents.by_severity[s.index()] as f64,
    ),
    run(
        "incidents.detected",
        Unit::Incidents,
        Better::Higher,
        "Incidents detected (monitoring or canary analysis) before the horizon.",
        |r| r.incidents.detected as f64,
    ),
    run(
        "incidents.detected_by_analysis",
        Unit::Incidents,
        Better::Higher,
        "Incidents detected by canary analysis.",
        |r| r.incidents.detected_by_analysis as f64,
    ),
    run(
        "blast_radius.share_hours",
        Unit::ShareHours,
        Better::Lower,
        "Mean exposed share × hours per incident, weighted by traffic (∫ x(t) f(t) dt).",
        |r| r.incidents.share_hours,
    ),
    run(
        "blast_radius.user_hours",
        Unit::UserHours,
        Better::Lower,
        "Mean user-hours per incident (share-hours × users).",
        |r| r.incidents.user_hours,
    ),
    run(
        "blast_radius.user_hours_total",
        Unit::UserHours,
        Better::Lower,
        "User-hours of all incidents together.",
        |r| r.incidents.user_hours_total,
    ),
    run(
        "blast_radius.peak_share",
        Unit::Share,
        Better::Lower,
        "Mean peak exposed share per incident (share of the users online then).",
        |r| r.incidents.peak_share,
    ),
    run(
        "blast_radius.peak_users",
        Unit::Users,
        Better::Lower,
        "Mean per incident of the most users exposed at once (share × traffic × users).",
        |r| r.incidents.peak_users,
    ),
    run(
        "blast_radius.exposed_hours",
        Unit::Hours,
        Better::Lower,
        "Mean hours per incident during which some user was exposed.",
        |r| r.incidents.exposed_h,
    ),
    run(
        "restore.detection_delay",
        Unit::Hours,
        Better::Lower,
        "Mean hours users ran the defect before it was detected: first exposure to detection, hours with no user exposed left out (detected incidents).",
        |r| r.incidents.detection_delay_h,
    ),
    run(
        "restore.from_detection",
        Unit::Hours,
        Better::Lower,
        "Mean hours from detection to the first time afterwards no user is exposed (restored incidents).",
        |r| r.incidents.restore_h,
    ),
    run(
        "restore.from_exposure",
        Unit::Hours,
        Better::Lower,
        "Mean of the detection delay plus the time from detection to that same restore: the hours users ran the defect until service was restored, DORA's time to restore service.",
        |r| r.incidents.restore_from_exposure_h,
    ),
    run(
        "production.rollbacks",
        Unit::Rollbacks,
        Better::Lower,
        "Running releases rolled back (switched back or redeployed) after a detection.",
        |r| r.incidents.rollbacks as f64,
    ),
    run(
        "production.aborts",
        Unit::Rollouts,
        Better::Lower,
        "Rollouts aborted before they completed.",
        |r| r.incidents.aborts as f64,
    ),
    run(
        "production.rollouts",
        Unit::Rollouts,
        Better::Neither,
        "Production rollouts started after the warm-up, per production stage (retries included).",
        |r| r.incidents.rollouts as f64,
    ),
    run(
        "production.change_failure_rate",
        Unit::Share,
        Better::Lower,
        "Failed production deployments / production deployments. A deployment is a release whose first production rollout (at any production stage) began after the warm-up; it failed when it first shipped a defect that was then detected (monitoring or canary analysis) or one of its rollouts failed a batch.",
        |r| r.incidents.change_failure_rate,
    ),
    run(
        "canary.runs",
        Unit::PerWeek,
        Better::Neither,
        "Analysis runs opened after the warm-up, per week: an Argo canary `analysis` step or background analysis, a blue-green post-promotion analysis, or a Flagger rollout's whole analysis.",
        |r| r.canary.runs_per_week,
    ),
    run(
        "canary.false_alarms",
        Unit::PerWeek,
        Better::Lower,
        "Analysis runs failed by a false alarm (no defect behind the failure), per week.",
        |r| r.canary.false_alarms_per_week,
    ),
    run(
        "canary.false_alarm_share",
        Unit::Share,
        Better::Lower,
        "False alarms / analysis runs.",
        |r| r.canary.false_alarm_share,
    ),
    run(
        "canary.inconclusive_pauses",
        Unit::PerWeek,
        Better::Lower,
        "Rollouts paused because a run had more inconclusive measurements than its limit, per week.",
        |r| r.canary.inconclusive_pauses_per_week,
    ),
    run(
        "canary.false_alarm_cost",
        Unit::Hours,
        Better::Lower,
        "Mean hours per false alarm from the abort to the retry, or without a retry to the stage's next rollout (false alarms followed by one before the horizon).",
        |r| r.canary.false_alarm_cost_h,
    ),
    run(
        "production.environment_hours",
        Unit::Hours,
        Better::Lower,
        "Production environment-hours (both blue-green colours count while both run).",
        |r| r.incidents.environment_hours,
    ),
    person(
        "people.{person}.tasks",
        Unit::PerWeek,
        Better::Neither,
        "Manual tasks (tests by the person, reviews with an effort) the person or team started after the warm-up, per week.",
        |p| p.tasks_per_week,
    ),
    person(
        "people.{person}.hours",
        Unit::HoursPerWeek,
        Better::Lower,
        "People-hours of effort in those tasks, per week.",
        |p| p.hours_per_week,
    ),
    person(
        "people.{person}.utilisation",
        Unit::Share,
        Better::Lower,
        "That effort / (members × the person's working hours over the counted window).",
        |p| p.utilisation,
    ),
    person(
        "people.{person}.queue",
        Unit::Tasks,
        Better::Lower,
        "Time-weighted mean of tasks waiting for a free member.",
        |p| p.queue_mean,
    ),
    person(
        "people.{person}.wait",
        Unit::Hours,
        Better::Lower,
        "Mean hours a task waited for a free member, from when the person took it up (after their reaction) to when work began.",
        |p| p.wait,
    ),
    run(
        "commits.arrived",
        Unit::Commits,
        Better::Neither,
        "Commits that arrived during the run.",
        |r| r.conservation.arrived as f64,
    ),
    run(
        "commits.delivered",
        Unit::Commits,
        Better::Higher,
        "Commits running for every user by the horizon.",
        |r| r.conservation.delivered as f64,
    ),
    run(
        "commits.rejected",
        Unit::Commits,
        Better::Lower,
        "Undelivered commits whose newest release failed or was rejected.",
        |r| r.conservation.rejected as f64,
    ),
    run(
        "commits.in_flight",
        Unit::Commits,
        Better::Neither,
        "Undelivered commits still on their way at the horizon.",
        |r| r.conservation.in_flight as f64,
    ),
    run(
        "events",
        Unit::Events,
        Better::Neither,
        "Simulation events processed (a deploy and its verification that the engine runs as one event count as the two they are).",
        |r| r.events as f64,
    ),
    run(
        "stopped_early",
        Unit::Flag,
        Better::Lower,
        "1 when the replication ended before the horizon (event budget, interrupt, no progress).",
        |r| f64::from(u8::from(r.stopped_early())),
    ),
];

impl ReplicationResult {
    /// All scalars in [`METRICS`] order; keys are stable names used by JSON,
    /// CSV, compare and check.
    pub fn metrics(&self) -> Vec<Metric> {
        let mut out = Vec::with_capacity(METRICS.len() + 24 * self.stages.len());
        let mut i = 0;
        while i < METRICS.len() {
            // A run of per-stage declarations is emitted stage by stage.
            let block = METRICS[i..]
                .iter()
                .take_while(|d| matches!(d.value, Value::Stage(_)))
                .count();
            if block > 0 {
                let defs = &METRICS[i..i + block];
                for (s, b) in self.stages.iter().zip(&self.breakdown.stages) {
                    for d in defs {
                        if let Value::Stage(f) = d.value {
                            out.push(d.metric(d.key.replace("{stage}", &s.name), f(s, b)));
                        }
                    }
                }
                i += block;
                continue;
            }
            // Likewise a run of per-person declarations, person by person.
            let block = METRICS[i..]
                .iter()
                .take_while(|d| matches!(d.value, Value::Person(_)))
                .count();
            if block > 0 {
                let defs = &METRICS[i..i + block];
                for p in &self.people {
                    for d in defs {
                        if let Value::Person(f) = d.value {
                            out.push(d.metric(d.key.replace("{person}", &p.name), f(p)));
                        }
                    }
                }
                i += block;
                continue;
            }
            let d = &METRICS[i];
            match d.value {
                Value::Run(f) => out.push(d.metric(d.key.to_string(), f(self))),
                Value::Severity(f) => {
                    for sev in Severity::ALL {
                        out.push(d.metric(d.key.replace("{severity}", sev.name()), f(self, sev)));
                    }
                }
                Value::Stage(_) | Value::Person(_) => unreachable!("handled as a block above"),
            }
            i += 1;
        }
        out
    }
}

impl Def {
    fn metric(&self, key: String, value: f64) -> Metric {
        Metric {
            key,
            unit: self.unit.symbol(),
            value,
        }
    }

    /// Whether the concrete `key` is an instance of this declaration.
    fn matches(&self, key: &str) -> bool {
        let Some((head, tail)) = self.key.split_once('{') else {
            return self.key == key;
        };
        let Some((name, tail)) = tail.split_once('}') else {
            return false;
        };
        let Some(middle) = key
            .strip_prefix(head)
            .and_then(|k| k.strip_suffix(tail))
            .filter(|m| !m.is_empty())
        else {
            return false;
        };
        match name {
            "severity" => Severity::ALL.iter().any(|s| s.name() == middle),
            _ => true,
        }
    }
}

/// The declaration of a concrete key (`stage.prod.lock_wait` →
/// `stage.{stage}.lock_wait`). Keys without placeholders are tried first, so a
/// stage called `build` does not shadow `where.build.agent_wait`.
pub fn find(key: &str) -> Option<&'static Def> {
    let plain = METRICS.iter().filter(|d| !d.key.contains('{'));
    let templated = METRICS.iter().filter(|d| d.key.contains('{'));
    plain.chain(templated).find(|d| d.matches(key))
}

/// Whether a larger value of the metric is better; unknown keys and neutral
/// counts are treated as lower-is-better.
pub fn higher_is_better(key: &str) -> bool {
    find(key).is_some_and(|d| d.better == Better::Higher)
}
