//! `promosim calibrate`: fits the model's random inputs to an exported run
//! history and writes the calibrated scenario, every fitted value annotated
//! with n, its estimate and its 95 % interval. Too little data for a value
//! leaves the base scenario's value, and the output says so.
//!
//! What is estimated, and the rules, are in `docs/calibrate.md`.

mod detect;
pub mod export;
pub mod fit;
mod observe;
mod reaction;
mod working;
mod yaml;

use std::collections::HashMap;

use jiff::tz::TimeZone;

pub use detect::Observed;
pub use fit::{Family, Fit, Sample};
pub use observe::{Observations, observe};

use crate::dist::DistSpec;
use crate::error::InputError;
use crate::experiment::overrides::{Node, read_tree};
use crate::history::{EventKind, History};

/// Fewer finished attempts than this: no failure rate.
pub const MIN_ATTEMPTS: usize = 20;
/// Fewer answered approvals than this: no rejection rate.
pub const MIN_APPROVALS: usize = 10;
/// Fewer commits than this, or a history shorter than this many days: no arrival rate.
pub const MIN_COMMITS: usize = 50;
pub const MIN_DAYS: f64 = 7.0;

/// One line of the calibration table: a scenario value, fitted or kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The scenario path, as `--set` writes it (`build.duration`).
    pub path: String,
    pub n: usize,
    pub censored: usize,
    /// The value written, in words (`lognormal median 5m 40s`), or "kept".
    pub estimate: String,
    pub interval: String,
    /// Goodness of fit, for durations: the KS statistics.
    pub fit: String,
    /// Set when the base value was kept: why.
    pub kept: Option<String>,
    /// The estimate and its 95 % interval as numbers (durations: the median
    /// in seconds; rates: per day; proportions: 0–1). `None` when kept.
    pub value: Option<(f64, f64, f64)>,
}

/// The result: the scenario text and the table behind it.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub yaml: String,
    pub lines: Vec<Line>,
    /// History stages that match nothing in the scenario (ignored).
    pub unmatched: Vec<String>,
    /// The fits themselves, by path (for tests and the backtest's words).
    pub fits: Vec<(String, Fit)>,
    /// Shares the history shows that are not model parameters (detection).
    pub observed: Vec<Observed>,
    /// What could not be learned from this history, in words.
    pub notes: Vec<String>,
}

/// Calibrates `base` (a scenario's text and file name; `None`: a scenario
/// made from the history alone) to `history`.
pub fn calibrate(history: &History, base: Option<(&str, &str)>) -> Result<Calibration, InputError> {
    let first = history.first().ok_or_else(|| {
        InputError::new(
            base.map_or("history", |b| b.1),
            "the history holds no events",
        )
    })?;
    let mut tree = match base {
        Some((text, file)) => read_tree(text, file)?,
        None => skeleton(history, first),
    };
    let tz = time_zone(&tree);
    let stages = stage_names(&tree);
    let obs = observe(history, &stages, &tz);
    let last = history.last().unwrap_or(first);
    let span = base.map(|(_, file)| working::Span::new(&tree, file, first, last, &tz));
    let mut c = Calibrator {
        tree: &mut tree,
        comments: HashMap::new(),
        lines: Vec::new(),
        fits: Vec::new(),
    };
    c.commits(&obs);
    c.duration("build.duration", &obs.build.durations);
    c.failure("build.flaky_failure", obs.build.failed, obs.build.finished);
    if obs.build.max_attempt > 1 {
        c.set_count(
            "build.retries",
            obs.build.max_attempt - 1,
            obs.build.finished,
        );
    }
    for (name, s) in &obs.stages {
        c.duration(&format!("stages.{name}.deploy.duration"), &s.durations);
        c.failure(
            &format!("stages.{name}.deploy.failure"),
            s.failed,
            s.finished,
        );
        if s.approvals.observed.is_empty() && s.approvals.censored.is_empty() {
            continue;
        }
        c.ensure_approval(name);
        let (sample, note) = approval_sample(span.as_ref(), name, s);
        c.duration_noted(
            &format!("stages.{name}.checks.approval.response"),
            &sample,
            &note,
        );
        c.failure(
            &format!("stages.{name}.checks.approval.rejection"),
            s.rejected,
            s.approved + s.rejected,
        );
    }
    if let Some(Ok(span)) = &span {
        for name in &stages {
            let Some(hours) = span.manual(name) else {
                continue;
            };
            let sample = reaction::manual_reaction(history, span, name, &hours);
            let note = working_note(&hours);
            c.duration_noted(
                &format!("stages.{name}.trigger.manual.reaction"),
                &sample,
                &format!("eligible (upstream passed) → taken, {note}"),
            );
        }
    }
    let Calibrator {
        comments,
        lines,
        fits,
        ..
    } = c;
    let production = match &span {
        Some(Ok(span)) => span.production(),
        _ => chain_ends(&tree, &stages),
    };
    let verifies = |name: &str| match &span {
        Some(Ok(span)) => span.verifies(name),
        _ => true,
    };
    let (observed, mut notes) = detect::observed(history, &obs, &production, &verifies);
    if !history.warnings.is_empty() {
        notes.push(format!(
            "{} GitHub run(s) have an updated_at more than GitHub's 35-day run limit after their start and no jobs given: they count as queued (and their pushes as commits) but give no duration or outcome (see the warnings)",
            history.warnings.len()
        ));
    }
    for (stage, n) in &obs.backwards {
        notes.push(format!(
            "{n} run(s) of {stage} finish before they start (clocks or time zones mixed in the export?): left out of the fit"
        ));
    }
    if lines.is_empty() {
        notes.push(nothing_fitted(history));
    }
    let mut yaml = header(history, first, &observed, &notes);
    yaml.push_str(&yaml::emit(&tree, &comments));
    Ok(Calibration {
        yaml,
        lines,
        unmatched: obs.unmatched,
        fits,
        observed,
        notes,
    })
}

