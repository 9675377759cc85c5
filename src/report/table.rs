//! The summary a person reads on stdout.

use std::fmt::Write;

use crate::experiment::Summary;
use crate::metrics::Where;
use crate::report::number::{fmt, percent, with_interval};

/// What a report says instead of explaining ± when it has a single replication.
pub const NO_INTERVALS: &str =
    "one replication, so no confidence intervals (they need at least 2 replications)";

/// `legend` (what ± means), or [`NO_INTERVALS`] with fewer than 2 replications.
pub fn interval_note(replications: u32, legend: &'static str) -> &'static str {
    if replications < 2 {
        NO_INTERVALS
    } else {
        legend
    }
}

fn with_ci(s: &Summary, key: &str) -> String {
    match s.get(key) {
        Some(m) => with_interval(m.mean, m.ci95, m.n),
        None => "—".into(),
    }
}

fn mean(s: &Summary, key: &str) -> f64 {
    s.get(key).map_or(f64::NAN, |m| m.mean)
}

/// The width the terminal tables fit when standard output is not a terminal.
pub const TABLE_WIDTH: usize = 100;

/// The width the tables fit: the terminal's when standard output is one
/// (at least 60 columns), else [`TABLE_WIDTH`].
pub fn width() -> usize {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal()
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size()
    {
        return usize::from(w).max(60);
    }
    TABLE_WIDTH
}

/// Wraps each line longer than `width` at its spaces; continuation lines are
/// indented two more than the line's own indent. A word longer than the
/// width stays whole.
pub fn wrap_lines(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if body.chars().count() <= width {
            out.push_str(line);
            continue;
        }
        let indent = body.len() - body.trim_start().len();
        let pad = " ".repeat(indent + 2);
        let mut cur = " ".repeat(indent);
        for word in body.split_whitespace() {
            let empty = cur.trim().is_empty();
            if !empty && cur.chars().count() + 1 + word.chars().count() > width {
                out.push_str(cur.trim_end());
                out.push('\n');
                cur = pad.clone();
            } else if !empty {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        out.push_str(cur.trim_end());
        out.push_str(nl);
    }
    out
}

/// Renders the summary as aligned plain text, fitted to [`width`].
pub fn render(s: &Summary) -> String {
    wrap_lines(&render_unwrapped(s), width())
}

fn render_unwrapped(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "promosim {}: {} replications, seed {}, {:.0} days from {} {} (warm-up {:.0} days)",
        s.scenario,
        s.replications,
        s.seed,
        s.horizon_h / 24.0,
        s.start,
        s.time_zone,
        s.warm_up_h / 24.0
    );
    let _ = writeln!(
        o,
        "All times in hours; {}.\n",
        interval_note(
            s.replications,
            "± is the half-width of the 95 % confidence interval over replications"
        )
    );

    let _ = writeln!(o, "Lead time for changes (commit → running in production)");
    for (label, key) in [
        ("mean", "lead_time.mean"),
        ("p50", "lead_time.p50"),
        ("p85", "lead_time.p85"),
        ("p95", "lead_time.p95"),
        ("p99", "lead_time.p99"),
    ] {
        let _ = writeln!(o, "  {label:<38}{:>22}", with_ci(s, key));
    }

    where_the_time_goes(&mut o, s);
    delivery_and_build(&mut o, s);
    incidents_and_dora(&mut o, s);

    let _ = writeln!(o, "\nDefects (per replication)");
    for (label, key) in [
        ("introduced", "defects.introduced"),
        ("caught before production", "defects.caught"),
        ("escaped to production", "defects.escaped"),
    ] {
        let _ = writeln!(o, "  {label:<38}{:>22}", with_ci(s, key));
    }
    let _ = writeln!(
        o,
        "\nCommits: {} arrived = {} delivered + {} held by a rejected release + {} in flight (means)",
        fmt(mean(s, "commits.arrived")),
        fmt(mean(s, "commits.delivered")),
        fmt(mean(s, "commits.rejected")),
        fmt(mean(s, "commits.in_flight"))
    );
    o
}

/// The mean of every part of the lead time, with its share.
fn where_the_time_goes(o: &mut String, s: &Summary) {
    let total = mean(s, "lead_time.mean");
    let _ = writeln!(
        o,
        "\nWhere the time goes (mean per delivered commit)          share"
    );
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut zero = 0;
    for w in Where::all(s.stages.iter().map(String::as_str)) {
        let key = w.key();
        let label = match w {
            Where::BeforeBuild => "before its build (batching, rework)".to_string(),
            Where::AgentWait => "build: waiting for an agent".to_string(),
            Where::Building => "build: executing".to_string(),
            Where::Stage(st, p) => {
                // A part no commit ever spent time in is left out (and said so below).
                if crate::report::words::never_spent(s, &w) {
                    zero += 1;
                    continue;
                }
                format!("{st}: {}", p.label())
            }
        };
        rows.push((label, key));
    }
    for (label, key) in rows {
        let m = mean(s, &key);
        let share = if total > 0.0 && !m.is_nan() {
            format!("{:>6}", percent(m / total))
        } else {
            "    —".into()
        };
        let _ = writeln!(o, "  {label:<38}{:>22}  {share}", with_ci(s, &key));
    }
    if zero > 0 {
        let _ = writeln!(
            o,
            "  ({zero} stage parts where no commit spent any time are left out)"
        );
    }
}

/// Deploy rates, the build queue and agents, and one row per stage.
fn delivery_and_build(o: &mut String, s: &Summary) {
    let _ = writeln!(o, "\nDelivery");
    let _ = writeln!(
        o,
        "  {:<38}{:>22}",
        "production deploys per week",
        with_ci(s, "production.deploys_per_week")
    );
    let _ = writeln!(
        o,
        "  {:<38}{:>22}",
        "commits per production deploy",
        with_ci(s, "production.commits_per_deploy")
    );

    let _ = writeln!(o, "\nBuild");
    for (label, key) in [
        ("builds per week", "build.builds_per_week"),
        ("mean wait for an agent (h)", "build.agent_wait"),
        ("queue length, time-weighted mean", "build.queue.mean"),
        ("queue length, max", "build.queue.max"),
        ("agent utilisation", "build.utilisation"),
        ("defects caught by unit tests", "build.defects_caught"),
    ] {
        let _ = writeln!(o, "  {label:<38}{:>22}", with_ci(s, key));
    }

    if !s.stages.is_empty() {
        let _ = writeln!(
            o,
            "\n  {:<14}{:>16}{:>16}{:>10}{:>10}{:>12}{:>10}{:>10}",
            "stage",
            "deploys/week",
            "queue mean",
            "q max",
            "caught",
            "superseded",
            "failed",
            "refused"
        );
        for st in &s.stages {
            // Refused: approvers said no, or an approval or the gates timed out.
            let refused = mean(s, &format!("stage.{st}.approval_rejections"))
                + mean(s, &format!("stage.{st}.timeouts"));
            let _ = writeln!(
                o,
                "  {:<14}{:>16}{:>16}{:>10}{:>10}{:>12}{:>10}{:>10}",
                st,
                with_ci(s, &format!("stage.{st}.deploys_per_week")),
                with_ci(s, &format!("stage.{st}.queue.mean")),
                fmt(mean(s, &format!("stage.{st}.queue.max"))),
                fmt(mean(s, &format!("stage.{st}.defects_caught"))),
                fmt(mean(s, &format!("stage.{st}.superseded"))),
                fmt(mean(s, &format!("stage.{st}.deploy_failures"))),
                fmt(refused),
            );
        }
        let _ = writeln!(
            o,
            "  (failed: deploys that failed after retries; refused: approvals rejected, checks timed out)"
        );
    }
}

/// Incidents, blast radius, restore times and the DORA band.
fn incidents_and_dora(o: &mut String, s: &Summary) {
    let _ = writeln!(
        o,
        "\nIncidents (escaped defects users saw; per replication)"
    );
    for (label, key) in [
        ("incidents", "incidents.count"),
        (
            "detected (monitoring or canary analysis)",
            "incidents.detected",
        ),
        (
            "  of which by canary analysis",
            "incidents.detected_by_analysis",
        ),
        (
            "blast radius per incident (share·h)",
            "blast_radius.share_hours",
        ),
        (
            "blast radius per incident (user·h)",
            "blast_radius.user_hours",
        ),
        ("peak share per incident", "blast_radius.peak_share"),
        ("peak users per incident", "blast_radius.peak_users"),
        (
            "hours with users exposed, per incident",
            "blast_radius.exposed_hours",
        ),
        ("detection delay (h exposed)", "restore.detection_delay"),
        ("restore from detection (h)", "restore.from_detection"),
        ("time to restore (h exposed)", "restore.from_exposure"),
        ("change failure rate", "production.change_failure_rate"),
        ("rollbacks of the running release", "production.rollbacks"),
        ("rollouts aborted", "production.aborts"),
        ("analysis runs per week", "canary.runs"),
        ("  false alarms per week", "canary.false_alarms"),
        ("  hours held per false alarm", "canary.false_alarm_cost"),
        (
            "  inconclusive pauses per week",
            "canary.inconclusive_pauses",
        ),
        (
            "production environment-hours",
            "production.environment_hours",
        ),
    ] {
        let _ = writeln!(o, "  {label:<40}{:>20}", with_ci(s, key));
    }
    let band = |b: Option<crate::metrics::dora::Band>| b.map_or("—", |b| b.name());
    let d = &s.dora;
    let _ = writeln!(
        o,
        "\nDORA band: {} (deployment frequency {}, lead time {}, change failure rate {}, time to restore {})",
        band(d.overall),
        band(d.deployment_frequency),
        band(d.lead_time),
        band(d.change_failure_rate),
        band(d.time_to_restore)
    );
}
