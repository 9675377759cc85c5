//! From the validated scenario to the model, one part at a time: calendars and
//! people, arrivals, the build, each stage and its strategy, and the budgets
//! that refuse runaway scenarios. Validation has resolved every choice and
//! every name, so nothing here falls back to a default of its own.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::calendar::{self, Clock, IntervalSet, WeeklyHours};
use crate::error::InputError;
use crate::scenario::Scenario;
use crate::scenario::file::{self as raw, CalendarSpec};
use crate::scenario::stage::{self as raw_stage, GateCondition, GateSpec};
use crate::scenario::valid::{self, History, Validated};
use crate::stream;

/// Lead room past the horizon for calendars, so a request near the end still
/// finds its next working period.
const CALENDAR_MARGIN: f64 = 60.0 * 86_400.0;

/// What every part of the compilation needs: the file's name for messages,
/// the clock and the horizon.
struct Ctx<'a> {
    file: String,
    f: &'a Validated,
    clock: Clock,
    horizon: SimTime,
}

/// Compiles a checked scenario. Fails only on inputs outside the scenario file
/// (a replayed history) and on the runaway guards.
pub fn compile(s: &Scenario) -> Result<Model, InputError> {
    let f = &s.file;
    let file = s.path.display().to_string();
    let clock = Clock::new(f.run.start.0, f.run.time_zone.0.clone())
        .map_err(|e| InputError::new(&file, e))?;
    let cx = Ctx {
        file,
        f,
        clock,
        horizon: SimTime(f.run.horizon.secs()),
    };
    let calendars = calendars(&cx)?;
    let people = people(f, &calendars);
    let monitoring = f.incidents.detect_per_hour.as_array().map(|x| x / HOUR);
    let mut stages = f
        .stages
        .iter()
        .map(|st| stage(&cx, st, &calendars, &people, &monitoring))
        .collect::<Result<Vec<_>, _>>()?;
    for i in 0..stages.len() {
        for d in stages[i].deps.clone() {
            stages[d].downstream.push(i);
        }
    }
    let first_stages = (0..stages.len())
        .filter(|&i| stages[i].deps.is_empty())
        .collect();
    let production: Vec<StageId> = (0..stages.len())
        .filter(|&i| stages[i].production)
        .collect();
    if !stages.is_empty() && production.is_empty() {
        return Err(InputError::new(
            &cx.file,
            "no stage is production: mark one with `production: true`",
        ));
    }
    // Traffic shares: written on every production stage or on none.
    let production_shares = production
        .iter()
        .map(|&p| f.stages[p].share)
        .collect::<Option<Vec<f64>>>();
    let arrivals = arrivals(&cx, s)?;
    let expected_commits = budgets(&cx, &arrivals, &stages)?;

    let c = &f.commits;
    let w = &c.defects.severity;
    let total = w.minor + w.major + w.critical;
    Ok(Model {
        name: s.name.clone(),
        description: f.description.clone(),
        horizon: cx.horizon,
        warm_up: SimTime(f.run.warm_up.secs()),
        seed: f.run.seed,
        replications: f.run.replications.get(),
        arrivals,
        defects: DefectModel {
            probability: c.defects.probability.0,
            severity_cdf: [w.minor / total, (w.minor + w.major) / total, 1.0],
            fix_time: c.defects.fix_time.compile(),
        },
        build: build(&f.build),
        stages,
        people,
        first_stages,
        production,
        production_shares,
        expected_commits,
        max_events: f.run.max_events,
        incidents: IncidentModel {
            users: f.incidents.users,
            monitoring,
            rollback: f.incidents.rollback.compile(),
            flags: f.incidents.flags.as_ref().map(|fl| FlagModel {
                share: fl.share,
                ramp: fl
                    .ramp
                    .iter()
                    .map(|s| (s.after.secs(), s.percent / 100.0))
                    .collect(),
                kill_switch: fl.kill_switch.as_ref().map(crate::dist::DistSpec::compile),
            }),
            traffic: f
                .incidents
                .traffic
                .as_ref()
                .map(|t| traffic_profile(&cx.clock, t, cx.horizon)),
        },
        clock: cx.clock,
    })
}

