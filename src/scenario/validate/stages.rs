//! Validating the stages: names, references, each stage's checks, the
//! production default, strategies, and the dependency graph.

use std::collections::HashMap;
use std::num::NonZeroU32;

use super::{People, at, list};
use crate::error::InputError;
use crate::scenario::file::ScenarioFile;
use crate::scenario::stage::{self, *};
use crate::scenario::valid::{self, *};
use crate::scenario::values::PositiveDuration;
use crate::scenario::{BUILD, MAX_RETRIES, MAX_ROLLOUT_STEPS, MAX_STAGES};
use serde_saphyr::Location;

/// Each stage as written, checked one by one; then what needs them all (the
/// production default, which depends on who depends on whom, and the strategy).
pub(super) fn stages(
    file: &str,
    f: &ScenarioFile,
    people: &People,
) -> Result<Vec<Stage>, InputError> {
    let list = &f.stages.value;
    if list.len() > MAX_STAGES {
        return Err(at(
            file,
            &f.stages,
            format!("{} stages: at most {MAX_STAGES} are supported", list.len()),
        ));
    }
    // No `stages` key at all is the build-only model (a queue of builds,
    // e.g. for checking the build pool against queueing theory): a passing
    // build is the delivery. An empty list written out is a mistake.
    if list.is_empty() && f.stages.referenced != Location::UNKNOWN {
        return Err(at(
            file,
            &f.stages,
            "stages: a pipeline needs at least one stage, and one of them production",
        ));
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, st) in list.iter().enumerate() {
        let n = st.name.value.as_str();
        if n.is_empty() || n == BUILD {
            return Err(at(file, &st.name, format!("a stage cannot be named {n:?}")));
        }
        if index.insert(n, i).is_some() {
            return Err(at(file, &st.name, format!("stage {n:?} is defined twice")));
        }
    }
    let mut parts = Vec::with_capacity(list.len());
    for st in list {
        parts.push(stage(file, f, st, &index, people)?);
    }
    let deps = dependencies(f, &index);
    // Before the production default: on a cycle every stage has a dependant.
    no_cycles(file, f, &deps)?;
    let explicit = list.iter().any(|s| s.production.is_some());
    let production = |i: usize, st: &StageSpec| {
        st.production
            .unwrap_or(!explicit && !deps.iter().any(|d| d.contains(&i)))
    };
    if !list.is_empty() && !list.iter().enumerate().any(|(i, st)| production(i, st)) {
        return Err(at(
            file,
            &f.stages,
            "stages: no stage is production: mark one with `production: true`",
        ));
    }
    let mut stages = Vec::with_capacity(list.len());
    for ((i, st), (trigger, approval, verify)) in list.iter().enumerate().zip(parts) {
        // Stages nothing depends on serve users, unless some stage says so itself.
        let production = production(i, st);
        let strategy = match &st.strategy {
            None => Strategy::AllAtOnce,
            Some(_) if !production => {
                return Err(at(
                    file,
                    &st.name,
                    format!(
                        "stage {:?} has a strategy but serves no users: strategies apply to production stages (set `production: true`)",
                        st.name.value
                    ),
                ));
            }
            Some(s) => strategy(file, st, s, people)?,
        };
        stages.push(Stage {
            name: st.name.value.clone(),
            title: st.title.clone().unwrap_or_else(|| st.name.value.clone()),
            deps: deps[i].clone(),
            production,
            trigger,
            approval,
            gates: st.checks.gates.clone(),
            business_hours: st.checks.business_hours.as_ref().map(|c| c.value.clone()),
            freeze: st.checks.freeze.clone(),
            soak: st.checks.soak.map_or(0.0, |d| d.secs()),
            lock: st.lock,
            deploy: st.deploy.clone(),
            verify,
            strategy,
            share: st.share.as_ref().map(|p| p.value.0),
        });
    }
    shares(file, list, &stages)?;
    Ok(stages)
}

