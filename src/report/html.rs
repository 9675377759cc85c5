//! `index.html`: one self-contained page for a planning meeting. Charts are
//! inline SVG, the style sheet is inline, there is no script and no reference
//! to any other file or to the network, so the page opens anywhere, offline,
//! and can be mailed as one file. Every piece of text is escaped.

use crate::experiment::Summary;
use crate::experiment::compare::Comparison;
use crate::model::Model;
use crate::report::figures::{Figure, SMALL_MULTIPLE_STEM};
use crate::report::markdown::{most_replications, where_hours};
use crate::report::number::percent;
use crate::report::points::{self, Page, ParamChange};
use crate::report::table::interval_note;
use crate::report::{parameters, words};

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An SVG document prepared for inlining: anything before `<svg` dropped, the
/// namespace declaration removed (HTML parsers supply it), sized by CSS.
pub fn inline_svg(svg: &str, label: &str) -> String {
    let body = svg.find("<svg").map_or(svg, |i| &svg[i..]);
    let body = body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    body.replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{}\"", escape(label)),
        1,
    )
}

const CSS: &str = "\
:root{color-scheme:light}\
body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#222;background:#fff;margin:0}\
main{max-width:1120px;margin:0 auto;padding:24px 32px 64px}\
h1{font-size:28px;margin:8px 0 4px}h2{font-size:21px;margin:36px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}\
p.lead{color:#444;margin-top:0}\
ul.findings li{margin:6px 0}\
table{border-collapse:collapse;margin:8px 0}\
td,th{padding:4px 12px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
dl.params{display:grid;grid-template-columns:max-content 1fr;gap:6px 18px;margin:0}\
dl.params dt{font-weight:600}dl.params dd{margin:0}\
figure{margin:28px 0}figure svg{display:block;width:100%;max-width:1000px;height:auto;border:1px solid #eee}\
figcaption,p.note{color:#555;font-size:14px;margin-top:6px}\
.band{display:inline-block;padding:0 8px;border-radius:4px;background:#e8f1f8;font-weight:600}\
footer{color:#777;font-size:13px;margin-top:40px}\
div.scroll{overflow-x:auto;max-width:100%}\
div.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:0 24px}\
div.multiples figure{margin:12px 0}\
th.num{white-space:normal}td.dim{white-space:nowrap}td.real{font-weight:600}.mark{color:#b35806}\
@media print{figure{break-inside:avoid}}";

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    )
}

fn tail(note: &str) -> String {
    format!(
        "<footer>{}</footer>\n</main>\n</body>\n</html>\n",
        escape(note)
    )
}

fn figure_html(f: &Figure, svg: &str) -> String {
    format!(
        "<figure id=\"{}\">\n{}\n<figcaption>{} <span>(charts/{}.png, charts/{}.svg)</span></figcaption>\n</figure>\n",
        escape(&f.stem),
        inline_svg(svg, f.chart.title()),
        escape(&f.caption),
        escape(&f.stem),
        escape(&f.stem)
    )
}

/// The charts; a sweep's small multiples (one metric each) two to a row.
fn figures_html(out: &mut String, figures: &[(Figure, String)]) {
    out.push_str("<h2>Charts</h2>\n");
    let small = |f: &Figure| f.stem.starts_with(SMALL_MULTIPLE_STEM);
    if figures.iter().any(|(f, _)| small(f)) {
        out.push_str("<div class=\"multiples\">\n");
        for (f, svg) in figures.iter().filter(|(f, _)| small(f)) {
            out.push_str(&figure_html(f, svg));
        }
        out.push_str("</div>\n");
    }
    for (f, svg) in figures.iter().filter(|(f, _)| !small(f)) {
        out.push_str(&figure_html(f, svg));
    }
}

fn findings_html(out: &mut String, findings: &[String]) {
    out.push_str("<h2>What dominates</h2>\n<ul class=\"findings\">\n");
    for f in findings {
        out.push_str(&format!("<li>{}</li>\n", escape(f)));
    }
    out.push_str("</ul>\n");
}

/// The page of one `run`: parameters in plain words, key figures with
/// intervals, generated findings, where the time goes, and the charts
/// (`figures` paired with their rendered SVG text).
pub fn run_page(model: &Model, summary: &Summary, figures: &[(Figure, String)]) -> String {
    let title = format!("{} — promosim report", summary.scenario);
    let mut out = head(&title);
    out.push_str(&format!("<h1>{}</h1>\n", escape(&summary.scenario)));
    out.push_str(&format!(
        "<p class=\"lead\">{}</p>\n",
        escape(summary.description.trim())
    ));
    let band = summary.dora.overall.map_or("—", |b| b.name());
    out.push_str(&format!(
        "<p>DORA performance band: <span class=\"band\">{}</span> · {} replications · {}.</p>\n",
        escape(band),
        summary.replications,
        escape(interval_note(
            summary.replications,
            "± is the half-width of the 95 % confidence interval over replications"
        ))
    ));
    findings_html(&mut out, &words::findings(model, summary));

    out.push_str("<h2>Key figures</h2>\n<table class=\"key\">\n<tr><th>measure</th><th class=\"num\">value</th><th>unit</th></tr>\n");
    for k in words::key_figures(summary) {
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            escape(k.label),
            escape(&k.value),
            escape(k.unit)
        ));
    }
    out.push_str("</table>\n");

    out.push_str("<h2>The scenario in plain words</h2>\n<dl class=\"params\">\n");
    for (topic, text) in parameters::rows(model) {
        out.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape(&topic),
            escape(&text)
        ));
    }
    out.push_str("</dl>\n");

    figures_html(&mut out, figures);

    out.push_str("<h2>Where the time goes, in numbers</h2>\n<table class=\"where\">\n<tr><th>mean per delivered commit</th><th class=\"num\">hours</th><th class=\"num\">share</th></tr>\n");
    let (rows, left_out) = words::where_table(model, summary);
    for r in rows {
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            escape(&r.what),
            escape(&where_hours(summary, &r)),
            escape(&percent(r.share))
        ));
    }
    out.push_str("</table>\n");
    if let Some(note) = words::left_out_note(left_out) {
        out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(&note)));
    }
    let people = super::people::rows(model, summary);
    if !people.is_empty() {
        out.push_str("<h2>People</h2>\n<p>Manual tasks (tests by a person, reviews with an effort), one at a time per member, in their working hours.</p>\n<table class=\"where\">\n<tr><th>person or team</th>");
        for h in super::people::headings() {
            out.push_str(&format!("<th class=\"num\">{}</th>", escape(h)));
        }
        out.push_str("</tr>\n");
        for r in &people {
            out.push_str(&format!("<tr><td>{}</td>", escape(&r.name)));
            for c in &r.cells {
                out.push_str(&format!("<td class=\"num\">{}</td>", escape(c)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out.push_str(&tail(&format!(
        "promosim {} · scenario {} · seed {} · files next to this page: summary.json, replications.csv, report.md, charts/",
        summary.promosim, summary.scenario, summary.seed
    )));
    out
}

/// The lead paragraph of the paired-difference section, shared with `report.md`.
pub(crate) const PAIRED_NOTE: &str = "Every scenario ran the same replications on the same seed (common random numbers): replication r of each saw the same commits and defects, so each difference is taken per replication, and its 95 % interval is far narrower than the scenarios' own. * marks a real difference: its interval excludes 0. The same figures are in comparison.json.";

fn differences_html(out: &mut String, page: &Page, c: &Comparison) {
    out.push_str(&format!(
        "<h2>Paired differences from {}</h2>\n<p>{}</p>\n<ul class=\"findings\">\n",
        escape(&c.baseline),
        escape(PAIRED_NOTE)
    ));
    let sentences = points::difference_sentences(c, &page.metrics);
    if sentences.is_empty() {
        out.push_str("<li>No difference in the metrics shown is larger than the noise (every interval includes 0).</li>\n");
    }
    for s in sentences {
        out.push_str(&format!("<li>{}</li>\n", escape(&s)));
    }
    out.push_str("</ul>\n<div class=\"scroll\"><table class=\"diff\">\n<tr><th>measure</th>");
    for (i, s) in c.scenarios.iter().enumerate() {
        out.push_str(&format!("<th class=\"num\">{}</th>", escape(&s.label)));
        if i > 0 {
            out.push_str(&format!(
                "<th class=\"num\">Δ {} − {}</th>",
                escape(&s.label),
                escape(&c.baseline)
            ));
        }
    }
    out.push_str("<th>unit</th></tr>\n");
    for r in points::diff_rows(c, &page.metrics) {
        out.push_str(&format!("<tr><td>{}</td>", escape(&r.metric.name)));
        for (i, v) in r.values.iter().enumerate() {
            out.push_str(&format!("<td class=\"num\">{}</td>", escape(v)));
            if i > 0 {
                match r.differences.get(i - 1).cloned().flatten() {
                    Some((d, true)) => out.push_str(&format!(
                        "<td class=\"num real\">{} <span class=\"mark\">*</span></td>",
                        escape(&d)
                    )),
                    Some((d, false)) => {
                        out.push_str(&format!("<td class=\"num\">{}</td>", escape(&d)))
                    }
                    None => out.push_str("<td class=\"num\">—</td>"),
                }
            }
        }
        out.push_str(&format!("<td>{}</td></tr>\n", escape(&r.metric.unit)));
    }
    out.push_str("</table></div>\n");
}

fn changes_html(out: &mut String, labels: &[&str], changes: &[ParamChange]) {
    out.push_str("<h2>What differs between the scenarios</h2>\n");
    if changes.is_empty() {
        out.push_str("<p>Nothing: the scenarios are described by the same parameters.</p>\n");
        return;
    }
    out.push_str("<dl class=\"params\">\n");
    for c in changes {
        let text = if c.values.len() == 2 {
            format!("{} → {}", escape(&c.values[0]), escape(&c.values[1]))
        } else {
            c.values
                .iter()
                .zip(labels)
                .map(|(v, l)| format!("{}: {}", escape(l), escape(v)))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        out.push_str(&format!("<dt>{}</dt><dd>{text}</dd>\n", escape(&c.topic)));
    }
    out.push_str("</dl>\n");
}

/// A sweep's key figures: one row per grid point, a column for each swept
/// value that varies, then one per metric shown.
fn sweep_table_html(out: &mut String, page: &Page, points: &[(String, &Summary)]) {
    let grid = points::sweep_rows(page, points);
    out.push_str("<h2>Key figures</h2>\n<div class=\"scroll\"><table class=\"key\">\n<tr>");
    for (k, h) in grid.header.iter().enumerate() {
        let class = if k < grid.dims { "" } else { " class=\"num\"" };
        out.push_str(&format!("<th{class}>{}</th>", escape(h)));
    }
    out.push_str("</tr>\n");
    for row in &grid.rows {
        out.push_str("<tr>");
        for (k, v) in row.iter().enumerate() {
            let class = if k < grid.dims {
                " class=\"dim\""
            } else {
                " class=\"num\""
            };
            out.push_str(&format!("<td{class}>{}</td>", escape(v)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
}

/// A comparison's key figures: one column per scenario.
fn compare_table_html(out: &mut String, points: &[(String, &Summary)]) {
    out.push_str(
        "<h2>Key figures</h2>\n<div class=\"scroll\"><table class=\"key\">\n<tr><th>measure</th>",
    );
    for (label, _) in points {
        out.push_str(&format!("<th class=\"num\">{}</th>", escape(label)));
    }
    out.push_str("<th>unit</th></tr>\n");
    let summaries: Vec<&Summary> = points.iter().map(|(_, s)| *s).collect();
    let rows = words::key_figure_rows(&summaries);
    if let Some(first) = rows.first() {
        for (i, k) in first.iter().enumerate() {
            out.push_str(&format!("<tr><td>{}</td>", escape(k.label)));
            for r in &rows {
                out.push_str(&format!("<td class=\"num\">{}</td>", escape(&r[i].value)));
            }
            out.push_str(&format!("<td>{}</td></tr>\n", escape(k.unit)));
        }
    }
    out.push_str("</table></div>\n");
}

/// The grid of a sweep in words: each dimension's short name, path and values.
pub(crate) fn grid_words(page: &Page) -> Vec<String> {
    let names = points::dimension_names(page.dimensions);
    page.dimensions
        .iter()
        .enumerate()
        .map(|(d, path)| {
            let mut values: Vec<&str> = Vec::new();
            for s in &page.settings {
                if let Some(x) = s.get(d)
                    && !values.contains(&x.value.as_str())
                {
                    values.push(&x.value);
                }
            }
            let values: Vec<String> = values.iter().map(|v| points::plain_value(v)).collect();
            format!("{} ({path}): {}", names[d], values.join(", "))
        })
        .collect()
}

/// The page of a comparison or sweep: findings, the paired differences and
/// what differs (a comparison), the grid (a sweep), key figures, and the charts.
pub fn compare_page(
    page: &Page,
    points: &[(String, &Summary)],
    changes: &[ParamChange],
    figures: &[(Figure, String)],
) -> String {
    let mut out = head(&format!("{} — promosim report", page.title));
    out.push_str(&format!("<h1>{}</h1>\n", escape(page.title)));
    out.push_str(&format!(
        "<p class=\"lead\">{}; scenarios share random numbers (common random numbers) when they share a seed.</p>\n",
        escape(interval_note(
            most_replications(points),
            "± is the half-width of the 95 % confidence interval over replications"
        ))
    ));
    findings_html(&mut out, &points::dominance(points, &page.best));
    if let Some(sel) = page.selection {
        out.push_str(&super::selection::html(sel));
    }
    if let Some(c) = page.comparison {
        differences_html(&mut out, page, c);
        let labels: Vec<&str> = points.iter().map(|(l, _)| l.as_str()).collect();
        changes_html(&mut out, &labels, changes);
    }
    if page.is_sweep() {
        out.push_str(&format!(
            "<h2>The grid</h2>\n<p>{} points, every one on the same seed and replications:</p>\n<ul>\n",
            points.len()
        ));
        for g in grid_words(page) {
            out.push_str(&format!("<li>{}</li>\n", escape(&g)));
        }
        out.push_str("</ul>\n");
        sweep_table_html(&mut out, page, points);
    } else {
        compare_table_html(&mut out, points);
    }
    out.push_str("<h2>The scenarios</h2>\n<dl class=\"params\">\n");
    let shown: Vec<&(String, &Summary)> = if page.is_sweep() {
        points.iter().take(1).collect()
    } else {
        points.iter().collect()
    };
    for (label, s) in shown {
        out.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape(if page.is_sweep() { &s.scenario } else { label }),
            escape(s.description.trim())
        ));
    }
    out.push_str("</dl>\n");
    figures_html(&mut out, figures);
    out.push_str(&tail(&format!(
        "promosim {} · files next to this page: {}report.md, charts/",
        env!("CARGO_PKG_VERSION"),
        if page.is_sweep() {
            "sweep.json, sweep.csv, "
        } else if page.comparison.is_some() {
            "comparison.json, comparison.csv, "
        } else {
            ""
        }
    )));
    out
}
