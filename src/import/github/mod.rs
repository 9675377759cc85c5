//! `promosim import github-actions`: workflow files as a scenario.
//!
//! Read: `on` (`push`, `schedule`, `workflow_dispatch`, `workflow_run`),
//! jobs with `needs`, `environment`, `concurrency` (workflow and job level,
//! `cancel-in-progress`), `if`, `strategy.matrix` and reusable-workflow jobs
//! given an `environment` input, or read when local (the stage is the called
//! workflow's last environment in job order: the job that deploys). A job
//! with an environment is a stage; jobs before any deployment are the build;
//! jobs after one verify it. Required reviewers and wait timers are
//! repository settings: the sidecar gives them.

mod callee;
mod condition;
mod dispatch;
mod environment;
mod gate;
mod matrix;
mod on;
mod production;
mod when;

use std::path::Path;

use callee::{Callee, callee, per_leg_callee};
use environment::{environment, eval_value};
use matrix::{
    MatrixEnv, expand_title, matrix_env, matrix_leg_note, matrix_note, matrix_rounds,
    rounds_duration,
};
use on::{On, batch_and_zone, concurrency, read_on, start_trigger};
use when::{job_if, leaves_out, unknown_condition};

use crate::error::InputError;
use crate::import::draft::{Draft, StageDraft};
use crate::import::sidecar::Sidecar;
use crate::import::tree::Node;
use crate::import::writer::{Val, quote};
use crate::import::{Imported, check_scenario, read_one, stage_name, warn_unread};

/// The person assumed to start a `workflow_dispatch` run.
pub const DISPATCHER: &str = "release-manager";

/// An environment a job deploys to, and where its name was read
/// (`file:line`: the caller's file, or the called workflow's).
#[derive(Clone)]
struct Env {
    name: String,
    at: String,
}

/// One job, as far as the stage graph needs it.
struct Job<'a> {
    id: String,
    node: &'a Node,
    needs: Vec<String>,
    env: Option<Env>,
    /// The local reusable workflow it calls, when read.
    callee: Option<Callee>,
    /// Why no GitHub environment protects it although it names one.
    unprotected: Option<String>,
    /// A matrix over environments (`environment: ${{ matrix.X }}`): one
    /// stage per leg.
    matrix: Option<MatrixEnv>,
    /// What reading its called workflow found to warn about: said only when
    /// the job runs.
    callee_warnings: Vec<String>,
}

/// Imports one or more workflow files; `out` names the scenario in messages.
pub fn import(
    paths: &[&Path],
    sidecar: Option<&Sidecar>,
    out: &str,
) -> Result<Imported, InputError> {
    let mut roots = Vec::new();
    for p in paths {
        roots.push(read_one(p, "workflow file")?);
    }
    let name = paths
        .first()
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workflow".into());
    let mut d = Draft::new(&name, roots.iter().map(|(f, _)| f.clone()).collect());
    // Cited at the first schedule read (in `workflow`); without one, assumed.
    d.time_zone = Val::assumed(
        "UTC",
        "no `schedule` in the workflows; GitHub Actions reads cron schedules in UTC",
    );
    // Cited at the `push` event (in `workflow`); without one, assumed.
    d.batch = Val::assumed(
        "none",
        "no workflow runs on `push`: the model still builds each push to main, one build per push",
    );
    let mut warnings = Vec::new();
    let mut any_push = false;
    let trunk = on::trunk(&roots);
    // Stages held by a called workflow's gate environments.
    let mut gated: Vec<gate::Gated> = Vec::new();
    for (file, root) in &roots {
        any_push |= workflow(file, root, &trunk, &mut d, &mut gated, &mut warnings)?;
    }
    production::prefer_named(&mut d, &mut warnings);
    if !any_push {
        d.build_notes
            .push("no workflow runs on `push`: the model still builds each push to main".into());
    }
    if let Some(s) = sidecar {
        gate::without_gates(s, &gated, &d).apply(&mut d, &mut warnings);
        gate::apply(s, &gated, &mut d, &mut warnings);
    }
    for (file, root) in &roots {
        warn_unread(file, root, &mut warnings);
    }
    if let Some((file, _)) = roots.first() {
        d.warn_if_no_stage(file, &mut warnings);
    }
    // A job read once per matrix leg says each thing once.
    let mut seen = std::collections::HashSet::new();
    warnings.retain(|w| seen.insert(w.clone()));
    let warnings = merge_lines(warnings);
    let yaml = d.render();
    check_scenario(&yaml, out)?;
    Ok(Imported { yaml, warnings })
}

