//! `promosim calibrate`: the round trip (simulate a known scenario, export its
//! log in each history format, fit it back), a misspecified shape, and bad
//! exports (file:line:col, exit 2).

use std::path::Path;

use promosim::calibrate::{self, Calibration, Family};
use promosim::history::{self, Format, History};

#[path = "common/history.rs"]
mod history_common;
use history_common::{bin as promosim, calibrate_with, simulated_history, value};

const SCENARIO: &str = "tests/data/history/roundtrip.yaml";
const OFFICE: &str = "tests/data/history/office.yaml";

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
    calibrate_with(&simulated_history(SCENARIO, seed, format), SCENARIO)
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

/// Builds that finish an hour before they start (an export mixing clocks)
/// are not clamped to near-zero durations: they are left out, and a note says
/// how many and where.
#[test]
fn runs_finishing_before_they_start_are_left_out_with_a_note() {
    let mut text = String::from("release,stage,event,time,result\n");
    for i in 10..40 {
        text.push_str(&format!(
            "r{i},build,start,2026-03-02T10:{i}:00Z,\nr{i},build,finish,2026-03-02T09:{i}:00Z,succeeded\n"
        ));
    }
    let h = History::from_parts(vec![
        history::parse(Format::Csv, &text, "h.csv").expect("parses"),
    ]);
    let base = std::fs::read_to_string(SCENARIO).expect("scenario");
    let c = calibrate::calibrate(&h, Some((&base, SCENARIO))).expect("calibrates");
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("30 run(s) of build finish before they start")),
        "{:?}",
        c.notes
    );
    // Nothing is fitted from them: no line, or the base value kept.
    let build = c.lines.iter().find(|l| l.path == "build.duration");
    assert!(
        build.is_none_or(|l| l.kept.is_some()),
        "a build duration was fitted from backwards runs: {build:?}"
    );
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
    // Azure responses do not separate verification rejections: the table says so.
    assert!(
        stdout.contains("note: this history does not tell verification rejections"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(text.contains("# fitted: n="), "{text}");
    promosim().arg("validate").arg(&out).assert().success();
}

/// The office scenario's true working-time medians (seconds): the approver's
/// response, exp 2 h, and the staging deployer's reaction, exp 1 h.
const OFFICE_TRUTH: [(&str, f64); 2] = [
    (
        "stages.dev.checks.approval.response",
        7200.0 * std::f64::consts::LN_2,
    ),
    (
        "stages.staging.trigger.manual.reaction",
        3600.0 * std::f64::consts::LN_2,
    ),
];

#[test]
fn office_hours_responses_and_manual_reactions_are_fitted_in_working_time() {
    let (mut covered, mut checks) = (0, 0);
    for (seed, format) in [
        (1u64, Format::Csv),
        (2, Format::Azure),
        (3, Format::Github),
        (4, Format::Csv),
        (5, Format::Csv),
    ] {
        let h = simulated_history(OFFICE, seed, format);
        let c = calibrate_with(&h, OFFICE);
        for (path, truth) in OFFICE_TRUTH {
            let line = c.lines.iter().find(|l| l.path == path);
            let (est, lo, hi) = value(&c, path)
                .unwrap_or_else(|| panic!("seed {seed} {format:?}: {path} not fitted: {line:?}"));
            let l = line.expect("a line");
            eprintln!(
                "seed {seed} {format:?}: {path}: n={} (+{}), median {est:.0} s [{lo:.0}, {hi:.0}], truth {truth:.0}",
                l.n, l.censored
            );
            assert!(l.n >= 100, "seed {seed}: {path}: only {} values", l.n);
            checks += 1;
            if lo <= truth && truth <= hi {
                covered += 1;
            } else {
                eprintln!(
                    "seed {seed} {format:?}: {path}: true {truth} outside [{lo}, {hi}] (est {est})"
                );
            }
        }
        // The YAML says how the waits were measured, and the result is a scenario.
        assert!(
            c.yaml.contains("in the working time of lead")
                && c.yaml.contains("in the working time of ops"),
            "{}",
            c.yaml
        );
        assert!(c.yaml.contains("reaction:"), "{}", c.yaml);
        promosim::scenario::parse(&c.yaml, Path::new("calibrated.yaml")).expect("validates");
    }
    // 10 checks of 95 % intervals: 3 or more misses has probability about 1 %.
    assert!(
        checks - covered <= 2,
        "{covered} of {checks} intervals cover the truth"
    );
}

#[test]
fn without_the_calendar_the_nights_are_counted() {
    // The same history fitted with no base scenario: wall-clock waits, which
    // hold every night and weekend the request waited over.
    let h = simulated_history(OFFICE, 1, Format::Csv);
    let c = calibrate::calibrate(&h, None).expect("calibrates");
    let path = "stages.dev.checks.approval.response";
    let (_, lo, _) = value(&c, path).expect("fitted in wall-clock time");
    let truth = OFFICE_TRUTH[0].1;
    eprintln!("wall-clock: interval from {lo:.0} s; working-time truth {truth:.0} s");
    assert!(
        lo > 1.5 * truth,
        "the wall-clock median's interval starts at {lo} s, the working-time truth is {truth} s"
    );
    assert!(c.yaml.contains("wall-clock time"), "{}", c.yaml);
}

/// The events of a simulated history written as `format`, file by file.
fn exported(format: Format) -> Vec<(String, String)> {
    let (_s, m) = promosim::cli::load_model(Path::new(SCENARIO), Some(9)).expect("scenario");
    let rep = promosim::experiment::trace(&m, 0);
    calibrate::export::write(format, &calibrate::export::events(&m, &rep))
}

fn events_of(format: Format, text: &str, name: &str) -> Vec<history::StageEvent> {
    History::from_parts(vec![history::parse(format, text, name).expect(name)]).events
}

/// `serde_json::Value` array elements split into pages of `size`.
fn pages(items: &[serde_json::Value], size: usize) -> Vec<Vec<serde_json::Value>> {
    items.chunks(size).map(<[_]>::to_vec).collect()
}

#[test]
fn gh_api_paginate_pages_read_as_one_response() {
    let files = exported(Format::Github);
    let text = |name: &str| &files.iter().find(|(n, _)| n == name).expect(name).1;
    // Workflow runs: pages of objects back to back, `{...}{...}`.
    let runs: serde_json::Value = serde_json::from_str(text("runs.json")).expect("json");
    let list = runs["workflow_runs"].as_array().expect("runs").clone();
    assert!(list.len() > 300, "{} runs", list.len());
    let objects: String = pages(&list, 100)
        .into_iter()
        .map(|p| {
            serde_json::to_string_pretty(
                &serde_json::json!({"total_count": list.len(), "workflow_runs": p}),
            )
            .expect("page")
        })
        .collect();
    let one = events_of(Format::Github, text("runs.json"), "runs.json");
    assert_eq!(events_of(Format::Github, &objects, "paged.json"), one);
    // Deployments: arrays back to back, `[...][...]`, on one line.
    let deps: Vec<serde_json::Value> =
        serde_json::from_str(text("deployments.json")).expect("json");
    let arrays: String = pages(&deps, 100)
        .into_iter()
        .map(|p| serde_json::to_string(&p).expect("page"))
        .collect();
    assert!(arrays.contains("]["), "several pages");
    let whole = History::from_parts(vec![
        history::parse(Format::Github, text("deployments.json"), "d.json").expect("reads"),
        history::parse(Format::Github, text("statuses.json"), "s.json").expect("reads"),
    ]);
    let paged = History::from_parts(vec![
        history::parse(Format::Github, &arrays, "d.json").expect("reads"),
        history::parse(Format::Github, text("statuses.json"), "s.json").expect("reads"),
    ]);
    assert_eq!(paged.events, whole.events);
    assert!(whole.events.len() > 1000);
    // A mistake in the second page is placed in the file, not in the page.
    let bad = format!(
        "{}\n{{\"workflow_runs\": [{{\"name\": \"build\", \"head_sha\": \"a\", \"event\": \"push\",\n \"status\": \"completed\", \"created_at\": \"noon\", \"updated_at\": \"2026-03-02T09:00:00Z\"}}]}}\n",
        serde_json::to_string_pretty(&serde_json::json!({"workflow_runs": pages(&list, 2)[0]}))
            .expect("page")
    );
    let first_page_lines = bad
        .lines()
        .position(|l| l.starts_with("{\"workflow_runs\""))
        .expect("page 2") as u64;
    let err = history::parse(Format::Github, &bad, "bad.json").expect_err("bad time");
    assert_eq!(err.line, Some(first_page_lines + 2), "{err}");
    assert!(err.message.contains("expected a time"), "{err}");
}

#[test]
fn az_pipelines_runs_list_prints_a_plain_array() {
    let files = exported(Format::Azure);
    let builds = &files
        .iter()
        .find(|(n, _)| n == "builds.json")
        .expect("builds")
        .1;
    let list: serde_json::Value = serde_json::from_str(builds).expect("json");
    let array = serde_json::to_string_pretty(&list["value"]).expect("array");
    assert!(array.trim_start().starts_with('['));
    let rest = events_of(Format::Azure, builds, "builds.json");
    assert!(rest.len() > 1000, "{} events", rest.len());
    assert_eq!(events_of(Format::Azure, &array, "runs.json"), rest);
    assert!(events_of(Format::Azure, "[]", "none.json").is_empty());
}

#[test]
fn github_jobs_response_gives_a_stage_per_job() {
    use history::{EventKind as K, Outcome as O};
    let file = "tests/data/history/gh-jobs.json";
    let text = std::fs::read_to_string(file).expect("jobs file");
    let ev = events_of(Format::Github, &text, file);
    let sha = "f83a356604ae3c5d03e1b46ef4d1ca77d64a90b0";
    let at = |s: &str| s.parse::<jiff::Timestamp>().expect("time");
    let got: Vec<(&str, K, jiff::Timestamp, O, u32)> = ev
        .iter()
        .map(|e| {
            assert_eq!(e.release, sha);
            (e.stage.as_str(), e.event, e.at, e.outcome, e.attempt)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("build", K::Queued, at("2026-03-02T09:15:02Z"), O::None, 1),
            ("build", K::Start, at("2026-03-02T09:15:10Z"), O::None, 1),
            (
                "build",
                K::Finish,
                at("2026-03-02T09:21:40Z"),
                O::Succeeded,
                1
            ),
            ("staging", K::Queued, at("2026-03-02T09:21:41Z"), O::None, 1),
            ("staging", K::Start, at("2026-03-02T09:21:45Z"), O::None, 1),
            (
                "staging",
                K::Finish,
                at("2026-03-02T09:25:05Z"),
                O::Failed,
                1
            ),
            // The retry still running: started, not finished (censored when fitted).
            ("staging", K::Queued, at("2026-03-02T09:40:00Z"), O::None, 2),
            ("staging", K::Start, at("2026-03-02T09:40:03Z"), O::None, 2),
        ]
    );
    // A job without started_at is a missing field, at its line.
    let broken = text.replacen("\"started_at\": \"2026-03-02T09:21:45Z\",", "", 1);
    let err = history::parse(Format::Github, &broken, "jobs.json").expect_err("missing field");
    assert!(err.message.contains("missing field `started_at`"), "{err}");
    assert!(err.line.is_some_and(|l| l > 40), "{err}");
}

#[test]
fn verification_rejections_are_reported_as_observed_shares_not_as_detect() {
    let scenario = "tests/data/history/detect.yaml";
    let (_s, m) = promosim::cli::load_model(Path::new(scenario), Some(4)).expect("scenario");
    let rep = promosim::experiment::trace(&m, 0);
    let test = m
        .stages()
        .iter()
        .position(|s| s.name() == "test")
        .expect("test stage");
    let count = |k: promosim::engine::TraceKind| {
        rep.trace
            .iter()
            .filter(|r| r.event == k && r.stage == Some(test))
            .count()
    };
    let (rejected, deployed) = (
        count(promosim::engine::TraceKind::Rejected),
        count(promosim::engine::TraceKind::Deployed),
    );
    assert!(rejected >= 10, "only {rejected} rejections simulated");
    let c = calibrate_with(&simulated_history(scenario, 4, Format::Csv), scenario);
    let o = c
        .observed
        .iter()
        .find(|o| o.what == "stages.test: verification rejections")
        .unwrap_or_else(|| panic!("{:?}", c.observed));
    // Exactly what the simulation did, read back from the export.
    assert_eq!((o.k, o.n), (rejected, deployed), "{o:?}");
    let (p, lo, hi) = o.share;
    assert!(lo <= p && p <= hi && p < 0.6, "{o:?}");
    // Production has no verification: no share is listed for it.
    assert!(
        !c.observed
            .iter()
            .any(|o| o.what == "stages.production: verification rejections"),
        "{:?}",
        c.observed
    );
    assert!(
        c.yaml.contains("# Observed, not model parameters:"),
        "{}",
        c.yaml
    );
    assert!(c.yaml.contains("verification rejections: "), "{}", c.yaml);
    // detect is not a fitted value: the base scenario's stays.
    assert!(!c.lines.iter().any(|l| l.path.contains("detect")));
    assert!(c.yaml.contains("detect: 0.6"), "{}", c.yaml);
    // Azure's responses carry no separate verdict: a note says so, no share.
    let az = calibrate_with(&simulated_history(scenario, 4, Format::Azure), scenario);
    assert!(
        !az.observed.iter().any(|o| o.what.contains("verification")),
        "{:?}",
        az.observed
    );
    assert!(
        az.notes
            .iter()
            .any(|n| n.contains("does not tell verification rejections"))
    );
}

#[test]
fn a_redeployed_older_release_counts_as_a_rollback() {
    let mut text = String::from("release,stage,event,time,result\n");
    // Releases 1, 2, then 1 again (a rollback), then 3, an hour apart.
    for (hour, rel) in [1, 2, 1, 3].iter().enumerate() {
        text.push_str(&format!(
            "{rel},build,queued,2026-03-02T0{hour}:00:00Z,\n\
             {rel},production,start,2026-03-02T0{hour}:10:00Z,\n\
             {rel},production,finish,2026-03-02T0{hour}:20:00Z,succeeded\n"
        ));
    }
    let h = History::from_parts(vec![
        history::parse(Format::Csv, &text, "r.csv").expect("parses"),
    ]);
    let c = calibrate::calibrate(&h, None).expect("calibrates");
    let o = c
        .observed
        .iter()
        .find(|o| o.what == "stages.production: rollbacks")
        .unwrap_or_else(|| panic!("{:?}", c.observed));
    assert_eq!((o.k, o.n), (1, 4), "{o:?}");
}

#[test]
fn approvers_on_different_calendars_keep_wall_clock_time_and_say_so() {
    let h = simulated_history(OFFICE, 1, Format::Csv);
    let text = std::fs::read_to_string(OFFICE)
        .expect("scenario")
        .replace("approvers: [lead]", "approvers: [lead, night]")
        .replace("  ops:\n", "  night:\n    reaction: {exp: 2h}\n  ops:\n");
    assert!(text.contains("night:\n"), "{text}");
    let c = calibrate::calibrate(&h, Some((&text, "two-calendars.yaml"))).expect("calibrates");
    assert!(
        c.yaml
            .contains("wall-clock time: the approvers' calendars differ"),
        "{}",
        c.yaml
    );
    // The same waits as the calendar-less fit: nothing was converted.
    let none = calibrate::calibrate(&h, None).expect("calibrates");
    let path = "stages.dev.checks.approval.response";
    assert_eq!(value(&c, path), value(&none, path));
}

/// A history read with the wrong `--format` says which format it looks like,
/// at a real position (serde's column 0 for a whole-value mismatch is 1).
#[test]
fn the_wrong_format_names_the_right_one() {
    let github = r#"{"total_count": 1, "workflow_runs": [{"id": 1}]}"#;
    let e = history::parse(Format::GhRuns, github, "runs.json").unwrap_err();
    let text = e.to_string();
    assert!(text.contains("runs.json:1:1:"), "{text}");
    assert!(text.contains("looks like `--format github`"), "{text}");
    let csv = "release,stage,event,time,result\n1,build,start,2026-03-02T09:00:05Z,\n";
    let e = history::parse(Format::Github, csv, "h.csv").unwrap_err();
    assert!(e.to_string().contains("looks like `--format csv`"), "{e}");
    // Right format, bad content: no hint.
    let e = history::parse(Format::Csv, "release,stage\n", "h.csv").unwrap_err();
    assert!(!e.to_string().contains("looks like"), "{e}");
}

/// Real api.github.com responses recorded by PyGithub, cut down: see
/// tests/data/history/pygithub/README.md for where each came from.
const PYGITHUB: &str = "tests/data/history/pygithub";

fn pygithub(name: &str) -> String {
    std::fs::read_to_string(format!("{PYGITHUB}/{name}")).expect(name)
}

/// The history of several GitHub REST files given as (name, text).
fn github_history(files: &[(&str, &str)]) -> History {
    History::from_parts(
        files
            .iter()
            .map(|(name, text)| history::parse(Format::Github, text, name).expect(name))
            .collect(),
    )
}

fn at(s: &str) -> jiff::Timestamp {
    s.parse().expect("time")
}

/// The (stage, event, instant, outcome) of each event, commits left out.
fn stage_events(
    h: &History,
) -> Vec<(
    String,
    history::EventKind,
    jiff::Timestamp,
    history::Outcome,
)> {
    h.events
        .iter()
        .filter(|e| e.event != history::EventKind::Commit)
        .map(|e| (e.stage.clone(), e.event, e.at, e.outcome))
        .collect()
}

#[test]
fn a_run_updated_after_githubs_35_day_limit_gives_no_duration_and_no_span() {
    use history::{EventKind as K, Outcome as O};
    let real = pygithub("runs-created-2022.json");
    // As recorded it is a pull request's run: left out, as every such run.
    let h = github_history(&[("runs-created-2022.json", &real)]);
    assert!(h.events.is_empty(), "{:?}", h.events);
    // The same run as a push (the one change): created 2022-12-24, its
    // updated_at 402 days later, after GitHub's 35-day limit on a run.
    let push = real.replacen("\"pull_request\"", "\"push\"", 1);
    let h = github_history(&[("runs-push.json", &push)]);
    assert_eq!(
        stage_events(&h),
        vec![("CI".into(), K::Queued, at("2022-12-24T07:29:12Z"), O::None)],
        "it counts as queued, with no start or finish"
    );
    assert_eq!(h.commits(), vec![at("2022-12-24T07:29:07Z")]);
    assert_eq!(
        h.last(),
        Some(at("2022-12-24T07:29:12Z")),
        "the span is not stretched"
    );
    assert_eq!(h.warnings.len(), 1, "{:?}", h.warnings);
    for word in ["runs-push.json", "run 3770390952", "402 days", "35-day"] {
        assert!(
            h.warnings[0].contains(word),
            "{word:?} in {}",
            h.warnings[0]
        );
    }
    let c = calibrate::calibrate(&h, None).expect("calibrates");
    assert!(c.yaml.contains("horizon: \"1d\""), "{}", c.yaml);
    assert!(
        !c.lines.iter().any(|l| l.path == "build.duration"),
        "{:?}",
        c.lines
    );
    assert!(
        c.notes.iter().any(|n| n.contains("35-day")),
        "{:?}",
        c.notes
    );
    // The command says so on stderr, and writes the scenario.
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("runs-push.json");
    std::fs::write(&file, &push).expect("write");
    let out = promosim()
        .args(["calibrate", "--format", "github", "--out"])
        .arg(dir.path().join("c.yaml"))
        .arg("--history")
        .arg(&file)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: ") && err.contains("run 3770390952"),
        "{err}"
    );
}

