//! promosim: a discrete-event simulator for release-promotion pipelines.
//!
//! Data flows one way: [`scenario`] (YAML → validated scenario) → [`model`]
//! (compiled, immutable) → [`engine`] (one replication) → [`metrics`] →
//! [`experiment`] (many replications, in parallel) → [`report`].

pub mod calendar;
pub mod error;
pub mod report;
pub mod stream;
pub mod time;
pub mod dist;
pub mod rng;
pub mod scenario;
pub mod model;
pub mod metrics;
pub mod engine;
