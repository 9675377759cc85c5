//! `promosim import azure-pipelines`: stages, triggers, batching, templates,
//! conditions and approvals match the file (asserted on the validated
//! scenario, not on text); what is not understood is warned about by file:line.

#[path = "common/import.rs"]
mod import_common;

use import_common::*;
use promosim::import;
use promosim::scenario::file::Batch;
use promosim::scenario::stage::LockPolicy;
use promosim::scenario::valid::{CanaryPlan, CanaryStep, RollingSize, Strategy, Trigger};

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
    // Checks the sidecar names are the stage's gates.
    let gates = &v.stages[2].gates;
    assert_eq!(gates.len(), 1, "{}", i.yaml);
    assert_eq!(gates[0].minimum_success_duration.secs(), 900.0);
    assert!(v.stages[3].gates.is_empty());
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

/// A stage whose condition tests another branch (`develop`, `dev/*`) never
/// runs for a push to main: it is left out with the stages waiting on it,
/// while the stages whose condition holds on main stay. Azure's stage names
/// are case-insensitive: `dependsOn: DevDeploy` waits for `Devdeploy`.
#[test]
fn azure_stages_for_other_branches_are_left_out() {
    let i = import::azure::import(
        &data("azure/sweep2/branches/azure-pipelines.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Devdeploy", "IATDeploy", "Livedeploy"]);
    assert_eq!(deps(&v, 1), ["Devdeploy"], "DevDeploy is Devdeploy");
    assert_eq!(deps(&v, 2), ["IATDeploy"]);
    assert!(v.stages[2].production && !v.stages[1].production);
    for stage in ["IATvNextDeploy", "E2EvNextDeploy"] {
        assert!(
            warned(
                &i.warnings,
                &format!("stage {stage} does not run for a push to main")
            ),
            "{stage}: {:?}",
            i.warnings
        );
    }
    has(&i.yaml, "a branch condition, true for a push to main");
}

