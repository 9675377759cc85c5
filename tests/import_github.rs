//! `promosim import github-actions`: jobs, environments, concurrency,
//! conditions, matrices and reusable workflows become the stages the file
//! means for a push to main (asserted on the validated scenario); what is
//! not understood is warned about by file:line.

#[path = "common/import.rs"]
mod import_common;

use std::path::{Path, PathBuf};

use import_common::*;
use promosim::import;
use promosim::scenario::file::Batch;
use promosim::scenario::stage::LockPolicy;
use promosim::scenario::valid::Trigger;

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

/// A called workflow with two environments (terraform `plan` in `<env>-plan`,
/// then `apply`, which needs it, in `<env>-apply`, as in
/// Azure-Samples/github-terraform-oidc-ci-cd): the stage is the job that
/// deploys, the last environment in the callee's job order, so the sidecar's
/// reviewers on the apply environment apply; the plan environment, which
/// apply needs, is named in a warning (not a stage of its own; sidecar
/// approvals for it would hold the stage, as a gate's do). The callee's job `concurrency` is the lock when the caller's job
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
        i.warnings.iter().any(|w| w
            .contains("approvals, wait timer and gates for environment `prod` are not applied")),
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

/// Several workflow files (the second sweep's finding 2).
fn gh_many(rels: &[&str]) -> (import::Imported, promosim::scenario::valid::Validated) {
    let paths: Vec<PathBuf> = rels.iter().map(|r| data(r)).collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let i = import::github::import(&refs, None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    (i, v)
}

/// GSA-TTS/FAC: dev deploys on pushes to main, staging when someone merges
/// into the `prod` branch, production on a release tag. Only the main
/// workflow runs on the model's pushes: the others are started by hand.
#[test]
fn github_a_push_to_another_branch_than_main_is_a_manual_promotion() {
    let (i, v) = gh_many(&[
        "github/sweep2/fac/deploy-development.yml",
        "github/sweep2/fac/deploy-staging.yml",
        "github/sweep2/fac/deploy-production.yml",
    ]);
    assert_eq!(names(&v), ["dev", "staging", "production"], "{}", i.yaml);
    assert!(matches!(v.stages[0].trigger, Trigger::Auto));
    assert!(matches!(v.stages[1].trigger, Trigger::Manual { .. }));
    assert!(matches!(v.stages[2].trigger, Trigger::Manual { .. }));
    assert!(warned(
        &i.warnings,
        "deploy-staging.yml:6: `push` to prod, not to main"
    ));
    has(
        &i.yaml,
        "deploy-staging.yml:6 (`push` to prod: someone merges into it)",
    );
    // The build is the main workflow's: a run per push to main.
    has(
        &i.yaml,
        "deploy-development.yml:6 (`push` without workflow concurrency",
    );
    // The scan after staging verifies it.
    assert_eq!(v.stages[1].verify.len(), 1);
    // Users get the release at production: dev and staging, which nothing
    // depends on, are test systems, not production regions.
    let prod: Vec<bool> = v.stages.iter().map(|s| s.production).collect();
    assert_eq!(prod, [false, false, true], "{}", i.yaml);
    assert!(warned(
        &i.warnings,
        "stages dev, staging (nothing depends on them"
    ));
}

/// CMSgov/easi-app deploy_pipeline.yml: the frontend assets are built per
/// environment, prod's included, before dev, impl and prod deploy in turn;
/// users get the release at the prod deployment, not at prod's asset build
/// that it needs.
#[test]
fn github_the_production_deployment_after_a_job_reading_production_is_production() {
    let (i, v) = gh("github/sweep2/easi/deploy_pipeline.yml");
    assert_eq!(
        names(&v),
        [
            "dev",
            "impl",
            "prod",
            "dev-deploy_dev",
            "impl-deploy_impl",
            "prod-deploy_prod"
        ]
    );
    let prod: Vec<&str> = v
        .stages
        .iter()
        .filter(|s| s.production)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(prod, ["prod-deploy_prod"], "{}", i.yaml);
    not_warned(&i.warnings, "is taken as the production stage");
}

/// cds-snc/ai-answers tf_apply_production.yml runs when a release is
/// published: someone's act, not every push.
#[test]
fn github_a_workflow_on_release_only_is_a_manual_release() {
    let (i, v) = gh("github/sweep2/ai-answers-tf-apply-production.yml");
    assert_eq!(names(&v), ["production"]);
    assert!(
        matches!(v.stages[0].trigger, Trigger::Manual { .. }),
        "{}",
        i.yaml
    );
    has(&i.yaml, "`release`: someone publishes a release");
    not_warned(&i.warnings, "`release` event is not simulated");
    // The fork guard holds: no warning about the condition.
    not_warned(&i.warnings, "not understood");
}

/// govuk-one-login/onboarding-self-service-experience deploy-dev.yml runs
/// for the merge queue and pull requests only: none of its jobs runs on a
/// push to main, said once for the workflow, not per job.
#[test]
fn github_a_workflow_of_pull_requests_only_adds_no_stage() {
    let (i, v) = gh_many(&[
        "github/sweep2/onboarding-deploy-dev.yml",
        "github/sweep2/onboarding-deploy-prod.yml",
    ]);
    assert_eq!(names(&v), ["production"], "{}", i.yaml);
    assert!(warned(
        &i.warnings,
        "onboarding-deploy-dev.yml:6: nothing the model simulates starts this workflow"
    ));
    not_warned(&i.warnings, "never runs");
    not_warned(&i.warnings, "not understood");
    assert_eq!(v.build.batch, Batch::Run);
}

/// CMSgov/bcda-app deploy-all.yml calling migrate-db.yml: the called job's
/// `environment: ${{ inputs.env || 'dev' }}` is evaluated with the caller's
/// `with` (dev on a dispatch by default), not left as an expression named
/// by the job id.
#[test]
fn github_a_called_jobs_environment_expression_is_evaluated_with_its_inputs() {
    let (i, v) = gh("github/sweep2/bcda/deploy-all.yml");
    assert_eq!(
        names(&v),
        ["dev", "dev-migrate_db", "dev-deploy"],
        "{}",
        i.yaml
    );
    has(&i.yaml, "bcda/migrate-db.yml:17): required reviewers");
    not_warned(&i.warnings, "is an expression");
    // The same expression on two jobs: said once, naming both lines.
    assert!(warned(
        &i.warnings,
        "deploy-all.yml:24 (also line 39): environment \"${{ inputs.env || 'dev' }}\" is \"dev\""
    ));
    assert_eq!(
        i.warnings
            .iter()
            .filter(|w| w.contains("is \"dev\" on"))
            .count(),
        1,
        "{:?}",
        i.warnings
    );
}

/// alphagov/govuk-mobile-backend publish.yaml: `contains(fromJSON('[…]'),
/// github.ref_name)` holds on a push to main; the condition is understood.
#[test]
fn github_from_json_of_a_branch_list_is_understood() {
    let (i, v) = gh("github/sweep2/govuk-mobile-backend/publish.yaml");
    assert_eq!(names(&v), ["dev", "build-stage"], "{}", i.yaml);
    not_warned(&i.warnings, "not understood");
    has(&i.yaml, "holds on a push to main");
}

/// A called workflow's `confirm_deploy` job on `${{ inputs.env }}_gate`,
/// which the deploying jobs need (CMSgov/easi-app): GitHub holds it until
/// the gate environment's reviewers approve, and the deployment waits for
/// it, so the sidecar's approvals and wait timer for `prod_gate` hold the
/// `prod` stage (they were dropped as a "plan or verification step"). The
/// stage has one approval: with approvals on both `impl_gate` and `impl`,
/// the gate's is kept, with a warning; the gate's deploy values are not the
/// deployment's.
#[test]
fn github_gate_environment_in_a_called_workflow_keeps_its_approvals() {
    let side = import::sidecar::read(&data("github/gate/sidecar.yaml")).unwrap();
    let p = data("github/gate/deploy_pipeline.yml");
    let i = import::github::import(&[p.as_path()], Some(&side), "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["dev", "impl", "prod"]);
    let prod = &v.stages[2];
    let a = prod
        .approval
        .as_ref()
        .expect("prod_gate's reviewers hold prod");
    assert_eq!(v.people[a.approvers[0]].name, "release-managers");
    assert_eq!(prod.gates.len(), 1, "prod_gate's wait timer");
    assert!((prod.gates[0].delay.secs() - 600.0).abs() < 1e-9);
    assert!(
        v.stages[0].approval.is_none(),
        "no sidecar entry for dev_gate"
    );
    let a = v.stages[1]
        .approval
        .as_ref()
        .expect("impl_gate's reviewers");
    assert_eq!(v.people[a.approvers[0]].name, "release-managers");
    assert!(warned(
        &i.warnings,
        "the gate's, asked first, is kept and impl's is left out"
    ));
    assert!(warned(
        &i.warnings,
        "deploy values for the gate environment impl_gate"
    ));
    has(&i.yaml, "duration: 5m");
    not_warned(&i.warnings, "matches no environment");
    not_warned(&i.warnings, "plan or verification step");
    has(&i.yaml, "gate: environment dev_gate");
}

/// Two deployments that run only when someone dispatches the workflow
/// (`if: github.event_name == 'workflow_dispatch'`), the second needing the
/// first through a plain job: one dispatch runs both, so only the first is
/// manual and the second follows it automatically (it was a second manual
/// trigger, as if a second person started it). The fixture is written for
/// the test: no public workflow with such a chain was found.
#[test]
fn github_jobs_of_one_dispatch_share_its_manual_trigger() {
    let p = data("github/dispatch-chain/deploy.yml");
    let i = import::github::import(&[p.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["staging", "production", "production-eu"]);
    assert!(matches!(v.stages[0].trigger, Trigger::Auto));
    assert!(matches!(v.stages[1].trigger, Trigger::Manual { .. }));
    assert!(matches!(v.stages[2].trigger, Trigger::Auto), "{}", i.yaml);
    assert_eq!(deps(&v, 2), ["production"]);
    has(
        &i.yaml,
        "deploy.yml:42 (only on workflow_dispatch, as stage production it follows",
    );
}

/// A deployment that needs a plain job run only on a dispatch (its own
/// `if: github.event_name == 'workflow_dispatch'`, or one it needs) is
/// skipped by GitHub on every push: it is manual, started by the dispatch,
/// and that plain job, run after staging only on a dispatch, is not one of
/// staging's verification steps. The fixture is written for the test.
#[test]
fn github_a_deployment_needing_a_dispatch_only_job_is_manual() {
    let p = data("github/dispatch-plain/deploy.yml");
    let i = import::github::import(&[p.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    assert_eq!(names(&v), ["staging", "production"]);
    assert!(matches!(v.stages[0].trigger, Trigger::Auto));
    assert!(
        matches!(v.stages[1].trigger, Trigger::Manual { .. }),
        "{}",
        i.yaml
    );
    assert_eq!(deps(&v, 1), ["staging"]);
    assert!(verify_names(&v, 0).is_empty(), "{:?}", verify_names(&v, 0));
    has(
        &i.yaml,
        "deploy.yml:28 (job package, which job deploy-production needs, runs only on workflow_dispatch",
    );
    has(
        &i.yaml,
        "job load-test runs after it only when someone dispatches the workflow",
    );
}