/// Warnings that say the same of several lines of one file (the same
/// environment expression on five jobs) said once, naming the lines:
/// `warning: f.yml:114 (also lines 160, 259): …`.
fn merge_lines(warnings: Vec<String>) -> Vec<String> {
    /// A warning, and when it cites one line of a file, what it says of
    /// it (file, text) and every line it is said of.
    struct Said {
        text: String,
        of: Option<(String, String)>,
        lines: Vec<String>,
    }
    let mut out: Vec<Said> = Vec::new();
    for w in warnings {
        let Some((file, line, rest)) = cited_line(&w) else {
            out.push(Said {
                text: w,
                of: None,
                lines: Vec::new(),
            });
            continue;
        };
        let of = Some((file.to_string(), rest.to_string()));
        match out.iter_mut().find(|s| s.of == of) {
            Some(s) => s.lines.push(line.to_string()),
            None => out.push(Said {
                lines: vec![line.to_string()],
                of,
                text: w,
            }),
        }
    }
    out.into_iter()
        .map(|s| match s.of {
            Some((file, rest)) if s.lines.len() > 1 => format!(
                "warning: {file}:{} (also line{} {}): {rest}",
                s.lines[0],
                if s.lines.len() > 2 { "s" } else { "" },
                s.lines[1..].join(", ")
            ),
            _ => s.text,
        })
        .collect()
}

/// `warning: FILE:LINE: REST` as its three parts.
fn cited_line(w: &str) -> Option<(&str, &str, &str)> {
    let body = w.strip_prefix("warning: ")?;
    let (head, rest) = body.split_once(": ")?;
    let (file, line) = head.rsplit_once(':')?;
    let digits = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    digits.then_some((file, line, rest))
}

/// Reads one workflow into the draft; says whether it runs on push.
fn workflow(
    file: &str,
    root: &Node,
    trunk: &str,
    d: &mut Draft,
    gated: &mut Vec<gate::Gated>,
    warnings: &mut Vec<String>,
) -> Result<bool, InputError> {
    root.known(&["name", "run-name", "env", "defaults", "permissions"]);
    let on = read_on(file, root, trunk, d, warnings);
    if on.never_runs() {
        // Only pull requests, a merge queue…: none of its jobs runs on the model's runs.
        let line = root
            .entries()
            .and_then(|e| {
                e.iter()
                    .find(|(k, _)| k.scalar().as_deref() == Some("on"))
                    .map(|(k, _)| k.line)
            })
            .unwrap_or(root.line);
        warnings.push(format!("warning: {file}:{line}: nothing the model simulates starts this workflow (no push to {trunk}, schedule, dispatch, release or workflow_run): its jobs are left out of the scenario"));
        root.mark_all();
        return Ok(false);
    }
    let wf_lock = root
        .get("concurrency")
        .and_then(|c| concurrency(file, c, warnings));
    batch_and_zone(file, root, &on, wf_lock.is_some(), d);
    let jobs = read_jobs(file, root, &on, warnings)?;
    let order = topological(file, &jobs)?;
    let cx = Workflow {
        file,
        on: &on,
        lock: wf_lock.as_ref().map(|(v, _)| v),
        run_start: std::cell::Cell::new(None),
        gated: std::cell::RefCell::new(Vec::new()),
        dispatched: std::cell::RefCell::new(Vec::new()),
        dispatch_plain: std::cell::RefCell::new(Vec::new()),
    };
    // For each job, the stages (deploy jobs) it follows, through plain jobs.
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); jobs.len()];
    // For each deploy job, the stages that what needs it waits for.
    let mut stage_of: Vec<Vec<usize>> = vec![Vec::new(); jobs.len()];
    // Jobs that never run on the model's runs (a pull request's, a failure path's).
    let mut left_out = vec![false; jobs.len()];
    for &j in &order {
        let job = &jobs[j];
        if leaves_out(file, &on, job, &jobs, &left_out, warnings) {
            left_out[j] = true;
            job.node.mark_all();
            continue;
        }
        warnings.extend(job.callee_warnings.iter().cloned());
        after[j] = upstream(&jobs, j, &after, &stage_of);
        job.node.known(JOB_KEYS);
        // A matrix's note: on the build for a build job, on the stage of a
        // deployment (a matrix over environments says more, per leg).
        let note = matrix_note(file, job);
        if job.env.is_none() {
            d.build_notes.extend(note);
            let only_dispatch = when::plain_dispatch_only(&cx, job);
            // A plain job after a deployment verifies it, unless it runs only
            // on a dispatch the deployment does not.
            if let Some(&k) = after[j].first() {
                let s = *stage_of[k].last().expect("a deploy job has a stage");
                match &only_dispatch {
                    Some(at) if !cx.dispatched.borrow().contains(&d.stages[s].name) => {
                        d.stages[s].notes.push(format!("job {} runs after it only when someone dispatches the workflow ({at}): not a verification of every release", job.id));
                    }
                    _ => d.stages[s]
                        .verify
                        .push((job.id.clone(), job_duration(), None)),
                }
            }
            if let Some(at) = only_dispatch {
                cx.dispatch_plain.borrow_mut().push((job.id.clone(), at));
            }
            job_if(&on, file, job, None, d, warnings);
            continue;
        }
        let note = note.filter(|_| job.matrix.is_none());
        let mut deps: Vec<String> = Vec::new();
        for s in after[j].iter().flat_map(|&k| stage_of[k].iter()) {
            if !deps.contains(&d.stages[*s].name) {
                deps.push(d.stages[*s].name.clone());
            }
        }
        stage_of[j] = job_stages(&cx, job, &deps, note, d, warnings);
    }
    gated.append(&mut cx.gated.borrow_mut());
    Ok(on.push)
}

