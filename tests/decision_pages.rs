//! Issue 11's last items, through the binary: `promosim report` redraws any
//! result folder (a plain `run` too), `--select` works with `--shard` and
//! `merge` (the same `selection.json` and page as the unsharded command), the
//! selection is on the page, and a `run -r N` page says N.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{promosim, read, scenario, tmp};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs promosim in `cwd` and expects success; gives stdout.
fn ok(cwd: &Path, args: &[&str]) -> String {
    let out = promosim(cwd).args(args).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

/// Every file under `dir` (relative path, bytes), sorted.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in fs::read_dir(dir).expect("folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("inside").to_path_buf();
                out.push((rel, fs::read(&p).expect("file")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The two folders hold the same files, byte for byte.
fn assert_same_folder(a: &Path, b: &Path) {
    let (x, y) = (files(a), files(b));
    let names = |v: &[(PathBuf, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&x), names(&y), "{a:?} and {b:?} hold other files");
    for (f, g) in x.iter().zip(&y) {
        assert!(f.1 == g.1, "{:?} differs between {a:?} and {b:?}", f.0);
    }
}

#[test]
fn report_redraws_a_plain_run_folder_as_run_draws_it() {
    let t = tmp();
    let canary = scenario("saas-canary.yaml");
    let with = t.path().join("with");
    let without = t.path().join("without");
    ok(
        t.path(),
        &["run", s(&canary), "-r", "7", "--quiet", "--out", s(&with)],
    );
    ok(
        t.path(),
        &[
            "run",
            s(&canary),
            "-r",
            "7",
            "--quiet",
            "--no-report",
            "--out",
            s(&without),
        ],
    );
    assert!(!without.join("index.html").exists());
    ok(t.path(), &["report", s(&without)]);
    // Page, charts and data files: all the same.
    assert_same_folder(&with, &without);
    // The unsharded run keeps the experiment.json a merge of its shards writes.
    let parts = t.path().join("parts");
    let merged = t.path().join("merged");
    for k in ["1/2", "2/2"] {
        ok(
            t.path(),
            &[
                "run",
                s(&canary),
                "-r",
                "7",
                "--quiet",
                "--shard",
                k,
                "--out",
                s(&parts),
            ],
        );
    }
    ok(t.path(), &["merge", s(&parts), "--out", s(&merged)]);
    assert_same_folder(&with, &merged);
}

#[test]
fn a_run_page_states_the_replications_it_ran() {
    let t = tmp();
    let canary = scenario("saas-canary.yaml");
    let own: u32 = read(&canary)
        .lines()
        .find_map(|l| l.trim().strip_prefix("replications:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("the scenario names its replications");
    let n = if own == 7 { 8 } else { 7 };
    let out = t.path().join("r");
    let r = n.to_string();
    ok(
        t.path(),
        &["run", s(&canary), "-r", &r, "--quiet", "--out", s(&out)],
    );
    for page in ["index.html", "report.md"] {
        let text = read(&out.join(page));
        assert!(text.contains(&format!("{n} replications of")), "{page}");
        assert!(!text.contains(&format!("{own} replications of")), "{page}");
    }
}

/// A two-point sweep whose means are close, so that `--delta` makes the
/// sequential procedure add replications (up to its cap).
fn select_sweep(out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "sweep",
        s(&scenario("tailspin.yaml")),
        "--set",
        "run.horizon=60d",
        "--set",
        "build.agents=1,2",
        "-r",
        "10",
        "--quiet",
        "--select",
        "lead_time.mean",
        "--delta",
        "0.1%",
        "--select-max-replications",
        "30",
        "--constraint",
        "blast_radius.share_hours<=100",
        "--out",
        s(out),
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    a.extend(extra.iter().map(|x| x.to_string()));
    a
}

#[test]
fn select_with_shards_merges_to_the_unsharded_selection_and_page() {
    let t = tmp();
    let whole = t.path().join("whole");
    let parts = t.path().join("parts");
    let merged = t.path().join("merged");
    let args = |out: &Path, extra: &[&str]| select_sweep(out, extra);
    let refs = |v: &[String]| v.iter().map(String::to_string).collect::<Vec<_>>();
    let run = |v: Vec<String>| ok(t.path(), &v.iter().map(String::as_str).collect::<Vec<_>>());
    let stdout = run(refs(&args(&whole, &[])));
    assert!(stdout.contains("sequential (KN"), "{stdout}");
    let sel: serde_json::Value =
        serde_json::from_str(&read(&whole.join("selection.json"))).unwrap();
    // The test means something only if replications were added.
    assert!(
        sel["sequential"]["added_replications"].as_u64().unwrap() > 0,
        "{sel}"
    );
    for k in ["1/3", "2/3", "3/3"] {
        run(refs(&args(&parts, &["--shard", k])));
    }
    let merged_out = ok(t.path(), &["merge", s(&parts), "--out", s(&merged)]);
    assert!(merged_out.contains("sequential (KN"), "{merged_out}");
    assert_same_folder(&whole, &merged);
    // merge --no-report keeps selection.json; report then draws the same page.
    let later = t.path().join("later");
    ok(
        t.path(),
        &["merge", s(&parts), "--out", s(&later), "--no-report"],
    );
    assert!(later.join("selection.json").exists());
    assert!(!later.join("index.html").exists());
    ok(t.path(), &["report", s(&later)]);
    assert_same_folder(&whole, &later);
    // The selection, with its confidence, the feasible set and the Pareto front, is on the page.
    let html = read(&whole.join("index.html"));
    let md = read(&whole.join("report.md"));
    for text in [&html, &md] {
        assert!(text.contains("Which is best?"));
        assert!(text.contains("cannot be told apart from the best feasible at 95 %"));
        assert!(text.contains("The feasible set (every constraint met"));
        assert!(text.contains("Pareto front of the means"));
        assert!(text.contains("Sequential selection (KN"));
        assert!(text.contains("Procedure: subset selection"));
    }
}

#[test]
fn merge_refuses_parts_run_with_other_selection_options() {
    let t = tmp();
    let parts = t.path().join("parts");
    let a = select_sweep(&parts, &["--shard", "1/2"]);
    ok(t.path(), &a.iter().map(String::as_str).collect::<Vec<_>>());
    let mut b = select_sweep(&parts, &["--shard", "2/2"]);
    let at = b.iter().position(|x| x == "0.1%").expect("delta");
    b[at] = "5%".into();
    ok(t.path(), &b.iter().map(String::as_str).collect::<Vec<_>>());
    let out = promosim(t.path())
        .args(["merge", s(&parts), "--out", s(&t.path().join("m"))])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("same selection options"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
