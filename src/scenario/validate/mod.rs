//! Checks on the scenario as a whole (references, cycles, budgets, the choices
//! that exclude each other), producing the [`Validated`] scenario. Every
//! refusal names the place in the file it is about, when the file has one.

mod stages;

use std::num::NonZeroU32;

use serde_saphyr::{Location, Spanned};

use super::MAX_RETRIES;
use super::NameRef;
use super::file::*;
use super::valid::*;
use super::values::{Positive, PositiveDuration};
use crate::error::InputError;

/// The last civil year a run may reach (schedules cannot fire from 5000 on).
const LAST_YEAR: i16 = 4999;

/// An error at `loc`, or about the whole file when `loc` is a default's (no place).
fn at_loc(file: &str, loc: Location, message: impl Into<String>) -> InputError {
    if loc.line() == 0 {
        InputError::new(file, message)
    } else {
        InputError::at(file, loc.line(), loc.column(), message)
    }
}

/// An error at the value `r` as written.
fn at<T>(file: &str, r: &Spanned<T>, message: impl Into<String>) -> InputError {
    at_loc(file, r.referenced, message)
}

/// Resolves names of people and teams to their index (sorted by name).
struct People<'a> {
    file: &'a str,
    names: Vec<&'a str>,
}

impl People<'_> {
    fn get(&self, r: &NameRef, role: &str) -> Result<PersonIndex, InputError> {
        self.names
            .iter()
            .position(|n| *n == r.value)
            .ok_or_else(|| {
                at(
                    self.file,
                    r,
                    format!(
                        "{role} {:?} is not defined under people (defined: {})",
                        r.value,
                        list(&self.names)
                    ),
                )
            })
    }
}

pub(super) fn validate(f: &ScenarioFile, file: &str) -> Result<Validated, InputError> {
    let run = run(file, &f.run)?;
    let build = build(file, &f.build)?;
    let people = people(file, f)?;
    let resolver = People {
        file,
        names: f.people.keys().map(String::as_str).collect(),
    };
    let commits = commits(file, &f.commits)?;
    let stages = stages::stages(file, f, &resolver)?;
    let incidents = incidents(file, &f.incidents)?;
    Ok(Validated {
        description: f.description.clone(),
        run,
        calendars: f.calendars.clone(),
        people,
        commits,
        build,
        stages,
        incidents,
        check: f.check.clone(),
    })
}

fn run(file: &str, r: &RunSpec) -> Result<Run, InputError> {
    let horizon = PositiveDuration::new(r.horizon.value)
        .ok_or_else(|| at(file, &r.horizon, "run.horizon must be longer than zero"))?;
    if r.warm_up.value.secs() >= horizon.secs() {
        return Err(at(
            file,
            &r.warm_up,
            format!(
                "run.warm_up ({}) must be shorter than run.horizon ({horizon})",
                r.warm_up.value
            ),
        ));
    }
    if horizon.secs() > 100.0 * 365.0 * 86_400.0 {
        return Err(at(
            file,
            &r.horizon,
            format!("run.horizon {horizon} is over 100 years"),
        ));
    }
    // The cron library finds no firing from the year 5000 on: a run there
    // would validate and never trigger a scheduled stage.
    let end = r
        .start
        .value
        .0
        .checked_add(jiff::SignedDuration::from_secs(horizon.secs() as i64))
        .ok();
    if r.start.value.0.year() < 1 || end.is_none_or(|e| e.year() > LAST_YEAR) {
        return Err(at(
            file,
            &r.start,
            format!(
                "run.start {} with run.horizon {horizon} runs past the supported years 1–{LAST_YEAR}: a run must end before {}-01-01",
                r.start.value.0,
                LAST_YEAR + 1
            ),
        ));
    }
    let replications = NonZeroU32::new(r.replications.value)
        .ok_or_else(|| at(file, &r.replications, "run.replications must be at least 1"))?;
    Ok(Run {
        start: r.start.value,
        time_zone: r.time_zone.clone(),
        horizon,
        horizon_at: (r.horizon.referenced.line() > 0)
            .then(|| (r.horizon.referenced.line(), r.horizon.referenced.column())),
        warm_up: r.warm_up.value,
        seed: r.seed,
        replications,
        max_commits: r.max_commits,
        max_events: r.max_events,
        max_precomputed: r.max_precomputed,
    })
}

