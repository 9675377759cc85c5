//! Warnings about a run that stalled: a stage whose person never works again,
//! a window that never opens, an approval that can never come, a production
//! stage that deployed nothing at all, replications cut short.

use crate::metrics::{ReplicationResult, Stall, StopReason};
use crate::model::Model;

/// What the stall warnings need, gathered one replication at a time.
#[derive(Debug, Clone, Default)]
pub struct StallTally {
    replications: usize,
    /// Replications that reached `run.max_events`.
    over_budget: usize,
    /// Replications whose clock stopped moving, and the first one's report.
    stuck: usize,
    stuck_first: Option<String>,
    /// Per stage: replications that stalled there, and the first reason seen.
    stalled: Vec<(usize, Option<Stall>)>,
    /// Per stage: replications with at least one deployment.
    deployed: Vec<usize>,
}

impl StallTally {
    pub fn add(&mut self, r: &ReplicationResult) {
        self.replications += 1;
        match &r.stop {
            StopReason::EventBudget => self.over_budget += 1,
            StopReason::NoProgress { at_h, events } => {
                self.stuck += 1;
                self.stuck_first.get_or_insert_with(|| {
                    let kinds: Vec<String> =
                        events.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
                    format!(
                        "replication {} at {at_h:.2} h, the last events: {}",
                        r.replication,
                        kinds.join(", ")
                    )
                });
            }
            StopReason::Horizon | StopReason::Interrupted => {}
        }
        if self.stalled.len() < r.stages.len() {
            self.stalled.resize(r.stages.len(), (0, None));
            self.deployed.resize(r.stages.len(), 0);
        }
        for (i, s) in r.stages.iter().enumerate() {
            if s.stalls > 0 {
                self.stalled[i].0 += 1;
                self.stalled[i].1 = self.stalled[i].1.or(s.stall_reason);
            }
            self.deployed[i] += usize::from(s.deployments > 0);
        }
    }

    /// One line per problem: replications cut short by the event budget, stages
    /// that stalled, production stages that never deployed.
    pub fn warnings(&self, model: &Model) -> Vec<String> {
        let n = self.replications;
        let mut out = Vec::new();
        if self.over_budget > 0 {
            out.push(format!(
                "WARNING: {} of {n} replications reached run.max_events ({}) and stopped before the horizon: their results cover only part of the run; raise run.max_events",
                self.over_budget, model.max_events
            ));
        }
        if let Some(first) = &self.stuck_first {
            out.push(format!(
                "WARNING: {} of {n} replications stopped in a loop that makes no progress in time ({} events at one instant; {first}): the scenario's rules feed each other without the clock moving — this is a defect of promosim or of the scenario, not a budget to raise",
                self.stuck,
                crate::engine::NO_PROGRESS
            ));
        }
        for (i, st) in model.stages.iter().enumerate() {
            let (stalled, reason) = self.stalled.get(i).copied().unwrap_or((0, None));
            if stalled > 0 {
                let reason = reason.map_or(
                    "a release waits for something that never happens",
                    Stall::words,
                );
                out.push(format!(
                    "WARNING: stage {:?} stalled in {stalled} of {n} replications: {reason}",
                    st.name
                ));
            }
            if st.production && n > 0 && self.deployed.get(i).copied().unwrap_or(0) == 0 {
                out.push(format!(
                    "WARNING: production stage {:?} made no deployment in any of {n} replications: nothing reached users (see `promosim trace`)",
                    st.name
                ));
            }
        }
        out
    }
}

/// Stall warnings for a run's results (see [`StallTally`]).
pub fn stall_warnings(model: &Model, results: &[ReplicationResult]) -> Vec<String> {
    let mut tally = StallTally::default();
    results.iter().for_each(|r| tally.add(r));
    tally.warnings(model)
}
