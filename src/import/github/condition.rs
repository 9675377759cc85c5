//! A job's `if:`, evaluated for the runs the model simulates: pushes to the
//! default branch (or the schedule, or a dispatch, when that is what starts
//! the workflow). GitHub's expression syntax (`==`, `!=`, `<`…, `&&`, `||`,
//! `!`, parentheses, literals, contexts and the status and string functions)
//! is read as three-valued logic: what a run's context cannot tell before it
//! runs (`vars`, `secrets`, `needs` outputs, steps, the actor, a SHA) is
//! unknown, and `a && b` is false as soon as one side is.

/// The event a run is evaluated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Event {
    Push,
    Schedule,
    WorkflowRun,
    Dispatch,
    Release,
}

impl Event {
    fn name(self) -> &'static str {
        match self {
            Event::Push => "push",
            Event::Schedule => "schedule",
            Event::WorkflowRun => "workflow_run",
            Event::Dispatch => "workflow_dispatch",
            Event::Release => "release",
        }
    }
}

/// What an expression may be evaluated against.
pub(super) struct Context<'a> {
    pub event: Event,
    /// The branch runs are on: the first plain name of `on.push.branches`, else `main`.
    pub branch: &'a str,
    /// A run on a tag (a push of tags, a release): the start its name is
    /// known to have (`v1.` for `v1.*`; empty when nothing is known).
    pub tag: Option<&'a str>,
    /// `workflow_dispatch` inputs and their defaults.
    pub inputs: &'a [(String, Option<String>)],
    /// In a called (reusable) workflow: its `workflow_call` inputs, from the
    /// caller's `with` or their defaults; `inputs.X` reads them.
    pub with: Option<&'a [(String, Option<String>)]>,
}

#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// Equal to any string: `github.repository` (the model simulates the
    /// repository whose file this is, so a fork guard holds).
    ThisRepo,
    /// An array of strings: `fromJSON('["main", "production"]')`.
    List(Vec<String>),
    Unknown,
}

impl V {
    fn truthy(&self) -> Option<bool> {
        match self {
            V::Null => Some(false),
            V::Bool(b) => Some(*b),
            V::Num(x) => Some(*x != 0.0 && !x.is_nan()),
            V::Str(s) => Some(!s.is_empty()),
            V::ThisRepo | V::List(_) => Some(true),
            V::Unknown => None,
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            V::Null => Some(0.0),
            V::Bool(b) => Some(f64::from(u8::from(*b))),
            V::Num(x) => Some(*x),
            V::Str(s) if s.trim().is_empty() => Some(0.0),
            V::Str(s) => Some(s.trim().parse().unwrap_or(f64::NAN)),
            V::ThisRepo | V::List(_) | V::Unknown => None,
        }
    }
}

/// Whether the job runs, for the context's event: `None` when unknown.
pub(super) fn runs(text: &str, cx: &Context) -> Option<bool> {
    let body = text.trim();
    let body = body
        .strip_prefix("${{")
        .and_then(|b| b.strip_suffix("}}"))
        .unwrap_or(body);
    eval(body, cx)?.truthy()
}

/// The value of a text that is one `${{ … }}` expression, as a string
/// (`${{ github.event.inputs.environment || 'CICD' }}` is `CICD` on a
/// push); `None` when it is not one expression or its value is unknown.
pub(super) fn value(text: &str, cx: &Context) -> Option<String> {
    let body = text.trim().strip_prefix("${{")?.strip_suffix("}}")?;
    if body.contains("${{") || body.contains("}}") {
        return None;
    }
    match eval(body, cx)? {
        V::Null => Some(String::new()),
        V::Bool(b) => Some(b.to_string()),
        V::Num(x) => Some(crate::import::writer::num(x)),
        V::Str(s) => Some(s),
        V::ThisRepo | V::List(_) | V::Unknown => None,
    }
}

fn eval(body: &str, cx: &Context) -> Option<V> {
    let tokens = tokens(body)?;
    let mut p = Parser {
        t: &tokens,
        at: 0,
        cx,
    };
    let v = p.or()?;
    (p.at == tokens.len()).then_some(v)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Punct(&'static str),
    Str(String),
    Num(f64),
    Ident(String),
}

fn tokens(s: &str) -> Option<Vec<Tok>> {
    const PUNCT: [&str; 14] = [
        "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", ",", ".", "[",
    ];
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            // A quote inside a string is doubled.
            let mut text = String::new();
            i += 1;
            loop {
                let ch = *b.get(i)? as char;
                if ch == '\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        text.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                let len = s[i..].chars().next()?.len_utf8();
                text.push_str(&s[i..i + len]);
                i += len;
            }
            out.push(Tok::Str(text));
        } else if c == ']' {
            out.push(Tok::Punct("]"));
            i += 1;
        } else if c == '*' {
            out.push(Tok::Punct("*"));
            i += 1;
        } else if let Some(p) = PUNCT.iter().find(|p| s[i..].starts_with(**p)) {
            out.push(Tok::Punct(p));
            i += p.len();
        } else if c.is_ascii_digit() || (c == '-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok::Num(s[start..i].parse().ok()?));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].to_string()));
        } else {
            return None;
        }
    }
    Some(out)
}

