//! Charts 2 and 3: bars over categories, stacked or grouped.

use super::text::BLUE;
use super::*;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::style::text_anchor::{HPos, VPos};
use std::ops::Range;

/// A linear f64 axis whose ticks sit exactly at given values (category centres).
///
/// Plotters' own `WithKeyPoints<RangedCoordf64>` cannot take a label formatter.
#[derive(Clone)]
pub(super) struct Ticked {
    pub(super) inner: RangedCoordf64,
    pub(super) ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// Axis for categories 0..n at integer positions.
pub(super) fn category_axis(n: usize) -> Ticked {
    Ticked {
        inner: (-0.5..(n.max(1) as f64 - 0.5)).into(),
        ticks: (0..n).map(|i| i as f64).collect(),
    }
}

pub(super) type CatPlot<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, RangedCoordf64>>;

pub(super) fn category_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    n: usize,
    y_range: Range<f64>,
    y_desc: &str,
) -> Result<CatPlot<'a, DB>, ChartError> {
    let mut chart = ChartBuilder::on(plot)
        .margin(16)
        .margin_right(20)
        .x_label_area_size(46)
        .y_label_area_size(72)
        .build_cartesian_2d(category_axis(n), y_range)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc(y_desc)
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .x_label_formatter(&|_| String::new())
        .y_labels(7)
        .y_label_formatter(&|v| fmt_num(*v))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .draw()?;
    Ok(chart)
}

/// Category names under the bars, on up to two lines each.
pub(super) fn draw_category_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &CatPlot<'_, DB>,
    categories: &[String],
) -> Result<(), ChartError> {
    let n = categories.len();
    if n == 0 {
        return Ok(());
    }
    let y0 = chart.y_range().start;
    let left = chart.backend_coord(&(-0.5, y0)).0;
    let right = chart.backend_coord(&(n as f64 - 0.5, y0)).0;
    let slot = ((right - left) as f64 / n as f64 * 0.96).max(20.0) as u32;
    for (i, name) in categories.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64, y0));
        for (k, line) in wrap(root, name, TICK_PX, slot, 2).into_iter().enumerate() {
            root.draw(&Text::new(
                line,
                (x, y + 8 + k as i32 * 16),
                anchored(font(TICK_PX), HPos::Center, VPos::Top),
            ))?;
        }
    }
    Ok(())
}

pub(super) fn draw_stacked<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    y_label: &str,
    categories: &[String],
    components: &[String],
    values: &[Vec<f64>],
) -> Result<(), ChartError> {
    let value = |c: usize, k: usize| -> f64 {
        values
            .get(c)
            .and_then(|row| row.get(k))
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
            .unwrap_or(0.0)
    };
    let totals: Vec<f64> = (0..categories.len())
        .map(|c| (0..components.len()).map(|k| value(c, k)).sum())
        .collect();
    let max_total = totals.iter().copied().fold(0.0, f64::max);
    if categories.is_empty() || components.is_empty() || max_total <= 0.0 {
        let (plot, _) = split_for_legend(body, &[]);
        return draw_empty(&plot, "", y_label);
    }
    // Legend lists the top of the stack first, as the eye meets it.
    let entries: Vec<LegendEntry> = components
        .iter()
        .enumerate()
        .rev()
        .map(|(k, name)| LegendEntry {
            swatch: Swatch::Block(color(k)),
            text: name.clone(),
            sub: None,
        })
        .collect();
    let (plot, panel) = split_for_legend(body, &entries);
    let n = categories.len();
    let mut chart = category_chart(&plot, n, 0.0..max_total * 1.1, y_label)?;
    let half = bar_half_width(n);
    for (c, _) in categories.iter().enumerate() {
        let mut base = 0.0;
        for k in 0..components.len() {
            let v = value(c, k);
            if v <= 0.0 {
                continue;
            }
            let x = c as f64;
            let (l, bottom) = chart.backend_coord(&(x - half, base));
            let (r, top) = chart.backend_coord(&(x + half, base + v));
            // One pixel of white between segments, so adjacent colours never
            // merge; a segment thinner than that keeps one pixel of colour
            // (never a negative height, which browsers drop).
            let top = if bottom - top > 1 {
                top + 1
            } else {
                top.min(bottom - 1)
            };
            root.draw(&Rectangle::new([(l, top), (r, bottom)], color(k).filled()))?;
            base += v;
        }
    }
    draw_totals(&mut chart, &totals, n)?;
    draw_category_labels(root, &chart, categories)?;
    if let Some(panel) = panel {
        draw_legend(&panel, &entries, 24)?;
    }
    Ok(())
}

