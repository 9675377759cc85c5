//! Azure's manual validation: an agentless job whose `ManualValidation` task
//! pauses the run until a person resumes or rejects it, an approval written
//! in the YAML rather than on an environment.

use super::Item;
use crate::import::draft::{Draft, StageDraft, add_person};
use crate::import::sidecar::assumed_reaction;
use crate::import::tree::Node;
use crate::import::writer::{Val, num};

/// The person assumed to answer a manual validation (its `notifyUsers` are
/// addresses, not the scenario's people).
pub const VALIDATOR: &str = "validator";

/// The `ManualValidation@N` step of a job, if it has one.
pub(super) fn validation_step(job: &Node) -> Option<&Node> {
    job.get("steps")?.list()?.iter().find(|s| {
        s.get("task")
            .and_then(Node::text)
            .is_some_and(|t| t.starts_with("ManualValidation@"))
    })
}

/// Makes the job's validation the stage's approval: one validator, the
/// step's (or else the job's) `timeoutInMinutes`, rejected at the timeout
/// unless `onTimeout: resume`.
pub(super) fn approval(j: &Item, st: &mut StageDraft, d: &mut Draft, warnings: &mut Vec<String>) {
    let Some(step) = validation_step(&j.node) else {
        return;
    };
    step.mark_all();
    let at = format!("{}:{}", j.file, step.line);
    // Validations one after another (a stage's, then a job's): the model's
    // stage has one approval, the first; the others are noted.
    if !st.approval.is_empty() {
        let job = j.node.get("job").and_then(Node::scalar).unwrap_or_default();
        st.notes.push(format!(
            "{at}: a further manual validation (job {job}): the model's approval stands for the first one only"
        ));
        return;
    }
    st.approval.push((
        "approvers".into(),
        Val::read(
            format!("[{VALIDATOR}]"),
            format!("{at} (ManualValidation; who answers is assumed)"),
        ),
    ));
    add_person(&mut d.people, VALIDATOR, assumed_reaction());
    let resume = step
        .get("inputs")
        .and_then(|i| i.get("onTimeout"))
        .and_then(Node::text)
        .is_some_and(|t| t.eq_ignore_ascii_case("resume"));
    if resume {
        warnings.push(format!("warning: {at}: `onTimeout: resume` lets the run go on when nobody answered; the model's approval can only fail at its timeout, so none is set and the validator's answer decides"));
        return;
    }
    let minutes = [step, &j.node]
        .into_iter()
        .find_map(|n| n.get("timeoutInMinutes").map(|t| (t.number(), t.line)));
    let timeout = match minutes {
        // 0 is Azure's "the most allowed": no timeout in the model.
        Some((Some(0.0), _)) => return,
        Some((Some(m), line)) if m > 0.0 => Val::read(
            format!("{}m", num(m)),
            format!(
                "{}:{line} (timeoutInMinutes; at the timeout the validation is rejected)",
                j.file
            ),
        ),
        _ => Val::assumed(
            "60m",
            format!("{at}: no timeoutInMinutes: an agentless job's default, 60 minutes"),
        ),
    };
    st.approval.push(("timeout".into(), timeout));
}
