//! `promosim import argo-rollout`: canary steps (weights as set or as the
//! canary's share of pods), analysis steps and their templates, background
//! and post-promotion analyses, dry runs and blue-green become a production
//! strategy, alone or merged into a scenario (asserted on the validated scenario).

#[path = "common/import.rs"]
mod import_common;

use assert_cmd::cargo::cargo_bin_cmd;
use import_common::*;
use promosim::import;
use promosim::scenario::valid::{CanaryPlan, CanaryStep};

#[test]
fn argo_canary_steps_into_a_scenario() {
    let (f, text, v) = argo_into_base("argo/canary.yaml");
    let c = production_canary(&v);
    let kinds = step_kinds(c);
    // The AnalysisTemplate in the same file gives interval 5m, count 3, failureLimit 1;
    // `pause: 300` is seconds; setCanaryScale is skipped with a warning.
    assert_eq!(
        kinds,
        [
            "w20", "promote", "w40", "p600", "a300x3/1", "w60", "p300", "w80", "p3600"
        ]
    );
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("canary.yaml:34: canary step `setCanaryScale`"))
    );
    // The base's other lines survive; its old strategy is gone.
    assert!(text.contains("- {name: smoke, duration: 2m}") && !text.contains("blue_green"));
    assert_eq!(v.people.len(), 2, "ops and the assumed promoter");
}

/// Argo's background analysis (`canary.analysis`) is the canary's
/// `background`: the template's metric (interval, failureLimit, no count),
/// from `startingStep` on, renumbered when a step before it is not written.
#[test]
fn argo_background_analysis_is_measured_from_its_starting_step() {
    let (f, text, v) = argo_into_base("argo/background.yaml");
    let c = production_canary(&v);
    let bg = c.background.expect("a background analysis");
    assert_eq!(bg.interval.secs(), 300.0);
    assert_eq!(bg.failure_limit, 3);
    assert_eq!(bg.starting_step, 2, "setWeight: 40");
    assert!(bg.count.is_none(), "no count: until the rollout completes");
    has(
        &text,
        "background.yaml:14 (canary.analysis, startingStep 2 at ",
    );
    has(&text, "AnalysisTemplate success-rate, metric success-rate)");
    not_warned(&f.warnings, "background analysis");
    not_warned(&f.warnings, "not understood");
    // A step the model skips before it moves the start to the step written
    // for Argo's step 2 (the first pause).
    let dir = tempfile::tempdir().unwrap();
    let bg = "argo/background.yaml";
    let scaled = variant(
        dir.path(),
        bg,
        "scaled.yaml",
        "      steps:\n",
        "      steps:\n      - setCanaryScale: {replicas: 1}\n",
    );
    let (f, text, v) = merged(import::rollout::argo, &scaled);
    assert_eq!(
        production_canary(&v).background.map(|b| b.starting_step),
        Some(1)
    );
    has(&text, "(Argo's step 2 is step 1 of the steps written here)");
    assert!(warned(&f.warnings, "setCanaryScale"));
    // Starting after every step written: not simulated, and said.
    let late = variant(
        dir.path(),
        bg,
        "late.yaml",
        "startingStep: 2",
        "startingStep: 8",
    );
    let (f, _, v) = merged(import::rollout::argo, &late);
    assert!(production_canary(&v).background.is_none());
    assert!(warned(&f.warnings, "after every step the model simulates"));
    // A metric's initialDelay is the background run's `initial_delay`.
    let delayed = variant(
        dir.path(),
        bg,
        "delayed.yaml",
        "    interval: 5m\n",
        "    interval: 5m\n    initialDelay: 2m\n",
    );
    let (f, _, v) = merged(import::rollout::argo, &delayed);
    let bg = production_canary(&v).background.unwrap();
    assert_eq!(bg.initial_delay.secs(), 120.0);
    not_warned(&f.warnings, "initialDelay");
    // Its inconclusiveLimit is the run's; how often a measurement is
    // inconclusive is not in the file (0 unless the team says).
    let limited = variant(
        dir.path(),
        "argo/background.yaml",
        "limited.yaml",
        "    interval: 5m\n",
        "    interval: 5m\n    inconclusiveLimit: 2\n",
    );
    let (_, _, v) = merged(import::rollout::argo, &limited);
    let bg = production_canary(&v).background.unwrap();
    assert_eq!(bg.inconclusive_limit, 2);
    assert_eq!(bg.inconclusive.0, 0.0);
}

