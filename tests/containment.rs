//! A scenario's name (or a shard part's) decides default output names, so it
//! must never lead a command outside the folder it writes into (issue 15).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{promosim, repo, tmp};

/// A short copy of a shipped scenario under another `name:`.
fn named(dir: &Path, name: &str) -> PathBuf {
    let text = fs::read_to_string(repo().join("scenarios/sequential-approvals.yaml"))
        .expect("shipped scenario");
    let text = text.replacen(
        "name: sequential-approvals",
        &format!(
            "name: {}",
            serde_json::to_string(name).expect("a YAML string")
        ),
        1,
    );
    let path = dir.join("in/s.yaml");
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(&path, text).expect("write scenario");
    path
}

/// Every file under `root`, relative to it.
fn files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(root)
                        .expect("under root")
                        .display()
                        .to_string(),
                );
            }
        }
    }
    out.sort();
    out
}

const HOSTILE: [&str; 4] = [
    "../../escaped",
    "..",
    "/tmp/promosim-absolute-escape",
    "a/../../b",
];

/// Runs `args` in `<tmp>/work/cwd` and asserts that everything it wrote is
/// under `cwd/<under>/`, one level down (no file named by the raw name).
fn contained(name: &str, args: &[&str], after: &[&str], under: &str) {
    let t = tmp();
    let work = t.path().join("work");
    let cwd = work.join("cwd");
    fs::create_dir_all(&cwd).expect("mkdir");
    let s = named(t.path(), name);
    let before = files(&work);
    promosim(&cwd)
        .args(args)
        .arg(&s)
        .args(after)
        .assert()
        .success();
    let written: Vec<String> = files(&work)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    assert!(!written.is_empty(), "{name:?} {args:?} wrote nothing");
    for f in &written {
        assert!(
            f.starts_with(&format!("cwd/{under}/")),
            "{name:?} {args:?} wrote {f}, outside cwd/{under}/"
        );
    }
    assert!(
        !Path::new("/tmp/promosim-absolute-escape").exists(),
        "an absolute name was followed"
    );
}

#[test]
fn run_keeps_its_report_under_reports() {
    for name in HOSTILE {
        contained(name, &["run"], &["-r", "2", "-q", "--no-report"], "reports");
    }
}

#[test]
fn trace_keeps_its_csv_under_reports() {
    for name in HOSTILE {
        contained(name, &["trace"], &[], "reports");
    }
}

#[test]
fn baseline_keeps_its_file_under_baselines() {
    for name in HOSTILE {
        contained(name, &["baseline"], &["-r", "2", "-q"], "baselines");
    }
}

#[test]
fn merge_takes_no_path_from_a_part() {
    for name in HOSTILE {
        let t = tmp();
        let cwd = t.path().join("work/cwd");
        fs::create_dir_all(&cwd).expect("mkdir");
        let s = named(t.path(), name);
        promosim(&cwd)
            .arg("run")
            .arg(&s)
            .args([
                "-r",
                "2",
                "-q",
                "--no-report",
                "--shard",
                "1/1",
                "--out",
                "parts",
            ])
            .assert()
            .success();
        promosim(&cwd).args(["merge", "parts"]).assert().success();
        let written = files(&t.path().join("work"));
        for f in &written {
            assert!(
                f.starts_with("cwd/parts/") || f.starts_with("cwd/reports/"),
                "{name:?}: merge wrote {f}"
            );
        }
        assert!(
            written.iter().any(|f| f.starts_with("cwd/reports/")),
            "{written:?}"
        );
    }
}
