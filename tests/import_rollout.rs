//! `promosim import argo-rollout` and `flagger` alike: defaults are assumed,
//! never cited, and the messages say what Argo, Flagger and Helm do. Each
//! format's own tests are in tests/import_argo.rs and tests/import_flagger.rs.

#[path = "common/import.rs"]
mod import_common;

use assert_cmd::cargo::cargo_bin_cmd;
use import_common::*;
use promosim::import;

/// A value not in the file is never cited to a line: Argo's default
/// `scaleDownDelaySeconds` (30s) is ASSUMED; one that is not a number of
/// seconds is refused at its line. Every `# from` comment of every rollout
/// test-data output names FILE:LINE and no default.
#[test]
fn rollout_defaults_are_assumed_not_cited() {
    let dir = tempfile::tempdir().unwrap();
    let bg = dir.path().join("bg.yaml");
    let yaml = std::fs::read_to_string(data("argo/bluegreen.yaml")).unwrap();
    let line = yaml
        .lines()
        .find(|l| l.contains("scaleDownDelaySeconds"))
        .unwrap()
        .to_string();
    std::fs::write(&bg, yaml.replace(&format!("{line}\n"), "")).unwrap();
    let f = import::rollout::argo(&bg).unwrap();
    let text = f.render();
    assert!(
        text.contains("scale_down_delay: 30s  # ASSUMED: Argo's default 30s"),
        "{text}"
    );
    std::fs::write(&bg, yaml.replace("600", "soon")).unwrap();
    let o = cargo_bin_cmd!("promosim")
        .args(["import", "argo-rollout"])
        .arg(&bg)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("bg.yaml:15:") && err.contains("scaleDownDelaySeconds"),
        "{err}"
    );

    let mut outputs = Vec::new();
    for kind in ["argo", "flagger"] {
        for e in std::fs::read_dir(data(kind)).unwrap() {
            let p = e.unwrap().path();
            let r = if kind == "argo" {
                import::rollout::argo(&p)
            } else {
                import::rollout::flagger(&p)
            };
            if let Ok(f) = r {
                outputs.push((p, f.render()));
            }
        }
    }
    assert!(outputs.len() >= 8, "{}", outputs.len());
    for (p, text) in outputs {
        for l in text.lines().filter(|l| l.contains("  # from ")) {
            let from = l.split("  # from ").nth(1).unwrap();
            let (file, rest) = from.split_once(':').unwrap_or((from, ""));
            assert!(
                file.ends_with(".yaml") && rest.starts_with(|c: char| c.is_ascii_digit()),
                "{}: {l}",
                p.display()
            );
            assert!(
                !l.contains("default"),
                "{}: a default cited to a line: {l}",
                p.display()
            );
        }
    }
}

/// Wording: `maxWeight` next to `stepWeights` is ignored by Flagger (not
/// "not understood"); an Argo canary without `steps` points to `rolling` or
/// `all_at_once`; a Helm-templated file gets a hint to render it first.
#[test]
fn rollout_messages_say_what_flagger_argo_and_helm_do() {
    let dir = tempfile::tempdir().unwrap();
    let sw = dir.path().join("sw.yaml");
    let yaml = std::fs::read_to_string(data("flagger/stepweights.yaml")).unwrap();
    std::fs::write(
        &sw,
        yaml.replace(
            "    threshold: 3\n",
            "    threshold: 3\n    maxWeight: 50\n",
        ),
    )
    .unwrap();
    let f = import::rollout::flagger(&sw).unwrap();
    assert!(
        f.warnings.iter().any(|w| w.contains(
            "sw.yaml:15: `maxWeight` is ignored next to `stepWeights`, as Flagger ignores it"
        )),
        "{:?}",
        f.warnings
    );
    not_warned(&f.warnings, "maxWeight` is not understood");

    let nosteps = dir.path().join("nosteps.yaml");
    let yaml = std::fs::read_to_string(data("argo/canary.yaml")).unwrap();
    let start = yaml.find("      steps:\n").unwrap();
    let end = yaml.find("  template:\n").unwrap();
    std::fs::write(&nosteps, format!("{}{}", &yaml[..start], &yaml[end..])).unwrap();
    // With trafficRouting and no steps, Argo moves every user at once.
    let f = import::rollout::argo(&nosteps).unwrap();
    let text = f.render();
    has(&text, "all_at_once  # from");
    has(&text, "with `trafficRouting`");
    // Without trafficRouting, a plain rolling update of the pods: 5 replicas,
    // maxSurge 1 and maxUnavailable 25 % (Argo's default, 1 pod): 2 new pods
    // at a time, 3 batches. With both fenceposts written, the count is read.
    let plain = dir.path().join("plain.yaml");
    let yaml = std::fs::read_to_string(&nosteps).unwrap();
    let start = yaml.find("      trafficRouting:\n").unwrap();
    let end = yaml.find("  template:\n").unwrap();
    let body = |fenceposts: &str| format!("{}{fenceposts}{}", &yaml[..start], &yaml[end..]);
    std::fs::write(&plain, body("      maxSurge: 1\n")).unwrap();
    let (f, text, v) = merged(import::rollout::argo, &plain);
    // maxUnavailable is Argo's default, not written: the count is assumed.
    has(&text, "batches: 3  # ASSUMED");
    has(&text, "batch_duration: 2m  # ASSUMED");
    let prod = v.stages.iter().find(|s| s.name == "production").unwrap();
    assert!(
        format!("{:?}", prod.strategy).starts_with("Rolling"),
        "{:?}",
        prod.strategy
    );
    let part = "2 new pods at a time";
    assert!(warned(&f.warnings, part), "{:?}", f.warnings);
    // 40 % of 5 is 2 pods down at a time, none surging: 3 batches, read.
    std::fs::write(
        &plain,
        body("      maxSurge: 0\n      maxUnavailable: 40%\n"),
    )
    .unwrap();
    let (_, text, _) = merged(import::rollout::argo, &plain);
    has(&text, "batches: 3  # from");

    let helm = dir.path().join("helm.yaml");
    std::fs::write(
        &helm,
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: {{ template \"app.fullname\" . }}\n",
    )
    .unwrap();
    let o = cargo_bin_cmd!("promosim")
        .args(["import", "argo-rollout"])
        .arg(&helm)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("helm.yaml:4:") && err.contains("`helm template`"),
        "{err}"
    );
    // A YAML mistake without a template action gets no such hint.
    std::fs::write(&helm, "kind: Rollout\nspec: [a, b\n").unwrap();
    let e = import::rollout::argo(&helm).unwrap_err().to_string();
    assert!(!e.contains("`helm template`"), "{e}");
}
