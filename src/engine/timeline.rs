//! What a stage's live visits were doing over time, for splitting the gap
//! before a commit's delivering release (see `attribution`).
//!
//! At each instant the furthest-along live visit of a release holding the
//! commit decides the part; none holding it is rework. Releases hold a prefix
//! of main (commits below their snapshot, which never decreases with the
//! release id), so the newest live visit holds every commit any live visit
//! holds. Each segment therefore keeps the newest visit's part, counted in
//! prefix sums, and, where an older visit is further along, a *stair*: the
//! older visits that are further along than every newer one. A commit held
//! by one of them takes its part instead of the newest's.

use std::collections::VecDeque;

use super::Phase;
use super::attribution::{NO_PARTS, Parts};
use crate::calendar::IntervalSet;
use crate::metrics::StagePart;
use crate::time::SimTime;

/// The working hours of the person who triggers the stage by hand, if one does.
pub(super) type Hours<'a> = Option<&'a IntervalSet>;

/// How far along a visit in `phase` is: soaking before the stage, then its
/// trigger, checks, window, lock, agent and executing. Phases of one part
/// share a rank (a change between them does not touch the timeline).
pub(super) fn rank(phase: Phase) -> u8 {
    RANK[phase as usize]
}

/// [`rank`] by phase, in the order `Phase` declares them.
const RANK: [u8; 11] = {
    let mut r = [0; 11];
    r[Phase::Eligible as usize] = 1;
    r[Phase::Approving as usize] = 2;
    r[Phase::Gating as usize] = 2;
    r[Phase::Window as usize] = 3;
    r[Phase::LockQueue as usize] = 4;
    r[Phase::AgentQueue as usize] = 5;
    r[Phase::Executing as usize] = 6;
    r
};

/// The highest [`rank`]: no visit is further along than an executing one.
pub(super) const FURTHEST: u8 = 6;

/// An older live visit further along than every newer one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Ahead {
    /// Its release holds commits below this.
    pub upto: u64,
    pub rank: u8,
    pub part: StagePart,
}

/// The older visits further along than every newer one, newest first (so
/// `upto` does not increase and `rank` increases). For a commit, the last one
/// holding it decides; none: the newest visit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stair {
    len: u8,
    /// Each step packed (`upto << 8 | rank << 4 | part`): a stair is compared
    /// and copied at every change of the stage.
    steps: [u64; 6],
}

impl Stair {
    pub const EMPTY: Stair = Stair {
        len: 0,
        steps: [0; 6],
    };

