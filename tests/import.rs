//! `promosim import`: what every format shares. Camel-case names validate
//! to the same model, the command writes a scenario `validate` accepts, and
//! bad input exits 2 with file, line and column. Each format's own tests are
//! in tests/import_{azure,github,argo,flagger}.rs, and what both rollout
//! formats share in tests/import_rollout.rs.

#[path = "common/import.rs"]
mod import_common;

use assert_cmd::cargo::cargo_bin_cmd;
use import_common::*;

/// Argo's camelCase names are accepted in scenarios and mean the same.
#[test]
fn camel_case_names_validate_to_the_same_model() {
    let base = std::fs::read_to_string(data("base.yaml")).unwrap();
    let snake = "strategy:\n      canary:\n        steps:\n          - set_weight: 20\n          - analysis: {interval: 5m, count: 2, failure_limit: 1}\n          - set_weight: 60\n";
    let camel = "strategy:\n      canary:\n        steps:\n          - setWeight: 20\n          - analysis: {interval: 5m, count: 2, failureLimit: 1}\n          - setWeight: 60\n";
    let old = "strategy:\n      blue_green:\n        switch: 1m\n";
    let a = validated(&base.replace(old, snake));
    let b = validated(&base.replace(old, camel));
    assert_eq!(
        format!("{:?}", a.stages[1].strategy),
        format!("{:?}", b.stages[1].strategy)
    );
    assert!(format!("{:?}", b.stages[1].strategy).contains("failure_limit: 1"));
    let flagger = |s: &str| validated(&base.replace(old, s)).stages[1].strategy.clone();
    let x = flagger("strategy:\n      canary: {step_weight: 10, max_weight: 30, interval: 1m}\n");
    let y = flagger("strategy:\n      canary: {stepWeight: 10, maxWeight: 30, interval: 1m}\n");
    assert_eq!(format!("{x:?}"), format!("{y:?}"));
    let bg = |s: &str| validated(&base.replace(old, s)).stages[1].strategy.clone();
    assert_eq!(
        format!(
            "{:?}",
            bg("strategy:\n      blue_green: {scale_down_delay: 5m}\n")
        ),
        format!(
            "{:?}",
            bg("strategy:\n      blueGreen: {scaleDownDelay: 5m}\n")
        )
    );
}

#[test]
fn the_command_writes_a_scenario_that_validate_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.yaml");
    cargo_bin_cmd!("promosim")
        .args(["import", "azure-pipelines"])
        .arg(data("azure/azure-pipelines.yml"))
        .arg("--sidecar")
        .arg(data("azure/environments.yaml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let o = cargo_bin_cmd!("promosim")
        .arg("validate")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("- Test: after Dev, trigger schedule \"0 3 * * *\""),
        "{text}"
    );
    assert!(
        text.contains("- Production: after Staging, trigger auto, approval, production"),
        "{text}"
    );

    // A pipeline into a base scenario keeps the base's run and people.
    let o = cargo_bin_cmd!("promosim")
        .args(["import", "github-actions"])
        .arg(data("github/deploy.yml"))
        .arg("--into")
        .arg(data("base.yaml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = validated(&String::from_utf8(o.stdout).unwrap());
    assert_eq!(v.run.horizon.secs(), 28.0 * 86_400.0);
    assert_eq!(names(&v), ["staging", "production"]);
    assert!(v.people.iter().any(|p| p.name == "ops"));
}

/// Malformed input: the file, line and column, exit 2, no panic.
#[test]
fn bad_input_names_file_line_and_column() {
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["azure-pipelines"],
            "bad/truncated.yml",
            "truncated.yml:7:14:",
        ),
        (
            &["azure-pipelines"],
            "bad/missing-template.yml",
            "missing-template.yml:2:13: template \"stages/nowhere.yml\"",
        ),
        (
            &["github-actions"],
            "bad/cycle.yml",
            "cycle.yml:4:5: job a is part of a `needs` cycle",
        ),
        (
            &["flagger"],
            "argo/canary.yaml",
            "no document of `kind: Canary`",
        ),
        (
            &["argo-rollout"],
            "github/deploy.yml",
            "no document of `kind: Rollout`",
        ),
    ];
    for (cmd, file, expected) in cases {
        let o = cargo_bin_cmd!("promosim")
            .arg("import")
            .args(cmd)
            .arg(data(file))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{file}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(err.contains(expected), "{file}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let o = cargo_bin_cmd!("promosim")
        .args(["import", "azure-pipelines"])
        .arg(data("azure/azure-pipelines.yml"))
        .arg("--sidecar")
        .arg(data("bad/sidecar.yaml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("sidecar.yaml:4:16: rejection:"), "{err}");
}
