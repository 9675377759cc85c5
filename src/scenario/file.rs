//! The scenario file as written (ripgrep's `LowArgs`): the top-level sections
//! read by serde, unknown keys refused, each value checked as it is read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use super::NameRef;
use super::stage::StageSpec;
use super::values::{
    CivilDate, CivilDateTime, ClockRange, DayKey, Detection, OneOrMany, Probability, ToleranceText,
    Zone,
};
use crate::dist::DistSpec;
use crate::time::Duration;

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
    pub commits: Spanned<CommitsSpec>,
    pub build: BuildSpec,
    #[serde(default = "no_stages")]
    pub stages: Spanned<Vec<StageSpec>>,
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

/// How escaped defects are noticed and undone in production (see `docs/model.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSpec {
    /// Users of the product, for blast radius in user-hours.
    #[serde(default = "default_users")]
    pub users: Spanned<f64>,
    /// Monitoring's detection rate per hour per severity at 100 % of traffic;
    /// the rate at share s is s times this.
    #[serde(default = "default_monitoring")]
    pub detect_per_hour: Spanned<SeverityRates>,
    /// Time to redeploy the previous release (all-at-once and rolling rollback).
    #[serde(default = "default_rollback")]
    pub rollback: DistSpec,
    /// A feature-flag ramp: new code is deployed dark and exposed to this share
    /// of its traffic, as time passes since its first production deployment.
    pub flag_ramp: Option<Spanned<Vec<FlagStep>>>,
    /// Feature flags for a share of the changes, with a kill switch.
    pub flags: Option<Spanned<FlagsSpec>>,
    /// Users online over time, as factors of `users` (default flat at 1).
    pub traffic: Option<Spanned<TrafficSpec>>,
}

/// `incidents.flags`: a share of the changes ships dark behind a flag.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagsSpec {
    /// Share of the changes whose code is behind a flag (default all).
    pub share: Option<Probability>,
    /// The flag's share of traffic as time passes since the code's first
    /// production deployment.
    pub ramp: Spanned<Vec<FlagStep>>,
    /// Time to turn a flag off once its defect is detected; without it a
    /// detection rolls back as for unflagged code.
    pub kill_switch: Option<DistSpec>,
}

/// `incidents.traffic`: factors of `users` by hour, weekday and dated peaks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    /// 24 factors, hour 0 first (default all 1).
    pub hours: Option<Spanned<Vec<f64>>>,
    /// 7 factors, Monday first (default all 1).
    pub weekdays: Option<Spanned<Vec<f64>>>,
    /// Dated peaks and troughs: every hour starting in `[from, to)` is
    /// multiplied by `factor`.
    #[serde(default)]
    pub peaks: Vec<Spanned<PeakSpec>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeakSpec {
    #[serde(default)]
    pub name: String,
    pub from: CivilDateTime,
    pub to: CivilDateTime,
    pub factor: f64,
}

impl Default for IncidentSpec {
    fn default() -> Self {
        IncidentSpec {
            users: default_users(),
            detect_per_hour: default_monitoring(),
            rollback: default_rollback(),
            flag_ramp: None,
            flags: None,
            traffic: None,
        }
    }
}

fn default_users() -> Spanned<f64> {
    nowhere(10_000.0)
}
fn default_monitoring() -> Spanned<SeverityRates> {
    nowhere(SeverityRates {
        minor: 0.02,
        major: 0.2,
        critical: 2.0,
    })
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Civil start in `time_zone`.
    pub start: Spanned<CivilDateTime>,
    #[serde(default = "utc")]
    pub time_zone: Zone,
    pub horizon: Spanned<Duration>,
    #[serde(default = "nowhere_default")]
    pub warm_up: Spanned<Duration>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_replications")]
    pub replications: Spanned<u32>,
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

fn no_stages() -> Spanned<Vec<StageSpec>> {
    nowhere(Vec::new())
}
fn utc() -> Zone {
    Zone(jiff::tz::TimeZone::UTC)
}
fn default_seed() -> u64 {
    1
}
fn default_replications() -> Spanned<u32> {
    nowhere(100)
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

/// A person or a team (a group counts as one approver, as in Azure Pipelines).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonSpec {
    /// Calendar name; a person without one works around the clock.
    pub calendar: Option<NameRef>,
    /// Time from a request to the person acting on it, counted in their working time.
    #[serde(default = "default_reaction")]
    pub reaction: DistSpec,
    /// How many manual tasks the person or team works on at once (a team: its
    /// members). Default 1: a person does one thing at a time.
    pub members: Option<std::num::NonZeroU32>,
    /// Which waiting task a free member takes: `fifo` (default) or
    /// `fixes_first` (a release carrying a fix before a feature release).
    #[serde(default)]
    pub queue: QueueOrder,
}

/// The order a person's waiting tasks are taken in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueOrder {
    /// First come, first served.
    #[default]
    Fifo,
    /// Tasks of releases that bring a fix the stage has not run yet go
    /// first; first come, first served within each class.
    FixesFirst,
}

fn default_reaction() -> DistSpec {
    DistSpec::Const(Duration::default())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitsSpec {
    pub poisson: Option<Spanned<PoissonSpec>>,
    pub replay: Option<Spanned<ReplaySpec>>,
    /// Scales the volume ("the same history at 3× the volume").
    #[serde(default = "one")]
    pub volume: Spanned<f64>,
    #[serde(default)]
    pub defects: DefectSpec,
}

fn one() -> Spanned<f64> {
    nowhere(1.0)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoissonSpec {
    /// Mean commits on a day of weekday weight 1.
    pub per_day: Option<Spanned<f64>>,
    /// Alternative to `per_day`: developers × commits per developer per day.
    pub team: Option<Spanned<TeamSpec>>,
    /// 24 relative weights, hour 0 first (default flat).
    pub hours: Option<Spanned<Vec<f64>>>,
    /// 7 relative weights, Monday first (default all 1).
    pub weekdays: Option<Spanned<Vec<f64>>>,
    /// Mean commits per push (default 1): bursts of commits pushed together,
    /// one CI trigger each; `per_day` still counts commits.
    pub push_size: Option<Spanned<f64>>,
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
    #[serde(default = "nowhere_default")]
    pub severity: Spanned<SeverityWeights>,
    /// Time from a defect being caught to its fix commit landing on main.
    #[serde(default = "default_fix_time")]
    pub fix_time: DistSpec,
}

impl Default for DefectSpec {
    fn default() -> Self {
        DefectSpec {
            probability: Probability(0.0),
            severity: nowhere_default(),
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
    #[serde(default = "one_spanned")]
    pub agents: Spanned<u32>,
    pub duration: DistSpec,
    /// Chance that a build attempt fails for no reason of the code.
    #[serde(default)]
    pub flaky_failure: Probability,
    /// Retries of a flaky failure (each a full new attempt on the same agent).
    #[serde(default = "nowhere_default")]
    pub retries: Spanned<u32>,
    /// Unit-test detection probability per severity.
    #[serde(default)]
    pub detect: Detection,
}

pub(super) fn one_u32() -> u32 {
    1
}

fn one_spanned() -> Spanned<u32> {
    nowhere(1)
}

/// A default: a value with no place in the file, so a check on it can name
/// only the file (and a default always passes its checks anyway).
pub(super) fn nowhere<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

fn nowhere_default<T: Default>() -> Spanned<T> {
    nowhere(T::default())
}
