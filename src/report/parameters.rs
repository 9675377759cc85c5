//! The scenario's parameters in plain words, for the HTML page and
//! `report.md`: the pipeline, each stage's trigger, checks and strategy, the
//! people and the incidents, as a reader of the report needs them.

use crate::model::{Batch, LockPolicy};
use crate::model::{Model, RolloutStep, StrategyKind, Trigger};
use crate::report::number::{fmt_num, pct};

/// A duration in seconds as people write it: "90 s", "15 min", "3.5 h", "2 d".
fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "—".into();
    }
    if secs < 120.0 {
        format!("{} s", fmt_num(secs))
    } else if secs < 2.0 * 3600.0 {
        format!("{} min", fmt_num(secs / 60.0))
    } else if secs < 2.0 * 86_400.0 {
        format!("{} h", fmt_num(secs / 3600.0))
    } else {
        format!("{} d", fmt_num(secs / 86_400.0))
    }
}

/// A cron string in words when it is a plain daily or weekday time.
pub fn cron_words(cron: &str) -> String {
    let f: Vec<&str> = cron.split_whitespace().collect();
    if let [m, h, "*", "*", dow] = f[..]
        && let (Ok(m), Ok(h)) = (m.parse::<u32>(), h.parse::<u32>())
    {
        let days = match dow {
            "*" => "every day",
            "1-5" | "MON-FRI" | "mon-fri" => "on weekdays",
            _ => return format!("the schedule “{cron}”"),
        };
        return format!("{days} at {h:02}:{m:02}");
    }
    format!("the schedule “{cron}”")
}

/// The short name of a schedule: "the 03:00 schedule".
pub(super) fn schedule_name(cron: &str) -> String {
    let w = cron_words(cron);
    match w.rsplit_once(" at ") {
        Some((_, time)) => format!("the {time} schedule"),
        None => w,
    }
}

