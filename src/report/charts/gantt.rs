//! Chart 5: the release timeline (Gantt).

use super::text::BLUE;
use super::*;
use plotters::coord::Shift;
use plotters::style::text_anchor::{HPos, VPos};

pub(super) fn kind_style(kind: BarKind) -> (RGBColor, f64, Option<Marker>, &'static str) {
    match kind {
        BarKind::Normal => (BLUE, 0.32, None, "in stage"),
        BarKind::Waiting => (SKY_BLUE, 0.12, None, "waiting"),
        BarKind::Rejected => (VERMILLION, 0.32, Some(Marker::Cross), "rejected"),
        BarKind::Rollback => (PURPLE, 0.32, Some(Marker::Triangle), "rolled back"),
    }
}

pub(super) fn draw_gantt<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    lanes: &[String],
    bars: &[GanttBar],
) -> Result<(), ChartError> {
    let x_desc = "time (hours)";
    let n = lanes.len();
    let valid: Vec<(&GanttBar, f64, f64)> = bars
        .iter()
        .filter(|b| b.lane < n && finite2(b.start_h, b.end_h))
        .map(|b| (b, b.start_h.min(b.end_h), b.start_h.max(b.end_h)))
        .collect();
    if valid.is_empty() {
        return draw_empty(body, x_desc, "");
    }
    let entries = gantt_legend(&valid);
    let (plot, panel) = split_for_legend(body, &entries);
    let (x0, x1) = min_max(valid.iter().flat_map(|(_, s, e)| [*s, *e])).unwrap_or((0.0, 1.0));
    let (pw, ph) = plot.dim_in_pixel();
    // Lane names on the left, as wide as needed up to 30% of the plot.
    let lane_px = (ph as f64 - 100.0) / n as f64;
    let lane_font = (lane_px * 0.75).clamp(8.0, TICK_PX);
    let max_label_w = (pw as f64 * 0.3) as u32;
    let lane_names: Vec<String> = lanes
        .iter()
        .map(|l| fit(root, l, lane_font, max_label_w))
        .collect();
    let label_w = lane_names
        .iter()
        .map(|l| text_width(root, l, lane_font))
        .max()
        .unwrap_or(0);
    let y_of = |lane: usize| (n - 1 - lane) as f64;
    let y_axis = category_axis(n);
    let mut chart = ChartBuilder::on(&plot)
        .margin(16)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(label_w + 16)
        .build_cartesian_2d(padded(x0, x1, 0.01, 0.03), y_axis)?;
    let lane_fmt = |v: &f64| -> String {
        let r = v.round();
        if (v - r).abs() > 0.01 || r < 0.0 || r as usize >= n {
            return String::new();
        }
        lane_names[n - 1 - r as usize].clone()
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(x_desc)
        .axis_desc_style(font(DESC_PX))
        .x_label_style(font(TICK_PX))
        .y_label_style(font(lane_font))
        .x_labels(9)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&lane_fmt)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .draw()?;
    // Faint lane separators.
    chart.draw_series((1..n).map(|i| {
        let y = i as f64 - 0.5;
        PathElement::new(
            vec![(x0 - (x1 - x0), y), (x1 + (x1 - x0), y)],
            GRID.stroke_width(1),
        )
    }))?;
    // Waiting first, so work bars and markers sit on top.
    let mut order: Vec<&(&GanttBar, f64, f64)> = valid.iter().collect();
    order.sort_by_key(|(b, _, _)| b.kind != BarKind::Waiting);
    for (b, s, e) in &order {
        let (c, h, _, _) = kind_style(b.kind);
        let y = y_of(b.lane);
        let mut rect = Rectangle::new([(*s, y - h), (*e, y + h)], c.filled());
        rect.set_margin(0, 0, 0, 1);
        chart.draw_series(std::iter::once(rect))?;
    }
    for (b, s, e) in &order {
        let (_, h, marker, _) = kind_style(b.kind);
        let y = y_of(b.lane);
        let left = chart.backend_coord(&(*s, y));
        let right = chart.backend_coord(&(*e, y));
        if let Some(m) = marker {
            draw_marker_px(root, m, right, (lane_px * 0.3) as i32)?;
        }
        if let Some(label) = b.label.as_deref().filter(|_| h > 0.2) {
            let room = (right.0 - left.0 - 8 - if marker.is_some() { 8 } else { 0 }).max(0) as u32;
            let bar_px = (chart.backend_coord(&(*s, y - h)).1
                - chart.backend_coord(&(*s, y + h)).1)
                .unsigned_abs();
            let size = NOTE_PX.min(bar_px as f64 * 0.8);
            if size >= 8.0 && text_width(root, label, size) <= room {
                let ink = if b.kind == BarKind::Rollback {
                    INK
                } else {
                    WHITE
                };
                root.draw(&Text::new(
                    label.to_string(),
                    (left.0 + 4, left.1),
                    anchored(font_c(size, ink), HPos::Left, VPos::Center),
                ))?;
            }
        }
    }
    if let Some(panel) = panel {
        draw_legend(&panel, &entries, 24)?;
    }
    Ok(())
}

/// One legend entry per kind of bar the chart shows.
fn gantt_legend(valid: &[(&GanttBar, f64, f64)]) -> Vec<LegendEntry> {
    let mut entries = Vec::new();
    for kind in [
        BarKind::Normal,
        BarKind::Waiting,
        BarKind::Rejected,
        BarKind::Rollback,
    ] {
        if valid.iter().any(|(b, _, _)| b.kind == kind) {
            let (c, _, marker, name) = kind_style(kind);
            entries.push(LegendEntry {
                swatch: match (kind, marker) {
                    (BarKind::Waiting, _) => Swatch::ThinBlock(c),
                    (_, Some(m)) => Swatch::BlockWithMarker(c, m),
                    _ => Swatch::Block(c),
                },
                text: name.to_string(),
                sub: None,
            });
        }
    }
    entries
}
