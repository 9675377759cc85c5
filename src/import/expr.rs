//! Azure Pipelines template expressions the importer evaluates: conditional
//! insertion (`${{ if … }}:`, `${{ elseif … }}:`, `${{ else }}:`) and loops
//! (`${{ each x in parameters.list }}:`) over template parameters with
//! literal values, as list items or as mapping keys, and `${{ insert }}` of a
//! mapping parameter's keys. Conditions are `eq`,
//! `ne`, `and`, `or`, `not`, `length`, `startsWith`, `endsWith`, `contains`,
//! `in`, `notIn`, booleans, numbers, quoted strings, `parameters.NAME` and
//! the variables the caller knows (a parameter named `variables.NAME`, e.g.
//! the branch's). Anything else (other variables, other functions) cannot be
//! known before a run: it is warned about with its `file:line` and its
//! content left out.

use super::tree::{Kind, Node};

/// A value a condition computes with.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Bool(bool),
    Text(String),
    Num(f64),
    /// A list or mapping parameter, by its number of items (for `length`).
    Items(usize),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Bool(b) => *b,
            Val::Num(x) => *x != 0.0,
            Val::Text(s) => !s.is_empty() && !s.eq_ignore_ascii_case("false"),
            Val::Items(n) => *n > 0,
        }
    }

    /// Azure compares case-insensitively, converting to the left side's type.
    fn equals(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Num(a), b) => b.num().is_some_and(|b| *a == b),
            (Val::Bool(a), b) => *a == b.truthy_word(),
            (Val::Text(a), b) => a.eq_ignore_ascii_case(&b.text()),
            (Val::Items(_), _) => false,
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            Val::Num(x) => Some(*x),
            Val::Bool(b) => Some(f64::from(u8::from(*b))),
            Val::Text(s) => s.trim().parse().ok(),
            Val::Items(_) => None,
        }
    }

    fn truthy_word(&self) -> bool {
        match self {
            Val::Text(s) => s.eq_ignore_ascii_case("true"),
            other => other.truthy(),
        }
    }

    fn text(&self) -> String {
        match self {
            Val::Bool(b) => b.to_string(),
            Val::Num(x) => x.to_string(),
            Val::Text(s) => s.clone(),
            Val::Items(_) => String::new(),
        }
    }
}

/// The template parameters in scope, by name.
pub type Params = [(String, Node)];

/// A `${{ … }}` key: its inside, trimmed.
fn directive(key: &Node) -> Option<&str> {
    let t = key.text()?.trim();
    let inner = t.strip_prefix("${{")?.strip_suffix("}}")?;
    Some(inner.trim())
}

/// Evaluates the expressions under `node`; `warnings` gets one line per
/// expression that could not be evaluated.
pub fn evaluate(node: &Node, params: &Params, file: &str, warnings: &mut Vec<String>) -> Node {
    let kind = match &node.kind {
        Kind::List(items) => Kind::List(list(items, params, file, warnings)),
        Kind::Map(entries) => Kind::Map(map(entries, params, file, warnings)),
        other => other.clone(),
    };
    Node::new(kind, node.line, node.column)
}

/// Which branch of an `if` / `elseif` / `else` chain is taken.
#[derive(Clone, Copy, PartialEq)]
enum Chain {
    /// No chain open (the previous entry was not a conditional).
    None,
    /// A branch of the open chain was taken: the rest are skipped.
    Taken,
    /// No branch taken yet.
    Open,
    /// A condition could not be evaluated: the rest of the chain is unknown too.
    Unknown,
}

