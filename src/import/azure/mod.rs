//! `promosim import azure-pipelines`: an `azure-pipelines.yml` as a scenario.
//!
//! Read: `trigger` (branches, `batch`), `schedules`, `pool`, `lockBehavior`,
//! `stages` with `dependsOn`, `condition` and `trigger: manual`, jobs and
//! deployment jobs with their `environment` and `strategy`, and templates by
//! relative path (`- template: x.yml`, with `parameters`). Stages before the
//! first deployment that deploy nothing are the build. Approvals and checks
//! are set on the environment in Azure DevOps, not in the YAML: the sidecar
//! gives them ([`super::sidecar`]).

mod runtime;
mod stages;
mod templates;
mod validation;
mod variables;

use std::path::{Path, PathBuf};

use stages::lock_of;

use super::draft::{Draft, StageDraft};
use super::sidecar::Sidecar;
use super::tree::Node;
use super::writer::{Block, Val, num};
use super::{Imported, check_scenario, read_one, warn_unread};
use crate::error::InputError;

/// A stage, job or step list entry, with the file it came from (templates).
struct Item {
    file: String,
    /// Its file's folder: templates it names are read relative to it.
    dir: PathBuf,
    node: Node,
}

/// The importer's state: the roots of every file read (for unknown-key
/// warnings) and the warnings so far.
#[derive(Default)]
struct Reader {
    roots: Vec<(String, Node)>,
    warnings: Vec<String>,
    /// The branch whose pushes the model follows (`main`, or `master`).
    branch: String,
    /// The pipeline's literal variables, for `${{ variables.NAME }}`.
    vars: Vec<(String, String)>,
    /// Variable groups named (`- group: name`): set outside the file.
    groups: Vec<String>,
}

/// The person assumed to deploy a manual stage.
pub const DEPLOYER: &str = "release-manager";

