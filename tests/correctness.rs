//! The figures a planning meeting acts on, each checked on a small scenario
//! whose answer is known in closed form: rollbacks, lost releases at a lock,
//! warm-up, where the time goes, restore clocks and blue-green switch-back.

use std::fmt::Write;
use std::path::Path;

use promosim::engine::{self, CommitRecord, Options, Replication};
use promosim::metrics::{StagePart, StopReason, describe};
use promosim::model::Model;

const MONDAY: u64 = 1_767_571_200; // 2026-01-05 00:00 UTC
const H: f64 = 3600.0;

/// A scenario with a replayed history: commits at these hours after the start,
/// the ones marked `true` carrying a critical defect.
fn model(yaml: &str, commits: &[(f64, bool)]) -> Model {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut csv = String::from("timestamp,defect\n");
    for &(h, d) in commits {
        let _ = writeln!(
            csv,
            "{},{}",
            MONDAY + (h * H) as u64,
            if d { "critical" } else { "" }
        );
    }
    std::fs::write(dir.path().join("history.csv"), csv).expect("write history");
    let yaml = format!(
        "commits:\n  replay: {{csv: history.csv, defect_column: defect}}\n  defects: {{probability: 0, fix_time: 12h}}\n{yaml}"
    );
    let s = promosim::scenario::parse(&yaml, &dir.path().join("t.yaml"))
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    promosim::model::compile(&s).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

fn replicate(m: &Model, r: u64) -> Replication {
    engine::run(
        m,
        r,
        Options {
            trace: false,
            commit_records: true,
            commit_parts: true,
            ..Options::default()
        },
    )
}

fn part(c: &CommitRecord, stage: usize, p: StagePart) -> f64 {
    c.breakdown.as_ref().expect("delivered").stages[stage].get(p)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// Commits 1 and 2 each carry a defect (fix time 12 h): production must never
/// flip between the two known-bad releases. It rolls back to the version
/// that ran before the run, once per detected defect at most.
#[test]
fn no_rollback_ping_pong_between_known_bad_releases() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 10d, seed: 3}\nbuild: {duration: 10m}\n\
         stages:\n  - {name: production, strategy: all_at_once}\n\
         incidents: {detect_per_hour: {minor: 1, major: 1, critical: 1}, rollback: 10m}\n",
        &[(0.0, true), (0.5, true), (1.0, false)],
    );
    let mut worst = 0;
    for r in 0..300 {
        let i = replicate(&m, r).result.incidents;
        assert!(
            i.rollbacks <= 2 * i.incidents + 2,
            "replication {r}: {} rollbacks for {} incidents",
            i.rollbacks,
            i.incidents
        );
        worst = worst.max(i.rollbacks);
    }
    // Two defects, one production stage: at most one rollback each.
    assert!(worst <= 2, "worst replication: {worst} rollbacks");
}

/// Three commits; production behind an approval drawn uniform in 0–2 h and a
/// 3 h deploy. An older release approved late must not cancel a newer one:
/// every commit reaches production.
#[test]
fn run_latest_never_loses_the_newest_release() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 5d, seed: 5}\nbuild: {duration: 1m}\n\
         people: {boss: {}}\n\
         stages:\n  - name: production\n    checks: {approval: {approvers: [boss], response: {uniform: [0s, 2h]}}}\n    \
         deploy: {duration: 3h}\n",
        &[(0.0, false), (0.1, false), (0.2, false)],
    );
    for r in 0..300 {
        let c = replicate(&m, r).result.conservation;
        assert_eq!(
            (c.delivered, c.in_flight, c.rejected),
            (3, 0, 0),
            "replication {r}"
        );
    }
}

