//! The result of a run: the contents of `summary.json` (metadata, every
//! metric's summary over replications, the DORA bands). Data only; it is
//! written by `report`.

use serde::Serialize;

use crate::metrics::MetricSummary;
use crate::metrics::dora::{self, Dora};
use crate::model::Model;

/// The version of the layout of every output file (`summary.json`, the CSVs,
/// `comparison.json`, `sweep.json`, baselines), documented in `docs/outputs.md`.
/// Raise it when a field is renamed, removed or changes meaning; adding a field
/// keeps it (readers ignore fields they do not know). A CSV has the version of
/// the JSON file written beside it.
pub const SCHEMA_VERSION: u32 = 1;

/// The contents of `summary.json`. Field order is fixed (a struct, not a map),
/// so the file is byte-comparable between runs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    pub promosim: &'static str,
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub replications: u32,
    pub start: String,
    pub time_zone: String,
    pub horizon_h: f64,
    pub warm_up_h: f64,
    pub stages: Vec<String>,
    /// DORA bands of the policy, from the metrics' means.
    pub dora: Dora,
    pub metrics: Vec<MetricSummary>,
}

impl Summary {
    pub fn new(model: &Model, replications: u32, metrics: Vec<MetricSummary>) -> Summary {
        let start = model.clock.start_zoned();
        Summary {
            schema_version: SCHEMA_VERSION,
            promosim: env!("CARGO_PKG_VERSION"),
            scenario: model.name.clone(),
            description: model.description.clone(),
            seed: model.seed,
            replications,
            start: start.datetime().to_string(),
            time_zone: model.clock.tz().iana_name().unwrap_or("UTC").to_string(),
            horizon_h: model.horizon.hours(),
            warm_up_h: model.warm_up.hours(),
            stages: model.stages.iter().map(|s| s.name.clone()).collect(),
            dora: dora_of(&metrics),
            metrics,
        }
    }

    pub fn get(&self, key: &str) -> Option<&MetricSummary> {
        self.metrics.iter().find(|m| m.key == key)
    }

    pub fn to_json(&self) -> String {
        // Serialising plain structs of numbers and strings cannot fail.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// DORA bands from the summarised metrics.
pub fn dora_of(metrics: &[MetricSummary]) -> Dora {
    let mean = |k: &str| {
        metrics
            .iter()
            .find(|m| m.key == k)
            .map_or(f64::NAN, |m| m.mean)
    };
    dora::classify(
        mean("production.deploys_per_week"),
        mean("lead_time.p50"),
        mean("production.change_failure_rate"),
        // DORA's time to restore service runs from the failure in production.
        mean("restore.from_exposure"),
    )
}