#[test]
fn a_run_ends_with_its_last_job_when_its_jobs_are_given() {
    use history::{EventKind as K, Outcome as O};
    let run = pygithub("run-4205440316.json");
    let jobs = pygithub("jobs-4205440316.json");
    let finish = |h: &History, stage: &str| {
        h.events
            .iter()
            .find(|e| e.stage == stage && e.event == K::Finish)
            .map(|e| (e.at, e.outcome))
    };
    // Alone, a completed run ends at its updated_at (within 35 days of its start).
    let h = github_history(&[("run.json", &run)]);
    assert_eq!(
        finish(&h, "CI"),
        Some((at("2023-02-17T16:06:11Z"), O::Succeeded))
    );
    // With its jobs, it ends with the last of them (run_id and run_attempt match).
    let h = github_history(&[("run.json", &run), ("jobs.json", &jobs)]);
    assert_eq!(
        finish(&h, "CI"),
        Some((at("2023-02-17T16:06:09Z"), O::Succeeded))
    );
    // So does a run updated a year later: its jobs give its end, with no warning.
    let later = run.replacen("2023-02-17T16:06:11Z", "2024-03-01T00:00:00Z", 1);
    let h = github_history(&[("run.json", &later), ("jobs.json", &jobs)]);
    assert_eq!(
        finish(&h, "CI"),
        Some((at("2023-02-17T16:06:09Z"), O::Succeeded))
    );
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    assert_eq!(h.last(), Some(at("2023-02-17T16:06:09Z")));
    // The jobs of a pull request's run go with it when the run is given.
    let pr_run = pygithub("run-3881497935.json");
    let pr_jobs = pygithub("jobs-3881497935.json");
    let h = github_history(&[("run.json", &pr_run), ("jobs.json", &pr_jobs)]);
    assert!(h.events.is_empty(), "{:?}", h.events);
}

