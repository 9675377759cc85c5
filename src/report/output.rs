//! The files and the stdout text of `run`, `compare` and `sweep`, made from an
//! assembled experiment: the same bytes whether it ran whole or in shards.
//! (An unsharded `run` streams instead; it writes the same `replications.csv`
//! with the same [`ReplicationsCsv`].)

use std::fmt::Write;

use serde::Serialize;

use crate::experiment::compare::{self, Comparison, KEY_METRICS};
use crate::experiment::job::{Assembled, EXPERIMENT_FILE, JobHeader, Kind, PointResults, Setting};
use crate::experiment::summary::SCHEMA_VERSION;
use crate::metrics::MetricSummary;
use crate::report::number::{csv_number, defined, difference, with_interval};
use crate::report::points;
use crate::report::replications::ReplicationsCsv;
use crate::report::table::{self, NO_INTERVALS};

/// Files to write (in order; the last one marks the report complete) and what to print.
#[derive(Debug, Clone)]
pub struct Output {
    pub files: Vec<(String, Vec<u8>)>,
    /// The table a person reads.
    pub table: String,
    /// The main JSON file's contents (for `--format json`).
    pub json: String,
}

/// The output of an assembled experiment of any kind.
pub fn render(asm: &Assembled) -> Output {
    let mut out = match asm.header.kind {
        Kind::Run => run(asm),
        Kind::Compare => comparison(asm),
        Kind::Sweep => sweep(asm),
    };
    // Everything `promosim report` needs to redraw the page, before the
    // last file (which marks the report complete).
    let at = out.files.len().saturating_sub(1);
    out.files.insert(
        at,
        (
            EXPERIMENT_FILE.to_string(),
            asm.to_partial().to_json().into_bytes(),
        ),
    );
    out
}

fn run(asm: &Assembled) -> Output {
    let summary = asm.summary(0);
    let json = summary.to_json();
    Output {
        files: vec![
            ("replications.csv".into(), replications_csv(&asm.points[0])),
            ("summary.json".into(), json.clone().into_bytes()),
        ],
        table: table::render(&summary),
        json,
    }
}

/// `replications.csv` of an assembled run.
pub fn replications_csv(p: &PointResults) -> Vec<u8> {
    let mut w = ReplicationsCsv::new(Vec::new());
    // Writing into memory cannot fail.
    let _ = p.replay(&mut w);
    w.finish().unwrap_or_default()
}

fn to_json<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Aligns rows of cells: the first `left` columns left, the rest right,
/// two spaces apart, keeping only the columns that fit in `width` (the
/// first always). Gives the text and the headers (row 0) of the columns left out.
fn grid_text(rows: &[Vec<String>], left: usize, width: usize) -> (String, Vec<String>) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let col_width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut kept = Vec::new();
    let mut used = 0;
    let mut dropped = Vec::new();
    for (c, w) in col_width.iter().enumerate() {
        let need = if kept.is_empty() { *w } else { used + 2 + w };
        if c == 0 || (need <= width && dropped.is_empty()) {
            kept.push(c);
            used = need;
        } else if let Some(h) = rows.first().and_then(|r| r.get(c)) {
            dropped.push(h.trim().to_string());
        }
    }
    let mut o = String::new();
    for r in rows {
        let mut line = String::new();
        for &c in &kept {
            let cell = r.get(c).map_or("", String::as_str);
            let pad = " ".repeat(col_width[c] - cell.chars().count());
            if c > 0 {
                line.push_str("  ");
            }
            if c < left {
                line.push_str(cell);
                line.push_str(&pad);
            } else {
                line.push_str(&pad);
                line.push_str(cell);
            }
        }
        let _ = writeln!(o, "{}", line.trim_end());
    }
    (o, dropped)
}

/// The metrics of the comparison table on stdout (every metric is in the files).
const TABLE_METRICS: &[&str] = &[
    "lead_time.mean",
    "lead_time.p50",
    "lead_time.p85",
    "lead_time.p95",
    "production.deploys_per_week",
    "production.commits_per_deploy",
    "build.utilisation",
    "defects.escaped",
    "blast_radius.share_hours",
    "production.change_failure_rate",
    "restore.from_detection",
    "commits.delivered",
];

#[derive(Serialize)]
struct ComparisonRow<'a> {
    metric: &'a str,
    unit: &'a str,
    scenario: &'a str,
    n: Option<u64>,
    mean: Option<f64>,
    ci95: Option<f64>,
    difference: Option<f64>,
    difference_ci95: Option<f64>,
    unpaired_ci95: Option<f64>,
    real: Option<bool>,
}

