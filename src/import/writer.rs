//! A small YAML writer: block lines, each value with a comment saying where
//! it was read or why it was assumed. (A serializer would drop the comments,
//! and the comments are the point: they show what to calibrate.)

/// Why a written value has its value.
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    /// Read from the pipeline file: `file:line`, maybe with a word on the mapping.
    Read(String),
    /// Not in the pipeline file: the default the importer chose, and how to set it.
    Assumed(String),
    /// No comment (structure, or a value fully explained by its neighbours).
    Plain,
}

/// One value and its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Val {
    pub text: String,
    pub why: Why,
}

impl Val {
    pub fn read(text: impl Into<String>, at: impl Into<String>) -> Val {
        Val {
            text: text.into(),
            why: Why::Read(at.into()),
        }
    }
    pub fn assumed(text: impl Into<String>, reason: impl Into<String>) -> Val {
        Val {
            text: text.into(),
            why: Why::Assumed(reason.into()),
        }
    }
    pub fn plain(text: impl Into<String>) -> Val {
        Val {
            text: text.into(),
            why: Why::Plain,
        }
    }
}

/// One line of block YAML: indentation in steps of two spaces.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub indent: usize,
    pub text: String,
    pub why: Why,
}

/// Lines of YAML, built top to bottom.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    pub lines: Vec<Line>,
}

impl Block {
    /// `key:` opening a nested block.
    pub fn open(&mut self, indent: usize, key: &str) {
        self.push(indent, format!("{key}:"), Why::Plain);
    }

    /// `key: value  # why`.
    pub fn kv(&mut self, indent: usize, key: &str, v: &Val) {
        self.push(indent, format!("{key}: {}", v.text), v.why.clone());
    }

    /// `- value  # why`.
    pub fn item(&mut self, indent: usize, v: &Val) {
        self.push(indent, format!("- {}", v.text), v.why.clone());
    }

    /// A comment line of its own.
    pub fn comment(&mut self, indent: usize, text: &str) {
        for l in text.lines() {
            self.push(indent, format!("# {l}"), Why::Plain);
        }
    }

    pub fn blank(&mut self) {
        self.push(0, String::new(), Why::Plain);
    }

    pub fn push(&mut self, indent: usize, text: String, why: Why) {
        self.lines.push(Line { indent, text, why });
    }

    /// Appends another block, indented `by` more steps.
    pub fn nest(&mut self, by: usize, other: &Block) {
        for l in &other.lines {
            self.lines.push(Line {
                indent: l.indent + by,
                ..l.clone()
            });
        }
    }

    /// The text, with `base` extra spaces in front of every line.
    pub fn render(&self, base: usize) -> String {
        let mut out = String::new();
        for l in &self.lines {
            if l.text.is_empty() {
                out.push('\n');
                continue;
            }
            let pad = " ".repeat(base + 2 * l.indent);
            out.push_str(&pad);
            out.push_str(&l.text);
            match &l.why {
                Why::Read(at) => {
                    out.push_str("  # from ");
                    out.push_str(&one_line(at));
                }
                Why::Assumed(r) => {
                    out.push_str("  # ASSUMED: ");
                    out.push_str(&one_line(r));
                }
                Why::Plain => {}
            }
            out.push('\n');
        }
        out
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A text value as YAML: plain when that reads back as the same text, else double-quoted.
pub fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ' | '/'))
        && !s.starts_with(['-', ' ', '.'])
        && !s.ends_with(' ')
        && s.parse::<f64>().is_err()
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

/// A number as YAML, without a trailing `.0`.
pub fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_words_plain_and_quotes_what_yaml_would_retype() {
        assert_eq!(quote("production"), "production");
        assert_eq!(quote("on"), "\"on\"");
        assert_eq!(quote("0 3 * * *"), "\"0 3 * * *\"");
        assert_eq!(quote("12"), "\"12\"");
        assert_eq!(num(5.0), "5");
        assert_eq!(num(2.5), "2.5");
    }

    #[test]
    fn comments_say_read_or_assumed() {
        let mut b = Block::default();
        b.open(0, "build");
        b.kv(1, "agents", &Val::read("2", "a.yml:3"));
        b.kv(1, "duration", &Val::assumed("10m", "not in the file"));
        assert_eq!(
            b.render(0),
            "build:\n  agents: 2  # from a.yml:3\n  duration: 10m  # ASSUMED: not in the file\n"
        );
    }
}
