//! The report: every chart renders for every shipped scenario, the charts'
//! data match `summary.json` (and the replication they are drawn from), the
//! HTML page is self-contained, and `run --no-report` writes no page.
//!
//! Set `PROMOSIM_REPORT_DIR=/some/dir` to keep the reports for a look.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use promosim::engine::Replication;
use promosim::experiment::Summary;
use promosim::experiment::{self, Plan};
use promosim::metrics::{ReplicationResult, StagePart};
use promosim::model::{self, Model};
use promosim::report::charts::Chart;
use promosim::report::figures::{self, Charted, Risk};
use promosim::report::{self, html};
use promosim::scenario;

const REPS: u32 = 3;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(repo().join("scenarios"))
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    assert!(v.len() >= 4, "shipped scenarios: {v:?}");
    v
}

struct Run {
    model: Model,
    summary: Summary,
    results: Vec<ReplicationResult>,
    traces: Vec<Replication>,
}

fn run(path: &Path) -> Run {
    let s = scenario::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let model = model::compile(&s)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .with_replications(REPS);
    let plan = Plan {
        replications: REPS,
        threads: None,
        progress: false,
    };
    let outcome = experiment::run(&model, plan).expect("run");
    let summary = Summary::new(&model, REPS, outcome.summary);
    let traces = experiment::trace_replications(&model, REPS as usize);
    Run {
        model,
        summary,
        results: outcome.replications,
        traces,
    }
}