/// Decides a conditional key; `Some(true)`: insert its value.
fn branch(
    key: &Node,
    d: &str,
    chain: &mut Chain,
    params: &Params,
    file: &str,
    warnings: &mut Vec<String>,
) -> Option<bool> {
    let (word, cond) = match d.split_once(char::is_whitespace) {
        Some((w, c)) => (w, c.trim()),
        None => (d, ""),
    };
    let follows = matches!(word, "elseif" | "else");
    if follows && *chain == Chain::None {
        warnings.push(format!(
            "warning: {file}:{}: `{word}` without an `if` before it; its content was left out",
            key.line
        ));
        return Some(false);
    }
    if follows && matches!(*chain, Chain::Taken | Chain::Unknown) {
        return Some(false);
    }
    let value = if word == "else" {
        Some(true)
    } else {
        condition(cond, params)
    };
    match value {
        Some(v) => {
            *chain = if v { Chain::Taken } else { Chain::Open };
            Some(v)
        }
        None => {
            *chain = Chain::Unknown;
            warnings.push(format!(
                "warning: {file}:{}: the template expression `${{{{ {d} }}}}` is not evaluated (only eq, ne, and, or, not, length, startsWith, endsWith, contains, in and notIn over literals, parameters and the branch's variables are); its content was left out",
                key.line
            ));
            Some(false)
        }
    }
}

fn is_conditional(d: &str) -> bool {
    ["if ", "elseif ", "else"]
        .iter()
        .any(|w| d.starts_with(w) || d == "else")
}

fn list(items: &[Node], params: &Params, file: &str, warnings: &mut Vec<String>) -> Vec<Node> {
    let mut out = Vec::new();
    let mut chain = Chain::None;
    for it in items {
        let single = match &it.kind {
            Kind::Map(e) if e.len() == 1 => directive(&e[0].0).map(|d| (d, &e[0].0, &e[0].1)),
            _ => None,
        };
        let Some((d, key, value)) = single else {
            chain = Chain::None;
            out.push(evaluate(it, params, file, warnings));
            continue;
        };
        if is_conditional(d) {
            if branch(key, d, &mut chain, params, file, warnings) == Some(true) {
                splice(&mut out, value, params, file, warnings);
            }
            continue;
        }
        chain = Chain::None;
        if let Some(rest) = d.strip_prefix("each ") {
            match each(rest, params) {
                Some((var, values)) => {
                    for v in values {
                        let body = bind(value, &var, &v);
                        splice(&mut out, &body, params, file, warnings);
                    }
                }
                None => warnings.push(format!(
                    "warning: {file}:{}: `${{{{ {d} }}}}` loops over something other than a parameter list; its content was left out",
                    key.line
                )),
            }
            continue;
        }
        // Another whole-item expression (`${{ parameters.extraStages }}` was
        // already substituted): kept, so the reader warns about what it finds.
        out.push(evaluate(it, params, file, warnings));
    }
    out
}

/// The value of a taken branch or loop pass, spliced into a list.
fn splice(
    out: &mut Vec<Node>,
    value: &Node,
    params: &Params,
    file: &str,
    warnings: &mut Vec<String>,
) {
    match &value.kind {
        Kind::List(items) => out.extend(list(items, params, file, warnings)),
        Kind::Null => {}
        _ => out.push(evaluate(value, params, file, warnings)),
    }
}

fn map(
    entries: &[(Node, Node)],
    params: &Params,
    file: &str,
    warnings: &mut Vec<String>,
) -> Vec<(Node, Node)> {
    let mut out = Vec::new();
    let mut chain = Chain::None;
    for (k, v) in entries {
        let Some(d) = directive(k) else {
            chain = Chain::None;
            out.push((k.clone(), evaluate(v, params, file, warnings)));
            continue;
        };
        if is_conditional(d) {
            if branch(k, d, &mut chain, params, file, warnings) == Some(true) {
                match &v.kind {
                    Kind::Map(inner) => out.extend(map(inner, params, file, warnings)),
                    _ => warnings.push(format!(
                        "warning: {file}:{}: `${{{{ {d} }}}}` inside a mapping should hold keys; its content was left out",
                        k.line
                    )),
                }
            }
            continue;
        }
        chain = Chain::None;
        if d == "insert" {
            // `${{ insert }}: ${{ parameters.X }}` (already substituted) merges a mapping's keys here.
            match &v.kind {
                Kind::Map(inner) => out.extend(map(inner, params, file, warnings)),
                Kind::Null => {}
                _ => warnings.push(format!(
                    "warning: {file}:{}: `${{{{ insert }}}}` is given no mapping of keys; its content was left out",
                    k.line
                )),
            }
            continue;
        }
        if let Some(rest) = d.strip_prefix("each ") {
            // Keys repeated per item (a matrix's legs), each pass evaluated in turn.
            match (each(rest, params), &v.kind) {
                (Some((var, values)), Kind::Map(_)) => {
                    for val in values {
                        if let Kind::Map(inner) = &bind(v, &var, &val).kind {
                            out.extend(map(inner, params, file, warnings));
                        }
                    }
                }
                (None, _) => warnings.push(format!(
                    "warning: {file}:{}: `${{{{ {d} }}}}` loops over something other than a parameter list; its content was left out",
                    k.line
                )),
                _ => warnings.push(format!(
                    "warning: {file}:{}: `${{{{ {d} }}}}` inside a mapping should hold keys; its content was left out",
                    k.line
                )),
            }
            continue;
        }
        warnings.push(format!(
            "warning: {file}:{}: the template expression `${{{{ {d} }}}}` as a key is not evaluated; its content was left out",
            k.line
        ));
    }
    out
}

