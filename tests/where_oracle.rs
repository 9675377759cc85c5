//! "Where the time goes" rebuilt from the event log alone, commit by commit,
//! and compared with the engine's own split: an independent model of the rule
//! in `docs/model.md` (Metrics), on a whole Tailspin year (both shipped variants).
//!
//! For a stage whose phases are waiting for its trigger, for its approval, for
//! its lock and executing (every Tailspin stage), the trace gives every visit:
//! eligible when its upstream passed it, `triggered`, `approved`,
//! `deploy_start` (lock taken) and its end (`passed`, `rejected`,
//! `superseded`, `deploy_failed`, `approval_rejected`, `approval_timeout`,
//! `blocked_known_defect`).
//! A commit's time at the stage runs from its upstream frontier (the first
//! time upstream passed a release holding it) to the stage's frontier (the
//! first time the stage passed one). At each instant the furthest-along
//! release at the stage holding the commit gives the part (the newest of
//! equally far ones); none is rework. Before the stages, the first successful
//! build holding the commit gives its time before the build, waiting for an
//! agent and building.

use std::collections::BTreeSet;
use std::path::Path;

use promosim::engine::{CommitRecord, TraceKind, TraceRecord};
use promosim::metrics::StagePart;

#[path = "common/sim.rs"]
mod sim;

const HOUR: f64 = 3600.0;

/// One release's visit at the stage, in hours.
#[derive(Debug, Clone, Copy, Default)]
struct Visit {
    eligible: f64,
    triggered: Option<f64>,
    approved: Option<f64>,
    locked: Option<f64>,
    end: Option<f64>,
    passed: bool,
}

impl Visit {
    /// 0: waiting for the trigger, 1: for checks (at a stage with an
    /// approval: until it is given), 2: for the lock, 3: executing.
    fn phase(&self, t: f64, approval: bool) -> usize {
        if self.triggered.is_none_or(|x| t < x) {
            0
        } else if approval && self.approved.is_none_or(|x| t < x) {
            1
        } else if self.locked.is_none_or(|x| t < x) {
            2
        } else {
            3
        }
    }
}

/// Trigger, checks, lock, executing (with a person's time and off-hours), rework.
type Groups = [f64; 5];

/// Which release at the stage splits a commit's time there.
#[derive(Clone, Copy, PartialEq)]
enum Rule {
    /// The furthest-along release at the stage holding the commit, over the
    /// whole time (`docs/model.md`, the engine's).
    Furthest,
    /// The rule before stop 43, for comparison: the delivering release's own
    /// visit by its phases, and the gap before it by the newest release at
    /// the stage (rework when it does not hold the commit).
    Newest,
}

/// A stage's visits as the event log gives them.
struct StageLog {
    /// Per release: it holds commits below this.
    snapshot: Vec<u64>,
    visits: Vec<Option<Visit>>,
    /// When upstream passed each release, with its snapshot.
    upstream_passes: Vec<(f64, u64)>,
}

