//! Layout shared by every chart: the dispatch, title, legend panel, "no data" and numeric axes.

use super::*;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::style::text_anchor::{HPos, VPos};

pub(super) fn draw_chart<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    ensure_font()?;
    root.fill(&WHITE)?;
    let body = draw_title(root, chart.title())?;
    match chart {
        Chart::LeadTimeCdf { series, .. } => draw_cdf(&body, series),
        Chart::StackedBars {
            y_label,
            categories,
            components,
            values,
            ..
        } => draw_stacked(root, &body, y_label, categories, components, values),
        Chart::Bars {
            y_label,
            categories,
            values,
            errors,
            ..
        }
        | Chart::BarsCutAxis {
            y_label,
            categories,
            values,
            errors,
            ..
        } => {
            let bars = BarsData {
                y_label,
                categories,
                values,
                errors: errors.as_deref(),
            };
            let cut = matches!(chart, Chart::BarsCutAxis { .. });
            draw_bars(root, &body, &bars, cut)
        }
        Chart::TimeSeries {
            y_label,
            x_label,
            series,
            shaded,
            ..
        } => draw_timeseries(&body, x_label, y_label, series, shaded),
        Chart::Gantt { lanes, bars, .. } => draw_gantt(root, &body, lanes, bars),
        Chart::Tradeoff {
            x_label,
            y_label,
            points,
            ..
        } => draw_tradeoff(root, &body, x_label, y_label, points),
        Chart::Lines {
            x_label,
            y_label,
            x_ticks,
            series,
            ..
        } => draw_lines(&body, x_label, y_label, x_ticks, series),
    }
}

/// Draw the title (wrapped on up to two lines) and return the area under it.
pub(super) fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let (w, _) = root.dim_in_pixel();
    let lines = if title.trim().is_empty() {
        Vec::new()
    } else {
        wrap(root, title.trim(), TITLE_PX, w.saturating_sub(40), 2)
    };
    let line_h = (TITLE_PX * 1.3) as i32;
    for (i, line) in lines.iter().enumerate() {
        root.draw(&Text::new(
            line.clone(),
            (w as i32 / 2, 12 + i as i32 * line_h),
            anchored(font(TITLE_PX), HPos::Center, VPos::Top),
        ))?;
    }
    let used = 12 + lines.len() as i32 * line_h + 4;
    Ok(root.split_vertically(used.max(12)).1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    Circle,
    Triangle,
    Cross,
}

#[derive(Clone, Copy)]
pub(super) enum Swatch {
    Line(RGBColor),
    DashedLine(RGBColor),
    LineWithBand(RGBColor),
    Block(RGBColor),
    ThinBlock(RGBColor),
    BlockWithMarker(RGBColor, Marker),
    Marker(RGBColor, Marker),
}

pub(super) struct LegendEntry {
    pub(super) swatch: Swatch,
    pub(super) text: String,
    /// A second, smaller, grey line under the text.
    pub(super) sub: Option<String>,
}

pub(super) const SWATCH_W: i32 = 26;

/// Split `body` into (plot, legend panel) sized for the entries; no panel if none.
pub(super) fn split_for_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
) -> (DrawingArea<DB, Shift>, Option<DrawingArea<DB, Shift>>) {
    if entries.is_empty() {
        return (body.clone(), None);
    }
    let (w, _) = body.dim_in_pixel();
    let widest = entries
        .iter()
        .flat_map(|e| {
            std::iter::once(text_width(body, &e.text, LEGEND_PX))
                .chain(e.sub.iter().map(|s| text_width(body, s, NOTE_PX)))
        })
        .max()
        .unwrap_or(0);
    let panel = (widest as i32 + SWATCH_W + 24).clamp(110, (w as f64 * 0.32) as i32);
    let (plot, legend) = body.split_horizontally(w as i32 - panel);
    (plot, Some(legend))
}

