//! The units metrics are counted or measured in.

use serde::{Serialize, Serializer};

/// What a metric is counted or measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    Hours,
    Commits,
    PerWeek,
    Builds,
    Share,
    Releases,
    Defects,
    Events,
    Incidents,
    Rollouts,
    Rollbacks,
    ShareHours,
    UserHours,
    Users,
    HoursPerWeek,
    Tasks,
    /// 0 or 1.
    Flag,
}

impl Unit {
    pub const ALL: [Unit; 17] = [
        Unit::Hours,
        Unit::Commits,
        Unit::PerWeek,
        Unit::Builds,
        Unit::Share,
        Unit::Releases,
        Unit::Defects,
        Unit::Events,
        Unit::Incidents,
        Unit::Rollouts,
        Unit::Rollbacks,
        Unit::ShareHours,
        Unit::UserHours,
        Unit::Users,
        Unit::HoursPerWeek,
        Unit::Tasks,
        Unit::Flag,
    ];

    /// The symbol written in `summary.json`, tables and charts.
    pub const fn symbol(self) -> &'static str {
        match self {
            Unit::Hours => "h",
            Unit::Commits => "commits",
            Unit::PerWeek => "1/week",
            Unit::Builds => "builds",
            Unit::Share => "share",
            Unit::Releases => "releases",
            Unit::Defects => "defects",
            Unit::Events => "events",
            Unit::Incidents => "incidents",
            Unit::Rollouts => "rollouts",
            Unit::Rollbacks => "rollbacks",
            Unit::ShareHours => "share·h",
            Unit::UserHours => "user·h",
            Unit::Users => "users",
            Unit::HoursPerWeek => "h/week",
            Unit::Tasks => "tasks",
            Unit::Flag => "",
        }
    }

    /// The unit whose symbol is `s` (for reading shard parts back).
    pub fn from_symbol(s: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.symbol() == s)
    }
}

impl Serialize for Unit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.symbol())
    }
}
