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

/// Issue 15's list of inputs that used to exhaust memory or spin, each run
/// under `ulimit -v` of 2 GiB: every one ends with exit 2 and a message, none
/// aborts.
#[test]
fn under_a_2_gib_address_space_limit_nothing_aborts() {
    let t = tmp();
    let bin = assert_cmd::cargo::cargo_bin!("promosim");
    let tail = tailspin();
    let cont = scenario("tailspin-continuous.yaml");
    // A shard part claiming 4 000 000 000 shards.
    let parts = t.path().join("parts");
    promosim(t.path())
        .arg("run")
        .arg(&tail)
        .args(["-r", "2", "-q", "--shard", "1/2", "--out"])
        .arg(&parts)
        .assert()
        .success();
    let part = std::fs::read_dir(&parts)
        .expect("parts")
        .map(|e| e.expect("entry").path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "json") && p.to_string_lossy().contains("part-")
        })
        .expect("a part file");
    let text = read(&part).replace("\"count\":2}", "\"count\":4000000000}");
    assert!(
        text.contains("4000000000"),
        "the shard count was not edited"
    );
    let huge = t.path().join("part-1-of-4000000000.json");
    std::fs::write(&huge, text).expect("write part");
    // A gate checked every 0.1 µs.
    let gate = t.path().join("gate.yaml");
    let gated = read(&tail).replacen(
        "  - name: production\n    checks:\n",
        "  - name: production\n    checks:\n      gates: [{name: g, interval: 0.0000001s, timeout: 1h, condition: no_open_defects}]\n",
        1,
    );
    assert!(
        gated.contains("interval: 0.0000001s"),
        "the gate was not added"
    );
    std::fs::write(&gate, gated).expect("write gate scenario");
    let (tail, cont) = (tail.display().to_string(), cont.display().to_string());
    let cases: Vec<Vec<String>> = vec![
        vec![
            "compare".into(),
            tail.clone(),
            cont.clone(),
            "-r".into(),
            "1000000000".into(),
        ],
        vec![
            "sweep".into(),
            tail.clone(),
            "--set".into(),
            "build.agents=1..3".into(),
            "-r".into(),
            "1000000000".into(),
        ],
        vec![
            "baseline".into(),
            tail.clone(),
            "-r".into(),
            "1000000000".into(),
        ],
        vec!["merge".into(), huge.display().to_string()],
        vec![
            "run".into(),
            tail.clone(),
            "-r".into(),
            "2".into(),
            "-t".into(),
            "10000".into(),
        ],
        vec!["validate".into(), "/dev/zero".into()],
        vec!["run".into(), "/dev/zero".into()],
        vec!["validate".into(), gate.display().to_string()],
    ];
    for args in cases {
        let line = format!(
            "ulimit -v 2097152 && exec '{}' {} {} --out '{}'",
            bin.display(),
            args.iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(" "),
            // merge has no progress bar to silence.
            if args[0] == "merge" { "" } else { "-q" },
            t.path().join("out").display()
        );
        // `validate` takes no --out: run it without.
        let line = if args[0] == "validate" {
            format!(
                "ulimit -v 2097152 && exec '{}' validate '{}'",
                bin.display(),
                args[1]
            )
        } else {
            line
        };
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(t.path())
            .output()
            .expect("sh");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
        // The refusal is about the input, not about the command line.
        assert!(
            !err.contains("unexpected argument") && !err.contains("Usage:"),
            "{args:?}: {err}"
        );
        eprintln!("{}: {}", args[0], err.lines().next().unwrap_or(""));
    }
}
