//! The scenario language: YAML as DevOps engineers write it, read with serde
//! (unknown keys refused), then checked as a whole (references, cycles, budgets).
//!
//! `load` gives a [`Scenario`]: a file that parsed and whose references all
//! resolve. [`crate::model::compile`] turns it into the immutable model.
//! Every key, its unit and its default is documented in `docs/scenario.md`.

pub mod values;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_saphyr::Spanned;

use crate::dist::DistSpec;
use crate::error::InputError;
use crate::stream::Severity;
use values::{CivilDate, CivilDateTime, ClockRange, CronString, Duration, Probability, Zone};

/// A name used to refer to something defined elsewhere in the file, with where it was written.
pub type NameRef = Spanned<String>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Used for the report folder; defaults to the file's stem.
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    pub run: RunSpec,
    #[serde(default)]
    pub calendars: BTreeMap<String, CalendarSpec>,
    #[serde(default)]
    pub people: BTreeMap<String, PersonSpec>,
    pub commits: CommitsSpec,
    pub build: BuildSpec,
    #[serde(default)]
    pub stages: Vec<StageSpec>,
    #[serde(default)]
    pub incidents: IncidentSpec,
    /// A grid for `promosim sweep`: `{PATH: [values…]}`; read by
    /// `experiment::overrides`, ignored (and stripped from each point) here.
    #[serde(default)]
    pub sweep: Option<serde::de::IgnoredAny>,
    /// Regression checks against a baseline (`promosim check`; see `docs/ci.md`).
    pub check: Option<CheckSpec>,
}

/// The `check:` section: which metrics a baseline keeps and how much each may move.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Metric keys a new baseline keeps (default: `promosim::check::DEFAULT_METRICS`).
    pub metrics: Option<Vec<String>>,
    /// Per metric key: `5%` (relative to the baseline mean), `0.5` (absolute) or `5%,0.5`.
    #[serde(default)]
    pub tolerances: BTreeMap<String, Spanned<ToleranceText>>,
}

/// A tolerance as written: text (`5%`) or a bare number (`0.5`).
#[derive(Debug, Clone, PartialEq)]
pub struct ToleranceText(pub String);

