//! The one-way flow of `src/lib.rs`, checked on the source: every module may
//! use only the modules listed before it there. Reads each `src/**/*.rs`, finds
//! its `use crate::X` and `crate::X::` references (grouped `use crate::{a, b}`
//! too; comments and `#[cfg(test)]` modules are skipped, since a test may set
//! up from anything) and fails naming file:line for each reference to a later
//! module, and for the few rules the order alone does not express.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// References the order allows but the design does not: (module, module it
/// must not use, why). The engine sees only the compiled model; the report
/// renders the model it is given.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    (
        "engine",
        "scenario",
        "the engine sees only the compiled model",
    ),
    (
        "report",
        "scenario",
        "the report renders the compiled model",
    ),
];

/// Paths the report must not call: it renders results, it does not simulate.
const SIMULATING: &[&str] = &[
    "engine::run",
    "experiment::run",
    "experiment::run_units",
    "experiment::run_units_with",
    "experiment::run_in_order",
    "experiment::stream",
    "experiment::trace",
    "experiment::trace_replications",
];

/// Known violations, each owned by another part of issue 10: (file, module it
/// uses). Delete an entry when its lane lands; the test fails on a stale one.
const ALLOWED: &[(&str, &str)] = &[];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The layer order: the numbered list of `[`module`]` links in lib.rs's docs.
fn layer_order(lib: &str) -> Vec<String> {
    lib.lines()
        .filter_map(|l| l.strip_prefix("//! "))
        .filter_map(|l| {
            let (num, rest) = l.split_once(". [`")?;
            num.trim().parse::<u32>().ok()?;
            Some(rest.split_once('`')?.0.to_string())
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src is readable") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code lines of a file with their 1-based numbers: no comment lines, no
/// top-level `#[cfg(test)]` module (rustfmt closes it with `}` in column 0).
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut in_tests = false;
    for (i, line) in text.lines().enumerate() {
        if in_tests {
            in_tests = line != "}";
            continue;
        }
        if line == "#[cfg(test)]" {
            in_tests = true;
            continue;
        }
        if !line.trim_start().starts_with("//") {
            out.push((i + 1, line));
        }
    }
    out
}

fn ident_end(s: &str) -> usize {
    s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len())
}

/// Every `crate::…` reference in `code`: (line, the path after `crate::`, cut
/// at the first character that is not part of a path). A group
/// `crate::{a::b, c}` gives one path per item.
fn references(code: &[(usize, &str)]) -> Vec<(usize, String)> {
    // Join the lines so a `use` group may span several; remember where each starts.
    let mut text = String::new();
    let mut starts = Vec::new();
    for (n, l) in code {
        starts.push((text.len(), *n));
        text.push_str(l);
        text.push('\n');
    }
    let line_of = |at: usize| {
        let i = starts.partition_point(|(s, _)| *s <= at);
        starts[i - 1].1
    };
    let path_end = |s: &str| {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(s.len())
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = text[from..].find("crate::") {
        let at = from + k;
        from = at + "crate::".len();
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &text[from..];
        if let Some(group) = rest.strip_prefix('{') {
            // Items at depth 0 of the group, each from its start.
            let mut depth = 0;
            let mut item_start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        push_item(&mut out, line_of(at), &group[item_start..i]);
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        push_item(&mut out, line_of(at), &group[item_start..i]);
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            let end = path_end(rest);
            out.push((line_of(at), rest[..end].trim_end_matches(':').to_string()));
        }
    }
    out
}

/// Whether `line` names `path` as a whole path (not `my_engine::run`, not `engine::runner`).
fn calls(line: &str, path: &str) -> bool {
    line.match_indices(path).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + path.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

fn push_item(out: &mut Vec<(usize, String)>, line: usize, item: &str) {
    let item = item.trim();
    let end = ident_end(item);
    if end > 0 && &item[..end] != "self" {
        out.push((line, item[..end].to_string()));
    }
}

/// The top-level module a file belongs to (`src/report/table.rs` → `report`).
fn module_of(rel: &Path) -> Option<String> {
    let mut parts = rel.components().skip(1); // "src"
    let first = parts.next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

#[test]
fn no_module_uses_a_later_one() {
    let root = root();
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("lib.rs");
    let order = layer_order(&lib);
    assert!(order.len() > 10, "no layer list found in lib.rs: {order:?}");
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    // Every module lib.rs declares is placed in the order, and only those.
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    for m in &declared {
        assert!(
            rank.contains_key(m),
            "module {m} is not in lib.rs's layer list"
        );
    }
    for m in &order {
        assert!(
            declared.contains(&m.as_str()),
            "layer list names {m}, which lib.rs does not declare"
        );
    }

    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut used_allowances = vec![false; ALLOWED.len()];
    for f in &files {
        let rel = f.strip_prefix(&root).expect("under the root");
        let shown = rel.display().to_string().replace('\\', "/");
        if shown == "src/lib.rs" || shown == "src/main.rs" {
            continue;
        }
        let module = module_of(rel).expect("a module");
        let Some(&own) = rank.get(module.as_str()) else {
            problems.push(format!(
                "{shown}: module {module} is not in lib.rs's layer list"
            ));
            continue;
        };
        let text = std::fs::read_to_string(f).expect("readable");
        let code = code_lines(&text);
        if module == "report" {
            // Also through an imported module name: `use crate::experiment; experiment::trace(…)`.
            for (line, l) in &code {
                if let Some(p) = SIMULATING.iter().find(|p| calls(l, p)) {
                    problems.push(format!(
                        "{shown}:{line}: {p}: the report calls it: it renders, it does not simulate"
                    ));
                }
            }
        }
        for (line, path) in references(&code) {
            let target = &path[..ident_end(&path)];
            let mut why = None;
            match rank.get(target) {
                None => why = Some(format!("unknown module {target}")),
                Some(&t) if t > own => {
                    why = Some(format!(
                        "{module} uses {target}, which comes later in the flow"
                    ))
                }
                _ => {}
            }
            if let Some((_, _, reason)) = FORBIDDEN
                .iter()
                .find(|(m, t, _)| *m == module && *t == target)
            {
                why = Some(format!("{module} uses {target}: {reason}"));
            }
            let Some(why) = why else { continue };
            if let Some(i) = ALLOWED
                .iter()
                .position(|(f, t)| *f == shown && *t == target)
            {
                used_allowances[i] = true;
                continue;
            }
            problems.push(format!("{shown}:{line}: crate::{path}: {why}"));
        }
    }
    for (i, used) in used_allowances.iter().enumerate() {
        if !used {
            problems.push(format!(
                "allow-list entry {:?} is no longer needed: delete it from tests/layers.rs",
                ALLOWED[i]
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the one-way flow of src/lib.rs is broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_finds_grouped_and_inline_references() {
    let text = "//! use crate::cli;\nuse crate::{\n    report::table::{self, fmt},\n    self,\n    metrics,\n};\nfn f() { crate::engine::run(m); }\nuse crate::experiment::trace;\n#[cfg(test)]\nmod tests {\n    use crate::cli;\n}\nuse crate::check;\n";
    assert!(calls(
        "    let r = experiment::trace(m, 0);",
        "experiment::trace"
    ));
    assert!(!calls(
        "    experiment::trace_replications(m, 1)",
        "experiment::trace"
    ));
    assert!(!calls("    my_engine::run()", "engine::run"));
    let refs = references(&code_lines(text));
    let got: Vec<(usize, &str)> = refs.iter().map(|(l, p)| (*l, p.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (2, "report"),
            (2, "metrics"),
            (7, "engine::run"),
            (8, "experiment::trace"),
            (13, "check"),
        ]
    );
}