fn upstream(model: &Model, s: usize) -> String {
    let deps = &model.stages[s].deps;
    if deps.is_empty() {
        "the build".into()
    } else {
        deps.iter()
            .map(|&d| model.stages[d].name.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// The scenario's parameters in plain words: (topic, sentence).
pub fn rows(model: &Model) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let days = model.horizon.hours() / 24.0;
    let start = model.clock.start_zoned();
    out.push((
        "Run".to_string(),
        format!(
            "{} replications of {} days from {} ({}); the first {} days are warm-up and not counted; seed {}.",
            model.replications,
            fmt_num(days),
            start.datetime().strftime("%Y-%m-%d %H:%M"),
            model.clock.tz().iana_name().unwrap_or("UTC"),
            fmt_num(model.warm_up.hours() / 24.0),
            model.seed
        ),
    ));
    let arrivals = match &model.arrivals {
        crate::model::Arrivals::Poisson(_) => format!(
            "A synthetic stream of about {} commits per replication (about {} a day on average).",
            fmt_num(model.expected_commits),
            fmt_num(model.expected_commits / days.max(1e-9))
        ),
        crate::model::Arrivals::Replay { commits, volume } => format!(
            "A replayed history of {} commits at {}× its volume.",
            commits.len(),
            fmt_num(*volume)
        ),
    };
    out.push((
        "Commits".to_string(),
        format!(
            "{arrivals} {} of commits introduce a defect; its fix lands about {} after it is found.",
            pct(model.defects.probability),
            duration(model.defects.fix_time.mean())
        ),
    ));
    let b = &model.build;
    let batching = match b.batch {
        Batch::None => "one build per push",
        Batch::Build => "pushes that arrive while a build runs are batched into the next build",
        _ => "pushes wait until the whole previous run has finished, then build together",
    };
    out.push((
        "Build".to_string(),
        capitalise(&format!(
            "{batching}; {} agent{}; a build takes about {}, fails flakily {} of the time ({} retr{}); unit tests catch {} of minor, {} of major and {} of critical defects.",
            b.agents,
            if b.agents == 1 { "" } else { "s" },
            duration(b.duration.mean()),
            pct(b.flaky_failure),
            b.retries,
            if b.retries == 1 { "y" } else { "ies" },
            pct(b.detect.0[0]),
            pct(b.detect.0[1]),
            pct(b.detect.0[2]),
        )),
    ));
    for s in 0..model.stages.len() {
        out.push(stage_words(model, s));
    }
    let inc = &model.incidents;
    out.push((
        "Incidents".to_string(),
        format!(
            "{} users; monitoring notices a defect running for all users in about {} (minor), {} (major), {} (critical); a rollback {} {}.",
            fmt_num(inc.users),
            rate_words(inc.monitoring[0]),
            rate_words(inc.monitoring[1]),
            rate_words(inc.monitoring[2]),
            // Blue-green switches back while the old colour runs: only a
            // redeploy takes `incidents.rollback`.
            if model
                .stages
                .iter()
                .any(|st| st.production && st.strategy.kind == StrategyKind::BlueGreen)
            {
                "that redeploys an older release (the old colour is gone) is"
            } else {
                "is"
            },
            match inc.rollback.mean() {
                0.0 => "instant".to_string(),
                m => format!("done in about {}", duration(m)),
            }
        ) + &incident_extras(model),
    ));
    out
}

/// Traffic over time and feature flags, when the scenario has them.
fn incident_extras(model: &Model) -> String {
    let inc = &model.incidents;
    let mut out = String::new();
    if let Some(t) = &inc.traffic {
        let (a, b) = (model.warm_up.secs(), model.horizon.secs());
        out.push_str(&format!(
            " Users online follow a traffic profile (hour of day, weekday, dated peaks): {} times that on average over the counted days, at most {} times; exposure and detection follow the traffic served.",
            fmt_num(t.mean_between(a, b)),
            fmt_num(t.max_between(a, b))
        ));
    }
    if let Some(f) = &inc.flags {
        let last = f.ramp.last().map_or(0.0, |r| r.1);
        out.push_str(&format!(
            " {} of the changes ship behind a feature flag, reaching {} of their users after {}",
            pct(f.share),
            pct(last),
            duration(f.ramp.last().map_or(0.0, |r| r.0))
        ));
        out.push_str(&match &f.kill_switch {
            Some(k) => format!(
                "; a kill switch turns a detected one off in about {} instead of a rollback.",
                duration(k.mean())
            ),
            None => "; a detected one is rolled back like any other.".into(),
        });
    } else {
        // Said, so a comparison with a flagged variant shows what changed.
        out.push_str(" No feature flags: a change reaches every user of a release that runs it.");
    }
    out
}

/// One stage in words: its trigger, checks, lock, deployment, verification and
/// (in production) its rollout.
fn stage_words(model: &Model, s: usize) -> (String, String) {
    let st = &model.stages[s];
    let up = upstream(model, s);
    let mut parts = vec![match &st.trigger {
        Trigger::Auto => format!("deploys automatically when {up} succeeds"),
        Trigger::Schedule { cron, .. } => format!(
            "deploys the newest release that passed {up}, {}",
            cron_words(cron)
        ),
        Trigger::Manual { person, reaction } => format!(
            "{} deploys by hand a release that passed {up} (reacting in about {}, in working hours)",
            model.people[*person].name,
            duration(reaction.mean())
        ),
    }];
    if st.soak > 0.0 {
        parts.push(format!(
            "takes a release only once it has run {} upstream (soak)",
            duration(st.soak)
        ));
    }
    if let Some(a) = &st.approval {
        let names = approvers(model, a);
        parts.push(format!(
            "needs approval by {}{} (rejects {}, times out after {})",
            if a.min as usize >= names.len() || names.len() == 1 {
                String::new()
            } else {
                format!("{} of ", a.min)
            },
            names.join(", "),
            pct(a.rejection),
            duration(a.timeout.secs())
        ));
    }
    if let Some(g) = &st.gates {
        parts.push(format!(
            "gates re-checked every {} until they pass (timeout {}){}",
            duration(g.interval.secs()),
            duration(g.timeout.secs()),
            if g.no_open_defects {
                ", including “no open defects”"
            } else {
                ""
            }
        ));
    }
    if st.window.is_some() {
        parts.push("deploys only inside its window (business hours, outside freezes)".into());
    }
    parts.push(match st.lock {
        LockPolicy::RunLatest => {
            "one release at a time, only the newest waiting one keeps its place".into()
        }
        LockPolicy::Sequential => "one release at a time, waiting releases in order".into(),
    });
    let mut deploy = format!(
        "a deployment takes about {}{}",
        duration(st.deploy_duration.mean()),
        if st.deploy_agent {
            " on a build agent"
        } else {
            ""
        }
    );
    if st.deploy_failure > 0.0 {
        // Each attempt fails so often; the release fails when every retry does.
        let n = st.deploy_retries;
        deploy.push_str(&format!(
            " and an attempt fails {} of the time ({n} retr{}, so {} of releases fail)",
            pct(st.deploy_failure),
            if n == 1 { "y" } else { "ies" },
            pct(st.deploy_failure.powi(n as i32 + 1))
        ));
    }
    parts.push(deploy);
    if !st.verify.is_empty() {
        let steps: Vec<String> = st
            .verify
            .iter()
            .map(|v| match v.by {
                Some(p) => format!(
                    "{} by {} (about {})",
                    v.name,
                    model.people[p].name,
                    duration(v.duration.mean())
                ),
                None => format!(
                    "{} (about {}{})",
                    v.name,
                    duration(v.duration.mean()),
                    if v.agent { ", on a build agent" } else { "" }
                ),
            })
            .collect();
        parts.push(format!("then {}", steps.join(", then ")));
    }
    if st.production {
        parts.push(strategy_words(model, st));
        let k = model.production.iter().position(|&p| p == s);
        if let (Some(k), Some(shares)) = (k, &model.production_shares) {
            parts.push(format!("serves {} of the users", pct(shares[k])));
        }
    }
    let title = if st.title.is_empty() || st.title == st.name {
        st.name.clone()
    } else {
        format!("{} ({})", st.name, st.title)
    };
    (
        format!("Stage {title}"),
        capitalise(&parts.join("; ")) + ".",
    )
}

/// The names of an approval's approvers.
pub(super) fn approvers<'m>(model: &'m Model, a: &crate::model::Approval) -> Vec<&'m str> {
    a.approvers
        .iter()
        .map(|&p| model.people[p].name.as_str())
        .collect()
}

