//! `promosim calibrate`: the round trip (simulate a known scenario, export its
//! log in each history format, fit it back), a misspecified shape, and bad
//! exports (file:line:col, exit 2).

use std::path::Path;

use assert_cmd::Command;
use promosim::calibrate::{self, Calibration, Family};
use promosim::history::{self, Format, History};

const SCENARIO: &str = "tests/data/history/roundtrip.yaml";

/// The true values of tests/data/history/roundtrip.yaml, in the units of
/// `Line::value`: durations as medians in seconds, rates per day, proportions.
fn truth() -> Vec<(&'static str, f64)> {
    let ln2 = std::f64::consts::LN_2;
    vec![
        ("commits.poisson.per_day", 30.0),
        ("build.duration", 360.0),
        ("build.flaky_failure", 0.05),
        ("stages.dev.deploy.duration", 180.0 * ln2),
        ("stages.production.deploy.duration", 600.0),
        ("stages.production.deploy.failure", 0.04),
        ("stages.production.checks.approval.response", 7200.0 * ln2),
        ("stages.production.checks.approval.rejection", 0.10),
    ]
}

/// Simulates replication 0 at `seed`, exports it as `format` and calibrates the scenario from it.
fn round_trip(seed: u64, format: Format) -> Calibration {
    let (_s, m) = promosim::cli::load_model(Path::new(SCENARIO), Some(seed)).expect("scenario");
    let rep = promosim::experiment::trace(&m, 0);
    let events = calibrate::export::events(&m, &rep);
    let parts = calibrate::export::write(format, &events)
        .into_iter()
        .map(|(name, text)| history::parse(format, &text, &name).expect("the export reads back"))
        .collect();
    let h = History::from_parts(parts);
    let base = std::fs::read_to_string(SCENARIO).expect("scenario text");
    calibrate::calibrate(&h, Some((&base, SCENARIO))).expect("calibrates")
}

fn value(c: &Calibration, path: &str) -> Option<(f64, f64, f64)> {
    c.lines
        .iter()
        .find(|l| l.path == path)
        .and_then(|l| l.value)
}

#[test]
fn fitted_values_cover_the_true_ones_over_seeds() {
    let seeds = [1u64, 2, 3, 4, 5];
    let (mut covered, mut checks) = (0, 0);
    for seed in seeds {
        let c = round_trip(seed, Format::Csv);
        for (path, truth) in truth() {
            let (est, lo, hi) =
                value(&c, path).unwrap_or_else(|| panic!("seed {seed}: {path} not fitted"));
            assert!(
                lo <= est && est <= hi,
                "{path}: {est} outside its own interval [{lo}, {hi}]"
            );
            checks += 1;
            if lo <= truth && truth <= hi {
                covered += 1;
            } else {
                eprintln!("seed {seed}: {path}: true {truth} outside [{lo}, {hi}]");
            }
        }
        // The shapes are told apart: lognormal builds, exponential dev deployments.
        let family = |p: &str| c.fits.iter().find(|(q, _)| q == p).map(|(_, f)| f.family);
        assert_eq!(family("build.duration"), Some(Family::LogNormal));
        assert_eq!(family("stages.dev.deploy.duration"), Some(Family::Exp));
        // The calibrated text is a scenario.
        promosim::scenario::parse(&c.yaml, Path::new("calibrated.yaml")).expect("validates");
    }
    // 95 % intervals: out of 40 checks about 2 miss; 6 or more misses has
    // probability below 1 % (binomial), so this fails only when the fit is biased.
    assert!(
        checks - covered <= 5,
        "{covered} of {checks} intervals cover the truth"
    );
}

#[test]
fn every_format_gives_the_same_fit_as_the_csv() {
    let csv = round_trip(11, Format::Csv);
    for format in [Format::Github, Format::Azure, Format::GhRuns] {
        let c = round_trip(11, format);
        for (path, _) in truth() {
            let a = value(&csv, path);
            let b = value(&c, path);
            // `gh run list` shows no approvals: those are missing there, and only those.
            if format == Format::GhRuns && path.contains("approval") {
                assert!(b.is_none(), "{path}: gh run list has no approvals");
                continue;
            }
            let (a, b) = (
                a.expect("csv fits it"),
                b.unwrap_or_else(|| panic!("{format:?}: {path} missing")),
            );
            // Times in JSON keep nanoseconds as the CSV does: the same numbers.
            assert!(
                (a.0 - b.0).abs() <= 1e-6 * a.0.abs().max(1.0),
                "{format:?} {path}: {a:?} vs {b:?}"
            );
        }
    }
}

#[test]
fn too_little_data_keeps_the_base_value_and_says_so() {
    let text = "release,stage,event,time,result\n\
                ,,commit,2026-03-02T09:00:00Z,\n\
                1,build,start,2026-03-02T09:00:05Z,\n\
                1,build,finish,2026-03-02T09:06:05Z,succeeded\n\
                1,production,start,2026-03-02T09:07:00Z,\n\
                1,production,finish,2026-03-02T09:17:00Z,succeeded\n";
    let h = History::from_parts(vec![
        history::parse(Format::Csv, text, "h.csv").expect("parses"),
    ]);
    let base = std::fs::read_to_string(SCENARIO).expect("scenario");
    let c = calibrate::calibrate(&h, Some((&base, SCENARIO))).expect("calibrates");
    let build = c
        .lines
        .iter()
        .find(|l| l.path == "build.duration")
        .expect("a line");
    assert!(
        build.kept.as_deref().is_some_and(|w| w.contains("only 1")),
        "{build:?}"
    );
    assert!(
        c.yaml.contains("kept: only 1 finished values"),
        "{}",
        c.yaml
    );
    // The base value is still there.
    assert!(c.yaml.contains("median: \"6m\""), "{}", c.yaml);
}

