//! Every chart kind renders realistic and degenerate data to SVG and PNG.
//!
//! Set `PROMOSIM_CHART_DIR=/some/dir` to keep the rendered files for a look.

mod common;
use common::svg_texts;
use std::path::{Path, PathBuf};

use promosim::report::charts::{
    BarKind, CdfSeries, Chart, DEFAULT_SIZE, GanttBar, Rendered, Series, Shade, TradeoffPoint,
    render_svg, save, save_sized,
};

/// Deterministic pseudo-random numbers, so the tests need no seed plumbing.
struct Lcg(u64);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        median * (sigma * z).exp()
    }
}

fn cdf_series(name: &str, median: f64, sigma: f64, n: usize, seed: u64) -> CdfSeries {
    let mut rng = Lcg(seed);
    let mut v: Vec<f64> = (0..n).map(|_| rng.lognormal(median, sigma)).collect();
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    CdfSeries {
        name: name.to_string(),
        p50: q(0.5),
        p95: q(0.95),
        sorted_values_h: v,
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

fn lead_time_cdf() -> Chart {
    Chart::LeadTimeCdf {
        title: s("How long until a commit reaches production? Nightly batching doubles the median"),
        series: vec![
            cdf_series("continuous deployment", 3.0, 0.6, 2000, 1),
            cdf_series("nightly train", 14.0, 0.5, 2000, 2),
            cdf_series("weekly release + CAB", 70.0, 0.45, 150, 3),
        ],
    }
}

fn stacked() -> Chart {
    Chart::StackedBars {
        title: s("Where does a commit's lead time go? Mostly waiting for the release window"),
        y_label: s("mean hours per commit"),
        categories: vec![
            s("continuous"),
            s("nightly train"),
            s("weekly + CAB"),
            s("weekly, no freeze"),
        ],
        components: vec![
            s("build & test"),
            s("queue for staging"),
            s("staging soak"),
            s("approval wait"),
            s("deploy"),
        ],
        values: vec![
            vec![0.6, 0.3, 1.0, 0.0, 0.2],
            vec![0.6, 7.5, 4.0, 0.0, 0.3],
            vec![0.6, 30.0, 24.0, 18.0, 0.5],
            vec![0.6, 28.0, 20.0, 0.0, 0.5],
        ],
    }
}

fn bars() -> Chart {
    Chart::Bars {
        title: s("How often does each stage deploy? Production deploys 4.8 times a week"),
        y_label: s("deployments per week"),
        categories: vec![
            s("dev"),
            s("integration"),
            s("staging"),
            s("canary"),
            s("production"),
        ],
        values: vec![62.0, 31.5, 9.8, 5.1, 4.8],
        errors: Some(vec![3.1, 2.4, 1.2, 0.8, 0.7]),
    }
}

fn time_series() -> Chart {
    let mut rng = Lcg(7);
    let mut q = 0.0f64;
    let mut points = Vec::new();
    let mut band = Vec::new();
    let mut t = 0.0;
    while t < 24.0 * 14.0 {
        q = (q + if rng.uniform() < 0.55 { 1.0 } else { -1.0 }).max(0.0);
        if (t % 24.0) < 0.5 {
            q = (q - 6.0).max(0.0);
        }
        points.push((t, q));
        band.push((t, (q - 2.0).max(0.0), q + 3.0));
        t += 0.5 + rng.uniform();
    }
    let canary: Vec<(f64, f64)> = points
        .iter()
        .map(|&(x, y)| (x, (y * 0.4).floor()))
        .collect();
    Chart::TimeSeries {
        title: s("Does the staging queue drain each night? Yes, except at weekends"),
        y_label: s("commits waiting"),
        x_label: s("time since start (hours)"),
        series: vec![
            Series {
                name: s("staging queue"),
                points,
                step: true,
                band: Some(band),
            },
            Series {
                name: s("canary queue"),
                points: canary,
                step: true,
                band: None,
            },
        ],
        shaded: vec![
            Shade {
                name: s("freeze: quarter end"),
                note: Some(s("no deployment to production")),
                from: 100.0,
                to: 150.0,
            },
            // Outside the data: not drawn, not in the legend.
            Shade {
                name: s("freeze: next year"),
                note: None,
                from: 9000.0,
                to: 9100.0,
            },
        ],
    }
}

fn gantt() -> Chart {
    let lanes = vec![
        s("build"),
        s("integration tests"),
        s("staging"),
        s("canary"),
        s("production"),
    ];
    let mut bars = Vec::new();
    for r in 0..4 {
        let t0 = r as f64 * 24.0;
        let label = Some(format!("r{}", r + 1));
        bars.push(GanttBar {
            lane: 0,
            start_h: t0,
            end_h: t0 + 1.5,
            label: label.clone(),
            kind: BarKind::Normal,
        });
        bars.push(GanttBar {
            lane: 1,
            start_h: t0 + 1.5,
            end_h: t0 + 3.0,
            label: label.clone(),
            kind: BarKind::Waiting,
        });
        bars.push(GanttBar {
            lane: 1,
            start_h: t0 + 3.0,
            end_h: t0 + 6.0,
            label: label.clone(),
            kind: BarKind::Normal,
        });
        if r == 1 {
            bars.push(GanttBar {
                lane: 2,
                start_h: t0 + 6.0,
                end_h: t0 + 14.0,
                label: label.clone(),
                kind: BarKind::Rejected,
            });
            continue;
        }
        bars.push(GanttBar {
            lane: 2,
            start_h: t0 + 6.0,
            end_h: t0 + 18.0,
            label: label.clone(),
            kind: BarKind::Normal,
        });
        bars.push(GanttBar {
            lane: 3,
            start_h: t0 + 18.0,
            end_h: t0 + 20.0,
            label: label.clone(),
            kind: BarKind::Waiting,
        });
        let kind = if r == 2 {
            BarKind::Rollback
        } else {
            BarKind::Normal
        };
        bars.push(GanttBar {
            lane: 3,
            start_h: t0 + 20.0,
            end_h: t0 + 26.0,
            label: label.clone(),
            kind,
        });
        if r != 2 {
            bars.push(GanttBar {
                lane: 4,
                start_h: t0 + 26.0,
                end_h: t0 + 27.0,
                label,
                kind: BarKind::Normal,
            });
        }
    }
    Chart::Gantt {
        title: s(
            "How do releases move through the pipeline? r2 was rejected in staging, r3 rolled back",
        ),
        lanes,
        bars,
    }
}

fn tradeoff() -> Chart {
    let p = |label: &str, x: f64, dx: f64, y: f64, dy: f64| TradeoffPoint {
        label: s(label),
        x,
        x_lo: x - dx,
        x_hi: x + dx,
        y,
        y_lo: y - dy,
        y_hi: y + dy,
    };
    Chart::Tradeoff {
        title: s("What does safety cost in speed? The nightly train halves incidents for +10 h"),
        x_label: s("median lead time (hours)"),
        y_label: s("failed changes reaching users per month"),
        points: vec![
            p("continuous", 3.1, 0.4, 6.2, 1.1),
            p("continuous + canary", 4.0, 0.5, 3.9, 0.9),
            p("nightly train", 14.2, 1.5, 3.1, 0.7),
            p("weekly + CAB", 71.0, 6.0, 2.2, 0.6),
            p("weekly, no freeze", 65.0, 5.0, 2.6, 0.6),
        ],
    }
}

fn all_charts() -> Vec<(&'static str, Chart)> {
    vec![
        ("lead_time_cdf", lead_time_cdf()),
        ("stacked", stacked()),
        ("bars", bars()),
        ("time_series", time_series()),
        ("gantt", gantt()),
        ("tradeoff", tradeoff()),
    ]
}

fn empty_charts() -> Vec<(&'static str, Chart)> {
    vec![
        (
            "empty_cdf",
            Chart::LeadTimeCdf {
                title: s("No commits"),
                series: vec![],
            },
        ),
        (
            "empty_cdf_series",
            Chart::LeadTimeCdf {
                title: s("Series without values"),
                series: vec![CdfSeries {
                    name: s("a"),
                    sorted_values_h: vec![],
                    p50: f64::NAN,
                    p95: f64::NAN,
                }],
            },
        ),
        (
            "empty_stacked",
            Chart::StackedBars {
                title: s("Nothing stacked"),
                y_label: s("hours"),
                categories: vec![],
                components: vec![],
                values: vec![],
            },
        ),
        (
            "ragged_stacked",
            Chart::StackedBars {
                title: s("Ragged and zero"),
                y_label: s("hours"),
                categories: vec![s("a"), s("b")],
                components: vec![s("x"), s("y")],
                values: vec![vec![0.0], vec![]],
            },
        ),
        (
            "empty_bars",
            Chart::Bars {
                title: s("No bars"),
                y_label: s("per week"),
                categories: vec![],
                values: vec![],
                errors: None,
            },
        ),
        (
            "nan_bars",
            Chart::Bars {
                title: s("NaN bars"),
                y_label: s("per week"),
                categories: vec![s("a"), s("b")],
                values: vec![f64::NAN],
                errors: Some(vec![]),
            },
        ),
        (
            "empty_ts",
            Chart::TimeSeries {
                title: s("No series"),
                y_label: s("queue"),
                x_label: s("hours"),
                series: vec![],
                shaded: vec![],
            },
        ),
        (
            "flat_ts",
            Chart::TimeSeries {
                title: s("One flat point"),
                y_label: s("queue"),
                x_label: s("hours"),
                series: vec![Series {
                    name: s("q"),
                    points: vec![(5.0, 0.0)],
                    step: true,
                    band: Some(vec![]),
                }],
                shaded: vec![],
            },
        ),
        (
            "empty_gantt",
            Chart::Gantt {
                title: s("No releases"),
                lanes: vec![],
                bars: vec![],
            },
        ),
        (
            "bad_lane_gantt",
            Chart::Gantt {
                title: s("Bar on a missing lane"),
                lanes: vec![s("build")],
                bars: vec![GanttBar {
                    lane: 3,
                    start_h: 0.0,
                    end_h: 1.0,
                    label: None,
                    kind: BarKind::Rejected,
                }],
            },
        ),
        (
            "empty_tradeoff",
            Chart::Tradeoff {
                title: s("No points"),
                x_label: s("x"),
                y_label: s("y"),
                points: vec![],
            },
        ),
        (
            "single_tradeoff",
            Chart::Tradeoff {
                title: s("One point, no intervals"),
                x_label: s("x"),
                y_label: s("y"),
                points: vec![TradeoffPoint {
                    label: s("only"),
                    x: 1.0,
                    x_lo: f64::NAN,
                    x_hi: f64::INFINITY,
                    y: 1.0,
                    y_lo: 1.0,
                    y_hi: 1.0,
                }],
            },
        ),
        (
            "empty_title",
            Chart::Bars {
                title: s(""),
                y_label: s(""),
                categories: vec![s("")],
                values: vec![0.0],
                errors: None,
            },
        ),
    ]
}

fn out_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("PROMOSIM_CHART_DIR") {
        Some(d) => {
            std::fs::create_dir_all(&d).unwrap();
            (None, PathBuf::from(d))
        }
        None => {
            let t = tempfile::tempdir().unwrap();
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 33,
        "{} is too short for a PNG",
        path.display()
    );
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} lacks the PNG signature",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

fn check_files(dir: &Path, stem: &str, rendered: &Rendered, size: (u32, u32)) {
    assert_eq!(png_size(&dir.join(format!("{stem}.png"))), size);
    let svg_file = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
    assert_eq!(svg_file, rendered.svg);
    assert!(rendered.svg.contains("<svg"), "{stem}: no <svg");
    assert!(
        rendered.svg.trim_end().ends_with("</svg>"),
        "{stem}: no </svg> at the end"
    );
    // No temporary files left behind.
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !(name.starts_with(stem) && name.contains(".tmp")),
            "leftover temporary file {name}"
        );
    }
}

