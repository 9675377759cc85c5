//! The compiled model: a checked scenario turned into plain numbers on the
//! simulation clock. Immutable, shared by every replication; calendars and cron
//! schedules are resolved here once, never inside the event loop.

mod compile;
mod traffic;

pub use compile::compile;
pub use traffic::TrafficProfile;

use crate::calendar::{Clock, IntervalSet};
use crate::dist::Dist;
/// The most stages a scenario may have (the scenario check refuses more).
pub use crate::scenario::MAX_STAGES;
use crate::stream::Severity;
use crate::time::{HOUR, SimDuration, SimTime};

/// Index of a stage in [`Model::stages`].
pub type StageId = usize;
/// Index of a person or team in [`Model::people`].
pub type PersonId = usize;

/// A model is made only by [`compile`], which checks it: its fields are
/// crate-private, so code outside the crate (tests, benches, users of the
/// library) reads it through the accessors below and cannot break its
/// invariants (stage order, production set, budgets).
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) clock: Clock,
    pub(crate) horizon: SimTime,
    pub(crate) warm_up: SimTime,
    pub(crate) seed: u64,
    pub(crate) replications: u32,
    pub(crate) arrivals: Arrivals,
    pub(crate) defects: DefectModel,
    pub(crate) build: BuildModel,
    pub(crate) stages: Vec<StageModel>,
    pub(crate) people: Vec<PersonModel>,
    /// Stages whose passing means "running in production" (all must pass a commit).
    /// Stages fed by the build (no upstream stage).
    pub(crate) first_stages: Vec<StageId>,
    pub(crate) production: Vec<StageId>,
    /// Each production stage's share of all users (aligned with
    /// `production`); `None`: an equal split.
    pub(crate) production_shares: Option<Vec<f64>>,
    /// Expected commits per replication, for the runaway guard and reports.
    pub(crate) expected_commits: f64,
    pub(crate) incidents: IncidentModel,
    /// Runaway guard: a replication stops after this many events and is flagged.
    pub(crate) max_events: u64,
}

/// Read access from outside the crate, and the two settings a command may
/// change after compiling (`--seed`, `--replications`).
impl Model {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn replications(&self) -> u32 {
        self.replications
    }
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }
    pub fn warm_up(&self) -> SimTime {
        self.warm_up
    }
    pub fn stages(&self) -> &[StageModel] {
        &self.stages
    }
    pub fn expected_commits(&self) -> f64 {
        self.expected_commits
    }
    /// The same model on another seed.
    pub fn with_seed(mut self, seed: u64) -> Model {
        self.seed = seed;
        self
    }
    /// The same model with another default replication count.
    pub fn with_replications(mut self, replications: u32) -> Model {
        self.replications = replications;
        self
    }
}

impl StageModel {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    /// Whether passing this stage means running in production.
    pub fn is_production(&self) -> bool {
        self.production
    }
    /// Its change freezes, as written.
    pub fn freezes(&self) -> &[Freeze] {
        &self.freezes
    }
}

/// How production notices and undoes escaped defects.
#[derive(Debug, Clone)]
pub struct IncidentModel {
    pub(crate) users: f64,
    /// Monitoring hazard per second at 100 % exposure, per severity.
    pub(crate) monitoring: [f64; 3],
    /// Redeploying the previous release.
    pub(crate) rollback: Dist,
    /// Feature flags; `None`: all code is exposed as deployed.
    pub(crate) flags: Option<FlagModel>,
    /// Users online over time as factors of `users`; `None`: flat at 1.
    pub(crate) traffic: Option<TrafficProfile>,
}

/// Feature flags: which changes ship dark and how their flags ramp up.
#[derive(Debug, Clone)]
pub struct FlagModel {
    /// Share of defects whose change is behind a flag.
    pub(crate) share: f64,
    /// (seconds since first production deployment, share of traffic), not empty.
    pub(crate) ramp: Vec<(f64, f64)>,
    /// Time to turn a detected defect's flag off; `None`: roll back instead.
    pub(crate) kill_switch: Option<Dist>,
}

impl FlagModel {
    /// The flag's share `age` seconds after the code's first production deployment.
    pub fn share_at(&self, age: f64) -> f64 {
        self.ramp
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
        /// Seconds before the first measurement's interval begins.
        delay: f64,
    },
}

impl RolloutStep {
    /// Canary analysis measurements the step takes.
    pub(crate) fn measurements(&self) -> u32 {
        match self {
            RolloutStep::Analysis { count, .. } => *count,
            _ => 0,
        }
    }
}

/// A production stage's rollout strategy, compiled.
#[derive(Debug, Clone)]
pub struct Strategy {
    pub(crate) kind: StrategyKind,
    pub(crate) steps: Vec<RolloutStep>,
    /// Aborting a rollout in progress (canary abort, rolling roll-back).
    pub(crate) abort: Dist,
    /// Blue-green: the old colour runs on this long after the switch.
    pub(crate) scale_down_delay: f64,
    /// Blue-green: moving traffic between colours.
    pub(crate) switch: f64,
    /// Blue-green: auto-promotion's wait before the switch (a `Wait` step).
    pub(crate) promotion_delay: f64,
    /// Flagger's threshold: failed measurements over the whole rollout that abort it.
    pub(crate) failure_budget: Option<u32>,
    /// Canary analysis hazard per second at 100 % weight, per severity.
    pub(crate) analysis: [f64; 3],
    /// Chance that an analysis run fails with no defect behind it.
    pub(crate) false_alarm: f64,
    /// Chance that one measurement is inconclusive.
    pub(crate) inconclusive: f64,
    /// Inconclusive measurements a run tolerates before it pauses.
    pub(crate) inconclusive_limit: u32,
    /// Who retries after an analysis abort that pinned no defect.
    pub(crate) retried_by: Option<PersonId>,
    /// Who resumes a rollout paused on inconclusive analysis.
    pub(crate) resumer: Option<PersonId>,
    /// Flagger: one analysis run spans every check of the rollout; Argo: one
    /// run per `analysis` step.
    pub(crate) whole_run: bool,
    pub(crate) on_newer: OnNewer,
    /// Argo's background analysis, measured beside the steps.
    pub(crate) background: Option<Background>,
}

