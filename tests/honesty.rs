//! Honest output: no interval claimed from one replication, no "-0", no
//! difference called real that is none, no panic when stdout goes away, and
//! scenario mistakes in working hours named as such.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

use promosim::experiment::Summary;
use promosim::experiment::{self, Plan};
use promosim::report::{html, markdown, table};

mod common;
use common::*;

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

// ---------------------------------------------------------------- 1. n < 2

/// The lines of the terminal table that carry a metric (two leading spaces).
fn metric_lines(table: &str) -> Vec<&str> {
    table.lines().filter(|l| l.starts_with("  ")).collect()
}

#[test]
fn one_replication_claims_no_interval_anywhere() {
    let t = tmp();
    let out = t.path().join("r1");
    let stdout = stdout_of(
        promosim(t.path())
            .arg("run")
            .arg(tailspin())
            .args(["-r", "1", "-q", "--out"])
            .arg(&out),
    );
    assert!(!stdout.contains('±') || stdout.contains("no confidence intervals"));
    for l in metric_lines(&stdout) {
        assert!(!l.contains('±'), "an interval from one replication: {l:?}");
    }
    assert!(stdout.contains("no confidence intervals"), "{stdout}");
    assert!(stdout.contains("  mean "), "{stdout}");

    // report.md: no ± in any table cell, and the legend says why.
    let md = read(&out.join("report.md"));
    for l in md.lines().filter(|l| l.starts_with('|')) {
        assert!(!l.contains('±'), "report.md: {l:?}");
    }
    assert!(md.contains("no confidence intervals"), "{md}");

    // index.html: no ± in any number cell of its tables.
    let page = read(&out.join("index.html"));
    for cell in page.split("<td class=\"num\">").skip(1) {
        let cell = &cell[..cell.find("</td>").unwrap()];
        assert!(!cell.contains('±'), "index.html: {cell:?}");
    }
    assert!(page.contains("no confidence intervals"));
    // Nor in the charts' titles and whiskers (inline SVG and the chart files).
    assert!(!page.contains('±'), "index.html claims an interval");
    for f in std::fs::read_dir(out.join("charts")).unwrap() {
        let f = f.unwrap().path();
        if f.extension().is_some_and(|e| e == "svg") {
            assert!(!read(&f).contains('±'), "{}", f.display());
        }
    }
}

#[test]
fn two_replications_still_show_intervals() {
    let t = tmp();
    let out = t.path().join("r2");
    let stdout = stdout_of(
        promosim(t.path())
            .arg("run")
            .arg(tailspin())
            .args(["-r", "2", "-q", "--out"])
            .arg(&out),
    );
    assert!(stdout.contains("± is the half-width"), "{stdout}");
    let mean = metric_lines(&stdout)
        .into_iter()
        .find(|l| l.trim_start().starts_with("mean "))
        .unwrap();
    assert!(mean.contains(" ± "), "{mean:?}");
    let md = read(&out.join("report.md"));
    assert!(md.contains("± = 95 % interval"), "{md}");
    assert!(md.lines().any(|l| l.starts_with('|') && l.contains('±')));
}

#[test]
fn compare_and_sweep_with_one_replication_claim_no_interval() {
    let t = tmp();
    let cmp = stdout_of(
        promosim(t.path())
            .arg("compare")
            .arg(tailspin())
            .arg(scenario("tailspin-continuous.yaml"))
            .args(["-r", "1", "-q", "--no-report", "--out"])
            .arg(t.path().join("c")),
    );
    let rows: Vec<&str> = cmp.lines().filter(|l| l.contains(" (")).skip(1).collect();
    assert!(rows.len() > 5, "{cmp}");
    for l in &rows {
        assert!(!l.contains('±'), "compare, one replication: {l:?}");
        assert!(!l.ends_with('*'), "real from one replication: {l:?}");
    }
    assert!(cmp.contains("no confidence intervals"), "{cmp}");

    let sweep = stdout_of(
        promosim(t.path())
            .arg("sweep")
            .arg(tailspin())
            .args(["--set", "build.agents=1,2", "-r", "1", "-q", "--no-report"])
            .arg("--out")
            .arg(t.path().join("s")),
    );
    let rows: Vec<&str> = sweep
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(rows.len(), 2, "{sweep}");
    for l in rows {
        assert!(!l.contains('±'), "sweep, one replication: {l:?}");
    }
}

