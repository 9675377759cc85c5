//! Production: what share of users runs which defect, and incidents —
//! detection, rollback and blast radius. The rollout steps that move users
//! between releases are in `rollout.rs`.
//!
//! Each production stage splits its users between a *stable* release and, while
//! a rollout runs, a *new* one with weight `w`. A defect's exposure is the share
//! of all users running a release that carries it (production stages split the
//! users equally), times the feature-flag share. Monitoring notices a defect as
//! a Poisson process whose rate is its severity's rate times its exposure: a unit
//! exponential threshold is drawn when it is first exposed and the detection is
//! scheduled when the integrated hazard reaches it, recomputed at every change of
//! exposure (piecewise constant, so exactly).

use super::TraceKind;
use super::rollout::Rollout;
use super::{DefectId, Ev, ReleaseId, State};
use crate::model::StrategyKind;
use crate::rng::Keyed;
use crate::time::HOUR;

/// How many releases that ran at 100 % a production stage keeps as rollback
/// candidates (the version that ran before the run counts among them).
pub(super) const HISTORY: usize = 16;

/// A release users ran: `None` is the version that ran before the run started.
/// With its snapshot and the defects it carries.
pub(super) type Ran = (Option<ReleaseId>, u64, Vec<DefectId>);

/// What a production stage's users run.
#[derive(Debug, Default)]
pub(super) struct Traffic {
    /// `None`: the version that ran before the run started.
    pub stable: Option<ReleaseId>,
    pub stable_snapshot: u64,
    pub stable_defects: Vec<DefectId>,
    pub new_defects: Vec<DefectId>,
    /// Share of this stage's users on the new release.
    pub w: f64,
    pub rollout: Option<Rollout>,
    /// Releases that ran at 100 % before the stable one, in the order they
    /// ran, the most recent last: the rollback candidates.
    pub history: Vec<Ran>,
    /// Blue-green: the previous colour still runs until then.
    pub old_colour_until: f64,
    /// Invalidates scheduled rollbacks that a newer change overtook.
    pub restore_seq: u32,
    pub restore_to: Option<Ran>,
}

/// Exposure bookkeeping of one defect.
#[derive(Debug, Clone, Copy)]
pub(super) struct Exposure {
    pub x: f64,
    pub last: f64,
    pub hazard: f64,
    pub threshold: f64,
    pub area: f64,
    /// Seconds with some user exposed.
    pub exposed: f64,
    pub peak: f64,
    /// Largest exposed share × traffic factor (users at once ÷ `users`).
    pub peak_load: f64,
    pub first: f64,
    pub detected: f64,
    pub by_analysis: bool,
    pub recovered: f64,
    /// The number of the one detection event still current (scheduled
    /// after the last change of exposure); 0: none. Earlier ones are stale.
    pub detect_seq: u64,
    /// First production deployment of its code (the flag ramp's clock).
    pub deployed: f64,
    /// The release whose rollout first shipped it, when that deployment
    /// counts (began after the warm-up).
    pub release: Option<ReleaseId>,
    /// Seconds with some user exposed from the first exposure to detection.
    pub exposed_to_detection: f64,
}

