//! Whether an Azure stage's runtime `condition` can hold on the path a release
//! takes when everything before it succeeded, for a push to the main branch.
//!
//! The status functions are known on that path (`succeeded()`, `always()`,
//! `succeededOrFailed()` true; `failed()`, `canceled()` false, with or without
//! stage names). The branch variables (`Build.SourceBranch`,
//! `Build.SourceBranchName`) are known when a branch is given, so
//! `eq(variables['Build.SourceBranch'], 'refs/heads/develop')` is false on
//! main; other variables, dependencies' outputs and what is compared with them
//! are not known before a run. `and`, `or`, `not` and `xor` combine the three
//! values as Kleene's logic does, so `or(failed(), canceled())` is known false
//! while `and(succeeded(), eq(variables.x, 'y'))` is unknown.

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

    fn of(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }
}

/// A value of the condition language: a truth, a known string, or a value
/// of the run.
#[derive(Debug, Clone, PartialEq)]
enum V {
    T(Truth),
    S(String),
    Unknown,
}

impl V {
    fn truth(&self) -> Truth {
        match self {
            V::T(t) => *t,
            // A non-empty string is true, as Azure casts it.
            V::S(s) => Truth::of(!s.is_empty()),
            V::Unknown => Truth::Unknown,
        }
    }
}

/// `condition` evaluated on the success path, branch variables unknown;
/// `Unknown` for anything not understood, including text that is not an
/// expression.
pub(super) fn on_success_path(condition: &str) -> Truth {
    evaluate(condition, None, &[])
}

/// `condition` on the success path of a push to `branch` (`main`): the
/// branch variables are known.
pub(super) fn on_branch(condition: &str, branch: &str) -> Truth {
    evaluate(condition, Some(branch), &[])
}

/// [`on_branch`], with the variables the YAML sets to a literal value (its
/// own and its variable templates'; a value holding `$(…)` or `$[…]` is
/// known only at run time) known too.
pub(super) fn on_branch_with(condition: &str, branch: &str, vars: &[(String, String)]) -> Truth {
    evaluate(condition, Some(branch), vars)
}

fn evaluate(condition: &str, branch: Option<&str>, vars: &[(String, String)]) -> Truth {
    let text: Vec<char> = condition.chars().collect();
    let mut p = Parser {
        text,
        at: 0,
        branch,
        vars,
    };
    let t = p.expr();
    p.skip_space();
    match t {
        Some(v) if p.at == p.text.len() => v.truth(),
        _ => Truth::Unknown,
    }
}

struct Parser<'a> {
    text: Vec<char>,
    at: usize,
    branch: Option<&'a str>,
    /// Variables set in the YAML to a literal value.
    vars: &'a [(String, String)],
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.text.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.text.get(self.at).copied()
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || "_.-".contains(c))
        {
            self.at += 1;
        }
        self.text[start..self.at].iter().collect()
    }

    /// One expression; `None` when the text is not one.
    fn expr(&mut self) -> Option<V> {
        self.skip_space();
        if self.peek()? == '\'' {
            return self.string().map(V::S);
        }
        let word = self.word();
        self.skip_space();
        match self.peek() {
            Some('(') => {
                self.at += 1;
                let args = self.args()?;
                Some(apply(&word.to_ascii_lowercase(), &args))
            }
            Some('[') => {
                // `variables['x']`, `dependencies.a.outputs['b']`: a value of the run.
                let name = self.index()?;
                Some(match (word.eq_ignore_ascii_case("variables"), name) {
                    (true, Some(n)) => self.variable(&n),
                    _ => V::Unknown,
                })
            }
            _ if word.eq_ignore_ascii_case("true") => Some(V::T(Truth::True)),
            _ if word.eq_ignore_ascii_case("false") => Some(V::T(Truth::False)),
            _ if word.is_empty() => None,
            _ => Some(match word.split_once('.') {
                Some((v, name)) if v.eq_ignore_ascii_case("variables") => self.variable(name),
                _ => V::Unknown,
            }),
        }
    }

    /// A quoted string after its opening quote; `''` is an escaped quote.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut s = String::new();
        loop {
            match self.peek()? {
                '\'' if self.text.get(self.at + 1) == Some(&'\'') => {
                    s.push('\'');
                    self.at += 2;
                }
                '\'' => break,
                c => {
                    s.push(c);
                    self.at += 1;
                }
            }
        }
        self.at += 1;
        Some(s)
    }

    /// A predefined variable known before the run: the branch's.
    fn variable(&self, name: &str) -> V {
        let Some(b) = self.branch else {
            return V::Unknown;
        };
        match name.to_ascii_lowercase().as_str() {
            "build.sourcebranch" => V::S(format!("refs/heads/{b}")),
            "build.sourcebranchname" => V::S(b.rsplit('/').next().unwrap_or(b).to_string()),
            _ => self
                .vars
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .filter(|(_, v)| !v.contains("$(") && !v.contains("$["))
                .map_or(V::Unknown, |(_, v)| V::S(v.clone())),
        }
    }

    /// The arguments after `(`, through the closing `)`.
    fn args(&mut self) -> Option<Vec<V>> {
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

    /// `[…]` index parts, possibly several, and a trailing `.name`: the
    /// first part's text when it is a quoted name alone.
    fn index(&mut self) -> Option<Option<String>> {
        let mut first = None;
        let mut parts = 0;
        while self.peek() == Some('[') {
            self.at += 1;
            let v = self.expr()?;
            self.skip_space();
            (self.peek()? == ']').then_some(())?;
            self.at += 1;
            let tail = self.word();
            parts += 1;
            if let (1, V::S(s), true) = (parts, v, tail.is_empty()) {
                first = Some(s);
            } else {
                first = None;
            }
        }
        Some(first)
    }
}

