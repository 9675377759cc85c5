//! `docs/outputs.md` lists every field of every output file: this runs the
//! commands on shipped scenarios, collects the fields and columns they write
//! and fails on any the reference does not list, or any it lists that no file
//! has. Each JSON output carries the current `schema_version`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use promosim::experiment::compare::KEY_METRICS;
use promosim::experiment::summary::SCHEMA_VERSION;
use serde_json::Value;

/// The documented fields, by file: the first backticked word of each table row
/// under a `## ` heading, the file being the heading's first backticked word.
fn reference() -> BTreeMap<String, Vec<String>> {
    let text = common::read(&common::repo().join("docs/outputs.md"));
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut file: Option<String> = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            file = h.split('`').nth(1).map(str::to_string);
            continue;
        }
        let (Some(f), Some(row)) = (&file, line.strip_prefix("| `")) else {
            continue;
        };
        if let Some(name) = row.split('`').next() {
            out.entry(f.clone()).or_default().push(name.to_string());
        }
    }
    out
}

/// Every path of a JSON document that holds a value or a list: `a.b`, `a[]`,
/// `a[].b`. Plain objects are not listed (their fields are); `null` list items
/// add nothing.
fn json_paths(v: &Value, path: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                json_paths(x, &p, out);
            }
        }
        Value::Array(items) => {
            let p = format!("{path}[]");
            for x in items.iter().filter(|x| x.is_object() || x.is_array()) {
                json_paths(x, &p, out);
            }
            out.insert(p);
        }
        _ => {
            out.insert(path.to_string());
        }
    }
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&common::read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn check_json(reference: &BTreeMap<String, Vec<String>>, doc_name: &str, p: &Path) -> Value {
    let v = json(p);
    assert_eq!(
        v.get("schema_version").and_then(Value::as_u64),
        Some(u64::from(SCHEMA_VERSION)),
        "{}: schema_version",
        p.display()
    );
    let mut have = BTreeSet::new();
    json_paths(&v, "", &mut have);
    let listed: BTreeSet<String> = reference
        .get(doc_name)
        .unwrap_or_else(|| panic!("docs/outputs.md has no section for {doc_name}"))
        .iter()
        .cloned()
        .collect();
    let undocumented: Vec<_> = have.difference(&listed).collect();
    let absent: Vec<_> = listed.difference(&have).collect();
    assert!(
        undocumented.is_empty(),
        "{}: fields missing from docs/outputs.md: {undocumented:?}",
        p.display()
    );
    assert!(
        absent.is_empty(),
        "{}: docs/outputs.md lists fields the file lacks: {absent:?}",
        p.display()
    );
    v
}

fn header(p: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    r.headers()
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .iter()
        .map(str::to_string)
        .collect()
}

/// Checks a CSV header against its section: literal columns must all be
/// there; `<…>` patterns stand for the columns `expand` gives for them, which
/// must be there too; no other column may be.
fn check_csv(
    reference: &BTreeMap<String, Vec<String>>,
    doc_name: &str,
    p: &Path,
    expand: impl Fn(&str) -> Vec<String>,
) {
    let have = header(p);
    let listed = reference
        .get(doc_name)
        .unwrap_or_else(|| panic!("docs/outputs.md has no section for {doc_name}"));
    let mut want: Vec<String> = Vec::new();
    for name in listed {
        if name.starts_with('<') {
            let cols = expand(name);
            assert!(!cols.is_empty(), "{doc_name}: {name} stands for nothing");
            want.extend(cols);
        } else {
            want.push(name.clone());
        }
    }
    let have_set: BTreeSet<&String> = have.iter().collect();
    let want_set: BTreeSet<&String> = want.iter().collect();
    let undocumented: Vec<_> = have_set.difference(&want_set).collect();
    let absent: Vec<_> = want_set.difference(&have_set).collect();
    assert!(
        undocumented.is_empty(),
        "{}: columns missing from docs/outputs.md: {undocumented:?}",
        p.display()
    );
    assert!(
        absent.is_empty(),
        "{}: docs/outputs.md lists columns the file lacks: {absent:?}",
        p.display()
    );
    assert_eq!(
        have.len(),
        have_set.len(),
        "{}: a repeated column",
        p.display()
    );
}

fn run_ok(cwd: &Path, args: &[&str], scenarios: &[&str]) {
    let mut cmd = common::promosim(cwd);
    cmd.args(args);
    for s in scenarios {
        cmd.arg(common::scenario(s));
    }
    cmd.assert().success();
}

fn metric_keys(summary: &Value) -> Vec<String> {
    summary["metrics"]
        .as_array()
        .expect("metrics[]")
        .iter()
        .map(|m| m["key"].as_str().expect("key").to_string())
        .collect()
}

