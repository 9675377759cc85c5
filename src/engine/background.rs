//! Argo's background analysis (`canary.analysis`): from its starting step
//! on, one measurement every interval beside the rollout's steps, whatever
//! they do (a weight, a pause, a wait for the promoter, an analysis step),
//! until the rollout ends or after `count` measurements. Its failed
//! measurements count over the whole rollout: one more than its limit
//! aborts it, as a failed analysis step does; more inconclusive ones than
//! its limit pause the rollout for the promoter. See `docs/model.md`.

use super::TraceKind;
use super::rollout::{Awaiting, place_false_alarm};
use super::{Ev, State};
use crate::metrics::StagePart;
use crate::model::Background;
use crate::rng::chance;
use crate::time::SimTime;

impl State<'_> {
    /// When the rollout at stage `s` is about to run the background
    /// analysis's starting step and it has not begun, it begins.
    pub(super) fn start_background_if_due(&mut self, s: usize) {
        let Some(bg) = self.m.stages[s].strategy.background else {
            return;
        };
        let due = self.stages[s]
            .traffic
            .rollout
            .as_ref()
            .is_some_and(|r| r.bg_token == 0 && r.step == bg.from_step);
        if due {
            self.open_background(s, bg);
        }
    }

    /// A background analysis run opens: its first measurement is over the
    /// interval after the initial delay. A new token makes every event of an
    /// earlier run (an aborted, superseded or inconclusive one) stale.
    fn open_background(&mut self, s: usize, bg: Background) {
        let token = self.canary.next_bg_token(s);
        // A run with a count places a false alarm as an analysis step's run does.
        let p = self.m.stages[s].strategy.false_alarm;
        let false_at = bg
            .count
            .and_then(|n| place_false_alarm(&mut self.stages[s].rng, p, n));
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.bg_false_at = false_at;
        r.bg_taken = 0;
        r.bg_failures = 0;
        r.bg_inconclusive = 0;
        r.bg_token = token;
        r.bg_dose = 0.0;
        r.bg_since = self.now + bg.delay;
        // One analysis run, as Argo creates one AnalysisRun for it.
        self.canary.runs += u64::from(self.counting());
        self.at(
            self.now + bg.delay + bg.interval,
            Ev::Background {
                stage: s as u16,
                token,
            },
        );
    }

    /// The rollout at stage `s`, if its background run `token` is current
    /// and it is not aborting or waiting for a retry.
    fn background_current(&self, s: usize, token: u32) -> bool {
        self.stages[s].traffic.rollout.as_ref().is_some_and(|r| {
            r.bg_token == token && !matches!(r.awaiting, Awaiting::Abort | Awaiting::Retry)
        })
    }

    /// One background measurement at stage `s`, if its run is still current
    /// and the rollout is not aborting. It may first come back inconclusive
    /// (not the false alarm's): it then neither passes nor fails.
    pub(super) fn background_measure(&mut self, s: usize, token: u32) {
        let Some(bg) = self.m.stages[s].strategy.background else {
            return;
        };
        if !self.background_current(s, token) {
            return;
        }
        self.close_background_dose(s);
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        let dose = std::mem::take(&mut r.bg_dose);
        let false_alarm = r.bg_false_at == Some(r.bg_taken);
        if !false_alarm && chance(&mut self.stages[s].rng, bg.inconclusive) {
            return self.background_inconclusive(s, token, bg);
        }
        let failed = self.analysis_fails(s, bg.interval, Some(dose));
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.bg_taken += 1;
        r.bg_failures += u32::from(failed);
        if r.bg_failures > bg.failure_limit {
            return self.analysis_failed(s);
        }
        if false_alarm {
            return self.false_alarm(s);
        }
        self.next_background(s, token, bg);
    }

    /// The run's next measurement, unless it has taken its `count`.
    fn next_background(&mut self, s: usize, token: u32, bg: Background) {
        let taken = self.stages[s].traffic.rollout.as_ref().map(|r| r.bg_taken);
        if bg.count.is_some_and(|c| taken >= Some(c)) {
            return;
        }
        self.at(
            self.now + bg.interval,
            Ev::Background {
                stage: s as u16,
                token,
            },
        );
    }

    /// An inconclusive background measurement. One more than the run's
    /// limit ends the run inconclusive: the rollout pauses (its current step
    /// goes on, but the next one waits) until the promoter resumes it.
    fn background_inconclusive(&mut self, s: usize, token: u32, bg: Background) {
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.bg_taken += 1;
        r.bg_inconclusive += 1;
        if r.bg_inconclusive <= bg.inconclusive_limit {
            return self.next_background(s, token, bg);
        }
        r.bg_paused = true;
        let rel = r.rel;
        self.canary.pauses += u64::from(self.counting());
        self.log(TraceKind::InconclusivePause, Some(rel), Some(s), None);
        // Validation requires a promoter whenever `inconclusive` is above 0.
        let Some(p) = self.m.stages[s].strategy.resumer else {
            return;
        };
        if let Some(t) = self.person_acts(s, p) {
            let stage = s as u16;
            self.at(t.0, Ev::BackgroundResume { stage, token });
        }
    }

    /// The promoter resumed a rollout its background run paused: a step that
    /// ended meanwhile moves on now (the promoter's off-hours while it was
    /// held go to off-hours), and if the rollout goes on a new run opens, as
    /// Argo creates a new AnalysisRun after an inconclusive one.
    pub(super) fn background_resumed(&mut self, s: usize, token: u32) {
        let Some(bg) = self.m.stages[s].strategy.background else {
            return;
        };
        if !self.background_current(s, token) {
            return;
        }
        let now = self.now;
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        r.bg_paused = false;
        let (rel, held) = (r.rel, r.held_since.take());
        self.log(TraceKind::InconclusiveResume, Some(rel), Some(s), None);
        if let Some(since) = held {
            if let Some(p) = self.m.stages[s].strategy.resumer {
                let open = self.m.people[p]
                    .hours
                    .open_time_between(SimTime(since), SimTime(now))
                    .0;
                self.off_hours(rel, s, StagePart::Executing, now - since - open);
            }
            self.advance_rollout(s);
        }
        let goes_on = self.stages[s]
            .traffic
            .rollout
            .as_ref()
            .is_some_and(|r| r.rel == rel && r.bg_token == token);
        if goes_on {
            self.open_background(s, bg);
        }
    }

    /// Adds the canary's weighted traffic since `bg_since` to the running
    /// background measurement's dose, before the weight changes or a
    /// measurement is taken: a measurement sees every weight of its interval
    /// for the time it held.
    pub(super) fn close_background_dose(&mut self, s: usize) {
        let w = self.stages[s].traffic.w;
        let now = self.now;
        let Some(r) = self.stages[s].traffic.rollout.as_ref() else {
            return;
        };
        if r.bg_token == 0 {
            return;
        }
        let since = r.bg_since;
        if now <= since {
            return; // still in the initial delay
        }
        let served = match &self.m.incidents.traffic {
            None => now - since,
            Some(t) => t.integral(since, now),
        };
        if let Some(r) = self.stages[s].traffic.rollout.as_mut() {
            r.bg_dose += w * served;
            r.bg_since = now;
        }
    }
}