/// A blue-green `postPromotionAnalysis` is measured after the switch: the
/// template's metric, with `failureLimit + 1` measurements assumed when it
/// has no count (Argo would measure it until it fails).
#[test]
fn argo_post_promotion_analysis_is_measured_after_the_switch() {
    let (f, text, v) = argo_into_base("argo/bluegreen-post.yaml");
    let run = blue_green(&v, 1)
        .post_promotion_analysis
        .expect("a post-promotion analysis");
    assert_eq!(run.interval.secs(), 300.0);
    assert_eq!((run.count.get(), run.failure_limit), (4, 3));
    has(&text, "ASSUMED: count 4 (failureLimit + 1): ");
    assert!(warned(
        &f.warnings,
        "metric total-errors of AnalysisTemplate smoke-tests has no `count`"
    ));
    not_warned(&f.warnings, "postPromotionAnalysis");
    not_warned(&f.warnings, "not understood");
    // With a count, it is read as written.
    let dir = tempfile::tempdir().unwrap();
    let counted = variant(
        dir.path(),
        "argo/bluegreen-post.yaml",
        "counted.yaml",
        "    interval: 5m\n",
        "    interval: 5m\n    count: 3\n",
    );
    let (f, _, v) = merged(import::rollout::argo, &counted);
    let run = blue_green(&v, 1).post_promotion_analysis.unwrap();
    assert_eq!((run.count.get(), run.failure_limit), (3, 3));
    not_warned(&f.warnings, "no `count`");
    assert_eq!(run.initial_delay.secs(), 0.0);
    // A metric's initialDelay is the run's `initial_delay`.
    let delayed = variant(
        dir.path(),
        "argo/bluegreen-post.yaml",
        "delayed.yaml",
        "    interval: 5m\n",
        "    interval: 5m\n    count: 3\n    initialDelay: 1m\n",
    );
    let (f, _, v) = merged(import::rollout::argo, &delayed);
    let run = blue_green(&v, 1).post_promotion_analysis.unwrap();
    assert_eq!(run.initial_delay.secs(), 60.0);
    not_warned(&f.warnings, "initialDelay");
}

/// A dry-run metric (`dryRun: [{metricName: …}]`, a regular expression) is
/// measured by Argo but never fails the analysis: the model checks the
/// other metric, and an analysis of dry runs only holds the rollout.
#[test]
fn argo_dry_run_metrics_never_fail_the_analysis() {
    let (f, text, v) = argo_into_base("argo/dry-run.yaml");
    let kinds = step_kinds(production_canary(&v));
    assert_eq!(kinds, ["w20", "a300x4/3", "promote"]);
    has(
        &text,
        "metric total-4xx-errors, has interval 5m and no count",
    );
    assert!(warned(
        &f.warnings,
        "metric total-5xx-errors of AnalysisTemplate error-rates is a dry run"
    ));
    not_warned(
        &f.warnings,
        "metric total-5xx-errors of AnalysisTemplate error-rates is not simulated",
    );
    // `.*`: every metric is a dry run; the step only holds (until promoted,
    // as neither metric has a count).
    let dir = tempfile::tempdir().unwrap();
    let all = variant(
        dir.path(),
        "argo/dry-run.yaml",
        "all.yaml",
        "metricName: total-5xx-errors",
        "metricName: .*",
    );
    let (_, text, v) = merged(import::rollout::argo, &all);
    assert_eq!(step_kinds(production_canary(&v)), ["w20", "promote"]);
    has(&text, "is a dry run, which never fails it");
}

