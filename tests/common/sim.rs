//! Compiling a scenario written in a test, running it, and reading its figures.
//! Each test file uses some of them.
#![allow(dead_code)]

use std::path::Path;

use promosim::engine::{self, Options, Replication};
use promosim::experiment::{self, Plan, Results};
use promosim::metrics::MetricSummary;
use promosim::model::Model;

/// The scenario `yaml` (named `path` in messages), compiled; a bad one fails
/// the test with the scenario's own message.
pub fn compile(yaml: &str, path: &Path) -> Model {
    let s = promosim::scenario::parse(yaml, path).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    promosim::model::compile(&s).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// The scenario's own replications, on every core.
pub fn run_all(m: &Model) -> Results {
    experiment::run(
        m,
        Plan {
            replications: m.replications(),
            threads: None,
            progress: false,
        },
    )
    .expect("runs")
}

/// One replication with its event log and every commit's split.
pub fn traced(m: &Model, replication: u64) -> Replication {
    engine::run(
        m,
        replication,
        Options {
            trace: true,
            commit_records: true,
            commit_parts: true,
            ..Options::default()
        },
    )
}

/// The summary of metric `key`.
pub fn metric<'a>(out: &'a Results, key: &str) -> &'a MetricSummary {
    out.summary
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no metric {key}"))
}
