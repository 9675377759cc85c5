//! Early stopping: add replications until the key metrics' 95 % intervals are
//! within a relative half-width. Deterministic: how many replications are run
//! depends only on the results, which depend only on the seed; and the result
//! is exactly that of a plain run with the final replication count.

use super::job::{Assembled, Job, PointResults};
use crate::metrics;

/// The metrics whose intervals `--precision` narrows.
pub const PRECISION_METRICS: &[&str] = &[
    "lead_time.mean",
    "lead_time.p50",
    "lead_time.p95",
    "production.deploys_per_week",
];

/// The widest relative half-width among the precision metrics of all points,
/// with its metric; `None` when none is defined. A metric with mean 0 counts
/// as precise when its interval is 0 too.
pub fn widest(points: &[PointResults]) -> Option<(f64, String)> {
    let mut worst: Option<(f64, String)> = None;
    for p in points {
        for key in PRECISION_METRICS {
            let Some(col) = p.column(key) else { continue };
            let s = metrics::describe(String::new(), "", col.into_iter());
            if s.n == 0 {
                continue;
            }
            let rel = if s.n < 2 {
                f64::INFINITY
            } else if s.mean == 0.0 {
                if s.ci95 == 0.0 { 0.0 } else { f64::INFINITY }
            } else {
                s.ci95 / s.mean.abs()
            };
            if worst.as_ref().is_none_or(|(w, _)| rel > *w) {
                worst = Some((rel, key.to_string()));
            }
        }
    }
    worst
}

/// What early stopping did.
#[derive(Debug, Clone)]
pub struct Stopped {
    pub replications: u32,
    /// Widest relative half-width reached, and its metric.
    pub widest: Option<(f64, String)>,
    /// The target was met (else the replication cap was reached).
    pub met: bool,
}

/// Runs `job` from its replication count upwards until the precision metrics'
/// relative half-widths are at most `target` (e.g. 0.05), or `max` replications.
/// `rebuild(R)` gives the same job with R replications.
pub fn run(
    job: &Job,
    target: f64,
    max: u32,
    threads: Option<usize>,
    progress: bool,
    rebuild: impl Fn(u32) -> Job,
) -> Result<(Assembled, Stopped), String> {
    let start = job.header.replications.clamp(2, max.max(2));
    let mut current = rebuild(start);
    let mut asm = current.run_all(threads, progress)?;
    loop {
        let reps = current.header.replications;
        let w = widest(&asm.points);
        let met = w.as_ref().is_none_or(|(rel, _)| *rel <= target);
        // Ctrl-C: stop adding rounds (the caller sees the flag and writes nothing).
        if met || reps >= max || crate::interrupt::requested() {
            return Ok((
                asm,
                Stopped {
                    replications: reps,
                    widest: w,
                    met,
                },
            ));
        }
        // Half-widths shrink like 1/√R: aim at the estimate, at most doubling per step.
        let rel = w.as_ref().map_or(f64::INFINITY, |(r, _)| *r);
        let estimate = if rel.is_finite() {
            (f64::from(reps) * (rel / target).powi(2) * 1.05).ceil()
        } else {
            f64::INFINITY
        };
        let next = (estimate.min(f64::from(reps) * 2.0) as u32)
            .max(reps + 1)
            .min(max);
        let bigger = rebuild(next);
        // Run only the new replications of each point; keep the old ones.
        let units: Vec<u64> = (0..bigger.models.len() as u64)
            .flat_map(|p| (u64::from(reps)..u64::from(next)).map(move |r| p * u64::from(next) + r))
            .collect();
        let results = super::run_units(&bigger.models, next, &units, threads, progress)?;
        let per_point = (next - reps) as usize;
        let mut points = asm.points;
        for (p, chunk) in results.chunks(per_point.max(1)).enumerate() {
            for r in chunk {
                let m = r.metrics();
                if points[p].keys.is_empty() {
                    points[p].keys = m.iter().map(|x| (x.key.clone(), x.unit)).collect();
                }
                points[p]
                    .rows
                    .push(m.into_iter().map(|x| x.value).collect());
            }
        }
        asm = Assembled {
            header: bigger.header.clone(),
            points,
        };
        current = bigger;
    }
}
