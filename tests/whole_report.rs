//! A report folder holds one complete report, never a mix of two: the report
//! is staged and put in place at the end, a second writer is refused, and
//! files that are not part of a report are left alone (issue 15).

mod common;

use std::fs;

use common::{promosim, scenario, tmp};

#[test]
fn a_new_report_replaces_the_old_one_whole_and_keeps_other_files() {
    let t = tmp();
    let out = t.path().join("r");
    let s = scenario("sequential-approvals.yaml");
    promosim(t.path())
        .arg("run")
        .arg(&s)
        .args(["-r", "2", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("index.html").exists() && out.join("charts").exists());
    fs::write(out.join("notes.txt"), "mine").expect("a file of the user's");
    // A stale chart of an earlier version of the report.
    fs::write(out.join("charts/old-chart.svg"), "<svg/>").expect("stale chart");
    promosim(t.path())
        .arg("run")
        .arg(&s)
        .args(["-r", "3", "-q", "--no-report", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary = common::read(&out.join("summary.json"));
    assert!(summary.contains("\"replications\": 3"), "{summary}");
    // The page and charts of the 2-replication report would mix with the new
    // summary: they are gone. The user's file stays.
    assert!(!out.join("index.html").exists());
    assert!(!out.join("report.md").exists());
    assert!(!out.join("charts/old-chart.svg").exists());
    assert!(!out.join("charts/where.png").exists());
    assert_eq!(common::read(&out.join("notes.txt")), "mine");
    let left: Vec<String> = fs::read_dir(&out)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".promosim-staging"))
        .collect();
    assert!(left.is_empty(), "staging left behind: {left:?}");
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_folder() {
    let t = tmp();
    let out = t.path().join("r");
    fs::create_dir_all(&out).expect("mkdir");
    // Another writer (this test) holds the folder's lock: the folder itself.
    let lock = fs::File::open(&out).expect("the folder");
    lock.lock().expect("lock");
    let s = scenario("sequential-approvals.yaml");
    let assert = promosim(t.path())
        .arg("run")
        .arg(&s)
        .args(["-r", "2", "-q", "--no-report", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(err.contains("another promosim is writing"), "{err}");
    assert!(!out.join("summary.json").exists());
    drop(lock);
    promosim(t.path())
        .arg("run")
        .arg(&s)
        .args(["-r", "2", "-q", "--no-report", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("summary.json").exists());
}

#[test]
fn compare_is_staged_too() {
    let t = tmp();
    let out = t.path().join("c");
    let a = scenario("tailspin.yaml");
    let b = scenario("tailspin-continuous.yaml");
    fs::create_dir_all(&out).expect("mkdir");
    let lock = fs::File::open(&out).expect("the folder");
    lock.lock().expect("lock");
    promosim(t.path())
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .args(["-r", "2", "-q", "--no-report", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    assert!(!out.join("comparison.csv").exists());
}

#[test]
fn a_folder_that_held_no_report_keeps_its_own_files() {
    let t = tmp();
    let out = t.path().join("site");
    fs::create_dir_all(&out).expect("mkdir");
    fs::write(out.join("index.html"), "<p>my page</p>").expect("the user's page");
    promosim(t.path())
        .arg("run")
        .arg(scenario("sequential-approvals.yaml"))
        .args(["-r", "2", "-q", "--no-report", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("summary.json").exists());
    assert_eq!(common::read(&out.join("index.html")), "<p>my page</p>");
}
