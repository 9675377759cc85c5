//! Traffic over time: the factor by which the users online at an instant
//! differ from `incidents.users`, piecewise constant per simulated hour.
//!
//! Exposure, detection and canary analysis integrate it, so a defect running
//! at night, when few users are online, reaches few users and is noticed
//! late. The engine asks only three questions of it — the integral over an
//! interval, the largest factor in an interval, and when an integral reaches
//! an amount — each answered from per-hour prefix sums without events.

use crate::time::HOUR;

/// How many hours one block of the block maxima spans (a week).
const BLOCK: usize = 168;

/// Traffic factor per simulated hour since the start, with prefix sums.
#[derive(Debug, Clone)]
pub struct TrafficProfile {
    /// Factor of hour `h` (`[h, h+1)` hours since the start), non-negative.
    level: Vec<f64>,
    /// `cum[h]` = ∫ factor over `[0, h)` hours, in factor × seconds.
    cum: Vec<f64>,
    /// Largest factor of each block of `BLOCK` hours.
    block_max: Vec<f64>,
}

impl TrafficProfile {
    /// From one factor per simulated hour; beyond the last hour the last
    /// factor holds (the compiler covers the horizon and a margin).
    pub fn from_levels(level: Vec<f64>) -> Self {
        let mut cum = Vec::with_capacity(level.len() + 1);
        let mut acc = 0.0;
        cum.push(0.0);
        for &l in &level {
            acc += l * HOUR;
            cum.push(acc);
        }
        let block_max = level
            .chunks(BLOCK)
            .map(|c| c.iter().copied().fold(0.0, f64::max))
            .collect();
        TrafficProfile {
            level,
            cum,
            block_max,
        }
    }

    fn hour(&self, t: f64) -> usize {
        ((t / HOUR).floor().max(0.0) as usize).min(self.level.len() - 1)
    }

    /// The factor at instant `t` (seconds since the start).
    pub fn at(&self, t: f64) -> f64 {
        self.level[self.hour(t)]
    }

    /// ∫ factor dt from the start to `t`, in factor × seconds.
    fn cumulative(&self, t: f64) -> f64 {
        let t = t.max(0.0);
        let h = self.hour(t);
        self.cum[h] + self.level[h] * (t - h as f64 * HOUR)
    }

    /// ∫ factor dt over `[a, b]`, in factor × seconds (b − a when flat at 1).
    pub fn integral(&self, a: f64, b: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        (self.cumulative(b) - self.cumulative(a)).max(0.0)
    }

    /// The largest factor in `[a, b)`.
    pub fn max_between(&self, a: f64, b: f64) -> f64 {
        let (i, j) = (self.hour(a), self.hour(b.max(a)));
        if b <= a {
            return self.level[i];
        }
        // An interval ending exactly on an hour boundary does not see that hour.
        let j = if j > i && (b / HOUR).fract() == 0.0 {
            j - 1
        } else {
            j
        };
        let (bi, bj) = (i / BLOCK, j / BLOCK);
        if bi == bj {
            return self.level[i..=j].iter().copied().fold(0.0, f64::max);
        }
        let head = self.level[i..(bi + 1) * BLOCK].iter().copied();
        let tail = self.level[bj * BLOCK..=j].iter().copied();
        let middle = self.block_max[bi + 1..bj].iter().copied();
        head.chain(middle).chain(tail).fold(0.0, f64::max)
    }

    /// The earliest `t ≥ from` with ∫ factor over `[from, t]` = `amount`
    /// (factor × seconds); `None` when the traffic never adds up to it.
    pub fn reach(&self, from: f64, amount: f64) -> Option<f64> {
        if amount <= 0.0 {
            return Some(from);
        }
        let target = self.cumulative(from) + amount;
        let last = self.level.len() - 1;
        // First hour boundary whose prefix sum reaches the target.
        let k = self.cum.partition_point(|&c| c < target);
        if k == self.cum.len() {
            // Past the table: the last factor holds.
            let l = self.level[last];
            let rest = target - self.cum[last + 1];
            return (l > 0.0).then(|| (last + 1) as f64 * HOUR + rest / l);
        }
        let h = k.saturating_sub(1);
        let l = self.level[h];
        let within = if l > 0.0 {
            (target - self.cum[h]) / l
        } else {
            0.0
        };
        Some((h as f64 * HOUR + within).max(from))
    }

    /// Mean factor over `[a, b)` (for the report).
    pub fn mean_between(&self, a: f64, b: f64) -> f64 {
        if b <= a {
            return self.at(a);
        }
        self.integral(a, b) / (b - a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day_night() -> TrafficProfile {
        // 24 h: zero 0–6 h, 2 from 6 to 24 h, for 30 days.
        let day: Vec<f64> = (0..24).map(|h| if h < 6 { 0.0 } else { 2.0 }).collect();
        TrafficProfile::from_levels(day.repeat(30))
    }

    #[test]
    fn integral_counts_only_the_hours_with_traffic() {
        let p = day_night();
        assert_eq!(p.integral(0.0, 6.0 * HOUR), 0.0);
        assert_eq!(p.integral(0.0, 24.0 * HOUR), 36.0 * HOUR);
        assert_eq!(p.integral(5.5 * HOUR, 6.5 * HOUR), HOUR);
    }

    #[test]
    fn reach_waits_for_the_morning() {
        let p = day_night();
        // From 03:00, one factor-hour of traffic is reached at 06:30.
        let t = p.reach(3.0 * HOUR, HOUR).unwrap();
        assert!((t - 6.5 * HOUR).abs() < 1e-6, "{t}");
        // From 12:00, 2 factor-hours take one hour.
        let t = p.reach(12.0 * HOUR, 2.0 * HOUR).unwrap();
        assert!((t - 13.0 * HOUR).abs() < 1e-6, "{t}");
        // Beyond the table the last factor holds.
        let end = 30.0 * 24.0 * HOUR;
        let t = p.reach(end - HOUR, 4.0 * HOUR).unwrap();
        assert!((t - (end + HOUR)).abs() < 1e-6, "{t}");
    }

    #[test]
    fn reach_inverts_integral() {
        let p = day_night();
        for (from, amount) in [(0.0, 1.0), (1000.0, 5e4), (7e4, 3e5), (2e5, 1e6)] {
            let t = p.reach(from, amount).unwrap();
            assert!((p.integral(from, t) - amount).abs() < 1e-6 * amount.max(1.0));
        }
    }

    #[test]
    fn never_reached_without_traffic() {
        let p = TrafficProfile::from_levels(vec![1.0, 0.0]);
        assert_eq!(p.reach(0.0, 2.0 * HOUR), None);
        assert!(p.reach(0.0, 0.5 * HOUR).is_some());
    }

    #[test]
    fn block_maxima_agree_with_a_scan() {
        let level: Vec<f64> = (0..1000).map(|h| ((h * 37) % 101) as f64).collect();
        let p = TrafficProfile::from_levels(level.clone());
        for (a, b) in [(0, 1), (3, 170), (100, 900), (167, 169), (500, 1000)] {
            let want = level[a..b].iter().copied().fold(0.0, f64::max);
            let got = p.max_between(a as f64 * HOUR, b as f64 * HOUR);
            assert_eq!(got, want, "{a}..{b}");
        }
    }
}