fn out_dir(name: &str) -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("PROMOSIM_REPORT_DIR") {
        Some(d) => (None, PathBuf::from(d).join(name)),
        None => {
            let t = tempfile::tempdir().expect("tempdir");
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

fn mean(s: &Summary, key: &str) -> f64 {
    s.get(key)
        .unwrap_or_else(|| panic!("summary has no {key}"))
        .mean
}

#[test]
fn every_chart_renders_for_every_shipped_scenario() {
    for path in shipped() {
        let r = run(&path);
        let (_keep, dir) = out_dir(r.model.name());
        let written = report::write_run(&dir, &r.model, &r.summary, &r.traces)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stems = [
            "lead-time",
            "where",
            "deploys",
            "commits-per-deploy",
            "queues",
            "queues-detail",
            "timeline",
            "incidents",
        ];
        for stem in stems {
            let png = fs::read(dir.join("charts").join(format!("{stem}.png")))
                .unwrap_or_else(|e| panic!("{}: {stem}.png: {e}", r.model.name()));
            assert!(
                png.len() > 2000 && png.starts_with(b"\x89PNG\r\n\x1a\n"),
                "{}: {stem}.png is not a PNG ({} bytes)",
                r.model.name(),
                png.len()
            );
            // IHDR: 800 × 500.
            assert_eq!(&png[12..16], b"IHDR");
            assert_eq!(
                u32::from_be_bytes([png[16], png[17], png[18], png[19]]),
                800
            );
            assert_eq!(
                u32::from_be_bytes([png[20], png[21], png[22], png[23]]),
                500
            );
            let svg = fs::read_to_string(dir.join("charts").join(format!("{stem}.svg")))
                .unwrap_or_else(|e| panic!("{}: {stem}.svg: {e}", r.model.name()));
            assert!(
                svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
                "{}: {stem}.svg",
                r.model.name()
            );
            assert!(
                svg.contains("<text"),
                "{}: {stem}.svg has no text",
                r.model.name()
            );
        }
        assert_eq!(written.files.len(), 2 * stems.len() + 2);
        for f in ["index.html", "report.md"] {
            assert!(
                fs::metadata(dir.join(f)).is_ok_and(|m| m.len() > 1000),
                "{}: {f}",
                r.model.name()
            );
        }
    }
}

/// Tailspin with dev's deploy and smoke test as jobs on one build agent: its
/// queue chart and queue metrics count the releases waiting for the agent.
fn tailspin_on_one_agent(dir: &Path) -> PathBuf {
    let text = fs::read_to_string(repo().join("scenarios/tailspin.yaml")).expect("tailspin");
    let edits = [
        ("  agents: 2", "  agents: 1"),
        (
            "deploy: {duration: {uniform: [2m, 4m]}, failure: 1%, retries: 1}",
            "deploy: {duration: {uniform: [2m, 4m]}, failure: 1%, retries: 1, agent: true}",
        ),
        (
            "{name: smoke, duration: 3m,",
            "{name: smoke, duration: 3m, agent: true,",
        ),
    ];
    let mut text = text;
    for (from, to) in edits {
        assert!(text.contains(from), "tailspin.yaml no longer has {from:?}");
        text = text.replacen(from, to, 1);
    }
    let path = dir.join("tailspin-one-agent.yaml");
    fs::write(&path, text).expect("write the variant");
    path
}

#[test]
fn chart_data_match_the_summary_and_the_replication() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut paths = shipped();
    paths.push(tailspin_on_one_agent(tmp.path()));
    for path in paths {
        let r = run(&path);
        let name = &r.model.name();
        let sc = Charted {
            label: name,
            model: &r.model,
            summary: &r.summary,
            traces: &r.traces,
        };
        // Tracing does not change a replication.
        assert_eq!(
            format!("{:?}", r.traces[0].result.metrics()),
            format!("{:?}", r.results[0].metrics()),
            "{name}: traced replication 0 differs"
        );

        // Lead-time CDF: the samples are replication 0's counted commits.
        let Chart::LeadTimeCdf { series, .. } = figures::lead_time_cdf(&[sc]) else {
            panic!("not a CDF")
        };
        assert_eq!(series.len(), 1);
        let s = &series[0];
        let v = &s.sorted_values_h;
        let lt = &r.results[0].lead_time;
        assert_eq!(v.len() as u64, lt.count, "{name}: CDF sample count");
        assert!(v.windows(2).all(|w| w[0] <= w[1]), "{name}: CDF not sorted");
        assert!(v.iter().all(|x| *x >= 0.0 && x.is_finite()));
        let n = v.len() as f64;
        let ys: Vec<f64> = (1..=v.len()).map(|k| k as f64 / n).collect();
        assert!(ys.iter().all(|y| (0.0..=1.0).contains(y)));
        if !v.is_empty() {
            let m = v.iter().sum::<f64>() / n;
            assert!(
                (m - lt.mean).abs() <= 1e-6 * lt.mean.max(1.0),
                "{name}: CDF mean {m} vs replication 0 mean {}",
                lt.mean
            );
        }
        // The markers are replication 0's own percentiles, on its curve.
        assert_eq!(s.p50, lt.p50, "{name}: p50 marker");
        assert_eq!(s.p95, lt.p95, "{name}: p95 marker");

        // Where the time goes: the stacked components are the where.* means
        // and add up to the mean lead time.
        let Chart::StackedBars {
            categories,
            components,
            values,
            ..
        } = figures::where_by_stage(&r.summary)
        else {
            panic!("not stacked bars")
        };
        assert_eq!(values.len(), categories.len());
        for stage in &r.summary.stages {
            let i = categories
                .iter()
                .position(|c| c == stage)
                .expect("stage bar");
            // A stage's agent wait is drawn as the build's ("waiting for an
            // agent", first); the other parts follow in order.
            let others = StagePart::ALL.iter().filter(|&&p| p != StagePart::Agent);
            let order = std::iter::once((0, &StagePart::Agent)).chain((1..).zip(others));
            for (k, part) in order {
                assert_eq!(
                    values[i][k],
                    mean(&r.summary, &format!("where.{stage}.{}", part.key())),
                    "{name}: {stage} {}",
                    components[k]
                );
            }
        }
        let total: f64 = values.iter().flatten().sum();
        assert!(
            close(total, mean(&r.summary, "lead_time.mean")),
            "{name}: stacked total {total} vs lead_time.mean {}",
            mean(&r.summary, "lead_time.mean")
        );
        let per_scenario: f64 = figures::where_components(&r.summary).iter().sum();
        assert!(close(per_scenario, total));

        // Queues: the step functions integrate to the replication's
        // time-weighted mean queue lengths (from the full event log: the
        // report keeps only the timeline window of it).
        let steps = figures::queue_steps(&r.model, &experiment::trace(&r.model, 0).trace);
        let (from, to) = (r.model.warm_up().hours(), r.model.horizon().hours());
        let twm = |st: &[(f64, f64)]| -> f64 {
            let mut area = 0.0;
            for (i, &(t, q)) in st.iter().enumerate() {
                let end = st.get(i + 1).map_or(to, |p| p.0);
                area += q * (end.min(to) - t.max(from)).max(0.0);
            }
            area / (to - from)
        };
        let res = &r.results[0];
        let build = twm(&steps[0]);
        assert!(
            (build - res.build.queue_mean).abs() <= 1e-9 * build.max(1.0),
            "{name}: build queue {build} vs {}",
            res.build.queue_mean
        );
        for (k, st) in res.stages.iter().enumerate() {
            let q = twm(&steps[k + 1]);
            assert!(
                (q - st.queue_mean).abs() <= 1e-9 * q.max(1.0),
                "{name}: {} queue {q} vs {}",
                r.model.stages()[k].name(),
                st.queue_mean
            );
            assert!(steps[k + 1].iter().all(|p| p.1 >= 0.0));
        }

        // Timeline: bars inside the window, on known lanes.
        let Chart::Gantt { lanes, bars, .. } = figures::timeline(&r.model, &r.traces[0]) else {
            panic!("not a Gantt chart")
        };
        let (a, b) = figures::timeline_window(&r.model);
        assert_eq!(lanes.len(), r.model.stages().len() + 1);
        assert!(!bars.is_empty(), "{name}: empty timeline");
        for bar in &bars {
            assert!(bar.lane < lanes.len());
            assert!(bar.start_h >= 0.0 && bar.end_h <= b - a + 1e-9 && bar.start_h <= bar.end_h);
        }

        // Incidents: at most five, exposure in percent.
        if let Chart::TimeSeries { series, .. } =
            figures::incidents(&r.model, &r.summary, &r.traces[0])
        {
            assert!(series.len() <= figures::WORST_INCIDENTS);
            for s in &series {
                assert!(
                    s.points
                        .iter()
                        .all(|p| (0.0..=100.0).contains(&p.1) && p.0 >= 0.0)
                );
            }
        }
    }
}

#[test]
fn tradeoff_points_carry_the_intervals() {
    let r = run(&repo().join("scenarios").join("tailspin.yaml"));
    let pts = vec![("a".to_string(), &r.summary), ("b".to_string(), &r.summary)];
    let Chart::Tradeoff { points, .. } = figures::tradeoff(&pts, Risk::ChangeFailureRate) else {
        panic!("not a trade-off chart")
    };
    let lt = r.summary.get("lead_time.p50").expect("p50");
    let cfr = r
        .summary
        .get("production.change_failure_rate")
        .expect("cfr");
    assert_eq!(points.len(), 2);
    assert_eq!(points[0].label, "a");
    assert!(close(points[0].x, lt.mean));
    assert!(close(points[0].x_hi - points[0].x, lt.ci95));
    assert!(close(points[0].y, cfr.mean * 100.0));
    assert!(close(points[0].y - points[0].y_lo, cfr.ci95 * 100.0));
    assert_eq!(Risk::auto(&pts), Risk::BlastRadius);
}

#[test]
fn compare_report_renders() {
    let a = run(&repo().join("scenarios").join("tailspin.yaml"));
    let b = run(&repo().join("scenarios").join("saas-canary.yaml"));
    let scenarios = [
        Charted {
            label: "tailspin",
            model: &a.model,
            summary: &a.summary,
            traces: &a.traces[..1],
        },
        Charted {
            label: "saas-canary",
            model: &b.model,
            summary: &b.summary,
            traces: &[],
        },
    ];
    let (_keep, dir) = out_dir("compare");
    let page = report::points::Page {
        title: "tailspin vs canary",
        comparison: None,
        dimensions: &[],
        settings: vec![&[], &[]],
        metrics: report::points::chosen_metrics(&[]),
        best: Vec::new(),
        selection: None,
    };
    let w = report::write_compare(&dir, &page, &scenarios).expect("compare report");
    assert_eq!(w.files.len(), 2 * 5 + 2);
    let page = fs::read_to_string(dir.join("index.html")).expect("index.html");
    assert_self_contained(&page);
    assert!(page.contains("tailspin") && page.contains("saas-canary"));
    assert_eq!(page.matches("<svg").count(), 5);
}

fn assert_self_contained(page: &str) {
    for bad in [
        "http://", "https://", "<script", "<link", "<img", "<iframe", " src=", "url(", "@import",
    ] {
        assert!(!page.contains(bad), "index.html contains {bad:?}");
    }
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
}

#[test]
fn the_page_is_self_contained_and_names_every_stage() {
    for path in shipped() {
        let r = run(&path);
        let (_keep, dir) = out_dir(&format!("{}-page", r.model.name()));
        report::write_run(&dir, &r.model, &r.summary, &r.traces).expect("report");
        let page = fs::read_to_string(dir.join("index.html")).expect("index.html");
        assert_self_contained(&page);
        for st in r.model.stages() {
            assert!(
                page.contains(&html::escape(st.name())),
                "{}: stage {}",
                r.model.name(),
                st.name()
            );
        }
        let band = r.summary.dora.overall.expect("a DORA band").name();
        assert!(page.contains(&format!("<span class=\"band\">{band}</span>")));
        assert_eq!(page.matches("<svg").count(), 8, "{}", r.model.name());
        assert!(page.contains("What dominates") && page.contains("% of lead time"));
        let md = fs::read_to_string(dir.join("report.md")).expect("report.md");
        assert!(md.contains("| Lead time, median (p50) |"));
        assert!(md.contains(band));
    }
}

#[test]
fn text_is_escaped() {
    assert_eq!(
        html::escape("<b a=\"x\">Tom & 'Jerry'</b>"),
        "&lt;b a=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;"
    );
    let svg = html::inline_svg(
        "<svg width=\"10\" xmlns=\"http://www.w3.org/2000/svg\"></svg>",
        "a <b>",
    );
    assert_eq!(
        svg,
        "<svg role=\"img\" aria-label=\"a &lt;b&gt;\" width=\"10\"></svg>"
    );
}

#[test]
fn run_writes_the_page_unless_told_not_to() {
    let t = tempfile::tempdir().expect("tempdir");
    let scenario = repo().join("scenarios").join("sequential-approvals.yaml");
    for (flag, dir) in [(None, "with"), (Some("--no-report"), "without")] {
        let mut cmd = cargo_bin_cmd!("promosim");
        cmd.current_dir(t.path())
            .args(["run", "-r", "2", "--quiet", "--out", dir])
            .arg(&scenario);
        if let Some(f) = flag {
            cmd.arg(f);
        }
        cmd.assert().success();
    }
    let with = t.path().join("with");
    assert!(with.join("index.html").is_file());
    assert!(with.join("report.md").is_file());
    assert!(with.join("charts").join("timeline.png").is_file());
    assert!(with.join("summary.json").is_file());
    let without = t.path().join("without");
    assert!(without.join("summary.json").is_file());
    assert!(!without.join("index.html").exists());
    assert!(!without.join("report.md").exists());
    assert!(!without.join("charts").exists());
}

/// `compare` and `sweep` write their page and charts (a trade-off point per
/// scenario or grid point) before their last file; `--no-report` skips them.
#[test]
fn compare_and_sweep_write_a_report_page_unless_told_not_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs: [(&str, Vec<&str>); 2] = [
        (
            "compare",
            vec![
                "compare",
                "scenarios/tailspin.yaml",
                "scenarios/tailspin-continuous.yaml",
                "-r",
                "3",
            ],
        ),
        (
            "sweep",
            vec![
                "sweep",
                "scenarios/tailspin.yaml",
                "--set",
                "build.agents=1..2",
                "-r",
                "3",
            ],
        ),
    ];
    for (name, args) in runs {
        for skip in [false, true] {
            let out = dir.path().join(format!("{name}-{skip}"));
            let mut cmd = cargo_bin_cmd!("promosim");
            cmd.args(&args).arg("-q").arg("--out").arg(&out);
            if skip {
                cmd.arg("--no-report");
            }
            cmd.assert().success();
            let page = out.join("index.html");
            assert_eq!(page.exists(), !skip, "{name} --no-report={skip}");
            assert_eq!(
                out.join("charts/tradeoff.svg").exists(),
                !skip,
                "{name} --no-report={skip}"
            );
            if !skip {
                let html = std::fs::read_to_string(&page).expect("page");
                assert!(
                    !html.contains("http://")
                        && !html.contains("https://")
                        && !html.contains("<script")
                );
                if name == "sweep" {
                    assert!(
                        html.contains("agents=1") && html.contains("agents=2"),
                        "grid points labelled"
                    );
                }
            }
        }
    }
}