/// Stage `s`'s visits; `upstream`: the stage before it, `None` for the build.
fn read_log(trace: &[TraceRecord], s: usize, upstream: Option<usize>) -> StageLog {
    let mut log = StageLog {
        snapshot: Vec::new(),
        visits: Vec::new(),
        upstream_passes: Vec::new(),
    };
    for r in trace {
        let t = r.time.0 / HOUR;
        let Some(rel) = r.release.map(|x| x as usize) else {
            continue;
        };
        if log.visits.len() <= rel {
            log.visits.resize(rel + 1, None);
            log.snapshot.resize(rel + 1, 0);
        }
        let passed_upstream = match upstream {
            None => r.event == TraceKind::BuildDone,
            Some(u) => r.stage == Some(u) && r.event == TraceKind::Passed,
        };
        if r.event == TraceKind::BuildQueued {
            log.snapshot[rel] = r.value.expect("a release's commits") as u64;
        } else if passed_upstream {
            log.upstream_passes.push((t, log.snapshot[rel]));
            log.visits[rel] = Some(Visit {
                eligible: t,
                ..Visit::default()
            });
        } else if r.stage == Some(s) {
            let v = log.visits[rel].as_mut().expect("a visit starts upstream");
            match r.event {
                TraceKind::Triggered => v.triggered = Some(t),
                TraceKind::Approved => v.approved = Some(t),
                TraceKind::DeployStart => v.locked = Some(t),
                TraceKind::Passed => (v.end, v.passed) = (Some(t), true),
                TraceKind::Rejected
                | TraceKind::Superseded
                | TraceKind::DeployFailed
                | TraceKind::ApprovalRejected
                | TraceKind::ApprovalTimeout
                | TraceKind::BlockedKnownDefect => v.end = Some(t),
                _ => {}
            }
        }
    }
    log.upstream_passes.sort_by(|a, b| a.0.total_cmp(&b.0));
    log
}

/// The releases at the stage (ascending) between consecutive instants at
/// which a visit begins, changes phase or ends. At one instant starts come
/// before ends: a visit superseded as it begins is gone.
fn releases_over_time(visits: &[Option<Visit>]) -> (Vec<f64>, Vec<Vec<usize>>) {
    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
    enum Change {
        Starts,
        Phase,
        Ends,
    }
    let mut changes: Vec<(f64, Change, usize)> = Vec::new();
    for (rel, v) in visits.iter().enumerate() {
        if let Some(v) = v {
            changes.push((v.eligible, Change::Starts, rel));
            for t in [v.triggered, v.approved, v.locked].into_iter().flatten() {
                changes.push((t, Change::Phase, rel));
            }
            if let Some(e) = v.end {
                changes.push((e, Change::Ends, rel));
            }
        }
    }
    changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut instants: Vec<f64> = Vec::new();
    let mut lives: Vec<Vec<usize>> = Vec::new();
    let mut live = BTreeSet::new();
    for (t, change, rel) in changes {
        match change {
            Change::Starts => {
                live.insert(rel);
            }
            Change::Ends => {
                live.remove(&rel);
            }
            Change::Phase => {}
        }
        if instants.last() == Some(&t) {
            *lives.last_mut().unwrap() = live.iter().copied().collect();
        } else {
            instants.push(t);
            lives.push(live.iter().copied().collect());
        }
    }
    (instants, lives)
}

/// For each commit delivered, where its time went at stage `s` by `rule`;
/// `upstream`: the stage before it, `None` for the build; `approval`: the
/// stage asks for one.
fn oracle(
    trace: &[TraceRecord],
    s: usize,
    upstream: Option<usize>,
    approval: bool,
    rule: Rule,
) -> Vec<Option<Groups>> {
    let StageLog {
        snapshot,
        visits,
        upstream_passes,
    } = read_log(trace, s, upstream);
    let (instants, lives) = releases_over_time(&visits);
    let mut stage_passes: Vec<(f64, u64, usize)> = visits
        .iter()
        .enumerate()
        .filter_map(|(rel, v)| {
            let v = (*v)?;
            v.passed.then(|| (v.end.unwrap(), snapshot[rel], rel))
        })
        .collect();
    stage_passes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let commits = snapshot.iter().copied().max().unwrap_or(0) as usize;
    (0..commits)
        .map(|c| {
            let a = upstream_passes.iter().find(|p| p.1 > c as u64)?.0;
            let &(_, _, rel) = stage_passes.iter().find(|p| p.1 > c as u64)?;
            let own = visits[rel].unwrap();
            let b = match rule {
                Rule::Furthest => own.end.unwrap(),
                Rule::Newest => own.eligible,
            };
            let mut g = [0.0; 5];
            // Instant by instant.
            let mut i = instants.partition_point(|&x| x <= a).saturating_sub(1);
            let mut t = a;
            while t < b {
                let next = instants.get(i + 1).copied().unwrap_or(f64::INFINITY).min(b);
                let at = match lives.get(i) {
                    Some(l) if instants[i] <= t => &l[..],
                    _ => &[],
                };
                let holding = |&&n: &&usize| snapshot[n] > c as u64;
                let phase = |&n: &usize| visits[n].unwrap().phase(t, approval);
                let part = match rule {
                    Rule::Newest => at.last().filter(holding).map(phase),
                    // `max` takes the last, newest, of equal ones.
                    Rule::Furthest => at.iter().filter(holding).map(phase).max(),
                };
                g[part.unwrap_or(4)] += next - t;
                t = next;
                i += 1;
            }
            if rule == Rule::Furthest {
                return Some(g);
            }
            // The delivering release's own visit.
            let end = own.end.unwrap();
            let triggered = own.triggered.unwrap_or(end);
            let approved = match own.approved {
                Some(x) => x,
                None if approval => end,
                None => triggered,
            };
            let locked = own.locked.unwrap_or(end);
            g[0] += triggered - own.eligible;
            g[1] += approved - triggered;
            g[2] += locked - approved;
            g[3] += end - locked;
            Some(g)
        })
        .collect()
}

