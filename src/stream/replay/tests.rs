//! The readers' tests: timestamps, CSV, git log and the shipped fixtures.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::timestamp::parse_timestamp;
use super::*;

fn utc() -> TimeZone {
    TimeZone::UTC
}

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("bundled tzdb has Europe/Berlin")
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("valid test timestamp")
}

fn columns(defect: Option<&str>) -> CsvColumns {
    CsvColumns {
        timestamp: "timestamp".to_string(),
        defect: defect.map(str::to_string),
        default_severity: Severity::Minor,
    }
}

fn csv_err(text: &str, defect: Option<&str>) -> InputError {
    parse_csv(text, "h.csv", &utc(), &columns(defect)).expect_err("should fail")
}

fn git_err(text: &str) -> InputError {
    parse_git_log(text, "log.txt", &utc()).expect_err("should fail")
}

fn times(commits: &[ReplayCommit]) -> Vec<String> {
    commits.iter().map(|c| c.at.to_string()).collect()
}

// ---- timestamps ----

#[test]
fn timestamp_forms() {
    let tz = utc();
    let cases = [
        ("2024-03-01T09:15:00Z", "2024-03-01T09:15:00Z"),
        ("2024-03-01t09:15:00z", "2024-03-01T09:15:00Z"),
        ("2024-03-01T09:15:00+01:00", "2024-03-01T08:15:00Z"),
        ("2024-03-01T09:15:00-05:00", "2024-03-01T14:15:00Z"),
        ("2024-03-01T09:15:00+0100", "2024-03-01T08:15:00Z"),
        ("2024-03-01 09:15:00Z", "2024-03-01T09:15:00Z"),
        ("2024-03-01T09:15:00.250Z", "2024-03-01T09:15:00.25Z"),
        ("2024-03-01 09:15", "2024-03-01T09:15:00Z"),
        ("2024-03-01 09:15:00", "2024-03-01T09:15:00Z"),
        ("2024-03-01T09:15:00", "2024-03-01T09:15:00Z"),
        (
            "2024-03-01T09:15:00+01:00[Europe/Berlin]",
            "2024-03-01T08:15:00Z",
        ),
        ("2024-03-01T09:15[Europe/Berlin]", "2024-03-01T08:15:00Z"),
        ("1709284500", "2024-03-01T09:15:00Z"),
        ("+1709284500", "2024-03-01T09:15:00Z"),
        ("0", "1970-01-01T00:00:00Z"),
        ("-86400", "1969-12-31T00:00:00Z"),
    ];
    for (input, expected) in cases {
        let got = parse_timestamp(input, &tz);
        assert_eq!(got, Ok(ts(expected)), "input {input:?}");
    }
}

#[test]
fn civil_time_uses_time_zone() {
    let tz = berlin();
    // Winter: UTC+1.
    assert_eq!(
        parse_timestamp("2024-03-01 09:15", &tz),
        Ok(ts("2024-03-01T08:15:00Z"))
    );
    // Summer: UTC+2.
    assert_eq!(
        parse_timestamp("2024-07-01T09:15:00", &tz),
        Ok(ts("2024-07-01T07:15:00Z"))
    );
    // An explicit offset wins over the time zone; Unix seconds are absolute.
    assert_eq!(
        parse_timestamp("2024-07-01T09:15:00Z", &tz),
        Ok(ts("2024-07-01T09:15:00Z"))
    );
    assert_eq!(
        parse_timestamp("1709284500", &tz),
        Ok(ts("2024-03-01T09:15:00Z"))
    );
}

#[test]
fn dst_gap_and_fold_are_compatible() {
    let tz = berlin();
    // 2024-03-31 02:30 does not exist in Berlin: compatible moves forward to 03:30 CEST.
    assert_eq!(
        parse_timestamp("2024-03-31 02:30", &tz),
        Ok(ts("2024-03-31T01:30:00Z"))
    );
    // 2024-10-27 02:30 happens twice: compatible takes the earlier (CEST, UTC+2).
    assert_eq!(
        parse_timestamp("2024-10-27 02:30", &tz),
        Ok(ts("2024-10-27T00:30:00Z"))
    );
}

