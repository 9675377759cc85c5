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
