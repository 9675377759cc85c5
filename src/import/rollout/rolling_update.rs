//! An Argo `canary` without `steps`: with `trafficRouting` Argo moves every
//! user at once; without it, a plain rolling update of the pods by
//! `maxSurge` and `maxUnavailable` (utils/replicaset/replicaset.go,
//! `resolveFenceposts`).

use super::Fragment;
use crate::error::InputError;
use crate::import::tree::Node;
use crate::import::writer::{Val, Why, num};

/// Argo's default `maxSurge` and `maxUnavailable` for a canary (25 % each).
const DEFAULT_SHARE: f64 = 25.0;

/// Writes the strategy of a canary `c` that has no steps.
pub(super) fn no_steps(
    file: &str,
    c: &Node,
    replicas: Option<&Node>,
    f: &mut Fragment,
) -> Result<(), InputError> {
    if c.get("trafficRouting").is_some() {
        f.strategy.push(
            0,
            "all_at_once".into(),
            Why::Read(format!(
                "{file}:{} (a canary without `steps`, with `trafficRouting`: Argo moves every user at once)",
                c.line
            )),
        );
        return Ok(());
    }
    let (n, n_at) = match replicas {
        Some(r) => (
            super::argo::replica_count(file, r)?,
            format!("{file}:{}", r.line),
        ),
        None => (1, "Argo's default of 1 replica".to_string()),
    };
    let surge = fencepost(file, c.get("maxSurge"), n, true, "maxSurge")?;
    let mut unavailable = fencepost(file, c.get("maxUnavailable"), n, false, "maxUnavailable")?;
    // Argo never lets both resolve to zero: it then takes one pod down at a time.
    if surge.pods == 0 && unavailable.pods == 0 {
        unavailable.pods = 1;
        unavailable
            .text
            .push_str(", taken as 1 pod: Argo never lets both be 0");
    }
    let wave = (surge.pods + unavailable.pods).min(n.max(1));
    let batches = n.max(1).div_ceil(wave);
    let how = format!(
        "{} replicas ({n_at}), {wave} new pods at a time: maxSurge {}, maxUnavailable {}",
        num(f64::from(n)),
        surge.text,
        unavailable.text
    );
    f.warnings.push(format!(
        "warning: {file}:{}: a canary without `steps` or `trafficRouting` is a plain rolling update of the pods: imported as `rolling` with {batches} batch(es) ({how}); how long a batch takes is not in the file",
        c.line
    ));
    f.strategy.open(0, "rolling");
    // Cited to the file only when every figure it comes from is written there.
    let written = replicas.is_some() && surge.written && unavailable.written;
    let batches = match written {
        true => Val::read(
            batches.to_string(),
            format!("{file}:{} (no steps: a rolling update of {how})", c.line),
        ),
        false => Val::assumed(
            batches.to_string(),
            format!(
                "a canary without steps at {file}:{} is a rolling update of {how}",
                c.line
            ),
        ),
    };
    f.strategy.kv(1, "batches", &batches);
    f.strategy.kv(
        1,
        "batch_duration",
        &Val::assumed(
            "2m",
            "new pods starting and passing readiness; not in the file, calibrate it",
        ),
    );
    f.strategy.kv(
        1,
        "on_newer",
        &Val::assumed("restart_with_newest", super::argo::ARGO_NEWER),
    );
    Ok(())
}

/// A fencepost resolved to pods, and how it was written.
struct Fencepost {
    pods: u32,
    text: String,
    /// Written in the file, not Argo's default.
    written: bool,
}

/// `maxSurge` (rounded up) or `maxUnavailable` (rounded down) of `n`
/// replicas: a number of pods or a percentage, Argo's 25 % when absent.
fn fencepost(
    file: &str,
    node: Option<&Node>,
    n: u32,
    round_up: bool,
    key: &str,
) -> Result<Fencepost, InputError> {
    let share = |p: f64| {
        let exact = f64::from(n) * p / 100.0;
        (if round_up {
            exact.ceil()
        } else {
            exact.floor()
        }) as u32
    };
    let Some(m) = node else {
        return Ok(Fencepost {
            pods: share(DEFAULT_SHARE),
            text: format!("25 % (Argo's default, {} pods)", share(DEFAULT_SHARE)),
            written: false,
        });
    };
    if let Some(x) = m.number().filter(|x| *x >= 0.0 && x.fract() == 0.0) {
        return Ok(Fencepost {
            pods: x as u32,
            text: format!("{} ({file}:{})", num(x), m.line),
            written: true,
        });
    }
    let p = m
        .text()
        .and_then(|t| t.trim().strip_suffix('%'))
        .and_then(|p| p.trim().parse::<f64>().ok())
        .filter(|p| *p >= 0.0)
        .ok_or_else(|| {
            m.error(
                file,
                format!("expected `{key}` to be a number of pods or a percentage"),
            )
        })?;
    Ok(Fencepost {
        pods: share(p),
        text: format!("{} % ({file}:{}, {} pods)", num(p), m.line, share(p)),
        written: true,
    })
}
