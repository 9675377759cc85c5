//! `promosim import flagger`: a Canary's analysis (step weights, interval,
//! threshold, iterations, webhooks, provider) becomes a canary or blue-green
//! production strategy, merged into a scenario (asserted on the validated scenario).

#[path = "common/import.rs"]
mod import_common;

use assert_cmd::cargo::cargo_bin_cmd;
use import_common::*;
use promosim::import;
use promosim::scenario::valid::Strategy;

/// Flagger's A/B mode (`match`): the matched users run the new version
/// during the analysis; the import says the model does not simulate them,
/// rather than that no user sees it.
#[test]
fn flagger_ab_test_says_the_matched_users_are_not_simulated() {
    let (f, yaml, _) = flagger_into_base("flagger/istio-abtest.yaml");
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("istio-abtest.yaml:42: `match` is Flagger's A/B mode")),
        "{:?}",
        f.warnings
    );
    assert!(
        yaml.contains("with only the users `match` selects on it (not simulated)"),
        "{yaml}"
    );
    assert!(!yaml.contains("with no users on it"), "{yaml}");
}

/// Flagger's blue/green mode (`iterations` without weights): the analysis's
/// hold of iterations × interval before promotion is kept as the blue_green
/// `switch` (the model's wait before traffic moves, with no users on the new
/// version); the threshold, which the model cannot count on a colour with no
/// users, is named with its file:line in the warning that says what is lost.
#[test]
fn flagger_blue_green_keeps_the_analysis_hold_and_names_the_threshold() {
    let (f, text, v) = flagger_into_base("flagger/bluegreen.yaml");
    let bg = blue_green(&v, 1);
    assert_eq!(bg.switch.secs(), 300.0, "10 iterations × 30s");
    // The confirm-promotion webhook (line 56) is a manual promotion.
    assert!(bg.promoted_by.is_some(), "confirm-promotion");
    assert!(
        text.contains("promoted_by: release-manager  # from ")
            && text.contains("bluegreen.yaml:56 (a `confirm-promotion` webhook"),
        "{text}"
    );
    assert_eq!(
        bg.scale_down_delay.secs(),
        0.0,
        "the primary is updated in place"
    );
    // Provenance: iterations (line 32) and interval (line 28); threshold (line 30).
    assert!(
        text.contains("switch: 5m  # from ")
            && text.contains("bluegreen.yaml:32 (iterations: 10) × ")
            && text.contains("bluegreen.yaml:28 (interval: 30s)"),
        "{text}"
    );
    assert!(text.contains("`threshold: 2` ("), "{text}");
    let lost = f
        .warnings
        .iter()
        .find(|w| w.contains("bluegreen.yaml:32: `iterations` without weights"))
        .unwrap_or_else(|| panic!("{:?}", f.warnings));
    assert!(
        lost.contains("bluegreen.yaml:30)")
            && lost.contains("threshold: 2")
            && lost.contains("Lost:"),
        "{lost}"
    );
    // The webhooks are read in this mode too; nothing is left unread.
    not_warned(&f.warnings, "not understood");

    // A count of checks that is not a whole number: file:line, exit 2.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    let yaml = std::fs::read_to_string(data("flagger/bluegreen.yaml"))
        .unwrap()
        .replace("iterations: 10", "iterations: ten");
    std::fs::write(&bad, yaml).unwrap();
    let o = cargo_bin_cmd!("promosim")
        .args(["import", "flagger"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("bad.yaml:32:"), "{err}");
    assert!(
        err.contains("`iterations`") && !err.contains("panicked"),
        "{err}"
    );
}

/// `skipAnalysis: true`: Flagger promotes without analysis as soon as the
/// canary is ready, every user at once. It is imported as `all_at_once`,
/// citing the line, with a warning that the analysis is not simulated.
#[test]
fn flagger_skip_analysis_is_all_at_once() {
    let (f, text, v) = flagger_into_base("flagger/skip-analysis.yaml");
    assert!(
        matches!(v.stages[1].strategy, Strategy::AllAtOnce),
        "{:?}",
        v.stages[1].strategy
    );
    assert!(
        text.contains("all_at_once  # from ")
            && text.contains("skip-analysis.yaml:12 (skipAnalysis: true"),
        "{text}"
    );
    assert!(
        f.warnings.iter().any(
            |w| w.contains("skip-analysis.yaml:12: `skipAnalysis: true`")
                && w.contains("skip-analysis.yaml:14) is not simulated")
        ),
        "{:?}",
        f.warnings
    );
    not_warned(&f.warnings, "not understood");

    // `skipAnalysis: false` is the ordinary canary.
    let dir = tempfile::tempdir().unwrap();
    let off = dir.path().join("off.yaml");
    let yaml = std::fs::read_to_string(data("flagger/skip-analysis.yaml")).unwrap();
    std::fs::write(
        &off,
        yaml.replace("skipAnalysis: true", "skipAnalysis: false"),
    )
    .unwrap();
    let f = import::rollout::flagger(&off).unwrap();
    let v = validated(&import::merge::into(&data("base.yaml"), &f, None).unwrap());
    assert!(matches!(v.stages[1].strategy, Strategy::Canary(_)));
}

/// Flagger's `GetAnalysisInterval`: 60s when `analysis.interval` is absent
/// (written as assumed), and an interval under 10s is raised to 10s.
#[test]
fn flagger_interval_defaults_to_60s_and_is_at_least_10s() {
    let (_, text, v) = flagger_into_base("flagger/no-interval.yaml");
    assert_eq!(flagger_plan(&v).1, 60.0);
    assert!(
        text.contains("interval: 1m  # ASSUMED: no analysis.interval: Flagger's default 60s"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.yaml");
    let yaml = std::fs::read_to_string(data("flagger/no-interval.yaml"))
        .unwrap()
        .replace("threshold: 5", "interval: 5s\n    threshold: 5");
    std::fs::write(&short, yaml).unwrap();
    let f = import::rollout::flagger(&short).unwrap();
    let text = import::merge::into(&data("base.yaml"), &f, None).unwrap();
    let v = validated(&text);
    assert_eq!(flagger_plan(&v).1, 10.0);
    assert!(text.contains("short.yaml:13 (interval: 5s;"), "{text}");
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("short.yaml:13: interval 5s is under 10s"))
    );

    // A blue/green hold without an interval: iterations × 60s.
    let bg = dir.path().join("bg.yaml");
    let yaml = std::fs::read_to_string(data("flagger/bluegreen.yaml"))
        .unwrap()
        .replace("    interval: 30s\n", "");
    std::fs::write(&bg, yaml).unwrap();
    let f = import::rollout::flagger(&bg).unwrap();
    let v = validated(&import::merge::into(&data("base.yaml"), &f, None).unwrap());
    let Strategy::BlueGreen(b) = &v.stages[1].strategy else {
        panic!()
    };
    assert_eq!(b.switch.secs(), 600.0, "10 iterations × Flagger's 60s");
}

/// A `confirm-rollout` or `confirm-promotion` webhook waits for a manual
/// approval: in blue/green mode it is the blue_green's `promoted_by` (the
/// assumed release-manager, added to people), citing the webhook's line; a
/// second gate is warned about. In canary mode the Flagger shorthand has no
/// manual pause, so each is warned about (docs/import.md says why).
#[test]
fn flagger_confirm_webhooks_are_a_manual_promotion_in_blue_green() {
    let (f, text, v) = flagger_into_base("flagger/bluegreen-confirm.yaml");
    let bg = blue_green(&v, 1);
    let p = bg.promoted_by.expect("a manual promotion");
    assert_eq!(v.people[p].name, "release-manager");
    assert!(
        text.contains("bluegreen-confirm.yaml:19 (a `confirm-rollout` webhook"),
        "{text}"
    );
    assert!(
        f.warnings
            .iter()
            .any(|w| w
                .contains("bluegreen-confirm.yaml:22: a second manual gate, `confirm-promotion`")),
        "{:?}",
        f.warnings
    );
    // The unknown key is still named.
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("bluegreen-confirm.yaml:17: `spec.analysis.bogusKey`"))
    );

    // Canary mode: warned, not simulated.
    let f = import::rollout::flagger(&data("flagger/stepweights.yaml")).unwrap();
    assert!(
        f.warnings.iter().any(
            |w| w.contains("stepweights.yaml:18: a `confirm-rollout` webhook")
                && w.contains("no manual pause")
        ),
        "{:?}",
        f.warnings
    );
    assert!(f.people.is_empty());
}

