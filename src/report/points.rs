//! What the page of a comparison or a sweep says beyond one scenario's page:
//! the paired differences from the first scenario and a sentence for each real
//! one, the parameters that differ, short labels for grid points, the metrics
//! shown, and which point cannot be told apart from the best.

use crate::experiment::Summary;
use crate::experiment::compare::{Comparison, Difference};
use crate::experiment::job::Setting;
use crate::experiment::select::Selection;
use crate::metrics::{self as catalogue, Better};
use crate::model::Model;
use crate::report::number::{difference, fmt, with_interval};
use crate::report::parameters;

/// What a comparison or sweep page shows besides each point's summary.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    pub title: &'a str,
    /// A comparison's paired differences (`None` for a sweep).
    pub comparison: Option<&'a Comparison>,
    /// A sweep's overridden paths, and each point's settings (empty for a comparison).
    pub dimensions: &'a [String],
    pub settings: Vec<&'a [Setting]>,
    /// The metric keys the tables and charts show.
    pub metrics: Vec<String>,
    /// Per metric of "What dominates", the subset that cannot be told apart
    /// from the best (subset selection on the paired replications).
    pub best: Vec<Selection>,
    /// The `--select` result (constraints, sequential procedure, Pareto front), if asked for.
    pub selection: Option<&'a Selection>,
}

impl Page<'_> {
    pub fn is_sweep(&self) -> bool {
        self.comparison.is_none() && !self.dimensions.is_empty()
    }
}

/// The metrics a comparison or sweep page shows by default (`--metric` replaces them).
pub const DEFAULT_METRICS: &[&str] = &[
    "lead_time.p50",
    "lead_time.mean",
    "lead_time.p95",
    "production.deploys_per_week",
    "blast_radius.share_hours",
    "production.change_failure_rate",
];

/// A metric as the page names it ("the median lead time"), and how its values
/// are shown: shares as percentages.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricLabel {
    pub key: String,
    /// Noun phrase for sentences.
    pub name: String,
    /// A few words for table headers and chart axes.
    pub short: String,
    /// The unit of shown values ("h", "%", "share·h").
    pub unit: String,
    /// Shown value = stored value × scale (100 for shares).
    pub scale: f64,
}

/// How the page names metric `key`; its unit comes from the catalogue.
pub fn metric_label(key: &str) -> MetricLabel {
    let name = match key {
        "lead_time.mean" => "mean lead time",
        "lead_time.p50" => "median lead time",
        "lead_time.p85" => "85th-percentile lead time",
        "lead_time.p95" => "95th-percentile lead time",
        "lead_time.p99" => "99th-percentile lead time",
        "production.deploys_per_week" => "production deployments per week",
        "production.commits_per_deploy" => "commits per production deployment",
        "production.change_failure_rate" => "change failure rate",
        "build.utilisation" => "build agent utilisation",
        "defects.escaped" => "defects escaped to production",
        "incidents.count" => "incidents",
        "blast_radius.share_hours" => "blast radius per incident",
        "blast_radius.user_hours_total" => "user-hours exposed to defects",
        "blast_radius.peak_share" => "peak share of users per incident",
        "blast_radius.peak_users" => "peak users exposed per incident",
        "restore.from_detection" => "time to restore from detection",
        "restore.from_exposure" => "time to restore (hours users ran the failure)",
        "commits.delivered" => "commits delivered",
        other => other,
    };
    let short = match key {
        "lead_time.mean" => "mean lead time",
        "lead_time.p50" => "p50 lead time",
        "lead_time.p85" => "p85 lead time",
        "lead_time.p95" => "p95 lead time",
        "lead_time.p99" => "p99 lead time",
        "production.deploys_per_week" => "deploys per week",
        "production.commits_per_deploy" => "commits per deploy",
        "production.change_failure_rate" => "change failure rate",
        "build.utilisation" => "agent utilisation",
        "blast_radius.share_hours" => "blast radius",
        "blast_radius.user_hours_total" => "user-hours exposed",
        "blast_radius.peak_share" => "peak share",
        "blast_radius.peak_users" => "peak users",
        "restore.from_detection" => "restore from detection",
        "restore.from_exposure" => "restore from exposure",
        _ => name,
    };
    let unit = catalogue::find(key).map_or("", |d| d.unit.symbol());
    let (unit, scale) = if unit == "share" {
        ("%", 100.0)
    } else {
        (unit, 1.0)
    };
    MetricLabel {
        key: key.to_string(),
        name: name.to_string(),
        short: short.to_string(),
        unit: unit.to_string(),
        scale,
    }
}

