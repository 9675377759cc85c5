//! `report.md`: the page's figures as Markdown, for a pull-request comment.
//! Charts are listed by file name (a comment cannot show local images).

use crate::model::Model;
use crate::report::figures::Figure;
use crate::report::summary::Summary;
use crate::report::words::{self, pm};

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

/// `report.md` for one `run`.
pub fn run_markdown(model: &Model, summary: &Summary, figures: &[Figure]) -> String {
    let mut out = format!(
        "## promosim: {}\n\n{}\n\n",
        cell(&summary.scenario),
        cell(summary.description.trim())
    );
    out.push_str(&format!(
        "DORA band: **{}** · {} replications · ± = 95 % interval over replications\n\n",
        summary.dora.overall.map_or("—", |b| b.name()),
        summary.replications
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
        let share = if r.share.is_finite() {
            format!("{:.0} %", r.share * 100.0)
        } else {
            "—".into()
        };
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(&r.what),
            cell(&pm(r.mean, r.ci95)),
            share
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
        "## promosim: {}\n\n± = 95 % interval over replications\n\n",
        cell(title)
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
