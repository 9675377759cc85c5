//! The pages of `compare` and `sweep`, `promosim report DIR`, and the width of
//! the terminal tables. Runs the binary on the shipped scenarios with few
//! replications.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use promosim::report::html;
use promosim::report::number::difference;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenario(name: &str) -> PathBuf {
    repo().join("scenarios").join(name)
}

fn promosim() -> Command {
    assert_cmd::cargo::cargo_bin_cmd!("promosim")
}

/// Runs promosim with `args` (quiet, 2 threads), expecting success; gives stdout.
fn ok(args: &[&str]) -> String {
    let quiet: &[&str] = if args[0] == "merge" {
        &["-t", "2"]
    } else {
        &["-q", "-t", "2"]
    };
    let out = promosim().args(args).args(quiet).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(p).expect("read")).expect("json")
}

#[test]
fn the_compare_page_states_the_paired_difference_of_comparison_json() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("cmp");
    ok(&[
        "compare",
        s(&scenario("tailspin.yaml")),
        s(&scenario("tailspin-continuous.yaml")),
        "-r",
        "6",
        "--out",
        s(&out),
    ]);
    let c = json(&out.join("comparison.json"));
    let m = c["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["key"] == "lead_time.mean")
        .expect("lead_time.mean");
    let d = &m["differences"][0];
    let (mean, ci, n, real) = (
        d["mean"].as_f64().expect("mean"),
        d["ci95"].as_f64().expect("ci95"),
        d["n"].as_u64().expect("n"),
        d["real"].as_bool().expect("real"),
    );
    let shown = difference(mean, ci, n, real);
    let page = fs::read_to_string(out.join("index.html")).expect("page");
    let md = fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(page.contains("Paired differences from tailspin"), "heading");
    assert!(
        page.contains("<td>mean lead time</td>"),
        "the row of the mean lead time"
    );
    assert!(
        page.contains(&html::escape(&shown)),
        "{shown} not on the page"
    );
    assert!(md.contains(&shown), "{shown} not in report.md");
    // A continuously fed test stage is faster: the difference is real, marked,
    // and said in a sentence with the same figures.
    assert!(real && mean < 0.0, "{d}");
    assert!(page.contains(&format!(
        "{} <span class=\"mark\">*</span>",
        html::escape(&shown)
    )));
    let sentence = format!(
        "On the same commits, tailspin-continuous cuts the mean lead time by {} ± {} h",
        promosim::report::number::fmt(mean.abs()),
        promosim::report::number::fmt(ci)
    );
    assert!(page.contains(&html::escape(&sentence)), "{sentence}");
    // What differs: the test stage's trigger, and nothing about the build.
    let differs = &page[page.find("What differs").expect("what differs")..];
    let differs = &differs[..differs.find("Key figures").expect("key figures")];
    assert!(differs.contains("Stage test"), "{differs}");
    assert!(
        differs.contains("every day at 03:00") && differs.contains("automatically"),
        "{differs}"
    );
    assert!(!differs.contains("<dt>Build</dt>"), "{differs}");
}

/// The x and y ranges of the trade-off chart's axes start at 0.
#[test]
fn the_trade_off_axes_start_at_zero() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("cmp");
    ok(&[
        "compare",
        s(&scenario("tailspin.yaml")),
        s(&scenario("tailspin-continuous.yaml")),
        "-r",
        "3",
        "--out",
        s(&out),
    ]);
    let svg = fs::read_to_string(out.join("charts/tradeoff.svg")).expect("svg");
    // Both axes carry a tick labelled 0.
    let zeros = svg.matches("\n0\n</text>").count();
    assert!(zeros >= 2, "no 0 tick on both axes");
}

