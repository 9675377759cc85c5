//! Fonts, colours, text and number formatting shared by every chart.

use super::*;
use plotters::coord::Shift;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;
use std::sync::OnceLock;

pub(super) static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
pub(super) const FAMILY: &str = "sans-serif";

/// Register the embedded font exactly once per process.
pub(super) fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Render(
            "embedded font could not be loaded".into(),
        ))
    }
}

pub(super) const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
pub(super) const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
pub(super) const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
pub(super) const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
pub(super) const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub(super) const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
pub(super) const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
pub(super) const INK: RGBColor = RGBColor(0x00, 0x00, 0x00);
pub(super) const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// Okabe–Ito, ordered so the first colours contrast best with white and each other
/// (yellow, weakest on white, comes last), then a neutral grey for a ninth series.
pub(super) const PALETTE: [RGBColor; 9] = [
    BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY_BLUE, INK, YELLOW, GREY,
];

pub(super) const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub(super) const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
pub(super) const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);
pub(super) const AXIS: RGBColor = RGBColor(0x88, 0x88, 0x88);

pub(super) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Lines after the eighth reuse the palette, so they are dashed to stay distinct.
pub(super) fn dashed(i: usize) -> bool {
    i >= PALETTE.len()
}

/// Draw a series line, solid or dashed by its index.
pub(super) fn draw_line<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    index: usize,
    points: Vec<(f64, f64)>,
) -> Result<(), ChartError> {
    let style = color(index).stroke_width(2);
    if dashed(index) {
        chart.draw_series(DashedLineSeries::new(points, 8, 5, style))?;
    } else {
        chart.draw_series(LineSeries::new(points, style))?;
    }
    Ok(())
}

pub(super) fn line_swatch(index: usize, band: bool) -> Swatch {
    match (dashed(index), band) {
        (true, _) => Swatch::DashedLine(color(index)),
        (false, true) => Swatch::LineWithBand(color(index)),
        (false, false) => Swatch::Line(color(index)),
    }
}

pub(super) fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&TEXT)
}

pub(super) fn font_c(size: f64, c: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&c)
}

pub(super) fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

pub(super) const TITLE_PX: f64 = 20.0;
pub(super) const DESC_PX: f64 = 15.0;
pub(super) const TICK_PX: f64 = 13.0;
pub(super) const LEGEND_PX: f64 = 13.0;
pub(super) const NOTE_PX: f64 = 12.0;

pub(super) fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
) -> u32 {
    area.estimate_text_size(text, &font(size))
        .map(|(w, _)| w)
        // Fallback if the font cannot measure: a generous average glyph width.
        .unwrap_or((text.chars().count() as f64 * size * 0.6) as u32)
}

/// Shorten `text` with "…" so it fits in `max_w` pixels.
pub(super) fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    max_w: u32,
) -> String {
    if text_width(area, text, size) <= max_w {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    for n in (1..chars.len()).rev() {
        let s: String = chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
        if text_width(area, &s, size) <= max_w {
            return s;
        }
    }
    "…".to_string()
}

/// Break `text` into at most `max_lines` lines of at most `max_w` pixels, at spaces,
/// dashes, underscores or slashes; the last line is shortened with "…" if needed.
pub(super) fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    max_w: u32,
    max_lines: usize,
) -> Vec<String> {
    // Tokens keep their trailing separator, so joining them restores the text.
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        cur.push(ch);
        if matches!(ch, ' ' | '-' | '_' | '/') {
            tokens.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut i = 0;
    while i < tokens.len() {
        let candidate = format!("{line}{}", tokens[i]);
        if line.is_empty() || text_width(area, candidate.trim_end(), size) <= max_w {
            line = candidate;
            i += 1;
        } else {
            lines.push(std::mem::take(&mut line));
            if lines.len() == max_lines - 1 {
                break;
            }
        }
    }
    let rest: String = tokens[i..].concat();
    line.push_str(&rest);
    lines.push(line);
    let n = lines.len();
    lines
        .into_iter()
        .enumerate()
        .map(|(k, l)| {
            let l = l.trim().to_string();
            if k + 1 == n || text_width(area, &l, size) > max_w {
                fit(area, &l, size, max_w)
            } else {
                l
            }
        })
        .filter(|l| !l.is_empty())
        .collect()
}

pub(super) fn finite2(a: f64, b: f64) -> bool {
    a.is_finite() && b.is_finite()
}

/// A non-empty range containing `lo..hi`, padded by `pad` of its span on each side.
pub(super) fn padded(lo: f64, hi: f64, pad_lo: f64, pad_hi: f64) -> Range<f64> {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if hi - lo < 1e-9 {
        if lo.abs() > 1e-9 {
            let d = lo.abs() * 0.1;
            lo -= d;
            hi += d;
        } else {
            // All zero: show 0..1 rather than a symmetric range around zero.
            lo = 0.0;
            hi = 1.0;
        }
    }
    let span = hi - lo;
    (lo - span * pad_lo)..(hi + span * pad_hi)
}

pub(super) fn min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}
