//! Where a commit's lead time goes.
//!
//! Each stage that leads to production keeps a *frontier*: the first time it
//! passed a release holding commits below `upto`. A delivered commit is
//! attributed along its critical path (from the production stage that got it
//! last, back through the latest upstream dependency, to its build), so the
//! parts telescope to the lead time.
//!
//! At each stage a commit's time runs from the time its upstream first held
//! it to the time the stage first passed it. At each instant the
//! furthest-along live visit of a release holding it decides the part; none
//! is *rework*. The stage's `timeline` adds that up for every commit as the
//! stage changes; a delivered commit reads its tally there. See
//! `docs/model.md`.

use super::fifo::Fifo;
use super::stair::{Ahead, FURTHEST, Stair, rank};
use super::timeline::{Nanos, Tally, nanos};
use super::{Phase, ReleaseId, State};
use crate::metrics::{Breakdown, StageBreakdown, StagePart};
use crate::time::HOUR;

/// Seconds per [`StagePart`].
pub(super) type Parts = [f64; StagePart::ALL.len()];

/// No seconds in any part.
pub(super) const NO_PARTS: Parts = [0.0; StagePart::ALL.len()];

/// What a visit in `phase` is doing, if it is still at the stage.
pub(super) fn part_of(phase: Phase) -> Option<StagePart> {
    match phase {
        Phase::Eligible => Some(StagePart::Trigger),
        Phase::Soaking | Phase::Approving | Phase::Gating => Some(StagePart::Checks),
        Phase::Window => Some(StagePart::Window),
        Phase::LockQueue => Some(StagePart::Lock),
        Phase::AgentQueue => Some(StagePart::Agent),
        Phase::Executing => Some(StagePart::Executing),
        Phase::None | Phase::Passed | Phase::Ended => None,
    }
}

/// A step of a stage's frontier.
#[derive(Debug, Clone, Copy)]
pub(super) struct Advance {
    pub upto: u64,
    /// The release passed the stage.
    pub reached: f64,
    /// Its visit's person and off-hours time inside its checks and executing.
    pub detail: Detail,
}

/// The seconds a visit moved out of its checks and executing to a person's
/// part: what its phases, which the timeline follows, do not show.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Detail {
    moved: [f64; MOVES.len()],
}

/// The moves a [`Detail`] keeps. A manual trigger's off-hours are not among
/// them: the timeline splits a trigger wait by the person's hours itself.
const MOVES: [(StagePart, StagePart); 3] = [
    (StagePart::Executing, StagePart::Person),
    (StagePart::Executing, StagePart::OffHours),
    (StagePart::Checks, StagePart::Person),
];

impl Detail {
    pub const NONE: Detail = Detail {
        moved: [0.0; MOVES.len()],
    };

    pub fn record(&mut self, from: StagePart, to: StagePart, secs: f64) {
        if let Some(i) = MOVES.iter().position(|&m| m == (from, to)) {
            self.moved[i] += secs;
        }
    }

    /// Moves the recorded time in a commit's tally at the stage, as far as
    /// its `from` part goes (the visit may have been overtaken meanwhile by an
    /// older one holding the commit; then the other's part counts).
    fn apply(&self, parts: &mut Tally) {
        if self.moved == Detail::NONE.moved {
            return;
        }
        for (&(from, to), &secs) in MOVES.iter().zip(&self.moved) {
            let x = nanos(secs).min(parts[from.index()]);
            if x > 0 {
                parts[from.index()] -= x;
                parts[to.index()] += x;
            }
        }
    }
}

/// A step of the build's frontier: the first successful build holding commits below `upto`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct BuildAdvance {
    pub upto: u64,
    pub reached: f64,
    pub triggered: f64,
    /// Agent taken.
    pub started: f64,
}

trait Upto {
    fn upto(&self) -> u64;
}
impl Upto for Advance {
    fn upto(&self) -> u64 {
        self.upto
    }
}
impl Upto for BuildAdvance {
    fn upto(&self) -> u64 {
        self.upto
    }
}

/// The first advance holding commit `c`; earlier ones are dropped, since
/// commits are attributed in order. With the first commit it no longer answers for.
fn front_at<T: Upto + Copy>(front: &mut Fifo<T>, c: u64) -> (T, u64) {
    while front.len() > 1 && front[0].upto() <= c {
        front.pop_front();
    }
    let until = if front.len() > 1 {
        front[0].upto()
    } else {
        u64::MAX
    };
    (front[0], until)
}

/// Time per part, summed over delivered commits (exact: nanoseconds).
pub(super) type Sums = [i128; StagePart::ALL.len()];

