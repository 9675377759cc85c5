//! Production strategies and incidents checked against closed forms.
//!
//! The setting of every closed-form test: commits are rare (one defect every ten
//! days or so), every defect escapes (no test catches anything), monitoring
//! detects a defect at rate r × (share of users exposed), and its fix takes a day,
//! so an incident is undone by the strategy's rollback, not by a fix. Exposure is
//! measured in share × hours per incident. Each tolerance is the 95 % interval of
//! the mean over replications (Student t); the small bias from two incidents
//! overlapping (about 2 % of incidents, each shortened) is far inside it.

use std::path::Path;

use promosim::experiment::{self, Plan, Results};
use promosim::metrics::MetricSummary;
use promosim::model::Model;

const R: f64 = 0.5; // detections per hour at 100 % exposure
const ROLLBACK_H: f64 = 2.0;

fn model(stage: &str, extra: &str) -> Model {
    model_with_defects(stage, extra, 0.05)
}

/// `model` with `p` defects per commit: rarer defects seldom share a release
/// or meet in consecutive ones, as a closed form for one defect assumes.
fn model_with_defects(stage: &str, extra: &str, p: f64) -> Model {
    let yaml = format!(
        r#"
run: {{start: 2026-01-05 00:00, horizon: 400d, warm_up: 10d, seed: 11, replications: 200}}
commits:
  poisson: {{per_day: 2}}
  defects: {{probability: {p}, severity: {{critical: 1}}, fix_time: 1d}}
build: {{duration: 0s}}
stages:
{stage}
incidents:
  users: 1000
  detect_per_hour: {{minor: {R}, major: {R}, critical: {R}}}
  rollback: {ROLLBACK_H}h
{extra}
"#
    );
    let s = promosim::scenario::parse(&yaml, Path::new("production-test.yaml"))
        .expect("valid scenario");
    promosim::model::compile(&s).expect("compiles")
}

fn run(m: &Model) -> Results {
    run_n(m, m.replications())
}

fn run_n(m: &Model, replications: u32) -> Results {
    experiment::run(
        m,
        Plan {
            replications,
            threads: None,
            progress: false,
        },
    )
    .expect("runs")
}

fn metric<'a>(out: &'a Results, key: &str) -> &'a MetricSummary {
    out.summary
        .iter()
        .find(|m| m.key == key)
        .unwrap_or_else(|| panic!("no metric {key}"))
}

fn assert_covers(s: &MetricSummary, theory: f64) {
    println!(
        "{:<28} theory {theory:.4}  sim {:.4} ± {:.4} (95 %)",
        s.key, s.mean, s.ci95
    );
    assert!(s.n > 10, "{}: too few replications with incidents", s.key);
    assert!(
        (s.mean - theory).abs() <= s.ci95,
        "{}: theory {theory} outside {} ± {}",
        s.key,
        s.mean,
        s.ci95
    );
}

/// All at once: every user runs the defect until detection (mean 1/r), then
/// until the previous release is redeployed (d): E[exposure] = 1/r + d.
#[test]
fn all_at_once_exposure_is_detection_plus_rollback() {
    let out = run(&model("  - {name: production, strategy: all_at_once}", ""));
    assert_covers(
        metric(&out, "blast_radius.share_hours"),
        1.0 / R + ROLLBACK_H,
    );
    let peak = metric(&out, "blast_radius.peak_share");
    assert!(
        (peak.min - 1.0).abs() < 1e-12 && (peak.max - 1.0).abs() < 1e-12,
        "all users exposed"
    );
    // Time to restore from detection is the rollback, except when the detection
    // falls inside another incident: that rollback may remove this defect too
    // (shorter) or land on a release that still carries it (a second rollback,
    // longer). Defects arrive at 2 × 0.05 = 0.1 a day and each is exposed
    // 1/r + d = 4 h, so about 0.1 × 4 / 24 ≈ 1.7 % of detections overlap; each is
    // off by at most d, so the mean stays within 5 % of d.
    let restore = metric(&out, "restore.from_detection");
    println!(
        "restore from detection: {:.4} (min {:.4}, max {:.4})",
        restore.mean, restore.min, restore.max
    );
    assert!(
        (restore.mean - ROLLBACK_H).abs() <= 0.05 * ROLLBACK_H,
        "restore {restore:?}"
    );
    // User-hours are share-hours times users.
    let users = metric(&out, "blast_radius.user_hours");
    assert!((users.mean - 1000.0 * metric(&out, "blast_radius.share_hours").mean).abs() < 1e-6);
}

