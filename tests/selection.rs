//! Ranking and selection on synthetic systems whose true means are known:
//! normal observations with a component common to every system in the same
//! replication (what common random numbers give), unequal variances. Each
//! coverage test repeats the procedure over many seeded trials and checks the
//! share of correct outcomes against the stated level, less a margin of three
//! binomial standard errors (a correct procedure fails it with probability
//! about 0.001; a procedure 5 points short fails it for sure).

mod common;

use std::ops::Range;

use promosim::experiment::job::PointResults;
use promosim::experiment::select::procedures::{self, Feasible};
use promosim::experiment::select::{self, Constraint, Delta, Op, Request};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const TRIALS: u64 = 400;

/// The least share of successes a procedure with guarantee `level` may show in `TRIALS` trials.
fn floor(level: f64) -> f64 {
    level - 3.0 * (level * (1.0 - level) / TRIALS as f64).sqrt()
}

fn normal(seed: u64) -> f64 {
    StandardNormal.sample(&mut ChaCha8Rng::seed_from_u64(seed))
}

/// Synthetic systems: X_i(r) = μ_i + √ρ·Z(r) + √(1−ρ)·σ_i·E_i(r), with Z shared
/// by every system in replication r (CRN) and everything seeded by the trial.
struct Systems {
    means: Vec<f64>,
    sd: Vec<f64>,
    rho: f64,
    trial: u64,
}

