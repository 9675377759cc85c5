//! Azure templates: `- template: x.yml` in stage, job and step lists and
//! `extends: {template: …}`, read relative to the including file with their
//! parameters filled in and their template expressions evaluated
//! ([`crate::import::expr`]). A template in another repository (`x.yml@repo`)
//! cannot be read: it is warned about and the import goes on without it.

use std::path::{Path, PathBuf};

use super::{Item, Reader};
use crate::error::InputError;
use crate::import::expr;
use crate::import::tree::{Kind, Node, substitute};
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
/// template expressions evaluated for a push to `branch`.
pub(super) fn root(file: &str, root: &Node, branch: &str, warnings: &mut Vec<String>) -> Node {
    let mut params = declared(root);
    params.extend(queued(file, root, warnings));
    params.extend(branch_variables(branch, root));
    expr::evaluate(&substitute(root, &params), &params, file, warnings)
}

/// The pipeline's parameters without a default: a person gives them when
/// queuing a run, so the file does not know them. Each stands for its own
/// name (a stage `${{ parameters.environment }}` is named `environment`),
/// with a warning.
fn queued(file: &str, root: &Node, warnings: &mut Vec<String>) -> Vec<(String, Node)> {
    let Some(list) = root.get("parameters").and_then(Node::list) else {
        return Vec::new();
    };
    list.iter()
        .filter(|p| p.get("default").is_none())
        .filter_map(|p| {
            let name = p.get("name")?.scalar()?;
            warnings.push(format!(
                "warning: {file}:{}: parameter {name} has no default: it is given when a run is queued; where the file uses it, its name `{name}` stands for the value",
                p.line
            ));
            Some((name.clone(), Node::new(Kind::Text(name), p.line, p.column)))
        })
        .collect()
}

/// The predefined variables a template expression knows for a push to
/// `branch` (Azure sets them before it expands templates), as the
/// `variables.NAME` entries [`expr`] reads.
fn branch_variables(branch: &str, at: &Node) -> Vec<(String, Node)> {
    let text = |s: String| Node::new(Kind::Text(s), at.line, at.column);
    vec![
        (
            "variables.Build.SourceBranch".into(),
            text(format!("refs/heads/{branch}")),
        ),
        (
            "variables.Build.SourceBranchName".into(),
            text(branch.rsplit('/').next().unwrap_or(branch).to_string()),
        ),
    ]
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
        let path = match rel.split_once('@') {
            // `@self`: this repository, the path from its root.
            Some((p, "self")) => match self_path(dir, p) {
                Some(path) => path,
                None => {
                    node.mark_all();
                    self.warnings.push(format!(
                        "warning: {from}:{}: template {rel:?} is in this repository, from its root, but no folder above {} holds {p:?}; the import goes on without it (import the file from within its repository)",
                        t.line,
                        dir.display()
                    ));
                    return Ok(None);
                }
            },
            Some(_) => {
                node.mark_all();
                self.warnings.push(format!(
                    "warning: {from}:{}: template {rel:?} is in another repository, which the importer cannot read; the import goes on without it (copy it next to the pipeline and drop the @… to read it)",
                    t.line
                ));
                return Ok(None);
            }
            // A path from `/` is from the repository's root, as `@self` is.
            None if rel.starts_with('/') => {
                self_path(dir, rel).unwrap_or_else(|| dir.join(rel.trim_start_matches('/')))
            }
            None => dir.join(rel),
        };
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
        params.extend(branch_variables(&self.branch, &troot));
        let filled = substitute(&troot, &params);
        let filled = expr::evaluate(&filled, &params, &tfile, &mut self.warnings);
        filled.known(&["parameters"]);
        let tdir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Some((tfile, filled, tdir)))
    }

    /// `extends: {template: x.yml, parameters: …}`: the pipeline's body is the
    /// template's (file, root, folder). A template may itself extend another,
    /// as Azure allows: the chain is followed to its last template; one in
    /// another repository ends it with a warning, and the import goes on
    /// without a body.
    pub(super) fn extends(
        &mut self,
        file: &str,
        ext: &Node,
        dir: &Path,
    ) -> Result<Option<(String, Node, PathBuf)>, InputError> {
        // Its template and parameters are all read (marks do not follow a clone).
        ext.mark_all();
        let (mut file, mut ext, mut dir) = (file.to_string(), ext.clone(), dir.to_path_buf());
        for _ in 0..MAX_TEMPLATE_DEPTH {
            if ext.get("template").is_none() {
                ext.mark_all();
                self.warnings.push(format!(
                    "warning: {file}:{}: `extends` names no template the importer can pick; the import goes on without it",
                    ext.line
                ));
                return Ok(None);
            }
            if let Some(body) = self.governed(&file, &ext) {
                return Ok(Some((file, body, dir)));
            }
            let Some((tfile, body, tdir)) = self.template(&file, &ext, &dir)? else {
                return Ok(None);
            };
            body.known(&["trigger", "pr", "name", "variables"]);
            if let Some(res) = body.get("resources") {
                res.mark_all();
                self.warnings.push(format!(
                    "warning: {tfile}:{}: `resources` (other repositories, pipelines, containers) in a template is not simulated",
                    res.line
                ));
            }
            let Some(next) = body.get("extends").cloned() else {
                return Ok(Some((tfile, body, tdir)));
            };
            body.get("extends").expect("just read").mark_all();
            // The template extended in turn is checked for unknown keys like any file read.
            self.roots.push((tfile.clone(), body));
            (file, ext, dir) = (tfile, next, tdir);
        }
        Err(ext.error(
            &file,
            format!("templates extend more than {MAX_TEMPLATE_DEPTH} deep (a template that extends itself?)"),
        ))
    }

    /// `extends` of a template in another repository that is given the
    /// pipeline's `stages` as a parameter, as the 1ES and OneBranch governed
    /// templates are: those stages are the body (what the template adds
    /// around them, e.g. compliance steps, is not simulated).
    fn governed(&mut self, file: &str, ext: &Node) -> Option<Node> {
        let t = ext.get("template")?;
        let rel = t.text()?;
        let remote = rel.split_once('@').is_some_and(|(_, repo)| repo != "self");
        let stages = ext.get("parameters")?.get("stages")?;
        if !remote || stages.list().is_none() {
            return None;
        }
        self.warnings.push(format!(
            "warning: {file}:{}: template {rel:?} is in another repository, which the importer cannot read; the stages given to it ({file}:{}) are read as the pipeline's, as 1ES and OneBranch templates run them (what the template adds around them is not simulated)",
            t.line, stages.line
        ));
        let key = Node::new(Kind::Text("stages".into()), stages.line, stages.column);
        Some(Node::new(
            Kind::Map(vec![(key, stages.clone())]),
            ext.line,
            ext.column,
        ))
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
                    dir: dir.to_path_buf(),
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

/// A `path@self` template: the path is from the repository's root, which is
/// the nearest folder above `dir` holding it (the import is given a file, not
/// the repository).
fn self_path(dir: &Path, rel: &str) -> Option<PathBuf> {
    let rel = rel.trim_start_matches("./").trim_start_matches('/');
    let found = |d: &Path| d.ancestors().map(|a| a.join(rel)).find(|p| p.is_file());
    // A relative folder's ancestors stop at the working folder: then the whole path's.
    found(dir).or_else(|| std::fs::canonicalize(dir).ok().and_then(|d| found(&d)))
}
