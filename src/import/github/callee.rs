//! A job that calls a local reusable workflow: the called file's
//! environments, its deploying job, the jobs that verify it and its lock.

use std::path::Path;

use super::matrix::{MatrixEnv, matrix_with};
use super::on::{On, dispatch_input};
use super::{Env, Job, concurrency, eval_value, leaves_out, topological, unknown_condition};
use crate::error::InputError;
use crate::import::read_one;
use crate::import::tree::Node;
use crate::import::writer::Val;

/// A local reusable workflow (`uses: ./.github/workflows/x.yml`) read from
/// the file of that name next to the caller. Its environments (with
/// `${{ inputs.X }}` taken from the caller's `with` or the input's default)
/// become one stage: the one of the job that deploys, the last environment
/// in the callee's job order (the one the others lead to, as a terraform
/// `apply` needs its `plan`). The plain jobs that need that job verify it.
pub(super) struct Callee {
    pub file: String,
    /// The deploying job's environment.
    pub env: Option<Env>,
    /// The deploying job's id and line in the callee.
    pub deployer: Option<(String, u64)>,
    /// The callee's other environments (job id, environment): plan or
    /// verification steps, not simulated as a stage.
    pub others: Vec<(String, Env)>,
    /// The environments of callee jobs the deploying job needs, directly or
    /// through others (job id, environment): a `confirm_deploy` job on
    /// `${{ inputs.env }}_gate`. GitHub holds such a job until its reviewers
    /// approve and its wait timer passes, and the deployment waits for it,
    /// so their protection rules hold the stage.
    pub gates: Vec<(String, Env)>,
    /// The callee's other jobs on the deploying job's environment: steps of
    /// the same deployment, which the stage's deploy covers.
    pub same: Vec<String>,
    pub plain: Vec<String>,
    /// The lock from the deploying job's `concurrency` (else the callee
    /// workflow's), read only when the calling job has no `concurrency`.
    pub lock: Option<Val>,
}

