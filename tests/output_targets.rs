//! Files a user names on the command line (`trace --out`, `check --junit`,
//! `--markdown`, `baseline --out`) are written *through* what is there: a
//! symbolic link keeps pointing at the file it names, a named pipe or device is
//! written into rather than replaced, and `-` is standard output.

mod common;

use std::fs;
use std::os::unix::fs::{FileTypeExt, symlink};
use std::path::Path;

use common::{promosim, repo, tmp};

const HEADER: &str = "time_h,civil_time,event,release,stage,value,defect";

/// `promosim trace` of the SaaS canary's replication 0 to `out`, in `dir`.
fn trace_to(dir: &Path, out: &Path) {
    promosim(dir)
        .arg("trace")
        .arg(repo().join("scenarios/saas-canary.yaml"))
        .args(["-k", "0", "--out"])
        .arg(out)
        .assert()
        .success();
}

#[test]
fn a_symbolic_link_is_followed_and_stays_a_link() {
    let t = tmp();
    let real = t.path().join("real.csv");
    fs::write(&real, "old").unwrap();
    let link = t.path().join("link.csv");
    symlink("real.csv", &link).unwrap();
    trace_to(t.path(), &link);
    let meta = fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    let text = fs::read_to_string(&real).unwrap();
    assert!(text.starts_with(HEADER), "the linked file was not written");
}

#[test]
fn a_dangling_link_creates_the_file_it_names() {
    let t = tmp();
    fs::create_dir(t.path().join("sub")).unwrap();
    let link = t.path().join("link.csv");
    symlink("sub/new.csv", &link).unwrap();
    trace_to(t.path(), &link);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = fs::read_to_string(t.path().join("sub/new.csv")).unwrap();
    assert!(text.starts_with(HEADER));
}

#[test]
fn a_named_pipe_is_written_into_not_replaced() {
    let t = tmp();
    let fifo = t.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // The reader must be there before the writer opens the pipe.
    let path = fifo.clone();
    let reader = std::thread::spawn(move || fs::read_to_string(path).unwrap());
    trace_to(t.path(), &fifo);
    let text = reader.join().unwrap();
    assert!(text.starts_with(HEADER), "nothing came through the pipe");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_dash_is_standard_output() {
    let t = tmp();
    let out = promosim(t.path())
        .arg("trace")
        .arg(repo().join("scenarios/saas-canary.yaml"))
        .args(["-k", "0", "--out", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(HEADER), "stdout holds only the CSV");
    assert!(!text.contains("written to"));
    assert!(!t.path().join("-").exists(), "a file named '-' was made");
}

#[test]
fn check_writes_its_markdown_to_standard_output() {
    let t = tmp();
    let sc = repo().join("scenarios/sequential-approvals.yaml");
    let base = t.path().join("b.json");
    promosim(t.path())
        .arg("baseline")
        .arg(&sc)
        .args(["-r", "4", "--quiet", "--out"])
        .arg(&base)
        .assert()
        .success();
    let out = promosim(t.path())
        .arg("check")
        .arg(&sc)
        .arg("--baseline")
        .arg(&base)
        .args(["--quiet", "--markdown", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains('|'), "no markdown table on stdout: {text}");
    assert!(!t.path().join("-").exists());
}