/// What every stage of one workflow shares.
struct Workflow<'a> {
    file: &'a str,
    on: &'a On,
    /// The workflow's `concurrency`, as a lock.
    lock: Option<&'a Val>,
    /// The stage that took the workflow's manual trigger: the other jobs
    /// the same run starts take its release (see `dispatch`).
    run_start: std::cell::Cell<Option<usize>>,
    /// The stages held by a called workflow's gate environments.
    gated: std::cell::RefCell<Vec<gate::Gated>>,
    /// The stages that run only when someone dispatches the workflow (an
    /// `if:` true only on `workflow_dispatch`, or following such a stage):
    /// a later one of them is started by the same dispatch.
    dispatched: std::cell::RefCell<Vec<String>>,
    /// Plain jobs that run only when someone dispatches the workflow (their
    /// `if:`, or a plain job they need), with that `if:`'s place: a
    /// deployment needing one is skipped on every other run.
    dispatch_plain: std::cell::RefCell<Vec<(String, String)>>,
}

/// The keys of a job read as they are, or not needed by the model.
const JOB_KEYS: &[&str] = &[
    "name",
    "runs-on",
    "steps",
    "outputs",
    "env",
    "defaults",
    "permissions",
    "timeout-minutes",
    "services",
    "container",
    "continue-on-error",
    "needs",
    "with",
    "secrets",
    "uses",
];

/// A plain job's duration, which no workflow file says.
fn job_duration() -> Val {
    Val::assumed("10m", "a job's duration is not in the file; calibrate it")
}

/// The jobs of a workflow: needs, the workflow each calls, where each deploys.
fn read_jobs<'a>(
    file: &str,
    root: &'a Node,
    on: &On,
    warnings: &mut Vec<String>,
) -> Result<Vec<Job<'a>>, InputError> {
    let Some(jobs_node) = root.get("jobs") else {
        return Err(root.error(file, "a workflow needs `jobs:`"));
    };
    let entries = jobs_node
        .entries()
        .ok_or_else(|| jobs_node.error(file, "expected `jobs:` to be a mapping of job ids"))?;
    let mut jobs: Vec<Job> = Vec::new();
    for (k, v) in entries {
        k.touch();
        v.touch();
        let id = k.scalar().unwrap_or_default();
        let needs = v
            .get("needs")
            .map(|n| n.one_or_many().iter().filter_map(|x| x.scalar()).collect())
            .unwrap_or_default();
        // Said only when the job runs (see `workflow`).
        let mut callee_warnings = Vec::new();
        let (callee, legs) = match per_leg_callee(file, &id, k.line, v, on)? {
            Some((c, m, mut w)) => {
                callee_warnings.append(&mut w);
                (Some(c), Some(m))
            }
            None => (
                callee(file, &id, k.line, v, on, None, &mut callee_warnings)?,
                None,
            ),
        };
        if callee.is_none() {
            // A workflow not read: said at once.
            warnings.append(&mut callee_warnings);
        }
        // A called workflow that was read says where it deploys; the
        // caller's `with: {environment: …}` is only a guess at it.
        let matrix = match (&callee, legs) {
            (_, Some(m)) => Some(m),
            (None, None) => matrix_env(file, v, warnings),
            (Some(_), None) => None,
        };
        let env = match (callee.as_ref().and_then(|c| c.env.clone()), &matrix) {
            (Some(e), _) => Some(e),
            (None, Some(m)) => Some(Env {
                name: m.legs[0].clone(),
                at: format!("{file}:{}", v.get("environment").map_or(v.line, |e| e.line)),
            }),
            (None, None) => {
                environment(file, v, on, callee.is_some(), warnings).map(|(name, line)| Env {
                    name,
                    at: format!("{file}:{line}"),
                })
            }
        };
        let unprotected = unprotected(&id, callee.as_ref(), env.as_ref(), warnings);
        jobs.push(Job {
            id,
            node: v,
            needs,
            env,
            callee,
            unprotected,
            matrix,
            callee_warnings,
        });
    }
    Ok(jobs)
}

