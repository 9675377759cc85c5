//! Chart geometry: every shape a chart draws has a sane size (no negative or
//! NaN width, height or radius: browsers drop those, so rollback bars vanished
//! from `timeline.svg`), on made-up edge cases and on the shipped scenarios'
//! charts; and a cut axis keeps short bars readable beside tall ones.

mod common;
use common::svg_texts;
use std::path::PathBuf;

use promosim::report::charts::{BarKind, Chart, DEFAULT_SIZE, GanttBar, render_svg};

fn s(x: &str) -> String {
    x.to_string()
}

/// Every element's sizes in an SVG: `(element, attribute, value)` for width,
/// height, r, rx and ry, and the points of polygons.
fn svg_sizes(svg: &str) -> Vec<(String, String, String)> {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut r = Reader::from_str(svg);
    let mut out = Vec::new();
    loop {
        let ev = r
            .read_event()
            .unwrap_or_else(|e| panic!("malformed SVG: {e}"));
        let el = match &ev {
            Event::Start(e) | Event::Empty(e) => e.clone(),
            Event::Eof => break,
            _ => continue,
        };
        let name = el.name().as_ref().to_string();
        for a in el.attributes() {
            let a = a.expect("well-formed attribute");
            let key = a.key.as_ref().to_string();
            if [
                "width", "height", "r", "rx", "ry", "points", "x", "y", "cx", "cy",
            ]
            .contains(&key.as_str())
            {
                let v = a.value.to_string();
                out.push((name.clone(), key, v));
            }
        }
    }
    out
}

/// Fails on a negative or non-numeric size, or a NaN coordinate, anywhere.
fn assert_sane_svg(what: &str, svg: &str) {
    let sizes = svg_sizes(svg);
    assert!(!sizes.is_empty(), "{what}: no sized element");
    for (el, key, v) in sizes {
        let numbers: Vec<&str> = if key == "points" {
            v.split([' ', ',']).filter(|t| !t.is_empty()).collect()
        } else {
            vec![v.as_str()]
        };
        for t in numbers {
            let t = t.trim_end_matches("px").trim_end_matches('%');
            let x: f64 = t
                .parse()
                .unwrap_or_else(|_| panic!("{what}: <{el} {key}=\"{v}\"> is not a number"));
            assert!(x.is_finite(), "{what}: <{el} {key}=\"{v}\">");
            if ["width", "height", "r", "rx", "ry"].contains(&key.as_str()) {
                assert!(x >= 0.0, "{what}: <{el} {key}=\"{v}\"> is negative");
            }
        }
    }
}

/// Rejections at one instant and bars shorter than a pixel: the cases that
/// drew rectangles of negative width.
fn instant_bars() -> Chart {
    Chart::Gantt {
        title: s("Instants"),
        lanes: vec![s("build"), s("staging"), s("production")],
        bars: (0..60)
            .map(|i| GanttBar {
                lane: i % 3,
                start_h: i as f64 * 2.0,
                end_h: i as f64 * 2.0 + if i % 2 == 0 { 0.0 } else { 0.001 },
                label: None,
                kind: [BarKind::Rejected, BarKind::Rollback, BarKind::Normal][i % 3],
            })
            .collect(),
    }
}

/// A stacked segment far thinner than a pixel: it drew a negative height.
fn thin_segments() -> Chart {
    Chart::StackedBars {
        title: s("Thin"),
        y_label: s("h"),
        categories: vec![s("a"), s("b")],
        components: vec![s("big"), s("tiny"), s("big again")],
        values: vec![vec![100.0, 0.001, 50.0], vec![80.0, 0.0001, 1.0]],
    }
}

#[test]
fn edge_cases_draw_no_negative_or_nan_size() {
    for (stem, chart) in [("instants", instant_bars()), ("thin", thin_segments())] {
        let svg = render_svg(&chart, DEFAULT_SIZE).unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_sane_svg(stem, &svg);
    }
}

