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
    let r_marker = ((lane_px * 0.3) as i32).clamp(3, 6);
    let mut markers: Vec<MarkerAt> = Vec::new();
    let mut labels: Vec<BarLabel> = Vec::new();
    for (b, s, e) in &order {
        let (c, h, marker, _) = kind_style(b.kind);
        let y = y_of(b.lane);
        // In pixels, at least one wide: a bar shorter than a pixel (or a
        // rejection at one instant) still shows, and no rectangle is ever
        // drawn with a negative width (browsers drop those).
        let (l, top) = chart.backend_coord(&(*s, y + h));
        let (r, bottom) = chart.backend_coord(&(*e, y - h));
        let r = r.max(l + 1);
        root.draw(&Rectangle::new(
            [(l, top), (r, bottom.max(top + 1))],
            c.filled(),
        ))?;
        let mid = chart.backend_coord(&(*e, y)).1;
        if let Some(m) = marker {
            markers.push(MarkerAt {
                lane: b.lane,
                kind: m,
                x: r,
                y: mid,
            });
        }
        if let Some(text) = b.label.as_deref().filter(|_| h > 0.2) {
            let right = chart.backend_coord(&(*e, y)).0;
            labels.push(BarLabel {
                text,
                left: (l, chart.backend_coord(&(*s, y)).1),
                room: (right - l - 8 - if marker.is_some() { 8 } else { 0 }).max(0) as u32,
                height: (bottom - top).unsigned_abs(),
                rollback: b.kind == BarKind::Rollback,
            });
        }
    }
    draw_markers(root, &markers, r_marker)?;
    draw_bar_labels(root, &labels)?;
    if let Some(panel) = panel {
        draw_legend(&panel, &entries, 24)?;
    }
    Ok(())
}

/// A release's name, to write inside its bar where it fits.
struct BarLabel<'a> {
    text: &'a str,
    /// The bar's left end, at its middle height (pixels).
    left: (i32, i32),
    /// Width free for the text, pixels.
    room: u32,
    /// The bar's height, pixels.
    height: u32,
    rollback: bool,
}

/// Writes each label inside its bar, when the text fits the bar.
fn draw_bar_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &[BarLabel],
) -> Result<(), ChartError> {
    for b in labels {
        let size = NOTE_PX.min(b.height as f64 * 0.8);
        if size >= 8.0 && text_width(root, b.text, size) <= b.room {
            let ink = if b.rollback { INK } else { WHITE };
            root.draw(&Text::new(
                b.text.to_string(),
                (b.left.0 + 4, b.left.1),
                anchored(font_c(size, ink), HPos::Left, VPos::Center),
            ))?;
        }
    }
    Ok(())
}

/// Draws the markers at the bars' ends, grouped by [`place_markers`] where
/// they would overlap; a group's count is written beside it on a white patch.
fn draw_markers<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    markers: &[MarkerAt],
    r_marker: i32,
) -> Result<(), ChartError> {
    let placed = place_markers(markers, r_marker, |n| {
        text_width(root, &count_label(n), NOTE_PX) as i32 + 2
    });
    for p in &placed {
        draw_marker_px(root, p.kind, (p.x, p.y), r_marker)?;
        if p.count > 1 {
            // On a white patch, so the count reads over the bars.
            let label = count_label(p.count);
            let (x, y) = (p.x + r_marker + 1, p.y - r_marker);
            let w = text_width(root, &label, NOTE_PX) as i32;
            let h = NOTE_PX as i32 / 2 + 1;
            root.draw(&Rectangle::new(
                [(x - 1, y - h), (x + w + 1, y + h)],
                WHITE.filled(),
            ))?;
            root.draw(&Text::new(
                label,
                (x, y),
                anchored(font_c(NOTE_PX, INK), HPos::Left, VPos::Center),
            ))?;
        }
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

/// A marker wanted at the end of a bar, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct MarkerAt {
    pub(super) lane: usize,
    pub(super) kind: Marker,
    pub(super) x: i32,
    pub(super) y: i32,
}

/// A marker as drawn: `count` wanted markers of one kind stand for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PlacedMarker {
    pub(super) kind: Marker,
    pub(super) x: i32,
    pub(super) y: i32,
    pub(super) count: usize,
}

