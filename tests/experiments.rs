//! What-if experiments: compare, sweep, common random numbers, shards and merge,
//! thread-count independence, early stopping, and bad input (exit 2).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use promosim::experiment;
use promosim::experiment::compare::{self, Comparison};
use promosim::experiment::job::{Job, Kind, PointHeader, PointSpec};
use promosim::experiment::overrides::{self, Node, Override};
use promosim::model::{self, Model};
use promosim::report::output;
use promosim::report::replications::ReplicationsCsv;
use promosim::scenario;

fn tailspin_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tailspin.yaml")
}

fn tailspin() -> (String, Model) {
    let s = scenario::load(&tailspin_path()).unwrap();
    let m = model::compile(&s).unwrap();
    (s.source, m)
}

/// Tailspin with the test stage fed continuously instead of at 03:00.
fn tailspin_continuous() -> (String, Model) {
    let path = tailspin_path();
    let source = std::fs::read_to_string(&path).unwrap();
    let tree = overrides::read_tree(&source, "tailspin.yaml").unwrap();
    let o = Override {
        path: "stages.test.trigger".into(),
        value: Node::Str("auto".into()),
    };
    let v = overrides::variant(&tree, &path, &[("--set stages.test.trigger=auto", &o)]).unwrap();
    (v.text, v.model)
}

fn point(label: &str, (text, model): (String, Model)) -> PointSpec {
    PointSpec {
        header: PointHeader::new(label.into(), label.into(), Vec::new(), &model),
        model,
        text,
    }
}

fn comparison(points: Vec<PointSpec>, replications: u32) -> Comparison {
    let seed = points[0].model.seed();
    let job = Job::new(Kind::Compare, seed, replications, Vec::new(), points);
    compare::compare(&job.run_all(None, false).unwrap())
}

fn promosim() -> Command {
    assert_cmd::cargo::cargo_bin_cmd!("promosim")
}

#[test]
fn compare_with_itself_differs_by_exactly_zero() {
    let c = comparison(vec![point("a", tailspin()), point("b", tailspin())], 6);
    let mut checked = 0;
    for m in &c.metrics {
        let d = m.differences[0].as_ref().expect("both have every metric");
        if d.n == 0 {
            continue; // undefined in every replication
        }
        assert_eq!(d.mean, 0.0, "{}", m.key);
        assert_eq!(d.ci95, 0.0, "{}", m.key);
        assert!(!d.real, "{}", m.key);
        checked += 1;
    }
    assert!(checked > 50, "only {checked} metrics compared");
    let lt = c.get("lead_time.mean").unwrap();
    assert!(lt.differences[0].as_ref().unwrap().unpaired_ci95 > 0.0);
}

#[test]
fn a_later_stage_change_keeps_the_commit_stream() {
    let (_, a) = tailspin();
    let (_, b) = tailspin_continuous();
    for r in 0..3 {
        let ta = experiment::trace(&a, r);
        let tb = experiment::trace(&b, r);
        let arrivals = |t: &promosim::engine::Replication| -> Vec<f64> {
            t.commits
                .iter()
                .filter(|c| !c.fix)
                .map(|c| c.arrived.hours())
                .collect()
        };
        let (xa, xb) = (arrivals(&ta), arrivals(&tb));
        assert!(xa.len() > 20_000, "replication {r}: {} commits", xa.len());
        assert_eq!(xa, xb, "replication {r}: commit arrivals differ");
        // ...and the policies really differ.
        assert_ne!(
            ta.result.lead_time.mean, tb.result.lead_time.mean,
            "replication {r}"
        );
    }
}