/// A metric's `initialDelay` holds the analysis step before its first
/// measurement: a pause at that weight, before the analysis.
#[test]
fn argo_initial_delay_is_a_pause_before_the_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let delayed = variant(
        dir.path(),
        "argo/canary.yaml",
        "delayed.yaml",
        "    interval: 5m\n    count: 3\n",
        "    interval: 5m\n    initialDelay: 90s\n    count: 3\n",
    );
    let (_, text, v) = merged(import::rollout::argo, &delayed);
    assert_eq!(
        step_kinds(production_canary(&v)),
        [
            "w20", "promote", "w40", "p600", "p90", "a300x3/1", "w60", "p300", "w80", "p3600"
        ]
    );
    has(
        &text,
        "metric success-rate, initialDelay): Argo's first measurement waits this long",
    );
}

#[test]
fn argo_args_placeholders_take_the_steps_value_or_the_templates() {
    let (_, _, v) = argo_into_base("argo/args.yaml");
    // interval 5s and count 4 from the template's `spec.args`, failureLimit 2 from the step's.
    let kinds = step_kinds(production_canary(&v));
    assert!(kinds.contains(&"a5x4/2".to_string()), "{kinds:?}");
    // An argument the file gives no value is refused at its field.
    let t = tempfile::tempdir().unwrap();
    let bad = t.path().join("bad.yaml");
    let text = std::fs::read_to_string(data("argo/args.yaml"))
        .unwrap()
        .replace("  - name: analysis-runs\n    value: \"4\"\n", "");
    std::fs::write(&bad, text).unwrap();
    let e = import::rollout::argo(&bad).unwrap_err();
    assert!(
        e.to_string().contains("analysis-runs") && e.to_string().contains("no value"),
        "{e}"
    );
    // Unquoted, a placeholder is a YAML mapping (argo-rollouts' rollout-linkerd example).
    let text = std::fs::read_to_string(data("argo/args.yaml"))
        .unwrap()
        .replace("\"{{args.failure-limit}}\"", "{{args.failure-limit}}");
    std::fs::write(&bad, text).unwrap();
    let e = import::rollout::argo(&bad).unwrap_err().to_string();
    assert!(
        e.contains("unquoted Argo placeholder") && e.contains("quote it"),
        "{e}"
    );
}

#[test]
fn argo_inconclusive_limit_is_read_from_the_first_analysis_template() {
    let (f, text, v) = argo_into_base("argo/canary-inconclusive.yaml");
    let c = production_canary(&v);
    assert_eq!(c.inconclusive_limit, 2, "error-rate's inconclusiveLimit");
    // How often a measurement is inconclusive is not Argo's to say.
    assert_eq!(c.inconclusive.0, 0.0);
    assert!(text.contains("inconclusive: 0  # ASSUMED"), "{text}");
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("inconclusiveLimit 4 differs from 2")),
        "{:?}",
        f.warnings
    );
    // A template without the field gets Argo's default, marked as assumed.
    let plain = import::rollout::argo(&data("argo/canary.yaml")).unwrap();
    let text = import::merge::into(&data("base.yaml"), &plain, None).unwrap();
    assert!(text.contains("inconclusive_limit: 0  # ASSUMED"), "{text}");
}

#[test]
fn argo_blue_green_and_flagger_canaries() {
    let f = import::rollout::argo(&data("argo/bluegreen.yaml")).unwrap();
    let v = validated(&import::merge::into(&data("base.yaml"), &f, Some("production")).unwrap());
    let bg = blue_green(&v, 1);
    assert!(bg.promoted_by.is_some(), "autoPromotionEnabled: false");
    assert_eq!(bg.scale_down_delay.secs(), 600.0);

    let f = import::rollout::flagger(&data("flagger/podinfo.yaml")).unwrap();
    let v = validated(&import::merge::into(&data("base.yaml"), &f, None).unwrap());
    let (weights, interval, threshold) = flagger_plan(&v);
    assert_eq!(weights, &[10.0, 20.0, 30.0, 40.0, 50.0]);
    assert_eq!(interval, 60.0);
    assert_eq!(threshold, 5);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);

    let f = import::rollout::flagger(&data("flagger/stepweights.yaml")).unwrap();
    let v = validated(&import::merge::into(&data("base.yaml"), &f, None).unwrap());
    assert_eq!(flagger_plan(&v).0, &[1.0, 10.0, 25.0, 50.0, 80.0]);
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("stepweights.yaml:18: a `confirm-rollout` webhook"))
    );
}

