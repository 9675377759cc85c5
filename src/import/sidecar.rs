//! The sidecar: what a pipeline file cannot say, given next to it.
//!
//! Azure approvals and checks are configured on the environment in the web
//! portal, GitHub's required reviewers and wait timers in the repository's
//! environment settings; neither is in the YAML. The sidecar names them per
//! environment, and may set build agents and durations:
//!
//! ```yaml
//! build: {agents: 4, duration: {lognormal: {mean: 12m, sd: 4m}}}
//! people:
//!   release-managers: {reaction: {exp: 2h}}
//! environments:
//!   production:
//!     approvers: [release-managers]
//!     min: 1
//!     rejection: 2%
//!     timeout: 3d
//!     wait_timer: 30m
//!     gates:
//!       - {name: health, interval: 5m, timeout: 1h, minimum_success_duration: 15m, condition: {pass_probability: 0.9}}
//!     deploy: {duration: 10m, failure: 1%}
//! ```
//!
//! Each value is checked where it is read, so a mistake names the sidecar's line.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::draft::{Draft, add_person};
use super::tree::{Kind, Node};
use super::writer::{Val, num, quote};
use crate::dist::DistSpec;
use crate::error::InputError;
use crate::scenario::stage::GateSpec;
use crate::scenario::values::Probability;
use crate::time::Duration;

/// What one environment's settings add to its stage.
#[derive(Debug, Clone, Default)]
pub struct EnvSettings {
    pub approval: Vec<(String, Val)>,
    pub approvers: Vec<String>,
    pub wait_timer: Option<Val>,
    /// Checks evaluated until they pass (Azure's Invoke REST API, Azure
    /// Monitor and classic gates; GitHub's custom protection rules), as the
    /// scenario's `checks.gates` items.
    pub gates: Vec<Val>,
    pub deploy: Vec<(String, Val)>,
}

/// A read sidecar.
#[derive(Debug, Clone, Default)]
pub struct Sidecar {
    pub agents: Option<Val>,
    pub build_duration: Option<Val>,
    pub people: Vec<(String, Val)>,
    pub environments: Vec<(String, EnvSettings)>,
}

/// A node written back as flow YAML (`{exp: 2h}`, `[a, b]`).
pub fn flow(n: &Node) -> String {
    match &n.kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(x) => num(*x),
        Kind::Text(s) => quote(s),
        Kind::List(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Kind::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", flow(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The node as a value of type `T` of the scenario language, checked now so
/// the error names the sidecar's line and column.
fn checked<T: DeserializeOwned>(file: &str, n: &Node, what: &str) -> Result<Val, InputError> {
    let text = flow(n);
    serde_saphyr::from_str::<T>(&text).map_err(|e| {
        let e = e.without_snippet();
        let msg = e.to_string();
        let first = msg.lines().next().unwrap_or("").to_string();
        n.error(file, format!("{what}: {first}"))
    })?;
    Ok(Val::read(text, format!("{file}:{}", n.line)))
}

fn map_entries<'a>(file: &str, n: &'a Node, what: &str) -> Result<&'a [(Node, Node)], InputError> {
    n.entries()
        .ok_or_else(|| n.error(file, format!("expected {what} to be a mapping")))
}

/// Reads a sidecar file; unknown keys are errors (the sidecar is promosim's own format).
pub fn read(path: &Path) -> Result<Sidecar, InputError> {
    let (file, root) = super::read_one(path, "sidecar")?;
    let mut out = Sidecar::default();
    for (k, v) in map_entries(&file, &root, "the sidecar")? {
        match k.text().unwrap_or("") {
            "build" => read_build(&file, v, &mut out)?,
            "people" => {
                for (name, p) in map_entries(&file, v, "people")? {
                    let name = name.need_text(&file, "a person's name")?.to_string();
                    let reaction = match p.get("reaction") {
                        Some(r) => checked::<DistSpec>(&file, r, "reaction")?,
                        None => {
                            return Err(p.error(&file, "expected `reaction: DIST` for a person"));
                        }
                    };
                    out.people.push((name, reaction));
                }
            }
            "environments" => {
                for (name, e) in map_entries(&file, v, "environments")? {
                    let name = name.need_text(&file, "an environment name")?.to_string();
                    out.environments.push((name, read_env(&file, e)?));
                }
            }
            other => {
                return Err(k.error(
                    &file,
                    format!("unknown key `{other}`: expected build, people or environments"),
                ));
            }
        }
    }
    Ok(out)
}

fn read_build(file: &str, v: &Node, out: &mut Sidecar) -> Result<(), InputError> {
    for (k, x) in map_entries(file, v, "build")? {
        match k.text().unwrap_or("") {
            "agents" => out.agents = Some(checked::<u32>(file, x, "agents")?),
            "duration" => out.build_duration = Some(checked::<DistSpec>(file, x, "duration")?),
            other => {
                return Err(k.error(
                    file,
                    format!("unknown key `build.{other}`: expected agents or duration"),
                ));
            }
        }
    }
    Ok(())
}

