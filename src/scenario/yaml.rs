//! The YAML reader's errors in the file's words: `file:line:column`, then what
//! was expected and what was found.

use crate::error::InputError;

/// A one-line message from the YAML reader: position, then what was expected.
pub(crate) fn yaml_error(file: &str, source: &str, e: &serde_saphyr::Error) -> InputError {
    use serde_saphyr::Error as E;
    let e = e.without_snippet();
    let location = e.location();
    let found = || {
        location
            .and_then(|l| token_at(source, l.line(), l.column()))
            .map(|t| format!(", found {t:?}"))
            .unwrap_or_default()
    };
    let msg = match e {
        // The library names a Rust type ("invalid u32") and not what was written.
        E::InvalidScalar { ty, .. } => format!("expected {}{}", scalar_kind(ty), found()),
        // "expected string scalar" where a list or a mapping was written, and the like.
        E::Unexpected { expected, .. } => {
            format!("expected {}{}", structure_kind(expected), found())
        }
        // The library prints its limit as Rust debug text (`Nodes { nodes: 250001 }`).
        E::Budget { breach, .. } => format!(
            "the file is too large or too complex for a scenario: {}",
            budget_breach(breach)
        ),
        _ => {
            // User-facing wording, without the library's " at line N, column M" suffix:
            // the position is printed once, in front, as `file:line:column`.
            let formatter = serde_saphyr::UserMessageFormatter.with_localizer(&NoPosition);
            let text = e.render_with_formatter(&formatter);
            let first = text.lines().next().unwrap_or("").trim();
            first
                .strip_prefix("error:")
                .unwrap_or(first)
                .trim()
                .to_string()
        }
    };
    match location {
        Some(l) if l.line() > 0 => {
            // The reader's position is often not where the mistake is.
            let hint = directive_hint(source, l.line())
                .or_else(|| super::indent::hint_near(source, l.line()));
            let msg = match hint {
                Some(h) if !matches!(e, E::Budget { .. }) => format!("{msg} ({h})"),
                _ => msg,
            };
            InputError::at(file, l.line(), l.column(), msg)
        }
        _ => InputError::new(file, msg),
    }
}

/// A line starting with `%` inside a document is read as a YAML directive
/// (`%YAML 1.2`), which may only come before a document's `---`. In a CI file it
/// is nearly always a template's control line (Terraform's `%{ for … }`), so the
/// indentation hint would point at the wrong fix.
fn directive_hint(source: &str, line: u64) -> Option<String> {
    let at = usize::try_from(line).ok()?.checked_sub(1)?;
    // The reader stops at the directive or on the line after it.
    let l = (at.saturating_sub(1)..=at + 1)
        .find(|&i| source.lines().nth(i).is_some_and(|t| t.starts_with('%')))?;
    Some(format!(
        "line {} starts with `%`, which YAML reads as a directive such as `%YAML 1.2`, allowed only before a document's `---`: the file looks like a template (`%{{ … }}`) to be rendered first, e.g. by Terraform's templatefile",
        l + 1
    ))
}

/// Which of the YAML reader's limits (against alias bombs, deep nesting and
/// huge documents) a file breached, in words.
fn budget_breach(b: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    let limit = "above the reader's limit";
    match b {
        B::Nodes { nodes } => {
            format!("{nodes} values, lists and mappings were read before it stopped, {limit}")
        }
        B::Events { events } => {
            format!("{events} YAML events were read before it stopped, {limit}")
        }
        B::Depth { depth } => format!("lists and mappings are nested {depth} deep, {limit}"),
        B::Aliases { aliases } => format!("{aliases} aliases (*name), {limit}"),
        B::Anchors { anchors } => format!("{anchors} anchors (&name), {limit}"),
        B::AliasAnchorRatio { aliases, anchors } => format!(
            "{aliases} aliases for {anchors} anchors: aliases expand the document far beyond its text (an alias bomb)"
        ),
        B::ScalarBytes { total_scalar_bytes } => {
            format!("{total_scalar_bytes} bytes of text values, {limit}")
        }
        B::MergeKeys { merge_keys } => format!("{merge_keys} merge keys (<<), {limit}"),
        B::Documents { documents } => format!("{documents} YAML documents, {limit}"),
        _ => "its structure is beyond the reader's limits".into(),
    }
}

/// Renders the YAML reader's messages without a position suffix.
struct NoPosition;

impl serde_saphyr::Localizer for NoPosition {
    fn attach_location<'a>(
        &self,
        base: std::borrow::Cow<'a, str>,
        _: serde_saphyr::Location,
    ) -> std::borrow::Cow<'a, str> {
        base
    }
}

/// What a scalar type of the file's schema is, in the file's words.
fn scalar_kind(ty: &str) -> String {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number (0 or more)".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "floating point" | "f32" | "f64" => "a number".into(),
        "boolean" | "bool" => "true or false".into(),
        "char" => "a single character".into(),
        other => format!("a {other}"),
    }
}

/// What a YAML structure the reader expected is, in the file's words.
fn structure_kind(expected: &str) -> String {
    match expected {
        "string scalar" | "scalar" => "a single value, not a list or a mapping".into(),
        "mapping start" => "a mapping of `key: value` entries".into(),
        "sequence start" => "a list".into(),
        other => other.into(),
    }
}

/// The scalar or flow collection written at 1-based `line`:`column`, shortened.
fn token_at(source: &str, line: u64, column: u64) -> Option<String> {
    let text = source
        .lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let skip = usize::try_from(column).ok()?.saturating_sub(1);
    let rest: String = text.chars().skip(skip).collect();
    // A trailing comment is not part of the value.
    let mut rest = rest.split(" #").next().unwrap_or("").trim();
    // Inside a flow collection (`{exp: many}`) a plain scalar ends at `,`, `}` or `]`.
    let in_flow = text.chars().take(skip).any(|c| c == '{' || c == '[');
    if in_flow && !rest.starts_with(['{', '[', '"', '\'']) {
        rest = rest.split([',', '}', ']']).next().unwrap_or("").trim();
    }
    if rest.is_empty() {
        return None;
    }
    let mut t: String = rest.chars().take(40).collect();
    if rest.chars().count() > 40 {
        t.push('…');
    }
    Some(t)
}