/// A step with two actions has each unsimulated one named; a canary whose
/// steps set no weight runs them with no user on the canary, then moves
/// every user at once (Argo's full promotion after the steps), as a last
/// `set_weight: 100` that `--into` can use.
#[test]
fn argo_steps_without_a_weight_end_at_full_weight_and_every_skipped_key_is_named() {
    let (f, text, v) = argo_into_base("argo/mirror-only.yaml");
    assert_eq!(
        step_kinds(production_canary(&v)),
        ["promote", "w100"],
        "{text}"
    );
    has(&text, "set_weight: 100  # from");
    has(&text, "mirror-only.yaml:10 (no setWeight step");
    let part = "mirror-only.yaml:10: the canary's steps set no traffic weight";
    assert!(warned(&f.warnings, part), "{:?}", f.warnings);

    let dir = tempfile::tempdir().unwrap();
    let two = dir.path().join("two.yaml");
    let yaml = std::fs::read_to_string(data("argo/mirror-only.yaml"))
        .unwrap()
        .replace("        - pause: {}\n", "        - setWeight: 50\n");
    std::fs::write(&two, yaml).unwrap();
    let f = import::rollout::argo(&two).unwrap();
    for key in ["setCanaryScale", "setMirrorRoute"] {
        assert!(
            f.warnings.iter().any(|w| w.contains(&format!("`{key}`"))),
            "{key}: {:?}",
            f.warnings
        );
    }
}

