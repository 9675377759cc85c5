//! Replay of a real commit history: CSV with a timestamp column, or `git log` output.
//!
//! Both readers return the commits sorted by time, oldest first. The sort is stable.
//!
//! # Timestamps
//!
//! A timestamp field may be written as any of:
//!
//! * RFC 3339 / ISO 8601 with an offset: `2024-03-01T09:15:00Z`,
//!   `2024-03-01T09:15:00+01:00` (also `+0100`, `+01`, fractional seconds, a space
//!   instead of `T`, and a trailing `[Europe/Berlin]` annotation);
//! * a civil date-time without an offset: `2024-03-01 09:15`, `2024-03-01 09:15:00`,
//!   `2024-03-01T09:15:00`, interpreted in the time zone given to the reader. A civil
//!   time that falls in a DST gap or fold is resolved with jiff's "compatible"
//!   disambiguation (a gap moves forward, a fold takes the earlier instant). A date
//!   without a time is rejected;
//! * a civil date-time with a time zone annotation: `2024-03-01T09:15[Europe/Berlin]`;
//! * integer Unix seconds: `1709284500`.
//!
//! # CSV ([`parse_csv`])
//!
//! A header row is required. The timestamp column is found by its header name
//! (exact match first, then ASCII case-insensitive). An optional defect column marks
//! commits that introduce a defect: empty, `0`, `false`, `no` mean no defect; `1`,
//! `true`, `yes` mean a defect of [`CsvColumns::default_severity`]; a severity name
//! (`minor`/`low`, `major`/`medium`, `critical`/`high`) means that severity. All are
//! case-insensitive. Fields are trimmed; every row must have as many fields as the
//! header. Other columns are ignored. A leading UTF-8 byte-order mark is skipped.
//!
//! # git log ([`parse_git_log`])
//!
//! The expected input is the output of `git log --format='%H %cI'`: one commit per
//! line, a hash, whitespace, and the strict ISO 8601 committer date. The date may also
//! be Unix seconds (`%ct`), and a line may hold only a date (no hash). Blank lines are
//! skipped. git log has no defect information, so commits have no defect, except when
//! a line has a third field after the date: it must then be a severity name
//! (`minor`, `major`, `critical`, or the aliases `low`, `medium`, `high`) or the word
//! `defect` (meaning `major`); anything else there is an error, as is a fourth field.
//!
//! git log prints newest first: the lines are reversed before the stable sort, so
//! commits with equal timestamps come out in history order (the reverse of the file
//! order).
//!
//! # Errors
//!
//! Errors are [`InputError`]s with the file, the 1-based line and the 1-based character
//! column where the offending field starts (for CSV fields in quotes, the column is
//! computed from the raw line and may be approximate). A history without commits is an
//! error. No input makes these readers panic.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::error::InputError;
use crate::stream::Severity;

/// One commit of a replayed history.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayCommit {
    pub at: jiff::Timestamp,
    /// `Some` when the history marks this commit as introducing a defect.
    pub defect: Option<Severity>,
}

/// How to read a CSV history.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvColumns {
    /// Header name of the timestamp column.
    pub timestamp: String,
    /// Header name of an optional defect column (empty / `0` / `false` = no defect;
    /// `1` / `true` / `yes` = a defect of `default_severity`; a severity name = that severity).
    pub defect: Option<String>,
    pub default_severity: Severity,
}

const TIMESTAMP_EXPECTED: &str =
    "expected a timestamp such as 2024-03-01T09:15:00Z, 2024-03-01 09:15 or Unix seconds";

const DEFECT_EXPECTED: &str = "expected a defect marker: empty, 0, false or no for no defect; \
     1, true or yes for a defect; or a severity (minor, major, critical)";

const GIT_LOG_HINT: &str = "expected lines as written by git log --format='%H %cI'";

const NO_COMMITS: &str = "history has no commits";