/// Each calendar's working time over the horizon and a margin, within the
/// precomputation budget.
fn calendars<'a>(cx: &Ctx<'a>) -> Result<BTreeMap<&'a str, IntervalSet>, InputError> {
    let f = cx.f;
    let until = SimTime(cx.horizon.0 + CALENDAR_MARGIN);
    let budget = f.run.max_precomputed;
    // Working periods: one per range per day, over the horizon and the margin.
    let days = until.0 / 86_400.0 + 2.0;
    for (name, c) in &f.calendars {
        let ranges_per_week: usize = weekly_hours(c).days.iter().map(Vec::len).sum();
        let periods = ranges_per_week as f64 * days / 7.0;
        if periods > budget as f64 {
            return Err(InputError::new(
                &cx.file,
                format!(
                    "calendar {name:?} has about {periods:.0} working periods over run.horizon {}, above run.max_precomputed = {budget}; \
                     use fewer ranges per day, shorten the horizon, or raise run.max_precomputed",
                    f.run.horizon
                ),
            ));
        }
    }
    Ok(f.calendars
        .iter()
        .map(|(name, c)| {
            (
                name.as_str(),
                calendar::working_time(&cx.clock, &weekly_hours(c), &holidays(c), until),
            )
        })
        .collect())
}

fn people(f: &Validated, calendars: &BTreeMap<&str, IntervalSet>) -> Vec<PersonModel> {
    f.people
        .iter()
        .map(|p| PersonModel {
            name: p.name.clone(),
            // Validation resolved the calendar's name; without one, around the clock.
            hours: match &p.calendar {
                Some(c) => calendars[c.as_str()].clone(),
                None => IntervalSet::always(),
            },
            reaction: p.reaction.compile(),
            members: p.members,
            fixes_first: p.queue == raw::QueueOrder::FixesFirst,
        })
        .collect()
}

fn build(b: &valid::Build) -> BuildModel {
    BuildModel {
        batch: match b.batch {
            raw::Batch::None => Batch::None,
            raw::Batch::Build => Batch::Build,
            raw::Batch::Run => Batch::Run,
        },
        agents: b.agents.get(),
        duration: b.duration.compile(),
        flaky_failure: b.flaky_failure.0,
        retries: b.retries,
        detect: Detection(b.detect.0),
    }
}

fn stage(
    cx: &Ctx,
    st: &valid::Stage,
    calendars: &BTreeMap<&str, IntervalSet>,
    people: &[PersonModel],
    monitoring: &[f64; 3],
) -> Result<StageModel, InputError> {
    let trigger = match &st.trigger {
        valid::Trigger::Auto => Trigger::Auto,
        valid::Trigger::Schedule(cron) => schedule(cx, st, &cron.0)?,
        valid::Trigger::Manual { by, reaction } => Trigger::Manual {
            person: *by,
            // The trigger's own reaction time overrides the person's.
            reaction: match reaction {
                Some(d) => d.compile(),
                None => people[*by].reaction.clone(),
            },
        },
    };
    let approval = st.approval.as_ref().map(|a| Approval {
        approvers: a.approvers.clone(),
        min: a.min.get(),
        response: a.response.as_ref().map(|d| d.compile()),
        effort: a.effort.as_ref().map(|d| d.compile()),
        rejection: a.rejection.0,
        timeout: a.timeout.0,
    });
    let window = {
        let base = st
            .business_hours
            .as_ref()
            .map(|c| calendars[c.as_str()].clone());
        let freezes: Vec<(f64, f64)> = st
            .freeze
            .iter()
            .map(|fr| (cx.clock.civil(fr.from.0).0, cx.clock.civil(fr.to.0).0))
            .collect();
        match (base, freezes.is_empty()) {
            (None, true) => None,
            (base, _) => Some(
                base.unwrap_or_else(IntervalSet::always)
                    .minus(&IntervalSet::from_intervals(freezes)),
            ),
        }
    };
    Ok(StageModel {
        name: st.name.clone(),
        title: st.title.clone(),
        deps: st.deps.clone(),
        downstream: Vec::new(),
        trigger,
        approval,
        gates: gates(&st.gates),
        window,
        freezes: st
            .freeze
            .iter()
            .map(|fr| Freeze {
                name: fr.name.clone(),
                from: cx.clock.civil(fr.from.0),
                to: cx.clock.civil(fr.to.0),
            })
            .collect(),
        soak: st.soak,
        lock: match st.lock {
            raw_stage::LockPolicy::RunLatest => LockPolicy::RunLatest,
            raw_stage::LockPolicy::Sequential => LockPolicy::Sequential,
        },
        deploy_duration: st.deploy.duration.compile(),
        deploy_failure: st.deploy.failure.0,
        deploy_retries: st.deploy.retries,
        deploy_agent: st.deploy.agent,
        verify: st
            .verify
            .iter()
            .map(|v| VerifyStep {
                name: v.name.clone(),
                duration: v.duration.compile(),
                by: v.by,
                detect: Detection(v.detect.0),
                agent: v.agent,
            })
            .collect(),
        production: st.production,
        strategy: strategy(&st.strategy, cx.f, monitoring),
    })
}

