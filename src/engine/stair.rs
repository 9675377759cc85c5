//! How far along a stage's live visits are, and which older ones are further
//! along than every newer one: for a commit, the furthest-along live visit of
//! a release holding it decides what its time at the stage counts as (see
//! `timeline` and `docs/model.md`).

use super::Phase;
use crate::metrics::StagePart;

/// How far along a visit in `phase` is: soaking before the stage, then its
/// trigger, checks, window, lock, agent and executing. Phases of one part
/// share a rank (a change between them does not touch the timeline).
pub(super) fn rank(phase: Phase) -> u8 {
    RANK[phase as usize]
}

/// [`rank`] by phase, in the order `Phase` declares them.
const RANK: [u8; 11] = {
    let mut r = [0; 11];
    r[Phase::Eligible as usize] = 1;
    r[Phase::Approving as usize] = 2;
    r[Phase::Gating as usize] = 2;
    r[Phase::Window as usize] = 3;
    r[Phase::LockQueue as usize] = 4;
    r[Phase::AgentQueue as usize] = 5;
    r[Phase::Executing as usize] = 6;
    r
};

/// The highest [`rank`]: no visit is further along than an executing one.
pub(super) const FURTHEST: u8 = 6;

/// An older live visit further along than every newer one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Ahead {
    /// Its release holds commits below this.
    pub upto: u64,
    pub rank: u8,
    pub part: StagePart,
}

/// The older visits further along than every newer one, newest first (so
/// `upto` does not increase and `rank` increases). For a commit, the last one
/// holding it decides; none: the newest visit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Stair {
    len: u8,
    /// Each step packed (`upto << 8 | rank << 4 | part`): a stair is compared
    /// and copied at every change of the stage.
    steps: [u64; 6],
}

impl Stair {
    pub const EMPTY: Stair = Stair {
        len: 0,
        steps: [0; 6],
    };

    pub fn push(&mut self, a: Ahead) {
        self.steps[self.len as usize] =
            a.upto << 8 | u64::from(a.rank) << 4 | a.part.index() as u64;
        self.len += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn steps(&self) -> &[u64] {
        &self.steps[..self.len as usize]
    }

    fn unpack(s: u64) -> Ahead {
        Ahead {
            upto: s >> 8,
            rank: (s >> 4 & 15) as u8,
            part: StagePart::ALL[(s & 15) as usize],
        }
    }

    /// The steps from the oldest (the fewest commits, the furthest along) to
    /// the newest: each decides for the commits below its `upto` that no
    /// older step holds.
    pub fn oldest_first(&self) -> impl Iterator<Item = Ahead> + '_ {
        self.steps().iter().rev().map(|&s| Stair::unpack(s))
    }

    /// The steps further along than `rank`, from `first` (a visit newer than
    /// every step) on: the stair of a newer visit at `rank`.
    pub fn above(rank: u8, first: Option<Ahead>, rest: &Stair) -> Stair {
        let mut out = Stair::EMPTY;
        let mut best = rank;
        for a in first
            .into_iter()
            .chain(rest.steps().iter().map(|&s| Stair::unpack(s)))
        {
            if a.rank > best {
                best = a.rank;
                out.push(a);
            }
        }
        out
    }

    /// The step deciding for commit `c`, if any holds it.
    #[cfg(test)]
    fn deciding(&self, c: u64) -> Option<Ahead> {
        self.oldest_first().find(|a| a.upto > c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A release waiting for the lock (commits below 9) and an older one
    /// under test (below 4).
    fn lock_then_testing() -> Stair {
        let mut s = Stair::EMPTY;
        s.push(Ahead {
            upto: 9,
            rank: rank(Phase::LockQueue),
            part: StagePart::Lock,
        });
        s.push(Ahead {
            upto: 4,
            rank: FURTHEST,
            part: StagePart::Executing,
        });
        s
    }

    #[test]
    fn the_oldest_step_holding_the_commit_decides() {
        let s = lock_then_testing();
        assert_eq!(s.deciding(2).map(|a| a.part), Some(StagePart::Executing));
        assert_eq!(s.deciding(4).map(|a| a.part), Some(StagePart::Lock));
        assert_eq!(s.deciding(9).map(|a| a.part), None);
    }

    #[test]
    fn a_newer_visit_keeps_only_the_steps_further_along_than_it() {
        let s = lock_then_testing();
        let above = Stair::above(rank(Phase::LockQueue), None, &s);
        assert_eq!(
            above.oldest_first().map(|a| a.upto).collect::<Vec<_>>(),
            [4]
        );
        let first = Ahead {
            upto: 11,
            rank: rank(Phase::Window),
            part: StagePart::Window,
        };
        let above = Stair::above(rank(Phase::Eligible), Some(first), &s);
        assert_eq!(
            above.oldest_first().map(|a| a.upto).collect::<Vec<_>>(),
            [4, 9, 11]
        );
    }
}
