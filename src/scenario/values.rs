//! Scalar values as people write them in pipeline files: durations with units
//! (`90s`, `15m`, `3h`, `2d`), probabilities, clock times, dates.
//! Each checks itself while it is read, so a mistake carries its line and column.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::time::SimDuration;

/// A non-negative length of time written with a unit: `90s`, `15m`, `3h`,
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

/// A probability in `[0, 1]`; `5%` is also accepted.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize)]
pub struct Probability(pub f64);

impl Probability {
    fn check(p: f64) -> Result<Probability, String> {
        if (0.0..=1.0).contains(&p) {
            Ok(Probability(p))
        } else {
            Err(format!(
                "probability {p} is outside [0, 1]; write e.g. 0.05 or 5%"
            ))
        }
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Probability;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a probability between 0 and 1 (or a percentage such as 5%)")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Probability, E> {
                Probability::check(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Probability, E> {
                Probability::check(v as f64).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Probability, E> {
                Probability::check(v as f64).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Probability, E> {
                let t = v.trim();
                let parsed = match t.strip_suffix('%') {
                    Some(pct) => pct.trim().parse::<f64>().map(|x| x / 100.0),
                    None => t.parse::<f64>(),
                };
                match parsed {
                    Ok(p) => Probability::check(p).map_err(E::custom),
                    Err(_) => Err(E::custom(format!(
                        "expected a probability between 0 and 1 or a percentage such as 5%, found {t:?}"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A clock time of day, `HH:MM` (also `24:00` for the end of a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime {
    /// Minutes after midnight, 0..=1440.
    pub minutes: u32,
}

impl ClockTime {
    pub fn parse(s: &str) -> Result<ClockTime, String> {
        let t = s.trim();
        let bad = || format!("expected a clock time HH:MM such as 09:00 or 17:30, found {t:?}");
        let (h, m) = t.split_once(':').ok_or_else(bad)?;
        let h: u32 = h.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        if m >= 60 || h > 24 || (h == 24 && m != 0) {
            return Err(bad());
        }
        Ok(ClockTime {
            minutes: h * 60 + m,
        })
    }

    /// `None` for 24:00, which ends the day.
    pub fn to_civil(self) -> Option<jiff::civil::Time> {
        if self.minutes >= 1440 {
            return None;
        }
        jiff::civil::Time::new((self.minutes / 60) as i8, (self.minutes % 60) as i8, 0, 0).ok()
    }
}

/// A span of clock times in one day: `"09:00-17:00"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockRange {
    pub from: ClockTime,
    pub to: ClockTime,
}

impl ClockRange {
    pub fn parse(s: &str) -> Result<ClockRange, String> {
        let bad = || {
            format!(
                "expected \"HH:MM-HH:MM\" such as \"09:00-17:00\", or a list of them, found {:?}",
                s.trim()
            )
        };
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let from = ClockTime::parse(a).map_err(|_| bad())?;
        let to = ClockTime::parse(b).map_err(|_| bad())?;
        if to <= from {
            return Err(format!("{:?}: the end must be after the start", s.trim()));
        }
        Ok(ClockRange { from, to })
    }
}

impl<'de> Deserialize<'de> for ClockRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ClockRange::parse(&s).map_err(de::Error::custom)
    }
}

/// A civil date-time in the scenario's zone: `2026-01-05`, `2026-01-05 09:00`,
/// `2026-01-05T09:00:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDateTime(pub jiff::civil::DateTime);

impl CivilDateTime {
    pub fn parse(s: &str) -> Result<CivilDateTime, String> {
        let t = s.trim();
        if let Ok(d) = t.parse::<jiff::civil::Date>() {
            return Ok(CivilDateTime(d.to_datetime(jiff::civil::Time::midnight())));
        }
        let normalized = t.replacen(' ', "T", 1);
        normalized
            .parse::<jiff::civil::DateTime>()
            .map(CivilDateTime)
            .map_err(|_| format!("expected a date or date-time such as 2026-01-05 or 2026-01-05 09:00, found {t:?}"))
    }
}

impl<'de> Deserialize<'de> for CivilDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CivilDateTime::parse(&s).map_err(de::Error::custom)
    }
}

/// A calendar date, `2026-12-25`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilDate(pub jiff::civil::Date);

impl<'de> Deserialize<'de> for CivilDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.trim()
            .parse::<jiff::civil::Date>()
            .map(CivilDate)
            .map_err(|_| {
                de::Error::custom(format!(
                    "expected a date such as 2026-12-25, found {:?}",
                    s.trim()
                ))
            })
    }
}

/// A time-zone name from the IANA database bundled in the binary.
#[derive(Debug, Clone)]
pub struct Zone(pub jiff::tz::TimeZone);

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        jiff::tz::TimeZone::get(s.trim()).map(Zone).map_err(|_| {
            de::Error::custom(format!(
                "unknown time zone {:?}: expected an IANA name such as UTC or Europe/Berlin",
                s.trim()
            ))
        })
    }
}

/// A cron string, checked when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronString(pub String);

impl<'de> Deserialize<'de> for CronString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        crate::calendar::parse_cron(&s).map_err(de::Error::custom)?;
        Ok(CronString(s))
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

    #[test]
    fn clock_ranges() {
        let r = ClockRange::parse("09:00-17:30").unwrap();
        assert_eq!((r.from.minutes, r.to.minutes), (540, 1050));
        assert!(ClockRange::parse("17:00-09:00").is_err());
        assert!(ClockRange::parse("00:00-24:00").is_ok());
        assert!(ClockRange::parse("9-5").is_err());
    }
}