#[test]
fn bad_timestamps_are_rejected() {
    let tz = utc();
    for input in [
        "",
        "yesterday",
        "2024-03-01",
        "2024-02-30 09:15",
        "2024-03-01 25:00",
        "1709284500000",
        "99999999999999999999999",
        "12:30",
        "-",
        "+",
        "2024-",
        "1709284500.5",
        "ÿÿÿÿ-ÿÿ",
        "2024-03-01 09:15 +01:00 extra",
        "２０２４-03-01 09:15",
        "\u{0}",
    ] {
        assert!(parse_timestamp(input, &tz).is_err(), "input {input:?}");
    }
    // Date-like input gets jiff's reason.
    let detail = parse_timestamp("2024-02-30 09:15", &tz).unwrap_err();
    assert!(detail.is_some_and(|d| d.contains("day")));
    assert_eq!(parse_timestamp("yesterday", &tz), Err(None));
}

// ---- CSV ----

#[test]
fn csv_basic_and_sorted() {
    let text = "sha,timestamp\n\
                    b,2024-03-01T10:00:00Z\n\
                    a,2024-03-01 09:15\n\
                    c,1709290800\n";
    let commits = parse_csv(text, "h.csv", &utc(), &columns(None)).unwrap();
    assert_eq!(
        times(&commits),
        [
            "2024-03-01T09:15:00Z",
            "2024-03-01T10:00:00Z",
            "2024-03-01T11:00:00Z"
        ]
    );
    assert!(commits.iter().all(|c| c.defect.is_none()));
}

#[test]
fn csv_civil_times_in_berlin() {
    let text = "timestamp\n2024-03-01 09:15\n2024-07-01 09:15\n";
    let commits = parse_csv(text, "h.csv", &berlin(), &columns(None)).unwrap();
    assert_eq!(
        times(&commits),
        ["2024-03-01T08:15:00Z", "2024-07-01T07:15:00Z"]
    );
}

#[test]
fn csv_ties_keep_file_order() {
    let text = "timestamp,defect\n\
                    2024-03-01T10:00:00Z,critical\n\
                    2024-03-01T09:00:00Z,\n\
                    2024-03-01T10:00:00Z,minor\n\
                    2024-03-01T10:00:00Z,major\n";
    let commits = parse_csv(text, "h.csv", &utc(), &columns(Some("defect"))).unwrap();
    let defects: Vec<_> = commits.iter().map(|c| c.defect).collect();
    assert_eq!(
        defects,
        [
            None,
            Some(Severity::Critical),
            Some(Severity::Minor),
            Some(Severity::Major)
        ]
    );
}

#[test]
fn csv_defect_values() {
    let cases = [
        ("", None),
        ("0", None),
        ("false", None),
        ("FALSE", None),
        ("no", None),
        ("No", None),
        ("1", Some(Severity::Critical)),
        ("true", Some(Severity::Critical)),
        ("True", Some(Severity::Critical)),
        ("yes", Some(Severity::Critical)),
        ("minor", Some(Severity::Minor)),
        ("low", Some(Severity::Minor)),
        ("Major", Some(Severity::Major)),
        ("medium", Some(Severity::Major)),
        ("CRITICAL", Some(Severity::Critical)),
        ("high", Some(Severity::Critical)),
        ("  major  ", Some(Severity::Major)),
        ("\"major\"", Some(Severity::Major)),
    ];
    let cols = CsvColumns {
        timestamp: "timestamp".to_string(),
        defect: Some("bug".to_string()),
        default_severity: Severity::Critical,
    };
    for (value, expected) in cases {
        let text = format!("timestamp,bug\n2024-03-01T09:15:00Z,{value}\n");
        let commits = parse_csv(&text, "h.csv", &utc(), &cols).unwrap();
        assert_eq!(commits[0].defect, expected, "value {value:?}");
    }
}

#[test]
fn csv_defect_column_ignored_when_not_requested() {
    let text = "timestamp,defect\n2024-03-01T09:15:00Z,garbage\n";
    let commits = parse_csv(text, "h.csv", &utc(), &columns(None)).unwrap();
    assert_eq!(commits[0].defect, None);
}

#[test]
fn csv_trims_quotes_crlf_bom_and_case() {
    let text = "\u{feff}sha , Timestamp ,defect\r\n\
                    \"a,b\" , \"2024-03-01 09:15\" , yes\r\n\
                    \r\n\
                    c,1709290800,0\r\n";
    let commits = parse_csv(text, "h.csv", &utc(), &columns(Some("defect"))).unwrap();
    assert_eq!(
        times(&commits),
        ["2024-03-01T09:15:00Z", "2024-03-01T11:00:00Z"]
    );
    assert_eq!(commits[0].defect, Some(Severity::Minor));
    assert_eq!(commits[1].defect, None);
}

