//! Chart 4: time series with optional bands.

use super::*;
use plotters::coord::Shift;

/// Behind the data, light enough for the grid and bands to show through.
const SHADE: RGBColor = RGBColor(0xE8, 0xE8, 0xE8);

pub(super) fn step_points(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    for (k, &(x, y)) in points.iter().enumerate() {
        if k > 0 {
            out.push((x, points[k - 1].1));
        }
        out.push((x, y));
    }
    out
}

/// A series ready to draw: its finite points and band, sorted by x.
struct Prepared<'a> {
    index: usize,
    s: &'a Series,
    line: Vec<(f64, f64)>,
    band: Vec<(f64, f64, f64)>,
}

/// The series worth drawing (a point, or a band of two), cleaned of
/// non-finite values and sorted.
fn prepare(series: &[Series]) -> Vec<Prepared<'_>> {
    series
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let mut pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| finite2(*x, *y))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut band: Vec<(f64, f64, f64)> = s
                .band
                .iter()
                .flatten()
                .copied()
                .filter(|(x, lo, hi)| x.is_finite() && finite2(*lo, *hi))
                .map(|(x, lo, hi)| (x, lo.min(hi), lo.max(hi)))
                .collect();
            band.sort_by(|a, b| a.0.total_cmp(&b.0));
            Prepared {
                index,
                s,
                line: pts,
                band,
            }
        })
        .filter(|p| !p.line.is_empty() || p.band.len() >= 2)
        .collect()
}

pub(super) fn draw_timeseries<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    shaded: &[Shade],
) -> Result<(), ChartError> {
    let prepared = prepare(series);
    if prepared.is_empty() {
        return draw_empty(body, x_label, y_label);
    }
    let xs = prepared
        .iter()
        .flat_map(|p| p.line.iter().map(|q| q.0).chain(p.band.iter().map(|b| b.0)));
    let (x0, x1) = min_max(xs).unwrap_or((0.0, 1.0));
    let ys = prepared.iter().flat_map(|p| {
        p.line
            .iter()
            .map(|q| q.1)
            .chain(p.band.iter().flat_map(|b| [b.1, b.2]))
    });
    let (y0, y1) = min_max(ys).unwrap_or((0.0, 1.0));
    let y_lo = y0.min(0.0);
    let y_range = padded(y_lo, y1, if y_lo < 0.0 { 0.05 } else { 0.0 }, 0.08);
    // Shades inside the data's x range only, clipped to it.
    let shades: Vec<(&Shade, f64, f64)> = shaded
        .iter()
        .filter(|s| finite2(s.from, s.to))
        .map(|s| (s, s.from.min(s.to).max(x0), s.from.max(s.to).min(x1)))
        .filter(|(_, a, b)| a < b)
        .collect();
    let mut entries: Vec<LegendEntry> = prepared
        .iter()
        .map(|p| LegendEntry {
            swatch: line_swatch(p.index, p.band.len() >= 2),
            text: p.s.name.clone(),
            sub: (p.band.len() >= 2).then(|| "shaded: range".to_string()),
        })
        .collect();
    entries.extend(shades.iter().map(|(s, _, _)| LegendEntry {
        swatch: Swatch::Block(SHADE),
        text: s.name.clone(),
        sub: s.note.clone(),
    }));
    let (plot, panel) = split_for_legend(body, &entries);
    let mut chart = ChartBuilder::on(&plot)
        .margin(16)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(68)
        .build_cartesian_2d(padded(x0, x1, 0.0, 0.0), y_range)?;
    // Shades under the grid, so its lines stay visible across them.
    let (ya, yb) = (chart.y_range().start, chart.y_range().end);
    for (_, a, b) in &shades {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(*a, ya), (*b, yb)],
            SHADE.filled(),
        )))?;
    }
    numeric_mesh(&mut chart, x_label, y_label, &|v| fmt_num(*v))?;
    // Bands first, so every line stays visible on top of every band.
    for p in &prepared {
        if p.band.len() < 2 {
            continue;
        }
        let (hi, lo): (Vec<Xy>, Vec<Xy>) = p.band.iter().map(|b| ((b.0, b.2), (b.0, b.1))).unzip();
        let (mut hi, mut lo) = (thin(hi, 300), thin(lo, 300));
        if p.s.step {
            hi = step_points(&hi);
            lo = step_points(&lo);
        }
        let outline: Vec<(f64, f64)> = hi.into_iter().chain(lo.into_iter().rev()).collect();
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            color(p.index).mix(0.18).filled(),
        )))?;
    }
    for p in &prepared {
        let line = thin(p.line.clone(), 400);
        let line = if p.s.step { step_points(&line) } else { line };
        if let [only] = line[..] {
            // A single point has no line to draw: mark it.
            chart.draw_series(std::iter::once(Circle::new(
                only,
                4,
                color(p.index).filled(),
            )))?;
        }
        draw_line(&mut chart, p.index, line)?;
    }
    if let Some(panel) = panel {
        draw_legend(&panel, &entries, 24)?;
    }
    Ok(())
}