/// Jobs of another branch than the history's main one (a pull request's,
/// whose run is not given to say so) are left out, with a warning naming
/// the branch kept and those left out.
#[test]
fn jobs_of_other_branches_are_left_out_without_their_runs() {
    let run = pygithub("run-4205440316.json"); // a push on `tz-aware-2`
    let jobs = pygithub("jobs-4205440316.json");
    let pr_jobs = pygithub("jobs-3881497935.json"); // `feat/workflow-run`, a pull request's
    let alone = github_history(&[("run.json", &run), ("jobs.json", &jobs)]);
    let h = github_history(&[
        ("run.json", &run),
        ("jobs.json", &jobs),
        ("pr-jobs.json", &pr_jobs),
    ]);
    assert_eq!(h.events.len(), alone.events.len(), "{:?}", h.events);
    let w = h
        .warnings
        .iter()
        .find(|w| w.starts_with("pr-jobs.json: "))
        .unwrap_or_else(|| panic!("{:?}", h.warnings));
    assert!(
        w.contains("other branches than tz-aware-2")
            && w.contains("non-pull-request runs")
            && w.contains("feat/workflow-run (1)"),
        "{w}"
    );
    // Without runs, the branch most jobs ran on is main: here the three
    // jobs of `main` against the pull request's one (its legs merged).
    let main_jobs = std::fs::read_to_string("tests/data/history/gh-jobs.json").expect("jobs");
    let h = github_history(&[("main.json", &main_jobs), ("pr-jobs.json", &pr_jobs)]);
    assert!(h.events.iter().all(|e| e.stage != "test"), "{:?}", h.events);
    assert!(
        h.warnings
            .iter()
            .any(|w| w.contains("other branches than main")
                && w.contains("no runs file says")
                && w.contains("feat/workflow-run (1)")),
        "{:?}",
        h.warnings
    );
    // Two branches with as many jobs each: main cannot be told, both stay.
    let h = github_history(&[("a.json", &pr_jobs), ("b.json", &jobs)]);
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
}