#[test]
fn the_shipped_scenarios_charts_draw_no_negative_or_nan_size() {
    use promosim::experiment::{self, Plan, Summary};
    use promosim::report::figures::{self, Charted};
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 4);
    let mut timelines_with_marks = 0;
    let mut freezes_shown = 0;
    for path in &paths {
        let sc = promosim::scenario::load(path).expect("scenario");
        let model = promosim::model::compile(&sc)
            .expect("model")
            .with_replications(3);
        let plan = Plan {
            replications: 3,
            threads: None,
            progress: false,
        };
        let outcome = experiment::run(&model, plan).expect("run");
        let summary = Summary::new(&model, 3, outcome.summary);
        let traces = experiment::trace_replications(&model, 3);
        let charted = Charted {
            label: "x",
            model: &model,
            summary: &summary,
            traces: &traces,
        };
        for fig in figures::run_figures(&charted) {
            let what = format!("{}: {}", path.display(), fig.stem);
            let svg =
                render_svg(&fig.chart, DEFAULT_SIZE).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_sane_svg(&what, &svg);
            if let Chart::Gantt { bars, .. } = &fig.chart
                && bars
                    .iter()
                    .any(|b| b.kind != BarKind::Normal && b.kind != BarKind::Waiting)
            {
                timelines_with_marks += 1;
            }
            match (fig.stem.as_str(), &fig.chart) {
                // The worst incidents are bars, largest first, each named apart.
                (
                    "incidents",
                    Chart::Bars {
                        categories, values, ..
                    },
                ) => {
                    assert!(
                        values.windows(2).all(|w| w[0] >= w[1]),
                        "{what}: {values:?}"
                    );
                    let mut names = categories.clone();
                    names.dedup();
                    assert_eq!(names.len(), categories.len(), "{what}: {categories:?}");
                }
                ("incidents", other) => panic!("{what}: not bars: {other:?}"),
                // Freezes in the scenario are shaded and named on the queue chart.
                ("queues", Chart::TimeSeries { shaded, .. }) => {
                    let freezes: usize = model.stages().iter().map(|s| s.freezes().len()).sum();
                    assert_eq!(freezes > 0, !shaded.is_empty(), "{what}");
                    for sh in shaded {
                        assert!(sh.from < sh.to, "{what}: {sh:?}");
                        assert!(
                            svg_texts(&svg).contains(&sh.name),
                            "{what}: {} not drawn",
                            sh.name
                        );
                        freezes_shown += 1;
                    }
                }
                _ => {}
            }
        }
    }
    // The test means something only if some timeline has a rejection or
    // rollback, and some scenario's freeze falls inside its queue chart.
    assert!(timelines_with_marks > 0);
    assert!(freezes_shown > 0);
}

/// Heights of the `<rect>`s filled with `fill` (e.g. `#0072B2`), in order.
fn rect_heights(svg: &str, fill: &str) -> Vec<f64> {
    svg.split("<rect")
        .skip(1)
        .filter(|r| {
            let head = &r[..r.find('>').unwrap_or(r.len())];
            head.to_ascii_lowercase()
                .contains(&format!("fill=\"{}\"", fill.to_ascii_lowercase()))
        })
        .filter_map(|r| {
            let at = r.find("height=\"")? + 8;
            r[at..at + r[at..].find('"')?].parse().ok()
        })
        .collect()
}

#[test]
fn a_bar_far_taller_than_the_rest_does_not_flatten_them() {
    // Deployments per week: dev's 361 beside production's 3.5.
    let chart = Chart::BarsCutAxis {
        title: s("How often does each stage deploy?"),
        y_label: s("deployments per week"),
        categories: vec![s("dev"), s("test"), s("staging"), s("production")],
        values: vec![361.0, 4.5, 4.41, 3.51],
        errors: Some(vec![4.0, 0.3, 0.3, 0.2]),
    };
    let svg = render_svg(&chart, DEFAULT_SIZE).expect("svg");
    let h = rect_heights(&svg, "#0072B2");
    assert_eq!(h.len(), 4, "{h:?}");
    let tallest = h.iter().copied().fold(0.0, f64::max);
    assert!(
        h[3] > 0.4 * tallest,
        "production's bar is {} px of {tallest}: unreadable",
        h[3]
    );
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|t| t == "361"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "off scale"), "{texts:?}");
    // Bars of like size keep one honest axis from zero; plain bars (e.g. a
    // distribution) are never cut.
    for (values, cut) in [(vec![10.0, 4.0], true), (vec![361.0, 3.5], false)] {
        let (categories, title, y_label) = (vec![s("a"), s("b")], s("t"), s("y"));
        let errors = None;
        let chart = if cut {
            Chart::BarsCutAxis {
                title,
                y_label,
                categories,
                values: values.clone(),
                errors,
            }
        } else {
            Chart::Bars {
                title,
                y_label,
                categories,
                values: values.clone(),
                errors,
            }
        };
        let svg = render_svg(&chart, DEFAULT_SIZE).expect("svg");
        let h = rect_heights(&svg, "#0072B2");
        let want = values[1] / values[0];
        assert!((h[1] / h[0] - want).abs() < 0.02, "{values:?}: {h:?}");
        assert!(!svg_texts(&svg).iter().any(|t| t == "off scale"));
    }
}