/// A cron trigger's fire times over the horizon, within the precomputation budget.
fn schedule(cx: &Ctx, st: &valid::Stage, cron: &str) -> Result<Trigger, InputError> {
    let budget = cx.f.run.max_precomputed;
    let parsed = calendar::parse_cron(cron).map_err(|e| InputError::new(&cx.file, e))?;
    let limit = usize::try_from(budget).unwrap_or(usize::MAX);
    let fires = calendar::cron_fire_times_limited(&cx.clock, &parsed, cx.horizon, limit)
        .map_err(|estimate| {
            InputError::new(
                &cx.file,
                format!(
                    "stage {:?}: schedule {cron:?} fires about {estimate:.0} times over run.horizon {}, above run.max_precomputed = {budget}; \
                     use a coarser schedule, shorten the horizon, or raise run.max_precomputed",
                    st.name, cx.f.run.horizon
                ),
            )
        })?;
    Ok(Trigger::Schedule {
        cron: cron.to_string(),
        fires,
    })
}

/// A stage's gates, evaluated together: the longest delay, the shortest
/// interval and timeout; `None` without gates.
fn gates(g: &[GateSpec]) -> Option<Gates> {
    if g.is_empty() {
        return None;
    }
    let min_of = |f: fn(&GateSpec) -> f64| g.iter().map(f).fold(f64::INFINITY, f64::min);
    let interval = min_of(|g| g.interval.secs());
    let steady = g
        .iter()
        .map(|g| g.minimum_success_duration.secs())
        .fold(0.0, f64::max);
    Some(Gates {
        delay: SimDuration(g.iter().map(|g| g.delay.secs()).fold(0.0, f64::max)),
        interval: SimDuration(interval),
        timeout: SimDuration(min_of(|g| g.timeout.secs())),
        // Validation keeps intervals above zero.
        healthy_in_a_row: 1 + (steady / interval).ceil() as u32,
        no_open_defects: g
            .iter()
            .any(|g| matches!(g.condition, GateCondition::NoOpenDefects)),
        pass_probability: g
            .iter()
            .map(|g| match g.condition {
                GateCondition::PassProbability(p) => p.0,
                GateCondition::NoOpenDefects => 1.0,
            })
            .product(),
    })
}

fn arrivals(cx: &Ctx, s: &Scenario) -> Result<Arrivals, InputError> {
    let c = &cx.f.commits;
    Ok(match &c.stream {
        valid::Stream::Poisson(p) => {
            Arrivals::Poisson(rate_profile(&cx.clock, p, c.volume.get(), cx.horizon))
        }
        valid::Stream::Replay(r) => Arrivals::Replay {
            commits: replay(s, &cx.clock, r, cx.horizon)?,
            volume: c.volume.get(),
        },
    })
}