/// Checks `--metric` keys against the catalogue: the unknown ones, for an error message.
pub fn unknown_metrics(keys: &[String]) -> Vec<&str> {
    keys.iter()
        .map(String::as_str)
        .filter(|k| catalogue::find(k).is_none())
        .collect()
}

/// The metrics to show: those asked for, else [`DEFAULT_METRICS`].
pub fn chosen_metrics(asked: &[String]) -> Vec<String> {
    if asked.is_empty() {
        DEFAULT_METRICS.iter().map(|k| k.to_string()).collect()
    } else {
        asked.to_vec()
    }
}

/// One metric's paired differences from the first scenario, as the page shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffRow {
    pub metric: MetricLabel,
    /// Per scenario: mean ± half-width (scaled), "—" when absent.
    pub values: Vec<String>,
    /// Per scenario after the first: the difference as in the terminal table
    /// (same numbers as `comparison.json`, scaled), and whether it is real.
    pub differences: Vec<Option<(String, bool)>>,
}

/// The rows of the paired-difference table, for `metrics`.
pub fn diff_rows(c: &Comparison, metrics: &[String]) -> Vec<DiffRow> {
    metrics
        .iter()
        .filter_map(|key| {
            let m = c.get(key)?;
            let label = metric_label(key);
            let s = label.scale;
            Some(DiffRow {
                values: m
                    .values
                    .iter()
                    .map(|v| {
                        v.as_ref()
                            .map_or("—".into(), |v| with_interval(v.mean * s, v.ci95 * s, v.n))
                    })
                    .collect(),
                differences: m
                    .differences
                    .iter()
                    .map(|d| {
                        d.as_ref()
                            .filter(|d| !d.mean.is_nan())
                            .map(|d| (difference(d.mean * s, d.ci95 * s, d.n, d.real), d.real))
                    })
                    .collect(),
                metric: label,
            })
        })
        .collect()
}

/// "−54 %": the difference relative to the baseline's mean, when that is defined.
fn relative(d: &Difference, base: f64) -> String {
    if !base.is_finite() || base == 0.0 {
        return String::new();
    }
    let r = (d.mean / base * 100.0).round();
    let sign = if r < 0.0 { "−" } else { "+" };
    format!(" ({sign}{} %)", r.abs())
}

/// One sentence for each real paired difference of `metrics`, e.g. "On the
/// same commits, canary cuts the blast radius per incident by 6.9 ± 0.90
/// share·h (−54 %): better." Nothing for differences the noise could explain.
pub fn difference_sentences(c: &Comparison, metrics: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for key in metrics {
        let Some(m) = c.get(key) else { continue };
        let label = metric_label(key);
        let base = m.values.first().and_then(|v| v.as_ref()).map(|v| v.mean);
        for d in m.differences.iter().flatten().filter(|d| d.real) {
            let s = label.scale;
            let unit = if label.unit == "%" {
                " percentage points".to_string()
            } else if label.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", label.unit)
            };
            let by = format!("{} ± {}{unit}", fmt(d.mean.abs() * s), fmt(d.ci95 * s));
            let verb = if d.mean < 0.0 { "cuts" } else { "raises" };
            let better = catalogue::find(key).map(|x| x.better);
            let judgement = match (better, d.mean < 0.0) {
                (Some(Better::Lower), true) | (Some(Better::Higher), false) => ": better",
                (Some(Better::Lower), false) | (Some(Better::Higher), true) => ": worse",
                _ => "",
            };
            out.push(format!(
                "On the same commits, {} {verb} the {} by {by}{}{judgement}.",
                d.scenario,
                label.name,
                relative(d, base.unwrap_or(f64::NAN))
            ));
        }
    }
    out
}

