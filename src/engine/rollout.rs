//! Rollouts: the strategy's steps (weights, waits, batches, promotions, canary
//! analysis) that move a production stage's users from its stable release to a
//! new one, and the abort that moves them back.

use super::TraceKind;
use super::production::HISTORY;
use super::{DefectId, Ev, Outcome, ReleaseId, State};
use crate::metrics::{StagePart, Stall};
use crate::model::{RolloutStep, StrategyKind};
use crate::rng::{chance, uniform};
use crate::time::{SimDuration, SimTime};

#[derive(Debug)]
pub(super) struct Rollout {
    pub rel: ReleaseId,
    pub step: usize,
    /// Scheduled step events carry this; a stale one (after an abort) is ignored.
    pub seq: u32,
    pub awaiting: Awaiting,
    pub failures_step: u32,
    pub failures_total: u32,
    pub measurements_left: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Awaiting {
    Step,
    BatchFails,
    Measurement,
    Abort,
}

impl State<'_> {
    /// The release passed verification at production stage `s`: roll it out.
    pub(super) fn start_rollout(&mut self, rel: ReleaseId, s: usize) {
        // A release known to carry a defect (caught, fix not in it) is not shipped.
        let idx = (rel.0 - self.base) as usize;
        if self.known_bad(&self.releases[idx].defects) {
            self.stages[s].stats.known_defect_blocks += u64::from(self.counting());
            self.log(TraceKind::BlockedKnownDefect, Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Rejected);
            return self.release_lock(s);
        }
        self.rollout_counter += 1;
        let id = self.rollout_counter;
        if self.now >= self.warm {
            self.rollouts += 1;
        } else {
            self.rollouts_before_warm = id;
        }
        let defects = self.releases[idx].defects.to_vec();
        let now = self.now;
        for &d in &defects {
            let e = &mut self.defects[d as usize].exposure;
            if e.deployed.is_nan() {
                e.deployed = now;
                e.rollout = id;
                let m = self.m;
                let steps = m.incidents.flags.as_ref();
                let steps = steps.filter(|_| self.defects[d as usize].flagged);
                for k in 0..steps.map_or(0, |f| f.ramp.len()) {
                    let at = now + steps.map_or(0.0, |f| f.ramp[k].0);
                    self.at(at, Ev::FlagStep);
                }
            }
        }
        let t = &mut self.stages[s].traffic;
        t.new_defects = defects;
        t.w = 0.0;
        t.rollout = Some(Rollout {
            rel,
            step: 0,
            seq: 0,
            awaiting: Awaiting::Step,
            failures_step: 0,
            failures_total: 0,
            measurements_left: 0,
        });
        self.log(TraceKind::RolloutStart, Some(rel), Some(s), None);
        self.advance_rollout(s);
    }

