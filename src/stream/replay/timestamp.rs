//! Timestamps and defect markers as histories write them (see the module
//! documentation of [`super`] for the accepted forms).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{TIMESTAMP_EXPECTED, quoted};
use crate::stream::Severity;

/// Parses one timestamp field. On failure returns an optional detail worth showing
/// (jiff's reason, when the field looks like a date but is not a valid one).
pub(super) fn parse_timestamp(s: &str, tz: &TimeZone) -> Result<Timestamp, Option<String>> {
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

pub(super) fn timestamp_message(found: &str, detail: Option<&str>) -> String {
    match detail {
        Some(detail) => format!("{TIMESTAMP_EXPECTED}, found {} ({detail})", quoted(found)),
        None => format!("{TIMESTAMP_EXPECTED}, found {}", quoted(found)),
    }
}

pub(super) fn parse_defect_marker(s: &str, default: Severity) -> Option<Option<Severity>> {
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

pub(super) fn parse_git_marker(s: &str) -> Option<Severity> {
    if s.eq_ignore_ascii_case("defect") {
        Some(Severity::Major)
    } else {
        Severity::parse(s)
    }
}

/// Starts like `2024-`.
pub(super) fn is_date_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 5 && b.iter().take(4).all(u8::is_ascii_digit) && b.get(4) == Some(&b'-')
}