fn read_env(file: &str, e: &Node) -> Result<EnvSettings, InputError> {
    let mut s = EnvSettings::default();
    for (k, x) in map_entries(file, e, "an environment")? {
        let key = k.text().unwrap_or("");
        match key {
            "approvers" => {
                let names = x
                    .list()
                    .ok_or_else(|| x.error(file, "expected a list of people or teams"))?;
                for n in names {
                    s.approvers
                        .push(n.need_text(file, "an approver's name")?.to_string());
                }
                s.approval
                    .push(("approvers".into(), checked::<Vec<String>>(file, x, key)?));
            }
            "min" => s.approval.push((key.into(), checked::<u32>(file, x, key)?)),
            "response" => s
                .approval
                .push((key.into(), checked::<DistSpec>(file, x, key)?)),
            "rejection" => s
                .approval
                .push((key.into(), checked::<Probability>(file, x, key)?)),
            "timeout" => s
                .approval
                .push((key.into(), checked::<Duration>(file, x, key)?)),
            "wait_timer" => s.wait_timer = Some(checked::<Duration>(file, x, key)?),
            "gates" => {
                let items = x.list().ok_or_else(|| {
                    x.error(
                        file,
                        "expected a list of gates, as `checks.gates` in a scenario",
                    )
                })?;
                for g in items {
                    s.gates.push(checked::<GateSpec>(file, g, "a gate")?);
                }
            }
            "deploy" => {
                for (dk, dv) in map_entries(file, x, "deploy")? {
                    let dkey = dk.text().unwrap_or("");
                    let v = match dkey {
                        "duration" => checked::<DistSpec>(file, dv, dkey)?,
                        "failure" => checked::<Probability>(file, dv, dkey)?,
                        "retries" => checked::<u32>(file, dv, dkey)?,
                        "agent" => checked::<bool>(file, dv, dkey)?,
                        other => {
                            return Err(dk.error(
                                file,
                                format!("unknown key `deploy.{other}`: expected duration, failure, retries or agent"),
                            ));
                        }
                    };
                    s.deploy.push((dkey.into(), v));
                }
            }
            other => {
                return Err(k.error(
                    file,
                    format!(
                        "unknown key `{other}`: expected approvers, min, response, rejection, timeout, wait_timer, gates or deploy"
                    ),
                ));
            }
        }
    }
    if s.approvers.is_empty() && !s.approval.is_empty() {
        return Err(e.error(file, "approval settings need `approvers: [..]`"));
    }
    Ok(s)
}

/// The reaction assumed for an approver or a person deploying by hand.
pub fn assumed_reaction() -> Val {
    Val::assumed(
        "{exp: 2h}",
        "people's response times are not in the file; calibrate them or set people.NAME.reaction in the sidecar",
    )
}

impl Sidecar {
    /// Applies the sidecar to a draft: build settings, people, and per
    /// environment (matched by each stage's `environment`) approvals, wait
    /// timers and deploy values.
    pub fn apply(&self, d: &mut Draft, warnings: &mut Vec<String>) {
        if let Some(a) = &self.agents {
            d.agents = a.clone();
        }
        if let Some(b) = &self.build_duration {
            d.build_duration = b.clone();
        }
        for (name, settings) in &self.environments {
            let mut found = false;
            for st in d.stages.iter_mut() {
                if st.environment.as_deref() != Some(name.as_str()) {
                    continue;
                }
                found = true;
                if let Some(why) = &st.unprotected {
                    if !settings.approval.is_empty()
                        || settings.wait_timer.is_some()
                        || !settings.gates.is_empty()
                    {
                        warnings.push(format!(
                            "warning: the sidecar's approvals, wait timer and gates for environment `{name}` are not applied to stage {} ({}): {why}",
                            st.name, st.from
                        ));
                    }
                } else {
                    st.approval = settings.approval.clone();
                }
                if let (Some(w), None) = (&settings.wait_timer, &st.unprotected) {
                    st.gates.push(Val {
                        text: format!(
                            "{{name: wait timer, delay: {}, interval: 1m, timeout: 30d, condition: {{pass_probability: 1}}}}",
                            w.text
                        ),
                        why: w.why.clone(),
                    });
                }
                if st.unprotected.is_none() {
                    st.gates.extend(settings.gates.iter().cloned());
                }
                for (k, v) in &settings.deploy {
                    if let Some(slot) = st.deploy.iter_mut().find(|(dk, _)| dk == k) {
                        slot.1 = v.clone();
                    } else {
                        st.deploy.push((k.clone(), v.clone()));
                    }
                }
                if st.unprotected.is_none() {
                    st.notes.retain(|n| !n.starts_with("approvals:"));
                }
            }
            if !found {
                warnings.push(format!(
                    "warning: the sidecar's environment `{name}` matches no environment of the pipeline; it was ignored"
                ));
            }
            for a in &settings.approvers {
                add_person(&mut d.people, a, assumed_reaction());
            }
        }
        for (name, reaction) in &self.people {
            match d.people.iter_mut().find(|(n, _)| n == name) {
                Some(p) => p.1 = reaction.clone(),
                None => d.people.push((name.clone(), reaction.clone())),
            }
        }
    }
}
