//! Flagger: a Canary's `analysis` as a canary (step weights), blue/green
//! (`iterations`) or all at once (`skipAnalysis`).

use std::path::Path;

use super::{Fragment, PROMOTER, find};
use crate::error::InputError;
use crate::import::tree::Node;
use crate::import::writer::{Block, Val, num};
use crate::import::{duration_text, read_docs, warn_unread};

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
    let mut f = Fragment::new(&file);
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
    // `skipAnalysis: true` (see `skip_analysis`).
    let skip = spec.get("skipAnalysis");
    if let Some(s) = skip {
        s.touch();
        if s.boolean().is_none() {
            return Err(s.error(&file, "expected `skipAnalysis` to be true or false"));
        }
    }
    if let Some(s) = skip.filter(|s| s.boolean() == Some(true)) {
        skip_analysis(&file, spec, s, &mut f);
        warn_unread(&file, c, &mut f.warnings);
        return Ok(f);
    }
    let a = analysis_of(&file, spec, &mut f.warnings).ok_or_else(|| {
        spec.error(
            &file,
            "a Canary needs `spec.analysis` (or the older `spec.canaryAnalysis`)",
        )
    })?;
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
    let it = a.get("iterations");
    let n_it = match it {
        Some(n) => Some(
            n.number()
                .filter(|x| *x >= 0.0 && x.fract() == 0.0)
                .ok_or_else(|| {
                    n.error(
                        &file,
                        "expected `iterations` to be a whole number of checks, at least 1",
                    )
                })?,
        ),
        None => None,
    };
    let kubernetes = spec
        .get("provider")
        .filter(|p| p.text() == Some("kubernetes"));
    let weighted = steps.is_some() || step.is_some();
    // Flagger's choice (DeploymentStrategy() in pkg/apis/flagger/v1beta1/
    // canary.go, and the scheduler): `iterations` above 0 is blue/green (A/B
    // with `match`) before any weight is looked at; the kubernetes provider
    // has no progressive traffic and sets 10 iterations when fewer are given.
    let mode = match (it, kubernetes) {
        (Some(it), _) if n_it.is_some_and(|n| n > 0.0) => Some(Iterations::Read(it)),
        (_, Some(p)) => Some(Iterations::Kubernetes(p)),
        (Some(it), None) if !weighted => Some(Iterations::Read(it)),
        (None, None) if !weighted => {
            return Err(a.error(
                &file,
                "the analysis needs `stepWeight` (with `maxWeight`) or `stepWeights`, or `iterations` (blue/green)",
            ));
        }
        _ => None,
    };
    if let Some(mode) = mode {
        if weighted {
            ignored_weights(&file, a, &mode, &mut f.warnings);
        }
        f.strategy = flagger_blue_green(&file, a, &mode, weighted, &interval, &mut f.warnings)?;
        blue_green_gates(&file, &hooks, &mut f);
    } else {
        f.strategy = flagger_canary(&file, a, steps, step, &interval, &mut f.warnings)?;
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

/// The Canary's analysis: `spec.analysis`, else the older
/// `spec.canaryAnalysis` (v1alpha3), which Flagger's `GetAnalysis()`
/// (pkg/apis/flagger/v1beta1/canary.go) still falls back to. With both,
/// Flagger reads `analysis` only: the other is said, not read.
fn analysis_of<'a>(file: &str, spec: &'a Node, warnings: &mut Vec<String>) -> Option<&'a Node> {
    let (new, old) = (spec.get("analysis"), spec.get("canaryAnalysis"));
    if let (Some(_), Some(o)) = (new, old) {
        o.mark_all();
        // The keys' own lines (a mapping value starts at its first key).
        let line = |k: &str| {
            spec.entries()
                .and_then(|e| e.iter().find(|(n, _)| n.text() == Some(k)))
                .map_or(0, |(n, _)| n.line)
        };
        warnings.push(format!(
            "warning: {file}:{}: `canaryAnalysis` is ignored: Flagger reads `analysis` ({file}:{}) when both are given",
            line("canaryAnalysis"),
            line("analysis")
        ));
    }
    new.or(old)
}