/// Lines of legend text an entry may wrap onto before it is shortened with "…".
const LEGEND_LINES: usize = 3;
/// Pixels between wrapped legend lines, and from the last to the grey sub-line.
const LEGEND_LINE_H: i32 = 16;
const LEGEND_SUB_H: i32 = 14;

/// Draw legend entries top-down in `panel`; `top` aligns the first entry with the plot.
/// A long entry wraps onto further lines rather than being cut; when the
/// entries do not all fit, the grey sub-lines go first, then "+N more".
pub(super) fn draw_legend<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    top: i32,
) -> Result<(), ChartError> {
    let (w, h) = panel.dim_in_pixel();
    let text_w = (w as i32 - SWATCH_W - 18).max(20) as u32;
    let x0 = 6;
    let lines: Vec<Vec<String>> = entries
        .iter()
        .map(|e| wrap(panel, &e.text, LEGEND_PX, text_w, LEGEND_LINES))
        .collect();
    let height = |i: usize, subs: bool| {
        let extra = LEGEND_LINE_H * (lines[i].len().max(1) as i32 - 1);
        let sub = if subs && entries[i].sub.is_some() {
            LEGEND_SUB_H
        } else {
            0
        };
        22 + extra + sub
    };
    let bottom = h as i32 - 10;
    let total = |subs: bool| top + (0..entries.len()).map(|i| height(i, subs)).sum::<i32>();
    let subs = total(true) <= bottom;
    let mut y = top;
    for (i, e) in entries.iter().enumerate() {
        if y + height(i, subs) > bottom {
            let left = entries.len() - i;
            panel.draw(&Text::new(
                format!("+{left} more"),
                (x0, y + 8),
                anchored(font_c(NOTE_PX, MUTED), HPos::Left, VPos::Center),
            ))?;
            break;
        }
        let cy = y + 8;
        draw_swatch(panel, e.swatch, x0, cy)?;
        let tx = x0 + SWATCH_W + 8;
        for (k, line) in lines[i].iter().enumerate() {
            panel.draw(&Text::new(
                line.clone(),
                (tx, cy + LEGEND_LINE_H * k as i32),
                anchored(font(LEGEND_PX), HPos::Left, VPos::Center),
            ))?;
        }
        if let Some(sub) = e.sub.as_ref().filter(|_| subs) {
            let last = LEGEND_LINE_H * (lines[i].len().max(1) as i32 - 1);
            panel.draw(&Text::new(
                fit(panel, sub, NOTE_PX, text_w),
                (tx, cy + last + 15),
                anchored(font_c(NOTE_PX, MUTED), HPos::Left, VPos::Center),
            ))?;
        }
        y += height(i, subs);
    }
    Ok(())
}

pub(super) fn draw_swatch<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x: i32,
    cy: i32,
) -> Result<(), ChartError> {
    let mid = x + SWATCH_W / 2;
    match swatch {
        Swatch::Line(c) => {
            panel.draw(&PathElement::new(
                vec![(x, cy), (x + SWATCH_W, cy)],
                c.stroke_width(3),
            ))?;
        }
        Swatch::DashedLine(c) => {
            for x0 in [x, x + 11, x + 22] {
                panel.draw(&PathElement::new(
                    vec![(x0, cy), ((x0 + 6).min(x + SWATCH_W), cy)],
                    c.stroke_width(3),
                ))?;
            }
        }
        Swatch::LineWithBand(c) => {
            panel.draw(&Rectangle::new(
                [(x, cy - 6), (x + SWATCH_W, cy + 6)],
                c.mix(0.2).filled(),
            ))?;
            panel.draw(&PathElement::new(
                vec![(x, cy), (x + SWATCH_W, cy)],
                c.stroke_width(3),
            ))?;
        }
        Swatch::Block(c) => {
            panel.draw(&Rectangle::new(
                [(x + 4, cy - 7), (x + SWATCH_W - 4, cy + 7)],
                c.filled(),
            ))?;
        }
        Swatch::ThinBlock(c) => {
            panel.draw(&Rectangle::new(
                [(x, cy - 3), (x + SWATCH_W, cy + 3)],
                c.filled(),
            ))?;
        }
        Swatch::BlockWithMarker(c, m) => {
            panel.draw(&Rectangle::new(
                [(x, cy - 6), (x + SWATCH_W - 6, cy + 6)],
                c.filled(),
            ))?;
            draw_marker_px(panel, m, (x + SWATCH_W - 6, cy), 6)?;
        }
        Swatch::Marker(c, m) => match m {
            Marker::Circle => panel.draw(&Circle::new((mid, cy), 5, c.filled()))?,
            Marker::Triangle => panel.draw(&TriangleMarker::new((mid, cy), 6, c.filled()))?,
            Marker::Cross => panel.draw(&Cross::new((mid, cy), 5, c.stroke_width(2)))?,
        },
    }
    Ok(())
}

