//! The validated scenario (ripgrep's `HiArgs`): what `validate` makes of
//! a [`super::ScenarioFile`]. Choices that exclude each other in the file
//! (`poisson` or `replay`, `per_day` or `team`, `csv` or `git_log`, `batches` or
//! `max_parallel`, Argo steps or Flagger weights) are enums here, names are
//! resolved to indices, and defaults are filled in, so the model compiles from
//! it without a fallback: an invalid combination cannot be written down.

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use super::file::{Batch, CalendarSpec, CheckSpec, FlagStep, SeverityRates, SeverityWeights};
use super::stage::{DeploySpec, FreezeSpec, GateSpec, LockPolicy, OnNewer};
use super::values::{
    CivilDateTime, CronString, Detection, Positive, PositiveDuration, Probability, Zone,
};
use crate::dist::DistSpec;
use crate::time::Duration;

/// Index of a person or team in [`Validated::people`] (names in sorted order).
pub type PersonIndex = usize;

/// Everything a scenario file says, checked.
#[derive(Debug, Clone)]
pub struct Validated {
    pub description: String,
    pub run: Run,
    pub calendars: BTreeMap<String, CalendarSpec>,
    pub people: Vec<Person>,
    pub commits: Commits,
    pub build: Build,
    pub stages: Vec<Stage>,
    pub incidents: Incidents,
    /// Regression checks against a baseline (`promosim check`; see `docs/ci.md`).
    pub check: Option<CheckSpec>,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub start: CivilDateTime,
    pub time_zone: Zone,
    /// Longer than `warm_up`, at most 100 years.
    pub horizon: PositiveDuration,
    /// Where `run.horizon` is written (line, column), for the budget refusals.
    pub horizon_at: Option<(u64, u64)>,
    pub warm_up: Duration,
    pub seed: u64,
    pub replications: NonZeroU32,
    pub max_commits: u64,
    pub max_events: u64,
    pub max_precomputed: u64,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    /// A calendar defined under `calendars`; `None`: around the clock.
    pub calendar: Option<String>,
    pub reaction: DistSpec,
    /// Manual tasks worked on at once.
    pub members: u32,
    pub queue: super::file::QueueOrder,
}

#[derive(Debug, Clone)]
pub struct Commits {
    pub stream: Stream,
    /// Scales the volume ("the same history at 3× the volume").
    pub volume: Positive,
    pub defects: Defects,
}

/// Where commits come from: exactly one of `poisson` and `replay`.
#[derive(Debug, Clone)]
pub enum Stream {
    Poisson(Poisson),
    Replay(Replay),
}

#[derive(Debug, Clone)]
pub struct Poisson {
    pub rate: Rate,
    /// 24 non-negative weights, hour 0 first, not all zero (default flat).
    pub hours: Vec<f64>,
    /// 7 non-negative weights, Monday first, not all zero (default all 1).
    pub weekdays: Vec<f64>,
    /// Mean commits per push, at least 1.
    pub push_size: f64,
}

/// A synthetic stream's mean commits per day: exactly one of `per_day` and `team`.
#[derive(Debug, Clone, Copy)]
pub enum Rate {
    PerDay(Positive),
    Team {
        developers: NonZeroU32,
        commits_per_developer_per_day: Positive,
    },
}

