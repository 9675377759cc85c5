//! Canary analysis as it behaves in practice (false alarms, retries,
//! inconclusive pauses) and what a newer release does to a rollout in
//! progress (`on_newer`). Rates are checked against the configured
//! probabilities within a 95 % Wilson interval over many analysis runs; the
//! supersession rules on deterministic timelines and on a loop over seeds.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use promosim::engine::{Replication, TraceKind};
use promosim::experiment::Results;
use promosim::model::Model;

#[path = "common/rollbacks.rs"]
mod rollbacks;
#[path = "common/shares.rs"]
mod shares;
use shares::assert_within;
#[path = "common/sim.rs"]
mod sim;
use sim::{compile, run_all, traced};

/// Start of every scenario here, as a Unix time (2026-01-05 00:00 UTC).
const START: u64 = 1_767_571_200;

/// No defects, a build every two hours or so, and a canary with `canary` keys.
fn defect_free(canary: &str) -> String {
    format!(
        "run: {{start: 2026-01-05 00:00, horizon: 150d, warm_up: 5d, seed: 7, replications: 8}}
people:
  sre: {{reaction: 30m}}
commits:
  poisson: {{per_day: 12}}
  defects: {{probability: 0, fix_time: 1d}}
build: {{duration: 10m}}
stages:
  - name: production
    deploy: {{duration: 5m}}
    strategy:
      canary:
{canary}
"
    )
}

const ARGO_STEPS: &str = "        steps:
          - set_weight: 10
          - analysis: {interval: 5m, count: 4}
          - set_weight: 50
          - analysis: {interval: 5m, count: 2}";

fn totals(out: &Results) -> (u64, u64, u64) {
    out.replications.iter().fold((0, 0, 0), |(r, f, p), x| {
        (
            r + x.canary.runs,
            f + x.canary.false_alarms,
            p + x.canary.inconclusive_pauses,
        )
    })
}

#[test]
fn false_alarms_match_their_probability_per_argo_run() {
    let p = 0.08;
    let m = compile(
        &defect_free(&format!("{ARGO_STEPS}\n        false_alarm: {p}")),
        Path::new("argo.yaml"),
    );
    let out = run_all(&m);
    let (runs, alarms, pauses) = totals(&out);
    assert_within("argo false alarms", alarms, runs, p);
    assert_eq!(pauses, 0);
    // Without a retrier every false alarm rejects its release: one abort each.
    let aborts: u64 = out.replications.iter().map(|r| r.incidents.aborts).sum();
    assert_eq!(aborts, alarms, "no defect: every abort is a false alarm");
}

/// A background analysis with a count places a false alarm as an analysis
/// step's run does; without a count it has none (no fixed number of
/// measurements to place one among).
#[test]
fn false_alarms_match_their_probability_per_counted_background_run() {
    let p = 0.12;
    let steps = "        steps:
          - set_weight: 10
          - pause: {duration: 30m}
          - set_weight: 50
          - pause: {duration: 30m}";
    let counted = compile(
        &defect_free(&format!(
            "{steps}\n        background: {{interval: 10m, count: 4}}\n        false_alarm: {p}"
        )),
        Path::new("background.yaml"),
    );
    let out = run_all(&counted);
    let (runs, alarms, _) = totals(&out);
    assert_within("background false alarms", alarms, runs, p);
    let aborts: u64 = out.replications.iter().map(|r| r.incidents.aborts).sum();
    assert_eq!(aborts, alarms, "no defect: every abort is a false alarm");
    let open = compile(
        &defect_free(&format!(
            "{steps}\n        background: {{interval: 10m}}\n        false_alarm: {p}"
        )),
        Path::new("background.yaml"),
    );
    let (runs, alarms, _) = totals(&run_all(&open));
    assert!(runs > 2000 && alarms == 0, "{alarms} of {runs}");
}

