//! `${{ variables.NAME }}`: a template expression naming a variable the
//! YAML sets (pipeline, stage or job `variables`, a literal value) is
//! replaced by that value, as Azure does when it expands templates. A job's
//! own variables hide its stage's, and a stage's hide the pipeline's.
//! Variable groups and variables set at run time are not known then: their expressions stay as written. A variable
//! template (`- template: vars.yml`, a file in the repository with its own
//! `variables:`) is read in place, as Azure reads it; a variable group
//! (`- group: name`) is set in Azure DevOps, and is noted once.

use std::path::Path;

use super::Reader;
use crate::error::InputError;
use crate::import::MAX_TEMPLATE_DEPTH;
use crate::import::tree::{Kind, Node};

/// Sets `name` to `value`: a later definition replaces an earlier one, as
/// in Azure (a template's value, then the pipeline's own after it).
fn set(vars: &mut Vec<(String, String)>, name: String, value: String) {
    vars.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
    vars.push((name, value));
}

impl Reader {
    /// The literal variables a `variables` block of `file` sets, its
    /// variable templates read (relative to `dir`, or from the repository's
    /// root for `/path` and `@self`) and its groups noted.
    pub(super) fn variables(
        &mut self,
        file: &str,
        dir: &Path,
        block: Option<&Node>,
        depth: usize,
    ) -> Result<Vec<(String, String)>, InputError> {
        let Some(b) = block else {
            return Ok(Vec::new());
        };
        let Some(items) = b.list() else {
            return Ok(literal(Some(b)));
        };
        let mut out = Vec::new();
        for i in items {
            if let (Some(n), Some(v)) = (
                i.get("name").and_then(Node::scalar),
                i.get("value").and_then(Node::scalar),
            ) {
                set(&mut out, n, v);
            } else if let Some(g) = i.get("group").and_then(Node::scalar) {
                if !self.groups.contains(&g) {
                    self.groups.push(g);
                }
            } else if i.get("template").is_some() {
                if depth >= MAX_TEMPLATE_DEPTH {
                    return Err(i.error(file, format!("variable templates nest more than {MAX_TEMPLATE_DEPTH} deep (a template that includes itself?)")));
                }
                // A variable template not there (the pipeline imported
                // without its repository) is warned about: the import goes
                // on without its variables, which only fill expressions.
                let read = match self.template(file, i, dir) {
                    Err(e) if e.message.contains("cannot read") => {
                        i.mark_all();
                        self.warnings.push(format!(
                            "warning: {file}:{}: {}: the import goes on without its variables",
                            i.line, e.message
                        ));
                        continue;
                    }
                    other => other?,
                };
                let Some((tfile, filled, tdir)) = read else {
                    continue;
                };
                let inner = self.variables(&tfile, &tdir, filled.get("variables"), depth + 1)?;
                if let Some(v) = filled.get("variables") {
                    v.mark_all();
                }
                for (n, v) in inner {
                    set(&mut out, n, v);
                }
                self.roots.push((tfile, filled));
            }
        }
        Ok(out)
    }
}

impl Reader {
    /// `stages` with `${{ variables.NAME }}` filled as Azure scopes it: a
    /// job's own variables first, then its stage's, then the pipeline's (a
    /// template entry's parameters are the caller's: the pipeline's).
    pub(super) fn fill_stages(
        &mut self,
        file: &str,
        dir: &Path,
        stages: &Node,
    ) -> Result<Node, InputError> {
        let pipeline = self.vars.clone();
        let Some(items) = stages.list() else {
            return Ok(fill(stages, &[&pipeline]));
        };
        let mut out = Vec::with_capacity(items.len());
        for st in items {
            let own = match st.get("variables") {
                Some(block) if st.get("template").is_none() => {
                    self.variables(file, dir, Some(block), 0)?
                }
                _ => Vec::new(),
            };
            let st = match st.get("jobs") {
                Some(jobs) => with_value(st, "jobs", self.job_variables(file, dir, jobs)?),
                None => st.clone(),
            };
            out.push(fill(&st, &[&own, &pipeline]));
        }
        Ok(Node::new(Kind::List(out), stages.line, stages.column))
    }

