//! Entry points shared by the fuzz targets (`fuzz/`) and their regression
//! tests (`tests/fuzz_regressions.rs`): each takes arbitrary input and must
//! return, whatever it is, without panicking, exhausting memory or hanging.

use std::path::Path;

use crate::error::InputError;
use crate::scenario::valid::Stream;
use crate::stream::Severity;
use crate::stream::replay::{self, CsvColumns};

/// Parses, validates and compiles scenario text. Replayed histories are not
/// read (a fuzzed path could name any file): such scenarios stop after validation.
pub fn scenario(text: &str) -> Result<(), InputError> {
    let s = crate::scenario::parse(text, Path::new("fuzz.yaml"))?;
    if matches!(s.file.commits.stream, Stream::Replay(_)) {
        return Ok(());
    }
    crate::model::compile(&s).map(|_| ())
}

fn zone() -> jiff::tz::TimeZone {
    // A zone with DST, so gaps and folds are exercised.
    jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC)
}

/// Reads bytes as a CSV history (timestamp and defect columns).
pub fn replay_csv(bytes: &[u8]) -> Result<usize, InputError> {
    let text = replay::text_from_bytes(bytes, "fuzz.csv")?;
    let columns = CsvColumns {
        timestamp: "timestamp".into(),
        defect: Some("defect".into()),
        default_severity: Severity::Major,
    };
    replay::parse_csv(text, "fuzz.csv", &zone(), &columns).map(|c| c.len())
}

/// Reads bytes as `git log` output.
pub fn replay_git_log(bytes: &[u8]) -> Result<usize, InputError> {
    let text = replay::text_from_bytes(bytes, "fuzz.log")?;
    replay::parse_git_log(text, "fuzz.log", &zone()).map(|c| c.len())
}