/// A canary holding share s for T hours, then 100 %. Detection during the hold
/// (rate r·s) aborts at once; after it, the rollback takes d. With
/// λ = r·s: E = s·E[τ; τ < T] + e^{−λT}(sT + 1/r + d) = 1/r + e^{−rsT}·d,
/// and the peak share is s with probability 1 − e^{−λT}, else 1.
#[test]
fn canary_hold_exposure_matches_closed_form() {
    let (s, t) = (0.05, 10.0);
    let stage = format!(
        "  - name: production\n    strategy:\n      canary:\n        steps:\n          - set_weight: {}\n          - pause: {{duration: {t}h}}\n        abort: 0s",
        s * 100.0
    );
    let out = run(&model(&stage, ""));
    let p_hold = (-R * s * t).exp();
    assert_covers(
        metric(&out, "blast_radius.share_hours"),
        1.0 / R + p_hold * ROLLBACK_H,
    );
    assert_covers(
        metric(&out, "blast_radius.peak_share"),
        s * (1.0 - p_hold) + p_hold,
    );
}

/// Expected exposure (share·h) of a canary that holds `holds` (share, hours)
/// one after another, then runs at 100 %, with a background analysis every
/// `dt` hours from the start of hold `from` on that aborts at its
/// `limit + 1`-th failed measurement over the rollout; each measurement fails
/// with q = 1 − e^{−a·∫s}, the share integrated over its interval (a weight
/// change inside it counts for the time each weight held). Detection is the
/// first of monitoring (rate r·s) and the abort, so with P(τ > t) =
/// e^{−r∫s} · P(at most `limit` failures among the measurements up to t):
/// E = ∫ s(t)·P(τ > t) dt over the holds + P(τ > T)·(1/r + d).
/// Measuring begins `delay` hours after hold `from` starts (`initial_delay`).
/// (`at_end`: each measurement at the share it ends at instead, for contrast.)
fn background_exposure(
    holds: &[(f64, f64)],
    from: usize,
    delay: f64,
    dt: f64,
    limit: usize,
    a: f64,
    at_end: bool,
) -> f64 {
    let start: f64 = holds[..from].iter().map(|h| h.1).sum::<f64>() + delay;
    // dist[k]: P(k failures so far), for k ≤ limit (beyond: aborted).
    let mut dist = vec![0.0; limit + 1];
    dist[0] = 1.0;
    let (mut t, mut mon, mut exposure, mut dose) = (0.0, 1.0, 0.0, 0.0);
    let mut next = start + dt;
    let step = 1e-4;
    for &(s, len) in holds {
        let end = t + len;
        while t < end - 1e-12 {
            let to = (t + step).min(end).min(if next > t { next } else { end });
            let alive: f64 = dist.iter().sum();
            // Midpoint rule on e^{−r s t}, exact enough at this step.
            exposure += s * mon * (-R * s * (to - t) / 2.0).exp() * alive * (to - t);
            mon *= (-R * s * (to - t)).exp();
            if t >= start - 1e-12 {
                dose += s * (to - t);
            }
            t = to;
            if (t - next).abs() < 1e-9 {
                let q = 1.0 - (-a * if at_end { s * dt } else { dose }).exp();
                dose = 0.0;
                for k in (0..=limit).rev() {
                    let stay = dist[k] * (1.0 - q);
                    let moved = if k > 0 { dist[k - 1] * q } else { 0.0 };
                    dist[k] = stay + moved;
                }
                next += dt;
            }
        }
    }
    let alive: f64 = dist.iter().sum();
    exposure + mon * alive * (1.0 / R + ROLLBACK_H)
}

/// A canary's steps holding `holds` (percent, hours), a background analysis
/// (`interval: 1h`, its `failure_limit` and `starting_step`) and analysis
/// sensitivity `a` per hour at 100 %.
fn background_stage(holds: &[(f64, f64)], limit: u32, starting: usize, a: f64) -> String {
    background_stage_delayed(holds, limit, starting, a, 0.0)
}

