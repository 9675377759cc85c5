//! The simulation clock: seconds since the run's start instant, as `f64`.
//!
//! Civil time (zones, weekdays, DST) is resolved once, when the scenario is
//! compiled ([`crate::calendar`]); the event loop only ever sees these numbers.

use std::ops::{Add, Sub};

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
    pub const NEVER: SimTime = SimTime(f64::INFINITY);

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
