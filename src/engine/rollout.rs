//! Rollouts: the strategy's steps (weights, waits, batches, promotions, canary
//! analysis) that move a production stage's users from its stable release to a
//! new one, and the abort that moves them back.

use super::TraceKind;
use super::production::HISTORY;
use super::{DefectId, Ev, Outcome, ReleaseId, State};
use crate::metrics::{CanaryResult, StagePart, Stall};
use crate::model::{OnNewer, RolloutStep, StrategyKind};
use crate::rng::{SimRng, chance, uniform};
use crate::time::{HOUR, SimDuration, SimTime};

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
    /// The current analysis run: measurements taken, inconclusive ones, and
    /// the one (0-based) a false alarm fails.
    pub run_taken: u32,
    pub run_inconclusive: u32,
    pub run_false_at: Option<u32>,
    /// Flagger: the rollout's one run has been opened.
    pub run_open: bool,
    /// Aborted by its analysis (a real failure or a false alarm): a retry may follow.
    pub analysis_abort: bool,
    /// The background analysis: its measurements and failures so far, and
    /// the token its events carry (0: not begun).
    pub bg_taken: u32,
    pub bg_failures: u32,
    pub bg_token: u32,
    /// The weighted traffic (weight × factor-seconds) the canary served since
    /// the last background measurement, up to `bg_since`.
    pub bg_dose: f64,
    pub bg_since: f64,
    /// The background measurement (0-based) a false alarm fails, if any.
    pub bg_false_at: Option<u32>,
    /// The background run's inconclusive measurements so far.
    pub bg_inconclusive: u32,
    /// The background run had more inconclusive measurements than its limit:
    /// the steps do not move on until the promoter resumes the rollout.
    pub bg_paused: bool,
    /// While paused, the step that ended at this time waits for the resume.
    pub held_since: Option<f64>,
}

