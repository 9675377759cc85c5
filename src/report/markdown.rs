//! `report.md`: the page's figures as Markdown, for a pull-request comment.
//! Charts are listed by file name (a comment cannot show local images).

use crate::experiment::Summary;
use crate::model::Model;
use crate::report::figures::Figure;
use crate::report::number::percent;
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
    for r in words::where_rows(model, summary) {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(&r.what),
            cell(&where_hours(summary, &r)),
            percent(r.share)
        ));
    }
    out.push_str("\n</details>\n\n<details><summary>The scenario in plain words</summary>\n\n");
    for (topic, text) in words::parameters(model) {
        out.push_str(&format!("- **{}**: {}\n", cell(&topic), cell(&text)));
    }
    out.push_str("\n</details>\n");
    charts_list(&mut out, figures);
    out
}

/// `report.md` for a comparison or sweep: one column per scenario.
pub fn compare_markdown(title: &str, points: &[(String, &Summary)], figures: &[Figure]) -> String {
    let mut out = format!(
        "## promosim: {}\n\n{}\n\n",
        cell(title),
        interval_note(most_replications(points), LEGEND)
    );
    for f in words::compare_findings(points) {
        out.push_str(&format!("- {}\n", cell(&f)));
    }
    out.push_str("\n| measure |");
    for (l, _) in points {
        out.push_str(&format!(" {} |", cell(l)));
    }
    out.push_str(" unit |\n|---|");
    for _ in points {
        out.push_str("---:|");
    }
    out.push_str("---|\n");
    let rows: Vec<Vec<words::KeyFigure>> =
        points.iter().map(|(_, s)| words::key_figures(s)).collect();
    if let Some(first) = rows.first() {
        for (i, k) in first.iter().enumerate() {
            out.push_str(&format!("| {} |", cell(k.label)));
            for r in &rows {
                out.push_str(&format!(" {} |", cell(&r[i].value)));
            }
            out.push_str(&format!(" {} |\n", cell(k.unit)));
        }
    }
    charts_list(&mut out, figures);
    out
}
