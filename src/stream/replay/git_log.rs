//! The `git log --format='%H %cI'` reader: one commit per line, newest first.

use super::timestamp::{is_date_like, parse_git_marker, parse_timestamp, timestamp_message};
use super::*;

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