/// Why a history gave no value at all: what its events are, against what a
/// fit needs (a GitHub deployment whose statuses are all `queued` has neither
/// a start nor a finish).
fn nothing_fitted(history: &History) -> String {
    let counts: Vec<String> = EventKind::ALL
        .iter()
        .filter_map(|&k| {
            let n = history.events.iter().filter(|e| e.event == k).count();
            (n > 0).then(|| format!("{n} {}", k.name()))
        })
        .collect();
    format!(
        "nothing was fitted: the history's events are {}; a duration needs {} runs with a start and a finish, a failure rate {MIN_ATTEMPTS} finished attempts, the commit rate {MIN_COMMITS} commits over {MIN_DAYS} days, a reaction {MIN_APPROVALS} approvals asked and answered",
        counts.join(", "),
        fit::MIN_DURATIONS
    )
}

/// The YAML's opening comment: where it came from, and what was observed
/// that is not a model parameter.
fn header(
    history: &History,
    first: jiff::Timestamp,
    observed: &[Observed],
    notes: &[String],
) -> String {
    let mut yaml = format!(
        "# Calibrated by `promosim calibrate` from {} events ({} to {}).\n# Every fitted value carries its n, estimate and 95 % interval; a value marked\n# \"kept\" had too little data and is the base scenario's (see docs/calibrate.md).\n",
        history.events.len(),
        first,
        history.last().unwrap_or(first)
    );
    if !observed.is_empty() || !notes.is_empty() {
        yaml.push_str("# Observed, not model parameters:\n");
        for o in observed {
            yaml.push_str(&format!("#   {}\n", o.line()));
        }
        for n in notes {
            yaml.push_str(&format!("#   {n}\n"));
        }
    }
    yaml
}

struct Calibrator<'a> {
    tree: &'a mut Node,
    comments: HashMap<String, Vec<String>>,
    lines: Vec<Line>,
    fits: Vec<(String, Fit)>,
}