/// Reads a CSV history. See the [module documentation](self) for the accepted formats.
pub fn parse_csv(
    text: &str,
    file: &str,
    tz: &jiff::tz::TimeZone,
    columns: &CsvColumns,
) -> Result<Vec<ReplayCommit>, InputError> {
    // Strip a byte-order mark ourselves, so that the byte offsets the csv crate reports
    // are offsets into `text`.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::new(
            file,
            format!(
                "{NO_COMMITS}: the file is empty (expected a header row and one row per commit)"
            ),
        ));
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());

    let headers = reader
        .headers()
        .map_err(|e| csv_error(text, file, &e))?
        .clone();
    let header_line = field_position(text, headers.position().map_or(0, |p| p.byte()), 0).0;
    let ts_index = find_column(&headers, &columns.timestamp).ok_or_else(|| {
        missing_column(file, header_line, &headers, "timestamp", &columns.timestamp)
    })?;
    let defect_index = match &columns.defect {
        None => None,
        Some(name) => Some(
            find_column(&headers, name)
                .ok_or_else(|| missing_column(file, header_line, &headers, "defect", name))?,
        ),
    };

    let mut commits = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(text, file, &e)),
        }
        let field_error = |index: usize, message: String| {
            let byte = record.position().map_or(0, |p| p.byte());
            let (line, column) = field_position(text, byte, index);
            InputError::at(file, line, column, message)
        };

        let raw_ts = unquoted(record.get(ts_index).unwrap_or(""));
        let at = parse_timestamp(raw_ts, tz).map_err(|detail| {
            field_error(ts_index, timestamp_message(raw_ts, detail.as_deref()))
        })?;

        let defect = match defect_index {
            None => None,
            Some(index) => {
                let raw = unquoted(record.get(index).unwrap_or(""));
                parse_defect_marker(raw, columns.default_severity).ok_or_else(|| {
                    field_error(index, format!("{DEFECT_EXPECTED}, found {}", quoted(raw)))
                })?
            }
        };
        commits.push(ReplayCommit { at, defect });
    }

    if commits.is_empty() {
        return Err(InputError::new(
            file,
            format!("{NO_COMMITS}: the file has a header row but no data rows"),
        ));
    }
    commits.sort_by_key(|c| c.at);
    Ok(commits)
}

/// Reads `git log --format='%H %cI'` output. See the [module documentation](self).
pub fn parse_git_log(
    text: &str,
    file: &str,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<ReplayCommit>, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut commits = Vec::new();

    for (index, line) in text.split('\n').enumerate() {
        let line_no = index as u64 + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let column_of = |offset: usize| -> u64 {
            line.get(..offset)
                .map_or(1, |prefix| prefix.chars().count() as u64 + 1)
        };

        let mut fields: [(usize, &str); 3] = [(0, ""); 3];
        let mut count = 0;
        let mut extra = None;
        for field in whitespace_fields(line) {
            if count < fields.len() {
                fields[count] = field;
                count += 1;
            } else {
                extra = Some(field);
                break;
            }
        }

        let (ts_field, marker) = match count {
            0 => continue,
            1 => (fields[0], None),
            2 => (fields[1], None),
            _ => (fields[1], Some(fields[2])),
        };

        let at = parse_timestamp(ts_field.1, tz).map_err(|detail| {
            let message = if count == 1 && looks_like_hash(ts_field.1) {
                format!(
                    "found a commit hash without a date, {GIT_LOG_HINT} \
                     (hash, space, committer date)"
                )
            } else {
                let next = if count >= 3 { fields[2].1 } else { "" };
                let hint = if next.contains(':')
                    || (!is_date_like(ts_field.1) && ts_field.1.contains(':'))
                {
                    CI_HINT
                } else {
                    ""
                };
                format!("{}{hint}", timestamp_message(ts_field.1, detail.as_deref()))
            };
            InputError::at(file, line_no, column_of(ts_field.0), message)
        })?;

        let defect = match marker {
            None => None,
            Some((offset, word)) => Some(parse_git_marker(word).ok_or_else(|| {
                InputError::at(
                    file,
                    line_no,
                    column_of(offset),
                    format!(
                        "expected a severity (minor, major, critical) or `defect` after the \
                         date, found {}{}",
                        quoted(word),
                        ci_hint(word)
                    ),
                )
            })?),
        };
        if let Some((offset, unexpected)) = extra {
            return Err(InputError::at(
                file,
                line_no,
                column_of(offset),
                format!(
                    "unexpected field {} after the severity; {GIT_LOG_HINT}, \
                     optionally followed by a severity{}",
                    quoted(unexpected),
                    ci_hint(fields[2].1)
                ),
            ));
        }

        commits.push(ReplayCommit { at, defect });
    }

    if commits.is_empty() {
        return Err(InputError::new(
            file,
            format!("{NO_COMMITS}: {GIT_LOG_HINT}, one commit per line"),
        ));
    }
    // Newest first in the file: reverse, so that the stable sort keeps history order
    // for commits with equal timestamps.
    commits.reverse();
    commits.sort_by_key(|c| c.at);
    Ok(commits)
}