/// A background analysis, compiled: from step `from_step` on, a measurement
/// every `interval` seconds until the rollout ends (or `count` of them);
/// more than `failure_limit` failed over the rollout abort it.
#[derive(Debug, Clone, Copy)]
pub struct Background {
    pub(crate) interval: f64,
    pub(crate) failure_limit: u32,
    pub(crate) from_step: usize,
    pub(crate) count: Option<u32>,
    /// Seconds before the first measurement's interval begins.
    pub(crate) delay: f64,
    /// Chance that a measurement is inconclusive, and how many a run tolerates.
    pub(crate) inconclusive: f64,
    pub(crate) inconclusive_limit: u32,
}

/// What a newer release reaching a production stage's lock does to the
/// rollout in progress there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnNewer {
    /// It waits at the lock; the lock policy decides which waiting ones stay.
    Queue,
    /// The rollout is aborted at once and the newer release takes the lock.
    RestartWithNewest,
    /// The rollout finishes; the newest waiting release goes next and every
    /// older waiting one is superseded.
    FinishThenNewest,
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
    pub(crate) cum: Vec<f64>,
    /// Mean commits per push (1 + Poisson(push_size − 1)): bursts of commits
    /// that arrive together and trigger one build.
    pub(crate) push_size: f64,
}

#[derive(Debug, Clone)]
pub struct DefectModel {
    pub(crate) probability: f64,
    /// Cumulative severity weights (minor, major, critical), last = 1.
    pub(crate) severity_cdf: [f64; 3],
    pub(crate) fix_time: Dist,
}

#[derive(Debug, Clone)]
pub struct BuildModel {
    pub(crate) batch: Batch,
    pub(crate) agents: u32,
    pub(crate) duration: Dist,
    pub(crate) flaky_failure: f64,
    pub(crate) retries: u32,
    pub(crate) detect: Detection,
}

#[derive(Debug, Clone)]
pub struct PersonModel {
    pub(crate) name: String,
    pub(crate) hours: IntervalSet,
    pub(crate) reaction: Dist,
    /// Manual tasks worked on at once (a person 1, a team its members).
    pub(crate) members: u32,
    /// Waiting tasks of releases that bring a fix go first.
    pub(crate) fixes_first: bool,
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
    pub(crate) approvers: Vec<PersonId>,
    pub(crate) min: u32,
    /// `None`: each approver's own reaction time.
    pub(crate) response: Option<Dist>,
    /// The review's work, a task for the approver; `None`: answering takes no time of theirs.
    pub(crate) effort: Option<Dist>,
    pub(crate) rejection: f64,
    pub(crate) timeout: SimDuration,
}

#[derive(Debug, Clone)]
pub struct Gates {
    pub(crate) delay: SimDuration,
    /// The shortest interval of the stage's gates: all are evaluated together.
    pub(crate) interval: SimDuration,
    /// The earliest timeout of the stage's gates.
    pub(crate) timeout: SimDuration,
    /// Healthy evaluations in a row that pass the gates: one, and one more
    /// per interval of the longest `minimum_success_duration` (rounded up).
    pub(crate) healthy_in_a_row: u32,
    pub(crate) no_open_defects: bool,
    /// Product of the pass probabilities of the probabilistic gates.
    pub(crate) pass_probability: f64,
}

#[derive(Debug, Clone)]
pub struct VerifyStep {
    pub(crate) name: String,
    pub(crate) duration: Dist,
    pub(crate) by: Option<PersonId>,
    pub(crate) detect: Detection,
    /// A job on one of the build's agents (never a person's step).
    pub(crate) agent: bool,
}

/// A named change freeze: no deployment starts in `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Freeze {
    pub(crate) name: String,
    pub(crate) from: SimTime,
    pub(crate) to: SimTime,
}

#[derive(Debug, Clone)]
pub struct StageModel {
    pub(crate) name: String,
    pub(crate) title: String,
    /// Upstream stages; empty = fed by the build.
    pub(crate) deps: Vec<StageId>,
    /// Stages that list this one among their deps.
    pub(crate) downstream: Vec<StageId>,
    pub(crate) trigger: Trigger,
    pub(crate) approval: Option<Approval>,
    pub(crate) gates: Option<Gates>,
    /// When deployments may start (business hours minus freezes); `None` = always.
    pub(crate) window: Option<IntervalSet>,
    /// The stage's change freezes, as written (already taken out of `window`):
    /// for charts that mark them.
    pub(crate) freezes: Vec<Freeze>,
    /// Seconds a release must have run in every upstream stage (0: none).
    pub(crate) soak: f64,
    pub(crate) lock: LockPolicy,
    pub(crate) deploy_duration: Dist,
    pub(crate) deploy_failure: f64,
    pub(crate) deploy_retries: u32,
    /// The deploy is a job on one of the build's agents.
    pub(crate) deploy_agent: bool,
    pub(crate) verify: Vec<VerifyStep>,
    pub(crate) production: bool,
    /// How users move to a new release (production stages).
    pub(crate) strategy: Strategy,
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
pub struct Detection(pub(crate) [f64; 3]);

impl Detection {
    pub fn of(&self, s: Severity) -> f64 {
        self.0[s.index()]
    }
}
