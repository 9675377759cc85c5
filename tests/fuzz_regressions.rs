//! Inputs that once crashed, hung or exhausted memory in a fuzz target (`fuzz/`),
//! replayed through the same entry points (`promosim::fuzzing`). Each must now
//! return (Ok or a clean InputError) quickly. New crashes: copy the artifact from
//! `fuzz/artifacts/<target>/` to `tests/data/fuzz/<target>/`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn replay_all<T>(target: &str, f: impl Fn(&[u8]) -> T) -> Vec<(String, T)> {
    let cases = inputs(target);
    assert!(!cases.is_empty(), "no regression input for {target}");
    cases
        .into_iter()
        .map(|(name, bytes)| {
            let started = Instant::now();
            let out = f(&bytes);
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{target}/{name} took {:?}",
                started.elapsed()
            );
            (name, out)
        })
        .collect()
}

#[test]
fn scenario_inputs_are_refused_or_compiled_without_crashing() {
    for (name, out) in replay_all("scenario", |b| {
        std::str::from_utf8(b).map(promosim::fuzzing::scenario)
    }) {
        // The review-* inputs are scenarios promosim must refuse.
        if name.starts_with("review-") {
            match out {
                Ok(Err(e)) => eprintln!("{name}: {e}"),
                other => panic!("{name}: expected a refusal, got {other:?}"),
            }
        }
    }
}

#[test]
fn csv_inputs_do_not_crash() {
    replay_all("replay_csv", promosim::fuzzing::replay_csv);
}

#[test]
fn git_log_inputs_do_not_crash() {
    replay_all("replay_git_log", promosim::fuzzing::replay_git_log);
}

/// Mutants from the scenario-mutation fuzz (`tests/robust_fuzz.rs`, run by
/// `.ci/run`) that once failed through the binary: `validate` and a short
/// `run` must exit 0 or 2, without a panic.
#[test]
fn mutated_scenarios_exit_0_or_2_through_the_binary() {
    let t = tempfile::tempdir().unwrap();
    for (name, bytes) in inputs("mutants") {
        let p = t.path().join(&name);
        std::fs::write(&p, &bytes).unwrap();
        let file = p.to_str().unwrap();
        for args in [
            vec!["validate", file],
            vec!["run", file, "-r", "2", "-q", "--no-report", "--out", "out"],
        ] {
            let started = Instant::now();
            let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("promosim"))
                .current_dir(t.path())
                .args(&args)
                .timeout(Duration::from_secs(90))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 2)) && !err.contains("panicked"),
                "{name}: {} exited {code:?} after {:?}: {err}",
                args[0],
                started.elapsed()
            );
            if code == Some(2) {
                break;
            }
        }
    }
}
