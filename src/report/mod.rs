//! Results → files and text: the summary table, JSON, CSV, charts, the HTML
//! page, `report.md`, the check's table, markdown and JUnit XML. Every file
//! promosim writes is written here. It renders what it is given (summaries,
//! assembled experiments, replications the experiment traced) and runs no
//! simulation; every file is written to a temporary name and renamed, so an
//! interrupted run never leaves half a report.
//!
//! Submodules: [`number`] (how every number is written), [`table`] (the run's
//! summary on stdout), [`output`] (the files and tables of run, compare and
//! sweep), [`replications`] (`replications.csv`), [`records`] (`commits.csv`,
//! traces), [`check`] and [`junit`] (what `check` and `baseline` print and
//! write), [`figures`], [`charts`], [`words`], [`markdown`], [`html`] (the
//! report page), [`files`] (atomic writes).

pub mod backtest;
pub mod charts;
pub mod check;
pub mod figures;
pub mod files;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod number;
pub mod output;
pub mod parameters;
pub mod people;
pub mod points;
pub mod records;
pub mod replications;
pub mod selection;
pub mod table;
pub mod words;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::engine::Replication;
use crate::experiment::Summary;
use crate::model::Model;
use charts::ChartError;
use figures::{Charted, Figure};

/// What writing a report produced, and how long it took.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// Every file written (charts as PNG and SVG, `index.html`, `report.md`).
    pub files: Vec<PathBuf>,
    /// Seconds spent rendering charts and writing the page.
    pub render_secs: f64,
}

/// Renders each figure to `dir/charts/<stem>.{png,svg}` (in parallel) and
/// returns it with its SVG text, in order.
pub fn render_figures(
    dir: &Path,
    figures: Vec<Figure>,
    files: &mut Vec<PathBuf>,
) -> Result<Vec<(Figure, String)>, ChartError> {
    let charts_dir = dir.join("charts");
    let rendered: Vec<Result<(Figure, String), ChartError>> = figures
        .into_par_iter()
        .map(|f| {
            let size = if f.stem.starts_with(figures::SMALL_MULTIPLE_STEM) {
                figures::SMALL_MULTIPLE
            } else {
                charts::DEFAULT_SIZE
            };
            let r = charts::save_sized(&f.chart, &charts_dir.join(&f.stem), size)?;
            Ok((f, r.svg))
        })
        .collect();
    let mut out = Vec::with_capacity(rendered.len());
    for r in rendered {
        let (f, svg) = r?;
        for ext in ["png", "svg"] {
            files.push(charts_dir.join(format!("{}.{ext}", f.stem)));
        }
        out.push((f, svg));
    }
    Ok(out)
}

fn write(path: PathBuf, text: &str, files: &mut Vec<PathBuf>) -> Result<(), ChartError> {
    files::write_atomic(&path, text.as_bytes()).map_err(|source| ChartError::Io {
        path: path.clone(),
        source,
    })?;
    files.push(path);
    Ok(())
}

/// Writes the report of one `run` into `dir`: `charts/*.{png,svg}`,
/// `index.html`, `report.md`. `traces` are replications 0..K of the run
/// (see [`crate::experiment::trace_replications`]; K = [`figures::QUEUE_BAND_REPLICATIONS`]).
pub fn write_run(
    dir: &Path,
    model: &Model,
    summary: &Summary,
    traces: &[Replication],
) -> Result<Written, ChartError> {
    let t0 = Instant::now();
    let mut files = Vec::new();
    let scenario = Charted {
        label: &summary.scenario,
        model,
        summary,
        traces,
    };
    let figs = figures::run_figures(&scenario);
    let md = markdown::run_markdown(model, summary, &figs);
    let rendered = render_figures(dir, figs, &mut files)?;
    write(
        dir.join("index.html"),
        &html::run_page(model, summary, &rendered),
        &mut files,
    )?;
    write(dir.join("report.md"), &md, &mut files)?;
    Ok(Written {
        files,
        render_secs: t0.elapsed().as_secs_f64(),
    })
}

/// Writes the report of a comparison or a sweep into `dir`: one series, bar
/// or point per scenario (or grid point) in `charts/*.{png,svg}`,
/// `index.html` and `report.md`, with what `page` adds (paired differences,
/// the grid, the metrics chosen). Give each scenario replication 0's trace
/// (or none) for the lead-time CDF.
pub fn write_compare(
    dir: &Path,
    page: &points::Page,
    scenarios: &[Charted],
) -> Result<Written, ChartError> {
    let t0 = Instant::now();
    let mut files = Vec::new();
    let summaries: Vec<(String, &Summary)> = scenarios
        .iter()
        .map(|s| (s.label.to_string(), s.summary))
        .collect();
    let mut figs = Vec::new();
    if page.is_sweep() {
        let sums: Vec<&Summary> = scenarios.iter().map(|s| s.summary).collect();
        figs = figures::sweep_lines(page.dimensions, &page.settings, &sums, &page.metrics);
    }
    figs.extend(figures::compare_figures(scenarios));
    let changes = if page.is_sweep() {
        Vec::new()
    } else {
        let models: Vec<&Model> = scenarios.iter().map(|s| s.model).collect();
        points::parameter_diff(&models)
    };
    let md = markdown::compare_markdown(page, &summaries, &changes, &figs);
    let rendered = render_figures(dir, figs, &mut files)?;
    write(
        dir.join("index.html"),
        &html::compare_page(page, &summaries, &changes, &rendered),
        &mut files,
    )?;
    write(dir.join("report.md"), &md, &mut files)?;
    Ok(Written {
        files,
        render_secs: t0.elapsed().as_secs_f64(),
    })
}
