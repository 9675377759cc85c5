//! `promosim import`: pipeline files of each format become scenarios the
//! simulator accepts, whose stages, triggers, batching, locks and strategies
//! match the file (asserted on the validated scenario, not on text); unknown
//! constructs are warned about by file:line; bad input exits 2 with a position.

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use promosim::import;
use promosim::import::rollout::Fragment;
use promosim::scenario::file::Batch;
use promosim::scenario::stage::LockPolicy;
use promosim::scenario::valid::{
    BlueGreen, Canary, CanaryPlan, CanaryStep, RollingSize, Strategy, Trigger, Validated,
};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/import")
        .join(rel)
}

/// The imported text, read back as the simulator reads a scenario.
fn validated(yaml: &str) -> Validated {
    let s =
        promosim::scenario::parse(yaml, Path::new("imported.yaml")).expect("the import validates");
    promosim::model::compile(&s).expect("the import compiles");
    s.file
}

/// `part` is in the imported text.
fn has(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} not in:\n{text}");
}

/// Some warning mentions `part`.
fn warned(warnings: &[String], part: &str) -> bool {
    warnings.iter().any(|w| w.contains(part))
}

/// No warning mentions `part`.
fn not_warned(warnings: &[String], part: &str) {
    assert!(!warned(warnings, part), "{part:?} in {warnings:?}");
}

fn names(v: &Validated) -> Vec<&str> {
    v.stages.iter().map(|s| s.name.as_str()).collect()
}

fn deps(v: &Validated, stage: usize) -> Vec<&str> {
    v.stages[stage]
        .deps
        .iter()
        .map(|&d| v.stages[d].name.as_str())
        .collect()
}

#[test]
fn azure_multistage_with_schedule_batch_and_environments() {
    let side = import::sidecar::read(&data("azure/environments.yaml")).unwrap();
    let i =
        import::azure::import(&data("azure/azure-pipelines.yml"), Some(&side), "out.yaml").unwrap();
    let v = validated(&i.yaml);
    // The Build stage deploys nothing: it is the build; each deployment stage is a stage.
    assert_eq!(names(&v), ["Dev", "Test", "Staging", "Production"]);
    assert!(deps(&v, 0).is_empty(), "Dev follows the build");
    assert_eq!(deps(&v, 1), ["Dev"]);
    assert_eq!(deps(&v, 2), ["Test"]);
    assert_eq!(deps(&v, 3), ["Staging"]);
    // `batch: true` is the whole-run batching.
    assert_eq!(v.build.batch, Batch::Run);
    assert_eq!(v.build.agents.get(), 2, "agents from the sidecar");
    // The 03:00 schedule drives the stage conditioned on Build.Reason == Schedule only.
    match &v.stages[1].trigger {
        Trigger::Schedule(c) => assert_eq!(c.0, "0 3 * * *"),
        t => panic!("Test should be scheduled, is {t:?}"),
    }
    for i in [0, 2, 3] {
        assert!(matches!(v.stages[i].trigger, Trigger::Auto), "stage {i}");
    }
    assert_eq!(
        v.stages[2].lock,
        LockPolicy::Sequential,
        "lockBehavior: sequential"
    );
    assert_eq!(v.stages[0].lock, LockPolicy::RunLatest, "Azure's default");
    // Approvals come from the sidecar, per environment; the others have none.
    let approval = v.stages[3].approval.as_ref().expect("production approval");
    assert_eq!(v.people[approval.approvers[0]].name, "management");
    assert!((approval.rejection.0 - 0.02).abs() < 1e-12);
    assert!(v.stages[..3].iter().all(|s| s.approval.is_none()));
    assert!(v.stages[3].production && !v.stages[2].production);
    match &v.stages[3].strategy {
        Strategy::Rolling(r) => {
            assert!(matches!(r.size, RollingSize::MaxParallel(p) if (p.0 - 0.25).abs() < 1e-12))
        }
        s => panic!("rolling expected, got {s:?}"),
    }
    assert_eq!(v.stages[1].verify.len(), 1, "the UI-test job verifies Test");
    // Every value the file cannot tell is marked.
    assert!(i.yaml.contains("deploy:\n      duration: 5m  # ASSUMED"));
    assert!(i.yaml.contains("per_day: 20  # ASSUMED"));
    // The build stage's unknown keys are warned about by position.
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
}