/// GitHub applies an environment's protection rules only to a job that
/// declares `environment:`; an input named `environment` is just a string to
/// a called workflow that declares none. Why the job is not protected, if so.
fn unprotected(
    id: &str,
    callee: Option<&Callee>,
    env: Option<&Env>,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let (c, e) = (callee?, env?);
    if c.env.is_some() {
        return None;
    }
    let why = format!(
        "the reusable workflow {} (read) declares no `environment:` in any job, so GitHub gates no job of it: the input `environment: {}` ({}) is not a GitHub environment there, and its protection rules (required reviewers, wait timer) do not apply",
        c.file, e.name, e.at
    );
    warnings.push(format!(
        "warning: {}: job {id}: {why}; the job is a stage named by the input, with no approvals",
        e.at
    ));
    Some(why)
}

/// The deploy jobs job `j` follows: those it needs, and through a plain job
/// it needs, the ones that job follows.
fn upstream(jobs: &[Job], j: usize, after: &[Vec<usize>], stage_of: &[Vec<usize>]) -> Vec<usize> {
    let mut deps: Vec<usize> = Vec::new();
    for need in &jobs[j].needs {
        let Some(k) = jobs.iter().position(|x| &x.id == need) else {
            continue;
        };
        if !stage_of[k].is_empty() && jobs[k].env.is_some() {
            deps.push(k);
        } else {
            deps.extend(after[k].iter().copied());
        }
    }
    deps.sort_unstable();
    deps.dedup();
    deps
}

/// The stages of a deploy job, one per environment (a matrix over
/// environments: one per leg, in matrix order), pushed to the draft; returns
/// the ones a job needing it waits for. `deps`: the stages it follows.
fn job_stages(
    cx: &Workflow,
    job: &Job,
    deps: &[String],
    note: Option<String>,
    d: &mut Draft,
    warnings: &mut Vec<String>,
) -> Vec<usize> {
    let env = job.env.clone().expect("a deploy job has an environment");
    if let Some(s) = dispatch::join_run(cx, job, deps, d, warnings) {
        return vec![s];
    }
    let legs: Vec<String> = match &job.matrix {
        Some(m) => m.legs.clone(),
        None => vec![env.name.clone()],
    };
    let mut leg_stages: Vec<usize> = Vec::new();
    for (leg, name) in legs.iter().enumerate() {
        let env = Env {
            name: name.clone(),
            at: env.at.clone(),
        };
        let previous = leg_stages.last().map(|&s| d.stages[s].name.clone());
        let sequential = job.matrix.as_ref().is_some_and(|m| m.sequential) && leg > 0;
        let mut st = leg_stage(cx, job, leg, &env, deps, previous, d, warnings);
        if dispatch::starts_run(cx, deps) && !sequential {
            match cx.run_start.get() {
                None => cx.run_start.set(Some(d.stages.len())),
                Some(_) => dispatch::follow_run(cx, job, &mut st, d, warnings),
            }
        }
        st.notes.extend(note.clone());
        matrix_stage(job, leg, &env.name, &mut st);
        let gates = leg_gates(cx, job, leg, name);
        if let Some((deployer, _)) = job.callee.as_ref().and_then(|c| c.deployer.as_ref()) {
            for (g, e) in &gates {
                st.notes.push(gate::note(&job.id, g, e, deployer));
            }
        }
        if !gates.is_empty() {
            cx.gated.borrow_mut().push((d.stages.len(), gates));
        }
        leg_stages.push(d.stages.len());
        d.stages.push(st);
    }
    match &job.matrix {
        Some(m) if m.sequential => leg_stages.last().copied().into_iter().collect(),
        _ => leg_stages,
    }
}

