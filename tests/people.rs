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
