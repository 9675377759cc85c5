//! Charts over plain data, rendered to SVG (for inlining in an HTML report) and PNG.
//!
//! This module knows nothing about the simulator: the report layer converts results
//! into the plain inputs below (all times in hours). Every function is total: bad
//! numbers (NaN, infinities, ragged tables) are skipped, empty inputs draw an empty
//! chart with a "no data" note, and nothing panics.
//!
//! Rendering rules, chosen once for every chart:
//! - Okabe–Ito colour-blind-safe palette; states that matter (rejection, rollback,
//!   waiting) also differ in shape or thickness, never in colour alone.
//! - Legends live in a panel to the right of the plot, never on top of the data.
//! - Category names are drawn under their bar, wrapped on two lines and shortened
//!   with "…" only when they cannot fit.
//! - The text font (DejaVu Sans) is embedded, so PNGs render identically on machines
//!   without system fonts. SVG text names the `sans-serif` family.
//! - Lead-time CDFs use a linear x axis from 0 to the largest p99 (or p95) of the
//!   series: a log axis would be truer to long tails but managers misread it. When
//!   the axis cuts the tail, the axis title says so and gives the longest value.
//! - Long series are thinned to at most a few hundred points per series (the
//!   envelope is kept), so SVGs stay small enough to inline.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Default output size in pixels (width, height).
pub const DEFAULT_SIZE: (u32, u32) = (800, 500);

/// Why a chart could not be produced. Empty data is never an error.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot write chart file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot render chart: {0}")]
    Render(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Render(e.to_string())
    }
}

/// A rendered chart: the SVG text, for inlining into an HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub svg: String,
}

/// One chart, described by plain data. Times are in hours.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Empirical CDF of commit lead time, one curve per series.
    LeadTimeCdf {
        title: String,
        series: Vec<CdfSeries>,
    },
    /// One stacked bar per category; `values[category][component]`.
    StackedBars {
        title: String,
        y_label: String,
        categories: Vec<String>,
        components: Vec<String>,
        values: Vec<Vec<f64>>,
    },
    /// One bar per category, with optional ± half-width whiskers.
    Bars {
        title: String,
        y_label: String,
        categories: Vec<String>,
        values: Vec<f64>,
        errors: Option<Vec<f64>>,
    },
    /// Lines (or steps) over time, with optional shaded bands.
    TimeSeries {
        title: String,
        y_label: String,
        x_label: String,
        series: Vec<Series>,
    },
    /// Releases moving through lanes (stages) over time.
    Gantt {
        title: String,
        lanes: Vec<String>,
        bars: Vec<GanttBar>,
    },
    /// Labelled points with intervals in both directions (e.g. cost vs lead time).
    Tradeoff {
        title: String,
        x_label: String,
        y_label: String,
        points: Vec<TradeoffPoint>,
    },
}

/// One lead-time distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct CdfSeries {
    pub name: String,
    /// Lead times in hours; sorted ascending is expected but not required.
    pub sorted_values_h: Vec<f64>,
    pub p50: f64,
    pub p95: f64,
}

/// One line of a [`Chart::TimeSeries`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// (x, y) points, in x order.
    pub points: Vec<(f64, f64)>,
    /// Draw as a step function (value holds until the next point), e.g. queue length.
    pub step: bool,
    /// Optional shaded band: (x, lo, hi).
    pub band: Option<Vec<(f64, f64, f64)>>,
}

/// One bar of a [`Chart::Gantt`].
#[derive(Debug, Clone, PartialEq)]
pub struct GanttBar {
    /// Index into `lanes`; bars with an unknown lane are skipped.
    pub lane: usize,
    pub start_h: f64,
    pub end_h: f64,
    /// Drawn inside the bar when it fits.
    pub label: Option<String>,
    pub kind: BarKind,
}

/// What a Gantt bar represents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarKind {
    /// Work in a stage.
    Normal,
    /// Waiting (queue, approval window, freeze): a thin bar.
    Waiting,
    /// Work that ended in a rejection: vermillion, with a × at the end.
    Rejected,
    /// A rollback: reddish purple, with a ▼ at the end.
    Rollback,
}

/// One point of a [`Chart::Tradeoff`], with its intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeoffPoint {
    pub label: String,
    pub x: f64,
    pub x_lo: f64,
    pub x_hi: f64,
    pub y: f64,
    pub y_lo: f64,
    pub y_hi: f64,
}

impl Chart {
    /// The chart's title.
    pub fn title(&self) -> &str {
        match self {
            Chart::LeadTimeCdf { title, .. }
            | Chart::StackedBars { title, .. }
            | Chart::Bars { title, .. }
            | Chart::TimeSeries { title, .. }
            | Chart::Gantt { title, .. }
            | Chart::Tradeoff { title, .. } => title,
        }
    }
}