/// A stage's hop on the critical path, as traced for a commit: later commits
/// take the same hop until `until` (the stage's or an upstream frontier moves
/// on, or the commits' tallies differ). Commits delivered together mostly
/// share every hop but the first stages'.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Hop {
    pub until: u64,
    /// The commit's tally at the stage.
    parts: Tally,
    /// The upstream stage the path goes on to; `None`: the build.
    up: Option<usize>,
    /// Commits that took it, not yet in the sums.
    n: u64,
}

impl Hop {
    /// Adds the commits that took the hop to `sums`.
    fn settle(&mut self, sums: &mut Sums) {
        match self.n {
            0 => return,
            // Mostly: at the first stages each release is a hop of its own.
            1 => {
                for (sum, &x) in sums.iter_mut().zip(&self.parts) {
                    *sum += i128::from(x);
                }
            }
            n => {
                for (sum, &x) in sums.iter_mut().zip(&self.parts) {
                    *sum += i128::from(x) * i128::from(n);
                }
            }
        }
        self.n = 0;
    }
}

/// The build's hop: its frontier's advance, until it moves on.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct BuildHop {
    pub until: u64,
    adv: BuildAdvance,
}

impl State<'_> {
    /// Stage `s`'s visit of `rel` changed phase, from `old` to `new`: the
    /// stage's timeline follows its newest live visit and the older ones
    /// further along than every newer one.
    pub(super) fn touch_timeline(&mut self, rel: ReleaseId, s: usize, old: Phase, new: Phase) {
        let (was_live, live) = (part_of(old).is_some(), part_of(new).is_some());
        let st = &mut self.stages[s];
        // Sorted; visits mostly start newest and end oldest, so at the ends.
        match (was_live, live) {
            (false, true) => {
                if st.live.back().is_none_or(|&b| b < rel) {
                    st.live.push_back(rel);
                } else {
                    let at = st.live.partition_point(|&r| r < rel);
                    st.live.insert(at, rel);
                }
            }
            (true, false) => {
                if st.live.front() == Some(&rel) {
                    st.live.pop_front();
                } else if st.live.back() == Some(&rel) {
                    st.live.pop_back();
                } else if let Ok(at) = st.live.binary_search(&rel) {
                    st.live.remove(at);
                }
            }
            _ => {}
        }
        let now = self.now;
        let Some(&newest) = st.live.back() else {
            st.stair = Stair::EMPTY;
            return st.timeline.set(now, None, 0, &Stair::EMPTY);
        };
        let st = &self.stages[s];
        let top = self.visit(newest, s).phase;
        let stair = if newest > rel {
            // An older visit changed: the stair moves only if that visit was
            // or is further along than the newest.
            if rank(old) <= rank(top) && rank(new) <= rank(top) {
                return;
            }
            self.walk(s)
        } else if newest == rel && !was_live {
            // A new newest visit: the one before it, then that one's stair
            // (whose steps are further along than that one).
            let n = st.live.len();
            let before = (n > 1)
                .then(|| st.live[n - 2])
                .filter(|&b| rank(self.visit(b, s).phase) > rank(new));
            match before {
                None if st.stair.is_empty() => Stair::EMPTY,
                None => Stair::above(rank(new), None, &st.stair),
                Some(b) => Stair::above(rank(new), Some(self.ahead(b, s)), &st.stair),
            }
        } else if newest == rel && rank(new) >= rank(old) {
            Stair::above(rank(new), None, &st.stair)
        } else {
            self.walk(s)
        };
        let upto = self.release(newest).snapshot;
        let st = &mut self.stages[s];
        st.stair = stair;
        st.timeline.set(now, part_of(top), upto, &stair);
    }

    /// Stage `s`'s frontier moved (`None`: the build's): the commits at it
    /// and at the stages right after it change.
    pub(super) fn front_moved(&mut self, s: Option<usize>) {
        let (m, now) = (self.m, self.now);
        let next: &[usize] = match s {
            Some(s) => {
                let st = &mut self.stages[s];
                st.timeline.set_lo(now, st.front_upto);
                &m.stages[s].downstream
            }
            None => &m.first_stages,
        };
        for &d in next {
            if self.stages[d].leads_to_production {
                let hi = m.stages[d]
                    .deps
                    .iter()
                    .map(|&u| self.stages[u].front_upto)
                    .min()
                    .unwrap_or(self.build_front_upto);
                self.stages[d].timeline.set_hi(now, hi);
            }
        }
    }

    /// The visit of `rel` at stage `s` as a step of a stair.
    fn ahead(&self, rel: ReleaseId, s: usize) -> Ahead {
        let phase = self.visit(rel, s).phase;
        Ahead {
            upto: self.release(rel).snapshot,
            rank: rank(phase),
            part: part_of(phase).expect("a live visit has a part"),
        }
    }

    /// Stage `s`'s stair, walked from its newest live visit back to the first
    /// executing one (none is further along).
    fn walk(&self, s: usize) -> Stair {
        let live = &self.stages[s].live;
        let mut stair = Stair::EMPTY;
        let mut best = rank(self.visit(live[live.len() - 1], s).phase);
        for &r in live.iter().rev().skip(1) {
            if best == FURTHEST {
                break;
            }
            let a = self.ahead(r, s);
            if a.rank > best {
                best = a.rank;
                stair.push(a);
            }
        }
        stair
    }

    /// Traces stage `s`'s hop afresh for commit `c` (the last one's commits
    /// go into the sums): its tally there, with the person's time of the
    /// release that delivered it to the stage, and the latest upstream
    /// dependency.
    fn retrace(&mut self, s: usize, c: u64) {
        let (a, mut until) = front_at(&mut self.stages[s].front, c);
        let mut up = None;
        let mut upstream_reached = f64::NEG_INFINITY;
        for &d in &self.m.stages[s].deps {
            let (r, u) = front_at(&mut self.stages[d].front, c);
            until = until.min(u);
            if r.reached > upstream_reached {
                upstream_reached = r.reached;
                up = Some(d);
            }
        }
        let st = &mut self.stages[s];
        let hop = &mut st.hop;
        hop.settle(&mut st.sums);
        let next = st.timeline.read(c, &mut hop.parts);
        a.detail.apply(&mut hop.parts);
        (hop.until, hop.up) = (until.min(next), up);
    }

    /// The frontiers moved: the hops so far go into the sums, and every hop
    /// is traced afresh.
    pub(super) fn forget_hops(&mut self) {
        for st in &mut self.stages {
            st.hop.settle(&mut st.sums);
            st.hop.until = 0;
        }
        self.build_hop.until = 0;
    }

    /// Commits below `upto` are delivered: no stage's timeline keeps their marks.
    pub(super) fn spend_timelines(&mut self, upto: u64) {
        if let Some(c) = upto.checked_sub(1) {
            for st in self.stages.iter_mut().filter(|st| st.leads_to_production) {
                st.timeline.spend(c);
            }
        }
    }

    /// Splits commit `c`'s lead time along its critical path (from the
    /// production stage that got it last, upstream along the latest dependency,
    /// to its build) and counts it in the sums; returns the commit's own split
    /// (hours) when commit records are kept.
    pub(super) fn attribute(&mut self, c: u64, arrived: f64) -> Option<Breakdown> {
        let keep = self.opts.commit_records && self.opts.commit_parts;
        let mut own = keep.then(|| Breakdown {
            stages: vec![StageBreakdown::default(); self.n_stages],
            ..Default::default()
        });
        let mut at = None;
        let mut latest = f64::NEG_INFINITY;
        for &p in &self.m.production {
            let (a, _) = front_at(&mut self.stages[p].front, c);
            if a.reached > latest {
                latest = a.reached;
                at = Some(p);
            }
        }
        while let Some(s) = at {
            if c >= self.stages[s].hop.until {
                self.retrace(s, c);
            }
            let hop = &mut self.stages[s].hop;
            hop.n += 1;
            if let Some(o) = own.as_mut() {
                for (h, &x) in o.stages[s].parts.iter_mut().zip(&hop.parts) {
                    *h += hours(x);
                }
            }
            at = hop.up;
        }
        if c >= self.build_hop.until {
            let (adv, until) = front_at(&mut self.build_front, c);
            self.build_hop = BuildHop { until, adv };
        }
        let b = self.build_hop.adv;
        self.sum_before_build += b.triggered - arrived;
        self.sum_agent += b.started - b.triggered;
        self.sum_build += b.reached - b.started;
        if let Some(o) = own.as_mut() {
            own_build(o, &b, arrived);
        }
        own
    }
}

/// Nanoseconds in hours.
fn hours(x: Nanos) -> f64 {
    x as f64 / 1e9 / HOUR
}

/// A sum of nanoseconds in seconds.
pub(super) fn seconds(x: i128) -> f64 {
    x as f64 / 1e9
}

/// A kept commit record's build parts, in hours. Out of line: inlined, the
/// divisions were computed for every commit and then thrown away.
#[inline(never)]
fn own_build(o: &mut Breakdown, b: &BuildAdvance, arrived: f64) {
    o.before_build = (b.triggered - arrived) / HOUR;
    o.agent_wait = (b.started - b.triggered) / HOUR;
    o.build = (b.reached - b.started) / HOUR;
}
