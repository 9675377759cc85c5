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
//!   without system fonts. SVG text names the `sans-serif` family. PNG text is laid
//!   out by `KernedText` (in `text.rs`) from the font's advances, side bearings and kerning.
//! - Nothing is drawn with a negative or NaN size (browsers drop such shapes): a bar
//!   shorter than a pixel is drawn one pixel wide.
//! - Markers that would overlap (rejections, rollbacks on the timeline) are drawn
//!   once with a count beside them.
//! - Deployments per stage ([`Chart::BarsCutAxis`]) cut the axis when a few bars
//!   dwarf the rest, so production's few deployments stay readable beside dev's
//!   many; other bar charts keep one axis from zero.
//! - Stretches such as change freezes are shaded behind time series and named in
//!   the legend.
//! - Lead-time CDFs use a linear x axis from 0 to the largest p99 (or p95) of the
//!   series: a log axis would be truer to long tails but managers misread it. When
//!   the axis cuts the tail, the axis title says so and gives the longest value.
//! - Long series are thinned to at most a few hundred points per series (the
//!   envelope is kept), so SVGs stay small enough to inline.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

mod bars;
mod cdf;
mod gantt;
mod layout;
mod lines;
mod text;
mod timeseries;
mod tradeoff;

use crate::report::number::fmt_num;
pub use bars::CUT_RATIO;
use bars::*;
use cdf::*;
use gantt::*;
use layout::*;
use lines::*;
use text::*;
use timeseries::*;
use tradeoff::*;

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
    /// Like [`Chart::Bars`], for counts whose small values matter beside large
    /// ones (deployments per stage: 141 a week to dev, 3 to production): when a
    /// few bars are more than [`CUT_RATIO`] times taller than all the others,
    /// the axis is cut above the others and those bars are drawn broken, with
    /// their values written on them. Not for distributions, whose shape the cut
    /// would hide.
    BarsCutAxis {
        title: String,
        y_label: String,
        categories: Vec<String>,
        values: Vec<f64>,
        errors: Option<Vec<f64>>,
    },
    /// Lines (or steps) over time, with optional shaded bands, over shaded
    /// stretches of time (e.g. change freezes).
    TimeSeries {
        title: String,
        y_label: String,
        x_label: String,
        series: Vec<Series>,
        shaded: Vec<Shade>,
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
    /// A metric against a swept value: lines with 95 % interval bands.
    /// `x_ticks` names categorical x values drawn at 0, 1, 2, … (empty: numeric x).
    Lines {
        title: String,
        x_label: String,
        y_label: String,
        x_ticks: Vec<String>,
        series: Vec<SweepLine>,
    },
}

/// One line of a [`Chart::Lines`].
#[derive(Debug, Clone, PartialEq)]
pub struct SweepLine {
    pub name: String,
    pub points: Vec<LinePoint>,
}

/// A point of a [`SweepLine`]: x, the mean y and its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinePoint {
    pub x: f64,
    pub y: f64,
    pub lo: f64,
    pub hi: f64,
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

/// A stretch of a [`Chart::TimeSeries`]'s x axis shaded behind the lines and
/// named in the legend, e.g. a change freeze. Parts outside the data's x range
/// are not drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Shade {
    pub name: String,
    /// A second legend line, e.g. which stages it applies to.
    pub note: Option<String>,
    pub from: f64,
    pub to: f64,
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
            | Chart::BarsCutAxis { title, .. }
            | Chart::TimeSeries { title, .. }
            | Chart::Gantt { title, .. }
            | Chart::Tradeoff { title, .. }
            | Chart::Lines { title, .. } => title,
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
        let root = KernedText(BitMapBackend::new(&tmp, size)).into_drawing_area();
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