/// Decodes a history file read as bytes, reporting invalid UTF-8 as an [`InputError`]
/// with the line and column of the first invalid byte.
pub fn text_from_bytes<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, InputError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = bytes.get(..e.valid_up_to()).unwrap_or(&[]);
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let prefix = valid.get(line_start..).unwrap_or(&[]);
        let column = std::str::from_utf8(prefix).map_or(1, |s| s.chars().count() as u64 + 1);
        InputError::at(
            file,
            line,
            column,
            "invalid UTF-8: expected a UTF-8 text file",
        )
    })
}

/// Parses one timestamp field. On failure returns an optional detail worth showing
/// (jiff's reason, when the field looks like a date but is not a valid one).
fn parse_timestamp(s: &str, tz: &TimeZone) -> Result<Timestamp, Option<String>> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Err(None);
    }

    // Unix seconds: optional sign, then ASCII digits only.
    let digits = match bytes[0] {
        b'-' | b'+' => &bytes[1..],
        _ => bytes,
    };
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        let seconds: i64 = s
            .strip_prefix('+')
            .unwrap_or(s)
            .parse()
            .map_err(|_| Some("Unix seconds out of range".to_string()))?;
        return Timestamp::from_second(seconds)
            .map_err(|_| Some("Unix seconds out of range (milliseconds?)".to_string()));
    }

    let date_like = is_date_like(s);
    let detail = |e: jiff::Error| date_like.then(|| e.to_string());

    if bytes.contains(&b'[') {
        return s
            .parse::<jiff::Zoned>()
            .map(|z| z.timestamp())
            .map_err(detail);
    }

    // Anything after the date part that marks an offset?
    let has_offset = bytes
        .get(10..)
        .is_some_and(|rest| rest.iter().any(|b| matches!(b, b'Z' | b'z' | b'+' | b'-')));
    if has_offset {
        return s.parse::<Timestamp>().map_err(detail);
    }

    let dt = s.parse::<jiff::civil::DateTime>().map_err(detail)?;
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
        return Err(Some("a date without a time of day".to_string()));
    }
    tz.to_timestamp(dt).map_err(|e| Some(e.to_string()))
}

fn timestamp_message(found: &str, detail: Option<&str>) -> String {
    match detail {
        Some(detail) => format!("{TIMESTAMP_EXPECTED}, found {} ({detail})", quoted(found)),
        None => format!("{TIMESTAMP_EXPECTED}, found {}", quoted(found)),
    }
}

fn parse_defect_marker(s: &str, default: Severity) -> Option<Option<Severity>> {
    let s = s.trim();
    let is = |word: &str| s.eq_ignore_ascii_case(word);
    if s.is_empty() || is("0") || is("false") || is("no") {
        Some(None)
    } else if is("1") || is("true") || is("yes") {
        Some(Some(default))
    } else {
        Severity::parse(s).map(Some)
    }
}

fn parse_git_marker(s: &str) -> Option<Severity> {
    if s.eq_ignore_ascii_case("defect") {
        Some(Severity::Major)
    } else {
        Severity::parse(s)
    }
}

const CI_HINT: &str = " (this looks like a date and time separated by a space, as \
     git log writes them for %ci; use %cI, which writes 2024-03-01T09:15:00+01:00)";

/// A hint when a field looks like the time or offset of `%ci` output.
fn ci_hint(field: &str) -> &'static str {
    if field.contains(':') || field.starts_with(['+', '-']) {
        CI_HINT
    } else {
        ""
    }
}