/// Imports an Azure Pipelines file; `out` names the scenario in messages.
pub fn import(path: &Path, sidecar: Option<&Sidecar>, out: &str) -> Result<Imported, InputError> {
    let (file, root) = read_one(path, "pipeline file")?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut r = Reader {
        branch: main_branch(&root),
        ..Reader::default()
    };
    let root = templates::root(&file, &root, &r.branch, &mut r.warnings);
    r.vars = r.variables(&file, &dir, root.get("variables"), 0)?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pipeline".into());
    let mut d = Draft::new(&name, vec![file.clone()]);
    d.time_zone = match root.get("schedules") {
        Some(s) => Val::read(
            "UTC",
            format!(
                "{file}:{} (Azure Pipelines reads cron schedules in UTC)",
                s.line
            ),
        ),
        None => Val::assumed(
            "UTC",
            "no schedule in the file; set the team's zone for its working hours",
        ),
    };
    root.known(&[
        "name",
        "appendCommitMessageToRunName",
        "variables",
        "parameters",
    ]);
    if let Some(pr) = root.get("pr") {
        pr.mark_all();
        d.build_notes
            .push("pull-request builds (`pr`) are not simulated: the model follows main".into());
    }
    if let Some(res) = root.get("resources") {
        res.mark_all();
        // A pipeline resource is read (its trigger); the others are not simulated.
        for (k, _) in res.entries().unwrap_or_default() {
            let key = k.scalar().unwrap_or_default();
            if key != "pipelines" {
                r.warnings.push(format!(
                    "warning: {file}:{}: `resources.{key}` (other repositories, containers, packages) is not simulated",
                    k.line
                ));
            }
        }
    }
    read_trigger(&file, &root, &mut d);
    if let Some(w) = misses_branch(&file, &root, &r.branch) {
        r.warnings.push(w);
    }
    if let Some(res) = root.get("resources") {
        pipeline_resource_trigger(&file, res, &mut d);
    }
    read_pool(&file, root.get("pool"), &mut d);
    let schedule = read_schedules(&file, &root, &mut r);
    let lock = root
        .get("lockBehavior")
        .map(|n| lock_of(&file, n, &mut r.warnings));

    let extended = match root.get("extends") {
        Some(ext) => r.extends(&file, ext, &dir)?,
        None => None,
    };
    let (body_file, body, body_dir) = match &extended {
        Some((f, n, d)) => (f.clone(), n, d.clone()),
        None => (file.clone(), &root, dir.clone()),
    };
    let stages = match body.get("stages") {
        Some(list) => {
            let filled = r.fill_stages(&body_file, &body_dir, list)?;
            let items = r.expand(&body_file, &filled, &body_dir, "stages", 0)?;
            list.mark_all();
            items
        }
        None => {
            // A single-stage pipeline: its jobs are one implicit stage.
            let mut implicit = Node::new(super::tree::Kind::Map(Vec::new()), 1, 1);
            if let (Some(jobs), super::tree::Kind::Map(e)) = (body.get("jobs"), &mut implicit.kind)
            {
                e.push((
                    Node::new(
                        super::tree::Kind::Text("jobs".into()),
                        jobs.line,
                        jobs.column,
                    ),
                    jobs.clone(),
                ));
                jobs.mark_all();
            }
            if let Some(s) = body.get("steps") {
                s.mark_all();
            }
            vec![Item {
                file: body_file.clone(),
                dir: body_dir.clone(),
                node: implicit,
            }]
        }
    };
    r.stages(&stages, schedule.as_ref(), lock.as_ref(), &mut d)?;
    for it in &stages {
        warn_unread(&it.file, &it.node, &mut r.warnings);
    }
    if let Some((f, n, _)) = extended {
        r.roots.push((f, n));
    }
    if let Some(s) = sidecar {
        s.apply(&mut d, &mut r.warnings);
    }
    r.roots.push((file, root));
    for (f, n) in &r.roots {
        warn_unread(f, n, &mut r.warnings);
    }
    if let Some((f, _)) = r.roots.last() {
        d.warn_if_no_stage(f, &mut r.warnings);
    }
    // A scheduled pipeline that deploys nothing: the build-only model has no
    // schedule, so the wait for the scheduled run is missing from lead time.
    if let (true, true, Some((cron, at))) = (
        d.stages.is_empty(),
        d.build_notes.iter().any(|n| n.contains("`trigger: none`")),
        &schedule,
    ) {
        r.warnings.push(format!(
            "warning: {at}: the pipeline runs on its schedule {cron:?} (and by hand) only and deploys nothing; the build-only scenario builds each push, so the wait for the scheduled run is not in its lead time"
        ));
    }
    if !r.groups.is_empty() {
        d.build_notes.push(format!(
            "variable groups {}: set in Azure DevOps, not in the file; their variables are unknown here (template expressions naming them stay as written, and conditions on them are not known)",
            r.groups.join(", ")
        ));
    }
    tidy_notes(&mut d.build_notes);
    // A template used several times warns once per use: once is enough.
    let mut seen = std::collections::HashSet::new();
    r.warnings.retain(|w| seen.insert(w.clone()));
    let yaml = d.render();
    check_scenario(&yaml, out)?;
    Ok(Imported {
        yaml,
        warnings: r.warnings,
    })
}

/// The most build notes written: a YAML reader buffers a limited number of
/// comments in a row (the scenario would not read back), and a long list
/// (a pool per job) says little more than its first lines.
const MAX_BUILD_NOTES: usize = 24;

/// Build notes without repeats (the same template's pool read for each
/// job), at most [`MAX_BUILD_NOTES`] of them.
fn tidy_notes(notes: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    if notes.len() > MAX_BUILD_NOTES {
        let more = notes.len() - (MAX_BUILD_NOTES - 1);
        notes.truncate(MAX_BUILD_NOTES - 1);
        notes.push(format!(
            "... and {more} more notes of the same kinds (jobs' pools and matrices)"
        ));
    }
}

/// A pipeline resource with a `trigger` runs this pipeline each time that
/// one completes (Azure's pipeline-completion trigger): a CD pipeline that
/// deploys every CI build, as `trigger: none` alone would not.
fn pipeline_resource_trigger(file: &str, res: &Node, d: &mut Draft) {
    let Some(list) = res.get("pipelines").and_then(Node::list) else {
        return;
    };
    let Some((p, t)) = list.iter().find_map(|p| {
        let t = p.get("trigger")?;
        let off =
            t.text().is_some_and(|x| x == "none" || x == "false") || t.boolean() == Some(false);
        (!off).then_some((p, t))
    }) else {
        return;
    };
    let source = p
        .get("source")
        .or_else(|| p.get("pipeline"))
        .and_then(Node::scalar)
        .unwrap_or_default();
    let at = format!("{file}:{}", t.line);
    d.batch = Val::read(
        "none",
        format!(
            "{at} (`resources.pipelines` trigger: a run each time pipeline {source:?} completes)"
        ),
    );
    d.build_notes.retain(|n| !n.contains("`trigger: none`"));
    d.build_notes.push(format!(
        "{at}: runs each time pipeline {source:?} completes (a pipeline resource trigger): the build stands for that pipeline's run, and each one is deployed"
    ));
}