fn count_label(n: usize) -> String {
    format!("{n}")
}

/// Places markers of radius `r` so that none overlaps another (nor another's
/// count label, `label_w(count)` pixels wide to its right). Lane by lane, left
/// to right: a marker that would overlap the one before it joins it when of the
/// same kind (that marker then carries a count), else it moves right, just
/// clear of it. Markers therefore sit at most a marker's width or so from their
/// bar's end, and every wanted marker is counted once.
pub(super) fn place_markers(
    wanted: &[MarkerAt],
    r: i32,
    label_w: impl Fn(usize) -> i32,
) -> Vec<PlacedMarker> {
    let mut sorted: Vec<&MarkerAt> = wanted.iter().collect();
    sorted.sort_by_key(|m| (m.lane, m.x));
    let mut out: Vec<PlacedMarker> = Vec::with_capacity(sorted.len());
    let mut lane_start = 0;
    for (i, m) in sorted.iter().enumerate() {
        if i > 0 && sorted[i - 1].lane != m.lane {
            lane_start = out.len();
        }
        let footprint =
            |p: &PlacedMarker| 2 * r + 2 + if p.count > 1 { label_w(p.count) } else { 0 };
        match out[lane_start..].last_mut() {
            Some(last) if m.x < last.x + footprint(last) => {
                if last.kind == m.kind {
                    last.count += 1;
                } else {
                    let x = last.x + footprint(last);
                    out.push(PlacedMarker {
                        kind: m.kind,
                        x,
                        y: m.y,
                        count: 1,
                    });
                }
            }
            _ => out.push(PlacedMarker {
                kind: m.kind,
                x: m.x,
                y: m.y,
                count: 1,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placed_markers_never_overlap_and_count_every_marker() {
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let label_w = |n: usize| 8 * n.to_string().len() as i32;
        for trial in 0..200 {
            let r = 3 + trial % 4;
            let wanted: Vec<MarkerAt> = (0..(1 + next(60)))
                .map(|_| {
                    let lane = next(3) as usize;
                    MarkerAt {
                        lane,
                        kind: if next(2) == 0 {
                            Marker::Cross
                        } else {
                            Marker::Triangle
                        },
                        x: next(300) as i32,
                        y: 40 * lane as i32,
                    }
                })
                .collect();
            let placed = place_markers(&wanted, r, label_w);
            assert_eq!(placed.iter().map(|p| p.count).sum::<usize>(), wanted.len());
            for (i, a) in placed.iter().enumerate() {
                for b in &placed[i + 1..] {
                    if a.y != b.y {
                        continue;
                    }
                    let (first, second) = if a.x <= b.x { (a, b) } else { (b, a) };
                    let reach = first.x
                        + r
                        + if first.count > 1 {
                            label_w(first.count)
                        } else {
                            0
                        };
                    assert!(
                        second.x - r > reach,
                        "trial {trial}: markers at {} and {} overlap (r {r})",
                        first.x,
                        second.x
                    );
                }
            }
        }
    }

    #[test]
    fn markers_far_apart_stay_where_they_are() {
        let wanted = [
            MarkerAt {
                lane: 0,
                kind: Marker::Triangle,
                x: 10,
                y: 5,
            },
            MarkerAt {
                lane: 0,
                kind: Marker::Triangle,
                x: 40,
                y: 5,
            },
            MarkerAt {
                lane: 1,
                kind: Marker::Cross,
                x: 12,
                y: 30,
            },
        ];
        let placed = place_markers(&wanted, 5, |_| 10);
        assert_eq!(placed.len(), 3);
        assert!(placed.iter().all(|p| p.count == 1));
        assert_eq!(
            placed.iter().map(|p| p.x).collect::<Vec<_>>(),
            vec![10, 40, 12]
        );
    }
}
