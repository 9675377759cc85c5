//! The compiled model: a checked scenario turned into plain numbers on the
//! simulation clock. Immutable, shared by every replication; calendars and cron
//! schedules are resolved here once, never inside the event loop.

use std::path::Path;

use crate::calendar::{self, Clock, IntervalSet, WeeklyHours};
use crate::dist::Dist;
use crate::error::InputError;
use crate::scenario::{
    self, Batch, CanaryStep, Detection, GateCondition, LockPolicy, Scenario, StrategySpec,
    TriggerSpec,
};
use crate::stream::{self, Severity};
use crate::time::{HOUR, SimDuration, SimTime};

/// Index of a stage in [`Model::stages`].
pub type StageId = usize;
/// Index of a person or team in [`Model::people`].
pub type PersonId = usize;

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub clock: Clock,
    pub horizon: SimTime,
    pub warm_up: SimTime,
    pub seed: u64,
    pub replications: u32,
    pub arrivals: Arrivals,
    pub defects: DefectModel,
    pub build: BuildModel,
    pub stages: Vec<StageModel>,
    pub people: Vec<PersonModel>,
    /// Stages whose passing means "running in production" (all must pass a commit).
    pub production: Vec<StageId>,
    /// Expected commits per replication, for the runaway guard and reports.
    pub expected_commits: f64,
    pub incidents: IncidentModel,
    /// Runaway guard: a replication stops after this many events and is flagged.
    pub max_events: u64,
}

/// How production notices and undoes escaped defects.
#[derive(Debug, Clone)]
pub struct IncidentModel {
    pub users: f64,
    /// Monitoring hazard per second at 100 % exposure, per severity.
    pub monitoring: [f64; 3],
    /// Redeploying the previous release.
    pub rollback: Dist,
    /// (seconds since first production deployment, share of traffic) — empty: no flag.
    pub flag_ramp: Vec<(f64, f64)>,
}

