//! The build: one per push (or batched), agents, flaky failures and retries,
//! and the bookkeeping of a release's run through the pipeline.

use std::rc::Rc;

use super::TraceKind;
use super::attribution::BuildAdvance;
use super::commits::Catcher;
use super::jobs::Job;
use super::{Ev, NO_VISIT, Outcome, Release, ReleaseId, State, Visit};
use crate::model::MAX_STAGES;

/// A release's visits before any begins, for every stage there can be: copied
/// as one block when its build starts.
static NO_VISITS: [Visit; MAX_STAGES] = [NO_VISIT; MAX_STAGES];
use crate::model::Batch;

impl State<'_> {
    /// A push: a build per push, or coalesced into the next batch.
    pub(super) fn push(&mut self) {
        match self.m.build.batch {
            Batch::None => {
                self.trigger_build();
            }
            Batch::Build | Batch::Run => {
                if self.batch_open.is_some() {
                    self.batch_pending = true;
                } else {
                    let rel = self.trigger_build();
                    self.batch_open = Some(rel);
                }
            }
        }
    }

    pub(super) fn trigger_build(&mut self) -> ReleaseId {
        let rel = ReleaseId(self.base + self.releases.len() as u32);
        self.releases.push_back(Release {
            snapshot: self.arrived,
            defects: Rc::clone(
                self.main_open_shared
                    .get_or_insert_with(|| Rc::from(&self.main_open[..])),
            ),
            triggered: self.now,
            started: f64::NAN,
            built: f64::NAN,
            outcome: Outcome::Building,
            active: 1,
            rolled_out: false,
            counted_deployment: false,
        });
        self.log(
            TraceKind::BuildQueued,
            Some(rel),
            None,
            Some(self.arrived as f64),
        );
        self.agent_queue.push_back(Job::Build(rel));
        self.build_queue_len.add(self.now, 1.0);
        self.log_queue(rel, None);
        if self.now >= self.warm {
            self.build_stats.builds += 1;
        }
        self.start_builds();
        rel
    }

    pub(super) fn start_builds(&mut self) {
        while self.free_agents > 0 {
            let Some(job) = self.agent_queue.pop_front() else {
                break;
            };
            self.occupy_agent();
            let rel = match job {
                Job::Build(rel) => rel,
                Job::Stage { rel, stage, job } => {
                    self.job_starts(rel, stage as usize, job);
                    continue;
                }
            };
            self.build_queue_len.add(self.now, -1.0);
            self.log_queue(rel, None);
            // Its visits begin with its build: a queue of releases waiting for
            // an agent holds no visits (agents take releases in trigger order).
            debug_assert_eq!(
                self.visits.len(),
                (rel.0 - self.base) as usize * self.n_stages
            );
            self.visits.extend_from_slice(&NO_VISITS[..self.n_stages]);
            let now = self.now;
            let r = self.release_mut(rel);
            r.started = now;
            let triggered = r.triggered;
            if triggered >= self.warm {
                self.agent_wait_sum += now - triggered;
                self.agent_wait_n += 1;
            }
            // All attempts resolved at once: a flaky failure retries on the same agent.
            let b = &self.m.build;
            let (total, ok) =
                super::attempts(&b.duration, b.flaky_failure, b.retries, &mut self.build_rng);
            self.log(TraceKind::BuildStart, Some(rel), None, None);
            self.at(now + total, Ev::BuildDone { rel, ok });
        }
    }

    pub(super) fn build_done(&mut self, rel: ReleaseId, ok: bool) {
        self.free_agents += 1;
        self.busy.add(self.now, -1.0);
        let now = self.now;
        let r = self.release_mut(rel);
        r.built = now;
        let counted = r.triggered >= self.warm;
        if self.m.build.batch == Batch::Build {
            self.close_batch(rel);
        }
        if !ok {
            if counted {
                self.build_stats.failed += 1;
            }
            self.log(TraceKind::BuildFailed, Some(rel), None, None);
            self.finish_release(rel, Outcome::Failed);
        } else {
            let detect = self.m.build.detect;
            let caught = self.catch_defects(rel, |s| detect.of(s), Catcher::Build);
            if caught {
                self.log(TraceKind::BuildRejected, Some(rel), None, None);
                self.finish_release(rel, Outcome::Rejected);
            } else {
                self.log(TraceKind::BuildDone, Some(rel), None, None);
                let r = self.release_mut(rel);
                r.outcome = Outcome::Running;
                let adv = BuildAdvance {
                    upto: r.snapshot,
                    reached: now,
                    triggered: r.triggered,
                    started: r.started,
                };
                if adv.upto > self.build_front_upto {
                    self.build_front_upto = adv.upto;
                    self.build_front.push_back(adv);
                    if self.n_stages > 0 {
                        self.front_moved(None);
                    }
                }
                if self.n_stages == 0 {
                    self.production_deploys += u64::from(now >= self.warm);
                    self.deliver(rel);
                }
                for s in 0..self.n_stages {
                    if self.m.stages[s].deps.is_empty() {
                        self.become_eligible(rel, s);
                    }
                }
                self.release_done_one(rel);
            }
        }
        self.start_builds();
    }

    /// One unit of a release's work is over; when none is left its run ends.
    #[inline]
    pub(super) fn release_done_one(&mut self, rel: ReleaseId) {
        let r = self.release_mut(rel);
        r.active -= 1;
        if r.active == 0 {
            self.run_over(rel);
        }
    }

    pub(super) fn finish_release(&mut self, rel: ReleaseId, outcome: Outcome) {
        self.release_mut(rel).outcome = outcome;
        self.release_done_one(rel);
    }

    /// A release's multi-stage run is over: start the next batch (Azure's whole-run
    /// batching) and drop finished releases from the front of the window.
    #[inline(never)]
    pub(super) fn run_over(&mut self, rel: ReleaseId) {
        if self.m.build.batch == Batch::Run {
            self.close_batch(rel);
        }
        // Keep the newest release: conservation at the horizon looks at it.
        let window: &[Release] = &self.releases;
        let done = window[..window.len().saturating_sub(1)]
            .iter()
            .take_while(|r| r.active == 0)
            .count();
        if done > 0 {
            self.releases.drop_front(done);
            self.visits.drop_front(done * self.n_stages);
            self.base += done as u32;
        }
    }

    /// The batch `rel` belonged to is over: pushes that waited start the next build.
    pub(super) fn close_batch(&mut self, rel: ReleaseId) {
        if self.batch_open == Some(rel) {
            self.batch_open = None;
            if self.batch_pending {
                self.batch_pending = false;
                let next = self.trigger_build();
                self.batch_open = Some(next);
            }
        }
    }
}
