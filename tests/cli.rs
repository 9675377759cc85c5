//! Integration tests of the `promosim` binary: reports, determinism across
//! thread counts, every shipped scenario, and what a user sees on bad input.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;

mod common;
use common::*;

#[test]
fn run_is_deterministic_across_thread_counts() {
    let t = tmp();
    let (one, two) = (t.path().join("t1"), t.path().join("t2"));
    for (threads, dir) in [("1", &one), ("2", &two)] {
        promosim(t.path())
            .arg("run")
            .arg(tailspin())
            .args(["-r", "4", "-q", "--threads", threads, "--out"])
            .arg(dir)
            .assert()
            .success()
            .stdout(predicate::str::contains("Lead time"))
            .stderr(predicate::str::contains("panicked").not());
    }
    let a = fs::read(one.join("summary.json")).unwrap();
    let b = fs::read(two.join("summary.json")).unwrap();
    assert!(!a.is_empty());
    assert!(a == b, "summary.json differs between --threads 1 and 2");

    let csv = read(&one.join("replications.csv"));
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().expect("a header row");
    assert!(header.starts_with("replication,"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 4, "one row per replication:\n{csv}");
    for (i, row) in rows.iter().enumerate() {
        assert!(row.starts_with(&format!("{i},")), "row {i}: {row}");
    }
    assert_eq!(csv, read(&two.join("replications.csv")));
}

#[test]
fn run_json_on_stdout() {
    let t = tmp();
    let out = promosim(t.path())
        .arg("run")
        .arg(tailspin())
        .args(["-r", "2", "-q", "--format", "json", "--out"])
        .arg(t.path().join("out"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("stdout is JSON");
    assert_eq!(v["scenario"], "tailspin");
    assert_eq!(v["replications"], 2);
    let metrics = v["metrics"].as_array().expect("a metrics array");
    let keys: Vec<&str> = metrics.iter().filter_map(|m| m["key"].as_str()).collect();
    for k in [
        "lead_time.mean",
        "lead_time.p50",
        "lead_time.p85",
        "lead_time.p95",
        "lead_time.p99",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    let p50 = metrics
        .iter()
        .find(|m| m["key"] == "lead_time.p50")
        .unwrap();
    assert_eq!(p50["n"], 2);
    assert!(p50["mean"].as_f64().unwrap() > 0.0);
    // The file written is the same JSON.
    let file: serde_json::Value =
        serde_json::from_str(&read(&t.path().join("out/summary.json"))).unwrap();
    assert_eq!(file, v);
}

/// The "every shipped scenario runs in the test suite" requirement.
#[test]
fn every_shipped_scenario_validates_and_runs() {
    let t = tmp();
    let mut files: Vec<PathBuf> = fs::read_dir(repo().join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario in scenarios/");
    for f in &files {
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        promosim(t.path())
            .arg("validate")
            .arg(f)
            .assert()
            .success()
            .stdout(predicate::str::contains(": ok"))
            .stdout(predicate::str::contains("\nIn words:\n  Run: "));
        let out = t.path().join(&stem);
        promosim(t.path())
            .arg("run")
            .arg(f)
            .args(["-r", "2", "-q", "--out"])
            .arg(&out)
            .assert()
            .success()
            .stderr(predicate::str::contains("panicked").not());
        let summary: serde_json::Value = serde_json::from_str(&read(&out.join("summary.json")))
            .unwrap_or_else(|e| panic!("{stem}: summary.json: {e}"));
        assert_eq!(summary["replications"], 2, "{stem}");
        assert!(out.join("replications.csv").exists(), "{stem}");
    }
}

/// `validate` says in words what the page says: windows, freezes and the
/// production strategy included, not only triggers and approvals.
#[test]
fn validate_describes_windows_and_the_strategy() {
    let t = tmp();
    promosim(t.path())
        .arg("validate")
        .arg(repo().join("scenarios/ecommerce-blue-green.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("inside its window"))
        .stdout(predicate::str::contains("blue-green"))
        .stdout(predicate::str::contains("an attempt fails"));
}

#[test]
fn trace_writes_the_event_log() {
    let t = tmp();
    let path = t.path().join("trace.csv");
    promosim(t.path())
        .arg("trace")
        .arg(tailspin())
        .args(["--replication", "1", "--out"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("rows of replication 1"));
    let csv = read(&path);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time_h,civil_time,event,release,stage,value,defect")
    );
    let rows = lines.count();
    assert!(rows > 10_000, "only {rows} trace rows");
}

#[test]
fn run_commits_writes_commits_csv() {
    let t = tmp();
    let out = t.path().join("out");
    promosim(t.path())
        .arg("run")
        .arg(tailspin())
        .args(["-r", "1", "-q", "--commits", "--no-report", "--out"])
        .arg(&out)
        .assert()
        .success();
    let csv = read(&out.join("commits.csv"));
    assert!(csv.starts_with(
        "commit,arrived_h,arrived,delivered_h,lead_time_h,release,fix,counted,where.before_build,"
    ));
    let summary: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary.json"))).expect("summary.json");
    let figure = |key: &str| {
        summary["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["key"] == key)
            .and_then(|m| m["mean"].as_f64())
            .unwrap_or_else(|| panic!("{key} in summary.json"))
    };
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header = r.headers().expect("header").clone();
    let where_cols: Vec<usize> = (0..header.len())
        .filter(|&i| header[i].starts_with("where."))
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (lead, counted) = (col("lead_time_h"), col("counted"));
    let mut sums = vec![0.0; where_cols.len()];
    let mut n = 0usize;
    for row in r.records() {
        let row = row.expect("row");
        if &row[counted] != "true" {
            assert!(where_cols.iter().all(|&i| row[i].is_empty()));
            continue;
        }
        n += 1;
        let parts: Vec<f64> = where_cols
            .iter()
            .map(|&i| row[i].parse().expect("hours"))
            .collect();
        // A commit's parts are its lead time, split.
        let total: f64 = parts.iter().sum();
        let lead: f64 = row[lead].parse().expect("lead time");
        assert!(
            (total - lead).abs() < 1e-9 * lead.max(1.0),
            "{total} vs {lead}"
        );
        for (s, p) in sums.iter_mut().zip(parts) {
            *s += p;
        }
    }
    assert_eq!(n as f64, figure("lead_time.commits"));
    // Each column's mean over the counted commits is the replication's figure.
    for (&i, s) in where_cols.iter().zip(&sums) {
        let (mean, want) = (s / n as f64, figure(&header[i]));
        assert!(
            (mean - want).abs() < 1e-9 * want.max(1.0),
            "{}: {mean} vs {want}",
            &header[i]
        );
    }
}

// ----- bad input ---------------------------------------------------------------

/// A small valid scenario; the bad-input cases each change one thing in it.
/// Line numbers matter: the tests assert positions in this text.
const BASE: &str = "\
name: base
run:
  start: 2026-01-05 00:00
  horizon: 30d
  seed: 7
  replications: 2
commits:
  poisson:
    per_day: 20
build:
  agents: 2
  duration: 5m
  flaky_failure: 0.01
stages:
  - name: dev
    trigger: auto
    deploy: {duration: 2m}
  - name: prod
    depends_on: [dev]
    deploy: {duration: 3m}
";

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "{from:?} in BASE");
    BASE.replacen(from, to, 1)
}

/// Where a mistake is: `Some((line, column))`, or `None` for the file as a whole.
type Pos = Option<(u64, u64)>;

/// Runs `run` and `validate` on `file` and checks what a user sees: exit code 2,
/// one line `error: FILE[:LINE:COLUMN]: message` naming `shown`, each of `words` in
/// the message, no panic, and no report written.
fn refused(dir: &Path, file: &Path, shown: &Path, pos: Pos, words: &[&str]) {
    let prefix = match pos {
        Some((l, c)) => format!("error: {}:{l}:{c}: ", shown.display()),
        None => format!("error: {}: ", shown.display()),
    };
    let out = dir.join("out");
    let runs = [
        vec![
            "run".to_string(),
            file.display().to_string(),
            "-r".into(),
            "1".into(),
            "-q".into(),
            "--out".into(),
            out.display().to_string(),
        ],
        vec!["validate".to_string(), file.display().to_string()],
    ];
    for args in runs {
        let a = promosim(dir).args(&args).assert().code(2);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        let what = format!("`promosim {}`: stderr {stderr:?}", args.join(" "));
        assert!(!stderr.contains("panicked"), "{what}");
        assert_eq!(stderr.lines().count(), 1, "one line: {what}");
        assert!(stderr.ends_with('\n'), "{what}");
        assert!(stderr.starts_with(&prefix), "expected {prefix:?}: {what}");
        let message = &stderr[prefix.len()..];
        // A message, not another position: `file:line:column: ` appears once.
        assert!(!message.starts_with(|c: char| c.is_ascii_digit()), "{what}");
        for w in words {
            assert!(message.contains(w), "expected {w:?} in the message: {what}");
        }
        assert!(!out.join("summary.json").exists(), "report written: {what}");
    }
}

/// Writes `text` as `name` in a new temporary directory and checks it is refused.
fn refused_scenario(name: &str, text: &str, pos: Pos, words: &[&str]) {
    let t = tmp();
    let file = t.path().join(name);
    fs::write(&file, text).unwrap();
    refused(t.path(), &file, &file, pos, words);
}

#[test]
fn base_scenario_is_valid() {
    let t = tmp();
    let file = t.path().join("base.yaml");
    fs::write(&file, BASE).unwrap();
    promosim(t.path())
        .arg("run")
        .arg(&file)
        .args(["-r", "2", "-q", "--out"])
        .arg(t.path().join("out"))
        .assert()
        .success()
        .stderr("");
    assert!(t.path().join("out/summary.json").exists());
}

#[test]
fn bad_wrong_type() {
    refused_scenario(
        "wrong-type.yaml",
        &edit("agents: 2", "agents: many"),
        Some((11, 11)),
        &["expected a whole number", "\"many\""],
    );
}

#[test]
fn bad_unknown_key() {
    refused_scenario(
        "unknown-key.yaml",
        &edit("  agents: 2\n", "  agents: 2\n  agentz: 3\n"),
        Some((12, 3)),
        &["unknown field `agentz`", "expected one of", "agents"],
    );
}

#[test]
fn bad_negative_duration() {
    refused_scenario(
        "negative.yaml",
        &edit("duration: 5m", "duration: -5m"),
        Some((12, 13)),
        &["negative duration \"-5m\"", "expected a duration"],
    );
}

#[test]
fn bad_probability_outside_unit_interval() {
    refused_scenario(
        "probability.yaml",
        &edit("flaky_failure: 0.01", "flaky_failure: 1.5"),
        Some((13, 18)),
        &["probability 1.5 is outside [0, 1]"],
    );
}

#[test]
fn bad_cron_string() {
    refused_scenario(
        "cron.yaml",
        &edit("trigger: auto", "trigger: {schedule: \"0 25 * * *\"}"),
        Some((16, 25)),
        &["invalid cron string \"0 25 * * *\"", "expected five fields"],
    );
}

#[test]
fn bad_depends_on_unknown_stage() {
    refused_scenario(
        "depends-on.yaml",
        &edit("depends_on: [dev]", "depends_on: [qa]"),
        Some((19, 18)),
        &[
            "depends_on names \"qa\"",
            "no stage",
            "known: build, dev, prod",
        ],
    );
}

#[test]
fn bad_depends_on_cycle() {
    refused_scenario(
        "cycle.yaml",
        &edit(
            "    trigger: auto\n",
            "    trigger: auto\n    depends_on: [prod]\n",
        ),
        // The name of the first stage found on the cycle.
        Some((15, 11)),
        &["stage \"dev\"", "depends_on cycle"],
    );
}

#[test]
fn bad_replayed_csv_row() {
    let t = tmp();
    let file = t.path().join("replay.yaml");
    fs::write(
        &file,
        edit(
            "  poisson:\n    per_day: 20\n",
            "  replay: {csv: bad.csv}\n",
        ),
    )
    .unwrap();
    let csv = t.path().join("bad.csv");
    fs::write(
        &csv,
        "sha,timestamp\n\
         a1,2026-01-05 09:00\n\
         a2,yesterday\n\
         a3,2026-01-05 11:00\n",
    )
    .unwrap();
    refused(
        t.path(),
        &file,
        &csv,
        Some((3, 4)),
        &["expected a timestamp", "\"yesterday\""],
    );

    // A row with a field too many.
    fs::write(&csv, "sha,timestamp\na1,2026-01-05 09:00,x\n").unwrap();
    refused(
        t.path(),
        &file,
        &csv,
        Some((2, 21)),
        &["expected 2 fields as in the header row, found 3"],
    );

    // The same history, readable, runs.
    fs::write(
        &csv,
        "sha,timestamp\na1,2026-01-05 09:00\na2,2026-01-06 10:00\n",
    )
    .unwrap();
    promosim(t.path())
        .arg("run")
        .arg(&file)
        .args(["-r", "1", "-q", "--out"])
        .arg(t.path().join("ok"))
        .assert()
        .success();
}

/// Checks on meaning (a value that reads but makes no sense) point at the
/// value, as the reader's own errors do, and keep their words.
#[test]
fn bad_values_name_line_and_column() {
    refused_scenario(
        "per-day.yaml",
        &edit("per_day: 20", "per_day: -5"),
        Some((9, 14)),
        &["commits.poisson needs per_day > 0 or team"],
    );
    refused_scenario(
        "agents.yaml",
        &edit("agents: 2", "agents: 0"),
        Some((11, 11)),
        &["build.agents must be at least 1"],
    );
    refused_scenario(
        "replications.yaml",
        &edit("replications: 2", "replications: 0"),
        Some((6, 17)),
        &["run.replications must be at least 1"],
    );
    refused_scenario(
        "horizon.yaml",
        &edit("horizon: 30d", "horizon: 0s"),
        Some((4, 12)),
        &["run.horizon must be longer than zero"],
    );
    refused_scenario(
        "warm-up.yaml",
        &edit("seed: 7", "seed: 7\n  warm_up: 30d"),
        Some((6, 12)),
        &["run.warm_up (30d) must be shorter than run.horizon (30d)"],
    );
    refused_scenario(
        "volume.yaml",
        &edit("    per_day: 20\n", "    per_day: 20\n  volume: 0\n"),
        Some((10, 11)),
        &["commits.volume must be a positive number"],
    );
    refused_scenario(
        "team.yaml",
        &edit(
            "    per_day: 20\n",
            "    per_day: 20\n    team: {developers: 3, commits_per_developer_per_day: 2}\n",
        ),
        Some((10, 11)),
        &["give per_day or team, not both"],
    );
}

/// Choices that exclude each other are refused where they are written.
#[test]
fn bad_choices_name_line_and_column() {
    refused_scenario(
        "both-streams.yaml",
        &edit(
            "    per_day: 20\n",
            "    per_day: 20\n  replay: {csv: history.csv}\n",
        ),
        Some((8, 3)),
        &["commits: give either poisson or replay, not both"],
    );
    refused_scenario(
        "both-histories.yaml",
        &edit(
            "  poisson:\n    per_day: 20\n",
            "  replay: {csv: a.csv, git_log: b.log}\n",
        ),
        Some((8, 11)),
        &["commits.replay: give exactly one of csv or git_log"],
    );
    refused_scenario(
        "rolling.yaml",
        &edit(
            "    deploy: {duration: 3m}\n",
            "    deploy: {duration: 3m}\n    strategy: {rolling: {batches: 2, max_parallel: 50%, batch_duration: 1m}}\n",
        ),
        Some((18, 11)),
        &["stage \"prod\"", "rolling needs either batches"],
    );
}

#[test]
fn bad_runaway_horizon_times_rate() {
    refused_scenario(
        "runaway.yaml",
        &edit("per_day: 20", "per_day: 1e9").replacen("horizon: 30d", "horizon: 3650d", 1),
        // At run.horizon, which the estimate is over (issue 10: file-wide checks are placed).
        Some((4, 12)),
        &["commits per replication", "run.max_commits"],
    );
}

#[test]
fn bad_missing_file() {
    let t = tmp();
    let file = t.path().join("no-such-scenario.yaml");
    refused(t.path(), &file, &file, None, &["cannot read the scenario"]);
}

#[test]
fn bad_yaml_syntax() {
    refused_scenario(
        "syntax.yaml",
        &edit("name: base", "name: \"base"),
        Some((1, 7)),
        &["unclosed quote"],
    );
}

#[test]
fn bad_yaml_structure() {
    // A list where a number is expected, and a number where a mapping is.
    refused_scenario(
        "list.yaml",
        &edit("agents: 2", "agents: [2]"),
        Some((11, 11)),
        &["expected a single value", "\"[2]\""],
    );
    refused_scenario(
        "scalar.yaml",
        &edit("  poisson:\n    per_day: 20\n", "  poisson: 20\n"),
        Some((8, 12)),
        &["expected a mapping", "\"20\""],
    );
}

#[test]
fn bad_command_line_values() {
    let t = tmp();
    for (flag, value) in [("--replications", "0"), ("--threads", "0")] {
        promosim(t.path())
            .arg("run")
            .arg(tailspin())
            .args([flag, value, "-q", "--out"])
            .arg(t.path().join("out"))
            .assert()
            .code(2)
            .stderr(format!("error: {flag}: must be at least 1\n"));
        assert!(!t.path().join("out/summary.json").exists());
    }
}
