//! The event queue: three tiers, taken in (time, sequence) order.
//!
//! Most of the time a pipeline has only a handful of events due within the
//! next day (a build per agent, a deploy or a verification per stage, the next
//! commit), so those live in `soon`, a small vector kept sorted with the
//! earliest last: a pop is a `Vec::pop`, a push a short scan. Near events that
//! do not fit go to `heap`; events more than [`FAR`] ahead (approval timeouts,
//! most of which never matter) wait in `far`. Every event in `soon` is earlier
//! than every event in `heap`, so the loop compares two tops at most. The
//! commit stream schedules its next arrival only when one arrives, so at most
//! one arrival is pending: it waits in a slot of its own, outside the tiers.
//! The order is the same as one binary heap's: only the cost differs.

use std::collections::BinaryHeap;

use super::events::Scheduled;

/// How far ahead an event goes to the far-future tier: a day, beyond every
/// build, deploy and verification step but short of approval timeouts.
pub(super) const FAR: f64 = 86_400.0;

/// Events `soon` holds at most: a linear scan and move stay shorter than a
/// heap's sift up to about this size.
const SOON: usize = 16;

pub(super) struct EventQueue {
    /// The earliest near events, latest first (so the earliest is last).
    soon: Vec<Scheduled>,
    /// Near events later than all of `soon`'s, once it was full.
    heap: BinaryHeap<Scheduled>,
    /// Events scheduled more than [`FAR`] ahead.
    far: BinaryHeap<Scheduled>,
    /// The one pending commit arrival.
    arrival: Option<Scheduled>,
}

impl EventQueue {
    pub(super) fn new() -> Self {
        EventQueue {
            soon: Vec::with_capacity(SOON + 1),
            heap: BinaryHeap::new(),
            far: BinaryHeap::new(),
            arrival: None,
        }
    }

    /// Sets the pending commit arrival (there is at most one).
    #[inline(always)]
    pub(super) fn push_arrival(&mut self, e: Scheduled) {
        debug_assert!(self.arrival.is_none(), "two pending arrivals");
        self.arrival = Some(e);
    }

    /// Adds `e`; `far` when it is due more than [`FAR`] after now.
    #[inline(always)]
    pub(super) fn push(&mut self, e: Scheduled, far: bool) {
        if far {
            return self.far.push(e);
        }
        if self.heap.peek().is_some_and(|h| h.key() < e.key()) {
            return self.heap.push(e);
        }
        // The first position from the back whose event is later than `e`.
        let mut i = self.soon.len();
        while i > 0 && self.soon[i - 1].key() < e.key() {
            i -= 1;
        }
        self.soon.insert(i, e);
        if self.soon.len() > SOON {
            // The latest of `soon` is still earlier than all of `heap`.
            self.heap.push(self.soon.remove(0));
        }
    }

    /// The next event in (time, sequence) order.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<Scheduled> {
        if let Some(a) = &self.arrival {
            let first = self.peek_key().is_none_or(|k| a.key() < k);
            if first {
                return self.arrival.take();
            }
        }
        self.pop_tiers()
    }

    /// The key of the earliest near event (`soon` before `heap`).
    #[inline]
    fn near_key(&self) -> Option<u128> {
        match self.soon.last() {
            Some(e) => Some(e.key()),
            None => self.heap.peek().map(Scheduled::key),
        }
    }

    /// The key of the earliest event in the tiers.
    #[inline]
    fn peek_key(&self) -> Option<u128> {
        let near = self.near_key();
        match (near, self.far.peek().map(Scheduled::key)) {
            (Some(n), Some(f)) => Some(n.min(f)),
            (n, f) => n.or(f),
        }
    }

    #[inline]
    fn pop_tiers(&mut self) -> Option<Scheduled> {
        let near = self.near_key();
        match (near, self.far.peek()) {
            (Some(n), Some(f)) if f.key() < n => self.far.pop(),
            (None, Some(_)) => self.far.pop(),
            (None, None) => None,
            (Some(_), _) => self.soon.pop().or_else(|| self.heap.pop()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::events::Ev;
    use super::*;

    /// Pushes the same events into the queue and a plain binary heap and
    /// checks they come out in the same order, with pops between pushes and
    /// some events as the pending arrival.
    #[test]
    fn the_order_is_a_binary_heaps() {
        let mut q = EventQueue::new();
        let mut h = BinaryHeap::new();
        let mut seq = 0;
        let mut now = 0.0;
        let mut arrival_pending = false;
        // A deterministic spread of delays: many due soon, some far ahead.
        let mut x: u64 = 12345;
        for round in 0..20_000 {
            let pushes = 1 + (round % 3);
            for _ in 0..pushes {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let r = (x >> 33) as f64 / (1u64 << 31) as f64;
                let delay = match x % 7 {
                    0 => 0.0,
                    1 => 2.0 * FAR * r,
                    _ => 600.0 * r,
                };
                seq += 1;
                let t = now + delay;
                if x.is_multiple_of(5) && !arrival_pending {
                    q.push_arrival(Scheduled::new(t, seq, Ev::Arrival));
                    arrival_pending = true;
                } else {
                    q.push(Scheduled::new(t, seq, Ev::FlagStep), delay > FAR);
                }
                h.push(Scheduled::new(t, seq, Ev::Arrival));
            }
            for _ in 0..(round % 4) {
                let (a, b) = (q.pop(), h.pop());
                assert_eq!(
                    a.as_ref().map(Scheduled::key),
                    b.as_ref().map(Scheduled::key)
                );
                if let Some(e) = a {
                    now = e.t();
                    arrival_pending &= e.ev != Ev::Arrival;
                }
            }
        }
        while let Some(b) = h.pop() {
            assert_eq!(q.pop().map(|e| e.key()), Some(b.key()));
        }
        assert!(q.pop().is_none());
    }
}
