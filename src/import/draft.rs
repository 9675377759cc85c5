//! What an importer learned about a pipeline, before it is written as a
//! scenario: the build, the stages and the people they need, each value with
//! where it came from or why it was assumed.

use super::writer::{Block, Val, quote};

/// A pipeline as the importers see it.
#[derive(Debug, Clone)]
pub struct Draft {
    pub name: String,
    /// Files read, for the header comment.
    pub sources: Vec<String>,
    pub time_zone: Val,
    pub batch: Val,
    pub agents: Val,
    pub build_duration: Val,
    /// Notes on the build (trigger branches, matrix legs, pool) as comment lines.
    pub build_notes: Vec<String>,
    /// People and teams referred to by approvals and manual triggers: name, reaction.
    pub people: Vec<(String, Val)>,
    pub stages: Vec<StageDraft>,
}

/// One stage of the scenario.
#[derive(Debug, Clone)]
pub struct StageDraft {
    pub name: String,
    pub title: Option<String>,
    /// Where the stage was read (`file:line`).
    pub from: String,
    /// `None`: the previous stage (the scenario's default).
    pub depends_on: Option<Val>,
    pub trigger: Val,
    /// `approval:` keys and values, in order.
    pub approval: Vec<(String, Val)>,
    /// Each gate as one flow mapping.
    pub gates: Vec<Val>,
    pub lock: Val,
    pub deploy: Vec<(String, Val)>,
    /// Verification steps: name, duration, and `agent: true` (why) when the
    /// step is a job that takes one of the build's agents.
    pub verify: Vec<(String, Val, Option<Val>)>,
    /// A production strategy, already written (under `strategy:`).
    pub strategy: Option<Block>,
    pub notes: Vec<String>,
    /// The pipeline's environment this stage deploys to (sidecar settings are keyed by it).
    pub environment: Option<String>,
    /// Why the platform applies no protection rules to this stage although
    /// it has an environment name (a GitHub workflow input that no called
    /// job declares as `environment:`): the sidecar's approvals and wait
    /// timer for it are then not applied, only its deploy values.
    pub unprotected: Option<String>,
    /// `production:`, when the importer sets it (`None`: the scenario's
    /// default, the stages nothing depends on).
    pub production: Option<Val>,
}

impl StageDraft {
    pub fn new(name: &str, from: String) -> StageDraft {
        StageDraft {
            name: name.to_string(),
            title: None,
            from,
            depends_on: None,
            trigger: Val::plain("auto"),
            approval: Vec::new(),
            gates: Vec::new(),
            lock: Val::plain("run_latest"),
            deploy: default_deploy(),
            verify: Vec::new(),
            strategy: None,
            notes: Vec::new(),
            environment: None,
            unprotected: None,
            production: None,
        }
    }
}

/// The deploy step when the file cannot tell its duration or failure rate.
pub fn default_deploy() -> Vec<(String, Val)> {
    vec![
        (
            "duration".into(),
            Val::assumed(
                "5m",
                "a deployment's duration is not in the file; calibrate it or set deploy.duration in the sidecar",
            ),
        ),
        (
            "failure".into(),
            Val::assumed(
                "0",
                "failure rates are not in the file; calibrate from run history",
            ),
        ),
    ]
}

/// The people a draft needs before its stages, assumed to react at once unless told.
pub fn add_person(people: &mut Vec<(String, Val)>, name: &str, reaction: Val) {
    if !people.iter().any(|(n, _)| n == name) {
        people.push((name.to_string(), reaction));
    }
}

impl Draft {
    pub fn new(name: &str, sources: Vec<String>) -> Draft {
        Draft {
            name: name.to_string(),
            sources,
            time_zone: Val::plain("UTC"),
            batch: Val::plain("none"),
            agents: Val::assumed(
                "1",
                "parallel jobs are an organisation setting, not in the file; set build.agents in the sidecar",
            ),
            build_duration: Val::assumed(
                "{lognormal: {mean: 10m, sd: 3m}}",
                "build time is not in the file; calibrate it or set build.duration in the sidecar",
            ),
            build_notes: Vec::new(),
            people: Vec::new(),
            stages: Vec::new(),
        }
    }

