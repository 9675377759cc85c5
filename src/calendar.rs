//! Civil time → simulation clock: working hours, holidays, freeze windows and
//! cron schedules, all evaluated in the scenario's time zone once, at compile
//! time, and turned into sorted lists of instants the event loop can search.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};

use crate::time::{SimDuration, SimTime};

/// Converts between civil time in the scenario's zone and the simulation clock.
#[derive(Debug, Clone)]
pub struct Clock {
    start: Timestamp,
    tz: TimeZone,
}

impl Clock {
    /// A clock whose zero is `start`, read in `tz`. A civil time that does not exist
    /// or is ambiguous (DST) is resolved the way `jiff` calls "compatible": the
    /// later offset for a gap, the earlier for a fold — as cron daemons do.
    pub fn new(start: DateTime, tz: TimeZone) -> Result<Self, String> {
        let start = tz
            .to_ambiguous_zoned(start)
            .compatible()
            .map_err(|e| format!("start {start} in {}: {e}", tz_name(&tz)))?
            .timestamp();
        Ok(Clock { start, tz })
    }

    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    pub fn at(&self, ts: Timestamp) -> SimTime {
        let d = ts.duration_since(self.start);
        SimTime(d.as_secs_f64())
    }

    /// A civil date-time in the scenario's zone.
    pub fn civil(&self, dt: DateTime) -> SimTime {
        match self.tz.to_ambiguous_zoned(dt).compatible() {
            Ok(z) => self.at(z.timestamp()),
            // Only at the ends of representable time; clamp rather than fail.
            Err(_) => SimTime(f64::INFINITY),
        }
    }

    /// The civil instant of a simulation time, for traces and reports.
    pub fn zoned(&self, t: SimTime) -> Zoned {
        let secs = t.0.clamp(-1e15, 1e15);
        let span = jiff::SignedDuration::from_secs_f64(secs);
        self.start
            .checked_add(span)
            .unwrap_or(self.start)
            .to_zoned(self.tz.clone())
    }

    pub fn start_zoned(&self) -> Zoned {
        self.start.to_zoned(self.tz.clone())
    }
}

fn tz_name(tz: &TimeZone) -> &str {
    tz.iana_name().unwrap_or("the time zone")
}

/// Working hours of one week, Monday first: a list of `[from, to)` civil times
/// per weekday. `to` of `None` means midnight at the end of the day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeeklyHours {
    pub days: [Vec<(Time, Option<Time>)>; 7],
}

impl WeeklyHours {
    /// Open around the clock, every day.
    pub fn always() -> Self {
        WeeklyHours {
            days: std::array::from_fn(|_| vec![(Time::midnight(), None)]),
        }
    }
}

/// "Forever" on the simulation clock (about 31,000 years), kept finite so
/// sums of open time stay exact.
const FAR: f64 = 1e12;

/// A set of open periods on the simulation clock: sorted, disjoint, half-open
/// `[start, end)` intervals, with the open time accumulated before each one so
/// "after three working hours" is a binary search, not a walk.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalSet {
    starts: Vec<f64>,
    ends: Vec<f64>,
    /// `cum[i]` = total open time of intervals `0..i`.
    cum: Vec<f64>,
}

impl IntervalSet {
    /// Open at every instant.
    pub fn always() -> Self {
        Self::from_intervals(vec![(-FAR, FAR)])
    }

    pub fn never() -> Self {
        Self::from_intervals(Vec::new())
    }

    /// Builds a set from any intervals: sorts them, drops empty ones, merges overlaps.
    pub fn from_intervals(mut raw: Vec<(f64, f64)>) -> Self {
        // Unbounded ends are clamped to "far away" so open-time sums stay finite.
        for (s, e) in raw.iter_mut() {
            *s = s.clamp(-FAR, FAR);
            *e = e.clamp(-FAR, FAR);
        }
        raw.retain(|(s, e)| e > s);
        raw.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut starts: Vec<f64> = Vec::with_capacity(raw.len());
        let mut ends: Vec<f64> = Vec::with_capacity(raw.len());
        for (s, e) in raw {
            match ends.last_mut() {
                Some(last) if s <= *last => *last = last.max(e),
                _ => {
                    starts.push(s);
                    ends.push(e);
                }
            }
        }
        let mut cum = Vec::with_capacity(starts.len());
        let mut acc = 0.0;
        for (s, e) in starts.iter().zip(&ends) {
            cum.push(acc);
            acc += e - s;
        }
        IntervalSet { starts, ends, cum }
    }

    pub fn intervals(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.starts.iter().copied().zip(self.ends.iter().copied())
    }

    /// Index of the last interval starting at or before `t`.
    fn index_at(&self, t: f64) -> Option<usize> {
        let n = self.starts.partition_point(|&s| s <= t);
        n.checked_sub(1)
    }

    pub fn contains(&self, t: SimTime) -> bool {
        self.index_at(t.0).is_some_and(|i| t.0 < self.ends[i])
    }