/// The mean time to detection at 100 % exposure, from the model's rate per second.
fn rate_words(per_second: f64) -> String {
    if per_second > 0.0 {
        duration(1.0 / per_second)
    } else {
        "never".into()
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn strategy_words(model: &Model, st: &crate::model::StageModel) -> String {
    let sg = &st.strategy;
    let promoter = sg.steps.iter().find_map(|s| match s {
        RolloutStep::Promote(p) => Some(model.people[*p].name.as_str()),
        _ => None,
    });
    match sg.kind {
        StrategyKind::AllAtOnce => "all users move to the new release at once".into(),
        StrategyKind::Rolling => {
            let n = sg
                .steps
                .iter()
                .filter(|s| matches!(s, RolloutStep::Batch { .. }))
                .count();
            format!("a rolling update in {n} batches")
        }
        StrategyKind::BlueGreen => {
            let post = sg.steps.iter().find_map(|s| match s {
                RolloutStep::Analysis {
                    interval,
                    count,
                    delay,
                    ..
                } => Some(format!(
                    ", then {}{count} analysis measurement{} {} apart with every user on it",
                    if *delay > 0.0 {
                        format!("after {}, ", duration(*delay))
                    } else {
                        String::new()
                    },
                    if *count == 1 { "" } else { "s" },
                    duration(*interval)
                )),
                _ => None,
            });
            format!(
                "blue-green: deploy to the idle colour, {}switch traffic in {}{}; the old colour runs on for {} so a rollback is a switch back, until the next release is deployed to that colour",
                match promoter {
                    Some(p) =>
                        format!("{p} promotes the validated colour (in working hours), then "),
                    None if sg.promotion_delay > 0.0 => format!(
                        "promote it automatically {} after it is ready, then ",
                        duration(sg.promotion_delay)
                    ),
                    None => String::new(),
                },
                duration(sg.switch),
                post.unwrap_or_default(),
                duration(sg.scale_down_delay)
            )
        }
        StrategyKind::Canary => {
            let weights: Vec<String> = sg
                .steps
                .iter()
                .filter_map(|s| match s {
                    RolloutStep::Weight(w) => Some(format!("{} %", fmt_num(w * 100.0))),
                    _ => None,
                })
                .collect();
            let analysis = sg
                .steps
                .iter()
                .any(|s| matches!(s, RolloutStep::Analysis { .. }));
            let background = sg.background.map_or(String::new(), |b| {
                format!(
                    ", and a background analysis every {} from step {} on{} that aborts after {} failed measurement{}",
                    duration(b.interval),
                    b.from_step,
                    if b.delay > 0.0 {
                        format!(" (after {})", duration(b.delay))
                    } else {
                        String::new()
                    },
                    b.failure_limit + 1,
                    if b.failure_limit == 0 { "" } else { "s" }
                ) + &if b.inconclusive > 0.0 {
                    let n = b.inconclusive_limit + 1;
                    let who = sg
                        .resumer
                        .map_or("the promoter", |p| model.people[p].name.as_str());
                    format!(
                        " and pauses the rollout until {who} resumes it after {n} inconclusive one{} ({} % of measurements)",
                        if n == 1 { "" } else { "s" },
                        fmt_num(b.inconclusive * 100.0)
                    )
                } else {
                    String::new()
                }
            });
            format!(
                "canary: traffic {}{}{background}",
                weights.join(" → "),
                if analysis {
                    ", with automated analysis that aborts on anomalies"
                } else {
                    ""
                }
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_parameters_say_the_mean_time_to_detection() {
        let yaml = "run: {start: 2026-01-05, horizon: 10d}\ncommits: {poisson: {per_day: 5}}\nbuild: {duration: 5m}\n\
                    stages: [{name: prod}]\nincidents: {detect_per_hour: {minor: 0.02, major: 0.5, critical: 2}, rollback: 10m}\n";
        let s = crate::scenario::parse(yaml, std::path::Path::new("t.yaml")).expect("valid");
        let m = crate::model::compile(&s).expect("compiles");
        let words = rows(&m)
            .into_iter()
            .find(|(k, _)| k == "Incidents")
            .expect("incidents row")
            .1;
        // 1 / 0.02 per hour = 50 h = 2.08 d; 1 / 0.5 = 2 h; 1 / 2 = 30 min.
        assert!(
            words.contains("2.08 d (minor), 2 h (major), 30 min (critical)"),
            "{words}"
        );
    }
}
