//! An Argo `analysis` step: its AnalysisTemplates or ClusterAnalysisTemplates
//! in the same file, and the metric that can fail the analysis soonest.

use super::dry_run::DryRun;
use crate::error::InputError;
use crate::import::duration_text;
use crate::import::tree::Node;
use crate::import::writer::{Val, num};

/// An analysis step as written: its canary steps (the analysis, maybe a
/// pause), the simulated metric's `inconclusiveLimit` as a number and as
/// the line to write, and whether a step waits for the promoter.
type Analysis = (Vec<Val>, Option<(f64, Val)>, bool);

/// One metric of an analysis template, as the model can use it.
struct Metric {
    /// `Kind name`, for messages.
    template: String,
    name: String,
    line: u64,
    /// As written, `None` when absent (measured once).
    interval: Option<String>,
    secs: f64,
    /// `None`: an `interval` and no `count`, measured until it fails or the
    /// step is promoted (Argo's `EffectiveCount()` is nil).
    count: Option<f64>,
    limit: f64,
    inconclusive: Option<(f64, u64)>,
    /// The line of the `dryRun` rule that makes it a dry run: it never fails.
    dry: Option<u64>,
    /// `initialDelay` in seconds (0 without), and its line: the first
    /// measurement waits that long.
    delay: f64,
    delay_line: u64,
}

impl Metric {
    /// `, initial_delay: 5m` when it has an `initialDelay`.
    fn delay_text(&self) -> String {
        if self.delay > 0.0 {
            format!(
                ", initial_delay: {}",
                crate::time::Duration(crate::time::SimDuration(self.delay))
            )
        } else {
            String::new()
        }
    }

    /// How long Argo measures it: `count` measurements `interval` apart;
    /// without end when it has no count.
    fn length(&self) -> f64 {
        self.delay + self.count.map_or(f64::INFINITY, |c| c * self.secs)
    }
    /// The earliest time it can fail the analysis: `failureLimit + 1`
    /// failed measurements; never when it measures fewer times than that.
    fn fails_after(&self) -> f64 {
        if self.dry.is_some() {
            return f64::INFINITY;
        }
        match self.count {
            Some(c) if self.limit + 1.0 > c => f64::INFINITY,
            _ => self.delay + (self.limit + 1.0) * self.secs,
        }
    }
    /// The count written: `count`, or for a metric without end the fewest
    /// measurements that can fail it, `failureLimit + 1`.
    fn written_count(&self) -> f64 {
        self.count.unwrap_or(self.limit + 1.0)
    }
}

/// An `analysis` step. Argo runs every metric of every listed template side
/// by side (with `clusterScope: true` the template is a
/// ClusterAnalysisTemplate, otherwise an AnalysisTemplate); the analysis
/// fails as soon as one metric fails, and the rollout waits until every
/// metric has finished. The model's step has one metric: the one that can
/// fail the analysis soonest (`(failureLimit + 1) × interval`, a tie to the
/// one listed first), followed by a `pause` for the rest of the longest
/// metric, so the step lasts as long as Argo's. Every other metric, and
/// every template not in the file, is warned about by file:line. With no
/// template in the file, the values are assumed. Returns the steps to write
/// and the simulated metric's `inconclusiveLimit` (Argo's default 0 when
/// absent), as a number and as the line to write.
pub(super) fn analysis(
    file: &str,
    a: &Node,
    docs: &[Node],
    warnings: &mut Vec<String>,
) -> Result<Analysis, InputError> {
    a.known(&["args", "dryRun", "measurementRetention"]);
    let (metrics, missing) = read_metrics(file, a, docs, warnings)?;
    if !metrics.is_empty() && soonest(&metrics).is_none() {
        return Ok(dry_hold(file, a, &metrics));
    }
    let Some(chosen) = soonest(&metrics) else {
        let why = missing
            .iter()
            .map(|(m, l)| format!("{m} ({file}:{l})"))
            .collect::<Vec<_>>()
            .join("; ");
        warnings.push(format!(
            "warning: {file}:{}: no metric of this analysis step can be read ({why}): interval 5m, count 3 and failureLimit 0 are assumed",
            a.line
        ));
        let v = Val::assumed(
            "analysis: {interval: 5m, count: 3, failure_limit: 0}",
            format!(
                "no metric of the analysis at {file}:{} can be read ({why}); its interval, count and failureLimit are assumed",
                a.line
            ),
        );
        return Ok((vec![v], None, false));
    };
    for (m, l) in &missing {
        warnings.push(format!(
            "warning: {file}:{l}: {m}; its metrics are not simulated"
        ));
    }
    let (steps, wait) = steps_of(file, a, &metrics, chosen, warnings);
    Ok((steps, Some(inconclusive_of(file, &metrics[chosen])), wait))
}

