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

/// Commands that keep every replication refuse counts that would not fit in
/// memory, before running anything (`-r 1e9` used to allocate until abort).
#[test]
fn keeping_a_billion_replications_is_refused_up_front() {
    let t = tmp();
    let tail = tailspin();
    let cont = scenario("tailspin-continuous.yaml");
    let (tail, cont) = (tail.to_str().unwrap(), cont.to_str().unwrap());
    let out = t.path().join("out");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["compare", tail, cont, "-r", "1000000000"],
            "--replications 1000000000: keeping 1000000000 replications of 2 scenarios or points",
        ),
        (
            &[
                "sweep",
                tail,
                "--set",
                "build.agents=1..3",
                "-r",
                "1000000000",
            ],
            "of 3 scenarios or points",
        ),
        (&["baseline", tail, "-r", "1000000000"], "of this scenario"),
        (
            &["run", tail, "-r", "1000000000", "--shard", "1/4"],
            "--replications 1000000000 --shard 1/4: keeping 250000000 replications",
        ),
        (
            &[
                "run",
                tail,
                "-r",
                "10",
                "--precision",
                "5%",
                "--max-replications",
                "1000000000",
            ],
            "--max-replications 1000000000: keeping",
        ),
        (
            &["compare", tail, cont, "-r", "400000"],
            "above the 0.5 GiB limit; at most ",
        ),
    ];
    for (args, expected) in cases {
        promosim(t.path())
            .args(args)
            .args(["-q", "--out", out])
            .timeout(std::time::Duration::from_secs(30))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected));
        assert!(!t.path().join("out").exists(), "{args:?} wrote something");
    }
}
