//! The compiled model: a checked scenario turned into plain numbers on the
//! simulation clock. Immutable, shared by every replication; calendars and cron
//! schedules are resolved here once, never inside the event loop.

mod compile;

pub use compile::compile;

use crate::calendar::{Clock, IntervalSet};
use crate::dist::Dist;
use crate::stream::Severity;
use crate::time::{HOUR, SimDuration, SimTime};

/// Index of a stage in [`Model::stages`].
pub type StageId = usize;
/// Index of a person or team in [`Model::people`].
pub type PersonId = usize;

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub clock: Clock,
    pub horizon: SimTime,
    pub warm_up: SimTime,
    pub seed: u64,
    pub replications: u32,
    pub arrivals: Arrivals,
    pub defects: DefectModel,
    pub build: BuildModel,
    pub stages: Vec<StageModel>,
    pub people: Vec<PersonModel>,
    /// Stages whose passing means "running in production" (all must pass a commit).
    pub production: Vec<StageId>,
    /// Expected commits per replication, for the runaway guard and reports.
    pub expected_commits: f64,
    pub incidents: IncidentModel,
    /// Runaway guard: a replication stops after this many events and is flagged.
    pub max_events: u64,
}

/// How production notices and undoes escaped defects.
#[derive(Debug, Clone)]
pub struct IncidentModel {
    pub users: f64,
    /// Monitoring hazard per second at 100 % exposure, per severity.
    pub monitoring: [f64; 3],
    /// Redeploying the previous release.
    pub rollback: Dist,
    /// (seconds since first production deployment, share of traffic) — empty: no flag.
    pub flag_ramp: Vec<(f64, f64)>,
}