fn names_in(chart: &Chart) -> Vec<String> {
    match chart {
        Chart::LeadTimeCdf { series, .. } => series.iter().map(|s| s.name.clone()).collect(),
        Chart::StackedBars {
            categories,
            components,
            y_label,
            ..
        } => categories
            .iter()
            .chain(components)
            .chain([y_label])
            .cloned()
            .collect(),
        Chart::Bars {
            categories,
            y_label,
            ..
        }
        | Chart::BarsCutAxis {
            categories,
            y_label,
            ..
        } => categories.iter().chain([y_label]).cloned().collect(),
        Chart::TimeSeries {
            series,
            x_label,
            y_label,
            shaded,
            ..
        } => series
            .iter()
            .map(|s| s.name.clone())
            .chain(
                shaded
                    .iter()
                    .filter(|s| s.from < 1000.0)
                    .map(|s| s.name.clone()),
            )
            .chain([x_label.clone(), y_label.clone()])
            .collect(),
        Chart::Gantt { lanes, .. } => lanes.clone(),
        Chart::Tradeoff {
            points,
            x_label,
            y_label,
            ..
        } => points
            .iter()
            .map(|p| p.label.clone())
            .chain([x_label.clone(), y_label.clone()])
            .collect(),
        Chart::Lines {
            series,
            x_label,
            y_label,
            x_ticks,
            ..
        } => series
            .iter()
            .map(|s| s.name.clone())
            .chain(x_ticks.iter().cloned())
            .chain([x_label.clone(), y_label.clone()])
            .collect(),
    }
}