/// A history whose builds take Gamma(3, 2 min): neither exp nor lognormal.
fn gamma_history(n: usize) -> String {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Gamma};
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let g = Gamma::new(3.0, 120.0).expect("gamma");
    let t0 = jiff::Timestamp::from_second(1_772_442_000).expect("time");
    let mut s = String::from("release,stage,event,time,result\n");
    for i in 0..n {
        let start = t0 + jiff::SignedDuration::from_secs(i as i64 * 3600);
        let d: f64 = g.sample(&mut rng);
        let end = start + jiff::SignedDuration::from_secs_f64(d);
        s.push_str(&format!(
            "{i},build,start,{start},\n{i},build,finish,{end},succeeded\n"
        ));
    }
    s
}

#[test]
fn a_gamma_history_gets_the_better_scoring_family() {
    for n in [60, 2000] {
        let text = gamma_history(n);
        let h = History::from_parts(vec![
            history::parse(Format::Csv, &text, "g.csv").expect("parses"),
        ]);
        let c = calibrate::calibrate(&h, None).expect("calibrates");
        let (_, f) = c
            .fits
            .iter()
            .find(|(p, _)| p == "build.duration")
            .expect("fitted");
        let best = if f.ks_exp <= f.ks_lognormal {
            Family::Exp
        } else {
            Family::LogNormal
        };
        let rejected = f.ks_exp.min(f.ks_lognormal) > f.ks_critical;
        let expected = if rejected { Family::Empirical } else { best };
        assert_eq!(f.family, expected, "n={n}: {f:?}");
        // Gamma(3) is far from exponential: exp never wins.
        assert!(f.ks_lognormal < f.ks_exp, "n={n}: {f:?}");
        // With many values both families are rejected and the data speak for themselves.
        if n == 2000 {
            assert_eq!(f.family, Family::Empirical, "{f:?}");
        }
        let line = c
            .lines
            .iter()
            .find(|l| l.path == "build.duration")
            .expect("line");
        assert!(
            line.fit.contains("KS exp") && line.fit.contains("critical"),
            "{line:?}"
        );
    }
}

fn promosim() -> Command {
    Command::cargo_bin("promosim").expect("binary")
}

fn bad(format: &str, name: &str, text: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().expect("temp");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    let out = promosim()
        .args(["calibrate", "--format", format, "--out"])
        .arg(dir.path().join("c.yaml"))
        .arg("--history")
        .arg(&path)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.path().join("c.yaml").exists());
}

#[test]
fn malformed_exports_name_file_line_and_column_and_exit_2() {
    // A missing field (gh run list without headSha).
    bad(
        "gh-runs",
        "runs.json",
        "[\n  {\"workflowName\": \"build\", \"status\": \"completed\", \"conclusion\": \"success\",\n   \"createdAt\": \"2026-03-02T09:00:00Z\", \"updatedAt\": \"2026-03-02T09:06:00Z\"}\n]\n",
        &["runs.json:3:", "missing field `headSha`"],
    );
    // An unparsable time in a CSV: line 3, the time column (column 23).
    bad(
        "csv",
        "h.csv",
        "release,stage,event,time,result\n1,build,start,2026-03-02T09:00:00Z,\n1,build,finish,yesterday,succeeded\n",
        &["h.csv:3:16:", "expected a time", "yesterday"],
    );
    // An unparsable time in JSON: at its line and column.
    bad(
        "azure",
        "builds.json",
        "{\"count\": 1, \"value\": [\n {\"id\": 1, \"status\": \"completed\", \"result\": \"succeeded\",\n  \"queueTime\": \"03/02/2026 09:00\"}]}\n",
        &["builds.json:3:", "expected a time"],
    );
    // A truncated file.
    bad(
        "github",
        "runs.json",
        "{\"total_count\": 1, \"workflow_runs\": [{\"id\": 1, \"name\": \"build\",",
        &["runs.json:1:", "ends early"],
    );
    // A response of no known shape, and an unknown format.
    bad(
        "azure",
        "x.json",
        "{\"hello\": 1}",
        &["x.json:1:1:", "Builds list"],
    );
    bad("nope", "x.json", "[]", &["unknown history format"]);
}

#[test]
fn the_command_writes_an_annotated_scenario_that_validates() {
    let dir = tempfile::tempdir().expect("temp");
    let hist = dir.path().join("h");
    promosim()
        .args(["trace", SCENARIO, "--seed", "3", "--as", "azure", "--out"])
        .arg(&hist)
        .assert()
        .success();
    let files: Vec<_> = std::fs::read_dir(&hist)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    let out = dir.path().join("calibrated.yaml");
    let run = promosim()
        .args([
            "calibrate",
            "--format",
            "azure",
            "--scenario",
            SCENARIO,
            "--out",
        ])
        .arg(&out)
        .arg("--history")
        .args(&files)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("build.duration") && stdout.contains("KS exp"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(text.contains("# fitted: n="), "{text}");
    promosim().arg("validate").arg(&out).assert().success();
}
