//! Finds lines that look mis-indented, for the YAML reader's messages.
//!
//! A key indented one space too deep or too shallow is the commonest YAML
//! mistake, and the reader's own message then points elsewhere: a line
//! indented deeper than a `key: value` line becomes more of that value
//! (`expected a whole number, found "2"`), a mapping that ends early is
//! `missing field` at its first key. So the message also names the line whose
//! indentation does not fit: deeper than the line above although that line
//! already holds its value, or between two levels of the lines above.

/// A line whose indentation does not fit the lines above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suspect {
    /// 1-based.
    pub line: u64,
    /// Spaces before its first character.
    pub indent: usize,
    /// The line it disagrees with, and that line's indentation.
    pub other: (u64, usize),
    pub why: Why,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    /// Deeper than the line above, whose value is already on that line.
    DeeperThanAValue,
    /// Lines up with no enclosing level: `other` is the nearest one.
    BetweenLevels,
}

impl Suspect {
    /// The hint added to a message: both lines, since either may be the wrong one.
    pub fn hint(&self) -> String {
        let spaces = |n: usize| format!("{n} space{}", if n == 1 { "" } else { "s" });
        let (l, n) = (self.line, spaces(self.indent));
        let (o, m) = (self.other.0, spaces(self.other.1));
        match self.why {
            Why::DeeperThanAValue => format!(
                "line {l} is indented {n}, deeper than line {o} ({m}), which already has its value, so it reads as more of that value: one of the two lines is mis-indented"
            ),
            Why::BetweenLevels => format!(
                "line {l} is indented {n} and line {o}, the nearest level above it, {m}: one of the two lines is mis-indented"
            ),
        }
    }
}

/// An enclosing key or list dash: its column and the line that set it.
#[derive(Debug, Clone, Copy)]
struct Level {
    col: usize,
    line: u64,
}

/// The previous significant line: its number, the column its content starts
/// at, and whether it opens a block (`key:` or `-` alone) a deeper line belongs to.
#[derive(Debug, Clone, Copy)]
struct Above {
    line: u64,
    col: usize,
    opens: bool,
}

/// A block scalar (`key: |`): its key's column, and its first text line with
/// that line's indentation, which every later text line must reach.
#[derive(Debug, Clone, Copy)]
struct BlockText {
    key_col: usize,
    first: Option<(u64, usize)>,
}

/// The suspect lines of `source`, in order.
pub(crate) fn suspects(source: &str) -> Vec<Suspect> {
    let mut out = Vec::new();
    // The enclosing keys and list dashes, innermost last.
    let mut levels: Vec<Level> = Vec::new();
    let mut above: Option<Above> = None;
    let mut block: Option<BlockText> = None;
    // Open brackets of a flow collection spanning lines.
    let mut flow_depth = 0i32;
    for (i, raw) in source.lines().enumerate() {
        let line = i as u64 + 1;
        let body = strip_comment(raw);
        let trimmed = body.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('\t') {
            continue;
        }
        let indent = body.len() - trimmed.len();
        if let Some(b) = block.as_mut() {
            if indent > b.key_col {
                match b.first {
                    None => b.first = Some((line, indent)),
                    Some((f, fi)) if indent < fi => out.push(Suspect {
                        line,
                        indent,
                        other: (f, fi),
                        why: Why::BetweenLevels,
                    }),
                    Some(_) => {}
                }
                continue;
            }
            block = None;
        }
        if flow_depth > 0 {
            flow_depth = (flow_depth + bracket_balance(trimmed)).max(0);
            continue;
        }
        if trimmed.starts_with("---") || trimmed.starts_with("...") {
            levels.clear();
            above = None;
            continue;
        }
        // `- key: value`: the item's mapping keys line up with `key`.
        let mut rest = trimmed;
        let mut items = Vec::new();
        let mut col = indent;
        while let Some(r) = rest.strip_prefix("- ") {
            col += 2 + (r.len() - r.trim_start_matches(' ').len());
            rest = r.trim_start_matches(' ');
            items.push(Level { col, line });
        }
        let key_only = rest.ends_with(':') && !rest.starts_with(['{', '[', '"', '\'']);
        let opens = rest == "-" || key_only;
        let kept = levels.iter().take_while(|l| l.col <= indent).count();
        let top = kept.checked_sub(1).map(|k| levels[k]);
        match (top, above) {
            (Some(t), _) if t.col == indent => levels.truncate(kept),
            (_, None | Some(Above { opens: true, .. })) => {
                levels.truncate(kept);
                levels.push(Level { col: indent, line });
            }
            // A suspect leaves the levels as they were: the lines after it
            // are judged against the lines before it.
            (top, Some(a)) => {
                let (other, why) = if a.col < indent {
                    ((a.line, a.col), Why::DeeperThanAValue)
                } else {
                    // The nearest of the levels it falls between.
                    let popped = levels.get(kept).copied();
                    let near = [top, popped]
                        .into_iter()
                        .flatten()
                        .min_by_key(|l| (l.col.abs_diff(indent), usize::MAX - l.col))
                        .map_or((a.line, a.col), |l| (l.line, l.col));
                    (near, Why::BetweenLevels)
                };
                out.push(Suspect {
                    line,
                    indent,
                    other,
                    why,
                });
                above = Some(Above { line, opens, ..a });
                flow_depth = bracket_balance(rest).max(0);
                continue;
            }
        }
        levels.extend(items);
        if let Some((_, v)) = rest.split_once(": ")
            && v.trim_start().starts_with(['|', '>'])
        {
            block = Some(BlockText {
                key_col: indent,
                first: None,
            });
        }
        flow_depth = bracket_balance(rest).max(0);
        above = Some(Above {
            line,
            col,
            opens: opens || block.is_some(),
        });
    }
    out
}

