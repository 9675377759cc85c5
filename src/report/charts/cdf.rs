//! Chart 1: the lead-time CDF.

use super::*;
use crate::metrics::quantile;
use plotters::coord::Shift;

pub(super) fn draw_cdf<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    series: &[CdfSeries],
) -> Result<(), ChartError> {
    let prepared: Vec<(usize, &CdfSeries, Vec<f64>)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut v: Vec<f64> = s
                .sorted_values_h
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .collect();
            v.sort_by(f64::total_cmp);
            (i, s, v)
        })
        .filter(|(_, _, v)| !v.is_empty())
        .collect();
    let y_desc = "share of commits done";
    if prepared.is_empty() {
        return draw_empty(body, "lead time (hours)", y_desc);
    }
    let x_min = prepared.iter().map(|(_, _, v)| v[0]).fold(0.0, f64::min);
    let longest = prepared
        .iter()
        .map(|(_, _, v)| v[v.len() - 1])
        .fold(f64::MIN, f64::max);
    let cut = prepared
        .iter()
        .map(|(_, s, v)| {
            let p95 = if s.p95.is_finite() { s.p95 } else { f64::MIN };
            quantile(v, 0.99).max(p95)
        })
        .fold(f64::MIN, f64::max);
    let x_max = if longest <= cut * 1.05 {
        longest
    } else {
        cut * 1.05
    };
    let x_range = padded(x_min, x_max, 0.0, 0.02);
    let x_end = x_range.end;
    let x_desc = if longest > x_end {
        format!(
            "lead time (hours) — axis cut at the 99th percentile; longest {} h",
            fmt_num(longest)
        )
    } else {
        "lead time (hours)".to_string()
    };

    let entries = cdf_legend(&prepared);
    let (plot, panel) = split_for_legend(body, &entries);

    let mut chart = ChartBuilder::on(&plot)
        .margin(16)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(68)
        .build_cartesian_2d(x_range, 0f64..1.0f64)?;
    numeric_mesh(&mut chart, &x_desc, y_desc, &|v| {
        format!("{:.0}%", v * 100.0)
    })?;

    for (i, _, v) in &prepared {
        draw_line(&mut chart, *i, cdf_steps(v, x_min, x_end))?;
    }
    draw_percentile_markers(&mut chart, &prepared, x_min, x_end)?;
    if let Some(panel) = panel {
        draw_legend(&panel, &entries, 24)?;
    }
    Ok(())
}

/// Step points of the empirical CDF of `v` (sorted, non-empty) from `x0` to `x_end`.
/// One legend entry per series (with its p50 and p95), then the two markers.
fn cdf_legend(prepared: &[(usize, &CdfSeries, Vec<f64>)]) -> Vec<LegendEntry> {
    let mut entries: Vec<LegendEntry> = prepared
        .iter()
        .map(|(i, s, _)| {
            let mut parts = Vec::new();
            if s.p50.is_finite() {
                parts.push(format!("p50 {} h", fmt_num(s.p50)));
            }
            if s.p95.is_finite() {
                parts.push(format!("p95 {} h", fmt_num(s.p95)));
            }
            LegendEntry {
                swatch: line_swatch(*i, false),
                text: s.name.clone(),
                sub: (!parts.is_empty()).then(|| parts.join(" · ")),
            }
        })
        .collect();
    entries.push(LegendEntry {
        swatch: Swatch::Marker(MUTED, Marker::Circle),
        text: "median (p50)".into(),
        sub: None,
    });
    entries.push(LegendEntry {
        swatch: Swatch::Marker(MUTED, Marker::Triangle),
        text: "95th percentile".into(),
        sub: None,
    });
    entries
}

/// The p50 and p95 markers on top of all curves, with dashed drop lines to the axis.
fn draw_percentile_markers<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    prepared: &[(usize, &CdfSeries, Vec<f64>)],
    x_min: f64,
    x_end: f64,
) -> Result<(), ChartError> {
    for (i, s, _) in prepared {
        let c = color(*i);
        for (p, share, marker) in [
            (s.p50, 0.5, Marker::Circle),
            (s.p95, 0.95, Marker::Triangle),
        ] {
            if !(p.is_finite() && p >= x_min && p <= x_end) {
                continue;
            }
            chart.draw_series(DashedLineSeries::new(
                vec![(p, 0.0), (p, share)],
                4,
                3,
                c.stroke_width(1),
            ))?;
            match marker {
                Marker::Circle => {
                    chart.draw_series(std::iter::once(Circle::new((p, share), 5, c.filled())))?;
                    chart.draw_series(std::iter::once(Circle::new(
                        (p, share),
                        5,
                        WHITE.stroke_width(1),
                    )))?;
                }
                _ => {
                    chart.draw_series(std::iter::once(TriangleMarker::new(
                        (p, share),
                        6,
                        c.filled(),
                    )))?;
                }
            }
        }
    }
    Ok(())
}

pub(super) fn cdf_steps(v: &[f64], x0: f64, x_end: f64) -> Vec<(f64, f64)> {
    let n = v.len() as f64;
    let mut pts = vec![(x0, 0.0)];
    if v.len() <= 400 {
        let mut prev = 0.0;
        for (k, &x) in v.iter().enumerate() {
            if x > x_end {
                break;
            }
            let f = (k + 1) as f64 / n;
            pts.push((x, prev));
            pts.push((x, f));
            prev = f;
        }
        pts.push((x_end, prev));
    } else {
        // Evaluate on a grid fine enough to look like steps at any normal size.
        let steps = 600;
        let mut prev = 0.0;
        for k in 0..=steps {
            let x = x0 + (x_end - x0) * k as f64 / steps as f64;
            let f = v.partition_point(|&y| y <= x) as f64 / n;
            if f != prev {
                pts.push((x, prev));
                pts.push((x, f));
                prev = f;
            }
        }
        pts.push((x_end, prev));
    }
    pts
}