/// The runaway guards: expected commits and events per replication within
/// `run.max_commits` and `run.max_events`. Gives the expected commits.
/// Refusals are placed at `run.horizon`, which every estimate is over.
fn budgets(cx: &Ctx, arrivals: &Arrivals, stages: &[StageModel]) -> Result<f64, InputError> {
    let run = &cx.f.run;
    let refuse = |message: String| match run.horizon_at {
        Some((line, column)) => InputError::at(&cx.file, line, column, message),
        None => InputError::new(&cx.file, message),
    };
    let expected_commits = match arrivals {
        Arrivals::Poisson(p) => p.expected_until(cx.horizon) * p.push_size,
        Arrivals::Replay { commits, volume } => commits.len() as f64 * volume,
    };
    if !expected_commits.is_finite() || expected_commits > run.max_commits as f64 {
        return Err(refuse(format!(
            "this scenario expects {} commits per replication over run.horizon {}, above the limit of {} \
             (about 40 bytes of state each); shorten the horizon, lower the rate, or raise run.max_commits",
            count(expected_commits),
            run.horizon,
            run.max_commits
        )));
    }
    // Events: a rough upper estimate per commit (arrival, build, each stage's
    // trigger, checks, deploy and verification) plus every schedule firing
    // and every gate evaluation.
    let fires: usize = stages
        .iter()
        .map(|st| match &st.trigger {
            Trigger::Schedule { fires, .. } => fires.len(),
            _ => 0,
        })
        .sum();
    let expected_events = expected_commits * (4.0 + 4.0 * stages.len() as f64)
        + fires as f64
        + gate_checks(stages, expected_commits);
    if !expected_events.is_finite() || expected_events > run.max_events as f64 {
        return Err(refuse(format!(
            "this scenario needs an estimated {} events per replication over run.horizon {}, above run.max_events = {}; \
             shorten the horizon, lower the commit rate, lengthen gate intervals, or raise run.max_events",
            count(expected_events),
            run.horizon,
            run.max_events
        )));
    }
    Ok(expected_commits)
}

/// Gate evaluations per replication, at most: each release reaching a gated
/// stage (at most one per commit, or per firing of its schedule) is evaluated
/// after its delay and then every interval until its timeout, or, when the
/// gates are only probabilistic, about 1 / p times.
fn gate_checks(stages: &[StageModel], expected_commits: f64) -> f64 {
    stages
        .iter()
        .filter_map(|st| {
            let g = st.gates.as_ref()?;
            let mut per_release = 1.0 + g.timeout.0 / g.interval.0;
            if !g.no_open_defects && g.pass_probability > 0.0 {
                per_release = per_release.min(1.0 / g.pass_probability);
            }
            let releases = match &st.trigger {
                Trigger::Schedule { fires, .. } => expected_commits.min(fires.len() as f64),
                _ => expected_commits,
            };
            Some(per_release * releases)
        })
        .sum()
}

/// A count for a message: whole below a quadrillion, in scientific notation
/// above (not 300 digits).
fn count(x: f64) -> String {
    if !x.is_finite() {
        "unboundedly many".into()
    } else if x < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.2e}")
    }
}

fn weekly_hours(c: &CalendarSpec) -> WeeklyHours {
    let mut w = WeeklyHours::default();
    for (key, ranges) in &c.working_hours {
        for day in 0..7 {
            if key.mask & (1 << day) != 0 {
                w.days[day] = ranges
                    .0
                    .iter()
                    .filter_map(|r| r.from.to_civil().map(|from| (from, r.to.to_civil())))
                    .collect();
            }
        }
    }
    w
}

fn holidays(c: &CalendarSpec) -> Vec<jiff::civil::Date> {
    c.holidays.iter().map(|d| d.0).collect()
}

fn rate_profile(clock: &Clock, p: &valid::Poisson, volume: f64, horizon: SimTime) -> RateProfile {
    let push_size = p.push_size;
    let commits_per_day = p.rate.commits_per_day() * volume;
    let per_day = commits_per_day / push_size;
    let hour_total: f64 = p.hours.iter().sum();
    let n = (horizon.0 / HOUR).ceil() as usize + 1;
    let mut cum = Vec::with_capacity(n + 1);
    let mut acc = 0.0;
    cum.push(0.0);
    let start = clock.start_zoned();
    for h in 0..n {
        // The civil hour this simulated hour falls in (DST-aware).
        let z = start
            .checked_add(jiff::SignedDuration::from_hours(h as i64))
            .unwrap_or_else(|_| start.clone());
        let wd = z.weekday().to_monday_zero_offset() as usize;
        acc += per_day * p.weekdays[wd] * p.hours[z.hour() as usize] / hour_total;
        cum.push(acc);
    }
    RateProfile { cum, push_size }
}

