//! Replay of a real commit history: CSV with a timestamp column, or `git log` output.
//! (Being written; see the interface below.)

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

pub fn parse_csv(
    _text: &str,
    _file: &str,
    _tz: &jiff::tz::TimeZone,
    _columns: &CsvColumns,
) -> Result<Vec<ReplayCommit>, InputError> {
    Err(InputError::new(_file, "CSV replay not implemented yet"))
}

pub fn parse_git_log(
    _text: &str,
    _file: &str,
    _tz: &jiff::tz::TimeZone,
) -> Result<Vec<ReplayCommit>, InputError> {
    Err(InputError::new(_file, "git log replay not implemented yet"))
}
