//! Ctrl-C: a flag the event loop and the commands look at.
//!
//! The first SIGINT (or SIGTERM) sets the flag: running replications, which
//! the experiment hands a stop token on it, stop at their next check (every
//! 65 536 events), no report is written, and the
//! command exits with 130. A second one exits at once, after removing what
//! the command had started to write and registered here ([`Leftover`]):
//! temporary files, a report's staging folder, folders it created. Reports
//! are only ever written through a temporary file and a rename, so neither
//! leaves a partial file behind.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// What a second Ctrl-C removes before it exits, newest first.
static LEFTOVERS: Mutex<Vec<Leftover>> = Mutex::new(Vec::new());

/// A path a command is writing that must not outlive an exit at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leftover {
    /// A temporary file.
    File(PathBuf),
    /// A staging folder, removed with its contents.
    Tree(PathBuf),
    /// A folder the command created, removed only if empty by then.
    EmptyDir(PathBuf),
}

impl Leftover {
    fn remove(&self) {
        let _ = match self {
            Leftover::File(p) => std::fs::remove_file(p),
            Leftover::Tree(p) => std::fs::remove_dir_all(p),
            Leftover::EmptyDir(p) => std::fs::remove_dir(p),
        };
    }

    fn path(&self) -> &Path {
        match self {
            Leftover::File(p) | Leftover::Tree(p) | Leftover::EmptyDir(p) => p,
        }
    }
}

/// Registers a path for removal should a second interrupt exit at once.
pub fn register(l: Leftover) {
    if let Ok(mut v) = LEFTOVERS.lock() {
        v.push(l);
    }
}

/// Forgets a registered path (it was committed or removed).
pub fn unregister(p: &Path) {
    if let Ok(mut v) = LEFTOVERS.lock()
        && let Some(i) = v.iter().rposition(|l| l.path() == p)
    {
        v.remove(i);
    }
}

/// The flag itself, for a stop token handed to the engine.
pub fn flag() -> &'static AtomicBool {
    &REQUESTED
}

/// Whether an interrupt was requested.
#[inline]
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Sets the flag, as a signal would (for tests and embedders).
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Installs the handler once; later calls do nothing.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if REQUESTED.swap(true, Ordering::Relaxed) {
                // The handler runs on its own thread, so taking the lock is safe.
                if let Ok(v) = LEFTOVERS.lock() {
                    v.iter().rev().for_each(Leftover::remove);
                }
                std::process::exit(130);
            }
        });
    });
}
