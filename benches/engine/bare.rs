//! The reference the engine's M/M/1 is measured against: the same queue as a
//! bare discrete-event loop, with events in a `BinaryHeap` ordered by (time,
//! sequence number) and exponential draws from a ChaCha8 stream as the engine
//! makes them (`promosim::rng`), and nothing else: no model, no statistics.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use promosim::rng;
use rand_distr::{Distribution, Exp1};

/// The engine's M/M/1 bench: a commit a minute, a mean build of 48 s.
pub const ARRIVAL_MEAN: f64 = 60.0;
pub const SERVICE_MEAN: f64 = 48.0;
/// 700 days, in seconds.
pub const HORIZON: f64 = 700.0 * 86_400.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ev {
    Arrival,
    Departure,
}

struct Scheduled {
    t: f64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scheduled {
    /// Reversed: the earliest first out of the max-heap.
    fn cmp(&self, o: &Self) -> Ordering {
        o.t.total_cmp(&self.t).then_with(|| o.seq.cmp(&self.seq))
    }
}

/// Runs an M/M/1 queue until `horizon`; returns the events handled.
pub fn mm1(arrival_mean: f64, service_mean: f64, horizon: f64, seed: u64) -> u64 {
    let mut arrivals = rng::stream(seed, 0, 1);
    let mut service = rng::stream(seed, 0, 3);
    let mut heap = BinaryHeap::with_capacity(1024);
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<Scheduled>, t: f64, ev: Ev| {
        seq += 1;
        heap.push(Scheduled { t, seq, ev });
    };
    let first: f64 = Exp1.sample(&mut arrivals);
    push(&mut heap, first * arrival_mean, Ev::Arrival);
    let (mut queued, mut busy, mut events) = (0u64, false, 0u64);
    while let Some(Scheduled { t, ev, .. }) = heap.pop() {
        if t > horizon {
            break;
        }
        events += 1;
        match ev {
            Ev::Arrival => {
                let e: f64 = Exp1.sample(&mut arrivals);
                push(&mut heap, t + e * arrival_mean, Ev::Arrival);
                if busy {
                    queued += 1;
                } else {
                    busy = true;
                    let s: f64 = Exp1.sample(&mut service);
                    push(&mut heap, t + s * service_mean, Ev::Departure);
                }
            }
            Ev::Departure => {
                if queued > 0 {
                    queued -= 1;
                    let s: f64 = Exp1.sample(&mut service);
                    push(&mut heap, t + s * service_mean, Ev::Departure);
                } else {
                    busy = false;
                }
            }
        }
    }
    events
}
