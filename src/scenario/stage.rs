//! A stage as written: trigger, checks, lock, deploy, verification and the
//! production strategy (Azure, Argo Rollouts or Flagger shapes).

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::NameRef;
use super::file::{SeverityRates, one_u32};
use super::values::{CivilDateTime, CronString, Detection, Probability};
use crate::dist::DistSpec;
use crate::time::Duration;

/// How a production stage updates what users run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum StrategySpec {
    /// Azure's `runOnce`: every user moves at the end of the deploy.
    #[default]
    AllAtOnce,
    Rolling(RollingSpec),
    #[serde(alias = "blueGreen")]
    BlueGreen(BlueGreenSpec),
    // Boxed: its keys make it far bigger than the other forms.
    Canary(Box<CanarySpec>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollingSpec {
    /// Number of batches (targets updated together), or…
    pub batches: Option<u32>,
    /// …the share of targets per batch (Azure `maxParallel` as a percentage).
    pub max_parallel: Option<Probability>,
    pub batch_duration: DistSpec,
    /// Chance that a batch fails; a failure stops the roll and rolls back.
    #[serde(default)]
    pub failure: Probability,
    #[serde(default, alias = "onNewer")]
    pub on_newer: OnNewer,
}

/// What a newer release that reaches the lock does to a rollout in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnNewer {
    /// It waits at the lock as the lock policy says (today's behaviour).
    #[default]
    Queue,
    /// The rollout is aborted at once and the newer release goes instead (Argo, Flagger).
    RestartWithNewest,
    /// The rollout finishes; then the newest waiting release goes, older ones are superseded.
    FinishThenNewest,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlueGreenSpec {
    /// Time to move traffic from one colour to the other (and back on rollback).
    #[serde(default)]
    pub switch: Duration,
    /// Who promotes the idle colour after the smoke test (`verify`): nobody
    /// (auto-promotion, Argo's default) or a person.
    pub promoted_by: Option<NameRef>,
    /// Auto-promotion waits this long with the release on the idle colour
    /// before the switch (Argo's `autoPromotionSeconds`).
    #[serde(default, alias = "autoPromotionDelay")]
    pub auto_promotion_delay: Duration,
    /// The old colour keeps running this long after the switch (Argo default 30s):
    /// rollback within it is a switch back.
    #[serde(default = "thirty_seconds", alias = "scaleDownDelay")]
    pub scale_down_delay: Duration,
    #[serde(default, alias = "onNewer")]
    pub on_newer: OnNewer,
    /// Argo's `postPromotionAnalysis`: measured with every user on the new
    /// colour after the switch; a failure switches back.
    #[serde(alias = "postPromotionAnalysis")]
    pub post_promotion_analysis: Option<AnalysisSpec>,
    /// Its sensitivity per hour per severity at 100 % (default: 10× monitoring).
    #[serde(alias = "analysisDetectPerHour")]
    pub analysis_detect_per_hour: Option<SeverityRates>,
}

fn thirty_seconds() -> Duration {
    Duration(crate::time::SimDuration(30.0))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanarySpec {
    /// Argo Rollouts steps.
    pub steps: Option<Vec<CanaryStep>>,
    /// Flagger shorthand: weight increments every `interval` up to `max_weight`.
    #[serde(alias = "stepWeight")]
    pub step_weight: Option<f64>,
    #[serde(alias = "maxWeight")]
    pub max_weight: Option<f64>,
    /// Flagger: explicit weights instead of `step_weight`.
    #[serde(alias = "stepWeights")]
    pub step_weights: Option<Vec<f64>>,
    pub interval: Option<Duration>,
    /// Flagger: failed checks before rollback (default 1).
    pub threshold: Option<u32>,
    /// Who promotes an indefinite `pause: {}`.
    pub promoter: Option<NameRef>,
    /// Analysis sensitivity per hour per severity at 100 % weight (default: 10× monitoring).
    pub analysis_detect_per_hour: Option<SeverityRates>,
    /// Time for an abort to return all traffic to stable.
    #[serde(default)]
    pub abort: Duration,
    /// Chance that an analysis run fails although nothing is wrong.
    #[serde(default, alias = "falseAlarm")]
    pub false_alarm: Probability,
    /// Who retries the rollout after an analysis abort that pinned no defect;
    /// none: the release is rejected at the stage.
    #[serde(alias = "retriedBy")]
    pub retried_by: Option<NameRef>,
    /// Chance that one measurement comes back inconclusive.
    #[serde(default)]
    pub inconclusive: Probability,
    /// Inconclusive measurements a run tolerates; one more pauses for the promoter.
    #[serde(default, alias = "inconclusiveLimit")]
    pub inconclusive_limit: u32,
    #[serde(default, alias = "onNewer")]
    pub on_newer: OnNewer,
    /// Argo's background analysis (`canary.analysis`): measured all through
    /// the rollout from a step on, whatever the step does.
    pub background: Option<BackgroundSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundSpec {
    pub interval: Duration,
    /// Failed measurements tolerated over the whole rollout; one more aborts.
    #[serde(default, alias = "failureLimit")]
    pub failure_limit: u32,
    /// The step (0-based) at which measuring begins (Argo's `startingStep`).
    #[serde(default, alias = "startingStep")]
    pub starting_step: u32,
    /// Measurements, then the analysis ends passed; none or 0: until the
    /// rollout ends.
    #[serde(default)]
    pub count: u32,
    /// Time from the start before the first measurement's interval begins
    /// (Argo's metric `initialDelay`).
    #[serde(default, alias = "initialDelay")]
    pub initial_delay: Duration,
    /// Chance that one measurement comes back inconclusive.
    #[serde(default)]
    pub inconclusive: Probability,
    /// Inconclusive measurements a run tolerates; one more pauses the rollout
    /// for the promoter (Argo's `inconclusiveLimit`).
    #[serde(default, alias = "inconclusiveLimit")]
    pub inconclusive_limit: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CanaryStep {
    /// Percentage of traffic to the canary, 0–100.
    #[serde(alias = "setWeight")]
    SetWeight(f64),
    /// `{duration: 1h}`, or `{}` to wait for the promoter.
    Pause(PauseSpec),
    Analysis(AnalysisSpec),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseSpec {
    pub duration: Option<Duration>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    pub interval: Duration,
    #[serde(default = "one_u32")]
    pub count: u32,
    /// Failed measurements tolerated; one more aborts (Argo default 0).
    #[serde(default, alias = "failureLimit")]
    pub failure_limit: u32,
    /// Time from the step's start before the first measurement's interval
    /// begins (Argo's metric `initialDelay`).
    #[serde(default, alias = "initialDelay")]
    pub initial_delay: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    pub name: Spanned<String>,
    /// Display name for reports (not used for references).
    pub title: Option<String>,
    /// Stages (or `build`) that must have passed a release first. Default: the previous stage.
    pub depends_on: Option<Vec<NameRef>>,
    #[serde(default)]
    pub trigger: TriggerSpec,
    #[serde(default)]
    pub checks: ChecksSpec,
    #[serde(default)]
    pub lock: LockPolicy,
    #[serde(default)]
    pub deploy: DeploySpec,
    #[serde(default)]
    pub verify: Vec<VerifySpec>,
    /// Running here means delivered to users. Default: stages nothing depends on.
    pub production: Option<bool>,
    /// How users move to the new release (production stages only; default all_at_once).
    pub strategy: Option<StrategySpec>,
    /// Share of all users this production stage (a region, ring or tenant)
    /// serves; default an equal split. Given on one, given on all.
    pub share: Option<Spanned<Probability>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TriggerSpec {
    /// Continuous deployment: as soon as the upstream stages passed the release.
    #[default]
    Auto,
    /// A cron string in the scenario's time zone; takes the newest release that
    /// passed upstream and is newer than the one deployed; does nothing when none is.
    Schedule(CronString),
    /// A person deploys by hand, in their working hours, after their reaction time.
    Manual(ManualSpec),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualSpec {
    pub by: NameRef,
    /// Overrides the person's reaction time for this trigger.
    pub reaction: Option<DistSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksSpec {
    pub approval: Option<ApprovalSpec>,
    #[serde(default)]
    pub gates: Vec<GateSpec>,
    /// A calendar: deployments start only in its working hours.
    pub business_hours: Option<NameRef>,
    /// No deployment starts inside these windows.
    #[serde(default)]
    pub freeze: Vec<FreezeSpec>,
    /// Kargo's `requiredSoakTime`: the release must have run this long in
    /// every upstream stage before this one takes it.
    pub soak: Option<Duration>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalSpec {
    /// People or teams; a team counts as one approver.
    pub approvers: Vec<NameRef>,
    /// How many must approve (default: all).
    pub min: Option<u32>,
    /// Overrides each approver's reaction time.
    pub response: Option<DistSpec>,
    /// The review's own work, in the approver's working time, once they take
    /// it up and one of them is free; none: answering takes none of their time.
    pub effort: Option<DistSpec>,
    /// Chance that an approver rejects; one rejection fails the check.
    #[serde(default)]
    pub rejection: Probability,
    /// After this the stage is skipped for the release (Azure default 30 days).
    #[serde(default = "thirty_days")]
    pub timeout: Duration,
}

fn thirty_days() -> Duration {
    Duration(crate::time::SimDuration(30.0 * 86_400.0))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateSpec {
    #[serde(default)]
    pub name: String,
    /// Delay before the first evaluation.
    #[serde(default)]
    pub delay: Duration,
    /// Time between evaluations.
    pub interval: Duration,
    /// The release fails the stage when the gate is not healthy by then.
    pub timeout: Duration,
    /// Healthy evaluations must hold this long, every one in it healthy,
    /// before the gate passes (Azure's "minimum duration for steady results
    /// after a successful gates evaluation", `minimumSuccessDuration`).
    #[serde(default, alias = "minimumSuccessDuration")]
    pub minimum_success_duration: Duration,
    pub condition: GateCondition,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GateCondition {
    /// Healthy when no caught defect is still waiting for its fix commit.
    NoOpenDefects,
    /// Healthy at each evaluation with this probability (a stand-in for a monitor query).
    PassProbability(Probability),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeSpec {
    #[serde(default)]
    pub name: String,
    pub from: CivilDateTime,
    pub to: CivilDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockPolicy {
    /// Only the newest waiting release keeps waiting; older waiting ones are cancelled.
    #[default]
    RunLatest,
    /// Waiting releases deploy one after another in order.
    Sequential,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploySpec {
    #[serde(default = "zero_dist")]
    pub duration: DistSpec,
    #[serde(default)]
    pub failure: Probability,
    #[serde(default)]
    pub retries: u32,
    /// The deploy is a job on one of the build's agents (an Azure deployment job).
    #[serde(default)]
    pub agent: bool,
}

impl Default for DeploySpec {
    fn default() -> Self {
        DeploySpec {
            duration: zero_dist(),
            failure: Probability(0.0),
            retries: 0,
            agent: false,
        }
    }
}

fn zero_dist() -> DistSpec {
    DistSpec::Const(Duration::default())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySpec {
    #[serde(default)]
    pub name: String,
    pub duration: DistSpec,
    /// A person or team doing a manual test, in their working hours.
    pub by: Option<NameRef>,
    #[serde(default)]
    pub detect: Detection,
    /// A machine step that is a job on one of the build's agents.
    #[serde(default)]
    pub agent: bool,
}
