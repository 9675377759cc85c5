//! What a replication records besides its statistics, and when it stops early.

use std::sync::atomic::{AtomicBool, Ordering};

/// What a run should record besides its statistics.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep the event log (for `promosim trace`).
    pub trace: bool,
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
