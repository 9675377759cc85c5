//! Shards: which units of an experiment (point × replication) one process
//! runs, as `--shard I/N` or `auto` on a Kubernetes indexed Job or a Slurm
//! job array.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::InputError;

/// Shard `index` (1-based) of `count`: the units `u` with `u % count == index - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    pub fn owns(&self, unit: u64) -> bool {
        unit % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// Parses `I/N` (1 ≤ I ≤ N), `auto/N` or `auto`, reading the process environment for `auto`.
    pub fn parse(text: &str) -> Result<Shard, InputError> {
        Self::parse_with(text, |k| std::env::var(k).ok())
    }

    /// As [`Shard::parse`], with the environment given (for tests).
    ///
    /// `auto` takes the index from `JOB_COMPLETION_INDEX` (Kubernetes indexed
    /// Job, 0-based: shard = index + 1) or else `SLURM_ARRAY_TASK_ID` (shard =
    /// id − `SLURM_ARRAY_TASK_MIN` + 1, so `--array=0-2` and `--array=1-3` both
    /// work; without `SLURM_ARRAY_TASK_MIN` the id is taken as 0-based). The
    /// count comes from `auto/N`, or else `SLURM_ARRAY_TASK_COUNT`.
    pub fn parse_with(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Shard, InputError> {
        let arg = format!("--shard {text}");
        let bad = |m: String| InputError::new(&arg, m);
        let (i, n) = match text.split_once('/') {
            Some((i, n)) => (i.trim(), Some(n.trim())),
            None => (text.trim(), None),
        };
        let count = match n {
            Some(n) => Some(n.parse::<u32>().map_err(|_| {
                bad(format!(
                    "expected I/N with whole numbers, e.g. 2/3; {n:?} is not a count"
                ))
            })?),
            None => None,
        };
        let (index, count) = if i == "auto" {
            let num = |k: &str| -> Result<Option<u64>, InputError> {
                match env(k) {
                    None => Ok(None),
                    Some(v) => v
                        .trim()
                        .parse::<u64>()
                        .map(Some)
                        .map_err(|_| bad(format!("{k}={v:?} is not a whole number"))),
                }
            };
            let index = if let Some(k) = num("JOB_COMPLETION_INDEX")? {
                k + 1
            } else if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
                let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
                if id < min {
                    return Err(bad(format!(
                        "SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}"
                    )));
                }
                id - min + 1
            } else {
                return Err(bad(
                    "auto needs JOB_COMPLETION_INDEX (Kubernetes indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array) in the environment".into(),
                ));
            };
            let count = match count {
                Some(c) => c,
                None => match num("SLURM_ARRAY_TASK_COUNT")? {
                    Some(c) => {
                        u32::try_from(c).map_err(|_| bad(format!("{c} shards are too many")))?
                    }
                    None => {
                        return Err(bad(
                            "give the shard count as auto/N (no SLURM_ARRAY_TASK_COUNT in the environment)".into(),
                        ));
                    }
                },
            };
            (index, count)
        } else {
            let index = i.parse::<u64>().map_err(|_| {
                bad(format!(
                    "expected I/N (e.g. 2/3), auto/N or auto; {i:?} is not a shard number"
                ))
            })?;
            let count = count.ok_or_else(|| bad("expected I/N, e.g. 2/3".into()))?;
            (index, count)
        };
        if count == 0 {
            return Err(bad("the shard count must be at least 1".into()));
        }
        if index == 0 || index > u64::from(count) {
            return Err(bad(format!(
                "shard {index} of {count} does not exist: shards are numbered 1 to {count}"
            )));
        }
        Ok(Shard {
            index: index as u32,
            count,
        })
    }
}
