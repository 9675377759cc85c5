//! Invariants over random scenarios (proptest).
//!
//! Each case draws a pipeline (1–4 stages, random triggers, approvals, windows,
//! locks, deploy failures, tests, a production strategy), a replayed history of
//! commits in the first five days, defects, and a horizon long enough for the
//! pipeline to fall idle. One replication is run with its event log and commit
//! records, and checked against rules reconstructed from the log alone:
//!
//! - conservation: at the horizon every commit is delivered or held by the
//!   rejection of the newest release; none is lost to a lock;
//! - attribution: the parts of each delivered commit sum to its lead time;
//! - rollbacks: never to a release newer than the running one, never to a
//!   release carrying a defect already known (caught by tests or detected in
//!   production; a flag's kill switch makes a known defect harmless, so with
//!   every change flagged only the direction is checked), and at most
//!   2 × incidents + 2 of them.
//!
//! The extensions draw too: traffic over time (factors at most 1), feature
//! flags with or without a kill switch, production rings with shares and a
//! soak, a supersession policy during the rollout, canary false alarms with
//! a retrier, a canary background analysis, and a priority queue for the tester.

use std::fmt::Write;
use std::path::Path;

use proptest::prelude::*;

#[path = "common/rollbacks.rs"]
mod rollbacks;

use promosim::engine::{self, Options, Replication};
use promosim::model::Model;

#[derive(Debug, Clone)]
struct StageSpec {
    trigger: u8,
    approval: Option<f64>,
    window: bool,
    sequential: bool,
    deploy_failure: f64,
    verify: Option<(bool, f64)>,
    /// The deploy and a machine verification step are jobs on the build's agents.
    agent: bool,
}

#[derive(Debug, Clone)]
struct Spec {
    seed: u64,
    commits: Vec<(u32, u8)>,
    agents: u32,
    flaky: f64,
    build_detect: f64,
    batch: bool,
    stages: Vec<StageSpec>,
    strategy: u8,
    detect_per_hour: f64,
    ext: Extensions,
}

/// The keys added with people and traffic.
#[derive(Debug, Clone)]
struct Extensions {
    traffic: bool,
    /// 0: none, 1: all changes flagged with a kill switch, 2: half flagged, no switch.
    flags: u8,
    rings: bool,
    /// 0: queue, 1: restart_with_newest, 2: finish_then_newest.
    on_newer: u8,
    false_alarm: bool,
    fixes_first: bool,
}

fn extensions() -> impl Strategy<Value = Extensions> {
    (
        any::<bool>(),
        0u8..3,
        any::<bool>(),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(traffic, flags, rings, on_newer, false_alarm, fixes_first)| Extensions {
                traffic,
                flags,
                rings,
                on_newer,
                false_alarm,
                fixes_first,
            },
        )
}