    /// `t` itself when open, else the start of the next open period; `None` if none.
    pub fn next_open(&self, t: SimTime) -> Option<SimTime> {
        match self.index_at(t.0) {
            Some(i) if t.0 < self.ends[i] => Some(t),
            Some(i) => self.starts.get(i + 1).map(|&s| SimTime(s)),
            None => self.starts.first().map(|&s| SimTime(s)),
        }
    }

    /// Open time elapsed from the beginning of the set up to `t`.
    fn open_before(&self, t: f64) -> f64 {
        match self.index_at(t) {
            None => 0.0,
            Some(i) => {
                let s = self.starts[i];
                self.cum[i] + (t.min(self.ends[i]) - s).max(0.0)
            }
        }
    }

    /// The earliest instant by which `d` of open time has passed since `t`
    /// ("three working hours after the request"); `None` if the set runs out.
    pub fn add_open_time(&self, t: SimTime, d: SimDuration) -> Option<SimTime> {
        let start = self.next_open(t)?;
        let i = self.index_at(start.0)?;
        // Fast path: it fits in the current period (always true for `always`).
        if start.0 + d.0 <= self.ends[i] {
            return Some(SimTime(start.0 + d.0));
        }
        let target = self.open_before(start.0) + d.0;
        // First interval whose accumulated open time at its end reaches the target.
        let j = self.cum.partition_point(|&c| c < target).saturating_sub(1);
        let mut j = j.max(i);
        loop {
            let end_cum = self.cum[j] + (self.ends[j] - self.starts[j]);
            if end_cum >= target {
                return Some(SimTime(self.starts[j] + (target - self.cum[j])));
            }
            j += 1;
            if j >= self.starts.len() {
                return None;
            }
        }
    }

    /// Open time within `[a, b)`.
    pub fn open_time_between(&self, a: SimTime, b: SimTime) -> SimDuration {
        SimDuration((self.open_before(b.0) - self.open_before(a.0)).max(0.0))
    }

    /// This set with the given closed periods removed (a freeze inside working hours).
    pub fn minus(&self, closed: &IntervalSet) -> IntervalSet {
        let mut out = Vec::new();
        for (s, e) in self.intervals() {
            let mut cur = s;
            for (cs, ce) in closed.intervals() {
                if ce <= cur || cs >= e {
                    continue;
                }
                if cs > cur {
                    out.push((cur, cs));
                }
                cur = cur.max(ce);
                if cur >= e {
                    break;
                }
            }
            if cur < e {
                out.push((cur, e));
            }
        }
        IntervalSet::from_intervals(out)
    }
}

/// Compiles weekly working hours minus holidays into open periods covering
/// `[0, until)` on the simulation clock (and the day before the start, so a
/// period already open at the start is seen as open).
pub fn working_time(
    clock: &Clock,
    week: &WeeklyHours,
    holidays: &[Date],
    until: SimTime,
) -> IntervalSet {
    let first = clock
        .start_zoned()
        .date()
        .yesterday()
        .unwrap_or(clock.start_zoned().date());
    let mut out = Vec::new();
    let mut day = first;
    loop {
        let day_start = clock.civil(day.to_datetime(Time::midnight()));
        if day_start.0 >= until.0 {
            break;
        }
        if !holidays.contains(&day) {
            let weekday = day.weekday().to_monday_zero_offset() as usize;
            for &(from, to) in &week.days[weekday] {
                let s = clock.civil(day.to_datetime(from));
                let e = match to {
                    Some(to) => clock.civil(day.to_datetime(to)),
                    None => match day.tomorrow() {
                        Ok(next) => clock.civil(next.to_datetime(Time::midnight())),
                        Err(_) => SimTime(f64::INFINITY),
                    },
                };
                out.push((s.0, e.0));
            }
        }
        day = match day.checked_add(1.day()) {
            Ok(d) => d,
            Err(_) => break,
        };
    }
    IntervalSet::from_intervals(out)
}

/// Parses a five-field cron string as pipeline files write it (`0 3 * * *`,
/// `0 3 * * Mon-Fri`, `*/15 9-17 * * *`).
pub fn parse_cron(expr: &str) -> Result<croner::Cron, String> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Disallowed)
        .year(croner::parser::Year::Disallowed)
        .build()
        .parse(expr)
        .map_err(|e| format!("invalid cron string {expr:?} (expected five fields: minute hour day-of-month month day-of-week): {e}"))
}

/// 366 days, in seconds.
const YEAR: f64 = 366.0 * 86_400.0;

/// Every firing of a cron schedule in `[0, until)`, in the scenario's zone.
pub fn cron_fire_times(clock: &Clock, cron: &croner::Cron, until: SimTime) -> Vec<SimTime> {
    cron_fire_times_limited(clock, cron, until, usize::MAX).unwrap_or_default()
}