    pub fn push(&mut self, a: Ahead) {
        self.steps[self.len as usize] =
            a.upto << 8 | u64::from(a.rank) << 4 | a.part.index() as u64;
        self.len += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn steps(&self) -> &[u64] {
        &self.steps[..self.len as usize]
    }

    fn unpack(s: u64) -> Ahead {
        Ahead {
            upto: s >> 8,
            rank: (s >> 4 & 15) as u8,
            part: StagePart::ALL[(s & 15) as usize],
        }
    }

    /// The steps further along than `rank`, from `first` (a visit newer than
    /// every step) on: the stair of a newer visit at `rank`.
    pub fn above(rank: u8, first: Option<Ahead>, rest: &Stair) -> Stair {
        let mut out = Stair::EMPTY;
        let mut best = rank;
        for a in first
            .into_iter()
            .chain(rest.steps().iter().map(|&s| Stair::unpack(s)))
        {
            if a.rank > best {
                best = a.rank;
                out.push(a);
            }
        }
        out
    }

    /// The first step holds every commit a later one does.
    fn holds(&self, c: u64) -> bool {
        self.len > 0 && self.steps[0] >> 8 > c
    }

    /// The step deciding for commit `c`, if any holds it.
    fn deciding(&self, c: u64) -> Option<Ahead> {
        let &s = self.steps().iter().take_while(|&&s| s >> 8 > c).last()?;
        Some(Stair::unpack(s))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    start: f64,
    /// What the newest live visit does; `None`: no visit is live.
    part: Option<StagePart>,
    /// That visit's release holds commits below this.
    upto: u64,
    /// The largest `upto` of this and every earlier segment (never decreases).
    runmax: u64,
    /// Seconds per part of all earlier segments, each counted as its part
    /// (`None` as rework): splits are differences of these.
    cum: Parts,
}

/// Adds the seconds of `[from, to)` to `cum` as `part` (`None`: rework).
/// Waiting for a person's manual trigger (`hours`: their working hours) is
/// split: off-hours outside them, as the visit's own parts are.
fn add(part: Option<StagePart>, from: f64, to: f64, hours: Hours, cum: &mut Parts) {
    match (part, hours) {
        (Some(StagePart::Trigger), Some(h)) => {
            let open = h.open_time_between(SimTime(from), SimTime(to)).0;
            cum[StagePart::Trigger.index()] += open;
            cum[StagePart::OffHours.index()] += to - from - open;
        }
        _ => cum[part.unwrap_or(StagePart::Rework).index()] += to - from,
    }
}

impl Segment {
    fn add(&self, from: f64, to: f64, hours: Hours, cum: &mut Parts) {
        add(self.part, from, to, hours, cum);
    }
}

/// What a stage's live visits were doing over time.
#[derive(Debug, Default)]
pub(super) struct Timeline<'m> {
    /// The working hours of the person who triggers the stage by hand.
    hours: Hours<'m>,
    segs: VecDeque<Segment>,
    /// Index of `segs[0]` since the start (the front is dropped as time passes).
    first: u64,
    /// Indices of segments whose `upto` is below an earlier one's (an older
    /// release became the newest live one again): the only ones, past the
    /// start of a gap, that may not hold a commit.
    dips: VecDeque<u64>,
    /// Runs of segments with an older visit further along than the newest,
    /// and those visits: the only ones where a commit's part may not be the
    /// newest visit's.
    stairs: VecDeque<Run>,
    /// The last split: commits delivered together mostly share their gap, so
    /// `[a, b)` split for a commit below `valid_below` is reused as is.
    last: Option<Split>,
    /// Bumped by every change: `at_b` holds only while it is unchanged.
    version: u64,
    /// The last split's end: the segment holding it (index since the start)
    /// and the seconds per part up to it. Commits delivered together share
    /// their gap's end at each stage while its start moves commit by commit.
    at_b: Option<End>,
}

/// Consecutive segments (indices since the start, inclusive) with one stair:
/// while one release is tested, newer ones keep arriving.
#[derive(Debug, Clone, Copy)]
struct Run {
    first: u64,
    last: u64,
    stair: Stair,
}

#[derive(Debug, Clone, Copy)]
struct End {
    b: f64,
    version: u64,
    index: u64,
    cum: Parts,
}

#[derive(Debug, Clone, Copy)]
struct Split {
    a: f64,
    b: f64,
    valid_below: u64,
    parts: Parts,
}

impl<'m> Timeline<'m> {
    pub fn new(hours: Hours<'m>) -> Self {
        Timeline {
            hours,
            ..Timeline::default()
        }
    }

    /// The stair of the last segment (`index`): its steps, if it has one.
    fn last_stair(&self, index: u64) -> &[u64] {
        match self.stairs.back() {
            Some(r) if r.last == index => r.stair.steps(),
            _ => &[],
        }
    }

    /// Segment `index`, the new last one, has `stair`.
    #[inline]
    fn push_stair(&mut self, index: u64, stair: &Stair) {
        if stair.len > 0 {
            self.push_steps(index, stair);
        }
    }

    fn push_steps(&mut self, index: u64, stair: &Stair) {
        match self.stairs.back_mut() {
            Some(r) if r.last + 1 == index && r.stair.steps() == stair.steps() => r.last = index,
            _ => self.stairs.push_back(Run {
                first: index,
                last: index,
                stair: *stair,
            }),
        }
    }

    /// From `now`, the newest live visit does `part` for a release holding
    /// commits below `upto`, and `stair` lists the older ones further along.
    #[inline]
    pub fn set(&mut self, now: f64, part: Option<StagePart>, upto: u64, stair: &Stair) {
        let index = self.first + self.segs.len() as u64;
        if let Some(last) = self.segs.back()
            && last.part == part
            && last.upto == upto
            && self.last_stair(index - 1) == stair.steps()
        {
            return;
        }
        self.version += 1;
        if self.segs.back().is_some_and(|l| l.start == now) {
            return self.replace_last(part, upto, stair);
        }
        let (cum, before) = match self.segs.back() {
            Some(l) => {
                let mut cum = l.cum;
                l.add(l.start, now, self.hours, &mut cum);
                (cum, l.runmax)
            }
            None => (NO_PARTS, 0),
        };
        if part.is_some() && upto < before {
            self.dips.push_back(index);
        }
        self.push_stair(index, stair);
        self.segs.push_back(Segment {
            start: now,
            part,
            upto,
            runmax: before.max(if part.is_some() { upto } else { 0 }),
            cum,
        });
    }

