//! Inputs that were accepted but simulated wrongly, messages without their
//! place or in Rust's words, and resources without bounds (issue 15, items 6
//! and 8): each refused, or warned about, with exit 2 and a clear message.

mod common;

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{promosim, tmp};
use tempfile::TempDir;

const BASE: &str = "\
name: t
run:
  start: 2026-01-05 00:00
  horizon: 30d
  warm_up: 1d
  seed: 1
  replications: 2
calendars:
  office:
    working_hours:
      mon-fri: \"09:00-17:30\"
people:
  ann:
    calendar: office
commits:
  poisson:
    per_day: 20
build:
  agents: 2
  duration: 6m
  retries: 1
incidents:
  detect_per_hour: {minor: 0.1, major: 0.2, critical: 0.5}
stages:
  - name: dev
    trigger: auto
  - name: production
    trigger: {schedule: \"0 3 * * *\"}
";

/// BASE with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} not in BASE");
    BASE.replacen(from, to, 1)
}

fn write(t: &TempDir, text: &str) -> PathBuf {
    let p = t.path().join("s.yaml");
    fs::write(&p, text).unwrap();
    p
}

/// `validate` of `text`: (exit code, stderr).
fn validate(text: &str) -> (i32, String) {
    let t = tmp();
    let p = write(&t, text);
    let out = promosim(t.path()).arg("validate").arg(&p).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Refused with exit 2, one line naming `s.yaml:LINE:` and containing `words`.
fn refused_at(text: &str, line: u32, words: &[&str]) -> String {
    let (code, err) = validate(text);
    assert_eq!(code, 2, "exit code; stderr: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(&format!("s.yaml:{line}:")),
        "not placed at line {line}: {err}"
    );
    for w in words {
        assert!(err.contains(w), "{w:?} missing from: {err}");
    }
    err
}

#[test]
fn the_base_scenario_is_valid() {
    let (code, err) = validate(BASE);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn a_weekday_key_is_matched_whole_not_by_prefix() {
    refused_at(
        &edited("mon-fri:", "sunshine:"),
        11,
        &["\"sunshine\"", "mon-fri"],
    );
}

#[test]
fn a_run_past_the_year_4999_is_refused_with_the_supported_range() {
    for start in ["6000-01-05 00:00", "5001-01-05 00:00", "4999-12-20 00:00"] {
        let text = edited("2026-01-05 00:00", start);
        refused_at(&text, 3, &["1–4999", "5000-01-01"]);
    }
    // The last years that fit still run.
    let (code, err) = validate(&edited("2026-01-05 00:00", "4999-11-01 00:00"));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn an_empty_stage_list_is_refused_at_its_key() {
    let text = BASE[..BASE.find("stages:").unwrap()].to_string() + "stages: []\n";
    refused_at(&text, 24, &["stages", "at least one stage"]);
    // Without the key at all it is the build-only model (docs/scenario.md),
    // which the queueing-theory tests use: it validates.
    let (code, err) = validate(&BASE[..BASE.find("stages:").unwrap()]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn no_production_stage_is_refused_at_the_stages_key() {
    let text = edited(
        "  - name: production\n",
        "  - name: production\n    production: false\n",
    );
    refused_at(&text, 25, &["no stage is production", "production: true"]);
}

#[test]
fn a_dependency_cycle_is_called_a_cycle_and_names_its_stages() {
    let text = edited(
        "    trigger: auto\n",
        "    trigger: auto\n    depends_on: [production]\n",
    )
    .replacen(
        "  - name: production\n",
        "  - name: production\n    depends_on: [dev]\n    strategy: {blue_green: {switch: 1m}}\n",
        1,
    );
    let err = refused_at(&text, 25, &["cycle", "dev → production → dev"]);
    assert!(!err.contains("serves no users"), "{err}");
}

#[test]
fn a_schedule_that_never_fires_is_warned_about_by_validate_and_run() {
    let text = edited("\"0 3 * * *\"", "\"0 3 30 2 *\"");
    let (code, err) = validate(&text);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning") && err.contains("never fires") && err.contains("production"),
        "{err}"
    );
    let t = tmp();
    let p = write(&t, &text);
    let out = promosim(t.path())
        .arg("run")
        .arg(&p)
        .args(["-r", "1", "-q", "--no-report"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("never fires"), "{err}");
}

#[test]
fn overnight_working_hours_say_how_to_write_them() {
    refused_at(
        &edited("\"09:00-17:30\"", "\"17:30-09:00\""),
        11,
        &["17:30-09:00", "two", "\"17:30-24:00\", \"00:00-09:00\""],
    );
}

#[test]
fn budget_refusals_are_placed_and_print_no_300_digit_numbers() {
    let err = refused_at(
        &edited("per_day: 20", "per_day: 1e300"),
        4,
        &["commits", "e301"],
    );
    assert!(
        !err.split(|c: char| !c.is_ascii_digit())
            .any(|d| d.len() > 20),
        "a huge number printed whole: {err}"
    );
}

#[test]
fn yaml_limits_are_explained_without_rust_debug_text() {
    let many = vec!["1"; 260_000].join(",");
    let text = edited("per_day: 20", &format!("per_day: 20\n    hours: [{many}]"));
    let (code, err) = validate(&text);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("too large or too complex"), "{err}");
    assert!(!err.contains('{') && !err.contains("Nodes"), "{err}");
}

#[test]
fn messages_about_keys_name_the_key_line_and_column() {
    let cases: [(&str, &str, u32); 7] = [
        ("per_day: 20", "per_day: 20\n    hours: [1, 2]", 18),
        ("per_day: 20", "per_day: 20\n    weekdays: [1, 2]", 18),
        ("warm_up: 1d", "warm_up: 40d", 5),
        ("agents: 2", "agents: 0", 19),
        ("retries: 1", "retries: 1000", 21),
        ("{minor: 0.1, major: 0.2", "{minor: -1, major: 0.2", 23),
        ("replications: 2", "replications: 0", 7),
    ];
    for (from, to, line) in cases {
        refused_at(&edited(from, to), line, &[]);
    }
}

#[test]
fn more_than_63_stages_are_refused_at_the_stages_key() {
    let mut text = BASE[..BASE.find("stages:").unwrap()].to_string() + "stages:\n";
    for i in 0..64 {
        text += &format!("  - name: s{i}\n");
    }
    refused_at(&text, 25, &["64 stages", "63"]);
}

#[test]
fn gate_checks_count_in_the_event_estimate() {
    let gated = |interval: &str| {
        edited(
            "    trigger: {schedule: \"0 3 * * *\"}\n",
            &format!(
                "    trigger: auto\n    checks:\n      gates: [{{name: g, interval: {interval}, timeout: 1h, condition: no_open_defects}}]\n"
            ),
        )
    };
    let t0 = Instant::now();
    let err = refused_at(
        &gated("0.0000001s"),
        4,
        &["events", "run.max_events", "gate"],
    );
    assert!(t0.elapsed() < Duration::from_secs(10), "refused up front");
    let figure: f64 = err
        .split("estimated ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no figure: {err}"));
    // 600 releases × 3.6e10 checks each, not the 1e4 events without gates.
    assert!(figure > 1e13, "the figure: {err}");
    // A sensible interval still validates.
    let (code, err) = validate(&gated("5m"));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_scenario_file_beyond_4_mib_or_a_device_is_refused_up_front() {
    let t = tmp();
    let big = t.path().join("big.yaml");
    let f = fs::File::create(&big).unwrap();
    f.set_len(1 << 30).unwrap(); // 1 GiB, sparse
    for (path, words) in [
        (big.clone(), vec!["1073741824 bytes", "4194304"]),
        (PathBuf::from("/dev/zero"), vec!["longer than", "4194304"]),
    ] {
        let t0 = Instant::now();
        let out = promosim(t.path())
            .arg("validate")
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        for w in words {
            assert!(err.contains(w), "{w:?} missing: {err}");
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "read whole?");
    }
}

/// A key indented one space too deep or too shallow is the commonest YAML
/// slip, and the reader stops elsewhere (`missing field` at the start of the
/// mapping, `found "2"` on the line above): every such refusal also names the
/// mis-indented line.
#[test]
fn a_line_indented_one_space_off_is_named_in_the_refusal() {
    let lines: Vec<&str> = BASE.lines().collect();
    let mut refused = 0;
    for (i, l) in lines.iter().enumerate() {
        for deeper in [true, false] {
            let moved = if deeper {
                format!(" {l}")
            } else if let Some(rest) = l.strip_prefix(' ') {
                rest.to_string()
            } else {
                continue;
            };
            let mut edited = lines.clone();
            edited[i] = &moved;
            let (code, err) = validate(&(edited.join("\n") + "\n"));
            if code == 0 {
                continue;
            }
            refused += 1;
            assert_eq!(code, 2, "line {}: {err}", i + 1);
            assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
            let n = i + 1;
            assert!(
                [
                    format!("line {n} is"),
                    format!("line {n},"),
                    format!("line {n} (")
                ]
                .iter()
                .any(|w| err.contains(w.as_str())),
                "line {n} moved {}: the message does not name it: {err}",
                if deeper { "right" } else { "left" }
            );
        }
    }
    assert!(refused > 25, "only {refused} edits refused");
}

#[test]
fn a_template_line_starting_with_percent_is_named_as_a_directive_not_an_indent() {
    // Terraform's templatefile syntax, as in Azure-Samples/azure-devops-terraform-oidc-ci-cd.
    let text = edited(
        "stages:\n",
        "stages:\n%{ for stage in stages ~}\n%{ endfor ~}\n",
    );
    let (code, err) = validate(&text);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let n = 1 + text.lines().position(|l| l.starts_with('%')).unwrap();
    assert!(
        (n - 1..=n + 1).any(|l| err.contains(&format!("s.yaml:{l}:"))),
        "placed near line {n}: {err}"
    );
    assert!(err.contains(&format!("line {n} starts with `%`")), "{err}");
    assert!(err.contains("directive"), "{err}");
    assert!(!err.contains("mis-indented"), "{err}");
}

#[test]
fn a_persons_step_on_an_agent_is_refused_at_the_person() {
    let text = edited(
        "    trigger: auto\n",
        "    trigger: auto\n    verify: [{name: manual, duration: 1h, by: ann, agent: true}]\n",
    );
    refused_at(&text, 27, &["\"manual\"", "ann", "runs on no agent"]);
}