    /// Runs rollout steps until one has to wait.
    fn advance_rollout(&mut self, s: usize) {
        let strategy = &self.m.stages[s].strategy;
        loop {
            let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
                return;
            };
            let Some(step) = strategy.steps.get(r.step) else {
                return self.complete_rollout(s);
            };
            r.step += 1;
            let rel = r.rel;
            match step {
                RolloutStep::Weight(w) => {
                    self.stages[s].traffic.w = *w;
                    self.log(TraceKind::Weight, Some(rel), Some(s), Some(*w));
                    self.refresh_exposure();
                }
                RolloutStep::Wait(d) => {
                    let dt = d.sample(&mut self.stages[s].rng);
                    return self.rollout_wait(s, dt, Awaiting::Step);
                }
                RolloutStep::Batch { duration, failure } => {
                    let dt = duration.sample(&mut self.stages[s].rng);
                    let fails = chance(&mut self.stages[s].rng, *failure);
                    return self.rollout_wait(
                        s,
                        dt,
                        if fails {
                            Awaiting::BatchFails
                        } else {
                            Awaiting::Step
                        },
                    );
                }
                RolloutStep::Promote(p) => {
                    let person = &self.m.people[*p];
                    let delay = person.reaction.sample(&mut self.people_rng[*p]);
                    let now = SimTime(self.now);
                    match person.hours.add_open_time(now, SimDuration(delay)) {
                        Some(t) => {
                            let open = person.hours.open_time_between(now, t).0;
                            self.off_hours(rel, s, StagePart::Executing, t.0 - now.0 - open);
                            return self.rollout_wait(s, t.0 - self.now, Awaiting::Step);
                        }
                        // The promoter never works again: the rollout holds here.
                        None => {
                            return self.stall(s, Stall::Promoter);
                        }
                    }
                }
                RolloutStep::Analysis {
                    interval, count, ..
                } => {
                    r.measurements_left = *count;
                    r.failures_step = 0;
                    r.step -= 1; // stays on this step until its measurements are done
                    return self.rollout_wait(s, *interval, Awaiting::Measurement);
                }
            }
        }
    }

    fn rollout_wait(&mut self, s: usize, dt: f64, awaiting: Awaiting) {
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.seq += 1;
        r.awaiting = awaiting;
        let seq = r.seq;
        self.at(
            self.now + dt,
            Ev::Rollout {
                stage: s as u16,
                seq,
            },
        );
    }

    pub(super) fn rollout_event(&mut self, s: usize, seq: u32) {
        let Some(r) = self.stages[s].traffic.rollout.as_ref() else {
            return;
        };
        if r.seq != seq {
            return;
        }
        match r.awaiting {
            Awaiting::Step => self.advance_rollout(s),
            Awaiting::BatchFails => {
                self.stages[s].stats.deploy_failures += u64::from(self.counting());
                self.abort_rollout(s);
            }
            Awaiting::Measurement => self.measure(s),
            Awaiting::Abort => self.aborted(s),
        }
    }

    /// One canary analysis measurement: each exposed defect of the canary makes
    /// it fail with probability 1 − exp(−sensitivity × weight × interval).
    fn measure(&mut self, s: usize) {
        let strategy = &self.m.stages[s].strategy;
        let Some(r) = self.stages[s].traffic.rollout.as_ref() else {
            return;
        };
        let RolloutStep::Analysis {
            interval,
            failure_limit,
            ..
        } = strategy.steps[r.step]
        else {
            return;
        };
        let mut failed = false;
        for k in 0..self.stages[s].traffic.new_defects.len() {
            let d = self.stages[s].traffic.new_defects[k];
            let def = &self.defects[d as usize];
            let (share, served) = self.analysis_dose(s, d, interval);
            let p = 1.0 - (-strategy.analysis[def.severity.index()] * share * served).exp();
            if uniform(&mut self.incidents_rng) < p {
                failed = true;
            }
        }
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        if failed {
            r.failures_step += 1;
            r.failures_total += 1;
        }
        let over_budget = strategy
            .failure_budget
            .is_some_and(|b| r.failures_total >= b);
        if r.failures_step > failure_limit || over_budget {
            let rel = r.rel;
            self.log(TraceKind::AnalysisFailed, Some(rel), Some(s), None);
            // The analysis saw the canary's own defects: each is detected now.
            let suspects: Vec<DefectId> = self.stages[s]
                .traffic
                .new_defects
                .iter()
                .copied()
                .filter(|d| !self.stages[s].traffic.stable_defects.contains(d))
                .collect();
            for d in suspects {
                self.detect(d, true);
            }
            return self.abort_rollout(s);
        }
        r.measurements_left -= 1;
        if r.measurements_left > 0 {
            self.rollout_wait(s, interval, Awaiting::Measurement);
        } else {
            r.step += 1;
            self.advance_rollout(s);
        }
    }

    /// Returns the stage's traffic to stable after the strategy's abort time.
    pub(super) fn abort_rollout(&mut self, s: usize) {
        let Some(r) = self.stages[s].traffic.rollout.as_ref() else {
            return;
        };
        if r.awaiting == Awaiting::Abort {
            return;
        }
        let rel = r.rel;
        if self.now >= self.warm {
            self.aborts += 1;
        }
        self.log(TraceKind::RolloutAbort, Some(rel), Some(s), None);
        let dt = self.m.stages[s]
            .strategy
            .abort
            .sample(&mut self.stages[s].rng);
        self.rollout_wait(s, dt, Awaiting::Abort);
    }

    fn aborted(&mut self, s: usize) {
        let t = &mut self.stages[s].traffic;
        let Some(r) = t.rollout.take() else { return };
        t.w = 0.0;
        t.new_defects.clear();
        self.stages[s].deployed = self.stages[s].traffic.stable;
        self.log(TraceKind::RolledBack, Some(r.rel), Some(s), None);
        self.refresh_exposure();
        self.end_visit(r.rel, s, Outcome::Rejected);
        self.release_lock(s);
    }

    /// All users of the stage run the new release: it becomes stable and passes.
    fn complete_rollout(&mut self, s: usize) {
        let strategy = &self.m.stages[s].strategy;
        let now = self.now;
        let t = &mut self.stages[s].traffic;
        let Some(r) = t.rollout.take() else { return };
        let snapshot = self.releases[(r.rel.0 - self.base) as usize].snapshot;
        t.history.push((
            t.stable,
            t.stable_snapshot,
            std::mem::take(&mut t.stable_defects),
        ));
        if t.history.len() > HISTORY {
            t.history.remove(0);
        }
        t.stable = Some(r.rel);
        t.stable_snapshot = snapshot;
        t.stable_defects = std::mem::take(&mut t.new_defects);
        t.w = 0.0;
        t.restore_to = None;
        t.restore_seq += 1;
        if strategy.kind == StrategyKind::BlueGreen {
            t.old_colour_until = now + strategy.scale_down_delay;
            // Both colours run from the deploy to the idle colour until scale-down.
            let locked = self.visit(r.rel, s).locked;
            self.extra_env_secs +=
                (now - locked.max(self.warm)).max(0.0) + strategy.scale_down_delay;
        }
        self.log(TraceKind::Running, Some(r.rel), Some(s), None);
        self.refresh_exposure();
        self.pass(r.rel, s);
    }
}