fn build(file: &str, b: &BuildSpec) -> Result<Build, InputError> {
    let agents = NonZeroU32::new(b.agents.value)
        .ok_or_else(|| at(file, &b.agents, "build.agents must be at least 1"))?;
    if b.retries.value > MAX_RETRIES {
        return Err(at(
            file,
            &b.retries,
            format!("build.retries {} is above {MAX_RETRIES}", b.retries.value),
        ));
    }
    Ok(Build {
        batch: b.batch,
        agents,
        duration: b.duration.clone(),
        flaky_failure: b.flaky_failure,
        retries: b.retries.value,
        detect: b.detect,
    })
}

fn people(file: &str, f: &ScenarioFile) -> Result<Vec<Person>, InputError> {
    f.people
        .iter()
        .map(|(name, p)| {
            if let Some(c) = &p.calendar
                && !f.calendars.contains_key(&c.value)
            {
                return Err(at(
                    file,
                    c,
                    format!(
                        "person {name:?} uses calendar {:?}, which is not defined under calendars",
                        c.value
                    ),
                ));
            }
            Ok(Person {
                name: name.clone(),
                calendar: p.calendar.as_ref().map(|c| c.value.clone()),
                reaction: p.reaction.clone(),
                members: p.members.map_or(1, |m| m.get()),
                queue: p.queue,
            })
        })
        .collect()
}

fn commits(file: &str, spanned: &Spanned<CommitsSpec>) -> Result<Commits, InputError> {
    let c = &spanned.value;
    let volume = || {
        Positive::new(c.volume.value)
            .ok_or_else(|| at(file, &c.volume, "commits.volume must be a positive number"))
    };
    let (stream, volume) = match (&c.poisson, &c.replay) {
        (Some(_), Some(_)) => {
            return Err(at(
                file,
                spanned,
                "commits: give either poisson or replay, not both",
            ));
        }
        (None, None) => {
            return Err(at(
                file,
                spanned,
                "commits: give a stream, poisson (synthetic) or replay (a history)",
            ));
        }
        (Some(p), None) => {
            let volume = volume()?;
            (Stream::Poisson(poisson(file, p)?), volume)
        }
        (None, Some(r)) => {
            let volume = volume()?;
            (Stream::Replay(replay(file, r)?), volume)
        }
    };
    let s = &c.defects.severity;
    let w = &s.value;
    if [w.minor, w.major, w.critical]
        .iter()
        .any(|w| !(w.is_finite() && *w >= 0.0))
        || w.minor + w.major + w.critical <= 0.0
    {
        return Err(at(
            file,
            s,
            "commits.defects.severity weights must be non-negative and not all zero",
        ));
    }
    Ok(Commits {
        stream,
        volume,
        defects: Defects {
            probability: c.defects.probability,
            severity: w.clone(),
            fix_time: c.defects.fix_time.clone(),
        },
    })
}

fn poisson(file: &str, spanned: &Spanned<PoissonSpec>) -> Result<Poisson, InputError> {
    let p = &spanned.value;
    let needs =
        "commits.poisson needs per_day > 0 or team {developers, commits_per_developer_per_day}";
    let rate = match (&p.per_day, &p.team) {
        (Some(_), Some(t)) => {
            return Err(at(
                file,
                t,
                "commits.poisson: give per_day or team, not both",
            ));
        }
        (Some(r), None) => Rate::PerDay(Positive::new(r.value).ok_or_else(|| at(file, r, needs))?),
        (None, Some(t)) => {
            let bad = || at(file, t, needs);
            Rate::Team {
                developers: NonZeroU32::new(t.value.developers).ok_or_else(bad)?,
                // Above zero, as before; an infinite rate is refused here
                // rather than by the runaway guard.
                commits_per_developer_per_day: Positive::new(t.value.commits_per_developer_per_day)
                    .ok_or_else(bad)?,
            }
        }
        (None, None) => return Err(at(file, spanned, needs)),
    };
    let push_size = match &p.push_size {
        Some(size) if !(size.value.is_finite() && size.value >= 1.0) => {
            return Err(at(
                file,
                size,
                "commits.poisson.push_size must be a number of at least 1",
            ));
        }
        Some(size) => size.value,
        None => 1.0,
    };
    let hours = weights(
        file,
        p.hours.as_ref(),
        24,
        "commits.poisson.hours must be 24 non-negative weights, not all zero",
    )?;
    let weekdays = weights(
        file,
        p.weekdays.as_ref(),
        7,
        "commits.poisson.weekdays must be 7 non-negative weights (Monday first), not all zero",
    )?;
    Ok(Poisson {
        rate,
        hours,
        weekdays,
        push_size,
    })
}

