//! What a replication hands back besides its statistics: the event log and
//! one record per commit, when asked for.

use crate::metrics::{Breakdown, ReplicationResult};
use crate::model::StageId;
use crate::time::SimTime;

/// What a line of the event log records. The names are the `event` column
/// of `trace-K.csv`; `docs/trace.md` is generated from these declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TraceKind {
    /// A commit arrives; value: its id.
    Commit,
    /// A commit introduces a defect; value: the commit id (the row comes just before its `commit` row).
    DefectIntroduced,
    /// A defect's fix commit arrives; value: its commit id.
    FixLands,
    /// A release is cut and waits for a build agent; value: the number of commits it holds (its snapshot of main: commits 0 to value − 1).
    BuildQueued,
    /// A queue length changed; value: the new length (no stage: the build queue).
    Queue,
    /// An agent starts building the release.
    BuildStart,
    /// The build failed every attempt.
    BuildFailed,
    /// The build's tests caught a defect.
    BuildRejected,
    /// The build succeeded.
    BuildDone,
    /// The stage's schedule fires.
    ScheduleFires,
    /// The release is taken by the stage (automatically, on schedule or by hand).
    Triggered,
    /// The approval was given.
    Approved,
    /// An approver rejected the release.
    ApprovalRejected,
    /// The approval timed out.
    ApprovalTimeout,
    /// Every gate passed.
    GatesPassed,
    /// A gate timed out.
    GateTimeout,
    /// Holding the stage's lock, the release's deploy or verification job waits for one of the build's agents (`agent: true`).
    JobQueued,
    /// The deployment starts (the lock is taken; with `deploy.agent`, once it has an agent).
    DeployStart,
    /// The deployment failed every attempt.
    DeployFailed,
    /// The deployment finished; verification follows.
    Deployed,
    /// A verification step with `agent: true` gets an agent and starts; value: its duration in hours.
    JobStart,
    /// A person's task (a manual test, a review) waits for a free member; value: the person (index in name order).
    TaskQueued,
    /// A member starts work on a person's task; value: the person.
    TaskStart,
    /// A person's task is done; value: the person.
    TaskDone,
    /// Verification caught a defect.
    Rejected,
    /// The release passed the stage.
    Passed,
    /// A newer release overtook this one.
    Superseded,
    /// A release is stuck for good at the stage (a person who never works again, a window that never opens).
    Stalled,
    /// Production refused a release carrying a known defect.
    BlockedKnownDefect,
    /// A production rollout starts.
    RolloutStart,
    /// The rollout moves to a new traffic weight; value: the share.
    Weight,
    /// The canary's analysis failed.
    AnalysisFailed,
    /// A canary analysis run failed although no defect caused it (a false alarm).
    FalseAlarm,
    /// A canary analysis run had more inconclusive measurements than its limit: the rollout pauses for the promoter.
    InconclusivePause,
    /// The promoter resumed a rollout paused on inconclusive analysis.
    InconclusiveResume,
    /// An analysis-aborted rollout is retried from its first step.
    RolloutRetry,
    /// The rollout is aborted; traffic returns to the stable release. Without a retry (`rollout_retry`) it is the last row of the release's visit: the release is rejected at the stage (no `rejected` row follows) and the time until a release with its commits comes counts as rework.
    RolloutAbort,
    /// The release now serves the stage's traffic at 100 % (release empty: the version that ran before the run).
    Running,
    /// The release stopped serving traffic in a rollback.
    RolledBack,
    /// A rollback starts; value: the target release id (−1: the version that ran before the run).
    RollbackStart,
    /// A rollback under way is re-aimed because its target became known-bad; value: the new target id.
    RollbackRetarget,
    /// The share of traffic a defect reaches changed; value: the share.
    Exposure,
    /// Monitoring detected a defect running in production.
    IncidentDetected,
    /// Canary analysis detected a defect of the canary.
    DetectedByAnalysis,
    /// A detected defect's feature flag is being turned off; value: hours until it is off.
    KillSwitch,
    /// A defect is caught (by tests, monitoring or analysis); stage: where.
    DefectCaught,
    /// The release delivered commits to every user; value: how many.
    Delivered,
}

