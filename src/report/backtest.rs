//! The backtest's rendering: the quantile table and verdict as text, and a
//! self-contained page with the QQ chart and the observed-vs-simulated CDF.

use std::fmt::Write;
use std::path::Path;

use crate::experiment::backtest::Backtest;
use crate::report::charts::{self, CdfSeries, Chart, Series};
use crate::report::html::{escape, inline_svg};

/// The table and the verdict, for the terminal.
pub fn text(b: &Backtest) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "backtest of {}: {} commits replayed, {} replications; {} observed and {} simulated delivered commits",
        b.name,
        b.commits,
        b.replications,
        b.observed_h.len(),
        b.simulated_h.len()
    );
    let _ = writeln!(
        o,
        "{:>9}  {:>12}  {:>12}  simulated range over replications (95 %)",
        "lead time", "observed h", "simulated h"
    );
    for r in &b.rows {
        let _ = writeln!(
            o,
            "{:>9}  {:>12.2}  {:>12.2}  [{:.2}, {:.2}]{}",
            format!("p{:.0}", r.q * 100.0),
            r.observed,
            r.simulated,
            r.range.0,
            r.range.1,
            if r.range.0 <= r.observed && r.observed <= r.range.1 {
                ""
            } else {
                "  observed OUTSIDE"
            }
        );
    }
    let _ = writeln!(
        o,
        "KS distance {:.3} (5 % critical {:.3})",
        b.ks, b.ks_critical
    );
    let _ = writeln!(
        o,
        "production deploys per week: observed {:.2}, simulated {:.2}",
        b.deploys_per_week.0, b.deploys_per_week.1
    );
    if let Some(f) = b.failed_deploys {
        let _ = writeln!(
            o,
            "failed production deployments: observed {:.1} %; simulated change failure rate {:.1} % (incidents and rollbacks: not the same measure)",
            f * 100.0,
            b.change_failure_rate * 100.0
        );
    }
    let _ = writeln!(o, "{}", b.verdict());
    o
}

/// The two charts: QQ (simulated against observed quantiles, with the
/// diagonal) and both CDFs.
pub fn charts(b: &Backtest) -> [Chart; 2] {
    let qs: Vec<(f64, f64)> = (1..100)
        .map(|i| {
            let q = i as f64 / 100.0;
            (
                crate::experiment::backtest::quantile(&b.observed_h, q),
                crate::experiment::backtest::quantile(&b.simulated_h, q),
            )
        })
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let top = qs.iter().map(|p| p.0.max(p.1)).fold(0.0, f64::max);
    let qq = Chart::TimeSeries {
        title: "Lead time quantiles: simulated against observed (p1 … p99)".into(),
        y_label: "simulated lead time (h)".into(),
        x_label: "observed lead time (h)".into(),
        series: vec![
            Series {
                name: "quantiles".into(),
                points: qs,
                step: false,
                band: None,
            },
            Series {
                name: "equal (a perfect model)".into(),
                points: vec![(0.0, 0.0), (top, top)],
                step: false,
                band: None,
            },
        ],
        shaded: vec![],
    };
    let series = |name: &str, v: &[f64]| CdfSeries {
        name: name.into(),
        sorted_values_h: v.to_vec(),
        p50: crate::experiment::backtest::quantile(v, 0.5),
        p95: crate::experiment::backtest::quantile(v, 0.95),
    };
    let cdf = Chart::LeadTimeCdf {
        title: "Lead time: observed and simulated".into(),
        series: vec![
            series("observed", &b.observed_h),
            series("simulated", &b.simulated_h),
        ],
    };
    [qq, cdf]
}

/// Writes `index.html` (the page), `quantiles.csv` and the charts' SVG into `dir`.
pub fn write(b: &Backtest, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut figures = String::new();
    for (chart, stem) in charts(b).iter().zip(["backtest-qq", "backtest-cdf"]) {
        let svg = charts::render_svg(chart, charts::DEFAULT_SIZE).map_err(|e| e.to_string())?;
        let path = dir.join(format!("{stem}.svg"));
        std::fs::write(&path, &svg).map_err(|e| format!("{}: {e}", path.display()))?;
        let _ = writeln!(
            figures,
            "<figure>{}</figure>",
            inline_svg(&svg, chart.title())
        );
    }
    let mut csv = String::from("quantile,observed_h,simulated_h,range_lo_h,range_hi_h\n");
    let mut rows = String::new();
    for r in &b.rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{}",
            r.q, r.observed, r.simulated, r.range.0, r.range.1
        );
        let _ = writeln!(
            rows,
            "<tr><td>p{:.0}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2} – {:.2}</td></tr>",
            r.q * 100.0,
            r.observed,
            r.simulated,
            r.range.0,
            r.range.1
        );
    }
    let path = dir.join("quantiles.csv");
    std::fs::write(&path, csv).map_err(|e| format!("{}: {e}", path.display()))?;
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Backtest: {name}</title>\n<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}svg{{max-width:100%;height:auto}}</style></head><body>\n<h1>Backtest: {name}</h1>\n<p><strong>{verdict}</strong></p>\n<table><tr><th>lead time</th><th>observed (h)</th><th>simulated (h)</th><th>simulated range, 95 % of replications (h)</th></tr>\n{rows}</table>\n<p>KS distance {ks:.3} (5 % critical {crit:.3}). Production deploys per week: observed {dpo:.2}, simulated {dps:.2}.</p>\n{figures}</body></html>\n",
        name = escape(&b.name),
        verdict = escape(&b.verdict()),
        ks = b.ks,
        crit = b.ks_critical,
        dpo = b.deploys_per_week.0,
        dps = b.deploys_per_week.1,
    );
    let path = dir.join("index.html");
    std::fs::write(&path, page).map_err(|e| format!("{}: {e}", path.display()))
}