/// `background_stage` with an `initial_delay` of `delay` hours.
fn background_stage_delayed(
    holds: &[(f64, f64)],
    limit: u32,
    starting: usize,
    a: f64,
    delay: f64,
) -> String {
    let mut steps = String::new();
    for (w, h) in holds {
        steps.push_str(&format!(
            "          - set_weight: {w}\n          - pause: {{duration: {}m}}\n",
            h * 60.0
        ));
    }
    format!(
        "  - name: production\n    strategy:\n      canary:\n        steps:\n{steps}        abort: 0s\n        analysis_detect_per_hour: {{minor: {a}, major: {a}, critical: {a}}}\n        background: {{interval: 1h, failure_limit: {limit}, starting_step: {}, initial_delay: {}m}}",
        2 * starting,
        delay * 60.0
    )
}

/// Background analysis against its exposure integral: on one hold from the
/// start with failure limit 0 (it shortens the hold's exposure well below
/// the monitoring-only closed form above), and over two holds, measuring
/// from the second only, then from the first with a limit of one failure
/// counted over the whole rollout (Argo's one AnalysisRun).
#[test]
fn background_analysis_exposure_matches_closed_form() {
    let a = 4.0;
    let one = [(5.0, 10.5)];
    let out = run(&model(&background_stage(&one, 0, 0, a), ""));
    let want = background_exposure(&[(0.05, 10.5)], 0, 0.0, 1.0, 0, a, false);
    assert_covers(metric(&out, "blast_radius.share_hours"), want);
    // Without it the same hold exposes 1/r + e^{−rsT}·d (the test above).
    let without = 1.0 / R + (-R * 0.05 * 10.5f64).exp() * ROLLBACK_H;
    assert!(want < without - 1.0, "{want} vs {without}");
    let two = [(5.0, 5.25), (10.0, 5.25)];
    let shares = [(0.05, 5.25), (0.10, 5.25)];
    let out = run(&model(&background_stage(&two, 0, 1, a), ""));
    assert_covers(
        metric(&out, "blast_radius.share_hours"),
        background_exposure(&shares, 1, 0.0, 1.0, 0, a, false),
    );
    let out = run(&model(&background_stage(&two, 1, 0, a), ""));
    assert_covers(
        metric(&out, "blast_radius.share_hours"),
        background_exposure(&shares, 0, 0.0, 1.0, 1, a, false),
    );
    // A weight change half-way through the first measurement: it sees half
    // an hour at 5 % and half an hour at 50 %. Taken at the weight of its
    // end it would fail far more often, and expose far less.
    let step = [(5.0, 0.5), (50.0, 4.5)];
    let shares = [(0.05, 0.5), (0.50, 4.5)];
    let out = run(&model(&background_stage(&step, 0, 0, a), ""));
    let want = background_exposure(&shares, 0, 0.0, 1.0, 0, a, false);
    let got = metric(&out, "blast_radius.share_hours");
    assert_covers(got, want);
    let at_end = background_exposure(&shares, 0, 0.0, 1.0, 0, a, true);
    println!("taken at the weight it ends at: {at_end:.4}");
    assert!(
        (got.mean - at_end).abs() > 3.0 * got.ci95,
        "{at_end} vs {got:?}"
    );
    // With an initial delay of 45 minutes the measurements come at 1h45,
    // 2h45, …: the 50 % users of the first 1h15 are not measured until then.
    let out = run(&model(&background_stage_delayed(&step, 0, 0, a, 0.75), ""));
    let want = background_exposure(&shares, 0, 0.75, 1.0, 0, a, false);
    assert_covers(metric(&out, "blast_radius.share_hours"), want);
    let undelayed = background_exposure(&shares, 0, 0.0, 1.0, 0, a, false);
    assert!(want > undelayed + 0.1, "{want} vs {undelayed}");
}

/// Blue-green with the old colour kept: rollback is a switch back, so every
/// incident is restored exactly `switch` after detection, and the mean exposure
/// is 1/r + switch. Production deploys once a day, so the previous colour is
/// the release before the defect.
#[test]
fn blue_green_rollback_is_bounded_by_detection_plus_switch() {
    let switch_h = 0.5;
    let stage = format!(
        "  - name: production\n    trigger: {{schedule: \"0 3 * * *\"}}\n    strategy:\n      blue_green: {{switch: {}m, scale_down_delay: 30d}}",
        switch_h * 60.0
    );
    let out = run(&model(&stage, ""));
    let restore = metric(&out, "restore.from_detection");
    // No incident takes longer than the switch back once detected.
    println!("restore from detection: {restore:?}");
    assert!(restore.max <= switch_h + 1e-9, "{restore:?}");
    assert_covers(metric(&out, "blast_radius.share_hours"), 1.0 / R + switch_h);
    // Both colours run while the old one is kept: more environment-hours than one colour.
    let env = metric(&out, "production.environment_hours");
    assert!(env.min > 390.0 * 24.0, "environment hours {env:?}");
}

