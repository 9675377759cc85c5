//! Results → files and text: the summary table, JSON, CSV, charts.
//! Knows nothing of the event loop; every file is written to a temporary
//! name and renamed, so an interrupted run never leaves half a report.

pub mod charts;
pub mod files;
pub mod junit;
pub mod summary;
pub mod table;
