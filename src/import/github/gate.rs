//! The environments a called workflow's deploying job waits for: a
//! `confirm_deploy` job on `${{ inputs.env }}_gate` that the deployment
//! needs. GitHub holds such a job until the environment's required reviewers
//! approve and its wait timer passes, and the deploying job starts only
//! after it, so the sidecar's approvals and wait timer for the gate's
//! environment hold the called job's stage.

use super::Env;
use crate::import::draft::{Draft, add_person};
use crate::import::sidecar::{EnvSettings, Sidecar, assumed_reaction};
use crate::import::writer::Val;

/// A stage (by index in the draft) and the gates its deployment waits for
/// (callee job id, environment).
pub(super) type Gated = (usize, Vec<(String, Env)>);

/// The note a gated stage carries until the sidecar gives the gate's rules.
pub(super) fn note(job: &str, gate: &str, env: &Env, deployer: &str) -> String {
    format!(
        "gate: environment {} ({}) of the called job {gate}, which {deployer} waits for, holds the deployment (job {job}): its required reviewers and wait timer are repository settings, not in the file; none assumed, give them in a sidecar under {}",
        env.name, env.at, env.name
    )
}

/// The sidecar without the environments that only gates name (no stage
/// deploys to them): applied by `apply` below, not reported as matching
/// nothing.
pub(super) fn without_gates(s: &Sidecar, gated: &[Gated], d: &Draft) -> Sidecar {
    let mut own = s.clone();
    own.environments.retain(|(name, _)| {
        let a_gate = gated
            .iter()
            .any(|(_, g)| g.iter().any(|(_, e)| &e.name == name));
        let a_stage = d
            .stages
            .iter()
            .any(|st| st.environment.as_deref() == Some(name.as_str()));
        !a_gate || a_stage
    });
    own
}

/// The sidecar's approvals and wait timers of each gate's environment, on
/// the stage it holds. The model's stage has one approval: the first gate's
/// (asked before the deployment's own environment) is kept, and another
/// one, the gate's or the stage's own, is left out with a warning. A gate's
/// `deploy` values are not the deployment's: not applied, with a warning.
pub(super) fn apply(s: &Sidecar, gated: &[Gated], d: &mut Draft, warnings: &mut Vec<String>) {
    for (stage, gates) in gated {
        // Whose approval the stage holds so far (its own environment's, if
        // any), and whether that is a gate's.
        let mut held: Option<(String, bool)> = (!d.stages[*stage].approval.is_empty()).then(|| {
            (
                d.stages[*stage].environment.clone().unwrap_or_default(),
                false,
            )
        });
        for (job, env) in gates {
            let Some(settings) = settings(s, &env.name) else {
                continue;
            };
            let st = &mut d.stages[*stage];
            st.notes
                .retain(|n| !(n.starts_with("gate:") && n.contains(&format!(" {} (", env.name))));
            st.notes.push(format!(
                "gate: environment {} ({}) of the called job {job} holds the deployment: the sidecar's approvals and wait timer for it apply to this stage",
                env.name, env.at
            ));
            if !settings.approval.is_empty() {
                match &held {
                    Some((other, true)) => warnings.push(format!(
                        "warning: {}: stage {}: the gate environment {} (job {job}) has approvals in the sidecar, and so has the gate {other} before it; the model's stage has one approval: {other}'s is kept and {}'s is left out",
                        env.at, st.name, env.name, env.name
                    )),
                    Some((other, false)) => {
                        warnings.push(format!(
                            "warning: {}: stage {}: the gate environment {} (job {job}) and the deployment's own environment {other} both have approvals in the sidecar; the model's stage has one approval: the gate's, asked first, is kept and {other}'s is left out",
                            env.at, st.name, env.name
                        ));
                        st.approval = settings.approval.clone();
                        held = Some((env.name.clone(), true));
                    }
                    None => {
                        st.approval = settings.approval.clone();
                        held = Some((env.name.clone(), true));
                    }
                }
            }
            if let Some(w) = &settings.wait_timer {
                st.gates.push(Val {
                    text: format!(
                        "{{name: wait timer, delay: {}, interval: 1m, timeout: 30d, condition: {{pass_probability: 1}}}}",
                        w.text
                    ),
                    why: w.why.clone(),
                });
            }
            if !settings.deploy.is_empty() {
                warnings.push(format!(
                    "warning: {}: the sidecar's deploy values for the gate environment {} (job {job}) are not applied to stage {}: the gate is not the deployment",
                    env.at, env.name, st.name
                ));
            }
            for a in &settings.approvers {
                add_person(&mut d.people, a, assumed_reaction());
            }
        }
    }
    // The sidecar's people's reactions win over the assumed one.
    for (name, reaction) in &s.people {
        if let Some(p) = d.people.iter_mut().find(|(n, _)| n == name) {
            p.1 = reaction.clone();
        }
    }
}

fn settings<'a>(s: &'a Sidecar, env: &str) -> Option<&'a EnvSettings> {
    s.environments
        .iter()
        .find(|(n, _)| n == env)
        .map(|(_, e)| e)
}
