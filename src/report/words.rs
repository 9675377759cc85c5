//! Results in plain words, shared by the HTML page and `report.md`: the key
//! figures with their intervals, and a few generated sentences that say what
//! dominates. The scenario's parameters in words are in `parameters`.

use super::parameters::{approvers, schedule_name};
use crate::experiment::Summary;
use crate::metrics::{StagePart, Where};
use crate::model::{Model, Trigger};
use crate::report::number::{fmt_num, pct};

fn mean(s: &Summary, key: &str) -> f64 {
    s.get(key).map_or(f64::NAN, |m| m.mean)
}

fn ci(s: &Summary, key: &str) -> f64 {
    s.get(key).map_or(f64::NAN, |m| m.ci95)
}

/// "12.3 ± 0.4", or "—" when undefined.
pub fn pm(value: f64, ci95: f64) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let half = fmt_num(ci95);
    if ci95.is_finite() && ci95 > 0.0 && half != "0" {
        format!("{} ± {half}", fmt_num(value))
    } else {
        fmt_num(value)
    }
}

/// One row of the key-figures table.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFigure {
    pub label: &'static str,
    /// "52.2 ± 0.9", or a band name.
    pub value: String,
    pub unit: &'static str,
}

/// The key figures, each with its 95 % interval.
pub fn key_figures(s: &Summary) -> Vec<KeyFigure> {
    key_figures_with(s, Optional::of(&[s]))
}

/// The key figures of several scenarios or points, row for row: a row one of
/// them shows (canary analysis, false alarms), every one shows.
pub fn key_figure_rows(summaries: &[&Summary]) -> Vec<Vec<KeyFigure>> {
    let optional = Optional::of(summaries);
    summaries
        .iter()
        .map(|s| key_figures_with(s, optional))
        .collect()
}

/// Which rows that only some scenarios have are shown.
#[derive(Clone, Copy)]
struct Optional {
    canary: bool,
    false_alarms: bool,
    pauses: bool,
}

impl Optional {
    fn of(summaries: &[&Summary]) -> Optional {
        let any = |key| summaries.iter().any(|s| mean(s, key) > 0.0);
        Optional {
            canary: any("canary.runs"),
            false_alarms: any("canary.false_alarms"),
            pauses: any("canary.inconclusive_pauses"),
        }
    }
}

fn key_figures_with(s: &Summary, optional: Optional) -> Vec<KeyFigure> {
    let row = |label, key: &str, unit, scale: f64| KeyFigure {
        label,
        value: pm(mean(s, key) * scale, ci(s, key) * scale),
        unit,
    };
    let mut figures = vec![
        row("Lead time, median (p50)", "lead_time.p50", "h", 1.0),
        row("Lead time, 95th percentile", "lead_time.p95", "h", 1.0),
        row("Lead time, mean", "lead_time.mean", "h", 1.0),
        row(
            "Production deployments",
            "production.deploys_per_week",
            "per week",
            1.0,
        ),
        row(
            "Commits per production deployment",
            "production.commits_per_deploy",
            "commits",
            1.0,
        ),
        row(
            "Change failure rate",
            "production.change_failure_rate",
            "%",
            100.0,
        ),
        row(
            "Incidents (defects users saw)",
            "incidents.count",
            "per replication",
            1.0,
        ),
        row(
            "Blast radius per incident",
            "blast_radius.share_hours",
            "share·h",
            1.0,
        ),
        row(
            "Peak share of users per incident",
            "blast_radius.peak_share",
            "%",
            100.0,
        ),
        row(
            "Peak users exposed per incident",
            "blast_radius.peak_users",
            "users",
            1.0,
        ),
        row(
            "Time to restore: hours users ran it until restored (DORA)",
            "restore.from_exposure",
            "h",
            1.0,
        ),
        row(
            "Time to restore, from detection",
            "restore.from_detection",
            "h",
            1.0,
        ),
    ];
    // Canary analysis figures only where a canary ran an analysis.
    if optional.canary {
        figures.push(row("Analysis runs", "canary.runs", "per week", 1.0));
    }
    if optional.false_alarms {
        figures.extend([
            row(
                "Canary false alarms (no defect found)",
                "canary.false_alarms",
                "per week",
                1.0,
            ),
            row(
                "Hours a false alarm held the release",
                "canary.false_alarm_cost",
                "h",
                1.0,
            ),
        ]);
    }
    if optional.pauses {
        figures.push(row(
            "Rollouts paused on inconclusive analysis",
            "canary.inconclusive_pauses",
            "per week",
            1.0,
        ));
    }
    figures.push(KeyFigure {
        label: "DORA performance band",
        value: s.dora.overall.map_or("—".into(), |b| b.name().to_string()),
        unit: "",
    });
    figures
}

