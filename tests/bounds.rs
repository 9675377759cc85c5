//! Resource bounds refused up front (exit 2, the figure and the limit), before
//! anything runs: thread counts and the replications a command must keep.

use predicates::prelude::*;

mod common;
use common::*;

#[test]
fn thousands_of_threads_are_refused_with_the_limit() {
    let t = tmp();
    for cmd in ["run", "baseline"] {
        promosim(t.path())
            .arg(cmd)
            .arg(tailspin())
            .args(["-r", "2", "-q", "-t", "10000"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--threads 10000: at most "))
            .stderr(predicate::str::contains("per core"));
    }
    // The limit is never below 64, whatever the machine.
    promosim(t.path())
        .arg("run")
        .arg(tailspin())
        .args(["-r", "1", "-q", "-t", "64", "--no-report", "--out"])
        .arg(t.path().join("r"))
        .assert()
        .success();
}

#[test]
fn a_baseline_of_one_replication_is_refused() {
    let t = tmp();
    promosim(t.path())
        .arg("baseline")
        .arg(tailspin())
        .args(["-r", "1", "-q", "--out"])
        .arg(t.path().join("b.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--replications: must be at least 2 replications",
        ));
    assert!(!t.path().join("b.json").exists());
}