/// `comparison.json`: the comparison with [`SCHEMA_VERSION`] first.
#[derive(Serialize)]
struct Versioned<'a, T> {
    schema_version: u32,
    #[serde(flatten)]
    inner: &'a T,
}

fn comparison(asm: &Assembled) -> Output {
    let c = compare::compare(asm);
    let json = to_json(&Versioned {
        schema_version: SCHEMA_VERSION,
        inner: &c,
    });
    let mut w = csv::Writer::from_writer(Vec::new());
    for m in &c.metrics {
        for (i, s) in c.scenarios.iter().enumerate() {
            let v = m.values.get(i).and_then(|v| v.as_ref());
            let d = if i == 0 {
                None
            } else {
                m.differences.get(i - 1).and_then(|d| d.as_ref())
            };
            let _ = w.serialize(ComparisonRow {
                metric: &m.key,
                unit: &m.unit,
                scenario: &s.label,
                n: v.map(|v| v.n),
                mean: v.and_then(|v| defined(v.mean)),
                ci95: v.and_then(|v| defined(v.ci95)),
                difference: d.and_then(|d| defined(d.mean)),
                difference_ci95: d.and_then(|d| defined(d.ci95)),
                unpaired_ci95: d.and_then(|d| defined(d.unpaired_ci95)),
                real: d.map(|d| d.real),
            });
        }
    }
    let csv = w.into_inner().unwrap_or_default();
    Output {
        files: vec![
            ("comparison.csv".into(), csv),
            ("comparison.json".into(), json.clone().into_bytes()),
        ],
        table: comparison_table(&c),
        json,
    }
}

fn comparison_table(c: &Comparison) -> String {
    let width = table::width();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "promosim compare: {} scenarios on the same {} replications (seed {}): common random numbers",
        c.scenarios.len(),
        c.replications,
        c.seed
    );
    if c.replications < 2 {
        let _ = writeln!(
            o,
            "Means of {NO_INTERVALS}; Δ X = difference X − {}.\n",
            c.baseline
        );
    } else {
        let _ = writeln!(
            o,
            "Mean ± 95 % half-width; Δ X = paired difference X − {} (per replication), * = the interval excludes 0. All metrics in comparison.csv.\n",
            c.baseline
        );
    }
    let mut o = table::wrap_lines(&o, width);
    // One table of every scenario when it fits, else one per scenario compared with the first.
    let all: Vec<usize> = (1..c.scenarios.len()).collect();
    let (text, dropped) = grid_text(&comparison_rows(c, &all), 1, width);
    if dropped.is_empty() || all.len() < 2 {
        o.push_str(&text);
        note_dropped(&mut o, &dropped, "comparison.csv", width);
        return o;
    }
    for (k, &i) in all.iter().enumerate() {
        if k > 0 {
            o.push('\n');
        }
        let (text, dropped) = grid_text(&comparison_rows(c, &[i]), 1, width);
        o.push_str(&text);
        note_dropped(&mut o, &dropped, "comparison.csv", width);
    }
    o
}

/// "Not shown (in FILE): …" under a table that left columns out.
fn note_dropped(o: &mut String, dropped: &[String], file: &str, width: usize) {
    if !dropped.is_empty() {
        let line = format!(
            "(left out to fit {width} columns, in {file}: {})\n",
            dropped.join(", ")
        );
        o.push_str(&table::wrap_lines(&line, width));
    }
}

/// The comparison table's rows: the baseline and scenarios `others` with their differences.
fn comparison_rows(c: &Comparison, others: &[usize]) -> Vec<Vec<String>> {
    let mut header = vec!["metric".to_string()];
    if let Some(b) = c.scenarios.first() {
        header.push(b.label.clone());
    }
    for &i in others {
        header.push(c.scenarios[i].label.clone());
        header.push(format!("Δ {}", c.scenarios[i].label));
    }
    let mut rows = vec![header];
    for key in TABLE_METRICS {
        let Some(m) = c.get(key) else { continue };
        let mut row = vec![format!("{key} ({})", m.unit)];
        let value = |i: usize| match m.values.get(i).and_then(|v| v.as_ref()) {
            Some(v) => with_interval(v.mean, v.ci95, v.n),
            None => "—".into(),
        };
        row.push(value(0));
        for &i in others {
            row.push(value(i));
            row.push(match m.differences.get(i - 1).and_then(|d| d.as_ref()) {
                Some(d) if !d.mean.is_nan() => format!(
                    "{}{}",
                    difference(d.mean, d.ci95, d.n, d.real),
                    if d.real { " *" } else { "  " }
                ),
                _ => "—  ".into(),
            });
        }
        rows.push(row);
    }
    rows
}

