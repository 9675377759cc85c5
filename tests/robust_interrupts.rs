//! Interrupts at any moment (issue 15, item 3): `trace`, `run --commits`,
//! `--precision`, a double Ctrl-C and a fresh `--out` folder, then random
//! interrupts in a loop across run, compare, sweep and trace. Every one gives
//! exit 130, nothing new in the output folder and no temporary files.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{promosim, scenario, tailspin, tmp};

/// A scenario whose single trace takes seconds: many commits over 60 days.
const BUSY: &str = "\
name: busy
run:
  start: 2026-01-05 00:00
  horizon: 60d
  seed: 3
  replications: 2
commits:
  poisson:
    per_day: 8000
  defects:
    probability: 0.01
build:
  agents: 50
  duration: 5m
stages:
  - name: dev
  - name: test
  - name: production
";

fn start(cwd: &Path, args: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin!("promosim"))
        .current_dir(cwd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start promosim")
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill -{sig}");
}

/// Waits (at most 20 s) and gives the exit code and stderr.
fn finish(mut child: Child) -> (Option<i32>, String) {
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            return (status.code(), err);
        }
        assert!(t0.elapsed() < Duration::from_secs(20), "did not stop");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every file under `root` (relative path → contents): no lock file either.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if e.file_type().unwrap().is_dir() {
                out.insert(rel.join(""), Vec::new());
                walk(root, &p, out);
            } else {
                out.insert(rel, fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn busy(t: &Path) -> PathBuf {
    let p = t.join("busy.yaml");
    fs::write(&p, BUSY).unwrap();
    p
}

#[test]
fn an_interrupted_trace_exits_130_and_writes_nothing() {
    let t = tmp();
    let s = busy(t.path());
    // The default place: reports/busy/trace-0.csv, folders made for it.
    let child = start(t.path(), &["trace", s.to_str().unwrap()]);
    std::thread::sleep(Duration::from_millis(400));
    signal(&child, "INT");
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(!t.path().join("reports").exists(), "folders left: {err}");

    // Into a folder of one's own, with a previous trace there.
    let dir = t.path().join("mine");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("trace.csv"), "old").unwrap();
    let before = snapshot(&dir);
    let child = start(
        t.path(),
        &["trace", s.to_str().unwrap(), "--out", "mine/trace.csv"],
    );
    std::thread::sleep(Duration::from_millis(400));
    signal(&child, "INT");
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(snapshot(&dir), before, "the folder changed");
}

#[test]
fn an_interrupted_run_with_commits_leaves_no_commits_csv_and_no_new_folder() {
    let t = tmp();
    let s = busy(t.path());
    let child = start(
        t.path(),
        &[
            "run",
            s.to_str().unwrap(),
            "--commits",
            "-q",
            "--out",
            "fresh/out",
        ],
    );
    std::thread::sleep(Duration::from_millis(400));
    signal(&child, "INT");
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(!t.path().join("fresh").exists(), "an --out folder was left");
}

#[test]
fn an_interrupted_precision_run_does_not_say_precision_not_reached() {
    let t = tmp();
    let child = start(
        t.path(),
        &[
            "run",
            tailspin().to_str().unwrap(),
            "--precision",
            "0.1%",
            "--max-replications",
            "100000",
            "-q",
            "--out",
            "p",
        ],
    );
    std::thread::sleep(Duration::from_millis(700));
    signal(&child, "INT");
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(!err.contains("precision"), "{err}");
    assert!(!t.path().join("p").exists());
}

#[test]
fn a_double_ctrl_c_leaves_no_staging_folder_and_stale_ones_are_cleared() {
    let t = tmp();
    let dir = t.path().join("r");
    promosim(t.path())
        .arg("run")
        .arg(tailspin())
        .args(["-r", "2", "-q", "--no-report", "--out", "r"])
        .assert()
        .success();
    let before = snapshot(&dir);
    let child = start(
        t.path(),
        &[
            "run",
            tailspin().to_str().unwrap(),
            "-r",
            "100000",
            "-q",
            "--out",
            "r",
        ],
    );
    std::thread::sleep(Duration::from_millis(400));
    signal(&child, "INT");
    signal(&child, "INT");
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(snapshot(&dir), before, "a double Ctrl-C left something");

    // A staging folder of a writer killed outright is removed by the next
    // writer, which holds the folder's lock.
    let stale = dir.join(".promosim-staging-4000000");
    fs::create_dir(&stale).unwrap();
    fs::write(stale.join("summary.json"), "{").unwrap();
    promosim(t.path())
        .arg("run")
        .arg(tailspin())
        .args(["-r", "2", "-q", "--no-report", "--out", "r"])
        .assert()
        .success();
    assert!(!stale.exists(), "a stale staging folder stayed");
}

/// A tiny deterministic generator for the loop's choices (splitmix64).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[test]
fn random_interrupts_across_commands_always_give_130_and_change_nothing() {
    let t = tmp();
    let ts = tailspin();
    let ts = ts.to_str().unwrap();
    let cont = scenario("tailspin-continuous.yaml");
    let cont = cont.to_str().unwrap();
    // Each command writes into its own folder, which holds a previous result.
    let commands: Vec<(&str, Vec<&str>)> = vec![
        ("run", vec!["run", ts, "-r", "3", "-q", "--out", "run"]),
        (
            "compare",
            vec!["compare", ts, cont, "-r", "3", "-q", "--out", "compare"],
        ),
        (
            "sweep",
            vec![
                "sweep",
                ts,
                "--set",
                "build.agents=1,2",
                "-r",
                "3",
                "-q",
                "--out",
                "sweep",
            ],
        ),
        ("trace", vec!["trace", ts, "--out", "trace/trace-0.csv"]),
    ];
    // How long each takes when warm: the shorter of two runs.
    let mut durations = Vec::new();
    for (_, args) in &commands {
        let mut best = Duration::MAX;
        for _ in 0..2 {
            let t0 = Instant::now();
            promosim(t.path()).args(args).assert().success();
            best = best.min(t0.elapsed());
        }
        durations.push(best);
    }
    let mut rng = Mix(15);
    let (mut interrupted, mut finished) = (0, 0);
    // Until 50 were interrupted; runs that finished before the signal came
    // do not count (at most 90 attempts).
    for i in 0..90 {
        if interrupted == 50 {
            break;
        }
        let k = i % commands.len();
        let (name, args) = &commands[k];
        let dir = t.path().join(name);
        let before = snapshot(&dir);
        // Anywhere from the start to near the end, report writing included.
        let full = durations[k].as_millis() as u64 * 9 / 10;
        let delay = Duration::from_millis(10 + rng.next() % full.max(20));
        let child = start(t.path(), args);
        std::thread::sleep(delay);
        let mut child = child;
        if child.try_wait().unwrap().is_some() {
            finished += 1;
            continue;
        }
        signal(&child, "INT");
        let (code, err) = finish(child);
        match code {
            Some(130) => {
                interrupted += 1;
                assert_eq!(
                    snapshot(&dir),
                    before,
                    "{name} after {delay:?}: the folder changed ({err})"
                );
            }
            // The signal came after the result was in place: it is whole.
            Some(0) => finished += 1,
            other => panic!("{name} after {delay:?}: exit {other:?}: {err}"),
        }
        let stray: Vec<_> = snapshot(&dir)
            .into_keys()
            .filter(|p| {
                let s = p.to_string_lossy();
                s.contains(".tmp") || s.contains("staging")
            })
            .collect();
        assert!(stray.is_empty(), "{name}: temporary files {stray:?}");
    }
    assert_eq!(
        interrupted, 50,
        "only {interrupted} were interrupted in 90 attempts ({finished} finished first)"
    );
}