impl IncidentModel {
    /// The flag's share `age` seconds after the code's first production deployment.
    pub fn flag_share(&self, age: f64) -> f64 {
        if self.flag_ramp.is_empty() {
            return 1.0;
        }
        self.flag_ramp
            .iter()
            .rev()
            .find(|(after, _)| age >= *after)
            .map_or(0.0, |(_, share)| *share)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyKind {
    AllAtOnce,
    Rolling,
    BlueGreen,
    Canary,
}

/// One step of a production rollout.
#[derive(Debug, Clone)]
pub enum RolloutStep {
    /// Share of the stage's traffic on the new release, 0–1.
    Weight(f64),
    Wait(Dist),
    /// A batch of a rolling update: takes this long, may fail.
    Batch {
        duration: Dist,
        failure: f64,
    },
    /// Wait for a person to promote.
    Promote(PersonId),
    /// `count` measurements `interval` seconds apart; more than `failure_limit` failed aborts.
    Analysis {
        interval: f64,
        count: u32,
        failure_limit: u32,
    },
}

/// A production stage's rollout strategy, compiled.
#[derive(Debug, Clone)]
pub struct Strategy {
    pub kind: StrategyKind,
    pub steps: Vec<RolloutStep>,
    /// Aborting a rollout in progress (canary abort, rolling roll-back).
    pub abort: Dist,
    /// Blue-green: the old colour runs on this long after the switch.
    pub scale_down_delay: f64,
    /// Blue-green: moving traffic between colours.
    pub switch: f64,
    /// Flagger's threshold: failed measurements over the whole rollout that abort it.
    pub failure_budget: Option<u32>,
    /// Canary analysis hazard per second at 100 % weight, per severity.
    pub analysis: [f64; 3],
}

/// Where commits come from.
#[derive(Debug, Clone)]
pub enum Arrivals {
    /// Non-homogeneous Poisson, piecewise constant per simulated hour.
    Poisson(RateProfile),
    /// A recorded history, copied `volume` times (see [`crate::stream`]).
    Replay {
        commits: Vec<(SimTime, Option<Severity>)>,
        volume: f64,
    },
}

/// Expected commits accumulated at each hour boundary since the start: the
/// inverse of this function turns a unit-rate Poisson process into arrivals.
#[derive(Debug, Clone)]
pub struct RateProfile {
    /// `cum[h]` = expected pushes in `[0, h hours)`; one entry past the horizon.
    pub cum: Vec<f64>,
    /// Mean commits per push (1 + Poisson(push_size − 1)): bursts of commits
    /// that arrive together and trigger one build.
    pub push_size: f64,
}

#[derive(Debug, Clone)]
pub struct DefectModel {
    pub probability: f64,
    /// Cumulative severity weights (minor, major, critical), last = 1.
    pub severity_cdf: [f64; 3],
    pub fix_time: Dist,
}

#[derive(Debug, Clone)]
pub struct BuildModel {
    pub batch: Batch,
    pub agents: u32,
    pub duration: Dist,
    pub flaky_failure: f64,
    pub retries: u32,
    pub detect: Detection,
}

#[derive(Debug, Clone)]
pub struct PersonModel {
    pub name: String,
    pub hours: IntervalSet,
    pub reaction: Dist,
}

#[derive(Debug, Clone)]
pub enum Trigger {
    Auto,
    /// Precomputed fire times within the horizon.
    Schedule {
        cron: String,
        fires: Vec<SimTime>,
    },
    Manual {
        person: PersonId,
        reaction: Dist,
    },
}

#[derive(Debug, Clone)]
pub struct Approval {
    pub approvers: Vec<PersonId>,
    pub min: u32,
    /// `None`: each approver's own reaction time.
    pub response: Option<Dist>,
    pub rejection: f64,
    pub timeout: SimDuration,
}

#[derive(Debug, Clone)]
pub struct Gates {
    pub delay: SimDuration,
    /// The shortest interval of the stage's gates: all are evaluated together.
    pub interval: SimDuration,
    /// The earliest timeout of the stage's gates.
    pub timeout: SimDuration,
    pub no_open_defects: bool,
    /// Product of the pass probabilities of the probabilistic gates.
    pub pass_probability: f64,
}

#[derive(Debug, Clone)]
pub struct VerifyStep {
    pub name: String,
    pub duration: Dist,
    pub by: Option<PersonId>,
    pub detect: Detection,
}

#[derive(Debug, Clone)]
pub struct StageModel {
    pub name: String,
    pub title: String,
    /// Upstream stages; empty = fed by the build.
    pub deps: Vec<StageId>,
    /// Stages that list this one among their deps.
    pub downstream: Vec<StageId>,
    pub trigger: Trigger,
    pub approval: Option<Approval>,
    pub gates: Option<Gates>,
    /// When deployments may start (business hours minus freezes); `None` = always.
    pub window: Option<IntervalSet>,
    pub lock: LockPolicy,
    pub deploy_duration: Dist,
    pub deploy_failure: f64,
    pub deploy_retries: u32,
    pub verify: Vec<VerifyStep>,
    pub production: bool,
    /// How users move to a new release (production stages).
    pub strategy: Strategy,
}

/// Lead room past the horizon for calendars, so a request near the end still
/// finds its next working period.
const CALENDAR_MARGIN: f64 = 60.0 * 86_400.0;

/// Compiles a checked scenario. Fails only on inputs outside the scenario file
/// (a replayed history) and on the runaway guard.
pub fn compile(s: &Scenario) -> Result<Model, InputError> {
    let f = &s.file;
    let file = s.path.display().to_string();
    let clock = Clock::new(f.run.start.0, f.run.time_zone.0.clone())
        .map_err(|e| InputError::new(&file, e))?;
    let horizon = SimTime(f.run.horizon.secs());
    let until = SimTime(horizon.0 + CALENDAR_MARGIN);
    let budget = f.run.max_precomputed;
    // Working periods: one per range per day, over the horizon and the margin.
    let days = until.0 / 86_400.0 + 2.0;
    for (name, c) in &f.calendars {
        let ranges_per_week: usize = weekly_hours(c).days.iter().map(Vec::len).sum();
        let periods = ranges_per_week as f64 * days / 7.0;
        if periods > budget as f64 {
            return Err(InputError::new(
                &file,
                format!(
                    "calendar {name:?} has about {periods:.0} working periods over run.horizon {}, above run.max_precomputed = {budget}; \
                     use fewer ranges per day, shorten the horizon, or raise run.max_precomputed",
                    f.run.horizon
                ),
            ));
        }
    }

    let calendars: std::collections::BTreeMap<&str, IntervalSet> = f
        .calendars
        .iter()
        .map(|(name, c)| {
            (
                name.as_str(),
                calendar::working_time(&clock, &weekly_hours(c), &holidays(c), until),
            )
        })
        .collect();
    let people_names: Vec<&String> = f.people.keys().collect();
    let person_id = |n: &str| {
        people_names
            .iter()
            .position(|p| p.as_str() == n)
            .unwrap_or(0)
    };
    let people: Vec<PersonModel> = f
        .people
        .iter()
        .map(|(name, p)| PersonModel {
            name: name.clone(),
            hours: p
                .calendar
                .as_ref()
                .and_then(|c| calendars.get(c.value.as_str()).cloned())
                .unwrap_or_else(IntervalSet::always),
            reaction: p.reaction.compile(),
        })
        .collect();

    let per_hour = |r: [f64; 3]| r.map(|x| x / HOUR);
    let monitoring = per_hour(f.incidents.detect_per_hour.as_array());
    let deps = scenario::resolved_dependencies(f);
    let mut stages: Vec<StageModel> = Vec::with_capacity(f.stages.len());
    for (i, st) in f.stages.iter().enumerate() {
        let trigger = match &st.trigger {
            TriggerSpec::Auto => Trigger::Auto,
            TriggerSpec::Schedule(cron) => {
                let parsed =
                    calendar::parse_cron(&cron.0).map_err(|e| InputError::new(&file, e))?;
                let limit = usize::try_from(budget).unwrap_or(usize::MAX);
                let fires = calendar::cron_fire_times_limited(&clock, &parsed, horizon, limit)
                    .map_err(|estimate| {
                        InputError::new(
                            &file,
                            format!(
                                "stage {:?}: schedule {:?} fires about {estimate:.0} times over run.horizon {}, above run.max_precomputed = {budget}; \
                                 use a coarser schedule, shorten the horizon, or raise run.max_precomputed",
                                st.name.value, cron.0, f.run.horizon
                            ),
                        )
                    })?;
                Trigger::Schedule {
                    cron: cron.0.clone(),
                    fires,
                }
            }
            TriggerSpec::Manual(m) => {
                let person = person_id(&m.by.value);
                let reaction = m
                    .reaction
                    .as_ref()
                    .map(|d| d.compile())
                    .unwrap_or_else(|| people[person].reaction.clone());
                Trigger::Manual { person, reaction }
            }
        };
        let approval = st.checks.approval.as_ref().map(|a| Approval {
            approvers: a.approvers.iter().map(|p| person_id(&p.value)).collect(),
            min: a.min.unwrap_or(a.approvers.len() as u32),
            response: a.response.as_ref().map(|d| d.compile()),
            rejection: a.rejection.0,
            timeout: a.timeout.0,
        });
        let gates = if st.checks.gates.is_empty() {
            None
        } else {
            let g = &st.checks.gates;
            let min_of =
                |f: fn(&scenario::GateSpec) -> f64| g.iter().map(f).fold(f64::INFINITY, f64::min);
            Some(Gates {
                delay: SimDuration(g.iter().map(|g| g.delay.secs()).fold(0.0, f64::max)),
                interval: SimDuration(min_of(|g| g.interval.secs())),
                timeout: SimDuration(min_of(|g| g.timeout.secs())),
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
        };
        let window = {
            let base = st
                .checks
                .business_hours
                .as_ref()
                .and_then(|c| calendars.get(c.value.as_str()).cloned());
            let freezes: Vec<(f64, f64)> = st
                .checks
                .freeze
                .iter()
                .map(|fr| (clock.civil(fr.from.0).0, clock.civil(fr.to.0).0))
                .collect();
            match (base, freezes.is_empty()) {
                (None, true) => None,
                (base, _) => Some(
                    base.unwrap_or_else(IntervalSet::always)
                        .minus(&IntervalSet::from_intervals(freezes)),
                ),
            }
        };
        stages.push(StageModel {
            name: st.name.value.clone(),
            title: st.title.clone().unwrap_or_else(|| st.name.value.clone()),
            deps: deps[i].clone(),
            downstream: Vec::new(),
            trigger,
            approval,
            gates,
            window,
            lock: st.lock,
            deploy_duration: st.deploy.duration.compile(),
            deploy_failure: st.deploy.failure.0,
            deploy_retries: st.deploy.retries,
            verify: st
                .verify
                .iter()
                .map(|v| VerifyStep {
                    name: v.name.clone(),
                    duration: v.duration.compile(),
                    by: v.by.as_ref().map(|p| person_id(&p.value)),
                    detect: v.detect,
                })
                .collect(),
            production: false,
            strategy: compile_strategy(st.strategy.as_ref(), f, &person_id, &monitoring),
        });
    }
    for i in 0..stages.len() {
        for d in stages[i].deps.clone() {
            stages[d].downstream.push(i);
        }
    }
    let explicit = f.stages.iter().any(|s| s.production.is_some());
    for (i, st) in f.stages.iter().enumerate() {
        stages[i].production = match st.production {
            Some(p) => p,
            None if explicit => false,
            None => stages[i].downstream.is_empty(),
        };
    }
    let production: Vec<StageId> = (0..stages.len())
        .filter(|&i| stages[i].production)
        .collect();
    if !stages.is_empty() && production.is_empty() {
        return Err(InputError::new(
            &file,
            "no stage is production: mark one with `production: true`",
        ));
    }

    let c = &f.commits;
    let arrivals = match (&c.poisson, &c.replay) {
        (Some(p), _) => Arrivals::Poisson(rate_profile(&clock, p, c.volume, horizon)),
        (None, Some(r)) => Arrivals::Replay {
            commits: replay(s, &clock, r, horizon)?,
            volume: c.volume,
        },
        (None, None) => return Err(InputError::new(&file, "commits: no stream")),
    };
    let expected_commits = match &arrivals {
        Arrivals::Poisson(p) => p.expected_until(horizon) * p.push_size,
        Arrivals::Replay { commits, volume } => commits.len() as f64 * volume,
    };
    if !expected_commits.is_finite() || expected_commits > f.run.max_commits as f64 {
        return Err(InputError::new(
            &file,
            format!(
                "this scenario expects {expected_commits:.0} commits per replication over run.horizon {}, above the limit of {} \
                 (about 40 bytes of state each); shorten the horizon, lower the rate, or raise run.max_commits",
                f.run.horizon, f.run.max_commits
            ),
        ));
    }

    // Events: a rough upper estimate per commit (arrival, build, each stage's
    // trigger, checks, deploy and verification) plus every schedule firing.
    let fires: usize = stages
        .iter()
        .map(|st| match &st.trigger {
            Trigger::Schedule { fires, .. } => fires.len(),
            _ => 0,
        })
        .sum();
    let expected_events = expected_commits * (4.0 + 4.0 * stages.len() as f64) + fires as f64;
    if expected_events > f.run.max_events as f64 {
        return Err(InputError::new(
            &file,
            format!(
                "this scenario needs an estimated {expected_events:.0} events per replication over run.horizon {}, above run.max_events = {}; \
                 shorten the horizon, lower the commit rate, or raise run.max_events",
                f.run.horizon, f.run.max_events
            ),
        ));
    }

    let w = &c.defects.severity;
    let total = w.minor + w.major + w.critical;
    Ok(Model {
        name: s.name.clone(),
        description: f.description.clone(),
        clock,
        horizon,
        warm_up: SimTime(f.run.warm_up.secs()),
        seed: f.run.seed,
        replications: f.run.replications,
        arrivals,
        defects: DefectModel {
            probability: c.defects.probability.0,
            severity_cdf: [w.minor / total, (w.minor + w.major) / total, 1.0],
            fix_time: c.defects.fix_time.compile(),
        },
        build: BuildModel {
            batch: f.build.batch,
            agents: f.build.agents,
            duration: f.build.duration.compile(),
            flaky_failure: f.build.flaky_failure.0,
            retries: f.build.retries,
            detect: f.build.detect,
        },
        stages,
        people,
        production,
        expected_commits,
        max_events: f.run.max_events,
        incidents: IncidentModel {
            users: f.incidents.users,
            monitoring,
            rollback: f.incidents.rollback.compile(),
            flag_ramp: f
                .incidents
                .flag_ramp
                .iter()
                .flatten()
                .map(|s| (s.after.secs(), s.percent / 100.0))
                .collect(),
        },
    })
}

fn weekly_hours(c: &scenario::CalendarSpec) -> WeeklyHours {
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

fn holidays(c: &scenario::CalendarSpec) -> Vec<jiff::civil::Date> {
    c.holidays.iter().map(|d| d.0).collect()
}

impl RateProfile {
    /// Expected commits in `[0, t)`.
    pub fn expected_until(&self, t: SimTime) -> f64 {
        let h = t.0 / HOUR;
        let i = (h.floor() as usize).min(self.cum.len().saturating_sub(2));
        let frac = (h - i as f64).clamp(0.0, 1.0);
        self.cum[i] + frac * (self.cum[i + 1] - self.cum[i])
    }
}

fn rate_profile(
    clock: &Clock,
    p: &scenario::PoissonSpec,
    volume: f64,
    horizon: SimTime,
) -> RateProfile {
    let push_size = p.push_size.unwrap_or(1.0);
    let commits_per_day = match (p.per_day, &p.team) {
        (Some(r), _) => r,
        (None, Some(t)) => t.developers as f64 * t.commits_per_developer_per_day,
        (None, None) => 0.0,
    } * volume;
    let per_day = commits_per_day / push_size;
    let hours = p.hours.clone().unwrap_or_else(|| vec![1.0; 24]);
    let hour_total: f64 = hours.iter().sum();
    let weekdays = p.weekdays.clone().unwrap_or_else(|| vec![1.0; 7]);
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
        acc += per_day * weekdays[wd] * hours[z.hour() as usize] / hour_total;
        cum.push(acc);
    }
    RateProfile { cum, push_size }
}

fn replay(
    s: &Scenario,
    clock: &Clock,
    r: &scenario::ReplaySpec,
    horizon: SimTime,
) -> Result<Vec<(SimTime, Option<Severity>)>, InputError> {
    let base = s.path.parent().unwrap_or(Path::new("."));
    let (rel, is_csv) = match (&r.csv, &r.git_log) {
        (Some(p), _) => (p, true),
        (None, Some(p)) => (p, false),
        (None, None) => {
            return Err(InputError::new(
                s.path.display().to_string(),
                "commits.replay: no file",
            ));
        }
    };
    let path = base.join(rel);
    let shown = path.display().to_string();
    let bytes = std::fs::read(&path)
        .map_err(|e| InputError::new(&shown, format!("cannot read the history: {e}")))?;
    let text = stream::replay::text_from_bytes(&bytes, &shown)?;
    let commits = if is_csv {
        let columns = stream::replay::CsvColumns {
            timestamp: r.timestamp_column.clone(),
            defect: r.defect_column.clone(),
            default_severity: Severity::Major,
        };
        stream::replay::parse_csv(text, &shown, clock.tz(), &columns)?
    } else {
        stream::replay::parse_git_log(text, &shown, clock.tz())?
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

/// Turns a strategy as written (Azure, Argo Rollouts or Flagger shape) into rollout steps.
fn compile_strategy(
    spec: Option<&StrategySpec>,
    f: &scenario::ScenarioFile,
    person_id: &dyn Fn(&str) -> PersonId,
    monitoring: &[f64; 3],
) -> Strategy {
    let rollback = f.incidents.rollback.compile();
    let base = |kind, steps| Strategy {
        kind,
        steps,
        abort: rollback.clone(),
        scale_down_delay: 0.0,
        switch: 0.0,
        failure_budget: None,
        analysis: monitoring.map(|m| 10.0 * m),
    };
    match spec.unwrap_or(&StrategySpec::AllAtOnce) {
        StrategySpec::AllAtOnce => base(StrategyKind::AllAtOnce, vec![RolloutStep::Weight(1.0)]),
        StrategySpec::Rolling(r) => {
            let n = match (r.batches, r.max_parallel) {
                (Some(n), _) => n.max(1),
                (None, Some(p)) => (1.0 / p.0.max(1e-9)).ceil() as u32,
                (None, None) => 1,
            };
            let mut steps = Vec::with_capacity(2 * n as usize);
            for k in 1..=n {
                steps.push(RolloutStep::Batch {
                    duration: r.batch_duration.compile(),
                    failure: r.failure.0,
                });
                steps.push(RolloutStep::Weight(k as f64 / n as f64));
            }
            base(StrategyKind::Rolling, steps)
        }
        StrategySpec::BlueGreen(b) => {
            let mut steps = Vec::new();
            if let Some(p) = &b.promoted_by {
                steps.push(RolloutStep::Promote(person_id(&p.value)));
            }
            steps.push(RolloutStep::Wait(Dist::Const(b.switch.secs())));
            steps.push(RolloutStep::Weight(1.0));
            let mut s = base(StrategyKind::BlueGreen, steps);
            s.scale_down_delay = b.scale_down_delay.secs();
            s.switch = b.switch.secs();
            s.abort = Dist::Const(b.switch.secs());
            s
        }
        StrategySpec::Canary(c) => {
            let mut steps = Vec::new();
            let mut budget = None;
            if let Some(list) = &c.steps {
                for step in list {
                    steps.push(match step {
                        CanaryStep::SetWeight(w) => RolloutStep::Weight(w / 100.0),
                        CanaryStep::Pause(p) => match (p.duration, &c.promoter) {
                            (Some(d), _) => RolloutStep::Wait(Dist::Const(d.secs())),
                            (None, Some(person)) => RolloutStep::Promote(person_id(&person.value)),
                            (None, None) => RolloutStep::Wait(Dist::Const(0.0)),
                        },
                        CanaryStep::Analysis(a) => RolloutStep::Analysis {
                            interval: a.interval.secs(),
                            count: a.count.max(1),
                            failure_limit: a.failure_limit,
                        },
                    });
                }
            } else {
                // Flagger: each weight is held for one interval with one check.
                let weights: Vec<f64> = match (&c.step_weights, c.step_weight) {
                    (Some(ws), _) => ws.clone(),
                    (None, Some(step)) => {
                        let max = c.max_weight.unwrap_or(100.0);
                        let n = (max / step).floor().max(1.0) as usize;
                        (1..=n).map(|k| (k as f64 * step).min(max)).collect()
                    }
                    (None, None) => vec![],
                };
                let interval = c.interval.map_or(60.0, |i| i.secs());
                for w in weights {
                    steps.push(RolloutStep::Weight(w / 100.0));
                    steps.push(RolloutStep::Analysis {
                        interval,
                        count: 1,
                        failure_limit: u32::MAX,
                    });
                }
                budget = Some(c.threshold.unwrap_or(1).max(1));
            }
            steps.push(RolloutStep::Weight(1.0));
            let mut s = base(StrategyKind::Canary, steps);
            s.abort = Dist::Const(c.abort.secs());
            s.failure_budget = budget;
            if let Some(a) = &c.analysis_detect_per_hour {
                s.analysis = a.as_array().map(|x| x / HOUR);
            }
            s
        }
    }
}
