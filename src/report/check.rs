//! What `check` and `baseline` print: the verdict table, the markdown summary
//! for a pull-request comment, the sentence that explains a verdict, and the
//! stored baseline's metrics. The decisions are made in [`crate::check`].

use std::fmt::Write;
use std::path::Path;

use crate::check::{Baseline, CheckReport, MetricCheck, Verdict};
use crate::report::number::{fmt as num, signed};

/// One sentence on why a metric got its verdict, for a failure message.
pub fn explain(m: &MetricCheck) -> String {
    let dir = if !crate::check::has_direction(&m.key) {
        "no better direction: a change either way beyond the tolerance fails"
    } else if m.higher_is_better {
        "lower is worse"
    } else {
        "higher is worse"
    };
    match m.verdict {
        Verdict::Missing => format!(
            "{}: the run no longer produces this metric; update the baseline",
            m.key
        ),
        Verdict::NotApplicable => format!(
            "{}: defined in both runs in only {} replication(s)",
            m.key, m.pairs
        ),
        _ => format!(
            "{}: {} → {} {} (Δ {} ± {}, 95 % paired interval; tolerance {} = {} {}; {dir})",
            m.key,
            num(m.baseline_mean),
            num(m.now_mean),
            m.unit,
            signed(m.delta),
            num(m.delta_ci95),
            m.tolerance,
            num(m.allowed),
            m.unit
        ),
    }
}

/// The readable table `check` prints.
pub fn render_table(r: &CheckReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "promosim check {}: {} paired replications, seed {}",
        r.scenario, r.replications, r.seed
    );
    let _ = writeln!(
        o,
        "Δ = now − baseline per replication (same seed: same commits and defects); ± is its 95 % interval.\n"
    );
    let _ = writeln!(
        o,
        "{:<34} {:>10} {:>10} {:>20} {:>12}  verdict",
        "metric", "baseline", "now", "Δ (95 % CI)", "tolerance"
    );
    for m in &r.metrics {
        let delta = if m.delta.is_nan() {
            "—".to_string()
        } else {
            format!("{} ± {}", signed(m.delta), num(m.delta_ci95))
        };
        let _ = writeln!(
            o,
            "{:<34} {:>10} {:>10} {:>20} {:>12}  {}",
            m.key,
            num(m.baseline_mean),
            num(m.now_mean),
            delta,
            format!("±{}", num(m.allowed)),
            m.verdict.name()
        );
    }
    for n in &r.notes {
        let _ = writeln!(o, "note: {n}");
    }
    let failures: Vec<&str> = r.failures().map(|m| m.key.as_str()).collect();
    if failures.is_empty() {
        let improved: Vec<&str> = r
            .metrics
            .iter()
            .filter(|m| m.verdict == Verdict::Improved)
            .map(|m| m.key.as_str())
            .collect();
        if improved.is_empty() {
            let _ = writeln!(o, "\nPASS");
        } else {
            let _ = writeln!(o, "\nPASS (improved: {})", improved.join(", "));
        }
    } else {
        let _ = writeln!(o, "\nFAIL: {}", failures.join(", "));
        for m in r.failures() {
            let _ = writeln!(o, "  {}", explain(m));
        }
    }
    o
}

/// A markdown summary for a pull-request comment.
pub fn render_markdown(r: &CheckReport) -> String {
    let mut o = String::new();
    let failures: Vec<&str> = r.failures().map(|m| m.key.as_str()).collect();
    let head = if failures.is_empty() {
        "✅ pass".to_string()
    } else {
        format!("❌ failed: {}", failures.join(", "))
    };
    let _ = writeln!(o, "### promosim check `{}`: {head}\n", r.scenario);
    let _ = writeln!(
        o,
        "{} paired replications on seed {}; Δ = now − baseline with its 95 % interval.\n",
        r.replications, r.seed
    );
    let _ = writeln!(
        o,
        "| metric | baseline | now | Δ (95 % CI) | tolerance | verdict |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---|");
    for m in &r.metrics {
        let delta = if m.delta.is_nan() {
            "—".to_string()
        } else {
            format!("{} ± {}", signed(m.delta), num(m.delta_ci95))
        };
        let verdict = match m.verdict {
            Verdict::Regressed | Verdict::Changed | Verdict::Missing => {
                format!("**{}**", m.verdict.name())
            }
            Verdict::Improved => format!("_{}_", m.verdict.name()),
            _ => m.verdict.name().to_string(),
        };
        let _ = writeln!(
            o,
            "| `{}` | {} {} | {} | {} | ±{} | {} |",
            m.key,
            num(m.baseline_mean),
            m.unit,
            num(m.now_mean),
            delta,
            num(m.allowed),
            verdict
        );
    }
    for n in &r.notes {
        let _ = writeln!(o, "\n> note: {n}");
    }
    o
}

/// What `baseline` prints: where the baseline went, and each metric's mean,
/// interval, unit and tolerance.
pub fn render_baseline(b: &Baseline, path: &Path) -> String {
    let mut o = format!(
        "baseline of {}: {} metrics over {} replications (seed {}, scenario hash {}) written to {}\n",
        b.scenario,
        b.metrics.len(),
        b.replications,
        b.seed,
        b.scenario_hash,
        path.display()
    );
    for mm in &b.metrics {
        // With fewer than 2 values the interval is undefined, not zero.
        let half = match mm.ci95 {
            Some(h) if mm.n >= 2 => num(h),
            _ => "n/a".into(),
        };
        let _ = writeln!(
            o,
            "  {:<34} {:>10} ± {:<8} {:<8} tolerance {}",
            mm.key,
            num(mm.mean.unwrap_or(f64::NAN)),
            half,
            mm.unit,
            mm.tolerance
        );
    }
    o
}
