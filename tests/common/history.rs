//! Helpers of the calibration and backtest tests: a known scenario simulated,
//! its trace exported as run history and read back, and the binary.
//! Included with `#[path = "common/history.rs"] mod history_common;`.
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;
use promosim::calibrate::{self, Calibration};
use promosim::history::{self, Format, History};

/// Replication 0 of `scenario` at `seed`, exported as `format` and read back
/// through that format's reader: the history a team would export.
pub fn simulated_history(scenario: &str, seed: u64, format: Format) -> History {
    let (_s, m) = promosim::cli::load_model(Path::new(scenario), Some(seed)).expect("scenario");
    let rep = promosim::experiment::trace(&m, 0);
    let events = calibrate::export::events(&m, &rep);
    let parts = calibrate::export::write(format, &events)
        .into_iter()
        .map(|(name, text)| history::parse(format, &text, &name).expect("the export reads back"))
        .collect();
    History::from_parts(parts)
}

/// Calibrates the scenario file `base` to `h`.
pub fn calibrate_with(h: &History, base: &str) -> Calibration {
    let text = std::fs::read_to_string(base).expect("base scenario");
    calibrate::calibrate(h, Some((&text, base))).expect("calibrates")
}

/// A fitted line's (estimate, low, high), `None` when not fitted.
pub fn value(c: &Calibration, path: &str) -> Option<(f64, f64, f64)> {
    c.lines
        .iter()
        .find(|l| l.path == path)
        .and_then(|l| l.value)
}

/// The binary, run in the repository (the tests name their files relative to it).
pub fn bin() -> Command {
    assert_cmd::cargo::cargo_bin_cmd!("promosim")
}
