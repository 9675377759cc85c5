//! Azure stages as scenario stages: which are the build, which run only
//! after a failure, and for each kept one its dependencies, trigger and lock.

use super::{DEPLOYER, Item, Reader, runtime};
use crate::error::InputError;
use crate::import::draft::{Draft, StageDraft, add_person};
use crate::import::sidecar::assumed_reaction;
use crate::import::tree::Node;
use crate::import::writer::{Val, quote};
use crate::import::{stage_name, warn_unread};

pub(super) fn lock_of(file: &str, n: &Node, warnings: &mut Vec<String>) -> Val {
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

fn condition(
    file: &str,
    n: &Node,
    branch: &str,
    vars: &[(String, String)],
    warnings: &mut Vec<String>,
) -> Cond {
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
    if compact.to_ascii_lowercase().contains("build.sourcebranch") {
        // False on the branch: the stage is left out before this is asked.
        let known = runtime::on_branch(&text, branch) == runtime::Truth::True;
        return Cond::Auto(Some(if known {
            format!("{at}: a branch condition, true for a push to {branch}")
        } else {
            format!("{at}: a branch condition: the model simulates one branch, taken as matching")
        }));
    }
    // Known true when everything before succeeded (`succeeded()`, `always()`,
    // `succeededOrFailed()` and their combinations): the model's path.
    if runtime::on_success_path(&text) == runtime::Truth::True {
        return Cond::Auto(None);
    }
    // True by the variables the file sets (a variable template's).
    if runtime::on_branch_with(&text, branch, vars) == runtime::Truth::True {
        return Cond::Auto(Some(format!(
            "{at}: true for a push to {branch}, by the variables the file sets"
        )));
    }
    warnings.push(format!(
        "warning: {at}: condition {text:?} is not understood; the stage runs when its dependencies succeeded"
    ));
    Cond::Auto(None)
}

/// The stage `id` names, if it comes before stage `i`.
fn earlier(read: &[Read], i: usize, id: &str) -> Option<usize> {
    read.iter()
        .position(|r| r.id.eq_ignore_ascii_case(id))
        .filter(|&j| j < i)
}

/// Marks the build: stages that deploy nothing and follow only other such
/// stages. A manual validation is no part of it (the build does not wait
/// for a person), nor is what follows one.
fn mark_build(read: &mut [Read]) {
    for i in 0..read.len() {
        read[i].build = !read[i].deploys
            && !read[i].validation
            && read[i]
                .deps
                .iter()
                .all(|dep| earlier(read, i, dep).is_some_and(|j| read[j].build));
    }
}

/// The stages stage `i` waits for, a manual-validation stage replaced by
/// what it waits for in turn (it is not a stage of the scenario).
fn through_validations(read: &[Read], i: usize) -> Vec<String> {
    let mut out = Vec::new();
    for dep in &read[i].deps {
        match earlier(read, i, dep) {
            Some(j) if read[j].validation => out.extend(through_validations(read, j)),
            _ => out.push(dep.clone()),
        }
    }
    out
}

/// The manual-validation stages stage `i` waits for directly (or through
/// other such stages).
fn validations_waited(read: &[Read], i: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for dep in &read[i].deps {
        if let Some(j) = earlier(read, i, dep).filter(|&j| read[j].validation) {
            out.extend(validations_waited(read, j));
            out.push(j);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Every stage upstream of stage `i`.
fn upstream(read: &[Read], i: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for dep in &read[i].deps {
        if let Some(j) = earlier(read, i, dep) {
            out.push(j);
            out.extend(upstream(read, j));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The manual validations that are stage `i`'s approval: those it waits
/// for, less those a stage it waits for (not a validation) waited for
/// already, as Azure asks each once per run.
fn validations_before(read: &[Read], i: usize) -> Vec<usize> {
    let answered: Vec<usize> = through_validations(read, i)
        .iter()
        .filter_map(|dep| earlier(read, i, dep))
        .flat_map(|k| upstream(read, k))
        .collect();
    validations_waited(read, i)
        .into_iter()
        .filter(|v| !answered.contains(v))
        .collect()
}

/// `depends_on` of kept stage `i`, when it is not the default (the previous
/// kept stage, or the build for the first): dependencies on failure paths
/// dropped, one on a build stage is on the build, one on a manual
/// validation is on what that waits for.
fn depends_on(read: &[Read], i: usize, previous: Option<&str>, it: &Item) -> Option<Val> {
    let n = &it.node;
    let position = |dep: &str| read.iter().position(|r| r.id.eq_ignore_ascii_case(dep));
    let mut deps: Vec<String> = through_validations(read, i)
        .iter()
        .filter(|dep| position(dep).is_none_or(|j| read[j].skipped.is_none()))
        .map(|dep| match position(dep) {
            Some(j) if read[j].build => crate::scenario::BUILD.to_string(),
            Some(j) => stage_name(&read[j].id),
            None => stage_name(dep),
        })
        .collect();
    // Two build stages are one `build`.
    let mut seen = std::collections::HashSet::new();
    deps.retain(|d| seen.insert(d.clone()));
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

/// Why a stage is never on the path a release of `branch` takes when all
/// goes well: its condition is false whenever everything before it succeeded
/// (it runs only after a failure or a cancellation), or false for a push to
/// the branch (it runs for other branches), see [`runtime`].
fn skipped_by(n: &Node, branch: &str, vars: &[(String, String)]) -> Option<Skip> {
    let text = n.scalar().unwrap_or_default();
    if runtime::on_success_path(&text) == runtime::Truth::False {
        Some(Skip::Failure)
    } else if runtime::on_branch_with(&text, branch, vars) == runtime::Truth::False {
        Some(Skip::Branch)
    } else {
        None
    }
}

/// A job's `condition` is known to hold on the success path of a push to
/// `branch` (with the variables it sees), or only excludes pull requests,
/// which main's pushes never are.
fn job_runs(n: &Node, branch: &str, vars: &[(String, String)]) -> bool {
    let text = n.scalar().unwrap_or_default();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    runtime::on_success_path(&text) == runtime::Truth::True
        || runtime::on_branch_with(&text, branch, vars) == runtime::Truth::True
        || compact.contains("ne(variables['Build.Reason'],'PullRequest')")
}

/// Why a stage is left out of the scenario.
#[derive(Clone, Copy, PartialEq)]
enum Skip {
    /// It runs only after a failure (a rollback path).
    Failure,
    /// Its condition is false for a push to the main branch.
    Branch,
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
    /// Its only jobs are manual validations (agentless `ManualValidation`
    /// jobs): the approval of the stages that wait for it, not a stage.
    validation: bool,
    /// It deploys nothing and follows only other such stages: the build.
    build: bool,
    /// Never on the success path of a push to main: left out.
    skipped: Option<Skip>,
    /// The literal variables it sees: the pipeline's, then its own (which
    /// win), variable templates read.
    vars: Vec<(String, String)>,
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
    pub(super) fn stages(
        &mut self,
        stages: &[Item],
        schedule: Option<&(String, String)>,
        lock: Option<&Val>,
        d: &mut Draft,
    ) -> Result<(), InputError> {
        let mut read = self.read_stages(stages)?;
        mark_build(&mut read);
        self.mark_failure_paths(stages, &mut read);
        let kept: Vec<usize> = (0..read.len())
            .filter(|&i| !read[i].build && read[i].skipped.is_none() && !read[i].validation)
            .collect();
        self.warn_lone_validations(stages, &read, &kept);
        let scheduled_somewhere = kept.iter().any(|&i| {
            stages[read[i].item].node.get("condition").is_some_and(|c| {
                matches!(
                    condition(
                        &stages[i].file,
                        c,
                        &self.branch,
                        &read[i].vars,
                        &mut Vec::new()
                    ),
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
        // Which stages are production (a QA stage nothing depends on, beside
        // Live, is not): before the strategies, which stay on production only.
        crate::import::production::prefer_named(d, &mut self.warnings);
        self.strategies(d);
        Ok(())
    }

    /// Every stage's id, dependencies and jobs (templates expanded).
    fn read_stages(&mut self, stages: &[Item]) -> Result<Vec<Read>, InputError> {
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
            // The stage's variables hide the pipeline's.
            let own = self.variables(&it.file, &it.dir, n.get("variables"), 0)?;
            let jobs = match n.get("jobs") {
                Some(list) => {
                    // A job's own variables hide the stage's, which hide the pipeline's.
                    let list_own = self.job_variables(&it.file, &it.dir, list)?;
                    let filled = super::variables::fill(&list_own, &[&own, &self.vars]);
                    let mut items = self.expand(&it.file, &filled, &it.dir, "jobs", 0)?;
                    // A job template's jobs are filled once expanded, in the same order.
                    for j in items.iter_mut().filter(|j| j.file != it.file) {
                        let vars = self.variables(&j.file, &j.dir, j.node.get("variables"), 0)?;
                        j.node = super::variables::fill(&j.node, &[&vars, &own, &self.vars]);
                    }
                    list.mark_all();
                    items
                }
                None => Vec::new(),
            };
            let vars: Vec<(String, String)> = self.vars.iter().chain(&own).cloned().collect();
            // A stage left out by its own condition leaves its jobs with it.
            let left_out = n
                .get("condition")
                .is_some_and(|c| skipped_by(c, &self.branch, &vars).is_some());
            let jobs = match left_out {
                true => jobs,
                false => self.jobs_on_success_path(jobs, &vars),
            };
            let deploys = jobs.iter().any(|j| j.node.get("deployment").is_some());
            let validation = !jobs.is_empty()
                && jobs
                    .iter()
                    .all(|j| super::validation::validation_step(&j.node).is_some());
            read.push(Read {
                id,
                item: i,
                deps,
                jobs,
                deploys,
                validation,
                build: false,
                skipped: None,
                vars,
            });
        }
        Ok(read)
    }

    /// A stage's jobs that run on the path a release of the branch takes
    /// when all goes well. A job whose `condition` is false there (it runs
    /// only after a failure, or for another branch; its own literal
    /// variables hide the stage's), or that waits on such a job with the
    /// default condition (Azure skips a job whose dependency was skipped), is
    /// left out, with a warning: it is neither the stage's deploy nor a
    /// verification step.
    fn jobs_on_success_path(&mut self, jobs: Vec<Item>, vars: &[(String, String)]) -> Vec<Item> {
        let mut kept = Vec::with_capacity(jobs.len());
        let mut left_out: Vec<(String, Skip)> = Vec::new();
        for j in jobs {
            let n = &j.node;
            let name = ["job", "deployment"]
                .iter()
                .find_map(|k| n.get(k).and_then(Node::scalar))
                .unwrap_or_else(|| "job".into());
            let skip = match n.get("condition") {
                Some(c) => {
                    let own = super::variables::literal(n.get("variables"));
                    let all: Vec<(String, String)> = vars.iter().cloned().chain(own).collect();
                    let skip = skipped_by(c, &self.branch, &all);
                    if skip.is_none() && !job_runs(c, &self.branch, &all) {
                        self.warnings.push(format!(
                            "warning: {}:{}: job {name}: condition {:?} is not known for a push to {}; the job is taken as running when the jobs it waits for succeeded",
                            j.file,
                            c.line,
                            c.scalar().unwrap_or_default(),
                            self.branch
                        ));
                    }
                    skip
                }
                None => n.get("dependsOn").and_then(|d| {
                    d.one_or_many()
                        .iter()
                        .filter_map(|x| x.scalar())
                        .find_map(|dep| {
                            left_out
                                .iter()
                                .find(|(id, _)| *id == dep)
                                .map(|&(_, why)| why)
                        })
                }),
            };
            let Some(why) = skip else {
                kept.push(j);
                continue;
            };
            // Left out on purpose: its keys are not "not understood".
            n.mark_all();
            let what = match why {
                Skip::Failure => "runs only after a failure (its condition, or a job it waits for): a failure path".to_string(),
                Skip::Branch => format!("does not run for a push to {} (its condition, or a job it waits for, tests another branch, or a variable the file sets to another value)", self.branch),
            };
            self.warnings.push(format!(
                "warning: {}:{}: job {name} {what}, left out of its stage",
                j.file, n.line
            ));
            left_out.push((name, why));
        }
        kept
    }

    /// Stages that run only after a failure (`condition: failed()`, a
    /// rollback path) or only for other branches than main, and those that
    /// wait on them with the default condition (Azure skips a stage whose
    /// dependency was skipped): never on the path a release takes when all
    /// goes well.
    fn mark_failure_paths(&mut self, stages: &[Item], read: &mut [Read]) {
        for i in 0..read.len() {
            let n = &stages[read[i].item].node;
            read[i].skipped = match n.get("condition") {
                Some(c) => skipped_by(c, &self.branch, &read[i].vars),
                None => read[i]
                    .deps
                    .iter()
                    .find_map(|dep| earlier(read, i, dep).and_then(|j| read[j].skipped)),
            };
            let Some(why) = read[i].skipped else {
                continue;
            };
            // Left out on purpose: its keys are not "not understood".
            n.mark_all();
            read[i].jobs.iter().for_each(|j| j.node.mark_all());
            let what = match why {
                Skip::Failure => "runs only after a failure (its condition, or a stage it waits for): a failure path".to_string(),
                Skip::Branch => format!("does not run for a push to {} (its condition, or a stage it waits for, tests another branch, or a variable the file sets to another value)", self.branch),
            };
            self.warnings.push(format!(
                "warning: {}:{}: stage {} {what}, left out of the scenario",
                stages[read[i].item].file, n.line, read[i].id
            ));
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
        self.trigger(cx, i, previous.is_none(), &mut st, d);
        st.lock = match n.get("lockBehavior") {
            Some(l) => lock_of(&it.file, l, &mut self.warnings),
            None => cx.lock.cloned().unwrap_or_else(|| {
                Val::assumed("run_latest", "Azure's default lockBehavior (runLatest); it applies when the environment has an Exclusive Lock check")
            }),
        };
        // A manual-validation stage before this one: the run waits for a
        // person before it starts, as an approval does.
        let validations = validations_before(cx.read, i);
        // A stage that deploys nothing right after one is the work the
        // person let through (a publish): its jobs are its deploy.
        let jobs_deploy = !r.deploys && !validations.is_empty();
        for v in validations {
            let vr = &cx.read[v];
            let vit = &cx.stages[vr.item];
            vit.node.mark_all();
            st.notes.push(format!(
                "approval: stage {} ({}:{}) only waits for a manual validation, and this stage waits for it: the validation is this stage's approval",
                vr.id, vit.file, vit.node.line
            ));
            for j in &vr.jobs {
                j.node.mark_all();
                super::validation::approval(j, &mut st, d, &mut self.warnings);
            }
        }
        if jobs_deploy {
            st.notes.push(format!(
                "no deployment job: the stage runs after a manual validation, so it is no part of the build; its jobs ({}) are taken as its deploy",
                r.jobs
                    .iter()
                    .filter_map(|j| j.node.get("job").and_then(Node::scalar))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for j in &r.jobs {
            self.stage_job(j, &mut st, !jobs_deploy);
            super::validation::approval(j, &mut st, d, &mut self.warnings);
        }
        st
    }

    /// A manual-validation stage that no kept stage waits for (the last
    /// stage, or before a failure path): the person's wait is not simulated.
    fn warn_lone_validations(&mut self, stages: &[Item], read: &[Read], kept: &[usize]) {
        let mut lone: Vec<(String, String)> = Vec::new();
        for (v, r) in read.iter().enumerate() {
            if !r.validation || r.skipped.is_some() {
                continue;
            }
            let it = &stages[r.item];
            let waiting: Vec<&str> = kept
                .iter()
                .filter(|&&i| validations_before(read, i).contains(&v))
                .map(|&i| read[i].id.as_str())
                .collect();
            if waiting.is_empty() {
                it.node.mark_all();
                r.jobs.iter().for_each(|j| j.node.mark_all());
                lone.push((format!("{}:{}", it.file, it.node.line), r.id.clone()));
            } else if waiting.len() > 1 {
                self.warnings.push(format!(
                    "warning: {}:{}: stages {} wait for the manual validation of stage {}: Azure asks once, the model asks once per stage (an approval each)",
                    it.file,
                    it.node.line,
                    waiting.join(", "),
                    r.id
                ));
            }
        }
        // One warning for them all (PowerShell's release ends in eight).
        if let Some((at, _)) = lone.first() {
            let ids: Vec<&str> = lone.iter().map(|(_, id)| id.as_str()).collect();
            let (what, verb) = match ids.len() {
                1 => ("stage", "waits"),
                _ => ("stages", "wait"),
            };
            self.warnings.push(format!(
                "warning: {at}: {what} {} only {verb} for a manual validation and no stage of the scenario waits for it: the wait is not simulated",
                ids.join(", ")
            ));
        }
    }

    fn trigger(&mut self, cx: &Context, i: usize, first: bool, st: &mut StageDraft, d: &mut Draft) {
        let (schedule, scheduled_somewhere) = (cx.schedule, cx.scheduled_somewhere);
        let it = &cx.stages[cx.read[i].item];
        let vars = &cx.read[i].vars;
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
            .map(|c| condition(&it.file, c, &self.branch, vars, &mut self.warnings));
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
}
