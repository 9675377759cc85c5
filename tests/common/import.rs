//! Helpers of the `promosim import` tests (tests/import*.rs): the test data,
//! an import read back as the simulator reads it, and what to look at in it.
//! Included with `#[path = "common/import.rs"] mod import_common;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use promosim::import;
use promosim::import::rollout::Fragment;
use promosim::scenario::valid::{BlueGreen, Canary, CanaryPlan, CanaryStep, Strategy, Validated};

pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/import")
        .join(rel)
}

/// The imported text, read back as the simulator reads a scenario.
pub fn validated(yaml: &str) -> Validated {
    let s =
        promosim::scenario::parse(yaml, Path::new("imported.yaml")).expect("the import validates");
    promosim::model::compile(&s).expect("the import compiles");
    s.file
}

/// `part` is in the imported text.
pub fn has(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} not in:\n{text}");
}

/// Some warning mentions `part`.
pub fn warned(warnings: &[String], part: &str) -> bool {
    warnings.iter().any(|w| w.contains(part))
}

/// No warning mentions `part`.
pub fn not_warned(warnings: &[String], part: &str) {
    assert!(!warned(warnings, part), "{part:?} in {warnings:?}");
}

pub fn names(v: &Validated) -> Vec<&str> {
    v.stages.iter().map(|s| s.name.as_str()).collect()
}

pub fn deps(v: &Validated, stage: usize) -> Vec<&str> {
    v.stages[stage]
        .deps
        .iter()
        .map(|&d| v.stages[d].name.as_str())
        .collect()
}

/// The production stage's canary strategy.
pub fn production_canary(v: &Validated) -> &Canary {
    let prod = v.stages.iter().find(|s| s.name == "production").unwrap();
    let Strategy::Canary(c) = &prod.strategy else {
        panic!("canary expected, got {:?}", prod.strategy)
    };
    c
}

/// The production stage's Flagger plan: (weights, interval in seconds, threshold).
pub fn flagger_plan(v: &Validated) -> (&[f64], f64, u32) {
    let CanaryPlan::Flagger {
        weights,
        interval,
        threshold,
    } = &production_canary(v).plan
    else {
        panic!(
            "a Flagger plan expected, got {:?}",
            production_canary(v).plan
        )
    };
    (weights, interval.secs(), threshold.get())
}

/// A rollout file imported by `importer` into `base.yaml`: the fragment,
/// the scenario text and the scenario.
pub fn into_base(
    importer: fn(&Path) -> Result<Fragment, promosim::error::InputError>,
    file: &str,
) -> (Fragment, String, Validated) {
    merged(importer, &data(file))
}

/// The rollout file at `path` imported by `importer` into `base.yaml`.
pub fn merged(
    importer: fn(&Path) -> Result<Fragment, promosim::error::InputError>,
    path: &Path,
) -> (Fragment, String, Validated) {
    let f = importer(path).unwrap();
    let text = import::merge::into(&data("base.yaml"), &f, None).unwrap();
    let v = validated(&text);
    (f, text, v)
}

/// Stage `s`'s blue-green strategy.
pub fn blue_green(v: &Validated, s: usize) -> &BlueGreen {
    let Strategy::BlueGreen(bg) = &v.stages[s].strategy else {
        panic!("blue_green expected, got {:?}", v.stages[s].strategy)
    };
    bg
}

/// An Argo Rollout file imported into `base.yaml`.
pub fn argo_into_base(file: &str) -> (Fragment, String, Validated) {
    into_base(import::rollout::argo, file)
}

/// A Flagger Canary file imported into `base.yaml`.
pub fn flagger_into_base(file: &str) -> (Fragment, String, Validated) {
    into_base(import::rollout::flagger, file)
}

/// A canary's steps in short: `w20` a weight, `p300` a pause of 300 s,
/// `promote`, `a60x5/1` an analysis of 5 runs every 60 s allowing 1 failure.
pub fn step_kinds(c: &Canary) -> Vec<String> {
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
                ..
            } => format!("a{}x{}/{}", interval.secs(), count, failure_limit),
        })
        .collect()
}

pub fn verify_names(v: &Validated, stage: usize) -> Vec<&str> {
    v.stages[stage]
        .verify
        .iter()
        .map(|s| s.name.as_str())
        .collect()
}

/// `flagger/podinfo.yaml` with `from` replaced by `to`, written to `dir`.
/// Test file `file` with its first `from` replaced by `to`, written to `dir/name`.
pub fn variant(dir: &Path, file: &str, name: &str, from: &str, to: &str) -> PathBuf {
    let yaml = std::fs::read_to_string(data(file)).unwrap();
    assert!(yaml.contains(from), "{from}");
    let p = dir.join(name);
    std::fs::write(&p, yaml.replacen(from, to, 1)).unwrap();
    p
}

pub fn podinfo_with(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    variant(dir, "flagger/podinfo.yaml", name, from, to)
}

/// The GitHub Actions sweep's cut-down copies of real workflows
/// (tests/data/import/github/sweep/, each citing the public file it comes from).
pub fn gh(rel: &str) -> (import::Imported, Validated) {
    let p = data(rel);
    let i = import::github::import(&[p.as_path()], None, "out.yaml").unwrap();
    let v = validated(&i.yaml);
    (i, v)
}
