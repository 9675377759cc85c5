//! `report.md`: the page's figures as Markdown, for a pull-request comment.
//! Charts are listed by file name (a comment cannot show local images).

use crate::experiment::Summary;
use crate::experiment::compare::Comparison;
use crate::model::Model;
use crate::report::figures::Figure;
use crate::report::html::{PAIRED_NOTE, grid_words};
use crate::report::number::percent;
use crate::report::parameters;
use crate::report::points::{self, Page, ParamChange};
use crate::report::table::interval_note;
use crate::report::words::{self, WhereRow, pm};

/// Escapes the characters that would break a Markdown table cell or start markup.
pub fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('<', "&lt;")
        .replace('\n', " ")
}

fn charts_list(out: &mut String, figures: &[Figure]) {
    if figures.is_empty() {
        return;
    }
    out.push_str("\n### Charts\n\n");
    for f in figures {
        out.push_str(&format!(
            "- `charts/{}.png` — {}\n",
            f.stem,
            cell(f.chart.title())
        ));
    }
}

/// The hours of a `where.*` row, with its interval only when one is defined
/// (two or more replications measured it).
pub(crate) fn where_hours(summary: &Summary, r: &WhereRow) -> String {
    let n = summary.get(&r.key).map_or(0, |m| m.n);
    pm(r.mean, if n < 2 { f64::NAN } else { r.ci95 })
}

/// The most replications of any point of a comparison or sweep.
pub(crate) fn most_replications(points: &[(String, &Summary)]) -> u32 {
    points
        .iter()
        .map(|(_, s)| s.replications)
        .max()
        .unwrap_or(0)
}

const LEGEND: &str = "± = 95 % interval over replications";

/// `report.md` for one `run`.
pub fn run_markdown(model: &Model, summary: &Summary, figures: &[Figure]) -> String {
    let mut out = format!(
        "## promosim: {}\n\n{}\n\n",
        cell(&summary.scenario),
        cell(summary.description.trim())
    );
    out.push_str(&format!(
        "DORA band: **{}** · {} replications · {}\n\n",
        summary.dora.overall.map_or("—", |b| b.name()),
        summary.replications,
        interval_note(summary.replications, LEGEND)
    ));
    for f in words::findings(model, summary) {
        out.push_str(&format!("- {}\n", cell(&f)));
    }
    out.push_str("\n| measure | value | unit |\n|---|---:|---|\n");
    for k in words::key_figures(summary) {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(k.label),
            cell(&k.value),
            cell(k.unit)
        ));
    }
    out.push_str("\n<details><summary>Where the time goes</summary>\n\n| mean per delivered commit | hours | share |\n|---|---:|---:|\n");
    let (rows, left_out) = words::where_table(model, summary);
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(&r.what),
            cell(&where_hours(summary, &r)),
            percent(r.share)
        ));
    }
    if let Some(note) = words::left_out_note(left_out) {
        out.push_str(&format!("\n{note}\n"));
    }
    let people = super::people::rows(model, summary);
    if !people.is_empty() {
        out.push_str("\n</details>\n\n<details><summary>People</summary>\n\n| person or team |");
        for h in super::people::headings() {
            out.push_str(&format!(" {} |", cell(h)));
        }
        out.push_str(&format!(
            "\n|---|{}\n",
            "---:|".repeat(super::people::headings().count())
        ));
        for r in &people {
            out.push_str(&format!("| {} |", cell(&r.name)));
            for c in &r.cells {
                out.push_str(&format!(" {} |", cell(c)));
            }
            out.push('\n');
        }
    }
    out.push_str("\n</details>\n\n<details><summary>The scenario in plain words</summary>\n\n");
    for (topic, text) in parameters::rows(model) {
        out.push_str(&format!("- **{}**: {}\n", cell(&topic), cell(&text)));
    }
    out.push_str("\n</details>\n");
    charts_list(&mut out, figures);
    out
}

