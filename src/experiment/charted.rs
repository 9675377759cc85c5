//! What the charts are drawn from, traced small. The charts need the whole
//! pipeline only in the timeline window of replication 0, a few kinds of
//! event over the whole run, and weekly mean queue lengths of a few
//! replications: a replication traced in full takes 100 MB over five years,
//! these take kilobytes (issue 14: the report's memory does not grow with the
//! horizon).

use rayon::prelude::*;

use super::interruptible;
use crate::engine::{self, KindSet, Options, Replication, TraceFilter, TraceKind};
use crate::model::Model;
use crate::time::{HOUR, SimTime};

/// How many replications the weekly queue chart averages (its band is their range).
pub const QUEUE_BAND_REPLICATIONS: usize = 8;
/// Days shown in the Gantt timeline and the queue detail, from the end of warm-up.
pub const TIMELINE_DAYS: f64 = 14.0;
/// The queue chart's period: a week, in hours.
pub const QUEUE_PERIOD_H: f64 = 7.0 * 24.0;

/// The event kinds a chart draws over the whole run, after the timeline
/// window: exposure (the incident chart) and deliveries (batch sizes).
pub const WHOLE_RUN_KINDS: [TraceKind; 2] = [TraceKind::Exposure, TraceKind::Delivered];

/// The timeline window in hours: [`TIMELINE_DAYS`] from the end of warm-up
/// (earlier when the run is shorter).
pub fn timeline_window(model: &Model) -> (f64, f64) {
    let end = model.horizon.hours();
    let a = model.warm_up.hours().min(end);
    let b = (a + TIMELINE_DAYS * 24.0).min(end);
    let a = (b - TIMELINE_DAYS * 24.0).max(0.0).min(a);
    (a, b)
}

/// How far past the timeline window the Gantt chart reads the log, to see
/// how the bars still open at the window's end finish.
pub const TIMELINE_LOOKAHEAD_H: f64 = 60.0 * 24.0;

/// What a chart needs of replication `r`: replication 0 keeps its commit
/// records, its whole event log up to [`TIMELINE_LOOKAHEAD_H`] past the
/// timeline window and [`WHOLE_RUN_KINDS`] after that; every replication
/// keeps its weekly queue means.
pub fn chart_trace(model: &Model, r: u64) -> Replication {
    let (_, b) = timeline_window(model);
    let until_h = b + TIMELINE_LOOKAHEAD_H;
    engine::run(
        model,
        r,
        Options {
            trace: r == 0,
            trace_filter: TraceFilter {
                until: SimTime(until_h * HOUR),
                after: KindSet::of(&WHOLE_RUN_KINDS),
            },
            commit_records: r == 0,
            queue_periods: Some(QUEUE_PERIOD_H),
            ..interruptible()
        },
    )
}

/// Replications `0..k` as the charts need them ([`chart_trace`]), in
/// parallel in the current rayon pool, in replication order.
pub fn trace_replications(model: &Model, k: usize) -> Vec<Replication> {
    (0..k as u64)
        .into_par_iter()
        .map(|r| chart_trace(model, r))
        .collect()
}
