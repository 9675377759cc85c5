//! Overrides: `PATH=VALUE` edits of a scenario, and the sweep grid built from them.
//!
//! A scenario file is read into a generic, order-preserving tree ([`Node`]); an
//! override walks a dotted path into it (a segment names a mapping key, a list
//! element by its `name`, or a list element by its 0-based index) and replaces
//! the value there. The edited tree is written back as text and read by
//! [`crate::scenario::parse`], so an overridden scenario passes every check a
//! file does.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::job::{PointHeader, PointSpec, Setting};
use crate::error::InputError;
use crate::model::{self, Model};
use crate::scenario::{self, Scenario};

/// A YAML document as a plain tree; mappings keep their order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// A short description for messages and tables: scalars as written, the rest as flow YAML.
    pub fn text(&self) -> String {
        match self {
            Node::Null => "null".into(),
            Node::Bool(b) => b.to_string(),
            Node::Int(i) => i.to_string(),
            Node::UInt(u) => u.to_string(),
            Node::Float(f) => f.to_string(),
            Node::Str(s) => s.clone(),
            Node::Seq(_) | Node::Map(_) => serde_json::to_string(self).unwrap_or_default(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Node::Null => "empty",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::UInt(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }

    /// Removes a key of a mapping, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        match self {
            Node::Map(m) => {
                let i = m.iter().position(|(k, _)| k == key)?;
                Some(m.remove(i).1)
            }
            _ => None,
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Int(i) => s.serialize_i64(*i),
            Node::UInt(u) => s.serialize_u64(*u),
            Node::Float(f) => s.serialize_f64(*f),
            Node::Str(x) => s.serialize_str(x),
            Node::Seq(v) => {
                let mut q = s.serialize_seq(Some(v.len()))?;
                for x in v {
                    q.serialize_element(x)?;
                }
                q.end()
            }
            Node::Map(m) => {
                let mut q = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    q.serialize_entry(k, v)?;
                }
                q.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a YAML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Node, D2::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element::<Node>()? {
                    v.push(x);
                }
                Ok(Node::Seq(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut m: Vec<(String, Node)> = Vec::new();
                while let Some(k) = a.next_key::<Node>()? {
                    let key = match k {
                        Node::Seq(_) | Node::Map(_) => {
                            return Err(de::Error::custom("a mapping key must be a scalar"));
                        }
                        k => k.text(),
                    };
                    let v = a.next_value::<Node>()?;
                    m.push((key, v));
                }
                Ok(Node::Map(m))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads YAML text into a tree.
pub fn read_tree(source: &str, file: &str) -> Result<Node, InputError> {
    serde_saphyr::from_str::<Node>(source).map_err(|e| {
        let text = e.without_snippet().to_string();
        let first = text.lines().next().unwrap_or("").trim().to_string();
        match e.location() {
            Some(l) => InputError::at(file, l.line(), l.column(), first),
            None => InputError::new(file, first),
        }
    })
}

/// One `PATH=VALUE` edit.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub path: String,
    pub value: Node,
}

impl Override {
    pub fn text(&self) -> String {
        format!("{}={}", self.path, self.value.text())
    }
}

/// What applying an override did, for messages when the result does not parse.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// Holds the value the file had there.
    Replaced(Node),
    /// The last segment was not in the file: a key was added (the scenario
    /// reader refuses it if no such key exists). Holds the keys that were there.
    Added { parent: String, there: Vec<String> },
}

/// Keys that the experiment sets for every point; overriding them is refused.
const FIXED: &[(&str, &str)] = &[
    (
        "run.seed",
        "every point of an experiment runs on the same seed: use --seed",
    ),
    (
        "run.replications",
        "every point of an experiment runs the same replications: use --replications",
    ),
];

/// Applies `o` to `tree`. Errors name the segment that matched nothing and what is there.
pub fn apply(tree: &mut Node, o: &Override) -> Result<Applied, String> {
    if let Some((_, why)) = FIXED.iter().find(|(p, _)| *p == o.path) {
        return Err(format!("{} cannot be overridden: {why}", o.path));
    }
    let segments: Vec<&str> = o.path.split('.').collect();
    if segments.iter().any(|s| s.trim().is_empty()) {
        return Err(format!(
            "{:?} is not a path: write segments separated by dots, e.g. build.agents or stages.test.trigger",
            o.path
        ));
    }
    let mut node = tree;
    let mut here = String::new();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let parent = if here.is_empty() {
            "the top level".to_string()
        } else {
            here.clone()
        };
        node = match node {
            Node::Map(m) => match m.iter().position(|(k, _)| k == seg) {
                Some(j) => &mut m[j].1,
                None if last => {
                    let there = m.iter().map(|(k, _)| k.clone()).collect();
                    m.push((seg.to_string(), o.value.clone()));
                    return Ok(Applied::Added { parent, there });
                }
                None => {
                    let there: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
                    return Err(format!(
                        "{seg:?} names nothing in {parent} (there: {})",
                        list(&there)
                    ));
                }
            },
            Node::Seq(v) => {
                let by_name = v.iter().position(|x| {
                    matches!(x, Node::Map(m) if m.iter().any(|(k, n)| k == "name" && n.text() == *seg))
                });
                let by_index = seg.parse::<usize>().ok().filter(|&j| j < v.len());
                match by_name.or(by_index) {
                    Some(j) => &mut v[j],
                    None => {
                        let names: Vec<String> = v
                            .iter()
                            .filter_map(|x| match x {
                                Node::Map(m) => {
                                    m.iter().find(|(k, _)| k == "name").map(|(_, n)| n.text())
                                }
                                _ => None,
                            })
                            .collect();
                        let names: Vec<&str> = names.iter().map(String::as_str).collect();
                        return Err(format!(
                            "{seg:?} names nothing in the list {parent} (there: {}{})",
                            if names.is_empty() {
                                String::new()
                            } else {
                                format!("{}; or ", list(&names))
                            },
                            if v.is_empty() {
                                "no elements".to_string()
                            } else {
                                format!("indices 0..{}", v.len() - 1)
                            }
                        ));
                    }
                }
            }
            other => {
                return Err(format!(
                    "{seg:?} names nothing: {parent} is {} ({}), with nothing inside; set {parent} itself instead",
                    other.kind(),
                    other.text()
                ));
            }
        };
        if !here.is_empty() {
            here.push('.');
        }
        here.push_str(seg);
    }
    let old = std::mem::replace(node, o.value.clone());
    Ok(Applied::Replaced(old))
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(", ")
    }
}

/// Splits `text` at commas outside quotes and brackets.
fn split_items(text: &str) -> Result<Vec<String>, String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                cur.push(c);
            }
            None => match c {
                '"' | '\'' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '[' | '{' => {
                    depth += 1;
                    cur.push(c);
                }
                ']' | '}' => {
                    depth -= 1;
                    cur.push(c);
                }
                ',' if depth == 0 => items.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            },
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".into());
    }
    if depth != 0 {
        return Err("brackets do not match".into());
    }
    items.push(cur);
    Ok(items)
}