/// Write `<stem>.svg` and `<stem>.png` at [`DEFAULT_SIZE`] and return the SVG text.
pub fn save(chart: &Chart, stem: &Path) -> Result<Rendered, ChartError> {
    save_sized(chart, stem, DEFAULT_SIZE)
}

/// Like [`save`], at a given size in pixels. Each file is written to a temporary
/// name next to it and renamed into place, so readers never see half a file.
pub fn save_sized(chart: &Chart, stem: &Path, size: (u32, u32)) -> Result<Rendered, ChartError> {
    let svg = render_svg(chart, size)?;
    if let Some(parent) = stem.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| ChartError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    write_png(chart, &with_suffix(stem, ".png"), size)?;
    let svg_path = with_suffix(stem, ".svg");
    let tmp = with_suffix(&svg_path, ".tmp");
    std::fs::write(&tmp, svg.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, &svg_path))
        .map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            ChartError::Io {
                path: svg_path.clone(),
                source,
            }
        })?;
    Ok(Rendered { svg })
}

/// Render a chart to SVG text.
pub fn render_svg(chart: &Chart, size: (u32, u32)) -> Result<String, ChartError> {
    let size = sane_size(size);
    let mut out = String::new();
    guarded(|| {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw_chart(chart, &root)?;
        root.present()?;
        Ok(())
    })?;
    Ok(out)
}

/// Render a chart to a PNG file at `path` (written atomically).
///
/// The image encoder picks the format from the file extension, so the temporary
/// file is `<path without .png>.tmp.png`, renamed to `path` when complete.
pub fn write_png(chart: &Chart, path: &Path, size: (u32, u32)) -> Result<(), ChartError> {
    let size = sane_size(size);
    let tmp = path.with_extension("tmp.png");
    let result = guarded(|| {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        draw_chart(chart, &root)?;
        root.present()?;
        Ok(())
    })
    .and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| ChartError::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn sane_size((w, h): (u32, u32)) -> (u32, u32) {
    (w.clamp(200, 8000), h.clamp(150, 8000))
}

/// Run drawing code, turning a panic inside the plotting library into an error.
fn guarded(f: impl FnOnce() -> Result<(), ChartError>) -> Result<(), ChartError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(ChartError::Render(format!(
                "plotting library panicked: {msg}"
            )))
        }
    }
}

// ---------------------------------------------------------------------------
// Fonts, colours, text

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// Register the embedded font exactly once per process.
fn ensure_font() -> Result<(), ChartError> {
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

const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
const INK: RGBColor = RGBColor(0x00, 0x00, 0x00);
const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// Okabe–Ito, ordered so the first colours contrast best with white and each other
/// (yellow, weakest on white, comes last), then a neutral grey for a ninth series.
const PALETTE: [RGBColor; 9] = [
    BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY_BLUE, INK, YELLOW, GREY,
];

const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);
const AXIS: RGBColor = RGBColor(0x88, 0x88, 0x88);

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Lines after the eighth reuse the palette, so they are dashed to stay distinct.
fn dashed(i: usize) -> bool {
    i >= PALETTE.len()
}

/// Draw a series line, solid or dashed by its index.
fn draw_line<DB: DrawingBackend>(
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

fn line_swatch(index: usize, band: bool) -> Swatch {
    match (dashed(index), band) {
        (true, _) => Swatch::DashedLine(color(index)),
        (false, true) => Swatch::LineWithBand(color(index)),
        (false, false) => Swatch::Line(color(index)),
    }
}

fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&TEXT)
}

fn font_c(size: f64, c: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&c)
}

fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

const TITLE_PX: f64 = 20.0;
const DESC_PX: f64 = 15.0;
const TICK_PX: f64 = 13.0;
const LEGEND_PX: f64 = 13.0;
const NOTE_PX: f64 = 12.0;

fn text_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: f64) -> u32 {
    area.estimate_text_size(text, &font(size))
        .map(|(w, _)| w)
        // Fallback if the font cannot measure: a generous average glyph width.
        .unwrap_or((text.chars().count() as f64 * size * 0.6) as u32)
}