/// The gate environments a called job's leg waits for: the callee's as
/// read, or for a later matrix leg, as read with that leg's value.
fn leg_gates(cx: &Workflow, job: &Job, leg: usize, value: &str) -> Vec<(String, Env)> {
    let Some(c) = &job.callee else {
        return Vec::new();
    };
    match &job.matrix {
        Some(m) if leg > 0 => {
            let mut ignored = Vec::new();
            callee(
                cx.file,
                &job.id,
                job.node.line,
                job.node,
                cx.on,
                Some((&m.axis, value)),
                &mut ignored,
            )
            .ok()
            .flatten()
            .map(|c| c.gates)
            .unwrap_or_default()
        }
        _ => c.gates.clone(),
    }
}

/// What a matrix changes on a stage: the leg's note and title (its
/// `${{ matrix.X }}` expanded), and a deployment whose legs run in rounds
/// one after another (`max-parallel`) takes the sum of the rounds.
fn matrix_stage(job: &Job, leg: usize, env: &str, st: &mut StageDraft) {
    let rounds = match &job.matrix {
        Some(m) => {
            st.notes.push(matrix_leg_note(job, m, leg));
            let expr = format!("matrix.{}", m.axis);
            st.title = st.title.take().map(|t| {
                let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
                let t = if compact.contains(&format!("${{{{{expr}}}}}")) {
                    t
                } else {
                    format!("{t} ({env})")
                };
                expand_title(&t, job, Some((&m.axis, env)))
            });
            (m.sequential && m.per_env > 1).then(|| {
                (
                    m.per_env,
                    format!(
                        "{} legs of this environment one after another (max-parallel: 1)",
                        m.per_env
                    ),
                )
            })
        }
        None => {
            st.title = st.title.take().map(|t| expand_title(&t, job, None));
            matrix_rounds(job)
                .filter(|&(_, rounds, _)| rounds > 1)
                .map(|(legs, rounds, _)| {
                    (
                        rounds,
                        format!(
                            "{legs} matrix legs in {rounds} rounds one after another (max-parallel)"
                        ),
                    )
                })
        }
    };
    if let Some((rounds, why)) = rounds {
        for (k, v) in &mut st.deploy {
            if k == "duration" {
                *v = rounds_duration(rounds, why.clone());
            }
        }
    }
}

/// One stage of a deploy job: leg `leg` (0 without a matrix) deploying to
/// `env`; `previous`: the stage of the leg before it.
#[allow(clippy::too_many_arguments)]
fn leg_stage(
    cx: &Workflow,
    job: &Job,
    leg: usize,
    env: &Env,
    deps: &[String],
    previous: Option<String>,
    d: &mut Draft,
    warnings: &mut Vec<String>,
) -> StageDraft {
    let file = cx.file;
    let mut name = stage_name(&env.name);
    if d.stages.iter().any(|s| s.name == name) {
        name = stage_name(&format!("{}-{}", env.name, job.id));
    }
    let mut st = StageDraft::new(&name, format!("{file}:{}", job.node.line));
    st.trigger = Val::read(
        "auto",
        format!(
            "{file}:{} (job {}: it starts when what it needs has succeeded)",
            job.node.line, job.id
        ),
    );
    st.title = job
        .node
        .get("name")
        .and_then(Node::scalar)
        .or(Some(job.id.clone()));
    st.environment = Some(env.name.clone());
    if let Some(c) = &job.callee {
        callee_notes(job, c, &mut st);
    }
    match &job.unprotected {
        Some(why) => {
            st.notes.push(format!("approvals: none: {why}"));
            st.unprotected = Some(why.clone());
        }
        None => st.notes.push(format!("approvals: environment {} ({}): required reviewers and wait timers are repository settings, not in the file; none assumed, give them in a sidecar (docs/import.md)", env.name, env.at)),
    }
    // A later leg run one at a time follows the leg before it.
    let sequential_leg = match (&job.matrix, previous) {
        (Some(m), Some(p)) if m.sequential && leg > 0 => {
            Some((p, m.max_parallel_at.clone().unwrap_or_else(|| m.at.clone())))
        }
        _ => None,
    };
    st.depends_on = Some(depends_on(cx, job, deps, sequential_leg.as_ref()));
    if deps.is_empty() && sequential_leg.is_none() && !cx.on.push && !cx.on.follows_other {
        start_trigger(cx.on, &mut st, d);
    }
    job_if(cx.on, file, job, Some(&mut st), d, warnings);
    when::same_dispatch(cx, job, deps, &mut st, d);
    // A later leg run one at a time starts when the one before ends,
    // whatever started the job.
    if let Some((_, at)) = &sequential_leg {
        st.trigger = Val::read(
            "auto",
            format!("{at} (max-parallel: 1: this leg starts when the one before has succeeded)"),
        );
    }
    let callee_lock = job.callee.as_ref().and_then(|c| c.lock.clone());
    st.lock = match job
        .node
        .get("concurrency")
        .and_then(|c| concurrency(file, c, warnings))
    {
        Some((v, _)) => v,
        None => match (callee_lock, cx.lock) {
            (Some(v), _) => v,
            (None, Some(v)) => v.clone(),
            (None, None) => Val::assumed(
                "sequential",
                "no concurrency group: GitHub would deploy runs side by side; the model deploys one at a time, in order",
            ),
        },
    };
    st
}