#[test]
fn false_alarms_match_their_probability_per_flagger_rollout() {
    let p = 0.15;
    let m = compile(
        &defect_free(&format!(
            "        step_weights: [10, 30, 60]\n        interval: 5m\n        false_alarm: {p}"
        )),
        Path::new("flagger.yaml"),
    );
    let out = run_all(&m);
    let (runs, alarms, _) = totals(&out);
    assert_within("flagger false alarms", alarms, runs, p);
    // Flagger: one run per rollout (a rollout straddling the warm-up aside).
    for r in &out.replications {
        assert!(
            r.canary.runs.abs_diff(r.incidents.rollouts) <= 1,
            "{} runs for {} rollouts",
            r.canary.runs,
            r.incidents.rollouts
        );
    }
}

/// With a retrier every release a false alarm aborted is delivered in the
/// end, and each false alarm costs exactly the retrier's reaction (the abort
/// is instant, the retrier always at work).
#[test]
fn retried_false_alarms_are_delivered_and_cost_the_reaction() {
    let yaml = defect_free(&format!(
        "{ARGO_STEPS}\n        false_alarm: 0.2\n        retried_by: sre"
    ));
    let m = compile(&yaml, Path::new("retry.yaml"));
    let mut alarms = 0;
    for k in 0..3 {
        let rep = traced(&m, k);
        let horizon = 150.0 * 24.0;
        let (mut aborted, mut passed, mut retries) = (HashMap::new(), HashSet::new(), 0);
        for r in &rep.trace {
            match r.event {
                TraceKind::FalseAlarm => {
                    aborted.insert(r.release.unwrap(), r.time.hours());
                }
                TraceKind::Passed if r.stage == Some(0) => {
                    passed.insert(r.release.unwrap());
                }
                TraceKind::RolloutRetry => retries += 1,
                TraceKind::Rejected | TraceKind::BlockedKnownDefect => {
                    panic!("nothing is rejected without defects: {r:?}")
                }
                _ => {}
            }
        }
        assert!(retries >= aborted.len(), "{retries} retries");
        for (rel, at) in &aborted {
            // The last day's releases may still be under way at the horizon.
            assert!(
                passed.contains(rel) || *at > horizon - 24.0,
                "release {rel} aborted at {at} h never passed"
            );
        }
        let c = &rep.result.canary;
        alarms += c.false_alarms;
        assert!(c.false_alarms > 50, "{} false alarms", c.false_alarms);
        assert!(
            (c.false_alarm_cost_h - 0.5).abs() < 1e-9,
            "cost {} h, not the 30 min reaction",
            c.false_alarm_cost_h
        );
        assert_eq!(rep.result.conservation.rejected, 0);
    }
    assert!(alarms > 0);
}

/// Without a retrier a false alarm's cost runs to the next rollout, which
/// needs a newer build: about the time to the next one, far over 30 minutes.
#[test]
fn unretried_false_alarms_wait_for_the_next_release() {
    let m = compile(
        &defect_free(&format!("{ARGO_STEPS}\n        false_alarm: 0.2")),
        Path::new("noretry.yaml"),
    );
    let rep = traced(&m, 0);
    let c = &rep.result.canary;
    assert!(c.false_alarms > 50);
    assert!(
        c.false_alarm_cost_h > 0.5,
        "cost {} h with no retrier",
        c.false_alarm_cost_h
    );
    let retries = rep
        .trace
        .iter()
        .filter(|r| r.event == TraceKind::RolloutRetry);
    assert_eq!(retries.count(), 0);
}

/// P(Binomial(n, p) > limit).
fn tail_above(n: u32, p: f64, limit: u32) -> f64 {
    let choose = |n: u32, k: u32| (0..k).fold(1.0, |c, i| c * f64::from(n - i) / f64::from(i + 1));
    let at_most: f64 = (0..=limit)
        .map(|k| choose(n, k) * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32))
        .sum();
    1.0 - at_most
}

/// Runs `canary` and checks that pauses / runs matches `want`; a paused run
/// is resumed and passes, so nothing is aborted or rejected.
fn check_pauses(what: &str, canary: &str, want: f64) {
    let m = compile(&defect_free(canary), Path::new("inconclusive.yaml"));
    let out = run_all(&m);
    let (runs, alarms, pauses) = totals(&out);
    assert_eq!(alarms, 0);
    assert_within(what, pauses, runs, want);
    for r in &out.replications {
        assert_eq!(r.incidents.aborts, 0);
        assert_eq!(r.conservation.rejected, 0);
    }
}