/// Most points one range may give, and one grid may have.
pub const MAX_POINTS: usize = 10_000;

/// Parses `V1,V2,…`: YAML scalars or flow values; `A..B` is the integers A to B
/// inclusive; quoted items stay strings; an unquoted item that is not YAML
/// (e.g. `0 3 * * *`) is taken as a string.
pub fn parse_values(text: &str) -> Result<Vec<Node>, String> {
    let mut out = Vec::new();
    for item in split_items(text)? {
        let item = item.trim();
        if item.is_empty() {
            return Err(if text.trim().is_empty() {
                "no values: write PATH=V1,V2,…".into()
            } else {
                format!("an empty value in {text:?}")
            });
        }
        if let Some((a, b)) = item.split_once("..")
            && let (Ok(a), Ok(b)) = (a.trim().parse::<i64>(), b.trim().parse::<i64>())
        {
            if b < a {
                return Err(format!("the range {item} is empty (write low..high)"));
            }
            if b.checked_sub(a)
                .is_none_or(|d| d as u64 >= MAX_POINTS as u64)
            {
                return Err(format!(
                    "the range {item} has more than {MAX_POINTS} values"
                ));
            }
            out.extend((a..=b).map(|i| {
                if i >= 0 {
                    Node::UInt(i as u64)
                } else {
                    Node::Int(i)
                }
            }));
            continue;
        }
        // YAML 1.2 booleans only: `y`, `no`, `on` stay strings.
        let strict = serde_saphyr::options! { strict_booleans: true };
        let parsed = serde_saphyr::from_str_with_options::<Node>(item, strict);
        let node = match parsed {
            Ok(n) => n,
            Err(e) if item.starts_with(['"', '\'', '{', '[']) => {
                let text = e.without_snippet().to_string();
                return Err(format!(
                    "{item} is not a YAML value: {}",
                    text.lines().next().unwrap_or("").trim()
                ));
            }
            Err(_) => Node::Str(item.to_string()),
        };
        out.push(node);
    }
    Ok(out)
}

