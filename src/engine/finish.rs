//! Finishing a replication: the statistics gathered as it ran become its result.

use super::attribution::seconds;
use super::{Outcome, Replication, State};
use crate::metrics::{
    Breakdown, Conservation, LeadTime, ReplicationResult, StageBreakdown, StopReason,
};
use crate::time::{HOUR, WEEK};

impl State<'_> {
    pub(super) fn finish(mut self, replication: u64) -> Replication {
        let m = self.m;
        let end = m.horizon.0;
        let span = end - self.warm;
        let weeks = span / WEEK;
        let per_commit = |x: f64, n: u64| if n > 0 { x / n as f64 / HOUR } else { f64::NAN };
        let n = self.delivered_counted;
        // The last hops' commits into the sums.
        self.forget_hops();

        let (bq_mean, bq_max) = self.build_queue_len.finish(end);
        let (busy_mean, _) = self.busy.finish(end);
        let mut build = std::mem::take(&mut self.build_stats);
        build.builds_per_week = build.builds as f64 / weeks;
        build.mean_agent_wait = if self.agent_wait_n > 0 {
            self.agent_wait_sum / self.agent_wait_n as f64 / HOUR
        } else {
            f64::NAN
        };
        build.queue_arrival_rate = build.builds as f64 / (span / HOUR);
        build.queue_mean = bq_mean;
        build.queue_max = bq_max;
        build.utilisation = busy_mean / m.build.agents as f64;
        build.agent_hours = busy_mean * span / HOUR;

        let breakdown_stages = Vec::with_capacity(self.n_stages);
        let mut breakdown = Breakdown {
            before_build: per_commit(self.sum_before_build, n),
            agent_wait: per_commit(self.sum_agent, n),
            build: per_commit(self.sum_build, n),
            stages: breakdown_stages,
        };
        let mut stages = Vec::with_capacity(self.n_stages);
        for st in &mut self.stages {
            let (q_mean, q_max) = st.waiting.finish(end);
            let mut r = std::mem::take(&mut st.stats);
            let k = r.deployments;
            let mean = |x: f64| if k > 0 { x / k as f64 / HOUR } else { f64::NAN };
            r.trigger_wait = mean(r.trigger_wait);
            r.check_wait = mean(r.check_wait);
            r.lock_wait = mean(r.lock_wait);
            r.agent_wait = mean(r.agent_wait);
            r.executing = mean(r.executing);
            r.deployments_per_week = k as f64 / weeks;
            r.queue_mean = q_mean;
            r.queue_max = q_max;
            stages.push(r);
            breakdown.stages.push(StageBreakdown {
                parts: st.sums.map(|x| per_commit(seconds(x), n)),
            });
        }

        // Conservation: undelivered commits carried by the newest release are
        // rejected if that release was; the rest are still moving.
        let undelivered = self.arrived - self.delivered;
        let rejected = match self.releases.last() {
            Some(r) if matches!(r.outcome, Outcome::Rejected | Outcome::Failed) => {
                r.snapshot.saturating_sub(self.delivered)
            }
            _ => 0,
        };
        let conservation = Conservation {
            arrived: self.arrived,
            delivered: self.delivered,
            rejected,
            in_flight: undelivered - rejected,
        };
        let production_deploys = self.production_deploys;
        let result = ReplicationResult {
            replication,
            lead_time: LeadTime::from_samples(hours(std::mem::take(&mut self.lead))),
            breakdown,
            build,
            stages,
            people: super::people::results(m, &mut self.people, self.warm, end),
            production_deploys,
            production_deploys_per_week: production_deploys as f64 / weeks,
            commits_per_production_deploy: if production_deploys > 0 {
                n as f64 / production_deploys as f64
            } else {
                f64::NAN
            },
            incidents: self.finish_incidents(),
            canary: self.finish_canary(weeks),
            defects: std::mem::take(&mut self.defect_stats),
            conservation,
            events: self.events,
            stop: StopReason::Horizon,
        };
        Replication {
            result,
            trace: self.trace,
            queue_periods: self.periods.map_or_else(Vec::new, |p| p.finish()),
            commits: self.commit_records,
        }
    }
}

/// Seconds to hours, each value on its own (the same rounding as dividing as
/// they were delivered, kept out of the event loop).
fn hours(mut v: Vec<f64>) -> Vec<f64> {
    for x in &mut v {
        *x /= HOUR;
    }
    v
}