/// `x in parameters.list`: the loop variable and the list's items.
fn each(rest: &str, params: &Params) -> Option<(String, Vec<Node>)> {
    let (var, src) = rest.split_once(" in ")?;
    if src.trim() == "parameters" {
        // Every parameter as `key`/`value`: a template passing its own on.
        return Some((var.trim().to_string(), all_params(params)));
    }
    let name = src.trim().strip_prefix("parameters.")?;
    let (_, value) = params.iter().find(|(n, _)| n == name)?;
    let items = match &value.kind {
        Kind::List(items) => items.clone(),
        // `each` over a mapping gives `x.key` and `x.value`.
        Kind::Map(entries) => entries
            .iter()
            .map(|(k, v)| {
                Node::new(
                    Kind::Map(vec![
                        (text_node("key", k), k.clone()),
                        (text_node("value", v), v.clone()),
                    ]),
                    k.line,
                    k.column,
                )
            })
            .collect(),
        _ => return None,
    };
    Some((var.trim().to_string(), items))
}

/// The template's parameters as `key`/`value` mappings, leaving out the
/// known variables (their names have a dot, which no parameter's has).
fn all_params(params: &Params) -> Vec<Node> {
    params
        .iter()
        .filter(|(n, _)| !n.contains('.'))
        .map(|(n, v)| {
            let k = text_node(n, v);
            Node::new(
                Kind::Map(vec![
                    (text_node("key", v), k),
                    (text_node("value", v), v.clone()),
                ]),
                v.line,
                v.column,
            )
        })
        .collect()
}

fn text_node(s: &str, at: &Node) -> Node {
    Node::new(Kind::Text(s.into()), at.line, at.column)
}

