//! Where a commit's lead time goes.
//!
//! Each stage that leads to production keeps a *frontier*: the first time it
//! passed a release holding commits below `upto`, with that release's own
//! visit split into parts. A delivered commit is attributed along its critical
//! path (from the production stage that got it last, back through the latest
//! upstream dependency, to its build), so the parts telescope to the lead time.
//!
//! At each stage a commit may wait longer than its delivering release's own
//! visit: from the time its upstream first held it (in an earlier release) to
//! the time the delivering release became eligible. That gap is split by the
//! stage's *timeline*: what the stage's newest live visit was doing (waiting for
//! a trigger, checks, the window, the lock, or executing), or *rework* when no
//! release holding the commit was at the stage (earlier ones rejected, failed or
//! aborted, the next one on its way). See `docs/model.md`.

use std::collections::VecDeque;

use super::fifo::Fifo;
use super::{Phase, ReleaseId, State};
use crate::calendar::IntervalSet;
use crate::metrics::{Breakdown, StageBreakdown, StagePart};
use crate::time::{HOUR, SimTime};

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
    /// The release became eligible at the stage.
    pub eligible: f64,
    /// Its visit, eligible → passed, in seconds per part.
    pub parts: Parts,
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

/// A stage's hop on the critical path, as traced for a commit: later commits
/// take the same hop until `until` (the stage's or an upstream frontier moves
/// on, or the gap's split changes). Commits delivered together mostly share
/// every hop but the first stages'; each commit still adds its parts to the
/// sums one by one, so the sums (and their rounding) are commit-by-commit's.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Hop {
    pub until: u64,
    /// The visit and the gap before it, seconds per part.
    parts: Parts,
    /// The upstream stage the path goes on to; `None`: the build.
    up: Option<usize>,
}

/// The build's hop: its frontier's advance, until it moves on.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct BuildHop {
    pub until: u64,
    adv: BuildAdvance,
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

impl Segment {
    fn part_index(&self) -> usize {
        self.part.unwrap_or(StagePart::Rework).index()
    }

    /// Adds the seconds of `[from, to)` (within this segment) to `cum` as its
    /// part. Waiting for a person's manual trigger (`hours`: their working
    /// hours) is split: off-hours outside them, as the visit's own parts are.
    fn add(&self, from: f64, to: f64, hours: Hours, cum: &mut Parts) {
        match (self.part, hours) {
            (Some(StagePart::Trigger), Some(h)) => {
                let open = h.open_time_between(SimTime(from), SimTime(to)).0;
                cum[StagePart::Trigger.index()] += open;
                cum[StagePart::OffHours.index()] += to - from - open;
            }
            _ => cum[self.part_index()] += to - from,
        }
    }
}

/// The working hours of the person who triggers the stage by hand, if one does.
pub(super) type Hours<'a> = Option<&'a IntervalSet>;