/// What a called workflow adds to the stage: where it deploys, its other
/// environments, the jobs that verify the deployment.
fn callee_notes(job: &Job, c: &Callee, st: &mut StageDraft) {
    st.notes.push(match (&c.deployer, c.same.is_empty()) {
        (Some((d, line)), true) => format!(
            "job {} calls the reusable workflow {} (read): its job {d} ({}:{line}) deploys",
            job.id, c.file, c.file
        ),
        (Some((d, line)), false) => format!(
            "job {} calls the reusable workflow {} (read): its jobs {} and {d} ({}:{line}, the last in job order) deploy to the same environment: steps of one deployment, which the stage's deploy covers",
            job.id,
            c.file,
            c.same.join(", "),
            c.file
        ),
        (None, _) => format!(
            "job {} calls the reusable workflow {} (read)",
            job.id, c.file
        ),
    });
    for (id, e) in &c.others {
        st.notes.push(format!(
            "environment {} of its job {id} ({}) is a plan or verification step: not simulated as a stage",
            e.name, e.at
        ));
    }
    for p in &c.plain {
        st.verify.push((p.clone(), job_duration(), None));
    }
}

/// A stage's `depends_on`: the leg before it (`sequential_leg`: its name and
/// where `max-parallel` was read), the stages its needs lead to, or the build.
fn depends_on(
    cx: &Workflow,
    job: &Job,
    deps: &[String],
    sequential_leg: Option<&(String, String)>,
) -> Val {
    let file = cx.file;
    let needs_at = job
        .node
        .get("needs")
        .map(|n| n.line)
        .unwrap_or(job.node.line);
    if let Some((previous, at)) = sequential_leg {
        Val::read(
            format!("[{}]", quote(previous)),
            format!(
                "{at} (max-parallel: 1: the matrix legs deploy one after another, in matrix order)"
            ),
        )
    } else if deps.is_empty() {
        let how = if cx.on.push || cx.on.follows_other {
            "the workflow runs after the build"
        } else {
            "the run's deployments start from the newest build"
        };
        Val::read("[build]", format!("{file}:{needs_at} ({how})"))
    } else {
        Val::read(
            format!(
                "[{}]",
                deps.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
            ),
            format!("{file}:{needs_at} (needs)"),
        )
    }
}

/// Jobs in an order where each comes after what it needs; a cycle or an unknown need is refused.
fn topological(file: &str, jobs: &[Job]) -> Result<Vec<usize>, InputError> {
    for j in jobs {
        for n in &j.needs {
            if !jobs.iter().any(|x| &x.id == n) {
                let at = j.node.get("needs").unwrap_or(j.node);
                return Err(at.error(
                    file,
                    format!(
                        "job {} needs {n:?}, which is not a job of this workflow",
                        j.id
                    ),
                ));
            }
        }
    }
    let mut done: Vec<usize> = Vec::new();
    while done.len() < jobs.len() {
        let next = (0..jobs.len()).find(|i| {
            !done.contains(i)
                && jobs[*i]
                    .needs
                    .iter()
                    .all(|n| done.iter().any(|&k| &jobs[k].id == n))
        });
        match next {
            Some(i) => done.push(i),
            None => {
                let stuck = (0..jobs.len())
                    .find(|i| !done.contains(i))
                    .expect("some job is left");
                return Err(jobs[stuck].node.error(
                    file,
                    format!("job {} is part of a `needs` cycle", jobs[stuck].id),
                ));
            }
        }
    }
    Ok(done)
}
