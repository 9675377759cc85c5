//! Scenario-mutation fuzzing through the binary (issue 15, item 9): the
//! shipped scenarios, mutated deterministically (lines deleted, duplicated or
//! swapped, numbers set to 0, -1, 1e300 or huge, keys swapped, values emptied,
//! the text truncated), go through `validate` and a short `run -r 2`. Any exit
//! other than 0 or 2, a panic or a timeout is a failure; the mutant is saved
//! under `target/fuzz-mutants/` to be copied to `tests/data/fuzz/mutants/`,
//! which `tests/fuzz_regressions.rs` replays.
//!
//! The normal suite runs a handful of mutants; CI (`.ci/run`) runs the ignored
//! test for `FUZZ_SECONDS` (default 120) seconds.

mod common;

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// splitmix64: the mutations are the same on every machine for a seed.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const NUMBERS: [&str; 9] = [
    "0",
    "-1",
    "1",
    "1e300",
    "18446744073709551616",
    "4294967296",
    "0.0000001",
    ".nan",
    "99999999999",
];

/// One to three mutations of `text`.
fn mutate(text: &str, rng: &mut Mix) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(3) {
        if lines.is_empty() {
            break;
        }
        let i = rng.below(lines.len());
        match rng.below(7) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => lines[i] = replace_number(&lines[i], NUMBERS[rng.below(NUMBERS.len())], rng),
            3 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            4 => {
                // Another line's key with this line's value.
                let j = rng.below(lines.len());
                if let (Some((k, _)), Some((_, v))) = (
                    lines[j].clone().split_once(':'),
                    lines[i].clone().split_once(':'),
                ) {
                    let indent: String = lines[i].chars().take_while(|c| *c == ' ').collect();
                    lines[i] = format!("{indent}{}:{v}", k.trim_start());
                }
            }
            5 => {
                if let Some((k, _)) = lines[i].clone().split_once(':') {
                    let empty = ["[]", "{}", "~", "\"\"", "[[[]]]"][rng.below(5)];
                    lines[i] = format!("{k}: {empty}");
                }
            }
            _ => {
                let keep = rng.below(lines.len() + 1);
                lines.truncate(keep);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// `line` with one of its numbers (a run of digits) replaced by `by`.
fn replace_number(line: &str, by: &str, rng: &mut Mix) -> String {
    let b = line.as_bytes();
    let starts: Vec<usize> = (0..b.len())
        .filter(|&i| b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()))
        .collect();
    if starts.is_empty() {
        return line.to_string();
    }
    let s = starts[rng.below(starts.len())];
    let e = (s..b.len())
        .find(|&i| !b[i].is_ascii_digit())
        .unwrap_or(b.len());
    format!("{}{by}{}", &line[..s], &line[e..])
}

/// Runs the binary with a deadline: (exit code, stderr), or `None` on timeout.
fn run(cwd: &Path, args: &[&str], limit: Duration) -> Option<(Option<i32>, String)> {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("promosim"))
        .current_dir(cwd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start promosim");
    let mut stderr = child.stderr.take().unwrap();
    // Read stderr on the side so a chatty child never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some((status.code(), reader.join().unwrap_or_default()));
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What is wrong with how the binary took `text`, if anything.
pub fn judge(cwd: &Path, text: &str) -> Option<String> {
    let p = cwd.join("mutant.yaml");
    fs::write(&p, text).unwrap();
    let file = p.to_str().unwrap();
    let steps: [(&str, Vec<&str>, u64); 2] = [
        ("validate", vec!["validate", file], 20),
        (
            "run",
            vec!["run", file, "-r", "2", "-q", "--no-report", "--out", "out"],
            90,
        ),
    ];
    for (name, args, secs) in steps {
        match run(cwd, &args, Duration::from_secs(secs)) {
            None => return Some(format!("{name}: no answer within {secs} s")),
            Some((code, err)) => {
                if err.contains("panicked") {
                    return Some(format!("{name}: panic: {err}"));
                }
                match code {
                    Some(0) => {}
                    // Refused: nothing to run.
                    Some(2) => return None,
                    other => return Some(format!("{name}: exit {other:?}: {err}")),
                }
            }
        }
    }
    None
}

/// Mutates the shipped scenarios until `budget` is spent (at least `min`
/// mutants); panics listing the failures, saved for replay.
fn campaign(seed: u64, budget: Duration, min: usize) {
    let originals: Vec<String> = fs::read_dir(common::repo().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    let t = common::tmp();
    let saved = common::repo().join("target/fuzz-mutants");
    let mut rng = Mix(seed);
    let t0 = Instant::now();
    let (mut n, mut failures) = (0, Vec::new());
    while n < min || t0.elapsed() < budget {
        let text = mutate(&originals[rng.below(originals.len())], &mut rng);
        if let Some(why) = judge(t.path(), &text) {
            fs::create_dir_all(&saved).unwrap();
            let p = saved.join(format!("mutant-{seed}-{n}.yaml"));
            fs::write(&p, &text).unwrap();
            failures.push(format!("{}: {why}", p.display()));
        }
        n += 1;
    }
    eprintln!("{n} mutants in {:?}", t0.elapsed());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_few_mutants_of_the_shipped_scenarios_exit_0_or_2() {
    campaign(1, Duration::ZERO, 6);
}

/// CI's bounded campaign: `FUZZ_SECONDS` (default 120), `FUZZ_SEED` (default 15).
#[test]
#[ignore]
fn mutants_of_the_shipped_scenarios_for_a_while() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    campaign(
        env("FUZZ_SEED", 15),
        Duration::from_secs(env("FUZZ_SECONDS", 120)),
        1,
    );
}
