//! Chart 6: the trade-off scatter.

use super::*;
use plotters::coord::Shift;
use plotters::style::text_anchor::{HPos, VPos};

pub(super) fn overlap(a: (i32, i32, i32, i32), b: (i32, i32, i32, i32)) -> i64 {
    let w = (a.2.min(b.2) - a.0.max(b.0)).max(0) as i64;
    let h = (a.3.min(b.3) - a.1.max(b.1)).max(0) as i64;
    w * h
}

/// A point as drawn: (index, point, (x_lo, x_hi), (y_lo, y_hi)).
type Placed<'a> = (usize, &'a TradeoffPoint, (f64, f64), (f64, f64));

pub(super) fn draw_tradeoff<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    points: &[TradeoffPoint],
) -> Result<(), ChartError> {
    // Intervals: a missing or inverted bound collapses onto the point.
    let pts: Vec<Placed> = points
        .iter()
        .enumerate()
        .filter(|(_, p)| finite2(p.x, p.y))
        .map(|(i, p)| {
            let lo = |v: f64, c: f64| if v.is_finite() { v.min(c) } else { c };
            let hi = |v: f64, c: f64| if v.is_finite() { v.max(c) } else { c };
            (
                i,
                p,
                (lo(p.x_lo, p.x), hi(p.x_hi, p.x)),
                (lo(p.y_lo, p.y), hi(p.y_hi, p.y)),
            )
        })
        .collect();
    if pts.is_empty() {
        return draw_empty(body, x_label, y_label);
    }
    let (x0, x1) = min_max(pts.iter().flat_map(|p| [p.2.0, p.2.1])).unwrap_or((0.0, 1.0));
    let (y0, y1) = min_max(pts.iter().flat_map(|p| [p.3.0, p.3.1])).unwrap_or((0.0, 1.0));
    // Both axes start at 0 (honest gaps: a point twice as far from the axis
    // is twice as large); negative values extend them below.
    let (x0, y0) = (x0.min(0.0), y0.min(0.0));
    let pad_lo = |lo: f64| if lo < 0.0 { 0.08 } else { 0.0 };
    let mut chart = ChartBuilder::on(body)
        .margin(16)
        .margin_right(30)
        .x_label_area_size(48)
        .y_label_area_size(68)
        .build_cartesian_2d(
            padded(x0, x1, pad_lo(x0), 0.12),
            padded(y0, y1, pad_lo(y0), 0.12),
        )?;
    numeric_mesh(&mut chart, x_label, y_label, &|v| fmt_num(*v))?;
    draw_points(&mut chart, &pts)?;
    // Labels: try eight places around each marker; take the first that overlaps no
    // marker or earlier label and stays inside the plot, else the least-bad one.
    let (px_range, py_range) = chart.plotting_area().get_pixel_range();
    let centers: Vec<(i32, i32)> = pts
        .iter()
        .map(|(_, p, _, _)| chart.backend_coord(&(p.x, p.y)))
        .collect();
    let mut taken: Vec<(i32, i32, i32, i32)> = centers
        .iter()
        .map(|&(x, y)| (x - 7, y - 7, x + 7, y + 7))
        .collect();
    // Whiskers are obstacles too, but crossing one is better than hiding a label.
    let mut whiskers: Vec<(i32, i32, i32, i32)> = Vec::new();
    for (_, p, (xl, xh), (yl, yh)) in &pts {
        let (l, t) = chart.backend_coord(&(*xl, *yh));
        let (r, b) = chart.backend_coord(&(*xh, *yl));
        let (cx, cy) = chart.backend_coord(&(p.x, p.y));
        whiskers.push((l - 1, cy - 5, r + 1, cy + 5));
        whiskers.push((cx - 5, t - 1, cx + 5, b + 1));
    }
    for (k, (_, p, _, _)) in pts.iter().enumerate() {
        if p.label.is_empty() {
            continue;
        }
        let text = fit(root, &p.label, LEGEND_PX, 220);
        let w = text_width(root, &text, LEGEND_PX) as i32;
        let h = LEGEND_PX as i32 + 2;
        let (cx, cy) = centers[k];
        let candidates = [
            (cx + 9, cy - 9 - h),
            (cx + 9, cy + 9),
            (cx - 9 - w, cy - 9 - h),
            (cx - 9 - w, cy + 9),
            (cx + 11, cy - h / 2),
            (cx - 11 - w, cy - h / 2),
            (cx - w / 2, cy - 12 - h),
            (cx - w / 2, cy + 12),
        ];
        let score = |&(x, y): &(i32, i32)| -> i64 {
            let bx = (x, y, x + w, y + h);
            let outside = (px_range.start - bx.0).max(0)
                + (bx.2 - px_range.end).max(0)
                + (py_range.start - bx.1).max(0)
                + (bx.3 - py_range.end).max(0);
            let clash: i64 = taken.iter().map(|t| overlap(*t, bx)).sum();
            let crossing: i64 = whiskers.iter().map(|t| overlap(*t, bx)).sum();
            clash * 4 + crossing + outside as i64 * 1000
        };
        let best = candidates
            .iter()
            .enumerate()
            .min_by_key(|(ci, c)| (score(c), *ci))
            .map(|(_, c)| *c)
            .unwrap_or(candidates[0]);
        taken.push((best.0, best.1, best.0 + w, best.1 + h));
        // A translucent backdrop keeps the label legible over a whisker or grid line.
        root.draw(&Rectangle::new(
            [(best.0 - 2, best.1 - 1), (best.0 + w + 2, best.1 + h)],
            WHITE.mix(0.75).filled(),
        ))?;
        root.draw(&Text::new(
            text,
            best,
            anchored(font(LEGEND_PX), HPos::Left, VPos::Top),
        ))?;
    }
    Ok(())
}

