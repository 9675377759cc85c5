//! Argo Rollouts: a Rollout's `canary` steps (weights, pauses, analysis
//! steps; without `trafficRouting`, weights as the canary's share of pods) or
//! `blueGreen` as a production strategy.

use std::path::Path;

use super::analysis::{analysis, background, post_promotion};
use super::{Fragment, PROMOTER, find};
use crate::error::InputError;
use crate::import::tree::Node;
use crate::import::writer::{Val, num};
use crate::import::{duration_text, read_docs, warn_unread};

/// Imports an Argo Rollout.
pub fn argo(path: &Path) -> Result<Fragment, InputError> {
    let (file, docs) = read_docs(path, "rollout file")?;
    let Some(ro) = find(&docs, "Rollout") else {
        return Err(InputError::new(
            &file,
            "no document of `kind: Rollout` in the file",
        ));
    };
    let mut f = Fragment::new(&file);
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
        blue_green(&file, bg, &docs, &mut f)?;
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
    let Some(steps) = c.get("steps") else {
        return super::rolling_update::no_steps(file, c, replicas, f);
    };
    let steps = steps
        .list()
        .ok_or_else(|| steps.error(file, "expected `steps` to be a list of canary steps"))?;
    // Without a weight step Argo moves every user at the end of the steps
    // (mirroring, header routes and experiments carry no production share):
    // the steps run at weight 0, then a last step at 100 %.
    let no_weight = !steps.iter().any(|s| s.get("setWeight").is_some());
    // Weights as shares of pods matter only where a step sets one.
    let scaled = match no_weight {
        true => None,
        false => pod_scaling(file, c, replicas, f)?,
    };
    f.strategy.open(0, "canary");
    f.strategy.open(1, "steps");
    let mut needs_promoter = false;
    // The last weight written, so a replica share that does not grow is not written again.
    let mut last_weight = 0.0;
    // The first analysis's `inconclusiveLimit` and where it was read.
    let mut inconclusive: Option<(f64, Val, String)> = None;
    // Per Argo step, how many steps were written before it: a background
    // analysis's `startingStep` counts Argo's steps, the scenario its own.
    let mut written_before = Vec::with_capacity(steps.len());
    for s in steps {
        written_before.push(written(f));
        let at = format!("{file}:{}", s.line);
        if let Some(w) = s.get("setWeight") {
            let w = w
                .number()
                .ok_or_else(|| w.error(file, "expected a weight in percent"))?;
            weight_step(file, &at, w, scaled, &mut last_weight, f);
        } else if let Some(p) = s.get("pause") {
            needs_promoter |= pause_step(file, &at, p, f)?;
        } else if let Some(a) = s.get("analysis") {
            let (steps, limit, wait) = analysis(file, a, docs, &mut f.warnings)?;
            needs_promoter |= wait;
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
    if no_weight {
        let at = c.get("steps").unwrap_or(c);
        f.strategy.item(
            2,
            &Val::read(
                "set_weight: 100",
                format!(
                    "{file}:{} (no setWeight step: Argo moves every user at once after the steps)",
                    at.line
                ),
            ),
        );
        let analyses = match steps.iter().any(|s| s.get("analysis").is_some()) {
            true => " (its analyses measure no users' traffic in the model)",
            false => "",
        };
        f.warnings.push(format!(
            "warning: {file}:{}: the canary's steps set no traffic weight: they run with no user on the canary{analyses}, then every user moves at once (`set_weight: 100`)",
            at.line
        ));
    }
    if let Some(bg) = c.get("analysis") {
        background_kv(file, bg, docs, &written_before, written(f), f)?;
    }
    canary_settings(inconclusive.map(|(_, v, _)| v), needs_promoter, f);
    Ok(())
}

/// The canary steps written so far.
fn written(f: &Fragment) -> usize {
    f.strategy
        .lines
        .iter()
        .filter(|l| l.indent == 2 && l.text.starts_with("- "))
        .count()
}

/// `background:` from Argo's `canary.analysis`: its `startingStep` (Argo's
/// step index) becomes the index of the first step written for that Argo
/// step or after it; a start past every written step is not simulated.
fn background_kv(
    file: &str,
    bg: &Node,
    docs: &[Node],
    written_before: &[usize],
    total: usize,
    f: &mut Fragment,
) -> Result<(), InputError> {
    let Some((text, from)) = background(file, bg, docs, &mut f.warnings)? else {
        return Ok(());
    };
    let (argo_step, at) = match bg.get("startingStep") {
        Some(n) => {
            let k = n
                .number()
                .filter(|x| *x >= 0.0 && x.fract() == 0.0)
                .ok_or_else(|| n.error(file, "expected `startingStep` to be a whole number"))?;
            (
                k as usize,
                format!(", startingStep {} at {file}:{}", num(k), n.line),
            )
        }
        None => (0, String::new()),
    };
    let start = written_before.get(argo_step).copied().unwrap_or(total);
    if start >= total {
        f.warnings.push(format!(
            "warning: {file}:{}: the background analysis starts at step {argo_step}, after every step the model simulates: it is not simulated",
            bg.line
        ));
        return Ok(());
    }
    let renumbered = if start == argo_step {
        String::new()
    } else {
        format!(" (Argo's step {argo_step} is step {start} of the steps written here)")
    };
    f.strategy.kv(
        1,
        "background",
        &Val::read(
            format!("{{{text}, starting_step: {start}}}"),
            format!(
                "{file}:{} (canary.analysis{at}{renumbered}); measured as {from}",
                bg.line
            ),
        ),
    );
    Ok(())
}

/// Without `trafficRouting`, Argo splits users by the share of pods: the
/// replica count, whether maxSurge allows one more pod, and the line of
/// `replicas`; `None` with traffic routing or without `replicas`.
fn pod_scaling(
    file: &str,
    c: &Node,
    replicas: Option<&Node>,
    f: &mut Fragment,
) -> Result<Option<(u32, bool, u64)>, InputError> {
    let routed = c.get("trafficRouting").is_some();
    Ok(match (routed, replicas) {
        (false, Some(r)) => {
            let n = f64::from(replica_count(file, r)?);
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
    })
}

/// A `setWeight` step (at `at`): the weight as set, or without traffic
/// routing the canary's share of pods, left out when it does not grow.
fn weight_step(
    file: &str,
    at: &str,
    w: f64,
    scaled: Option<(u32, bool, u64)>,
    last_weight: &mut f64,
    f: &mut Fragment,
) {
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
            if share > *last_weight {
                f.strategy.item(
                    2,
                    &Val::read(
                        format!("set_weight: {}", weight_text(share)),
                        format!("{at} ({how})"),
                    ),
                );
                *last_weight = share;
            } else {
                f.strategy.comment(
                    2,
                    &format!(
                        "{at}: {how}: the users' share stays {} %, so no weight step is written",
                        weight_text(*last_weight)
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
            f.strategy.item(
                2,
                &Val::read(format!("set_weight: {}", num(w)), at.to_string()),
            );
            *last_weight = w;
        }
    }
}

/// A `pause` step: a duration, or indefinite (the promoter's); says whether
/// it needs a promoter.
fn pause_step(file: &str, at: &str, p: &Node, f: &mut Fragment) -> Result<bool, InputError> {
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
                &Val::read(format!("pause: {{duration: {d}}}"), at.to_string()),
            );
        }
        None => {
            f.strategy.item(
                2,
                &Val::read(
                    "pause: {}",
                    format!("{at} (indefinite: waits for `kubectl argo rollouts promote`)"),
                ),
            );
        }
    }
    Ok(p.get("duration").is_none())
}

/// The canary's settings after its steps: the inconclusive limit read from
/// its first analysis, the promoter of an indefinite pause, abort and newer.
fn canary_settings(inconclusive: Option<Val>, needs_promoter: bool, f: &mut Fragment) {
    if let Some(value) = inconclusive {
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
}

/// `spec.replicas`: a whole number of pods.
pub(super) fn replica_count(file: &str, r: &Node) -> Result<u32, InputError> {
    r.number()
        .filter(|x| *x >= 0.0 && x.fract() == 0.0)
        .map(|x| x as u32)
        .ok_or_else(|| r.error(file, "expected `replicas` to be a whole number"))
}

/// Why an imported rollout restarts with a newer release.
pub(super) const ARGO_NEWER: &str =
    "Argo Rollouts aborts an update in progress when a new revision arrives and starts the new one";

fn blue_green(file: &str, bg: &Node, docs: &[Node], f: &mut Fragment) -> Result<(), InputError> {
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
    if let Some(a) = bg.get("prePromotionAnalysis") {
        a.mark_all();
        f.warnings.push(format!("warning: {file}:{}: `prePromotionAnalysis` tests the preview colour, which serves no users: in the model that is the stage's verification (`verify:`); it was not imported", a.line));
    }
    f.strategy.open(0, "blue_green");
    if let Some(a) = bg.get("postPromotionAnalysis")
        && let Some(v) = post_promotion(file, a, docs, &mut f.warnings)?
    {
        f.strategy.kv(1, "post_promotion_analysis", &v);
    }
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
        if promoter {
            // argoproj/argo-rollouts#2000: the delay only acts with auto-promotion on.
            f.warnings.push(format!("warning: {file}:{}: `autoPromotionSeconds` with `autoPromotionEnabled: false`: Argo Rollouts waits for a manual promotion and ignores the delay, so the promoter promotes", s.line));
        } else {
            match duration_text(s) {
                Some(d) => f.strategy.kv(
                    1,
                    "auto_promotion_delay",
                    &Val::read(d, format!("{file}:{} (autoPromotionSeconds)", s.line)),
                ),
                None => {
                    return Err(s.error(
                        file,
                        "expected `autoPromotionSeconds` to be a number of seconds",
                    ));
                }
            }
        }
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
