//! Counted rates against the probabilities that produce them, in closed form:
//! retried failures (f to the power of the attempts), the time a retried deploy
//! takes, approval rejections, and defects escaping every check (the product of
//! the checks' misses, per severity). Shares are held to their 95 % Wilson
//! interval over thousands of trials; the mean time to the 95 % interval of
//! the mean over replications.

use std::path::Path;

use promosim::engine::TraceKind;
use promosim::experiment;
use promosim::model::Model;

#[path = "common/shares.rs"]
mod shares;
use shares::assert_within;
#[path = "common/sim.rs"]
mod sim;
use sim::{metric, run_all as run};

fn compile(yaml: &str) -> Model {
    sim::compile(yaml, Path::new("rates.yaml"))
}

/// Trace rows of each kind over replications `0..n`, at stage `stage` (`None`:
/// the build).
fn count(m: &Model, n: u64, stage: Option<usize>, kinds: &[TraceKind]) -> Vec<u64> {
    let mut counts = vec![0; kinds.len()];
    for r in 0..n {
        let rep = experiment::trace(m, r);
        for row in &rep.trace {
            if row.stage != stage {
                continue;
            }
            if let Some(i) = kinds.iter().position(|&k| k == row.event) {
                counts[i] += 1;
            }
        }
    }
    counts
}

/// No defects: builds fail by flakiness only, the dev deploy by its failure
/// rate, and production's approver rejects a share of what they are asked.
const FAILURES: &str = "
name: failures
run: {start: 2026-01-05 00:00, horizon: 60d, warm_up: 3d, seed: 11, replications: 8}
people:
  boss: {reaction: {exp: 20m}}
commits:
  poisson: {per_day: 48}
  defects: {probability: 0, fix_time: 1d}
build: {agents: 4, duration: {exp: 10m}, flaky_failure: 30%, retries: 1}
stages:
  - name: dev
    lock: sequential
    deploy: {duration: {exp: 5m}, failure: 40%, retries: 2}
  - name: production
    lock: sequential
    checks: {approval: {approvers: [boss], rejection: 25%, timeout: 30d}}
    deploy: {duration: 5m}
";

/// A build fails when every attempt does: 0.3² with one retry. A deploy with
/// two retries fails with probability 0.4³.
#[test]
fn a_retried_step_fails_when_every_attempt_does() {
    let m = compile(FAILURES);
    let b = count(&m, 4, None, &[TraceKind::BuildFailed, TraceKind::BuildDone]);
    assert_within("failed builds", b[0], b[0] + b[1], 0.3f64.powi(2));
    let d = count(
        &m,
        4,
        Some(0),
        &[TraceKind::DeployFailed, TraceKind::Deployed],
    );
    assert_within("failed dev deploys", d[0], d[0] + d[1], 0.4f64.powi(3));
}

/// A deploy that succeeds took N attempts of 5 minutes each, N ≤ 3, with
/// P(N = n) ∝ f^(n−1)(1 − f): the stage's executing time per deployment is
/// 5 min × Σ n f^(n−1) / Σ f^(n−1).
#[test]
fn a_retried_deploy_takes_the_attempts_it_needed() {
    let out = run(&compile(FAILURES));
    let f: f64 = 0.4;
    let weights = [1.0, f, f * f];
    let attempts = weights
        .iter()
        .enumerate()
        .map(|(i, w)| (i + 1) as f64 * w)
        .sum::<f64>()
        / weights.iter().sum::<f64>();
    let theory = 5.0 / 60.0 * attempts;
    let s = metric(&out, "stage.dev.executing");
    println!(
        "dev executing {:.5} ± {:.5} h, theory {theory:.5}",
        s.mean, s.ci95
    );
    assert!(
        (s.mean - theory).abs() <= s.ci95,
        "executing {} ± {} h vs {theory}",
        s.mean,
        s.ci95
    );
}

/// Each approval the approver answers is a rejection with the configured
/// probability, whatever happens to the release afterwards.
#[test]
fn an_approver_rejects_the_configured_share() {
    let m = compile(FAILURES);
    let a = count(
        &m,
        4,
        Some(1),
        &[TraceKind::ApprovalRejected, TraceKind::Approved],
    );
    assert_within("approval rejections", a[0], a[0] + a[1], 0.25);
}

/// A defect escapes when the build's tests and dev's smoke test both miss it:
/// the share of introduced defects that reach production with severity s is
/// P(s) × (1 − build's detection) × (1 − smoke's). Defects are rare enough
/// that releases get through, and the pipeline takes minutes, so nearly every
/// defect that escapes reaches users before the horizon.
#[test]
fn a_defect_escapes_when_every_check_misses_it() {
    let m = compile(
        "
name: escapes
run: {start: 2026-01-05 00:00, horizon: 200d, warm_up: 3d, seed: 5, replications: 10}
commits:
  poisson: {per_day: 96}
  defects:
    probability: 0.02
    severity: {minor: 0.6, major: 0.3, critical: 0.1}
    fix_time: {exp: 4h}
build: {agents: 2, duration: {exp: 8m}, detect: {minor: 0.2, major: 0.4, critical: 0.5}}
stages:
  - name: dev
    deploy: {duration: 3m}
    verify:
      - {name: smoke, duration: 5m, detect: {minor: 0.1, major: 0.3, critical: 0.6}}
  - name: production
    deploy: {duration: 5m}
",
    );
    let out = run(&m);
    let total = |key: &str| {
        let s = metric(&out, key);
        (s.mean * s.n as f64).round() as u64
    };
    let introduced = total("defects.introduced");
    for (severity, share, build, smoke) in [
        ("minor", 0.6, 0.2, 0.1),
        ("major", 0.3, 0.4, 0.3),
        ("critical", 0.1, 0.5, 0.6),
    ] {
        let escaped = total(&format!("defects.escaped.{severity}"));
        let p = share * (1.0 - build) * (1.0 - smoke);
        assert_within(&format!("escaped {severity}"), escaped, introduced, p);
    }
}

/// An approver who answers after an exponential time with mean m (no working
/// hours: always at work) misses a timeout T with probability e^(−T/m); an
/// answer in time is a rejection with the configured probability.
#[test]
fn an_approval_times_out_when_the_answer_would_come_later() {
    let m = compile(
        "
name: timeouts
run: {start: 2026-01-05 00:00, horizon: 60d, warm_up: 3d, seed: 17, replications: 4}
people:
  boss: {reaction: {exp: 2h}}
commits:
  poisson: {per_day: 48}
build: {agents: 4, duration: {exp: 10m}}
stages:
  - name: production
    lock: sequential
    checks: {approval: {approvers: [boss], rejection: 20%, timeout: 1h}}
    deploy: {duration: 5m}
",
    );
    let a = count(
        &m,
        4,
        Some(0),
        &[
            TraceKind::ApprovalTimeout,
            TraceKind::ApprovalRejected,
            TraceKind::Approved,
        ],
    );
    let asked = a.iter().sum::<u64>();
    let late = (-1.0f64 / 2.0).exp();
    assert_within("approval timeouts", a[0], asked, late);
    assert_within("approval rejections", a[1], asked, (1.0 - late) * 0.2);
}