fn sweep(out: &Path, extra: &[&str]) -> String {
    let file = scenario("tailspin.yaml");
    let mut args = vec![
        "sweep",
        s(&file),
        "--set",
        "build.agents=1..4",
        "--set",
        "stages.test.trigger=auto,{schedule: \"0 3 * * *\"}",
        "-r",
        "3",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    ok(&args)
}

#[test]
fn the_sweep_page_labels_points_by_what_varies_and_charts_each_metric() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("sweep");
    sweep(&out, &[]);
    let page = fs::read_to_string(out.join("index.html")).expect("page");
    assert!(
        !page.contains("stages.test.trigger="),
        "a full path as a label"
    );
    assert!(page.contains("agents=2 · trigger=auto"), "short labels");
    // One line chart per default metric, blast radius among them.
    for key in promosim::report::points::DEFAULT_METRICS {
        let stem = format!("sweep-{}", key.replace('.', "-"));
        assert!(out.join(format!("charts/{stem}.svg")).exists(), "{stem}");
    }
    assert!(page.contains("<th class=\"num\">blast radius (share·h)</th>"));
    // "What dominates" names its best by subset selection on the paired
    // replications, and the subset it names is the one selection.json would.
    let dominates = &page[page.find("What dominates").expect("what dominates")..];
    assert!(
        dominates.contains("Shortest median lead time:")
            && dominates.contains("(subset selection on the same commits)"),
        "{}",
        &dominates[..dominates.len().min(2000)]
    );
    // The table is one row per point.
    let table = &page[page.find("<h2>Key figures</h2>").expect("key figures")..];
    let table = &table[..table.find("</table>").expect("table end")];
    assert_eq!(table.matches("<tr>").count(), 1 + 8, "{table}");
    // --metric chooses the charts.
    let out2 = tmp.path().join("sweep2");
    sweep(&out2, &["--metric", "defects.escaped", "--no-report"]);
    assert!(!out2.join("index.html").exists());
    sweep(&out2, &["--metric", "defects.escaped"]);
    let charts: Vec<String> = fs::read_dir(out2.join("charts"))
        .expect("charts")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("sweep-") && n.ends_with(".svg"))
        .collect();
    assert_eq!(charts, ["sweep-defects-escaped.svg"]);
}

#[test]
fn an_unknown_metric_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    promosim()
        .args([
            "sweep",
            s(&scenario("tailspin.yaml")),
            "--set",
            "build.agents=1,2",
        ])
        .args(["--metric", "lead_time.p51", "-q", "--out"])
        .arg(tmp.path().join("x"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("lead_time.p51"));
}

/// Every file of `dir`'s page: index.html, report.md and the charts.
fn page_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for name in ["index.html", "report.md"] {
        out.push((name.to_string(), fs::read(dir.join(name)).expect(name)));
    }
    let mut charts: Vec<_> = fs::read_dir(dir.join("charts"))
        .expect("charts")
        .map(|e| e.expect("entry").path())
        .collect();
    charts.sort();
    for c in charts {
        let name = c.file_name().unwrap().to_string_lossy().into_owned();
        out.push((name, fs::read(&c).expect("chart")));
    }
    out
}

fn assert_same_page(a: &Path, b: &Path) {
    let (x, y) = (page_files(a), page_files(b));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&x), names(&y));
    for (f, g) in x.iter().zip(&y) {
        assert!(f.1 == g.1, "{} differs between {a:?} and {b:?}", f.0);
    }
}

#[test]
fn report_on_a_merge_writes_the_page_of_the_unsharded_command() {
    let tmp = tempfile::tempdir().expect("tmp");
    let whole = tmp.path().join("whole");
    let parts = tmp.path().join("parts");
    let merged = tmp.path().join("merged");
    let files = [
        s(&scenario("tailspin.yaml")).to_string(),
        s(&scenario("saas-canary.yaml")).to_string(),
    ];
    let compare = |extra: &[&str]| {
        let mut a = vec!["compare", &files[0], &files[1], "-r", "4"];
        a.extend_from_slice(extra);
        ok(&a)
    };
    compare(&["--out", s(&whole)]);
    for k in ["1/3", "2/3", "3/3"] {
        compare(&["--shard", k, "--out", s(&parts)]);
    }
    // merge draws the page itself, unless --no-report.
    ok(&["merge", s(&parts), "--out", s(&merged), "--no-report"]);
    assert!(!merged.join("index.html").exists());
    assert!(merged.join("comparison.json").exists());
    ok(&["report", s(&merged)]);
    assert_same_page(&whole, &merged);
    let merged2 = tmp.path().join("merged2");
    ok(&["merge", s(&parts), "--out", s(&merged2)]);
    assert_same_page(&whole, &merged2);
    for f in ["comparison.json", "comparison.csv"] {
        assert_eq!(
            fs::read(whole.join(f)).unwrap(),
            fs::read(merged.join(f)).unwrap(),
            "{f}"
        );
    }
    // report on the unsharded folder redraws the same page.
    let before = page_files(&whole);
    ok(&["report", s(&whole)]);
    assert!(before == page_files(&whole));
}

