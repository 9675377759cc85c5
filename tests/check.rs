//! `promosim baseline` and `promosim check`: a real regression fails with exit 1
//! and names the metric, wording changes pass, improvements are reported, the
//! JUnit file has the shape CI servers read, bad input exits 2.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use tempfile::TempDir;

fn promosim(cwd: &Path) -> Command {
    let mut cmd = cargo_bin_cmd!("promosim");
    cmd.current_dir(cwd);
    cmd
}

fn tailspin_text() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/tailspin.yaml");
    fs::read_to_string(p).expect("tailspin.yaml")
}

const DAILY: &str = r#"trigger: {schedule: "0 3 * * *"}"#;

/// A temporary folder with tailspin.yaml and its baseline (12 replications).
fn setup() -> (TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().expect("temporary directory");
    let scenario = t.path().join("tailspin.yaml");
    fs::write(&scenario, tailspin_text()).unwrap();
    let baseline = t.path().join("baselines/tailspin.json");
    promosim(t.path())
        .arg("baseline")
        .arg(&scenario)
        .args(["-r", "12", "-q", "--out"])
        .arg(&baseline)
        .assert()
        .success()
        .stdout(predicate::str::contains("9 metrics over 12 replications"));
    (t, scenario, baseline)
}

fn check(t: &TempDir, scenario: &Path, baseline: &Path) -> Command {
    let mut c = promosim(t.path());
    c.arg("check")
        .arg(scenario)
        .arg("--baseline")
        .arg(baseline)
        .arg("-q");
    c
}

fn rewrite(scenario: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(scenario).unwrap();
    assert!(text.contains(from), "{from:?} not in the scenario");
    fs::write(scenario, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn baseline_stores_values_per_replication_seed_and_hash() {
    let (_t, _s, baseline) = setup();
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(baseline).unwrap()).unwrap();
    assert_eq!(v["scenario"], "tailspin");
    assert_eq!(v["seed"], 20260105);
    assert_eq!(v["replications"], 12);
    assert_eq!(v["scenario_hash"].as_str().unwrap().len(), 16);
    let metrics = v["metrics"].as_array().unwrap();
    let p50 = metrics
        .iter()
        .find(|m| m["key"] == "lead_time.p50")
        .unwrap();
    assert_eq!(p50["values"].as_array().unwrap().len(), 12);
    assert_eq!(p50["tolerance"]["relative"], 0.05);
    assert_eq!(p50["higher_is_better"], false);
    let dpw = metrics
        .iter()
        .find(|m| m["key"] == "production.deploys_per_week")
        .unwrap();
    assert_eq!(dpw["higher_is_better"], true);
}

#[test]
fn unchanged_scenario_passes_with_zero_difference() {
    let (t, scenario, baseline) = setup();
    check(&t, &scenario, &baseline)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS"))
        .stdout(predicate::str::contains("REGRESSED").not())
        .stdout(predicate::str::contains("note:").not());
}

#[test]
fn weekly_test_deploys_fail_the_check_and_name_the_metric() {
    let (t, scenario, baseline) = setup();
    rewrite(&scenario, DAILY, r#"trigger: {schedule: "0 3 * * 1"}"#);
    let junit = t.path().join("junit.xml");
    let md = t.path().join("check.md");
    check(&t, &scenario, &baseline)
        .arg("--junit")
        .arg(&junit)
        .arg("--markdown")
        .arg(&md)
        .assert()
        .code(1)
        .stdout(predicate::str::is_match(r"lead_time\.p50\s.*REGRESSED").unwrap())
        .stdout(predicate::str::contains(
            "FAIL: lead_time.mean, lead_time.p50",
        ))
        .stderr(predicate::str::contains(
            "failed (regressed, changed or missing): lead_time.mean, lead_time.p50",
        ));
    let xml = fs::read_to_string(&junit).unwrap();
    let suite = junit_shape(&xml);
    assert_eq!(suite.tests, 9);
    assert!(suite.failed.contains(&"lead_time.p50".to_string()), "{xml}");
    assert!(
        !suite.failed.contains(&"build.agent_wait".to_string()),
        "{xml}"
    );
    assert_eq!(suite.failures, suite.failed.len());
    let md = fs::read_to_string(&md).unwrap();
    assert!(md.contains("❌ failed: lead_time.mean"), "{md}");
    assert!(md.contains("| `lead_time.p50` |"), "{md}");
    assert!(md.contains("**REGRESSED**"), "{md}");
}

#[test]
fn a_renamed_stage_title_passes_with_a_note() {
    let (t, scenario, baseline) = setup();
    rewrite(
        &scenario,
        "  - name: production\n",
        "  - name: production\n    title: Production (live site)\n",
    );
    let junit = t.path().join("junit.xml");
    check(&t, &scenario, &baseline)
        .arg("--junit")
        .arg(&junit)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS"))
        .stdout(predicate::str::contains("note: the scenario text changed"));
    let suite = junit_shape(&fs::read_to_string(&junit).unwrap());
    assert_eq!((suite.tests, suite.failures), (9, 0));
}

#[test]
fn an_improvement_passes_and_is_reported() {
    let (t, scenario, baseline) = setup();
    // Continuous deployment to test instead of a 03:00 schedule.
    rewrite(&scenario, DAILY, "trigger: auto");
    check(&t, &scenario, &baseline)
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"lead_time\.mean\s.*IMPROVED").unwrap())
        .stdout(predicate::str::contains("PASS (improved: lead_time.mean"));
}