/// The end-of-bar markers of the Gantt chart, in pixel coordinates.
pub(super) fn draw_marker_px<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: Marker,
    (x, y): (i32, i32),
    r: i32,
) -> Result<(), ChartError> {
    let r = r.clamp(3, 6);
    match m {
        Marker::Cross => {
            area.draw(&Circle::new((x, y), r + 2, WHITE.filled()))?;
            area.draw(&Cross::new((x, y), r, INK.stroke_width(2)))?;
        }
        Marker::Triangle => {
            // Downward triangle: "went back".
            let pts = vec![(x - r, y - r + 1), (x + r, y - r + 1), (x, y + r)];
            area.draw(&Polygon::new(pts.clone(), WHITE.filled()))?;
            area.draw(&PathElement::new(
                pts.iter().chain(pts.first()).copied().collect::<Vec<_>>(),
                INK.stroke_width(2),
            ))?;
        }
        Marker::Circle => area.draw(&Circle::new((x, y), r, INK.filled()))?,
    }
    Ok(())
}

pub(super) type Xy = (f64, f64);

pub(super) type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart frame with axes and axis titles but no data, and a "no data" note.
pub(super) fn draw_empty<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), ChartError> {
    let mut chart = ChartBuilder::on(body)
        .margin(16)
        .margin_right(30)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|_| String::new())
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .draw()?;
    chart.draw_series(std::iter::once(Text::new(
        "no data",
        (0.5, 0.5),
        anchored(font_c(DESC_PX, MUTED), HPos::Center, VPos::Center),
    )))?;
    Ok(())
}

/// Standard numeric mesh: light grid, no minor lines, compact tick labels.
pub(super) fn numeric_mesh<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    x_desc: &str,
    y_desc: &str,
    y_fmt: &dyn Fn(&f64) -> String,
) -> Result<(), ChartError> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .x_labels(9)
        .y_labels(7)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(y_fmt)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .draw()?;
    Ok(())
}

/// Keep at most about `2 * buckets` points of a long polyline, preserving each
/// bucket's minimum and maximum (so peaks survive thinning).
pub(super) fn thin(points: Vec<(f64, f64)>, buckets: usize) -> Vec<(f64, f64)> {
    if points.len() <= buckets * 2 {
        return points;
    }
    let Some((x0, x1)) = min_max(points.iter().map(|p| p.0)) else {
        return points;
    };
    let width = ((x1 - x0) / buckets as f64).max(f64::MIN_POSITIVE);
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(buckets * 2 + 2);
    let mut i = 0;
    while i < points.len() {
        let b = ((points[i].0 - x0) / width).floor();
        let mut j = i;
        let (mut lo, mut hi) = (points[i], points[i]);
        while j < points.len() && ((points[j].0 - x0) / width).floor() == b {
            if points[j].1 < lo.1 {
                lo = points[j];
            }
            if points[j].1 > hi.1 {
                hi = points[j];
            }
            j += 1;
        }
        let first = points[i];
        let last = points[j - 1];
        let mut group = vec![first, lo, hi, last];
        group.sort_by(|a, b| a.0.total_cmp(&b.0));
        group.dedup();
        out.extend(group);
        i = j;
    }
    out
}