/// A parameter that differs between the scenarios: its topic and, per
/// scenario, the clauses of its description that are not shared by all.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamChange {
    pub topic: String,
    pub values: Vec<String>,
}

/// The parameters that differ between `models`, in plain words: for each
/// topic of [`parameters::rows`] (build, each stage, incidents, …), the
/// clauses that are not the same in every scenario. A stage only some
/// scenarios have shows as "(no such stage)" in the others.
pub fn parameter_diff(models: &[&Model]) -> Vec<ParamChange> {
    let described: Vec<Vec<(String, String)>> =
        models.iter().map(|m| parameters::rows(m)).collect();
    let mut topics: Vec<String> = Vec::new();
    for d in &described {
        for (t, _) in d {
            if !topics.contains(t) {
                topics.push(t.clone());
            }
        }
    }
    let clauses = |text: &str| -> Vec<String> {
        text.trim_end_matches('.')
            .split("; ")
            .map(|c| c.trim().to_string())
            .collect()
    };
    let mut out = Vec::new();
    for t in topics {
        let texts: Vec<Option<&String>> = described
            .iter()
            .map(|d| d.iter().find(|(x, _)| *x == t).map(|(_, s)| s))
            .collect();
        if texts.windows(2).all(|w| w[0] == w[1]) {
            continue;
        }
        let split: Vec<Option<Vec<String>>> = texts.iter().map(|s| s.map(|s| clauses(s))).collect();
        let shared = |c: &String| {
            split
                .iter()
                .all(|s| s.as_ref().is_some_and(|s| s.contains(c)))
        };
        let values = split
            .iter()
            .map(|s| match s {
                None => "(no such stage)".to_string(),
                Some(cs) => {
                    let own: Vec<&str> = cs
                        .iter()
                        .filter(|c| !shared(c))
                        .map(String::as_str)
                        .collect();
                    if own.is_empty() {
                        "(as the others)".into()
                    } else {
                        own.join("; ")
                    }
                }
            })
            .collect();
        out.push(ParamChange { topic: t, values });
    }
    out
}

/// A sweep dimension's short name: its last key ("agents"), with the list
/// element it is in when the last key is inside a list
/// ("steps[0].set_weight").
pub fn short_path(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let is_index = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [.., list, i, last] if is_index(i) => format!("{list}[{i}].{last}"),
        [.., list, i] if is_index(i) => format!("{list}[{i}]"),
        [.., last] => last.to_string(),
        [] => String::new(),
    }
}

/// Short names of a sweep's dimensions, unique: the full path where two share one.
pub fn dimension_names(dimensions: &[String]) -> Vec<String> {
    let short: Vec<String> = dimensions.iter().map(|d| short_path(d)).collect();
    short
        .iter()
        .zip(dimensions)
        .map(|(s, full)| {
            if short.iter().filter(|x| *x == s).count() > 1 {
                full.clone()
            } else {
                s.clone()
            }
        })
        .collect()
}

/// An override's value as a person reads it: YAML/JSON maps and lists
/// without their quotes and braces (`{"schedule":"0 3 * * *"}` → `schedule 0 3 * * *`).
pub fn plain_value(v: &str) -> String {
    let t = v.trim();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return t.to_string();
    }
    let s: String = t
        .chars()
        .map(|c| match c {
            '{' | '}' | '[' | ']' | '"' => ' ',
            ':' | ',' => ' ',
            c => c,
        })
        .collect();
    // The colons inside a time ("03:00") were turned into spaces too; a
    // value is only words then, which is what a label needs.
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Which dimensions take more than one value in the grid.
pub fn varying(dimensions: &[String], settings: &[&[Setting]]) -> Vec<bool> {
    (0..dimensions.len())
        .map(|d| {
            let first = settings.first().and_then(|s| s.get(d)).map(|x| &x.value);
            settings.iter().any(|s| s.get(d).map(|x| &x.value) != first)
        })
        .collect()
}