/// The metric of an analysis outside the steps (`what`: a background or a
/// post-promotion analysis) that can fail it soonest; every other metric and
/// every template not in the file warned about. `None` when none can be read.
fn chosen(
    file: &str,
    a: &Node,
    docs: &[Node],
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<Metric>, InputError> {
    a.known(&["args", "dryRun", "measurementRetention", "startingStep"]);
    let (mut metrics, missing) = read_metrics(file, a, docs, warnings)?;
    for (m, l) in &missing {
        warnings.push(format!(
            "warning: {file}:{l}: {m}; its metrics are not simulated"
        ));
    }
    let Some(chosen) = soonest(&metrics) else {
        let why = if metrics.is_empty() {
            "no metric of it can be read"
        } else {
            "every metric of it is a dry run, which never fails it"
        };
        warnings.push(format!(
            "warning: {file}:{}: the {what} is not simulated: {why}",
            a.line
        ));
        return Ok(None);
    };
    let m = &metrics[chosen];
    for (i, o) in metrics.iter().enumerate() {
        if i != chosen && o.dry.is_none() {
            warnings.push(format!(
                "warning: {file}:{}: metric {} of {} is not simulated: Argo fails the {what} when any metric fails, and the model measures one metric, the one that can fail it soonest ({} of {}, {file}:{})",
                o.line, o.name, o.template, m.name, m.template, m.line
            ));
        }
    }
    let n = metrics.len();
    let mut m = metrics.swap_remove(chosen);
    if n > 1 {
        m.template = format!(
            "{} (of {n} metrics, the one that can fail the analysis soonest)",
            m.template
        );
    }
    Ok(Some(m))
}

/// Where a chosen metric was read, for the comment.
fn metric_at(file: &str, m: &Metric) -> String {
    let mut at = format!("{file}:{} ({}, metric {}", m.line, m.template, m.name);
    if m.interval.is_none() {
        at.push_str(": no interval, measured once; 1m assumed");
    }
    at.push(')');
    at
}

/// A background analysis (`canary.analysis`), measured beside the steps.
/// Returns `interval, failure_limit[, count]` as the scenario writes them
/// (without `starting_step`, which the caller maps to the steps it wrote)
/// and where they were read; `None` when no metric can be read.
pub(super) fn background(
    file: &str,
    bg: &Node,
    docs: &[Node],
    warnings: &mut Vec<String>,
) -> Result<Option<(String, String)>, InputError> {
    let Some(m) = chosen(file, bg, docs, "background analysis", warnings)? else {
        return Ok(None);
    };
    let interval = m.interval.clone().unwrap_or_else(|| "1m".into());
    let count = m
        .count
        .map_or(String::new(), |c| format!(", count: {}", num(c)));
    // How often a measurement is inconclusive is the team's figure; the
    // limit is the manifest's (Argo's default 0 is the model's too).
    let limit = match m.inconclusive {
        Some((l, _)) if l > 0.0 => format!(", inconclusive_limit: {}", num(l)),
        _ => String::new(),
    };
    let text = format!(
        "interval: {interval}, failure_limit: {}{count}{}{limit}",
        num(m.limit),
        m.delay_text()
    );
    Ok(Some((text, metric_at(file, &m))))
}

/// A blue-green `postPromotionAnalysis`, measured after the switch: its
/// `post_promotion_analysis` value. A metric without `count` runs until it
/// fails; the model takes `failureLimit + 1` measurements (the fewest that
/// can fail it), assumed and warned about.
pub(super) fn post_promotion(
    file: &str,
    a: &Node,
    docs: &[Node],
    warnings: &mut Vec<String>,
) -> Result<Option<Val>, InputError> {
    let Some(m) = chosen(file, a, docs, "post-promotion analysis", warnings)? else {
        return Ok(None);
    };
    let interval = m.interval.clone().unwrap_or_else(|| "1m".into());
    let text = format!(
        "{{interval: {interval}, count: {}, failure_limit: {}{}}}",
        num(m.written_count()),
        num(m.limit),
        m.delay_text()
    );
    let at = metric_at(file, &m);
    if m.count.is_some() {
        return Ok(Some(Val::read(text, at)));
    }
    warnings.push(format!(
        "warning: {file}:{}: metric {} of {} has no `count`: Argo measures it until it fails, so the old colour is never scaled down; the model takes failureLimit + 1 = {} measurements, the fewest that can fail it",
        m.line,
        m.name,
        m.template,
        num(m.written_count())
    ));
    Ok(Some(Val::assumed(
        text,
        format!(
            "count {} (failureLimit + 1): {at} has no count",
            num(m.written_count())
        ),
    )))
}

/// The metric that can fail the analysis soonest, the first on a tie; a
/// dry run never can. `None` when every metric is a dry run (or none).
fn soonest(metrics: &[Metric]) -> Option<usize> {
    (0..metrics.len())
        .filter(|&i| metrics[i].dry.is_none())
        .min_by(|&i, &j| {
            metrics[i]
                .fails_after()
                .total_cmp(&metrics[j].fails_after())
                .then(i.cmp(&j))
        })
}

/// The document of `kind` named `name` in the file.
fn named<'a>(docs: &'a [Node], kind: &str, name: &str) -> Option<&'a Node> {
    docs.iter().find(|d| {
        d.get("kind").and_then(Node::text) == Some(kind)
            && d.get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::scalar)
                .as_deref()
                == Some(name)
    })
}

