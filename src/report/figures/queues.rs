//! Queue lengths over the run and in detail.

use super::*;
use crate::engine::{Replication, TraceKind, TraceRecord};
use crate::model::Model;
use crate::report::charts::{Chart, Series, Shade};
use crate::report::number::fmt_num;

/// Queue-length step functions of one replication, from its `queue` trace
/// events: index 0 is the build queue, index 1 + s stage s. Each is a list of
/// (time in hours, length from then on), starting at (0, 0).
pub fn queue_steps(model: &Model, trace: &[TraceRecord]) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![vec![(0.0, 0.0)]; 1 + model.stages.len()];
    for r in trace.iter().filter(|r| r.event == TraceKind::Queue) {
        let i = r.stage.map_or(0, |s| s + 1);
        if let (Some(q), Some(v)) = (out.get_mut(i), r.value) {
            let t = r.time.hours();
            match q.last_mut() {
                Some(last) if last.0 == t => last.1 = v,
                _ => q.push((t, v)),
            }
        }
    }
    out
}

/// Time-weighted mean of a step function over each period `[d·w, (d+1)·w)`
/// hours for `d` in `from..to` (the last step holds until the end).
pub(super) fn period_means(steps: &[(f64, f64)], from: usize, to: usize, w: f64) -> Vec<f64> {
    let mut area = vec![0.0; to.saturating_sub(from)];
    let (lo, hi) = (from as f64 * w, to as f64 * w);
    for (i, &(t, v)) in steps.iter().enumerate() {
        if v == 0.0 {
            continue;
        }
        let end = steps.get(i + 1).map_or(hi, |s| s.0);
        let (mut a, b) = (t.max(lo), end.min(hi));
        while a < b {
            let d = (a / w).floor();
            let end = ((d + 1.0) * w).min(b);
            if let Some(x) = area.get_mut((d as usize).saturating_sub(from)) {
                *x += v * (end - a);
            }
            a = end;
        }
    }
    area.into_iter().map(|x| x / w).collect()
}

pub(super) fn queue_names(model: &Model) -> Vec<String> {
    std::iter::once("build queue".to_string())
        .chain(model.stages.iter().map(|s| format!("{}: waiting", s.name)))
        .collect()
}

/// The scenario's change freezes as shades, with `x_of` mapping hours to the
/// chart's x axis. A freeze several stages share is one shade naming them all.
pub fn freeze_shades(model: &Model, x_of: impl Fn(f64) -> f64) -> Vec<Shade> {
    let mut out: Vec<(String, f64, f64, Vec<&str>)> = Vec::new();
    for st in &model.stages {
        for fr in &st.freezes {
            let (a, b) = (fr.from.hours(), fr.to.hours());
            match out
                .iter_mut()
                .find(|f| f.0 == fr.name && f.1 == a && f.2 == b)
            {
                Some(f) => f.3.push(&st.name),
                None => out.push((fr.name.clone(), a, b, vec![&st.name])),
            }
        }
    }
    out.into_iter()
        .map(|(name, a, b, stages)| Shade {
            name: if name.is_empty() {
                "change freeze".to_string()
            } else {
                format!("freeze: {name}")
            },
            note: Some(format!("no deployment to {}", stages.join(", "))),
            from: x_of(a),
            to: x_of(b),
        })
        .collect()
}

/// Queue length over the whole run: per week (from the start), the
/// time-weighted mean queue length, averaged over the traced replications,
/// with a band from the lowest to the highest replication when there are at least
/// three (with a handful of replications a percentile band is that range anyway). Weeks that
/// overlap the warm-up or end after the horizon are left out. Change freezes are
/// shaded.
pub fn queues_weekly(model: &Model, traces: &[Replication]) -> Chart {
    let w = crate::experiment::charted::QUEUE_PERIOD_H;
    let from = (model.warm_up.hours() / w).ceil() as usize;
    let to = (model.horizon.hours() / w).floor() as usize;
    // Kept while simulating (experiment::charted); from the event log otherwise.
    let per_rep: Vec<Vec<Vec<f64>>> = traces
        .iter()
        .map(|r| match r.queue_periods.is_empty() {
            false => r
                .queue_periods
                .iter()
                .map(|q| q.get(from..to).unwrap_or_default().to_vec())
                .collect(),
            true => queue_steps(model, &r.trace)
                .iter()
                .map(|s| period_means(s, from, to, w))
                .collect(),
        })
        .collect();
    let names = queue_names(model);
    let series = names
        .into_iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let mut line = Vec::new();
            let mut band = Vec::new();
            for (k, d) in (from..to).enumerate() {
                let mut v: Vec<f64> = per_rep.iter().map(|r| r[i][k]).collect();
                if v.is_empty() {
                    continue;
                }
                v.sort_by(f64::total_cmp);
                let x = d as f64 + 1.0;
                line.push((x, v.iter().sum::<f64>() / v.len() as f64));
                band.push((x, v[0], v[v.len() - 1]));
            }
            // A queue that never held anything says nothing: leave it out.
            if line.iter().all(|p| p.1 == 0.0) && i > 0 {
                return None;
            }
            Some(Series {
                name,
                points: line,
                step: false,
                band: (traces.len() >= 3).then_some(band),
            })
        })
        .collect();
    let over = match traces.len() {
        1 => "replication 0".to_string(),
        n => format!("mean of replications 0–{}, band: their range", n - 1),
    };
    Chart::TimeSeries {
        title: format!("Where do releases queue, and when? Weekly mean queue length ({over})"),
        y_label: "releases waiting (weekly mean)".into(),
        x_label: "week of the run".into(),
        series,
        // Week k (plotted at x = k) spans hours [(k − 1)·w, k·w).
        shaded: freeze_shades(model, |h| h / w + 0.5),
    }
}

/// Days shown in the queue detail, from the end of warm-up.
pub const QUEUE_DETAIL_DAYS: f64 = 7.0;

/// Queue length, event by event, in the first [`QUEUE_DETAIL_DAYS`] after
/// the warm-up of one replication.
pub fn queues_detail(model: &Model, rep: &Replication) -> Chart {
    let (a, b) = timeline_window(model);
    let b = b.min(a + QUEUE_DETAIL_DAYS * 24.0);
    let series = queue_steps(model, &rep.trace)
        .into_iter()
        .zip(queue_names(model))
        .enumerate()
        .filter_map(|(i, (steps, name))| {
            let before = steps
                .iter()
                .take_while(|p| p.0 <= a)
                .last()
                .map_or(0.0, |p| p.1);
            let mut pts = vec![(a / 24.0, before)];
            pts.extend(
                steps
                    .iter()
                    .filter(|p| p.0 > a && p.0 < b)
                    .map(|p| (p.0 / 24.0, p.1)),
            );
            let last = pts.last().map_or(0.0, |p| p.1);
            pts.push((b / 24.0, last));
            if i > 0 && pts.iter().all(|p| p.1 == 0.0) {
                return None;
            }
            Some(Series {
                name,
                points: pts,
                step: true,
                band: None,
            })
        })
        .collect();
    Chart::TimeSeries {
        title: format!(
            "How long are the queues, moment by moment? Replication 0, days {}–{}",
            fmt_num((a / 24.0).floor()),
            fmt_num((b / 24.0).ceil())
        ),
        y_label: "releases waiting".into(),
        x_label: "day of the run".into(),
        series,
        shaded: freeze_shades(model, |h| h / 24.0),
    }
}