impl<'de> Deserialize<'de> for ToleranceText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = ToleranceText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a tolerance such as 5%, 0.5 or 5%,0.5")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ToleranceText, E> {
                Ok(ToleranceText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ToleranceText, E> {
                Ok(ToleranceText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ToleranceText, E> {
                Ok(ToleranceText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ToleranceText, E> {
                Ok(ToleranceText(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// How escaped defects are noticed and undone in production (see `docs/model.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSpec {
    /// Users of the product, for blast radius in user-hours.
    #[serde(default = "default_users")]
    pub users: f64,
    /// Monitoring's detection rate per hour per severity at 100 % of traffic;
    /// the rate at share s is s times this.
    #[serde(default = "default_monitoring")]
    pub detect_per_hour: SeverityRates,
    /// Time to redeploy the previous release (all-at-once and rolling rollback).
    #[serde(default = "default_rollback")]
    pub rollback: DistSpec,
    /// A feature-flag ramp: new code is deployed dark and exposed to this share
    /// of its traffic, as time passes since its first production deployment.
    pub flag_ramp: Option<Vec<FlagStep>>,
}

impl Default for IncidentSpec {
    fn default() -> Self {
        IncidentSpec {
            users: default_users(),
            detect_per_hour: default_monitoring(),
            rollback: default_rollback(),
            flag_ramp: None,
        }
    }
}

fn default_users() -> f64 {
    10_000.0
}
fn default_monitoring() -> SeverityRates {
    SeverityRates {
        minor: 0.02,
        major: 0.2,
        critical: 2.0,
    }
}
fn default_rollback() -> DistSpec {
    DistSpec::Const(Duration(crate::time::SimDuration(600.0)))
}

/// A rate per hour for each severity.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityRates {
    #[serde(default)]
    pub minor: f64,
    #[serde(default)]
    pub major: f64,
    #[serde(default)]
    pub critical: f64,
}

impl SeverityRates {
    pub fn as_array(&self) -> [f64; 3] {
        [self.minor, self.major, self.critical]
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagStep {
    /// Time since the code's first production deployment.
    pub after: Duration,
    /// Share of traffic that runs the new code, 0–100.
    pub percent: f64,
}

/// How a production stage updates what users run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum StrategySpec {
    /// Azure's `runOnce`: every user moves at the end of the deploy.
    #[default]
    AllAtOnce,
    Rolling(RollingSpec),
    BlueGreen(BlueGreenSpec),
    Canary(CanarySpec),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollingSpec {
    /// Number of batches (targets updated together), or…
    pub batches: Option<u32>,
    /// …the share of targets per batch (Azure `maxParallel` as a percentage).
    pub max_parallel: Option<Probability>,
    pub batch_duration: DistSpec,
    /// Chance that a batch fails; a failure stops the roll and rolls back.
    #[serde(default)]
    pub failure: Probability,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlueGreenSpec {
    /// Time to move traffic from one colour to the other (and back on rollback).
    #[serde(default)]
    pub switch: Duration,
    /// Who promotes the idle colour after the smoke test (`verify`): nobody
    /// (auto-promotion, Argo's default) or a person.
    pub promoted_by: Option<NameRef>,
    /// The old colour keeps running this long after the switch (Argo default 30s):
    /// rollback within it is a switch back.
    #[serde(default = "thirty_seconds")]
    pub scale_down_delay: Duration,
}

fn thirty_seconds() -> Duration {
    Duration(crate::time::SimDuration(30.0))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanarySpec {
    /// Argo Rollouts steps.
    pub steps: Option<Vec<CanaryStep>>,
    /// Flagger shorthand: weight increments every `interval` up to `max_weight`.
    pub step_weight: Option<f64>,
    pub max_weight: Option<f64>,
    /// Flagger: explicit weights instead of `step_weight`.
    pub step_weights: Option<Vec<f64>>,
    pub interval: Option<Duration>,
    /// Flagger: failed checks before rollback (default 1).
    pub threshold: Option<u32>,
    /// Who promotes an indefinite `pause: {}`.
    pub promoter: Option<NameRef>,
    /// Analysis sensitivity per hour per severity at 100 % weight (default: 10× monitoring).
    pub analysis_detect_per_hour: Option<SeverityRates>,
    /// Time for an abort to return all traffic to stable.
    #[serde(default)]
    pub abort: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CanaryStep {
    /// Percentage of traffic to the canary, 0–100.
    SetWeight(f64),
    /// `{duration: 1h}`, or `{}` to wait for the promoter.
    Pause(PauseSpec),
    Analysis(AnalysisSpec),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseSpec {
    pub duration: Option<Duration>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    pub interval: Duration,
    #[serde(default = "one_u32")]
    pub count: u32,
    /// Failed measurements tolerated; one more aborts (Argo default 0).
    #[serde(default)]
    pub failure_limit: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Civil start in `time_zone`.
    pub start: CivilDateTime,
    #[serde(default = "utc")]
    pub time_zone: Zone,
    pub horizon: Duration,
    #[serde(default)]
    pub warm_up: Duration,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Refuse scenarios expected to need more commits than this per replication.
    #[serde(default = "default_max_commits")]
    pub max_commits: u64,
    /// Refuse scenarios estimated to need more events than this per replication;
    /// a replication that still reaches it stops there and is flagged.
    #[serde(default = "default_max_events")]
    pub max_events: u64,
    /// Refuse scenarios whose calendars and schedules would precompute more
    /// instants or intervals than this (cron firings, working periods).
    #[serde(default = "default_max_precomputed")]
    pub max_precomputed: u64,
}

fn utc() -> Zone {
    Zone(jiff::tz::TimeZone::UTC)
}
fn default_seed() -> u64 {
    1
}
fn default_replications() -> u32 {
    100
}
/// The runaway guard's default: about 200 MB of per-commit state per replication.
pub const DEFAULT_MAX_COMMITS: u64 = 5_000_000;
fn default_max_commits() -> u64 {
    DEFAULT_MAX_COMMITS
}
/// The event budget's default: about 20–60 s of one core per replication.
pub const DEFAULT_MAX_EVENTS: u64 = 200_000_000;
fn default_max_events() -> u64 {
    DEFAULT_MAX_EVENTS
}
/// The precomputation budget's default: about 40 MB of instants.
pub const DEFAULT_MAX_PRECOMPUTED: u64 = 5_000_000;
fn default_max_precomputed() -> u64 {
    DEFAULT_MAX_PRECOMPUTED
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// Keys: `mon`…`sun`, ranges such as `mon-fri`, or `daily`; values: one or more `HH:MM-HH:MM`.
    #[serde(default)]
    pub working_hours: BTreeMap<DayKey, OneOrMany<ClockRange>>,
    #[serde(default)]
    pub holidays: Vec<CivilDate>,
}

/// A set of weekdays written as a map key: `mon`, `mon-fri`, `weekdays`, `weekends`, `daily`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayKey {
    /// Bit i = weekday i, Monday = 0.
    pub mask: u8,
    pub text_order: u8,
}

impl DayKey {
    /// A weekday by its exact name, `mon` or `monday` (any case); Monday = 0.
    fn day(s: &str) -> Option<u8> {
        const NAMES: [(&str, &str); 7] = [
            ("mon", "monday"),
            ("tue", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ];
        let lower = s.trim().to_ascii_lowercase();
        NAMES
            .iter()
            .position(|(short, long)| lower == *short || lower == *long)
            .map(|i| i as u8)
    }

    pub fn parse(s: &str) -> Result<DayKey, String> {
        let t = s.trim().to_ascii_lowercase();
        let bad = || {
            format!(
                "expected weekdays: a day (mon … sun or monday … sunday), a range such as mon-fri, weekdays, weekends or daily, found {:?}",
                s.trim()
            )
        };
        let mask = match t.as_str() {
            "daily" | "everyday" | "all" => 0b111_1111,
            "weekdays" => 0b001_1111,
            "weekends" | "weekend" => 0b110_0000,
            _ => match t.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (Self::day(a).ok_or_else(bad)?, Self::day(b).ok_or_else(bad)?);
                    if b < a {
                        return Err(format!(
                            "{:?}: a range of weekdays runs forward from Monday, e.g. mon-fri or sat-sun",
                            s.trim()
                        ));
                    }
                    (a..=b).fold(0u8, |m, d| m | (1 << d))
                }
                None => 1 << Self::day(&t).ok_or_else(bad)?,
            },
        };
        Ok(DayKey {
            mask,
            text_order: 0,
        })
    }
}

impl<'de> Deserialize<'de> for DayKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DayKey::parse(&s).map_err(de::Error::custom)
    }
}

/// What a value of a [`OneOrMany`] may be written as, for its error messages.
pub trait Expected {
    /// Completes "expected …": the accepted forms of one value or a list of them.
    const EXPECTED: &'static str;
}

impl Expected for ClockRange {
    const EXPECTED: &'static str = "\"HH:MM-HH:MM\" such as \"09:00-17:00\", or a list of them";
}

/// A value or a list of values.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany<T>(pub Vec<T>);

/// Read by hand, not as an untagged enum, whose only message is "data did not
/// match any variant": a list's items report their own errors, a single value
/// its own, and anything else says which forms are accepted.
impl<'de, T: Deserialize<'de> + Expected> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::IntoDeserializer;
        use serde::de::value::Error as ValueError;

        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Expected> de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTED)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let one = T::deserialize(IntoDeserializer::<ValueError>::into_deserializer(v))
                    .map_err(E::custom)?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(x) = seq.next_element()? {
                    v.push(x);
                }
                Ok(OneOrMany(v))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A person or a team (a group counts as one approver, as in Azure Pipelines).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonSpec {
    /// Calendar name; a person without one works around the clock.
    pub calendar: Option<NameRef>,
    /// Time from a request to the person acting on it, counted in their working time.
    #[serde(default = "default_reaction")]
    pub reaction: DistSpec,
}

fn default_reaction() -> DistSpec {
    DistSpec::Const(Duration::default())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitsSpec {
    pub poisson: Option<PoissonSpec>,
    pub replay: Option<ReplaySpec>,
    /// Scales the volume ("the same history at 3× the volume").
    #[serde(default = "one")]
    pub volume: f64,
    #[serde(default)]
    pub defects: DefectSpec,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoissonSpec {
    /// Mean commits on a day of weekday weight 1.
    pub per_day: Option<f64>,
    /// Alternative to `per_day`: developers × commits per developer per day.
    pub team: Option<TeamSpec>,
    /// 24 relative weights, hour 0 first (default flat).
    pub hours: Option<Vec<f64>>,
    /// 7 relative weights, Monday first (default all 1).
    pub weekdays: Option<Vec<f64>>,
    /// Mean commits per push (default 1): bursts of commits pushed together,
    /// one CI trigger each; `per_day` still counts commits.
    pub push_size: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    pub developers: u32,
    pub commits_per_developer_per_day: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplaySpec {
    /// A CSV file, relative to the scenario file.
    pub csv: Option<String>,
    /// `git log --format='%H %cI'` output, relative to the scenario file.
    pub git_log: Option<String>,
    #[serde(default = "timestamp_col")]
    pub timestamp_column: String,
    pub defect_column: Option<String>,
    /// Shift the history by whole weeks so it begins in the run's first week.
    #[serde(default)]
    pub align_to_start: bool,
}

fn timestamp_col() -> String {
    "timestamp".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefectSpec {
    /// Probability that a commit introduces a defect (synthetic streams, and replays without a defect column).
    #[serde(default)]
    pub probability: Probability,
    /// Relative weights of severity classes.
    #[serde(default)]
    pub severity: SeverityWeights,
    /// Time from a defect being caught to its fix commit landing on main.
    #[serde(default = "default_fix_time")]
    pub fix_time: DistSpec,
}

impl Default for DefectSpec {
    fn default() -> Self {
        DefectSpec {
            probability: Probability(0.0),
            severity: SeverityWeights::default(),
            fix_time: default_fix_time(),
        }
    }
}

fn default_fix_time() -> DistSpec {
    DistSpec::Exp(Duration(crate::time::SimDuration(4.0 * 3600.0)))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityWeights {
    #[serde(default)]
    pub minor: f64,
    #[serde(default)]
    pub major: f64,
    #[serde(default)]
    pub critical: f64,
}

impl Default for SeverityWeights {
    fn default() -> Self {
        SeverityWeights {
            minor: 0.6,
            major: 0.3,
            critical: 0.1,
        }
    }
}

/// Detection probability per severity; a single number applies to all.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Detection(pub [f64; 3]);

impl Detection {
    pub fn of(&self, s: Severity) -> f64 {
        self.0[s.index()]
    }
}

/// Read by hand, not as an untagged enum: a number or a percentage is checked
/// as a probability, a mapping reports its own errors (an unknown severity, a
/// probability out of range) where they are.
impl<'de> Deserialize<'de> for Detection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error as ValueError, MapAccessDeserializer};

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PerSeverity {
            #[serde(default)]
            minor: Probability,
            #[serde(default)]
            major: Probability,
            #[serde(default)]
            critical: Probability,
        }
        fn all<E: de::Error>(p: Result<Probability, ValueError>) -> Result<Detection, E> {
            p.map(|p| Detection([p.0; 3])).map_err(E::custom)
        }
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Detection;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a detection probability in [0, 1] (or a percentage), or {minor: p, major: p, critical: p}")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Detection, E> {
                all(Probability::deserialize(v.into_deserializer()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Detection, E> {
                all(Probability::deserialize(v.into_deserializer()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Detection, E> {
                all(Probability::deserialize(v.into_deserializer()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Detection, E> {
                all(Probability::deserialize(
                    IntoDeserializer::<ValueError>::into_deserializer(v),
                ))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Detection, A::Error> {
                let p = PerSeverity::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Detection([p.minor.0, p.major.0, p.critical.0]))
            }
        }
        d.deserialize_any(V)
    }
}

/// How pushes become builds (Azure Pipelines' `batch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Batch {
    /// One build per push.
    #[default]
    None,
    /// Pushes that arrive while a build is queued or running wait and start one build together.
    Build,
    /// As Azure does: the whole multi-stage run of the previous batch must finish first.
    Run,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSpec {
    #[serde(default)]
    pub batch: Batch,
    /// Parallel jobs (agents); builds beyond them queue FIFO.
    #[serde(default = "one_u32")]
    pub agents: u32,
    pub duration: DistSpec,
    /// Chance that a build attempt fails for no reason of the code.
    #[serde(default)]
    pub flaky_failure: Probability,
    /// Retries of a flaky failure (each a full new attempt on the same agent).
    #[serde(default)]
    pub retries: u32,
    /// Unit-test detection probability per severity.
    #[serde(default)]
    pub detect: Detection,
}

fn one_u32() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    pub name: Spanned<String>,
    /// Display name for reports (not used for references).
    pub title: Option<String>,
    /// Stages (or `build`) that must have passed a release first. Default: the previous stage.
    pub depends_on: Option<Vec<NameRef>>,
    #[serde(default)]
    pub trigger: TriggerSpec,
    #[serde(default)]
    pub checks: ChecksSpec,
    #[serde(default)]
    pub lock: LockPolicy,
    #[serde(default)]
    pub deploy: DeploySpec,
    #[serde(default)]
    pub verify: Vec<VerifySpec>,
    /// Running here means delivered to users. Default: stages nothing depends on.
    pub production: Option<bool>,
    /// How users move to the new release (production stages only; default all_at_once).
    pub strategy: Option<StrategySpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TriggerSpec {
    /// Continuous deployment: as soon as the upstream stages passed the release.
    #[default]
    Auto,
    /// A cron string in the scenario's time zone; takes the newest release that
    /// passed upstream and is newer than the one deployed; does nothing when none is.
    Schedule(CronString),
    /// A person deploys by hand, in their working hours, after their reaction time.
    Manual(ManualSpec),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualSpec {
    pub by: NameRef,
    /// Overrides the person's reaction time for this trigger.
    pub reaction: Option<DistSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksSpec {
    pub approval: Option<ApprovalSpec>,
    #[serde(default)]
    pub gates: Vec<GateSpec>,
    /// A calendar: deployments start only in its working hours.
    pub business_hours: Option<NameRef>,
    /// No deployment starts inside these windows.
    #[serde(default)]
    pub freeze: Vec<FreezeSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalSpec {
    /// People or teams; a team counts as one approver.
    pub approvers: Vec<NameRef>,
    /// How many must approve (default: all).
    pub min: Option<u32>,
    /// Overrides each approver's reaction time.
    pub response: Option<DistSpec>,
    /// Chance that an approver rejects; one rejection fails the check.
    #[serde(default)]
    pub rejection: Probability,
    /// After this the stage is skipped for the release (Azure default 30 days).
    #[serde(default = "thirty_days")]
    pub timeout: Duration,
}

fn thirty_days() -> Duration {
    Duration(crate::time::SimDuration(30.0 * 86_400.0))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateSpec {
    #[serde(default)]
    pub name: String,
    /// Delay before the first evaluation.
    #[serde(default)]
    pub delay: Duration,
    /// Time between evaluations.
    pub interval: Duration,
    /// The release fails the stage when the gate is not healthy by then.
    pub timeout: Duration,
    pub condition: GateCondition,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GateCondition {
    /// Healthy when no caught defect is still waiting for its fix commit.
    NoOpenDefects,
    /// Healthy at each evaluation with this probability (a stand-in for a monitor query).
    PassProbability(Probability),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeSpec {
    #[serde(default)]
    pub name: String,
    pub from: CivilDateTime,
    pub to: CivilDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockPolicy {
    /// Only the newest waiting release keeps waiting; older waiting ones are cancelled.
    #[default]
    RunLatest,
    /// Waiting releases deploy one after another in order.
    Sequential,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploySpec {
    #[serde(default = "zero_dist")]
    pub duration: DistSpec,
    #[serde(default)]
    pub failure: Probability,
    #[serde(default)]
    pub retries: u32,
}

impl Default for DeploySpec {
    fn default() -> Self {
        DeploySpec {
            duration: zero_dist(),
            failure: Probability(0.0),
            retries: 0,
        }
    }
}

fn zero_dist() -> DistSpec {
    DistSpec::Const(Duration::default())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySpec {
    #[serde(default)]
    pub name: String,
    pub duration: DistSpec,
    /// A person or team doing a manual test, in their working hours.
    pub by: Option<NameRef>,
    #[serde(default)]
    pub detect: Detection,
}

/// A scenario that parsed and whose cross-references all resolve.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: ScenarioFile,
    pub name: String,
    /// Where it was read from (for relative replay paths and messages).
    pub path: PathBuf,
    /// The source text (for the scenario hash of baselines).
    pub source: String,
}

/// Reads and checks a scenario file.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    let shown = path.display().to_string();
    let source = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(&shown, format!("cannot read the scenario: {e}")))?;
    parse(&source, path)
}

/// Parses and checks scenario text; `path` names it in messages and anchors relative paths.
pub fn parse(source: &str, path: &Path) -> Result<Scenario, InputError> {
    let shown = path.display().to_string();
    let file: ScenarioFile =
        serde_saphyr::from_str(source).map_err(|e| yaml_error(&shown, source, &e))?;
    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into())
    });
    let scenario = Scenario {
        file,
        name,
        path: path.to_path_buf(),
        source: source.to_string(),
    };
    check(&scenario)?;
    Ok(scenario)
}

/// A one-line message from the YAML reader: position, then what was expected.
fn yaml_error(file: &str, source: &str, e: &serde_saphyr::Error) -> InputError {
    use serde_saphyr::Error as E;
    let e = e.without_snippet();
    let location = e.location();
    let found = || {
        location
            .and_then(|l| token_at(source, l.line(), l.column()))
            .map(|t| format!(", found {t:?}"))
            .unwrap_or_default()
    };
    let msg = match e {
        // The library names a Rust type ("invalid u32") and not what was written.
        E::InvalidScalar { ty, .. } => format!("expected {}{}", scalar_kind(ty), found()),
        // "expected string scalar" where a list or a mapping was written, and the like.
        E::Unexpected { expected, .. } => {
            format!("expected {}{}", structure_kind(expected), found())
        }
        _ => {
            // User-facing wording, without the library's " at line N, column M" suffix:
            // the position is printed once, in front, as `file:line:column`.
            let formatter = serde_saphyr::UserMessageFormatter.with_localizer(&NoPosition);
            let text = e.render_with_formatter(&formatter);
            let first = text.lines().next().unwrap_or("").trim();
            first
                .strip_prefix("error:")
                .unwrap_or(first)
                .trim()
                .to_string()
        }
    };
    match location {
        Some(l) if l.line() > 0 => InputError::at(file, l.line(), l.column(), msg),
        _ => InputError::new(file, msg),
    }
}

/// Renders the YAML reader's messages without a position suffix.
struct NoPosition;

impl serde_saphyr::Localizer for NoPosition {
    fn attach_location<'a>(
        &self,
        base: std::borrow::Cow<'a, str>,
        _: serde_saphyr::Location,
    ) -> std::borrow::Cow<'a, str> {
        base
    }
}

/// What a scalar type of the file's schema is, in the file's words.
fn scalar_kind(ty: &str) -> String {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number (0 or more)".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "floating point" | "f32" | "f64" => "a number".into(),
        "boolean" | "bool" => "true or false".into(),
        "char" => "a single character".into(),
        other => format!("a {other}"),
    }
}

/// What a YAML structure the reader expected is, in the file's words.
fn structure_kind(expected: &str) -> String {
    match expected {
        "string scalar" | "scalar" => "a single value, not a list or a mapping".into(),
        "mapping start" => "a mapping of `key: value` entries".into(),
        "sequence start" => "a list".into(),
        other => other.into(),
    }
}

/// The scalar or flow collection written at 1-based `line`:`column`, shortened.
fn token_at(source: &str, line: u64, column: u64) -> Option<String> {
    let text = source
        .lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let skip = usize::try_from(column).ok()?.saturating_sub(1);
    let rest: String = text.chars().skip(skip).collect();
    // A trailing comment is not part of the value.
    let mut rest = rest.split(" #").next().unwrap_or("").trim();
    // Inside a flow collection (`{exp: many}`) a plain scalar ends at `,`, `}` or `]`.
    let in_flow = text.chars().take(skip).any(|c| c == '{' || c == '[');
    if in_flow && !rest.starts_with(['{', '[', '"', '\'']) {
        rest = rest.split([',', '}', ']']).next().unwrap_or("").trim();
    }
    if rest.is_empty() {
        return None;
    }
    let mut t: String = rest.chars().take(40).collect();
    if rest.chars().count() > 40 {
        t.push('…');
    }
    Some(t)
}

fn at(file: &str, r: &NameRef, message: impl Into<String>) -> InputError {
    InputError::at(file, r.referenced.line(), r.referenced.column(), message)
}

/// Stages per scenario (defect detection keeps one bit per stage).
pub const MAX_STAGES: usize = 63;

/// Retries of a build or a deployment (each is drawn at once).
pub const MAX_RETRIES: u32 = 100;

/// Batches of a rolling update, or weight steps of a Flagger canary.
pub const MAX_ROLLOUT_STEPS: f64 = 1000.0;

/// The name the build step is referred to by in `depends_on`.
pub const BUILD: &str = "build";

fn check(s: &Scenario) -> Result<(), InputError> {
    let file = s.path.display().to_string();
    let f = &s.file;
    let whole = |m: String| InputError::new(&file, m);

    if f.run.horizon.secs() <= 0.0 {
        return Err(whole("run.horizon must be longer than zero".into()));
    }
    if f.run.warm_up.secs() >= f.run.horizon.secs() {
        return Err(whole(format!(
            "run.warm_up ({}) must be shorter than run.horizon ({})",
            f.run.warm_up, f.run.horizon
        )));
    }
    if f.run.horizon.secs() > 100.0 * 365.0 * 86_400.0 {
        return Err(whole(format!(
            "run.horizon {} is over 100 years",
            f.run.horizon
        )));
    }
    if f.run.replications == 0 {
        return Err(whole("run.replications must be at least 1".into()));
    }
    if f.build.agents == 0 {
        return Err(whole("build.agents must be at least 1".into()));
    }
    if f.build.retries > MAX_RETRIES {
        return Err(whole(format!(
            "build.retries {} is above {MAX_RETRIES}",
            f.build.retries
        )));
    }

    for (name, p) in &f.people {
        if let Some(c) = &p.calendar
            && !f.calendars.contains_key(&c.value)
        {
            return Err(at(
                &file,
                c,
                format!(
                    "person {name:?} uses calendar {:?}, which is not defined under calendars",
                    c.value
                ),
            ));
        }
    }
    let person = |r: &NameRef, role: &str| -> Result<(), InputError> {
        if f.people.contains_key(&r.value) {
            Ok(())
        } else {
            let known: Vec<&str> = f.people.keys().map(String::as_str).collect();
            Err(at(
                &file,
                r,
                format!(
                    "{role} {:?} is not defined under people (defined: {})",
                    r.value,
                    list(&known)
                ),
            ))
        }
    };

    check_commits(&file, &f.commits)?;

    if f.stages.len() > MAX_STAGES {
        return Err(whole(format!(
            "{} stages: at most {MAX_STAGES} are supported",
            f.stages.len()
        )));
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, st) in f.stages.iter().enumerate() {
        let n = st.name.value.as_str();
        if n.is_empty() || n == BUILD {
            return Err(at(
                &file,
                &st.name,
                format!("a stage cannot be named {n:?}"),
            ));
        }
        if index.insert(n, i).is_some() {
            return Err(at(&file, &st.name, format!("stage {n:?} is defined twice")));
        }
    }
    for st in &f.stages {
        if let Some(deps) = &st.depends_on {
            for d in deps {
                if d.value != BUILD && !index.contains_key(d.value.as_str()) {
                    let mut known: Vec<&str> = index.keys().copied().collect();
                    known.sort();
                    known.insert(0, BUILD);
                    return Err(at(
                        &file,
                        d,
                        format!(
                            "depends_on names {:?}, which is no stage (known: {})",
                            d.value,
                            list(&known)
                        ),
                    ));
                }
                if d.value == st.name.value {
                    return Err(at(
                        &file,
                        d,
                        format!("stage {:?} depends on itself", d.value),
                    ));
                }
            }
        }
        match &st.trigger {
            TriggerSpec::Manual(m) => person(&m.by, "manual trigger person")?,
            TriggerSpec::Auto | TriggerSpec::Schedule(_) => {}
        }
        if let Some(a) = &st.checks.approval {
            if a.approvers.is_empty() {
                return Err(at(
                    &file,
                    &st.name,
                    format!(
                        "stage {:?}: an approval needs at least one approver",
                        st.name.value
                    ),
                ));
            }
            for p in &a.approvers {
                person(p, "approver")?;
            }
            if let Some(min) = a.min
                && (min == 0 || min as usize > a.approvers.len())
            {
                return Err(at(
                    &file,
                    &st.name,
                    format!(
                        "stage {:?}: approval min {min} must be between 1 and the {} approvers",
                        st.name.value,
                        a.approvers.len()
                    ),
                ));
            }
        }
        for g in &st.checks.gates {
            if g.interval.secs() <= 0.0 {
                return Err(at(
                    &file,
                    &st.name,
                    format!(
                        "stage {:?}: gate interval must be longer than zero",
                        st.name.value
                    ),
                ));
            }
        }
        if let Some(c) = &st.checks.business_hours
            && !f.calendars.contains_key(&c.value)
        {
            return Err(at(
                &file,
                c,
                format!(
                    "business_hours names calendar {:?}, which is not defined under calendars",
                    c.value
                ),
            ));
        }
        for fr in &st.checks.freeze {
            if fr.to <= fr.from {
                return Err(at(
                    &file,
                    &st.name,
                    format!(
                        "stage {:?}: freeze {:?} ends before it starts",
                        st.name.value, fr.name
                    ),
                ));
            }
        }
        for v in &st.verify {
            if let Some(p) = &v.by {
                person(p, "tester")?;
            }
        }
        if st.deploy.retries > MAX_RETRIES {
            return Err(at(
                &file,
                &st.name,
                format!(
                    "stage {:?}: deploy.retries {} is above {MAX_RETRIES}",
                    st.name.value, st.deploy.retries
                ),
            ));
        }
    }
    let deps = resolved_dependencies(f);
    let explicit = f.stages.iter().any(|s| s.production.is_some());
    for (i, st) in f.stages.iter().enumerate() {
        let Some(strategy) = &st.strategy else {
            continue;
        };
        // The same default as the model: stages nothing depends on serve users.
        let production = st
            .production
            .unwrap_or(!explicit && !deps.iter().any(|d| d.contains(&i)));
        if !production {
            return Err(at(
                &file,
                &st.name,
                format!(
                    "stage {:?} has a strategy but serves no users: strategies apply to production stages (set `production: true`)",
                    st.name.value
                ),
            ));
        }
        check_strategy(&file, st, strategy, &person)?;
    }
    if let Some(ramp) = &f.incidents.flag_ramp {
        let mut last = -1.0;
        for step in ramp {
            if !(0.0..=100.0).contains(&step.percent) || step.after.secs() < last {
                return Err(whole(
                    "incidents.flag_ramp: percentages must be within 0–100 and times increasing"
                        .into(),
                ));
            }
            last = step.after.secs();
        }
    }
    let r = f.incidents.detect_per_hour;
    if [r.minor, r.major, r.critical]
        .iter()
        .any(|x| !(x.is_finite() && *x >= 0.0))
        || f.incidents.users.is_nan()
        || f.incidents.users < 0.0
    {
        return Err(whole(
            "incidents: detection rates and users must be non-negative numbers".into(),
        ));
    }
    // Cycles: depth-first over the dependency graph.
    let mut state = vec![0u8; f.stages.len()];
    fn visit(i: usize, deps: &[Vec<usize>], state: &mut [u8]) -> Option<usize> {
        if state[i] == 1 {
            return Some(i);
        }
        if state[i] == 2 {
            return None;
        }
        state[i] = 1;
        for &d in &deps[i] {
            if let Some(c) = visit(d, deps, state) {
                return Some(c);
            }
        }
        state[i] = 2;
        None
    }
    for i in 0..f.stages.len() {
        if let Some(c) = visit(i, &deps, &mut state) {
            let st = &f.stages[c];
            return Err(at(
                &file,
                &st.name,
                format!("stage {:?} is part of a depends_on cycle", st.name.value),
            ));
        }
    }
    Ok(())
}

fn check_strategy(
    file: &str,
    st: &StageSpec,
    strategy: &StrategySpec,
    person: &dyn Fn(&NameRef, &str) -> Result<(), InputError>,
) -> Result<(), InputError> {
    let name = &st.name.value;
    let fail = |m: String| Err(at(file, &st.name, format!("stage {name:?}: {m}")));
    match strategy {
        StrategySpec::AllAtOnce => {}
        StrategySpec::Rolling(r) => match (r.batches, r.max_parallel) {
            (Some(n), None) if n >= 1 && f64::from(n) <= MAX_ROLLOUT_STEPS => {}
            (None, Some(p)) if p.0 > 0.0 && (1.0 / p.0).ceil() <= MAX_ROLLOUT_STEPS => {}
            _ => {
                return fail(format!(
                    "rolling needs either batches (1 to {MAX_ROLLOUT_STEPS}) or max_parallel (at least {} %)",
                    100.0 / MAX_ROLLOUT_STEPS
                ));
            }
        },
        StrategySpec::BlueGreen(b) => {
            if let Some(p) = &b.promoted_by {
                person(p, "blue-green promoter")?;
            }
        }
        StrategySpec::Canary(c) => {
            if let Some(p) = &c.promoter {
                person(p, "canary promoter")?;
            }
            let weights: Vec<f64> = match (&c.steps, c.step_weight, &c.step_weights) {
                (Some(steps), None, None) => {
                    for s in steps {
                        if let CanaryStep::Pause(PauseSpec { duration: None }) = s
                            && c.promoter.is_none()
                        {
                            return fail("a canary `pause: {}` waits for a person, but no `promoter` is named".into());
                        }
                        if let CanaryStep::Analysis(a) = s
                            && a.interval.secs() <= 0.0
                        {
                            return fail("analysis interval must be longer than zero".into());
                        }
                    }
                    steps.iter().filter_map(|s| if let CanaryStep::SetWeight(w) = s { Some(*w) } else { None }).collect()
                }
                (None, Some(step), None) => {
                    let max = c.max_weight.unwrap_or(100.0);
                    if step.is_nan() || step <= 0.0 || max.is_nan() || max <= 0.0 {
                        return fail("step_weight and max_weight must be above 0".into());
                    }
                    if max / step > MAX_ROLLOUT_STEPS {
                        return fail(format!(
                            "max_weight / step_weight gives more than {MAX_ROLLOUT_STEPS} steps"
                        ));
                    }
                    vec![step, max]
                }
                (None, None, Some(ws)) => ws.clone(),
                _ => return fail("canary takes steps (Argo Rollouts) or step_weight / step_weights (Flagger), exactly one".into()),
            };
            if (c.step_weight.is_some() || c.step_weights.is_some())
                && c.interval.is_none_or(|i| i.secs() <= 0.0)
            {
                return fail("Flagger-style canary needs an interval above zero".into());
            }
            if weights.is_empty() {
                return fail("canary needs at least one weight".into());
            }
            let mut last = 0.0;
            for w in weights {
                if !(w > last && w <= 100.0) {
                    return fail(format!(
                        "canary weights must increase and stay within 0–100 %; found {w} after {last}"
                    ));
                }
                last = w;
            }
        }
    }
    Ok(())
}

fn check_commits(file: &str, c: &CommitsSpec) -> Result<(), InputError> {
    let whole = |m: &str| Err(InputError::new(file, m));
    match (&c.poisson, &c.replay) {
        (Some(_), Some(_)) => return whole("commits: give either poisson or replay, not both"),
        (None, None) => {
            return whole("commits: give a stream, poisson (synthetic) or replay (a history)");
        }
        _ => {}
    }
    if !(c.volume.is_finite() && c.volume > 0.0) {
        return whole("commits.volume must be a positive number");
    }
    if let Some(p) = &c.poisson {
        match (p.per_day, &p.team) {
            (Some(r), None) if r.is_finite() && r > 0.0 => {}
            (None, Some(t)) if t.developers > 0 && t.commits_per_developer_per_day > 0.0 => {}
            (Some(_), Some(_)) => return whole("commits.poisson: give per_day or team, not both"),
            _ => {
                return whole(
                    "commits.poisson needs per_day > 0 or team {developers, commits_per_developer_per_day}",
                );
            }
        }
        if let Some(size) = p.push_size
            && !(size.is_finite() && size >= 1.0)
        {
            return whole("commits.poisson.push_size must be a number of at least 1");
        }
        if let Some(h) = &p.hours
            && (h.len() != 24
                || h.iter().any(|w| !(w.is_finite() && *w >= 0.0))
                || h.iter().sum::<f64>() <= 0.0)
        {
            return whole("commits.poisson.hours must be 24 non-negative weights, not all zero");
        }
        if let Some(w) = &p.weekdays
            && (w.len() != 7
                || w.iter().any(|x| !(x.is_finite() && *x >= 0.0))
                || w.iter().sum::<f64>() <= 0.0)
        {
            return whole(
                "commits.poisson.weekdays must be 7 non-negative weights (Monday first), not all zero",
            );
        }
    }
    if let Some(r) = &c.replay
        && r.csv.is_some() == r.git_log.is_some()
    {
        return whole("commits.replay: give exactly one of csv or git_log");
    }
    let s = &c.defects.severity;
    if [s.minor, s.major, s.critical]
        .iter()
        .any(|w| !(w.is_finite() && *w >= 0.0))
        || s.minor + s.major + s.critical <= 0.0
    {
        return whole("commits.defects.severity weights must be non-negative and not all zero");
    }
    Ok(())
}

/// Each stage's upstream stage indices (`build` is implicit and dropped).
pub fn resolved_dependencies(f: &ScenarioFile) -> Vec<Vec<usize>> {
    let index: HashMap<&str, usize> = f
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.value.as_str(), i))
        .collect();
    f.stages
        .iter()
        .enumerate()
        .map(|(i, st)| match &st.depends_on {
            Some(deps) => deps
                .iter()
                .filter_map(|d| index.get(d.value.as_str()).copied())
                .collect(),
            None if i == 0 => Vec::new(),
            None => vec![i - 1],
        })
        .collect()
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

impl fmt::Display for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Batch::None => "none",
            Batch::Build => "build",
            Batch::Run => "run",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(s: &str) -> Result<u8, String> {
        DayKey::parse(s).map(|k| k.mask)
    }

    #[test]
    fn weekday_keys_are_exact_names_or_ranges_of_them() {
        assert_eq!(mask("mon"), Ok(0b000_0001));
        assert_eq!(mask("Monday"), Ok(0b000_0001));
        assert_eq!(mask("SUN"), Ok(0b100_0000));
        assert_eq!(mask("mon-fri"), Ok(0b001_1111));
        assert_eq!(mask("monday-Friday"), Ok(0b001_1111));
        assert_eq!(mask("tue - thu"), Ok(0b000_1110));
        assert_eq!(mask("sat-sun"), Ok(0b110_0000));
        assert_eq!(mask("weekdays"), Ok(0b001_1111));
        assert_eq!(mask("weekends"), Ok(0b110_0000));
        assert_eq!(mask("daily"), Ok(0b111_1111));
        for bad in [
            "monkey-frisbee",
            "monkey",
            "mondays",
            "mo",
            "tues",
            "thurs",
            "fri-mon",
            "mon-",
            "-fri",
            "mon-tue-wed",
            "",
        ] {
            assert!(mask(bad).is_err(), "{bad:?} accepted");
        }
    }
}