/// Every counter counts from the end of the warm-up: halving the counted
/// window (warm-up 4 → 12 of 20 days, both past the empty start) halves each
/// counter, within the 95 % interval of the paired difference on the same seeds.
#[test]
fn halving_the_counted_window_halves_every_counter() {
    let scenario = |warm: &str| {
        let yaml = format!(
            r#"
run: {{start: 2026-01-05 00:00, horizon: 20d, warm_up: {warm}, seed: 9}}
commits:
  poisson: {{per_day: 40}}
  defects: {{probability: 0.1, fix_time: {{exp: 6h}}}}
build: {{duration: {{exp: 10m}}, flaky_failure: 0.1, detect: 0.3}}
people: {{boss: {{}}}}
stages:
  - name: test
    deploy: {{duration: {{exp: 30m}}, failure: 0.1}}
    verify: [{{name: t, duration: {{exp: 1h}}, detect: 0.5}}]
  - name: production
    checks: {{approval: {{approvers: [boss], response: {{exp: 2h}}, rejection: 0.2, timeout: 3h}}}}
    deploy: {{duration: {{exp: 20m}}, failure: 0.1}}
    strategy: {{canary: {{steps: [{{set_weight: 20}}, {{analysis: {{interval: 10m, count: 3}}}}]}}}}
incidents: {{detect_per_hour: {{minor: 1, major: 1, critical: 1}}, rollback: 10m}}
"#
        );
        let s = promosim::scenario::parse(&yaml, Path::new("warm.yaml")).expect("valid");
        promosim::model::compile(&s).expect("compiles")
    };
    let (full, half) = (scenario("4d"), scenario("12d"));
    let counters = [
        "build.failed",
        "build.defects_caught",
        "stage.test.superseded",
        "stage.test.deploy_failures",
        "stage.test.defects_caught",
        "stage.production.superseded",
        "stage.production.deploy_failures",
        "stage.production.approval_rejections",
        "stage.production.timeouts",
        "production.rollouts",
        "production.rollbacks",
        "production.aborts",
        "defects.introduced",
        "defects.caught",
        "incidents.count",
    ];
    let runs = 200;
    let rows: Vec<(Vec<f64>, Vec<f64>)> = (0..runs)
        .map(|r| {
            let a = engine::run(&full, r, Options::default()).result.metrics();
            let b = engine::run(&half, r, Options::default()).result.metrics();
            let pick = |m: &[promosim::metrics::Metric]| {
                counters
                    .iter()
                    .map(|k| m.iter().find(|x| x.key == *k).expect(k).value)
                    .collect::<Vec<f64>>()
            };
            (pick(&a), pick(&b))
        })
        .collect();
    // Bonferroni: each of the counters at 95 %/n, so that all together hold at 95 %.
    let widen = {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        let t = StudentsT::new(0.0, 1.0, (runs - 1) as f64).expect("t");
        t.inverse_cdf(1.0 - 0.025 / counters.len() as f64) / t.inverse_cdf(0.975)
    };
    for (k, key) in counters.iter().enumerate() {
        let d = describe(
            key.to_string(),
            "",
            rows.iter().map(|(a, b)| b[k] - a[k] / 2.0),
        );
        let whole = describe(key.to_string(), "", rows.iter().map(|(a, _)| a[k]));
        println!(
            "{key:<40} full {:.2}  half − full/2 = {:.3} ± {:.3}",
            whole.mean, d.mean, d.ci95
        );
        assert!(whole.mean > 0.5, "{key}: too rare to test ({})", whole.mean);
        assert!(
            d.mean.abs() <= widen * d.ci95.max(1e-9),
            "{key}: the counted window halved but the counter moved by {} ± {} from half",
            d.mean,
            d.ci95
        );
    }
}

/// An automatic production stage behind a freeze: every commit pushed during
/// the freeze waits for the *window*, not for the trigger, and the opening
/// makes one deployment (the newest release), not one per waiting release.
#[test]
fn a_freeze_is_window_time_and_one_deploy_when_it_lifts() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 10d, seed: 1}\nbuild: {duration: 0s}\n\
         stages:\n  - name: production\n    checks:\n      freeze: [{name: f, from: 2026-01-06 00:00, to: 2026-01-08 00:00}]\n",
        &[(25.0, false), (30.0, false), (40.0, false)],
    );
    let rep = replicate(&m, 0);
    for c in &rep.commits {
        let arrived = c.arrived.hours();
        assert!(close(c.delivered.expect("delivered").hours(), 72.0));
        assert!(
            close(part(c, 0, StagePart::Window), 72.0 - arrived),
            "{c:?}"
        );
        assert!(close(part(c, 0, StagePart::Trigger), 0.0), "{c:?}");
    }
    assert_eq!(rep.result.production_deploys, 1);
}