/// For each commit, its time before and in the build: from its arrival to the
/// trigger of the first successful build holding it (by when that build
/// ended), the wait for an agent, and the build.
fn build_oracle(trace: &[TraceRecord], commits: &[CommitRecord]) -> Vec<Option<[f64; 3]>> {
    let mut builds: Vec<(f64, f64, f64, u64)> = Vec::new();
    let mut open = std::collections::HashMap::new();
    for r in trace {
        let t = r.time.0 / HOUR;
        let Some(rel) = r.release else { continue };
        match r.event {
            TraceKind::BuildQueued => {
                open.insert(rel, (t, f64::NAN, r.value.expect("commits") as u64));
            }
            TraceKind::BuildStart => open.get_mut(&rel).expect("queued").1 = t,
            TraceKind::BuildDone => {
                let (queued, started, snapshot) = open[&rel];
                builds.push((t, queued, started, snapshot));
            }
            _ => {}
        }
    }
    commits
        .iter()
        .map(|c| {
            let &(done, queued, started, _) = builds.iter().find(|b| b.3 > c.commit)?;
            Some([
                queued - c.arrived.0 / HOUR,
                started - queued,
                done - started,
            ])
        })
        .collect()
}

/// The engine's split of commit `c` at stage `s`, grouped as the oracle's.
fn engine_groups(c: &CommitRecord, s: usize) -> Option<Groups> {
    let st = &c.breakdown.as_ref()?.stages[s];
    for p in [StagePart::Window, StagePart::Agent] {
        assert_eq!(
            st.get(p),
            0.0,
            "commit {}: {p:?} at a stage without it",
            c.commit
        );
    }
    Some([
        st.get(StagePart::Trigger),
        st.get(StagePart::Checks),
        st.get(StagePart::Lock),
        st.get(StagePart::Executing) + st.get(StagePart::Person) + st.get(StagePart::OffHours),
        st.get(StagePart::Rework),
    ])
}

/// A Tailspin year (with the 03:00 test schedule, or test on every dev
/// release) split as its event log says, commit by commit.
#[test]
fn a_tailspin_year_splits_as_the_event_log_says() {
    for file in ["tailspin.yaml", "tailspin-continuous.yaml"] {
        agrees(file);
    }
}

