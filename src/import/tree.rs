//! A pipeline file as a tree of positioned values, read by serde-saphyr.
//!
//! Pipeline formats are loose (Azure's `trigger` is `none`, a list or a
//! mapping; `dependsOn` a string or a list), so the importers walk a generic
//! tree rather than fixed structs, and every node keeps its line and column:
//! what an importer does not read is warned about by position, never dropped
//! silently.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::error::InputError;

/// One value of the file and where it was written (1-based line and column).
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub line: u64,
    pub column: u64,
    /// Set when an importer reads the node (for the unknown-key warnings).
    used: Cell<bool>,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Node>),
    /// Keys in file order, each with its own position.
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn new(kind: Kind, line: u64, column: u64) -> Node {
        Node {
            kind,
            line,
            column,
            used: Cell::new(false),
        }
    }

    /// The value under `key` of a mapping, marked as read.
    pub fn get(&self, key: &str) -> Option<&Node> {
        let Kind::Map(entries) = &self.kind else {
            return None;
        };
        let (k, v) = entries.iter().find(|(k, _)| k.text() == Some(key))?;
        k.used.set(true);
        v.used.set(true);
        Some(v)
    }

    /// Marks a key as read though its value has no effect on the model
    /// (a display name, a service name), so it is not warned about.
    pub fn known(&self, keys: &[&str]) {
        for k in keys {
            if let Some(v) = self.get(k) {
                v.mark_all();
            }
        }
    }

    /// Marks this node (a key) as read.
    pub fn touch(&self) {
        self.used.set(true);
    }

    /// Marks this node and everything under it as read.
    pub fn mark_all(&self) {
        self.used.set(true);
        match &self.kind {
            Kind::List(items) => items.iter().for_each(Node::mark_all),
            Kind::Map(entries) => entries.iter().for_each(|(k, v)| {
                k.used.set(true);
                v.mark_all();
            }),
            _ => {}
        }
    }

    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Text(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (numbers and booleans as written in YAML 1.2).
    pub fn scalar(&self) -> Option<String> {
        match &self.kind {
            Kind::Text(s) => Some(s.clone()),
            Kind::Number(x) => Some(x.to_string()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn number(&self) -> Option<f64> {
        match &self.kind {
            Kind::Number(x) => Some(*x),
            Kind::Text(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn boolean(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            Kind::Text(s) => match s.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    pub fn list(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// A list, or a single value read as a one-item list (`dependsOn: Dev`).
    pub fn one_or_many(&self) -> Vec<&Node> {
        match &self.kind {
            Kind::List(items) => items.iter().collect(),
            Kind::Null => Vec::new(),
            _ => vec![self],
        }
    }

    /// Every key (anywhere under this node) that no importer read, with its position.
    pub fn unread(&self, path: &str, out: &mut Vec<(u64, String)>) {
        match &self.kind {
            Kind::List(items) => {
                for (i, it) in items.iter().enumerate() {
                    it.unread(&format!("{path}[{i}]"), out);
                }
            }
            Kind::Map(entries) => {
                for (k, v) in entries {
                    let name = k.scalar().unwrap_or_else(|| "?".into());
                    let here = if path.is_empty() {
                        name
                    } else {
                        format!("{path}.{name}")
                    };
                    if !k.used.get() {
                        out.push((k.line, here));
                    } else {
                        v.unread(&here, out);
                    }
                }
            }
            _ => {}
        }
    }

    /// An error at this node, naming the file.
    pub fn error(&self, file: &str, message: impl Into<String>) -> InputError {
        if self.line > 0 {
            InputError::at(file, self.line, self.column, message)
        } else {
            InputError::new(file, message)
        }
    }

    /// A text value, or an error at the node.
    pub fn need_text(&self, file: &str, what: &str) -> Result<&str, InputError> {
        self.text()
            .ok_or_else(|| self.error(file, format!("expected {what} as text")))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<KindOf>::deserialize(d)?;
        Ok(Node::new(
            s.value.0,
            s.referenced.line(),
            s.referenced.column(),
        ))
    }
}

/// The kind of a node, read with `deserialize_any`; a separate type so the
/// node's position comes from `Spanned`.
struct KindOf(Kind);

impl<'de> Deserialize<'de> for KindOf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor).map(KindOf)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        d.deserialize_any(KindVisitor)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        Ok(Kind::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Kind, E> {
        Ok(Kind::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Text(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Kind::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut entries = Vec::new();
        // Keys are read as text: GitHub's `on:` stays the word `on`, not YAML 1.1's true.
        while let Some(k) = map.next_key::<Spanned<String>>()? {
            let key = Node::new(
                Kind::Text(k.value),
                k.referenced.line(),
                k.referenced.column(),
            );
            let v = map.next_value::<Node>()?;
            entries.push((key, v));
        }
        Ok(Kind::Map(entries))
    }
}

/// Replaces `${{ parameters.NAME }}` in every text value (Azure template
/// parameters); a whole-value reference takes the parameter's node as is.
pub fn substitute(node: &Node, params: &[(String, Node)]) -> Node {
    let kind = match &node.kind {
        Kind::Text(s) => {
            let whole = s.trim();
            if let Some(p) = params
                .iter()
                .find(|(n, _)| whole == format!("${{{{ parameters.{n} }}}}"))
            {
                let mut n = p.1.clone();
                n.line = node.line;
                n.column = node.column;
                return n;
            }
            let mut t = s.clone();
            for (n, v) in params {
                if let Some(text) = v.scalar() {
                    t = t.replace(&format!("${{{{ parameters.{n} }}}}"), &text);
                    t = t.replace(&format!("${{{{parameters.{n}}}}}"), &text);
                }
            }
            Kind::Text(t)
        }
        Kind::List(items) => Kind::List(items.iter().map(|i| substitute(i, params)).collect()),
        Kind::Map(entries) => Kind::Map(
            entries
                .iter()
                .map(|(k, v)| (substitute(k, params), substitute(v, params)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node::new(kind, node.line, node.column)
}