/// The branch the model follows: `master` when the CI trigger names it and
/// not `main`, else `main`.
fn main_branch(root: &Node) -> String {
    let named = |b: &str| {
        root.get("trigger").is_some_and(|t| {
            let list = t
                .get("branches")
                .and_then(|b| b.get("include"))
                .unwrap_or(t);
            list.one_or_many()
                .iter()
                .filter_map(|n| n.scalar())
                .any(|x| x.trim_start_matches("refs/heads/") == b)
        })
    };
    if named("master") && !named("main") {
        "master".into()
    } else {
        "main".into()
    }
}

/// A warning when the CI trigger's branch filter lets no push to `branch`
/// run the pipeline (it builds tags, or other branches only).
fn misses_branch(file: &str, root: &Node, branch: &str) -> Option<String> {
    let t = root.get("trigger")?;
    let list = t
        .get("branches")
        .and_then(|b| b.get("include"))
        .or_else(|| {
            // A plain list of branches; `none` is read as no CI trigger.
            t.list()
                .filter(|l| !l.iter().any(|n| n.text() == Some("none")))?;
            Some(t)
        })?;
    let names: Vec<String> = list
        .one_or_many()
        .iter()
        .filter_map(|n| n.scalar())
        .collect();
    let full = format!("refs/heads/{branch}");
    let hit = names
        .iter()
        .any(|p| wildcard(p, branch) || wildcard(p, &full));
    (!names.is_empty() && !hit).then(|| format!(
        "warning: {file}:{}: the CI trigger runs for {} only, which no push to {branch} matches: Azure does not run this pipeline for such pushes, while the scenario builds (and deploys) each one",
        list.line,
        names.join(", ")
    ))
}

/// Azure's branch filter: `*` matches any run of characters.
fn wildcard(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern.eq_ignore_ascii_case(name),
        Some((head, rest)) => {
            let lower = name.to_ascii_lowercase();
            let Some(tail) = lower.strip_prefix(&head.to_ascii_lowercase()) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| wildcard(rest, &tail[i..]))
        }
    }
}