/// A feature flag held at 0 % deploys the code dark: nothing is exposed.
#[test]
fn flag_at_zero_exposes_nothing() {
    let out = run(&model(
        "  - {name: production}",
        "  flag_ramp: [{after: 0s, percent: 0}]",
    ));
    assert!(
        metric(&out, "defects.introduced").mean > 5.0,
        "defects were shipped"
    );
    assert!(
        metric(&out, "production.deploys_per_week").mean > 5.0,
        "releases were deployed"
    );
    assert_eq!(metric(&out, "incidents.count").max, 0.0);
    assert_eq!(metric(&out, "defects.escaped").max, 0.0);
}

/// The shipped SaaS canary against an all-at-once copy of itself, on the same
/// seed (the same commits and defects): the canary exposes fewer users per
/// incident and makes changes wait longer. Both are paired differences whose
/// 95 % interval must exclude zero.
#[test]
fn saas_canary_trades_lead_time_for_blast_radius() {
    let text = std::fs::read_to_string("scenarios/saas-canary.yaml").expect("shipped scenario");
    let start = text
        .find("    strategy:\n      canary:")
        .expect("canary strategy");
    let end = text.find("\nincidents:").expect("incidents section");
    let aao = format!(
        "{}    strategy: all_at_once\n{}",
        &text[..start],
        &text[end..]
    );
    let runs: Vec<Results> = [text.as_str(), aao.as_str()]
        .iter()
        .map(|t| {
            let s = promosim::scenario::parse(t, Path::new("saas.yaml")).expect("parses");
            let m = promosim::model::compile(&s).expect("compiles");
            experiment::run(
                &m,
                Plan {
                    replications: 30,
                    threads: None,
                    progress: false,
                },
            )
            .expect("runs")
        })
        .collect();
    let paired = |key: &str| {
        let values = |o: &Results| -> Vec<f64> {
            o.replications
                .iter()
                .map(|r| {
                    r.metrics()
                        .into_iter()
                        .find(|m| m.key == key)
                        .map_or(f64::NAN, |m| m.value)
                })
                .collect()
        };
        let (c, a) = (values(&runs[0]), values(&runs[1]));
        promosim::metrics::describe(key.into(), "", c.iter().zip(&a).map(|(c, a)| c - a))
    };
    let blast = paired("blast_radius.share_hours");
    let lead = paired("lead_time.mean");
    println!(
        "canary − all-at-once: blast radius {:.3} ± {:.3} share·h, lead time {:.3} ± {:.3} h",
        blast.mean, blast.ci95, lead.mean, lead.ci95
    );
    assert!(
        blast.mean + blast.ci95 < 0.0,
        "canary must lower the blast radius: {blast:?}"
    );
    assert!(
        lead.mean - lead.ci95 > 0.0,
        "canary must lengthen lead time: {lead:?}"
    );
}