impl Systems {
    fn obs(&self, i: usize, r: u64) -> f64 {
        let key = self.trial * 1_000_003 + r;
        let z = normal(key.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let e = normal((key * 64 + i as u64 + 1).wrapping_mul(0xC2B2_AE3D_27D4_EB4F));
        self.means[i] + self.rho.sqrt() * z + (1.0 - self.rho).sqrt() * self.sd[i] * e
    }

    fn first(&self, n0: u64) -> Vec<Vec<f64>> {
        (0..self.means.len())
            .map(|i| (0..n0).map(|r| self.obs(i, r)).collect())
            .collect()
    }

    fn more(&self, reqs: &[(usize, Range<u64>)]) -> Result<Vec<Vec<f64>>, String> {
        Ok(reqs
            .iter()
            .map(|(i, r)| r.clone().map(|r| self.obs(*i, r)).collect())
            .collect())
    }
}

fn systems(means: &[f64], trial: u64) -> Systems {
    Systems {
        means: means.to_vec(),
        sd: (0..means.len()).map(|i| 1.0 + 0.5 * i as f64).collect(),
        rho: 0.6,
        trial,
    }
}

#[test]
fn kn_eta_is_the_closed_form() {
    // k = 2, n0 = 10, α = 0.05: η = ½(0.1^(−2/9) − 1) = 0.334050…, computed by hand.
    assert!((procedures::kn_eta(2, 10, 0.05) - 0.334_050).abs() < 1e-5);
    // k = 10, n0 = 20, α = 0.05: η = ½((0.1/9)^(−2/19) − 1) = 0.302934…
    assert!((procedures::kn_eta(10, 20, 0.05) - 0.302_934).abs() < 1e-5);
    // More systems or a smaller α widen the region; a larger first stage narrows it.
    assert!(procedures::kn_eta(5, 10, 0.05) > procedures::kn_eta(2, 10, 0.05));
    assert!(procedures::kn_eta(5, 10, 0.01) > procedures::kn_eta(5, 10, 0.05));
    assert!(procedures::kn_eta(5, 30, 0.05) < procedures::kn_eta(5, 10, 0.05));
}

#[test]
fn the_subset_holds_the_best_at_95_percent() {
    // A small gap (a fifth of a paired standard deviation): the hard case.
    let means = [0.0, 0.2, 0.2, 0.2, 0.2, 0.2];
    let all = vec![true; means.len()];
    let (mut hit, mut size) = (0u64, 0usize);
    for trial in 0..TRIALS {
        let s = systems(&means, trial);
        let sub = procedures::subset(&s.first(20), 0.05, &all, &all);
        hit += u64::from(sub.keep[0]);
        size += sub.keep.iter().filter(|k| **k).count();
        // The best's MCB interval holds 0 as its upper end: it is not worse than itself.
        let (lo, hi) = sub.mcb[0].unwrap();
        assert!(lo <= 0.0 && hi >= 0.0);
    }
    let pcs = hit as f64 / TRIALS as f64;
    assert!(pcs >= floor(0.95), "best kept in {pcs} of trials");
    assert!(size as f64 / (TRIALS as f64) > 1.0);
}

#[test]
fn a_clear_best_is_alone_in_the_subset() {
    // Gaps of 3 paired standard deviations: the subset should shrink to the best.
    let means = [0.0, 3.0, 3.5, 4.0];
    let all = vec![true; means.len()];
    let mut alone = 0u64;
    for trial in 0..TRIALS {
        let sub = procedures::subset(&systems(&means, trial).first(20), 0.05, &all, &all);
        alone += u64::from(sub.keep == [true, false, false, false]);
    }
    assert!(alone as f64 / TRIALS as f64 > 0.9, "alone in {alone}");
}

#[test]
fn kn_selects_the_best_at_95_percent_and_saves_replications() {
    // Slippage configuration, gap exactly δ: the least favourable one for KN.
    let delta = 1.0;
    let means = [0.0, delta, delta, delta, delta];
    let max_r = 10_000;
    let (mut correct, mut total) = (0u64, 0u64);
    for trial in 0..TRIALS {
        let s = systems(&means, 10_000 + trial);
        let kn = procedures::kn(&s.first(10), 0.05, delta, 5, max_r, &mut |r| s.more(r)).unwrap();
        let sel = kn.selected.expect("KN ends before the cap");
        correct += u64::from(sel == 0);
        total += kn.replications.iter().sum::<u64>();
        assert!(kn.replications.iter().all(|&n| (10..=max_r).contains(&n)));
    }
    let pcs = correct as f64 / TRIALS as f64;
    assert!(pcs >= floor(0.95), "correct selection in {pcs} of trials");
    // Eliminated systems stop early: far fewer than the largest stage for all.
    let avg = total as f64 / TRIALS as f64;
    assert!(
        avg > 50.0 && avg < 5.0 * 400.0,
        "average {avg} replications"
    );
}

#[test]
fn kn_does_not_depend_on_the_batch_size() {
    let s = systems(&[0.0, 0.5, 0.7], 7);
    let a = procedures::kn(&s.first(10), 0.05, 0.5, 1, 5000, &mut |r| s.more(r)).unwrap();
    let b = procedures::kn(&s.first(10), 0.05, 0.5, 37, 5000, &mut |r| s.more(r)).unwrap();
    assert_eq!(a.selected, b.selected);
    assert_eq!(a.survivors, b.survivors);
}

#[test]
fn several_equal_best_are_each_kept_and_one_of_them_is_selected() {
    let delta = 1.0;
    let means = [0.0, 0.0, 0.0, delta, delta];
    let all = vec![true; means.len()];
    let mut kept = [0u64; 3];
    let mut good = 0u64;
    for trial in 0..TRIALS {
        let s = systems(&means, 20_000 + trial);
        let first = s.first(10);
        let sub = procedures::subset(&first, 0.05, &all, &all);
        for (b, k) in kept.iter_mut().enumerate() {
            *k += u64::from(sub.keep[b]);
        }
        let kn = procedures::kn(&first, 0.05, delta, 5, 10_000, &mut |r| s.more(r)).unwrap();
        good += u64::from(kn.selected.is_some_and(|i| i < 3));
    }
    for (b, k) in kept.iter().enumerate() {
        let share = *k as f64 / TRIALS as f64;
        assert!(share >= floor(0.95), "equal best {b} kept in {share}");
    }
    let share = good as f64 / TRIALS as f64;
    assert!(share >= floor(0.95), "one of the best selected in {share}");
}

/// Points with a lead time (the selection metric) and a blast radius (the
/// constraint), as an experiment hands them over.
fn points(lead: &Systems, blast: &Systems, n: u64) -> Vec<PointResults> {
    (0..lead.means.len())
        .map(|i| PointResults {
            keys: vec![
                ("lead_time.mean".to_string(), "h"),
                ("blast_radius.share_hours".to_string(), "share·h"),
            ],
            rows: (0..n)
                .map(|r| vec![lead.obs(i, r), blast.obs(i, r)])
                .collect(),
        })
        .collect()
}

#[test]
fn with_a_constraint_the_best_feasible_is_kept_at_95_percent() {
    // Lead time falls as blast radius grows; the bound 10 makes point 2 the
    // best feasible one (points 3 and 4 are faster but break the bound).
    let lead = [4.0, 3.0, 2.0, 1.0, 0.5];
    let blast = [6.0, 8.0, 9.5, 10.8, 14.0];
    let labels: Vec<String> = (0..5).map(|i| format!("p{i}")).collect();
    let req = Request {
        metric: "lead_time.mean".into(),
        constraints: vec![Constraint::parse("blast_radius.share_hours<=10").unwrap()],
        delta: None,
        max_replications: 1000,
    };
    let (mut kept, mut verdicts_right) = (0u64, 0u64);
    for trial in 0..TRIALS {
        let l = systems(&lead, 30_000 + trial);
        let b = systems(&blast, 40_000 + trial);
        let pts = points(&l, &b, 20);
        let s = select::select(&req, &labels, &pts, &mut |_| unreachable!()).unwrap();
        kept += u64::from(s.points[2].in_subset);
        assert!(!s.points[4].in_subset || s.points[4].feasible != Some(Feasible::No));
        let right = s.points.iter().zip(&blast).all(|(p, &m)| match p.feasible {
            Some(Feasible::Yes) => m <= 10.0,
            Some(Feasible::No) => m > 10.0,
            _ => true,
        });
        verdicts_right += u64::from(right);
    }
    let share = kept as f64 / TRIALS as f64;
    assert!(share >= floor(0.95), "best feasible kept in {share}");
    // The feasibility verdicts hold jointly at 97.5 % (half of α goes to them).
    let share = verdicts_right as f64 / TRIALS as f64;
    assert!(share >= floor(0.975), "verdicts right in {share}");
}

#[test]
fn select_runs_kn_through_the_callback_and_names_the_pareto_front() {
    let lead = [3.0, 1.0, 4.0];
    let blast = [1.0, 5.0, 9.0];
    let l = systems(&lead, 5);
    let b = systems(&blast, 6);
    let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let req = Request {
        metric: "lead_time.mean".into(),
        constraints: Vec::new(),
        delta: Some(Delta::Absolute(0.5)),
        max_replications: 5000,
    };
    let mut asked = 0u64;
    let s = select::select(&req, &labels, &points(&l, &b, 10), &mut |reqs| {
        asked += reqs.iter().map(|(_, r)| r.end - r.start).sum::<u64>();
        l.more(reqs)
    })
    .unwrap();
    let q = s.sequential.as_ref().unwrap();
    assert_eq!(q.selected.as_deref(), Some("b"));
    assert!(q.added_replications <= asked);
    // c is dominated by b (slower and wider); a and b are on the front.
    assert_eq!(s.pareto, vec!["a".to_string(), "b".to_string()]);
    let text = select::text(&s);
    assert!(
        text.contains("cannot be told apart from the best at 95 %"),
        "{text}"
    );
    let html = promosim::report::selection::html(&s);
    assert!(html.contains("<table>") && html.contains("b"));
    let md = promosim::report::selection::markdown(&s);
    assert_eq!(md.matches("\n| ").count(), s.points.len() + 2);
}

#[test]
fn a_higher_is_better_metric_selects_the_largest() {
    let deploys = systems(&[1.0, 9.0, 2.0], 9);
    let pts: Vec<PointResults> = (0..3)
        .map(|i| PointResults {
            keys: vec![("production.deploys_per_week".to_string(), "1/week")],
            rows: (0..15).map(|r| vec![deploys.obs(i, r)]).collect(),
        })
        .collect();
    let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let req = Request {
        metric: "production.deploys_per_week".into(),
        constraints: Vec::new(),
        delta: None,
        max_replications: 100,
    };
    let s = select::select(&req, &labels, &pts, &mut |_| unreachable!()).unwrap();
    assert_eq!(s.better, "higher");
    assert_eq!(s.subset, vec!["b".to_string()]);
}

#[test]
fn bad_options_are_refused_with_a_message() {
    assert!(Constraint::parse("x<10").is_err());
    assert!(Constraint::parse("x<=ten").is_err());
    let c = Constraint::parse(" blast_radius.share_hours >= 2.5").unwrap();
    assert_eq!(
        (c.key.as_str(), c.op, c.bound),
        ("blast_radius.share_hours", Op::AtLeast, 2.5)
    );
    assert!(Delta::parse("0").is_err());
    assert!(Delta::parse("-1%").is_err());
    assert_eq!(Delta::parse("2%").unwrap(), Delta::Relative(0.02));
    let req = Request {
        metric: "no.such.metric".into(),
        constraints: Vec::new(),
        delta: None,
        max_replications: 100,
    };
    let s = systems(&[0.0], 1);
    let err = select::select(
        &req,
        &["a".into()],
        &points(&s, &s, 3),
        &mut |_| unreachable!(),
    );
    assert!(err.unwrap_err().to_string().contains("no.such.metric"));
}

/// A short sweep (60 days, 3 agent counts) of the shipped scenario.
fn sweep_args(out: &std::path::Path) -> Vec<String> {
    [
        "sweep",
        common::tailspin().to_str().unwrap(),
        "--set",
        "run.horizon=60d",
        "--set",
        "build.agents=1,2,4",
        "-r",
        "10",
        "--quiet",
        "--no-report",
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn sweep_select_writes_selection_json_and_leaves_the_results_alone() {
    let tmp = common::tmp();
    let plain = tmp.path().join("plain");
    let chosen = tmp.path().join("chosen");
    common::promosim(tmp.path())
        .args(sweep_args(&plain))
        .assert()
        .success();
    let out = common::promosim(tmp.path())
        .args(sweep_args(&chosen))
        .args(["--select", "lead_time.mean", "--delta", "5%"])
        .args(["--constraint", "blast_radius.share_hours<=1000"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("cannot be told apart from the best feasible at 95 %"),
        "{stdout}"
    );
    assert!(stdout.contains("sequential (KN"), "{stdout}");
    // The experiment's own files do not change with --select.
    for f in ["sweep.json", "sweep.csv"] {
        assert_eq!(
            std::fs::read(plain.join(f)).unwrap(),
            std::fs::read(chosen.join(f)).unwrap(),
            "{f}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&common::read(&chosen.join("selection.json"))).unwrap();
    assert_eq!(json["points"].as_array().unwrap().len(), 3);
    assert_eq!(json["metric"], "lead_time.mean");
    assert!(!json["subset"].as_array().unwrap().is_empty());
    assert!(
        json["sequential"]["selected"].is_string() || json["sequential"]["survivors"].is_array()
    );
}

#[test]
fn bad_selection_options_exit_2_before_running() {
    let tmp = common::tmp();
    for extra in [
        vec!["--select", "no.such.metric"],
        vec!["--select", "lead_time.mean", "--constraint", "blast<3"],
        vec!["--select", "lead_time.mean", "--delta", "-1"],
        vec![
            "--select",
            "lead_time.mean",
            "--delta",
            "1%",
            "--select-max-replications",
            "1",
        ],
    ] {
        let out = common::promosim(tmp.path())
            .args(sweep_args(&tmp.path().join("x")))
            .args(&extra)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(!err.contains("panicked"), "{extra:?}: {err}");
    }
}
