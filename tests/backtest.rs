//! `promosim backtest`: a calibrated model replaying its own history
//! reproduces the observed lead-time quantiles; a misspecified one is called
//! out; the command writes its page.

use promosim::experiment::backtest;
use promosim::history::Format;

#[path = "common/history.rs"]
mod history_common;
use history_common::{bin, calibrate_with, simulated_history};

/// Simulates `scenario` at `seed`, exports it as CSV, calibrates `base` from
/// it and backtests the result over 20 replications.
fn calibrate_and_backtest(scenario: &str, base: &str, seed: u64) -> backtest::Backtest {
    let h = simulated_history(scenario, seed, Format::Csv);
    let c = calibrate_with(&h, base);
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("calibrated.yaml");
    let model = backtest::replay_model(&c.yaml, &file, &h, &dir.path().join("commits.csv"))
        .expect("replays");
    backtest::backtest(&model, &h, 20)
}

#[test]
fn a_calibrated_model_reproduces_its_history() {
    let (mut inside, mut rows) = (0, 0);
    for seed in [21u64, 22, 23] {
        let b = calibrate_and_backtest(
            "tests/data/history/roundtrip.yaml",
            "tests/data/history/roundtrip.yaml",
            seed,
        );
        assert!(b.observed_h.len() > 1000, "{} observed", b.observed_h.len());
        for r in &b.rows {
            rows += 1;
            if r.range.0 <= r.observed && r.observed <= r.range.1 {
                inside += 1;
            }
        }
        assert!(
            b.p50_error.abs() < 0.10,
            "seed {seed}: p50 off by {:.1} %",
            b.p50_error * 100.0
        );
        let (obs, sim) = b.deploys_per_week;
        assert!(
            (sim - obs).abs() / obs < 0.10,
            "deploys per week {obs} vs {sim}"
        );
        assert!(
            b.verdict().contains("within") && b.verdict().contains("inside"),
            "{}",
            b.verdict()
        );
    }
    // Each range holds 95 % of the replications' quantiles; the observed one is
    // one more draw from the same process (the calibration adds its own error).
    assert!(
        inside * 10 >= rows * 7,
        "{inside} of {rows} observed quantiles inside the simulated range"
    );
}

#[test]
fn a_misspecified_model_is_called_out() {
    // The history deploys production nightly; the base scenario says on approval, at once.
    let b = calibrate_and_backtest(
        "tests/data/history/nightly.yaml",
        "tests/data/history/roundtrip.yaml",
        5,
    );
    let v = b.verdict();
    assert!(b.p50_error < -0.5, "p50 error {}", b.p50_error);
    assert!(b.ks > b.ks_critical, "KS {} vs {}", b.ks, b.ks_critical);
    assert!(v.contains("OUTSIDE") && v.contains("shape differs"), "{v}");
    // The words state the same number the table does.
    assert!(
        v.contains(&format!("within {:.0} %", b.p50_error.abs() * 100.0)),
        "{v}"
    );
}

#[test]
fn the_command_writes_the_page_and_prints_the_verdict() {
    let dir = tempfile::tempdir().expect("temp");
    let hist = dir.path().join("h");
    bin()
        .args([
            "trace",
            "tests/data/history/roundtrip.yaml",
            "--as",
            "csv",
            "--out",
        ])
        .arg(&hist)
        .assert()
        .success();
    let cal = dir.path().join("calibrated.yaml");
    bin()
        .args([
            "calibrate",
            "--format",
            "csv",
            "--scenario",
            "tests/data/history/roundtrip.yaml",
            "--out",
        ])
        .arg(&cal)
        .arg("--history")
        .arg(hist.join("history.csv"))
        .assert()
        .success();
    let out = dir.path().join("bt");
    let run = bin()
        .arg("backtest")
        .arg(&cal)
        .args(["--format", "csv", "-r", "5", "--history"])
        .arg(hist.join("history.csv"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("The model reproduces observed p50 lead time within"),
        "{stdout}"
    );
    let page = std::fs::read_to_string(out.join("index.html")).expect("page");
    assert_eq!(page.matches("<svg").count(), 2, "QQ and CDF charts");
    assert!(out.join("quantiles.csv").exists());
    // Bad history: exit 2.
    bin()
        .arg("backtest")
        .arg(&cal)
        .args([
            "--format",
            "csv",
            "--history",
            "tests/data/history/roundtrip.yaml",
        ])
        .assert()
        .code(2);
}

#[test]
fn working_time_fits_reproduce_an_office_hours_history() {
    // Approvals and the manual staging deployment wait for office hours: the
    // lead time is mostly nights and weekends, and the working-time fits
    // (tests/calibrate.rs) put them back where the calendar says.
    let (mut inside, mut rows) = (0, 0);
    for seed in [31u64, 32] {
        let office = "tests/data/history/office.yaml";
        let b = calibrate_and_backtest(office, office, seed);
        eprintln!("seed {seed}: {}", b.verdict());
        for r in &b.rows {
            rows += 1;
            if r.range.0 <= r.observed && r.observed <= r.range.1 {
                inside += 1;
            }
        }
        assert!(
            b.p50_error.abs() < 0.10,
            "seed {seed}: p50 off by {:.1} %",
            b.p50_error * 100.0
        );
    }
    assert!(
        inside * 10 >= rows * 7,
        "{inside} of {rows} observed quantiles inside the simulated range"
    );
}