pub(super) fn bar_half_width(n: usize) -> f64 {
    if n <= 2 { 0.25 } else { 0.32 }
}

/// Totals above bars, when there is room for them.
pub(super) fn draw_totals<DB: DrawingBackend>(
    chart: &mut CatPlot<'_, DB>,
    tops: &[f64],
    n: usize,
) -> Result<(), ChartError> {
    if n > 16 {
        return Ok(());
    }
    chart.draw_series(
        tops.iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(i, v)| {
                EmptyElement::at((i as f64, *v))
                    + Text::new(
                        fmt_num(*v),
                        (0, -4),
                        anchored(font_c(NOTE_PX, MUTED), HPos::Center, VPos::Bottom),
                    )
            }),
    )?;
    Ok(())
}

/// The data of a [`Chart::Bars`] or [`Chart::BarsCutAxis`].
pub(super) struct BarsData<'a> {
    pub(super) y_label: &'a str,
    pub(super) categories: &'a [String],
    pub(super) values: &'a [f64],
    pub(super) errors: Option<&'a [f64]>,
}

/// One bar per category; with `may_cut`, the axis is cut when a few bars
/// dwarf the rest (see [`Chart::BarsCutAxis`]).
pub(super) fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    data: &BarsData<'_>,
    may_cut: bool,
) -> Result<(), ChartError> {
    let BarsData {
        y_label,
        categories,
        values,
        errors,
    } = *data;
    let n = categories.len();
    let val = |i: usize| values.get(i).copied().filter(|v| v.is_finite());
    let err = |i: usize| {
        errors
            .and_then(|e| e.get(i))
            .copied()
            .filter(|e| e.is_finite())
            .map(f64::abs)
            .unwrap_or(0.0)
    };
    let bounds = min_max(
        (0..n)
            .filter_map(|i| val(i).map(|v| (v, err(i))))
            .flat_map(|(v, e)| [v - e, v + e, 0.0]),
    );
    let Some((lo, hi)) = bounds.filter(|_| (0..n).any(|i| val(i).is_some())) else {
        return draw_empty(body, "", y_label);
    };
    // A few bars far above the rest would flatten them to nothing (141
    // deployments a week beside 3): cut the axis above the rest, and break
    // the tall bars at the top, their values written on them.
    let tops: Vec<f64> = (0..n).filter_map(|i| val(i).map(|v| v + err(i))).collect();
    let cut = if may_cut && lo >= 0.0 {
        axis_cut(&tops)
    } else {
        None
    };
    let hi = cut.unwrap_or(hi);
    let span = (hi - lo).max(1e-9);
    let y_range = if lo < 0.0 { lo - span * 0.1 } else { 0.0 }..if hi > 0.0 {
        hi + span * 0.1
    } else {
        0.0 + span * 0.02
    };
    let y_range = if y_range.end - y_range.start < 1e-9 {
        0.0..1.0
    } else {
        y_range
    };
    let y_end = y_range.end;
    let mut chart = category_chart(body, n, y_range, y_label)?;
    let half = bar_half_width(n);
    chart.draw_series((0..n).filter_map(|i| {
        val(i).map(|v| {
            let x = i as f64;
            Rectangle::new([(x - half, 0.0), (x + half, v.min(y_end))], BLUE.filled())
        })
    }))?;
    if lo < 0.0 {
        chart.draw_series(LineSeries::new(
            vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
            AXIS.stroke_width(1),
        ))?;
    }
    let whisker = INK.stroke_width(2);
    for i in 0..n {
        let (Some(v), e) = (val(i), err(i)) else {
            continue;
        };
        let x = i as f64;
        if v > y_end {
            draw_bar_break(root, &chart, (x, half), y_end, v)?;
            continue;
        }
        if e > 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, v - e), (x, (v + e).min(y_end))],
                whisker,
            )))?;
            for end in [v - e, v + e].into_iter().filter(|y| *y <= y_end) {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, end)) + PathElement::new(vec![(-6, 0), (6, 0)], whisker),
                ))?;
            }
        }
        if n <= 16 {
            // Value label beyond the bar end (and beyond the whisker).
            let (at, dy, v_pos) = if v >= 0.0 {
                ((v + e).min(y_end), -4, VPos::Bottom)
            } else {
                (v - e, 4, VPos::Top)
            };
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, at))
                    + Text::new(
                        fmt_num(v),
                        (if e > 0.0 { 10 } else { 0 }, dy),
                        anchored(
                            font_c(NOTE_PX, MUTED),
                            if e > 0.0 { HPos::Left } else { HPos::Center },
                            v_pos,
                        ),
                    ),
            ))?;
        }
    }
    draw_category_labels(root, &chart, categories)?;
    Ok(())
}