/// `<text>` elements as drawn: (x, anchor, font size, rotated, text).
fn svg_text_boxes(svg: &str) -> Vec<(f64, String, f64, bool, String)> {
    let attr = |head: &str, name: &str| -> Option<String> {
        let at = head.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(head[at..at + head[at..].find('"')?].to_string())
    };
    let texts = svg_texts(svg);
    svg.split("<text")
        .skip(1)
        .zip(texts)
        .map(|(chunk, text)| {
            let head = &chunk[..chunk.find('>').unwrap_or(chunk.len())];
            let num = |n: &str| attr(head, n).and_then(|v| v.parse::<f64>().ok());
            (
                num("x").expect("x"),
                attr(head, "text-anchor").unwrap_or_else(|| "start".into()),
                num("font-size").expect("font-size"),
                head.contains("rotate("),
                text,
            )
        })
        .collect()
}

/// The width of `text` at `size` px in the embedded font (what a browser
/// draws the SVG's sans-serif text with at worst: DejaVu Sans is wide).
fn text_px(text: &str, size: f64) -> f64 {
    use ab_glyph::{Font, FontRef};
    let bytes = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/fonts/DejaVuSans.ttf"),
    )
    .expect("font");
    let font = FontRef::try_from_slice(&bytes).expect("font parses");
    let em = f64::from(font.units_per_em().expect("units per em"));
    let ids: Vec<_> = text.chars().map(|c| font.glyph_id(c)).collect();
    let mut w = 0.0;
    for (k, id) in ids.iter().enumerate() {
        w += f64::from(font.h_advance_unscaled(*id));
        if let Some(next) = ids.get(k + 1) {
            w += f64::from(font.kern_unscaled(*id, *next));
        }
    }
    w / em * size
}

/// Fails when a horizontal text reaches past either side of the chart.
fn assert_texts_inside(what: &str, svg: &str, width: u32) {
    for (x, anchor, size, rotated, text) in svg_text_boxes(svg) {
        if rotated {
            continue;
        }
        let w = text_px(&text, size);
        let (left, right) = match anchor.as_str() {
            "middle" => (x - w / 2.0, x + w / 2.0),
            "end" => (x - w, x),
            _ => (x, x + w),
        };
        assert!(
            left >= -0.5 && right <= f64::from(width) + 0.5,
            "{what}: {text:?} spans {left:.1}..{right:.1} px of {width}"
        );
    }
}

/// Sweep labels as long as a three-parameter grid makes them.
fn long_labels(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "agents={} · schedule=0 3,15 * * * · steps[0].set_weight={}",
                i % 4 + 1,
                5 * (i / 4 + 1)
            )
        })
        .collect()
}

#[test]
fn long_legend_labels_wrap_inside_the_chart_and_are_not_cut() {
    use promosim::report::charts::{CdfSeries, LinePoint, SweepLine};
    use promosim::report::figures::SMALL_MULTIPLE;
    let labels = long_labels(6);
    // A line per value of the second parameter, named by its full path when
    // two parameters share a short name.
    let line_names: Vec<String> = ["0 3 * * 1-5", "0 3,15 * * 1-5", "0 */4 * * *"]
        .iter()
        .map(|v| format!("stages.test.trigger.schedule={v}"))
        .collect();
    let lines = Chart::Lines {
        title: s("Mean lead time by agents"),
        x_label: s("build.agents"),
        y_label: s("mean lead time (h)"),
        x_ticks: Vec::new(),
        series: line_names
            .iter()
            .enumerate()
            .map(|(k, name)| SweepLine {
                name: name.clone(),
                points: (1..=4)
                    .map(|x| {
                        let y = 10.0 + k as f64 + f64::from(x);
                        LinePoint {
                            x: f64::from(x),
                            y,
                            lo: y - 1.0,
                            hi: y + 1.0,
                        }
                    })
                    .collect(),
            })
            .collect(),
    };
    let cdf = Chart::LeadTimeCdf {
        title: s("Lead time"),
        series: labels
            .iter()
            .enumerate()
            .map(|(k, name)| CdfSeries {
                name: name.clone(),
                sorted_values_h: (1..50).map(|v| f64::from(v) + k as f64).collect(),
                p50: 25.0 + k as f64,
                p95: 48.0 + k as f64,
            })
            .collect(),
    };
    for (what, chart, size) in [
        ("lines", &lines, SMALL_MULTIPLE),
        ("cdf", &cdf, DEFAULT_SIZE),
    ] {
        let svg = render_svg(chart, size).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_texts_inside(what, &svg, size.0);
        let texts = svg_texts(&svg);
        assert!(
            !texts.iter().any(|t| t.contains('…')),
            "{what}: a text is cut: {texts:?}"
        );
        // Every label is drawn whole, on one line or several (in order).
        let squeeze = |t: &str| t.split_whitespace().collect::<String>();
        let joined = squeeze(&texts.concat());
        let names = match chart {
            Chart::Lines { .. } => &line_names,
            _ => &labels,
        };
        for label in names {
            assert!(
                joined.contains(&squeeze(label)),
                "{what}: {label:?} not drawn whole: {texts:?}"
            );
        }
        assert!(
            !texts
                .iter()
                .any(|t| t.starts_with('+') && t.ends_with("more")),
            "{what}: entries left out: {texts:?}"
        );
    }
}