/// A template named but not usable: why, and the line naming it.
type Missing = (String, u64);

/// Every metric of every template the step lists, and the templates named
/// but not usable.
fn read_metrics(
    file: &str,
    a: &Node,
    docs: &[Node],
    warnings: &mut Vec<String>,
) -> Result<(Vec<Metric>, Vec<Missing>), InputError> {
    let mut metrics: Vec<Metric> = Vec::new();
    let mut missing: Vec<Missing> = Vec::new();
    // Argo's AnalysisRun takes the dry-run rules of the analysis and of
    // every template it lists, for all its metrics.
    let mut dry = DryRun::default();
    dry.add(file, a.get("dryRun"), warnings);
    let mut listed = a.get("templates").and_then(Node::list).unwrap_or_default();
    // Argo before v0.9 named one template in the analysis itself.
    if listed.is_empty() && a.get("templateName").is_some() {
        listed = std::slice::from_ref(a);
    }
    if listed.is_empty() {
        warnings.push(format!(
            "warning: {file}:{}: the analysis lists no `templates`",
            a.line
        ));
    }
    for t in listed {
        t.touch();
        let Some(name) = t.get("templateName").and_then(Node::scalar) else {
            warnings.push(format!(
                "warning: {file}:{}: an analysis template without `templateName` was ignored",
                t.line
            ));
            t.mark_all();
            continue;
        };
        let cluster = t.get("clusterScope").and_then(Node::boolean) == Some(true);
        let (kind, other) = if cluster {
            ("ClusterAnalysisTemplate", "AnalysisTemplate")
        } else {
            ("AnalysisTemplate", "ClusterAnalysisTemplate")
        };
        let doc = named(docs, kind, &name);
        let list = doc
            .and_then(|d| d.get("spec"))
            .and_then(|s| s.get("metrics"))
            .and_then(Node::list)
            .unwrap_or_default();
        if list.is_empty() {
            let hint = match (named(docs, other, &name), cluster) {
                (None, _) => String::new(),
                (Some(_), true) => format!(
                    " (the file has an {other} of that name: `clusterScope: true` names a ClusterAnalysisTemplate)"
                ),
                (Some(_), false) => format!(
                    " (the file has a {other} of that name, which needs `clusterScope: true`)"
                ),
            };
            let what = if doc.is_some() {
                "has no metrics".to_string()
            } else {
                format!("is not in the file{hint}")
            };
            missing.push((format!("{kind} {name:?} {what}"), t.line));
            continue;
        }
        let doc = doc.expect("a template with metrics");
        dry.add(
            file,
            doc.get("spec").and_then(|s| s.get("dryRun")),
            warnings,
        );
        let args = args_of(a, doc);
        for m in list {
            metrics.push(metric(file, m, format!("{kind} {name}"), &args)?);
        }
    }
    mark_dry(file, &dry, &mut metrics, warnings);
    Ok((metrics, missing))
}