/// `skipAnalysis: true` (`s`): Flagger waits for the canary to be ready and
/// promotes it at once, without metrics, webhooks or weights (its
/// `shouldSkipAnalysis`); only the confirm-rollout gate, checked before,
/// still holds it.
fn skip_analysis(file: &str, spec: &Node, s: &Node, f: &mut Fragment) {
    let at = |n: &Node| format!("{file}:{}", n.line);
    let a = analysis_of(file, spec, &mut f.warnings);
    let analysis = match a {
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
    for (h, t) in confirm_hooks(a) {
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
        crate::import::writer::Why::Read(format!(
            "{} (skipAnalysis: true: Flagger promotes without analysis)",
            at(s)
        )),
    );
}

/// A blue/green's confirm webhooks: a confirm-rollout (before the analysis)
/// or confirm-promotion (after it) waits for a person, the blue_green's
/// `promoted_by`, as Argo's `autoPromotionEnabled: false`. The model's
/// promotion comes before the hold kept in `switch`, so a confirm-promotion
/// wait moves ahead of the hold; the time to promotion is the same.
fn blue_green_gates(file: &str, hooks: &[(&Node, String)], f: &mut Fragment) {
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
    warnings: &mut Vec<String>,
) -> Result<Block, InputError> {
    let at = |n: &Node| format!("{file}:{}", n.line);
    let mut block = Block::default();
    let b = &mut block;
    b.open(0, "canary");
    if let Some(list) = steps {
        // Flagger's maxWeight() is the last of `stepWeights` (scheduler.go).
        if let Some(m) = a.get("maxWeight") {
            m.mark_all();
            warnings.push(format!(
                "warning: {}: `maxWeight` is ignored next to `stepWeights`, as Flagger ignores it: its maxWeight() is the last step weight",
                at(m)
            ));
        }
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

/// Why a Canary runs in blue/green (or A/B) mode.
enum Iterations<'a> {
    /// `iterations` above 0 (or, without weights, as written).
    Read(&'a Node),
    /// `provider: kubernetes` (this node) without `iterations` above 0:
    /// Flagger sets 10.
    Kubernetes(&'a Node),
}

/// Flagger's iterations when `provider: kubernetes` gives none
/// (pkg/controller/scheduler.go).
const KUBERNETES_ITERATIONS: f64 = 10.0;

/// Weights next to a blue/green mode: Flagger ignores them; said once,
/// naming each by file:line.
fn ignored_weights(file: &str, a: &Node, mode: &Iterations, warnings: &mut Vec<String>) {
    let named: Vec<String> = [
        "stepWeight",
        "maxWeight",
        "stepWeights",
        "stepWeightPromotion",
    ]
    .iter()
    .filter_map(|k| {
        a.get(k).map(|n| {
            n.mark_all();
            format!("`{k}` ({file}:{})", n.line)
        })
    })
    .collect();
    let weights = named.join(" and ");
    warnings.push(match mode {
        Iterations::Read(it) => format!(
            "warning: {file}:{}: `iterations` above 0 is Flagger's blue/green mode (A/B with `match`): its DeploymentStrategy() picks it whenever iterations > 0, before looking at weights, so {weights} are ignored, as Flagger ignores them; imported as blue_green",
            it.line
        ),
        Iterations::Kubernetes(p) => format!(
            "warning: {file}:{}: `provider: kubernetes`: Flagger has no progressive traffic with the kubernetes provider (\"Progressive traffic is not supported when using the kubernetes provider\", pkg/controller/scheduler.go) and runs blue/green, with {} iterations since none are set; imported as blue_green, and {weights} are ignored, as Flagger ignores them",
            p.line,
            num(KUBERNETES_ITERATIONS)
        ),
    });
}

/// Flagger's blue/green (or A/B) mode, `iterations` without weights: the
/// analysis holds the new version for `iterations × interval` with no
/// production traffic on it, then all traffic moves. The model's blue_green
/// has no analysis before the switch, so the hold is its `switch` (the wait
/// before traffic moves), and what is lost is said in a warning.
fn flagger_blue_green(
    file: &str,
    a: &Node,
    mode: &Iterations,
    weighted: bool,
    interval: &Interval,
    warnings: &mut Vec<String>,
) -> Result<Block, InputError> {
    let n = match mode {
        Iterations::Read(it) => it
            .number()
            .filter(|n| *n >= 1.0 && n.fract() == 0.0)
            .ok_or_else(|| {
                it.error(
                    file,
                    "expected `iterations` to be a whole number of checks, at least 1",
                )
            })?,
        Iterations::Kubernetes(_) => KUBERNETES_ITERATIONS,
    };
    let at = match mode {
        Iterations::Read(it) | Iterations::Kubernetes(it) => it,
    };
    let interval_text = interval.text.as_str();
    let each = crate::time::Duration::parse(interval_text)
        .map_err(|e| at.error(file, e))?
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
    let (iat, vat) = (format!("{file}:{}", at.line), interval.at.clone());
    // A/B mode: the users `match` selects run the new version during the hold.
    let ab = a.get("match").map(|m| format!("{file}:{}", m.line));
    if let Some(mat) = &ab {
        warnings.push(format!("warning: {mat}: `match` is Flagger's A/B mode: during the {} checks the users it selects (by header or cookie) run the new version, and the checks measure their traffic; the model's blue_green shows the new version to no one before the switch, so their exposure is not simulated", num(n)));
    }
    let lead = match mode {
        Iterations::Read(_) if weighted => "`iterations` is Flagger's blue/green (or A/B) mode",
        Iterations::Read(_) => "`iterations` without weights is Flagger's blue/green (or A/B) mode",
        Iterations::Kubernetes(_) => {
            "`provider: kubernetes` is Flagger's blue/green mode, with 10 iterations"
        }
    };
    warnings.push(format!(
        "warning: {iat}: {lead}: imported as blue_green whose `switch` holds the new version for iterations × interval = {} × {interval_text} = {hold} ({iat}, {vat}) before all traffic moves, since the model's blue_green has no analysis before the switch. Lost: the checks themselves, and with them {threshold}, the failed checks before rollback: the model's idle colour serves no users, so no check can fail, and a defect is caught before the switch only by the stage's `verify`; an abort during the hold also lasts {hold} (the model's blue_green aborts in `switch`), and the move of traffic itself is taken as instant",
        num(n)
    ));
    let mut b = Block::default();
    b.open(0, "blue_green");
    b.comment(
        1,
        &format!("Flagger's analysis: {} checks every {interval_text}, before promotion; {threshold} is not simulated (see the warning)", num(n)),
    );
    let on_it = if ab.is_some() {
        "with only the users `match` selects on it (not simulated)"
    } else {
        "with no users on it"
    };
    let why = format!(
        "× {vat} (interval: {interval_text}): the analysis holds the new version, {on_it}, before all traffic moves"
    );
    let switch = match mode {
        Iterations::Read(_) => Val::read(hold, format!("{iat} (iterations: {}) {why}", num(n))),
        Iterations::Kubernetes(_) => Val::assumed(
            hold,
            format!(
                "Flagger's {} iterations for `provider: kubernetes` ({iat}) without `iterations` {why}",
                num(n)
            ),
        ),
    };
    b.kv(1, "switch", &switch);
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