#[test]
fn matrix_legs_of_one_job_are_one_stage_ending_with_the_slowest() {
    use history::{EventKind as K, Outcome as O};
    let jobs = pygithub("jobs-4205440316.json");
    let h = github_history(&[("jobs.json", &jobs)]);
    // Five legs, `test (Python 3.7)` … `test (Python 3.11-dev)`, run side by side.
    assert_eq!(
        stage_events(&h),
        vec![
            (
                "test".into(),
                K::Queued,
                at("2023-02-17T16:03:38Z"),
                O::None
            ),
            ("test".into(), K::Start, at("2023-02-17T16:03:45Z"), O::None),
            (
                "test".into(),
                K::Finish,
                at("2023-02-17T16:06:09Z"),
                O::Succeeded
            ),
        ]
    );
    // One failed leg fails the job.
    let failed = jobs.replacen(
        "\"conclusion\": \"success\"",
        "\"conclusion\": \"failure\"",
        1,
    );
    let h = github_history(&[("jobs.json", &failed)]);
    let outcomes: Vec<O> = h
        .events
        .iter()
        .filter(|e| e.event == K::Finish)
        .map(|e| e.outcome)
        .collect();
    assert_eq!(outcomes, vec![O::Failed]);
    // Two runs' jobs: one stage, no chain of legs; each kept value names it.
    let other = pygithub("jobs-3881497935.json");
    let h = github_history(&[("a.json", &other), ("b.json", &jobs)]);
    let c = calibrate::calibrate(&h, None).expect("calibrates");
    assert!(
        c.yaml
            .contains("stages:\n  # stages.test.deploy.duration: kept: only 2 finished values"),
        "{}",
        c.yaml
    );
    assert!(
        c.yaml
            .contains("  # stages.test.deploy.failure: kept: only 2 outcomes"),
        "{}",
        c.yaml
    );
    assert!(c.yaml.contains("  - {name: test}\n"), "{}", c.yaml);
    assert!(!c.yaml.contains("Python"), "{}", c.yaml);
    // One leg alone is no matrix: its name stays, dots and all, and the
    // kept values above it name it.
    let mut page: serde_json::Value = serde_json::from_str(&jobs).expect("json");
    page["jobs"].as_array_mut().expect("jobs").truncate(1);
    let one = page.to_string();
    let h = github_history(&[("jobs.json", &one)]);
    let c = calibrate::calibrate(&h, None).expect("calibrates");
    assert!(
        c.yaml.contains("  # stages.test (Python 3.7).deploy.duration: kept: only 1 finished values (at least 10 needed)\n"),
        "{}",
        c.yaml
    );
    promosim::scenario::parse(&c.yaml, Path::new("calibrated.yaml")).expect("validates");
}