struct Parser<'a> {
    t: &'a [Tok],
    at: usize,
    cx: &'a Context<'a>,
}

impl Parser<'_> {
    fn eat(&mut self, p: &str) -> bool {
        match self.t.get(self.at) {
            Some(Tok::Punct(q)) if *q == p => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn or(&mut self) -> Option<V> {
        let mut a = self.and()?;
        while self.eat("||") {
            let b = self.and()?;
            a = match (a.truthy(), b.truthy()) {
                (Some(true), _) => a,
                (Some(false), _) => b,
                (None, Some(true)) => V::Bool(true),
                (None, _) => V::Unknown,
            };
        }
        Some(a)
    }

    fn and(&mut self) -> Option<V> {
        let mut a = self.cmp()?;
        while self.eat("&&") {
            let b = self.cmp()?;
            a = match (a.truthy(), b.truthy()) {
                (Some(false), _) => a,
                (Some(true), _) => b,
                (None, Some(false)) => V::Bool(false),
                (None, _) => V::Unknown,
            };
        }
        Some(a)
    }

    fn cmp(&mut self) -> Option<V> {
        let a = self.unary()?;
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.eat(op) {
                let b = self.unary()?;
                return Some(compare(op, &a, &b, self.cx.branch));
            }
        }
        Some(a)
    }

    fn unary(&mut self) -> Option<V> {
        if self.eat("!") {
            let v = self.unary()?;
            return Some(v.truthy().map_or(V::Unknown, |b| V::Bool(!b)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Option<V> {
        let tok = self.t.get(self.at)?.clone();
        self.at += 1;
        match tok {
            Tok::Punct("(") => {
                let v = self.or()?;
                self.eat(")").then_some(v)
            }
            Tok::Str(s) => Some(V::Str(s)),
            Tok::Num(x) => Some(V::Num(x)),
            Tok::Ident(id) => match id.as_str() {
                "true" => Some(V::Bool(true)),
                "false" => Some(V::Bool(false)),
                "null" => Some(V::Null),
                _ if self.eat("(") => self.call(&id),
                _ => self.context(id),
            },
            Tok::Punct(_) => None,
        }
    }

    fn call(&mut self, name: &str) -> Option<V> {
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                args.push(self.or()?);
                if self.eat(")") {
                    break;
                }
                if !self.eat(",") {
                    return None;
                }
            }
        }
        let text = |v: &V| match v {
            V::Str(s) => Some(s.to_lowercase()),
            V::Null => Some(String::new()),
            _ => None,
        };
        let both = |f: fn(&str, &str) -> bool| match (
            args.first().and_then(text),
            args.get(1).and_then(text),
        ) {
            (Some(a), Some(b)) => V::Bool(f(&a, &b)),
            _ => V::Unknown,
        };
        Some(match name.to_ascii_lowercase().as_str() {
            // The model follows the path a release takes when all goes well.
            "success" | "always" => V::Bool(true),
            "failure" | "cancelled" => V::Bool(false),
            "contains" => match (args.first(), args.get(1).and_then(text)) {
                (Some(V::List(items)), Some(b)) => {
                    V::Bool(items.iter().any(|x| x.to_lowercase() == b))
                }
                _ => both(|a, b| a.contains(b)),
            },
            "fromjson" => match args.first() {
                Some(V::Str(json)) => from_json(json),
                _ => V::Unknown,
            },
            "startswith" => both(|a, b| a.starts_with(b)),
            "endswith" => both(|a, b| a.ends_with(b)),
            _ => V::Unknown,
        })
    }

    /// A context path such as `github.event.inputs.env` or `needs.build.outputs['x']`.
    fn context(&mut self, head: String) -> Option<V> {
        let mut path = vec![head.to_ascii_lowercase()];
        loop {
            if self.eat(".") {
                match self.t.get(self.at)? {
                    Tok::Ident(id) => path.push(id.to_ascii_lowercase()),
                    Tok::Punct("*") => path.push("*".into()),
                    _ => return None,
                }
                self.at += 1;
            } else if self.eat("[") {
                let key = self.or()?;
                if !self.eat("]") {
                    return None;
                }
                match key {
                    V::Str(s) => path.push(s.to_ascii_lowercase()),
                    _ => path.push("?".into()),
                }
            } else {
                break;
            }
        }
        Some(self.lookup(&path))
    }

    fn lookup(&self, path: &[String]) -> V {
        let cx = self.cx;
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let input = |name: &str| -> V {
            if cx.event != Event::Dispatch {
                return V::Null;
            }
            match cx.inputs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                Some((_, Some(default))) => V::Str(default.clone()),
                _ => V::Unknown,
            }
        };
        // On a tag, only the start of its name is known.
        let tag = |prefix: &str| match cx.tag {
            Some(t) if !t.is_empty() => V::Str(format!("{prefix}{t}")),
            _ => V::Unknown,
        };
        match p.as_slice() {
            ["github", "event_name"] => V::Str(cx.event.name().into()),
            ["github", "ref"] if cx.tag.is_some() => tag("refs/tags/"),
            ["github", "ref_name"] if cx.tag.is_some() => tag(""),
            ["github", "ref_type"] if cx.tag.is_some() => V::Str("tag".into()),
            ["github", "event", "release", ..] if cx.event == Event::Release => V::Unknown,
            ["github", "ref"] => V::Str(format!("refs/heads/{}", cx.branch)),
            ["github", "ref_name"] => V::Str(cx.branch.into()),
            ["github", "ref_type"] => V::Str("branch".into()),
            ["github", "head_ref" | "base_ref"] => V::Str(String::new()),
            ["github", "repository" | "repository_owner"] => V::ThisRepo,
            ["inputs", name] if cx.with.is_some() => {
                let with = cx.with.unwrap_or_default();
                match with.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                    Some((_, Some(v))) if !v.contains("${{") => V::Str(v.clone()),
                    _ => V::Unknown,
                }
            }
            ["github", "event", "inputs", name] | ["inputs", name] => input(name),
            ["github", "event", "pull_request" | "release" | "issue", ..] => V::Null,
            _ => V::Unknown,
        }
    }
}

