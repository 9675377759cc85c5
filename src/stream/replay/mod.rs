//! Replay of a real commit history: CSV with a timestamp column, or `git log` output.
//!
//! Both readers return the commits sorted by time, oldest first. The sort is stable.
//!
//! # Timestamps
//!
//! A timestamp field may be written as any of:
//!
//! * RFC 3339 / ISO 8601 with an offset: `2024-03-01T09:15:00Z`,
//!   `2024-03-01T09:15:00+01:00` (also `+0100`, `+01`, fractional seconds, a space
//!   instead of `T`, and a trailing `[Europe/Berlin]` annotation);
//! * a civil date-time without an offset: `2024-03-01 09:15`, `2024-03-01 09:15:00`,
//!   `2024-03-01T09:15:00`, interpreted in the time zone given to the reader. A civil
//!   time that falls in a DST gap or fold is resolved with jiff's "compatible"
//!   disambiguation (a gap moves forward, a fold takes the earlier instant). A date
//!   without a time is rejected;
//! * a civil date-time with a time zone annotation: `2024-03-01T09:15[Europe/Berlin]`;
//! * integer Unix seconds: `1709284500`.
//!
//! # CSV ([`parse_csv`])
//!
//! A header row is required. The timestamp column is found by its header name
//! (exact match first, then ASCII case-insensitive). An optional defect column marks
//! commits that introduce a defect: empty, `0`, `false`, `no` mean no defect; `1`,
//! `true`, `yes` mean a defect of [`CsvColumns::default_severity`]; a severity name
//! (`minor`/`low`, `major`/`medium`, `critical`/`high`) means that severity. All are
//! case-insensitive. Fields are trimmed; every row must have as many fields as the
//! header. Other columns are ignored. A leading UTF-8 byte-order mark is skipped.
//!
//! # git log ([`parse_git_log`])
//!
//! The expected input is the output of `git log --format='%H %cI'`: one commit per
//! line, a hash, whitespace, and the strict ISO 8601 committer date. The date may also
//! be Unix seconds (`%ct`), and a line may hold only a date (no hash). Blank lines are
//! skipped. git log has no defect information, so commits have no defect, except when
//! a line has a third field after the date: it must then be a severity name
//! (`minor`, `major`, `critical`, or the aliases `low`, `medium`, `high`) or the word
//! `defect` (meaning `major`); anything else there is an error, as is a fourth field.
//!
//! git log prints newest first: the lines are reversed before the stable sort, so
//! commits with equal timestamps come out in history order (the reverse of the file
//! order).
//!
//! # Errors
//!
//! Errors are [`InputError`]s with the file, the 1-based line and the 1-based character
//! column where the offending field starts (for CSV fields in quotes, the column is
//! computed from the raw line and may be approximate). A history without commits is an
//! error. No input makes these readers panic.

mod csv;
mod git_log;
#[cfg(test)]
mod tests;
mod timestamp;

pub use csv::parse_csv;
pub use git_log::parse_git_log;

use crate::error::InputError;
use crate::stream::Severity;

/// One commit of a replayed history.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayCommit {
    pub at: jiff::Timestamp,
    /// `Some` when the history marks this commit as introducing a defect.
    pub defect: Option<Severity>,
}

/// How to read a CSV history.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvColumns {
    /// Header name of the timestamp column.
    pub timestamp: String,
    /// Header name of an optional defect column (empty / `0` / `false` = no defect;
    /// `1` / `true` / `yes` = a defect of `default_severity`; a severity name = that severity).
    pub defect: Option<String>,
    pub default_severity: Severity,
}

pub(super) const TIMESTAMP_EXPECTED: &str =
    "expected a timestamp such as 2024-03-01T09:15:00Z, 2024-03-01 09:15 or Unix seconds";

pub(super) const DEFECT_EXPECTED: &str = "expected a defect marker: empty, 0, false or no for no defect; \
     1, true or yes for a defect; or a severity (minor, major, critical)";

pub(super) const GIT_LOG_HINT: &str = "expected lines as written by git log --format='%H %cI'";

pub(super) const NO_COMMITS: &str = "history has no commits";

/// Decodes a history file read as bytes, reporting invalid UTF-8 as an [`InputError`]
/// with the line and column of the first invalid byte.
pub fn text_from_bytes<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, InputError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = bytes.get(..e.valid_up_to()).unwrap_or(&[]);
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let prefix = valid.get(line_start..).unwrap_or(&[]);
        let column = std::str::from_utf8(prefix).map_or(1, |s| s.chars().count() as u64 + 1);
        InputError::at(
            file,
            line,
            column,
            "invalid UTF-8: expected a UTF-8 text file",
        )
    })
}

/// Quotes a found value for a message, shortening very long values.
pub(super) fn quoted(found: &str) -> String {
    const MAX: usize = 60;
    match found.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", found.get(..cut).unwrap_or(found)),
        None => format!("{found:?}"),
    }
}