/// Where to cut a bar chart's axis so the short bars stay readable: above the
/// tallest of the rest when the `k` tallest bars (at most half of them) are
/// each more than [`CUT_RATIO`] times taller than every other. `None`: no cut.
pub(super) fn axis_cut(tops: &[f64]) -> Option<f64> {
    let mut t: Vec<f64> = tops.iter().copied().filter(|v| v.is_finite()).collect();
    t.sort_by(|a, b| b.total_cmp(a));
    (1..=t.len() / 2)
        .find(|&k| t[k] > 0.0 && t[k - 1] > CUT_RATIO * t[k])
        .map(|k| t[k] * 1.25)
}

/// How much taller than the rest a bar must be for the axis to be cut.
pub const CUT_RATIO: f64 = 8.0;

/// A white double slash across a bar (centre `x`, half-width `half`) just under
/// the top of the plot: the bar runs off the scale. Its value `v`, and that it
/// is off the scale, are written on it when they fit.
fn draw_bar_break<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &CatPlot<'_, DB>,
    (x, half): (f64, f64),
    y_end: f64,
    v: f64,
) -> Result<(), ChartError> {
    let (l, top) = chart.backend_coord(&(x - half, y_end));
    let (r, _) = chart.backend_coord(&(x + half, y_end));
    for dy in [10, 16] {
        let y = top + dy;
        root.draw(&PathElement::new(
            vec![(l - 3, y + 4), (r + 3, y - 4)],
            WHITE.stroke_width(3),
        ))?;
    }
    let px = chart.backend_coord(&(x, y_end)).0;
    let room = (r - l - 4).max(0) as u32;
    for (k, text) in [fmt_num(v), "off scale".to_string()]
        .into_iter()
        .enumerate()
    {
        if text_width(root, &text, NOTE_PX) <= room {
            root.draw(&Text::new(
                text,
                (px, top + 26 + 16 * k as i32),
                anchored(font_c(NOTE_PX, WHITE), HPos::Center, VPos::Top),
            ))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_is_cut_above_the_short_bars_only_when_some_dwarf_them() {
        assert_eq!(axis_cut(&[141.0, 4.0, 3.0]), Some(5.0));
        assert_eq!(axis_cut(&[361.0, 300.0, 4.0, 3.0]), Some(5.0));
        assert_eq!(axis_cut(&[30.0, 4.0, 3.0]), None);
        // Most bars tall and one short: the short one is the odd one, not cut.
        assert_eq!(axis_cut(&[100.0, 100.0, 90.0, 1.0]), None);
        assert_eq!(axis_cut(&[5.0]), None);
        assert_eq!(axis_cut(&[50.0, 0.0]), None);
    }
}