impl TraceKind {
    /// Every kind, in the order of the reference.
    pub const ALL: [TraceKind; 47] = [
        TraceKind::Commit,
        TraceKind::DefectIntroduced,
        TraceKind::FixLands,
        TraceKind::BuildQueued,
        TraceKind::Queue,
        TraceKind::BuildStart,
        TraceKind::BuildFailed,
        TraceKind::BuildRejected,
        TraceKind::BuildDone,
        TraceKind::ScheduleFires,
        TraceKind::Triggered,
        TraceKind::Approved,
        TraceKind::ApprovalRejected,
        TraceKind::ApprovalTimeout,
        TraceKind::GatesPassed,
        TraceKind::GateTimeout,
        TraceKind::JobQueued,
        TraceKind::DeployStart,
        TraceKind::DeployFailed,
        TraceKind::Deployed,
        TraceKind::JobStart,
        TraceKind::TaskQueued,
        TraceKind::TaskStart,
        TraceKind::TaskDone,
        TraceKind::Rejected,
        TraceKind::Passed,
        TraceKind::Superseded,
        TraceKind::Stalled,
        TraceKind::BlockedKnownDefect,
        TraceKind::RolloutStart,
        TraceKind::Weight,
        TraceKind::AnalysisFailed,
        TraceKind::FalseAlarm,
        TraceKind::InconclusivePause,
        TraceKind::InconclusiveResume,
        TraceKind::RolloutRetry,
        TraceKind::RolloutAbort,
        TraceKind::Running,
        TraceKind::RolledBack,
        TraceKind::RollbackStart,
        TraceKind::RollbackRetarget,
        TraceKind::Exposure,
        TraceKind::IncidentDetected,
        TraceKind::DetectedByAnalysis,
        TraceKind::KillSwitch,
        TraceKind::DefectCaught,
        TraceKind::Delivered,
    ];