fn stage_spec() -> impl Strategy<Value = StageSpec> {
    (
        0u8..3,
        prop_oneof![Just(None), (0.0f64..0.3).prop_map(Some)],
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(0.0), Just(0.1)],
        prop_oneof![Just(None), (any::<bool>(), 0.0f64..1.0).prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(
            |(trigger, approval, window, sequential, deploy_failure, verify, agent)| StageSpec {
                trigger,
                approval,
                window,
                sequential,
                deploy_failure,
                verify,
                agent,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        any::<u64>(),
        prop::collection::vec((0u32..5 * 86_400, 0u8..8), 1..40),
        1u32..3,
        prop_oneof![Just(0.0), Just(0.1)],
        prop_oneof![Just(0.0), Just(0.3)],
        any::<bool>(),
        prop::collection::vec(stage_spec(), 1..5),
        0u8..4,
        0.2f64..5.0,
        extensions(),
    )
        .prop_map(
            |(seed, commits, agents, flaky, build_detect, batch, stages, strategy, d, ext)| Spec {
                seed,
                commits,
                agents,
                flaky,
                build_detect,
                batch,
                stages,
                strategy,
                detect_per_hour: d,
                ext,
            },
        )
}

/// The scenario of a spec (and its text); the commit history goes to
/// `history.csv` in `dir`.
fn scenario(spec: &Spec, dir: &Path) -> (Model, String) {
    let mut csv = String::from("timestamp,defect\n");
    let mut commits = spec.commits.clone();
    commits.sort_unstable();
    for (secs, mark) in &commits {
        // Marks 0–4: no defect; 5, 6, 7: minor, major, critical.
        let defect = match mark {
            5 => "minor",
            6 => "major",
            7 => "critical",
            _ => "",
        };
        let _ = writeln!(csv, "{},{defect}", 1_767_571_200 + u64::from(*secs));
    }
    std::fs::write(dir.join("history.csv"), csv).expect("write history");
    let mut y = String::new();
    let _ = writeln!(
        y,
        "run: {{start: 2026-01-05 00:00, horizon: 60d, seed: {}, replications: 1}}",
        spec.seed % 1_000_000
    );
    y.push_str(
        "calendars:\n  office: {working_hours: {mon-fri: \"09:00-17:00\"}}\n\
         people:\n  ops: {calendar: office, reaction: {uniform: [0s, 2h]}}\n  \
         boss: {calendar: office, reaction: {uniform: [0s, 3h]}}\n  \
         tester: {calendar: office, reaction: {uniform: [0s, 1h]}",
    );
    let ext = &spec.ext;
    y.push_str(if ext.fixes_first {
        ", queue: fixes_first}\n"
    } else {
        "}\n"
    });
    y.push_str("commits:\n  replay: {csv: history.csv, defect_column: defect}\n");
    y.push_str("  defects: {probability: 0, fix_time: {uniform: [1h, 2d]}}\n");
    let _ = writeln!(
        y,
        "build: {{agents: {}, duration: {{uniform: [1m, 30m]}}, flaky_failure: {}, detect: {}, batch: {}}}",
        spec.agents,
        spec.flaky,
        spec.build_detect,
        if spec.batch { "build" } else { "none" }
    );
    y.push_str("stages:\n");
    let n = spec.stages.len();
    for (i, st) in spec.stages.iter().enumerate() {
        let _ = writeln!(y, "  - name: s{i}");
        let trigger = match st.trigger {
            0 => "auto".to_string(),
            1 => "{schedule: \"0 */6 * * *\"}".to_string(),
            _ => "{manual: {by: ops}}".to_string(),
        };
        let _ = writeln!(y, "    trigger: {trigger}");
        // Rings: the last two stages serve 30 % and 70 % of the users, the
        // broad one after a soak in the first.
        let ring = ext.rings && n >= 2 && i + 2 >= n;
        if ring {
            let share = if i + 1 == n { "70%" } else { "30%" };
            let _ = writeln!(y, "    production: true\n    share: {share}");
        }
        let soak = ring && i + 1 == n;
        if st.approval.is_some() || st.window || soak {
            y.push_str("    checks:\n");
            if soak {
                y.push_str("      soak: 6h\n");
            }
            if let Some(r) = st.approval {
                let _ = writeln!(
                    y,
                    "      approval: {{approvers: [boss], rejection: {r}, timeout: 1d}}"
                );
            }
            if st.window {
                y.push_str("      business_hours: office\n");
            }
        }
        let lock = if st.sequential {
            "sequential"
        } else {
            "run_latest"
        };
        let _ = writeln!(y, "    lock: {lock}");
        let _ = writeln!(
            y,
            "    deploy: {{duration: {{uniform: [0s, 3h]}}, failure: {}, agent: {}}}",
            st.deploy_failure, st.agent
        );
        if let Some((manual, p)) = st.verify {
            let by = match (manual, st.agent) {
                (true, _) => ", by: tester",
                (false, true) => ", agent: true",
                (false, false) => "",
            };
            let _ = writeln!(
                y,
                "    verify: [{{name: t, duration: {{uniform: [10m, 4h]}}{by}, detect: {p}}}]"
            );
        }
        if i + 1 == n {
            let newer =
                ["queue", "restart_with_newest", "finish_then_newest"][ext.on_newer as usize];
            let alarm = if ext.false_alarm {
                ", false_alarm: 0.3, retried_by: ops"
            } else {
                ""
            };
            // Half the canaries also measure in the background, from the
            // first pause, with one failure tolerated over the rollout; with
            // false alarms, some measurements are inconclusive too and pause
            // the rollout for the promoter.
            let background = match (n.is_multiple_of(2), ext.false_alarm) {
                (false, _) => "",
                (true, false) => {
                    ", background: {interval: 20m, failure_limit: 1, starting_step: 1}"
                }
                (true, true) => {
                    ", background: {interval: 20m, failure_limit: 1, starting_step: 1, \
                     inconclusive: 0.2}, promoter: ops"
                }
            };
            let strategy = match spec.strategy {
                0 => "all_at_once".to_string(),
                1 => format!(
                    "{{blue_green: {{switch: 1m, scale_down_delay: 6h, on_newer: {newer}}}}}"
                ),
                2 => format!(
                    "{{canary: {{steps: [{{set_weight: 10}}, {{pause: {{duration: 1h}}}}, \
                     {{analysis: {{interval: 10m, count: 3}}}}, {{set_weight: 50}}, {{pause: {{duration: 1h}}}}], \
                     on_newer: {newer}{alarm}{background}}}}}"
                ),
                _ => format!(
                    "{{rolling: {{batches: 3, batch_duration: 20m, failure: 0.05, on_newer: {newer}}}}}"
                ),
            };
            let _ = writeln!(y, "    strategy: {strategy}");
        }
    }
    let r = spec.detect_per_hour;
    let _ = writeln!(
        y,
        "incidents:\n  users: 1000\n  detect_per_hour: {{minor: {r}, major: {r}, critical: {r}}}\n  \
         rollback: {{uniform: [0s, 1h]}}"
    );
    if ext.traffic {
        y.push_str(
            "  traffic: {hours: [0, 0, 0, 0, 0, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.2, 0], \
             weekdays: [1, 1, 1, 1, 1, 0.3, 0.3], peaks: [{from: 2026-01-20, to: 2026-01-23, factor: 0.5}]}\n",
        );
    }
    match ext.flags {
        1 => y.push_str(
            "  flags: {share: 100%, ramp: [{after: 0s, percent: 10}, {after: 1d, percent: 100}], kill_switch: {uniform: [0s, 30m]}}\n",
        ),
        2 => y.push_str("  flags: {share: 50%, ramp: [{after: 0s, percent: 0}, {after: 2h, percent: 100}]}\n"),
        _ => {}
    }
    let path = dir.join("random.yaml");
    let s = promosim::scenario::parse(&y, &path)
        .unwrap_or_else(|e| panic!("generated scenario is invalid: {e}\n{y}"));
    let m = promosim::model::compile(&s).unwrap_or_else(|e| panic!("does not compile: {e}\n{y}"));
    (m, y)
}

/// One replication (traced), the same untraced, and the scenario with its
/// history for failure messages.
fn replicate(spec: &Spec) -> (Replication, Replication, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (m, yaml) = scenario(spec, dir.path());
    let history = std::fs::read_to_string(dir.path().join("history.csv")).unwrap_or_default();
    let rep = engine::run(
        &m,
        0,
        Options {
            trace: true,
            commit_records: true,
            commit_parts: true,
            ..Options::default()
        },
    );
    let plain = engine::run(&m, 0, Options::default());
    (rep, plain, format!("{yaml}\n--- history.csv\n{history}"))
}

/// Cases per run: `PROPTEST_CASES` when set, else 400.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

proptest! {
    // 400 cases in CI; PROPTEST_CASES=N for a longer hunt.
    #![proptest_config(ProptestConfig { cases: cases(), .. ProptestConfig::default() })]

    #[test]
    fn random_pipelines_keep_the_invariants(spec in spec()) {
        let (rep, plain, text) = replicate(&spec);
        let r = &rep.result;
        prop_assert_eq!(&r.stop, &promosim::metrics::StopReason::Horizon);

        // Keeping the event log changes no figure: an untraced run, which
        // folds a deploy and its machine verification into one event, gives
        // every metric bit for bit (the event count included).
        let bits = |r: &promosim::metrics::ReplicationResult| -> Vec<(String, u64)> {
            r.metrics().into_iter().map(|m| (m.key, m.value.to_bits())).collect()
        };
        prop_assert_eq!(bits(r), bits(&plain.result), "traced vs untraced\n{}", text);

        // Conservation: the pipeline is idle long before the horizon.
        let c = &r.conservation;
        prop_assert_eq!(c.arrived, c.delivered + c.rejected + c.in_flight);
        prop_assert_eq!(
            c.in_flight, 0,
            "commits neither delivered nor held by a rejection: {:?}\n{}", c, text
        );

        // Attribution: every delivered commit's parts sum to its lead time.
        let mut delivered = 0;
        for rec in &rep.commits {
            let (Some(at), Some(b)) = (rec.delivered, &rec.breakdown) else { continue };
            delivered += 1;
            let lead = at.hours() - rec.arrived.hours();
            let parts = b.before_build + b.agent_wait + b.build
                + b.stages.iter().map(|s| s.total()).sum::<f64>();
            prop_assert!(
                (parts - lead).abs() <= 1e-9 * lead.max(1.0),
                "commit {}: parts {parts} h vs lead time {lead} h ({:?})", rec.commit, b
            );
            for s in &b.stages {
                for p in s.parts {
                    prop_assert!(p >= -1e-9, "negative part {p} in {:?}", b);
                }
            }
        }
        prop_assert_eq!(delivered, c.delivered);

        // Agents: builds and stage jobs never hold more agents than there are.
        prop_assert!(
            r.build.utilisation <= 1.0 + 1e-9,
            "agent utilisation {} with {} agents\n{}", r.build.utilisation, spec.agents, text
        );

        // Exposure: a share of at most 1 for the hours anyone was exposed.
        let i = &r.incidents;
        if i.incidents > 0 {
            prop_assert!(
                i.share_hours <= i.exposed_h * (1.0 + 1e-9) + 1e-9,
                "blast radius {} share·h over {} exposed hours", i.share_hours, i.exposed_h
            );
        }

        // Rollbacks: never forward, never to a known-bad release, bounded by incidents.
        let logged = rollbacks::check(&rep, spec.ext.flags != 1).map_err(TestCaseError::fail)?;
        prop_assert_eq!(logged, r.incidents.rollbacks);
        prop_assert!(
            r.incidents.rollbacks <= 2 * r.incidents.incidents + 2,
            "{} rollbacks for {} incidents", r.incidents.rollbacks, r.incidents.incidents
        );
    }
}

/// A horizon that falls after a deploy's end but before its verification's:
/// the untraced run, which folds the two into one event, still counts the
/// deploy's end as an event, so every figure (the event count included) is
/// the traced run's. The stage is always busy (a commit every 3 minutes, a
/// 10-minute deploy, an hour of tests), so most replications end inside one.
#[test]
fn a_horizon_inside_a_folded_deploy_changes_no_figure() {
    let text = "\
name: cut
run: {start: 2026-01-05 00:00, horizon: 3d, seed: 11}
commits:
  poisson: {per_day: 480}
build: {agents: 4, duration: 1m}
stages:
  - name: dev
    deploy: {duration: 10m}
    verify:
      - {name: tests, duration: {exp: 1h}}
  - name: prod
";
    let s = promosim::scenario::parse(text, Path::new("cut.yaml")).expect("a valid scenario");
    let m = promosim::model::compile(&s).expect("compiles");
    let traced = Options {
        trace: true,
        ..Options::default()
    };
    let mut cut = 0;
    for rep in 0..12 {
        let a = engine::run(&m, rep, traced);
        let b = engine::run(&m, rep, Options::default());
        // The last deploy's release never finished its verification.
        use engine::TraceKind::{Deployed, Passed, Rejected};
        if let Some(i) = a
            .trace
            .iter()
            .rposition(|r| r.event == Deployed && r.stage == Some(0))
        {
            let rel = a.trace[i].release;
            let verified = a.trace[i + 1..]
                .iter()
                .any(|r| r.release == rel && matches!(r.event, Passed | Rejected));
            cut += usize::from(!verified);
        }
        let bits = |r: &promosim::metrics::ReplicationResult| -> Vec<(String, u64)> {
            r.metrics()
                .into_iter()
                .map(|m| (m.key, m.value.to_bits()))
                .collect()
        };
        assert_eq!(bits(&a.result), bits(&b.result), "replication {rep}");
    }
    // The case the test is for.
    assert!(
        cut >= 3,
        "only {cut} of 12 replications ended inside a verification"
    );
}
