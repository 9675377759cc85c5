//! The keys of "where the time goes" (`where.*`).

use super::StagePart;

/// One part of "where the time goes" (`where.*`), typed, so that reports
/// build these keys here and never parse them back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where<'a> {
    /// Commit → trigger of the first successful build holding it.
    BeforeBuild,
    /// Its successful build waiting for an agent.
    AgentWait,
    /// Its successful build running.
    Building,
    /// A part of a stage.
    Stage(&'a str, StagePart),
}

impl<'a> Where<'a> {
    /// The metric key, as declared in [`METRICS`].
    pub fn key(&self) -> String {
        match self {
            Where::BeforeBuild => "where.before_build".into(),
            Where::AgentWait => "where.build.agent_wait".into(),
            Where::Building => "where.build.executing".into(),
            Where::Stage(stage, part) => format!("where.{stage}.{}", part.key()),
        }
    }

    /// Every part of a pipeline with these stages, in the order
    /// [`ReplicationResult::metrics`] reports them; together they sum to the
    /// mean lead time.
    pub fn all(stages: impl IntoIterator<Item = &'a str>) -> Vec<Where<'a>> {
        let mut out = vec![Where::BeforeBuild, Where::AgentWait, Where::Building];
        for stage in stages {
            out.extend(StagePart::ALL.into_iter().map(|p| Where::Stage(stage, p)));
        }
        out
    }
}
