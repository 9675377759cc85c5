//! Exported run history: GitHub, Azure DevOps or a generic CSV, read into one
//! typed table of stage events for `promosim calibrate` and `promosim backtest`.
//!
//! Every reader takes the text of one file and returns its events; errors are
//! [`InputError`]s with the file, line and column (JSON positions come from
//! serde_json, CSV positions from the csv crate). A reader never panics.
//! `docs/calibrate.md` lists the exact export commands and what each field
//! means here.

mod azure;
mod csv;
mod github;

use jiff::Timestamp;

pub use azure::parse_azure;
pub use csv::parse_csv;
pub use github::{parse_gh_runs, parse_github};

use crate::error::InputError;

/// What happened to a release at a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A commit (or a push) reached main; the stage is empty.
    Commit,
    /// The release waits for an agent (the run was created).
    Queued,
    /// Work on the stage (a build, a deployment) started.
    Start,
    /// The work ended; its [`Outcome`] says how.
    Finish,
    /// An approval was requested.
    ApprovalRequested,
    /// The approval was answered; the outcome is approved, rejected or timed out.
    ApprovalDone,
    /// The stage's verification rejected the release after its deployment
    /// succeeded (only the CSV tells this apart from a failed deployment).
    Rejected,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::Commit,
        EventKind::Queued,
        EventKind::Start,
        EventKind::Finish,
        EventKind::ApprovalRequested,
        EventKind::ApprovalDone,
        EventKind::Rejected,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::Commit => "commit",
            EventKind::Queued => "queued",
            EventKind::Start => "start",
            EventKind::Finish => "finish",
            EventKind::ApprovalRequested => "approval_requested",
            EventKind::ApprovalDone => "approval_done",
            EventKind::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        let s = s.trim().to_ascii_lowercase();
        EventKind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// How a piece of work or an approval ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Not applicable (commits, starts) or not known.
    None,
    Succeeded,
    Failed,
    /// Cancelled or skipped before it ended: the duration is censored.
    Cancelled,
    Approved,
    Rejected,
    TimedOut,
}

impl Outcome {
    /// Reads the result words of the supported formats (GitHub conclusions and
    /// deployment states, Azure results, the CSV's own words).
    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "" => Outcome::None,
            "succeeded" | "success" | "succeededwithissues" | "ok" | "passed" => Outcome::Succeeded,
            "failed" | "failure" | "error" | "startup_failure" => Outcome::Failed,
            "cancelled" | "canceled" | "skipped" | "abandoned" | "stale" | "inactive" => {
                Outcome::Cancelled
            }
            "approved" => Outcome::Approved,
            "rejected" => Outcome::Rejected,
            "timed_out" | "timeout" | "timedout" => Outcome::TimedOut,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Outcome::None => "",
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Approved => "approved",
            Outcome::Rejected => "rejected",
            Outcome::TimedOut => "timed_out",
        }
    }
}

/// One row of the table: a release's event at a stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageEvent {
    /// The release (run) id: a GitHub head SHA, an Azure build id, the CSV's `release`.
    pub release: String,
    /// The stage as the history names it; `build` for the build, empty for commits.
    pub stage: String,
    pub event: EventKind,
    pub at: Timestamp,
    pub outcome: Outcome,
    /// 1 for the first attempt, 2 for the first retry, ….
    pub attempt: u32,
}

/// What one file gave: its events, and release names to rename (a GitHub
/// deployment id, `deployment:42`, becomes its commit SHA).
#[derive(Debug, Clone, Default)]
pub struct Part {
    pub events: Vec<StageEvent>,
    pub aliases: Vec<(String, String)>,
    /// GitHub workflow runs and jobs: a run's end depends on its jobs, which
    /// may be in another file, so their events are made when every file is read.
    pub(crate) runs: Vec<github::RunRecord>,
    pub(crate) jobs: Vec<github::JobRecord>,
    /// GitHub deployment environments with the flags their deployments carry.
    pub environments: Vec<Environment>,
}

/// A deployment environment as GitHub's deployments describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    /// `production_environment`: users work on it. `None`: not said.
    pub production: Option<bool>,
    /// `transient_environment`: it stops existing (a preview). `None`: not said.
    pub transient: Option<bool>,
}

/// Every event of every history file, sorted by time.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub events: Vec<StageEvent>,
    /// GitHub runs whose end is not known (their `updated_at` is past the
    /// 35-day limit on a run and no jobs say), each naming the run and why
    /// (printed as `warning:`; calibrate's notes count them).
    pub warnings: Vec<String>,
    /// Deployment environments whose deployments carry GitHub's flags, one
    /// per name in order of first appearance: a flag is `Some(true)` when
    /// any deployment to it said so.
    pub environments: Vec<Environment>,
}

