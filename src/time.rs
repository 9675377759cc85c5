//! The simulation clock: seconds since the run's start instant, as `f64`.
//!
//! Civil time (zones, weekdays, DST) is resolved once, when the scenario is
//! compiled ([`crate::calendar`]); the event loop only ever sees these numbers.

use std::fmt;
use std::ops::{Add, Sub};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// An instant on the simulation clock: seconds since the run's start.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct SimTime(pub f64);

/// A length of simulated time, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct SimDuration(pub f64);

pub const MINUTE: f64 = 60.0;
pub const HOUR: f64 = 3600.0;
pub const DAY: f64 = 86_400.0;
pub const WEEK: f64 = 7.0 * DAY;

impl SimTime {
    pub const ZERO: SimTime = SimTime(0.0);

    pub fn secs(self) -> f64 {
        self.0
    }

    pub fn hours(self) -> f64 {
        self.0 / HOUR
    }

    pub fn max(self, other: SimTime) -> SimTime {
        if other.0 > self.0 { other } else { self }
    }

    pub fn min(self, other: SimTime) -> SimTime {
        if other.0 < self.0 { other } else { self }
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0.0);

    pub fn from_secs(s: f64) -> Self {
        SimDuration(s)
    }

    pub fn from_hours(h: f64) -> Self {
        SimDuration(h * HOUR)
    }

    pub fn secs(self) -> f64 {
        self.0
    }

    pub fn hours(self) -> f64 {
        self.0 / HOUR
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0 + d.0)
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, other: SimTime) -> SimDuration {
        SimDuration(self.0 - other.0)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0 + d.0)
    }
}

/// A non-negative length of time written with a unit, as scenarios and
/// distributions write it (here, a leaf, so `dist` needs no `scenario`): `90s`, `15m`, `3h`,
/// `1h30m`, `2d`, `1w`. Days are 24 hours and weeks 7 days (simulated time is not
/// civil time); months and years are refused as ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Duration(pub SimDuration);

impl Duration {
    pub fn secs(self) -> f64 {
        self.0.0
    }

    pub fn parse(s: &str) -> Result<Duration, String> {
        let text = s.trim();
        let expected = "expected a duration such as 90s, 15m, 3h, 1h30m or 2d";
        if text.starts_with('-') {
            return Err(format!(
                "negative duration {text:?}: {expected} (not negative)"
            ));
        }
        let span: jiff::Span = text
            .parse()
            .map_err(|_| format!("{expected}, found {text:?}"))?;
        if span.get_months() != 0 || span.get_years() != 0 {
            return Err(format!(
                "{text:?}: months and years have no fixed length; write days (e.g. 30d)"
            ));
        }
        let secs = span
            .total((
                jiff::Unit::Second,
                jiff::SpanRelativeTo::days_are_24_hours(),
            ))
            .map_err(|e| format!("{text:?}: {e}"))?;
        if secs < 0.0 {
            return Err(format!(
                "negative duration {text:?}: {expected} (not negative)"
            ));
        }
        Ok(Duration(SimDuration(secs)))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.secs();
        if s != 0.0 && s % 86_400.0 == 0.0 {
            write!(f, "{}d", s / 86_400.0)
        } else if s != 0.0 && s % 3600.0 == 0.0 {
            write!(f, "{}h", s / 3600.0)
        } else if s != 0.0 && s % 60.0 == 0.0 {
            write!(f, "{}m", s / 60.0)
        } else {
            write!(f, "{s}s")
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as 90s, 15m, 3h or 2d")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                if v == 0 {
                    return Ok(Duration::default());
                }
                Err(E::custom(format!(
                    "a bare number ({v}) has no unit: write a duration such as {v}s, {v}m or {v}h"
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "a bare number ({v}) has no unit: write a duration such as {v}s, {v}m or {v}h"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_people_write_them() {
        assert_eq!(Duration::parse("90s").unwrap().secs(), 90.0);
        assert_eq!(Duration::parse("15m").unwrap().secs(), 900.0);
        assert_eq!(Duration::parse("1h30m").unwrap().secs(), 5400.0);
        assert_eq!(Duration::parse("2d").unwrap().secs(), 172_800.0);
        assert_eq!(Duration::parse("1w").unwrap().secs(), 604_800.0);
        assert!(Duration::parse("-5m").unwrap_err().contains("negative"));
        assert!(Duration::parse("1 month").is_err());
        assert!(Duration::parse("soon").is_err());
    }
}
