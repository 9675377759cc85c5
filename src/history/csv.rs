//! The generic CSV of stage events: a header row naming at least `release`,
//! `stage`, `event`, `time` and `result` (any order, any case; an optional
//! `attempt` column, default 1). Other columns are ignored.

use super::{EventKind, Outcome, StageEvent, parse_time};
use crate::error::InputError;

const REQUIRED: [&str; 5] = ["release", "stage", "event", "time", "result"];

/// Reads the generic CSV; see the module documentation.
pub fn parse_csv(text: &str, file: &str) -> Result<Vec<StageEvent>, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::new(
            file,
            format!(
                "the file is empty (expected a header row: {})",
                REQUIRED.join(",")
            ),
        ));
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(file, &e))?.clone();
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let mut columns = [0usize; 5];
    for (slot, name) in columns.iter_mut().zip(REQUIRED) {
        *slot = find(name).ok_or_else(|| {
            InputError::at(
                file,
                1,
                1,
                format!(
                    "the header has no {name:?} column (found: {}; needed: {})",
                    headers.iter().collect::<Vec<_>>().join(","),
                    REQUIRED.join(",")
                ),
            )
        })?;
    }
    let attempt_col = find("attempt");
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(file, &e))?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("");
        // Column of field i: 1 + the characters of the fields before it and their commas.
        let col = |i: usize| 1 + (0..i).map(|j| field(j).chars().count() + 1).sum::<usize>() as u64;
        let [release, stage, event, time, result] = columns;
        let bad = |i: usize, m: String| InputError::at(file, line, col(i), m);
        let kind = EventKind::parse(field(event)).ok_or_else(|| {
            bad(
                event,
                format!(
                    "unknown event {:?}: expected one of {}",
                    field(event),
                    EventKind::ALL.map(|k| k.name()).join(", ")
                ),
            )
        })?;
        let at = parse_time(field(time)).map_err(|m| bad(time, m))?;
        let outcome = Outcome::parse(field(result)).ok_or_else(|| {
            bad(
                result,
                format!(
                    "unknown result {:?}: expected succeeded, failed, cancelled, approved, rejected, timed_out or empty",
                    field(result)
                ),
            )
        })?;
        let attempt = match attempt_col.map(field) {
            None | Some("") => 1,
            Some(a) => a.parse::<u32>().ok().filter(|&a| a >= 1).ok_or_else(|| {
                bad(
                    attempt_col.unwrap_or(0),
                    format!("attempt must be a whole number from 1, found {a:?}"),
                )
            })?,
        };
        if field(release).is_empty() && kind != EventKind::Commit {
            return Err(bad(
                release,
                format!("a {} row needs a release", kind.name()),
            ));
        }
        if field(stage).is_empty() && kind != EventKind::Commit {
            return Err(bad(stage, format!("a {} row needs a stage", kind.name())));
        }
        out.push(StageEvent {
            release: field(release).to_string(),
            stage: field(stage).to_string(),
            event: kind,
            at,
            outcome,
            attempt,
        });
    }
    Ok(out)
}

fn csv_error(file: &str, e: &::csv::Error) -> InputError {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("this row has {len} fields, the header {expected_len}"),
        ::csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    match line {
        Some(l) => InputError::at(file, l, 1, message),
        None => InputError::new(file, message),
    }
}