impl Rollout {
    fn new(rel: ReleaseId, seq: u32, awaiting: Awaiting) -> Self {
        Rollout {
            rel,
            step: 0,
            seq,
            awaiting,
            failures_step: 0,
            failures_total: 0,
            measurements_left: 0,
            run_taken: 0,
            run_inconclusive: 0,
            run_false_at: None,
            run_open: false,
            analysis_abort: false,
            bg_taken: 0,
            bg_failures: 0,
            bg_token: 0,
            bg_dose: 0.0,
            bg_since: 0.0,
            bg_false_at: None,
            bg_inconclusive: 0,
            bg_paused: false,
            held_since: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Awaiting {
    Step,
    BatchFails,
    Measurement,
    Abort,
    /// Paused on inconclusive analysis until the promoter resumes it.
    Resume,
    /// Aborted by analysis, waiting for the retrier (users on stable).
    Retry,
}

/// Canary analysis bookkeeping of a replication, across stages.
#[derive(Debug, Default)]
pub(super) struct CanaryBook {
    pub(super) runs: u64,
    false_alarms: u64,
    pub(super) pauses: u64,
    cost_secs: f64,
    cost_n: u64,
    /// Per stage: when a false alarm aborted a rollout whose next start is
    /// still to come, and whether it counts (after the warm-up).
    alarm: Vec<Option<(f64, bool)>>,
    /// Per stage: the last rollout sequence number; a new rollout goes on from
    /// it so a stale event of an earlier one can never match.
    seq: Vec<u32>,
    /// Per stage: the last background analysis token handed out (from 1).
    bg_token: Vec<u32>,
}

impl CanaryBook {
    /// A fresh background analysis token for stage `s`.
    pub(super) fn next_bg_token(&mut self, s: usize) -> u32 {
        let t = Self::slot(&mut self.bg_token, s);
        *t += 1;
        *t
    }

    fn slot<T: Default + Clone>(v: &mut Vec<T>, s: usize) -> &mut T {
        if v.len() <= s {
            v.resize(s + 1, T::default());
        }
        &mut v[s]
    }
}

impl State<'_> {
    /// The release passed verification at production stage `s`: roll it out.
    pub(super) fn start_rollout(&mut self, rel: ReleaseId, s: usize) {
        // A release known to carry a defect (caught, fix not in it) is not shipped.
        let idx = (rel.0 - self.base) as usize;
        if self.carries_known_defect(rel) {
            self.stages[s].stats.known_defect_blocks += u64::from(self.counting());
            self.log(TraceKind::BlockedKnownDefect, Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Rejected);
            return self.release_lock(s);
        }
        if self.restart_with_newest(s, true) {
            return;
        }
        if let Some((at, counted)) = CanaryBook::slot(&mut self.canary.alarm, s).take()
            && counted
        {
            // The false alarm's cost ends where the stage's next rollout begins.
            self.canary.cost_secs += self.now - at;
            self.canary.cost_n += 1;
        }
        let counting = self.now >= self.warm;
        self.rollouts += u64::from(counting);
        let r = &mut self.releases[idx];
        if !r.rolled_out {
            // A release's rollouts at every production stage, and their
            // retries, are one production deployment.
            r.rolled_out = true;
            r.counted_deployment = counting;
            self.deployments += u64::from(counting);
        }
        let counted = r.counted_deployment;
        let defects = r.defects.to_vec();
        let now = self.now;
        for &d in &defects {
            let e = &mut self.defects[d as usize].exposure;
            if e.deployed.is_nan() {
                e.deployed = now;
                e.release = counted.then_some(rel);
                let m = self.m;
                let steps = m.incidents.flags.as_ref();
                let steps = steps.filter(|_| self.defects[d as usize].flagged);
                for k in 0..steps.map_or(0, |f| f.ramp.len()) {
                    let at = now + steps.map_or(0.0, |f| f.ramp[k].0);
                    self.at(at, Ev::FlagStep);
                }
            }
        }
        let seq = *CanaryBook::slot(&mut self.canary.seq, s);
        let t = &mut self.stages[s].traffic;
        t.new_defects = defects;
        t.w = 0.0;
        t.rollout = Some(Rollout::new(rel, seq, Awaiting::Step));
        self.log(TraceKind::RolloutStart, Some(rel), Some(s), None);
        self.advance_rollout(s);
    }

    /// Runs rollout steps until one has to wait. While its background
    /// analysis has it paused, the next step waits for the resume instead.
    pub(super) fn advance_rollout(&mut self, s: usize) {
        let strategy = &self.m.stages[s].strategy;
        let now = self.now;
        if let Some(r) = self.stages[s].traffic.rollout.as_mut()
            && r.bg_paused
        {
            r.held_since.get_or_insert(now);
            return;
        }
        loop {
            self.start_background_if_due(s);
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
                    self.close_background_dose(s);
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
                RolloutStep::Promote(p) => return self.wait_for(rel, s, *p, Awaiting::Step),
                RolloutStep::Analysis {
                    interval,
                    count,
                    delay,
                    ..
                } => {
                    r.measurements_left = *count;
                    r.failures_step = 0;
                    r.step -= 1; // stays on this step until its measurements are done
                    if !strategy.whole_run || !r.run_open {
                        // Flagger's one run holds every check of the rollout.
                        let n = if strategy.whole_run {
                            strategy.steps.iter().map(RolloutStep::measurements).sum()
                        } else {
                            *count
                        };
                        self.open_run(s, n);
                    }
                    // The first measurement is over the interval after the delay.
                    return self.rollout_wait(s, delay + interval, Awaiting::Measurement);
                }
            }
        }
    }

    /// Person `p` acts after their reaction, in their working hours: the
    /// rollout waits for them (its off-hours part goes to off-hours).
    fn wait_for(&mut self, rel: ReleaseId, s: usize, p: usize, awaiting: Awaiting) {
        let now = SimTime(self.now);
        if let Some(t) = self.person_acts(s, p) {
            let open = self.m.people[p].hours.open_time_between(now, t).0;
            self.off_hours(rel, s, StagePart::Executing, t.0 - now.0 - open);
            self.rollout_wait(s, t.0 - self.now, awaiting);
        }
    }

    /// When person `p` acts on stage `s`'s rollout: after their reaction,
    /// counted in their working hours. `None` when they never work again:
    /// the rollout holds here (a stall).
    pub(super) fn person_acts(&mut self, s: usize, p: usize) -> Option<SimTime> {
        let person = &self.m.people[p];
        let delay = person.reaction.sample(&mut self.people_rng[p]);
        let t = person
            .hours
            .add_open_time(SimTime(self.now), SimDuration(delay));
        if t.is_none() {
            self.stall(s, Stall::Promoter);
        }
        t
    }

    /// An analysis run of `n` measurements begins: whether it false-alarms,
    /// and on which measurement, is drawn now (nothing when the chance is 0,
    /// so the stage's stream is as without the key).
    fn open_run(&mut self, s: usize, n: u32) {
        let p = self.m.stages[s].strategy.false_alarm;
        self.canary.runs += u64::from(self.counting());
        let false_at = place_false_alarm(&mut self.stages[s].rng, p, n);
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.run_taken = 0;
        r.run_inconclusive = 0;
        r.run_false_at = false_at;
        r.run_open = true;
    }

    fn rollout_wait(&mut self, s: usize, dt: f64, awaiting: Awaiting) {
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.seq += 1;
        r.awaiting = awaiting;
        let seq = r.seq;
        *CanaryBook::slot(&mut self.canary.seq, s) = seq;
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
                let rel = r.rel;
                self.stages[s].stats.deploy_failures += u64::from(self.counting());
                // A deployment that failed in production is a failed change.
                if self.release(rel).counted_deployment {
                    self.failed_deployments.push(rel);
                }
                self.abort_rollout(s);
            }
            Awaiting::Measurement => self.measure(s),
            Awaiting::Abort => self.aborted(s),
            Awaiting::Resume => self.resumed(s),
            Awaiting::Retry => self.retry(s),
        }
    }

    /// One canary analysis measurement: each exposed defect of the canary makes
    /// it fail with probability 1 − exp(−sensitivity × weight × interval). The
    /// run's false-alarm measurement fails it outright; any other may first come
    /// back inconclusive (it then neither passes nor fails).
    fn measure(&mut self, s: usize) {
        let strategy = &self.m.stages[s].strategy;
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
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
        let false_alarm = r.run_false_at == Some(r.run_taken);
        r.run_taken += 1;
        if !false_alarm
            && strategy.inconclusive > 0.0
            && chance(&mut self.stages[s].rng, strategy.inconclusive)
        {
            return self.inconclusive(s, interval);
        }
        let failed = self.analysis_fails(s, interval, None);
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
            return self.analysis_failed(s);
        }
        if false_alarm {
            return self.false_alarm(s);
        }
        self.measured(s, interval);
    }

    /// A false alarm fails the run whatever the limits; it pins no defect.
    pub(super) fn false_alarm(&mut self, s: usize) {
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.analysis_abort = true;
        let rel = r.rel;
        let counted = self.counting();
        self.canary.false_alarms += u64::from(counted);
        *CanaryBook::slot(&mut self.canary.alarm, s) = Some((self.now, counted));
        self.log(TraceKind::FalseAlarm, Some(rel), Some(s), None);
        self.abort_rollout(s);
    }

    /// Whether a canary analysis measurement over the `interval` just ended
    /// fails: each of the canary's defects makes it fail with probability
    /// 1 − exp(−sensitivity × weight × traffic served), one draw per defect.
    /// `weighted`: the canary's weight × traffic over the measurement, when
    /// the weight may have changed inside it (a background measurement);
    /// `None`: the weight held all `interval` (an analysis step).
    pub(super) fn analysis_fails(
        &mut self,
        s: usize,
        interval: f64,
        weighted: Option<f64>,
    ) -> bool {
        let analysis = self.m.stages[s].strategy.analysis;
        let mut failed = false;
        for k in 0..self.stages[s].traffic.new_defects.len() {
            let d = self.stages[s].traffic.new_defects[k];
            let def = &self.defects[d as usize];
            let (share, served) = match weighted {
                None => self.analysis_dose(s, d, interval),
                Some(dose) => (self.flag_factor(d), dose),
            };
            let p = 1.0 - (-analysis[def.severity.index()] * share * served).exp();
            if uniform(&mut self.incidents_rng) < p {
                failed = true;
            }
        }
        failed
    }

    /// The analysis failed the rollout: it saw the canary's own defects, each
    /// detected now, and the rollout aborts.
    pub(super) fn analysis_failed(&mut self, s: usize) {
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.analysis_abort = true;
        let rel = r.rel;
        self.log(TraceKind::AnalysisFailed, Some(rel), Some(s), None);
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
        self.abort_rollout(s);
    }

    /// A measurement is done without failing the run: the next one, or the next step.
    fn measured(&mut self, s: usize, interval: f64) {
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.measurements_left -= 1;
        if r.measurements_left > 0 {
            self.rollout_wait(s, interval, Awaiting::Measurement);
        } else {
            r.step += 1;
            self.advance_rollout(s);
        }
    }

    /// An inconclusive measurement: past the run's limit the rollout pauses for
    /// the promoter (Argo's `inconclusiveLimit`).
    fn inconclusive(&mut self, s: usize, interval: f64) {
        let limit = self.m.stages[s].strategy.inconclusive_limit;
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.run_inconclusive += 1;
        if r.run_inconclusive <= limit {
            return self.measured(s, interval);
        }
        let rel = r.rel;
        self.canary.pauses += u64::from(self.counting());
        self.log(TraceKind::InconclusivePause, Some(rel), Some(s), None);
        // Validation requires a promoter whenever `inconclusive` is above 0.
        if let Some(p) = self.m.stages[s].strategy.resumer {
            self.wait_for(rel, s, p, Awaiting::Resume);
        }
    }

    /// The promoter resumed an inconclusive run: it counts as passed. Argo goes
    /// on after the analysis step; Flagger's run was the whole analysis, so the
    /// canary is promoted (its last step, 100 %).
    fn resumed(&mut self, s: usize) {
        let strategy = &self.m.stages[s].strategy;
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.step = if strategy.whole_run {
            strategy.steps.len() - 1
        } else {
            r.step + 1
        };
        let rel = r.rel;
        self.log(TraceKind::InconclusiveResume, Some(rel), Some(s), None);
        self.advance_rollout(s);
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
        // An analysis abort that left the release with no known defect (a false
        // alarm, or defects the analysis could not pin): the retrier may retry
        // it; the release keeps the lock meanwhile, as with `argo rollouts retry`.
        if let Some(p) = self.m.stages[s].strategy.retried_by
            && r.analysis_abort
            && !self.carries_known_defect(r.rel)
        {
            let seq = r.seq;
            self.stages[s].traffic.rollout = Some(Rollout::new(r.rel, seq, Awaiting::Retry));
            return self.wait_for(r.rel, s, p, Awaiting::Retry);
        }
        self.end_visit(r.rel, s, Outcome::Rejected);
        self.release_lock(s);
    }

    fn carries_known_defect(&self, rel: ReleaseId) -> bool {
        let idx = (rel.0 - self.base) as usize;
        self.known_bad(&self.releases[idx].defects)
    }

    /// The retrier retries the aborted rollout from its first step (no new
    /// deploy or verification); a defect caught meanwhile still blocks it.
    fn retry(&mut self, s: usize) {
        let Some(r) = self.stages[s].traffic.rollout.take() else {
            return;
        };
        self.log(TraceKind::RolloutRetry, Some(r.rel), Some(s), None);
        self.stages[s].deployed = Some(r.rel);
        self.start_rollout(r.rel, s);
    }

    /// `restart_with_newest`: when a newer release waits at the lock while the
    /// holder is rolling out (not aborting), the rollout stops at once — its
    /// users back on stable, no abort time — the holder is superseded, older
    /// waiting releases too, and the newest takes the lock. `starting`: the
    /// holder is about to start its rollout. True when it did.
    pub(super) fn restart_with_newest(&mut self, s: usize, starting: bool) -> bool {
        if self.m.stages[s].strategy.on_newer != OnNewer::RestartWithNewest {
            return false;
        }
        let st = &self.stages[s];
        let Some(holder) = st.holder else {
            return false;
        };
        let Some(&newest) = st.queue.iter().max() else {
            return false;
        };
        let rolling_out = starting
            || st
                .traffic
                .rollout
                .as_ref()
                .is_some_and(|r| r.rel == holder && r.awaiting != Awaiting::Abort);
        if newest < holder || !rolling_out {
            return false;
        }
        let t = &mut self.stages[s].traffic;
        if t.rollout.take().is_some() {
            t.w = 0.0;
            t.new_defects.clear();
            self.stages[s].deployed = self.stages[s].traffic.stable;
            self.refresh_exposure();
        }
        self.supersede(holder, s);
        self.stages[s].holder = None;
        let queue = std::mem::take(&mut self.stages[s].queue);
        for old in queue.into_iter().filter(|&q| q != newest) {
            self.supersede(old, s);
        }
        self.acquire(newest, s);
        true
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

impl State<'_> {
    /// Canary analysis statistics at the horizon.
    pub(super) fn finish_canary(&self, weeks: f64) -> CanaryResult {
        let c = &self.canary;
        let per = |x: f64, n: u64| if n > 0 { x / n as f64 } else { f64::NAN };
        CanaryResult {
            runs: c.runs,
            runs_per_week: c.runs as f64 / weeks,
            false_alarms: c.false_alarms,
            false_alarms_per_week: c.false_alarms as f64 / weeks,
            false_alarm_share: per(c.false_alarms as f64, c.runs),
            inconclusive_pauses: c.pauses,
            inconclusive_pauses_per_week: c.pauses as f64 / weeks,
            false_alarm_cost_h: per(c.cost_secs / HOUR, c.cost_n),
        }
    }
}

/// The measurement (0-based, of `n`) a run's false alarm fails, if it has
/// one (probability `p`): one draw whether, one which; none when `p` is 0.
pub(super) fn place_false_alarm(rng: &mut SimRng, p: f64, n: u32) -> Option<u32> {
    (p > 0.0 && chance(rng, p))
        .then(|| ((uniform(rng) * f64::from(n)) as u32).min(n.saturating_sub(1)))
}
