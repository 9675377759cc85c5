//! A stage's policy: trigger, checks (approval, gates), window, lock, deploy
//! and verification, and how a visit ends (passed, rejected, superseded).

use super::TraceKind;
use super::attribution::{Advance, part_of};
use super::commits::Catcher;
use super::jobs::StageJob;
use super::people::Planned;
use super::stair::rank;
use super::{Ev, Outcome, Phase, ReleaseId, State};
use crate::metrics::{StagePart, Stall};
use crate::model::Trigger;
use crate::model::{LockPolicy, OnNewer};
use crate::rng::chance;
use crate::time::{SimDuration, SimTime};

impl State<'_> {
    /// Moves a visit to `phase`, closing the time of the phase it leaves.
    pub(super) fn set_phase(&mut self, rel: ReleaseId, s: usize, phase: Phase) {
        let now = self.now;
        let v = self.visit_mut(rel, s);
        let old_phase = v.phase;
        let old = part_of(old_phase);
        if let Some(p) = old {
            v.parts[p.index()] += now - v.since;
        }
        v.phase = phase;
        v.since = now;
        // Between two phases of one rank (an approval, then gates: one part)
        // the stage's timeline does not change.
        if self.stages[s].leads_to_production && (old.is_none() || rank(old_phase) != rank(phase)) {
            self.touch_timeline(rel, s, old_phase, phase);
        }
    }

    /// Moves `secs` of a visit's current or closed time from `from` to a
    /// person's off-hours.
    pub(super) fn off_hours(&mut self, rel: ReleaseId, s: usize, from: StagePart, secs: f64) {
        self.moved(rel, s, from, StagePart::OffHours, secs);
    }

    /// Every upstream stage passed `rel`: its visit here begins. With a soak
    /// time (Kargo's `requiredSoakTime`) it is eligible only once that has
    /// passed; the wait counts as a check.
    pub(super) fn become_eligible(&mut self, rel: ReleaseId, s: usize) {
        self.release_mut(rel).active += 1;
        let now = self.now;
        self.visit_mut(rel, s).eligible = now;
        let soak = self.m.stages[s].soak;
        if soak > 0.0 {
            self.set_phase(rel, s, Phase::Soaking);
            return self.at(
                now + soak,
                Ev::Soaked {
                    rel,
                    stage: s as u16,
                },
            );
        }
        self.soaked(rel, s);
    }

    /// The release may be taken by the stage's trigger now.
    pub(super) fn soaked(&mut self, rel: ReleaseId, s: usize) {
        let now = self.now;
        let trigger = &self.m.stages[s].trigger;
        if matches!(trigger, Trigger::Auto) && self.visit(rel, s).phase == Phase::None {
            // Taken at once: the visit's next phase begins at this instant,
            // so it is never seen eligible (a zero-length phase changes no sum).
            return self.trigger(rel, s);
        }
        self.set_phase(rel, s, Phase::Eligible);
        match &self.m.stages[s].trigger {
            Trigger::Auto => self.trigger(rel, s),
            Trigger::Schedule { .. } => self.set_candidate(rel, s),
            Trigger::Manual { person, reaction } => {
                self.set_candidate(rel, s);
                if !self.stages[s].act_pending {
                    let (person, reaction) = (*person, reaction);
                    let delay = reaction.sample(&mut self.people_rng[person]);
                    if let Some(t) = self.m.people[person]
                        .hours
                        .add_open_time(SimTime(now), SimDuration(delay))
                    {
                        self.stages[s].act_pending = true;
                        self.at(t.0, Ev::PersonAct { stage: s as u16 });
                    } else {
                        self.stall(s, Stall::TriggerPerson);
                    }
                }
            }
        }
    }

    /// Only the newest eligible release waits for a schedule or a person (an
    /// older one, e.g. a build that finished late, is superseded at once).
    pub(super) fn set_candidate(&mut self, rel: ReleaseId, s: usize) {
        match self.stages[s].candidate {
            Some(c) if c > rel => self.supersede(rel, s),
            _ => {
                if let Some(old) = self.stages[s].candidate.replace(rel) {
                    self.supersede(old, s);
                }
            }
        }
    }

    pub(super) fn schedule_fires(&mut self, s: usize) {
        self.log(TraceKind::ScheduleFires, None, Some(s), None);
        self.take_candidate(s);
        let st = &mut self.stages[s];
        st.next_fire += 1;
        if let Trigger::Schedule { fires, .. } = &self.m.stages[s].trigger
            && let Some(&t) = fires.get(st.next_fire)
        {
            self.at(t.0, Ev::ScheduleFire { stage: s as u16 });
        }
    }

    /// A schedule fires or a person acts: take the newest release that passed
    /// upstream and is newer than the last one taken; nothing when none is.
    pub(super) fn take_candidate(&mut self, s: usize) {
        let st = &mut self.stages[s];
        if let Some(rel) = st.candidate.take() {
            if st.taken.is_some_and(|t| t >= rel) {
                self.supersede(rel, s);
            } else {
                self.trigger(rel, s);
            }
        }
    }

    pub(super) fn trigger(&mut self, rel: ReleaseId, s: usize) {
        let now = self.now;
        let st = &mut self.stages[s];
        st.taken = Some(st.taken.map_or(rel, |t| t.max(rel)));
        st.waiting.add(now, 1.0);
        self.log_queue(rel, Some(s));
        self.visit_mut(rel, s).triggered = now;
        if let Trigger::Manual { person, .. } = &self.m.stages[s].trigger {
            // The person's reaction runs in their working hours; the rest is off-hours.
            let eligible = self.visit(rel, s).eligible + self.m.stages[s].soak;
            let hours = &self.m.people[*person].hours;
            let open = hours.open_time_between(SimTime(eligible), SimTime(now)).0;
            self.off_hours(rel, s, StagePart::Trigger, now - eligible - open);
        }
        self.log(TraceKind::Triggered, Some(rel), Some(s), None);
        match &self.m.stages[s].approval {
            Some(a) => {
                self.set_phase(rel, s, Phase::Approving);
                self.visit_mut(rel, s).count = 0;
                let mut can_answer = 0;
                for &p in &a.approvers {
                    let d = match &a.response {
                        Some(d) => d.sample(&mut self.people_rng[p]),
                        None => self.m.people[p].reaction.sample(&mut self.people_rng[p]),
                    };
                    let approve = !chance(&mut self.stages[s].rng, a.rejection);
                    let effort = a.effort.as_ref().map(|e| e.sample(&mut self.people_rng[p]));
                    if let Some(t) = self.m.people[p]
                        .hours
                        .add_open_time(SimTime(now), SimDuration(d))
                    {
                        can_answer += 1;
                        if let Some(effort) = effort {
                            self.review(rel, s, p, t.0, effort, approve);
                            continue;
                        }
                        self.at(
                            t.0,
                            Ev::ApprovalAnswer {
                                rel,
                                stage: s as u16,
                                approve,
                            },
                        );
                    }
                }
                if can_answer < a.min {
                    self.stall(s, Stall::Approvers);
                }
                self.at(
                    now + a.timeout.0,
                    Ev::ApprovalTimeout {
                        rel,
                        stage: s as u16,
                    },
                );
            }
            None => self.start_gates(rel, s),
        }
    }

    pub(super) fn approval_answer(&mut self, rel: ReleaseId, s: usize, approve: bool) {
        if self.phase(rel, s) != Phase::Approving {
            return; // enough answers already, or timed out
        }
        if !approve {
            self.stages[s].stats.approval_rejections += u64::from(self.counting());
            self.log(TraceKind::ApprovalRejected, Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Failed);
            return;
        }
        let min = self.m.stages[s].approval.as_ref().map_or(1, |a| a.min);
        let v = self.visit_mut(rel, s);
        v.count += 1;
        if v.count >= min {
            self.log(TraceKind::Approved, Some(rel), Some(s), None);
            self.start_gates(rel, s);
        }
    }

    pub(super) fn start_gates(&mut self, rel: ReleaseId, s: usize) {
        match &self.m.stages[s].gates {
            Some(g) => {
                let now = self.now;
                self.set_phase(rel, s, Phase::Gating);
                let v = self.visit_mut(rel, s);
                v.deadline = now + g.delay.0 + g.timeout.0;
                v.count = 0;
                self.at(
                    now + g.delay.0,
                    Ev::GatePoll {
                        rel,
                        stage: s as u16,
                    },
                );
            }
            None => self.through_window(rel, s),
        }
    }

    pub(super) fn gate_poll(&mut self, rel: ReleaseId, s: usize) {
        let Some(g) = &self.m.stages[s].gates else {
            return;
        };
        let healthy = (!g.no_open_defects || self.open_caught == 0)
            & chance(&mut self.stages[s].rng, g.pass_probability);
        // Healthy evaluations in a row: a minimum duration of steady
        // success needs more than one, and an unhealthy one starts it over.
        let v = self.visit_mut(rel, s);
        v.count = if healthy { v.count + 1 } else { 0 };
        if v.count >= g.healthy_in_a_row {
            self.log(TraceKind::GatesPassed, Some(rel), Some(s), None);
            self.through_window(rel, s);
        } else if self.now + g.interval.0 > self.visit(rel, s).deadline {
            self.stages[s].stats.gate_timeouts += u64::from(self.counting());
            self.log(TraceKind::GateTimeout, Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Failed);
        } else {
            self.at(
                self.now + g.interval.0,
                Ev::GatePoll {
                    rel,
                    stage: s as u16,
                },
            );
        }
    }

    /// Business hours and freezes: wait for the window, then queue for the lock.
    pub(super) fn through_window(&mut self, rel: ReleaseId, s: usize) {
        let now = SimTime(self.now);
        if let Some(w) = &self.m.stages[s].window
            && !w.contains(now)
        {
            self.set_phase(rel, s, Phase::Window);
            if let Some(t) = w.next_open(now) {
                self.at(
                    t.0,
                    Ev::WindowOpens {
                        rel,
                        stage: s as u16,
                    },
                );
            } else {
                // No window ever again: the release waits here until the horizon.
                self.stall(s, Stall::Window);
            }
            return;
        }
        let run_latest = self.m.stages[s].lock == LockPolicy::RunLatest;
        // Run-latest: when the window opens for several releases at once, the
        // newest takes the lock and the older ones are superseded.
        if run_latest && self.m.stages[s].window.is_some() && self.newer_waiting_for_window(rel, s)
        {
            return self.supersede(rel, s);
        }
        if self.stages[s].holder.is_none() {
            // The lock is free and the release takes it at this instant: its
            // wait for it is never seen (a zero-length phase changes no sum).
            self.acquire(rel, s);
            self.restart_with_newest(s, false);
            return;
        }
        self.set_phase(rel, s, Phase::LockQueue);
        let st = &self.stages[s];
        if !run_latest {
            self.stages[s].queue.push_back(rel);
        } else if st.holder > Some(rel) || st.queue.iter().any(|&q| q > rel) {
            // Run-latest: a newer release already holds or waits for the lock.
            self.supersede(rel, s);
        } else {
            while let Some(old) = self.stages[s].queue.pop_front() {
                self.supersede(old, s);
            }
            self.stages[s].queue.push_back(rel);
        }
        // A rollout in progress may give way to the newer release.
        self.restart_with_newest(s, false);
    }

    /// A release newer than `rel` waits at stage `s` for the window.
    pub(super) fn newer_waiting_for_window(&self, rel: ReleaseId, s: usize) -> bool {
        // Only releases whose build started have visits.
        let end = self.base + (self.visits.len() / self.n_stages) as u32;
        (rel.0 + 1..end).any(|r| self.visit(ReleaseId(r), s).phase == Phase::Window)
    }

    pub(super) fn acquire(&mut self, rel: ReleaseId, s: usize) {
        let now = self.now;
        // Never roll a stage back to an older release than it runs: it is
        // turned away from the lock queue (entered here when the lock was free).
        if self.stages[s].deployed.is_some_and(|d| d >= rel) {
            if self.visit(rel, s).phase != Phase::LockQueue {
                self.set_phase(rel, s, Phase::LockQueue);
            }
            self.supersede(rel, s);
            return self.next_in_lock(s);
        }
        if let Some(w) = &self.m.stages[s].window
            && !w.contains(SimTime(now))
        {
            // The window closed while it queued: back to waiting for it.
            self.through_window(rel, s);
            return self.next_in_lock(s);
        }
        let st = &mut self.stages[s];
        st.holder = Some(rel);
        st.waiting.add(now, -1.0);
        self.log_queue(rel, Some(s));
        if self.m.stages[s].deploy_agent {
            return self.ask_agent(rel, s, StageJob::Deploy);
        }
        self.set_phase(rel, s, Phase::Executing);
        self.start_deploy(rel, s);
    }

    /// The holder of stage `s`'s lock starts deploying (with `deploy.agent`,
    /// on the agent it just took); every attempt is drawn now.
    pub(super) fn start_deploy(&mut self, rel: ReleaseId, s: usize) {
        let now = self.now;
        if self.m.stages[s].production {
            self.deploy_begins(s);
        }
        let sm = &self.m.stages[s];
        let (total, ok) = super::attempts(
            &sm.deploy_duration,
            sm.deploy_failure,
            sm.deploy_retries,
            &mut self.stages[s].rng,
        );
        self.visit_mut(rel, s).locked = now;
        self.log(TraceKind::DeployStart, Some(rel), Some(s), None);
        if ok && self.stages[s].folds_verify {
            return self.deploy_and_verify(rel, s, now + total);
        }
        self.at(
            now + total,
            Ev::DeployDone {
                rel,
                stage: s as u16,
                ok,
            },
        );
    }

    /// A successful deploy ending at `end` and the machine steps after it as
    /// one event. Their durations are drawn now rather than at `end`: nothing
    /// else draws from the stage's stream in between (the lock is held and
    /// the stage has no approval, gates or rollout), so every draw and every
    /// sum is the two events' own.
    fn deploy_and_verify(&mut self, rel: ReleaseId, s: usize, end: f64) {
        let mut t = SimTime(end);
        for step in &self.m.stages[s].verify {
            t = t + SimDuration(step.duration.sample(&mut self.stages[s].rng));
        }
        self.stages[s].folded_deploy_end = Some(end);
        self.at(
            t.0,
            Ev::DeployVerified {
                rel,
                stage: s as u16,
            },
        );
    }

    /// The folded deploy's end (counted as the event it stands for), then its
    /// verification's.
    pub(super) fn deploy_verified(&mut self, rel: ReleaseId, s: usize) {
        self.events += 1;
        self.stages[s].folded_deploy_end = None;
        self.stages[s].deployed = Some(rel);
        self.verify_done(rel, s);
    }

    pub(super) fn next_in_lock(&mut self, s: usize) {
        if self.stages[s].holder.is_some() {
            return;
        }
        if self.m.stages[s].strategy.on_newer == OnNewer::FinishThenNewest {
            // The newest waiting release goes next; the older ones are superseded.
            let Some(newest) = self.stages[s].queue.iter().copied().max() else {
                return;
            };
            let queue = std::mem::take(&mut self.stages[s].queue);
            for old in queue.into_iter().filter(|&q| q != newest) {
                self.supersede(old, s);
            }
            return self.acquire(newest, s);
        }
        if let Some(next) = self.stages[s].queue.pop_front() {
            self.acquire(next, s);
        }
    }

    pub(super) fn release_lock(&mut self, s: usize) {
        self.stages[s].holder = None;
        self.next_in_lock(s);
    }

    pub(super) fn deploy_done(&mut self, rel: ReleaseId, s: usize, ok: bool) {
        if self.m.stages[s].deploy_agent {
            self.free_agent();
        }
        if !ok {
            self.stages[s].stats.deploy_failures += u64::from(self.counting());
            self.log(TraceKind::DeployFailed, Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Failed);
            return self.release_lock(s);
        }
        self.stages[s].deployed = Some(rel);
        self.log(TraceKind::Deployed, Some(rel), Some(s), None);
        // Verification: every step in turn; a person's steps are tasks in
        // their working time. Every duration is drawn now, as the steps come.
        let mut plan = std::mem::take(&mut self.stages[s].plan);
        plan.clear();
        for step in &self.m.stages[s].verify {
            plan.push(match step.by {
                None => Planned::Machine {
                    secs: step.duration.sample(&mut self.stages[s].rng),
                    agent: step.agent,
                },
                Some(p) => {
                    let reaction = self.m.people[p].reaction.sample(&mut self.people_rng[p]);
                    let effort = step.duration.sample(&mut self.people_rng[p]);
                    Planned::Person {
                        person: p,
                        reaction,
                        effort,
                    }
                }
            });
        }
        let st = &mut self.stages[s];
        st.plan = plan;
        st.plan_at = 0;
        st.plan_off = 0.0;
        st.plan_wait = 0.0;
        self.verify_from(rel, s, SimTime(self.now));
    }

    pub(super) fn verify_done(&mut self, rel: ReleaseId, s: usize) {
        let detect = self.stages[s].detect;
        if self.catch_defects(rel, |sev| detect[sev.index()], Catcher::Stage(s)) {
            self.log(TraceKind::Rejected, Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Rejected);
            return self.release_lock(s);
        }
        if self.m.stages[s].production {
            return self.start_rollout(rel, s);
        }
        self.pass(rel, s);
    }

    /// The release passed stage `s` (for production: every user runs it).
    pub(super) fn pass(&mut self, rel: ReleaseId, s: usize) {
        let now = self.now;
        self.set_phase(rel, s, Phase::Passed);
        let v = self.visit(rel, s);
        let (eligible, triggered, parts, detail) = (v.eligible, v.triggered, v.parts, v.detail);
        let counting = self.counting();
        let st = &mut self.stages[s];
        if counting {
            let part = |p: StagePart| parts[p.index()];
            let trigger = triggered - eligible - self.m.stages[s].soak;
            let checks = part(StagePart::Checks) + part(StagePart::Window);
            let lock = part(StagePart::Lock);
            let agent = part(StagePart::Agent);
            st.stats.deployments += 1;
            st.stats.trigger_wait += trigger;
            st.stats.check_wait += checks;
            st.stats.lock_wait += lock;
            st.stats.agent_wait += agent;
            st.stats.executing += now - eligible - trigger - checks - lock - agent;
        }
        self.log(TraceKind::Passed, Some(rel), Some(s), None);
        let snap = self.release(rel).snapshot;
        let st = &mut self.stages[s];
        st.passed_upto = st.passed_upto.max(snap);
        if st.leads_to_production && snap > st.front_upto {
            st.front_upto = snap;
            st.front.push_back(Advance {
                upto: snap,
                reached: now,
                detail,
            });
            self.front_moved(Some(s));
        }
        if self.m.stages[s].production {
            self.production_passed(rel);
        }
        let sm = &self.m.stages[s];
        for &d in &sm.downstream {
            let all = self.m.stages[d]
                .deps
                .iter()
                .all(|&u| self.visit(rel, u).phase == Phase::Passed);
            if all {
                self.become_eligible(rel, d);
            }
        }
        self.release_done_one(rel);
        self.release_lock(s);
    }

    /// The visit ends without passing; a rejection or failure ends the release's run here.
    pub(super) fn end_visit(&mut self, rel: ReleaseId, s: usize, outcome: Outcome) {
        self.release_mut(rel).outcome = outcome;
        self.close_visit(rel, s);
    }

    /// A newer release overtook this one at stage `s`.
    pub(super) fn supersede(&mut self, rel: ReleaseId, s: usize) {
        self.stages[s].stats.superseded += u64::from(self.counting());
        self.log(TraceKind::Superseded, Some(rel), Some(s), None);
        self.close_visit(rel, s);
    }

    /// Ends a visit that did not pass: it leaves the stage's queue if it waited there.
    pub(super) fn close_visit(&mut self, rel: ReleaseId, s: usize) {
        let was_waiting = matches!(
            self.visit(rel, s).phase,
            Phase::Approving | Phase::Gating | Phase::Window | Phase::LockQueue | Phase::AgentQueue
        );
        self.set_phase(rel, s, Phase::Ended);
        if was_waiting {
            self.stages[s].waiting.add(self.now, -1.0);
            self.log_queue(rel, Some(s));
        }
        self.release_done_one(rel);
    }

    /// A release at stage `s` waits for something that cannot happen before the horizon.
    pub(super) fn stall(&mut self, s: usize, reason: Stall) {
        let st = &mut self.stages[s].stats;
        st.stalls += 1;
        st.stall_reason.get_or_insert(reason);
        self.log(TraceKind::Stalled, None, Some(s), None);
    }
}