#[test]
fn csv_missing_timestamp_column() {
    let e = csv_err("sha,time,defect\na,1,0\n", None);
    assert_eq!(
        (e.file.as_str(), e.line, e.column),
        ("h.csv", Some(1), Some(1))
    );
    assert!(e.message.contains("\"timestamp\""), "{}", e.message);
    assert!(
        e.message.contains("\"sha\", \"time\", \"defect\""),
        "{}",
        e.message
    );
}

#[test]
fn csv_missing_defect_column() {
    let e = csv_err("sha,timestamp\na,1\n", Some("bug"));
    assert_eq!((e.line, e.column), (Some(1), Some(1)));
    assert!(
        e.message.contains("defect column named \"bug\""),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("\"sha\", \"timestamp\""),
        "{}",
        e.message
    );
}

#[test]
fn csv_bad_timestamp_position() {
    let text = "sha,timestamp,defect\n\
                    a,2024-03-01T09:15:00Z,0\n\
                    abc,yesterday,0\n";
    let e = csv_err(text, None);
    assert_eq!((e.line, e.column), (Some(3), Some(5)));
    assert_eq!(
        e.message,
        "expected a timestamp such as 2024-03-01T09:15:00Z, 2024-03-01 09:15 or Unix \
             seconds, found \"yesterday\""
    );
    assert_eq!(e.to_string(), format!("h.csv:3:5: {}", e.message));
}

#[test]
fn csv_positions_with_crlf_bom_and_blank_lines() {
    // The csv crate's own line numbers lag behind here; ours must not.
    let text = "\u{feff}sha,timestamp\r\na,1709284500\r\n\r\n\r\nb,nope\r\n";
    let e = csv_err(text, None);
    assert_eq!((e.line, e.column), (Some(5), Some(3)));
    let text = "\n\nsha,timestamp\na,1709284500\n\nb,1709284500,x\n";
    let e = csv_err(text, None);
    assert_eq!((e.line, e.column), (Some(6), Some(14)));
    let e = csv_err("\n\nsha,time\n", None);
    assert_eq!((e.line, e.column), (Some(3), Some(1)));
    // Old Mac line ends.
    let e = csv_err("sha,timestamp\ra,1709284500\rb,nope\r", None);
    assert_eq!((e.line, e.column), (Some(3), Some(3)));
}

#[test]
fn csv_column_skips_blanks_and_counts_chars() {
    // Non-ASCII in an earlier field: the column counts characters, not bytes.
    let text = "sha,timestamp\nüñï,   nope\n";
    let e = csv_err(text, None);
    assert_eq!((e.line, e.column), (Some(2), Some(8)));
    // Empty field: points at where the field starts.
    let e = csv_err("timestamp,sha\n,abc\n", None);
    assert_eq!((e.line, e.column), (Some(2), Some(1)));
    assert!(e.message.ends_with("found \"\""), "{}", e.message);
}

#[test]
fn csv_column_after_quoted_fields() {
    let text = "sha,note,timestamp\n\
                    a,\"x, \"\"y\"\"\",bad\n";
    let e = csv_err(text, None);
    assert_eq!((e.line, e.column), (Some(2), Some(14)));
    // A quoted field spanning lines moves the error to the later line.
    let text = "note,timestamp\n\
                    \"line one\nline, two\",bad\n";
    let e = csv_err(text, None);
    assert_eq!((e.line, e.column), (Some(3), Some(12)));
}

#[test]
fn csv_bad_defect_position() {
    let text = "sha,timestamp,defect\n\
                    a,2024-03-01T09:15:00Z,maybe\n";
    let e = csv_err(text, Some("defect"));
    assert_eq!((e.line, e.column), (Some(2), Some(24)));
    assert!(e.message.contains("found \"maybe\""), "{}", e.message);
    assert!(
        e.message.starts_with("expected a defect marker"),
        "{}",
        e.message
    );
}

#[test]
fn csv_wrong_field_count() {
    // Too many fields: points at the first extra one.
    let text = "sha,timestamp\na,1709284500\nb,1709284500,extra\n";
    let e = csv_err(text, None);
    assert_eq!((e.line, e.column), (Some(3), Some(14)));
    assert!(e.message.contains("expected 2 fields"), "{}", e.message);
    assert!(e.message.contains("found 3"), "{}", e.message);
    // Too few: points at the end of the line.
    let e = csv_err("sha,timestamp,defect\nab,1709284500\n", None);
    assert_eq!((e.line, e.column), (Some(2), Some(14)));
    assert!(e.message.contains("found 2"), "{}", e.message);
}

