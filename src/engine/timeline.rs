//! A stage's tally of where its commits' time goes (see `attribution`).
//!
//! A commit's time at a stage runs from the first time every stage before it
//! (or the build) had passed a release holding it to the first time this
//! stage did. At each instant the commits at the stage are therefore a range,
//! `[lo, hi)`: from this stage's frontier to its upstream's. The live visits
//! split that range. Releases hold prefixes of main, so the newest live visit
//! holds every commit any live one holds; the older visits further along
//! than every newer one (the *stair*) decide for the commits they hold, the
//! newest for the rest it holds, and commits no live visit holds are rework.
//!
//! Between two changes of the stage that split is constant. So each change
//! adds the time since the one before to every range of commits the split
//! had, as a difference at the range's two ends, and a commit's tally is the
//! sum of the differences at or below it, read in commit order as commits
//! are delivered. The differences sit at the ranges' ends only (*marks*, at
//! releases' snapshots), so the cost is a few marks per change of the stage
//! and the memory a mark per range end, whatever the number of commits. Time
//! is counted in whole nanoseconds, so a range's two differences cancel
//! exactly.

use std::ops::Deref;

use super::fifo::Fifo;
use super::stair::Stair;
use crate::calendar::IntervalSet;
use crate::metrics::StagePart;
use crate::time::SimTime;

/// The working hours of the person who triggers the stage by hand, if one does.
pub(super) type Hours<'a> = Option<&'a IntervalSet>;

/// Whole nanoseconds.
pub(super) type Nanos = i64;

/// Nanoseconds per [`StagePart`].
pub(super) type Tally = [Nanos; StagePart::ALL.len()];

/// No time in any part.
pub(super) const NO_TALLY: Tally = [0; StagePart::ALL.len()];

/// A time (seconds since the start, never negative) in whole nanoseconds.
/// Monotone, so the differences of consecutive times add up exactly.
pub(super) fn nanos(secs: f64) -> Nanos {
    (secs * 1e9) as Nanos
}

/// What a stage's live visits did to the commits at the stage, over time.
#[derive(Debug)]
pub(super) struct Timeline<'m> {
    /// The working hours of the person who triggers the stage by hand.
    hours: Hours<'m>,
    /// The last change, in seconds and in nanoseconds.
    since: f64,
    since_ns: Nanos,
    /// What the newest live visit does (`None`: no visit is live) and its
    /// release's `upto` (it holds the commits below).
    part: Option<StagePart>,
    upto: u64,
    /// The older live visits further along than every newer one.
    stair: Stair,
    /// The commits at the stage.
    lo: u64,
    hi: u64,
    /// The marks in `[lo, hi]`, sorted by `at`: those a change may add to.
    marks: Fifo<Mark>,
    /// The marks below `lo`, sorted: final, read as commits are delivered.
    done: Fifo<Mark>,
    /// The tally of the commits from the last one read up to the first mark.
    read: Tally,
}

/// The difference commit `at`'s tally takes from the one before's.
#[derive(Debug, Clone, Copy)]
struct Mark {
    at: u64,
    d: Tally,
}

/// The split of a change's time: a wait for a person's trigger splits by
/// their working hours, computed once per change if a range needs it.
struct Split<'a> {
    hours: Hours<'a>,
    from: f64,
    now: f64,
    dt: Nanos,
    open: Option<Nanos>,
}

impl Split<'_> {
    /// The time `part` gets, and what moves from it to `off_hours`.
    #[inline]
    fn of(&mut self, part: StagePart) -> (Nanos, Nanos) {
        match (part, self.hours) {
            (StagePart::Trigger, Some(h)) => {
                let (from, now, dt) = (self.from, self.now, self.dt);
                let open = *self.open.get_or_insert_with(|| {
                    let open = h.open_time_between(SimTime(from), SimTime(now)).0;
                    nanos(open).clamp(0, dt)
                });
                (open, dt - open)
            }
            _ => (self.dt, 0),
        }
    }
}

impl<'m> Timeline<'m> {
    pub fn new(hours: Hours<'m>) -> Self {
        Timeline {
            hours,
            since: 0.0,
            since_ns: 0,
            part: None,
            upto: 0,
            stair: Stair::EMPTY,
            lo: 0,
            hi: 0,
            marks: Fifo::new(),
            done: Fifo::new(),
            read: NO_TALLY,
        }
    }

    /// From `now`, the newest live visit does `part` for a release holding
    /// commits below `upto`, and `stair` lists the older ones further along.
    #[inline]
    pub fn set(&mut self, now: f64, part: Option<StagePart>, upto: u64, stair: &Stair) {
        if self.part == part && self.upto == upto && self.stair == *stair {
            return;
        }
        self.close(now);
        (self.part, self.upto, self.stair) = (part, upto, *stair);
    }

