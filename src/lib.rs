//! promosim: a discrete-event simulator for release-promotion pipelines.
//!
//! Data flows one way: scenario file → validated [`scenario`] → compiled
//! [`model`] (immutable, shared by all replications) → one replication in the
//! [`engine`], which fills the [`metrics`] records → many replications in an
//! [`experiment`] (summaries, comparisons, sweeps, shards) → the [`check`] of a
//! baseline → files and text in the [`report`] → the [`cli`] on top. The
//! experiment does not render and the report does not simulate; the engine
//! sees only the compiled model and knows nothing of files, charts or threads.
//!
//! The layers, first to last. A module may use only the modules before it;
//! `tests/layers.rs` reads this list and checks every `use crate::…` and
//! `crate::…::` path in `src/` against it.
//!
//! 1. [`error`] — bad input, with file, line and column.
//! 2. [`time`] — the simulation clock: instants and durations in seconds.
//! 3. [`rng`] — portable random streams, one per source.
//! 4. [`calendar`] — working hours, holidays, freeze windows, cron schedules.
//! 5. [`fingerprint`] — FNV-1a, for scenario hashes and job identities.
//! 6. [`interrupt`] — the Ctrl-C flag.
//! 7. [`heap`] — the allocator's settings: freed memory kept for the next replication.
//! 8. [`dist`] — distributions (`exp`, `lognormal`, …) and their sampling.
//! 9. [`stream`] — commit streams: synthetic arrivals, replayed history.
//! 10. [`history`] — exported run history (GitHub, Azure DevOps, CSV) as one table of stage events.
//! 11. [`scenario`] — YAML → a checked scenario, errors with line and column.
//! 12. [`model`] — the compiled, immutable model: calendars and schedules resolved.
//! 13. [`metrics`] — the measurement vocabulary: what one replication measured
//!     (the records the engine fills), summaries with Student-t intervals, the
//!     DORA bands. Before the engine because the engine fills it.
//! 14. [`engine`] — one replication: the event loop over the compiled model.
//! 15. [`experiment`] — many replications in parallel, reduced in order: the
//!     run's [`Summary`](experiment::Summary), comparisons, sweeps, shards and
//!     merge, early stopping, traced replications for charts, stall warnings.
//! 16. [`calibrate`] — fitting the model's random inputs to a history: maximum
//!     likelihood, goodness of fit, the calibrated scenario YAML.
//! 17. [`check`] — baselines and the regression verdict on paired differences.
//! 18. [`report`] — every rendering and every file written: tables, JSON, CSV,
//!     charts, the HTML page, `report.md`, the check's markdown and JUnit XML.
//! 19. [`import`] — pipeline definitions (Azure Pipelines, GitHub Actions,
//!     Argo Rollouts, Flagger) turned into scenario text, assumptions commented.
//! 20. [`cli`] — the commands: parse → options → call → print.
//! 21. [`fuzzing`] — the entry points of the fuzz targets.

pub mod calendar;
pub mod calibrate;
pub mod check;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod fingerprint;
pub mod fuzzing;
pub mod heap;
pub mod history;
pub mod import;
pub mod interrupt;
pub mod metrics;
pub mod model;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod stream;
pub mod time;