/// The reusable workflow a job calls, when it is a local one whose file is
/// next to the caller; otherwise a warning and `None` (the job is one job).
/// `leg`: read for that matrix leg (axis, value).
pub(super) fn callee(
    file: &str,
    id: &str,
    line: u64,
    job: &Node,
    on: &On,
    leg: Option<(&str, &str)>,
    warnings: &mut Vec<String>,
) -> Result<Option<Callee>, InputError> {
    let Some(u) = job.get("uses").and_then(Node::scalar) else {
        return Ok(None);
    };
    let local = u.starts_with("./") && !u.contains('@');
    let name = Path::new(&u).file_name().map(Path::new);
    let path = match (local, name) {
        (true, Some(name)) => Path::new(file).parent().unwrap_or(Path::new("")).join(name),
        _ => {
            warnings.push(format!("warning: {file}:{line}: job {id} calls the reusable workflow {u}, which is not in this repository and is not read; it is modelled as one job"));
            return Ok(None);
        }
    };
    if !path.is_file() {
        warnings.push(format!("warning: {file}:{line}: job {id} calls the reusable workflow {u}, but {} does not exist next to the caller; it is modelled as one job", path.display()));
        return Ok(None);
    }
    let (cfile, croot) = read_one(&path, "reusable workflow")?;
    // Only the jobs' environments and names matter here: the rest is the callee's business.
    croot.mark_all();
    let mut inputs: Vec<(String, String)> = Vec::new();
    let declared = croot
        .get("on")
        .and_then(|o| o.get("workflow_call"))
        .and_then(|w| w.get("inputs"))
        .and_then(Node::entries)
        .unwrap_or_default();
    for (k, v) in declared {
        if let (Some(k), Some(d)) = (k.scalar(), v.get("default").and_then(Node::scalar)) {
            inputs.push((k, d));
        }
    }
    for (k, v) in job.get("with").and_then(Node::entries).unwrap_or_default() {
        if let (Some(k), Some(mut v)) = (k.scalar(), v.scalar()) {
            // One matrix leg's run: `${{ matrix.AXIS }}` is the leg's value.
            if let Some((axis, value)) = leg {
                let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                if compact == format!("${{{{matrix.{axis}}}}}") {
                    v = value.to_string();
                }
            }
            // `${{ github.event.inputs.environment || 'CICD' }}` is CICD on a push.
            // An empty value that is a dispatch input with a default takes
            // the default, as a job's own `environment:` does.
            let v = match v.contains("${{").then(|| eval_value(on, &v)).flatten() {
                Some(x) if !x.is_empty() => x,
                x => dispatch_input(&v, &on.inputs)
                    .map(|(_, d)| d)
                    .or(x)
                    .unwrap_or(v),
            };
            inputs.retain(|(n, _)| *n != k);
            inputs.push((k, v));
        }
    }
    let fill = |t: &str| {
        inputs.iter().fold(t.to_string(), |t, (k, v)| {
            t.replace(&format!("${{{{ inputs.{k} }}}}"), v)
                .replace(&format!("${{{{inputs.{k}}}}}"), v)
        })
    };
    // The callee's `if:` conditions read its inputs, for the caller's event.
    let con = On {
        with: Some(
            inputs
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect(),
        ),
        ..on.clone()
    };
    // The callee's jobs, in an order where each follows what it needs (a
    // cycle or an unknown need in the callee is refused at its line).
    let cjobs_node = croot.get("jobs");
    let mut cjobs: Vec<Job> = Vec::new();
    let mut env_warnings: Vec<Option<String>> = Vec::new();
    for (k, v) in cjobs_node.and_then(Node::entries).unwrap_or_default() {
        let cid = k.scalar().unwrap_or_default();
        let mut unresolved = None;
        let env = v.get("environment").and_then(|e| {
            let raw = e
                .text()
                .map(str::to_string)
                .or_else(|| e.get("name").and_then(Node::scalar))?;
            let mut name = fill(&raw);
            // An input that fills to nothing (`default: ''`) names no environment.
            if name.trim().is_empty() {
                return None;
            }
            let at = format!("{cfile}:{}", e.line);
            // `${{ inputs.env || 'dev' }}`: evaluated with the inputs, as `if:` is.
            if name.contains("${{") {
                match eval_value(&con, &raw) {
                    Some(v) if v.trim().is_empty() => return None,
                    Some(v) => name = v,
                    None => {}
                }
            }
            if name.contains("${{") {
                unresolved = Some(format!("warning: {at}: environment {raw:?} of the reusable workflow's job {cid} is an expression that neither the caller's `with` (job {id}, {file}:{line}) nor the input defaults give; the job id is used as its name"));
                name = cid.clone();
            }
            Some(Env { name, at })
        });
        env_warnings.push(unresolved);
        let needs = v
            .get("needs")
            .map(|n| n.one_or_many().iter().filter_map(|x| x.scalar()).collect())
            .unwrap_or_default();
        cjobs.push(Job {
            id: cid,
            node: v,
            needs,
            env,
            callee: None,
            unprotected: None,
            matrix: None,
            callee_warnings: Vec::new(),
        });
    }
    let order = topological(&cfile, &cjobs)?;
    // Its `if:` conditions, as the caller's: a job that never runs on the
    // model's runs is left out; one that cannot be known is warned about.
    let mut left_out = vec![false; cjobs.len()];
    for &j in &order {
        if leaves_out(&cfile, &con, &cjobs[j], &cjobs, &left_out, warnings) {
            left_out[j] = true;
            continue;
        }
        warnings.extend(env_warnings[j].take());
        unknown_condition(&con, &cfile, &cjobs[j], warnings);
    }
    let order: Vec<usize> = order.into_iter().filter(|&j| !left_out[j]).collect();
    let mut c = Callee {
        file: cfile.clone(),
        env: None,
        deployer: None,
        others: Vec::new(),
        gates: Vec::new(),
        same: Vec::new(),
        plain: Vec::new(),
        lock: None,
    };
    // The job that deploys: the last one with an environment in job order,
    // passing over one that also runs after a failure (`if: always()`): a
    // report or a clean-up. Only when every one does is the last taken.
    let with_env: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&j| cjobs[j].env.is_some())
        .collect();
    let Some(&last) = with_env.last() else {
        return Ok(Some(c));
    };
    let d = with_env
        .iter()
        .rev()
        .copied()
        .find(|&j| !after_failure(&cjobs[j]))
        .unwrap_or(last);
    let deployer = &cjobs[d];
    let denv = deployer.env.clone().expect("found by its environment");
    let upstream = needed_by(&cjobs, d);
    for &j in &with_env {
        let job = &cjobs[j];
        let e = job.env.as_ref().expect("has an environment");
        let later = |x: usize| order.iter().position(|&k| k == x);
        if j != d && after_failure(job) && later(j) > later(d) {
            let cond = job.node.get("if").expect("after_failure reads `if:`");
            warnings.push(format!("warning: {cfile}:{}: job {} of the reusable workflow (called by job {id} at {file}:{line}) also runs when what it needs failed (`if: {}`): a report or clean-up, not taken as the job that deploys ({}); it is not simulated", cond.line, job.id, cond.scalar().unwrap_or_default().trim(), deployer.id));
        }
        if j == d {
            continue;
        }
        if e.name == denv.name {
            // Another step of the same deployment: the stage's deploy covers
            // it (a report after it is warned about above).
            if !after_failure(job) {
                c.same.push(job.id.clone());
            }
            continue;
        }
        if upstream.contains(&j) {
            // A gate the deployment waits for: its protection rules hold the stage.
            warnings.push(format!("warning: {}: environment {:?} of the reusable workflow's job {} (called by job {id} at {file}:{line}) is not simulated as a stage: a called job becomes one stage, that of the job that deploys, the last environment in the callee's job order ({:?}, job {}, {}); {} waits for {}, so GitHub holds the deployment until {:?}'s protection rules pass: the sidecar's approvals and wait timer for {:?} apply to that stage, and the job's duration is left out", e.at, e.name, job.id, denv.name, deployer.id, denv.at, deployer.id, job.id, e.name, e.name));
            c.gates.push((job.id.clone(), e.clone()));
            continue;
        }
        warnings.push(format!("warning: {}: environment {:?} of the reusable workflow's job {} (called by job {id} at {file}:{line}) is not simulated as a stage: a called job becomes one stage, that of the job that deploys, the last environment in the callee's job order ({:?}, job {}, {}); {} is taken as a plan or verification step, and its protection rules and duration are left out", e.at, e.name, job.id, denv.name, deployer.id, denv.at, job.id));
        c.others.push((job.id.clone(), e.clone()));
    }
    // Plain jobs that need the deploying job (directly or through others) verify it.
    let mut downstream: Vec<usize> = Vec::new();
    for &j in &order {
        let job = &cjobs[j];
        let follows = job.needs.iter().any(|n| {
            cjobs
                .iter()
                .position(|x| &x.id == n)
                .is_some_and(|k| k == d || downstream.contains(&k))
        });
        if follows {
            downstream.push(j);
            if job.env.is_none() {
                c.plain.push(job.id.clone());
            }
        }
    }
    // The deploying job's lock, when the caller's job does not set one.
    if job.get("concurrency").is_none() {
        c.lock = deployer
            .node
            .get("concurrency")
            .or_else(|| croot.get("concurrency"))
            .and_then(|n| concurrency(&cfile, n, warnings))
            .map(|(v, _)| v);
    }
    c.deployer = Some((deployer.id.clone(), deployer.node.line));
    c.env = Some(denv);
    Ok(Some(c))
}

