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
mod templates;

use std::path::Path;

use super::draft::{Draft, StageDraft, add_person};
use super::sidecar::{Sidecar, assumed_reaction};
use super::tree::Node;
use super::writer::{Block, Val, num, quote};
use super::{Imported, check_scenario, read_one, stage_name, warn_unread};
use crate::error::InputError;

/// A stage, job or step list entry, with the file it came from (templates).
struct Item {
    file: String,
    node: Node,
}

/// The importer's state: the roots of every file read (for unknown-key
/// warnings) and the warnings so far.
#[derive(Default)]
struct Reader {
    roots: Vec<(String, Node)>,
    warnings: Vec<String>,
}

/// The person assumed to deploy a manual stage.
pub const DEPLOYER: &str = "release-manager";

/// Imports an Azure Pipelines file; `out` names the scenario in messages.
pub fn import(path: &Path, sidecar: Option<&Sidecar>, out: &str) -> Result<Imported, InputError> {
    let (file, root) = read_one(path, "pipeline file")?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut r = Reader::default();
    let root = templates::root(&file, &root, &mut r.warnings);
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
        r.warnings.push(format!(
            "warning: {file}:{}: `resources` (other repositories, pipelines, containers) is not simulated",
            res.line
        ));
    }
    read_trigger(&file, &root, &mut d);
    read_pool(&file, root.get("pool"), &mut d);
    let schedule = read_schedules(&file, &root, &mut r);
    let lock = root
        .get("lockBehavior")
        .map(|n| lock_of(&file, n, &mut r.warnings));

    let extended = match root.get("extends") {
        Some(ext) => r.extends(&file, ext, &dir)?,
        None => None,
    };
    let (body_file, body) = match &extended {
        Some((f, n)) => (f.clone(), n),
        None => (file.clone(), &root),
    };
    let stages = match body.get("stages") {
        Some(list) => {
            let items = r.expand(&body_file, list, &dir, "stages", 0)?;
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
                node: implicit,
            }]
        }
    };
    r.stages(&stages, &dir, schedule.as_ref(), lock.as_ref(), &mut d)?;
    for it in &stages {
        warn_unread(&it.file, &it.node, &mut r.warnings);
    }
    if let Some(body) = extended {
        r.roots.push(body);
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
    let yaml = d.render();
    check_scenario(&yaml, out)?;
    Ok(Imported {
        yaml,
        warnings: r.warnings,
    })
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
    if t.text() == Some("none") {
        d.batch = Val::read("none", format!("{at} (`trigger: none`)"));
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
    t.known(&["paths", "tags"]);
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
        _ => format!("{at}: pool"),
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

fn lock_of(file: &str, n: &Node, warnings: &mut Vec<String>) -> Val {
    let at = format!("{file}:{}", n.line);
    match n.text() {
        Some("sequential") => Val::read("sequential", at),
        Some("runLatest") => Val::read("run_latest", at),
        other => {
            warnings.push(format!(
                "warning: {at}: lockBehavior {other:?} is neither sequential nor runLatest; runLatest assumed"
            ));
            Val::assumed("run_latest", "Azure's default lockBehavior")
        }
    }
}

/// What a stage's `condition` means for its trigger.
enum Cond {
    Auto(Option<String>),
    Schedule,
    Manual,
}

fn condition(file: &str, n: &Node, warnings: &mut Vec<String>) -> Cond {
    let text = n.scalar().unwrap_or_default();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let at = format!("{file}:{}", n.line);
    let reason = compact.contains("Build.Reason");
    if reason && compact.contains("'Schedule'") && !compact.starts_with("ne(") {
        return Cond::Schedule;
    }
    if reason
        && compact.contains("'Manual'")
        && !compact.contains("ne(variables['Build.Reason'],'Manual')")
    {
        return Cond::Manual;
    }
    if reason && compact.contains("'PullRequest'") {
        return Cond::Auto(Some(format!("{at}: not a pull request: always so on main")));
    }
    if compact.contains("Build.SourceBranch") {
        return Cond::Auto(Some(format!(
            "{at}: a branch condition: the model simulates one branch, taken as matching"
        )));
    }
    if compact == "succeeded()" {
        return Cond::Auto(None);
    }
    warnings.push(format!(
        "warning: {at}: condition {text:?} is not understood; the stage runs when its dependencies succeeded"
    ));
    Cond::Auto(None)
}

/// The stage `id` names, if it comes before stage `i`.
fn earlier(read: &[Read], i: usize, id: &str) -> Option<usize> {
    read.iter().position(|r| r.id == id).filter(|&j| j < i)
}

/// Marks the build: stages that deploy nothing and follow only other such stages.
fn mark_build(read: &mut [Read]) {
    for i in 0..read.len() {
        read[i].build = !read[i].deploys
            && read[i]
                .deps
                .iter()
                .all(|dep| earlier(read, i, dep).is_some_and(|j| read[j].build));
    }
}

/// `depends_on` of kept stage `i`, when it is not the default (the previous
/// kept stage, or the build for the first): dependencies on failure paths
/// dropped, one on a build stage is on the build.
fn depends_on(read: &[Read], i: usize, previous: Option<&str>, it: &Item) -> Option<Val> {
    let n = &it.node;
    let position = |dep: &str| read.iter().position(|r| r.id == dep);
    let mut deps: Vec<String> = read[i]
        .deps
        .iter()
        .filter(|dep| !position(dep).is_some_and(|j| read[j].on_failure))
        .map(|dep| match position(dep) {
            Some(j) if read[j].build => crate::scenario::BUILD.to_string(),
            Some(j) => stage_name(&read[j].id),
            None => stage_name(dep),
        })
        .collect();
    if deps.is_empty() {
        deps.push(crate::scenario::BUILD.to_string());
    }
    let default = previous.unwrap_or(crate::scenario::BUILD);
    if deps == [default] && n.get("dependsOn").is_none() {
        return None;
    }
    let list = format!(
        "[{}]",
        deps.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
    );
    Some(match n.get("dependsOn") {
        Some(dn) => Val::read(list, format!("{}:{}", it.file, dn.line)),
        None => Val::read(
            list,
            format!(
                "{}:{} (Azure's default: the previous stage)",
                it.file, n.line
            ),
        ),
    })
}

/// A condition false whenever everything before it succeeded: the stage runs
/// only after a failure or a cancellation (see [`runtime`]).
fn only_on_failure(n: &Node) -> bool {
    runtime::on_success_path(&n.scalar().unwrap_or_default()) == runtime::Truth::False
}

/// The stage is triggered by hand by [`DEPLOYER`] (assumed), for `why`.
fn manual(st: &mut StageDraft, d: &mut Draft, why: String) {
    st.trigger = Val::read(format!("{{manual: {{by: {DEPLOYER}}}}}"), why);
    add_person(&mut d.people, DEPLOYER, assumed_reaction());
}

/// One Azure stage as read: what the scenario needs of it.
struct Read {
    id: String,
    item: usize,
    deps: Vec<String>,
    /// Its jobs, templates expanded.
    jobs: Vec<Item>,
    deploys: bool,
    /// It deploys nothing and follows only other such stages: the build.
    build: bool,
    /// It runs only after a failure: left out.
    on_failure: bool,
}

/// Where the pipeline's stages are, for the stage being written: the stages
/// as read and the settings of the whole pipeline.
struct Context<'a> {
    stages: &'a [Item],
    read: &'a [Read],
    schedule: Option<&'a (String, String)>,
    scheduled_somewhere: bool,
    lock: Option<&'a Val>,
}

impl Reader {
    fn stages(
        &mut self,
        stages: &[Item],
        dir: &Path,
        schedule: Option<&(String, String)>,
        lock: Option<&Val>,
        d: &mut Draft,
    ) -> Result<(), InputError> {
        let mut read = self.read_stages(stages, dir)?;
        mark_build(&mut read);
        self.mark_failure_paths(stages, &mut read);
        let kept: Vec<usize> = (0..read.len())
            .filter(|&i| !read[i].build && !read[i].on_failure)
            .collect();
        let scheduled_somewhere = kept.iter().any(|&i| {
            stages[read[i].item].node.get("condition").is_some_and(|c| {
                matches!(
                    condition(&stages[i].file, c, &mut Vec::new()),
                    Cond::Schedule
                )
            })
        });
        let build_ids: Vec<&str> = read
            .iter()
            .filter(|r| r.build)
            .map(|r| r.id.as_str())
            .collect();
        if !build_ids.is_empty() {
            d.build_notes.push(format!(
                "the build: stage(s) {} (no deployment job)",
                build_ids.join(", ")
            ));
        }
        for j in read.iter().filter(|r| r.build).flat_map(|r| &r.jobs) {
            self.build_job(j, d);
        }
        let cx = Context {
            stages,
            read: &read,
            schedule,
            scheduled_somewhere,
            lock,
        };
        let mut names: Vec<String> = Vec::new();
        for (pos, &i) in kept.iter().enumerate() {
            let previous = pos.checked_sub(1).map(|p| names[p].as_str());
            let st = self.stage(&cx, i, previous, d);
            names.push(st.name.clone());
            d.stages.push(st);
        }
        for j in read.iter().flat_map(|r| &r.jobs) {
            warn_unread(&j.file, &j.node, &mut self.warnings);
        }
        self.strategies(d);
        Ok(())
    }

    /// Every stage's id, dependencies and jobs (templates expanded).
    fn read_stages(&mut self, stages: &[Item], dir: &Path) -> Result<Vec<Read>, InputError> {
        let mut read: Vec<Read> = Vec::new();
        for (i, it) in stages.iter().enumerate() {
            let n = &it.node;
            n.known(&[
                "displayName",
                "variables",
                "templateContext",
                "isSkippable",
                "pool",
            ]);
            let id = n
                .get("stage")
                .and_then(Node::scalar)
                .unwrap_or_else(|| format!("stage{}", i + 1));
            let deps = match n.get("dependsOn") {
                Some(dep) => dep
                    .one_or_many()
                    .iter()
                    .filter_map(|x| x.scalar())
                    .collect(),
                None => read
                    .last()
                    .map(|p: &Read| vec![p.id.clone()])
                    .unwrap_or_default(),
            };
            let jobs = match n.get("jobs") {
                Some(list) => {
                    let items = self.expand(&it.file, list, dir, "jobs", 0)?;
                    list.mark_all();
                    items
                }
                None => Vec::new(),
            };
            let deploys = jobs.iter().any(|j| j.node.get("deployment").is_some());
            read.push(Read {
                id,
                item: i,
                deps,
                jobs,
                deploys,
                build: false,
                on_failure: false,
            });
        }
        Ok(read)
    }

    /// Stages that run only after a failure (`condition: failed()`, a
    /// rollback path), and those that wait on them with the default
    /// condition: never on the path a release takes when all goes well.
    fn mark_failure_paths(&mut self, stages: &[Item], read: &mut [Read]) {
        for i in 0..read.len() {
            let n = &stages[read[i].item].node;
            read[i].on_failure = match n.get("condition") {
                Some(c) => only_on_failure(c),
                None => read[i]
                    .deps
                    .iter()
                    .any(|dep| earlier(read, i, dep).is_some_and(|j| read[j].on_failure)),
            };
            if read[i].on_failure {
                // Left out on purpose: its keys are not "not understood".
                n.mark_all();
                read[i].jobs.iter().for_each(|j| j.node.mark_all());
                self.warnings.push(format!(
                    "warning: {}:{}: stage {} runs only after a failure (its condition, or a stage it waits for): a failure path, left out of the scenario",
                    stages[read[i].item].file, n.line, read[i].id
                ));
            }
        }
    }

    /// The scenario stage of kept stage `i`; `previous`: the kept stage before it.
    fn stage(
        &mut self,
        cx: &Context,
        i: usize,
        previous: Option<&str>,
        d: &mut Draft,
    ) -> StageDraft {
        let r = &cx.read[i];
        let it = &cx.stages[r.item];
        let n = &it.node;
        let mut st = StageDraft::new(&stage_name(&r.id), format!("{}:{}", it.file, n.line));
        st.title = n.get("displayName").and_then(Node::scalar);
        st.depends_on = depends_on(cx.read, i, previous, it);
        self.trigger(
            it,
            cx.schedule,
            cx.scheduled_somewhere,
            previous.is_none(),
            &mut st,
            d,
        );
        st.lock = match n.get("lockBehavior") {
            Some(l) => lock_of(&it.file, l, &mut self.warnings),
            None => cx.lock.cloned().unwrap_or_else(|| {
                Val::assumed("run_latest", "Azure's default lockBehavior (runLatest); it applies when the environment has an Exclusive Lock check")
            }),
        };
        for j in &r.jobs {
            self.stage_job(j, &mut st);
        }
        st
    }

    fn trigger(
        &mut self,
        it: &Item,
        schedule: Option<&(String, String)>,
        scheduled_somewhere: bool,
        first: bool,
        st: &mut StageDraft,
        d: &mut Draft,
    ) {
        let n = &it.node;
        st.trigger = Val::read(
            "auto",
            format!(
                "{}:{} (Azure runs a stage once the stages it depends on succeeded)",
                it.file, n.line
            ),
        );
        let cond = n
            .get("condition")
            .map(|c| condition(&it.file, c, &mut self.warnings));
        let decided = matches!(cond, Some(Cond::Schedule | Cond::Manual));
        match cond {
            Some(Cond::Schedule) => match schedule {
                Some((cron, at)) => {
                    st.trigger = Val::read(format!("{{schedule: {}}}", quote(cron)), format!("{at}, with the condition at {}:{}", it.file, n.line));
                }
                None => self.warnings.push(format!("warning: {}:{}: the stage runs on scheduled runs but the pipeline has no `schedules`; automatic assumed", it.file, n.line)),
            },
            Some(Cond::Manual) => manual(
                st,
                d,
                format!(
                    "{}:{} (a manually queued run; who queues it is assumed)",
                    it.file, n.line
                ),
            ),
            Some(Cond::Auto(note)) => st.notes.extend(note),
            None => {}
        }
        if let Some(t) = n.get("trigger") {
            if t.text() == Some("manual") {
                let why = format!(
                    "{}:{} (`trigger: manual`; who deploys is assumed)",
                    it.file, t.line
                );
                return manual(st, d, why);
            }
            self.warnings.push(format!(
                "warning: {}:{}: stage trigger {:?} is not understood; automatic assumed",
                it.file,
                t.line,
                t.scalar().unwrap_or_default()
            ));
        }
        let untriggered =
            d.batch.text == "none" && d.build_notes.iter().any(|n| n.contains("trigger: none"));
        // A scheduled-only pipeline: its first deployment follows the schedule.
        if let (true, false, Some((cron, at))) = (first, scheduled_somewhere, schedule)
            && untriggered
        {
            st.trigger = Val::read(
                format!("{{schedule: {}}}", quote(cron)),
                format!("{at} (`trigger: none`: the scheduled run deploys the newest build)"),
            );
        }
        // Neither a push nor a schedule runs it: someone queues it by hand,
        // and that run deploys the newest build.
        if first && schedule.is_none() && untriggered && !decided {
            let why = format!(
                "{}:{} (`trigger: none` and no `schedules`: a run queued by hand deploys the newest build; who queues it is assumed)",
                it.file, n.line
            );
            manual(st, d, why);
        }
    }

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
                let par = s
                    .get("maxParallel")
                    .and_then(Node::number)
                    .map(|x| format!(", at most {} at once", num(x)))
                    .unwrap_or_default();
                d.build_notes.push(format!("{}:{}: the job runs a {}-leg matrix{par}: each leg takes an agent, the build ends with the slowest leg", j.file, s.line, m.len()));
            }
        }
    }

    /// A job of a deployment stage: the environment and strategy of a
    /// deployment job, or a verification step for a plain job.
    fn stage_job(&mut self, j: &Item, st: &mut StageDraft) {
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
            n.known(&["strategy"]);
            let name = job.scalar().unwrap_or_else(|| "job".into());
            st.verify.push((
                name,
                Val::assumed("10m", "a job's duration is not in the file; calibrate it"),
            ));
            return;
        }
        let Some(dep) = n.get("deployment") else {
            return;
        };
        let at = format!("{}:{}", j.file, dep.line);
        if let Some(env) = n.get("environment") {
            env.known(&["resourceName", "resourceType", "resourceId", "tags"]);
            let name = env
                .text()
                .map(|t| t.split('.').next().unwrap_or(t).to_string())
                .or_else(|| env.get("name").and_then(Node::scalar));
            if let Some(name) = name {
                if st.environment.as_ref().is_some_and(|e| *e != name) {
                    self.warnings.push(format!("warning: {at}: a second environment ({name}) in one stage; the stage is modelled on its first"));
                } else {
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

    /// Strategies stay on production stages only (the scenario refuses them elsewhere).
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
        for st in &mut d.stages {
            if used.contains(&st.name)
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