/// `n` non-negative weights, not all zero; all 1 when not written.
fn weights(
    file: &str,
    w: Option<&Spanned<Vec<f64>>>,
    n: usize,
    message: &str,
) -> Result<Vec<f64>, InputError> {
    match w {
        None => Ok(vec![1.0; n]),
        Some(w)
            if w.value.len() != n
                || w.value.iter().any(|x| !(x.is_finite() && *x >= 0.0))
                || w.value.iter().sum::<f64>() <= 0.0 =>
        {
            Err(at(file, w, message))
        }
        Some(w) => Ok(w.value.clone()),
    }
}

fn replay(file: &str, spanned: &Spanned<ReplaySpec>) -> Result<Replay, InputError> {
    let r = &spanned.value;
    let history = match (&r.csv, &r.git_log) {
        (Some(path), None) => History::Csv {
            path: path.clone(),
            timestamp_column: r.timestamp_column.clone(),
            defect_column: r.defect_column.clone(),
        },
        (None, Some(path)) => History::GitLog { path: path.clone() },
        _ => {
            return Err(at(
                file,
                spanned,
                "commits.replay: give exactly one of csv or git_log",
            ));
        }
    };
    Ok(Replay {
        history,
        align_to_start: r.align_to_start,
    })
}

fn incidents(file: &str, i: &IncidentSpec) -> Result<Incidents, InputError> {
    let message = "incidents: detection rates and users must be non-negative numbers";
    let r = i.detect_per_hour.value;
    if [r.minor, r.major, r.critical]
        .iter()
        .any(|x| !(x.is_finite() && *x >= 0.0))
    {
        return Err(at(file, &i.detect_per_hour, message));
    }
    if i.users.value.is_nan() || i.users.value < 0.0 {
        return Err(at(file, &i.users, message));
    }
    let flags = match (&i.flag_ramp, &i.flags) {
        (Some(_), Some(f)) => {
            return Err(at(
                file,
                f,
                "incidents: give `flags` or the older `flag_ramp`, not both",
            ));
        }
        (Some(ramp), None) => Some(Flags {
            share: 1.0,
            ramp: flag_ramp(file, ramp, "incidents.flag_ramp")?,
            kill_switch: None,
        }),
        (None, Some(f)) => Some(Flags {
            share: f.value.share.map_or(1.0, |p| p.0),
            ramp: flag_ramp(file, &f.value.ramp, "incidents.flags.ramp")?,
            kill_switch: f.value.kill_switch.clone(),
        }),
        (None, None) => None,
    };
    Ok(Incidents {
        users: i.users.value,
        detect_per_hour: r,
        rollback: i.rollback.clone(),
        flags,
        traffic: i
            .traffic
            .as_ref()
            .map(|t| traffic(file, t))
            .transpose()?
            .flatten(),
    })
}

fn flag_ramp(
    file: &str,
    ramp: &Spanned<Vec<FlagStep>>,
    key: &str,
) -> Result<Vec<FlagStep>, InputError> {
    let mut last = -1.0;
    for step in &ramp.value {
        if !(0.0..=100.0).contains(&step.percent) || step.after.secs() < last {
            return Err(at(
                file,
                ramp,
                format!("{key}: percentages must be within 0–100 and times increasing"),
            ));
        }
        last = step.after.secs();
    }
    if ramp.value.is_empty() {
        return Err(at(file, ramp, format!("{key}: give at least one step")));
    }
    Ok(ramp.value.clone())
}