#[test]
fn run_outputs_match_the_reference() {
    let reference = reference();
    let t = common::tmp();
    // Two scenarios with different stage names: the columns vary with them.
    for name in ["tailspin", "sequential-approvals"] {
        let out = t.path().join(name);
        let out_s = out.to_str().expect("utf-8 path");
        run_ok(
            t.path(),
            &[
                "run",
                "-r",
                "2",
                "--quiet",
                "--no-report",
                "--commits",
                "--out",
                out_s,
            ],
            &[&format!("{name}.yaml")],
        );
        let summary = check_json(&reference, "summary.json", &out.join("summary.json"));
        let keys = metric_keys(&summary);
        let stages: Vec<&str> = summary["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            stages
                .iter()
                .all(|s| keys.iter().any(|k| k.contains(&format!(".{s}.")))),
            "{name}: every stage has its columns"
        );
        check_csv(
            &reference,
            "replications.csv",
            &out.join("replications.csv"),
            |p| match p {
                "<metric key>" => keys.clone(),
                _ => Vec::new(),
            },
        );
        // The metric columns come in summary.json's order.
        assert_eq!(header(&out.join("replications.csv"))[1..], keys[..]);
        let where_keys: Vec<String> = keys
            .iter()
            .filter(|k| k.starts_with("where."))
            .cloned()
            .collect();
        check_csv(
            &reference,
            "commits.csv",
            &out.join("commits.csv"),
            |p| match p {
                "<where key>" => where_keys.clone(),
                _ => Vec::new(),
            },
        );
        // The parts come in summary.json's order, after the fixed columns.
        let commit_cols = header(&out.join("commits.csv"));
        assert_eq!(
            commit_cols[commit_cols.len() - where_keys.len()..],
            where_keys[..]
        );
    }
}

#[test]
fn compare_sweep_baseline_and_trace_outputs_match_the_reference() {
    let reference = reference();
    let t = common::tmp();
    let dir = |n: &str| t.path().join(n).to_str().expect("utf-8 path").to_string();
    run_ok(
        t.path(),
        &[
            "compare",
            "-r",
            "2",
            "--quiet",
            "--no-report",
            "--out",
            &dir("cmp"),
        ],
        &["tailspin.yaml", "tailspin-continuous.yaml"],
    );
    check_json(
        &reference,
        "comparison.json",
        &t.path().join("cmp/comparison.json"),
    );
    check_csv(
        &reference,
        "comparison.csv",
        &t.path().join("cmp/comparison.csv"),
        |_| Vec::new(),
    );

    run_ok(
        t.path(),
        &[
            "sweep",
            "-r",
            "2",
            "--quiet",
            "--no-report",
            "--set",
            "build.agents=1,2",
            "--set",
            "build.flaky_failure=1%,3%",
            "--out",
            &dir("sweep"),
        ],
        &["tailspin.yaml"],
    );
    let sweep = check_json(&reference, "sweep.json", &t.path().join("sweep/sweep.json"));
    let dims: Vec<String> = sweep["dimensions"]
        .as_array()
        .expect("dimensions")
        .iter()
        .filter_map(|d| d.as_str().map(str::to_string))
        .collect();
    assert_eq!(dims.len(), 2);
    check_csv(
        &reference,
        "sweep.csv",
        &t.path().join("sweep/sweep.csv"),
        |p| match p {
            "<dimension>" => dims.clone(),
            "<key metric>" => KEY_METRICS.iter().map(|k| k.to_string()).collect(),
            "<key metric>.ci95" => KEY_METRICS.iter().map(|k| format!("{k}.ci95")).collect(),
            _ => Vec::new(),
        },
    );

    let base = t.path().join("base.json");
    run_ok(
        t.path(),
        &[
            "baseline",
            "-r",
            "2",
            "--quiet",
            "--out",
            base.to_str().expect("utf-8 path"),
        ],
        &["tailspin.yaml"],
    );
    check_json(&reference, "baselines/NAME.json", &base);

    let trace = t.path().join("trace-0.csv");
    run_ok(
        t.path(),
        &["trace", "--out", trace.to_str().expect("utf-8 path")],
        &["tailspin.yaml"],
    );
    check_csv(&reference, "trace-K.csv", &trace, |_| Vec::new());
    // Every event the log holds is one docs/trace.md lists.
    let trace_md = common::read(&common::repo().join("docs/trace.md"));
    let mut r = csv::Reader::from_path(&trace).expect("trace csv");
    let kinds: BTreeSet<String> = r
        .records()
        .map(|rec| rec.expect("row")[2].to_string())
        .collect();
    assert!(kinds.len() > 5, "{kinds:?}");
    for k in kinds {
        assert!(
            trace_md.contains(&format!("| `{k}` |")),
            "event {k} not in docs/trace.md"
        );
    }
}

#[test]
fn the_reference_covers_every_output_file() {
    let reference = reference();
    for f in [
        "summary.json",
        "replications.csv",
        "commits.csv",
        "comparison.json",
        "comparison.csv",
        "sweep.json",
        "sweep.csv",
        "baselines/NAME.json",
        "trace-K.csv",
    ] {
        assert!(
            reference.get(f).is_some_and(|v| !v.is_empty()),
            "docs/outputs.md lists no field of {f}"
        );
    }
}