    /// A change at the same instant replaces the zero-length last segment, in
    /// place: the same fields as dropping it and pushing anew would give (most
    /// phase changes come several at one instant, e.g. eligible, lock, deploy).
    fn replace_last(&mut self, part: Option<StagePart>, upto: u64, stair: &Stair) {
        let n = self.segs.len();
        let index = self.first + n as u64 - 1;
        if self.dips.back() == Some(&index) {
            self.dips.pop_back();
        }
        if let Some(r) = self.stairs.back_mut()
            && r.last == index
        {
            if r.first == index {
                self.stairs.pop_back();
            } else {
                r.last -= 1;
            }
        }
        let (before, merges) = match n.checked_sub(2).map(|i| &self.segs[i]) {
            Some(prev) => (
                prev.runmax,
                prev.part == part
                    && prev.upto == upto
                    && self.last_stair(index - 1) == stair.steps(),
            ),
            None => (0, false),
        };
        if merges {
            self.segs.pop_back();
            return;
        }
        if part.is_some() && upto < before {
            self.dips.push_back(index);
        }
        self.push_stair(index, stair);
        let last = self.segs.back_mut().expect("a last segment");
        if n == 1 {
            // Pushed anew, it would start the sums from zero.
            last.cum = NO_PARTS;
        }
        last.part = part;
        last.upto = upto;
        last.runmax = before.max(if part.is_some() { upto } else { 0 });
    }

    /// Seconds per part from the first segment's start to `t`, counting each
    /// segment as its part; `i` is the segment holding `t`.
    fn at(&self, i: usize, t: f64) -> Parts {
        let seg = &self.segs[i];
        let mut cum = seg.cum;
        seg.add(seg.start, t, self.hours, &mut cum);
        cum
    }

    /// The segment holding `t` (the last starting at or before it), if any.
    fn holding(&self, t: f64) -> Option<usize> {
        gallop(&self.segs, self.segs.len(), |g| g.start <= t).checked_sub(1)
    }

    /// `[from, to)` of segment `k` clipped to `[a, b)`.
    #[inline]
    fn clip(&self, k: usize, a: f64, b: f64) -> (f64, f64) {
        let end = self.segs.get(k + 1).map_or(f64::INFINITY, |n| n.start);
        (self.segs[k].start.max(a), end.min(b))
    }

    /// Drops what no later split needs: calls come with non-decreasing `a`.
    #[inline]
    fn prune(&mut self, a: f64) {
        while self.segs.len() > 1 && self.segs[1].start <= a {
            self.segs.pop_front();
            self.first += 1;
        }
        while self.dips.front().is_some_and(|&d| d < self.first) {
            self.dips.pop_front();
        }
        while self.stairs.front().is_some_and(|r| r.last < self.first) {
            self.stairs.pop_front();
        }
    }

    /// Adds to `parts` the seconds of `[a, b)` by what the furthest-along live
    /// visit of a release holding commit `c` was doing; none: rework. Calls
    /// come with non-decreasing `a`, so the past is dropped. Returns the first
    /// later commit the same split may not hold for.
    pub fn split(&mut self, a: f64, b: f64, c: u64, parts: &mut Parts) -> u64 {
        self.prune(a);
        if b <= a {
            return u64::MAX;
        }
        if let Some(l) = self.last
            && l.a == a
            && l.b == b
            && c < l.valid_below
        {
            for (p, x) in parts.iter_mut().zip(l.parts) {
                *p += x;
            }
            return l.valid_below;
        }
        let rework = StagePart::Rework.index();
        let Some(first) = self.segs.front() else {
            parts[rework] += b - a;
            return u64::MAX;
        };
        // Before the first segment no visit was ever live.
        let a0 = a.max(first.start);
        parts[rework] += a0.min(b) - a;
        if b <= a0 {
            return u64::MAX;
        }
        let Some((ib, from, mut own)) = self.newest_between(a0, b) else {
            return u64::MAX;
        };
        let mut valid_below = self.not_holding(a0, b, ib, c, &from, &mut own);
        // Commits come in order: a stair holding none from `c` on never will.
        while self.stairs.front().is_some_and(|r| !r.stair.holds(c)) {
            self.stairs.pop_front();
        }
        valid_below = valid_below.min(self.overtaken(a0, b, ib, c, &mut own));
        self.last = Some(Split {
            a,
            b,
            valid_below,
            parts: own,
        });
        for (p, x) in parts.iter_mut().zip(own) {
            *p += x;
        }
        valid_below
    }