impl Calibrator<'_> {
    fn keep(&mut self, path: &str, n: usize, censored: usize, why: String) {
        // Above its parent the leaf names the value; higher up (above a
        // stage's list item, or `stages:`) only the whole path does.
        let at = parent_key(path, self.tree);
        let label = if at == path || format!("{at}.{}", leaf(path)) == path {
            leaf(path)
        } else {
            path
        };
        let line = format!("{label}: kept: {why}");
        self.comments.entry(at).or_default().push(line);
        self.lines.push(Line {
            path: path.to_string(),
            n,
            censored,
            estimate: "kept".into(),
            interval: String::new(),
            fit: String::new(),
            kept: Some(why),
            value: None,
        });
    }

    fn set(&mut self, path: &str, value: Node, comment: String, line: Line) {
        set_path(self.tree, path, value);
        self.comments
            .entry(path.to_string())
            .or_default()
            .push(comment);
        self.lines.push(line);
    }

    fn duration(&mut self, path: &str, sample: &Sample) {
        self.duration_noted(path, sample, "");
    }

    /// A duration fit; `note` (how the values were measured) ends its comment.
    fn duration_noted(&mut self, path: &str, sample: &Sample, note: &str) {
        let (n, censored) = (sample.observed.len(), sample.censored.len());
        if n + censored == 0 {
            return;
        }
        let Some(f) = fit::fit_duration(sample) else {
            let why = format!(
                "only {n} finished values (at least {} needed)",
                fit::MIN_DURATIONS
            );
            return self.keep(path, n, censored, why);
        };
        let estimate = match &f.spec {
            DistSpec::Exp(mean) => format!(
                "exp mean {}, median {}",
                human(mean.secs()),
                human(f.median)
            ),
            _ => format!("{} median {}", f.family.name(), human(f.median)),
        };
        let interval = format!("[{}, {}]", human(f.median_ci.0), human(f.median_ci.1));
        let gof = format!(
            "KS exp {:.3}, lognormal {:.3} (5 % critical {:.3})",
            f.ks_exp, f.ks_lognormal, f.ks_critical
        );
        let comment = format!(
            "fitted: n={n}{}, {estimate}, 95 % interval {interval}; {gof}{}",
            if censored > 0 {
                format!(" (+{censored} censored)")
            } else {
                String::new()
            },
            if note.is_empty() {
                String::new()
            } else {
                format!("; {note}")
            }
        );
        let line = Line {
            path: path.into(),
            n,
            censored,
            estimate,
            interval,
            fit: gof,
            kept: None,
            value: Some((f.median, f.median_ci.0, f.median_ci.1)),
        };
        self.set(path, dist_node(&f.spec), comment, line);
        self.fits.push((path.to_string(), f));
    }

    fn failure(&mut self, path: &str, k: usize, n: usize) {
        if n == 0 {
            return;
        }
        if n < min_for(path) {
            return self.keep(
                path,
                n,
                0,
                format!("only {n} outcomes (at least {} needed)", min_for(path)),
            );
        }
        let (p, (lo, hi)) = fit::proportion(k, n);
        let interval = format!("[{:.2} %, {:.2} %]", lo * 100.0, hi * 100.0);
        let estimate = format!("{:.2} % ({k} of {n})", p * 100.0);
        let comment = format!("fitted: n={n}, {estimate}, 95 % interval {interval}");
        let line = Line {
            path: path.into(),
            n,
            censored: 0,
            estimate,
            interval,
            fit: String::new(),
            kept: None,
            value: Some((p, lo, hi)),
        };
        self.set(path, Node::Float(round(p, 6)), comment, line);
    }

    fn set_count(&mut self, path: &str, retries: u32, n: usize) {
        let comment = format!("observed: the most retries of any run, in {n} attempts");
        let line = Line {
            path: path.into(),
            n,
            censored: 0,
            estimate: retries.to_string(),
            interval: "(the maximum seen)".into(),
            fit: String::new(),
            kept: None,
            value: None,
        };
        self.set(path, Node::UInt(u64::from(retries)), comment, line);
    }

    fn commits(&mut self, obs: &Observations) {
        let a = &obs.arrivals;
        if a.count == 0 {
            return;
        }
        if a.count < MIN_COMMITS || a.days < MIN_DAYS {
            let why = format!(
                "{} commits over {:.1} days (at least {MIN_COMMITS} over {MIN_DAYS} days needed)",
                a.count, a.days
            );
            return self.keep("commits.poisson", a.count, 0, why);
        }
        let (rate, (lo, hi)) = fit::poisson_rate(a.count, a.days);
        let weights = |w: &[f64]| Node::Seq(w.iter().map(|&x| Node::Float(round(x, 3))).collect());
        let mut poisson = vec![
            ("per_day".to_string(), Node::Float(round(rate, 4))),
            ("hours".to_string(), weights(&a.hours)),
            ("weekdays".to_string(), weights(&a.weekdays)),
        ];
        // A push size the base scenario states is kept: history counts commits as given.
        if let Some(Node::Map(m)) = get(self.tree, "commits.poisson")
            && let Some(p) = m.iter().find(|(k, _)| k == "push_size")
        {
            poisson.push(p.clone());
        }
        if let Some(Node::Map(m)) = get_mut(self.tree, "commits") {
            m.retain(|(k, _)| k != "replay");
        }
        let estimate = format!(
            "{rate:.2} per day ({} commits over {:.1} days)",
            a.count, a.days
        );
        let interval = format!("[{lo:.2}, {hi:.2}]");
        let comment = format!(
            "fitted: n={}, {estimate}, 95 % interval {interval}; hours and weekdays: observed rates relative to their mean",
            a.count
        );
        let line = Line {
            path: "commits.poisson.per_day".into(),
            n: a.count,
            censored: 0,
            estimate,
            interval,
            fit: String::new(),
            kept: None,
            value: Some((rate, lo, hi)),
        };
        self.set("commits.poisson", Node::Map(poisson), comment, line);
    }

    /// A stage whose history shows approvals gets `checks.approval` if it has none:
    /// one approver, `approver_<stage>`, working around the clock.
    fn ensure_approval(&mut self, stage: &str) {
        let path = format!("stages.{stage}.checks.approval");
        if get(self.tree, &path).is_some() {
            return;
        }
        let person = format!("approver_{stage}");
        set_path(
            self.tree,
            &format!("people.{person}.reaction"),
            Node::Str("0s".into()),
        );
        set_path(
            self.tree,
            &format!("{path}.approvers"),
            Node::Seq(vec![Node::Str(person)]),
        );
        self.comments.entry(path).or_default().push(
            "added: the history shows approvals here; one approver around the clock (set people and calendars by hand)".into(),
        );
    }
}