// ----------------------------------------------------------- 2. real and -0

#[test]
fn a_scenario_compared_with_itself_differs_by_nothing_real() {
    let t = tmp();
    let s = tailspin();
    let cmp = stdout_of(
        promosim(t.path())
            .arg("compare")
            .arg(&s)
            .arg(&s)
            .args(["-r", "3", "-q", "--no-report", "--out"])
            .arg(t.path().join("c")),
    );
    for l in cmp.lines().filter(|l| l.contains(" (")).skip(1) {
        assert!(
            !l.ends_with('*'),
            "identical scenarios, real difference: {l:?}"
        );
        assert!(!l.contains("-0.0") && !l.contains("+0.0"), "{l:?}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&read(&t.path().join("c/comparison.json"))).unwrap();
    for m in json["metrics"].as_array().unwrap() {
        let d = &m["differences"][0];
        assert_eq!(d["real"], false, "{}", m["key"]);
    }
}

#[test]
fn different_scenarios_still_have_real_differences() {
    let t = tmp();
    let cmp = stdout_of(
        promosim(t.path())
            .arg("compare")
            .arg(tailspin())
            .arg(scenario("tailspin-continuous.yaml"))
            .args(["-r", "5", "-q", "--no-report", "--out"])
            .arg(t.path().join("c")),
    );
    assert!(cmp.lines().any(|l| l.ends_with(" *")), "{cmp}");
    assert!(!cmp.contains("-0.000") && !cmp.contains("+0.000"), "{cmp}");
}

// --------------------------------------------------------------- 3. "-0 %"

/// A one-replication summary of tailspin whose `where.*` components include
/// -0 and a tiny negative value (rounding in a subtraction).
fn summary_with_negative_zeros() -> (promosim::model::Model, Summary) {
    let (_, m) = promosim::cli::load_model(&tailspin(), None).unwrap();
    let out = experiment::run(
        &m,
        Plan {
            replications: 1,
            threads: Some(1),
            progress: false,
        },
    )
    .unwrap();
    let mut metrics = out.summary;
    let mut touched = 0;
    for x in &mut metrics {
        match x.key.as_str() {
            "where.dev.checks" | "where.test.checks" => {
                x.mean = -0.0;
                touched += 1;
            }
            "where.staging.lock" | "where.production.lock" => {
                x.mean = -1e-6;
                touched += 1;
            }
            _ => {}
        }
    }
    assert_eq!(touched, 4);
    let s = Summary::new(&m, 1, metrics);
    (m, s)
}

#[test]
fn no_negative_zero_in_any_report() {
    let (m, s) = summary_with_negative_zeros();
    let text = table::render(&s);
    let md = markdown::run_markdown(&m, &s, &[]);
    let page = html::run_page(&m, &s, &[]);
    for (what, doc) in [("table", &text), ("report.md", &md), ("index.html", &page)] {
        for bad in ["-0 %", "-0.00", "-0.000", "(-0)", "| -0 |", ">-0<"] {
            assert!(!doc.contains(bad), "{what} contains {bad:?}:\n{doc}");
        }
    }
    assert!(md.contains("| 0 % |"), "{md}");
    assert!(text.contains(" 0 %"), "{text}");
}

// ------------------------------------------------------------ 4. stdout

/// Runs promosim with `args` in `dir`, its stdout the write end of a pipe
/// whose read end is already closed: its first write fails with EPIPE.
fn with_closed_stdout(dir: &Path, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Process::new(env!("CARGO_BIN_EXE_promosim"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{args:?} panicked: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    out
}

#[test]
fn a_closed_stdout_is_no_error() {
    let t = tmp();
    let s = tailspin();
    let s = s.to_str().unwrap();
    let base = t.path().join("b.json");
    let base = base.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["validate", s],
        vec!["run", s, "-r", "2", "-q", "--no-report", "--out", "r"],
        vec!["run", s, "-r", "2", "-q", "--no-report", "--format", "json"],
        vec![
            "compare",
            s,
            s,
            "-r",
            "2",
            "-q",
            "--no-report",
            "--out",
            "c",
        ],
        vec![
            "sweep",
            s,
            "--set",
            "build.agents=1,2",
            "-r",
            "2",
            "-q",
            "--no-report",
            "--out",
            "s",
        ],
        vec!["trace", s, "--out", "trace.csv"],
        vec!["baseline", s, "-r", "3", "-q", "--out", base],
        vec!["check", s, "--baseline", base, "-q"],
        vec!["--help"],
        vec!["--version"],
    ];
    for args in cases {
        let out = with_closed_stdout(t.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}: quietly");
    }
    // The work was still done: the files are there.
    assert!(t.path().join("r/summary.json").exists());
    assert!(t.path().join("trace.csv").exists());
}

#[test]
fn a_closed_stdout_keeps_the_commands_own_exit_code() {
    // `check` against a baseline of another policy regresses: exit 1 with
    // its message on stderr, whether or not anyone reads the table.
    let t = tmp();
    let base = t.path().join("b.json");
    promosim(t.path())
        .arg("baseline")
        .arg(scenario("tailspin-continuous.yaml"))
        .args(["-r", "3", "-q", "--out"])
        .arg(&base)
        .assert()
        .success();
    let slow = t.path().join("tailspin-continuous.yaml");
    fs::write(
        &slow,
        read(&scenario("tailspin-continuous.yaml")).replace("agents: 2", "agents: 1"),
    )
    .unwrap();
    let expected = promosim(t.path())
        .arg("check")
        .arg(&slow)
        .arg("--baseline")
        .arg(&base)
        .arg("-q")
        .output()
        .unwrap();
    let code = expected.status.code();
    assert_eq!(code, Some(1), "the slower policy regresses");
    let args = [
        "check",
        slow.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
        "-q",
    ];
    let out = with_closed_stdout(t.path(), &args);
    assert_eq!(out.status.code(), code);
    assert_eq!(out.stderr, expected.stderr);
}

#[test]
fn closing_the_pipe_early_through_a_shell_does_not_panic() {
    let t = tmp();
    let cmd = format!(
        "'{}' validate '{}' | head -c1 >/dev/null; echo \"status $?\"",
        env!("CARGO_BIN_EXE_promosim"),
        tailspin().display()
    );
    let out = Process::new("sh")
        .args(["-c", &cmd])
        .current_dir(t.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let out = Process::new("sh")
        .args([
            "-c",
            &format!(
                "'{}' validate '{}' | true",
                env!("CARGO_BIN_EXE_promosim"),
                tailspin().display()
            ),
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn a_full_device_is_an_ordinary_error() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("no /dev/full here: skipped");
        return;
    }
    let t = tmp();
    let s = tailspin();
    let s = s.to_str().unwrap();
    for args in [
        vec!["validate", s],
        vec!["run", s, "-r", "2", "-q", "--no-report", "--out", "r"],
        vec!["--help"],
    ] {
        let out = Process::new(env!("CARGO_BIN_EXE_promosim"))
            .current_dir(t.path())
            .args(&args)
            .stdout(fs::OpenOptions::new().write(true).open(full).unwrap())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
        assert!(
            stderr.starts_with("error: cannot write to standard output: "),
            "{stderr:?}"
        );
    }
}

// ------------------------------------------------------ 5, 6. working hours

/// tailspin.yaml with its working hours `mon-fri: "09:00-17:30"` replaced by `line`.
fn tailspin_with_hours(t: &TempDir, line: &str) -> (PathBuf, String) {
    let text = read(&tailspin());
    let old = "mon-fri: \"09:00-17:30\"";
    assert_eq!(text.matches(old).count(), 1);
    let text = text.replacen(old, line, 1);
    let p = t.path().join("hours.yaml");
    fs::write(&p, &text).unwrap();
    (p, text)
}

/// 1-based (line, column) of the first `needle` in `text`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// `validate` refuses the file: exit 2, one line `error: FILE:LINE:COLUMN: …`
/// at `at` containing every one of `words`.
fn refused(t: &TempDir, p: &Path, at: (usize, usize), words: &[&str]) {
    let a = promosim(t.path()).arg("validate").arg(p).assert().code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    let prefix = format!("error: {}:{}:{}: ", p.display(), at.0, at.1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&prefix), "expected {prefix:?}: {stderr}");
    for w in words {
        assert!(stderr.contains(w), "expected {w:?}: {stderr}");
    }
    assert!(!stderr.contains("untagged"), "{stderr}");
    assert!(!stderr.contains("did not match"), "{stderr}");
}

#[test]
fn weekday_keys_must_be_day_names() {
    for key in [
        "monkey-frisbee",
        "mondays",
        "tues",
        "mo",
        "fri-mon",
        "weekdayz",
    ] {
        let t = tmp();
        let (p, text) = tailspin_with_hours(&t, &format!("{key}: \"10:00-16:00\""));
        // The key where it is written, not a word of a comment that contains it.
        let written = format!("{key}: \"10:00-16:00\"");
        refused(&t, &p, position(&text, &written), &[&format!("{key:?}")]);
    }
}

#[test]
fn weekday_names_short_long_and_in_any_case_mean_the_same_days() {
    let t = tmp();
    let run = |name: &str, line: &str| {
        let (p, _) = tailspin_with_hours(&t, line);
        let out = t.path().join(name);
        promosim(t.path())
            .arg("run")
            .arg(&p)
            .args(["-r", "2", "-q", "--no-report", "--out"])
            .arg(&out)
            .assert()
            .success();
        read(&out.join("summary.json"))
    };
    let base = run("a", "mon-fri: \"09:00-17:30\"");
    assert_eq!(base, run("b", "Monday-FRIDAY: \"09:00-17:30\""));
    assert_eq!(base, run("c", "weekdays: \"09:00-17:30\""));
    assert_eq!(base, run("d", "MON-friday: [\"09:00-17:30\"]"));
    // One day fewer changes the result: the keys are read, not ignored.
    assert_ne!(base, run("e", "mon-thu: \"09:00-17:30\""));
}

#[test]
fn hours_without_minutes_say_which_forms_are_accepted() {
    for value in ["\"10-16\"", "10-16", "\"9-5\"", "\"09:00\""] {
        let t = tmp();
        let (p, text) = tailspin_with_hours(&t, &format!("mon-fri: {value}"));
        let at = position(&text, &format!("mon-fri: {value}"));
        refused(
            &t,
            &p,
            (at.0, at.1 + "mon-fri: ".len()),
            &["\"HH:MM-HH:MM\"", "\"09:00-17:00\"", "or a list of them"],
        );
    }
}

#[test]
fn a_bad_range_in_a_list_is_named_where_it_is() {
    let t = tmp();
    let (p, text) = tailspin_with_hours(&t, "mon-fri: [\"09:00-12:00\", \"13-17\"]");
    refused(
        &t,
        &p,
        position(&text, "\"13-17\""),
        &["\"HH:MM-HH:MM\"", "\"13-17\""],
    );
}

#[test]
fn wrong_kinds_of_working_hours_say_which_forms_are_accepted() {
    for value in ["900", "{from: 9}"] {
        let t = tmp();
        let (p, _) = tailspin_with_hours(&t, &format!("mon-fri: {value}"));
        let a = promosim(t.path()).arg("validate").arg(&p).assert().code(2);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(stderr.contains("\"HH:MM-HH:MM\""), "{stderr}");
        assert!(stderr.contains("or a list of them"), "{stderr}");
        assert!(
            stderr.starts_with(&format!("error: {}:", p.display())),
            "{stderr}"
        );
    }
}

#[test]
fn detection_errors_keep_their_own_message_and_position() {
    let t = tmp();
    let text = read(&tailspin());
    let old = "detect: {minor: 0.2, major: 0.4, critical: 0.5}";
    assert_eq!(text.matches(old).count(), 1);
    for (new, needle, words) in [
        (
            "detect: {minor: 0.2, majr: 0.4}",
            "majr",
            &["unknown field `majr`", "minor, major, critical"][..],
        ),
        (
            "detect: {minor: 0.2, major: 1.4}",
            "1.4",
            &["probability 1.4 is outside [0, 1]"][..],
        ),
        (
            "detect: 150%",
            "150%",
            &["probability 1.5 is outside [0, 1]"][..],
        ),
    ] {
        let text = text.replacen(old, new, 1);
        let p = t.path().join("detect.yaml");
        fs::write(&p, &text).unwrap();
        refused(&t, &p, position(&text, needle), words);
    }
    // The accepted forms still mean what they did.
    for ok in ["detect: 0.3", "detect: 30%", "detect: {major: 0.4}"] {
        let p = t.path().join("ok.yaml");
        fs::write(&p, text.replacen(old, ok, 1)).unwrap();
        promosim(t.path())
            .arg("validate")
            .arg(&p)
            .assert()
            .success()
            .stdout(predicate::str::contains(": ok"));
    }
}
