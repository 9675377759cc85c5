//! Argo's background analysis (`canary.analysis`): from its starting step
//! on, one measurement every interval beside the rollout's steps, whatever
//! they do (a weight, a pause, a wait for the promoter, an analysis step),
//! until the rollout ends or after `count` measurements. Its failed
//! measurements count over the whole rollout: one more than its limit
//! aborts it, as a failed analysis step does. See `docs/model.md`.

use super::rollout::{Awaiting, place_false_alarm};
use super::{Ev, State};

impl State<'_> {
    /// When the rollout at stage `s` is about to run the background
    /// analysis's starting step and it has not begun: its first measurement
    /// is one interval away. A new token makes every event of an earlier run
    /// (an aborted or superseded rollout) stale.
    pub(super) fn start_background_if_due(&mut self, s: usize) {
        let Some(bg) = self.m.stages[s].strategy.background else {
            return;
        };
        let due = self.stages[s]
            .traffic
            .rollout
            .as_ref()
            .is_some_and(|r| r.bg_token == 0 && r.step == bg.from_step);
        if !due {
            return;
        }
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
        r.bg_token = token;
        r.bg_dose = 0.0;
        // The first measurement is over the interval after the delay.
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

    /// One background measurement at stage `s`, if its run is still current
    /// and the rollout is not aborting.
    pub(super) fn background_measure(&mut self, s: usize, token: u32) {
        let Some(bg) = self.m.stages[s].strategy.background else {
            return;
        };
        let current = self.stages[s].traffic.rollout.as_ref().is_some_and(|r| {
            r.bg_token == token && !matches!(r.awaiting, Awaiting::Abort | Awaiting::Retry)
        });
        if !current {
            return;
        }
        self.close_background_dose(s);
        let dose = self.stages[s]
            .traffic
            .rollout
            .as_mut()
            .map_or(0.0, |r| std::mem::take(&mut r.bg_dose));
        let failed = self.analysis_fails(s, bg.interval, Some(dose));
        let Some(r) = self.stages[s].traffic.rollout.as_mut() else {
            return;
        };
        let false_alarm = r.bg_false_at == Some(r.bg_taken);
        r.bg_taken += 1;
        r.bg_failures += u32::from(failed);
        if r.bg_failures > bg.failure_limit {
            return self.analysis_failed(s);
        }
        if false_alarm {
            return self.false_alarm(s);
        }
        if bg.count.is_some_and(|c| r.bg_taken >= c) {
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