/// One `where.*` component: what, mean hours, interval, share of lead time.
#[derive(Debug, Clone, PartialEq)]
pub struct WhereRow {
    pub key: String,
    pub what: String,
    pub mean: f64,
    pub ci95: f64,
    pub share: f64,
}

/// Every `where.*` component, in pipeline order.
pub fn where_rows(model: &Model, s: &Summary) -> Vec<WhereRow> {
    crate::report::figures::where_keys(s)
        .into_iter()
        .map(|(_, _, w)| where_row(model, s, w))
        .collect()
}

fn where_row(model: &Model, s: &Summary, w: Where) -> WhereRow {
    let key = w.key();
    let m = mean(s, &key);
    WhereRow {
        what: where_words(model, w),
        mean: m,
        ci95: ci(s, &key),
        share: m / mean(s, "lead_time.mean"),
        key,
    }
}

/// A stage's part no commit spent any time in, in any replication (a check the
/// stage has not, an agent it does not take): the tables leave it out and say
/// how many they left out. The build's rows always stay.
pub fn never_spent(s: &Summary, w: &Where) -> bool {
    matches!(w, Where::Stage(..))
        && s.get(&w.key())
            .is_some_and(|m| m.max == 0.0 && m.min == 0.0)
}

/// The rows of the "where the time goes" tables: [`where_rows`] without the
/// stage parts no commit spent time in, and how many those were.
pub fn where_table(model: &Model, s: &Summary) -> (Vec<WhereRow>, usize) {
    let (spent, never): (Vec<_>, Vec<_>) = crate::report::figures::where_keys(s)
        .into_iter()
        .map(|(_, _, w)| w)
        .partition(|w| !never_spent(s, w));
    let rows = spent.into_iter().map(|w| where_row(model, s, w)).collect();
    (rows, never.len())
}

/// The note under a "where the time goes" table that left rows out.
pub fn left_out_note(left_out: usize) -> Option<String> {
    (left_out > 0).then(|| {
        format!(
            "{left_out} stage parts where no commit spent any time (in any replication) are left out."
        )
    })
}

