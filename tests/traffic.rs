//! Traffic over time, rings with shares, soak time and feature flags: checked
//! against the exposure integral and read from the event log.
//!
//! The closed form used throughout: with monitoring rate λ per exposed
//! user-hour, a defect at share x is detected when λ·x·∫f(t)dt reaches a unit
//! exponential E. With x = 1 and an instant rollback, its traffic-weighted
//! exposure ∫f dt is E/λ whatever the traffic profile, so the mean blast
//! radius in share-hours is 1/λ — while the wall-clock delay grows when the
//! traffic is low.
//!
//! Closed-form checks allow 1.3 × the 95 % half-width (about the 99 %
//! interval), so the file as a whole does not fail a correct model one
//! re-seeding in a few.

use std::path::Path;

use promosim::engine::{self, Options, TraceKind};
use promosim::experiment::{self, Plan, Results};
use promosim::metrics::MetricSummary;
use promosim::model::{self, Model};
use promosim::scenario;

fn compile(yaml: &str) -> Model {
    let s = scenario::parse(yaml, Path::new("traffic.yaml")).unwrap_or_else(|e| panic!("{e}"));
    model::compile(&s).unwrap_or_else(|e| panic!("{e}"))
}

/// One replication with its event log.
fn traced(m: &Model, replication: u64) -> engine::Replication {
    engine::run(
        m,
        replication,
        Options {
            trace: true,
            ..Options::default()
        },
    )
}

fn run(m: &Model, replications: u32) -> Results {
    experiment::run(
        m,
        Plan {
            replications,
            threads: None,
            progress: false,
        },
    )
    .expect("experiment runs")
}

fn metric<'a>(out: &'a Results, key: &str) -> &'a MetricSummary {
    out.summary
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no metric {key}"))
}

/// Zero traffic from 00:00 to 06:00, 1 otherwise.
const NIGHTS_OFF: &str = "[0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]";

/// Defects no test catches, seen only by monitoring at `rate` per hour, an
/// instant rollback, all-at-once production; `traffic` is an
/// `incidents.traffic` value or empty.
fn monitored(traffic: &str, rate: f64) -> String {
    let traffic = if traffic.is_empty() {
        String::new()
    } else {
        format!("\n  traffic: {traffic}")
    };
    format!(
        "run: {{start: 2026-01-05 00:00, horizon: 120d, warm_up: 5d, seed: 11}}
commits:
  poisson: {{per_day: 6}}
  defects: {{probability: 0.1, severity: {{minor: 1}}, fix_time: 2h}}
build: {{duration: 10m}}
incidents:
  detect_per_hour: {{minor: {rate}}}
  rollback: 0s{traffic}
stages:
  - name: production
    deploy: {{duration: 5m}}
"
    )
}

#[test]
fn traffic_weighted_exposure_is_one_over_the_rate_whatever_the_profile() {
    let rate = 0.5;
    for traffic in ["", &format!("{{hours: {NIGHTS_OFF}}}")] {
        let out = run(&compile(&monitored(traffic, rate)), 40);
        let s = metric(&out, "blast_radius.share_hours");
        println!(
            "traffic {traffic:?}: share-hours {:.4} ± {:.4}",
            s.mean, s.ci95
        );
        assert!(
            (s.mean - 1.0 / rate).abs() <= s.ci95 * 1.3,
            "share-hours {} ± {} should cover 1/λ = {}",
            s.mean,
            s.ci95,
            1.0 / rate
        );
    }
}

#[test]
fn no_traffic_at_night_delays_detection_in_wall_clock() {
    let rate = 0.5;
    let flat = run(&compile(&monitored("", rate)), 30);
    let nights = run(
        &compile(&monitored(&format!("{{hours: {NIGHTS_OFF}}}"), rate)),
        30,
    );
    let (f, n) = (
        metric(&flat, "restore.detection_delay"),
        metric(&nights, "restore.detection_delay"),
    );
    println!(
        "detection delay: flat {:.3} ± {:.3} h, nights off {:.3} ± {:.3} h",
        f.mean, f.ci95, n.mean, n.ci95
    );
    assert!((f.mean - 1.0 / rate).abs() <= f.ci95 * 1.3);
    assert!(
        n.mean - n.ci95 > f.mean + f.ci95,
        "nights off must be slower"
    );
}

#[test]
fn a_flat_profile_changes_nothing() {
    let flat = monitored(
        "{hours: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], peaks: [{from: 2026-02-01, to: 2026-02-03, factor: 1}]}",
        0.5,
    );
    let a = run(&compile(&flat), 4);
    let b = run(&compile(&monitored("", 0.5)), 4);
    for s in &b.summary {
        let t = metric(&a, &s.key);
        assert!(
            t.mean == s.mean || (t.mean.is_nan() && s.mean.is_nan()),
            "{}: {} vs {}",
            s.key,
            t.mean,
            s.mean
        );
    }
}