/// One traffic factor per simulated hour (its civil hour and weekday, DST
/// aware, times every dated peak that the hour starts in), over the horizon
/// and a day; past that the last factor holds.
fn traffic_profile(clock: &Clock, t: &valid::Traffic, horizon: SimTime) -> TrafficProfile {
    let n = (horizon.0 / HOUR).ceil() as usize + 25;
    let peaks: Vec<(f64, f64, f64)> = t
        .peaks
        .iter()
        .map(|p| (clock.civil(p.from.0).0, clock.civil(p.to.0).0, p.factor))
        .collect();
    let start = clock.start_zoned();
    let level = (0..n)
        .map(|h| {
            let z = start
                .checked_add(jiff::SignedDuration::from_hours(h as i64))
                .unwrap_or_else(|_| start.clone());
            let wd = z.weekday().to_monday_zero_offset() as usize;
            let at = h as f64 * HOUR;
            let peak: f64 = peaks
                .iter()
                .filter(|(from, to, _)| (*from..*to).contains(&at))
                .map(|p| p.2)
                .product();
            t.hours[z.hour() as usize] * t.weekdays[wd] * peak
        })
        .collect();
    TrafficProfile::from_levels(level)
}

fn replay(
    s: &Scenario,
    clock: &Clock,
    r: &valid::Replay,
    horizon: SimTime,
) -> Result<Vec<(SimTime, Option<Severity>)>, InputError> {
    let base = s.path.parent().unwrap_or(Path::new("."));
    let rel = match &r.history {
        History::Csv { path, .. } | History::GitLog { path } => path,
    };
    let path = base.join(rel);
    let shown = path.display().to_string();
    let bytes = std::fs::read(&path)
        .map_err(|e| InputError::new(&shown, format!("cannot read the history: {e}")))?;
    let text = stream::replay::text_from_bytes(&bytes, &shown)?;
    let commits = match &r.history {
        History::Csv {
            timestamp_column,
            defect_column,
            ..
        } => {
            let columns = stream::replay::CsvColumns {
                timestamp: timestamp_column.clone(),
                defect: defect_column.clone(),
                default_severity: Severity::Major,
            };
            stream::replay::parse_csv(text, &shown, clock.tz(), &columns)?
        }
        History::GitLog { .. } => stream::replay::parse_git_log(text, &shown, clock.tz())?,
    };
    let mut times: Vec<(SimTime, Option<Severity>)> =
        commits.iter().map(|c| (clock.at(c.at), c.defect)).collect();
    if r.align_to_start
        && let Some(first) = times.first().map(|t| t.0)
    {
        // Whole weeks keep the weekday and hour-of-day pattern of the history.
        let week = 7.0 * 86_400.0;
        let shift = -(first.0 / week).floor() * week;
        for t in &mut times {
            t.0 = SimTime(t.0.0 + shift);
        }
    }
    times.retain(|(t, _)| t.0 >= 0.0 && t.0 < horizon.0);
    if times.is_empty() {
        return Err(InputError::new(
            &shown,
            "no commit of the history falls inside the run (start .. start + horizon); set run.start, or commits.replay.align_to_start: true",
        ));
    }
    Ok(times)
}