/// A function of the condition language on the success path.
fn apply(name: &str, args: &[V]) -> V {
    let truths = || args.iter().map(V::truth).collect::<Vec<_>>();
    let t = match name {
        "succeeded" | "always" | "succeededorfailed" => Truth::True,
        "failed" | "canceled" => Truth::False,
        "and" => absorbed(&truths(), Truth::False),
        "or" => absorbed(&truths(), Truth::True),
        "not" if args.len() == 1 => args[0].truth().not(),
        "xor" if args.len() == 2 && !truths().contains(&Truth::Unknown) => {
            Truth::of(args[0].truth() != args[1].truth())
        }
        "eq" | "ne" | "startswith" | "endswith" | "contains" | "in" | "notin" => {
            compare(name, args)
        }
        // The rest work on values of the run.
        _ => Truth::Unknown,
    };
    V::T(t)
}

/// A string comparison, case-insensitive as Azure's; unknown unless every
/// argument is a known string.
fn compare(name: &str, args: &[V]) -> Truth {
    let Some(s) = args
        .iter()
        .map(|a| match a {
            V::S(s) => Some(s.to_lowercase()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
    else {
        return Truth::Unknown;
    };
    Truth::of(match (name, s.as_slice()) {
        ("eq", [a, b]) => a == b,
        ("ne", [a, b]) => a != b,
        ("startswith", [a, b]) => a.starts_with(b.as_str()),
        ("endswith", [a, b]) => a.ends_with(b.as_str()),
        ("contains", [a, b]) => a.contains(b.as_str()),
        ("in", [a, rest @ ..]) if !rest.is_empty() => rest.contains(a),
        ("notin", [a, rest @ ..]) if !rest.is_empty() => !rest.contains(a),
        _ => return Truth::Unknown,
    })
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

    #[test]
    fn branch_variables_are_known_on_main() {
        for (c, want) in [
            (
                "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/develop'))",
                False,
            ),
            (
                "and(succeeded(), or(eq(variables['Build.SourceBranch'], 'refs/heads/main'), startsWith(variables['Build.SourceBranch'], 'refs/heads/release/')))",
                True,
            ),
            (
                "or(eq(variables['Build.SourceBranch'], 'refs/heads/develop'), startsWith(variables['Build.SourceBranch'], 'refs/heads/dev/'))",
                False,
            ),
            ("eq(variables['build.sourceBranchName'], 'Main')", True),
            ("ne(variables.Build.SourceBranchName, 'main')", False),
            (
                "in(variables['Build.SourceBranchName'], 'main', 'master')",
                True,
            ),
            (
                "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'), eq(variables['x'], 'y'))",
                Unknown,
            ),
            ("eq(variables['Build.Reason'], 'Schedule')", Unknown),
        ] {
            assert_eq!(on_branch(c, "main"), want, "{c}");
        }
        // Without the branch the same conditions are not known.
        assert_eq!(
            on_success_path("eq(variables['Build.SourceBranch'], 'refs/heads/develop')"),
            Unknown
        );
    }

    #[test]
    fn variables_the_file_sets_are_known_run_time_ones_are_not() {
        use super::on_branch_with;
        let vars = [
            ("deployTo".to_string(), "qa".to_string()),
            (
                "isMain".to_string(),
                "$[eq(variables['Build.SourceBranch'], 'refs/heads/main')]".to_string(),
            ),
        ];
        let c = "and(succeeded(), eq(variables['deployTo'], 'qa'))";
        assert_eq!(on_branch_with(c, "main", &vars), Truth::True);
        let c = "and(succeeded(), eq(variables.deployTo, 'prod'))";
        assert_eq!(on_branch_with(c, "main", &vars), Truth::False);
        let c = "eq(variables['isMain'], 'True')";
        assert_eq!(on_branch_with(c, "main", &vars), Truth::Unknown);
        assert_eq!(
            on_branch_with("variables['Other']", "main", &vars),
            Truth::Unknown
        );
    }
}