#[test]
fn tolerances_from_the_scenario_and_the_command_line() {
    let (t, scenario, baseline) = setup();
    rewrite(&scenario, DAILY, r#"trigger: {schedule: "0 3 * * 1"}"#);
    let mut text = fs::read_to_string(&scenario).unwrap();
    text.push_str("\ncheck:\n  tolerances:\n    lead_time.p50: 100000%\n");
    fs::write(&scenario, text).unwrap();
    let out = check(&t, &scenario, &baseline).assert().code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("lead_time.p50") && l.ends_with("pass")),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL: lead_time.mean, lead_time.p95"),
        "{stdout}"
    );
    // The command line wins over the scenario.
    check(&t, &scenario, &baseline)
        .args(["--tolerance", "lead_time.p50=0.01"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL: lead_time.mean, lead_time.p50",
        ));
}

#[test]
fn bad_input_exits_2() {
    let (t, scenario, baseline) = setup();
    check(&t, &scenario, &baseline)
        .args(["--tolerance", "lead_time.p50"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("KEY=TOLERANCE"));
    check(&t, &scenario, &baseline)
        .args(["--tolerance", "lead_time.p50=lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected a tolerance"));
    check(&t, &scenario, &baseline)
        .args(["--tolerance", "no.such.metric=5%"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a metric of the baseline"));
    let garbage = t.path().join("garbage.json");
    fs::write(&garbage, "{\"promosim\": 1").unwrap();
    check(&t, &scenario, &garbage)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a promosim baseline"));
    check(&t, &scenario, &t.path().join("missing.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the baseline"));
    promosim(t.path())
        .arg("baseline")
        .arg(&scenario)
        .args(["-r", "1", "-q"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least 2 replications"));
    promosim(t.path())
        .arg("baseline")
        .arg(&scenario)
        .args(["-r", "2", "-q", "--metric", "lead_time.p51"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown metric \"lead_time.p51\""));
    // A tampered baseline: a flipped direction, or no metrics at all.
    let text = fs::read_to_string(&baseline).unwrap();
    let flipped = t.path().join("flipped.json");
    let at = text
        .find("\"higher_is_better\": false")
        .expect("a lower-is-better metric");
    let mut edited = text.clone();
    edited.replace_range(
        at..at + "\"higher_is_better\": false".len(),
        "\"higher_is_better\": true",
    );
    fs::write(&flipped, edited).unwrap();
    check(&t, &scenario, &flipped)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the baseline was edited"));
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["metrics"] = serde_json::json!([]);
    let empty = t.path().join("empty.json");
    fs::write(&empty, v.to_string()).unwrap();
    check(&t, &scenario, &empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lists no metrics"));
    // A baseline of another scenario.
    let other = t.path().join("other.yaml");
    fs::write(
        &other,
        tailspin_text().replace("name: tailspin", "name: other"),
    )
    .unwrap();
    check(&t, &other, &baseline)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("this baseline is of scenario"));
}

/// What a CI server reads from a JUnit file.
struct Suite {
    tests: usize,
    failures: usize,
    failed: Vec<String>,
}

/// Parses JUnit XML and checks the shape Azure Pipelines, GitHub reporters and
/// GitLab read: `<testsuites>` holding `<testsuite name tests failures errors
/// skipped time>`, holding `<testcase classname name time>`, each with at most
/// one `<failure message type>`; counts consistent with the cases.
fn junit_shape(xml: &str) -> Suite {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut stack: Vec<String> = Vec::new();
    let mut suite_attrs = std::collections::HashMap::new();
    let mut cases = 0;
    let mut failed = Vec::new();
    let mut current_case = String::new();
    let mut seen_decl = false;
    loop {
        let ev = r
            .read_event()
            .unwrap_or_else(|e| panic!("malformed XML: {e}\n{xml}"));
        let (el, empty) = match &ev {
            Event::Decl(_) => {
                seen_decl = true;
                continue;
            }
            Event::Start(e) => (e.clone(), false),
            Event::Empty(e) => (e.clone(), true),
            Event::End(e) => {
                let name = e.name().into_inner().to_string();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "unbalanced");
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = el.name().into_inner().to_string();
        let attrs: std::collections::HashMap<String, String> = el
            .attributes()
            .map(|a| {
                let a = a.expect("well-formed attribute");
                (
                    a.key.into_inner().to_string(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("escaped value")
                        .into_owned(),
                )
            })
            .collect();
        let parent = stack.last().map(String::as_str);
        match name.as_str() {
            "testsuites" => assert_eq!(parent, None),
            "testsuite" => {
                assert_eq!(parent, Some("testsuites"));
                for a in ["name", "tests", "failures", "errors", "skipped", "time"] {
                    assert!(attrs.contains_key(a), "testsuite lacks {a}");
                }
                suite_attrs = attrs.clone();
            }
            "properties" => assert_eq!(parent, Some("testsuite")),
            "property" => {
                assert_eq!(parent, Some("properties"));
                assert!(attrs.contains_key("name") && attrs.contains_key("value"));
            }
            "testcase" => {
                assert_eq!(parent, Some("testsuite"));
                for a in ["classname", "name", "time"] {
                    assert!(attrs.contains_key(a), "testcase lacks {a}");
                }
                assert!(attrs["classname"].starts_with("promosim."));
                assert!(attrs["time"].parse::<f64>().is_ok());
                current_case = attrs["name"].clone();
                cases += 1;
            }
            "failure" | "skipped" => {
                assert_eq!(parent, Some("testcase"));
                assert!(attrs.contains_key("message"), "{name} lacks a message");
                if name == "failure" {
                    assert!(attrs.contains_key("type"));
                    failed.push(current_case.clone());
                }
            }
            "system-out" => assert!(matches!(parent, Some("testcase" | "testsuite"))),
            other => panic!("unexpected element <{other}>"),
        }
        if !empty {
            stack.push(name);
        }
    }
    assert!(seen_decl, "no XML declaration");
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    let num = |k: &str| suite_attrs[k].parse::<usize>().unwrap();
    assert_eq!(num("tests"), cases);
    assert_eq!(num("failures"), failed.len());
    Suite {
        tests: num("tests"),
        failures: num("failures"),
        failed,
    }
}

/// Dogfooding: every shipped scenario has a committed baseline, and passes it.
#[test]
fn every_shipped_scenario_passes_its_committed_baseline() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let t = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = fs::read_dir(repo.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        let baseline = repo.join("baselines").join(format!("{stem}.json"));
        assert!(
            baseline.exists(),
            "{stem}: no baselines/{stem}.json (promosim baseline {} --out {})",
            f.display(),
            baseline.display()
        );
        check(&t, &f, &baseline)
            .assert()
            .code(0)
            .stdout(predicate::str::contains("PASS"));
    }
}

/// A metric with no better direction (rollouts counted per stage) neither
/// regresses nor improves: moved beyond its tolerance either way it is
/// CHANGED and fails; unmoved it passes.
#[test]
fn a_metric_without_a_direction_fails_as_changed_either_way() {
    let t = tempfile::tempdir().expect("temporary directory");
    let scenario = t.path().join("tailspin.yaml");
    fs::write(&scenario, tailspin_text()).unwrap();
    let baseline = t.path().join("b.json");
    promosim(t.path())
        .arg("baseline")
        .arg(&scenario)
        .args(["-r", "12", "-q", "--metric", "production.rollouts", "--out"])
        .arg(&baseline)
        .assert()
        .success();
    check(&t, &scenario, &baseline)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("CHANGED").not());
    // Continuous test deploys: more production rollouts, not "worse".
    rewrite(&scenario, DAILY, "trigger: auto");
    check(&t, &scenario, &baseline)
        .assert()
        .code(1)
        .stdout(predicate::str::is_match(r"production\.rollouts\s.*CHANGED").unwrap())
        .stdout(predicate::str::contains("no better direction"));
}

#[test]
fn select_refuses_a_metric_without_a_direction() {
    let t = tempfile::tempdir().expect("temporary directory");
    let scenario = t.path().join("tailspin.yaml");
    fs::write(&scenario, tailspin_text()).unwrap();
    promosim(t.path())
        .arg("sweep")
        .arg(&scenario)
        .args(["--set", "build.agents=1,2", "-r", "3", "-q"])
        .args(["--select", "production.rollouts"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no better direction"));
}
