//! Incidents and the speed/safety trade-off.

use super::*;
use crate::engine::Replication;
use crate::experiment::Summary;
use crate::model::Model;
use crate::report::charts::{Chart, TradeoffPoint};
use crate::report::number::fmt_num;

/// The [`WORST_INCIDENTS`] incidents with the largest blast radius
/// (integrated exposure, share·h) in one replication (after the warm-up), as
/// bars ranked largest first. Each bar is named by the day the defect first
/// reached users, the largest share it reached and how long users were
/// exposed. (Drawn as exposure-over-time lines, the worst incidents all sat on
/// the 100 % line and hid one another.)
pub fn incidents(model: &Model, summary: &Summary, rep: &Replication) -> Chart {
    let end = model.horizon.hours();
    let warm = model.warm_up.hours();
    type Incident = (u32, Vec<(f64, f64)>, f64);
    let mut all: Vec<Incident> = exposures(&rep.trace)
        .into_iter()
        .filter(|(_, p)| p.first().is_some_and(|f| f.0 >= warm))
        .map(|(d, p)| {
            let area = integrated_exposure(&p, end, model.incidents.traffic.as_ref());
            (d, p, area)
        })
        .filter(|(_, _, area)| *area > 0.0)
        .collect();
    let n = all.len();
    all.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)));
    all.truncate(WORST_INCIDENTS);
    let categories = all
        .iter()
        .map(|(_, p, _)| {
            let t0 = p[0].0;
            let peak = p.iter().map(|q| q.1).fold(0.0, f64::max);
            format!(
                "day {}: {} %, {} h",
                fmt_num((t0 / 24.0).floor()),
                fmt_num(peak * 100.0),
                fmt_num(exposed_hours(p, end))
            )
        })
        .collect();
    Chart::Bars {
        title: format!(
            "How many users did the worst incidents reach, for how long? The {} largest of {n} \
             in replication 0 (mean blast radius {} share·h per incident)",
            WORST_INCIDENTS.min(n),
            fmt_num(mean(summary, "blast_radius.share_hours"))
        ),
        y_label: "blast radius (traffic share × hours)".into(),
        categories,
        values: all.iter().map(|(_, _, area)| *area).collect(),
        errors: None,
    }
}

/// What the y axis of a [`tradeoff`] chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Risk {
    /// `blast_radius.share_hours`: exposed traffic share × hours per incident.
    BlastRadius,
    /// `production.change_failure_rate`, in percent.
    ChangeFailureRate,
}

impl Risk {
    /// Blast radius when any point has incidents, else change failure rate.
    pub fn auto(points: &[(String, &Summary)]) -> Risk {
        if points
            .iter()
            .any(|(_, s)| mean(s, "blast_radius.share_hours").is_finite())
        {
            Risk::BlastRadius
        } else {
            Risk::ChangeFailureRate
        }
    }
}

/// Trade-off scatter: lead time p50 (x) against a risk measure (y), one
/// labelled point per scenario or grid point, with 95 % interval whiskers.
pub fn tradeoff(points: &[(String, &Summary)], risk: Risk) -> Chart {
    let (key, scale, y_label, what) = match risk {
        Risk::BlastRadius => (
            "blast_radius.share_hours",
            1.0,
            "blast radius per incident (traffic share × hours)",
            "blast radius",
        ),
        Risk::ChangeFailureRate => (
            "production.change_failure_rate",
            100.0,
            "change failure rate (%)",
            "change failure rate",
        ),
    };
    let lt = "lead_time.p50";
    Chart::Tradeoff {
        title: format!(
            "Faster or safer? Median lead time against {what}; whiskers: 95 % intervals"
        ),
        x_label: "lead time p50 (hours)".into(),
        y_label: y_label.into(),
        points: points
            .iter()
            .map(|(label, s)| {
                let (x, xe) = (mean(s, lt), nan_to_zero(ci(s, lt)));
                let (y, ye) = (mean(s, key) * scale, nan_to_zero(ci(s, key)) * scale);
                TradeoffPoint {
                    label: label.clone(),
                    x,
                    x_lo: x - xe,
                    x_hi: x + xe,
                    y,
                    y_lo: y - ye,
                    y_hi: y + ye,
                }
            })
            .collect(),
    }
}
