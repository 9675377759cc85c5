//! A metric against a swept value: one line per series, a marker at each
//! point and a shaded 95 % interval band (a sweep's small multiples).

use super::*;
use plotters::coord::Shift;

/// The lines worth drawing, with finite points sorted by x and each
/// interval made to contain its point.
fn prepare(series: &[SweepLine]) -> Vec<(usize, &SweepLine, Vec<LinePoint>)> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut pts: Vec<LinePoint> = s
                .points
                .iter()
                .copied()
                .filter(|p| finite2(p.x, p.y))
                .map(|p| LinePoint {
                    lo: if p.lo.is_finite() { p.lo.min(p.y) } else { p.y },
                    hi: if p.hi.is_finite() { p.hi.max(p.y) } else { p.y },
                    ..p
                })
                .collect();
            pts.sort_by(|a, b| a.x.total_cmp(&b.x));
            (i, s, pts)
        })
        .filter(|(_, _, p)| !p.is_empty())
        .collect()
}

/// Draws [`Chart::Lines`]. The y axis starts at 0 (or below, for negative
/// values) so that gaps are not exaggerated; categorical x values are drawn at
/// 0, 1, 2, … and labelled by `x_ticks`.
pub(super) fn draw_lines<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    x_ticks: &[String],
    series: &[SweepLine],
) -> Result<(), ChartError> {
    let prepared = prepare(series);
    if prepared.is_empty() {
        return draw_empty(body, x_label, y_label);
    }
    let all = || prepared.iter().flat_map(|(_, _, p)| p.iter());
    let (x0, x1) = min_max(all().map(|p| p.x)).unwrap_or((0.0, 1.0));
    let (y0, y1) = min_max(all().flat_map(|p| [p.lo, p.hi])).unwrap_or((0.0, 1.0));
    let y_lo = y0.min(0.0);
    let y_range = padded(y_lo, y1, if y_lo < 0.0 { 0.05 } else { 0.0 }, 0.08);
    let entries: Vec<LegendEntry> = prepared
        .iter()
        .filter(|_| prepared.len() > 1 || !prepared[0].1.name.is_empty())
        .map(|(i, s, p)| LegendEntry {
            swatch: line_swatch(*i, p.len() >= 2),
            text: s.name.clone(),
            sub: Some("shaded: 95 % interval".to_string()),
        })
        .collect();
    let (plot, panel) = split_for_legend(body, &entries);
    let mut chart = ChartBuilder::on(&plot)
        .margin(16)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(68)
        .build_cartesian_2d(padded(x0, x1, 0.06, 0.06), y_range)?;
    let tick = |v: &f64| -> String {
        if x_ticks.is_empty() {
            return fmt_num(*v);
        }
        let k = v.round();
        if (v - k).abs() > 1e-6 || k < 0.0 {
            return String::new();
        }
        x_ticks.get(k as usize).cloned().unwrap_or_default()
    };
    // Whole-number values (agents, retries) get whole-number ticks only.
    let whole = all().all(|p| p.x.fract() == 0.0) && x1 - x0 <= 12.0;
    let n_ticks = if !x_ticks.is_empty() {
        x_ticks.len().max(2)
    } else if whole {
        (x1 - x0) as usize + 1
    } else {
        9
    };
    let tick = |v: &f64| -> String {
        if whole && (v - v.round()).abs() > 1e-6 {
            String::new()
        } else {
            tick(v)
        }
    };
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .x_labels(n_ticks)
        .y_labels(7)
        .x_label_formatter(&tick)
        .y_label_formatter(&|v| fmt_num(*v))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .draw()?;
    for (i, _, pts) in &prepared {
        if pts.len() < 2 {
            continue;
        }
        let outline: Vec<(f64, f64)> = pts
            .iter()
            .map(|p| (p.x, p.hi))
            .chain(pts.iter().rev().map(|p| (p.x, p.lo)))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            color(*i).mix(0.18).filled(),
        )))?;
    }
    for (i, _, pts) in &prepared {
        draw_line(&mut chart, *i, pts.iter().map(|p| (p.x, p.y)).collect())?;
        for p in pts {
            // A single point has no band: its interval is a whisker.
            if pts.len() < 2 && p.hi > p.lo {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(p.x, p.lo), (p.x, p.hi)],
                    color(*i).stroke_width(2),
                )))?;
            }
            chart.draw_series(std::iter::once(Circle::new(
                (p.x, p.y),
                4,
                color(*i).filled(),
            )))?;
        }
    }
    if let Some(panel) = panel {
        draw_legend(&panel, &entries, 24)?;
    }
    Ok(())
}
