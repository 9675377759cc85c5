//! DORA performance bands (the 2023 State of DevOps report's clusters).
//!
//! The report gives ranges per cluster, not a lookup rule; promosim places each
//! key metric in the best band whose range it meets and gives the policy the
//! worst of the four (see `docs/model.md`):
//!
//! | band | deployment frequency | lead time (p50) | change failure rate | time to restore |
//! |---|---|---|---|---|
//! | elite | on demand (≥ 1 per day) | < 1 day | ≤ 5 % | < 1 hour |
//! | high | ≥ 1 per week | < 1 week | ≤ 10 % | < 1 day |
//! | medium | ≥ 1 per month | < 1 month | ≤ 15 % | < 1 week |
//! | low | less | longer | more | longer |

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Elite,
    High,
    Medium,
    Low,
}

impl Band {
    pub fn name(self) -> &'static str {
        match self {
            Band::Elite => "elite",
            Band::High => "high",
            Band::Medium => "medium",
            Band::Low => "low",
        }
    }

    fn from_thresholds(value: f64, bounds: [f64; 3], higher_is_better: bool) -> Option<Band> {
        if value.is_nan() {
            return None;
        }
        let bands = [Band::Elite, Band::High, Band::Medium];
        for (b, bound) in bands.into_iter().zip(bounds) {
            let ok = if higher_is_better {
                value >= bound
            } else {
                value < bound
            };
            if ok {
                return Some(b);
            }
        }
        Some(Band::Low)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dora {
    pub deployment_frequency: Option<Band>,
    pub lead_time: Option<Band>,
    pub change_failure_rate: Option<Band>,
    pub time_to_restore: Option<Band>,
    /// The worst of the four that are defined.
    pub overall: Option<Band>,
}

/// Bands from production deploys per week, median lead time (hours),
/// change failure rate (share) and mean time to restore (hours).
pub fn classify(deploys_per_week: f64, lead_p50_h: f64, cfr: f64, restore_h: f64) -> Dora {
    let deployment_frequency =
        Band::from_thresholds(deploys_per_week, [7.0, 1.0, 12.0 / 52.0], true);
    let lead_time = Band::from_thresholds(lead_p50_h, [24.0, 168.0, 720.0], false);
    // ≤ rather than <: shift the bounds by a hair.
    let change_failure_rate =
        Band::from_thresholds(cfr, [0.05 + 1e-12, 0.10 + 1e-12, 0.15 + 1e-12], false);
    let time_to_restore = Band::from_thresholds(restore_h, [1.0, 24.0, 168.0], false);
    let overall = [
        deployment_frequency,
        lead_time,
        change_failure_rate,
        time_to_restore,
    ]
    .into_iter()
    .flatten()
    .max();
    Dora {
        deployment_frequency,
        lead_time,
        change_failure_rate,
        time_to_restore,
        overall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_report_thresholds() {
        let d = classify(10.0, 12.0, 0.05, 0.5);
        assert_eq!(d.overall, Some(Band::Elite));
        let d = classify(3.0, 30.0, 0.08, 5.0);
        assert_eq!(
            (d.deployment_frequency, d.lead_time, d.overall),
            (Some(Band::High), Some(Band::High), Some(Band::High))
        );
        let d = classify(0.5, 200.0, 0.12, 30.0);
        assert_eq!(d.overall, Some(Band::Medium));
        let d = classify(0.1, 800.0, 0.3, 300.0);
        assert_eq!(d.overall, Some(Band::Low));
        // No incident: time to restore undefined, the rest decide.
        let d = classify(10.0, 2.0, 0.0, f64::NAN);
        assert_eq!((d.time_to_restore, d.overall), (None, Some(Band::Elite)));
    }
}