/// Open minus closed brackets of a flow collection, outside quotes.
fn bracket_balance(text: &str) -> i32 {
    let mut depth = 0;
    let mut quote = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            _ => {}
        }
    }
    depth
}

/// The line without a trailing ` #` comment (outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if prev == ' ' || prev == ':' => quote = Some(c),
            (None, '#') if prev == ' ' || i == 0 => return line[..i].trim_end(),
            _ => {}
        }
        prev = c;
    }
    line.trim_end()
}

/// The suspect nearest to `line` (the earlier one on a tie), as a hint. The
/// reader stops a few lines after a mis-indented line, or reports a missing
/// key at the start of the mapping the line broke: so from a few lines
/// before `line` to the length of a long mapping after it.
pub(crate) fn hint_near(source: &str, line: u64) -> Option<String> {
    suspects(source)
        .into_iter()
        .filter(|s| s.line + 3 >= line && s.line <= line + 30)
        .min_by_key(|s| (s.line.abs_diff(line), s.line))
        .map(|s| s.hint())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(source: &str) -> Vec<u64> {
        suspects(source).iter().map(|s| s.line).collect()
    }

    #[test]
    fn a_well_indented_file_has_no_suspects() {
        let s = "\
name: x # a comment
run:
  horizon: 10d
stages:
  - name: dev
    verify:
      - {name: a, duration: 3m,
         detect: {minor: 0.1}}
  - name: prod
    description: |
        text
          deeper text
    checks:
      approval: {approvers: [a]}
list:
- a
- b
";
        assert_eq!(suspects(s), vec![]);
    }

    #[test]
    fn a_key_one_space_deeper_than_a_value_is_named() {
        let s = "build:\n  agents: 2\n   duration: 5m\n  retries: 1\n";
        let found = suspects(s);
        assert_eq!(lines(s), vec![3]);
        assert_eq!(found[0].why, Why::DeeperThanAValue);
        assert_eq!(found[0].other, (2, 2));
    }

    #[test]
    fn a_key_between_two_levels_is_named() {
        let s = "run:\n  start: 2026-01-05\n time_zone: UTC\n  horizon: 10d\n";
        assert_eq!(lines(s), vec![3]);
        let s = "stages:\n  - name: dev\n    deploy:\n      duration: 3m\n     failure: 1%\n";
        assert_eq!(lines(s), vec![5]);
    }

    #[test]
    fn the_shipped_scenarios_have_no_suspects() {
        for text in [
            include_str!("../../scenarios/tailspin.yaml"),
            include_str!("../../scenarios/tailspin-continuous.yaml"),
            include_str!("../../scenarios/saas-canary.yaml"),
            include_str!("../../scenarios/saas-flags.yaml"),
            include_str!("../../scenarios/ecommerce-blue-green.yaml"),
            include_str!("../../scenarios/sequential-approvals.yaml"),
        ] {
            assert_eq!(suspects(text), vec![]);
        }
    }

    #[test]
    fn a_block_scalar_line_short_of_its_first_line_is_named() {
        let s = "description: >\n   first\n  second\nname: x\n";
        assert_eq!(lines(s), vec![3]);
    }
}