/// What a `where.*` part means for this scenario, as the end of a sentence.
pub fn where_words(model: &Model, w: Where) -> String {
    let (stage, part) = match w {
        Where::BeforeBuild => {
            return "waiting before its build (batching, rework after a rejection)".into();
        }
        Where::AgentWait => return "waiting for a build agent".into(),
        Where::Building => return "building".into(),
        Where::Stage(stage, part) => (stage, part),
    };
    let Some(st) = model.stages.iter().find(|s| s.name == stage) else {
        return format!("{stage}: {}", part.key());
    };
    match part {
        StagePart::Trigger => match &st.trigger {
            Trigger::Schedule { cron, .. } => {
                format!("waiting for {} of {stage}", schedule_name(cron))
            }
            Trigger::Manual { person, .. } => format!(
                "waiting for {} to deploy to {stage} by hand",
                model.people[*person].name
            ),
            Trigger::Auto => format!("waiting for {stage}'s automatic trigger"),
        },
        StagePart::Checks => {
            let mut what = Vec::new();
            if let Some(a) = &st.approval {
                let names = approvers(model, a);
                what.push(format!("approval by {}", names.join(", ")));
            }
            if st.gates.is_some() {
                what.push("gates".into());
            }
            if what.is_empty() {
                format!("waiting for {stage}'s checks")
            } else {
                format!("waiting for {} before {stage}", what.join(" and "))
            }
        }
        StagePart::Window => {
            format!("waiting for {stage}'s deployment window (business hours, freezes) to open")
        }
        StagePart::Lock => {
            format!(
                "waiting for {stage}'s lock (a release without the commit deploying or being tested there)"
            )
        }
        StagePart::Agent => {
            format!("waiting at {stage} for a free agent (builds and deploy jobs share them)")
        }
        StagePart::Person => {
            let mut who: Vec<&str> = st
                .verify
                .iter()
                .filter_map(|v| v.by.map(|p| model.people[p].name.as_str()))
                .collect();
            if let Some(a) = st.approval.as_ref().filter(|a| a.effort.is_some()) {
                who.extend(a.approvers.iter().map(|&p| model.people[p].name.as_str()));
            }
            who.dedup();
            if who.is_empty() {
                format!("waiting at {stage} for a busy person")
            } else {
                format!(
                    "waiting at {stage} for {} to finish other tasks",
                    who.join(" and ")
                )
            }
        }
        StagePart::OffHours => {
            let mut who: Vec<&str> = st
                .verify
                .iter()
                .filter_map(|v| v.by.map(|p| model.people[p].name.as_str()))
                .collect();
            if let Trigger::Manual { person, .. } = &st.trigger {
                who.insert(0, model.people[*person].name.as_str());
            }
            who.dedup();
            if who.is_empty() {
                format!("waiting at {stage} for a person outside their working hours")
            } else {
                format!(
                    "waiting at {stage} for {} outside working hours",
                    who.join(" and ")
                )
            }
        }
        StagePart::Rework => format!(
            "rework at {stage}: an earlier release with the commit was rejected, failed or aborted there, and the next one was on its way"
        ),
        StagePart::Executing => {
            let manual: Vec<String> = st
                .verify
                .iter()
                .filter_map(|v| {
                    v.by.map(|p| format!("{} by {}", v.name, model.people[p].name))
                })
                .collect();
            if manual.is_empty() {
                format!("deploying and verifying in {stage}")
            } else {
                format!(
                    "deploying and verifying in {stage} (including {}: their working time)",
                    manual.join(", ")
                )
            }
        }
    }
}

/// A few sentences that say what dominates: the biggest parts of lead time,
/// the DORA band, incidents and blast radius, the longest queue.
pub fn findings(model: &Model, s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let total = mean(s, "lead_time.mean");
    let mut rows = where_rows(model, s);
    rows.retain(|r| r.mean.is_finite() && r.mean > 0.0);
    rows.sort_by(|a, b| b.mean.total_cmp(&a.mean));
    if let Some(top) = rows.first()
        && total > 0.0
    {
        let mut sentence = format!(
            "{} of lead time ({} h of a mean {} h) is {}.",
            pct_round(top.share),
            fmt_num(top.mean),
            fmt_num(total),
            top.what
        );
        if let Some(next) = rows.get(1) {
            sentence.push_str(&format!(
                " Next comes {}: {}.",
                pct_round(next.share),
                next.what
            ));
        }
        out.push(sentence);
        let work: f64 = rows
            .iter()
            .filter(|r| r.key.ends_with(".executing"))
            .map(|r| r.mean)
            .sum();
        out.push(format!(
            "Altogether {} of lead time is waiting (for agents, triggers, checks, windows, locks, people off work and rework) and {} is building, deploying and testing.",
            pct_round(1.0 - work / total),
            pct_round(work / total)
        ));
    }
    let p50 = mean(s, "lead_time.p50");
    if p50.is_finite() {
        out.push(format!(
            "Half of the commits run for every user within {} h of being pushed; 95 % within {} h.",
            pm(p50, ci(s, "lead_time.p50")),
            pm(mean(s, "lead_time.p95"), ci(s, "lead_time.p95"))
        ));
    }
    out.push(dora_sentence(s));
    out.push(incident_sentence(model, s));
    let q = s
        .stages
        .iter()
        .map(|st| (st, mean(s, &format!("stage.{st}.queue.mean"))))
        .filter(|(_, v)| v.is_finite())
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((st, v)) = q
        && v >= 0.05
    {
        out.push(format!(
            "Releases queue longest before {st}: {} waiting on average; the longest queue of a replication averages {}.",
            fmt_num(v),
            fmt_num(mean(s, &format!("stage.{st}.queue.max")))
        ));
    }
    out
}