/// Replaces `${{ var }}` and `${{ var.field }}` under `node` by the loop value.
fn bind(node: &Node, var: &str, value: &Node) -> Node {
    let kind = match &node.kind {
        Kind::Text(s) => {
            let inner = s
                .trim()
                .strip_prefix("${{")
                .and_then(|t| t.strip_suffix("}}"))
                .map(str::trim);
            if let Some(v) = inner.and_then(|i| lookup(i, var, value)) {
                let mut n = v.clone();
                n.line = node.line;
                n.column = node.column;
                return n;
            }
            Kind::Text(replace_refs(s, var, value))
        }
        Kind::List(items) => Kind::List(items.iter().map(|i| bind(i, var, value)).collect()),
        Kind::Map(e) => Kind::Map(
            e.iter()
                .map(|(k, v)| (bind(k, var, value), bind(v, var, value)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node::new(kind, node.line, node.column)
}

/// `var` or `var.a.b` as a node of the loop value.
fn lookup<'a>(path: &str, var: &str, value: &'a Node) -> Option<&'a Node> {
    let rest = path.strip_prefix(var)?;
    if rest.is_empty() {
        return Some(value);
    }
    let mut cur = value;
    for seg in rest.strip_prefix('.')?.split('.') {
        cur = cur.get(seg)?;
    }
    Some(cur)
}

/// `${{ var }}` / `${{ var.x }}` inside a longer text (`deploy_${{ env }}`).
fn replace_refs(s: &str, var: &str, value: &Node) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${{") {
        let Some(j) = rest[i..].find("}}") else { break };
        let inner = rest[i + 3..i + j].trim();
        out.push_str(&rest[..i]);
        match lookup(inner, var, value).and_then(Node::scalar) {
            Some(t) => out.push_str(&t),
            // An expression using the loop value (`if eq(env.name, 'prod')`):
            // the value goes in as a literal, so the condition can be decided.
            None => {
                out.push_str("${{ ");
                out.push_str(&literal_refs(inner, var, value));
                out.push_str(" }}");
            }
        }
        rest = &rest[i + j + 2..];
    }
    out.push_str(rest);
    out
}

/// `inner` with each `var` / `var.field` outside quotes replaced by its value
/// as a literal (`'text'`, a number, `true`); references it cannot resolve stay.
fn literal_refs(inner: &str, var: &str, value: &Node) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        let found = (token.as_str() == var || token.starts_with(&format!("{var}.")))
            .then(|| lookup(token, var, value))
            .flatten();
        match found.map(|n| &n.kind) {
            Some(Kind::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            Some(Kind::Number(x)) => out.push_str(&x.to_string()),
            Some(Kind::Text(t)) => {
                out.push('\'');
                out.push_str(&t.replace('\'', "''"));
                out.push('\'');
            }
            _ => out.push_str(token),
        }
        token.clear();
    };
    for c in inner.chars() {
        if c == '\'' {
            flush(&mut token, &mut out);
            quoted = !quoted;
            out.push(c);
        } else if !quoted && (c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// Evaluates a condition; `None` when it uses anything not known before a run.
fn condition(text: &str, params: &Params) -> Option<bool> {
    let mut p = Parser {
        s: text,
        i: 0,
        params,
    };
    let v = p.expr()?;
    p.skip();
    (p.i == p.s.len()).then(|| v.truthy())
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
    params: &'a Params,
}

impl Parser<'_> {
    fn skip(&mut self) {
        while self.s[self.i..].starts_with(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip();
        if self.s[self.i..].starts_with(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> &str {
        self.skip();
        let start = self.i;
        let rest = &self.s[self.i..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(rest.len());
        self.i += len;
        &self.s[start..start + len]
    }

    fn expr(&mut self) -> Option<Val> {
        self.skip();
        if self.s[self.i..].starts_with('\'') {
            // A string literal; `''` inside it is one quote.
            let mut text = String::new();
            let mut j = self.i + 1;
            loop {
                let end = j + self.s[j..].find('\'')?;
                text.push_str(&self.s[j..end]);
                if self.s[end + 1..].starts_with('\'') {
                    text.push('\'');
                    j = end + 2;
                } else {
                    self.i = end + 1;
                    return Some(Val::Text(text));
                }
            }
        }
        let w = self.word().to_string();
        if w.is_empty() {
            return None;
        }
        if self.eat('(') {
            let mut args = Vec::new();
            if !self.eat(')') {
                loop {
                    args.push(self.expr()?);
                    if self.eat(')') {
                        break;
                    }
                    if !self.eat(',') {
                        return None;
                    }
                }
            }
            return call(&w.to_ascii_lowercase(), &args);
        }
        if w.eq_ignore_ascii_case("variables") && self.eat('[') {
            // `variables['Build.SourceBranch']`: known only when given.
            let Val::Text(name) = self.expr()? else {
                return None;
            };
            return self.eat(']').then(|| self.variable(&name))?;
        }
        if let Some(name) = w
            .split_once('.')
            .filter(|(v, _)| v.eq_ignore_ascii_case("variables"))
            .map(|(_, n)| n.to_string())
        {
            return self.variable(&name);
        }
        if let Some(name) = w.strip_prefix("parameters.") {
            let (_, node) = self.params.iter().find(|(n, _)| n == name)?;
            return match &node.kind {
                Kind::Bool(b) => Some(Val::Bool(*b)),
                Kind::Number(x) => Some(Val::Num(*x)),
                Kind::Text(t) => Some(Val::Text(t.clone())),
                Kind::List(items) => Some(Val::Items(items.len())),
                Kind::Map(entries) => Some(Val::Items(entries.len())),
                Kind::Null => Some(Val::Items(0)),
            };
        }
        match w.to_ascii_lowercase().as_str() {
            "true" => Some(Val::Bool(true)),
            "false" => Some(Val::Bool(false)),
            _ => w.parse().ok().map(Val::Num),
        }
    }
}

impl Parser<'_> {
    /// A variable known before the run (the branch's, given as a parameter
    /// named `variables.NAME`); `None` for any other.
    fn variable(&self, name: &str) -> Option<Val> {
        let key = format!("variables.{name}");
        let (_, node) = self
            .params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&key))?;
        node.scalar().map(Val::Text)
    }
}

/// A string test, case-insensitive as Azure's.
fn text_test(f: &str, args: &[Val]) -> Option<bool> {
    let t: Vec<String> = args.iter().map(|a| a.text().to_lowercase()).collect();
    Some(match (f, t.as_slice()) {
        ("startswith", [a, b]) => a.starts_with(b.as_str()),
        ("endswith", [a, b]) => a.ends_with(b.as_str()),
        ("contains", [a, b]) => a.contains(b.as_str()),
        ("in", [a, rest @ ..]) if !rest.is_empty() => rest.contains(a),
        ("notin", [a, rest @ ..]) if !rest.is_empty() => !rest.contains(a),
        _ => return None,
    })
}

fn call(f: &str, args: &[Val]) -> Option<Val> {
    if let Some(b) = text_test(f, args) {
        return Some(Val::Bool(b));
    }
    if let ("length", [a]) = (f, args) {
        return Some(Val::Num(match a {
            Val::Items(n) => *n as f64,
            Val::Text(s) => s.chars().count() as f64,
            _ => return None,
        }));
    }
    Some(Val::Bool(match (f, args) {
        ("eq", [a, b]) => a.equals(b),
        ("ne", [a, b]) => !a.equals(b),
        ("not", [a]) => !a.truthy(),
        ("and", a) if a.len() >= 2 => a.iter().all(Val::truthy),
        ("or", a) if a.len() >= 2 => a.iter().any(Val::truthy),
        _ => return None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Vec<(String, Node)> {
        let n = |k| Node::new(k, 1, 1);
        vec![
            ("prod".into(), n(Kind::Bool(true))),
            ("region".into(), n(Kind::Text("EU".into()))),
            ("count".into(), n(Kind::Number(2.0))),
        ]
    }

    #[test]
    fn conditions_over_literals_and_parameters() {
        let p = params();
        let c = |s| condition(s, &p);
        assert_eq!(c("eq(parameters.prod, true)"), Some(true));
        assert_eq!(c("eq(parameters.region, 'eu')"), Some(true));
        assert_eq!(c("ne(parameters.region, 'us')"), Some(true));
        assert_eq!(
            c("and(eq(parameters.count, 2), not(eq(parameters.prod, false)))"),
            Some(true)
        );
        assert_eq!(c("or(false, eq(parameters.count, '3'))"), Some(false));
        assert_eq!(c("parameters.prod"), Some(true));
        // Not known before a run: variables, other functions, unknown parameters.
        assert_eq!(c("eq(variables['Build.Reason'], 'Schedule')"), None);
        assert_eq!(c("eq(parameters.nope, 1)"), None);
        // String tests, case-insensitive as Azure's.
        assert_eq!(c("startsWith(parameters.region, 'E')"), Some(true));
        assert_eq!(c("in(parameters.region, 'us', 'EU')"), Some(true));
        assert_eq!(c("notIn(parameters.region, 'us', 'eu')"), Some(false));
        // A variable the caller knows (the branch's) is read, either spelling.
        let mut p = params();
        p.push((
            "variables.Build.SourceBranch".into(),
            Node::new(Kind::Text("refs/heads/main".into()), 1, 1),
        ));
        let c = |s| condition(s, &p);
        assert_eq!(
            c("eq(variables['Build.SourceBranch'], 'refs/heads/main')"),
            Some(true)
        );
        assert_eq!(
            c("ne(variables.build.sourceBranch, 'refs/heads/main')"),
            Some(false)
        );
        assert_eq!(c("eq(variables['Build.Reason'], 'Schedule')"), None);
    }

    /// In an `each` loop the loop value may be used inside a condition: it
    /// goes in as a literal, so the condition is decided per pass.
    #[test]
    fn a_loop_value_inside_a_condition_is_decided() {
        let n = |k| Node::new(k, 1, 1);
        let env = n(Kind::Map(vec![
            (
                n(Kind::Text("name".into())),
                n(Kind::Text("it's dev".into())),
            ),
            (n(Kind::Text("gate".into())), n(Kind::Bool(true))),
        ]));
        let text = "${{ if and(eq(environment.name, 'it''s dev'), environment.gate, \
                    ne(parameters.region, 'environment.name')) }}";
        let bound = replace_refs(text, "environment", &env);
        assert_eq!(
            bound,
            "${{ if and(eq('it''s dev', 'it''s dev'), true, ne(parameters.region, 'environment.name')) }}"
        );
        let key = n(Kind::Text(bound));
        let inner = directive(&key).expect("a directive");
        let cond = inner.strip_prefix("if ").expect("an if");
        assert_eq!(condition(cond, &params()), Some(true));
    }

    #[test]
    fn each_as_a_mapping_key_repeats_the_keys_and_length_counts() {
        // The shape of microsoft/terminal's job-build-project.yml matrix.
        let root: Node = serde_saphyr::from_str(
            "matrix:
  ${{ each config in parameters.configs }}:
    ${{ each platform in parameters.platforms }}:
      ${{ config }}_${{ platform }}:
        BuildPlatform: ${{ platform }}
        ${{ if eq(platform, 'x86') }}:
          Output: Win32
${{ if ne(length(parameters.pool), 0) }}:
  pool: ${{ parameters.pool }}
${{ if eq(length(parameters.platforms), 2) }}:
  two: ok
job:
  name: build
  ${{ insert }}: ${{ parameters.extra }}
",
        )
        .unwrap();
        let n = |k| Node::new(k, 1, 1);
        let list = |v: &[&str]| {
            n(Kind::List(
                v.iter().map(|s| n(Kind::Text((*s).into()))).collect(),
            ))
        };
        let params = vec![
            ("configs".to_string(), list(&["Release", "Debug"])),
            ("platforms".to_string(), list(&["x64", "x86"])),
            ("pool".to_string(), n(Kind::Map(Vec::new()))),
            (
                "extra".to_string(),
                n(Kind::Map(vec![(
                    n(Kind::Text("timeoutInMinutes".into())),
                    n(Kind::Number(90.0)),
                )])),
            ),
        ];
        let mut warnings = Vec::new();
        let root = crate::import::tree::substitute(&root, &params);
        let out = evaluate(&root, &params, "t.yml", &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        let legs: Vec<String> = out
            .get("matrix")
            .and_then(Node::entries)
            .unwrap()
            .iter()
            .map(|(k, _)| k.scalar().unwrap())
            .collect();
        assert_eq!(
            legs,
            ["Release_x64", "Release_x86", "Debug_x64", "Debug_x86"]
        );
        let x86 = out.get("matrix").and_then(|m| m.get("Debug_x86")).unwrap();
        assert_eq!(x86.get("Output").and_then(Node::text), Some("Win32"));
        assert!(
            out.get("matrix")
                .and_then(|m| m.get("Debug_x64"))
                .unwrap()
                .get("Output")
                .is_none()
        );
        // An empty object parameter has length 0; a two-item list 2.
        assert!(out.get("pool").is_none());
        let job = out.get("job").unwrap();
        assert_eq!(
            job.get("timeoutInMinutes").and_then(Node::number),
            Some(90.0)
        );
        assert_eq!(job.get("name").and_then(Node::text), Some("build"));
        assert_eq!(out.get("two").and_then(Node::scalar).as_deref(), Some("ok"));
    }
}