/// A `--set PATH=V1,V2,…` argument, or an entry of a scenario's `sweep` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// As the user wrote it, for messages.
    pub arg: String,
    pub path: String,
    pub values: Vec<Node>,
}

impl Dimension {
    /// Parses `PATH=V1,V2,…`.
    pub fn parse(arg: &str) -> Result<Dimension, InputError> {
        let shown = format!("--set {arg}");
        let (path, values) = arg.split_once('=').ok_or_else(|| {
            InputError::new(&shown, "expected PATH=V1,V2,… (e.g. build.agents=1..4)")
        })?;
        let path = path.trim().to_string();
        if path.is_empty() {
            return Err(InputError::new(&shown, "the path before = is empty"));
        }
        let values = parse_values(values).map_err(|m| InputError::new(&shown, m))?;
        Ok(Dimension {
            arg: shown,
            path,
            values,
        })
    }
}

/// The `sweep` section of a scenario tree: `{PATH: [values…]}` or `{PATH: "1..4"}`.
pub fn sweep_section(tree: &Node, file: &str) -> Result<Vec<Dimension>, InputError> {
    let Node::Map(m) = tree else {
        return Ok(Vec::new());
    };
    let Some((_, section)) = m.iter().find(|(k, _)| k == "sweep") else {
        return Ok(Vec::new());
    };
    let Node::Map(entries) = section else {
        return Err(InputError::new(
            file,
            format!(
                "sweep must be a mapping PATH: [values…], found {}",
                section.kind()
            ),
        ));
    };
    let mut dims = Vec::new();
    for (path, v) in entries {
        let arg = format!("sweep.{path}");
        let values = match v {
            Node::Seq(items) => items.clone(),
            Node::Str(s) => {
                parse_values(s).map_err(|m| InputError::new(file, format!("{arg}: {m}")))?
            }
            other => vec![other.clone()],
        };
        if values.is_empty() {
            return Err(InputError::new(file, format!("{arg}: no values")));
        }
        dims.push(Dimension {
            arg,
            path: path.clone(),
            values,
        });
    }
    Ok(dims)
}

/// Every combination of the dimensions' values, the first dimension varying slowest.
pub fn grid(dims: &[Dimension]) -> Result<Vec<Vec<Override>>, String> {
    if dims.is_empty() {
        return Err("the grid is empty: give --set PATH=V1,V2,… or a sweep section".into());
    }
    let mut total: usize = 1;
    for d in dims {
        if d.values.is_empty() {
            return Err(format!("the grid is empty: {} has no values", d.arg));
        }
        total = total.saturating_mul(d.values.len());
    }
    if total > MAX_POINTS {
        return Err(format!(
            "the grid has {total} points, more than the {MAX_POINTS} allowed"
        ));
    }
    let mut points = Vec::with_capacity(total);
    for mut k in 0..total {
        let mut point = vec![
            Override {
                path: String::new(),
                value: Node::Null,
            };
            dims.len()
        ];
        for (j, d) in dims.iter().enumerate().rev() {
            let n = d.values.len();
            point[j] = Override {
                path: d.path.clone(),
                value: d.values[k % n].clone(),
            };
            k /= n;
        }
        points.push(point);
    }
    Ok(points)
}

