//! Whether an Azure stage's runtime `condition` can hold on the path a release
//! takes when everything before it succeeded.
//!
//! The status functions are known on that path (`succeeded()`, `always()`,
//! `succeededOrFailed()` true; `failed()`, `canceled()` false, with or without
//! stage names); variables, dependencies' outputs and comparisons are not
//! known before a run. `and`, `or`, `not` and `xor` combine the three values as
//! Kleene's logic does, so `or(failed(), canceled())` is known false while
//! `and(succeeded(), eq(variables.x, 'y'))` is unknown.

/// What a condition is on the success path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// `condition` evaluated on the success path; `Unknown` for anything not
/// understood, including text that is not an expression.
pub(super) fn on_success_path(condition: &str) -> Truth {
    let text: Vec<char> = condition.chars().collect();
    let mut p = Parser { text, at: 0 };
    let t = p.expr();
    p.skip_space();
    if p.at == p.text.len() {
        t.unwrap_or(Truth::Unknown)
    } else {
        Truth::Unknown
    }
}

struct Parser {
    text: Vec<char>,
    at: usize,
}

impl Parser {
    fn skip_space(&mut self) {
        while self.text.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.text.get(self.at).copied()
    }

    /// One expression; `None` when the text is not one.
    fn expr(&mut self) -> Option<Truth> {
        self.skip_space();
        match self.peek()? {
            '\'' => {
                self.at += 1;
                // A quoted string; `''` is an escaped quote.
                loop {
                    match self.peek()? {
                        '\'' if self.text.get(self.at + 1) == Some(&'\'') => self.at += 2,
                        '\'' => break,
                        _ => self.at += 1,
                    }
                }
                self.at += 1;
                Some(Truth::Unknown)
            }
            _ => {
                let start = self.at;
                while self
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || "_.-".contains(c))
                {
                    self.at += 1;
                }
                let word: String = self.text[start..self.at].iter().collect();
                self.skip_space();
                match self.peek() {
                    Some('(') => {
                        self.at += 1;
                        let args = self.args()?;
                        Some(apply(&word.to_ascii_lowercase(), &args))
                    }
                    Some('[') => {
                        // `variables['x']`, `dependencies.a.outputs['b']`: a value of the run.
                        self.index()?;
                        Some(Truth::Unknown)
                    }
                    _ if word.eq_ignore_ascii_case("true") => Some(Truth::True),
                    _ if word.eq_ignore_ascii_case("false") => Some(Truth::False),
                    _ if word.is_empty() => None,
                    _ => Some(Truth::Unknown),
                }
            }
        }
    }

    /// The arguments after `(`, through the closing `)`.
    fn args(&mut self) -> Option<Vec<Truth>> {
        let mut args = Vec::new();
        self.skip_space();
        if self.peek() == Some(')') {
            self.at += 1;
            return Some(args);
        }
        loop {
            args.push(self.expr()?);
            self.skip_space();
            match self.peek()? {
                ',' => self.at += 1,
                ')' => {
                    self.at += 1;
                    return Some(args);
                }
                _ => return None,
            }
        }
    }

    /// `[…]` index parts, possibly several, and a trailing `.name`.
    fn index(&mut self) -> Option<()> {
        while self.peek() == Some('[') {
            self.at += 1;
            self.expr()?;
            self.skip_space();
            (self.peek()? == ']').then_some(())?;
            self.at += 1;
            while self
                .peek()
                .is_some_and(|c| c.is_alphanumeric() || "_.-".contains(c))
            {
                self.at += 1;
            }
        }
        Some(())
    }
}

/// A function of the condition language on the success path.
fn apply(name: &str, args: &[Truth]) -> Truth {
    match name {
        "succeeded" | "always" | "succeededorfailed" => Truth::True,
        "failed" | "canceled" => Truth::False,
        "and" => absorbed(args, Truth::False),
        "or" => absorbed(args, Truth::True),
        "not" if args.len() == 1 => args[0].not(),
        "xor" if args.len() == 2 && !args.contains(&Truth::Unknown) => {
            if args[0] != args[1] {
                Truth::True
            } else {
                Truth::False
            }
        }
        // Comparisons and the rest work on values of the run.
        _ => Truth::Unknown,
    }
}

/// `and` (absorbed by false) or `or` (absorbed by true): the absorbing value
/// if any argument has it, the other one if all do, unknown otherwise.
fn absorbed(args: &[Truth], absorbing: Truth) -> Truth {
    if args.contains(&absorbing) {
        absorbing
    } else if args.iter().all(|&a| a == absorbing.not()) {
        absorbing.not()
    } else {
        Truth::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::Truth::*;
    use super::*;

    #[test]
    fn status_functions_combine_as_kleene_logic() {
        for (c, want) in [
            ("failed()", False),
            ("canceled()", False),
            ("or(failed(), canceled())", False),
            (
                "and(failed(), eq(variables['Build.Reason'], 'Manual'))",
                False,
            ),
            ("not(succeeded())", False),
            ("failed('Prod')", False),
            ("succeeded()", True),
            ("always()", True),
            ("succeededOrFailed()", True),
            ("not(canceled())", True),
            ("or(failed(), succeeded())", True),
            (
                "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))",
                Unknown,
            ),
            ("or(failed(), eq(variables.x, 'it''s'))", Unknown),
            ("eq(dependencies.A.outputs['s.v'], 'true')", Unknown),
            ("xor(failed(), succeeded())", True),
            ("this is not an expression", Unknown),
            ("and(failed()", Unknown),
        ] {
            assert_eq!(on_success_path(c), want, "{c}");
        }
    }
}
