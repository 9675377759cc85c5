//! `promosim report DIR`: the page and charts of any result folder (run,
//! compare, sweep, a merge of shards), redrawn from what the folder keeps;
//! and the hook that writes a comparison's or a sweep's page.
//!
//! A result folder keeps `experiment.json`: every replication's metrics and
//! the scenarios as run (texts after overrides), seed and replications. The
//! page needs a few traced replications too (timeline, queues, lead-time
//! curves): they are re-simulated from those scenarios on that seed, so the
//! page is the one the command itself wrote, byte for byte.

use std::path::{Path, PathBuf};

use super::opts::RunnerOpts;
use super::{CliError, io};
use crate::error::InputError;
use crate::experiment::job::{self, Assembled, EXPERIMENT_FILE, JobHeader, Kind, Partial};
use crate::experiment::select::Selection;
use crate::experiment::{self, compare};
use crate::model::{self, Model};
use crate::report::{self, figures, output, points};
use crate::scenario;

pub const HELP: &str = "Examples:
  promosim report reports/tailspin
  promosim report reports/sweep-tailspin --metric lead_time.p50 --metric blast_radius.share_hours

Redraws charts/*.png|svg, index.html and report.md of a result folder written by run (also
with --no-report), compare, sweep or merge, from its experiment.json (every replication's
metrics, the scenarios as run and any --select options). The traced replications the charts
need (and the replications --select --delta added) are simulated again on the same seed, so
the page is byte for byte the one the command wrote. The data files (selection.json too) are
not touched. A folder without experiment.json is refused (exit 2).";

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The result folder (it holds experiment.json).
    pub dir: PathBuf,
    /// A metric the comparison or sweep page shows in its tables and charts (repeatable).
    #[arg(long = "metric", value_name = "KEY")]
    pub metric: Vec<String>,
    #[command(flatten)]
    pub runner: RunnerOpts,
}

/// `--metric` keys, checked against the catalogue (exit 2 naming the unknown ones).
pub fn check_metrics(keys: &[String]) -> Result<(), InputError> {
    let unknown = points::unknown_metrics(keys);
    if unknown.is_empty() {
        return Ok(());
    }
    Err(InputError::new(
        format!("--metric {}", unknown.join(", ")),
        "no such metric: the keys are listed in docs/metrics.md (e.g. lead_time.p50, blast_radius.share_hours)",
    ))
}

/// A comparison's or sweep's title and point labels, from its header: the
/// scenario names, or the swept values that vary ("agents=2 · steps[0].set_weight=10").
pub fn title_and_labels(h: &JobHeader) -> (String, Vec<String>) {
    match h.kind {
        Kind::Sweep => {
            let settings: Vec<&[job::Setting]> =
                h.points.iter().map(|p| p.settings.as_slice()).collect();
            let name = h.points.first().map_or("", |p| p.scenario.as_str());
            (
                format!("sweep {name}"),
                points::point_labels(&h.dimensions, &settings),
            )
        }
        _ => {
            let labels: Vec<String> = h.points.iter().map(|p| p.label.clone()).collect();
            (format!("compare {}", labels.join(" vs ")), labels)
        }
    }
}

/// The models as the experiment ran them: its seed and replications.
pub fn as_run(models: &[Model], h: &JobHeader) -> Vec<Model> {
    models
        .iter()
        .map(|m| {
            let mut m = m.clone();
            m.seed = h.seed;
            m.replications = h.replications;
            m
        })
        .collect()
}

/// Writes the charts, `index.html` and `report.md` of an assembled
/// comparison or sweep into `dir`; `models` are its points' models,
/// `selection` the `--select` result the page shows.
pub fn points_page(
    asm: &Assembled,
    models: &[Model],
    metrics: &[String],
    threads: Option<usize>,
    dir: &Path,
    selection: Option<&Selection>,
) -> Result<report::Written, CliError> {
    let h = &asm.header;
    let models = as_run(models, h);
    let (title, labels) = title_and_labels(h);
    let summaries: Vec<_> = (0..models.len()).map(|p| asm.summary(p)).collect();
    let traces: Vec<_> = experiment::in_pool(threads, || {
        models
            .iter()
            .map(|m| experiment::trace_replications(m, 1))
            .collect::<Vec<_>>()
    })
    .map_err(CliError::Failed)?;
    let scenarios: Vec<figures::Charted> = models
        .iter()
        .zip(&summaries)
        .zip(&traces)
        .zip(&labels)
        .map(|(((model, summary), traces), label)| figures::Charted {
            label: label.as_str(),
            model,
            summary,
            traces,
        })
        .collect();
    let comparison = (h.kind == Kind::Compare).then(|| compare::compare(asm));
    let page = points::Page {
        title: &title,
        comparison: comparison.as_ref(),
        dimensions: if h.kind == Kind::Sweep {
            &h.dimensions
        } else {
            &[]
        },
        settings: h.points.iter().map(|p| p.settings.as_slice()).collect(),
        metrics: points::chosen_metrics(metrics),
        best: points::DOMINANCE
            .iter()
            .filter_map(|(key, _)| experiment::select::subset_only(key, &labels, &asm.points))
            .collect(),
        selection,
    };
    report::write_compare(dir, &page, &scenarios).map_err(|e| CliError::Failed(e.to_string()))
}

/// Writes the page of a run (one point) into `dir`, tracing its first replications.
pub fn run_page(
    asm: &Assembled,
    model: &Model,
    threads: Option<usize>,
    dir: &Path,
) -> Result<report::Written, CliError> {
    // The seed and replications as run, as `run` draws its page.
    let summary = asm.summary(0);
    let mut model = super::run::as_ran(model, &summary);
    model.seed = asm.header.seed;
    let model = &model;
    let k = (summary.replications as usize).min(figures::QUEUE_BAND_REPLICATIONS);
    experiment::in_pool(threads, || {
        let traces = experiment::trace_replications(model, k);
        report::write_run(dir, model, &summary, &traces)
    })
    .map_err(CliError::Failed)?
    .map_err(|e| CliError::Failed(e.to_string()))
}

/// The models of an experiment, compiled from the scenario texts it kept.
pub fn models_of(h: &JobHeader, file: &str) -> Result<Vec<Model>, InputError> {
    h.points
        .iter()
        .map(|p| {
            if p.source.is_empty() {
                return Err(InputError::new(
                    file,
                    format!(
                        "keeps no scenario text for {} (written by an older promosim): run the command again to get a page",
                        p.label
                    ),
                ));
            }
            let s = scenario::parse(&p.source, Path::new(&p.file))?;
            model::compile(&s)
        })
        .collect()
}

/// Writes the page of an assembled experiment of any kind into `dir`
/// (a comparison's or sweep's with its `--select` result, if any).
pub fn page(
    asm: &Assembled,
    models: &[Model],
    metrics: &[String],
    threads: Option<usize>,
    dir: &Path,
    selection: Option<&Selection>,
) -> Result<report::Written, CliError> {
    match asm.header.kind {
        Kind::Run => run_page(asm, &models[0], threads, dir),
        Kind::Compare | Kind::Sweep => points_page(asm, models, metrics, threads, dir, selection),
    }
}

/// Reads a result folder's experiment back and checks that it belongs to the
/// data files beside it (a folder rewritten by another command keeps no stale page).
pub fn read_result(dir: &Path) -> Result<Assembled, InputError> {
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        return Err(InputError::new(&shown, "is not a folder"));
    }
    let path = dir.join(EXPERIMENT_FILE);
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        InputError::new(
            &shown,
            format!(
                "is not a promosim result folder with a page to draw: cannot read {EXPERIMENT_FILE} ({e}); \
                 it is written by run, compare, sweep and merge (a folder from an older promosim: run the command again)"
            ),
        )
    })?;
    let part = Partial::from_json(&text, &file)?;
    let asm = job::assemble(vec![(file.clone(), part)])?;
    // The main data file must be the one this experiment makes.
    let out = output::render(&asm);
    if let Some((name, bytes)) = out.files.last() {
        match std::fs::read(dir.join(name)) {
            Ok(on_disk) if on_disk == *bytes => {}
            Ok(_) => {
                return Err(InputError::new(
                    &file,
                    format!(
                        "does not belong to the {name} beside it (another run, or another promosim version, wrote one of them): run the command again"
                    ),
                ));
            }
            Err(e) => {
                return Err(InputError::new(
                    &shown,
                    format!("is not a complete result: cannot read {name} ({e})"),
                ));
            }
        }
    }
    Ok(asm)
}

/// `promosim report DIR`.
pub fn report(a: ReportArgs) -> Result<(), CliError> {
    a.runner.check()?;
    check_metrics(&a.metric)?;
    let asm = read_result(&a.dir)?;
    let file = a.dir.join(EXPERIMENT_FILE).display().to_string();
    let models = models_of(&asm.header, &file)?;
    // Each file is written atomically in place (staging the folder would
    // treat the data files beside the page as stale); charts the new page
    // does not draw (another --metric) are removed after.
    // The selection is made again (with --delta, its added replications
    // run again): selection.json, a data file, stays as it is.
    let selection = super::select::selection(&asm, &models, a.runner.threads)?;
    let written = page(
        &asm,
        &models,
        &a.metric,
        a.runner.threads,
        &a.dir,
        selection.as_ref(),
    )?;
    remove_other_charts(&a.dir, &written.files).map_err(io(&a.dir))?;
    super::print(&format!("Report: {}\n", a.dir.join("index.html").display()))
}

/// Removes the files in `dir/charts` that are not among `kept`.
fn remove_other_charts(dir: &Path, kept: &[PathBuf]) -> std::io::Result<()> {
    let Ok(rd) = std::fs::read_dir(dir.join("charts")) else {
        return Ok(());
    };
    for e in rd.flatten() {
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str());
        if matches!(ext, Some("png" | "svg")) && !kept.contains(&p) {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}
