//! Writes a scenario tree back as block YAML, with comment lines above the
//! keys that calibration set (the n, estimate and interval of each fit).

use std::collections::HashMap;

use crate::experiment::overrides::Node;

/// Block YAML for `tree`; `comments` maps a dotted path (list elements by
/// their `name`, as in `--set`) to the lines written above its key.
pub fn emit(tree: &Node, comments: &HashMap<String, Vec<String>>) -> String {
    let mut out = String::new();
    node(&mut out, tree, 0, "", comments);
    out
}

fn node(
    out: &mut String,
    n: &Node,
    indent: usize,
    path: &str,
    comments: &HashMap<String, Vec<String>>,
) {
    let pad = " ".repeat(indent);
    match n {
        Node::Map(m) => {
            for (k, v) in m {
                let here = join(path, k);
                if let Some(lines) = comments.get(&here) {
                    for l in lines {
                        out.push_str(&format!("{pad}# {l}\n"));
                    }
                }
                if is_block(v) || has_comments(v, &here, comments) {
                    out.push_str(&format!("{pad}{}:\n", key(k)));
                    node(out, v, indent + 2, &here, comments);
                } else {
                    out.push_str(&format!("{pad}{}: {}\n", key(k), flow(v)));
                }
            }
        }
        Node::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let name = match item {
                    Node::Map(m) => m.iter().find(|(k, _)| k == "name").map(|(_, v)| v.text()),
                    _ => None,
                };
                let here = join(path, &name.unwrap_or_else(|| i.to_string()));
                if let Some(lines) = comments.get(&here) {
                    for l in lines {
                        out.push_str(&format!("{pad}# {l}\n"));
                    }
                }
                if is_block(item) {
                    // The element's first line follows the dash.
                    let mut inner = String::new();
                    node(&mut inner, item, indent + 2, &here, comments);
                    let body = inner.strip_prefix(&format!("{pad}  ")).unwrap_or(&inner);
                    out.push_str(&format!("{pad}- {body}"));
                } else {
                    out.push_str(&format!("{pad}- {}\n", flow(item)));
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", flow(other))),
    }
}

fn join(path: &str, seg: &str) -> String {
    if path.is_empty() {
        seg.to_string()
    } else {
        format!("{path}.{seg}")
    }
}

/// Whether a key of the map `n` (at `path`) has comment lines: a flow
/// mapping has no place for them, so the map goes in block style.
fn has_comments(n: &Node, path: &str, comments: &HashMap<String, Vec<String>>) -> bool {
    match n {
        Node::Map(m) => m.iter().any(|(k, _)| comments.contains_key(&join(path, k))),
        _ => false,
    }
}

/// Non-empty maps and lists of maps go in block style; the rest in flow style.
fn is_block(n: &Node) -> bool {
    match n {
        Node::Map(m) => !m.is_empty() && !m.iter().all(|(_, v)| is_scalar(v)) || m.len() > 3,
        Node::Seq(v) => v.iter().any(|x| matches!(x, Node::Map(m) if !m.is_empty())),
        _ => false,
    }
}

fn is_scalar(n: &Node) -> bool {
    !matches!(n, Node::Map(_) | Node::Seq(_))
}

/// Flow YAML: JSON is valid flow YAML, but plain scalars read better.
fn flow(n: &Node) -> String {
    match n {
        Node::Null => "null".into(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::UInt(u) => u.to_string(),
        Node::Float(f) => float(*f),
        Node::Str(s) => scalar(s),
        Node::Seq(v) => format!("[{}]", v.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Node::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", key(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn float(f: f64) -> String {
    if f.is_finite() && f == f.trunc() && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        // Rust's shortest round-trip form; YAML reads it back exactly.
        format!("{f}")
    }
}

fn key(k: &str) -> String {
    scalar(k)
}

/// A string plain when YAML reads it back as the same string, else double-quoted.
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '/'))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !s.ends_with(' ')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::overrides::read_tree;

    #[test]
    fn a_scenario_reads_back_as_the_same_tree() {
        let text = std::fs::read_to_string("scenarios/tailspin.yaml").expect("shipped scenario");
        let tree = read_tree(&text, "tailspin.yaml").expect("parses");
        let mut comments = HashMap::new();
        comments.insert("build.duration".to_string(), vec!["n=3".to_string()]);
        let again = emit(&tree, &comments);
        assert!(again.contains("# n=3\n  duration:"), "{again}");
        assert_eq!(
            read_tree(&again, "again.yaml").expect("reads back"),
            tree,
            "{again}"
        );
    }
}
