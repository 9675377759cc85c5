//! The commit stream: synthetic (Poisson with a weekly profile) or replayed history.

pub mod replay;

use serde::{Deserialize, Serialize};

/// Severity class of a defect. Detection probabilities are given per class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Major,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Minor, Severity::Major, Severity::Critical];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "minor" | "low" => Some(Severity::Minor),
            "major" | "medium" => Some(Severity::Major),
            "critical" | "high" => Some(Severity::Critical),
            _ => None,
        }
    }
}
