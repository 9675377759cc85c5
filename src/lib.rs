//! promosim: a discrete-event simulator for release-promotion pipelines.
//!
//! Data flows one way: [`scenario`] (YAML → validated scenario) → [`model`]
//! (compiled, immutable) → [`engine`] (one replication) → [`metrics`] →
//! [`experiment`] (many replications, in parallel) → [`report`].

pub mod calendar;
pub mod check;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod fingerprint;
pub mod fuzzing;
pub mod interrupt;
pub mod metrics;
pub mod model;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod stream;
pub mod time;