/// `run.start` and a freeze given with a time of day keep it: the clock's zero
/// is 08:24, the freeze runs 12:30 to 06:15, and a 03:00 schedule fires at
/// 03:00 (a start or freeze cut to midnight would move every one of these).
#[test]
fn start_and_freeze_times_of_day_are_kept() {
    let start = 8.4; // 08:24 on the Monday, in hours after its midnight
    let m = model(
        "run: {start: 2026-01-05 08:24, horizon: 10d, seed: 1}\nbuild: {duration: 0s}\n\
         stages:\n  - name: production\n    checks:\n      freeze: [{name: f, from: 2026-01-06 12:30, to: 2026-01-07 06:15}]\n",
        &[(30.0, false), (40.0, false)],
    );
    let rep = replicate(&m, 0);
    let delivered: Vec<f64> = rep
        .commits
        .iter()
        .map(|c| c.delivered.expect("delivered").hours() + start)
        .collect();
    // 06:00 on Tuesday is before the freeze; 16:00 waits for 06:15 on Wednesday.
    assert!(close(delivered[0], 30.0), "{delivered:?}");
    assert!(close(delivered[1], 48.0 + 6.25), "{delivered:?}");

    let m = model(
        "run: {start: 2026-01-05 08:24, horizon: 10d, seed: 1}\nbuild: {duration: 0s}\n\
         stages:\n  - name: production\n    trigger: {schedule: \"0 3 * * *\"}\n",
        &[(10.0, false)],
    );
    let rep = replicate(&m, 0);
    let at = rep.commits[0].delivered.expect("delivered").hours() + start;
    assert!(close(at, 24.0 + 3.0), "delivered {at} h after Monday 00:00");
}

/// A release rejected by the tests: the commit's wait for its fix is rework at
/// the stage that rejected it, not a trigger wait.
#[test]
fn waiting_for_the_fix_after_a_rejection_is_rework() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 10d, seed: 1}\nbuild: {duration: 0s}\n\
         stages:\n  - name: test\n    verify: [{name: t, duration: 1h, detect: 1}]\n  - {name: production}\n",
        &[(0.0, true)],
    );
    let rep = replicate(&m, 0);
    let c = &rep.commits[0];
    // Rejected after 1 h of testing; the fix lands 12 h later and is tested 1 h.
    assert!(
        close(c.delivered.expect("delivered").hours(), 14.0),
        "{c:?}"
    );
    assert!(close(part(c, 0, StagePart::Executing), 2.0), "{c:?}");
    assert!(close(part(c, 0, StagePart::Rework), 12.0), "{c:?}");
    assert!(close(part(c, 0, StagePart::Trigger), 0.0), "{c:?}");
}

/// Run-latest at a stage whose tester takes 8 h: a release superseded while it
/// waited for the lock hands its commits to the newer one; their wait is lock
/// time, not trigger time.
#[test]
fn superseded_while_someone_tests_is_lock_time() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 10d, seed: 1}\nbuild: {duration: 0s}\n\
         people: {tester: {}}\n\
         stages:\n  - name: test\n    verify: [{name: manual, duration: 8h, by: tester}]\n  - {name: production}\n",
        &[(0.0, false), (1.0, false), (2.0, false)],
    );
    let rep = replicate(&m, 0);
    let c1 = &rep.commits[1];
    assert!(
        close(c1.delivered.expect("delivered").hours(), 16.0),
        "{c1:?}"
    );
    assert!(close(part(c1, 0, StagePart::Lock), 7.0), "{c1:?}");
    assert!(close(part(c1, 0, StagePart::Executing), 8.0), "{c1:?}");
    assert!(close(part(c1, 0, StagePart::Trigger), 0.0), "{c1:?}");
    assert!(close(part(&rep.commits[2], 0, StagePart::Lock), 6.0));
}

/// Commit 0 carries a defect; its release is tested 8 h and rejected, while a
/// newer release holding commit 0 waits at the lock. Commit 0 was under test
/// all that time: `executing`, not `lock`. The newer release is tested next
/// (8 h) and rejected too; the fix lands 12 h after the first catch (4 h of
/// rework) and is tested 8 h.
#[test]
fn an_older_release_under_test_holding_the_commit_is_executing_not_lock() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 10d, seed: 1}\nbuild: {duration: 0s}\n\
         people: {tester: {}}\n\
         stages:\n  - name: test\n    verify: [{name: manual, duration: 8h, by: tester, detect: 1}]\n  - {name: production}\n",
        &[(0.0, true), (1.0, false)],
    );
    let rep = replicate(&m, 0);
    let c0 = &rep.commits[0];
    assert!(
        close(c0.delivered.expect("delivered").hours(), 28.0),
        "{c0:?}"
    );
    assert!(close(part(c0, 0, StagePart::Executing), 24.0), "{c0:?}");
    assert!(close(part(c0, 0, StagePart::Lock), 0.0), "{c0:?}");
    assert!(close(part(c0, 0, StagePart::Rework), 4.0), "{c0:?}");
    // Commit 1 is not in the first release under test: it waits for the lock.
    let c1 = &rep.commits[1];
    assert!(close(part(c1, 0, StagePart::Lock), 7.0), "{c1:?}");
    assert!(close(part(c1, 0, StagePart::Executing), 16.0), "{c1:?}");
    assert!(close(part(c1, 0, StagePart::Rework), 4.0), "{c1:?}");
}

