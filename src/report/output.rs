//! The files and the stdout text of `run`, `compare` and `sweep`, made from an
//! assembled experiment: the same bytes whether it ran whole or in shards.
//! (An unsharded `run` streams instead; it writes the same `replications.csv`
//! with the same [`ReplicationsCsv`].)

use std::fmt::Write;

use serde::Serialize;

use crate::experiment::compare::{self, Comparison, KEY_METRICS};
use crate::experiment::job::{Assembled, EXPERIMENT_FILE, Kind, PointResults, Setting};
use crate::metrics::MetricSummary;
use crate::report::number::{csv_number, defined, difference, with_interval};
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

/// Aligns rows of cells: the first column left, the rest right.
fn grid_text(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut o = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let pad = width[c] - cell.chars().count();
            if c == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("   ");
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        let _ = writeln!(o, "{}", line.trim_end());
    }
    o
}

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

fn comparison(asm: &Assembled) -> Output {
    let c = compare::compare(asm);
    let json = to_json(&c);
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
            "Means of {NO_INTERVALS}; Δ = difference from {}.\n",
            c.baseline
        );
    } else {
        let _ = writeln!(
            o,
            "Mean ± 95 % half-width; Δ = paired difference from {} (per replication), * = the interval excludes 0.\n",
            c.baseline
        );
    }
    let mut header = vec!["metric".to_string()];
    for (i, s) in c.scenarios.iter().enumerate() {
        header.push(s.label.clone());
        if i > 0 {
            header.push(format!("Δ {} − {}", s.label, c.baseline));
        }
    }
    let mut rows = vec![header];
    for key in KEY_METRICS {
        let Some(m) = c.get(key) else { continue };
        let mut row = vec![format!("{key} ({})", m.unit)];
        for (i, v) in m.values.iter().enumerate() {
            row.push(match v {
                Some(v) => with_interval(v.mean, v.ci95, v.n),
                None => "—".into(),
            });
            if i > 0 {
                row.push(match m.differences.get(i - 1).and_then(|d| d.as_ref()) {
                    Some(d) if !d.mean.is_nan() => format!(
                        "{}{}",
                        difference(d.mean, d.ci95, d.n, d.real),
                        if d.real { " *" } else { "  " }
                    ),
                    _ => "—  ".into(),
                });
            }
        }
        rows.push(row);
    }
    o.push_str(&grid_text(&rows));
    o
}

#[derive(Serialize)]
struct SweepPoint<'a> {
    point: usize,
    settings: &'a [Setting],
    metrics: Vec<MetricSummary>,
}

/// The contents of `sweep.json`.
#[derive(Serialize)]
struct SweepJson<'a> {
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
    let mut rows = vec![{
        let mut r = vec!["point".to_string()];
        r.extend(h.dimensions.iter().cloned());
        r.extend(KEY_METRICS.iter().take(5).map(|k| k.to_string()));
        r
    }];
    for (i, (p, s)) in h.points.iter().zip(&summaries).enumerate() {
        let get = |k: &str| s.iter().find(|m| m.key == k);
        let mut rec = vec![i.to_string()];
        rec.extend(p.settings.iter().map(|x| x.value.clone()));
        let mut line = rec.clone();
        for (j, k) in KEY_METRICS.iter().enumerate() {
            let m = get(k);
            rec.push(m.map_or(String::new(), |m| csv_number(m.mean)));
            rec.push(m.map_or(String::new(), |m| csv_number(m.ci95)));
            if j < 5 {
                line.push(m.map_or("—".into(), |m| with_interval(m.mean, m.ci95, m.n)));
            }
        }
        let _ = w.write_record(&rec);
        rows.push(line);
    }
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
            "Mean ± 95 % half-width; all metrics in sweep.csv and sweep.json.\n"
        );
    }
    table.push_str(&grid_text(&rows));
    Output {
        files: vec![
            ("sweep.csv".into(), csv),
            ("sweep.json".into(), json.clone().into_bytes()),
        ],
        table,
        json,
    }
}