/// As [`cron_fire_times`], but gives up past `limit` firings and returns the
/// estimated total instead (extrapolated from the firings found so far).
pub fn cron_fire_times_limited(
    clock: &Clock,
    cron: &croner::Cron,
    until: SimTime,
    limit: usize,
) -> Result<Vec<SimTime>, f64> {
    let mut out = Vec::new();
    let start = clock.start_zoned();
    let mut cur = match cron.find_next_occurrence(&start, true) {
        Ok(z) => z,
        Err(_) => return Ok(out),
    };
    let mut year_checked = false;
    loop {
        let t = clock.at(cur.timestamp());
        if t.0 >= until.0 {
            break;
        }
        if out.len() >= limit {
            let covered = t.0.max(1.0);
            return Err(out.len() as f64 * until.0 / covered);
        }
        // Cron repeats within a year: after the first one, a schedule on course
        // for more than twice the limit is refused without counting on.
        if !year_checked && limit < usize::MAX && t.0 >= YEAR {
            year_checked = true;
            let estimate = out.len() as f64 * until.0 / t.0;
            if estimate > 2.0 * limit as f64 {
                return Err(estimate);
            }
        }
        out.push(t);
        cur = match cron.find_next_occurrence(&cur, false) {
            Ok(z) => z,
            Err(_) => break,
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR;
    use jiff::civil::date;

    fn berlin() -> Clock {
        // A Monday.
        Clock::new(
            date(2026, 1, 5).at(0, 0, 0, 0),
            TimeZone::get("Europe/Berlin").unwrap(),
        )
        .unwrap()
    }

    fn nine_to_five() -> WeeklyHours {
        let mut w = WeeklyHours::default();
        for d in 0..5 {
            w.days[d] = vec![(
                Time::constant(9, 0, 0, 0),
                Some(Time::constant(17, 0, 0, 0)),
            )];
        }
        w
    }

    #[test]
    fn working_hours_skip_nights_weekends_and_holidays() {
        let c = berlin();
        let hol = [date(2026, 1, 6)];
        let set = working_time(&c, &nine_to_five(), &hol, SimTime(30.0 * 86_400.0));
        assert!(!set.contains(SimTime(8.0 * HOUR)));
        assert!(set.contains(SimTime(9.0 * HOUR)));
        assert!(!set.contains(SimTime(17.0 * HOUR)));
        // Tuesday is a holiday: the next open instant after Monday 17:00 is Wednesday 09:00.
        assert_eq!(
            set.next_open(SimTime(17.0 * HOUR)),
            Some(SimTime(48.0 * HOUR + 9.0 * HOUR))
        );
        // Friday 16:00 + 3 working hours = Monday 11:00.
        let fri16 = SimTime(4.0 * 24.0 * HOUR + 16.0 * HOUR);
        let mon11 = SimTime(7.0 * 24.0 * HOUR + 11.0 * HOUR);
        assert_eq!(
            set.add_open_time(fri16, SimDuration(3.0 * HOUR)),
            Some(mon11)
        );
        assert_eq!(set.open_time_between(fri16, mon11), SimDuration(3.0 * HOUR));
    }

    #[test]
    fn add_open_time_over_many_periods_matches_a_walk() {
        let c = berlin();
        let set = working_time(&c, &nine_to_five(), &[], SimTime(60.0 * 86_400.0));
        // 10 working days of 8 h from Monday 09:00 ends Friday of the second week at 17:00.
        let t = set
            .add_open_time(SimTime(9.0 * HOUR), SimDuration(80.0 * HOUR))
            .unwrap();
        assert_eq!(t, SimTime(11.0 * 24.0 * HOUR + 17.0 * HOUR));
    }

    #[test]
    fn minus_cuts_a_freeze_out_of_working_time() {
        let a = IntervalSet::from_intervals(vec![(0.0, 10.0), (20.0, 30.0)]);
        let f = IntervalSet::from_intervals(vec![(5.0, 25.0)]);
        let m = a.minus(&f);
        assert_eq!(
            m.intervals().collect::<Vec<_>>(),
            vec![(0.0, 5.0), (25.0, 30.0)]
        );
        let always = IntervalSet::always().minus(&f);
        assert!(
            always.contains(SimTime(4.0))
                && !always.contains(SimTime(5.0))
                && always.contains(SimTime(25.0))
        );
        assert_eq!(
            always.add_open_time(SimTime(4.0), SimDuration(2.0)),
            Some(SimTime(26.0))
        );
    }

    #[test]
    fn daily_cron_fires_at_three_local_time_across_dst() {
        let c = berlin();
        let cron = parse_cron("0 3 * * *").unwrap();
        let fires = cron_fire_times(&c, &cron, SimTime(365.0 * 86_400.0));
        assert_eq!(fires.len(), 365);
        for f in &fires {
            assert_eq!(c.zoned(*f).hour(), 3);
        }
        assert!(parse_cron("0 3 * *").is_err());
        assert!(parse_cron("61 3 * * *").is_err());
    }
}