#[test]
fn csv_empty_history() {
    for text in ["", "  \n\n", "\u{feff}"] {
        let e = csv_err(text, None);
        assert!(
            e.message.starts_with("history has no commits"),
            "{}",
            e.message
        );
        assert_eq!(e.line, None);
    }
    let e = csv_err("sha,timestamp\n", None);
    assert!(
        e.message.starts_with("history has no commits"),
        "{}",
        e.message
    );
}

#[test]
fn csv_garbage_never_panics() {
    let inputs = [
        "timestamp\n\u{0}\u{1}\u{7f}\n",
        "timestamp\nÿÿÿÿÿÿÿÿÿÿÿÿÿÿ\n",
        "timestamp\n日本語の日付\n",
        "timestamp\n\"unterminated\n",
        "\"timestamp\n2024",
        "timestamp,\"\"\"\n1,2\n",
        "timestamp\n🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂\n",
        "ü,timestamp\nü\n",
        "timestamp,defect\n1,🙂\n",
        "\r\r\r",
        ",,,\n,,,\n",
        "timestamp\n2024-03-01T09:15:00+99:99\n",
        "timestamp\n2024-03-01T09:15:00[Not/AZone]\n",
        "timestamp\n[\n",
        "timestamp\n9999-12-31T23:59:59\n",
    ];
    let berlin = berlin();
    for text in inputs {
        let _ = parse_csv(text, "h.csv", &berlin, &columns(Some("defect")));
        let _ = parse_csv(text, "h.csv", &berlin, &columns(None));
        let _ = parse_git_log(text, "log.txt", &berlin);
    }
    let e = csv_err(
        "timestamp\n🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂\n",
        None,
    );
    assert!(e.message.ends_with("…"), "{}", e.message);
}

#[test]
fn invalid_utf8_bytes() {
    let bytes = b"timestamp\n2024-03-01T09:15:00Z\nab\xff\n";
    let e = text_from_bytes(bytes, "h.csv").unwrap_err();
    assert_eq!((e.line, e.column), (Some(3), Some(3)));
    assert_eq!(text_from_bytes("ü\néx".as_bytes(), "h.csv"), Ok("ü\néx"));
    let e = text_from_bytes(b"\xc3\xbc\xc3", "h.csv").unwrap_err();
    assert_eq!((e.line, e.column), (Some(1), Some(2)));
    assert_eq!(text_from_bytes(b"ok", "h.csv"), Ok("ok"));
}

// ---- git log ----

#[test]
fn git_log_newest_first_is_sorted() {
    let text = "\
c3 2024-03-01T11:00:00+01:00
b2 2024-03-01T10:30:00+01:00

a1 2024-03-01T09:15:00+01:00
";
    let commits = parse_git_log(text, "log.txt", &utc()).unwrap();
    assert_eq!(
        times(&commits),
        [
            "2024-03-01T08:15:00Z",
            "2024-03-01T09:30:00Z",
            "2024-03-01T10:00:00Z"
        ]
    );
    assert!(commits.iter().all(|c| c.defect.is_none()));
}

#[test]
fn git_log_other_forms() {
    let text = "deadbeef 1709290800\r\n\
                    2024-03-01T10:00:00Z\r\n\
                    \t  \r\n\
                    cafe1234   2024-03-01T09:15  \r\n";
    let commits = parse_git_log(text, "log.txt", &berlin()).unwrap();
    assert_eq!(
        times(&commits),
        [
            "2024-03-01T08:15:00Z",
            "2024-03-01T10:00:00Z",
            "2024-03-01T11:00:00Z"
        ]
    );
}

#[test]
fn git_log_ties_in_history_order() {
    // Same second: the file lists the newer commit first.
    let text = "b 2024-03-01T10:00:00Z major\na 2024-03-01T10:00:00Z\n";
    let commits = parse_git_log(text, "log.txt", &utc()).unwrap();
    assert_eq!(commits[0].defect, None);
    assert_eq!(commits[1].defect, Some(Severity::Major));
}

#[test]
fn git_log_defect_markers() {
    let text = "\
e 2024-03-01T14:00:00Z defect
d 2024-03-01T13:00:00Z Critical
c 2024-03-01T12:00:00Z minor
b 2024-03-01T11:00:00Z high
a 2024-03-01T10:00:00Z
";
    let commits = parse_git_log(text, "log.txt", &utc()).unwrap();
    let defects: Vec<_> = commits.iter().map(|c| c.defect).collect();
    assert_eq!(
        defects,
        [
            None,
            Some(Severity::Critical),
            Some(Severity::Minor),
            Some(Severity::Critical),
            Some(Severity::Major)
        ]
    );
}

