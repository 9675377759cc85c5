//! Each queue's time-weighted mean length per period (a week for the queue
//! chart), kept while simulating so a chart over a 5-year run needs no event
//! log. The arithmetic is that of a step function built from the `queue` trace
//! lines and integrated period by period, in the same order, so both give the
//! same numbers.

use crate::model::Model;

#[derive(Debug, Clone)]
pub(super) struct QueuePeriods {
    /// Period width, hours.
    width: f64,
    /// End of the last whole period, hours.
    end: f64,
    /// Per queue (0: the build queue, 1 + s: stage s): the step in force, (since h, length).
    last: Vec<(f64, f64)>,
    /// Per queue, per whole period: length × hours.
    area: Vec<Vec<f64>>,
}

impl QueuePeriods {
    pub(super) fn new(width: f64, m: &Model) -> QueuePeriods {
        let queues = 1 + m.stages.len();
        let n = (m.horizon.hours() / width).floor().max(0.0) as usize;
        QueuePeriods {
            width,
            end: n as f64 * width,
            last: vec![(0.0, 0.0); queues],
            area: vec![vec![0.0; n]; queues],
        }
    }

    /// Queue `q` is `len` long from `t` hours on.
    #[inline]
    pub(super) fn step(&mut self, q: usize, t: f64, len: f64) {
        let Some(&(since, v)) = self.last.get(q) else {
            return;
        };
        if since == t {
            self.last[q].1 = len;
            return;
        }
        self.add(q, since, t, v);
        self.last[q] = (t, len);
    }

    /// Adds `v` held over `[a, b)` to queue `q`'s periods.
    fn add(&mut self, q: usize, a: f64, b: f64, v: f64) {
        if v == 0.0 {
            return;
        }
        let w = self.width;
        let (mut a, b) = (a.max(0.0), b.min(self.end));
        while a < b {
            let d = (a / w).floor();
            let to = ((d + 1.0) * w).min(b);
            if let Some(x) = self.area[q].get_mut(d as usize) {
                *x += v * (to - a);
            }
            a = to;
        }
    }

    /// Per queue, per whole period: the mean length (the last step holds to the end).
    pub(super) fn finish(mut self) -> Vec<Vec<f64>> {
        for q in 0..self.last.len() {
            let (since, v) = self.last[q];
            self.add(q, since, self.end, v);
        }
        let w = self.width;
        self.area
            .into_iter()
            .map(|a| a.into_iter().map(|x| x / w).collect())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periods(width: f64, n: usize, queues: usize) -> QueuePeriods {
        QueuePeriods {
            width,
            end: n as f64 * width,
            last: vec![(0.0, 0.0); queues],
            area: vec![vec![0.0; n]; queues],
        }
    }

    #[test]
    fn a_step_spanning_periods_is_split_at_their_bounds() {
        let mut p = periods(10.0, 3, 1);
        p.step(0, 5.0, 2.0); // 2 long from 5 h
        p.step(0, 25.0, 0.0); // empty from 25 h
        let m = p.finish();
        // [5, 10): 2 × 5 / 10 = 1; [10, 20): 2; [20, 25): 1.
        assert_eq!(m, vec![vec![1.0, 2.0, 1.0]]);
    }

    #[test]
    fn the_last_length_holds_to_the_end_and_same_instant_steps_keep_the_last() {
        let mut p = periods(10.0, 2, 2);
        p.step(1, 10.0, 5.0);
        p.step(1, 10.0, 1.0); // the same instant: 1 wins
        let m = p.finish();
        assert_eq!(m[0], vec![0.0, 0.0]);
        assert_eq!(m[1], vec![0.0, 1.0]);
    }
}