/// A scenario with overrides applied, checked and compiled.
#[derive(Debug, Clone)]
pub struct Variant {
    pub scenario: Scenario,
    pub model: Model,
    /// The text that was parsed (the file's, or the edited tree's).
    pub text: String,
}

/// Applies `overrides` (each with the argument it came from, for messages) to
/// the tree of `path`, strips any `sweep` section, and parses and compiles the
/// result. Every error is an [`InputError`] naming the override.
pub fn variant(
    tree: &Node,
    path: &Path,
    overrides: &[(&str, &Override)],
) -> Result<Variant, InputError> {
    let file = path.display().to_string();
    let mut t = tree.clone();
    t.remove("sweep");
    let mut added = Vec::new();
    let mut replaced = Vec::new();
    for (arg, o) in overrides {
        match apply(&mut t, o) {
            Ok(Applied::Replaced(old)) => replaced.push((o, old)),
            Ok(Applied::Added { parent, there }) => added.push((arg, o, parent, there)),
            Err(m) => return Err(InputError::new(format!("{arg} ({file})"), m)),
        }
    }
    let text = serde_json::to_string_pretty(&t)
        .map_err(|e| InputError::new(&file, format!("cannot write the edited scenario: {e}")))?;
    let who = || {
        let args: Vec<String> = overrides
            .iter()
            .map(|(a, o)| {
                if a.starts_with("--set") || a.starts_with("sweep.") {
                    format!("{} = {}", o.path, o.value.text())
                } else {
                    a.to_string()
                }
            })
            .collect();
        let origin: Vec<&str> = overrides.iter().map(|(a, _)| *a).collect();
        (args.join(", "), origin.join(", "))
    };
    let fail = |e: InputError| {
        let (set, origin) = who();
        // Positions point into the edited text, not the file: drop them.
        let msg = match e.message.rfind(" at line ") {
            Some(i) if e.message[i..].contains(", column ") => &e.message[..i],
            _ => e.message.as_str(),
        };
        let mut m = format!("{file} with {set}: {msg}");
        for (o, old) in &replaced {
            m.push_str(&format!(" (the file has {} = {})", o.path, old.text()));
        }
        for (_, o, parent, there) in &added {
            let last = o.path.rsplit('.').next().unwrap_or("");
            let there: Vec<&str> = there.iter().map(String::as_str).collect();
            m.push_str(&format!(
                " ({last:?} was not in {parent} of the file, which has: {})",
                list(&there)
            ));
        }
        InputError::new(origin, m)
    };
    let scenario = scenario::parse(&text, path).map_err(fail)?;
    let model = model::compile(&scenario).map_err(fail)?;
    Ok(Variant {
        scenario,
        model,
        text,
    })
}