fn agrees(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("a shipped scenario");
    let rep = sim::traced(&sim::compile(&text, &path), 0);
    let want = build_oracle(&rep.trace, &rep.commits);
    let mut compared = 0;
    for c in &rep.commits {
        let Some(b) = &c.breakdown else { continue };
        let got = [b.before_build, b.agent_wait, b.build];
        let w = want[c.commit as usize].expect("a build delivered it");
        for k in 0..3 {
            assert!(
                (got[k] - w[k]).abs() < 1e-6,
                "build, commit {}: engine {got:?} h, event log {w:?} h",
                c.commit
            );
        }
        compared += 1;
    }
    println!("{file}, build: {compared} commits agree");
    assert!(compared > 20_000, "build: only {compared} commits");
    // Each stage after the one before it (dev after the build). Staging's
    // manual trigger splits its wait into the tester's working and off hours,
    // so its trigger and executing groups are compared together.
    for (s, upstream, name) in [
        (0, None, "dev"),
        (1, Some(0), "test"),
        (2, Some(1), "staging"),
        (3, Some(2), "production"),
    ] {
        let want = oracle(
            &rep.trace,
            s,
            upstream,
            name == "production",
            Rule::Furthest,
        );
        let mut compared = 0;
        let mut gaps = 0;
        for c in &rep.commits {
            let Some(mut got) = engine_groups(c, s) else {
                continue;
            };
            let mut w = want[c.commit as usize].expect("the oracle delivers what the engine does");
            if name == "staging" {
                for g in [&mut got, &mut w] {
                    g[0] += g[3];
                    g[3] = 0.0;
                }
            }
            for k in 0..got.len() {
                assert!(
                    (got[k] - w[k]).abs() < 1e-6,
                    "{name}, commit {}: engine {got:?} h, event log {w:?} h",
                    c.commit
                );
            }
            compared += 1;
            gaps += usize::from(w[2] > 0.0 || w[4] > 0.0);
        }
        println!("{file}, {name}: {compared} commits agree ({gaps} with lock or rework)");
        assert!(compared > 20_000, "{name}: only {compared} commits");
        assert!(gaps > 100, "{name}: the gaps are exercised ({gaps})");
    }
}

/// The rule before, printed for `docs/model.md`: at Tailspin's test the
/// newest release counted the time an older release holding the commit was
/// under test as waiting for the trigger or the lock; the furthest-along one
/// counts it as executing.
#[test]
fn the_furthest_along_release_moves_test_time_out_of_waiting() {
    for file in ["tailspin.yaml", "tailspin-continuous.yaml"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file);
        let text = std::fs::read_to_string(&path).expect("tailspin scenario");
        let rep = sim::traced(&sim::compile(&text, &path), 0);
        let newest = oracle(&rep.trace, 1, Some(0), false, Rule::Newest);
        let furthest = oracle(&rep.trace, 1, Some(0), false, Rule::Furthest);
        let (mut sum_newest, mut sum_furthest, mut n) = ([0.0; 5], [0.0; 5], 0.0);
        for c in rep.commits.iter().filter(|c| c.breakdown.is_some()) {
            let (a, b) = (
                newest[c.commit as usize].unwrap(),
                furthest[c.commit as usize].unwrap(),
            );
            // No stage soaks: nothing is behind waiting for the trigger.
            assert!(b[0] <= a[0] + 1e-9, "commit {}: {a:?} vs {b:?}", c.commit);
            assert!(b[3] >= a[3] - 1e-9, "commit {}: {a:?} vs {b:?}", c.commit);
            assert!((a.iter().sum::<f64>() - b.iter().sum::<f64>()).abs() < 1e-6);
            for k in 0..5 {
                sum_newest[k] += a[k];
                sum_furthest[k] += b[k];
            }
            n += 1.0;
        }
        let mean = |g: [f64; 5]| g.map(|x| (x / n * 100.0).round() / 100.0);
        println!(
            "{file}, test, h per commit (trigger, checks, lock, executing with person and off-hours, rework): furthest along {:?}, newest {:?}",
            mean(sum_furthest),
            mean(sum_newest)
        );
        let waiting = |g: [f64; 5]| g[0] + g[2];
        assert!(
            waiting(sum_newest) - waiting(sum_furthest) > 1.0 * n,
            "{file}: over an hour per commit moves"
        );
    }
}