fn differences_md(out: &mut String, page: &Page, c: &Comparison) {
    out.push_str(&format!(
        "\n### Paired differences from {}\n\n{}\n\n",
        cell(&c.baseline),
        cell(PAIRED_NOTE)
    ));
    let sentences = points::difference_sentences(c, &page.metrics);
    if sentences.is_empty() {
        out.push_str("- No difference in the metrics shown is larger than the noise (every interval includes 0).\n");
    }
    for s in sentences {
        out.push_str(&format!("- {}\n", cell(&s)));
    }
    out.push_str("\n| measure |");
    let mut align = String::from("|---|");
    for (i, s) in c.scenarios.iter().enumerate() {
        out.push_str(&format!(" {} |", cell(&s.label)));
        align.push_str("---:|");
        if i > 0 {
            out.push_str(&format!(" Δ {} − {} |", cell(&s.label), cell(&c.baseline)));
            align.push_str("---:|");
        }
    }
    out.push_str(&format!(" unit |\n{align}---|\n"));
    for r in points::diff_rows(c, &page.metrics) {
        out.push_str(&format!("| {} |", cell(&r.metric.name)));
        for (i, v) in r.values.iter().enumerate() {
            out.push_str(&format!(" {} |", cell(v)));
            if i > 0 {
                match r.differences.get(i - 1).cloned().flatten() {
                    Some((d, true)) => out.push_str(&format!(" **{}** \\* |", cell(&d))),
                    Some((d, false)) => out.push_str(&format!(" {} |", cell(&d))),
                    None => out.push_str(" — |"),
                }
            }
        }
        out.push_str(&format!(" {} |\n", cell(&r.metric.unit)));
    }
}

fn changes_md(out: &mut String, labels: &[&str], changes: &[ParamChange]) {
    out.push_str("\n### What differs between the scenarios\n\n");
    if changes.is_empty() {
        out.push_str("Nothing: the scenarios are described by the same parameters.\n");
    }
    for c in changes {
        if c.values.len() == 2 {
            out.push_str(&format!(
                "- **{}**: {} → {}\n",
                cell(&c.topic),
                cell(&c.values[0]),
                cell(&c.values[1])
            ));
        } else {
            out.push_str(&format!("- **{}**:\n", cell(&c.topic)));
            for (v, l) in c.values.iter().zip(labels) {
                out.push_str(&format!("  - {}: {}\n", cell(l), cell(v)));
            }
        }
    }
}

fn sweep_table_md(out: &mut String, page: &Page, points: &[(String, &Summary)]) {
    out.push_str("\n### The grid\n\n");
    for g in grid_words(page) {
        out.push_str(&format!("- {}\n", cell(&g)));
    }
    let grid = points::sweep_rows(page, points);
    out.push_str("\n|");
    for h in &grid.header {
        out.push_str(&format!(" {} |", cell(h)));
    }
    out.push_str("\n|");
    for k in 0..grid.header.len() {
        out.push_str(if k < grid.dims { "---|" } else { "---:|" });
    }
    out.push('\n');
    for row in &grid.rows {
        out.push('|');
        for v in row {
            out.push_str(&format!(" {} |", cell(v)));
        }
        out.push('\n');
    }
}

fn compare_table_md(out: &mut String, points: &[(String, &Summary)]) {
    out.push_str("\n| measure |");
    for (l, _) in points {
        out.push_str(&format!(" {} |", cell(l)));
    }
    out.push_str(" unit |\n|---|");
    for _ in points {
        out.push_str("---:|");
    }
    out.push_str("---|\n");
    let summaries: Vec<&Summary> = points.iter().map(|(_, s)| *s).collect();
    let rows = words::key_figure_rows(&summaries);
    if let Some(first) = rows.first() {
        for (i, k) in first.iter().enumerate() {
            out.push_str(&format!("| {} |", cell(k.label)));
            for r in &rows {
                out.push_str(&format!(" {} |", cell(&r[i].value)));
            }
            out.push_str(&format!(" {} |\n", cell(k.unit)));
        }
    }
}

/// `report.md` for a comparison or sweep: findings, paired differences and
/// what differs (a comparison) or the grid, one row per point (a sweep).
pub fn compare_markdown(
    page: &Page,
    points: &[(String, &Summary)],
    changes: &[ParamChange],
    figures: &[Figure],
) -> String {
    let mut out = format!(
        "## promosim: {}\n\n{}\n\n",
        cell(page.title),
        interval_note(most_replications(points), LEGEND)
    );
    for f in points::dominance(points, &page.best) {
        out.push_str(&format!("- {}\n", cell(&f)));
    }
    if let Some(sel) = page.selection {
        out.push_str(&format!(
            "\n### Which is best?\n\n{}",
            super::selection::markdown(sel)
        ));
    }
    if let Some(c) = page.comparison {
        differences_md(&mut out, page, c);
        let labels: Vec<&str> = points.iter().map(|(l, _)| l.as_str()).collect();
        changes_md(&mut out, &labels, changes);
        out.push_str("\n### Key figures\n");
        compare_table_md(&mut out, points);
    } else if page.is_sweep() {
        sweep_table_md(&mut out, page, points);
    } else {
        compare_table_md(&mut out, points);
    }
    charts_list(&mut out, figures);
    out
}