/// The grid points of a sweep of `source` (the text of `file`): the file's
/// `sweep:` section with each `--set PATH=V1,V2,…` added (or replacing the
/// same path), every point checked and compiled. Gives the overridden paths
/// and the points.
pub fn sweep_points(
    source: &str,
    file: &Path,
    set: &[String],
) -> Result<(Vec<String>, Vec<PointSpec>), InputError> {
    let shown = file.display().to_string();
    // The file itself must be a valid scenario.
    scenario::parse(source, file)?;
    let tree = read_tree(source, &shown)?;
    let mut dims = sweep_section(&tree, &shown)?;
    for arg in set {
        let d = Dimension::parse(arg)?;
        match dims.iter_mut().find(|x| x.path == d.path) {
            Some(x) => *x = d,
            None => dims.push(d),
        }
    }
    let grid = grid(&dims).map_err(|m| {
        InputError::new(
            if set.is_empty() {
                shown.clone()
            } else {
                "--set".into()
            },
            m,
        )
    })?;
    let paths: Vec<String> = dims.iter().map(|d| d.path.clone()).collect();
    let mut out = Vec::with_capacity(grid.len());
    for (k, point) in grid.iter().enumerate() {
        let with_args: Vec<(&str, &Override)> = dims
            .iter()
            .zip(point)
            .map(|(d, o)| (d.arg.as_str(), o))
            .collect();
        let v = match variant(&tree, file, &with_args) {
            Ok(v) => v,
            Err(e) => {
                // Name the one override that is wrong on its own, when there is one.
                for one in &with_args {
                    variant(&tree, file, std::slice::from_ref(one))?;
                }
                return Err(e);
            }
        };
        let settings = point
            .iter()
            .map(|o| Setting {
                path: o.path.clone(),
                value: o.value.text(),
            })
            .collect();
        let label = format!("point-{k}");
        out.push(PointSpec {
            header: PointHeader::new(label, shown.clone(), settings, &v.model),
            model: v.model,
            text: v.text,
        });
    }
    Ok((paths, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_top_level_commas() {
        let v = parse_values(r#""0 3 * * *","0 3,15 * * *""#).unwrap();
        assert_eq!(
            v,
            vec![
                Node::Str("0 3 * * *".into()),
                Node::Str("0 3,15 * * *".into())
            ]
        );
        let v = parse_values("1..3").unwrap();
        assert_eq!(v, vec![Node::UInt(1), Node::UInt(2), Node::UInt(3)]);
        let v = parse_values("{exp: 30m},auto,0.5").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[1], Node::Str("auto".into()));
        assert_eq!(v[2], Node::Float(0.5));
        assert!(parse_values("").is_err());
        assert!(parse_values("3..1").is_err());
        assert!(parse_values("1,,2").is_err());
        assert!(parse_values("-9223372036854775808..9223372036854775807").is_err());
    }

    #[test]
    fn paths_name_keys_list_elements_and_indices() {
        let mut t = read_tree(
            "build: {agents: 2}\nstages:\n  - {name: dev, deploy: {duration: 3m}}\n  - {name: test}\n",
            "x",
        )
        .unwrap();
        let o = |p: &str, v: Node| Override {
            path: p.into(),
            value: v,
        };
        assert_eq!(
            apply(&mut t, &o("build.agents", Node::UInt(4))),
            Ok(Applied::Replaced(Node::UInt(2)))
        );
        apply(
            &mut t,
            &o("stages.dev.deploy.duration", Node::Str("9m".into())),
        )
        .unwrap();
        apply(&mut t, &o("stages.1.trigger", Node::Str("auto".into()))).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains(r#""agents":4"#), "{json}");
        assert!(json.contains(r#""duration":"9m""#), "{json}");
        assert!(json.contains(r#""trigger":"auto""#), "{json}");
        let e = apply(&mut t, &o("stages.prod.deploy", Node::Null)).unwrap_err();
        assert!(e.contains("\"prod\"") && e.contains("dev, test"), "{e}");
        let e = apply(&mut t, &o("bild.agents", Node::Null)).unwrap_err();
        assert!(e.contains("build, stages"), "{e}");
        let e = apply(&mut t, &o("build.agents.x", Node::Null)).unwrap_err();
        assert!(e.contains("a number"), "{e}");
    }

    #[test]
    fn grid_is_row_major() {
        let d = |p: &str, v: &str| Dimension {
            arg: p.into(),
            path: p.into(),
            values: parse_values(v).unwrap(),
        };
        let g = grid(&[d("a", "1,2"), d("b", "x,y,z")]).unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g[1][0].value, Node::UInt(1));
        assert_eq!(g[1][1].value, Node::Str("y".into()));
        assert_eq!(g[3][0].value, Node::UInt(2));
        assert!(grid(&[]).is_err());
    }
}