/// A grid point's label: the values of the dimensions that vary
/// ("agents=2 · steps[0].set_weight=10"); dimensions with one value are left out.
pub fn point_labels(dimensions: &[String], settings: &[&[Setting]]) -> Vec<String> {
    let names = dimension_names(dimensions);
    let varies = varying(dimensions, settings);
    settings
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let parts: Vec<String> = s
                .iter()
                .enumerate()
                .filter(|(d, _)| varies.get(*d).copied().unwrap_or(true))
                .map(|(d, x)| {
                    let name = names.get(d).cloned().unwrap_or_else(|| x.path.clone());
                    format!("{name}={}", plain_value(&x.value))
                })
                .collect();
            if parts.is_empty() {
                format!("point {k}")
            } else {
                parts.join(" · ")
            }
        })
        .collect()
}

/// A sweep's key-figure table: one row per point.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRows {
    pub header: Vec<String>,
    /// The first `dims` columns are swept values, the rest metrics.
    pub dims: usize,
    pub rows: Vec<Vec<String>>,
}

/// The rows of a sweep's key-figure table: the swept values that vary
/// (short names), then each metric of the page (mean ± half-width).
pub fn sweep_rows(page: &Page, points: &[(String, &Summary)]) -> SweepRows {
    let names = dimension_names(page.dimensions);
    let varies = varying(page.dimensions, &page.settings);
    let shown: Vec<usize> = (0..page.dimensions.len()).filter(|&d| varies[d]).collect();
    let labels: Vec<MetricLabel> = page.metrics.iter().map(|k| metric_label(k)).collect();
    let mut header: Vec<String> = shown.iter().map(|&d| names[d].clone()).collect();
    if shown.is_empty() {
        header.push("point".into());
    }
    let dims = header.len();
    header.extend(labels.iter().map(|l| {
        if l.unit.is_empty() {
            l.short.clone()
        } else {
            format!("{} ({})", l.short, l.unit)
        }
    }));
    let rows = points
        .iter()
        .enumerate()
        .map(|(k, (label, s))| {
            let mut row: Vec<String> = shown
                .iter()
                .map(|&d| {
                    page.settings
                        .get(k)
                        .and_then(|x| x.get(d))
                        .map_or(String::new(), |x| plain_value(&x.value))
                })
                .collect();
            if shown.is_empty() {
                row.push(label.clone());
            }
            row.extend(labels.iter().map(|l| {
                s.get(&l.key).map_or("—".into(), |m| {
                    with_interval(m.mean * l.scale, m.ci95 * l.scale, m.n)
                })
            }));
            row
        })
        .collect();
    SweepRows { header, dims, rows }
}

/// The point with the lowest (or, for a higher-is-better metric, highest)
/// mean of `key`, and the others whose 95 % interval overlaps its interval:
/// the noise cannot tell them apart from it. A stand-in until a
/// ranking-and-selection procedure decides; kept in this one function.
pub fn best_and_ties(points: &[(String, &Summary)], key: &str) -> Option<(usize, Vec<usize>)> {
    let higher = catalogue::higher_is_better(key);
    let stat = |s: &Summary| {
        s.get(key)
            .filter(|m| m.mean.is_finite())
            .map(|m| (m.mean, if m.ci95.is_finite() { m.ci95 } else { 0.0 }))
    };
    let best = points
        .iter()
        .enumerate()
        .filter_map(|(i, (_, s))| stat(s).map(|v| (i, v)))
        .min_by(|a, b| {
            let (x, y) = (a.1.0, b.1.0);
            if higher {
                y.total_cmp(&x)
            } else {
                x.total_cmp(&y)
            }
        })?;
    let (bi, (bm, bc)) = best;
    let ties = points
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != bi)
        .filter_map(|(i, (_, s))| stat(s).map(|v| (i, v)))
        .filter(|(_, (m, c))| (m - bm).abs() <= c + bc)
        .map(|(i, _)| i)
        .collect();
    Some((bi, ties))
}

