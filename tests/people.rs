//! People as resources: a person works on one manual task at a time, a team on
//! as many as it has members, read from the event log alone.

use std::collections::HashMap;
use std::path::Path;

use promosim::engine::{self, Options, TraceKind};
use promosim::model;
use promosim::scenario;

/// Two stages whose manual tests need the same tester, with releases arriving
/// faster than she can test them, so her tasks would overlap without a limit.
fn two_stages_one_tester(members: u32) -> String {
    format!(
        "run: {{start: 2026-01-05 00:00, horizon: 30d, seed: 5}}
calendars:
  office: {{working_hours: {{mon-fri: \"09:00-17:30\"}}}}
people:
  amita: {{calendar: office, reaction: {{exp: 20m}}, members: {members}}}
commits:
  poisson: {{per_day: 30}}
build: {{duration: 5m}}
stages:
  - name: test
    verify: [{{name: exploratory, by: amita, duration: {{exp: 3h}}}}]
  - name: staging
    verify: [{{name: acceptance, by: amita, duration: {{exp: 2h}}}}]
  - name: production
"
    )
}

/// The most tasks of one person in progress at once, from task_start / task_done rows.
fn most_at_once(yaml: &str) -> (usize, usize) {
    let s = scenario::parse(yaml, Path::new("people.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let m = model::compile(&s).unwrap_or_else(|e| panic!("{e}"));
    let rep = engine::run(
        &m,
        0,
        Options {
            trace: true,
            ..Options::default()
        },
    );
    let (mut now, mut most, mut queued) = (HashMap::new(), 0, 0);
    for r in &rep.trace {
        let p = r.value.map(|v| v as i64);
        match r.event {
            TraceKind::TaskStart => {
                let n = now.entry(p).or_insert(0usize);
                *n += 1;
                most = most.max(*n);
            }
            TraceKind::TaskDone => *now.entry(p).or_insert(1) -= 1,
            TraceKind::TaskQueued => queued += 1,
            _ => {}
        }
    }
    (most, queued)
}

#[test]
fn a_person_works_on_one_task_at_a_time() {
    let (most, queued) = most_at_once(&two_stages_one_tester(1));
    assert_eq!(most, 1, "one tester ran {most} tests at once");
    assert!(queued > 0, "the test must make her tasks queue");
}

#[test]
fn a_team_works_on_as_many_as_it_has_members() {
    let (most, _) = most_at_once(&two_stages_one_tester(2));
    assert_eq!(
        most, 2,
        "a team of two had {most} tasks in progress at most"
    );
}

#[test]
fn members_must_be_at_least_one() {
    let yaml = two_stages_one_tester(0);
    let Err(err) = scenario::parse(&yaml, Path::new("people.yaml")) else {
        panic!("members: 0 is refused");
    };
    let msg = err.to_string();
    assert!(
        msg.contains("people.yaml:"),
        "names the file and line: {msg}"
    );
    assert!(msg.contains("members") || msg.contains("nonzero"), "{msg}");
}

/// Mean lead time (hours) of fix commits and of the others over `reps`
/// replications, under the tester's queue order.
fn fix_and_feature_lead(queue: &str, reps: u64) -> (f64, f64) {
    let yaml = format!(
        "run: {{start: 2026-01-05 00:00, horizon: 90d, seed: 17}}
people:
  manager: {{reaction: 5m, queue: {queue}}}
commits:
  poisson: {{per_day: 20}}
  defects: {{probability: 0.1, severity: {{major: 1}}, fix_time: 1h}}
build: {{duration: 5m, detect: {{major: 0}}}}
stages:
  - name: test
    verify: [{{name: tests, duration: 20m, detect: {{major: 0.7}}}}]
  - name: production
    checks:
      approval: {{approvers: [manager], response: 5m, effort: {{exp: 1h}}}}
"
    );
    let s = scenario::parse(&yaml, Path::new("queue.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let m = model::compile(&s).unwrap_or_else(|e| panic!("{e}"));
    let (mut fix, mut nf, mut other, mut no) = (0.0, 0, 0.0, 0);
    for rep in 0..reps {
        let r = engine::run(
            &m,
            rep,
            Options {
                commit_records: true,
                ..Options::default()
            },
        );
        for c in &r.commits {
            let Some(d) = c.delivered else { continue };
            let h = (d.0 - c.arrived.0) / 3600.0;
            if c.fix {
                fix += h;
                nf += 1;
            } else {
                other += h;
                no += 1;
            }
        }
    }
    assert!(nf > 100, "only {nf} fix commits");
    (fix / nf as f64, other / no as f64)
}

/// With `fixes_first` a busy approver reviews a release bringing a fix before
/// feature releases waiting longer: fix commits reach production sooner than
/// first come, first served, on the same commits and defects.
#[test]
fn fixes_first_delivers_fixes_sooner() {
    let (fifo_fix, fifo_other) = fix_and_feature_lead("fifo", 20);
    let (prio_fix, prio_other) = fix_and_feature_lead("fixes_first", 20);
    println!(
        "fix commits: fifo {fifo_fix:.2} h, fixes_first {prio_fix:.2} h; others: {fifo_other:.2} h, {prio_other:.2} h"
    );
    assert!(
        prio_fix < fifo_fix * 0.97,
        "fixes_first {prio_fix:.3} h vs fifo {fifo_fix:.3} h"
    );
}