/// Shorten `text` with "…" so it fits in `max_w` pixels.
fn fit<DB: DrawingBackend>(
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
fn wrap<DB: DrawingBackend>(
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

/// A tick or value label: few significant digits, thousands separated.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    let s = if a >= 1000.0 {
        let digits = format!("{:.0}", a);
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        let decimals = if a >= 100.0 {
            0
        } else if a >= 10.0 {
            1
        } else if a >= 0.1 {
            2
        } else {
            3
        };
        let mut s = format!("{:.*}", decimals, v);
        if s.contains('.') {
            s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

fn finite2(a: f64, b: f64) -> bool {
    a.is_finite() && b.is_finite()
}

/// A non-empty range containing `lo..hi`, padded by `pad` of its span on each side.
fn padded(lo: f64, hi: f64, pad_lo: f64, pad_hi: f64) -> Range<f64> {
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

fn min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

// ---------------------------------------------------------------------------
// Layout: title, legend panel, "no data"

fn draw_chart<DB: DrawingBackend>(
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
        } => draw_bars(root, &body, y_label, categories, values, errors.as_deref()),
        Chart::TimeSeries {
            y_label,
            x_label,
            series,
            ..
        } => draw_timeseries(&body, x_label, y_label, series),
        Chart::Gantt { lanes, bars, .. } => draw_gantt(root, &body, lanes, bars),
        Chart::Tradeoff {
            x_label,
            y_label,
            points,
            ..
        } => draw_tradeoff(root, &body, x_label, y_label, points),
    }
}

/// Draw the title (wrapped on up to two lines) and return the area under it.
fn draw_title<DB: DrawingBackend>(
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

#[derive(Clone, Copy)]
enum Marker {
    Circle,
    Triangle,
    Cross,
}

#[derive(Clone, Copy)]
enum Swatch {
    Line(RGBColor),
    DashedLine(RGBColor),
    LineWithBand(RGBColor),
    Block(RGBColor),
    ThinBlock(RGBColor),
    BlockWithMarker(RGBColor, Marker),
    Marker(RGBColor, Marker),
}

struct LegendEntry {
    swatch: Swatch,
    text: String,
    /// A second, smaller, grey line under the text.
    sub: Option<String>,
}

const SWATCH_W: i32 = 26;

/// Split `body` into (plot, legend panel) sized for the entries; no panel if none.
fn split_for_legend<DB: DrawingBackend>(
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

/// Draw legend entries top-down in `panel`; `top` aligns the first entry with the plot.
fn draw_legend<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    top: i32,
) -> Result<(), ChartError> {
    let (w, h) = panel.dim_in_pixel();
    let text_w = (w as i32 - SWATCH_W - 18).max(20) as u32;
    let x0 = 6;
    let mut y = top;
    for (i, e) in entries.iter().enumerate() {
        let height = if e.sub.is_some() { 36 } else { 22 };
        if y + height > h as i32 - 10 {
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
        panel.draw(&Text::new(
            fit(panel, &e.text, LEGEND_PX, text_w),
            (tx, cy),
            anchored(font(LEGEND_PX), HPos::Left, VPos::Center),
        ))?;
        if let Some(sub) = &e.sub {
            panel.draw(&Text::new(
                fit(panel, sub, NOTE_PX, text_w),
                (tx, cy + 15),
                anchored(font_c(NOTE_PX, MUTED), HPos::Left, VPos::Center),
            ))?;
        }
        y += height;
    }
    Ok(())
}

fn draw_swatch<DB: DrawingBackend>(
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
fn draw_marker_px<DB: DrawingBackend>(
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

type Xy = (f64, f64);

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart frame with axes and axis titles but no data, and a "no data" note.
fn draw_empty<DB: DrawingBackend>(
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
fn numeric_mesh<DB: DrawingBackend>(
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
fn thin(points: Vec<(f64, f64)>, buckets: usize) -> Vec<(f64, f64)> {
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

// ---------------------------------------------------------------------------
// 1. Lead-time CDF

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn draw_cdf<DB: DrawingBackend>(
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
    // Percentile markers on top of all curves, with dashed drop lines to the axis.
    for (i, s, _) in &prepared {
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
    if let Some(panel) = panel {
        draw_legend(&panel, &entries, 24)?;
    }
    Ok(())
}

/// Step points of the empirical CDF of `v` (sorted, non-empty) from `x0` to `x_end`.
fn cdf_steps(v: &[f64], x0: f64, x_end: f64) -> Vec<(f64, f64)> {
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

// ---------------------------------------------------------------------------
// 2 and 3. Bars over categories

/// A linear f64 axis whose ticks sit exactly at given values (category centres).
///
/// Plotters' own `WithKeyPoints<RangedCoordf64>` cannot take a label formatter.
#[derive(Clone)]
struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
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
fn category_axis(n: usize) -> Ticked {
    Ticked {
        inner: (-0.5..(n.max(1) as f64 - 0.5)).into(),
        ticks: (0..n).map(|i| i as f64).collect(),
    }
}

type CatPlot<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, RangedCoordf64>>;

fn category_chart<'a, DB: DrawingBackend>(
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
fn draw_category_labels<DB: DrawingBackend>(
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

fn draw_stacked<DB: DrawingBackend>(
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
            let mut rect =
                Rectangle::new([(x - half, base), (x + half, base + v)], color(k).filled());
            // One pixel of white between segments, so adjacent colours never merge.
            rect.set_margin(1, 0, 0, 0);
            chart.draw_series(std::iter::once(rect))?;
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

fn bar_half_width(n: usize) -> f64 {
    if n <= 2 { 0.25 } else { 0.32 }
}

/// Totals above bars, when there is room for them.
fn draw_totals<DB: DrawingBackend>(
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

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    y_label: &str,
    categories: &[String],
    values: &[f64],
    errors: Option<&[f64]>,
) -> Result<(), ChartError> {
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
    let mut chart = category_chart(body, n, y_range, y_label)?;
    let half = bar_half_width(n);
    chart.draw_series((0..n).filter_map(|i| {
        val(i).map(|v| {
            let x = i as f64;
            Rectangle::new([(x - half, 0.0), (x + half, v)], BLUE.filled())
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
        if e > 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, v - e), (x, v + e)],
                whisker,
            )))?;
            for end in [v - e, v + e] {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, end)) + PathElement::new(vec![(-6, 0), (6, 0)], whisker),
                ))?;
            }
        }
        if n <= 16 {
            // Value label beyond the bar end (and beyond the whisker).
            let (at, dy, v_pos) = if v >= 0.0 {
                (v + e, -4, VPos::Bottom)
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

// ---------------------------------------------------------------------------
// 4. Time series

fn step_points(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    for (k, &(x, y)) in points.iter().enumerate() {
        if k > 0 {
            out.push((x, points[k - 1].1));
        }
        out.push((x, y));
    }
    out
}

fn draw_timeseries<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), ChartError> {
    struct Prepared<'a> {
        index: usize,
        s: &'a Series,
        line: Vec<(f64, f64)>,
        band: Vec<(f64, f64, f64)>,
    }
    let prepared: Vec<Prepared> = series
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
        .collect();
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
    let entries: Vec<LegendEntry> = prepared
        .iter()
        .map(|p| LegendEntry {
            swatch: line_swatch(p.index, p.band.len() >= 2),
            text: p.s.name.clone(),
            sub: (p.band.len() >= 2).then(|| "shaded: range".to_string()),
        })
        .collect();
    let (plot, panel) = split_for_legend(body, &entries);
    let mut chart = ChartBuilder::on(&plot)
        .margin(16)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(68)
        .build_cartesian_2d(padded(x0, x1, 0.0, 0.0), y_range)?;
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

// ---------------------------------------------------------------------------
// 5. Gantt

fn kind_style(kind: BarKind) -> (RGBColor, f64, Option<Marker>, &'static str) {
    match kind {
        BarKind::Normal => (BLUE, 0.32, None, "in stage"),
        BarKind::Waiting => (SKY_BLUE, 0.12, None, "waiting"),
        BarKind::Rejected => (VERMILLION, 0.32, Some(Marker::Cross), "rejected"),
        BarKind::Rollback => (PURPLE, 0.32, Some(Marker::Triangle), "rolled back"),
    }
}

fn draw_gantt<DB: DrawingBackend>(
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

// ---------------------------------------------------------------------------
// 6. Trade-off scatter

fn overlap(a: (i32, i32, i32, i32), b: (i32, i32, i32, i32)) -> i64 {
    let w = (a.2.min(b.2) - a.0.max(b.0)).max(0) as i64;
    let h = (a.3.min(b.3) - a.1.max(b.1)).max(0) as i64;
    w * h
}

fn draw_tradeoff<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    points: &[TradeoffPoint],
) -> Result<(), ChartError> {
    // Intervals: a missing or inverted bound collapses onto the point.
    // (index, point, (x_lo, x_hi), (y_lo, y_hi))
    type Placed<'a> = (usize, &'a TradeoffPoint, (f64, f64), (f64, f64));
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
    let mut chart = ChartBuilder::on(body)
        .margin(16)
        .margin_right(30)
        .x_label_area_size(48)
        .y_label_area_size(68)
        .build_cartesian_2d(padded(x0, x1, 0.08, 0.12), padded(y0, y1, 0.08, 0.12))?;
    numeric_mesh(&mut chart, x_label, y_label, &|v| fmt_num(*v))?;
    for (i, p, (xl, xh), (yl, yh)) in &pts {
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
    for (i, p, _, _) in &pts {
        chart.draw_series(std::iter::once(Circle::new(
            (p.x, p.y),
            6,
            color(*i).filled(),
        )))?;
        chart.draw_series(std::iter::once(Circle::new(
            (p.x, p.y),
            6,
            WHITE.stroke_width(1),
        )))?;
    }
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