/// The sentence of one selection: the best mean, and the others in the subset.
fn selected(points: &[(String, &Summary)], sel: &Selection, what: &str) -> Option<String> {
    let label = metric_label(&sel.metric);
    let sign = if sel.better == "higher" { -1.0 } else { 1.0 };
    let best = sel
        .points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.in_subset && p.mean.is_finite())
        .min_by(|a, b| (sign * a.1.mean).total_cmp(&(sign * b.1.mean)))?;
    let m = points.get(best.0)?.1.get(&sel.metric)?;
    let value = with_interval(m.mean * label.scale, m.ci95 * label.scale, m.n);
    let mut s = format!("{what}: {}, {value} {}", best.1.label, label.unit);
    let others: Vec<&str> = sel
        .points
        .iter()
        .enumerate()
        .filter(|(i, p)| p.in_subset && *i != best.0)
        .map(|(_, p)| p.label.as_str())
        .collect();
    if others.is_empty() {
        let which = if points.len() > 2 {
            "point"
        } else {
            "scenario"
        };
        s.push_str(&format!(
            "; no other {which} can be the best at {:.0} % (subset selection on the same commits).",
            sel.confidence * 100.0
        ));
    } else {
        let list = if others.len() > 4 {
            format!("{} and {} others", others[..3].join(", "), others.len() - 3)
        } else {
            join_and(&others)
        };
        s.push_str(&format!(
            "; but {list} cannot be told apart from it at {:.0} % (subset selection on the same commits).",
            sel.confidence * 100.0
        ));
    }
    Some(s)
}

/// The metrics "What dominates" names a best for, and how it says so.
pub const DOMINANCE: [(&str, &str); 3] = [
    ("lead_time.p50", "Shortest median lead time"),
    (
        "blast_radius.share_hours",
        "Smallest blast radius per incident",
    ),
    (
        "production.change_failure_rate",
        "Lowest change failure rate",
    ),
];

/// "What dominates" of a comparison or sweep: for lead time, blast radius and
/// change failure rate, the best point and those that cannot be told apart
/// from it: by subset selection on the paired replications where `best` has
/// it (docs/experiments.md), else by overlapping 95 % intervals.
pub fn dominance(points: &[(String, &Summary)], best: &[Selection]) -> Vec<String> {
    let mut out = Vec::new();
    for (key, what) in DOMINANCE {
        if let Some(sel) = best.iter().find(|s| s.metric == key)
            && let Some(s) = selected(points, sel, what)
        {
            out.push(s);
            continue;
        }
        let Some((b, ties)) = best_and_ties(points, key) else {
            continue;
        };
        let label = metric_label(key);
        let m = points[b].1.get(key);
        let value = m.map_or("—".into(), |m| {
            with_interval(m.mean * label.scale, m.ci95 * label.scale, m.n)
        });
        let mut s = format!("{what}: {}, {value} {}", points[b].0, label.unit);
        if ties.is_empty() {
            s.push_str(&format!(
                "; its 95 % interval overlaps no other {}'s.",
                if points.len() > 2 {
                    "point"
                } else {
                    "scenario"
                }
            ));
        } else {
            let names: Vec<&str> = ties.iter().map(|&i| points[i].0.as_str()).collect();
            let list = if names.len() > 4 {
                format!("{} and {} others", names[..3].join(", "), names.len() - 3)
            } else {
                join_and(&names)
            };
            s.push_str(&format!(
                "; but {list} cannot be told apart from it (95 % intervals overlap)."
            ));
        }
        out.push(s);
    }
    out
}

fn join_and(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_paths_keep_the_list_element() {
        assert_eq!(short_path("build.agents"), "agents");
        assert_eq!(
            short_path("stages.production.strategy.canary.steps.0.set_weight"),
            "steps[0].set_weight"
        );
        assert_eq!(short_path("stages.0"), "stages[0]");
        let names = dimension_names(&["a.x".into(), "b.x".into(), "c.y".into()]);
        assert_eq!(names, ["a.x", "b.x", "y"]);
    }

    #[test]
    fn labels_name_only_what_varies() {
        let s = |p: &str, v: &str| Setting {
            path: p.into(),
            value: v.into(),
        };
        let a = [s("build.agents", "1"), s("x.y", "5")];
        let b = [s("build.agents", "2"), s("x.y", "5")];
        let dims = vec!["build.agents".to_string(), "x.y".to_string()];
        let l = point_labels(&dims, &[&a, &b]);
        assert_eq!(l, ["agents=1", "agents=2"]);
    }
}