/// Flagger's older key `spec.canaryAnalysis` (v1alpha3) is still read by
/// Flagger's `GetAnalysis()` when `spec.analysis` is absent: the same canary.
#[test]
fn flagger_canary_analysis_is_the_older_name_of_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let old = podinfo_with(
        dir.path(),
        "old.yaml",
        "  analysis:\n",
        "  canaryAnalysis:\n",
    );
    let f = import::rollout::flagger(&old).unwrap();
    let text = import::merge::into(&data("base.yaml"), &f, None).unwrap();
    let v = validated(&text);
    let (weights, interval, threshold) = flagger_plan(&v);
    assert_eq!(weights, &[10.0, 20.0, 30.0, 40.0, 50.0]);
    assert_eq!((interval, threshold), (60.0, 5));
    assert!(text.contains("step_weight: 10  # from ") && text.contains("old.yaml:29"));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    // With both, Flagger reads `analysis`; the other is said.
    let both = podinfo_with(
        dir.path(),
        "both.yaml",
        "  analysis:\n",
        "  canaryAnalysis:\n    interval: 5m\n  analysis:\n",
    );
    let f = import::rollout::flagger(&both).unwrap();
    assert!(
        f.warnings.iter().any(|w| w
            .contains("both.yaml:25: `canaryAnalysis` is ignored: Flagger reads `analysis` (")
            && w.contains("both.yaml:27)")),
        "{:?}",
        f.warnings
    );
}

