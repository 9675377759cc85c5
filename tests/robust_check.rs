//! `check` verifies a baseline against its own fingerprint (scenario, seed,
//! replication count, values) and refuses report files it cannot write with
//! exit 2, never 1 ("regressed") (issue 15, item 7).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{promosim, tmp};
use serde_json::Value;
use tempfile::TempDir;

const SCENARIO: &str = "\
name: small
run:
  start: 2026-01-05 00:00
  horizon: 20d
  seed: 11
  replications: 3
commits:
  poisson:
    per_day: 30
build:
  duration: 5m
stages:
  - name: dev
  - name: production
";

/// A scenario and a fresh baseline of it (3 replications).
fn setup() -> (TempDir, PathBuf, PathBuf) {
    let t = tmp();
    let s = t.path().join("small.yaml");
    fs::write(&s, SCENARIO).unwrap();
    let b = t.path().join("b.json");
    promosim(t.path())
        .arg("baseline")
        .arg(&s)
        .arg("--out")
        .arg(&b)
        .arg("-q")
        .assert()
        .success();
    (t, s, b)
}

fn check(t: &TempDir, s: &Path, b: &Path, extra: &[&str]) -> (i32, String) {
    let out = promosim(t.path())
        .arg("check")
        .arg(s)
        .arg("--baseline")
        .arg(b)
        .arg("-q")
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn edit(b: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&fs::read_to_string(b).unwrap()).unwrap();
    f(&mut v);
    fs::write(b, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn a_fresh_baseline_carries_a_fingerprint_and_passes() {
    let (t, s, b) = setup();
    let v: Value = serde_json::from_str(&fs::read_to_string(&b).unwrap()).unwrap();
    assert!(
        v["fingerprint"].as_str().is_some_and(|f| f.len() == 16),
        "{v}"
    );
    let (code, err) = check(&t, &s, &b, &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn an_edited_seed_is_refused_not_rerun() {
    let (t, s, b) = setup();
    edit(&b, |v| v["seed"] = 12.into());
    let (code, err) = check(&t, &s, &b, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("edited") && err.contains("fingerprint"),
        "{err}"
    );
}

#[test]
fn an_edited_replication_count_or_value_is_refused() {
    let (t, s, b) = setup();
    // Two replications, each metric cut to two values: consistent in shape.
    edit(&b, |v| {
        v["replications"] = 2.into();
        for m in v["metrics"].as_array_mut().unwrap() {
            m["values"].as_array_mut().unwrap().truncate(2);
        }
    });
    let (code, err) = check(&t, &s, &b, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("edited"), "{err}");

    let (t, s, b) = setup();
    edit(&b, |v| {
        let x = &mut v["metrics"][0]["values"][0];
        *x = (x.as_f64().unwrap() * 2.0).into();
    });
    let (code, err) = check(&t, &s, &b, &[]);
    assert_eq!(code, 2, "{err}");
}

/// A baseline as an older promosim wrote it: no fingerprint.
fn old_format(b: &Path) {
    edit(b, |v| {
        v.as_object_mut().unwrap().remove("fingerprint");
    });
}

#[test]
fn an_old_baseline_is_still_accepted_but_an_edited_seed_in_it_is_caught() {
    let (t, s, b) = setup();
    old_format(&b);
    let (code, err) = check(&t, &s, &b, &[]);
    assert_eq!(code, 0, "an old, unedited baseline: {err}");

    edit(&b, |v| v["seed"] = 12.into());
    let (code, err) = check(&t, &s, &b, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("seed 12") && err.contains("seed 11"), "{err}");

    // An old file whose counts no longer match its values.
    let (t, s, b) = setup();
    old_format(&b);
    edit(&b, |v| {
        v["replications"] = 2.into();
        for m in v["metrics"].as_array_mut().unwrap() {
            m["values"].as_array_mut().unwrap().truncate(2);
        }
    });
    let (code, err) = check(&t, &s, &b, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("n and mean"), "{err}");
}

#[test]
fn the_shipped_baselines_keep_their_scenarios_seeds() {
    // Without a fingerprint, a baseline is accepted only on its scenario's
    // own seed: the committed ones must meet that
    // (`every_shipped_scenario_passes_its_committed_baseline` reruns them).
    let dir = common::repo().join("baselines");
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let v: Value = serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
        if v.get("fingerprint").is_some() {
            continue;
        }
        let name = p.file_stem().unwrap().to_str().unwrap();
        let text = fs::read_to_string(common::scenario(&format!("{name}.yaml"))).unwrap();
        let seed = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("seed:"))
            .map(|s| s.split('#').next().unwrap().trim().parse::<u64>().unwrap());
        assert_eq!(seed, v["seed"].as_u64(), "{name}");
    }
}

#[test]
fn unwritable_junit_or_markdown_exits_2_before_rerunning() {
    let (t, s, b) = setup();
    let folder = t.path().to_str().unwrap().to_string();
    let missing = t.path().join("no/such/dir/x.xml");
    let missing = missing.to_str().unwrap();
    for args in [
        ["--junit", folder.as_str()],
        ["--markdown", folder.as_str()],
        ["--junit", missing],
        ["--markdown", missing],
    ] {
        let (code, err) = check(&t, &s, &b, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("folder"), "{args:?}: {err}");
    }
    assert!(!t.path().join("no").exists(), "no folder was made");
}