/// Starts like `2024-`.
fn is_date_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 5 && b.iter().take(4).all(u8::is_ascii_digit) && b.get(4) == Some(&b'-')
}

fn looks_like_hash(s: &str) -> bool {
    s.len() >= 7
        && s.bytes().all(|b| b.is_ascii_hexdigit())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Whitespace-separated fields of a line, with their byte offsets.
fn whitespace_fields(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let base = line.as_ptr() as usize;
    line.split(char::is_whitespace)
        .filter(|f| !f.is_empty())
        .map(move |f| (f.as_ptr() as usize - base, f))
}

/// Quotes a found value for a message, shortening very long values.
fn quoted(found: &str) -> String {
    const MAX: usize = 60;
    match found.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", found.get(..cut).unwrap_or(found)),
        None => format!("{found:?}"),
    }
}

fn find_column(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    let name = name.trim();
    headers
        .iter()
        .position(|h| h == name)
        .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

fn missing_column(
    file: &str,
    line: u64,
    headers: &csv::StringRecord,
    role: &str,
    name: &str,
) -> InputError {
    let available = headers.iter().map(quoted).collect::<Vec<_>>().join(", ");
    InputError::at(
        file,
        line,
        1,
        format!(
            "expected a {role} column named {}, but the header row has: {available}",
            quoted(name)
        ),
    )
}

/// The (line, 1-based character column) where field `index` of the raw CSV record
/// reported at byte `byte` of `text` begins, after leading blanks. Past the last
/// field, the position of the end of the record's line.
///
/// The csv crate's record positions are not reliable for this: with CRLF line ends
/// and blank lines, its line numbers lag and its byte offset may point at the line
/// end before the record. So only the byte offset is used, moved forward past line
/// ends, and the line is counted here.
fn field_position(text: &str, byte: u64, index: usize) -> (u64, u64) {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    let mut line = line_of(bytes, start);
    let rest = text.get(start..).unwrap_or("");
    let mut column: u64 = 1;
    let mut field = 0;
    let mut in_quotes = false;
    let mut field_start = 1;
    for c in rest.chars() {
        if field == index && !in_quotes {
            match c {
                ' ' | '\t' => {
                    column += 1;
                    continue;
                }
                ',' | '\n' | '\r' => return (line, field_start),
                _ => return (line, column),
            }
        }
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                field += 1;
                field_start = column + 1;
            }
            '\n' if in_quotes => {
                line += 1;
                column = 1;
                continue;
            }
            '\n' | '\r' => break,
            _ => {}
        }
        column += 1;
    }
    (line, column)
}

/// The 1-based line of byte `at`: counts `\n`, and `\r` not followed by `\n`.
fn line_of(bytes: &[u8], at: usize) -> u64 {
    let before = bytes.get(..at).unwrap_or(bytes);
    let mut line = 1;
    for (i, &b) in before.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            line += 1;
        }
    }
    line
}

/// A trimmed field value, without one pair of surrounding double quotes (the csv crate
/// only honours quotes at the very start of a field, so `a, "b"` keeps them).
fn unquoted(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .map_or(value, str::trim)
}

fn csv_error(text: &str, file: &str, error: &csv::Error) -> InputError {
    let pos = error.position();
    let byte = pos.map_or(0, |p| p.byte());
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            let index = if len > expected_len {
                usize::try_from(*expected_len).unwrap_or(usize::MAX)
            } else {
                usize::MAX
            };
            let (line, column) = field_position(text, byte, index);
            InputError::at(
                file,
                line,
                column,
                format!("expected {expected_len} fields as in the header row, found {len}"),
            )
        }
        csv::ErrorKind::Utf8 { err, .. } => {
            let (line, column) = field_position(text, byte, err.field());
            InputError::at(file, line, column, "invalid UTF-8 in this field")
        }
        _ if pos.is_some() => {
            let (line, _) = field_position(text, byte, 0);
            InputError::at(file, line, 1, format!("unreadable row: {error}"))
        }
        _ => InputError::new(file, format!("unreadable CSV: {error}")),
    }
}

#[cfg(test)]
mod tests {
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
}