impl Rate {
    /// Mean commits on a day of weekday weight 1.
    pub fn commits_per_day(self) -> f64 {
        match self {
            Rate::PerDay(r) => r.get(),
            Rate::Team {
                developers,
                commits_per_developer_per_day,
            } => developers.get() as f64 * commits_per_developer_per_day.get(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Replay {
    pub history: History,
    /// Shift the history by whole weeks so it begins in the run's first week.
    pub align_to_start: bool,
}

/// A recorded history: exactly one of `csv` and `git_log`, relative to the scenario file.
#[derive(Debug, Clone)]
pub enum History {
    Csv {
        path: String,
        timestamp_column: String,
        defect_column: Option<String>,
    },
    GitLog {
        path: String,
    },
}

#[derive(Debug, Clone)]
pub struct Defects {
    pub probability: Probability,
    /// Non-negative, not all zero.
    pub severity: SeverityWeights,
    pub fix_time: DistSpec,
}

#[derive(Debug, Clone)]
pub struct Build {
    pub batch: Batch,
    pub agents: NonZeroU32,
    pub duration: DistSpec,
    pub flaky_failure: Probability,
    /// At most [`super::MAX_RETRIES`].
    pub retries: u32,
    pub detect: Detection,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    /// The display name (`title`, or the name).
    pub title: String,
    /// Upstream stage indices; empty: fed by the build.
    pub deps: Vec<usize>,
    /// Running here means delivered to users (written, or the default).
    pub production: bool,
    pub trigger: Trigger,
    pub approval: Option<Approval>,
    /// Each with an interval longer than zero.
    pub gates: Vec<GateSpec>,
    /// A calendar defined under `calendars`.
    pub business_hours: Option<String>,
    /// Each ends after it starts.
    pub freeze: Vec<FreezeSpec>,
    /// Seconds a release must have run upstream first (0: no soak).
    pub soak: f64,
    pub lock: LockPolicy,
    pub deploy: DeploySpec,
    pub verify: Vec<Verify>,
    /// How users move to a new release; anything but all-at-once only on
    /// production stages.
    pub strategy: Strategy,
    /// Share of all users, production stages only; `Some` on every production
    /// stage (summing to 1) or on none (an equal split).
    pub share: Option<f64>,
}

#[derive(Debug, Clone)]
pub enum Trigger {
    Auto,
    Schedule(CronString),
    Manual {
        by: PersonIndex,
        /// Overrides the person's reaction time.
        reaction: Option<DistSpec>,
    },
}

#[derive(Debug, Clone)]
pub struct Approval {
    /// At least one.
    pub approvers: Vec<PersonIndex>,
    /// Between 1 and the number of approvers (default: all).
    pub min: NonZeroU32,
    pub response: Option<DistSpec>,
    pub effort: Option<DistSpec>,
    pub rejection: Probability,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Verify {
    pub name: String,
    pub duration: DistSpec,
    pub by: Option<PersonIndex>,
    pub detect: Detection,
    /// A machine step (never `by` a person) that runs on one of the build's agents.
    pub agent: bool,
}

#[derive(Debug, Clone)]
pub enum Strategy {
    AllAtOnce,
    Rolling(Rolling),
    BlueGreen(BlueGreen),
    Canary(Canary),
}

#[derive(Debug, Clone)]
pub struct Rolling {
    pub size: RollingSize,
    pub batch_duration: DistSpec,
    pub failure: Probability,
    pub on_newer: OnNewer,
}

/// Exactly one of `batches` and `max_parallel`, each giving at most
/// [`super::MAX_ROLLOUT_STEPS`] batches.
#[derive(Debug, Clone, Copy)]
pub enum RollingSize {
    Batches(NonZeroU32),
    /// The share of targets per batch, above zero.
    MaxParallel(Probability),
}

impl RollingSize {
    pub fn batches(self) -> u32 {
        match self {
            RollingSize::Batches(n) => n.get(),
            RollingSize::MaxParallel(p) => (1.0 / p.0).ceil() as u32,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BlueGreen {
    pub switch: Duration,
    /// Who promotes the idle colour; `None`: auto-promotion.
    pub promoted_by: Option<PersonIndex>,
    /// Auto-promotion's wait before the switch (zero with a promoter).
    pub auto_promotion_delay: Duration,
    pub scale_down_delay: Duration,
    pub on_newer: OnNewer,
    /// Measured after the switch, every user on the new colour.
    pub post_promotion_analysis: Option<AnalysisRun>,
    pub analysis_detect_per_hour: Option<SeverityRates>,
}

/// `count` measurements `interval` apart; more than `failure_limit` failed abort.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisRun {
    pub interval: PositiveDuration,
    pub count: NonZeroU32,
    pub failure_limit: u32,
    /// Before the first measurement's interval begins.
    pub initial_delay: Duration,
}

#[derive(Debug, Clone)]
pub struct Canary {
    pub plan: CanaryPlan,
    /// Analysis sensitivity per hour per severity at 100 % weight (default: 10× monitoring).
    pub analysis_detect_per_hour: Option<SeverityRates>,
    pub abort: Duration,
    pub false_alarm: Probability,
    pub retried_by: Option<PersonIndex>,
    pub inconclusive: Probability,
    pub inconclusive_limit: u32,
    /// Required when `inconclusive` is above zero.
    pub promoter: Option<PersonIndex>,
    pub on_newer: OnNewer,
    /// Argo steps only.
    pub background: Option<Background>,
}

/// A background analysis: from step `starting_step` (below the number of
/// steps) on, one measurement every `interval` until the rollout ends, or
/// after `count` of them; more than `failure_limit` failed over the rollout abort it.
#[derive(Debug, Clone, Copy)]
pub struct Background {
    pub interval: PositiveDuration,
    pub failure_limit: u32,
    pub starting_step: usize,
    pub count: Option<NonZeroU32>,
    /// Before the first measurement's interval begins.
    pub initial_delay: Duration,
    /// Above zero only with the canary's promoter.
    pub inconclusive: Probability,
    pub inconclusive_limit: u32,
}

/// Argo Rollouts steps or the Flagger shorthand, exactly one. Weights increase
/// and stay within 0–100 %.
#[derive(Debug, Clone)]
pub enum CanaryPlan {
    Steps(Vec<CanaryStep>),
    /// Each weight held for one `interval` with one check; `threshold` failed
    /// checks over the rollout abort it.
    Flagger {
        weights: Vec<f64>,
        interval: PositiveDuration,
        threshold: NonZeroU32,
    },
}

#[derive(Debug, Clone)]
pub enum CanaryStep {
    /// Percentage of traffic to the canary.
    SetWeight(f64),
    Pause(Duration),
    /// `pause: {}`: until the promoter promotes.
    Promote(PersonIndex),
    Analysis {
        interval: PositiveDuration,
        count: NonZeroU32,
        failure_limit: u32,
        initial_delay: Duration,
    },
}

#[derive(Debug, Clone)]
pub struct Incidents {
    /// Non-negative.
    pub users: f64,
    /// Non-negative, finite.
    pub detect_per_hour: SeverityRates,
    pub rollback: DistSpec,
    /// Feature flags (`flags`, or the older `flag_ramp` for all code).
    pub flags: Option<Flags>,
    /// `None`: flat, every hour at factor 1.
    pub traffic: Option<Traffic>,
}

#[derive(Debug, Clone)]
pub struct Flags {
    /// Share of the defects' changes that are behind a flag, 0–1.
    pub share: f64,
    /// Percentages within 0–100, times increasing, not empty.
    pub ramp: Vec<FlagStep>,
    pub kill_switch: Option<DistSpec>,
}

/// Traffic factors: not all 1 (a flat profile is `None`).
#[derive(Debug, Clone)]
pub struct Traffic {
    /// 24 non-negative finite factors, hour 0 first.
    pub hours: Vec<f64>,
    /// 7 non-negative finite factors, Monday first.
    pub weekdays: Vec<f64>,
    pub peaks: Vec<Peak>,
}

#[derive(Debug, Clone)]
pub struct Peak {
    pub name: String,
    /// Before `to`.
    pub from: CivilDateTime,
    pub to: CivilDateTime,
    /// Non-negative, finite.
    pub factor: f64,
}