#[test]
fn git_log_bad_timestamp_position() {
    let text = "a1 2024-03-01T10:00:00Z\n\nüü  yesterday\n";
    let e = git_err(text);
    assert_eq!(
        (e.file.as_str(), e.line, e.column),
        ("log.txt", Some(3), Some(5))
    );
    assert_eq!(
        e.message,
        "expected a timestamp such as 2024-03-01T09:15:00Z, 2024-03-01 09:15 or Unix \
             seconds, found \"yesterday\""
    );
}

#[test]
fn git_log_hash_only() {
    let e = git_err("0123456789abcdef0123456789abcdef01234567\n");
    assert_eq!((e.line, e.column), (Some(1), Some(1)));
    assert!(
        e.message.contains("commit hash without a date"),
        "{}",
        e.message
    );
}

#[test]
fn git_log_bad_marker() {
    let e = git_err("a 2024-03-01T10:00:00Z\nb  2024-03-01T11:00:00Z  critcal\n");
    assert_eq!((e.line, e.column), (Some(2), Some(26)));
    assert!(e.message.contains("found \"critcal\""), "{}", e.message);
}

#[test]
fn git_log_too_many_fields() {
    let e = git_err("a 2024-03-01T10:00:00Z bogus x\n");
    assert_eq!((e.line, e.column), (Some(1), Some(24)));
    assert!(e.message.contains("\"bogus\""), "{}", e.message);
    let e = git_err("a 2024-03-01T10:00:00Z major x\n");
    assert_eq!((e.line, e.column), (Some(1), Some(30)));
    assert!(e.message.contains("\"x\""), "{}", e.message);
}

#[test]
fn git_log_ci_format_gets_a_hint() {
    // %ci: "2024-03-01 10:00:00 +0100" splits into three fields.
    let e = git_err("abc1234 2024-03-01 10:00:00 +0100\n");
    assert_eq!((e.line, e.column), (Some(1), Some(9)));
    assert!(e.message.contains("%cI"), "{}", e.message);
    let e = git_err("2024-03-01 10:00:00 +0100\n");
    assert_eq!((e.line, e.column), (Some(1), Some(12)));
    assert!(e.message.contains("%cI"), "{}", e.message);
    let e = git_err("abc1234 2024-03-01T10:00:00Z +0100\n");
    assert_eq!((e.line, e.column), (Some(1), Some(30)));
    assert!(e.message.contains("%cI"), "{}", e.message);
    // A plain bad date gets no hint.
    let e = git_err("abc1234 2024-02-30T10:00:00Z\n");
    assert!(!e.message.contains("%cI"), "{}", e.message);
}

#[test]
fn git_log_empty_history() {
    for text in ["", "\n\n  \n", "\u{feff}"] {
        let e = git_err(text);
        assert!(
            e.message.starts_with("history has no commits"),
            "{}",
            e.message
        );
    }
}

// ---- fixtures ----

#[test]
fn fixtures_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/replay");
    let csv = std::fs::read_to_string(format!("{dir}/history.csv")).unwrap();
    let commits = parse_csv(&csv, "history.csv", &berlin(), &columns(Some("defect"))).unwrap();
    assert_eq!(commits.len(), 30);
    assert!(commits.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(commits.iter().filter(|c| c.defect.is_some()).count() >= 3);

    let log = std::fs::read_to_string(format!("{dir}/git-log.txt")).unwrap();
    let commits = parse_git_log(&log, "git-log.txt", &berlin()).unwrap();
    assert_eq!(commits.len(), 30);
    assert!(commits.windows(2).all(|w| w[0].at < w[1].at));
}

#[test]
fn large_history_is_fast_enough() {
    let mut text = String::from("sha,timestamp,defect\n");
    let start = 1_709_284_500_i64;
    for i in 0..200_000_i64 {
        let at = Timestamp::from_second(start + i * 60).unwrap();
        let defect = if i % 50 == 0 { "major" } else { "" };
        text.push_str(&format!("{i:x},{at},{defect}\n"));
    }
    let commits = parse_csv(&text, "big.csv", &utc(), &columns(Some("defect"))).unwrap();
    assert_eq!(commits.len(), 200_000);
    assert_eq!(commits.iter().filter(|c| c.defect.is_some()).count(), 4_000);
}