impl History {
    /// Joins the events of several files, sorted by time (stable, so equal
    /// instants keep their file order).
    pub fn from_parts(parts: Vec<Part>) -> History {
        let aliases: std::collections::HashMap<String, String> = parts
            .iter()
            .flat_map(|p| p.aliases.iter().cloned())
            .collect();
        let links = github::Links::new(&parts);
        let mut warnings = Vec::new();
        let mut environments: Vec<Environment> = Vec::new();
        let mut events: Vec<StageEvent> = Vec::new();
        for p in parts {
            events.extend(p.events);
            links.events(p.runs, p.jobs, &mut events, &mut warnings);
            for env in p.environments {
                match environments.iter_mut().find(|e| e.name == env.name) {
                    Some(e) => {
                        e.production = or_true(e.production, env.production);
                        e.transient = or_true(e.transient, env.transient);
                    }
                    None => environments.push(env),
                }
            }
        }
        for e in &mut events {
            if let Some(real) = aliases.get(&e.release) {
                e.release = real.clone();
            }
        }
        events.sort_by_key(|e| e.at);
        History {
            events,
            warnings,
            environments,
        }
    }

    /// How the environment `name` is flagged (`None`: no deployment said).
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// The first instant in the history.
    pub fn first(&self) -> Option<Timestamp> {
        self.events.first().map(|e| e.at)
    }

    /// The last instant: work still open then is censored here.
    pub fn last(&self) -> Option<Timestamp> {
        self.events.last().map(|e| e.at)
    }

    /// Whether the history tells verification rejections apart (holds a `rejected` event).
    pub fn has_rejections(&self) -> bool {
        self.events.iter().any(|e| e.event == EventKind::Rejected)
    }

    /// The commit (or push) instants, oldest first.
    pub fn commits(&self) -> Vec<Timestamp> {
        self.events
            .iter()
            .filter(|e| e.event == EventKind::Commit)
            .map(|e| e.at)
            .collect()
    }
}

/// Two deployments' flags for one environment: true when either says true.
fn or_true(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), _) | (_, Some(false)) => Some(false),
        _ => None,
    }
}

/// The supported history formats (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The generic CSV: `release,stage,event,time,result[,attempt]`.
    Csv,
    /// `gh run list --json ...` output.
    GhRuns,
    /// GitHub REST responses: workflow runs, jobs, deployments, deployment statuses.
    Github,
    /// Azure DevOps REST responses: the Builds list and build Timelines.
    Azure,
}

impl Format {
    pub const NAMES: &'static str = "csv, gh-runs, github, azure";

    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "csv" => Format::Csv,
            "gh-runs" | "gh" => Format::GhRuns,
            "github" | "github-rest" => Format::Github,
            "azure" | "azure-devops" => Format::Azure,
            _ => return None,
        })
    }
}

/// Reads one file's text in the given format.
pub fn parse(format: Format, text: &str, file: &str) -> Result<Part, InputError> {
    let parsed = match format {
        Format::Csv => parse_csv(text, file).map(|events| Part {
            events,
            ..Part::default()
        }),
        Format::GhRuns => parse_gh_runs(text, file),
        Format::Github => parse_github(text, file),
        Format::Azure => parse_azure(text, file),
    };
    // A file of another format read as this one: say which it looks like.
    parsed.map_err(|mut e| {
        if let Some(other) = sniff(text).filter(|&f| f != format) {
            e.message.push_str(&format!(
                " (the file looks like `--format {}` instead)",
                other.flag()
            ));
        }
        e
    })
}

impl Format {
    /// The `--format` value that names it.
    pub fn flag(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::GhRuns => "gh-runs",
            Format::Github => "github",
            Format::Azure => "azure",
        }
    }
}

/// Which format a history file looks like, from its first bytes and keys: a
/// JSON array of runs is `gh run list --json` (or Azure's `az pipelines runs
/// list`, by its keys), an object with `workflow_runs` or `jobs` GitHub's REST
/// API, one with `value` or `records` Azure DevOps'; anything else with a comma
/// in its first line, CSV.
fn sniff(text: &str) -> Option<Format> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    // The first 4 KiB (or all of it, when that cuts a character).
    let head = t.get(..t.len().min(4096)).unwrap_or(t);
    let has = |key: &str| head.contains(&format!("\"{key}\""));
    if t.starts_with('[') {
        // `gh run list --json …` or `az pipelines runs list -o json`.
        if has("buildNumber") || has("queueTime") {
            return Some(Format::Azure);
        }
        if has("databaseId") || has("conclusion") || has("workflowName") {
            return Some(Format::GhRuns);
        }
        return None;
    }
    if t.starts_with('{') {
        if has("workflow_runs") || has("jobs") || has("workflow_id") {
            return Some(Format::Github);
        }
        if has("value") || has("records") {
            return Some(Format::Azure);
        }
        return None;
    }
    t.lines()
        .next()
        .filter(|l| l.contains(','))
        .map(|_| Format::Csv)
}

