//! `promosim validate`: check a scenario and say what was understood.

use std::fmt::Write;
use std::path::Path;

use super::{CliError, load_model, print};
use crate::model;
use crate::report::parameters;
use crate::report::table::wrap_lines;

/// Warnings about a scenario that validates but cannot work as written: a
/// schedule that never fires within the horizon leaves its stage (and all
/// after it) without a deployment.
pub(super) fn scenario_warnings(m: &model::Model) -> Vec<String> {
    let build_only = m.stages.is_empty().then(|| {
        "warning: the scenario has no `stages`: it is the build-only model, where a passing build counts as running for every user; lead time, deployments and DORA figures describe the build alone".to_string()
    });
    build_only
        .into_iter()
        .chain(m.stages.iter()
        .filter_map(|st| match &st.trigger {
            model::Trigger::Schedule { cron, fires } if fires.is_empty() => Some(format!(
                "warning: stage {:?}: schedule {cron:?} never fires within run.horizon ({:.0} days from the start), so the stage never deploys",
                st.name,
                m.horizon.hours() / 24.0
            )),
            _ => None,
        }))
        .collect()
}

pub fn validate(file: &Path) -> Result<(), CliError> {
    let (_s, m) = load_model(file, None)?;
    for w in scenario_warnings(&m) {
        eprintln!("{w}");
    }
    let mut o = String::new();
    let _ = writeln!(o, "{}: ok", file.display());
    let _ = writeln!(
        o,
        "  {} stage(s), {} people/teams, about {:.0} commits per replication over {:.0} days, {} replications, seed {}",
        m.stages.len(),
        m.people.len(),
        m.expected_commits,
        m.horizon.hours() / 24.0,
        m.replications,
        m.seed
    );
    for st in &m.stages {
        let trigger = match &st.trigger {
            model::Trigger::Auto => "auto".to_string(),
            model::Trigger::Schedule { cron, fires } => {
                format!("schedule {cron:?} ({} firings)", fires.len())
            }
            model::Trigger::Manual { person, .. } => {
                format!("manual by {}", m.people[*person].name)
            }
        };
        let deps: Vec<&str> = st.deps.iter().map(|&d| m.stages[d].name.as_str()).collect();
        let _ = writeln!(
            o,
            "  - {}: after {}, trigger {trigger}{}{}",
            st.name,
            if deps.is_empty() {
                "build".into()
            } else {
                deps.join(" + ")
            },
            if st.approval.is_some() {
                ", approval"
            } else {
                ""
            },
            if st.production { ", production" } else { "" }
        );
    }
    // The same words as the report page: windows, freezes, gates, strategy.
    let _ = writeln!(o, "\nIn words:");
    for (topic, text) in parameters::rows(&m) {
        let _ = writeln!(o, "{}", wrap_lines(&format!("  {topic}: {text}"), 78));
    }
    print(&o)
}