/// Flagger's `DeploymentStrategy()`: `iterations` above 0 is blue/green (A/B
/// with `match`) whatever the weights, which Flagger then ignores.
#[test]
fn flagger_iterations_with_step_weight_is_blue_green() {
    let dir = tempfile::tempdir().unwrap();
    let p = podinfo_with(
        dir.path(),
        "it.yaml",
        "    stepWeight: 10\n",
        "    stepWeight: 10\n    iterations: 4\n",
    );
    let (f, text, v) = merged(import::rollout::flagger, &p);
    let bg = blue_green(&v, 1);
    assert_eq!(bg.switch.secs(), 240.0, "4 iterations × 1m");
    assert!(text.contains("it.yaml:30 (iterations: 4) × "), "{text}");
    assert!(
        f.warnings.iter().any(|w| w.contains("it.yaml:30:")
            && w.contains("it.yaml:29) and `maxWeight` (")
            && w.contains("it.yaml:28) are ignored")
            && w.contains("Flagger ignores them")),
        "{:?}",
        f.warnings
    );
    not_warned(&f.warnings, "not understood");
    // `iterations: 0` is not set: the canary.
    let zero = podinfo_with(
        dir.path(),
        "zero.yaml",
        "    stepWeight: 10\n",
        "    stepWeight: 10\n    iterations: 0\n",
    );
    let v = validated(
        &import::merge::into(
            &data("base.yaml"),
            &import::rollout::flagger(&zero).unwrap(),
            None,
        )
        .unwrap(),
    );
    assert!(matches!(v.stages[1].strategy, Strategy::Canary(_)));
}

/// `provider: kubernetes` has no progressive traffic: Flagger's scheduler
/// sets 10 iterations when none are given and runs blue/green.
#[test]
fn flagger_kubernetes_provider_is_blue_green() {
    let dir = tempfile::tempdir().unwrap();
    let p = podinfo_with(
        dir.path(),
        "k8s.yaml",
        "provider: istio",
        "provider: kubernetes",
    );
    let (f, text, v) = merged(import::rollout::flagger, &p);
    let bg = blue_green(&v, 1);
    assert_eq!(bg.switch.secs(), 600.0, "Flagger's 10 iterations × 1m");
    assert!(text.contains("switch: 10m  # ASSUMED: "), "{text}");
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("k8s.yaml:8: `provider: kubernetes`")
                && w.contains("Progressive traffic is not supported")
                && w.contains("k8s.yaml:29) and `maxWeight`")),
        "{:?}",
        f.warnings
    );
    // With `iterations`, those are used.
    let it = podinfo_with(
        dir.path(),
        "k8s-it.yaml",
        "    stepWeight: 10\n",
        "    stepWeight: 10\n    iterations: 3\n",
    );
    let it2 = std::fs::read_to_string(&it)
        .unwrap()
        .replace("provider: istio", "provider: kubernetes");
    std::fs::write(&it, it2).unwrap();
    let v = validated(
        &import::merge::into(
            &data("base.yaml"),
            &import::rollout::flagger(&it).unwrap(),
            None,
        )
        .unwrap(),
    );
    let bg = blue_green(&v, 1);
    assert_eq!(bg.switch.secs(), 180.0, "3 iterations × 1m");
}