    /// The whole scenario as YAML text.
    /// A pipeline in which no stage was found to deploy becomes the
    /// build-only model: said out loud, since nothing then reaches users but
    /// the build.
    pub fn warn_if_no_stage(&self, file: &str, warnings: &mut Vec<String>) {
        if self.stages.is_empty() {
            warnings.push(format!(
                "warning: {file}: no stage deploys (no deployment job or environment was found), so the scenario is the build alone and a passing build counts as delivery; add the deploying stages to it by hand"
            ));
        }
    }

    pub fn render(&self) -> String {
        let mut b = Block::default();
        b.comment(
            0,
            &format!(
                "Imported by `promosim import` from {}.\nEvery value marked ASSUMED is not in the pipeline file: check it, calibrate it\nfrom run history, or set it in a sidecar file (see docs/import.md).",
                self.sources.join(", ")
            ),
        );
        b.kv(0, "name", &Val::plain(quote(&self.name)));
        b.blank();
        b.open(0, "run");
        b.kv(
            1,
            "start",
            &Val::assumed("2026-01-05 00:00", "any Monday; the period to simulate"),
        );
        b.kv(1, "time_zone", &self.time_zone);
        b.kv(
            1,
            "horizon",
            &Val::assumed("91d", "a quarter; long enough for weekly patterns"),
        );
        b.kv(
            1,
            "warm_up",
            &Val::assumed("7d", "lets queues fill before statistics start"),
        );
        b.kv(1, "replications", &Val::plain("100"));
        if !self.people.is_empty() {
            b.blank();
            b.open(0, "people");
            for (name, reaction) in &self.people {
                b.open(1, &quote(name));
                b.kv(2, "reaction", reaction);
            }
        }
        b.blank();
        b.open(0, "commits");
        b.open(1, "poisson");
        b.kv(
            2,
            "per_day",
            &Val::assumed(
                "20",
                "commit volume is not in the file; calibrate from history or use commits.replay",
            ),
        );
        b.kv(
            2,
            "weekdays",
            &Val::assumed("[1, 1, 1, 1, 1, 0.1, 0.1]", "a working week"),
        );
        b.blank();
        b.open(0, "build");
        for n in &self.build_notes {
            b.comment(1, n);
        }
        b.kv(1, "batch", &self.batch);
        b.kv(1, "agents", &self.agents);
        b.kv(1, "duration", &self.build_duration);
        b.kv(
            1,
            "flaky_failure",
            &Val::assumed("0", "flaky-failure rates are not in the file"),
        );
        if !self.stages.is_empty() {
            b.blank();
            b.open(0, "stages");
            for st in &self.stages {
                render_stage(&mut b, st);
            }
        }
        b.render(0)
    }
}

fn render_stage(b: &mut Block, st: &StageDraft) {
    b.push(
        1,
        format!("- name: {}", quote(&st.name)),
        super::writer::Why::Read(st.from.clone()),
    );
    for n in &st.notes {
        b.comment(2, n);
    }
    if let Some(t) = &st.title {
        b.kv(2, "title", &Val::plain(quote(t)));
    }
    if let Some(p) = &st.production {
        b.kv(2, "production", p);
    }
    if let Some(d) = &st.depends_on {
        b.kv(2, "depends_on", d);
    }
    b.kv(2, "trigger", &st.trigger);
    if !st.approval.is_empty() || !st.gates.is_empty() {
        b.open(2, "checks");
        if !st.approval.is_empty() {
            b.open(3, "approval");
            for (k, v) in &st.approval {
                b.kv(4, k, v);
            }
        }
        if !st.gates.is_empty() {
            b.open(3, "gates");
            for g in &st.gates {
                b.item(4, g);
            }
        }
    }
    b.kv(2, "lock", &st.lock);
    b.open(2, "deploy");
    for (k, v) in &st.deploy {
        b.kv(3, k, v);
    }
    if !st.verify.is_empty() {
        b.open(2, "verify");
        for (name, d, agent) in &st.verify {
            b.push(
                3,
                format!("- name: {}", quote(name)),
                super::writer::Why::Plain,
            );
            b.kv(4, "duration", d);
            if let Some(a) = agent {
                b.kv(4, "agent", a);
            }
            b.kv(
                4,
                "detect",
                &Val::assumed(
                    "0",
                    "how many defects this job catches is not in the file; calibrate it",
                ),
            );
        }
    }
    if let Some(s) = &st.strategy {
        b.open(2, "strategy");
        b.nest(3, s);
    }
}
