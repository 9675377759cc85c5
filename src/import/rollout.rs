//! `promosim import argo-rollout` and `promosim import flagger`: a Rollout's
//! or a Canary's progressive-delivery settings as a production strategy.
//!
//! Argo Rollouts: `canary.steps` (`setWeight`, `pause` with a duration or
//! none, `analysis`, whose interval, count and failure limit come from the
//! listed `AnalysisTemplate`s or `ClusterAnalysisTemplate`s in the same file:
//! the metric that can fail the analysis soonest) or `blueGreen`
//! (`autoPromotionEnabled`, `scaleDownDelaySeconds`). Flagger: `analysis`
//! (`interval`, `threshold`, `stepWeight`, `maxWeight`, `stepWeights`, or
//! `iterations` for blue/green, whose hold becomes the blue_green `switch`;
//! `skipAnalysis: true` is `all_at_once`; a confirm webhook in blue/green mode
//! is a manual promotion).

use std::path::Path;

use super::tree::Node;
use super::writer::{Block, Val, num};
use super::{duration_text, read_docs, warn_unread};
use crate::error::InputError;

/// The person assumed to promote an indefinite pause or a blue-green switch.
pub const PROMOTER: &str = "release-manager";

/// A production strategy read from a rollout file: the lines under
/// `strategy:`, and the people it refers to.
#[derive(Debug, Clone)]
pub struct Fragment {
    pub source: String,
    pub strategy: Block,
    pub people: Vec<String>,
    pub warnings: Vec<String>,
}

impl Fragment {
    /// The fragment as YAML: `people:` (when needed) and `strategy:`.
    pub fn render(&self) -> String {
        let mut b = Block::default();
        b.comment(
            0,
            &format!(
                "A production strategy imported by `promosim import` from {}.\nPut `strategy:` under a production stage (or use --into SCENARIO); values marked\nASSUMED are not in the file.",
                self.source
            ),
        );
        if !self.people.is_empty() {
            b.open(0, "people");
            for p in &self.people {
                b.open(1, p);
                b.kv(1 + 1, "reaction", &super::sidecar::assumed_reaction());
            }
        }
        b.open(0, "strategy");
        b.nest(1, &self.strategy);
        b.render(0)
    }
}

/// The first document of `kind` in a (possibly multi-document) Kubernetes file.
fn find<'a>(docs: &'a [Node], kind: &str) -> Option<&'a Node> {
    docs.iter()
        .find(|d| d.get("kind").and_then(Node::text) == Some(kind))
}

/// Imports an Argo Rollout.
pub fn argo(path: &Path) -> Result<Fragment, InputError> {
    let (file, docs) = read_docs(path, "rollout file")?;
    let Some(ro) = find(&docs, "Rollout") else {
        return Err(InputError::new(
            &file,
            "no document of `kind: Rollout` in the file",
        ));
    };
    let mut f = Fragment {
        source: file.clone(),
        strategy: Block::default(),
        people: Vec::new(),
        warnings: Vec::new(),
    };
    ro.known(&["apiVersion", "metadata"]);
    let spec = ro
        .get("spec")
        .ok_or_else(|| ro.error(&file, "a Rollout needs `spec`"))?;
    spec.known(&[
        "replicas",
        "selector",
        "template",
        "workloadRef",
        "revisionHistoryLimit",
        "minReadySeconds",
        "progressDeadlineSeconds",
        "progressDeadlineAbort",
        "restartAt",
        "rollbackWindow",
        "paused",
        "analysis",
    ]);
    let strategy = spec
        .get("strategy")
        .ok_or_else(|| spec.error(&file, "a Rollout needs `spec.strategy`"))?;
    if let Some(c) = strategy.get("canary") {
        canary(&file, c, spec.get("replicas"), &docs, &mut f)?;
    } else if let Some(bg) = strategy.get("blueGreen") {
        blue_green(&file, bg, &mut f)?;
    } else {
        return Err(strategy.error(
            &file,
            "expected `canary` or `blueGreen` under spec.strategy",
        ));
    }
    warn_unread(&file, ro, &mut f.warnings);
    Ok(f)
}