/// A run of n measurements, each inconclusive with probability p, pauses when
/// more than `limit` are: P(Binomial(n, p) > limit).
#[test]
fn inconclusive_pauses_match_the_binomial_tail() {
    let (n, p, limit) = (5u32, 0.2f64, 1u32);
    check_pauses(
        "argo inconclusive pauses",
        &format!(
            "        steps:
          - set_weight: 20
          - analysis: {{interval: 5m, count: {n}}}
        inconclusive: {p}
        inconclusive_limit: {limit}
        promoter: sre"
        ),
        tail_above(n, p, limit),
    );
    // Flagger: the run is the rollout's four checks, limit 0 by default.
    check_pauses(
        "flagger inconclusive pauses",
        "        step_weights: [5, 10, 25, 50]
        interval: 5m
        inconclusive: 0.1
        promoter: sre",
        tail_above(4, 0.1, 0),
    );
}

/// Inconclusive background measurements (Argo: the background AnalysisRun
/// ends Inconclusive and the rollout pauses). A run of n measurements, each
/// inconclusive with probability p, pauses the rollout when more than `limit`
/// are: P(Binomial(n, p) > limit) per run. The pause holds the steps: the
/// current one (a 60-minute pause) runs on its clock, and the rollout moves
/// on only when the promoter resumes it, 2 h after the pause. So a rollout
/// paused at measurement k (10 minutes apart) lasts 10k + 120 minutes,
/// otherwise 60, and since 10k + 120 > 60 a resumed rollout completes at
/// once: each rollout has one run.
#[test]
fn background_inconclusive_pauses_match_the_binomial_tail_and_hold_the_steps() {
    let (n, p, limit) = (4u32, 0.15f64, 0u32);
    let canary = format!(
        "        steps:
          - set_weight: 10
          - pause: {{duration: 60m}}
        background: {{interval: 10m, count: {n}, inconclusive: {p}, inconclusive_limit: {limit}}}
        promoter: sre"
    );
    let yaml = defect_free(&canary).replace("reaction: 30m", "reaction: 2h");
    let m = compile(&yaml, Path::new("background-inconclusive.yaml"));
    let out = run_all(&m);
    let (runs, alarms, pauses) = totals(&out);
    assert_eq!(alarms, 0);
    let q = tail_above(n, p, limit);
    assert_within("background inconclusive pauses", pauses, runs, q);
    for r in &out.replications {
        assert_eq!(r.incidents.aborts, 0);
        assert_eq!(r.conservation.rejected, 0);
    }
    // The pause at measurement k: exactly `limit` inconclusive among the
    // first k − 1, then one more.
    let choose = |n: u32, k: u32| (0..k).fold(1.0, |c, i| c * f64::from(n - i) / f64::from(i + 1));
    let at = |k: u32| {
        choose(k - 1, limit) * p.powi(limit as i32 + 1) * (1.0 - p).powi((k - 1 - limit) as i32)
    };
    let paused: f64 = (limit + 1..=n).map(at).sum();
    assert!((paused - q).abs() < 1e-12, "{paused} vs {q}");
    let want = (1.0 - q) * 60.0
        + (limit + 1..=n)
            .map(|k| at(k) * (10.0 * f64::from(k) + 120.0))
            .sum::<f64>();
    // Rollout durations (start to running at 100 %) over a few replications.
    let mut minutes = Vec::new();
    for rep in 0..3 {
        let t = traced(&m, rep);
        let mut started: HashMap<u32, f64> = HashMap::new();
        let mut paused: HashMap<u32, f64> = HashMap::new();
        for r in &t.trace {
            match (r.event, r.release) {
                (TraceKind::RolloutStart, Some(rel)) => {
                    started.insert(rel, r.time.0);
                }
                (TraceKind::InconclusivePause, Some(rel)) => {
                    paused.insert(rel, r.time.0);
                }
                // The promoter (reaction 2 h, always at work) resumes it.
                (TraceKind::InconclusiveResume, Some(rel)) => {
                    let at = paused.remove(&rel).expect("a pause before the resume");
                    assert!((r.time.0 - at - 7200.0).abs() < 1e-6, "{at} → {}", r.time.0);
                }
                (TraceKind::Running, Some(rel)) => {
                    if let Some(t0) = started.remove(&rel) {
                        minutes.push((r.time.0 - t0) / 60.0);
                    }
                }
                _ => {}
            }
        }
    }
    for &d in &minutes {
        let paused_at = (d - 120.0) / 10.0;
        assert!(
            (d - 60.0).abs() < 1e-6 || (paused_at - paused_at.round()).abs() < 1e-6,
            "a rollout of {d} min is neither 60 nor 10k + 120"
        );
    }
    let k = minutes.len() as f64;
    let mean = minutes.iter().sum::<f64>() / k;
    let sd = (minutes.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
    let half = 1.959_964 * sd / k.sqrt();
    println!("rollout minutes: {mean:.3} ± {half:.3} over {k}, closed form {want:.3}");
    assert!(
        k > 2000.0 && (mean - want).abs() <= half,
        "{mean} ± {half} vs {want}"
    );
}

/// `canary` keys without a promoter are refused, naming the file and the promoter.
fn refused_without_a_promoter(canary: &str) {
    let yaml = defect_free(canary);
    let err = promosim::scenario::parse(&yaml, Path::new("bad.yaml"))
        .and_then(|s| promosim::model::compile(&s).map(|_| ()))
        .expect_err("refused");
    let msg = err.to_string();
    assert!(
        msg.contains("bad.yaml:") && msg.contains("promoter"),
        "{msg}"
    );
}

/// An inconclusive analysis step or background run pauses for a person,
/// so either needs a promoter.
#[test]
fn inconclusive_without_a_promoter_is_refused() {
    refused_without_a_promoter(&format!("{ARGO_STEPS}\n        inconclusive: 0.1"));
    refused_without_a_promoter(
        "        steps:
          - set_weight: 10
          - pause: {duration: 60m}
        background: {interval: 10m, inconclusive: 0.1}",
    );
}

/// Commits at fixed times (hours after the start), no defects, a 10-minute
/// build and a 5-minute deploy, and a canary whose two 3-hour pauses make a
/// 6-hour rollout: the commits arrive while it is in progress.
fn timeline(dir: &Path, hours: &[f64], lock: &str, on_newer: &str) -> Model {
    let canary = format!(
        "canary: {{steps: [{{set_weight: 10}}, {{pause: {{duration: 3h}}}}, {{set_weight: 50}}, {{pause: {{duration: 3h}}}}], on_newer: {on_newer}}}"
    );
    timeline_with(dir, hours, lock, &canary)
}

/// The same with any strategy (`{strategy}` is one YAML flow mapping).
fn timeline_with(dir: &Path, hours: &[f64], lock: &str, strategy: &str) -> Model {
    let mut csv = String::from("timestamp\n");
    for h in hours {
        let _ = writeln!(csv, "{}", START + (h * 3600.0) as u64);
    }
    std::fs::write(dir.join("history.csv"), csv).expect("write history");
    let yaml = format!(
        "run: {{start: 2026-01-05 00:00, horizon: 3d, seed: 1, replications: 1}}
commits:
  replay: {{csv: history.csv}}
  defects: {{probability: 0, fix_time: 1d}}
build: {{duration: 10m, batch: none}}
stages:
  - name: production
    lock: {lock}
    deploy: {{duration: 5m}}
    strategy: {{{strategy}}}
"
    );
    compile(&yaml, &dir.join("timeline.yaml"))
}

fn last_delivery(rep: &Replication) -> f64 {
    rep.commits
        .iter()
        .map(|c| c.delivered.expect("every commit delivered").hours())
        .fold(0.0, f64::max)
}

#[test]
fn restart_with_newest_supersedes_the_rollout_and_delivers_sooner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hours = [0.0, 1.0, 2.0];
    let queue = traced(&timeline(dir.path(), &hours, "run_latest", "queue"), 0);
    let restart = traced(
        &timeline(dir.path(), &hours, "run_latest", "restart_with_newest"),
        0,
    );
    // queue: v0 rolls out 0:15–6:15, v2 (v1 superseded while waiting) 6:20–12:20.
    // restart: v1 stops v0's rollout at 1:10, v2 stops v1's at 2:10 and rolls
    // out 2:15–8:15.
    let (q, r) = (last_delivery(&queue), last_delivery(&restart));
    assert!(
        (q - (12.0 + 20.0 / 60.0)).abs() < 1e-6,
        "queue delivers at {q} h"
    );
    assert!(
        (r - (8.0 + 15.0 / 60.0)).abs() < 1e-6,
        "restart delivers at {r} h"
    );
    let passed = |rep: &Replication| -> Vec<u32> {
        rep.trace
            .iter()
            .filter(|t| t.event == TraceKind::Passed)
            .map(|t| t.release.unwrap())
            .collect()
    };
    assert_eq!(passed(&queue), vec![0, 2]);
    assert_eq!(passed(&restart), vec![2]);
    let stage = &restart.result.stages[0];
    assert_eq!(stage.superseded, 2, "v0 and v1 superseded mid-rollout");
    assert_eq!(
        restart.result.incidents.aborts, 0,
        "a supersession is no abort"
    );
    // Their users went back to stable at once: the superseding row and the
    // newer release's deploy share an instant.
    let at = |rep: &Replication, kind: TraceKind, rel: u32| {
        rep.trace
            .iter()
            .find(|t| t.event == kind && t.release == Some(rel))
            .map(|t| t.time.hours())
            .unwrap()
    };
    assert_eq!(
        at(&restart, TraceKind::Superseded, 0),
        at(&restart, TraceKind::DeployStart, 1)
    );
}