#[test]
fn azure_templates_parameters_matrix_and_manual_stage() {
    let i = import::azure::import(
        &data("azure/templates/azure-pipelines.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    // Two stages from one stage template with parameters, both after the build.
    assert_eq!(names(&v), ["QA", "Docs", "Prod"]);
    assert!(deps(&v, 0).is_empty() && deps(&v, 1).is_empty());
    assert_eq!(deps(&v, 2), ["QA", "Docs"]);
    assert_eq!(v.build.batch, Batch::None);
    assert!(matches!(v.stages[2].trigger, Trigger::Manual { .. }));
    assert!(v.stages.iter().all(|s| s.lock == LockPolicy::RunLatest));
    match &v.stages[2].strategy {
        Strategy::Canary(c) => match &c.plan {
            CanaryPlan::Steps(steps) => {
                let w: Vec<f64> = steps
                    .iter()
                    .filter_map(|s| match s {
                        CanaryStep::SetWeight(w) => Some(*w),
                        _ => None,
                    })
                    .collect();
                assert_eq!(w, [10.0, 50.0]);
            }
            p => panic!("{p:?}"),
        },
        s => panic!("canary expected, got {s:?}"),
    }
    has(&i.yaml, "3-leg matrix, at most 2 at once");
    let unknown: Vec<&String> = i
        .warnings
        .iter()
        .filter(|w| w.contains("not understood"))
        .collect();
    assert_eq!(unknown.len(), 1, "{:?}", i.warnings);
    assert!(
        unknown[0].contains("templates/azure-pipelines.yml:49: `retryCountOnTaskFailure`"),
        "{}",
        unknown[0]
    );
    assert!(i.warnings.iter().any(|w| w.contains(":7: `always: true`")));
}

#[test]
fn azure_extends_chain_to_a_governed_template_reads_the_stages_it_is_given() {
    // microsoft/terminal's 1ES pipelines, cut down: extends → a local template
    // → extends the 1ES template in another repository, given `stages`.
    let i = import::azure::import(
        &data("azure/governed/build/pipelines/release.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    // The `${{ if }}` picked the official template; its stages are the pipeline's,
    // and the `@self` job template was found from the repository's root.
    assert_eq!(names(&v), ["Publish"]);
    assert!(v.stages[0].production);
    let w = i.warnings.join("\n");
    assert!(
        w.contains("1ES.Official.PipelineTemplate.yml@1esPipelines")
            && w.contains("the stages given to it"),
        "{w}"
    );
    assert!(w.contains("`resources` (other repositories"), "{w}");
    assert!(!w.contains("not understood"), "{w}");
    // maxParallel: 1 runs the build's legs one after another.
    has(&i.yaml, "2-leg matrix, one leg at a time");
}

#[test]
fn github_workflows_with_environments_and_concurrency() {
    let side = import::sidecar::read(&data("github/sidecar.yaml")).unwrap();
    let paths = [data("github/deploy.yml"), data("github/nightly.yml")];
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let i = import::github::import(&refs, Some(&side), "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["staging", "production", "qa"]);
    assert!(
        deps(&v, 0).is_empty(),
        "build → test → staging: staging follows the build"
    );
    assert_eq!(
        deps(&v, 1),
        ["staging"],
        "needs deploy-staging and smoke (which verifies staging)"
    );
    // The workflow's concurrency group: one run at a time, newest pending wins.
    assert_eq!(v.build.batch, Batch::Run);
    assert_eq!(v.stages[0].lock, LockPolicy::RunLatest);
    assert_eq!(
        v.stages[1].lock,
        LockPolicy::RunLatest,
        "job concurrency with cancel-in-progress"
    );
    assert_eq!(
        v.stages[2].lock,
        LockPolicy::Sequential,
        "no group: assumed in order"
    );
    assert_eq!(
        v.stages[0]
            .verify
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["smoke"]
    );
    match &v.stages[2].trigger {
        Trigger::Schedule(c) => assert_eq!(c.0, "0 3 * * 1-5"),
        t => panic!("qa should follow the nightly cron, is {t:?}"),
    }
    // Required reviewers and the wait timer from the sidecar.
    let a = v.stages[1].approval.as_ref().expect("production reviewers");
    assert_eq!(v.people[a.approvers[0]].name, "release-managers");
    assert_eq!(v.stages[1].gates.len(), 1);
    assert!((v.stages[1].gates[0].delay.secs() - 600.0).abs() < 1e-9);
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("deploy.yml:66: `cancel-in-progress: true`"))
    );
    assert!(i.yaml.contains("6-leg matrix"));
}

#[test]
fn github_reusable_workflow_jobs_and_an_unknown_key() {
    let p = data("github/reusable.yml");
    let i = import::github::import(&[p.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["prod-eu", "prod-us"]);
    assert!(
        v.stages
            .iter()
            .all(|s| s.production && s.lock == LockPolicy::RunLatest)
    );
    assert_eq!(v.build.batch, Batch::None);
    assert!(
        i.warnings
            .iter()
            .any(|w| w
                .contains("reusable.yml:21: `jobs.us.deployment-protection` is not understood")),
        "{:?}",
        i.warnings
    );
}

/// `if:` is evaluated for a push to the branch the workflow runs on: a pull
/// request's job and a failure path are left out with what needs them, a
/// job for `workflow_dispatch` is a manual stage; a concurrency group keyed
/// by the commit serialises nothing; a tag-only `push` is a manual release.
#[test]
fn github_conditions_are_evaluated_for_a_push_to_main() {
    let p = data("github/conditions/build-and-deploy.yml");
    let i = import::github::import(&[p.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["staging", "production"], "{}", i.yaml);
    assert!(matches!(v.stages[0].trigger, Trigger::Auto));
    assert!(matches!(v.stages[1].trigger, Trigger::Manual { .. }));
    for w in [
        "build-and-deploy.yml:23: job review never runs on a push to master",
        "build-and-deploy.yml:28: job cleanup needs review, which never runs here",
        "build-and-deploy.yml:39: job rollback never runs on a push to master",
        "build-and-deploy.yml:15: concurrency group",
        "build-and-deploy.yml:45: environment \"${{ github.event.inputs.environment }}\" is the dispatch input environment: its default \"production\" is used",
    ] {
        assert!(
            i.warnings.iter().any(|x| x.contains(w)),
            "{w}: {:?}",
            i.warnings
        );
    }
    not_warned(&i.warnings, "not understood");
    // The group is one run's own: no lock read from it.
    assert!(v.stages.iter().all(|s| s.lock == LockPolicy::Sequential));
    assert_eq!(v.build.batch, Batch::None);

    let p = data("github/conditions/publish.yml");
    let i = import::github::import(&[p.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert!(matches!(v.stages[0].trigger, Trigger::Manual { .. }));
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("publish.yml:4: `push` of tags only")),
        "{:?}",
        i.warnings
    );
}

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

/// The production stage's canary strategy.
fn production_canary(v: &Validated) -> &Canary {
    let prod = v.stages.iter().find(|s| s.name == "production").unwrap();
    let Strategy::Canary(c) = &prod.strategy else {
        panic!("canary expected, got {:?}", prod.strategy)
    };
    c
}

/// A rollout file imported by `importer` into `base.yaml`: the fragment,
/// the scenario text and the scenario.
fn into_base(
    importer: fn(&Path) -> Result<Fragment, promosim::error::InputError>,
    file: &str,
) -> (Fragment, String, Validated) {
    merged(importer, &data(file))
}

/// The rollout file at `path` imported by `importer` into `base.yaml`.
fn merged(
    importer: fn(&Path) -> Result<Fragment, promosim::error::InputError>,
    path: &Path,
) -> (Fragment, String, Validated) {
    let f = importer(path).unwrap();
    let text = import::merge::into(&data("base.yaml"), &f, None).unwrap();
    let v = validated(&text);
    (f, text, v)
}

/// Stage `s`'s blue-green strategy.
fn blue_green(v: &Validated, s: usize) -> &BlueGreen {
    let Strategy::BlueGreen(bg) = &v.stages[s].strategy else {
        panic!("blue_green expected, got {:?}", v.stages[s].strategy)
    };
    bg
}

/// An Argo Rollout file imported into `base.yaml`.
fn argo_into_base(file: &str) -> (Fragment, String, Validated) {
    into_base(import::rollout::argo, file)
}

/// A Flagger Canary file imported into `base.yaml`.
fn flagger_into_base(file: &str) -> (Fragment, String, Validated) {
    into_base(import::rollout::flagger, file)
}

/// A canary's steps in short: `w20` a weight, `p300` a pause of 300 s,
/// `promote`, `a60x5/1` an analysis of 5 runs every 60 s allowing 1 failure.
fn step_kinds(c: &Canary) -> Vec<String> {
    let CanaryPlan::Steps(steps) = &c.plan else {
        panic!("steps expected")
    };
    steps
        .iter()
        .map(|s| match s {
            CanaryStep::SetWeight(w) => format!("w{w}"),
            CanaryStep::Pause(d) => format!("p{}", d.secs()),
            CanaryStep::Promote(_) => "promote".into(),
            CanaryStep::Analysis {
                interval,
                count,
                failure_limit,
            } => format!("a{}x{}/{}", interval.secs(), count, failure_limit),
        })
        .collect()
}

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
    let Strategy::Canary(c) = &v.stages[1].strategy else {
        panic!()
    };
    let CanaryPlan::Flagger {
        weights,
        interval,
        threshold,
    } = &c.plan
    else {
        panic!()
    };
    assert_eq!(weights, &[10.0, 20.0, 30.0, 40.0, 50.0]);
    assert_eq!(interval.secs(), 60.0);
    assert_eq!(threshold.get(), 5);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);

    let f = import::rollout::flagger(&data("flagger/stepweights.yaml")).unwrap();
    let v = validated(&import::merge::into(&data("base.yaml"), &f, None).unwrap());
    let Strategy::Canary(c) = &v.stages[1].strategy else {
        panic!()
    };
    let CanaryPlan::Flagger { weights, .. } = &c.plan else {
        panic!()
    };
    assert_eq!(weights, &[1.0, 10.0, 25.0, 50.0, 80.0]);
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("stepweights.yaml:18: a `confirm-rollout` webhook"))
    );
}

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

fn verify_names(v: &Validated, stage: usize) -> Vec<&str> {
    v.stages[stage]
        .verify
        .iter()
        .map(|s| s.name.as_str())
        .collect()
}

#[test]
fn azure_template_expressions_over_parameters_are_evaluated() {
    let i = import::azure::import(
        &data("azure/expressions/azure-pipelines.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    // `each` over the environments list gives a stage per item, through the
    // template; `if and(…)` keeps Production, so its `else` is skipped; the
    // run-time condition (variables) cannot be known and leaves Nightly out.
    assert_eq!(names(&v), ["dev", "test", "Production"], "{}", i.yaml);
    assert_eq!(deps(&v, 2), ["test"]);
    // A conditional inside a mapping inserts its keys.
    assert_eq!(v.stages[2].title, "EU production");
    // `not(parameters.smoke)` (default false) inserts each template's test job.
    assert_eq!(verify_names(&v, 0), ["Tests_dev"]);
    assert_eq!(verify_names(&v, 1), ["Tests_test"]);
    let says = |s: &str| warned(&i.warnings, s);
    assert!(
        says(
            "azure-pipelines.yml:55: the template expression `${{ if eq(variables['Build.Reason'], 'Schedule') }}` is not evaluated"
        ),
        "{:?}",
        i.warnings
    );
    // A template in another repository: a warning naming file:line, and the import goes on.
    assert!(
        says(
            "azure-pipelines.yml:61: template \"stages/audit.yml@shared\" is in another repository"
        ),
        "{:?}",
        i.warnings
    );
    // Nothing of the expressions is left to be warned about as an unknown key.
    assert!(
        !says("is not understood by the importer"),
        "{:?}",
        i.warnings
    );
}

#[test]
fn github_local_reusable_workflows_are_read_when_next_to_the_caller() {
    let p = data("github/release.yml");
    let i = import::github::import(&[p.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    // Each call deploys the environment its `with: target` names, read from deploy-app.yml.
    assert_eq!(names(&v), ["staging", "production"], "{}", i.yaml);
    assert_eq!(deps(&v, 1), ["staging"]);
    // The callee's job after its deployment verifies it.
    assert_eq!(verify_names(&v, 0), ["smoke"]);
    assert_eq!(verify_names(&v, 1), ["smoke"]);
    has(&i.yaml, "deploy-app.yml (read)");
    // The workflow that is not there: a warning with file:line, and one job.
    assert!(
        i.warnings.iter().any(|w| w.contains("release.yml:24: job docs calls the reusable workflow ./.github/workflows/publish-docs.yml, but")
            && w.contains("does not exist next to the caller")),
        "{:?}",
        i.warnings
    );
}

/// A stage that runs only after a failure (`condition: failed()`, a rollback
/// path), and one waiting on it, are never on the way a release takes when all
/// goes well: they are left out with a warning, and the last stage on the
/// success path is production.
#[test]
fn azure_failure_only_stages_are_left_out() {
    let i = import::azure::import(&data("azure/reject-on-failure.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Canary", "Promote"]);
    assert!(v.stages[1].production, "Promote is production");
    let after_failure = |stage: &str| {
        warned(
            &i.warnings,
            &format!("stage {stage} runs only after a failure"),
        )
    };
    assert!(
        after_failure("Reject") && after_failure("Notify"),
        "{:?}",
        i.warnings
    );
}

/// The rule is the condition's value when all before succeeded, not its
/// spelling: `or(failed(), canceled())` is a failure path too, while a
/// condition on a variable may hold. A stage left out has no key of it called
/// "not understood".
#[test]
fn azure_failure_paths_are_found_by_the_conditions_value() {
    let i = import::azure::import(&data("azure/failure-paths.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Prod", "Smoke"]);
    for stage in ["RejectCanary", "failhandling"] {
        assert!(
            i.warnings
                .iter()
                .any(|w| w.contains(&format!("stage {stage} runs only after a failure"))),
            "{stage}: {:?}",
            i.warnings
        );
    }
    assert!(
        !i.warnings.iter().any(|w| w.contains("not understood")
            && ["displayName", "pool", "strategy", "environment"]
                .iter()
                .any(|k| w.contains(k))),
        "{:?}",
        i.warnings
    );
}

/// A pipeline with no deployment job becomes the build-only model, and the
/// import says so instead of passing it off as a pipeline.
#[test]
fn azure_without_a_deployment_warns_that_only_the_build_is_left() {
    let i = import::azure::import(&data("azure/no-deployment.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert!(v.stages.is_empty());
    assert!(
        i.warnings.iter().any(|w| w.contains("no stage deploys")),
        "{:?}",
        i.warnings
    );
}

/// A step with two actions has each unsimulated one named; a canary whose
/// steps set no weight is refused at its steps, not imported as a fragment
/// that `--into` then cannot use.
#[test]
fn argo_steps_without_a_weight_are_refused_and_every_skipped_key_is_named() {
    let e = import::rollout::argo(&data("argo/mirror-only.yaml")).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("mirror-only.yaml:10:"), "{text}");
    assert!(text.contains("no `setWeight` step"), "{text}");

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

/// `trigger: none` without `schedules`: a run is queued by hand, so the first
/// deployment waits for a person (assumed), not for every push.
#[test]
fn azure_trigger_none_without_schedules_is_a_manual_first_stage() {
    let i = import::azure::import(&data("azure/queued-by-hand.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Production"]);
    assert!(
        matches!(v.stages[0].trigger, Trigger::Manual { .. }),
        "{:?}",
        v.stages[0].trigger
    );
    has(&i.yaml, "queued by hand");
    // A list holding `none` names a branch no push to main reaches: the same.
    let i = import::azure::import(&data("azure/trigger-list-none.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert!(
        matches!(v.stages[0].trigger, Trigger::Manual { .. }),
        "{}",
        i.yaml
    );
}

/// A pipeline resource's trigger runs the CD pipeline each time the CI one
/// completes: `trigger: none` then does not make its first stage manual.
#[test]
fn azure_pipeline_completion_trigger_deploys_every_build() {
    let i = import::azure::import(&data("azure/pipeline-trigger.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["deploy_to_dev", "deploy_to_prod"]);
    assert!(
        v.stages.iter().all(|s| matches!(s.trigger, Trigger::Auto)),
        "{}",
        i.yaml
    );
    has(
        &i.yaml,
        "pipeline-trigger.yml:11 (`resources.pipelines` trigger",
    );
    not_warned(&i.warnings, "resources");
}

/// A `ManualValidation` task in an agentless job is the stage's approval,
/// with the task's timeout, and is no verification step.
#[test]
fn azure_manual_validation_is_an_approval() {
    let i = import::azure::import(&data("azure/manual-validation.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Dev", "Prod"]);
    let a = v.stages[1].approval.as_ref().expect("Prod has an approval");
    assert_eq!(a.approvers.len(), 1);
    assert_eq!(a.timeout.secs(), 1440.0 * 60.0);
    assert!(v.stages[0].approval.is_none());
    assert!(verify_names(&v, 1).is_empty(), "{:?}", verify_names(&v, 1));
    has(&i.yaml, "manual-validation.yml:25 (timeoutInMinutes");
    not_warned(&i.warnings, "not understood");
}

/// Every value the importer writes says where it came from: `# from FILE:LINE`
/// with a line, or `# ASSUMED: why` (a platform default is assumed, not read).
#[test]
fn azure_values_cite_a_line_or_say_they_are_assumed() {
    for f in [
        "azure/azure-pipelines.yml",
        "azure/no-deployment.yml",
        "azure/queued-by-hand.yml",
        "azure/reject-on-failure.yml",
        "azure/failure-paths.yml",
    ] {
        let i = import::azure::import(&data(f), None, "out.yaml").unwrap();
        for line in i.yaml.lines() {
            if let Some((_, from)) = line.split_once("  # from ") {
                let (file, rest) = from.split_once(".yml:").unwrap_or((from, ""));
                assert!(
                    rest.starts_with(|c: char| c.is_ascii_digit()),
                    "{f}: no line in {line:?} (file {file})"
                );
            }
        }
        let trigger = i
            .yaml
            .lines()
            .filter(|l| l.trim_start().starts_with("trigger:"));
        for t in trigger {
            assert!(t.contains("# "), "{f}: a trigger without its reason: {t:?}");
        }
    }
}

/// A called workflow with two environments (terraform `plan` in `<env>-plan`,
/// then `apply`, which needs it, in `<env>-apply`, as in
/// Azure-Samples/github-terraform-oidc-ci-cd): the stage is the job that
/// deploys, the last environment in the callee's job order, so the sidecar's
/// reviewers on the apply environment apply; the plan environment is named in
/// a warning. The callee's job `concurrency` is the lock when the caller's job
/// has none, and every value read in the callee cites the callee's file:line.
#[test]
fn github_called_workflow_deploys_with_its_last_environment_and_its_job_lock() {
    let side = import::sidecar::read(&data("github/terraform/sidecar.yaml")).unwrap();
    let p = data("github/terraform/cd.yml");
    let i = import::github::import(&[p.as_path()], Some(&side), "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(
        names(&v),
        ["dev-apply", "test-apply", "prod-apply"],
        "{}",
        i.yaml
    );
    assert_eq!(deps(&v, 1), ["dev-apply"]);
    assert_eq!(deps(&v, 2), ["test-apply"]);
    // The reviewers are on the apply environment, and reach the stage.
    let a = v.stages[2].approval.as_ref().expect("prod-apply reviewers");
    assert_eq!(v.people[a.approvers[0]].name, "platform-owners");
    not_warned(&i.warnings, "matches no stage");
    // The plan job is neither a stage nor a verification; the smoke job after apply is.
    assert_eq!(verify_names(&v, 0), ["smoke"]);
    for env in ["dev-plan", "test-plan", "prod-plan"] {
        assert!(
            i.warnings.iter().any(|w| w.contains(&format!(
                "cd-template.yml:56: environment \"{env}\" of the reusable workflow's job plan"
            )) && w.contains("is not simulated as a stage")
                && w.contains("job apply, ")),
            "{env}: {:?}",
            i.warnings
        );
    }
    // The callee's job concurrency locks dev and test (the caller's jobs set
    // none); prod's own concurrency wins. Each cites where it was read.
    assert!(v.stages.iter().all(|s| s.lock == LockPolicy::RunLatest));
    let lock_lines: Vec<&str> = i.yaml.lines().filter(|l| l.contains("lock:")).collect();
    assert!(
        lock_lines[0].contains("terraform/cd-template.yml:88 (concurrency group"),
        "{lock_lines:?}"
    );
    assert!(lock_lines[1].contains("terraform/cd-template.yml:88"));
    assert!(
        lock_lines[2].contains("terraform/cd.yml:70 (concurrency group"),
        "{lock_lines:?}"
    );
    // The environment is cited in the callee's file, at its line, never the caller's.
    has(&i.yaml, "environment dev-apply (");
    has(&i.yaml, "terraform/cd-template.yml:89)");
    assert!(!i.yaml.contains("cd.yml:89"), "{}", i.yaml);
    has(&i.yaml, "its job apply (");
    has(&i.yaml, "cd-template.yml:84) deploys");
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
    let Strategy::Canary(c) = &v.stages[1].strategy else {
        panic!()
    };
    let CanaryPlan::Flagger { interval, .. } = &c.plan else {
        panic!()
    };
    assert_eq!(interval.secs(), 60.0);
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
    let Strategy::Canary(c) = &v.stages[1].strategy else {
        panic!()
    };
    let CanaryPlan::Flagger { interval, .. } = &c.plan else {
        panic!()
    };
    assert_eq!(interval.secs(), 10.0);
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

/// Every GitHub test-data output: each `# from` comment names FILE:LINE,
/// and each trigger has its reason. The time zone cites the schedule (or is
/// assumed without one), `batch` cites the `push` event (assumed when no
/// workflow runs on push), a `workflow_dispatch` trigger cites its line and
/// an automatic trigger cites the job.
#[test]
fn github_values_cite_a_line_or_say_they_are_assumed() {
    let mut outputs = Vec::new();
    for dir in [
        "github",
        "github/terraform",
        "github/dispatch",
        "github/ungated",
        "github/matrix",
    ] {
        for e in std::fs::read_dir(data(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yml") {
                // A called workflow alone may not validate; skip what fails.
                if let Ok(i) = import::github::import(&[p.as_path()], None, "out.yaml") {
                    outputs.push((p, i.yaml));
                }
            }
        }
    }
    assert!(outputs.len() >= 6, "{}", outputs.len());
    for (p, yaml) in &outputs {
        let f = p.display();
        for line in yaml.lines() {
            if let Some((_, from)) = line.split_once("  # from ") {
                let (file, rest) = from.split_once(".yml:").unwrap_or((from, ""));
                assert!(
                    rest.starts_with(|c: char| c.is_ascii_digit()),
                    "{f}: no line in {line:?} (file {file})"
                );
            }
        }
        for t in yaml.lines().filter(|l| {
            let l = l.trim_start();
            l.starts_with("trigger:") || l.starts_with("time_zone:") || l.starts_with("batch:")
        }) {
            assert!(t.contains("  # "), "{f}: a value without its reason: {t:?}");
        }
    }
    let out = |name: &str| {
        &outputs
            .iter()
            .find(|(p, _)| p.ends_with(name))
            .unwrap_or_else(|| panic!("{name}"))
            .1
    };
    assert!(
        out("nightly.yml").contains("time_zone: UTC  # from "),
        "schedule cited"
    );
    assert!(
        out("deploy.yml").contains("time_zone: UTC  # ASSUMED: "),
        "no schedule"
    );
    assert!(
        out("reusable.yml").contains("batch: none  # from "),
        "push cited"
    );
    let manual = out("manual.yml");
    assert!(
        manual.contains("trigger: {manual: {by: release-manager}}  # from ")
            && manual.contains("manual.yml:5 (`workflow_dispatch`)"),
        "{manual}"
    );
    assert!(
        manual.contains("batch: none  # ASSUMED: no workflow runs on `push`"),
        "{manual}"
    );
}

/// A job calls a local reusable workflow with `with: {environment: prod}`,
/// and the called workflow (read) declares no `environment:` in any job:
/// GitHub protects only a job that declares an environment, so no reviewer
/// or wait timer gates this deployment. The stage keeps the input's name,
/// a warning says the input is not a GitHub environment there, and the
/// sidecar's approvals and wait timer for `prod` are not applied (its deploy
/// values are).
#[test]
fn github_environment_input_without_a_callee_environment_is_not_gated() {
    let side = import::sidecar::read(&data("github/ungated/sidecar.yaml")).unwrap();
    let p = data("github/ungated/caller.yml");
    let i = import::github::import(&[p.as_path()], Some(&side), "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["prod"]);
    assert!(v.stages[0].approval.is_none(), "{}", i.yaml);
    assert!(v.stages[0].gates.is_empty(), "{}", i.yaml);
    assert!(
        i.yaml.contains("duration: 7m"),
        "the sidecar's deploy values apply"
    );
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("caller.yml:14: job deploy:")
                && w.contains("declares no `environment:`")),
        "{:?}",
        i.warnings
    );
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("approvals and wait timer for environment `prod` are not applied")),
        "{:?}",
        i.warnings
    );
    // Once the callee declares the environment, the sidecar's approvals apply.
    let dir = tempfile::tempdir().unwrap();
    for f in ["caller.yml", "callee.yml"] {
        let t = std::fs::read_to_string(data(&format!("github/ungated/{f}"))).unwrap();
        let t = t.replace(
            "    runs-on: ubuntu-latest\n    steps:\n      - run: kubectl",
            "    runs-on: ubuntu-latest\n    environment: ${{ inputs.environment }}\n    steps:\n      - run: kubectl",
        );
        std::fs::write(dir.path().join(f), t).unwrap();
    }
    let p = dir.path().join("caller.yml");
    let i = import::github::import(&[p.as_path()], Some(&side), "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["prod"]);
    assert!(v.stages[0].approval.is_some(), "{}", i.yaml);
    not_warned(&i.warnings, "not applied");
}

/// A matrix over environments (`environment: ${{ matrix.env }}`, legs
/// staging and production): one stage per leg, in matrix order, named and
/// keyed by each environment so the sidecar matches it. With
/// `max-parallel: 1` each leg follows the one before; otherwise the legs
/// follow the job's needs side by side, and a job needing the matrix job
/// waits for every leg. The matrix note is on the stages, not the build.
#[test]
fn github_matrix_over_environments_is_one_stage_per_leg() {
    let side = import::sidecar::read(&data("github/matrix/sidecar.yaml")).unwrap();
    let p = data("github/matrix/matrix-env.yml");
    let i = import::github::import(&[p.as_path()], Some(&side), "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["staging", "production"], "{}", i.yaml);
    assert!(deps(&v, 0).is_empty());
    assert_eq!(deps(&v, 1), ["staging"], "max-parallel: 1");
    assert!(v.stages[1].approval.is_some(), "the sidecar keys the leg");
    assert!(v.stages[0].approval.is_none());
    has(&i.yaml, "depends_on: [staging]  # from ");
    has(&i.yaml, "matrix-env.yml:13 (max-parallel: 1");
    let build = i
        .yaml
        .split("\nbuild:")
        .nth(1)
        .unwrap()
        .split("stages:")
        .next()
        .unwrap();
    assert!(!build.contains("-leg matrix"), "{build}");
    assert!(
        i.yaml
            .contains("# leg 2 of 2 of job deploy's matrix over environments")
    );
    not_warned(&i.warnings, "expression");

    // Started by hand: the first leg is manual, the next follows it.
    let dir = tempfile::tempdir().unwrap();
    let manual = dir.path().join("manual.yml");
    let yaml = std::fs::read_to_string(&p)
        .unwrap()
        .replace("  push:\n    branches: [main]\n", "  workflow_dispatch:\n");
    std::fs::write(&manual, yaml).unwrap();
    let i = import::github::import(&[manual.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert!(
        matches!(v.stages[0].trigger, Trigger::Manual { .. }),
        "{}",
        i.yaml
    );
    assert!(matches!(v.stages[1].trigger, Trigger::Auto), "{}", i.yaml);

    // Without max-parallel: side by side, and a later job waits for both.
    let dir = tempfile::tempdir().unwrap();
    let par = dir.path().join("par.yml");
    let yaml = std::fs::read_to_string(&p)
        .unwrap()
        .replace("      max-parallel: 1\n", "")
        + "  smoke:\n    needs: deploy\n    environment: prod\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./smoke.sh\n";
    std::fs::write(&par, yaml).unwrap();
    let i = import::github::import(&[par.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["staging", "production", "prod"]);
    assert!(deps(&v, 0).is_empty() && deps(&v, 1).is_empty());
    assert_eq!(deps(&v, 2), ["staging", "production"]);
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

/// `flagger/podinfo.yaml` with `from` replaced by `to`, written to `dir`.
fn podinfo_with(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let yaml = std::fs::read_to_string(data("flagger/podinfo.yaml")).unwrap();
    assert!(yaml.contains(from), "{from}");
    let p = dir.join(name);
    std::fs::write(&p, yaml.replacen(from, to, 1)).unwrap();
    p
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
    let Strategy::Canary(c) = &v.stages[1].strategy else {
        panic!("{:?}", v.stages[1].strategy)
    };
    let CanaryPlan::Flagger {
        weights,
        interval,
        threshold,
    } = &c.plan
    else {
        panic!()
    };
    assert_eq!(weights, &[10.0, 20.0, 30.0, 40.0, 50.0]);
    assert_eq!((interval.secs(), threshold.get()), (60.0, 5));
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
    let e = import::rollout::argo(&nosteps).unwrap_err().to_string();
    assert!(
        e.contains("a canary needs `steps:`")
            && e.contains("`strategy: rolling` or `strategy: all_at_once`"),
        "{e}"
    );

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

// --- GitHub Actions: findings 7, 9, 10, 11 and 12 of the sweep of real
// workflows (tests/data/import/github/sweep/: cut-down copies, each citing
// the public file it comes from).

fn gh(rel: &str) -> (import::Imported, Validated) {
    let p = data(rel);
    let i = import::github::import(&[p.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    (i, v)
}

/// cli/cli deployment.yml: one manual run starts linux, macos and windows
/// together on one commit; they deploy to one environment, so they are one
/// stage with the one manual trigger; a job of the same run on another
/// environment takes the same release after it.
#[test]
fn github_jobs_of_one_manual_run_take_one_release() {
    let (i, v) = gh("github/sweep/cli-deployment.yml");
    assert_eq!(
        names(&v),
        ["production", "docs", "production-release"],
        "{}",
        i.yaml
    );
    assert_eq!(v.stages[0].title, "linux, macos, windows");
    assert!(matches!(v.stages[0].trigger, Trigger::Manual { .. }));
    let manual = v
        .stages
        .iter()
        .filter(|s| matches!(s.trigger, Trigger::Manual { .. }))
        .count();
    assert_eq!(manual, 1, "{}", i.yaml);
    assert!(matches!(v.stages[1].trigger, Trigger::Auto));
    assert_eq!(deps(&v, 1), ["production"]);
    assert_eq!(deps(&v, 2), ["production"]);
    assert!(warned(
        &i.warnings,
        "cli-deployment.yml:49: job staging-docs starts in the same manual run as stage production"
    ));
    assert!(
        i.yaml
            .contains("job macos deploys to production in the same manual run")
    );
    // The publishing job, on production after production, is where users
    // get the release; docs, reached by way of another environment, is not.
    assert!(v.stages[2].production && !v.stages[1].production && !v.stages[0].production);
    assert!(warned(
        &i.warnings,
        "stage production-release deploys to an environment named for production; docs"
    ));
}

/// microsoft/AzureTRE deploy_tre.yml calling deploy_tre_reusable.yml: the
/// `|| 'CICD'` fallback names the environment on a push, the callee's `if:`
/// are evaluated, and the `if: always()` summary is not the deploying job.
#[test]
fn github_local_callee_with_fallbacks_conditions_and_a_summary_job() {
    let (i, v) = gh("github/sweep/azuretre/deploy_tre.yml");
    assert_eq!(names(&v), ["CICD"], "{}", i.yaml);
    has(
        &i.yaml,
        "its jobs deploy_management, deploy_tre, e2e_tests_smoke and e2e_tests_custom",
    );
    assert!(!warned(&i.warnings, "is an expression"), "{:?}", i.warnings);
    assert!(
        !warned(&i.warnings, "plan or verification step"),
        "{:?}",
        i.warnings
    );
    assert!(warned(
        &i.warnings,
        "deploy_tre_reusable.yml:59: job summary of the reusable workflow"
    ));
    assert!(warned(
        &i.warnings,
        "deploy_tre_reusable.yml:50: condition \"vars.RUN_FLAKY == 'true'\" of job e2e_tests_flaky is not understood"
    ));
    // e2e_tests_custom's `inputs.e2eTestsCustomSelector != ''` holds: the
    // caller's `with` gives 'extended or extended_aad' on a push.
    assert!(
        !warned(&i.warnings, "e2e_tests_custom never runs"),
        "{:?}",
        i.warnings
    );

    // With an empty selector the custom tests never run, and the deploying
    // job is the smoke tests, the last that runs.
    let dir = tempfile::tempdir().unwrap();
    let src = data("github/sweep/azuretre");
    for f in ["deploy_tre.yml", "deploy_tre_reusable.yml"] {
        let text = std::fs::read_to_string(src.join(f)).unwrap();
        let text = text.replace(
            ">-\n        ${{ (github.event_name == 'push' && 'extended or extended_aad')\n        || 'extended or extended_aad or shared_services or airlock' }}",
            "''",
        );
        std::fs::write(dir.path().join(f), text).unwrap();
    }
    let p = dir.path().join("deploy_tre.yml");
    let i = import::github::import(&[p.as_path()], None, "out.yaml").unwrap();
    assert!(warned(
        &i.warnings,
        "job e2e_tests_custom never runs on a push to main"
    ));
    has(&i.yaml, "and e2e_tests_smoke (");
}

/// DFE-Digital apply-for-teacher-training build-and-deploy.yml: users get
/// the app at environment production; the sandbox and the domains' jobs
/// after it are not production. The domains' matrix runs one leg at a time.
#[test]
fn github_production_named_stage_and_a_one_at_a_time_matrix() {
    let (i, v) = gh("github/sweep/dfe-domains.yml");
    assert_eq!(
        names(&v),
        ["production", "sandbox", "production-deploy_domains_env"]
    );
    let prod: Vec<bool> = v.stages.iter().map(|s| s.production).collect();
    assert_eq!(prod, [true, false, false], "{}", i.yaml);
    assert!(warned(
        &i.warnings,
        "dfe-domains.yml:17: stage production deploys to an environment named for production; production-deploy_domains_env"
    ));
    assert_eq!(
        v.stages[2].title,
        "Deploy Domains to qa, staging, sandbox, production environment"
    );
    has(
        &i.yaml,
        "the legs run one after another, so the deployment takes the sum of the legs",
    );
    has(&i.yaml, "duration: 20m  # ASSUMED");
    // A workflow whose production-named stage is the last is left as it was.
    let (i, v) = gh("github/deploy.yml");
    assert!(!i.yaml.contains("production: true"), "{}", i.yaml);
    assert!(v.stages.iter().any(|s| s.production));
}

/// ministryofjustice/hmpps-template-kotlin pipeline.yml: a remote reusable
/// workflow given `environment: ${{ matrix.environments }}` is a check per
/// environment as far as the file says: a plain job, not a stage.
#[test]
fn github_remote_reusable_job_with_a_matrix_environment_input_is_a_plain_job() {
    let (i, v) = gh("github/sweep/hmpps-pipeline.yml");
    assert_eq!(names(&v), ["dev"], "{}", i.yaml);
    // It follows the build, not a `helm-lint` stage.
    assert!(deps(&v, 0).is_empty(), "{}", i.yaml);
    assert!(warned(
        &i.warnings,
        "hmpps-pipeline.yml:18: job \"helm lint\" passes the input `environment: ${{ matrix.environments }}`"
    ));
    assert!(
        i.yaml
            .contains("job helm_lint runs a 3-leg matrix: the build ends with its slowest leg")
    );
}

/// A local reusable workflow called once per matrix leg, its environment
/// given as `with: {environment: ${{ matrix.env }}}`: one stage per leg, as a
/// job's own `environment: ${{ matrix.env }}` gives, in matrix order.
#[test]
fn github_local_callee_per_matrix_leg_is_a_stage_per_environment() {
    let (i, v) = gh("github/matrix-callee/ci.yml");
    assert_eq!(names(&v), ["staging", "production"]);
    // max-parallel: 1: production follows staging.
    assert_eq!(deps(&v, 1), ["staging"]);
    assert!(v.stages[1].production && !v.stages[0].production);
    assert!(
        !warned(&i.warnings, "the job id is used as its name"),
        "{:?}",
        i.warnings
    );
    has(
        &i.yaml,
        "leg 2 of 2 of job deploy's matrix over environments",
    );
}
