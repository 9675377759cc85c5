use proptest::prelude::*;

use super::*;
use crate::engine::stair::Ahead;

const SEC: Nanos = 1_000_000_000;

fn part(t: &Tally, p: StagePart) -> Nanos {
    t[p.index()]
}

#[test]
fn a_commit_is_split_by_the_newest_visit_and_rework_where_none_holds_it() {
    let mut t = Timeline::new(None);
    let set = |t: &mut Timeline, now, part, upto| t.set(now, part, upto, &Stair::EMPTY);
    set(&mut t, 0.0, Some(StagePart::Lock), 10);
    t.set_hi(2.0, 20);
    set(&mut t, 5.0, None, 0);
    set(&mut t, 7.0, Some(StagePart::Executing), 3); // an older release, not holding commit 5
    set(&mut t, 9.0, Some(StagePart::Trigger), 20);
    t.set_lo(12.0, 20);
    let mut tally = NO_TALLY;
    let next = t.read(5, &mut tally);
    assert_eq!(part(&tally, StagePart::Lock), 3 * SEC);
    assert_eq!(part(&tally, StagePart::Rework), 4 * SEC);
    assert_eq!(part(&tally, StagePart::Trigger), 3 * SEC);
    assert_eq!(tally.iter().sum::<Nanos>(), 10 * SEC);
    assert_eq!(next, 10, "commit 10 was not in the first release");
    t.read(15, &mut tally);
    assert_eq!(part(&tally, StagePart::Lock), 0);
    assert_eq!(part(&tally, StagePart::Rework), 7 * SEC);
}

/// An older release under test holds commits below 8; the newest waits for
/// the schedule. Commit 5 is being tested, commit 9 waits.
#[test]
fn an_older_release_further_along_decides_for_the_commits_it_holds() {
    let mut stair = Stair::EMPTY;
    stair.push(Ahead {
        upto: 8,
        rank: crate::engine::stair::FURTHEST,
        part: StagePart::Executing,
    });
    let mut t = Timeline::new(None);
    t.set(0.0, Some(StagePart::Trigger), 8, &Stair::EMPTY);
    t.set_hi(1.0, 12);
    t.set(4.0, Some(StagePart::Trigger), 12, &stair);
    t.set(6.0, Some(StagePart::Trigger), 12, &Stair::EMPTY);
    t.set_lo(10.0, 12);
    let mut p = NO_TALLY;
    let next = t.read(5, &mut p);
    assert_eq!(part(&p, StagePart::Trigger), 7 * SEC);
    assert_eq!(part(&p, StagePart::Executing), 2 * SEC);
    assert_eq!(next, 8, "commit 8 is not in the release under test");
    t.read(9, &mut p);
    assert_eq!(
        part(&p, StagePart::Rework),
        3 * SEC,
        "before commit 9's release"
    );
    assert_eq!(part(&p, StagePart::Trigger), 6 * SEC);
    assert_eq!(part(&p, StagePart::Executing), 0);
}

#[test]
fn same_instant_changes_count_only_the_last() {
    let mut t = Timeline::new(None);
    t.set_hi(0.0, 10);
    t.set(0.0, Some(StagePart::Lock), 10, &Stair::EMPTY);
    t.set(1.0, Some(StagePart::Trigger), 10, &Stair::EMPTY);
    t.set(1.0, Some(StagePart::Lock), 10, &Stair::EMPTY);
    t.set_lo(3.0, 10);
    let mut p = NO_TALLY;
    t.read(0, &mut p);
    assert_eq!(part(&p, StagePart::Lock), 3 * SEC);
    assert_eq!(part(&p, StagePart::Trigger), 0);
}

#[test]
fn the_search_from_the_front_finds_what_a_binary_search_finds() {
    let marks: Vec<Mark> = (0..40)
        .map(|i| Mark {
            at: i / 3,
            d: NO_TALLY,
        })
        .collect();
    for end in 0..=marks.len() {
        for at in 0..16 {
            let want = marks[..end].partition_point(|m| m.at < at);
            assert_eq!(
                first_at_or_above(&marks[..end], at),
                want,
                "end {end}, at {at}"
            );
        }
    }
}

