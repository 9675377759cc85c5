//! Ctrl-C: a flag the event loop and the commands look at.
//!
//! The first SIGINT (or SIGTERM) sets the flag: running replications, which
//! the experiment hands a stop token on it, stop at their next check (every
//! 65 536 events), no report is written, and the
//! command exits with 130. A second one exits at once. Reports are only ever
//! written through a temporary file and a rename, so neither leaves a partial
//! file behind.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

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
                std::process::exit(130);
            }
        });
    });
}