    /// The segment holding `b`, the sums up to `a0` (in the first segment)
    /// and the seconds per part of `[a0, b)` by the newest live visit's part.
    #[inline]
    fn newest_between(&mut self, a0: f64, b: f64) -> Option<(usize, Parts, Parts)> {
        let (ib, mut own) = match self.at_b {
            Some(e) if e.b == b && e.version == self.version => {
                ((e.index - self.first) as usize, e.cum)
            }
            _ => {
                let ib = self.holding(b)?;
                let cum = self.at(ib, b);
                self.at_b = Some(End {
                    b,
                    version: self.version,
                    index: self.first + ib as u64,
                    cum,
                });
                (ib, cum)
            }
        };
        let from = self.at(0, a0);
        for (o, f) in own.iter_mut().zip(from) {
            *o -= f;
        }
        Some((ib, from, own))
    }

    /// Moves to rework the segments of `[a0, b)` (up to `ib`) whose newest
    /// visit does not hold `c`; returns the first later commit for which that
    /// may differ.
    #[inline]
    fn not_holding(
        &self,
        a0: f64,
        b: f64,
        ib: usize,
        c: u64,
        from: &Parts,
        own: &mut Parts,
    ) -> u64 {
        // First those before the running maximum of `upto` passes `c` (all of
        // them hold only older commits) ...
        let j = gallop(&self.segs, ib + 1, |g| g.runmax <= c);
        let mut valid_below = if j <= ib {
            self.segs[j].runmax
        } else {
            u64::MAX
        };
        if j > 0 {
            let t = if j <= ib { self.segs[j].start } else { b };
            let mut lost = self.at(j - 1, t);
            for (l, f) in lost.iter_mut().zip(from) {
                *l -= f;
            }
            move_to_rework(own, &lost);
        }
        // ... then the dips after it.
        for &d in &self.dips {
            let k = (d - self.first) as usize;
            if k > ib {
                break;
            }
            let seg = &self.segs[k];
            if k < j {
                continue;
            }
            if seg.upto > c {
                valid_below = valid_below.min(seg.upto);
                continue;
            }
            let (from, to) = self.clip(k, a0, b);
            if to > from {
                let mut lost = NO_PARTS;
                seg.add(from, to, self.hours, &mut lost);
                move_to_rework(own, &lost);
            }
        }
        valid_below
    }