/// A change of the stage, at whole seconds.
#[derive(Debug, Clone)]
enum Change {
    /// The newest visit (`None`: none live) and the stair below it, oldest
    /// first, as (upto, part) with `upto` increasing.
    Visits(Option<(StagePart, u64)>, Vec<(u64, StagePart)>),
    Lo(u64),
    Hi(u64),
    /// Read the commits the stage has passed.
    Read,
}

const COMMITS: u64 = 24;

fn a_part() -> impl Strategy<Value = StagePart> {
    (0..StagePart::ALL.len() - 1).prop_map(|i| StagePart::ALL[i])
}

fn a_change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (
            proptest::option::of((a_part(), 0..=COMMITS)),
            proptest::collection::vec((0..=COMMITS, a_part()), 0..4),
        )
            .prop_map(|(newest, mut steps)| {
                let top = newest.map_or(0, |(_, u)| u);
                steps.retain(|s| s.0 <= top);
                steps.sort_by_key(|s| s.0);
                steps.dedup_by_key(|s| s.0);
                if newest.is_none() {
                    steps.clear();
                }
                Change::Visits(newest, steps)
            }),
        (0..=COMMITS).prop_map(Change::Lo),
        (0..=COMMITS).prop_map(Change::Hi),
        Just(Change::Read),
    ]
}

/// The part deciding for commit `c`, by the rule itself.
fn deciding(c: u64, newest: Option<(StagePart, u64)>, steps: &[(u64, StagePart)]) -> StagePart {
    if let Some(&(_, p)) = steps.iter().find(|s| s.0 > c) {
        return p;
    }
    match newest {
        Some((p, upto)) if upto > c => p,
        _ => StagePart::Rework,
    }
}

proptest! {
    /// Each commit's tally is what adding up its parts instant by instant gives.
    #[test]
    fn tallies_are_the_rule_applied_instant_by_instant(
        changes in proptest::collection::vec((0..4u32, a_change()), 1..40),
    ) {
        let mut t = Timeline::new(None);
        let mut want = vec![NO_TALLY; COMMITS as usize];
        let (mut now, mut lo, mut hi) = (0u32, 0u64, 0u64);
        let (mut newest, mut steps) = (None, Vec::new());
        let mut next_read = 0u64;
        let mut check = |t: &mut Timeline, upto: u64, want: &[Tally]| -> Result<(), TestCaseError> {
            while next_read < upto {
                let mut got = NO_TALLY;
                t.read(next_read, &mut got);
                prop_assert_eq!(got, want[next_read as usize], "commit {}", next_read);
                next_read += 1;
            }
            Ok(())
        };
        let changes = changes.into_iter().chain([(1, Change::Hi(COMMITS)), (1, Change::Lo(COMMITS))]);
        for (wait, change) in changes {
            for (c, tally) in want.iter_mut().enumerate().take(hi as usize).skip(lo as usize) {
                tally[deciding(c as u64, newest, &steps).index()] += Nanos::from(wait) * SEC;
            }
            now += wait;
            let at = f64::from(now);
            match change {
                Change::Visits(n, s) => {
                    let mut stair = Stair::EMPTY;
                    for (k, &(upto, part)) in s.iter().rev().enumerate() {
                        stair.push(Ahead { upto, rank: k as u8 + 1, part });
                    }
                    let (part, upto) = n.map_or((None, 0), |(p, u)| (Some(p), u));
                    t.set(at, part, upto, &stair);
                    (newest, steps) = (n, s);
                }
                // The stage never passes what its upstream has not.
                Change::Lo(x) => {
                    lo = lo.max(x).min(hi);
                    t.set_lo(at, lo);
                }
                Change::Hi(x) => {
                    hi = hi.max(x);
                    t.set_hi(at, hi);
                }
                Change::Read => check(&mut t, lo, &want)?,
            }
        }
        check(&mut t, COMMITS, &want)?;
    }
}