impl IncidentModel {
    /// The flag's share `age` seconds after the code's first production deployment.
    pub fn flag_share(&self, age: f64) -> f64 {
        if self.flag_ramp.is_empty() {
            return 1.0;
        }
        self.flag_ramp
            .iter()
            .rev()
            .find(|(after, _)| age >= *after)
            .map_or(0.0, |(_, share)| *share)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyKind {
    AllAtOnce,
    Rolling,
    BlueGreen,
    Canary,
}

/// One step of a production rollout.
#[derive(Debug, Clone)]
pub enum RolloutStep {
    /// Share of the stage's traffic on the new release, 0–1.
    Weight(f64),
    Wait(Dist),
    /// A batch of a rolling update: takes this long, may fail.
    Batch {
        duration: Dist,
        failure: f64,
    },
    /// Wait for a person to promote.
    Promote(PersonId),
    /// `count` measurements `interval` seconds apart; more than `failure_limit` failed aborts.
    Analysis {
        interval: f64,
        count: u32,
        failure_limit: u32,
    },
}

/// A production stage's rollout strategy, compiled.
#[derive(Debug, Clone)]
pub struct Strategy {
    pub kind: StrategyKind,
    pub steps: Vec<RolloutStep>,
    /// Aborting a rollout in progress (canary abort, rolling roll-back).
    pub abort: Dist,
    /// Blue-green: the old colour runs on this long after the switch.
    pub scale_down_delay: f64,
    /// Blue-green: moving traffic between colours.
    pub switch: f64,
    /// Flagger's threshold: failed measurements over the whole rollout that abort it.
    pub failure_budget: Option<u32>,
    /// Canary analysis hazard per second at 100 % weight, per severity.
    pub analysis: [f64; 3],
}

/// Where commits come from.
#[derive(Debug, Clone)]
pub enum Arrivals {
    /// Non-homogeneous Poisson, piecewise constant per simulated hour.
    Poisson(RateProfile),
    /// A recorded history, copied `volume` times (see [`crate::stream`]).
    Replay {
        commits: Vec<(SimTime, Option<Severity>)>,
        volume: f64,
    },
}

/// Expected commits accumulated at each hour boundary since the start: the
/// inverse of this function turns a unit-rate Poisson process into arrivals.
#[derive(Debug, Clone)]
pub struct RateProfile {
    /// `cum[h]` = expected pushes in `[0, h hours)`; one entry past the horizon.
    pub cum: Vec<f64>,
    /// Mean commits per push (1 + Poisson(push_size − 1)): bursts of commits
    /// that arrive together and trigger one build.
    pub push_size: f64,
}

#[derive(Debug, Clone)]
pub struct DefectModel {
    pub probability: f64,
    /// Cumulative severity weights (minor, major, critical), last = 1.
    pub severity_cdf: [f64; 3],
    pub fix_time: Dist,
}

#[derive(Debug, Clone)]
pub struct BuildModel {
    pub batch: Batch,
    pub agents: u32,
    pub duration: Dist,
    pub flaky_failure: f64,
    pub retries: u32,
    pub detect: Detection,
}

#[derive(Debug, Clone)]
pub struct PersonModel {
    pub name: String,
    pub hours: IntervalSet,
    pub reaction: Dist,
}

#[derive(Debug, Clone)]
pub enum Trigger {
    Auto,
    /// Precomputed fire times within the horizon.
    Schedule {
        cron: String,
        fires: Vec<SimTime>,
    },
    Manual {
        person: PersonId,
        reaction: Dist,
    },
}

#[derive(Debug, Clone)]
pub struct Approval {
    pub approvers: Vec<PersonId>,
    pub min: u32,
    /// `None`: each approver's own reaction time.
    pub response: Option<Dist>,
    pub rejection: f64,
    pub timeout: SimDuration,
}

#[derive(Debug, Clone)]
pub struct Gates {
    pub delay: SimDuration,
    /// The shortest interval of the stage's gates: all are evaluated together.
    pub interval: SimDuration,
    /// The earliest timeout of the stage's gates.
    pub timeout: SimDuration,
    pub no_open_defects: bool,
    /// Product of the pass probabilities of the probabilistic gates.
    pub pass_probability: f64,
}

#[derive(Debug, Clone)]
pub struct VerifyStep {
    pub name: String,
    pub duration: Dist,
    pub by: Option<PersonId>,
    pub detect: Detection,
}

/// A named change freeze: no deployment starts in `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Freeze {
    pub name: String,
    pub from: SimTime,
    pub to: SimTime,
}

#[derive(Debug, Clone)]
pub struct StageModel {
    pub name: String,
    pub title: String,
    /// Upstream stages; empty = fed by the build.
    pub deps: Vec<StageId>,
    /// Stages that list this one among their deps.
    pub downstream: Vec<StageId>,
    pub trigger: Trigger,
    pub approval: Option<Approval>,
    pub gates: Option<Gates>,
    /// When deployments may start (business hours minus freezes); `None` = always.
    pub window: Option<IntervalSet>,
    /// The stage's change freezes, as written (already taken out of `window`):
    /// for charts that mark them.
    pub freezes: Vec<Freeze>,
    pub lock: LockPolicy,
    pub deploy_duration: Dist,
    pub deploy_failure: f64,
    pub deploy_retries: u32,
    pub verify: Vec<VerifyStep>,
    pub production: bool,
    /// How users move to a new release (production stages).
    pub strategy: Strategy,
}

impl RateProfile {
    /// Expected commits in `[0, t)`.
    pub fn expected_until(&self, t: SimTime) -> f64 {
        let h = t.0 / HOUR;
        let i = (h.floor() as usize).min(self.cum.len().saturating_sub(2));
        let frac = (h - i as f64).clamp(0.0, 1.0);
        self.cum[i] + frac * (self.cum[i + 1] - self.cum[i])
    }
}

/// How pushes become builds (Azure Pipelines' `batch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// One build per push.
    None,
    /// Pushes that arrive while a build is queued or running wait and start one build together.
    Build,
    /// As Azure does: the whole multi-stage run of the previous batch must finish first.
    Run,
}

/// Who gets a stage's exclusive lock next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockPolicy {
    /// Only the newest waiting release keeps waiting; older waiting ones are cancelled.
    RunLatest,
    /// Waiting releases deploy one after another in order.
    Sequential,
}

/// Detection probability per severity.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Detection(pub [f64; 3]);

impl Detection {
    pub fn of(&self, s: Severity) -> f64 {
        self.0[s.index()]
    }
}