/// A tester working 09:00–17:00 starts a 4 h manual test at 15:00: 2 h today,
/// 2 h tomorrow. The 16 h overnight are the person's off-hours, not executing.
#[test]
fn a_tester_off_work_is_off_hours_not_executing() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 10d, seed: 1}\nbuild: {duration: 0s}\n\
         calendars: {office: {working_hours: {daily: \"09:00-17:00\"}}}\n\
         people: {tester: {calendar: office}}\n\
         stages:\n  - name: test\n    verify: [{name: manual, duration: 4h, by: tester}]\n  - {name: production}\n",
        &[(15.0, false)],
    );
    let rep = replicate(&m, 0);
    let c = &rep.commits[0];
    assert!(
        close(c.delivered.expect("delivered").hours(), 35.0),
        "{c:?}"
    );
    assert!(close(part(c, 0, StagePart::OffHours), 16.0), "{c:?}");
    assert!(close(part(c, 0, StagePart::Executing), 4.0), "{c:?}");
}

/// Blue-green keeps the old colour a day. When the next release is already
/// being deployed to the idle colour at detection, switching back is no longer
/// possible: the rollback is a redeploy (3 h), not a switch (1 m).
#[test]
fn blue_green_switch_back_needs_the_old_colour() {
    let yaml = "run: {start: 2026-01-05 00:00, horizon: 10d, seed: 1, replications: 40}\n\
                build: {duration: 0s}\n\
                stages:\n  - name: production\n    lock: sequential\n    deploy: {duration: 10h}\n    \
                strategy: {blue_green: {switch: 1m, scale_down_delay: 1d}}\n\
                incidents: {detect_per_hour: {minor: 200, major: 200, critical: 200}, rollback: 3h}\n";
    let restore = |commits: &[(f64, bool)]| {
        let m = model(yaml, commits);
        let r = replicate(&m, 0).result.incidents;
        assert_eq!((r.incidents, r.rollbacks), (1, 1));
        r.restore_h
    };
    // v0 clean, v1 with the defect: the old colour still runs v0.
    assert!(close(restore(&[(0.0, false), (1.0, true)]), 1.0 / 60.0));
    // v2 starts deploying to the idle colour the moment v1 goes live.
    assert!(close(
        restore(&[(0.0, false), (1.0, true), (2.0, false)]),
        3.0
    ));
}

/// The restore clocks of an all-at-once incident: detection after an
/// exponential delay (mean 1/r), then a 2 h redeploy. Restore from detection
/// is exactly the redeploy; restore from exposure, the DORA clock, is the
/// delay plus the redeploy, and equals the hours users were exposed.
#[test]
fn restore_clocks_are_named_for_what_they_measure() {
    let r = 0.5;
    let yaml = format!(
        "run: {{start: 2026-01-05 00:00, horizon: 10d, seed: 2}}\nbuild: {{duration: 0s}}\n\
         stages:\n  - {{name: production}}\n\
         incidents: {{detect_per_hour: {{minor: {r}, major: {r}, critical: {r}}}, rollback: 2h}}\n"
    );
    let m = model(&yaml, &[(0.0, false), (1.0, true)]);
    let runs: Vec<_> = (0..400)
        .map(|k| replicate(&m, k).result.incidents)
        .collect();
    for i in &runs {
        assert!(close(i.restore_h, 2.0));
        assert!(close(i.restore_from_exposure_h, i.detection_delay_h + 2.0));
        assert!(close(i.exposed_h, i.restore_from_exposure_h));
    }
    let delay = describe(
        "delay".into(),
        "h",
        runs.iter().map(|i| i.detection_delay_h),
    );
    println!(
        "detection delay {:.3} ± {:.3} h, theory {}",
        delay.mean,
        delay.ci95,
        1.0 / r
    );
    assert!((delay.mean - 1.0 / r).abs() <= delay.ci95);
}

/// A replication whose clock stops moving is cut short with the reason and
/// the kinds of events that kept it busy, and the warning says it is a loop,
/// not a budget to raise. (No shipped rule loops; a low threshold and a burst
/// of commits at one instant stand in for one.)
#[test]
fn a_loop_without_progress_in_time_is_reported_as_such() {
    let burst: Vec<(f64, bool)> = (0..300).map(|_| (5.0, false)).collect();
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 2d, seed: 1}\nbuild: {duration: 0s, agents: 1000}\n\
         stages:\n  - {name: production}\n",
        &burst,
    );
    let rep = engine::run(
        &m,
        0,
        Options {
            no_progress: 100,
            ..Options::default()
        },
    );
    let StopReason::NoProgress { at_h, events } = &rep.result.stop else {
        panic!("not stopped: {:?}", rep.result.stop);
    };
    assert!(close(*at_h, 5.0));
    assert!(
        events.iter().any(|(k, _)| *k == "commit arrival"),
        "{events:?}"
    );
    let mut tally = promosim::experiment::stalls::StallTally::default();
    tally.add(&rep.result);
    let w = tally.warnings(&m).join("\n");
    assert!(
        w.contains("no progress in time") && w.contains("commit arrival"),
        "{w}"
    );
    assert!(!w.contains("raise run.max_events"), "{w}");
    // The same burst with the real threshold runs to the horizon.
    assert_eq!(replicate(&m, 0).result.stop, StopReason::Horizon);
}