/// An analysis step that lists several templates: every one is read, a
/// `clusterScope: true` one as a ClusterAnalysisTemplate (never the
/// namespaced AnalysisTemplate of the same name). Argo fails the analysis when
/// any metric fails and waits for the longest: the model checks the metric
/// that can fail it soonest and pauses for the rest of the longest one; every
/// other metric is named by file:line. A template not in the file is warned
/// about, with the values assumed when no metric of the step can be read.
#[test]
fn argo_analysis_reads_every_template_and_honours_cluster_scope() {
    let (f, text, v) = argo_into_base("argo/canary-multi.yaml");
    let c = production_canary(&v);
    let kinds = step_kinds(c);
    // error-rate (the cluster template: 1m × 5, failureLimit 1) can fail after
    // 2m, before success-rate (5m × 6, failureLimit 3: 20m) and p99-latency
    // (2m × 10, failureLimit 2: 6m); success-rate runs 30m, so 25m more.
    assert_eq!(
        kinds,
        ["w20", "p300", "a60x5/1", "p1500", "w50", "a300x3/0", "w80"],
        "{text}"
    );
    assert_eq!(c.inconclusive_limit, 1, "the simulated metric's limit");
    assert!(
        text.contains(
            "canary-multi.yaml:74 (ClusterAnalysisTemplate error-rate, metric error-rate"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "canary-multi.yaml:50 (AnalysisTemplate success-rate, metric success-rate: 6 × 5m)"
        ),
        "{text}"
    );
    let says = |s: &str| warned(&f.warnings, s);
    assert!(
        says(
            "canary-multi.yaml:50: metric success-rate of AnalysisTemplate success-rate is not simulated"
        ),
        "{:?}",
        f.warnings
    );
    assert!(
        says(
            "canary-multi.yaml:90: metric p99-latency of ClusterAnalysisTemplate error-rate is not simulated"
        ),
        "{:?}",
        f.warnings
    );
    // The namespaced error-rate (10s) is never used.
    assert!(!text.contains("interval: 10s"), "{text}");
    assert!(
        says(
            "canary-multi.yaml:30: no metric of this analysis step can be read (AnalysisTemplate \"latency\" is not in the file"
        ) && text.contains("analysis: {interval: 5m, count: 3, failure_limit: 0}  # ASSUMED"),
        "{:?}",
        f.warnings
    );
    assert!(!says("not understood"), "{:?}", f.warnings);

    // Without clusterScope, only an AnalysisTemplate is looked for: with the
    // namespaced one gone, the cluster one is not used, and the warning says why.
    let dir = tempfile::tempdir().unwrap();
    let ns = dir.path().join("ns.yaml");
    let full = std::fs::read_to_string(data("argo/canary-multi.yaml")).unwrap();
    let cut = full.find("---\n# The namespaced template").unwrap();
    std::fs::write(
        &ns,
        full[..cut].replace("            clusterScope: true\n", ""),
    )
    .unwrap();
    let f = import::rollout::argo(&ns).unwrap();
    assert!(
        f.warnings.iter().any(|w| w.contains(
            "ns.yaml:23: AnalysisTemplate \"error-rate\" is not in the file (the file has a ClusterAnalysisTemplate of that name, which needs `clusterScope: true`); its metrics are not simulated"
        )),
        "{:?}",
        f.warnings
    );
    let v = validated(&import::merge::into(&data("base.yaml"), &f, None).unwrap());
    let CanaryPlan::Steps(steps) = &production_canary(&v).plan else {
        panic!()
    };
    assert!(
        matches!(steps[2], CanaryStep::Analysis { count, failure_limit: 3, .. } if count.get() == 6),
        "success-rate alone: {steps:?}"
    );

    // A metric's count that is not a whole number of measurements: file:line, exit 2.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, full.replace("count: 5", "count: -3")).unwrap();
    let o = cargo_bin_cmd!("promosim")
        .args(["import", "argo-rollout"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("bad.yaml:76:12: expected `count` to be a whole number"),
        "{err}"
    );
}

/// Argo's basic canary (no `trafficRouting`) reaches a setWeight by scaling
/// pods (`approximateWeightedCanaryStableReplicaCounts`): with
/// `spec.replicas` given, the weight written is the canary's share of pods,
/// citing both lines; a step whose share does not grow is left out with a
/// warning. With traffic routing the weights are as set.
#[test]
fn argo_basic_canary_weights_are_the_share_of_pods() {
    use import::rollout::replica_share;
    // Argo's own examples: 3 replicas at 50 % is 2 (a tie goes up); one
    // replica with surge at 5 % or 95 % is 1 canary of 2.
    assert_eq!(replica_share(3, 50, false), (2, 3));
    assert_eq!(replica_share(4, 5, false), (1, 4));
    assert_eq!(replica_share(4, 5, true), (1, 5));
    assert_eq!(replica_share(1, 5, true), (1, 2));
    assert_eq!(replica_share(1, 95, true), (1, 2));
    assert_eq!(replica_share(10, 10, true), (1, 10));
    assert_eq!(replica_share(5, 50, true), (3, 6));

    let f = import::rollout::argo(&data("argo/basic-canary.yaml")).unwrap();
    let text = import::merge::into(&data("base.yaml"), &f, None).unwrap();
    let v = validated(&text);
    let c = production_canary(&v);
    let CanaryPlan::Steps(steps) = &c.plan else {
        panic!()
    };
    let weights: Vec<f64> = steps
        .iter()
        .filter_map(|s| match s {
            CanaryStep::SetWeight(w) => Some(*w),
            _ => None,
        })
        .collect();
    assert_eq!(weights, [25.0, 50.0], "{text}");
    assert!(
        text.contains("set_weight: 25  # from ")
            && text.contains("basic-canary.yaml:18 (setWeight: 5; no trafficRouting: Argo scales pods, 1 canary of 4"),
        "{text}"
    );
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("basic-canary.yaml:20: setWeight 10 does not change")),
        "{:?}",
        f.warnings
    );
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("basic-canary.yaml:12: the canary has no `trafficRouting`")),
        "{:?}",
        f.warnings
    );
    // The service, surge and scale-down keys are read, not warned about.
    not_warned(&f.warnings, "not understood");

    // With traffic routing, the weights are as set.
    let f = import::rollout::argo(&data("argo/canary.yaml")).unwrap();
    not_warned(&f.warnings, "trafficRouting");
}

