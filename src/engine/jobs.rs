//! Stage jobs on the build's agents: a deploy or a verification step with
//! `agent: true` takes one of `build.agents`, queueing with the builds in
//! one FIFO, as Azure's deployment and test jobs take parallel jobs.

use super::TraceKind;
use super::{Ev, Phase, ReleaseId, State};
use crate::time::HOUR;

/// What waits in the agent queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Job {
    /// A release's build.
    Build(ReleaseId),
    /// `job` of the release holding stage `stage`'s lock.
    Stage {
        rel: ReleaseId,
        stage: u16,
        job: StageJob,
    },
}

/// A stage job waiting for an agent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum StageJob {
    /// The deploy, all its attempts.
    Deploy,
    /// A verification step of this many seconds.
    Step(f64),
}

impl State<'_> {
    /// Takes a free agent if there is one and nobody asked before: an agent
    /// that just came free goes to the queue first (a build finishing frees
    /// its agent before its release moves on to a stage).
    pub(super) fn take_agent(&mut self) -> bool {
        if self.free_agents == 0 || !self.agent_queue.is_empty() {
            return false;
        }
        self.occupy_agent();
        true
    }

    /// One more agent is busy (a build or a stage job took it).
    #[inline]
    pub(super) fn occupy_agent(&mut self) {
        self.free_agents -= 1;
        self.busy.add(self.now, 1.0);
    }

    /// A stage job is over: its agent goes to the next job in the queue.
    pub(super) fn free_agent(&mut self) {
        self.free_agents += 1;
        self.busy.add(self.now, -1.0);
        self.start_builds();
    }

    /// The release holding stage `s`'s lock needs an agent for `job`: it
    /// starts now if one is free, else waits in the queue behind the builds
    /// and jobs that asked before.
    pub(super) fn ask_agent(&mut self, rel: ReleaseId, s: usize, job: StageJob) {
        if self.take_agent() {
            return self.job_starts(rel, s, job);
        }
        self.set_phase(rel, s, Phase::AgentQueue);
        // It waits at the stage: the stage's queue counts it.
        self.stages[s].waiting.add(self.now, 1.0);
        self.log_queue(rel, Some(s));
        self.agent_queue.push_back(Job::Stage {
            rel,
            stage: s as u16,
            job,
        });
        self.log(TraceKind::JobQueued, Some(rel), Some(s), None);
    }

    /// Stage `s`'s job starts on the agent it took.
    pub(super) fn job_starts(&mut self, rel: ReleaseId, s: usize, job: StageJob) {
        let phase = self.visit(rel, s).phase;
        if phase == Phase::AgentQueue {
            self.stages[s].waiting.add(self.now, -1.0);
            self.log_queue(rel, Some(s));
        }
        if phase != Phase::Executing {
            self.set_phase(rel, s, Phase::Executing);
        }
        match job {
            StageJob::Deploy => self.start_deploy(rel, s),
            StageJob::Step(d) => {
                self.log(TraceKind::JobStart, Some(rel), Some(s), Some(d / HOUR));
                self.at(
                    self.now + d,
                    Ev::JobDone {
                        rel,
                        stage: s as u16,
                    },
                );
            }
        }
    }
}