/// Marks the metrics the rules make dry runs, each said once; a rule that
/// matches no metric is said too (Argo refuses such a run).
fn mark_dry(file: &str, dry: &DryRun, metrics: &mut [Metric], warnings: &mut Vec<String>) {
    for m in metrics.iter_mut() {
        m.dry = dry.matches(&m.name);
        if let Some(line) = m.dry {
            warnings.push(format!(
                "warning: {file}:{}: metric {} of {} is a dry run ({file}:{line}): Argo measures it but it never fails the analysis, so the model does not check it",
                m.line, m.name, m.template
            ));
        }
    }
    let names: Vec<String> = metrics.iter().map(|m| m.name.clone()).collect();
    for (pattern, line) in dry.unmatched(&names) {
        warnings.push(format!(
            "warning: {file}:{line}: dryRun metricName {pattern:?} matches no metric of the analysis (Argo refuses such a run)"
        ));
    }
}

/// An analysis step whose every metric is a dry run cannot fail: it holds
/// the rollout as long as its longest metric (a `pause: {}` for the
/// promoter when one has no end), without checks.
fn dry_hold(file: &str, a: &Node, metrics: &[Metric]) -> Analysis {
    let l = metrics
        .iter()
        .max_by(|x, y| x.length().total_cmp(&y.length()))
        .expect("some metric");
    let why = format!(
        "{file}:{} (every metric of the analysis at {file}:{} is a dry run, which never fails it; the longest, {} of {}, holds the rollout",
        l.line, a.line, l.name, l.template
    );
    if l.length().is_infinite() {
        let v = Val::read(
            "pause: {}",
            format!("{why} until someone promotes the step)"),
        );
        return (vec![v], None, true);
    }
    let d = crate::time::Duration(crate::time::SimDuration(l.length()));
    let v = Val::read(format!("pause: {{duration: {d}}}"), format!("{why})"));
    (vec![v], None, false)
}

/// An analysis argument's name and its value, when the file gives one.
type Args = Vec<(String, Option<String>)>;

/// The arguments a template's `{{args.NAME}}` placeholders take, as Argo
/// resolves them: the value the step passes (`args` of the analysis step),
/// else the template's own `spec.args` value. A value from a secret, a field
/// or the pod template hash is not in the file.
fn args_of(step: &Node, template: &Node) -> Args {
    fn list(n: Option<&Node>) -> &[Node] {
        n.and_then(Node::list).unwrap_or_default()
    }
    let value = |a: &Node| a.get("value").and_then(Node::scalar);
    let mut args: Args = list(template.get("spec").and_then(|s| s.get("args")))
        .iter()
        .filter_map(|a| Some((a.get("name")?.scalar()?, value(a))))
        .collect();
    for a in list(step.get("args")) {
        let Some(name) = a.get("name").and_then(Node::scalar) else {
            continue;
        };
        let v = value(a);
        match args.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = v,
            None => args.push((name, v)),
        }
    }
    args
}