#[test]
fn every_chart_kind_renders_svg_and_png() {
    let (_keep, dir) = out_dir();
    for (stem, chart) in all_charts() {
        let rendered = save(&chart, &dir.join(stem)).unwrap_or_else(|e| panic!("{stem}: {e}"));
        check_files(&dir, stem, &rendered, DEFAULT_SIZE);
        let texts = svg_texts(&rendered.svg);
        let all_text = texts.join("\n");
        // The title may wrap onto two lines: every word must be there.
        for word in chart.title().split_whitespace() {
            assert!(
                all_text.contains(word),
                "{stem}: title word {word:?} missing"
            );
        }
        for name in names_in(&chart) {
            // A name may be wrapped at a space or dash onto two lines.
            let found = texts.iter().any(|t| t == &name)
                || name
                    .split([' ', '-'])
                    .all(|w| texts.iter().any(|t| t.contains(w)));
            assert!(
                found,
                "{stem}: name {name:?} not drawn as text; texts: {texts:?}"
            );
        }
        assert!(
            !all_text.contains("no data"),
            "{stem}: realistic data drew 'no data'"
        );
    }
}

#[test]
fn empty_and_degenerate_inputs_draw_a_note_without_panicking() {
    let (_keep, dir) = out_dir();
    for (stem, chart) in empty_charts() {
        let rendered = save(&chart, &dir.join(stem)).unwrap_or_else(|e| panic!("{stem}: {e}"));
        check_files(&dir, stem, &rendered, DEFAULT_SIZE);
    }
    for stem in [
        "empty_cdf",
        "empty_stacked",
        "empty_bars",
        "empty_ts",
        "empty_gantt",
        "empty_tradeoff",
    ] {
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg_texts(&svg).iter().any(|t| t == "no data"),
            "{stem}: no 'no data' note"
        );
    }
    // Degenerate but present data is drawn, not replaced by a note.
    for stem in ["flat_ts", "single_tradeoff"] {
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
        assert!(
            !svg_texts(&svg).iter().any(|t| t == "no data"),
            "{stem}: drew 'no data'"
        );
    }
}