/// A rolling update of two 3-hour batches takes the same 6 hours; `onNewer`
/// (the camel-case spelling) restarts it the same way.
#[test]
fn restart_with_newest_restarts_a_rolling_update_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hours = [0.0, 1.0, 2.0];
    let rolling = |policy: &str| {
        let s = format!("rolling: {{batches: 2, batch_duration: 3h, onNewer: {policy}}}");
        traced(&timeline_with(dir.path(), &hours, "run_latest", &s), 0)
    };
    let (q, r) = (rolling("queue"), rolling("restart_with_newest"));
    assert!((last_delivery(&q) - (12.0 + 20.0 / 60.0)).abs() < 1e-6);
    assert!((last_delivery(&r) - (8.0 + 15.0 / 60.0)).abs() < 1e-6);
    assert_eq!(r.result.stages[0].superseded, 2);
    assert_eq!(r.result.incidents.aborts, 0);
}

#[test]
fn finish_then_newest_deploys_fewer_releases_than_a_sequential_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hours = [0.0, 1.0, 2.0, 2.5];
    let queue = traced(&timeline(dir.path(), &hours, "sequential", "queue"), 0);
    let finish = traced(
        &timeline(dir.path(), &hours, "sequential", "finish_then_newest"),
        0,
    );
    let (q, f) = (&queue.result.stages[0], &finish.result.stages[0]);
    assert_eq!(q.deployments, 4, "sequential: every release in order");
    assert_eq!(f.deployments, 2, "v0, then the newest, v3");
    assert_eq!(f.superseded, 2);
    assert!(last_delivery(&finish) < last_delivery(&queue));
}