#[test]
fn common_random_numbers_narrow_the_interval_of_a_difference() {
    let c = comparison(
        vec![
            point("tailspin", tailspin()),
            point("continuous", tailspin_continuous()),
        ],
        30,
    );
    for key in [
        "lead_time.mean",
        "lead_time.p50",
        "production.deploys_per_week",
    ] {
        let d = c.get(key).unwrap().differences[0].clone().unwrap();
        println!(
            "{key}: difference {:.3}, paired 95 % half-width {:.3}, unpaired {:.3} ({:.0} % narrower)",
            d.mean,
            d.ci95,
            d.unpaired_ci95,
            100.0 * (1.0 - d.ci95 / d.unpaired_ci95)
        );
    }
    let d = c.get("lead_time.mean").unwrap().differences[0]
        .clone()
        .unwrap();
    assert!(d.ci95 < d.unpaired_ci95, "{d:?}");
    assert!(
        d.real && d.mean < 0.0,
        "continuous test should shorten lead time: {d:?}"
    );
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs `args` whole, and in three shards merged; asserts the files are identical.
fn shards_merge_to_the_whole(args: &[&str], files: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let parts = tmp.path().join("parts");
    let merged = tmp.path().join("merged");
    promosim()
        .args(args)
        .args(["-q", "--out"])
        .arg(&whole)
        .assert()
        .success();
    for i in 1..=3 {
        promosim()
            .args(args)
            .args(["-q", "--shard", &format!("{i}/3"), "--out"])
            .arg(&parts)
            .assert()
            .success();
    }
    promosim()
        .arg("merge")
        .arg(parts.join("part-3-of-3.json"))
        .arg(parts.join("part-1-of-3.json"))
        .arg(parts.join("part-2-of-3.json"))
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    for f in files {
        assert!(
            read(&whole.join(f)) == read(&merged.join(f)),
            "{f} differs after merge"
        );
    }
}

#[test]
fn sharded_run_merges_to_the_unsharded_summary_byte_for_byte() {
    let s = tailspin_path();
    let s = s.to_str().unwrap();
    shards_merge_to_the_whole(
        &["run", s, "-r", "7"],
        &["summary.json", "replications.csv"],
    );
}

#[test]
fn sharded_compare_and_sweep_merge_to_the_whole() {
    let s = tailspin_path();
    let s = s.to_str().unwrap();
    shards_merge_to_the_whole(
        &["compare", s, s, "-r", "4"],
        &["comparison.json", "comparison.csv"],
    );
    shards_merge_to_the_whole(
        &["sweep", s, "--set", "build.agents=1..2", "-r", "2"],
        &["sweep.json", "sweep.csv"],
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tailspin_path();
    for t in ["1", "2"] {
        promosim()
            .arg("run")
            .arg(&s)
            .args(["-r", "6", "-q", "--threads", t, "--out"])
            .arg(tmp.path().join(t))
            .assert()
            .success();
        promosim()
            .arg("sweep")
            .arg(&s)
            .args([
                "--set",
                "build.agents=1,3",
                "-r",
                "3",
                "-q",
                "--threads",
                t,
                "--out",
            ])
            .arg(tmp.path().join(format!("sweep{t}")))
            .assert()
            .success();
    }
    for f in [
        "1/summary.json",
        "1/replications.csv",
        "sweep1/sweep.json",
        "sweep1/sweep.csv",
    ] {
        let other = f.replacen('1', "2", 1);
        assert!(
            read(&tmp.path().join(f)) == read(&tmp.path().join(&other)),
            "{f} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn compare_on_the_command_line_writes_json_and_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tailspin_path();
    promosim()
        .arg("compare")
        .arg(&s)
        .arg(&s)
        .args(["-r", "3", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Δ X = paired difference X − tailspin",
        ))
        .stdout(predicate::str::contains("Δ tailspin#2"))
        .stdout(predicate::str::contains("0.00 ± 0.00"));
    let json: serde_json::Value =
        serde_json::from_slice(&read(&tmp.path().join("comparison.json"))).unwrap();
    let lt = json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "lead_time.mean")
        .unwrap();
    assert_eq!(lt["differences"][0]["mean"], 0.0);
    assert_eq!(lt["differences"][0]["ci95"], 0.0);
    assert!(read(&tmp.path().join("comparison.csv")).starts_with(b"metric,unit,scenario"));
}

/// A canary (with analysis runs) beside an all-at-once copy: the page's key
/// figures are row for row, the canary rows shown for both.
#[test]
fn compare_pages_align_rows_only_one_scenario_has() {
    let tmp = tempfile::tempdir().unwrap();
    let canary = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/saas-canary.yaml");
    let text = std::fs::read_to_string(&canary).unwrap();
    let start = text.find("    strategy:\n      canary:").unwrap();
    let end = text[start..].find("analysis_detect_per_hour").unwrap() + start;
    let end = text[end..].find('\n').unwrap() + end + 1;
    let plain = format!(
        "{}    strategy: all_at_once\n{}",
        &text[..start].replacen("name: saas-canary", "name: saas-plain", 1),
        &text[end..]
    );
    let plain_path = tmp.path().join("plain.yaml");
    std::fs::write(&plain_path, plain).unwrap();
    for order in [[&plain_path, &canary], [&canary, &plain_path]] {
        let out = tmp.path().join("out");
        promosim()
            .arg("compare")
            .args(order)
            .args(["-r", "3", "-q", "--out"])
            .arg(&out)
            .assert()
            .success()
            .stderr(predicate::str::contains("panicked").not());
        let md = String::from_utf8(read(&out.join("report.md"))).unwrap();
        let row = md
            .lines()
            .find(|l| l.starts_with("| Analysis runs |"))
            .expect("the canary row");
        // measure, two scenarios, unit.
        assert_eq!(row.matches('|').count(), 5, "{row}");
    }
}

#[test]
fn a_sweep_section_in_the_file_is_a_grid_and_run_ignores_it() {
    let tmp = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(tailspin_path()).unwrap();
    let file = tmp.path().join("swept.yaml");
    std::fs::write(
        &file,
        format!("{source}\nsweep:\n  build.agents: [1, 3]\n  stages.test.deploy.duration: 5m\n"),
    )
    .unwrap();
    promosim()
        .arg("sweep")
        .arg(&file)
        .args(["-r", "2", "-q", "--out"])
        .arg(tmp.path().join("s"))
        .assert()
        .success();
    let csv = String::from_utf8(read(&tmp.path().join("s/sweep.csv"))).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("point,build.agents,stages.test.deploy.duration,lead_time.mean"));
    assert!(
        lines[1].starts_with("0,1,5m,") && lines[2].starts_with("1,3,5m,"),
        "{csv}"
    );
    // The agents really changed: utilisation differs.
    assert_ne!(lines[1].split(',').nth(15), lines[2].split(',').nth(15));
    promosim()
        .arg("run")
        .arg(&file)
        .args(["-r", "2", "-q", "--out"])
        .arg(tmp.path().join("r"))
        .assert()
        .success();
}

#[test]
fn early_stopping_is_deterministic_and_equals_a_plain_run() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tailspin_path();
    let run = |dir: &str, extra: &[&str]| {
        promosim()
            .arg("run")
            .arg(&s)
            .args(extra)
            .args(["-q", "--out"])
            .arg(tmp.path().join(dir))
            .assert()
            .success();
        read(&tmp.path().join(dir).join("summary.json"))
    };
    let a = run("a", &["-r", "3", "--precision", "8%"]);
    let b = run("b", &["-r", "3", "--precision", "8%", "--threads", "1"]);
    assert!(a == b);
    let summary: serde_json::Value = serde_json::from_slice(&a).unwrap();
    let r = summary["replications"].as_u64().unwrap();
    assert!(r > 3, "8 % should need more than 3 replications, took {r}");
    for m in summary["metrics"].as_array().unwrap() {
        if m["key"] == "lead_time.p95" {
            let (mean, ci) = (m["mean"].as_f64().unwrap(), m["ci95"].as_f64().unwrap());
            assert!(ci <= 0.08 * mean, "p95 {mean} ± {ci}");
        }
    }
    let plain = run("c", &["-r", &r.to_string()]);
    assert!(a == plain, "early stopping at {r} differs from -r {r}");
}

fn fails_with(args: &[&str], message: &str) {
    promosim()
        .args(args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
}

#[test]
fn bad_input_is_a_clear_error_with_exit_code_2() {
    let s = tailspin_path();
    let s = s.to_str().unwrap();
    // An override path that names nothing: the argument, the segment, what is there.
    fails_with(
        &["sweep", s, "--set", "stages.tset.deploy.duration=1m,2m"],
        "--set stages.tset.deploy.duration=1m,2m",
    );
    fails_with(
        &["sweep", s, "--set", "stages.tset.deploy.duration=1m,2m"],
        "\"tset\" names nothing in the list stages (there: dev, test, staging, production",
    );
    fails_with(
        &["sweep", s, "--set", "buld.agents=1"],
        "there: name, description, run",
    );
    fails_with(
        &["sweep", s, "--set", "build.agentz=1"],
        "unknown field `agentz`",
    );
    // A value of the wrong type.
    fails_with(
        &["sweep", s, "--set", "build.agents=two"],
        "--set build.agents=two",
    );
    fails_with(
        &["sweep", s, "--set", "build.agents=two"],
        "the file has build.agents = 2",
    );
    fails_with(
        &["sweep", s, "--set", "stages.test.deploy.duration=5"],
        "stages.test.deploy.duration",
    );
    // An empty grid.
    fails_with(&["sweep", s], "the grid is empty");
    fails_with(&["sweep", s, "--set", "build.agents="], "no values");
    fails_with(&["sweep", s, "--set", "build.agents=4..1"], "empty");
    // Shards that do not exist.
    fails_with(
        &["run", s, "-r", "2", "--shard", "0/3"],
        "shards are numbered 1 to 3",
    );
    fails_with(
        &["run", s, "-r", "2", "--shard", "4/3"],
        "shards are numbered 1 to 3",
    );
    fails_with(&["run", s, "-r", "2", "--shard", "x"], "--shard x");
    fails_with(
        &["compare", s, s, "-r", "2", "--shard", "auto/3"],
        "JOB_COMPLETION_INDEX",
    );
    fails_with(&["run", s, "--precision", "150%"], "--precision 150%");
    fails_with(
        &["run", s, "--precision", "5%", "--shard", "1/2"],
        "cannot be combined",
    );
}

#[test]
fn merge_refuses_parts_of_different_runs_and_incomplete_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tailspin_path();
    let shard = |reps: &str, spec: &str, dir: &str| {
        promosim()
            .arg("run")
            .arg(&s)
            .args(["-r", reps, "-q", "--shard", spec, "--out"])
            .arg(tmp.path().join(dir))
            .assert()
            .success();
    };
    shard("4", "1/2", "a");
    shard("5", "2/2", "b");
    shard("4", "2/2", "c");
    let part = |dir: &str, name: &str| tmp.path().join(dir).join(name);
    let merge = |parts: &[PathBuf]| {
        let mut c = promosim();
        c.arg("merge")
            .args(parts)
            .arg("--out")
            .arg(tmp.path().join("m"));
        c.assert()
    };
    merge(&[part("a", "part-1-of-2.json"), part("b", "part-2-of-2.json")])
        .code(2)
        .stderr(predicate::str::contains("different run"));
    merge(&[part("a", "part-1-of-2.json")])
        .code(2)
        .stderr(predicate::str::contains("shard(s) 2/2 missing"));
    merge(&[part("a", "part-1-of-2.json"), part("a", "part-1-of-2.json")])
        .code(2)
        .stderr(predicate::str::contains("given twice"));
    // Tampered parts: a shard count in the billions costs no memory and names
    // only a few missing shards; a part of 0 replications is refused.
    let text = read(&part("a", "part-1-of-2.json"));
    let mut v: serde_json::Value = serde_json::from_slice(&text).unwrap();
    v["shard"]["count"] = serde_json::json!(4_000_000_000u32);
    let huge = tmp.path().join("huge.json");
    std::fs::write(&huge, v.to_string()).unwrap();
    merge(&[huge])
        .code(2)
        .stderr(predicate::str::contains("(3999999999 in all)"));
    let mut v: serde_json::Value = serde_json::from_slice(&text).unwrap();
    v["header"]["replications"] = serde_json::json!(0);
    let none = tmp.path().join("none.json");
    std::fs::write(&none, v.to_string()).unwrap();
    merge(&[none])
        .code(2)
        .stderr(predicate::str::contains("0 replications"));
    let junk = tmp.path().join("junk.json");
    std::fs::write(&junk, "{\"format\": 1}").unwrap();
    merge(&[junk])
        .code(2)
        .stderr(predicate::str::contains("junk.json"));
    merge(&[part("a", "part-1-of-2.json"), part("c", "part-2-of-2.json")]).success();
    // The table of the merged result is on stdout as for the unsharded run.
    let summary = read(&tmp.path().join("m/summary.json"));
    let v: serde_json::Value = serde_json::from_slice(&summary).unwrap();
    assert_eq!(v["replications"], 4);
}

#[test]
fn output_of_one_run_matches_the_library() {
    // The assembled run's replications.csv and summary agree with a streamed run's.
    let (text, m) = tailspin();
    let job = Job::new(
        Kind::Run,
        m.seed(),
        2,
        Vec::new(),
        vec![point("tailspin", (text, m.clone()))],
    );
    let asm = job.run_all(Some(1), false).unwrap();
    let out = output::render(&asm);
    let plan = experiment::Plan {
        replications: 2,
        threads: Some(1),
        progress: false,
    };
    let mut sink = ReplicationsCsv::new(Vec::new());
    let streamed = experiment::stream(&m, plan, &mut sink).unwrap();
    let csv = sink.finish().unwrap();
    assert!(out.files[0].1 == csv);
    let last = &out.files.last().expect("files").1;
    assert!(*last == streamed.summary.to_json().into_bytes());
    // And with what the library keeps of every replication.
    let direct = experiment::run(&m, plan).unwrap();
    let json = |m: &[promosim::metrics::MetricSummary]| serde_json::to_string(m).unwrap();
    assert_eq!(json(&direct.summary), json(&streamed.summary.metrics));
}