    /// The name written in `trace-K.csv`.
    pub const fn name(self) -> &'static str {
        match self {
            TraceKind::Commit => "commit",
            TraceKind::DefectIntroduced => "defect_introduced",
            TraceKind::FixLands => "fix_lands",
            TraceKind::BuildQueued => "build_queued",
            TraceKind::Queue => "queue",
            TraceKind::BuildStart => "build_start",
            TraceKind::BuildFailed => "build_failed",
            TraceKind::BuildRejected => "build_rejected",
            TraceKind::BuildDone => "build_done",
            TraceKind::ScheduleFires => "schedule_fires",
            TraceKind::Triggered => "triggered",
            TraceKind::Approved => "approved",
            TraceKind::ApprovalRejected => "approval_rejected",
            TraceKind::ApprovalTimeout => "approval_timeout",
            TraceKind::GatesPassed => "gates_passed",
            TraceKind::GateTimeout => "gate_timeout",
            TraceKind::JobQueued => "job_queued",
            TraceKind::DeployStart => "deploy_start",
            TraceKind::DeployFailed => "deploy_failed",
            TraceKind::Deployed => "deployed",
            TraceKind::JobStart => "job_start",
            TraceKind::TaskQueued => "task_queued",
            TraceKind::TaskStart => "task_start",
            TraceKind::TaskDone => "task_done",
            TraceKind::Rejected => "rejected",
            TraceKind::Passed => "passed",
            TraceKind::Superseded => "superseded",
            TraceKind::Stalled => "stalled",
            TraceKind::BlockedKnownDefect => "blocked_known_defect",
            TraceKind::RolloutStart => "rollout_start",
            TraceKind::Weight => "weight",
            TraceKind::AnalysisFailed => "analysis_failed",
            TraceKind::FalseAlarm => "false_alarm",
            TraceKind::InconclusivePause => "inconclusive_pause",
            TraceKind::InconclusiveResume => "inconclusive_resume",
            TraceKind::RolloutRetry => "rollout_retry",
            TraceKind::RolloutAbort => "rollout_abort",
            TraceKind::Running => "running",
            TraceKind::RolledBack => "rolled_back",
            TraceKind::RollbackStart => "rollback_start",
            TraceKind::RollbackRetarget => "rollback_retarget",
            TraceKind::Exposure => "exposure",
            TraceKind::IncidentDetected => "incident_detected",
            TraceKind::DetectedByAnalysis => "detected_by_analysis",
            TraceKind::KillSwitch => "kill_switch",
            TraceKind::DefectCaught => "defect_caught",
            TraceKind::Delivered => "delivered",
        }
    }

    /// What it means, for the reference.
    pub const fn about(self) -> &'static str {
        match self {
            TraceKind::Commit => "A commit arrives; value: its id.",
            TraceKind::DefectIntroduced => {
                "A commit introduces a defect; value: the commit id (the row comes just before its `commit` row)."
            }
            TraceKind::FixLands => "A defect's fix commit arrives; value: its commit id.",
            TraceKind::BuildQueued => {
                "A release is cut and waits for a build agent; value: the number of commits it holds (its snapshot of main: commits 0 to value − 1)."
            }
            TraceKind::Queue => {
                "A queue length changed; value: the new length (no stage: the build queue)."
            }
            TraceKind::BuildStart => "An agent starts building the release.",
            TraceKind::BuildFailed => "The build failed every attempt.",
            TraceKind::BuildRejected => "The build's tests caught a defect.",
            TraceKind::BuildDone => "The build succeeded.",
            TraceKind::ScheduleFires => "The stage's schedule fires.",
            TraceKind::Triggered => {
                "The release is taken by the stage (automatically, on schedule or by hand)."
            }
            TraceKind::Approved => "The approval was given.",
            TraceKind::ApprovalRejected => "An approver rejected the release.",
            TraceKind::ApprovalTimeout => "The approval timed out.",
            TraceKind::GatesPassed => "Every gate passed.",
            TraceKind::GateTimeout => "A gate timed out.",
            TraceKind::JobQueued => {
                "Holding the stage's lock, the release's deploy or verification job waits for one of the build's agents (`agent: true`)."
            }
            TraceKind::DeployStart => {
                "The deployment starts (the lock is taken; with `deploy.agent`, once it has an agent)."
            }
            TraceKind::DeployFailed => "The deployment failed every attempt.",
            TraceKind::Deployed => "The deployment finished; verification follows.",
            TraceKind::JobStart => {
                "A verification step with `agent: true` gets an agent and starts; value: its duration in hours."
            }
            TraceKind::TaskQueued => {
                "A person's task (a manual test, a review) waits for a free member; value: the person (index in name order)."
            }
            TraceKind::TaskStart => "A member starts work on a person's task; value: the person.",
            TraceKind::TaskDone => "A person's task is done; value: the person.",
            TraceKind::Rejected => "Verification caught a defect.",
            TraceKind::Passed => "The release passed the stage.",
            TraceKind::Superseded => "A newer release overtook this one.",
            TraceKind::Stalled => {
                "A release is stuck for good at the stage (a person who never works again, a window that never opens)."
            }
            TraceKind::BlockedKnownDefect => {
                "Production refused a release carrying a known defect."
            }
            TraceKind::RolloutStart => "A production rollout starts.",
            TraceKind::Weight => "The rollout moves to a new traffic weight; value: the share.",
            TraceKind::AnalysisFailed => "The canary's analysis failed.",
            TraceKind::FalseAlarm => {
                "A canary analysis run failed although no defect caused it (a false alarm)."
            }
            TraceKind::InconclusivePause => {
                "A canary analysis run had more inconclusive measurements than its limit: the rollout pauses for the promoter."
            }
            TraceKind::InconclusiveResume => {
                "The promoter resumed a rollout paused on inconclusive analysis."
            }
            TraceKind::RolloutRetry => {
                "An analysis-aborted rollout is retried from its first step."
            }
            TraceKind::RolloutAbort => {
                "The rollout is aborted; traffic returns to the stable release. Without a retry (`rollout_retry`) it is the last row of the release's visit: the release is rejected at the stage (no `rejected` row follows) and the time until a release with its commits comes counts as rework."
            }
            TraceKind::Running => {
                "The release now serves the stage's traffic at 100 % (release empty: the version that ran before the run)."
            }
            TraceKind::RolledBack => "The release stopped serving traffic in a rollback.",
            TraceKind::RollbackStart => {
                "A rollback starts; value: the target release id (−1: the version that ran before the run)."
            }
            TraceKind::RollbackRetarget => {
                "A rollback under way is re-aimed because its target became known-bad; value: the new target id."
            }
            TraceKind::Exposure => {
                "The share of traffic a defect reaches changed; value: the share."
            }
            TraceKind::IncidentDetected => "Monitoring detected a defect running in production.",
            TraceKind::DetectedByAnalysis => "Canary analysis detected a defect of the canary.",
            TraceKind::KillSwitch => {
                "A detected defect's feature flag is being turned off (value: hours until it is off)."
            }
            TraceKind::DefectCaught => {
                "A defect is caught (by tests, monitoring or analysis); stage: where."
            }
            TraceKind::Delivered => "The release delivered commits to every user; value: how many.",
        }
    }
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRecord {
    pub time: SimTime,
    pub event: TraceKind,
    pub release: Option<u32>,
    pub stage: Option<StageId>,
    /// A count or a number that qualifies the event (commits delivered, a weight, an exposed share).
    pub value: Option<f64>,
    /// The defect the event is about (fixes, exposure, incidents).
    pub defect: Option<u32>,
}

/// One commit's fate.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitRecord {
    pub commit: u64,
    pub arrived: SimTime,
    pub delivered: Option<SimTime>,
    pub release: Option<u32>,
    pub fix: bool,
    /// Where its lead time went (hours), once delivered after the warm-up,
    /// when [`Options::commit_parts`](super::Options::commit_parts) asked for it.
    pub breakdown: Option<Breakdown>,
}

/// Everything a replication produced.
#[derive(Debug, Clone, Default)]
pub struct Replication {
    pub result: ReplicationResult,
    pub trace: Vec<TraceRecord>,
    /// With [`Options::queue_periods`](super::Options::queue_periods): per
    /// queue (0: the build queue, 1 + s: stage s), per whole period from the
    /// start, the time-weighted mean length.
    pub queue_periods: Vec<Vec<f64>>,
    pub commits: Vec<CommitRecord>,
}