fn pct_round(share: f64) -> String {
    crate::report::number::percent(share)
}

fn dora_sentence(s: &Summary) -> String {
    let d = &s.dora;
    let Some(overall) = d.overall else {
        return "There is too little data for a DORA performance band.".into();
    };
    let mut parts = Vec::new();
    let mut part = |band: Option<crate::metrics::dora::Band>, what: String| {
        if let Some(b) = band {
            parts.push(format!("{what}: {}", b.name()));
        }
    };
    part(
        d.deployment_frequency,
        format!(
            "deployment frequency ({} a week)",
            fmt_num(mean(s, "production.deploys_per_week"))
        ),
    );
    part(
        d.lead_time,
        format!("lead time (median {} h)", fmt_num(mean(s, "lead_time.p50"))),
    );
    part(
        d.change_failure_rate,
        format!(
            "change failure rate ({})",
            pct(mean(s, "production.change_failure_rate"))
        ),
    );
    part(
        d.time_to_restore,
        format!(
            "time to restore ({} h of users running the failure)",
            fmt_num(mean(s, "restore.from_exposure"))
        ),
    );
    format!(
        "By the DORA 2023 clusters this policy is a {} performer overall (the weakest of its keys) — {}.",
        overall.name(),
        parts.join("; ")
    )
}

fn incident_sentence(model: &Model, s: &Summary) -> String {
    let n = mean(s, "incidents.count");
    let days = fmt_num((model.horizon.hours() - model.warm_up.hours()) / 24.0);
    if n.is_nan() || n <= 0.0 {
        return format!("No defect reached production users in {days} counted days.");
    }
    format!(
        "In {days} counted days, {} defects reached users; each exposed on average {} share·h ({} user-hours with {} users at traffic factor 1), peaking at {} of the users online and {} users at once. Counting only the hours some user ran it, an incident was exposed {} h on average; users ran it {} h before it was detected (hours when a rollback for another defect had removed it are not counted), and service was restored {} h after detection.",
        pm(n, ci(s, "incidents.count")),
        pm(
            mean(s, "blast_radius.share_hours"),
            ci(s, "blast_radius.share_hours")
        ),
        fmt_num(mean(s, "blast_radius.user_hours")),
        fmt_num(model.incidents.users),
        pct(mean(s, "blast_radius.peak_share")),
        fmt_num(mean(s, "blast_radius.peak_users")),
        fmt_num(mean(s, "blast_radius.exposed_hours")),
        fmt_num(mean(s, "restore.detection_delay")),
        fmt_num(mean(s, "restore.from_detection"))
    )
}

/// One sentence per comparison: which scenario is fastest and which is safest.
pub fn compare_findings(points: &[(String, &Summary)]) -> Vec<String> {
    let mut out = Vec::new();
    let best = |key: &str| {
        points
            .iter()
            .map(|(l, s)| (l, mean(s, key), ci(s, key)))
            .filter(|p| p.1.is_finite())
            .min_by(|a, b| a.1.total_cmp(&b.1))
    };
    if let Some((l, v, c)) = best("lead_time.p50") {
        out.push(format!("Shortest median lead time: {l}, {} h.", pm(v, c)));
    }
    if let Some((l, v, c)) = best("blast_radius.share_hours") {
        out.push(format!(
            "Smallest blast radius per incident: {l}, {} share·h.",
            pm(v, c)
        ));
    }
    if let Some((l, v, c)) = best("production.change_failure_rate") {
        out.push(format!(
            "Lowest change failure rate: {l}, {} %.",
            pm(v * 100.0, c * 100.0)
        ));
    }
    out
}
