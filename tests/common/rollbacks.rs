//! Rollback rules read from the event log alone, shared by the property and
//! canary tests: which release each production stage runs, what each release
//! holds (its snapshot), which defects each snapshot carries (introduced
//! before it, fixed after it) and which are known.
//! Included with `#[path = "common/rollbacks.rs"] mod rollbacks;`.

use std::collections::HashMap;

use promosim::engine::{Replication, TraceKind};

/// Rollbacks started, or the first rollback that goes forward or (with
/// `known_is_bad`) to a release carrying a defect already known.
pub fn check(rep: &Replication, known_is_bad: bool) -> Result<u64, String> {
    let mut snapshot: HashMap<u32, u64> = HashMap::new();
    let mut introduced: HashMap<u32, u64> = HashMap::new();
    let mut fixed_by: HashMap<u32, u64> = HashMap::new();
    let mut known: Vec<u32> = Vec::new();
    let mut running: HashMap<usize, i64> = HashMap::new();
    let mut rollbacks = 0;
    for r in &rep.trace {
        match r.event {
            TraceKind::BuildQueued => {
                snapshot.insert(r.release.unwrap(), r.value.unwrap() as u64);
            }
            TraceKind::DefectIntroduced => {
                introduced.insert(r.defect.unwrap(), r.value.unwrap() as u64);
            }
            TraceKind::FixLands => {
                fixed_by.insert(r.defect.unwrap(), r.value.unwrap() as u64);
            }
            TraceKind::DefectCaught => known.push(r.defect.unwrap()),
            TraceKind::Running => {
                running.insert(r.stage.unwrap(), r.release.map_or(-1, i64::from));
            }
            TraceKind::RollbackStart | TraceKind::RollbackRetarget => {
                rollbacks += u64::from(r.event == TraceKind::RollbackStart);
                let s = r.stage.unwrap();
                let to = r.value.unwrap() as i64;
                let from = running.get(&s).copied().unwrap_or(-1);
                if to >= from {
                    return Err(format!(
                        "at {:?}: rollback of stage {s} from v{from} forward to v{to}",
                        r.time
                    ));
                }
                // The version before the run carries nothing.
                let snap = if to < 0 { 0 } else { snapshot[&(to as u32)] };
                for &d in known.iter().filter(|_| known_is_bad) {
                    let carries =
                        introduced[&d] < snap && fixed_by.get(&d).is_none_or(|&f| f >= snap);
                    if carries {
                        return Err(format!(
                            "at {:?}: rollback to v{to}, which carries known defect {d}",
                            r.time
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(rollbacks)
}
