//! Commits and defects: the commit stream, the defect each commit may carry,
//! and what happens when tests or production catch one.

use std::rc::Rc;

use super::TraceKind;
use super::production::Exposure;
use super::{CommitRecord, ReleaseId};
use super::{Defect, DefectId, Ev, State};
use crate::model::Arrivals;
use crate::rng::{self, SimRng, chance, uniform};
use crate::stream::Severity;
use crate::time::{HOUR, SimTime};

impl State<'_> {
    pub(super) fn schedule_next_arrival(&mut self) {
        match &self.m.arrivals {
            Arrivals::Poisson(p) => {
                let e: f64 =
                    rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.arrivals_rng);
                self.poisson_target += e;
                let cum = &p.cum;
                let mut h = self.poisson_hour;
                while h + 1 < cum.len() && cum[h + 1] < self.poisson_target {
                    h += 1;
                }
                self.poisson_hour = h;
                if h + 1 >= cum.len() {
                    return;
                }
                let frac = (self.poisson_target - cum[h]) / (cum[h + 1] - cum[h]);
                self.arrival_at((h as f64 + frac) * HOUR);
            }
            Arrivals::Replay { .. } => {
                if let Some(&(t, _)) = self.replay.get(self.replay_next) {
                    self.arrival_at(t);
                }
            }
        }
    }

    /// The defect a new (non-fix) commit introduces: the history's mark, or a draw.
    /// Always two draws per commit, so the defect stream does not depend on
    /// policy; none when no commit can carry a defect (nothing else draws
    /// from this stream, so no other draw moves).
    pub(super) fn draw_defect(&mut self) -> Option<Severity> {
        let mark = match &self.m.arrivals {
            Arrivals::Replay { .. } => {
                let mark = self.replay.get(self.replay_next).and_then(|c| c.1);
                self.replay_next += 1;
                mark
            }
            Arrivals::Poisson(_) => None,
        };
        let d = &self.m.defects;
        if d.probability <= 0.0 {
            return mark;
        }
        let u = uniform(&mut self.defects_rng);
        let v = uniform(&mut self.defects_rng);
        mark.or_else(|| {
            (u < d.probability).then(|| {
                let k = d.severity_cdf.iter().position(|&c| v < c).unwrap_or(2);
                Severity::ALL[k]
            })
        })
    }

    pub(super) fn commit_arrives(&mut self, defect: Option<Severity>, fix: bool) {
        let id = self.arrived;
        self.arrived += 1;
        self.pending.push_back(self.now);
        if fix {
            self.fix_commits.push(id);
        }
        if self.opts.commit_records {
            self.commit_records.push(CommitRecord {
                commit: id,
                arrived: SimTime(self.now),
                delivered: None,
                release: None,
                fix,
                breakdown: None,
            });
        }
        if let Some(severity) = defect {
            let d = self.defects.len() as DefectId;
            let counted = self.now >= self.warm;
            let flagged = self.draw_flagged(d);
            self.defects.push(Defect {
                severity,
                evaluated: 0,
                detects: 0,
                caught: false,
                fixed: false,
                escaped: false,
                flagged,
                killed: false,
                exposure: Exposure::default(),
            });
            self.main_open.push(d);
            self.main_open_shared = None;
            if counted {
                self.defect_stats.introduced += 1;
            }
            self.log_defect(TraceKind::DefectIntroduced, d, None, Some(id as f64));
        }
        self.log(TraceKind::Commit, None, None, Some(id as f64));
    }

    /// Checks each defect of `rel` against the catcher's tests (whether they
    /// catch it is drawn the first time they meet it); marks the newly caught
    /// and schedules their fixes. True when anything was caught.
    pub(super) fn catch_defects(
        &mut self,
        rel: ReleaseId,
        p: impl Fn(Severity) -> f64,
        by: Catcher,
    ) -> bool {
        let idx = (rel.0 - self.base) as usize;
        let slot = by.index() as usize;
        if let Some((set, caught)) = &self.checked[slot]
            && Rc::ptr_eq(set, &self.releases[idx].defects)
        {
            return *caught;
        }
        let defects = Rc::clone(&self.releases[idx].defects);
        let mut caught = false;
        for &d in defects.iter() {
            let sev = self.defects[d as usize].severity;
            let bit = 1u64 << by.index();
            if self.defects[d as usize].evaluated & bit == 0 {
                let hit = chance(
                    &mut self.keyed(rng::Keyed::Detection(by.index()), d),
                    p(sev),
                );
                let def = &mut self.defects[d as usize];
                def.evaluated |= bit;
                if hit {
                    def.detects |= bit;
                }
            }
            if self.defects[d as usize].detects & bit == 0 {
                continue;
            }
            caught = true;
            self.mark_caught(d, Some(by));
        }
        self.checked[slot] = Some((defects, caught));
        caught
    }

    /// A defect becomes known (by tests, or in production when `by` is `None`):
    /// the first time, its fix commit is scheduled.
    pub(super) fn mark_caught(&mut self, d: DefectId, by: Option<Catcher>) {
        // Counted when caught after the warm-up, like every event counter.
        let counted = self.counting();
        let def = &mut self.defects[d as usize];
        if def.caught {
            return;
        }
        def.caught = true;
        if !def.fixed {
            self.open_caught += 1;
        }
        // Known before any user ran it: its flag is simply never turned on.
        let never_exposed = def.exposure.first.is_nan();
        if never_exposed && self.kill_switch_applies(d) {
            self.defects[d as usize].killed = true;
        }
        let stage = match by {
            Some(Catcher::Stage(s)) => Some(s),
            _ => None,
        };
        self.log_defect(TraceKind::DefectCaught, d, stage, None);
        if counted {
            match by {
                Some(Catcher::Build) => self.build_stats.defects_caught += 1,
                Some(Catcher::Stage(s)) => self.stages[s].stats.defects_caught += 1,
                None => {}
            }
            if by.is_some() {
                self.defect_stats.caught += 1;
            }
        }
        let fix = self
            .m
            .defects
            .fix_time
            .sample(&mut self.keyed(rng::Keyed::Fix, d));
        self.at(self.now + fix, Ev::FixLands(d));
    }

    /// The stream that belongs to defect `d` for `what`.
    /// Whether defect `d`'s change ships behind a flag: a draw from its own
    /// stream only when the share is strictly between 0 and 1.
    fn draw_flagged(&self, d: DefectId) -> bool {
        match &self.m.incidents.flags {
            None => false,
            Some(f) if f.share >= 1.0 => true,
            Some(f) if f.share <= 0.0 => false,
            Some(f) => chance(&mut self.keyed(rng::Keyed::Flag, d), f.share),
        }
    }

    pub(super) fn keyed(&self, what: rng::Keyed, d: DefectId) -> SimRng {
        rng::keyed(self.m.seed, self.rep, what, u64::from(d))
    }
}

#[derive(Clone, Copy)]
pub(super) enum Catcher {
    Build,
    Stage(usize),
}

impl Catcher {
    pub(super) fn index(self) -> u32 {
        match self {
            Catcher::Build => 0,
            Catcher::Stage(s) => 1 + s as u32,
        }
    }
}

/// A replayed history at `volume` times its size: each commit appears
/// ⌊volume⌋ times, plus once more with probability frac(volume); extra copies
/// land at a uniformly random instant of the same hour, keeping the profile.
pub(super) fn expand_replay(
    commits: &[(SimTime, Option<Severity>)],
    volume: f64,
    rng: &mut SimRng,
) -> Vec<(f64, Option<Severity>)> {
    if volume == 1.0 {
        return commits.iter().map(|&(t, d)| (t.0, d)).collect();
    }
    let whole = volume.floor() as u64;
    let frac = volume - whole as f64;
    let mut out = Vec::with_capacity((commits.len() as f64 * volume) as usize + 1);
    for &(t, d) in commits {
        let copies = whole + u64::from(chance(rng, frac));
        for k in 0..copies {
            let at = if k == 0 {
                t.0
            } else {
                (t.0 / HOUR).floor() * HOUR + uniform(rng) * HOUR
            };
            out.push((at, d));
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}