/// Each point's whiskers (95 % intervals, with caps), then its marker on top.
fn draw_points<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    pts: &[Placed],
) -> Result<(), ChartError> {
    for (i, p, (xl, xh), (yl, yh)) in pts {
        let style = color(*i).stroke_width(2);
        chart.draw_series([
            PathElement::new(vec![(*xl, p.y), (*xh, p.y)], style),
            PathElement::new(vec![(p.x, *yl), (p.x, *yh)], style),
        ])?;
        for (x, y, cap) in [
            (*xl, p.y, [(0, -5), (0, 5)]),
            (*xh, p.y, [(0, -5), (0, 5)]),
            (p.x, *yl, [(-5, 0), (5, 0)]),
            (p.x, *yh, [(-5, 0), (5, 0)]),
        ] {
            if (x, y) != (p.x, p.y) {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, y)) + PathElement::new(cap.to_vec(), style),
                ))?;
            }
        }
    }
    for (i, p, _, _) in pts {
        let (c, shape) = point_style(*i);
        draw_shape(chart, shape, (p.x, p.y), c)?;
    }
    Ok(())
}

/// The marker shapes of the scatter, in the order they are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

const SHAPES: [Shape; 4] = [
    Shape::Circle,
    Shape::Square,
    Shape::Triangle,
    Shape::Diamond,
];

/// Point `i`'s colour and shape: the palette in turn, then again with the
/// next shape, so no two of the first 36 points look alike.
pub(super) fn point_style(i: usize) -> (RGBColor, Shape) {
    let n = PALETTE.len();
    (color(i), SHAPES[(i / n) % SHAPES.len()])
}

/// A filled marker of about 12 px centred on `at`, outlined in white.
fn draw_shape<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    shape: Shape,
    at: (f64, f64),
    c: RGBColor,
) -> Result<(), ChartError> {
    let outline = WHITE.stroke_width(1);
    // Corners in pixels from the point.
    let corners: Vec<(i32, i32)> = match shape {
        Shape::Circle => {
            chart.draw_series(std::iter::once(Circle::new(at, 6, c.filled())))?;
            chart.draw_series(std::iter::once(Circle::new(at, 6, outline)))?;
            return Ok(());
        }
        Shape::Square => vec![(-5, -5), (5, -5), (5, 5), (-5, 5)],
        Shape::Triangle => vec![(0, -7), (7, 5), (-7, 5)],
        Shape::Diamond => vec![(0, -7), (7, 0), (0, 7), (-7, 0)],
    };
    let closed: Vec<(i32, i32)> = corners.iter().chain(corners.first()).copied().collect();
    chart.draw_series(std::iter::once(
        EmptyElement::at(at) + Polygon::new(corners, c.filled()),
    ))?;
    chart.draw_series(std::iter::once(
        EmptyElement::at(at) + PathElement::new(closed, outline),
    ))?;
    Ok(())
}