/// Turns a validated strategy (Azure, Argo Rollouts or Flagger shape) into rollout steps.
fn strategy(spec: &valid::Strategy, f: &Validated, monitoring: &[f64; 3]) -> Strategy {
    let base = |kind, steps| Strategy {
        kind,
        steps,
        abort: f.incidents.rollback.compile(),
        scale_down_delay: 0.0,
        switch: 0.0,
        promotion_delay: 0.0,
        failure_budget: None,
        analysis: monitoring.map(|m| 10.0 * m),
        false_alarm: 0.0,
        inconclusive: 0.0,
        inconclusive_limit: 0,
        retried_by: None,
        resumer: None,
        whole_run: false,
        on_newer: OnNewer::Queue,
        background: None,
    };
    let on_newer = |o: raw_stage::OnNewer| match o {
        raw_stage::OnNewer::Queue => OnNewer::Queue,
        raw_stage::OnNewer::RestartWithNewest => OnNewer::RestartWithNewest,
        raw_stage::OnNewer::FinishThenNewest => OnNewer::FinishThenNewest,
    };
    match spec {
        valid::Strategy::AllAtOnce => base(StrategyKind::AllAtOnce, vec![RolloutStep::Weight(1.0)]),
        valid::Strategy::Rolling(r) => {
            let n = r.size.batches();
            let mut steps = Vec::with_capacity(2 * n as usize);
            for k in 1..=n {
                steps.push(RolloutStep::Batch {
                    duration: r.batch_duration.compile(),
                    failure: r.failure.0,
                });
                steps.push(RolloutStep::Weight(k as f64 / n as f64));
            }
            let mut s = base(StrategyKind::Rolling, steps);
            s.on_newer = on_newer(r.on_newer);
            s
        }
        valid::Strategy::BlueGreen(b) => {
            let mut steps = Vec::new();
            if let Some(p) = b.promoted_by {
                steps.push(RolloutStep::Promote(p));
            } else if b.auto_promotion_delay.secs() > 0.0 {
                // Auto-promotion after a delay, the release on the idle colour.
                steps.push(RolloutStep::Wait(Dist::Const(
                    b.auto_promotion_delay.secs(),
                )));
            }
            steps.push(RolloutStep::Wait(Dist::Const(b.switch.secs())));
            steps.push(RolloutStep::Weight(1.0));
            // After the switch, with every user on the new colour.
            if let Some(a) = b.post_promotion_analysis {
                steps.push(RolloutStep::Analysis {
                    interval: a.interval.secs(),
                    count: a.count.get(),
                    failure_limit: a.failure_limit,
                    delay: a.initial_delay.secs(),
                });
            }
            let mut s = base(StrategyKind::BlueGreen, steps);
            if let Some(a) = &b.analysis_detect_per_hour {
                s.analysis = a.as_array().map(|x| x / HOUR);
            }
            s.scale_down_delay = b.scale_down_delay.secs();
            s.switch = b.switch.secs();
            s.promotion_delay = b.auto_promotion_delay.secs();
            s.abort = Dist::Const(b.switch.secs());
            s.on_newer = on_newer(b.on_newer);
            s
        }
        valid::Strategy::Canary(c) => {
            let (mut steps, budget) = canary_steps(&c.plan);
            steps.push(RolloutStep::Weight(1.0));
            let mut s = base(StrategyKind::Canary, steps);
            s.abort = Dist::Const(c.abort.secs());
            s.failure_budget = budget;
            if let Some(a) = &c.analysis_detect_per_hour {
                s.analysis = a.as_array().map(|x| x / HOUR);
            }
            s.false_alarm = c.false_alarm.0;
            s.inconclusive = c.inconclusive.0;
            s.inconclusive_limit = c.inconclusive_limit;
            s.retried_by = c.retried_by;
            s.resumer = c.promoter;
            s.whole_run = matches!(c.plan, valid::CanaryPlan::Flagger { .. });
            s.on_newer = on_newer(c.on_newer);
            // Argo steps compile one to one, so the starting step keeps its index.
            s.background = c.background.map(|b| Background {
                interval: b.interval.secs(),
                failure_limit: b.failure_limit,
                from_step: b.starting_step,
                count: b.count.map(|n| n.get()),
                delay: b.initial_delay.secs(),
                inconclusive: b.inconclusive.0,
                inconclusive_limit: b.inconclusive_limit,
            });
            s
        }
    }
}

/// A canary's steps before the final 100 %, and Flagger's failure budget.
fn canary_steps(plan: &valid::CanaryPlan) -> (Vec<RolloutStep>, Option<u32>) {
    match plan {
        valid::CanaryPlan::Steps(list) => {
            let steps = list
                .iter()
                .map(|step| match step {
                    valid::CanaryStep::SetWeight(w) => RolloutStep::Weight(w / 100.0),
                    valid::CanaryStep::Pause(d) => RolloutStep::Wait(Dist::Const(d.secs())),
                    valid::CanaryStep::Promote(p) => RolloutStep::Promote(*p),
                    valid::CanaryStep::Analysis {
                        interval,
                        count,
                        failure_limit,
                        initial_delay,
                    } => RolloutStep::Analysis {
                        interval: interval.secs(),
                        count: count.get(),
                        failure_limit: *failure_limit,
                        delay: initial_delay.secs(),
                    },
                })
                .collect();
            (steps, None)
        }
        valid::CanaryPlan::Flagger {
            weights,
            interval,
            threshold,
        } => {
            // Each weight is held for one interval with one check.
            let mut steps = Vec::with_capacity(2 * weights.len());
            for w in weights {
                steps.push(RolloutStep::Weight(w / 100.0));
                steps.push(RolloutStep::Analysis {
                    interval: interval.secs(),
                    count: 1,
                    failure_limit: u32::MAX,
                    delay: 0.0,
                });
            }
            (steps, Some(threshold.get()))
        }
    }
}