impl Default for Exposure {
    fn default() -> Self {
        Exposure {
            x: 0.0,
            last: 0.0,
            hazard: 0.0,
            threshold: f64::INFINITY,
            area: 0.0,
            exposed: 0.0,
            peak: 0.0,
            peak_load: 0.0,
            first: f64::NAN,
            detected: f64::NAN,
            by_analysis: false,
            recovered: f64::NAN,
            detect_seq: 0,
            deployed: f64::NAN,
            release: None,
            exposed_to_detection: f64::NAN,
        }
    }
}
impl State<'_> {
    /// Share of all users exposed to defect `d` now.
    fn exposure_of(&self, d: DefectId) -> f64 {
        let prod = &self.m.production;
        let mut x = 0.0;
        for (k, &p) in prod.iter().enumerate() {
            let t = &self.stages[p].traffic;
            let in_stable = t.stable_defects.contains(&d);
            let in_new = t.rollout.is_some() && t.new_defects.contains(&d);
            let here =
                (1.0 - t.w) * f64::from(u8::from(in_stable)) + t.w * f64::from(u8::from(in_new));
            // Rings with their own shares; otherwise an equal split below.
            x += self
                .m
                .production_shares
                .as_ref()
                .map_or(here, |w| w[k] * here);
        }
        let split = if self.m.production_shares.is_some() {
            1.0
        } else {
            prod.len().max(1) as f64
        };
        x / split * self.flag_factor(d)
    }

    /// The share of the users running defect `d`'s code that its feature flag
    /// exposes it to: 1 without a flag, 0 once the kill switch turned it off.
    pub(super) fn flag_factor(&self, d: DefectId) -> f64 {
        let def = &self.defects[d as usize];
        match &self.m.incidents.flags {
            _ if def.killed => 0.0,
            Some(f) if def.flagged && !def.exposure.deployed.is_nan() => {
                f.share_at(self.now - def.exposure.deployed)
            }
            _ => 1.0,
        }
    }

    /// A canary analysis measurement's dose of defect `d` at stage `s` over
    /// the `interval` just ended: the canary's weight × the flag's share ×
    /// the traffic served (factor × seconds; the interval when traffic is
    /// flat), as (share, served) so the flat case multiplies as it always did.
    pub(super) fn analysis_dose(&self, s: usize, d: DefectId, interval: f64) -> (f64, f64) {
        let share = self.stages[s].traffic.w * self.flag_factor(d);
        let served = match &self.m.incidents.traffic {
            None => interval,
            Some(t) => t.integral(self.now - interval, self.now),
        };
        (share, served)
    }

    /// Recomputes every candidate defect's exposure after a change of traffic.
    pub(super) fn refresh_exposure(&mut self) {
        let mut cand = std::mem::take(&mut self.scratch);
        cand.clear();
        cand.extend_from_slice(&self.live);
        for &p in &self.m.production {
            let t = &self.stages[p].traffic;
            cand.extend_from_slice(&t.stable_defects);
            cand.extend_from_slice(&t.new_defects);
        }
        cand.sort_unstable();
        cand.dedup();
        self.live.clear();
        for &d in &cand {
            let x = self.exposure_of(d);
            self.set_exposure(d, x);
            if x > 0.0 {
                self.live.push(d);
            }
        }
        self.scratch = cand;
    }

    fn set_exposure(&mut self, d: DefectId, x: f64) {
        let now = self.now;
        let rate = self.m.incidents.monitoring[self.defects[d as usize].severity.index()];
        let first_time = x > 0.0 && self.defects[d as usize].exposure.first.is_nan();
        if first_time {
            // First exposure: the defect escaped to production.
            let threshold = rand_distr::Distribution::sample(
                &rand_distr::Exp1,
                &mut self.keyed(Keyed::Monitoring, d),
            );
            let def = &mut self.defects[d as usize];
            def.escaped = true;
            def.exposure.first = now;
            def.exposure.last = now;
            def.exposure.threshold = threshold;
            if now >= self.warm {
                self.defect_stats.escaped[def.severity.index()] += 1;
            }
        }
        let traffic = self.m.incidents.traffic.as_ref();
        let e = &mut self.defects[d as usize].exposure;
        let dt = now - e.last;
        // Users actually served over the interval: factor × seconds.
        let served = traffic.map_or(dt, |t| t.integral(e.last, now));
        if e.x > 0.0 {
            e.exposed += dt;
            let load = traffic.map_or(1.0, |t| t.max_between(e.last, now));
            e.peak_load = e.peak_load.max(e.x * load);
        }
        e.area += e.x * served;
        e.hazard += rate * e.x * served;
        e.last = now;
        if x == e.x {
            return;
        }
        // Time to restore ends the first time no user is exposed after detection.
        if x == 0.0 && e.x > 0.0 && !e.detected.is_nan() && e.recovered.is_nan() {
            e.recovered = now;
        }
        e.x = x;
        e.peak = e.peak.max(x);
        e.detect_seq = 0;
        let detect_at = if x > 0.0 && e.detected.is_nan() && rate > 0.0 {
            let dose = (e.threshold - e.hazard).max(0.0) / (rate * x);
            match traffic {
                None => Some(now + dose),
                // When enough users have been served; never without traffic.
                Some(t) => t.reach(now, dose),
            }
        } else {
            None
        };
        self.log_defect(TraceKind::Exposure, d, None, Some(x));
        if let Some(at) = detect_at {
            self.at(at, Ev::Detect { defect: d });
            self.defects[d as usize].exposure.detect_seq = self.seq;
        }
    }

    pub(super) fn detect_event(&mut self, d: DefectId, seq: u64) {
        let e = &self.defects[d as usize].exposure;
        if e.detect_seq != seq || !e.detected.is_nan() {
            return;
        }
        self.detect(d, false);
        self.recover_from(d);
    }

    /// A detected flagged defect's flag is turned off after the kill
    /// switch's time, drawn from the defect's own stream.
    fn kill_switch(&mut self, d: DefectId) {
        let mut rng = self.keyed(Keyed::Flag, d);
        let _ = crate::rng::uniform(&mut rng); // the draw that flagged it
        let flags = self.m.incidents.flags.as_ref();
        let dt = flags
            .and_then(|f| f.kill_switch.as_ref())
            .map_or(0.0, |k| k.sample(&mut rng));
        self.log_defect(TraceKind::KillSwitch, d, None, Some(dt / HOUR));
        self.at(self.now + dt, Ev::FlagKill { defect: d });
    }

    /// A detected flagged defect is switched off, not rolled back.
    pub(super) fn kill_switch_applies(&self, d: DefectId) -> bool {
        self.defects[d as usize].flagged
            && self
                .m
                .incidents
                .flags
                .as_ref()
                .is_some_and(|f| f.kill_switch.is_some())
    }

    /// The kill switch took effect: no user runs defect `d` any more.
    pub(super) fn flag_killed(&mut self, d: DefectId) {
        self.defects[d as usize].killed = true;
        self.refresh_exposure();
    }

    /// A defect is noticed in production: it is caught (its fix is scheduled)
    /// and its rollout counts as failed.
    pub(super) fn detect(&mut self, d: DefectId, by_analysis: bool) {
        let now = self.now;
        let def = &mut self.defects[d as usize];
        if !def.exposure.detected.is_nan() {
            return;
        }
        let e = &mut def.exposure;
        e.detected = now;
        e.by_analysis = by_analysis;
        // Exposure is piecewise: the hours users ran it, gaps left out.
        e.exposed_to_detection = e.exposed + if e.x > 0.0 { now - e.last } else { 0.0 };
        if let Some(rel) = e.release {
            self.failed_deployments.push(rel);
        }
        self.log_defect(
            if by_analysis {
                TraceKind::DetectedByAnalysis
            } else {
                TraceKind::IncidentDetected
            },
            d,
            None,
            None,
        );
        self.mark_caught(d, None);
        // By monitoring or canary analysis: a flagged defect is switched off.
        if self.kill_switch_applies(d) {
            self.kill_switch(d);
        }
    }
    /// Undoes what exposes `d`: abort a rollout that carries it, and roll the
    /// stable release back (see [`Self::rollback_target`]); blue-green switches
    /// back while the old colour still runs it. With no candidate the team fixes
    /// forward: exposure lasts until a release with the fix ships.
    fn recover_from(&mut self, d: DefectId) {
        if self.kill_switch_applies(d) {
            return; // its flag is turned off instead
        }
        for k in 0..self.m.production.len() {
            let s = self.m.production[k];
            let t = &self.stages[s].traffic;
            if t.rollout.is_some() && t.new_defects.contains(&d) {
                self.abort_rollout(s);
            }
            let t = &self.stages[s].traffic;
            if !t.stable_defects.contains(&d) {
                continue;
            }
            // A rollback under way to a release now known to be bad is re-aimed.
            let retarget = match &t.restore_to {
                Some(to) if !self.known_bad(&to.2) => continue,
                Some(_) => true,
                None => false,
            };
            let Some(target) = self.rollback_target(s) else {
                if retarget {
                    let t = &mut self.stages[s].traffic;
                    t.restore_to = None;
                    t.restore_seq += 1;
                }
                continue;
            };
            let t = &self.stages[s].traffic;
            let strategy = &self.m.stages[s].strategy;
            let switch_back = strategy.kind == StrategyKind::BlueGreen
                && self.now < t.old_colour_until
                && t.history.last().is_some_and(|h| h.0 == target.0);
            let dt = if switch_back {
                strategy.switch
            } else {
                self.m.incidents.rollback.sample(&mut self.incidents_rng)
            };
            if self.now >= self.warm && !retarget {
                self.rollbacks += 1;
            }
            let t = &mut self.stages[s].traffic;
            t.restore_seq += 1;
            let to = target.0.map_or(-1.0, |r| f64::from(r.0));
            t.restore_to = Some(target);
            let seq = t.restore_seq;
            let event = if retarget {
                TraceKind::RollbackRetarget
            } else {
                TraceKind::RollbackStart
            };
            self.log_defect(event, d, Some(s), Some(to));
            self.at(
                self.now + dt,
                Ev::Restore {
                    stage: s as u16,
                    seq,
                },
            );
        }
    }

    /// Carries a defect that is known (caught by tests or detected in production).
    pub(super) fn known_bad(&self, defects: &[DefectId]) -> bool {
        defects.iter().any(|&d| {
            let def = &self.defects[d as usize];
            def.caught && !(def.killed || self.kill_switch_applies(d))
        })
    }

    /// Where production stage `s` rolls back to: the newest release older than
    /// the running one that carries no known defect, among the last releases
    /// that ran there at 100 % (the version before the run included). Never
    /// forward, never to a known-bad build.
    fn rollback_target(&self, s: usize) -> Option<Ran> {
        let t = &self.stages[s].traffic;
        t.history
            .iter()
            .filter(|h| h.0 < t.stable && !self.known_bad(&h.2))
            .max_by_key(|h| h.0)
            .cloned()
    }

    /// A production stage starts deploying a new release. Blue-green deploys it
    /// to the idle colour, which overwrites the previous release kept there.
    pub(super) fn deploy_begins(&mut self, s: usize) {
        if self.m.stages[s].strategy.kind != StrategyKind::BlueGreen {
            return;
        }
        let now = self.now;
        let t = &mut self.stages[s].traffic;
        if now < t.old_colour_until {
            // It was counted as running until scale-down.
            self.extra_env_secs -= (t.old_colour_until - now.max(self.warm)).max(0.0);
            t.old_colour_until = now;
        }
    }

    pub(super) fn restore_event(&mut self, s: usize, seq: u32) {
        let t = &mut self.stages[s].traffic;
        if t.restore_seq != seq {
            return;
        }
        let Some((rel, snapshot, defects)) = t.restore_to.take() else {
            return;
        };
        // Blue-green: the colour switched away from is the bad release now.
        t.old_colour_until = self.now;
        let bad = std::mem::replace(&mut t.stable, rel);
        t.stable_snapshot = snapshot;
        t.stable_defects = defects;
        self.stages[s].deployed = rel;
        self.log(TraceKind::RolledBack, bad, Some(s), None);
        self.log(TraceKind::Running, rel, Some(s), None);
        self.refresh_exposure();
        // A defect detected while this rollback was under way may still be
        // running (the target carries it too): undo it in turn.
        let mut still = std::mem::take(&mut self.scratch);
        still.clear();
        still.extend(
            self.live
                .iter()
                .copied()
                .filter(|&d| !self.defects[d as usize].exposure.detected.is_nan()),
        );
        for &d in &still {
            self.recover_from(d);
        }
        self.scratch = still;
    }

    /// Incident statistics at the horizon (exposure integrated up to it).
    pub(super) fn finish_incidents(&mut self) -> crate::metrics::IncidentResult {
        let end = self.m.horizon.0;
        let users = self.m.incidents.users;
        let mut r = crate::metrics::IncidentResult::default();
        let (mut area, mut peak, mut restore, mut restore_n, mut from_exp) =
            (0.0, 0.0, 0.0, 0u64, 0.0);
        let (mut exposed, mut delay, mut peak_load) = (0.0, 0.0, 0.0);
        let traffic = self.m.incidents.traffic.as_ref();
        for def in &self.defects {
            let e = &def.exposure;
            // Incidents that began after the warm-up.
            if e.first.is_nan() || e.first < self.warm {
                continue;
            }
            let tail = traffic.map_or(end - e.last, |t| t.integral(e.last, end));
            let a = e.area + e.x * tail;
            exposed += e.exposed + if e.x > 0.0 { end - e.last } else { 0.0 };
            let tail_load = if e.x > 0.0 && end > e.last {
                e.x * traffic.map_or(1.0, |t| t.max_between(e.last, end))
            } else {
                0.0
            };
            r.incidents += 1;
            r.by_severity[def.severity.index()] += 1;
            area += a;
            peak += e.peak;
            peak_load += e.peak_load.max(tail_load);
            if !e.detected.is_nan() {
                r.detected += 1;
                r.detected_by_analysis += u64::from(e.by_analysis);
                delay += e.exposed_to_detection;
                if !e.recovered.is_nan() {
                    restore += e.recovered - e.detected;
                    from_exp += e.exposed_to_detection + e.recovered - e.detected;
                    restore_n += 1;
                }
            }
        }
        let per = |x: f64, n: u64| if n > 0 { x / n as f64 } else { f64::NAN };
        r.share_hours = per(area / HOUR, r.incidents);
        r.user_hours = r.share_hours * users;
        r.user_hours_total = area / HOUR * users;
        r.peak_share = per(peak, r.incidents);
        r.peak_users = per(peak_load, r.incidents) * users;
        r.exposed_h = per(exposed / HOUR, r.incidents);
        r.detection_delay_h = per(delay / HOUR, r.detected);
        r.restore_h = per(restore / HOUR, restore_n);
        r.restore_from_exposure_h = per(from_exp / HOUR, restore_n);
        r.rollbacks = self.rollbacks;
        r.aborts = self.aborts;
        r.rollouts = self.rollouts;
        r.deployments = self.deployments;
        self.failed_deployments.sort_unstable();
        self.failed_deployments.dedup();
        r.failed_deployments = self.failed_deployments.len() as u64;
        r.change_failure_rate = per(r.failed_deployments as f64, r.deployments);
        let span = end - self.warm;
        r.environment_hours = (self.m.production.len() as f64 * span + self.extra_env_secs) / HOUR;
        r
    }
}