/// What a stage's newest live visit was doing over time.
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

    pub fn set(&mut self, now: f64, part: Option<StagePart>, upto: u64) {
        self.version += 1;
        if let Some(last) = self.segs.back() {
            if last.part == part && last.upto == upto {
                return;
            }
            if last.start == now {
                return self.replace_last(part, upto);
            }
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
            self.dips.push_back(self.first + self.segs.len() as u64);
        }
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
    fn replace_last(&mut self, part: Option<StagePart>, upto: u64) {
        let n = self.segs.len();
        let index = self.first + n as u64 - 1;
        if self.dips.back() == Some(&index) {
            self.dips.pop_back();
        }
        let (before, merges) = match n.checked_sub(2).map(|i| &self.segs[i]) {
            Some(prev) => (prev.runmax, prev.part == part && prev.upto == upto),
            None => (0, false),
        };
        if merges {
            self.segs.pop_back();
            return;
        }
        if part.is_some() && upto < before {
            self.dips.push_back(index);
        }
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

    /// Adds to `parts` the seconds of `[a, b)` by what the stage's newest live
    /// visit was doing, for commit `c`: a visit of a release not holding `c`,
    /// or none, is rework. Calls come with non-decreasing `a`, so the past is
    /// dropped. Returns the first later commit the same split may not hold for.
    pub fn split(&mut self, a: f64, b: f64, c: u64, parts: &mut Parts) -> u64 {
        while self.segs.len() > 1 && self.segs[1].start <= a {
            self.segs.pop_front();
            self.first += 1;
        }
        while self.dips.front().is_some_and(|&d| d < self.first) {
            self.dips.pop_front();
        }
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
        // After pruning, the first segment holds `a0`.
        let ia = 0;
        let (ib, mut own) = match self.at_b {
            Some(e) if e.b == b && e.version == self.version => {
                ((e.index - self.first) as usize, e.cum)
            }
            _ => {
                let Some(ib) = self.holding(b) else {
                    return u64::MAX;
                };
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
        let from = self.at(ia, a0);
        for (o, f) in own.iter_mut().zip(from) {
            *o -= f;
        }
        // Segments not holding `c`: first those before the running maximum of
        // `upto` passes `c` (all of them hold only older commits) ...
        let j = gallop(&self.segs, ib + 1, |g| g.runmax <= c).max(ia);
        // The same split holds for later commits until one of these reaches them.
        let mut valid_below = if j <= ib {
            self.segs[j].runmax
        } else {
            u64::MAX
        };
        if j > ia {
            let t = if j <= ib { self.segs[j].start } else { b };
            let mut lost = self.at(j - 1, t);
            for (l, f) in lost.iter_mut().zip(from) {
                *l -= f;
            }
            move_to_rework(&mut own, &lost);
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
            let end = self.segs.get(k + 1).map_or(f64::INFINITY, |n| n.start);
            let (from, to) = (seg.start.max(a0), end.min(b));
            if to > from {
                let mut lost = NO_PARTS;
                seg.add(from, to, self.hours, &mut lost);
                move_to_rework(&mut own, &lost);
            }
        }
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

impl State<'_> {
    /// Stage `s`'s visit of `rel` changed phase: the stage's timeline follows
    /// its newest live visit.
    /// `new`: what its visit does now.
    pub(super) fn touch_timeline(
        &mut self,
        rel: ReleaseId,
        s: usize,
        was_live: bool,
        new: Option<StagePart>,
    ) {
        let live = new.is_some();
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
        let (part, upto) = match st.live.back().copied() {
            // An older visit changed: the newest one did not.
            Some(n) if n > rel => return,
            Some(n) if n == rel => (new, self.release(rel).snapshot),
            Some(n) => (part_of(self.visit(n, s).phase), self.release(n).snapshot),
            None => (None, 0),
        };
        let now = self.now;
        self.stages[s].timeline.set(now, part, upto);
    }

    /// Stage `s`'s hop for commit `c`: its advance, the latest upstream
    /// dependency's (or the build's), and the gap between them split by the timeline.
    fn hop(&mut self, s: usize, c: u64) -> Hop {
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
        if up.is_none() {
            let (b, u) = front_at(&mut self.build_front, c);
            until = until.min(u);
            upstream_reached = b.reached;
        }
        let mut parts = a.parts;
        let u = self.stages[s]
            .timeline
            .split(upstream_reached, a.eligible, c, &mut parts);
        Hop {
            until: until.min(u),
            parts,
            up,
        }
    }

    /// The frontiers moved: every hop is traced afresh.
    pub(super) fn forget_hops(&mut self) {
        for st in &mut self.stages {
            st.hop.until = 0;
        }
        self.build_hop.until = 0;
    }

    /// Splits commit `c`'s lead time along its critical path (from the
    /// production stage that got it last, upstream along the latest dependency,
    /// to its build) and adds it to the sums; returns the commit's own split
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
                self.stages[s].hop = self.hop(s, c);
            }
            let st = &mut self.stages[s];
            let parts = st.hop.parts;
            for (sum, x) in st.sums.iter_mut().zip(parts) {
                *sum += x;
            }
            if let Some(o) = own.as_mut() {
                for (h, x) in o.stages[s].parts.iter_mut().zip(parts) {
                    *h += x / HOUR;
                }
            }
            at = st.hop.up;
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

/// A kept commit record's build parts, in hours. Out of line: inlined, the
/// divisions were computed for every commit and then thrown away.
#[inline(never)]
fn own_build(o: &mut Breakdown, b: &BuildAdvance, arrived: f64) {
    o.before_build = (b.triggered - arrived) / HOUR;
    o.agent_wait = (b.started - b.triggered) / HOUR;
    o.build = (b.reached - b.started) / HOUR;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_is_split_by_the_newest_visit_and_rework_where_none_holds_the_commit() {
        let mut t = Timeline::default();
        t.set(0.0, Some(StagePart::Lock), 10);
        t.set(5.0, None, 0);
        t.set(7.0, Some(StagePart::Executing), 3); // an older release, not holding commit 5
        t.set(9.0, Some(StagePart::Trigger), 20);
        let mut p = NO_PARTS;
        t.split(2.0, 12.0, 5, &mut p);
        assert_eq!(p[StagePart::Lock.index()], 3.0);
        assert_eq!(p[StagePart::Rework.index()], 4.0);
        assert_eq!(p[StagePart::Trigger.index()], 3.0);
        assert_eq!(p.iter().sum::<f64>(), 10.0);
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
        t.set(0.0, Some(StagePart::Lock), 10);
        t.set(1.0, Some(StagePart::Trigger), 10);
        t.set(1.0, Some(StagePart::Lock), 10);
        assert_eq!(t.segs.len(), 1);
    }
}