/// The sweep table's columns on stdout: (key, header), in the order they are
/// left out from the end when the table would not fit.
const SWEEP_COLUMNS: &[(&str, &str)] = &[
    ("lead_time.p50", "p50 h"),
    ("lead_time.mean", "mean h"),
    ("blast_radius.share_hours", "blast share·h"),
    ("production.deploys_per_week", "deploys/week"),
    ("production.change_failure_rate", "CFR"),
    ("lead_time.p95", "p95 h"),
];

#[derive(Serialize)]
struct SweepPoint<'a> {
    point: usize,
    settings: &'a [Setting],
    metrics: Vec<MetricSummary>,
}

/// The contents of `sweep.json`.
#[derive(Serialize)]
struct SweepJson<'a> {
    schema_version: u32,
    promosim: &'static str,
    scenario: &'a str,
    file: &'a str,
    seed: u64,
    replications: u32,
    dimensions: &'a [String],
    points: Vec<SweepPoint<'a>>,
}

fn sweep(asm: &Assembled) -> Output {
    let h = &asm.header;
    let summaries: Vec<Vec<MetricSummary>> = asm.points.iter().map(|p| p.summarise()).collect();
    let first = h.points.first();
    let doc = SweepJson {
        schema_version: SCHEMA_VERSION,
        promosim: env!("CARGO_PKG_VERSION"),
        scenario: first.map_or("", |p| p.scenario.as_str()),
        file: first.map_or("", |p| p.file.as_str()),
        seed: h.seed,
        replications: h.replications,
        dimensions: &h.dimensions,
        points: h
            .points
            .iter()
            .zip(&summaries)
            .enumerate()
            .map(|(i, (p, s))| SweepPoint {
                point: i,
                settings: &p.settings,
                metrics: s.clone(),
            })
            .collect(),
    };
    let json = to_json(&doc);
    // sweep.csv: one row per point.
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(h.dimensions.iter().cloned());
    for k in KEY_METRICS {
        header.push(k.to_string());
        header.push(format!("{k}.ci95"));
    }
    let _ = w.write_record(&header);
    for (i, (p, s)) in h.points.iter().zip(&summaries).enumerate() {
        let get = |k: &str| s.iter().find(|m| m.key == k);
        let mut rec = vec![i.to_string()];
        rec.extend(p.settings.iter().map(|x| x.value.clone()));
        for k in KEY_METRICS {
            let m = get(k);
            rec.push(m.map_or(String::new(), |m| csv_number(m.mean)));
            rec.push(m.map_or(String::new(), |m| csv_number(m.ci95)));
        }
        let _ = w.write_record(&rec);
    }
    let rows = sweep_rows(h, &summaries);
    let csv = w.into_inner().unwrap_or_default();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "promosim sweep {}: {} points × {} replications on seed {} (common random numbers)",
        doc.scenario,
        h.points.len(),
        h.replications,
        h.seed
    );
    if h.replications < 2 {
        let _ = writeln!(
            table,
            "Means of {NO_INTERVALS}; all metrics in sweep.csv and sweep.json.\n"
        );
    } else {
        let _ = writeln!(
            table,
            "Mean ± 95 % half-width (CFR: change failure rate, %); all metrics in sweep.csv and sweep.json.\n"
        );
    }
    let width = table::width();
    let mut table = table::wrap_lines(&table, width);
    let (text, dropped) = grid_text(&rows, 1 + h.dimensions.len(), width);
    table.push_str(&text);
    note_dropped(&mut table, &dropped, "sweep.csv", width);
    Output {
        files: vec![
            ("sweep.csv".into(), csv),
            ("sweep.json".into(), json.clone().into_bytes()),
        ],
        table,
        json,
    }
}

/// The rows of the sweep table on stdout: the point, its swept values (short
/// names, plain values), then [`SWEEP_COLUMNS`].
fn sweep_rows(h: &JobHeader, summaries: &[Vec<MetricSummary>]) -> Vec<Vec<String>> {
    let mut header = vec!["point".to_string()];
    header.extend(points::dimension_names(&h.dimensions));
    header.extend(SWEEP_COLUMNS.iter().map(|(_, t)| t.to_string()));
    let mut rows = vec![header];
    for (i, (p, s)) in h.points.iter().zip(summaries).enumerate() {
        let mut line = vec![i.to_string()];
        line.extend(p.settings.iter().map(|x| points::plain_value(&x.value)));
        for (k, _) in SWEEP_COLUMNS {
            let scale = if *k == "production.change_failure_rate" {
                100.0
            } else {
                1.0
            };
            line.push(s.iter().find(|m| m.key == *k).map_or("—".into(), |m| {
                with_interval(m.mean * scale, m.ci95 * scale, m.n)
            }));
        }
        rows.push(line);
    }
    rows
}