#[test]
fn stacked_bars_draw_one_rect_per_non_zero_segment() {
    let chart = stacked();
    let Chart::StackedBars {
        values, components, ..
    } = &chart
    else {
        unreachable!()
    };
    let segments = values.iter().flatten().filter(|v| **v > 0.0).count();
    let svg = render_svg(&chart, DEFAULT_SIZE).unwrap();
    // Background + one per segment + one legend swatch per component.
    assert_eq!(
        svg.matches("<rect").count(),
        1 + segments + components.len()
    );
}

#[test]
fn gantt_marks_rejections_and_rollbacks_in_the_legend() {
    let svg = render_svg(&gantt(), DEFAULT_SIZE).unwrap();
    let texts = svg_texts(&svg);
    for kind in ["in stage", "waiting", "rejected", "rolled back"] {
        assert!(texts.iter().any(|t| t == kind), "legend lacks {kind:?}");
    }
}

#[test]
fn cdf_legend_gives_percentiles() {
    let svg = render_svg(&lead_time_cdf(), DEFAULT_SIZE).unwrap();
    let texts = svg_texts(&svg);
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("p50 ") && t.contains(" · p95 ")),
        "{texts:?}"
    );
}

#[test]
fn custom_size_and_nested_output_directory() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("a/b/lead.time.v2");
    let rendered = save_sized(&bars(), &stem, (1200, 700)).unwrap();
    assert!(rendered.svg.contains("width=\"1200\""));
    assert_eq!(
        png_size(&dir.path().join("a/b/lead.time.v2.png")),
        (1200, 700)
    );
    assert!(dir.path().join("a/b/lead.time.v2.svg").exists());
}

