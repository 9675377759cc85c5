//! The selection (`--select`, see `experiment::select`) as a fragment of a
//! page: a sentence that names the points which cannot be told apart from the
//! best, then one row per point. [`markdown`] for `report.md`, [`html`] for
//! `index.html`; both render plain data and compute nothing.

use super::html::escape;
use super::number::{fmt, with_interval};
use crate::experiment::select::procedures::Feasible;
use crate::experiment::select::{PointChoice, Selection};

/// The headline: "these 2 of 12 policies cannot be told apart from the best at 95 %".
pub fn headline(s: &Selection) -> String {
    let n = s.subset.len();
    let k = s.points.len();
    let pct = format!("{:.0} %", s.confidence * 100.0);
    let among = if s.constraints.is_empty() {
        ""
    } else {
        " feasible"
    };
    let on = format!("on {} ({} is better)", s.metric, s.better);
    if n == 0 {
        return format!(
            "No policy can be the best{among} {on}: none meets the constraints at {pct}."
        );
    }
    if n == 1 {
        return format!(
            "Only {} (1 of {k} policies) cannot be told apart from the best{among} at {pct}, {on}.",
            s.subset[0]
        );
    }
    if n == k {
        return format!(
            "These {n} of {k} policies cannot be told apart from the best{among} at {pct}, {on}: all of them."
        );
    }
    format!(
        "These {n} of {k} policies cannot be told apart from the best{among} at {pct}, {on}: {}.",
        named(&s.subset, k, "best?")
    )
}

/// More names than a sentence can carry in a meeting.
const LISTED: usize = 6;

/// Labels for a sentence: "all K" when every point is among them, the column
/// of the table below that marks them when there are many, else the names.
fn named<S: AsRef<str>>(v: &[S], k: usize, column: &str) -> String {
    let names: Vec<&str> = v.iter().map(AsRef::as_ref).collect();
    if names.is_empty() {
        "none".to_string()
    } else if names.len() == k && k > 2 {
        format!("all {k}")
    } else if names.len() > LISTED {
        format!(
            "the {} marked under “{column}” in the table below",
            names.len()
        )
    } else {
        names.join(", ")
    }
}

/// The labels of the points whose feasibility is `f`.
fn labelled(s: &Selection, f: Feasible) -> Vec<&str> {
    s.points
        .iter()
        .filter(|p| p.feasible == Some(f))
        .map(|p| p.label.as_str())
        .collect()
}

/// The further sentences: the feasible set, the procedure that ran (and the
/// sequential one's verdict), the Pareto front.
pub fn notes(s: &Selection) -> Vec<String> {
    let k = s.points.len();
    let mut out = Vec::new();
    for c in &s.constraints {
        out.push(format!(
            "Feasible with {}: {} of {k} ({} surely not, {} not yet clear).",
            c.constraint.text(),
            c.feasible,
            c.infeasible,
            c.uncertain,
        ));
    }
    if !s.constraints.is_empty() {
        let list = |v: Vec<&str>| named(&v, k, "feasible");
        out.push(format!(
            "The feasible set (every constraint met, at {:.1} % jointly): {}; not yet clear: {}. The selection among them holds at {:.1} % (Bonferroni: together {:.0} %).",
            (1.0 - s.feasibility_alpha) * 100.0,
            list(labelled(s, Feasible::Yes)),
            list(labelled(s, Feasible::Uncertain)),
            // The selection has the rest of the error rate: 1 − (α − α_f).
            (s.confidence + s.feasibility_alpha) * 100.0,
            s.confidence * 100.0
        ));
    }
    out.push(format!(
        "Procedure: {}, on the {} replications every policy shares.",
        s.procedure, s.replications
    ));
    if let Some(q) = s.sequential.as_ref().filter(|q| q.delta.is_finite()) {
        let d = format!("δ = {} {} ({})", fmt(q.delta), s.unit, q.delta_from);
        out.push(match &q.selected {
            Some(b) => format!(
                "Sequential selection ({}, {d}): {b} is the best or within δ of it at {:.0} %, after {} replications added only to the policies still in contention.",
                q.procedure,
                q.confidence * 100.0,
                q.added_replications
            ),
            None => format!(
                "Sequential selection ({}, {d}) stopped at the replication cap with {} still in contention.",
                q.procedure,
                q.survivors.join(", ")
            ),
        });
    }
    if let Some(q) = s.sequential.as_ref().filter(|q| !q.delta.is_finite()) {
        out.push(format!("Sequential selection: not run, {}.", q.delta_from));
    }
    if let Some((x, y)) = &s.pareto_of {
        out.push(format!(
            "Pareto front of the means of {x} and {y} (no other policy has both means as low): {}.",
            named(&s.pareto, k, "Pareto")
        ));
    }
    out
}

fn feasible_word(f: Option<Feasible>) -> &'static str {
    match f {
        None => "",
        Some(Feasible::Yes) => "yes",
        Some(Feasible::No) => "no",
        Some(Feasible::Uncertain) => "not clear",
    }
}

/// The cells of a point's row: label, mean ± 95 %, in the subset, at most
/// worse than the best, feasible, Pareto, replications.
fn cells(s: &Selection, p: &PointChoice) -> Vec<String> {
    vec![
        p.label.clone(),
        with_interval(p.mean, p.ci95, u64::from(s.replications)),
        if p.in_subset {
            "✓".into()
        } else {
            String::new()
        },
        p.worse_than_best_at_most.map_or(String::new(), fmt),
        feasible_word(p.feasible).to_string(),
        if p.pareto {
            "✓".into()
        } else {
            String::new()
        },
        p.sequential_replications
            .map_or(s.replications.to_string(), |r| r.to_string()),
    ]
}

fn header(s: &Selection) -> Vec<String> {
    vec![
        "point".into(),
        format!("{} ({})", s.metric, s.unit),
        "best?".into(),
        "at most worse than best".into(),
        "feasible".into(),
        "Pareto".into(),
        "replications".into(),
    ]
}

/// The fragment for `report.md`: headline, notes, a table.
pub fn markdown(s: &Selection) -> String {
    let mut out = format!("{}\n\n", headline(s));
    for n in notes(s) {
        out.push_str(&format!("{n}\n\n"));
    }
    let row = |c: Vec<String>| format!("| {} |\n", c.join(" | ").replace('\n', " "));
    out.push_str(&row(header(s)));
    out.push_str(&row(vec!["---".into(); 7]));
    for p in &s.points {
        out.push_str(&row(cells(s, p)));
    }
    out
}

/// The fragment for `index.html` (a `<section>`), text escaped.
pub fn html(s: &Selection) -> String {
    let mut out = String::from("<section class=\"selection\">\n<h2>Which is best?</h2>\n");
    out.push_str(&format!(
        "<p><strong>{}</strong></p>\n",
        escape(&headline(s))
    ));
    for n in notes(s) {
        out.push_str(&format!("<p>{}</p>\n", escape(&n)));
    }
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for h in header(s) {
        out.push_str(&format!("<th>{}</th>", escape(&h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for p in &s.points {
        let class = if p.in_subset { " class=\"best\"" } else { "" };
        out.push_str(&format!("<tr{class}>"));
        for c in cells(s, p) {
            out.push_str(&format!("<td>{}</td>", escape(&c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}