/// The jobs job `j` needs, directly or through others.
fn needed_by(jobs: &[Job], j: usize) -> Vec<usize> {
    let mut found: Vec<usize> = Vec::new();
    let mut todo = vec![j];
    while let Some(k) = todo.pop() {
        for n in &jobs[k].needs {
            if let Some(x) = jobs.iter().position(|x| &x.id == n)
                && !found.contains(&x)
            {
                found.push(x);
                todo.push(x);
            }
        }
    }
    found
}

/// Whether a job also runs when what it needs failed (`if: always()`): a
/// report or a clean-up rather than a deployment.
fn after_failure(job: &Job) -> bool {
    let text = job
        .node
        .get("if")
        .and_then(Node::scalar)
        .unwrap_or_default();
    text.contains("always()")
}

/// A job calling a local reusable workflow once per matrix leg, with a
/// `with` input set to `${{ matrix.X }}` that names the called job's
/// environment: the callee as read for the first leg, the matrix (one stage
/// per leg, as for a job's own `environment: ${{ matrix.X }}`) and the
/// warnings of both. `None` when the input names no environment there.
pub(super) fn per_leg_callee(
    file: &str,
    id: &str,
    line: u64,
    job: &Node,
    on: &On,
) -> Result<Option<(Callee, MatrixEnv, Vec<String>)>, InputError> {
    let Some((m, mut warnings)) = matrix_with(file, job) else {
        return Ok(None);
    };
    let first = m.legs[0].clone();
    let c = callee(
        file,
        id,
        line,
        job,
        on,
        Some((&m.axis, &first)),
        &mut warnings,
    )?;
    Ok(match c {
        Some(c) if c.env.as_ref().is_some_and(|e| e.name == first) => Some((c, m, warnings)),
        _ => None,
    })
}
