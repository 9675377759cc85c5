//! promosim: a discrete-event simulator for release-promotion pipelines.
//!
//! Data flows one way: [`scenario`] (YAML → validated scenario) → [`model`]
//! (compiled, immutable) → [`engine`] (one replication) → [`metrics`] →
//! [`experiment`] (many replications, in parallel) → [`report`].

pub mod error;
pub mod report;
pub mod stream;