/// A metric field with its `{{args.NAME}}` placeholders replaced; an
/// argument without a value in the file is an error at the field.
fn field(file: &str, m: &Node, key: &str, args: &Args) -> Result<Option<Node>, InputError> {
    let Some(n) = m.get(key) else {
        return Ok(None);
    };
    let Some(text) = n.text().filter(|t| t.contains("{{")) else {
        return Ok(Some(n.clone()));
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        let end = rest[at..]
            .find("}}")
            .map(|e| at + e)
            .ok_or_else(|| n.error(file, format!("`{key}`: an unclosed `{{{{` placeholder")))?;
        let inner = rest[at + 2..end].trim();
        let value = inner
            .strip_prefix("args.")
            .and_then(|name| args.iter().find(|(a, _)| a == name))
            .and_then(|(_, v)| v.as_deref())
            .ok_or_else(|| {
                n.error(
                    file,
                    format!("`{key}` is `{text}`, and the file gives `{inner}` no value (neither the analysis step's `args` nor the template's `spec.args`); write the value there or in the template"),
                )
            })?;
        out.push_str(&rest[..at]);
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    let mut filled = n.clone();
    filled.kind = crate::import::tree::Kind::Text(out);
    Ok(Some(filled))
}

/// One metric of `template`, its numbers checked; `{{args.NAME}}` takes the
/// step's or the template's value.
fn metric(file: &str, m: &Node, template: String, args: &Args) -> Result<Metric, InputError> {
    let interval =
        match field(file, m, "interval", args)? {
            Some(n) => Some(duration_text(&n).ok_or_else(|| {
                n.error(file, "expected a metric `interval` such as 30s, 5m or 1h")
            })?),
            None => None,
        };
    let secs = interval
        .as_deref()
        .and_then(|i| crate::time::Duration::parse(i).ok())
        .map_or(60.0, |d| d.secs());
    // A whole number of measurements (at least `least`), or an error at it.
    let whole = |key: &str, least: f64, default: f64| match field(file, m, key, args)? {
        Some(n) => n
            .number()
            .filter(|x| *x >= least && x.fract() == 0.0)
            .ok_or_else(|| {
                n.error(
                    file,
                    format!("expected `{key}` to be a whole number, at least {least}"),
                )
            }),
        None => Ok(default),
    };
    // Argo's `EffectiveCount()`: a count of 0 is no count; no count is one
    // measurement without an interval, and no end with one.
    let count = match whole("count", 0.0, 0.0)? {
        c if c >= 1.0 => Some(c),
        _ if interval.is_some() => None,
        _ => Some(1.0),
    };
    let limit = whole("failureLimit", 0.0, 0.0)?;
    let (delay, delay_line) = match field(file, m, "initialDelay", args)? {
        Some(n) => {
            let d = duration_text(&n)
                .and_then(|t| crate::time::Duration::parse(&t).ok())
                .ok_or_else(|| {
                    n.error(file, "expected a metric `initialDelay` such as 30s or 5m")
                })?;
            (d.secs(), n.line)
        }
        None => (0.0, 0),
    };
    whole("inconclusiveLimit", 0.0, 0.0)?;
    Ok(Metric {
        template,
        name: m
            .get("name")
            .and_then(Node::scalar)
            .unwrap_or_else(|| "?".into()),
        line: m.line,
        interval,
        secs,
        count,
        limit,
        inconclusive: field(file, m, "inconclusiveLimit", args)?
            .and_then(|n| Some((n.number()?, n.line))),
        dry: None,
        delay,
        delay_line,
    })
}

/// The step of the `chosen` metric, and a pause for the rest of the longest
/// one; every other metric is named in a warning. A metric without end (an
/// `interval` and no `count`) holds the rollout until it fails or someone
/// promotes the step: the model's step cannot measure and wait for a person
/// at once, so the chosen one measures `failureLimit + 1` times (ASSUMED:
/// the fewest that can fail it) and a `pause: {}` then waits for the
/// promoter. Says whether a step waits for the promoter.
fn steps_of(
    file: &str,
    a: &Node,
    metrics: &[Metric],
    chosen: usize,
    warnings: &mut Vec<String>,
) -> (Vec<Val>, bool) {
    let m = &metrics[chosen];
    let longest = (0..metrics.len())
        .max_by(|&i, &j| {
            metrics[i]
                .length()
                .total_cmp(&metrics[j].length())
                .then(j.cmp(&i))
        })
        .expect("a metric was chosen");
    let of = if metrics.len() > 1 {
        format!(
            "; of {} metrics, the one that can fail the analysis soonest",
            metrics.len()
        )
    } else {
        String::new()
    };
    let interval = m.interval.clone().unwrap_or_else(|| "1m".into());
    let step = format!(
        "analysis: {{interval: {interval}, count: {}, failure_limit: {}}}",
        num(m.written_count()),
        num(m.limit)
    );
    let mut steps = Vec::new();
    if m.delay > 0.0 {
        steps.push(Val::read(
            format!(
                "pause: {{duration: {}}}",
                crate::time::Duration(crate::time::SimDuration(m.delay))
            ),
            format!(
                "{file}:{} ({}, metric {}, initialDelay): Argo's first measurement waits this long; the users at this weight are exposed, not checked",
                m.delay_line, m.template, m.name
            ),
        ));
    }
    steps.push(match (&m.interval, m.count) {
        (Some(_), None) => Val::assumed(
            step,
            format!(
                "count {} (failureLimit + 1, the fewest measurements that can fail it): {} at {file}:{}, metric {}, has interval {interval} and no count, so Argo measures it until it fails or the step is promoted; the interval and failureLimit are read there{of}",
                num(m.written_count()),
                m.template,
                m.line,
                m.name
            ),
        ),
        (Some(_), Some(_)) => Val::read(
            step,
            format!("{file}:{} ({}, metric {}{of})", m.line, m.template, m.name),
        ),
        (None, _) => Val::assumed(
            step,
            format!(
                "{} at {file}:{}, metric {}, has no interval (measured once); 1m assumed{of}",
                m.template, m.line, m.name
            ),
        ),
    });
    for (i, o) in metrics.iter().enumerate() {
        if i != chosen && o.dry.is_none() {
            warnings.push(format!(
                "warning: {file}:{}: metric {} of {} is not simulated: Argo fails the analysis when any metric fails, and the model checks one metric per analysis step, the one that can fail it soonest ({} of {}, {file}:{}){}",
                o.line,
                o.name,
                o.template,
                m.name,
                m.template,
                m.line,
                if i == longest && o.length() > m.length() {
                    "; its longer run is kept as a pause after the step"
                } else {
                    ""
                }
            ));
        }
    }
    let l = &metrics[longest];
    if l.count.is_none() {
        let every = l.interval.clone().unwrap_or_else(|| "1m".into());
        let how = if longest == chosen {
            format!(
                "approximated as {} measurements (failureLimit + 1, assumed: the fewest that can fail it) and then a `pause: {{}}` until the promoter promotes, during which the model checks nothing",
                num(l.written_count())
            )
        } else {
            format!(
                "approximated as a `pause: {{}}` until the promoter promotes, after the step's checks of metric {} ({file}:{}); the model checks nothing during it",
                m.name, m.line
            )
        };
        warnings.push(format!(
            "warning: {file}:{}: metric {} of {} has an `interval` and no `count` (analysis step at {file}:{}): Argo measures it every {every} without end (its EffectiveCount() is nil), so the rollout stays at this step until the analysis fails or someone promotes it; the model's analysis step cannot measure and wait for a person at once: {how}",
            l.line, l.name, l.template, a.line
        ));
        steps.push(Val::read(
            "pause: {}",
            format!(
                "{file}:{} ({}, metric {}: interval {every} and no count): Argo holds the rollout here until the analysis fails or someone promotes the step; the model waits for the promoter, without checks",
                l.line, l.template, l.name
            ),
        ));
        return (steps, true);
    }
    let rest = l.length() - m.length();
    if rest > 0.0 {
        steps.push(Val::read(
            format!(
                "pause: {{duration: {}}}",
                crate::time::Duration(crate::time::SimDuration(rest))
            ),
            format!(
                "{file}:{} ({}, metric {}: {} × {}): Argo waits for the longest metric; the rest of its run, at this weight, is not checked in the model",
                l.line,
                l.template,
                l.name,
                num(l.written_count()),
                l.interval.clone().unwrap_or_else(|| "1m".into())
            ),
        ));
    }
    (steps, false)
}

/// The simulated metric's `inconclusiveLimit` (Argo's default 0: the first
/// inconclusive result pauses), as a number and as the line to write.
fn inconclusive_of(file: &str, m: &Metric) -> (f64, Val) {
    match m.inconclusive {
        Some((l, line)) => (
            l,
            Val::read(
                num(l),
                format!(
                    "{file}:{line} ({}, metric {}, inconclusiveLimit)",
                    m.template, m.name
                ),
            ),
        ),
        None => (
            0.0,
            Val::assumed(
                "0",
                format!(
                    "{} names no inconclusiveLimit for metric {}: Argo's default",
                    m.template, m.name
                ),
            ),
        ),
    }
}