/// The "where the time goes" tables (terminal, report.md, index.html) leave
/// out the stage parts no commit spent time in, keep every other, and say how
/// many they left out.
#[test]
fn where_tables_leave_out_only_the_parts_nobody_spent_time_in() {
    use promosim::metrics::Where;
    use promosim::report::{markdown, table, words};
    for path in shipped() {
        let r = run(&path);
        let (m, s) = (&r.model, &r.summary);
        let md = markdown::run_markdown(m, s, &[]);
        let page = html::run_page(m, s, &[]);
        let text = table::render(s);
        let mut left_out = 0;
        let all = Where::all(s.stages.iter().map(String::as_str));
        for w in &all {
            let metric = s.get(&w.key()).expect("where metric");
            let never = matches!(w, Where::Stage(..)) && metric.min == 0.0 && metric.max == 0.0;
            left_out += usize::from(never);
            // Rows are in pipeline order, one per kept part.
            let cell = format!("<td>{}</td>", html::escape(&words::where_words(m, *w)));
            assert_eq!(page.contains(&cell), !never, "{}: {cell}", m.name());
        }
        let md_rows = md
            .lines()
            .skip_while(|l| !l.starts_with("| mean per delivered commit"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .count();
        assert_eq!(
            md_rows,
            all.len() - left_out,
            "{}: report.md rows",
            m.name()
        );
        assert!(left_out > 0, "{}: every part was spent", m.name());
        let note = words::left_out_note(left_out).expect("a note");
        assert!(md.contains(&note), "{}: {note}", m.name());
        assert!(page.contains(&html::escape(&note)), "{}: {note}", m.name());
        assert!(
            text.contains(&format!("({left_out} stage parts where")),
            "{}: {text}",
            m.name()
        );
    }
}
