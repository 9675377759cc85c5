//! A sweep's small multiples: each chosen metric against the swept value, one
//! line per value of a second swept parameter, with 95 % interval bands.

use crate::experiment::Summary;
use crate::experiment::job::Setting;
use crate::report::charts::{Chart, LinePoint, SweepLine};
use crate::report::figures::Figure;
use crate::report::points::{dimension_names, metric_label, plain_value};

/// The size a small multiple is drawn at (pixels): two fit side by side on the page.
pub const SMALL_MULTIPLE: (u32, u32) = (560, 400);
/// The file stems of the small multiples start so.
pub const SMALL_MULTIPLE_STEM: &str = "sweep-";

/// The values of one dimension at each point, and whether all are numbers.
fn column<'a>(settings: &[&'a [Setting]], d: usize) -> Vec<&'a str> {
    settings
        .iter()
        .map(|s| s.get(d).map_or("", |x| x.value.as_str()))
        .collect()
}

fn distinct<'a>(values: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for v in values {
        if !out.contains(v) {
            out.push(v);
        }
    }
    out
}

/// One chart per metric of `metrics` against the first dimension that varies,
/// one line per value of the second, for a sweep of one or two varying
/// dimensions (none for more: the table and the scatter show those).
/// `summaries` are the points' summaries, in grid order.
pub fn sweep_lines(
    dimensions: &[String],
    settings: &[&[Setting]],
    summaries: &[&Summary],
    metrics: &[String],
) -> Vec<Figure> {
    let names = dimension_names(dimensions);
    let varying: Vec<usize> = (0..dimensions.len())
        .filter(|&d| distinct(&column(settings, d)).len() > 1)
        .collect();
    let (xd, sd) = match varying[..] {
        [x] => (x, None),
        [x, s] => (x, Some(s)),
        _ => return Vec::new(),
    };
    let xs = column(settings, xd);
    let numeric: Option<Vec<f64>> = xs.iter().map(|v| v.trim().parse::<f64>().ok()).collect();
    let categories = distinct(&xs);
    let (x_of, x_ticks): (Vec<f64>, Vec<String>) =
        match numeric.filter(|v| v.iter().all(|x| x.is_finite())) {
            Some(v) => (v, Vec::new()),
            None => (
                xs.iter()
                    .map(|v| categories.iter().position(|c| c == v).unwrap_or(0) as f64)
                    .collect(),
                categories.iter().map(|c| plain_value(c)).collect(),
            ),
        };
    let groups: Vec<&str> = sd.map_or(vec![""], |s| distinct(&column(settings, s)));
    metrics
        .iter()
        .map(|key| {
            let label = metric_label(key);
            let series = groups
                .iter()
                .map(|g| SweepLine {
                    name: sd.map_or(String::new(), |s| format!("{}={}", names[s], plain_value(g))),
                    points: (0..settings.len())
                        .filter(|&k| sd.is_none_or(|s| column(settings, s)[k] == *g))
                        .filter_map(|k| {
                            let m = summaries.get(k)?.get(key)?;
                            let ci = if m.ci95.is_finite() { m.ci95 } else { 0.0 };
                            Some(LinePoint {
                                x: x_of[k],
                                y: m.mean * label.scale,
                                lo: (m.mean - ci) * label.scale,
                                hi: (m.mean + ci) * label.scale,
                            })
                        })
                        .collect(),
                })
                .collect();
            let unit = if label.unit.is_empty() {
                String::new()
            } else {
                format!(" ({})", label.unit)
            };
            Figure {
                stem: format!("sweep-{}", key.replace(['.', '{', '}'], "-")),
                chart: Chart::Lines {
                    title: format!("{} by {}", capitalised(&label.name), names[xd]),
                    x_label: dimensions[xd].clone(),
                    y_label: format!("{}{unit}", label.short),
                    x_ticks: x_ticks.clone(),
                    series,
                },
                caption: format!(
                    "The {} at each value of {} ({}){}; the band is the 95 % interval of the mean over replications. The axis starts at 0.",
                    label.name,
                    names[xd],
                    dimensions[xd],
                    sd.map_or(String::new(), |s| format!(", one line per value of {}", names[s]))
                ),
            }
        })
        .collect()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