fn read_trigger(file: &str, root: &Node, d: &mut Draft) {
    let Some(t) = root.get("trigger") else {
        d.batch = Val::assumed(
            "none",
            format!("no `trigger` in {file}: Azure's default builds every push (batch: false)"),
        );
        return;
    };
    let at = format!("{file}:{}", t.line);
    // `trigger: [none]` names a branch called "none": no push to main runs
    // it, as with `trigger: none` (what its author almost surely meant).
    let only_none = t
        .list()
        .is_some_and(|l| l.len() == 1 && l[0].text() == Some("none"));
    if t.text() == Some("none") || only_none {
        d.batch = Val::assumed(
            "none",
            format!(
                "`trigger: none` at {at}: Azure builds on no push; the model's build still runs per push"
            ),
        );
        d.build_notes.push(format!(
            "{at}: `trigger: none`: Azure builds only on schedule or by hand; the model still builds each push"
        ));
        return;
    }
    let branches = match t.get("branches") {
        Some(b) => {
            b.mark_all();
            b.get("include")
                .map(|i| {
                    i.one_or_many()
                        .iter()
                        .filter_map(|n| n.scalar())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
        None => t.one_or_many().iter().filter_map(|n| n.scalar()).collect(),
    };
    if !branches.is_empty() {
        d.build_notes.push(format!(
            "{at}: CI branches {}: the model simulates one stream of commits to them",
            branches.join(", ")
        ));
    }
    t.known(&["tags"]);
    paths_note(file, t, d);
    let batch = t.get("batch").and_then(Node::boolean).unwrap_or(false);
    d.batch = if batch {
        Val::read(
            "run",
            format!("{at} (`batch: true`: one run at a time, the next with all new changes)"),
        )
    } else {
        Val::read("none", format!("{at} (no `batch`: a run per push)"))
    };
}

/// A `paths` filter: only pushes that change those paths start a run, so
/// the model's commits should count only those.
fn paths_note(file: &str, t: &Node, d: &mut Draft) {
    let Some(p) = t.get("paths") else {
        return;
    };
    let at = format!("{file}:{}", p.line);
    p.mark_all();
    let list = |k: &str| {
        p.get(k)
            .map(|l| {
                l.one_or_many()
                    .iter()
                    .filter_map(|n| n.scalar())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let (inc, exc) = (list("include"), list("exclude"));
    let what = match (inc.is_empty(), exc.is_empty()) {
        (false, true) => format!("changes under {inc}"),
        (true, false) => format!("changes outside {exc}"),
        _ => format!("changes under {inc} outside {exc}"),
    };
    d.build_notes.push(format!(
        "{at}: a `paths` filter: only pushes with {what} start a run; set commits to the rate of those pushes, not of all commits"
    ));
}

/// A job takes an agent (a parallel job) unless it is agentless (`pool: server`).
fn on_agent(job: &Node) -> bool {
    !job.get("pool")
        .and_then(Node::text)
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("server"))
}

fn read_pool(file: &str, pool: Option<&Node>, d: &mut Draft) {
    let Some(p) = pool else {
        return;
    };
    p.mark_all();
    let at = format!("{file}:{}", p.line);
    let hosted = p.get("vmImage").and_then(Node::scalar);
    let name = p
        .text()
        .map(str::to_string)
        .or_else(|| p.get("name").and_then(Node::scalar));
    let note = match (hosted, name) {
        (Some(img), _) => format!(
            "{at}: Microsoft-hosted agents ({img}): as many as the organisation's parallel jobs"
        ),
        (None, Some(n)) => format!("{at}: self-hosted pool {n}: as many agents as are online"),
        _ => format!(
            "{at}: an agent pool whose name the file does not fix (a run-time expression, or demands only): as many agents as build.agents says"
        ),
    };
    d.build_notes.push(note);
}

/// The first schedule's cron, for stages conditioned on a scheduled run.
fn read_schedules(file: &str, root: &Node, r: &mut Reader) -> Option<(String, String)> {
    let list = root.get("schedules")?;
    let items = list.list().unwrap_or_default();
    let mut first = None;
    for (i, s) in items.iter().enumerate() {
        s.known(&["displayName", "branches", "batch"]);
        let always = s.get("always").and_then(Node::boolean).unwrap_or(false);
        let Some(cron) = s.get("cron").and_then(Node::text) else {
            r.warnings.push(format!(
                "warning: {file}:{}: a schedule without `cron` was ignored",
                s.line
            ));
            continue;
        };
        if always {
            r.warnings.push(format!(
                "warning: {file}:{}: `always: true` reruns unchanged code; the model's schedule takes only a newer release (as `always: false`)",
                s.line
            ));
        }
        if i == 0 {
            first = Some((cron.to_string(), format!("{file}:{}", s.line)));
        } else {
            r.warnings.push(format!(
                "warning: {file}:{}: only the first schedule is used; the model gives a stage one cron",
                s.line
            ));
        }
    }
    first
}

impl Reader {
    /// A job of the build: its matrix or parallel legs are noted.
    fn build_job(&mut self, j: &Item, d: &mut Draft) {
        let n = &j.node;
        n.known(&[
            "job",
            "displayName",
            "steps",
            "dependsOn",
            "condition",
            "timeoutInMinutes",
            "variables",
            "container",
            "services",
            "workspace",
            "continueOnError",
            "cancelTimeoutInMinutes",
            "templateContext",
        ]);
        read_pool(&j.file, n.get("pool"), d);
        if let Some(s) = n.get("strategy") {
            s.mark_all();
            if let Some(m) = s.get("matrix").and_then(Node::entries) {
                let at_once = s.get("maxParallel").and_then(Node::number);
                let how = match at_once {
                    _ if m.is_empty() => "the job runs a matrix whose legs come from template expressions the importer does not evaluate; set build.duration for the whole matrix".to_string(),
                    Some(x) if x <= 1.0 => format!("the job runs a {}-leg matrix, one leg at a time: the build takes the legs one after another", m.len()),
                    Some(x) => format!("the job runs a {}-leg matrix, at most {} at once: each leg takes an agent, the build ends with the slowest leg", m.len(), num(x)),
                    None => format!("the job runs a {}-leg matrix: each leg takes an agent, the build ends with the slowest leg", m.len()),
                };
                d.build_notes.push(format!("{}:{}: {how}", j.file, s.line));
            }
        }
    }

    /// A job of a deployment stage: the environment and strategy of a
    /// deployment job, or a verification step for a plain job (when
    /// `verifies`; else the plain jobs are the stage's deploy).
    fn stage_job(&mut self, j: &Item, st: &mut StageDraft, verifies: bool) {
        let n = &j.node;
        n.known(&[
            "displayName",
            "dependsOn",
            "condition",
            "timeoutInMinutes",
            "variables",
            "pool",
            "container",
            "services",
            "workspace",
            "continueOnError",
            "cancelTimeoutInMinutes",
            "templateContext",
        ]);
        if let Some(job) = n.get("job") {
            if let Some(s) = n.get("steps") {
                s.mark_all();
            }
            // A manual validation is the stage's approval (`validation`), not a test.
            if validation::validation_step(n).is_some() {
                return;
            }
            n.known(&["strategy"]);
            if !verifies {
                return;
            }
            let name = job.scalar().unwrap_or_else(|| "job".into());
            let agent = on_agent(n).then(|| {
                Val::read(
                    "true",
                    format!(
                        "{}:{} (a job runs on an agent: a parallel job)",
                        j.file, job.line
                    ),
                )
            });
            st.verify.push((
                name,
                Val::assumed("10m", "a job's duration is not in the file; calibrate it"),
                agent,
            ));
            return;
        }
        let Some(dep) = n.get("deployment") else {
            return;
        };
        let at = format!("{}:{}", j.file, dep.line);
        if on_agent(n) && !st.deploy.iter().any(|(k, _)| k == "agent") {
            st.deploy.push((
                "agent".into(),
                Val::read(
                    "true",
                    format!("{at} (a deployment job runs on an agent: a parallel job)"),
                ),
            ));
        }
        if let Some(env) = n.get("environment") {
            env.known(&["resourceName", "resourceType", "resourceId", "tags"]);
            let name = env
                .text()
                // `name.resource`; a dot inside an expression left as written is no resource.
                .map(|t| match t.contains("${{") {
                    true => t.to_string(),
                    false => t.split('.').next().unwrap_or(t).to_string(),
                })
                .or_else(|| env.get("name").and_then(Node::scalar));
            if let Some(name) = name {
                // Azure's environment names are case-insensitive: `X-DEV` is `X-Dev`.
                if st
                    .environment
                    .as_ref()
                    .is_some_and(|e| !e.eq_ignore_ascii_case(&name))
                {
                    self.warnings.push(format!("warning: {at}: a second environment ({name}) in one stage; the stage is modelled on its first"));
                } else if st.environment.is_none() {
                    // A second job on the same environment adds nothing to say.
                    st.notes.push(format!("approvals: environment {name} ({}:{}): Azure sets approvals and checks on the environment, not in the YAML; none assumed, give them in a sidecar (docs/import.md)", j.file, env.line));
                    st.environment = Some(name);
                }
            }
        }
        if let Some(s) = n.get("strategy") {
            st.strategy = self.deploy_strategy(&j.file, s);
        }
    }

    /// A deployment job's `strategy` as a production strategy (kept only on production stages).
    fn deploy_strategy(&mut self, file: &str, s: &Node) -> Option<Block> {
        let hooks = [
            "preDeploy",
            "deploy",
            "routeTraffic",
            "postRouteTraffic",
            "on",
        ];
        let mut b = Block::default();
        if let Some(once) = s.get("runOnce") {
            once.known(&hooks);
            b.push(
                0,
                "all_at_once".into(),
                super::writer::Why::Read(format!("{file}:{} (runOnce)", once.line)),
            );
            return Some(b);
        }
        if let Some(roll) = s.get("rolling") {
            roll.known(&hooks);
            b.open(0, "rolling");
            match roll.get("maxParallel") {
                Some(m) if m.text().is_some_and(|t| t.trim().ends_with('%')) => {
                    b.kv(
                        1,
                        "max_parallel",
                        &Val::read(m.scalar().unwrap_or_default(), format!("{file}:{}", m.line)),
                    );
                }
                Some(m) => {
                    let k = m.number().unwrap_or(1.0).max(1.0);
                    b.kv(1, "batches", &Val::assumed(num((10.0 / k).ceil()), format!("maxParallel {} targets at {file}:{} of an unknown total (10 assumed)", num(k), m.line)));
                }
                None => b.kv(
                    1,
                    "batches",
                    &Val::assumed(
                        "10",
                        "no maxParallel: one target at a time, 10 targets assumed",
                    ),
                ),
            }
            b.kv(
                1,
                "batch_duration",
                &Val::assumed("5m", "a batch's duration is not in the file"),
            );
            b.kv(
                1,
                "failure",
                &Val::assumed("0", "a batch's failure rate is not in the file"),
            );
            return Some(b);
        }
        if let Some(c) = s.get("canary") {
            c.known(&hooks);
            b.open(0, "canary");
            b.open(1, "steps");
            let incs = c
                .get("increments")
                .map(|i| {
                    i.one_or_many()
                        .iter()
                        .filter_map(|x| x.number().map(|v| (v, x.line)))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            for (w, line) in incs {
                b.item(
                    2,
                    &Val::read(format!("set_weight: {}", num(w)), format!("{file}:{line}")),
                );
                b.item(
                    2,
                    &Val::assumed(
                        "pause: {duration: 15m}",
                        "the time watched at each increment (postRouteTraffic) is not in the file",
                    ),
                );
            }
            return Some(b);
        }
        self.warnings.push(format!(
            "warning: {file}:{}: deployment strategy not understood; runOnce assumed",
            s.line
        ));
        None
    }

    /// Strategies stay on production stages only (the scenario refuses them
    /// elsewhere): those [`crate::import::production::prefer_named`] marked,
    /// else the stages nothing depends on.
    fn strategies(&mut self, d: &mut Draft) {
        let used: Vec<String> = d
            .stages
            .iter()
            .enumerate()
            .flat_map(|(i, s)| match &s.depends_on {
                Some(v) => v
                    .text
                    .trim_matches(['[', ']'])
                    .split(", ")
                    .map(|x| x.trim_matches('"').to_string())
                    .collect::<Vec<_>>(),
                None if i > 0 => vec![d.stages[i - 1].name.clone()],
                None => vec![],
            })
            .collect();
        // Once a stage sets `production`, the scenario's default no longer applies.
        let set = d.stages.iter().any(|s| s.production.is_some());
        for st in &mut d.stages {
            // Production as set (a production-named stage something follows),
            // else by the scenario's default (nothing depends on it).
            let production = match &st.production {
                Some(p) => p.text == "true",
                None => !set && !used.contains(&st.name),
            };
            if !production
                && let Some(s) = st.strategy.take()
                && s.lines.first().is_some_and(|l| l.text != "all_at_once")
            {
                st.notes.push(format!(
                    "a rolling or canary deployment ({}) is not modelled before production: the stage deploys as a whole",
                    st.from
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_BUILD_NOTES, tidy_notes};

    #[test]
    fn branch_filters_match_with_wildcards() {
        use super::wildcard;
        assert!(wildcard("main", "main") && wildcard("refs/heads/*", "refs/heads/main"));
        assert!(wildcard("*", "main") && wildcard("ma*n", "main"));
        assert!(!wildcard("refs/tags/*", "refs/heads/main") && !wildcard("release/*", "main"));
    }

    #[test]
    fn build_notes_are_kept_once_and_capped() {
        // A job template used for each platform notes its pool each time.
        let mut notes = vec!["pool a".to_string(); 100];
        tidy_notes(&mut notes);
        assert_eq!(notes, ["pool a"]);
        let mut notes: Vec<String> = (0..100).map(|i| format!("pool {i}")).collect();
        tidy_notes(&mut notes);
        assert_eq!(notes.len(), MAX_BUILD_NOTES);
        assert!(notes.last().unwrap().contains("77 more notes"));
    }
}
