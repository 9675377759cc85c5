//! What a replication records besides its statistics, and when it stops early.

use std::sync::atomic::{AtomicBool, Ordering};

use super::TraceKind;
use crate::time::SimTime;

/// What a run should record besides its statistics.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep the event log (for `promosim trace`), as `trace_filter` says.
    pub trace: bool,
    /// Which lines of the event log to keep (default: all of them).
    pub trace_filter: TraceFilter,
    /// Also keep each queue's time-weighted mean length per period of this
    /// many hours (what the weekly queue chart draws; no event log needed).
    pub queue_periods: Option<f64>,
    /// Keep one record per commit.
    pub commit_records: bool,
    /// With the commit records, each commit's own split of its lead time
    /// (for tests: a few hundred bytes per commit).
    pub commit_parts: bool,
    /// Events at one instant after which a replication counts as stuck in a
    /// loop that makes no progress in time; 0: [`NO_PROGRESS`](super::NO_PROGRESS).
    pub no_progress: u64,
    /// Asked to stop (Ctrl-C); the default never is.
    pub stop: StopToken,
}

/// A request to stop a replication early, looked at before it starts and
/// every 65 536 events: the loop reads this, never a process-wide flag.
#[derive(Debug, Clone, Copy, Default)]
pub struct StopToken(Option<&'static AtomicBool>);

impl StopToken {
    /// A token that is raised when `flag` is set.
    pub fn new(flag: &'static AtomicBool) -> StopToken {
        StopToken(Some(flag))
    }

    pub fn requested(&self) -> bool {
        self.0.is_some_and(|f| f.load(Ordering::Relaxed))
    }
}

/// Which lines of the event log a traced replication keeps: every line
/// at or before `until`, and after it only those of the kinds in `after`. The
/// charts need the whole pipeline for their first weeks but only a few kinds
/// over a 5-year run; keeping everything would take 100 MB per replication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceFilter {
    pub until: SimTime,
    pub after: KindSet,
}

impl Default for TraceFilter {
    fn default() -> Self {
        TraceFilter {
            until: SimTime(f64::INFINITY),
            after: KindSet::ALL,
        }
    }
}

impl TraceFilter {
    #[inline]
    pub fn keeps(&self, time: SimTime, kind: TraceKind) -> bool {
        time.0 <= self.until.0 || self.after.contains(kind)
    }
}

/// A set of trace kinds (a bit per kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KindSet(u64);

impl KindSet {
    pub const ALL: KindSet = KindSet(u64::MAX);

    pub fn of(kinds: &[TraceKind]) -> KindSet {
        KindSet(kinds.iter().fold(0, |m, &k| m | KindSet::bit(k)))
    }

    #[inline]
    pub fn contains(&self, kind: TraceKind) -> bool {
        self.0 & KindSet::bit(kind) != 0
    }

    #[inline]
    fn bit(kind: TraceKind) -> u64 {
        1u64 << (kind as u32 & 63)
    }
}