/// Argo's basic canary (no `trafficRouting`) reaches a `setWeight` by
/// scaling pods: `approximateWeightedCanaryStableReplicaCounts` in
/// utils/replicaset/canary.go. Of `n` replicas (and one more when `maxSurge`
/// is above 0) it takes the canary count, rounded up or down, whose share is
/// nearest the weight (up on a tie); a weight of 1–99 gets at least one
/// canary pod unless there is one replica and no surge. Returns the canary
/// pods and the total.
pub fn replica_share(n: u32, weight: u32, surge: bool) -> (u32, u32) {
    if n == 0 {
        return (0, 0);
    }
    let exact = f64::from(n) * f64::from(weight) / 100.0;
    let (ceil, floor) = (exact.ceil() as u32, exact.floor() as u32);
    let tied = |total: u32| (f64::from(total) * f64::from(weight) / 100.0).fract() == 0.5;
    let zero_allowed = weight == 100 || weight == 0 || (n == 1 && !surge);
    let mut options = Vec::new();
    if ceil < n || zero_allowed {
        options.push((ceil, n));
    }
    if !tied(n) && (floor != 0 || zero_allowed) {
        options.push((floor, n));
    }
    if surge {
        options.push((ceil, n + 1));
        if !tied(n + 1) && (floor != 0 || zero_allowed) {
            options.push((floor, n + 1));
        }
    }
    let delta =
        |(c, t): (u32, u32)| (f64::from(c) * 100.0 / f64::from(t) - f64::from(weight)).abs();
    let mut best = *options.first().unwrap_or(&(0, n));
    for &o in options.iter().skip(1) {
        if delta(o) < delta(best) {
            best = o;
        }
    }
    best
}

/// A weight as written: whole, or to two decimals.
fn weight_text(w: f64) -> String {
    let r = (w * 100.0).round() / 100.0;
    num(r)
}