    /// `jobs`, each job written in it filled with its own `variables` (their
    /// templates read): a job's variables hide the stage's and the
    /// pipeline's, which fill what is left afterwards.
    pub(super) fn job_variables(
        &mut self,
        file: &str,
        dir: &Path,
        jobs: &Node,
    ) -> Result<Node, InputError> {
        let Some(items) = jobs.list() else {
            return Ok(jobs.clone());
        };
        let mut out = Vec::with_capacity(items.len());
        for j in items {
            match j.get("variables") {
                Some(block) if j.get("template").is_none() => {
                    let vars = self.variables(file, dir, Some(block), 0)?;
                    out.push(fill(j, &[&vars]));
                }
                _ => out.push(j.clone()),
            }
        }
        Ok(Node::new(Kind::List(out), jobs.line, jobs.column))
    }
}

/// `node` (a mapping) with `key`'s value replaced.
fn with_value(node: &Node, key: &str, value: Node) -> Node {
    let Kind::Map(entries) = &node.kind else {
        return node.clone();
    };
    let entries = entries
        .iter()
        .map(|(k, v)| match k.text() == Some(key) {
            true => (k.clone(), value.clone()),
            false => (k.clone(), v.clone()),
        })
        .collect();
    Node::new(Kind::Map(entries), node.line, node.column)
}

/// The literal variables a `variables` block sets: the list form
/// (`- name: x, value: v`; groups and templates skipped) or the mapping
/// form (`x: v`).
pub(super) fn literal(block: Option<&Node>) -> Vec<(String, String)> {
    let Some(b) = block else {
        return Vec::new();
    };
    if let Some(items) = b.list() {
        return items
            .iter()
            .filter_map(|i| Some((i.get("name")?.scalar()?, i.get("value")?.scalar()?)))
            .collect();
    }
    b.entries()
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.scalar()?, v.scalar()?)))
        .collect()
}

/// `node` with every `${{ variables.NAME }}` (or `variables['NAME']`) of a
/// known variable replaced by its value; the first of `scopes` to set a name
/// wins.
pub(super) fn fill(node: &Node, scopes: &[&[(String, String)]]) -> Node {
    let kind = match &node.kind {
        Kind::Text(s) if s.contains("${{") => Kind::Text(replace(s, scopes)),
        Kind::List(items) => Kind::List(items.iter().map(|i| fill(i, scopes)).collect()),
        Kind::Map(e) => Kind::Map(
            e.iter()
                .map(|(k, v)| (fill(k, scopes), fill(v, scopes)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node::new(kind, node.line, node.column)
}

fn replace(s: &str, scopes: &[&[(String, String)]]) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let whole = &rest[start..start + len + 2];
        let value = name_of(&whole[3..whole.len() - 2]).and_then(|n| {
            scopes
                .iter()
                .find_map(|sc| sc.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)))
        });
        out.push_str(&rest[..start]);
        match value {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(whole),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// `variables.NAME` or `variables['NAME']`: NAME.
fn name_of(inner: &str) -> Option<&str> {
    let inner = inner.trim();
    if let Some(n) = inner.strip_prefix("variables.") {
        return Some(n.trim());
    }
    inner
        .strip_prefix("variables[")?
        .strip_suffix(']')?
        .trim()
        .strip_prefix('\'')?
        .strip_suffix('\'')
}

#[cfg(test)]
mod tests {
    use super::replace;

    #[test]
    fn known_variables_are_replaced_the_stage_first() {
        let stage = [("Environment".to_string(), "qa".to_string())];
        let pipeline = [
            ("Environment".to_string(), "dev".to_string()),
            ("Container".to_string(), "img:1".to_string()),
        ];
        let scopes: [&[(String, String)]; 2] = [&stage, &pipeline];
        assert_eq!(replace("Ess-${{variables.Environment}}", &scopes), "Ess-qa");
        assert_eq!(replace("${{ variables['container'] }}", &scopes), "img:1");
        // Not set in the YAML (a group's, or the run's): left as written.
        assert_eq!(
            replace("${{ variables.Other }}-x", &scopes),
            "${{ variables.Other }}-x"
        );
    }
}
