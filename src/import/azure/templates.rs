//! Azure templates: `- template: x.yml` in stage, job and step lists and
//! `extends: {template: …}`, read relative to the including file with their
//! parameters filled in and their template expressions evaluated
//! ([`crate::import::expr`]). A template in another repository (`x.yml@repo`)
//! cannot be read: it is warned about and the import goes on without it.

use std::path::{Path, PathBuf};

use super::{Item, Reader};
use crate::error::InputError;
use crate::import::expr;
use crate::import::tree::{Node, substitute};
use crate::import::{MAX_TEMPLATE_DEPTH, read_one};

/// A file's declared `parameters` with their defaults: Azure's list form
/// (`- name: x, default: v`) or the older mapping form (`x: v`).
pub(super) fn declared(root: &Node) -> Vec<(String, Node)> {
    let mut params: Vec<(String, Node)> = Vec::new();
    if let Some(decl) = root.get("parameters") {
        decl.mark_all();
        for p in decl.one_or_many() {
            match (p.get("name").and_then(Node::text), p.get("default")) {
                (Some(n), Some(def)) => params.push((n.to_string(), def.clone())),
                (Some(_), None) => {}
                _ => {
                    for (k, v) in p.entries().unwrap_or_default() {
                        if let Some(k) = k.text() {
                            params.push((k.to_string(), v.clone()));
                        }
                    }
                }
            }
        }
    }
    params
}

/// The pipeline file's root with its parameters' defaults filled in and its
/// template expressions evaluated.
pub(super) fn root(file: &str, root: &Node, warnings: &mut Vec<String>) -> Node {
    let params = declared(root);
    expr::evaluate(&substitute(root, &params), &params, file, warnings)
}

impl Reader {
    /// A template file's root with its parameters filled in; `None` when it
    /// is in another repository (warned about).
    pub(super) fn template(
        &mut self,
        from: &str,
        node: &Node,
        dir: &Path,
    ) -> Result<Option<(String, Node, PathBuf)>, InputError> {
        let t = node.get("template").expect("called on a template entry");
        let rel = t.need_text(from, "a template path")?;
        if rel.contains('@') {
            node.mark_all();
            self.warnings.push(format!(
                "warning: {from}:{}: template {rel:?} is in another repository, which the importer cannot read; the import goes on without it (copy it next to the pipeline and drop the @… to read it)",
                t.line
            ));
            return Ok(None);
        }
        let path = dir.join(rel.trim_start_matches('/'));
        let (tfile, troot) = read_one(&path, "template").map_err(|e| {
            if e.line.is_none() {
                t.error(from, format!("template {rel:?}: {}", e.message))
            } else {
                e
            }
        })?;
        let mut params = declared(&troot);
        if let Some(given) = node.get("parameters") {
            given.mark_all();
            for (k, v) in given.entries().unwrap_or_default() {
                let k = k.scalar().unwrap_or_default();
                params.retain(|(n, _)| *n != k);
                params.push((k, v.clone()));
            }
        }
        let filled = substitute(&troot, &params);
        let filled = expr::evaluate(&filled, &params, &tfile, &mut self.warnings);
        filled.known(&["parameters"]);
        let tdir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Some((tfile, filled, tdir)))
    }

    /// `extends: {template: x.yml, parameters: …}`: the pipeline's body is the template's.
    pub(super) fn extends(
        &mut self,
        file: &str,
        ext: &Node,
        dir: &Path,
    ) -> Result<Option<(String, Node)>, InputError> {
        Ok(self.template(file, ext, dir)?.map(|(f, n, _)| (f, n)))
    }

    /// A stage, job or step list with its templates spliced in.
    pub(super) fn expand(
        &mut self,
        file: &str,
        list: &Node,
        dir: &Path,
        kind: &str,
        depth: usize,
    ) -> Result<Vec<Item>, InputError> {
        let mut out = Vec::new();
        for n in list.list().unwrap_or_default() {
            if n.get("template").is_none() {
                out.push(Item {
                    file: file.to_string(),
                    node: n.clone(),
                });
                continue;
            }
            if depth >= MAX_TEMPLATE_DEPTH {
                return Err(n.error(file, format!("templates nest more than {MAX_TEMPLATE_DEPTH} deep (a template that includes itself?)")));
            }
            let Some((tfile, filled, tdir)) = self.template(file, n, dir)? else {
                continue;
            };
            match filled.get(kind) {
                Some(inner) => {
                    out.extend(self.expand(&tfile, inner, &tdir, kind, depth + 1)?);
                    inner.mark_all();
                }
                None => self.warnings.push(format!(
                    "warning: {tfile}: the template has no `{kind}:` list where {file}:{} uses it; nothing was read from it",
                    n.line
                )),
            }
            self.roots.push((tfile, filled));
        }
        Ok(out)
    }
}
