//! Fonts, colours, text and number formatting shared by every chart.

use super::*;
// The backend traits by path only: in scope, their methods would clash with
// plotters' own `Color` methods.
use plotters::coord::Shift;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind};
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
/// (yellow, weakest on white, comes last), then a neutral grey and a brown for
/// a ninth and tenth series (the ten parts of "where the time goes").
pub(super) const PALETTE: [RGBColor; 10] = [
    BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY_BLUE, INK, YELLOW, GREY, BROWN,
];

pub(super) const BROWN: RGBColor = RGBColor(0x8C, 0x56, 0x4B);

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
/// dashes, underscores, slashes or a dot before a letter (a path such as
/// `stages.test.trigger`, not a number); the last line is shortened with "…" if needed.
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
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        cur.push(ch);
        let path_dot = ch == '.' && chars.peek().is_some_and(|c| c.is_alphabetic());
        if matches!(ch, ' ' | '-' | '_' | '/') || path_dot {
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

/// The embedded font, parsed once, for laying out PNG text.
fn embedded_font() -> Option<&'static ab_glyph::FontRef<'static>> {
    static FONT: OnceLock<Option<ab_glyph::FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| ab_glyph::FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

/// One line of text laid out with the font's advances and kerning, glyphs
/// placed on a baseline `ascent` pixels below the line's top.
pub(super) struct LaidOut {
    pub(super) glyphs: Vec<ab_glyph::Glyph>,
    /// Sum of advances and kerning, in pixels.
    pub(super) width: f32,
    /// Ascent minus descent, in pixels.
    pub(super) height: f32,
}

pub(super) fn lay_out(font: &ab_glyph::FontRef<'_>, text: &str, size: f32) -> LaidOut {
    use ab_glyph::{Font, ScaleFont};
    let sf = font.as_scaled(size);
    let mut x = 0.0f32;
    let mut prev: Option<ab_glyph::GlyphId> = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            x += sf.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(size, ab_glyph::point(x, sf.ascent())));
        x += sf.h_advance(id);
        prev = Some(id);
    }
    LaidOut {
        glyphs,
        width: x,
        height: sf.ascent() - sf.descent(),
    }
}

/// A drawing backend that draws text with [`lay_out`] and passes everything
/// else to the wrapped backend. Plotters' bitmap text places each glyph's
/// outline at the pen without its left side bearing, so gaps inside words
/// vary by a pixel or more ("producti on"); the SVG is laid out by the
/// browser and needs no wrapper. Widths for layout still come from
/// `estimate_text_size` (advances and kerning, as here), so PNG and SVG
/// place everything alike.
pub(super) struct KernedText<DB>(pub(super) DB);

type BackendResult<DB> = Result<(), DrawingErrorKind<<DB as DrawingBackend>::ErrorType>>;