#[test]
fn the_sweep_pages_legends_stay_inside_their_charts() {
    // The shipped sweep's figures at the sizes the page draws them.
    use promosim::report::figures::{SMALL_MULTIPLE, SMALL_MULTIPLE_STEM};
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("sweep");
    let bin = env!("CARGO_BIN_EXE_promosim");
    let status = std::process::Command::new(bin)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "sweep",
            "scenarios/tailspin.yaml",
            "--set",
            "run.horizon=30d",
        ])
        .args(["--set", "build.agents=1..4"])
        .args([
            "--set",
            "stages.test.trigger.schedule=\"0 3 * * *\",\"0 3,15 * * *\",\"0 */4 * * *\"",
        ])
        .args(["-r", "3", "--quiet", "--out"])
        .arg(&out)
        .status()
        .expect("promosim");
    assert!(status.success());
    let mut checked = 0;
    for e in std::fs::read_dir(out.join("charts")).expect("charts") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "svg") {
            continue;
        }
        let stem = p
            .file_stem()
            .and_then(|x| x.to_str())
            .unwrap_or("")
            .to_string();
        let width = if stem.starts_with(SMALL_MULTIPLE_STEM) {
            SMALL_MULTIPLE.0
        } else {
            DEFAULT_SIZE.0
        };
        let svg = std::fs::read_to_string(&p).expect("svg");
        assert_texts_inside(&stem, &svg, width);
        checked += 1;
    }
    assert!(checked >= 8, "{checked} charts");
}

#[test]
fn up_to_24_scatter_points_differ_in_colour_or_shape() {
    use promosim::report::charts::TradeoffPoint;
    let n = 24;
    let points: Vec<TradeoffPoint> = (0..n)
        .map(|i| {
            let (x, y) = (f64::from(i % 6) * 10.0 + 5.0, f64::from(i / 6) * 10.0 + 5.0);
            TradeoffPoint {
                label: format!("p{i}"),
                x,
                x_lo: x - 1.0,
                x_hi: x + 1.0,
                y,
                y_lo: y - 1.0,
                y_hi: y + 1.0,
            }
        })
        .collect();
    let chart = Chart::Tradeoff {
        title: s("Faster or safer?"),
        x_label: s("lead time (h)"),
        y_label: s("blast radius"),
        points,
    };
    let svg = render_svg(&chart, DEFAULT_SIZE).expect("svg");
    let fill = |head: &str| {
        let at = head.find(" fill=\"")? + 7;
        Some(head[at..at + head[at..].find('"')?].to_string())
    };
    // Each filled marker as (shape, colour): circles of radius 6, and
    // polygons told apart by their corners (3: triangle; 4 on 2 columns: square; else diamond).
    let mut markers: Vec<(String, String)> = Vec::new();
    for chunk in svg.split('<').skip(1) {
        let head = &chunk[..chunk.find('>').unwrap_or(chunk.len())];
        let Some(f) = fill(head).filter(|f| f != "none" && f != "#FFFFFF") else {
            continue;
        };
        if head.starts_with("circle") && head.contains(" r=\"6\"") {
            markers.push(("circle".into(), f));
        } else if head.starts_with("polygon") {
            let at = head.find("points=\"").expect("points") + 8;
            let pts: Vec<(i64, i64)> = head[at..at + head[at..].find('"').expect("end")]
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect();
            let mut xs: Vec<i64> = pts.iter().map(|p| p.0).collect();
            xs.sort();
            xs.dedup();
            let shape = match (pts.len(), xs.len()) {
                (3, _) => "triangle",
                (4, 2) => "square",
                _ => "diamond",
            };
            markers.push((shape.into(), f));
        }
    }
    assert_eq!(markers.len(), n as usize, "{markers:?}");
    let mut distinct = markers.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        markers.len(),
        "shared colour and shape: {markers:?}"
    );
}