/// `fromJSON` of a literal: a scalar, or an array of strings.
fn from_json(json: &str) -> V {
    use serde_json::Value as J;
    match serde_json::from_str::<J>(json) {
        Ok(J::Null) => V::Null,
        Ok(J::Bool(b)) => V::Bool(b),
        Ok(J::Number(n)) => n.as_f64().map_or(V::Unknown, V::Num),
        Ok(J::String(s)) => V::Str(s),
        Ok(J::Array(items)) => items
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map_or(V::Unknown, V::List),
        _ => V::Unknown,
    }
}

/// `a op b` as GitHub compares: strings case-insensitively, other types as
/// numbers. The default branch is one name: `main` and `master` stand for it
/// when the workflow names no branch.
fn compare(op: &str, a: &V, b: &V, branch: &str) -> V {
    if matches!(a, V::Unknown) || matches!(b, V::Unknown) {
        return V::Unknown;
    }
    if let (V::ThisRepo, V::Str(_)) | (V::Str(_), V::ThisRepo) = (a, b) {
        return match op {
            "==" => V::Bool(true),
            "!=" => V::Bool(false),
            _ => V::Unknown,
        };
    }
    let canon = |s: &str| {
        let s = s.to_lowercase();
        match s.as_str() {
            "refs/heads/main" | "refs/heads/master" if branch == "main" => {
                "refs/heads/main".to_string()
            }
            "master" if branch == "main" => "main".to_string(),
            _ => s,
        }
    };
    let ord = match (a, b) {
        (V::Str(x), V::Str(y)) => Some(canon(x).cmp(&canon(y))),
        _ => match (a.num(), b.num()) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => return V::Unknown,
        },
    };
    use std::cmp::Ordering::*;
    V::Bool(match (op, ord) {
        ("==", o) => o == Some(Equal),
        ("!=", o) => o != Some(Equal),
        (_, None) => false,
        ("<", Some(o)) => o == Less,
        ("<=", Some(o)) => o != Greater,
        (">", Some(o)) => o == Greater,
        (">=", Some(o)) => o != Less,
        _ => return V::Unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(event: Event, text: &str) -> Option<bool> {
        let inputs = [("environment".to_string(), Some("production".to_string()))];
        runs(
            text,
            &Context {
                event,
                branch: "main",
                tag: None,
                inputs: &inputs,
                with: None,
            },
        )
    }

    #[test]
    fn pull_request_only_jobs_never_run_on_a_push() {
        let push = |t| on(Event::Push, t);
        assert_eq!(push("github.event_name == 'pull_request'"), Some(false));
        assert_eq!(
            push(
                "${{ github.event_name == 'pull_request' && contains(github.event.pull_request.labels.*.name, 'deploy') }}"
            ),
            Some(false)
        );
        assert_eq!(push("github.event_name != 'pull_request'"), Some(true));
        assert_eq!(push("github.ref == 'refs/heads/master'"), Some(true));
        assert_eq!(push("github.ref == 'refs/heads/develop'"), Some(false));
        assert_eq!(push("startsWith(github.ref, 'refs/tags/')"), Some(false));
        assert_eq!(push("failure()"), Some(false));
        assert_eq!(push("always()"), Some(true));
        assert_eq!(
            push("!cancelled() && needs.build.result == 'success'"),
            None
        );
        assert_eq!(push("vars.DEPLOY == 'true'"), None);
        assert_eq!(
            push("vars.DEPLOY == 'true' && github.event_name == 'pull_request'"),
            Some(false)
        );
        assert_eq!(push("github.repository == 'pallets/flask'"), Some(true));
        // alphagov/govuk-mobile-backend publish.yaml
        let listed = "${{ github.head_ref || contains(fromJSON('[\"main\", \"production\"]'), github.ref_name) }}";
        assert_eq!(push(listed), Some(true));
        assert_eq!(
            push("contains(fromJSON('[\"prod\"]'), github.ref_name)"),
            Some(false)
        );
        assert_eq!(push("fromJSON('true')"), Some(true));
        assert_eq!(
            push("(github.event_name == 'push' || github.event_name == 'workflow_dispatch')"),
            Some(true)
        );
    }

    #[test]
    fn a_tag_push_knows_the_start_of_its_tag() {
        let cx = |tag| Context {
            event: Event::Push,
            branch: "main",
            tag: Some(tag),
            inputs: &[],
            with: None,
        };
        let tagged = "startsWith(github.ref, 'refs/tags/v')";
        assert_eq!(runs(tagged, &cx("v1.")), Some(true));
        assert_eq!(
            runs("github.ref == 'refs/heads/main'", &cx("v1.")),
            Some(false)
        );
        assert_eq!(runs("github.ref_type == 'tag'", &cx("")), Some(true));
        // `tags: ['*']`: nothing is known of the name.
        assert_eq!(runs(tagged, &cx("")), None);
    }

    #[test]
    fn a_dispatch_reads_input_defaults() {
        let text = "(github.event_name == 'pull_request') || (github.event_name == 'workflow_dispatch' && inputs.environment == 'review')";
        assert_eq!(on(Event::Push, text), Some(false));
        assert_eq!(on(Event::Dispatch, text), Some(false));
        assert_eq!(
            on(
                Event::Dispatch,
                "github.event.inputs.environment == 'Production'"
            ),
            Some(true)
        );
        assert_eq!(on(Event::Dispatch, "inputs.other == 'x'"), None);
        assert_eq!(on(Event::Push, "it's not an expression"), None);
    }

    #[test]
    fn a_value_falls_back_to_its_literal_when_the_input_is_empty() {
        let inputs = [("environment".to_string(), Some("CICD".to_string()))];
        let with = [
            ("selector".to_string(), Some("extended".to_string())),
            ("other".to_string(), Some("${{ vars.X }}".to_string())),
        ];
        let cx = |event| Context {
            event,
            branch: "main",
            tag: None,
            inputs: &inputs,
            with: Some(&with),
        };
        let text = "${{ github.event.inputs.environment || 'staging' }}";
        assert_eq!(value(text, &cx(Event::Push)).as_deref(), Some("staging"));
        assert_eq!(value(text, &cx(Event::Dispatch)).as_deref(), Some("CICD"));
        let pick = "${{ (github.event_name == 'push' && 'a or b') || 'c' }}";
        assert_eq!(value(pick, &cx(Event::Push)).as_deref(), Some("a or b"));
        assert_eq!(value(pick, &cx(Event::Schedule)).as_deref(), Some("c"));
        assert_eq!(value("${{ vars.ENV }}", &cx(Event::Push)), None);
        assert_eq!(value("x-${{ inputs.selector }}", &cx(Event::Push)), None);
        assert_eq!(
            runs("${{ inputs.selector != '' }}", &cx(Event::Push)),
            Some(true)
        );
        assert_eq!(runs("inputs.other == 'x'", &cx(Event::Push)), None);
        assert_eq!(runs("inputs.missing == 'x'", &cx(Event::Push)), None);
    }
}
