//! `index.html`: one self-contained page for a planning meeting. Charts are
//! inline SVG, the style sheet is inline, there is no script and no reference
//! to any other file or to the network, so the page opens anywhere, offline,
//! and can be mailed as one file. Every piece of text is escaped.

use crate::experiment::Summary;
use crate::model::Model;
use crate::report::figures::Figure;
use crate::report::markdown::{most_replications, where_hours};
use crate::report::number::percent;
use crate::report::table::interval_note;
use crate::report::words;

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
figcaption{color:#555;font-size:14px;margin-top:6px}\
.band{display:inline-block;padding:0 8px;border-radius:4px;background:#e8f1f8;font-weight:600}\
footer{color:#777;font-size:13px;margin-top:40px}\
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

fn figures_html(out: &mut String, figures: &[(Figure, String)]) {
    out.push_str("<h2>Charts</h2>\n");
    for (f, svg) in figures {
        out.push_str(&format!(
            "<figure id=\"{}\">\n{}\n<figcaption>{} <span>(charts/{}.png, charts/{}.svg)</span></figcaption>\n</figure>\n",
            escape(&f.stem),
            inline_svg(svg, f.chart.title()),
            escape(&f.caption),
            escape(&f.stem),
            escape(&f.stem)
        ));
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
    for (topic, text) in words::parameters(model) {
        out.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape(&topic),
            escape(&text)
        ));
    }
    out.push_str("</dl>\n");

    figures_html(&mut out, figures);

    out.push_str("<h2>Where the time goes, in numbers</h2>\n<table class=\"where\">\n<tr><th>mean per delivered commit</th><th class=\"num\">hours</th><th class=\"num\">share</th></tr>\n");
    for r in words::where_rows(model, summary) {
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            escape(&r.what),
            escape(&where_hours(summary, &r)),
            escape(&percent(r.share))
        ));
    }
    out.push_str("</table>\n");
    out.push_str(&tail(&format!(
        "promosim {} · scenario {} · seed {} · files next to this page: summary.json, replications.csv, report.md, charts/",
        summary.promosim, summary.scenario, summary.seed
    )));
    out
}

/// The page of a comparison or sweep: one column per scenario (or grid
/// point) in the key-figures table, findings, and the charts.
pub fn compare_page(
    title: &str,
    points: &[(String, &Summary)],
    figures: &[(Figure, String)],
) -> String {
    let mut out = head(&format!("{title} — promosim report"));
    out.push_str(&format!("<h1>{}</h1>\n", escape(title)));
    out.push_str(&format!(
        "<p class=\"lead\">{}; scenarios share random numbers (common random numbers) when they share a seed.</p>\n",
        escape(interval_note(
            most_replications(points),
            "± is the half-width of the 95 % confidence interval over replications"
        ))
    ));
    findings_html(&mut out, &words::compare_findings(points));
    out.push_str("<h2>Key figures</h2>\n<table class=\"key\">\n<tr><th>measure</th>");
    for (label, _) in points {
        out.push_str(&format!("<th class=\"num\">{}</th>", escape(label)));
    }
    out.push_str("<th>unit</th></tr>\n");
    let rows: Vec<Vec<words::KeyFigure>> =
        points.iter().map(|(_, s)| words::key_figures(s)).collect();
    if let Some(first) = rows.first() {
        for (i, k) in first.iter().enumerate() {
            out.push_str(&format!("<tr><td>{}</td>", escape(k.label)));
            for r in &rows {
                out.push_str(&format!("<td class=\"num\">{}</td>", escape(&r[i].value)));
            }
            out.push_str(&format!("<td>{}</td></tr>\n", escape(k.unit)));
        }
    }
    out.push_str("</table>\n");
    out.push_str("<h2>The scenarios</h2>\n<dl class=\"params\">\n");
    for (label, s) in points {
        out.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape(label),
            escape(s.description.trim())
        ));
    }
    out.push_str("</dl>\n");
    figures_html(&mut out, figures);
    out.push_str(&tail(&format!(
        "promosim {} · files next to this page: report.md, charts/",
        env!("CARGO_PKG_VERSION")
    )));
    out
}