/// Releases superseded while they rolled out (a rollout start, no end).
fn superseded_mid_rollout(rep: &Replication) -> u64 {
    let mut rolling: HashSet<(u32, usize)> = HashSet::new();
    let mut n = 0;
    for r in &rep.trace {
        let (Some(rel), Some(s)) = (r.release, r.stage) else {
            continue;
        };
        match r.event {
            TraceKind::RolloutStart => {
                rolling.insert((rel, s));
            }
            TraceKind::Passed | TraceKind::RolledBack | TraceKind::BlockedKnownDefect => {
                rolling.remove(&(rel, s));
            }
            TraceKind::Superseded => n += u64::from(rolling.remove(&(rel, s))),
            _ => {}
        }
    }
    n
}

/// Commits for 20 days (a small LCG from the seed), then 20 quiet days: the
/// pipeline is idle at the horizon, so every commit is delivered or rejected.
fn busy_then_quiet(dir: &Path, seed: u64, on_newer: &str, lock: &str) -> Model {
    let mut csv = String::from("timestamp,defect\n");
    let (mut x, mut t) = (seed.wrapping_mul(6_364_136_223_846_793_005) | 1, 0u64);
    loop {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        t += (x >> 33) % 7200;
        if t > 20 * 86_400 {
            break;
        }
        let defect = if (x >> 20) % 8 == 0 { "major" } else { "" };
        let _ = writeln!(csv, "{},{defect}", START + t);
    }
    std::fs::write(dir.join("history.csv"), csv).expect("write history");
    let yaml = format!(
        "run: {{start: 2026-01-05 00:00, horizon: 40d, seed: {seed}, replications: 1}}
people:
  sre: {{reaction: {{exp: 20m}}}}
commits:
  replay: {{csv: history.csv, defect_column: defect}}
  defects: {{probability: 0, fix_time: {{uniform: [1h, 1d]}}}}
build: {{duration: {{uniform: [5m, 20m]}}, detect: {{major: 0.3}}}}
stages:
  - name: staging
    verify: [{{name: t, duration: 20m, detect: {{major: 0.3}}}}]
  - name: production
    lock: {lock}
    deploy: {{duration: {{uniform: [1m, 10m]}}}}
    strategy:
      canary:
        steps:
          - set_weight: 10
          - analysis: {{interval: 10m, count: 3}}
          - pause: {{duration: 1h}}
          - set_weight: 50
          - analysis: {{interval: 10m, count: 2}}
        false_alarm: 0.1
        inconclusive: 0.1
        promoter: sre
        retried_by: sre
        on_newer: {on_newer}
incidents:
  users: 1000
  detect_per_hour: {{minor: 0.5, major: 0.5, critical: 0.5}}
  rollback: {{uniform: [0s, 30m]}}
"
    );
    compile(&yaml, &dir.join("busy.yaml"))
}