fn canary(
    file: &str,
    c: &Node,
    replicas: Option<&Node>,
    docs: &[Node],
    f: &mut Fragment,
) -> Result<(), InputError> {
    c.known(&[
        "canaryService",
        "stableService",
        "trafficRouting",
        "maxSurge",
        "maxUnavailable",
        "canaryMetadata",
        "stableMetadata",
        "antiAffinity",
        "dynamicStableScale",
        "scaleDownDelaySeconds",
        "scaleDownDelayRevisionLimit",
        "abortScaleDownDelaySeconds",
        "minPodsPerReplicaSet",
        "pingPong",
    ]);
    if let Some(bg) = c.get("analysis") {
        bg.mark_all();
        f.warnings.push(format!("warning: {file}:{}: background analysis runs all through the rollout; the model measures only at `analysis` steps", bg.line));
    }
    let steps = c
        .get("steps")
        .and_then(Node::list)
        .ok_or_else(|| c.error(file, "a canary needs `steps:`"))?;
    // Without a weight step Argo moves every user at the end of the steps
    // (mirroring, header routes and experiments carry no production share):
    // said here, not as a failed --into later.
    if !steps.iter().any(|s| s.get("setWeight").is_some()) {
        let at = c.get("steps").unwrap_or(c);
        return Err(at.error(
            file,
            "the canary's steps set no traffic weight (no `setWeight` step), so Argo moves every user at once after them; promosim's canary moves users by weight steps: write `strategy: all_at_once` by hand, or add the weights (docs/scenario.md)",
        ));
    }
    // Without trafficRouting, Argo splits users by the share of pods.
    let routed = c.get("trafficRouting").is_some();
    let scaled = match (routed, replicas) {
        (false, Some(r)) => {
            let n = r
                .number()
                .filter(|x| *x >= 0.0 && x.fract() == 0.0)
                .ok_or_else(|| r.error(file, "expected `replicas` to be a whole number"))?;
            // Argo's default maxSurge for a canary is 25%, at least one pod.
            let surge = match c.get("maxSurge") {
                None => n > 0.0,
                Some(m) => match m.number() {
                    Some(x) => x > 0.0,
                    None => m
                        .text()
                        .and_then(|t| t.trim().strip_suffix('%'))
                        .and_then(|p| p.trim().parse::<f64>().ok())
                        .map(|p| p > 0.0 && n > 0.0)
                        .ok_or_else(|| {
                            m.error(
                                file,
                                "expected `maxSurge` to be a number of pods or a percentage",
                            )
                        })?,
                },
            };
            f.warnings.push(format!(
                "warning: {file}:{}: the canary has no `trafficRouting`: Argo reaches each setWeight by scaling pods, so users split by the share of the {} replicas ({file}:{}){}; the weights written are those shares",
                c.line,
                num(n),
                r.line,
                if surge { ", one more pod allowed by maxSurge" } else { "" }
            ));
            Some((n as u32, surge, r.line))
        }
        (false, None) => {
            f.warnings.push(format!(
                "warning: {file}:{}: the canary has no `trafficRouting` and the Rollout no `replicas`: Argo reaches each setWeight by scaling pods, so the users' share is that of the canary's pods, which depends on the replica count (an autoscaler's); the weights are written as set",
                c.line
            ));
            None
        }
        (true, _) => None,
    };
    f.strategy.open(0, "canary");
    f.strategy.open(1, "steps");
    let mut needs_promoter = false;
    // The last weight written, so a replica share that does not grow is not written again.
    let mut last_weight = 0.0;
    // The first analysis's `inconclusiveLimit` and where it was read.
    let mut inconclusive: Option<(f64, Val, String)> = None;
    for s in steps {
        let at = format!("{file}:{}", s.line);
        if let Some(w) = s.get("setWeight") {
            let w = w
                .number()
                .ok_or_else(|| w.error(file, "expected a weight in percent"))?;
            match scaled {
                Some((n, surge, rline)) if (0.0..=100.0).contains(&w) && w.fract() == 0.0 => {
                    let (pods, total) = replica_share(n, w as u32, surge);
                    let share = if total == 0 {
                        0.0
                    } else {
                        f64::from(pods) * 100.0 / f64::from(total)
                    };
                    let how = format!(
                        "setWeight: {}; no trafficRouting: Argo scales pods, {pods} canary of {total} (spec.replicas at {file}:{rline})",
                        num(w)
                    );
                    if share > last_weight {
                        f.strategy.item(
                            2,
                            &Val::read(
                                format!("set_weight: {}", weight_text(share)),
                                format!("{at} ({how})"),
                            ),
                        );
                        last_weight = share;
                    } else {
                        f.strategy.comment(
                            2,
                            &format!(
                                "{at}: {how}: the users' share stays {} %, so no weight step is written",
                                weight_text(last_weight)
                            ),
                        );
                        f.warnings.push(format!(
                            "warning: {at}: setWeight {} does not change the canary's share of pods ({pods} of {total}, {} %): the step is left out",
                            num(w),
                            weight_text(share)
                        ));
                    }
                }
                _ => {
                    f.strategy
                        .item(2, &Val::read(format!("set_weight: {}", num(w)), at.clone()));
                    last_weight = w;
                }
            }
        } else if let Some(p) = s.get("pause") {
            match p.get("duration") {
                Some(dn) => {
                    let d = duration_text(dn).ok_or_else(|| {
                        dn.error(
                            file,
                            "expected a duration such as 30s, 10m or 1h, or a number of seconds",
                        )
                    })?;
                    f.strategy.item(
                        2,
                        &Val::read(format!("pause: {{duration: {d}}}"), at.clone()),
                    );
                }
                None => {
                    needs_promoter = true;
                    f.strategy.item(
                        2,
                        &Val::read(
                            "pause: {}",
                            format!("{at} (indefinite: waits for `kubectl argo rollouts promote`)"),
                        ),
                    );
                }
            }
        } else if let Some(a) = s.get("analysis") {
            let (steps, limit) = analysis(file, a, docs, &mut f.warnings)?;
            if let Some((l, value)) = limit {
                match inconclusive {
                    None => inconclusive = Some((l, value, at.clone())),
                    Some((first, _, ref from)) if first != l => f.warnings.push(format!(
                        "warning: {at}: inconclusiveLimit {} differs from {} at {from}; the model has one limit per canary and keeps the first",
                        num(l), num(first)
                    )),
                    Some(_) => {}
                }
            }
            for v in &steps {
                f.strategy.item(2, v);
            }
        }
        // Every other key of the step (`setCanaryScale`, `setHeaderRoute`, a
        // second action in one step) is said, never dropped silently.
        let handled = ["setWeight", "pause", "analysis"]
            .into_iter()
            .find(|k| s.get(k).is_some());
        for (k, _) in s.entries().unwrap_or_default() {
            let key = k.scalar().unwrap_or_default();
            if Some(key.as_str()) != handled {
                f.warnings.push(format!(
                    "warning: {at}: canary step `{key}` is not simulated and was skipped"
                ));
            }
        }
        s.mark_all();
    }
    if let Some((_, value, _)) = inconclusive {
        // Argo counts inconclusive results against the limit; how often a
        // measurement is inconclusive is the team's figure, not the manifest's.
        f.strategy.kv(1, "inconclusive_limit", &value);
        f.strategy.kv(
            1,
            "inconclusive",
            &Val::assumed(
                "0",
                "how often a measurement is inconclusive is not in the file; above 0 it needs a `promoter`",
            ),
        );
    }
    if needs_promoter {
        f.strategy.kv(
            1,
            "promoter",
            &Val::assumed(
                PROMOTER,
                "who promotes an indefinite pause is not in the file",
            ),
        );
        f.people.push(PROMOTER.into());
    }
    f.strategy.kv(
        1,
        "abort",
        &Val::assumed("0s", "traffic returns to stable at once on abort"),
    );
    f.strategy.kv(
        1,
        "on_newer",
        &Val::assumed("restart_with_newest", ARGO_NEWER),
    );
    Ok(())
}

