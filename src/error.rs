//! Errors a user can act on: bad input (exit 2) names the file, line and column.

use std::fmt;

/// A mistake in user input: a scenario file, a replayed history, a command-line value.
///
/// Displayed on one line as `file:line:column: message`, like a compiler, so editors
/// and CI logs can jump to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// 1-based line, when the mistake has a position.
    pub line: Option<u64>,
    /// 1-based column, when the mistake has a position.
    pub column: Option<u64>,
    pub message: String,
}

impl InputError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(file: impl Into<String>, line: u64, column: u64, message: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        // One line, always: a multi-line YAML library message is folded.
        let message = self
            .message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        write!(f, ": {message}")
    }
}

impl std::error::Error for InputError {}