impl<DB: DrawingBackend> DrawingBackend for KernedText<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> BackendResult<DB> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> BackendResult<DB> {
        self.0.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> BackendResult<DB> {
        self.0.draw_pixel(point, color)
    }
    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> BackendResult<DB> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> BackendResult<DB> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> BackendResult<DB> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> BackendResult<DB> {
        self.0.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> BackendResult<DB> {
        self.0.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> BackendResult<DB> {
        self.0.blit_bitmap(pos, size, src)
    }
    fn estimate_text_size<TStyle: plotters_backend::BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.0.estimate_text_size(text, style)
    }

    fn draw_text<TStyle: plotters_backend::BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> BackendResult<DB> {
        use ab_glyph::Font;
        let color = style.color();
        let Some(font) = embedded_font() else {
            return self.0.draw_text(text, style, pos);
        };
        if color.alpha == 0.0 {
            return Ok(());
        }
        let line = lay_out(font, text, style.size() as f32);
        let (w, h) = (line.width.round() as i32, line.height.round() as i32);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -w,
            HPos::Center => -w / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -h / 2,
            VPos::Bottom => -h,
        };
        let trans = style.transform();
        let (sw, sh) = self.get_size();
        let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
        for g in line.glyphs {
            if let Some(outline) = font.outline_glyph(g) {
                let b = outline.px_bounds();
                let (x0, y0) = (b.min.x as i32, b.min.y as i32);
                outline.draw(|x, y, c| pixels.push((x0 + x as i32, y0 + y as i32, c)));
            }
        }
        for (x, y, c) in pixels {
            let (x, y) = trans.transform(x + dx, y + dy);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if c > 0.0 && x >= 0 && y >= 0 && x < sw as i32 && y < sh as i32 {
                let alpha = color.alpha * f64::from(c.min(1.0));
                self.0.draw_pixel(
                    (x, y),
                    BackendColor {
                        alpha,
                        rgb: color.rgb,
                    },
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders `text` at `size` px on a white bitmap through `wrap` and
    /// returns the columns that hold ink, as runs `[left, right)`.
    fn ink_runs(text: &str, size: f64, kerned: bool) -> Vec<(i32, i32)> {
        ensure_font().expect("font");
        let (w, h) = (900u32, 120u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let bitmap = BitMapBackend::with_buffer(&mut buf, (w, h));
            let style = anchored(font_c(size, INK), HPos::Left, VPos::Top);
            if kerned {
                let root = KernedText(bitmap).into_drawing_area();
                root.draw(&Text::new(text.to_string(), (10, 10), style))
                    .expect("draw");
                root.present().expect("present");
            } else {
                let root = bitmap.into_drawing_area();
                root.draw(&Text::new(text.to_string(), (10, 10), style))
                    .expect("draw");
                root.present().expect("present");
            }
        }
        let inked = |x: u32| (0..h).any(|y| buf[((y * w + x) * 3) as usize] < 128);
        let mut runs = Vec::new();
        let mut start = None;
        for x in 0..w {
            match (inked(x), start) {
                (true, None) => start = Some(x as i32),
                (false, Some(s)) => {
                    runs.push((s, x as i32));
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    /// Where each glyph's ink should start, from the font's own metrics:
    /// pen position (advances + kerning) plus the glyph's left side bearing.
    fn expected_lefts(text: &str, size: f32) -> Vec<f32> {
        use ab_glyph::{Font, ScaleFont};
        let font = embedded_font().expect("font");
        let sf = font.as_scaled(size);
        let mut x = 0.0;
        let mut prev = None;
        let mut out = Vec::new();
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                x += sf.kern(p, id);
            }
            out.push(10.0 + x + sf.h_side_bearing(id));
            x += sf.h_advance(id);
            prev = Some(id);
        }
        out
    }

    fn spacing_error(kerned: bool) -> f32 {
        // Letters whose ink never shares a column with a neighbour's.
        let text = "minimum";
        let runs = ink_runs(text, 40.0, kerned);
        let want = expected_lefts(text, 40.0);
        assert_eq!(runs.len(), want.len(), "one ink run per letter: {runs:?}");
        runs.iter()
            .zip(&want)
            .map(|(r, w)| (r.0 as f32 - w).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn png_glyphs_sit_where_the_font_puts_them() {
        let err = spacing_error(true);
        assert!(err <= 1.5, "a glyph is {err} px from its advance + bearing");
    }

    /// The check above can fail: plotters' own bitmap text misplaces glyphs.
    #[test]
    fn plotters_bitmap_text_is_misplaced() {
        let err = spacing_error(false);
        assert!(
            err > 1.5,
            "plotters' text is now placed well ({err} px): drop KernedText?"
        );
    }

    #[test]
    fn png_word_gaps_are_smaller_than_a_space() {
        use ab_glyph::{Font, ScaleFont};
        let font = embedded_font().expect("font");
        let space = font.as_scaled(13.0).h_advance(font.glyph_id(' '));
        for word in ["releases", "production", "minimum"] {
            let runs = ink_runs(word, 13.0, true);
            for pair in runs.windows(2) {
                let gap = (pair[1].0 - pair[0].1) as f32;
                assert!(
                    gap < space,
                    "{word}: a {gap} px gap inside the word (space {space})"
                );
            }
        }
    }
}