    /// Moves the segments of `[a0, b)` (up to `ib`) where an older visit
    /// holding `c` is further along than the newest to that visit's part;
    /// returns the first later commit for which that may differ.
    #[inline]
    fn overtaken(&self, a0: f64, b: f64, ib: usize, c: u64, own: &mut Parts) -> u64 {
        let mut valid_below = u64::MAX;
        for run in &self.stairs {
            let k0 = run.first.saturating_sub(self.first) as usize;
            if k0 > ib {
                break;
            }
            let Some(step) = run.stair.deciding(c) else {
                continue;
            };
            valid_below = valid_below.min(step.upto);
            let k1 = ((run.last - self.first) as usize).min(ib);
            let (from, to) = (self.clip(k0, a0, b).0, self.clip(k1, a0, b).1);
            if to > from {
                // The newest visit holds `c` too (it holds every commit an
                // older one does), so the run was counted as its parts.
                let (end, start) = (self.at(k1, to), self.at(k0, from));
                for ((o, e), s) in own.iter_mut().zip(end).zip(start) {
                    *o -= e - s;
                }
                add(Some(step.part), from, to, self.hours, own);
            }
        }
        valid_below
    }
}

/// The first of `segs[..end]` for which `pred` (true, then false) fails,
/// searched from the front: a gap mostly spans the first few segments of a
/// timeline that reaches on to now, so this touches a few neighbours where a
/// binary search over the whole deque would touch a cache line per step.
fn gallop(segs: &VecDeque<Segment>, end: usize, pred: impl Fn(&Segment) -> bool) -> usize {
    let mut lo = 0;
    let mut step = 1;
    // Invariant: pred holds below `lo`.
    loop {
        let probe = lo + step;
        if probe > end || !pred(&segs[probe - 1]) {
            break;
        }
        lo = probe;
        step *= 2;
    }
    let mut hi = (lo + step).min(end);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(&segs[mid]) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Moves `lost` seconds of each part to rework.
fn move_to_rework(own: &mut Parts, lost: &Parts) {
    let rework = StagePart::Rework.index();
    for (i, l) in lost.iter().enumerate() {
        if i != rework {
            own[i] -= l;
            own[rework] += l;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(t: &mut Timeline, now: f64, part: Option<StagePart>, upto: u64) {
        t.set(now, part, upto, &Stair::EMPTY);
    }

    #[test]
    fn a_gap_is_split_by_the_newest_visit_and_rework_where_none_holds_the_commit() {
        let mut t = Timeline::default();
        set(&mut t, 0.0, Some(StagePart::Lock), 10);
        set(&mut t, 5.0, None, 0);
        set(&mut t, 7.0, Some(StagePart::Executing), 3); // an older release, not holding commit 5
        set(&mut t, 9.0, Some(StagePart::Trigger), 20);
        let mut p = NO_PARTS;
        t.split(2.0, 12.0, 5, &mut p);
        assert_eq!(p[StagePart::Lock.index()], 3.0);
        assert_eq!(p[StagePart::Rework.index()], 4.0);
        assert_eq!(p[StagePart::Trigger.index()], 3.0);
        assert_eq!(p.iter().sum::<f64>(), 10.0);
    }

    /// An older release under test holds commits below 8; the newest waits
    /// for the schedule. Commit 5 is being tested, commit 9 waits.
    #[test]
    fn an_older_release_further_along_decides_for_the_commits_it_holds() {
        let mut stair = Stair::EMPTY;
        stair.push(Ahead {
            upto: 8,
            rank: FURTHEST,
            part: StagePart::Executing,
        });
        let split = |c: u64| {
            let mut t = Timeline::default();
            set(&mut t, 0.0, Some(StagePart::Trigger), 8);
            t.set(4.0, Some(StagePart::Trigger), 12, &stair);
            set(&mut t, 6.0, Some(StagePart::Trigger), 12);
            let mut p = NO_PARTS;
            let valid = t.split(1.0, 10.0, c, &mut p);
            (p, valid)
        };
        let (p, valid) = split(5);
        assert_eq!(p[StagePart::Trigger.index()], 7.0);
        assert_eq!(p[StagePart::Executing.index()], 2.0);
        assert_eq!(valid, 8, "commit 8 is not in the release under test");
        let (p, _) = split(9);
        assert_eq!(
            p[StagePart::Rework.index()],
            3.0,
            "before commit 9's release"
        );
        assert_eq!(p[StagePart::Trigger.index()], 6.0);
        assert_eq!(p[StagePart::Executing.index()], 0.0);
    }

    #[test]
    fn the_last_step_holding_the_commit_decides() {
        let mut s = Stair::EMPTY;
        s.push(Ahead {
            upto: 9,
            rank: rank(Phase::LockQueue),
            part: StagePart::Lock,
        });
        s.push(Ahead {
            upto: 4,
            rank: FURTHEST,
            part: StagePart::Executing,
        });
        assert_eq!(s.deciding(2).map(|a| a.part), Some(StagePart::Executing));
        assert_eq!(s.deciding(4).map(|a| a.part), Some(StagePart::Lock));
        assert_eq!(s.deciding(9).map(|a| a.part), None);
    }

    #[test]
    fn the_search_from_the_front_finds_what_a_binary_search_finds() {
        let segs: VecDeque<Segment> = (0..40)
            .map(|i| Segment {
                start: (i / 3) as f64,
                part: None,
                upto: 0,
                runmax: 0,
                cum: NO_PARTS,
            })
            .collect();
        for end in 0..=segs.len() {
            for t in -1..16 {
                let t = t as f64 + 0.5 * (t % 2) as f64;
                let want = segs
                    .range(..end)
                    .collect::<Vec<_>>()
                    .partition_point(|g| g.start <= t);
                assert_eq!(
                    gallop(&segs, end, |g| g.start <= t),
                    want,
                    "end {end}, t {t}"
                );
            }
        }
    }

    #[test]
    fn same_instant_changes_keep_the_last() {
        let mut t = Timeline::default();
        set(&mut t, 0.0, Some(StagePart::Lock), 10);
        set(&mut t, 1.0, Some(StagePart::Trigger), 10);
        set(&mut t, 1.0, Some(StagePart::Lock), 10);
        assert_eq!(t.segs.len(), 1);
    }
}