/// The approval waits of a stage, in its approvers' working time when the
/// base scenario gives them one calendar, and the words saying which.
fn approval_sample(
    span: Option<&Result<working::Span, InputError>>,
    stage: &str,
    w: &observe::Work,
) -> (Sample, String) {
    let wall = |why: String| (w.approvals.clone(), format!("wall-clock time: {why}"));
    let span = match span {
        None => return wall("no base scenario gives the approvers' calendars".into()),
        Some(Err(e)) => {
            return wall(format!(
                "the base scenario does not compile over the history's span ({e})"
            ));
        }
        Some(Ok(span)) => span,
    };
    let Some(hours) = span.approvers(stage) else {
        let why = if span.approvers_differ(stage) {
            "the approvers' calendars differ"
        } else {
            "the stage has no approvers in the base scenario"
        };
        return wall(why.into());
    };
    let mut sample = Sample::default();
    for &(a, b, censored) in &w.approval_spans {
        let x = span.working(&hours, a, b);
        if censored {
            sample.censored.push(x);
        } else {
            sample.observed.push(x);
        }
    }
    (sample, working_note(&hours))
}

fn working_note(hours: &working::Hours<'_>) -> String {
    match hours.set {
        Some(_) => format!(
            "in the working time of {} (their calendar; nights, weekends and holidays left out)",
            hours.who
        ),
        None => format!("wall-clock time: {} works around the clock", hours.who),
    }
}

fn min_for(path: &str) -> usize {
    if path.ends_with("rejection") {
        MIN_APPROVALS
    } else {
        MIN_ATTEMPTS
    }
}

fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Where a "kept" comment goes: above the key when it exists, else above its parent.
fn parent_key(path: &str, tree: &Node) -> String {
    let mut p = path.to_string();
    while get(tree, &p).is_none() {
        match p.rfind('.') {
            Some(i) => p.truncate(i),
            None => break,
        }
    }
    p
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Seconds in words: `42s`, `5m 40s`, `3h 05m`, `2d 4h`.
pub fn human(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..60 => format!("{:.1}s", secs.max(0.0)),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

fn dist_node(spec: &DistSpec) -> Node {
    let one = |k: &str, v: Node| Node::Map(vec![(k.to_string(), v)]);
    match spec {
        DistSpec::Exp(d) => one("exp", Node::Str(d.to_string())),
        DistSpec::LogNormal { mu, sigma } => {
            let (median, p95) = (mu.exp(), (mu + 1.644_853_626_951_472_2 * sigma).exp());
            let secs = |s: f64| Node::Str(format!("{}s", round(s, 1).max(0.1)));
            one(
                "lognormal",
                Node::Map(vec![
                    ("median".into(), secs(median)),
                    ("p95".into(), secs(p95)),
                ]),
            )
        }
        DistSpec::Empirical(v) => one(
            "empirical",
            Node::Seq(v.iter().map(|d| Node::Str(d.to_string())).collect()),
        ),
        DistSpec::Const(d) => Node::Str(d.to_string()),
        DistSpec::Uniform(a, b) => one(
            "uniform",
            Node::Seq(vec![Node::Str(a.to_string()), Node::Str(b.to_string())]),
        ),
    }
}

fn time_zone(tree: &Node) -> TimeZone {
    match get(tree, "run.time_zone") {
        Some(Node::Str(name)) => TimeZone::get(name).unwrap_or(TimeZone::UTC),
        _ => TimeZone::UTC,
    }
}

/// The stages nothing depends on (a stage without `depends_on` follows the
/// previous one): the production stages when no compiled scenario says.
fn chain_ends(tree: &Node, stages: &[String]) -> Vec<String> {
    let mut upstream: Vec<String> = Vec::new();
    for (i, name) in stages.iter().enumerate() {
        match get(tree, &format!("stages.{name}.depends_on")) {
            Some(Node::Seq(v)) => upstream.extend(v.iter().map(Node::text)),
            Some(n) => upstream.push(n.text()),
            None if i > 0 => upstream.push(stages[i - 1].clone()),
            None => {}
        }
    }
    stages
        .iter()
        .filter(|s| !upstream.contains(s))
        .cloned()
        .collect()
}

fn stage_names(tree: &Node) -> Vec<String> {
    match get(tree, "stages") {
        Some(Node::Seq(v)) => v
            .iter()
            .filter_map(|s| match s {
                Node::Map(m) => m.iter().find(|(k, _)| k == "name").map(|(_, n)| n.text()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A scenario made from the history alone: its span as the run, its stages
/// (in the order they first appear) as a chain, the last one production.
fn skeleton(history: &History, first: jiff::Timestamp) -> Node {
    let last = history.last().unwrap_or(first);
    let days = ((last.as_second() - first.as_second()) as f64 / 86_400.0)
        .ceil()
        .max(1.0);
    let start = first
        .to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    let mut names: Vec<String> = Vec::new();
    for e in &history.events {
        if !e.stage.is_empty()
            && !observe::is_build(&e.stage)
            && e.stage != "run"
            && !names.contains(&e.stage)
        {
            names.push(e.stage.clone());
        }
    }
    let s = |v: &str| Node::Str(v.to_string());
    let (names, production) = production_last(history, names);
    // Several production stages: each follows the last stage before them.
    let upstream = names
        .len()
        .checked_sub(production + 1)
        .map_or("build".to_string(), |i| names[i].clone());
    let stages = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut m = vec![("name".to_string(), s(n))];
            if production > 1 && i + production >= names.len() {
                m.push(("depends_on".into(), Node::Seq(vec![s(&upstream)])));
            }
            Node::Map(m)
        })
        .collect();
    let mut top = vec![
        ("name".to_string(), s("calibrated")),
        (
            "run".into(),
            Node::Map(vec![
                ("start".into(), s(&start)),
                ("time_zone".into(), s("UTC")),
                ("horizon".into(), s(&format!("{days}d"))),
            ]),
        ),
        (
            "commits".into(),
            Node::Map(vec![(
                "poisson".into(),
                Node::Map(vec![("per_day".into(), Node::Float(1.0))]),
            )]),
        ),
        (
            "build".into(),
            Node::Map(vec![("duration".into(), s("5m"))]),
        ),
    ];
    if !names.is_empty() {
        top.push(("stages".into(), Node::Seq(stages)));
    }
    Node::Map(top)
}

/// The skeleton's stages reordered so that its production stages come
/// last, and how many they are. GitHub deployments flag environments:
/// those with `production_environment: true` are production; without any,
/// the last stage to appear that is not `transient_environment: true` is.
/// A transient environment is never production, and when every stage is
/// transient, none is a stage (they match nothing and are ignored). Without
/// flags this is the last stage to appear, as before.
fn production_last(history: &History, names: Vec<String>) -> (Vec<String>, usize) {
    let flag = |n: &str, f: fn(&crate::history::Environment) -> Option<bool>| {
        history.environment(n).and_then(f) == Some(true)
    };
    let transient = |n: &str| flag(n, |e| e.transient);
    let mut production: Vec<String> = names
        .iter()
        .filter(|n| flag(n, |e| e.production) && !transient(n))
        .cloned()
        .collect();
    if production.is_empty() {
        production.extend(names.iter().rev().find(|n| !transient(n)).cloned());
    }
    if production.is_empty() {
        return (Vec::new(), 0);
    }
    let count = production.len();
    let mut order: Vec<String> = names
        .into_iter()
        .filter(|n| !production.contains(n))
        .collect();
    order.append(&mut production);
    (order, count)
}

fn seg_index(v: &[Node], seg: &str) -> Option<usize> {
    v.iter()
        .position(
            |x| matches!(x, Node::Map(m) if m.iter().any(|(k, n)| k == "name" && n.text() == seg)),
        )
        .or_else(|| seg.parse::<usize>().ok().filter(|&j| j < v.len()))
}

/// `path` split into its keys; a list element's name may hold dots
/// (`stages.test (Python 3.7).deploy`): the longest name found is one key.
fn segments(tree: &Node, path: &str) -> Vec<String> {
    let raw: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    let mut node = Some(tree);
    let mut i = 0;
    while i < raw.len() {
        let mut take = 1;
        if let Some(Node::Seq(v)) = node {
            take = (1..=raw.len() - i)
                .rev()
                .find(|&k| seg_index(v, &raw[i..i + k].join(".")).is_some())
                .unwrap_or(1);
        }
        let seg = raw[i..i + take].join(".");
        node = match node {
            Some(Node::Map(m)) => m.iter().find(|(k, _)| *k == seg).map(|(_, n)| n),
            Some(Node::Seq(v)) => seg_index(v, &seg).map(|j| &v[j]),
            _ => None,
        };
        out.push(seg);
        i += take;
    }
    out
}

fn get<'a>(tree: &'a Node, path: &str) -> Option<&'a Node> {
    let mut node = tree;
    for seg in segments(tree, path) {
        node = match node {
            Node::Map(m) => &m.iter().find(|(k, _)| *k == seg)?.1,
            Node::Seq(v) => &v[seg_index(v, &seg)?],
            _ => return None,
        };
    }
    Some(node)
}

fn get_mut<'a>(tree: &'a mut Node, path: &str) -> Option<&'a mut Node> {
    let segs = segments(tree, path);
    let mut node = tree;
    for seg in segs {
        node = match node {
            Node::Map(m) => &mut m.iter_mut().find(|(k, _)| *k == seg)?.1,
            Node::Seq(v) => {
                let i = seg_index(v, &seg)?;
                &mut v[i]
            }
            _ => return None,
        };
    }
    Some(node)
}

/// Sets `path`, making the mappings on the way (a scalar on the way, such
/// as `deploy: 5m`, is replaced by a mapping).
fn set_path(tree: &mut Node, path: &str, value: Node) {
    let segs = segments(tree, path);
    let mut node = tree;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        if let Node::Seq(v) = node {
            match seg_index(v, seg) {
                Some(j) => node = &mut v[j],
                None => return,
            }
            continue;
        }
        if !matches!(node, Node::Map(_)) {
            *node = Node::Map(Vec::new());
        }
        let Node::Map(m) = node else { return };
        let j = match m.iter().position(|(k, _)| k == seg) {
            Some(j) => j,
            None => {
                m.push((seg.to_string(), Node::Map(Vec::new())));
                m.len() - 1
            }
        };
        if last {
            m[j].1 = value;
            return;
        }
        node = &mut m[j].1;
    }
}
