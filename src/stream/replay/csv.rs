//! The CSV reader: a header row, a timestamp column found by name, an
//! optional defect column; positions of bad fields by line and character column.

use super::timestamp::{parse_defect_marker, parse_timestamp, timestamp_message};
use super::*;

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

    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(::csv::Trim::All)
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
    let mut record = ::csv::StringRecord::new();
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

fn find_column(headers: &::csv::StringRecord, name: &str) -> Option<usize> {
    let name = name.trim();
    headers
        .iter()
        .position(|h| h == name)
        .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

fn missing_column(
    file: &str,
    line: u64,
    headers: &::csv::StringRecord,
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

fn csv_error(text: &str, file: &str, error: &::csv::Error) -> InputError {
    let pos = error.position();
    let byte = pos.map_or(0, |p| p.byte());
    match error.kind() {
        ::csv::ErrorKind::UnequalLengths {
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
        ::csv::ErrorKind::Utf8 { err, .. } => {
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
