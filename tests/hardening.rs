//! Hardening: runaway guards refuse before running, stalls are reported,
//! an interrupted run never leaves a truncated report.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use tempfile::TempDir;

fn promosim(cwd: &Path) -> Command {
    let mut cmd = cargo_bin_cmd!("promosim");
    cmd.current_dir(cwd);
    cmd
}

fn tailspin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/tailspin.yaml")
}

const BASE: &str = "\
name: small
run:
  start: 2026-01-05 00:00
  horizon: 60d
  seed: 7
  replications: 3
calendars:
  never: {}
  office:
    working_hours:
      mon-fri: \"09:00-17:00\"
people:
  ghost:
    calendar: never
  boss:
    calendar: office
commits:
  poisson:
    per_day: 20
build:
  duration: 5m
stages:
  - name: dev
  - name: production
";

fn scenario(t: &TempDir, text: &str) -> PathBuf {
    let p = t.path().join("s.yaml");
    fs::write(&p, text).unwrap();
    p
}

fn run(t: &TempDir, p: &Path) -> assert_cmd::assert::Assert {
    promosim(t.path())
        .arg("run")
        .arg(p)
        .args(["-q", "--out"])
        .arg(t.path().join("out"))
        .assert()
}

#[test]
fn a_manual_stage_whose_person_never_works_is_reported_as_a_stall() {
    let t = tempfile::tempdir().unwrap();
    let p = scenario(
        &t,
        &BASE.replace(
            "  - name: production\n",
            "  - name: production\n    trigger: {manual: {by: ghost}}\n",
        ),
    );
    run(&t, &p)
        .success()
        .stderr(predicate::str::contains(
            "WARNING: stage \"production\" stalled in 3 of 3 replications: the person who triggers it never works again",
        ))
        .stderr(predicate::str::contains(
            "production stage \"production\" made no deployment",
        ));
    let summary = fs::read_to_string(t.path().join("out/summary.json")).unwrap();
    assert!(summary.contains("stage.production.stalled"));
}

#[test]
fn an_approval_that_can_never_come_is_reported() {
    let t = tempfile::tempdir().unwrap();
    let p = scenario(
        &t,
        &BASE.replace(
            "  - name: production\n",
            "  - name: production\n    checks: {approval: {approvers: [ghost, boss], timeout: 2d}}\n",
        ),
    );
    run(&t, &p)
        .success()
        .stderr(predicate::str::contains("stage \"production\" stalled"))
        .stderr(predicate::str::contains("an approval that can never come"));
}

#[test]
fn a_healthy_scenario_has_no_warning() {
    let t = tempfile::tempdir().unwrap();
    let p = scenario(&t, BASE);
    run(&t, &p)
        .success()
        .stderr(predicate::str::contains("WARNING").not());
}

#[test]
fn a_cron_every_minute_for_a_century_is_refused_before_it_runs() {
    let t = tempfile::tempdir().unwrap();
    let p = scenario(
        &t,
        &BASE
            .replace("horizon: 60d", "horizon: 36500d")
            .replace("per_day: 20", "per_day: 0.01")
            .replace(
                "  - name: dev\n",
                "  - name: dev\n    trigger: {schedule: \"* * * * *\"}\n",
            ),
    );
    let started = Instant::now();
    promosim(t.path())
        .arg("validate")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fires about 5"))
        .stderr(predicate::str::contains("raise run.max_precomputed"));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn an_event_budget_refuses_a_scenario_too_big_for_it() {
    let t = tempfile::tempdir().unwrap();
    let p = scenario(
        &t,
        &BASE.replace("  seed: 7\n", "  seed: 7\n  max_events: 1000\n"),
    );
    promosim(t.path())
        .arg("run")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("events per replication"))
        .stderr(predicate::str::contains("raise run.max_events"));
}

#[test]
fn a_calendar_with_too_many_periods_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let p = scenario(
        &t,
        &BASE
            .replace("horizon: 60d", "horizon: 36500d")
            .replace("per_day: 20", "per_day: 0.01")
            .replace("  seed: 7\n", "  seed: 7\n  max_precomputed: 1000\n"),
    );
    promosim(t.path())
        .arg("validate")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("calendar \"office\" has about"))
        .stderr(predicate::str::contains("raise run.max_precomputed"));
}

// ----- interrupted runs -------------------------------------------------------

/// A finished report in `dir`, made by a short run.
fn previous_report(t: &TempDir, dir: &Path) -> Vec<u8> {
    promosim(t.path())
        .arg("run")
        .arg(tailspin())
        .args(["-r", "2", "-q", "--out"])
        .arg(dir)
        .assert()
        .success();
    fs::read(dir.join("summary.json")).unwrap()
}

/// Starts a long run into `dir`, sends `signal` after `after`, returns the exit code.
fn interrupted(t: &TempDir, dir: &Path, signal: &str, after: Duration) -> Option<i32> {
    let bin = assert_cmd::cargo::cargo_bin!("promosim");
    let mut child = std::process::Command::new(bin)
        .current_dir(t.path())
        .arg("run")
        .arg(tailspin())
        .args(["-r", "100000", "-q", "--out"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start promosim");
    std::thread::sleep(after);
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    let sent = Instant::now();
    let status = child.wait().expect("wait");
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "{signal}: took {:?} to stop",
        sent.elapsed()
    );
    status.code()
}

fn assert_old_or_absent(dir: &Path, old: &[u8]) {
    match fs::read(dir.join("summary.json")) {
        Ok(now) => {
            assert!(
                now == old || serde_json::from_slice::<serde_json::Value>(&now).is_ok(),
                "summary.json is neither the previous report nor complete JSON"
            );
            assert_eq!(now, old, "an interrupted run replaced the previous report");
        }
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound),
    }
}

#[test]
fn ctrl_c_stops_promptly_and_keeps_the_previous_report() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("report");
    let old = previous_report(&t, &dir);
    let code = interrupted(&t, &dir, "INT", Duration::from_millis(300));
    assert_eq!(code, Some(130), "SIGINT exit code");
    assert_old_or_absent(&dir, &old);
    let stray: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "temporary files left: {stray:?}");
}

#[test]
fn a_killed_run_leaves_the_previous_report_or_none() {
    let t = tempfile::tempdir().unwrap();
    // With a previous report.
    let dir = t.path().join("report");
    let old = previous_report(&t, &dir);
    let code = interrupted(&t, &dir, "KILL", Duration::from_millis(300));
    assert_eq!(code, None, "killed by a signal");
    assert_old_or_absent(&dir, &old);
    // Without one: nothing, or (never) a partial file.
    let fresh = t.path().join("fresh");
    interrupted(&t, &fresh, "KILL", Duration::from_millis(300));
    assert!(!fresh.join("summary.json").exists());
    // SIGTERM behaves as Ctrl-C.
    let code = interrupted(&t, &dir, "TERM", Duration::from_millis(300));
    assert_eq!(code, Some(130), "SIGTERM exit code");
    assert_old_or_absent(&dir, &old);
}