fn refused(stage: &str) -> String {
    let yaml = format!(
        "run: {{start: 2026-01-05, horizon: 10d}}\npeople: {{ops: {{}}}}\ncommits: {{poisson: {{per_day: 5}}}}\nbuild: {{duration: 5m}}\nstages:\n{stage}\n"
    );
    match promosim::scenario::parse(&yaml, Path::new("bad.yaml")) {
        Ok(_) => panic!("accepted:\n{stage}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_strategies_are_refused_with_a_position() {
    let e = refused(
        "  - name: prod\n    strategy:\n      canary:\n        steps: [{set_weight: 50}, {set_weight: 25}]",
    );
    assert!(
        e.starts_with("bad.yaml:6:") && e.contains("must increase"),
        "{e}"
    );
    let e = refused("  - name: prod\n    strategy: {canary: {steps: [{set_weight: 120}]}}");
    assert!(e.contains("within 0–100"), "{e}");
    let e =
        refused("  - name: prod\n    strategy: {canary: {steps: [{set_weight: 5}, {pause: {}}]}}");
    assert!(e.contains("promoter"), "{e}");
    let e = refused("  - name: dev\n    strategy: {blue_green: {}}\n  - name: prod");
    assert!(
        e.starts_with("bad.yaml:6:") && e.contains("serves no users"),
        "{e}"
    );
    let e = refused("  - name: prod\n    strategy: {canary: {step_weight: 10}}");
    assert!(e.contains("interval"), "{e}");
    let e = refused("  - name: prod\n    strategy: {rolling: {batch_duration: 5m}}");
    assert!(e.contains("batches"), "{e}");
    let e = refused(
        "  - name: prod\n    strategy: {canary: {steps: [{set_weight: 5}], background: {interval: 5m, starting_step: 1}}}",
    );
    assert!(
        e.starts_with("bad.yaml:6:") && e.contains("past the last step"),
        "{e}"
    );
    let e = refused(
        "  - name: prod\n    strategy: {canary: {step_weight: 10, interval: 1m, background: {interval: 5m}}}",
    );
    assert!(e.contains("Flagger"), "{e}");
    let e = refused(
        "  - name: prod\n    strategy: {canary: {steps: [{set_weight: 5}], background: {interval: 0s}}}",
    );
    assert!(e.contains("longer than zero"), "{e}");
}

/// Blue-green with a post-promotion analysis of n measurements Δ apart after
/// the switch and an initial delay d, every user on the new colour: detection
/// during it (monitoring at rate r, or a failed measurement, q = 1 − e^{−aΔ})
/// switches back in `switch`; after it, detection (mean 1/r) switches back in
/// `switch` too (the old colour is kept 30 days). With T = nΔ:
/// E = (1 − e^{−rd})/r + e^{−rd}·[∫_0^T e^{−rt}(1 − q)^{⌊t/Δ⌋} dt + e^{−rT}(1 − q)^n / r] + switch.
#[test]
fn blue_green_post_promotion_analysis_matches_closed_form() {
    let (switch_h, a, n) = (0.5, 1.0, 6);
    for delay_h in [0.0, 1.5] {
        let stage = format!(
            "  - name: production\n    trigger: {{schedule: \"0 3 * * *\"}}\n    strategy:\n      blue_green: {{switch: {}m, scale_down_delay: 30d, post_promotion_analysis: {{interval: 1h, count: {n}, initial_delay: {}m}}, analysis_detect_per_hour: {{minor: {a}, major: {a}, critical: {a}}}}}",
            switch_h * 60.0,
            delay_h * 60.0
        );
        // At 5 % a defect meets another in one release or the next often
        // enough to lengthen exposure by about 1 % (4 000 replications: 2.049
        // vs 2.030 at 1 % with the delay); at 1 %, more replications.
        let out = run_n(&model_with_defects(&stage, "", 0.01), 1000);
        let q = 1.0 - (-a * 1.0f64).exp();
        let during: f64 = (0..n)
            .map(|k| (1.0 - q).powi(k) * ((-R * k as f64).exp() - (-R * (k + 1) as f64).exp()) / R)
            .sum();
        let after = (-R * n as f64).exp() * (1.0 - q).powi(n) / R;
        let unchecked = (1.0 - (-R * delay_h).exp()) / R;
        let want = unchecked + (-R * delay_h).exp() * (during + after) + switch_h;
        // The analysis shortens it; its delay, unchecked, lengthens it again.
        assert!(want < 1.0 / R + switch_h - 0.5 + delay_h / 2.0, "{want}");
        assert_covers(metric(&out, "blast_radius.share_hours"), want);
        let restore = metric(&out, "restore.from_detection");
        assert!(restore.max <= switch_h + 1e-9, "{restore:?}");
    }
}

/// A rolling update whose every batch fails never moves a user: each rollout
/// rolls back, nothing reaches production, so nothing is exposed.
#[test]
fn rolling_update_that_always_fails_never_exposes_users() {
    let stage = "  - name: production\n    strategy: {rolling: {batches: 4, batch_duration: 10m, failure: 1.0}}";
    let out = run(&model(stage, ""));
    assert!(metric(&out, "production.rollouts").mean > 10.0);
    assert_eq!(metric(&out, "production.deploys_per_week").max, 0.0);
    assert_eq!(metric(&out, "incidents.count").max, 0.0);
    // Every rollout is aborted (none is a rollback of a running release); one
    // may straddle the warm-up and one the horizon.
    for r in &out.replications {
        let (n, back) = (r.incidents.rollouts as f64, r.incidents.aborts as f64);
        assert!((n - back).abs() <= 1.0, "rollouts {n}, aborts {back}");
        assert_eq!(r.incidents.rollbacks, 0);
    }
}

/// A successful rolling update over N batches of τ hours exposes a defect to
/// k/N of the users after batch k (none during the first), then to all. With
/// detection at rate r × share, the exposure accumulated until detection,
/// W(T) = ∫₀ᵀ w dt, is exponential with mean 1/r whatever the ramp; the
/// rollback then takes d at the share reached, w(T). So E[share·h] =
/// 1/r + E[w(T)]·d and the mean peak share is E[w(T)], where detection falls
/// in batch k + 1 (share k/N) with probability e^{−H_k} − e^{−H_{k+1}},
/// H_k = r·τ·Σ_{j<k} j/N, and after the roll (share 1) with e^{−H_N}.
#[test]
fn rolling_update_ramps_exposure_in_batches() {
    let (n, tau) = (4u32, 2.0);
    let stage = "  - name: production\n    strategy: {rolling: {batches: 4, batch_duration: 2h}}";
    let out = run(&model(stage, ""));
    let mut h = 0.0;
    let mut mean_share = 0.0;
    for k in 0..n {
        let w = f64::from(k) / f64::from(n);
        let next = h + R * tau * w;
        mean_share += w * ((-h).exp() - (-next).exp());
        h = next;
    }
    mean_share += (-h).exp();
    assert_covers(metric(&out, "blast_radius.peak_share"), mean_share);
    assert_covers(
        metric(&out, "blast_radius.share_hours"),
        1.0 / R + mean_share * ROLLBACK_H,
    );
}

/// Blue-green auto-promotion after a delay: the release waits on the idle
/// colour, which serves no users. Without defects every delivered commit's
/// lead time grows by exactly the delay (the wait draws nothing: the same
/// random numbers); with them, an incident still exposes 1/r + switch.
#[test]
fn blue_green_auto_promotion_delay_adds_to_lead_time_only() {
    let stage = |delay: &str| {
        format!(
            "  - name: production\n    trigger: {{schedule: \"0 3 * * *\"}}\n    strategy:\n      blue_green: {{switch: 30m, scale_down_delay: 30d{delay}}}"
        )
    };
    let delay = ", auto_promotion_delay: 2h";
    let lead = |out: &Results| metric(out, "lead_time.mean").mean;
    let base = run(&model_with_defects(&stage(""), "", 0.0));
    let delayed = run(&model_with_defects(&stage(delay), "", 0.0));
    let gap = lead(&delayed) - lead(&base);
    assert!((gap - 2.0).abs() < 1e-6, "lead time grew by {gap} h");
    let out = run(&model(&stage(delay), ""));
    assert_covers(metric(&out, "blast_radius.share_hours"), 1.0 / R + 0.5);
    // With a promoter, Argo ignores the delay: refused, said plainly.
    let e = refused(
        "  - name: production\n    strategy: {blue_green: {promoted_by: ops, auto_promotion_delay: 1h}}",
    );
    assert!(
        e.starts_with("bad.yaml:") && e.contains("auto_promotion_delay"),
        "{e}"
    );
}

/// Blue-green whose old colour is scaled down an hour after the switch: a
/// defect detected within that hour (probability 1 − e^{−r·h}, all users on
/// the new colour) is restored by the switch back, one detected later by a
/// redeploy (`rollback`, d). E[share·h] = 1/r + switch·(1 − e^{−r·h}) + d·e^{−r·h},
/// and the restore from detection is the last two terms. As in
/// `all_at_once_exposure_is_detection_plus_rollback`, a detection inside
/// another incident's rollback is restored sooner (a few per cent of
/// incidents here; 3 % below the closed form at this seed): the restore's
/// mean is held to 5 % of it.
#[test]
fn blue_green_after_scale_down_rolls_back_by_redeploying() {
    let (switch_h, keep_h) = (0.5, 1.0);
    let stage = format!(
        "  - name: production\n    trigger: {{schedule: \"0 3 * * *\"}}\n    strategy:\n      blue_green: {{switch: {}m, scale_down_delay: {}m}}",
        switch_h * 60.0,
        keep_h * 60.0
    );
    let out = run(&model(&stage, ""));
    let kept = 1.0 - (-R * keep_h).exp();
    let restore = switch_h * kept + ROLLBACK_H * (1.0 - kept);
    assert_covers(metric(&out, "blast_radius.share_hours"), 1.0 / R + restore);
    let got = metric(&out, "restore.from_detection");
    println!(
        "restore from detection: {:.4}, closed form {restore:.4}",
        got.mean
    );
    assert!((got.mean - restore).abs() <= 0.05 * restore, "{got:?}");
    // Without the redeploys (the old colour kept), the mean would be the switch.
    assert!(got.mean > 2.0 * switch_h, "{got:?}");
}