/// Two commits on a Friday evening, 18:00 and 20:00; ops triggers production
/// by hand, reacting at once, on weekdays 09:00–17:00. The first commit's
/// release is superseded at 20:00 by the second's, which ops deploys on Monday
/// at 09:00. Both commits waited only for ops to come back to work: their whole
/// lead time (63 h and 61 h) is off-hours, the superseded release's two hours
/// included, and none of it is the trigger (a reaction in working hours).
#[test]
fn a_manual_trigger_held_over_the_weekend_is_off_hours_before_and_after_a_supersede() {
    let friday = 4.0 * 24.0;
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 10d, seed: 1}\nbuild: {duration: 0s}\n\
         calendars: {office: {working_hours: {weekdays: \"09:00-17:00\"}}}\n\
         people: {ops: {calendar: office, reaction: 0s}}\n\
         stages:\n  - name: production\n    trigger: {manual: {by: ops}}\n",
        &[(friday + 18.0, false), (friday + 20.0, false)],
    );
    let rep = replicate(&m, 0);
    assert_eq!(rep.commits.len(), 2);
    for (c, lead) in rep.commits.iter().zip([63.0, 61.0]) {
        let delivered = c.delivered.expect("delivered on Monday").hours();
        assert!(close(delivered - c.arrived.hours(), lead));
        assert!(close(part(c, 0, StagePart::OffHours), lead), "{c:?}");
        assert!(close(part(c, 0, StagePart::Trigger), 0.0), "{c:?}");
    }
}

/// One agent; a `dev` stage (its keys in `dev`, each line indented for the
/// stage) before production; builds of `build`; commits at 0 and at
/// `second` minutes. Replication 0.
fn one_agent(build: &str, dev: &str, second: f64) -> Replication {
    let m = model(
        &format!(
            "run: {{start: 2026-01-05 00:00, horizon: 2d, seed: 1}}\n\
             build: {{agents: 1, duration: {build}}}\n\
             stages:\n  - name: dev\n{dev}  - {{name: production}}\n"
        ),
        &[(0.0, false), (second / 60.0, false)],
    );
    replicate(&m, 0)
}

/// Commit `c`'s lead time in minutes.
fn lead_min(c: &CommitRecord) -> f64 {
    (c.delivered.expect("delivered").hours() - c.arrived.hours()) * 60.0
}

/// Commit `c`'s `p` part at dev, in minutes.
fn dev_min(c: &CommitRecord, p: StagePart) -> f64 {
    part(c, 0, p) * 60.0
}

/// `agent: true`: a stage's deploy and verification jobs take the build's
/// agents, in one queue with the builds, in the order they asked. One agent,
/// builds of 10 min, commits at 0 and 1 min: release 0's deploy asks at
/// 10 min behind release 1's build (queued at 1 min) and starts at 20; its
/// smoke test runs 30–35. Release 1 waits for dev's lock from 20 to 35, then
/// deploys 35–45 and verifies 45–50 with the agent free. Dev's queue counts
/// both waits.
#[test]
fn stage_jobs_queue_for_the_build_agents_in_the_order_they_asked() {
    let rep = one_agent(
        "10m",
        "    deploy: {duration: 10m, agent: true}\n    verify: [{name: smoke, duration: 5m, agent: true}]\n",
        1.0,
    );
    let c = &rep.commits;
    assert!(
        close(lead_min(&c[0]), 35.0),
        "lead time {} min",
        lead_min(&c[0])
    );
    assert!(
        close(lead_min(&c[1]), 49.0),
        "lead time {} min",
        lead_min(&c[1])
    );
    assert!(close(dev_min(&c[0], StagePart::Agent), 10.0));
    assert!(close(dev_min(&c[0], StagePart::Executing), 15.0));
    let b1 = c[1].breakdown.as_ref().expect("delivered");
    assert!(
        close(b1.agent_wait * 60.0, 9.0),
        "build agent wait {}",
        b1.agent_wait
    );
    assert!(close(dev_min(&c[1], StagePart::Lock), 15.0));
    assert!(close(dev_min(&c[1], StagePart::Agent), 0.0));
    let (dev, build) = (&rep.result.stages[0], &rep.result.build);
    assert!(close(dev.agent_wait * 60.0, 5.0), "{}", dev.agent_wait);
    assert!(close(dev.executing * 60.0, 15.0), "{}", dev.executing);
    // Dev's queue holds release 0 waiting for the agent (10–20 min), then
    // release 1 waiting for the lock (20–35): 25 minutes of one release, over
    // the two days.
    assert!(
        close(dev.queue_mean * 2.0 * 24.0 * 60.0, 25.0),
        "dev queue mean {}",
        dev.queue_mean
    );
    assert_eq!(dev.queue_max, 1.0);
    // The agent ran two builds and two deploys and smoke tests: 50 minutes.
    assert!(
        close(build.agent_hours * 60.0, 50.0),
        "{}",
        build.agent_hours
    );
}

/// A queue's maximum counts only lengths held for a while: builds and
/// releases taken at once (free agents, a free lock) never waited.
#[test]
fn a_queue_nobody_waited_in_has_a_maximum_of_zero() {
    let m = model(
        "run: {start: 2026-01-05 00:00, horizon: 2d, seed: 1}\n\
         build: {agents: 2, duration: 10m}\n\
         stages:\n  - {name: dev, deploy: {duration: 5m}}\n  - {name: production}\n",
        &[(0.0, false), (1.0, false)],
    );
    let r = replicate(&m, 0).result;
    assert_eq!(r.build.queue_max, 0.0);
    assert_eq!(r.build.queue_mean, 0.0);
    for st in &r.stages {
        assert_eq!((st.queue_max, st.queue_mean), (0.0, 0.0));
    }
    assert_eq!(r.lead_time.count, 2);
}

/// A verification job after other steps asks for its agent when they end, and
/// queues behind a build that asked first; steps without `agent` take none.
/// One agent, builds of 20 min; dev verifies with A (5 min, agent), B (12
/// min) and C (5 min, agent). Release 0: A 20–25; release 1's build (asked at
/// 22 min) runs 25–45 while B runs 25–37; C asks at 37 and runs 45–50.
#[test]
fn a_later_verification_job_asks_for_its_agent_when_the_steps_before_it_end() {
    let rep = one_agent(
        "20m",
        "    verify:\n      - {name: a, duration: 5m, agent: true}\n      - {name: b, duration: 12m}\n      - {name: c, duration: 5m, agent: true}\n",
        22.0,
    );
    let c = &rep.commits;
    assert!(
        close(lead_min(&c[0]), 50.0),
        "lead time {} min",
        lead_min(&c[0])
    );
    assert!(close(dev_min(&c[0], StagePart::Agent), 8.0));
    assert!(close(dev_min(&c[0], StagePart::Executing), 22.0));
    assert!(
        close(lead_min(&c[1]), 50.0),
        "lead time {} min",
        lead_min(&c[1])
    );
    assert!(close(dev_min(&c[1], StagePart::Lock), 5.0));
    assert!(close(dev_min(&c[1], StagePart::Agent), 0.0));
    assert!(close(dev_min(&c[1], StagePart::Executing), 22.0));
}