#[test]
fn report_on_a_sharded_run_and_a_sweep() {
    let tmp = tempfile::tempdir().expect("tmp");
    let parts = tmp.path().join("parts");
    let merged = tmp.path().join("merged");
    let run = |extra: &[&str]| {
        let mut a = vec![
            "run".to_string(),
            s(&scenario("saas-canary.yaml")).to_string(),
        ];
        a.extend(["-r", "3"].map(String::from));
        a.extend(extra.iter().map(|x| x.to_string()));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        ok(&refs)
    };
    run(&["--shard", "1/2", "--out", s(&parts)]);
    run(&["--shard", "2/2", "--out", s(&parts)]);
    ok(&["merge", s(&parts), "--out", s(&merged)]);
    let whole = tmp.path().join("whole");
    run(&["--out", s(&whole)]);
    // The unsharded run streams its experiment.json; its page equals the merged one.
    assert_same_page(&whole, &merged);
    let before = page_files(&merged);
    ok(&["report", s(&merged)]);
    assert!(before == page_files(&merged));
    let sw = tmp.path().join("sweep");
    sweep(&sw, &[]);
    let before = page_files(&sw);
    ok(&["report", s(&sw)]);
    assert!(before == page_files(&sw));
}

#[test]
fn report_refuses_a_folder_that_is_not_a_result() {
    let tmp = tempfile::tempdir().expect("tmp");
    promosim()
        .args(["report"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("experiment.json"));
    promosim()
        .args(["report"])
        .arg(tmp.path().join("nothing"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a folder"));
    // A stale experiment.json beside another comparison.json is refused too.
    let out = tmp.path().join("cmp");
    ok(&[
        "compare",
        s(&scenario("tailspin.yaml")),
        s(&scenario("saas-canary.yaml")),
        "-r",
        "2",
        "--out",
        s(&out),
        "--no-report",
    ]);
    fs::write(out.join("comparison.json"), "{}\n").expect("write");
    promosim()
        .args(["report"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not belong"));
}

fn assert_fits(what: &str, text: &str) {
    for line in text.lines() {
        let n = line.chars().count();
        assert!(n <= 100, "{what}: {n} columns: {line}");
    }
}

#[test]
fn terminal_tables_fit_100_columns() {
    let tmp = tempfile::tempdir().expect("tmp");
    let shipped: Vec<PathBuf> = fs::read_dir(repo().join("scenarios"))
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    for (k, f) in shipped.iter().enumerate() {
        let out = tmp.path().join(format!("run{k}"));
        let text = ok(&["run", s(f), "-r", "2", "--no-report", "--out", s(&out)]);
        assert_fits(&format!("run {f:?}"), &text);
    }
    let all: Vec<&str> = shipped.iter().map(|p| s(p)).collect();
    let mut args = vec!["compare"];
    args.extend(&all);
    let out = tmp.path().join("cmp");
    args.extend(["-r", "2", "--no-report", "--out", s(&out)]);
    let text = ok(&args);
    assert_fits("compare", &text);
    for f in &shipped {
        assert!(text.contains("lead_time.mean"), "{f:?}");
    }
    let out = tmp.path().join("sweep");
    let text = ok(&[
        "sweep",
        s(&scenario("tailspin.yaml")),
        "--set",
        "build.agents=1..4",
        "--set",
        "stages.test.trigger=auto,{schedule: \"0 3 * * *\"}",
        "-r",
        "2",
        "--no-report",
        "--out",
        s(&out),
    ]);
    assert_fits("sweep", &text);
    assert!(text.contains("blast share·h"), "{text}");
}
