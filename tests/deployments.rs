//! What a production deployment is, and the DORA figures built on it: change
//! failure rate and deploys per week count a release once however many
//! production stages it reaches, a failed batch is a failed change, and the
//! restore clocks count the hours users ran a defect (docs/model.md,
//! "Production deployments", "Change failure rate", the restore clocks).

use promosim::engine::{self, Options};
use promosim::metrics::ReplicationResult;
use promosim::model::Model;

fn model(yaml: &str, files: &[(&str, &str)]) -> Model {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write file");
    }
    let s = promosim::scenario::parse(yaml, &dir.path().join("t.yaml"))
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    promosim::model::compile(&s).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

fn result(m: &Model, r: u64) -> ReplicationResult {
    engine::run(m, r, Options::default()).result
}

/// Mean and standard error of `xs`.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

const PIPELINE: &str = "run: {start: 2026-01-05 00:00, horizon: 200d, warm_up: 10d, seed: 11}
commits:
  poisson: {per_day: 2}
  defects: {probability: 0.05, severity: {critical: 1}, fix_time: 1d}
build: {duration: 0s}
incidents:
  users: 1000
  detect_per_hour: {minor: 0.5, major: 0.5, critical: 0.5}
  rollback: 2h
";

/// Production split into two regions deployed at once is the same releases,
/// defects and exposure as one production stage: per replication, change
/// failure rate, deploys and batch size are identical, and only the stages'
/// rollouts double.
#[test]
fn regions_count_a_release_once() {
    let one = model(
        &format!("{PIPELINE}stages:\n  - {{name: production}}\n"),
        &[],
    );
    let two = model(
        &format!(
            "{PIPELINE}stages:\n  - {{name: eu, production: true}}\n  \
             - {{name: us, production: true, depends_on: [build]}}\n"
        ),
        &[],
    );
    let mut failed = 0;
    for r in 0..40 {
        let (a, b) = (result(&one, r), result(&two, r));
        assert_eq!(a.production_deploys, b.production_deploys, "rep {r}");
        assert_eq!(
            a.commits_per_production_deploy, b.commits_per_production_deploy,
            "rep {r}"
        );
        assert_eq!(a.incidents.deployments, b.incidents.deployments, "rep {r}");
        assert_eq!(
            a.incidents.failed_deployments, b.incidents.failed_deployments,
            "rep {r}"
        );
        assert_eq!(2 * a.incidents.rollouts, b.incidents.rollouts, "rep {r}");
        assert!(a.commits_per_production_deploy >= 1.0, "rep {r}");
        failed += a.incidents.failed_deployments;
    }
    // About 5 % of some 390 deployments a replication: the test sees failures.
    assert!(
        failed > 100,
        "{failed} failed deployments in 40 replications"
    );
}

/// A rolling update whose batches fail half the time, no defects: a rollout
/// of two batches fails with probability 1 − 0.5² = 0.75, and every failed
/// rollout is a failed deployment (the release is rejected, not retried).
#[test]
fn a_failed_batch_is_a_failed_change() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 200d, warm_up: 10d, seed: 5}
commits:
  poisson: {per_day: 2}
build: {duration: 0s}
stages:
  - name: production
    strategy: {rolling: {batches: 2, batch_duration: 10m, failure: 0.5}}
incidents:
  rollback: 10m
",
        &[],
    );
    let mut cfr = Vec::new();
    for r in 0..40 {
        let res = result(&m, r);
        let i = &res.incidents;
        assert_eq!(
            i.failed_deployments, res.stages[0].deploy_failures,
            "rep {r}: every failed batch fails its deployment once"
        );
        assert_eq!(i.deployments, i.rollouts, "rep {r}: no retries");
        cfr.push(i.change_failure_rate);
    }
    let (mean, se) = mean_se(&cfr);
    // 99.9 % two-sided: 3.3 standard errors.
    assert!(
        (mean - 0.75).abs() < 3.3 * se,
        "change failure rate {mean} ± {se}, expected 0.75"
    );
}

/// Two defects ship in one 03:00 release; monitoring finds one, whose instant
/// rollback also removes the other before anyone noticed it. That one comes
/// back with the next day's release. Users ran each defect for an Exp(r)
/// time before its detection (the hazard pauses with the exposure), so the
/// detection delay is 1/r = 2 h on average, not the day in between; and the
/// time to restore never exceeds the hours users were exposed.
#[test]
fn restore_clocks_leave_out_hours_no_user_ran_the_defect() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 10d, seed: 1}
commits:
  replay: {csv: two.csv, defect_column: defect}
  defects: {probability: 0, fix_time: 12h}
build: {duration: 0s}
stages:
  - name: production
    trigger: {schedule: \"0 3 * * *\"}
incidents:
  users: 1000
  detect_per_hour: {minor: 0.5, major: 0.5, critical: 0.5}
  rollback: 0s
",
        &[(
            "two.csv",
            "timestamp,defect\n2026-01-05 01:00,critical\n2026-01-05 02:00,critical\n",
        )],
    );
    let mut delays = Vec::new();
    let mut paused = 0;
    for r in 0..600 {
        let i = result(&m, r).incidents;
        assert_eq!(i.detected, 2, "rep {r}");
        assert!(
            i.restore_from_exposure_h <= i.exposed_h + 1e-9,
            "rep {r}: restored after {} h of exposure, exposed {} h",
            i.restore_from_exposure_h,
            i.exposed_h
        );
        delays.push(i.detection_delay_h);
        // A pause: the second defect needed the next day's release.
        paused += u32::from(i.rollbacks >= 2);
    }
    assert!(paused > 100, "only {paused} replications with a pause");
    let (mean, se) = mean_se(&delays);
    assert!(
        (mean - 2.0).abs() < 3.3 * se,
        "detection delay {mean} ± {se} h, expected 1/r = 2 h"
    );
}
