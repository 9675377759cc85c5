//! From the history's events to the samples the fits need: per release,
//! stage and attempt, when work started and ended and how; when an approval
//! was asked and answered; when commits arrived, by hour and weekday.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::fit::Sample;
use crate::history::{EventKind, History, Outcome};

/// The commit stream: how many, over how long, and the relative rates.
#[derive(Debug, Clone, Default)]
pub struct Arrivals {
    pub count: usize,
    pub days: f64,
    /// 24 rates relative to their mean, hour 00 first (in the scenario's zone).
    pub hours: Vec<f64>,
    /// 7 rates relative to their mean, Monday first.
    pub weekdays: Vec<f64>,
}

/// The build, or one stage: durations, outcomes, approvals.
#[derive(Debug, Clone, Default)]
pub struct Work {
    pub durations: Sample,
    pub finished: usize,
    pub failed: usize,
    pub max_attempt: u32,
    pub approvals: Sample,
    /// The same waits as instants (request, answer or end of history, censored?):
    /// calibrate measures them again in the approvers' working time.
    pub approval_spans: Vec<(Timestamp, Timestamp, bool)>,
    pub approved: usize,
    pub rejected: usize,
    /// Releases (attempts) whose deployment here succeeded, and how many of
    /// them the stage's verification then rejected (`rejected` events).
    pub deployed: usize,
    pub verify_rejected: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Observations {
    pub arrivals: Arrivals,
    pub build: Work,
    /// Per scenario stage, in the scenario's order.
    pub stages: Vec<(String, Work)>,
    /// History stages matching nothing in the scenario.
    pub unmatched: Vec<String>,
    /// Per stage (`build` for the build), runs that finish before they
    /// start: clocks or time zones mixed in the export. Left out of the fit.
    pub backwards: Vec<(String, usize)>,
}

#[derive(Default)]
struct Span {
    start: Option<Timestamp>,
    finish: Option<(Timestamp, Outcome)>,
    asked: Option<Timestamp>,
    answered: Option<(Timestamp, Outcome)>,
    rejected: bool,
}

/// `build` and `ci` (any case) name the build.
pub fn is_build(stage: &str) -> bool {
    matches!(stage.to_ascii_lowercase().as_str(), "build" | "ci")
}

/// Gathers the samples; `stages` are the scenario's stage names.
pub fn observe(history: &History, stages: &[String], tz: &TimeZone) -> Observations {
    let (Some(first), Some(last)) = (history.first(), history.last()) else {
        return Observations::default();
    };
    let mut obs = Observations {
        stages: stages
            .iter()
            .map(|s| (s.clone(), Work::default()))
            .collect(),
        ..Observations::default()
    };
    // None: the build; Some(i): scenario stage i.
    let role = |name: &str| -> Option<Option<usize>> {
        if is_build(name) {
            return Some(None);
        }
        stages
            .iter()
            .position(|s| s.eq_ignore_ascii_case(name))
            .map(Some)
    };
    let mut spans: BTreeMap<(Option<usize>, String, u32), Span> = BTreeMap::new();
    for e in &history.events {
        if e.event == EventKind::Commit {
            continue;
        }
        let Some(r) = role(&e.stage) else {
            if e.stage != "run" && !obs.unmatched.contains(&e.stage) {
                obs.unmatched.push(e.stage.clone());
            }
            continue;
        };
        let span = spans.entry((r, e.release.clone(), e.attempt)).or_default();
        match e.event {
            EventKind::Start => span.start = span.start.or(Some(e.at)),
            EventKind::Finish => span.finish = span.finish.or(Some((e.at, e.outcome))),
            EventKind::ApprovalRequested => span.asked = span.asked.or(Some(e.at)),
            EventKind::ApprovalDone => span.answered = span.answered.or(Some((e.at, e.outcome))),
            EventKind::Rejected => span.rejected = true,
            EventKind::Queued | EventKind::Commit => {}
        }
    }
    let secs =
        |a: Timestamp, b: Timestamp| (b.as_millisecond() - a.as_millisecond()) as f64 / 1000.0;
    for ((r, _, attempt), span) in spans {
        let work = match r {
            None => &mut obs.build,
            Some(i) => &mut obs.stages[i].1,
        };
        work.max_attempt = work.max_attempt.max(attempt);
        if let Some(s) = span.start {
            if let Some((t, _)) = span.finish
                && t < s
            {
                let name = r.map_or("build".to_string(), |i| stages[i].clone());
                match obs.backwards.iter_mut().find(|b| b.0 == name) {
                    Some(b) => b.1 += 1,
                    None => obs.backwards.push((name, 1)),
                }
                continue;
            }
            match span.finish {
                Some((t, Outcome::Cancelled)) => work.durations.censored.push(secs(s, t)),
                Some((t, outcome)) => {
                    work.durations.observed.push(secs(s, t));
                    work.finished += 1;
                    if outcome == Outcome::Failed {
                        work.failed += 1;
                    } else {
                        work.deployed += 1;
                        work.verify_rejected += usize::from(span.rejected);
                    }
                }
                None => work.durations.censored.push(secs(s, last)),
            }
        }
        if let Some(a) = span.asked {
            let (end, censored) = match span.answered {
                Some((t, Outcome::Approved | Outcome::Rejected)) => (t, false),
                Some((t, _)) => (t, true),
                None => (last, true),
            };
            work.approval_spans.push((a, end, censored));
            match span.answered {
                Some((t, Outcome::Approved)) => {
                    work.approvals.observed.push(secs(a, t));
                    work.approved += 1;
                }
                Some((t, Outcome::Rejected)) => {
                    work.approvals.observed.push(secs(a, t));
                    work.rejected += 1;
                }
                // A timeout says only that nobody answered in that time.
                Some((t, _)) => work.approvals.censored.push(secs(a, t)),
                None => work.approvals.censored.push(secs(a, last)),
            }
        }
    }
    obs.arrivals = arrivals(&history.commits(), first, last, tz);
    obs
}

fn arrivals(commits: &[Timestamp], first: Timestamp, last: Timestamp, tz: &TimeZone) -> Arrivals {
    let mut hour_count = [0f64; 24];
    let mut day_count = [0f64; 7];
    for c in commits {
        let z = c.to_zoned(tz.clone());
        hour_count[z.hour() as usize] += 1.0;
        day_count[z.weekday().to_monday_zero_offset() as usize] += 1.0;
    }
    // Exposure: the hours of the history falling in each hour of day and weekday.
    let mut hour_exp = [0f64; 24];
    let mut day_exp = [0f64; 7];
    let end = last.as_second();
    let mut t = first.as_second();
    while t < end {
        let next = ((t / 3600) + 1) * 3600;
        let step = (next.min(end) - t) as f64 / 3600.0;
        if let Ok(ts) = Timestamp::from_second(t) {
            let z = ts.to_zoned(tz.clone());
            hour_exp[z.hour() as usize] += step;
            day_exp[z.weekday().to_monday_zero_offset() as usize] += step;
        }
        t = next;
    }
    let relative = |count: &[f64], exposure: &[f64]| -> Vec<f64> {
        let rates: Vec<Option<f64>> = count
            .iter()
            .zip(exposure)
            .map(|(&c, &e)| (e > 0.0).then(|| c / e))
            .collect();
        let seen: Vec<f64> = rates.iter().flatten().copied().collect();
        let mean = seen.iter().sum::<f64>() / seen.len().max(1) as f64;
        rates
            .iter()
            .map(|r| match r {
                Some(r) if mean > 0.0 => r / mean,
                _ => 1.0,
            })
            .collect()
    };
    Arrivals {
        count: commits.len(),
        days: (end - first.as_second()) as f64 / 86_400.0,
        hours: relative(&hour_count, &hour_exp),
        weekdays: relative(&day_count, &day_exp),
    }
}