/// A JSON error with its position; "EOF while parsing" is said plainly.
pub(crate) fn json_error(file: &str, e: &serde_json::Error) -> InputError {
    let message = if e.is_eof() {
        format!("the file ends early (truncated?): {e}")
    } else {
        e.to_string()
    };
    // serde_json appends " at line L column C"; the position goes in front instead.
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    if e.line() == 0 {
        InputError::new(file, message)
    } else {
        // serde_json says column 0 for a value that is wrong as a whole.
        InputError::at(file, e.line() as u64, e.column().max(1) as u64, message)
    }
}

/// One JSON document of a file that may hold several back to back, as
/// `gh api --paginate` writes its pages (`[...][...]`, `{...}{...}`).
pub(crate) struct Doc<'a> {
    /// The document's text, and where it starts in the file.
    pub text: &'a str,
    start: usize,
    /// Its parsed shape, to tell which response it is.
    pub shape: serde_json::Value,
}

/// Splits `text` into its JSON documents; an error names its place in the file.
pub(crate) fn json_docs<'a>(text: &'a str, file: &str) -> Result<Vec<Doc<'a>>, InputError> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let mut docs = Vec::new();
    loop {
        // The stream skips whitespace before a value; the value starts at the first non-blank.
        let before = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Err(e)) => return Err(json_error(file, &e)),
            Some(Ok(shape)) => {
                let end = stream.byte_offset();
                let skipped = text[before..end].len() - text[before..end].trim_start().len();
                let start = before + skipped;
                docs.push(Doc {
                    text: &text[start..end],
                    start,
                    shape,
                });
            }
        }
    }
    if docs.is_empty() {
        return Err(InputError::new(file, "the file is empty: no JSON in it"));
    }
    Ok(docs)
}

impl Doc<'_> {
    /// An error at the document's first character: a response of no known shape.
    pub fn unknown(&self, whole: &str, file: &str, message: &str) -> InputError {
        let before = &whole[..self.start];
        let line = before.matches('\n').count() as u64 + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        InputError::at(file, line, (before.len() - line_start) as u64 + 1, message)
    }

    /// Reads the document as `T`; an error's line and column are the file's.
    pub fn read<T: serde::de::DeserializeOwned>(
        &self,
        whole: &str,
        file: &str,
    ) -> Result<T, InputError> {
        serde_json::from_str(self.text).map_err(|e| {
            let mut err = json_error(file, &e);
            let before = &whole[..self.start];
            let lines = before.matches('\n').count() as u64;
            if let (Some(line), Some(col)) = (err.line, err.column) {
                let col = if line == 1 {
                    // On the document's first line, columns (bytes, as serde_json counts) from the line's start.
                    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                    col + (before.len() - line_start) as u64
                } else {
                    col
                };
                err.line = Some(line + lines);
                err.column = Some(col);
            }
            err
        })
    }
}

/// A timestamp as the exports write it: RFC 3339 with an offset
/// (`2026-03-02T09:15:00Z`, fractional seconds allowed), or Unix seconds.
pub fn parse_time(s: &str) -> Result<Timestamp, String> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = t
            .parse()
            .map_err(|_| format!("{t:?}: Unix seconds out of range"))?;
        return Timestamp::from_second(secs).map_err(|e| format!("{t:?}: {e}"));
    }
    t.parse::<Timestamp>().map_err(|e| {
        format!("expected a time such as 2026-03-02T09:15:00Z (RFC 3339 with an offset) or Unix seconds, found {t:?} ({e})")
    })
}

/// serde glue: a timestamp field, parsed with [`parse_time`], so a bad time
/// is reported at its line and column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Time(pub Timestamp);

impl<'de> serde::Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_time(&s).map(Time).map_err(serde::de::Error::custom)
    }
}

/// The same, for fields that may be null or absent (work not started or not finished).
pub(crate) fn opt_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Time>, D::Error> {
    let s: Option<String> = serde::Deserialize::deserialize(d)?;
    match s {
        None => Ok(None),
        Some(s) if s.trim().is_empty() || s.starts_with("0001-01-01") => Ok(None),
        Some(s) => parse_time(&s)
            .map(|t| Some(Time(t)))
            .map_err(serde::de::Error::custom),
    }
}
