//! Scalar values as people write them in pipeline files: durations with units
//! (`90s`, `15m`, `3h`, `2d`), probabilities, clock times, dates.
//! Each checks itself while it is read, so a mistake carries its line and column.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::stream::Severity;
pub use crate::time::Duration;

/// A finite number above zero: a rate, a volume.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Positive(f64);

impl Positive {
    /// `None` for zero, a negative number, an infinity or NaN.
    pub fn new(x: f64) -> Option<Positive> {
        (x.is_finite() && x > 0.0).then_some(Positive(x))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// A duration longer than zero: a horizon, an interval between measurements.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct PositiveDuration(Duration);

impl PositiveDuration {
    /// `None` for a zero duration (a written duration is never negative).
    pub fn new(d: Duration) -> Option<PositiveDuration> {
        (d.secs() > 0.0).then_some(PositiveDuration(d))
    }

    pub fn get(self) -> Duration {
        self.0
    }

    pub fn secs(self) -> f64 {
        self.0.secs()
    }
}

impl fmt::Display for PositiveDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
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
            return Err(format!(
                "{:?}: the end must be after the start; a range past midnight is written as two, \
                 e.g. [\"17:30-24:00\", \"00:00-09:00\"] (each day's hours stand alone)",
                s.trim()
            ));
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
        // A date alone is midnight. Read as a date-time first: jiff reads
        // "2026-01-05 08:24" as a `Date` too, dropping the time of day.
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
        let t = s.trim();
        // jiff reads a date-time as a `Date` too; a time of day here would be dropped.
        t.parse::<jiff::civil::Date>()
            .ok()
            .filter(|_| !t.contains(':'))
            .map(CivilDate)
            .ok_or(())
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

/// A tolerance as written: text (`5%`) or a bare number (`0.5`).
#[derive(Debug, Clone, PartialEq)]
pub struct ToleranceText(pub String);

impl<'de> Deserialize<'de> for ToleranceText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = ToleranceText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a tolerance such as 5%, 0.5 or 5%,0.5")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ToleranceText, E> {
                Ok(ToleranceText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ToleranceText, E> {
                Ok(ToleranceText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ToleranceText, E> {
                Ok(ToleranceText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ToleranceText, E> {
                Ok(ToleranceText(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A set of weekdays written as a map key: `mon`, `mon-fri`, `weekdays`, `weekends`, `daily`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayKey {
    /// Bit i = weekday i, Monday = 0.
    pub mask: u8,
    pub text_order: u8,
}

impl DayKey {
    /// A weekday by its exact name, `mon` or `monday` (any case); Monday = 0.
    fn day(s: &str) -> Option<u8> {
        const NAMES: [(&str, &str); 7] = [
            ("mon", "monday"),
            ("tue", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ];
        let lower = s.trim().to_ascii_lowercase();
        NAMES
            .iter()
            .position(|(short, long)| lower == *short || lower == *long)
            .map(|i| i as u8)
    }

    pub fn parse(s: &str) -> Result<DayKey, String> {
        let t = s.trim().to_ascii_lowercase();
        let bad = || {
            format!(
                "expected weekdays: a day (mon … sun or monday … sunday), a range such as mon-fri, weekdays, weekends or daily, found {:?}",
                s.trim()
            )
        };
        let mask = match t.as_str() {
            "daily" | "everyday" | "all" => 0b111_1111,
            "weekdays" => 0b001_1111,
            "weekends" | "weekend" => 0b110_0000,
            _ => match t.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (Self::day(a).ok_or_else(bad)?, Self::day(b).ok_or_else(bad)?);
                    if b < a {
                        return Err(format!(
                            "{:?}: a range of weekdays runs forward from Monday, e.g. mon-fri or sat-sun",
                            s.trim()
                        ));
                    }
                    (a..=b).fold(0u8, |m, d| m | (1 << d))
                }
                None => 1 << Self::day(&t).ok_or_else(bad)?,
            },
        };
        Ok(DayKey {
            mask,
            text_order: 0,
        })
    }
}

impl<'de> Deserialize<'de> for DayKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DayKey::parse(&s).map_err(de::Error::custom)
    }
}

/// What a value of a [`OneOrMany`] may be written as, for its error messages.
pub trait Expected {
    /// Completes "expected …": the accepted forms of one value or a list of them.
    const EXPECTED: &'static str;
}

impl Expected for ClockRange {
    const EXPECTED: &'static str = "\"HH:MM-HH:MM\" such as \"09:00-17:00\", or a list of them";
}

/// A value or a list of values.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany<T>(pub Vec<T>);

/// Read by hand, not as an untagged enum, whose only message is "data did not
/// match any variant": a list's items report their own errors, a single value
/// its own, and anything else says which forms are accepted.
impl<'de, T: Deserialize<'de> + Expected> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::IntoDeserializer;
        use serde::de::value::Error as ValueError;

        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Expected> de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTED)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let one = T::deserialize(IntoDeserializer::<ValueError>::into_deserializer(v))
                    .map_err(E::custom)?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(x) = seq.next_element()? {
                    v.push(x);
                }
                Ok(OneOrMany(v))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Detection probability per severity; a single number applies to all.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Detection(pub [f64; 3]);

impl Detection {
    pub fn of(&self, s: Severity) -> f64 {
        self.0[s.index()]
    }
}

/// Read by hand, not as an untagged enum: a number or a percentage is checked
/// as a probability, a mapping reports its own errors (an unknown severity, a
/// probability out of range) where they are.
impl<'de> Deserialize<'de> for Detection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error as ValueError, MapAccessDeserializer};

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PerSeverity {
            #[serde(default)]
            minor: Probability,
            #[serde(default)]
            major: Probability,
            #[serde(default)]
            critical: Probability,
        }
        fn all<E: de::Error>(p: Result<Probability, ValueError>) -> Result<Detection, E> {
            p.map(|p| Detection([p.0; 3])).map_err(E::custom)
        }
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Detection;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a detection probability in [0, 1] (or a percentage), or {minor: p, major: p, critical: p}")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Detection, E> {
                all(Probability::deserialize(v.into_deserializer()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Detection, E> {
                all(Probability::deserialize(v.into_deserializer()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Detection, E> {
                all(Probability::deserialize(v.into_deserializer()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Detection, E> {
                all(Probability::deserialize(
                    IntoDeserializer::<ValueError>::into_deserializer(v),
                ))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Detection, A::Error> {
                let p = PerSeverity::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Detection([p.minor.0, p.major.0, p.critical.0]))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_time_keeps_its_time_of_day() {
        let at = |s: &str| CivilDateTime::parse(s).map(|d| d.0.to_string());
        assert_eq!(at("2026-01-05 08:24"), Ok("2026-01-05T08:24:00".into()));
        assert_eq!(at("2026-01-05T08:24:30"), Ok("2026-01-05T08:24:30".into()));
        assert_eq!(at(" 2026-01-05 "), Ok("2026-01-05T00:00:00".into()));
        assert!(at("2026-01-05 25:00").is_err());
        assert!(at("next monday").is_err());
        let date = |s: &str| serde_json::from_value::<CivilDate>(serde_json::json!(s));
        assert!(date("2026-12-25").is_ok());
        assert!(
            date("2026-12-25 10:00").is_err(),
            "a holiday is a whole day"
        );
    }

    #[test]
    fn clock_ranges() {
        let r = ClockRange::parse("09:00-17:30").unwrap();
        assert_eq!((r.from.minutes, r.to.minutes), (540, 1050));
        assert!(ClockRange::parse("17:00-09:00").is_err());
        assert!(ClockRange::parse("00:00-24:00").is_ok());
        assert!(ClockRange::parse("9-5").is_err());
    }

    fn mask(s: &str) -> Result<u8, String> {
        DayKey::parse(s).map(|k| k.mask)
    }

    #[test]
    fn weekday_keys_are_exact_names_or_ranges_of_them() {
        assert_eq!(mask("mon"), Ok(0b000_0001));
        assert_eq!(mask("Monday"), Ok(0b000_0001));
        assert_eq!(mask("SUN"), Ok(0b100_0000));
        assert_eq!(mask("mon-fri"), Ok(0b001_1111));
        assert_eq!(mask("monday-Friday"), Ok(0b001_1111));
        assert_eq!(mask("tue - thu"), Ok(0b000_1110));
        assert_eq!(mask("sat-sun"), Ok(0b110_0000));
        assert_eq!(mask("weekdays"), Ok(0b001_1111));
        assert_eq!(mask("weekends"), Ok(0b110_0000));
        assert_eq!(mask("daily"), Ok(0b111_1111));
        for bad in [
            "monkey-frisbee",
            "monkey",
            "mondays",
            "mo",
            "tues",
            "thurs",
            "fri-mon",
            "mon-",
            "-fri",
            "mon-tue-wed",
            "",
        ] {
            assert!(mask(bad).is_err(), "{bad:?} accepted");
        }
    }
}