    /// From `now`, the stage has passed the commits below `lo`.
    pub fn set_lo(&mut self, now: f64, lo: u64) {
        self.close(now);
        self.lo = lo;
        // The marks below are final.
        let n = self.marks.partition_point(|m| m.at < lo);
        self.done.extend_from_slice(&self.marks.deref()[..n]);
        self.marks.drop_front(n);
    }

    /// From `now`, every stage before this one (or the build) has passed the
    /// commits below `hi`.
    pub fn set_hi(&mut self, now: f64, hi: u64) {
        self.close(now);
        self.hi = hi;
    }

    /// Adds the time since the last change to the commits at the stage, each
    /// range as the visit deciding for it did.
    #[inline]
    fn close(&mut self, now: f64) {
        let t = nanos(now);
        let dt = t - self.since_ns;
        if dt <= 0 {
            return;
        }
        let from = self.since;
        (self.since, self.since_ns) = (now, t);
        if self.lo < self.hi {
            self.add(from, now, dt);
        }
    }

    /// Adds `dt` (`[from, now)`) to the commits at the stage, range by range.
    fn add(&mut self, from: f64, now: f64, dt: Nanos) {
        let mut split = Split {
            hours: self.hours,
            from,
            now,
            dt,
            open: None,
        };
        let mut a = (self.lo, 0);
        let stair = self.stair;
        for step in stair.oldest_first() {
            a = self.range(a, step.upto, step.part, &mut split);
        }
        if let Some(p) = self.part {
            a = self.range(a, self.upto, p, &mut split);
        }
        self.range(a, u64::MAX, StagePart::Rework, &mut split);
    }

    /// Adds the change's time to the commits from `a` (with a mark index at
    /// or below its mark's) up to `upto` (at most `hi`) as `part`; returns
    /// where the range ends, with its mark's index.
    #[inline]
    fn range(
        &mut self,
        a: (u64, usize),
        upto: u64,
        part: StagePart,
        split: &mut Split,
    ) -> (u64, usize) {
        let b = upto.min(self.hi);
        if b <= a.0 {
            return a;
        }
        let (x, off) = split.of(part);
        let (p, o) = (part.index(), StagePart::OffHours.index());
        let i = self.mark(a.1, a.0);
        let d = &mut self.marks[i].d;
        d[p] += x;
        d[o] += off;
        let j = self.mark(i, b);
        let d = &mut self.marks[j].d;
        d[p] -= x;
        d[o] -= off;
        (b, j)
    }

    /// The index of the mark at commit `at`, inserted if there is none; the
    /// marks before `from` are below `at`.
    fn mark(&mut self, from: usize, at: u64) -> usize {
        let n = self.marks.len();
        // Mostly the newest visit's or the upstream's end: the last mark.
        let i = match self.marks.back() {
            None => n,
            Some(l) if l.at < at => n,
            Some(l) if l.at == at => return n - 1,
            Some(_) => from + first_at_or_above(&self.marks.deref()[from..], at),
        };
        if self.marks.get(i).is_none_or(|m| m.at != at) {
            self.marks.insert(i, Mark { at, d: NO_TALLY });
        }
        i
    }

    /// Commit `c`'s tally (the stage passed it: final), into `tally`; returns
    /// the first later commit whose tally may differ. Commits are read in order.
    pub fn read(&mut self, c: u64, tally: &mut Tally) -> u64 {
        debug_assert!(c < self.lo, "commit {c} is still at the stage");
        self.spend(c);
        *tally = self.read;
        self.done.front().map_or(self.lo, |m| m.at)
    }

    /// Adds the marks up to commit `c` (which the stage passed) to the tally
    /// read.
    pub fn spend(&mut self, c: u64) {
        let done = self.done.deref();
        let n = done.partition_point(|m| m.at <= c);
        for m in &done[..n] {
            for (r, x) in self.read.iter_mut().zip(m.d) {
                *r += x;
            }
        }
        self.done.drop_front(n);
    }
}

/// The first of `marks` (sorted) at or above `at`, searched from the front:
/// a change's ranges are consecutive, so the next end is mostly a mark or two on.
fn first_at_or_above(marks: &[Mark], at: u64) -> usize {
    let mut end = 1;
    while end <= marks.len() && marks[end - 1].at < at {
        end *= 2;
    }
    // The marks below `end / 2` are below `at`.
    let lo = end / 2;
    lo + marks[lo..end.min(marks.len())].partition_point(|m| m.at < at)
}

#[cfg(test)]
mod tests;