#[test]
fn unwritable_destination_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    // A stem inside a regular file cannot be written.
    let err = save(&bars(), &file.join("chart")).unwrap_err();
    assert!(!err.to_string().is_empty());
}

#[test]
fn crowded_charts_render() {
    let (_keep, dir) = out_dir();
    let names: Vec<String> = (0..9)
        .map(|i| format!("stage-{i} integration-environment"))
        .collect();
    let stacked = Chart::StackedBars {
        title: s(
            "Nine stages with long names: does every label still fit under its bar without overlapping?",
        ),
        y_label: s("mean hours per commit"),
        categories: names.clone(),
        components: (0..8).map(|i| format!("component number {i}")).collect(),
        values: (0..9)
            .map(|c| (0..8).map(|k| ((c * 7 + k * 3) % 5) as f64).collect())
            .collect(),
    };
    let cdf = Chart::LeadTimeCdf {
        title: s("Ten policies"),
        series: (0..10)
            .map(|i| {
                cdf_series(
                    &format!("policy {i}"),
                    2.0 + i as f64 * 3.0,
                    0.9,
                    500,
                    10 + i,
                )
            })
            .collect(),
    };
    let gantt = Chart::Gantt {
        title: s("Many lanes"),
        lanes: (0..24).map(|i| format!("lane {i}")).collect(),
        bars: (0..200)
            .map(|i| GanttBar {
                lane: i % 24,
                start_h: i as f64 * 0.7,
                end_h: i as f64 * 0.7 + 3.0,
                label: Some(format!("r{i}")),
                kind: [
                    BarKind::Normal,
                    BarKind::Waiting,
                    BarKind::Rejected,
                    BarKind::Rollback,
                ][i % 4],
            })
            .collect(),
    };
    let crowded_points = Chart::Tradeoff {
        title: s("Close points"),
        x_label: s("x"),
        y_label: s("y"),
        points: (0..8)
            .map(|i| TradeoffPoint {
                label: format!("policy {i}"),
                x: 10.0 + (i % 3) as f64,
                x_lo: 9.0 + (i % 3) as f64,
                x_hi: 11.0 + (i % 3) as f64,
                y: 5.0 + (i / 3) as f64 * 0.3,
                y_lo: 4.8 + (i / 3) as f64 * 0.3,
                y_hi: 5.2 + (i / 3) as f64 * 0.3,
            })
            .collect(),
    };
    let negative = Chart::Bars {
        title: s("Change in lead time vs baseline"),
        y_label: s("hours"),
        categories: vec![s("a"), s("b"), s("c")],
        values: vec![-3.0, 2.5, -0.5],
        errors: None,
    };
    for (stem, chart) in [
        ("crowded_stacked", stacked),
        ("crowded_cdf", cdf),
        ("crowded_gantt", gantt),
        ("crowded_tradeoff", crowded_points),
        ("negative_bars", negative),
    ] {
        let rendered = save(&chart, &dir.join(stem)).unwrap_or_else(|e| panic!("{stem}: {e}"));
        check_files(&dir, stem, &rendered, DEFAULT_SIZE);
    }
}

/// The sizes an SVG gives its shapes: none may be negative or NaN (browsers
/// drop such shapes). `tests/chart_geometry.rs` parses the XML in full.
fn assert_no_negative_size(what: &str, svg: &str) {
    for attr in ["width", "height", "r", "rx", "ry"] {
        assert!(
            !svg.contains(&format!(" {attr}=\"-")),
            "{what}: a negative {attr}"
        );
    }
    assert!(!svg.contains("=\"NaN"), "{what}: a NaN attribute");
}

#[test]
fn no_chart_draws_a_negative_or_nan_size() {
    let mut charts = all_charts();
    charts.extend(empty_charts());
    for (stem, chart) in &charts {
        let svg = render_svg(chart, DEFAULT_SIZE).unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_no_negative_size(stem, &svg);
    }
}
