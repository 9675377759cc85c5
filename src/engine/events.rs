//! The events of a replication and their order: a plain enum, keyed by
//! (time, sequence number) so ties run in the order they were scheduled.

use std::cmp::Ordering;

use super::{DefectId, ReleaseId, people};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Ev {
    Arrival,
    FixLands(DefectId),
    BuildDone {
        rel: ReleaseId,
        ok: bool,
    },
    ScheduleFire {
        stage: u16,
    },
    PersonAct {
        stage: u16,
    },
    ApprovalAnswer {
        rel: ReleaseId,
        stage: u16,
        approve: bool,
    },
    ApprovalTimeout {
        rel: ReleaseId,
        stage: u16,
    },
    GatePoll {
        rel: ReleaseId,
        stage: u16,
    },
    WindowOpens {
        rel: ReleaseId,
        stage: u16,
    },
    DeployDone {
        rel: ReleaseId,
        stage: u16,
        ok: bool,
    },
    VerifyDone {
        rel: ReleaseId,
        stage: u16,
    },
    /// A deploy that succeeded and its machine-only verification, as one
    /// event at the verification's end (see `State::deploy_and_verify`).
    DeployVerified {
        rel: ReleaseId,
        stage: u16,
    },
    Rollout {
        stage: u16,
        seq: u32,
    },
    /// Current only if it is the defect's latest (see `Exposure::detect_seq`).
    Detect {
        defect: DefectId,
    },
    Restore {
        stage: u16,
        seq: u32,
    },
    /// A background analysis measurement; current only with its run's token.
    Background {
        stage: u16,
        token: u32,
    },
    /// The promoter resumes a rollout its background analysis paused.
    BackgroundResume {
        stage: u16,
        token: u32,
    },
    FlagStep,
    /// A release's soak time upstream is over.
    Soaked {
        rel: ReleaseId,
        stage: u16,
    },
    /// A kill switch turned a detected defect's flag off.
    FlagKill {
        defect: DefectId,
    },
    TaskReady(people::TaskId),
    TaskDone(people::TaskId),
    /// The previous verification steps are over: the next, a job, asks for an agent.
    StepDue {
        rel: ReleaseId,
        stage: u16,
    },
    /// A verification step's job is done: its agent is free.
    JobDone {
        rel: ReleaseId,
        stage: u16,
    },
}

impl Ev {
    /// The kind of event, as a stuck-loop report names it.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Ev::Arrival => "commit arrival",
            Ev::FixLands(_) => "fix lands",
            Ev::BuildDone { .. } => "build done",
            Ev::ScheduleFire { .. } => "schedule fires",
            Ev::PersonAct { .. } => "person acts",
            Ev::ApprovalAnswer { .. } => "approval answer",
            Ev::ApprovalTimeout { .. } => "approval timeout",
            Ev::GatePoll { .. } => "gate poll",
            Ev::WindowOpens { .. } => "window opens",
            Ev::DeployDone { .. } => "deploy done",
            Ev::VerifyDone { .. } => "verification done",
            Ev::DeployVerified { .. } => "deploy and verification done",
            Ev::Rollout { .. } => "rollout step",
            Ev::Detect { .. } => "incident detected",
            Ev::Restore { .. } => "rollback lands",
            Ev::Background { .. } => "background analysis measurement",
            Ev::BackgroundResume { .. } => "background analysis resumed",
            Ev::FlagStep => "feature-flag step",
            Ev::FlagKill { .. } => "kill switch",
            Ev::Soaked { .. } => "soak time over",
            Ev::TaskReady(_) => "person takes a task up",
            Ev::TaskDone(_) => "person's task done",
            Ev::StepDue { .. } => "verification step due",
            Ev::JobDone { .. } => "verification job done",
        }
    }
}

pub(super) struct Scheduled {
    /// (time, sequence number) as one integer: a non-negative `f64`'s bits
    /// order as the number does, so one `u128` comparison orders by time,
    /// then by the order events were scheduled.
    key: u128,
    pub(super) ev: Ev,
}

impl Scheduled {
    #[inline]
    pub(super) fn new(t: f64, seq: u64, ev: Ev) -> Self {
        debug_assert!(t >= 0.0, "an event before the start: {t}");
        // `+ 0.0` turns -0.0 into +0.0, whose bits sort first.
        let bits = (t + 0.0).to_bits();
        Scheduled {
            key: (u128::from(bits) << 64) | u128::from(seq),
            ev,
        }
    }

    /// The number the event was given when scheduled.
    #[inline]
    pub(super) fn seq(&self) -> u64 {
        self.key as u64
    }

    /// The order key: the smaller, the earlier.
    #[inline]
    pub(super) fn key(&self) -> u128 {
        self.key
    }

    #[inline]
    pub(super) fn t(&self) -> f64 {
        f64::from_bits((self.key >> 64) as u64)
    }
}

impl PartialEq for Scheduled {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scheduled {
    /// Reversed: `BinaryHeap` is a max-heap and we want the earliest first.
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        o.key.cmp(&self.key)
    }
}