/// Template expressions know the branch (`variables['Build.SourceBranch']`
/// is set before templates expand), `/path` templates are read from the
/// repository's root, and `${{ each parameter in parameters }}` passes a
/// template's parameters on (dotnet/arcade's post-build templates).
#[test]
fn azure_template_expressions_know_the_branch_and_root_paths() {
    let i = import::azure::import(
        &data("azure/sweep2/arcade/azure-pipelines.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    assert_eq!(v.build.batch, Batch::Run);
    has(
        &i.yaml,
        "the build: stage(s) build, Validate, publish_using_darc, PromoteToLatest",
    );
    for w in ["is not evaluated", "loops over", "cannot read the template"] {
        not_warned(&i.warnings, w);
    }
}

/// `${{ variables.NAME }}` of a variable the YAML sets is its value when
/// templates expand, a stage's own variable first: each stage deploys to
/// its own environment, and two build stages are one `build` dependency.
#[test]
fn azure_stage_variables_fill_template_parameters() {
    let i = import::azure::import(
        &data("azure/sweep2/stage-variables/azure-pipelines.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Devdeploy", "QAdeploy", "Livedeploy"]);
    assert!(deps(&v, 0).is_empty(), "both build stages are the build");
    assert_eq!(deps(&v, 2), ["QAdeploy"], "the default: the previous stage");
    for env in ["Ess-dev", "Ess-qa", "Ess-Live"] {
        has(&i.yaml, &format!("environment {env} ("));
    }
    assert!(!i.yaml.contains("${{"), "{}", i.yaml);
    has(&i.yaml, "depends_on: [build]  #");
}

/// Azure's environment names are case-insensitive: jobs deploying to
/// `S100PG-DEV` and `S100PG-Dev` deploy to one environment, without a
/// "second environment" warning.
#[test]
fn azure_environment_names_match_case_insensitively() {
    let i = import::azure::import(
        &data("azure/sweep2/env-case/azure-pipelines.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Devdeploy"]);
    not_warned(&i.warnings, "second environment");
    has(&i.yaml, "environment S100PG-DEV (");
}

/// A `paths` filter starts a run only for pushes changing those paths: a
/// comment says so, as the model's commits should count only those.
#[test]
fn azure_paths_filter_is_noted() {
    let i =
        import::azure::import(&data("azure/sweep2/paths-filter.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Deploy"]);
    assert_eq!(v.build.batch, Batch::None);
    has(
        &i.yaml,
        "paths-filter.yml:9: a `paths` filter: only pushes with changes under src/CommunicationApi/* start a run",
    );
    not_warned(&i.warnings, "not understood");
}

/// A CI trigger for tags only lets no push to main run the pipeline: a
/// warning says so, and the stage testing for a tag is left out.
#[test]
fn azure_trigger_for_tags_only_is_warned_about() {
    let i = import::azure::import(
        &data("azure/sweep2/tags-only/azure-pipelines-cd.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    assert!(v.stages.is_empty(), "{}", i.yaml);
    assert!(
        warned(
            &i.warnings,
            "azure-pipelines-cd.yml:8: the CI trigger runs for refs/tags/* only, which no push to main matches"
        ),
        "{:?}",
        i.warnings
    );
    assert!(warned(
        &i.warnings,
        "stage Deploy does not run for a push to main"
    ));
}

/// A pipeline parameter without a default is given when a run is queued:
/// where it names a stage or an environment, its name stands for the value,
/// with a warning, instead of the expression's text.
#[test]
fn azure_queue_time_parameters_stand_for_their_names() {
    let i = import::azure::import(
        &data("azure/sweep2/queued-parameters.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["environment"]);
    assert_eq!(v.stages[0].lock, LockPolicy::Sequential);
    assert!(matches!(v.stages[0].trigger, Trigger::Manual { .. }));
    has(&i.yaml, "approvals: environment environment (");
    assert!(
        warned(
            &i.warnings,
            "queued-parameters.yml:11: parameter environment has no default"
        ),
        "{:?}",
        i.warnings
    );
}

/// UKHO's pipelines deploy to Dev, then QA beside IAT, PreProd and Live:
/// QA, which nothing depends on, would be production by the scenario's
/// default. `live` is a word for production (`FSS-Live`), so users get the
/// release at LiveDeploy, and QA is marked not production, with a warning.
#[test]
fn azure_live_stage_is_production_not_the_qa_stage_beside_it() {
    let i =
        import::azure::import(&data("azure/sweep3/live-beside-qa.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(
        names(&v),
        [
            "DevDeploy",
            "IatDeploy",
            "PreProdDeploy",
            "QaDeploy",
            "LiveDeploy"
        ]
    );
    assert_eq!(deps(&v, 3), ["DevDeploy"]);
    let prod: Vec<bool> = v.stages.iter().map(|s| s.production).collect();
    assert_eq!(prod, [false, false, false, false, true], "{}", i.yaml);
    has(&i.yaml, "(environment FSS-QA is not production");
    assert!(
        warned(&i.warnings, "stages QaDeploy (nothing depends on them"),
        "{:?}",
        i.warnings
    );
}

/// PowerShell's release stages: stages whose only jobs are agentless
/// `ManualValidation` approvals are no part of the build and no stage of
/// their own: each is the approval of the stage that waits for it (asked
/// once: a stage after one that waited for it does not ask again), and the
/// publishing stages after them are stages, not build. A validation that
/// no stage waits for (the last stage) is warned about.
#[test]
fn azure_manual_validation_stages_are_the_approval_of_the_stages_after_them() {
    let i = import::azure::import(
        &data("azure/sweep3/pwsh-release/azure-pipelines.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["PublishGitHubRelease", "PublishNugetRelease"]);
    assert!(
        deps(&v, 0).is_empty(),
        "after the build, through the validations"
    );
    assert_eq!(deps(&v, 1), ["PublishGitHubRelease"]);
    for s in 0..2 {
        let a = v.stages[s].approval.as_ref().expect("an approval");
        assert_eq!(v.people[a.approvers[0]].name, "validator");
        assert_eq!(a.timeout.secs(), 2880.0 * 60.0, "approvalJob.yml's default");
        assert!(verify_names(&v, s).is_empty(), "{:?}", verify_names(&v, s));
    }
    has(
        &i.yaml,
        "the build: stage(s) setReleaseTagAndChangelog, validateSdk (no deployment job)",
    );
    has(&i.yaml, "stage PushGitTagAndMakeDraftPublic (");
    // UpdateChangeLog was answered before PublishGitHubRelease: not again.
    let nuget = &i.yaml[i.yaml.find("- name: PublishNugetRelease").unwrap()..];
    assert!(!nuget.contains("stage UpdateChangeLog ("), "{nuget}");
    assert!(
        warned(
            &i.warnings,
            "stage ReleaseClose only waits for a manual validation"
        ),
        "{:?}",
        i.warnings
    );
    not_warned(&i.warnings, "not understood");
}

/// Variable templates are read where a `variables` list names them (the
/// pipeline's, a stage's, each stage's own file named by `${{ each }}`), so
/// `environment: ${{ variables.environmentName }}` is each stage's
/// environment; `prod` is production, and the test stage after it is not.
#[test]
fn azure_variable_templates_fill_variables_expressions() {
    let i = import::azure::import(
        &data("azure/sweep3/variable-templates/azure-pipelines.yaml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    assert_eq!(
        names(&v),
        [
            "deploy_dev",
            "test_dev",
            "deploy_qa",
            "test_qa",
            "deploy_prd",
            "test_prd"
        ]
    );
    for env in ["dev", "qa", "prod"] {
        has(&i.yaml, &format!("approvals: environment {env} ("));
    }
    assert!(!i.yaml.contains("${{"), "{}", i.yaml);
    let prod: Vec<bool> = v.stages.iter().map(|s| s.production).collect();
    assert_eq!(prod, [false, false, false, false, true, false]);
    not_warned(&i.warnings, "not understood");
}

/// A variable group is set in Azure DevOps: its variables are unknown, and
/// it is noted once; the variable template beside it is read.
#[test]
fn azure_variable_groups_are_noted_and_templates_read() {
    let i = import::azure::import(
        &data("azure/sweep3/mlops-cd/diabetes_regression-cd.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    validated(&i.yaml);
    has(
        &i.yaml,
        "# variable groups devopsforai-aml-vg: set in Azure DevOps",
    );
    assert_eq!(i.yaml.matches("variable groups").count(), 1);
    not_warned(&i.warnings, "not understood");
    not_warned(&i.warnings, "diabetes_regression-variables-template.yml");
}

/// A variable template that is not there (the pipeline copied without its
/// repository) is warned about, and the import goes on.
#[test]
fn azure_missing_variable_template_is_warned_about() {
    let dir = std::env::temp_dir().join(format!("promosim-az-vars-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("diabetes_regression-cd.yml");
    std::fs::copy(
        data("azure/sweep3/mlops-cd/diabetes_regression-cd.yml"),
        &file,
    )
    .unwrap();
    let i = import::azure::import(&file, None, "out.yaml").unwrap();
    std::fs::remove_dir_all(&dir).ok();
    validated(&i.yaml);
    assert!(
        warned(
            &i.warnings,
            "diabetes_regression-cd.yml:25: template \"diabetes_regression-variables-template.yml\""
        ),
        "{:?}",
        i.warnings
    );
    assert!(warned(
        &i.warnings,
        "the import goes on without its variables"
    ));
}

/// A sidecar gate is checked where it is read: a mistake names its line.
#[test]
fn a_sidecar_gate_is_checked_where_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("side.yaml");
    std::fs::write(
        &p,
        "environments:\n  production:\n    gates:\n      - {name: health, interval: 5m}\n",
    )
    .unwrap();
    let e = import::sidecar::read(&p).unwrap_err().to_string();
    assert!(e.contains("side.yaml:4:") && e.contains("a gate"), "{e}");
}

/// `${{ variables.NAME }}` takes the innermost scope's value, as Azure's
/// does: a job's own variables (literal, or a variable template's, also in a
/// job template) hide its stage's, which hide the pipeline's.
#[test]
fn azure_job_variables_hide_the_stages_which_hide_the_pipelines() {
    let i = import::azure::import(
        &data("azure/job-variables/azure-pipelines.yml"),
        None,
        "out.yaml",
    )
    .unwrap();
    let v = validated(&i.yaml);
    assert_eq!(
        names(&v),
        ["deploy_qa", "deploy_staging", "deploy_uat", "deploy_prod"]
    );
    for env in ["qa", "staging", "uat", "prod"] {
        has(&i.yaml, &format!("approvals: environment {env} ("));
    }
    assert!(!i.yaml.contains("pipeline-level"), "{}", i.yaml);
    assert!(!i.yaml.contains("stage-level"), "{}", i.yaml);
    assert!(!i.yaml.contains("${{"), "{}", i.yaml);
    not_warned(&i.warnings, "vars-");
}

/// Jobs that run only after a failure, for another branch, or with a
/// variable set to another value are neither a stage's deploy nor its
/// verification; a job waiting on one with the default condition goes too.
#[test]
fn azure_jobs_off_the_success_path_are_left_out_of_their_stage() {
    let i = import::azure::import(&data("azure/job-conditions.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Prod"]);
    // SmokeTest has no condition; LoadTest's holds by the stage's variable;
    // InfraCheck's variable is set nowhere in the file: it runs, with a warning.
    assert_eq!(verify_names(&v, 0), ["SmokeTest", "LoadTest", "InfraCheck"]);
    let unknown: Vec<_> = i
        .warnings
        .iter()
        .filter(|w| w.contains("is not known"))
        .collect();
    assert!(
        unknown.len() == 1 && unknown[0].contains("job InfraCheck: condition"),
        "{unknown:?}"
    );
    for (job, why) in [
        ("NotifyFailure", "runs only after a failure"),
        ("Rollback", "runs only after a failure"),
        // Its own `runExtra: 'false'` hides the stage's 'true'.
        ("ExtraTest", "does not run for a push to main"),
        ("ReleaseNotes", "does not run for a push to main"),
        // No condition, but it waits on ReleaseNotes.
        ("PublishNotes", "does not run for a push to main"),
    ] {
        let part = format!("job {job} {why}");
        assert!(warned(&i.warnings, &part), "{part}: {:?}", i.warnings);
    }
    not_warned(&i.warnings, "not understood");
}

#[test]
fn azure_deployment_and_test_jobs_take_agents_and_agentless_jobs_do_not() {
    let i = import::azure::import(&data("azure/agentless-job.yml"), None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["Prod"]);
    // The deployment job runs on an agent (a parallel job), cited to its line.
    assert!(v.stages[0].deploy.agent, "{}", i.yaml);
    has(
        &i.yaml,
        "agentless-job.yml:17 (a deployment job runs on an agent",
    );
    assert_eq!(verify_names(&v, 0), ["Smoke", "WaitForMonitors"]);
    let agents: Vec<bool> = v.stages[0].verify.iter().map(|s| s.agent).collect();
    assert_eq!(
        agents,
        [true, false],
        "`pool: server` is agentless\n{}",
        i.yaml
    );
}