#[test]
fn a_transient_environment_is_never_production_a_flagged_one_is() {
    let deployments = pygithub("deployments.json");
    let statuses = pygithub("statuses-263877258.json");
    let stages = |deployments: &str| -> String {
        let h = github_history(&[
            ("deployments.json", deployments),
            ("statuses.json", &statuses),
        ]);
        let c = calibrate::calibrate(&h, None).expect("calibrates");
        promosim::scenario::parse(&c.yaml, Path::new("calibrated.yaml")).expect("validates");
        let i = c.yaml.find("stages:").expect("stages");
        c.yaml[i..].to_string()
    };
    // `production` appears first, then `test` (transient_environment: true):
    // production is the last stage that is not transient.
    assert_eq!(
        stages(&deployments),
        "stages:\n  - {name: test}\n  - {name: production}\n"
    );
    // The same deployments with other flags: `test` first, then `production`;
    // `None` leaves the key out.
    let flags = |test: [Option<bool>; 2], production: [Option<bool>; 2]| -> String {
        let mut list: Vec<serde_json::Value> = serde_json::from_str(&deployments).expect("json");
        for (d, f) in list.iter_mut().zip([test, production]) {
            let m = d.as_object_mut().expect("object");
            for (key, v) in ["production_environment", "transient_environment"]
                .iter()
                .zip(f)
            {
                match v {
                    Some(v) => m.insert(key.to_string(), v.into()),
                    None => m.remove(*key),
                };
            }
        }
        serde_json::to_string_pretty(&list).expect("json")
    };
    // Without the flags, the old rule: the last stage to appear.
    assert_eq!(
        stages(&flags([None, None], [None, None])),
        "stages:\n  - {name: production}\n  - {name: test}\n"
    );
    // production_environment: true makes a stage production wherever it appears.
    assert_eq!(
        stages(&flags(
            [Some(false), Some(false)],
            [Some(true), Some(false)]
        )),
        "stages:\n  - {name: test}\n  - {name: production}\n"
    );
    // ... but not a transient one.
    assert_eq!(
        stages(&flags([Some(true), Some(true)], [Some(false), Some(false)])),
        "stages:\n  - {name: test}\n  - {name: production}\n"
    );
    // Two flagged: both production, each after the stages before them.
    assert_eq!(
        stages(&flags([Some(true), None], [Some(true), None])),
        "stages:\n  - name: production\n    depends_on: [build]\n  - name: test\n    depends_on: [build]\n"
    );
    // Every environment transient: none is production, so none is a stage.
    let c = calibrate::calibrate(
        &github_history(&[("d.json", &flags([None, Some(true)], [None, Some(true)]))]),
        None,
    )
    .expect("calibrates");
    assert!(!c.yaml.contains("stages:"), "{}", c.yaml);
}