#[test]
fn every_policy_conserves_commits_and_never_rolls_back_to_a_known_bad_release() {
    let dir = tempfile::tempdir().expect("tempdir");
    for on_newer in ["queue", "restart_with_newest", "finish_then_newest"] {
        let (mut rollbacks, mut retries, mut mid) = (0, 0, 0);
        for lock in ["run_latest", "sequential"] {
            for seed in 1..=6 {
                let rep = traced(&busy_then_quiet(dir.path(), seed, on_newer, lock), 0);
                let r = &rep.result;
                let c = &r.conservation;
                let at = format!("{on_newer}, {lock}, seed {seed}");
                assert_eq!(r.stop, promosim::metrics::StopReason::Horizon, "{at}");
                assert_eq!(c.arrived, c.delivered + c.rejected + c.in_flight, "{at}");
                assert_eq!(
                    c.in_flight, 0,
                    "{at}: commits neither delivered nor rejected"
                );
                // Each delivered commit's parts sum to its lead time.
                let mut delivered = 0;
                for rec in &rep.commits {
                    let (Some(when), Some(b)) = (rec.delivered, &rec.breakdown) else {
                        continue;
                    };
                    delivered += 1;
                    let lead = when.hours() - rec.arrived.hours();
                    let parts = b.before_build
                        + b.agent_wait
                        + b.build
                        + b.stages.iter().map(|s| s.total()).sum::<f64>();
                    assert!(
                        (parts - lead).abs() <= 1e-9 * lead.max(1.0),
                        "{at}: commit {} parts {parts} h vs lead {lead} h",
                        rec.commit
                    );
                }
                assert_eq!(delivered, c.delivered, "{at}");
                assert!(r.canary.runs > 0, "{at}");
                rollbacks += rollbacks::check(&rep, true).unwrap_or_else(|e| panic!("{e}"));
                mid += superseded_mid_rollout(&rep);
                retries += rep
                    .trace
                    .iter()
                    .filter(|t| t.event == TraceKind::RolloutRetry)
                    .count();
            }
        }
        println!(
            "{on_newer}: {rollbacks} rollbacks, {retries} retries, {mid} superseded mid-rollout"
        );
        assert!(
            rollbacks > 0 && retries > 0,
            "{on_newer}: the checks saw nothing"
        );
        // Only restart_with_newest stops a rollout for a newer release.
        assert_eq!(
            mid > 0,
            on_newer == "restart_with_newest",
            "{on_newer}: {mid}"
        );
    }
}