/// `None` when the profile is flat at 1 (the engine's exact fast path).
fn traffic(file: &str, t: &Spanned<TrafficSpec>) -> Result<Option<Traffic>, InputError> {
    let factors = |w: Option<&Spanned<Vec<f64>>>, n: usize, what: &str| match w {
        None => Ok(vec![1.0; n]),
        Some(w) if w.value.len() != n || w.value.iter().any(|x| !(x.is_finite() && *x >= 0.0)) => {
            Err(at(file, w, format!("incidents.traffic.{what}")))
        }
        Some(w) => Ok(w.value.clone()),
    };
    let hours = factors(
        t.value.hours.as_ref(),
        24,
        "hours must be 24 non-negative factors of `users`, hour 0 first",
    )?;
    let weekdays = factors(
        t.value.weekdays.as_ref(),
        7,
        "weekdays must be 7 non-negative factors of `users`, Monday first",
    )?;
    let mut peaks = Vec::new();
    for p in &t.value.peaks {
        let v = &p.value;
        if !(v.factor.is_finite() && v.factor >= 0.0) || v.to <= v.from {
            return Err(at(
                file,
                p,
                "incidents.traffic.peaks: each needs `from` before `to` and a non-negative `factor`",
            ));
        }
        peaks.push(Peak {
            name: v.name.clone(),
            from: v.from,
            to: v.to,
            factor: v.factor,
        });
    }
    let flat =
        hours.iter().chain(&weekdays).all(|&x| x == 1.0) && peaks.iter().all(|p| p.factor == 1.0);
    Ok((!flat).then_some(Traffic {
        hours,
        weekdays,
        peaks,
    }))
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A scenario with `commits` and `prod` (the production stage's extra keys) filled in.
    fn valid(commits: &str, prod: &str) -> Validated {
        let text = format!(
            "run: {{start: 2026-01-05, horizon: 10d}}\npeople: {{ann: {{}}, bob: {{}}}}\n\
             commits: {commits}\nbuild: {{duration: 5m}}\n\
             stages:\n  - name: dev\n  - name: prod\n{prod}"
        );
        crate::scenario::parse(&text, Path::new("t.yaml"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
            .file
    }

    fn strategy(prod: &str) -> Strategy {
        valid("{poisson: {per_day: 5}}", prod).stages[1]
            .strategy
            .clone()
    }

    #[test]
    fn each_exclusive_pair_becomes_one_variant() {
        let v = valid("{poisson: {per_day: 5}}", "");
        let Stream::Poisson(p) = &v.commits.stream else {
            panic!("poisson expected")
        };
        assert!(matches!(p.rate, Rate::PerDay(r) if r.get() == 5.0));
        assert_eq!((p.hours.len(), p.weekdays.len(), p.push_size), (24, 7, 1.0));

        let v = valid(
            "{poisson: {team: {developers: 4, commits_per_developer_per_day: 1.5}}}",
            "",
        );
        let Stream::Poisson(p) = &v.commits.stream else {
            panic!("poisson expected")
        };
        assert_eq!(p.rate.commits_per_day(), 6.0);

        let v = valid("{replay: {git_log: h.log}, volume: 3}", "");
        let Stream::Replay(r) = &v.commits.stream else {
            panic!("replay expected")
        };
        assert!(matches!(&r.history, History::GitLog { path } if path == "h.log"));
        assert_eq!(v.commits.volume.get(), 3.0);

        let s = strategy("    strategy: {rolling: {max_parallel: 30%, batch_duration: 1m}}\n");
        let Strategy::Rolling(r) = s else {
            panic!("rolling expected")
        };
        assert!(matches!(r.size, RollingSize::MaxParallel(_)));
        assert_eq!(r.size.batches(), 4);
    }

    #[test]
    fn canaries_resolve_their_shape_and_people() {
        let s = strategy(
            "    strategy: {canary: {steps: [{set_weight: 5}, {pause: {}}, {analysis: {interval: 5m, count: 0}}], promoter: bob}}\n",
        );
        let Strategy::Canary(Canary {
            plan: CanaryPlan::Steps(steps),
            ..
        }) = s
        else {
            panic!("Argo steps expected")
        };
        assert!(matches!(steps[1], CanaryStep::Promote(1)), "bob is index 1");
        // `count: 0` has always meant one measurement.
        assert!(matches!(steps[2], CanaryStep::Analysis { count, .. } if count.get() == 1));

        let s =
            strategy("    strategy: {canary: {step_weight: 15, max_weight: 50, interval: 1m}}\n");
        let Strategy::Canary(Canary {
            plan: CanaryPlan::Flagger {
                weights, threshold, ..
            },
            ..
        }) = s
        else {
            panic!("Flagger weights expected")
        };
        assert_eq!(weights, [15.0, 30.0, 45.0]);
        assert_eq!(threshold.get(), 1);
    }

    #[test]
    fn defaults_have_no_place_and_are_named_by_file_only() {
        let e = at_loc("t.yaml", Location::UNKNOWN, "m");
        assert_eq!((e.line, e.column), (None, None));
    }
}