/// An Argo metric with `interval` and no `count` has no end (Argo's
/// `EffectiveCount()` is nil): an analysis step holds the rollout until the
/// metric fails or someone promotes the step. The model cannot measure and
/// wait for a person at once: the step measures `failureLimit + 1` times
/// (ASSUMED: the fewest that can fail it) and a `pause: {}` then waits for
/// the promoter; a warning names the metric's file:line.
#[test]
fn argo_metric_without_count_is_measured_until_someone_promotes() {
    let (f, text, v) = argo_into_base("argo/canary-indefinite.yaml");
    let c = production_canary(&v);
    // success-rate (5m, failureLimit 3, no count) can fail after 4 × 5m;
    // error-rate (1m × 5, failureLimit 1) after 2m, and it is chosen at the
    // second step, where success-rate then never ends.
    assert_eq!(
        step_kinds(c),
        [
            "w20", "a300x4/3", "promote", "w50", "a60x5/1", "promote", "w80"
        ],
        "{text}"
    );
    assert!(
        text.contains("analysis: {interval: 5m, count: 4, failure_limit: 3}  # ASSUMED: ")
            && text.contains("canary-indefinite.yaml:46"),
        "{text}"
    );
    assert!(!text.contains("count: 1"), "{text}");
    assert!(
        text.contains("promoter: release-manager  # ASSUMED"),
        "{text}"
    );
    assert_eq!(v.people.len(), 2, "ops and the assumed promoter");
    let says = |s: &str| warned(&f.warnings, s);
    assert!(
        says(
            "canary-indefinite.yaml:46: metric success-rate of AnalysisTemplate success-rate has an `interval` and no `count`"
        ),
        "{:?}",
        f.warnings
    );
}

/// Blue-green `autoPromotionSeconds` (argoproj/argo-rollouts
/// docs/features/bluegreen.md): with auto-promotion on, the switch waits that
/// long after the preview is ready; with `autoPromotionEnabled: false` Argo
/// ignores it and the promoter promotes, said in a warning.
#[test]
fn argo_auto_promotion_seconds_delay_the_switch() {
    let dir = tempfile::tempdir().unwrap();
    let from = "      scaleDownDelaySeconds: 600 # 10 minutes\n";
    let delayed = variant(
        dir.path(),
        "argo/bluegreen-post.yaml",
        "auto.yaml",
        from,
        &format!("{from}      autoPromotionSeconds: 30\n"),
    );
    let (f, text, v) = merged(import::rollout::argo, &delayed);
    let bg = blue_green(&v, 1);
    assert_eq!(bg.auto_promotion_delay.secs(), 30.0);
    assert!(bg.promoted_by.is_none());
    has(&text, "(autoPromotionSeconds)");
    not_warned(&f.warnings, "autoPromotionSeconds");
    let manual = variant(
        dir.path(),
        "argo/bluegreen-post.yaml",
        "manual.yaml",
        from,
        &format!("{from}      autoPromotionEnabled: false\n      autoPromotionSeconds: 30\n"),
    );
    let (f, _, v) = merged(import::rollout::argo, &manual);
    let bg = blue_green(&v, 1);
    assert_eq!(bg.auto_promotion_delay.secs(), 0.0);
    assert!(bg.promoted_by.is_some());
    assert!(warned(&f.warnings, "ignores the delay"));
}