#[test]
fn runs_without_a_name_are_named_from_path_or_workflow_id() {
    use history::EventKind as K;
    let runs = pygithub("runs-2020.json");
    // May 2020: no `name`, `path`, `run_started_at` or `run_attempt`.
    let h = github_history(&[("runs-2020.json", &runs)]);
    let stages: std::collections::BTreeSet<&str> = h
        .events
        .iter()
        .filter(|e| e.event != K::Commit)
        .map(|e| e.stage.as_str())
        .collect();
    assert_eq!(stages, ["workflow-1026390"].into());
    // Three push runs; the two pull request runs are left out.
    assert_eq!(h.commits().len(), 3);
    // Without run_started_at a run starts when it was created, ends at updated_at.
    let first: Vec<(K, jiff::Timestamp)> = h
        .events
        .iter()
        .filter(|e| e.release == "7abf600480089550b4224aa97004367c2fa25b38" && e.event != K::Commit)
        .map(|e| (e.event, e.at))
        .collect();
    assert_eq!(
        first,
        vec![
            (K::Queued, at("2020-05-20T23:59:37Z")),
            (K::Start, at("2020-05-20T23:59:37Z")),
            (K::Finish, at("2020-05-21T00:02:14Z")),
        ]
    );
    // With a `path`, its file name names the workflow: `ci` is the build.
    let with_path = runs.replace(
        "\"workflow_id\": 1026390,",
        "\"path\": \".github/workflows/ci.yml\", \"workflow_id\": 1026390,",
    );
    let h = github_history(&[("runs.json", &with_path)]);
    assert!(
        h.events
            .iter()
            .filter(|e| e.event != K::Commit)
            .all(|e| e.stage == "ci")
    );
    let c = calibrate::calibrate(&h, None).expect("calibrates");
    assert!(
        c.lines
            .iter()
            .any(|l| l.path == "build.duration" && l.n == 3),
        "{:?}",
        c.lines
    );
    // Nothing to name it by is an error at the run's page, exit 2.
    let nameless = runs.replace("\"workflow_id\": 1026390,", "");
    bad(
        "github",
        "runs.json",
        &nameless,
        &[
            "runs.json:1:1:",
            "workflow run 110932306 has no `name`, `path` or `workflow_id`",
        ],
    );
    // A bad value still names its line and column.
    let bad_time = runs.replacen("\"2020-05-20T23:59:37Z\"", "\"yesterday\"", 1);
    bad(
        "github",
        "runs.json",
        &bad_time,
        &["runs.json:13:", "expected a time"],
    );
}

/// A history that fits nothing says why, with what its events are: PyGithub's
/// deployment statuses are all `queued`.
#[test]
fn a_history_that_fits_nothing_says_what_it_holds() {
    let h = github_history(&[
        ("deployments.json", &pygithub("deployments.json")),
        ("statuses.json", &pygithub("statuses-263877258.json")),
    ]);
    let c = calibrate::calibrate(&h, None).expect("calibrates");
    assert!(c.lines.is_empty());
    let note = c
        .notes
        .iter()
        .find(|n| n.starts_with("nothing was fitted"))
        .expect("a note on why");
    assert!(note.contains("events are 2 queued;"), "{note}");
    assert!(
        c.yaml.contains(note.as_str()),
        "the note is in the file too"
    );
}