/// Why an imported rollout restarts with a newer release.
const ARGO_NEWER: &str =
    "Argo Rollouts aborts an update in progress when a new revision arrives and starts the new one";

/// An analysis step as written: its canary steps (the analysis, maybe a
/// pause), and the simulated metric's `inconclusiveLimit` as a number and as
/// the line to write.
type Analysis = (Vec<Val>, Option<(f64, Val)>);

/// One metric of an analysis template, as the model can use it.
struct Metric {
    /// `Kind name`, for messages.
    template: String,
    name: String,
    line: u64,
    /// As written, `None` when absent (measured once).
    interval: Option<String>,
    secs: f64,
    count: f64,
    limit: f64,
    inconclusive: Option<(f64, u64)>,
}

impl Metric {
    /// How long Argo measures it: `count` measurements `interval` apart.
    fn length(&self) -> f64 {
        self.count * self.secs
    }
    /// The earliest time it can fail the analysis: `failureLimit + 1`
    /// failed measurements; never when it measures fewer times than that.
    fn fails_after(&self) -> f64 {
        if self.limit + 1.0 > self.count {
            f64::INFINITY
        } else {
            (self.limit + 1.0) * self.secs
        }
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
fn analysis(
    file: &str,
    a: &Node,
    docs: &[Node],
    warnings: &mut Vec<String>,
) -> Result<Analysis, InputError> {
    a.known(&["args", "dryRun", "measurementRetention"]);
    let mut metrics: Vec<Metric> = Vec::new();
    // The templates named but not usable: why, and the line naming them.
    let mut missing: Vec<String> = Vec::new();
    let mut missing_at: Vec<u64> = Vec::new();
    let listed = a.get("templates").and_then(Node::list).unwrap_or_default();
    if listed.is_empty() {
        warnings.push(format!(
            "warning: {file}:{}: the analysis step lists no `templates`",
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
        let kind = if cluster {
            "ClusterAnalysisTemplate"
        } else {
            "AnalysisTemplate"
        };
        let doc = docs.iter().find(|d| {
            d.get("kind").and_then(Node::text) == Some(kind)
                && d.get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::scalar)
                    .as_deref()
                    == Some(name.as_str())
        });
        let list = doc
            .and_then(|d| d.get("spec"))
            .and_then(|s| s.get("metrics"))
            .and_then(Node::list)
            .unwrap_or_default();
        if list.is_empty() {
            let other = if cluster {
                "AnalysisTemplate"
            } else {
                "ClusterAnalysisTemplate"
            };
            let hint = if docs.iter().any(|d| {
                d.get("kind").and_then(Node::text) == Some(other)
                    && d.get("metadata")
                        .and_then(|m| m.get("name"))
                        .and_then(Node::scalar)
                        .as_deref()
                        == Some(name.as_str())
            }) {
                if cluster {
                    format!(
                        " (the file has an {other} of that name: `clusterScope: true` names a ClusterAnalysisTemplate)"
                    )
                } else {
                    format!(
                        " (the file has a {other} of that name, which needs `clusterScope: true`)"
                    )
                }
            } else {
                String::new()
            };
            let what = if doc.is_some() {
                "has no metrics".to_string()
            } else {
                format!("is not in the file{hint}")
            };
            missing.push(format!("{kind} {name:?} {what}"));
            missing_at.push(t.line);
            continue;
        }
        for m in list {
            let interval = match m.get("interval") {
                Some(n) => Some(duration_text(n).ok_or_else(|| {
                    n.error(file, "expected a metric `interval` such as 30s, 5m or 1h")
                })?),
                None => None,
            };
            let secs = interval
                .as_deref()
                .and_then(|i| crate::time::Duration::parse(i).ok())
                .map_or(60.0, |d| d.secs());
            // A whole number of measurements (at least `least`), or an error at it.
            let whole = |key: &str, least: f64, default: f64| match m.get(key) {
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
            let count = whole("count", 1.0, 1.0)?;
            let limit = whole("failureLimit", 0.0, 0.0)?;
            whole("inconclusiveLimit", 0.0, 0.0)?;
            metrics.push(Metric {
                template: format!("{kind} {name}"),
                name: m
                    .get("name")
                    .and_then(Node::scalar)
                    .unwrap_or_else(|| "?".into()),
                line: m.line,
                interval,
                secs,
                count,
                limit,
                inconclusive: m
                    .get("inconclusiveLimit")
                    .and_then(|n| Some((n.number()?, n.line))),
            });
        }
    }
    // The metric that can fail the analysis soonest; the first on a tie.
    let Some(chosen) = (0..metrics.len()).min_by(|&i, &j| {
        metrics[i]
            .fails_after()
            .total_cmp(&metrics[j].fails_after())
            .then(i.cmp(&j))
    }) else {
        let why = missing
            .iter()
            .zip(&missing_at)
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
        return Ok((vec![v], None));
    };
    for (m, l) in missing.iter().zip(&missing_at) {
        warnings.push(format!(
            "warning: {file}:{l}: {m}; its metrics are not simulated"
        ));
    }
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
    let step = format!(
        "analysis: {{interval: {}, count: {}, failure_limit: {}}}",
        m.interval.clone().unwrap_or_else(|| "1m".into()),
        num(m.count),
        num(m.limit)
    );
    let mut steps = vec![match &m.interval {
        Some(_) => Val::read(
            step,
            format!("{file}:{} ({}, metric {}{of})", m.line, m.template, m.name),
        ),
        None => Val::assumed(
            step,
            format!(
                "{} at {file}:{}, metric {}, has no interval (measured once); 1m assumed{of}",
                m.template, m.line, m.name
            ),
        ),
    }];
    for (i, o) in metrics.iter().enumerate() {
        if i != chosen {
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
    let rest = metrics[longest].length() - m.length();
    if rest > 0.0 {
        let l = &metrics[longest];
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
                num(l.count),
                l.interval.clone().unwrap_or_else(|| "1m".into())
            ),
        ));
    }
    // Argo's default is 0: the first inconclusive result pauses.
    let inconclusive = match m.inconclusive {
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
    };
    Ok((steps, Some(inconclusive)))
}

fn blue_green(file: &str, bg: &Node, f: &mut Fragment) -> Result<(), InputError> {
    bg.known(&[
        "activeService",
        "previewService",
        "previewReplicaCount",
        "scaleDownDelayRevisionLimit",
        "antiAffinity",
        "activeMetadata",
        "previewMetadata",
        "abortScaleDownDelaySeconds",
    ]);
    for key in ["prePromotionAnalysis", "postPromotionAnalysis"] {
        if let Some(a) = bg.get(key) {
            a.mark_all();
            f.warnings.push(format!("warning: {file}:{}: `{key}` is the stage's verification in the model (`verify:`); it was not imported", a.line));
        }
    }
    f.strategy.open(0, "blue_green");
    f.strategy.kv(
        1,
        "switch",
        &Val::assumed("0s", "moving the active service's selector is near instant"),
    );
    let auto = bg.get("autoPromotionEnabled");
    if auto.and_then(Node::boolean) == Some(false) {
        let at = format!(
            "{file}:{} (autoPromotionEnabled: false; who promotes is assumed)",
            auto.map_or(0, |n| n.line)
        );
        f.strategy.kv(1, "promoted_by", &Val::read(PROMOTER, at));
        f.people.push(PROMOTER.into());
    }
    if let Some(s) = bg.get("autoPromotionSeconds") {
        let promoter = auto.and_then(Node::boolean) == Some(false);
        f.warnings.push(if promoter {
            // argoproj/argo-rollouts#2000: the delay only acts with auto-promotion on.
            format!("warning: {file}:{}: `autoPromotionSeconds` with `autoPromotionEnabled: false`: Argo Rollouts waits for a manual promotion and ignores the delay, so the promoter promotes", s.line)
        } else {
            format!("warning: {file}:{}: `autoPromotionSeconds` (automatic promotion after a delay) is not simulated: promotion is at once", s.line)
        });
    }
    f.strategy.kv(
        1,
        "on_newer",
        &Val::assumed("restart_with_newest", ARGO_NEWER),
    );
    match bg.get("scaleDownDelaySeconds") {
        Some(s) => match duration_text(s) {
            Some(d) => f.strategy.kv(
                1,
                "scale_down_delay",
                &Val::read(d, format!("{file}:{}", s.line)),
            ),
            None => {
                return Err(s.error(
                    file,
                    "expected `scaleDownDelaySeconds` to be a number of seconds",
                ));
            }
        },
        None => f.strategy.kv(
            1,
            "scale_down_delay",
            &Val::assumed(
                "30s",
                "Argo's default 30s (no scaleDownDelaySeconds in the file)",
            ),
        ),
    }
    Ok(())
}

/// Flagger's analysis interval (`GetAnalysisInterval` in
/// pkg/apis/flagger/v1beta1/canary.go): 60s when absent, and an interval
/// under 10s is raised to 10s.
struct Interval {
    text: String,
    /// The value to write, with its provenance.
    val: Val,
    /// Where it came from, for other comments: `FILE:LINE` or the default.
    at: String,
}

fn flagger_interval(
    file: &str,
    a: Option<&Node>,
    warnings: &mut Vec<String>,
) -> Result<Interval, InputError> {
    let Some(n) = a.and_then(|a| a.get("interval")) else {
        return Ok(Interval {
            text: "1m".into(),
            val: Val::assumed(
                "1m",
                "no analysis.interval: Flagger's default 60s (GetAnalysisInterval)",
            ),
            at: "Flagger's default interval 60s".into(),
        });
    };
    let text =
        duration_text(n).ok_or_else(|| n.error(file, "expected a duration such as 30s or 1m"))?;
    let secs = crate::time::Duration::parse(&text)
        .map_err(|e| n.error(file, e))?
        .secs();
    let at = format!("{file}:{}", n.line);
    if secs < 10.0 {
        warnings.push(format!(
            "warning: {at}: interval {text} is under 10s: Flagger raises it to 10s"
        ));
        return Ok(Interval {
            text: "10s".into(),
            val: Val::read(
                "10s",
                format!("{at} (interval: {text}; Flagger raises an interval under 10s to 10s)"),
            ),
            at,
        });
    }
    Ok(Interval {
        val: Val::read(text.clone(), at.clone()),
        text,
        at,
    })
}

/// Imports a Flagger Canary.
pub fn flagger(path: &Path) -> Result<Fragment, InputError> {
    let (file, docs) = read_docs(path, "Flagger file")?;
    let Some(c) = find(&docs, "Canary") else {
        return Err(InputError::new(
            &file,
            "no document of `kind: Canary` in the file",
        ));
    };
    let mut f = Fragment {
        source: file.clone(),
        strategy: Block::default(),
        people: Vec::new(),
        warnings: Vec::new(),
    };
    c.known(&["apiVersion", "metadata"]);
    let spec = c
        .get("spec")
        .ok_or_else(|| c.error(&file, "a Canary needs `spec`"))?;
    spec.known(&[
        "targetRef",
        "service",
        "progressDeadlineSeconds",
        "autoscalerRef",
        "ingressRef",
        "upstreamRef",
        "provider",
        "revertOnDeletion",
        "suspend",
    ]);
    let at = |n: &Node| format!("{file}:{}", n.line);
    // `skipAnalysis: true`: Flagger waits for the canary to be ready and
    // promotes it at once, without metrics, webhooks or weights (its
    // `shouldSkipAnalysis`); only the confirm-rollout gate, checked before,
    // still holds it.
    let skip = spec.get("skipAnalysis");
    if let Some(s) = skip {
        s.touch();
        if s.boolean().is_none() {
            return Err(s.error(&file, "expected `skipAnalysis` to be true or false"));
        }
    }
    if let Some(s) = skip.filter(|s| s.boolean() == Some(true)) {
        let analysis = match spec.get("analysis") {
            Some(a) => {
                a.mark_all();
                format!("; the analysis ({}) is not simulated", at(a))
            }
            None => String::new(),
        };
        f.warnings.push(format!(
            "warning: {}: `skipAnalysis: true`: Flagger promotes the new version without analysis as soon as it is ready, every user at once: imported as `all_at_once`{analysis}",
            at(s)
        ));
        for (h, t) in confirm_hooks(spec.get("analysis")) {
            let why = if t == "confirm-rollout" {
                "Flagger still waits for it before promoting, and `all_at_once` has no manual gate: give the stage a `checks.approval` for it"
            } else {
                "skipped with the analysis"
            };
            f.warnings.push(format!(
                "warning: {file}:{}: a `{t}` webhook (a manual gate) is not simulated: {why}",
                h.line
            ));
        }
        f.strategy.push(
            0,
            "all_at_once".into(),
            super::writer::Why::Read(format!(
                "{} (skipAnalysis: true: Flagger promotes without analysis)",
                at(s)
            )),
        );
        warn_unread(&file, c, &mut f.warnings);
        return Ok(f);
    }
    let a = spec
        .get("analysis")
        .ok_or_else(|| spec.error(&file, "a Canary needs `spec.analysis`"))?;
    a.known(&[
        "metrics",
        "webhooks",
        "alerts",
        "primaryReadyThreshold",
        "canaryReadyThreshold",
        "sessionAffinity",
    ]);
    let interval = flagger_interval(&file, Some(a), &mut f.warnings)?;
    for key in ["match", "mirror", "stepWeightPromotion"] {
        if let Some(n) = a.get(key) {
            n.mark_all();
            f.warnings.push(format!(
                "warning: {}: `{key}` is not simulated (weights only)",
                at(n)
            ));
        }
    }
    let steps = a.get("stepWeights").and_then(Node::list);
    let step = a.get("stepWeight");
    let hooks = confirm_hooks(Some(a));
    if steps.is_none() && step.is_none() {
        let Some(it) = a.get("iterations") else {
            return Err(a.error(
                &file,
                "the analysis needs `stepWeight` (with `maxWeight`) or `stepWeights`, or `iterations` (blue/green)",
            ));
        };
        f.strategy = flagger_blue_green(&file, a, it, &interval, &mut f.warnings)?;
        // A confirm-rollout (before the analysis) or confirm-promotion
        // (after it) webhook waits for a person: the blue_green's
        // `promoted_by`, as Argo's `autoPromotionEnabled: false`. The model's
        // promotion comes before the hold kept in `switch`, so a
        // confirm-promotion wait moves ahead of the hold; the time to
        // promotion is the same.
        let mut gates = hooks
            .iter()
            .filter(|(_, t)| t == "confirm-rollout" || t == "confirm-promotion");
        if let Some((h, t)) = gates.next() {
            f.strategy.kv(
                1,
                "promoted_by",
                &Val::read(
                    PROMOTER,
                    format!(
                        "{file}:{} (a `{t}` webhook: Flagger waits for a manual approval; who approves is assumed)",
                        h.line
                    ),
                ),
            );
            f.people.push(PROMOTER.into());
            for (h2, t2) in gates {
                f.warnings.push(format!(
                    "warning: {file}:{}: a second manual gate, `{t2}`, is not simulated: the model's blue_green has one promotion, by the `{t}` webhook ({file}:{})",
                    h2.line, h.line
                ));
            }
        }
        for (h, t) in hooks
            .iter()
            .filter(|(_, t)| t != "confirm-rollout" && t != "confirm-promotion")
        {
            f.warnings.push(format!(
                "warning: {file}:{}: a `{t}` webhook (a manual gate) is not simulated",
                h.line
            ));
        }
    } else {
        f.strategy = flagger_canary(&file, a, steps, step, &interval)?;
        // The Flagger shorthand has no manual pause (docs/import.md).
        for (h, t) in &hooks {
            f.warnings.push(format!(
                "warning: {file}:{}: a `{t}` webhook (a manual gate) is not simulated: the model's Flagger canary (step weights with one check per interval) has no manual pause; give the stage a `checks.approval` for the wait, or write the canary as steps with a `pause: {{}}` by hand",
                h.line
            ));
        }
    }
    warn_unread(&file, c, &mut f.warnings);
    Ok(f)
}

/// The `confirm-*` webhooks of a Flagger analysis (manual gates), with their type.
fn confirm_hooks(a: Option<&Node>) -> Vec<(&Node, String)> {
    a.and_then(|a| a.get("webhooks"))
        .and_then(Node::list)
        .unwrap_or_default()
        .iter()
        .filter_map(|h| {
            h.get("type")
                .and_then(Node::text)
                .filter(|t| t.starts_with("confirm"))
                .map(|t| (h, t.to_string()))
        })
        .collect()
}

/// Flagger's canary mode: the weights, interval and threshold.
fn flagger_canary(
    file: &str,
    a: &Node,
    steps: Option<&[Node]>,
    step: Option<&Node>,
    interval: &Interval,
) -> Result<Block, InputError> {
    let at = |n: &Node| format!("{file}:{}", n.line);
    let mut block = Block::default();
    let b = &mut block;
    b.open(0, "canary");
    if let Some(list) = steps {
        let ws: Vec<String> = list.iter().filter_map(|n| n.number().map(num)).collect();
        b.kv(
            1,
            "step_weights",
            &Val::read(
                format!("[{}]", ws.join(", ")),
                at(a.get("stepWeights").expect("read above")),
            ),
        );
    } else if let Some(s) = step {
        let w = s
            .number()
            .ok_or_else(|| s.error(file, "expected a weight in percent"))?;
        b.kv(1, "step_weight", &Val::read(num(w), at(s)));
        match a.get("maxWeight") {
            Some(m) => {
                let mw = m
                    .number()
                    .ok_or_else(|| m.error(file, "expected a weight in percent"))?;
                b.kv(1, "max_weight", &Val::read(num(mw), at(m)));
            }
            None => b.kv(
                1,
                "max_weight",
                &Val::assumed("100", "no maxWeight: up to 100 %"),
            ),
        }
    }
    b.kv(1, "interval", &interval.val);
    match a.get("threshold") {
        Some(t) => {
            let th = t
                .number()
                .ok_or_else(|| t.error(file, "expected a whole number of failed checks"))?;
            b.kv(1, "threshold", &Val::read(num(th), at(t)));
        }
        None => b.kv(
            1,
            "threshold",
            &Val::assumed("1", "no threshold: the first failed check rolls back"),
        ),
    }
    b.kv(
        1,
        "abort",
        &Val::assumed("0s", "Flagger routes traffic back to the primary at once"),
    );
    b.kv(
        1,
        "on_newer",
        &Val::assumed(
            "restart_with_newest",
            "Flagger restarts the analysis when a new revision is detected during it",
        ),
    );
    Ok(block)
}

/// Flagger's blue/green (or A/B) mode, `iterations` without weights: the
/// analysis holds the new version for `iterations × interval` with no
/// production traffic on it, then all traffic moves. The model's blue_green
/// has no analysis before the switch, so the hold is its `switch` (the wait
/// before traffic moves), and what is lost is said in a warning.
fn flagger_blue_green(
    file: &str,
    a: &Node,
    it: &Node,
    interval: &Interval,
    warnings: &mut Vec<String>,
) -> Result<Block, InputError> {
    let n = it
        .number()
        .filter(|n| *n >= 1.0 && n.fract() == 0.0)
        .ok_or_else(|| {
            it.error(
                file,
                "expected `iterations` to be a whole number of checks, at least 1",
            )
        })?;
    let interval_text = interval.text.as_str();
    let each = crate::time::Duration::parse(interval_text)
        .map_err(|e| it.error(file, e))?
        .secs();
    let hold = crate::time::Duration(crate::time::SimDuration(n * each)).to_string();
    let threshold = match a.get("threshold") {
        Some(t) => {
            let th = t
                .number()
                .filter(|x| *x >= 0.0 && x.fract() == 0.0)
                .ok_or_else(|| t.error(file, "expected a whole number of failed checks"))?;
            format!("`threshold: {}` ({file}:{})", num(th), t.line)
        }
        None => "the threshold (none given: Flagger's 1 failed check)".to_string(),
    };
    let (iat, vat) = (format!("{file}:{}", it.line), interval.at.clone());
    warnings.push(format!(
        "warning: {iat}: `iterations` without weights is Flagger's blue/green (or A/B) mode: imported as blue_green whose `switch` holds the new version for iterations × interval = {} × {interval_text} = {hold} ({iat}, {vat}) before all traffic moves, since the model's blue_green has no analysis before the switch. Lost: the checks themselves, and with them {threshold}, the failed checks before rollback: the model's idle colour serves no users, so no check can fail, and a defect is caught before the switch only by the stage's `verify`; an abort during the hold also lasts {hold} (the model's blue_green aborts in `switch`), and the move of traffic itself is taken as instant",
        num(n)
    ));
    let mut b = Block::default();
    b.open(0, "blue_green");
    b.comment(
        1,
        &format!("Flagger's analysis: {} checks every {interval_text}, before promotion; {threshold} is not simulated (see the warning)", num(n)),
    );
    b.kv(
        1,
        "switch",
        &Val::read(
            hold,
            format!(
                "{iat} (iterations: {}) × {vat} (interval: {interval_text}): the analysis holds the new version, with no users on it, before all traffic moves",
                num(n)
            ),
        ),
    );
    b.kv(
        1,
        "scale_down_delay",
        &Val::assumed(
            "0s",
            "Flagger promotes by updating the primary in place: no old colour is kept, so a rollback after promotion redeploys",
        ),
    );
    b.kv(
        1,
        "on_newer",
        &Val::assumed(
            "restart_with_newest",
            "Flagger restarts the analysis when a new revision is detected during it",
        ),
    );
    Ok(b)
}