#[test]
fn peaks_scale_the_users_reached() {
    // Every hour of the run is inside the peak: ×3 users, so ×3 user-hours per
    // incident for the same share-hours... which are 1/λ: so peak users are
    // three times the flat ones and user-hours per incident stay 1/λ × users.
    let peak = "{peaks: [{name: all, from: 2026-01-01, to: 2027-01-01, factor: 3}]}";
    let out = run(&compile(&monitored(peak, 0.5)), 30);
    let users = metric(&out, "blast_radius.peak_users");
    assert!((users.mean - 30_000.0).abs() < 1e-6, "{}", users.mean);
    let flat = run(&compile(&monitored("", 0.5)), 30);
    let users = metric(&flat, "blast_radius.peak_users");
    assert!((users.mean - 10_000.0).abs() < 1e-6, "{}", users.mean);
    // Detection is three times faster in wall clock under three times the traffic.
    let d = metric(&out, "restore.detection_delay");
    assert!((d.mean - 1.0 / 1.5).abs() <= d.ci95 * 1.3, "{}", d.mean);
}

/// Production on a 03:00 schedule with a canary analysed for an hour at 5 %
/// and an hour at 50 %; `traffic` is an extra line under `incidents`.
fn canary_at_3am(traffic: &str) -> String {
    format!(
        "run: {{start: 2026-01-05 00:00, horizon: 60d, seed: 3}}
commits:
  poisson: {{per_day: 8}}
  defects: {{probability: 0.3, severity: {{critical: 1}}, fix_time: 1h}}
build: {{duration: 10m}}
incidents:
  detect_per_hour: {{critical: 20}}{traffic}
stages:
  - name: production
    trigger: {{schedule: \"0 3 * * *\"}}
    strategy:
      canary:
        analysis_detect_per_hour: {{critical: 500}}
        steps:
          - set_weight: 5
          - analysis: {{interval: 10m, count: 6}}
          - set_weight: 50
          - analysis: {{interval: 10m, count: 6}}
"
    )
}

/// A canary that starts at 03:00 with analysis until about 05:00, while no
/// user is online from 00:00 to 06:00: analysis sees nothing, so nothing is
/// detected before 06:00 — and some defects are detected later.
#[test]
fn a_canary_at_3am_with_no_traffic_detects_nothing_until_morning() {
    let yaml = canary_at_3am(&format!("\n  traffic: {{hours: {NIGHTS_OFF}}}"));
    let m = compile(&yaml);
    let mut detections = 0;
    for rep in 0..5 {
        let r = traced(&m, rep);
        for t in &r.trace {
            if matches!(
                t.event,
                TraceKind::DetectedByAnalysis | TraceKind::IncidentDetected
            ) {
                let hour = (t.time.0 / 3600.0) % 24.0;
                assert!(
                    hour >= 6.0,
                    "detected at {hour:.2} h, before traffic resumes"
                );
                detections += 1;
            }
        }
    }
    assert!(detections > 10, "only {detections} detections");
}

/// The same canary with traffic around the clock catches defects during the
/// night analysis: the test above is not vacuous.
#[test]
fn the_same_canary_with_traffic_catches_at_night() {
    let yaml = canary_at_3am("");
    let m = compile(&yaml);
    let r = traced(&m, 0);
    let night = r
        .trace
        .iter()
        .filter(|t| t.event == TraceKind::DetectedByAnalysis && (t.time.0 / 3600.0) % 24.0 < 6.0)
        .count();
    assert!(night > 0);
}

/// Rings with shares: exposure at the 1 % ring is 1 % of the users.
#[test]
fn a_ring_exposes_its_share_of_users() {
    let yaml = "run: {start: 2026-01-05 00:00, horizon: 60d, seed: 9}
commits:
  poisson: {per_day: 4}
  defects: {probability: 0.2, severity: {minor: 1}, fix_time: 1h}
build: {duration: 10m}
incidents:
  detect_per_hour: {minor: 0}
stages:
  - name: canary-ring
    share: 1%
    production: true
  - name: early
    share: 9%
    production: true
    checks: {soak: 1d}
  - name: broad
    share: 90%
    production: true
    checks: {soak: 2d}
";
    let m = compile(yaml);
    let r = traced(&m, 0);
    let mut shares: Vec<f64> = r
        .trace
        .iter()
        .filter(|t| t.event == TraceKind::Exposure)
        .filter_map(|t| t.value)
        .collect();
    shares.sort_by(f64::total_cmp);
    shares.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    for want in [0.01, 0.10, 1.0] {
        assert!(
            shares.iter().any(|s| (s - want).abs() < 1e-9),
            "exposures {shares:?} lack {want}"
        );
    }
    // Soak: the broad ring takes a release at least 3 days after the canary ring passed it.
    let passed = |stage: usize| -> Vec<(u32, f64)> {
        r.trace
            .iter()
            .filter(|t| t.event == TraceKind::Passed && t.stage == Some(stage))
            .map(|t| (t.release.unwrap(), t.time.0))
            .collect()
    };
    let (first, last) = (passed(0), passed(2));
    assert!(!last.is_empty());
    for (rel, t) in last {
        let t0 = first
            .iter()
            .find(|p| p.0 == rel)
            .expect("passed the first ring")
            .1;
        assert!(t - t0 >= 3.0 * 86_400.0 - 1e-6, "release {rel}: {}", t - t0);
    }
}

#[test]
fn ring_shares_must_add_up() {
    let yaml = "run: {start: 2026-01-05 00:00, horizon: 10d}
commits: {poisson: {per_day: 4}}
build: {duration: 10m}
stages:
  - {name: a, share: 10%, production: true}
  - {name: b, share: 80%, production: true}
";
    let err = scenario::parse(yaml, Path::new("rings.yaml")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("summing to 100"), "{text}");
    assert!(text.contains("rings.yaml:5"), "{text}");
}

/// Flags with a kill switch: a detected flagged defect is switched off (no
/// rollback), so its restore time from detection is the kill switch's.
#[test]
fn a_kill_switch_restores_in_its_own_time_without_rollbacks() {
    let yaml = "run: {start: 2026-01-05 00:00, horizon: 120d, warm_up: 5d, seed: 21}
commits:
  poisson: {per_day: 6}
  defects: {probability: 0.1, severity: {major: 1}, fix_time: 4h}
build: {duration: 10m}
incidents:
  detect_per_hour: {major: 1}
  rollback: 30m
  flags:
    share: 100%
    ramp: [{after: 0s, percent: 100}]
    kill_switch: 3m
stages:
  - name: production
";
    let out = run(&compile(yaml), 20);
    let restore = metric(&out, "restore.from_detection");
    assert!(
        (restore.mean - 0.05).abs() < 1e-9,
        "kill switch 3 min = 0.05 h, got {}",
        restore.mean
    );
    assert_eq!(metric(&out, "production.rollbacks").mean, 0.0);
    // Without the kill switch the same defects roll back in 30 minutes.
    let rolled = run(&compile(&yaml.replace("    kill_switch: 3m\n", "")), 20);
    assert!(metric(&rolled, "production.rollbacks").mean > 0.0);
    let restore = metric(&rolled, "restore.from_detection");
    assert!(restore.mean > 0.4, "{}", restore.mean);
}

/// Half the changes behind a flag that stays dark: half the defects never
/// reach users, so incidents halve within their interval.
#[test]
fn dark_flags_hide_their_share_of_defects() {
    let base = "run: {start: 2026-01-05 00:00, horizon: 90d, warm_up: 5d, seed: 8}
commits:
  poisson: {per_day: 10}
  defects: {probability: 0.1, severity: {minor: 1}, fix_time: 1h}
build: {duration: 10m}
incidents:
  detect_per_hour: {minor: 1}
FLAGS
stages:
  - name: production
";
    let none = run(&compile(&base.replace("FLAGS\n", "")), 30);
    let half = run(
        &compile(&base.replace(
            "FLAGS",
            "  flags: {share: 50%, ramp: [{after: 0s, percent: 0}]}",
        )),
        30,
    );
    let (a, b) = (
        metric(&none, "incidents.count"),
        metric(&half, "incidents.count"),
    );
    println!(
        "incidents: {} ± {} vs {} ± {}",
        a.mean, a.ci95, b.mean, b.ci95
    );
    let ratio = b.mean / a.mean;
    let tol = 2.0 * (a.ci95 / a.mean + b.ci95 / b.mean);
    assert!((ratio - 0.5).abs() <= tol, "ratio {ratio} (±{tol})");
}

/// A shipped scenario's text without its `incidents.traffic` block.
fn without_traffic(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if line.starts_with("  traffic:") {
            skipping = true;
            continue;
        }
        if skipping && (indent > 2 || line.trim().is_empty()) {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Backwards compatibility: a profile whose factors multiply to 1 every hour
/// (2 × 0.5), which takes the traffic-integral path of the engine, leaves
/// every figure of every shipped scenario within its interval of the
/// constant-traffic model.
#[test]
fn a_flat_profile_leaves_every_shipped_scenario_unchanged() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    let flat = "  traffic: {hours: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], weekdays: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]}\n";
    for f in files {
        let text = without_traffic(&std::fs::read_to_string(&f).unwrap());
        let with = if text.contains("\nincidents:\n") {
            text.replacen("\nincidents:\n", &format!("\nincidents:\n{flat}"), 1)
        } else {
            format!("{text}\nincidents:\n{flat}")
        };
        let parse = |t: &str| {
            let s = scenario::parse(t, &f).unwrap_or_else(|e| panic!("{e}"));
            model::compile(&s).unwrap_or_else(|e| panic!("{e}"))
        };
        let (a, b) = (run(&parse(&text), 10), run(&parse(&with), 10));
        let mut moved = Vec::new();
        for s in &a.summary {
            let t = metric(&b, &s.key);
            let same = t.mean == s.mean || (t.mean.is_nan() && s.mean.is_nan());
            let tol = if s.ci95.is_finite() { s.ci95 } else { 0.0 };
            if !same && (t.mean - s.mean).abs() > tol + 1e-9 * s.mean.abs() {
                moved.push(format!("{}: {} vs {} ± {}", s.key, t.mean, s.mean, s.ci95));
            }
        }
        println!(
            "{}: {} metrics within their interval",
            f.display(),
            a.summary.len()
        );
        assert!(moved.is_empty(), "{}: {moved:?}", f.display());
    }
}