/// Traffic shares of production stages: on none, or on all of them summing
/// to 100 %, and never on a stage that serves no users.
fn shares(file: &str, list: &[StageSpec], stages: &[Stage]) -> Result<(), InputError> {
    let mut given = 0;
    let mut sum = 0.0;
    for (spec, st) in list.iter().zip(stages) {
        let Some(share) = &spec.share else { continue };
        if !st.production {
            return Err(at(
                file,
                share,
                format!(
                    "stage {:?} has a traffic `share` but serves no users (set `production: true`)",
                    st.name
                ),
            ));
        }
        given += 1;
        sum += share.value.0;
    }
    let production = stages.iter().filter(|s| s.production).count();
    let first = list.iter().find_map(|s| s.share.as_ref());
    match first {
        Some(share) if given != production || (sum - 1.0).abs() > 1e-6 => Err(at(
            file,
            share,
            format!(
                "traffic `share`: give one on every production stage ({production}), summing to 100 % (found {given}, summing to {:.4} %)",
                sum * 100.0
            ),
        )),
        _ => Ok(()),
    }
}

/// One stage's references and checks: its trigger, approval and verification.
fn stage(
    file: &str,
    f: &ScenarioFile,
    st: &StageSpec,
    index: &HashMap<&str, usize>,
    people: &People,
) -> Result<(Trigger, Option<Approval>, Vec<Verify>), InputError> {
    let name = &st.name.value;
    let fail = |m: String| Err(at(file, &st.name, format!("stage {name:?}: {m}")));
    for d in st.depends_on.iter().flatten() {
        if d.value != BUILD && !index.contains_key(d.value.as_str()) {
            let mut known: Vec<&str> = index.keys().copied().collect();
            known.sort();
            known.insert(0, BUILD);
            return Err(at(
                file,
                d,
                format!(
                    "depends_on names {:?}, which is no stage (known: {})",
                    d.value,
                    list(&known)
                ),
            ));
        }
        if d.value == *name {
            return Err(at(
                file,
                d,
                format!("stage {:?} depends on itself", d.value),
            ));
        }
    }
    let trigger = match &st.trigger {
        TriggerSpec::Auto => Trigger::Auto,
        TriggerSpec::Schedule(cron) => Trigger::Schedule(cron.clone()),
        TriggerSpec::Manual(m) => Trigger::Manual {
            by: people.get(&m.by, "manual trigger person")?,
            reaction: m.reaction.clone(),
        },
    };
    let approval = match &st.checks.approval {
        None => None,
        Some(a) if a.approvers.is_empty() => {
            return fail("an approval needs at least one approver".into());
        }
        Some(a) => {
            let approvers = a
                .approvers
                .iter()
                .map(|p| people.get(p, "approver"))
                .collect::<Result<Vec<_>, _>>()?;
            // Default: all approvers; there is at least one.
            let min = a.min.unwrap_or(approvers.len() as u32);
            let Some(min) = NonZeroU32::new(min).filter(|m| m.get() as usize <= approvers.len())
            else {
                return fail(format!(
                    "approval min {min} must be between 1 and the {} approvers",
                    approvers.len()
                ));
            };
            Some(Approval {
                approvers,
                min,
                response: a.response.clone(),
                effort: a.effort.clone(),
                rejection: a.rejection,
                timeout: a.timeout,
            })
        }
    };
    if st.checks.gates.iter().any(|g| g.interval.secs() <= 0.0) {
        return fail("gate interval must be longer than zero".into());
    }
    if let Some(c) = &st.checks.business_hours
        && !f.calendars.contains_key(&c.value)
    {
        return Err(at(
            file,
            c,
            format!(
                "business_hours names calendar {:?}, which is not defined under calendars",
                c.value
            ),
        ));
    }
    if let Some(fr) = st.checks.freeze.iter().find(|fr| fr.to <= fr.from) {
        return fail(format!("freeze {:?} ends before it starts", fr.name));
    }
    let verify = st
        .verify
        .iter()
        .map(|v| {
            if let (true, Some(by)) = (v.agent, &v.by) {
                return Err(at(
                    file,
                    by,
                    format!(
                        "stage {name:?}: verify step {:?} is done by {:?} and has `agent: true`; a person's step runs on no agent (drop one of the two)",
                        v.name, by.value
                    ),
                ));
            }
            Ok(Verify {
                name: v.name.clone(),
                duration: v.duration.clone(),
                by: v.by.as_ref().map(|p| people.get(p, "tester")).transpose()?,
                detect: v.detect,
                agent: v.agent,
            })
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    if st.deploy.retries > MAX_RETRIES {
        return fail(format!(
            "deploy.retries {} is above {MAX_RETRIES}",
            st.deploy.retries
        ));
    }
    Ok((trigger, approval, verify))
}

fn strategy(
    file: &str,
    st: &StageSpec,
    spec: &StrategySpec,
    people: &People,
) -> Result<Strategy, InputError> {
    let name = &st.name.value;
    let refuse = |m: String| at(file, &st.name, format!("stage {name:?}: {m}"));
    Ok(match spec {
        StrategySpec::AllAtOnce => Strategy::AllAtOnce,
        StrategySpec::Rolling(r) => {
            let size = match (r.batches, r.max_parallel) {
                (Some(n), None) => NonZeroU32::new(n)
                    .filter(|n| f64::from(n.get()) <= MAX_ROLLOUT_STEPS)
                    .map(RollingSize::Batches),
                (None, Some(p)) => (p.0 > 0.0 && (1.0 / p.0).ceil() <= MAX_ROLLOUT_STEPS)
                    .then_some(RollingSize::MaxParallel(p)),
                _ => None,
            };
            let Some(size) = size else {
                return Err(refuse(format!(
                    "rolling needs either batches (1 to {MAX_ROLLOUT_STEPS}) or max_parallel (at least {} %)",
                    100.0 / MAX_ROLLOUT_STEPS
                )));
            };
            Strategy::Rolling(Rolling {
                size,
                batch_duration: r.batch_duration.clone(),
                failure: r.failure,
                on_newer: r.on_newer,
            })
        }
        StrategySpec::BlueGreen(b)
            if b.promoted_by.is_some() && b.auto_promotion_delay.secs() > 0.0 =>
        {
            return Err(refuse(
                "blue-green `auto_promotion_delay` is auto-promotion's wait; with `promoted_by` the promoter promotes (Argo ignores `autoPromotionSeconds` without auto-promotion)".into(),
            ));
        }
        StrategySpec::BlueGreen(b) => Strategy::BlueGreen(BlueGreen {
            switch: b.switch,
            auto_promotion_delay: b.auto_promotion_delay,
            promoted_by: b
                .promoted_by
                .as_ref()
                .map(|p| people.get(p, "blue-green promoter"))
                .transpose()?,
            scale_down_delay: b.scale_down_delay,
            on_newer: b.on_newer,
            post_promotion_analysis: b
                .post_promotion_analysis
                .as_ref()
                .map(|a| analysis_run(a, &refuse))
                .transpose()?,
            analysis_detect_per_hour: b.analysis_detect_per_hour,
        }),
        StrategySpec::Canary(c) => Strategy::Canary(canary(c, people, &refuse)?),
    })
}

/// A canary in Argo Rollouts or Flagger shape; `refuse` words a mistake.
fn canary(
    c: &CanarySpec,
    people: &People,
    refuse: &dyn Fn(String) -> InputError,
) -> Result<Canary, InputError> {
    let promoter = c
        .promoter
        .as_ref()
        .map(|p| people.get(p, "canary promoter"))
        .transpose()?;
    let (plan, weights) = match (&c.steps, c.step_weight, &c.step_weights) {
        (Some(steps), None, None) => {
            let mut plan = Vec::with_capacity(steps.len());
            for s in steps {
                plan.push(match s {
                    stage::CanaryStep::SetWeight(w) => valid::CanaryStep::SetWeight(*w),
                    stage::CanaryStep::Pause(PauseSpec { duration: Some(d) }) => {
                        valid::CanaryStep::Pause(*d)
                    }
                    stage::CanaryStep::Pause(PauseSpec { duration: None }) => match promoter {
                        Some(p) => valid::CanaryStep::Promote(p),
                        None => {
                            return Err(refuse(
                                "a canary `pause: {}` waits for a person, but no `promoter` is named"
                                    .into(),
                            ));
                        }
                    },
                    stage::CanaryStep::Analysis(a) => {
                        let r = analysis_run(a, refuse)?;
                        valid::CanaryStep::Analysis {
                            interval: r.interval,
                            count: r.count,
                            failure_limit: r.failure_limit,
                            initial_delay: r.initial_delay,
                        }
                    }
                });
            }
            let weights: Vec<f64> = steps
                .iter()
                .filter_map(|s| match s {
                    stage::CanaryStep::SetWeight(w) => Some(*w),
                    _ => None,
                })
                .collect();
            (CanaryPlan::Steps(plan), weights)
        }
        (None, Some(step), None) => {
            let max = c.max_weight.unwrap_or(100.0);
            if step.is_nan() || step <= 0.0 || max.is_nan() || max <= 0.0 {
                return Err(refuse("step_weight and max_weight must be above 0".into()));
            }
            if max / step > MAX_ROLLOUT_STEPS {
                return Err(refuse(format!(
                    "max_weight / step_weight gives more than {MAX_ROLLOUT_STEPS} steps"
                )));
            }
            // Weights step, 2·step, … up to max; the check below sees step and max.
            let n = (max / step).floor().max(1.0) as usize;
            let weights = (1..=n).map(|k| (k as f64 * step).min(max)).collect();
            (flagger(c, weights, refuse)?, vec![step, max])
        }
        (None, None, Some(ws)) => (flagger(c, ws.clone(), refuse)?, ws.clone()),
        _ => {
            return Err(refuse(
                "canary takes steps (Argo Rollouts) or step_weight / step_weights (Flagger), exactly one"
                    .into(),
            ));
        }
    };
    if weights.is_empty() {
        return Err(refuse("canary needs at least one weight".into()));
    }
    let mut last = 0.0;
    for w in weights {
        if !(w > last && w <= 100.0) {
            return Err(refuse(format!(
                "canary weights must increase and stay within 0–100 %; found {w} after {last}"
            )));
        }
        last = w;
    }
    if c.inconclusive.0 > 0.0 && promoter.is_none() {
        return Err(refuse(
            "a canary with `inconclusive` above 0 pauses for a person, but no `promoter` is named"
                .into(),
        ));
    }
    let retried_by = c
        .retried_by
        .as_ref()
        .map(|p| people.get(p, "canary retrier"))
        .transpose()?;
    let background = background(c, &plan, refuse)?;
    if background.is_some_and(|b| b.inconclusive.0 > 0.0) && promoter.is_none() {
        return Err(refuse(
            "a background analysis with `inconclusive` above 0 pauses the rollout for a person, but the canary names no `promoter`"
                .into(),
        ));
    }
    Ok(Canary {
        plan,
        analysis_detect_per_hour: c.analysis_detect_per_hour,
        abort: c.abort,
        false_alarm: c.false_alarm,
        retried_by,
        inconclusive: c.inconclusive,
        inconclusive_limit: c.inconclusive_limit,
        promoter,
        on_newer: c.on_newer,
        background,
    })
}

/// An analysis run: an interval above zero; `count: 0` has always meant
/// one measurement.
fn analysis_run(
    a: &AnalysisSpec,
    refuse: &dyn Fn(String) -> InputError,
) -> Result<AnalysisRun, InputError> {
    Ok(AnalysisRun {
        interval: PositiveDuration::new(a.interval)
            .ok_or_else(|| refuse("analysis interval must be longer than zero".into()))?,
        count: NonZeroU32::new(a.count).unwrap_or(NonZeroU32::MIN),
        failure_limit: a.failure_limit,
        initial_delay: a.initial_delay,
    })
}

/// A background analysis: with Argo steps only (a Flagger analysis is its
/// checks), starting at one of them, measuring every interval above zero.
fn background(
    c: &CanarySpec,
    plan: &CanaryPlan,
    refuse: &dyn Fn(String) -> InputError,
) -> Result<Option<valid::Background>, InputError> {
    let Some(b) = &c.background else {
        return Ok(None);
    };
    let CanaryPlan::Steps(steps) = plan else {
        return Err(refuse(
            "`background` analysis goes with Argo `steps`; a Flagger canary's analysis is its checks at each weight (`interval`, `threshold`)".into(),
        ));
    };
    let interval = PositiveDuration::new(b.interval)
        .ok_or_else(|| refuse("background analysis interval must be longer than zero".into()))?;
    let starting_step = b.starting_step as usize;
    if starting_step >= steps.len() {
        return Err(refuse(format!(
            "background analysis `starting_step: {}` is past the last step (the steps are numbered 0 to {})",
            b.starting_step,
            steps.len() - 1
        )));
    }
    Ok(Some(valid::Background {
        interval,
        failure_limit: b.failure_limit,
        starting_step,
        count: NonZeroU32::new(b.count),
        initial_delay: b.initial_delay,
        inconclusive: b.inconclusive,
        inconclusive_limit: b.inconclusive_limit,
    }))
}

/// The Flagger shorthand's plan: it needs an interval above zero.
fn flagger(
    c: &CanarySpec,
    weights: Vec<f64>,
    refuse: &dyn Fn(String) -> InputError,
) -> Result<CanaryPlan, InputError> {
    match c.interval.and_then(PositiveDuration::new) {
        Some(interval) => Ok(CanaryPlan::Flagger {
            weights,
            interval,
            // A threshold of 0 (or none) has always meant one failed check.
            threshold: c
                .threshold
                .and_then(NonZeroU32::new)
                .unwrap_or(NonZeroU32::MIN),
        }),
        _ => Err(refuse(
            "Flagger-style canary needs an interval above zero".into(),
        )),
    }
}

/// Refuses a `depends_on` cycle, naming the stages on the first one found
/// (at the first stage's name).
fn no_cycles(file: &str, f: &ScenarioFile, deps: &[Vec<usize>]) -> Result<(), InputError> {
    // Depth-first: 0 unvisited, 1 on the path, 2 done; `path` is the stack.
    fn visit(i: usize, deps: &[Vec<usize>], state: &mut [u8], path: &mut Vec<usize>) -> bool {
        if state[i] == 1 {
            path.push(i);
            return true;
        }
        if state[i] == 2 {
            return false;
        }
        state[i] = 1;
        path.push(i);
        for &d in &deps[i] {
            if visit(d, deps, state, path) {
                return true;
            }
        }
        path.pop();
        state[i] = 2;
        false
    }
    let list = &f.stages.value;
    let mut state = vec![0u8; deps.len()];
    for i in 0..deps.len() {
        let mut path = Vec::new();
        if visit(i, deps, &mut state, &mut path) {
            // `path` ends with the stage it came back to; the cycle starts there.
            let last = path[path.len() - 1];
            let from = path.iter().position(|&p| p == last).unwrap_or(0);
            let mut names: Vec<&str> = path[from..]
                .iter()
                .map(|&p| list[p].name.value.as_str())
                .collect();
            // Written in the direction of delivery: upstream first.
            names.reverse();
            let st = &list[last];
            return Err(at(
                file,
                &st.name,
                format!(
                    "stage {:?} is part of a depends_on cycle: {}",
                    st.name.value,
                    names.join(" → ")
                ),
            ));
        }
    }
    Ok(())
}

/// Each stage's upstream stage indices (`build` is implicit and dropped);
/// without `depends_on`, the previous stage.
fn dependencies(f: &ScenarioFile, index: &HashMap<&str, usize>) -> Vec<Vec<usize>> {
    f.stages
        .value
        .iter()
        .enumerate()
        .map(|(i, st)| match &st.depends_on {
            Some(deps) => deps
                .iter()
                .filter_map(|d| index.get(d.value.as_str()).copied())
                .collect(),
            None if i == 0 => Vec::new(),
            None => vec![i - 1],
        })
        .collect()
}
