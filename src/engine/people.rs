//! People and teams as resources: a person works on one manual task at a
//! time, a team on as many as it has members. A task (a manual verification
//! step, a review with an effort) becomes ready once the person reacted to it,
//! waits first-come first-served for a free member, and then takes its effort
//! in their working time. See `docs/model.md`, "People".

use std::collections::VecDeque;

use super::jobs::StageJob;
use super::{Ev, Phase, ReleaseId, State, TraceKind};
use crate::metrics::{PersonResult, StagePart, Stall, TimeWeighted};
use crate::model::Model;
use crate::time::{HOUR, SimDuration, SimTime, WEEK};

pub(super) type TaskId = u32;

/// What a task is for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Work {
    /// Stage verification step (the stage's plan goes on when it is done).
    Verify,
    /// A review that answers `approve` when done.
    Review { approve: bool },
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Task {
    rel: ReleaseId,
    stage: usize,
    person: usize,
    work: Work,
    /// Its effort, seconds of the person's working time.
    effort: f64,
    /// When the person took it up (after their reaction).
    ready: f64,
    /// When a member began work on it.
    started: f64,
}

/// A person's or team's queue and counters.
pub(super) struct PersonState {
    busy: u32,
    queue: VecDeque<TaskId>,
    waiting: TimeWeighted,
    tasks: u64,
    effort: f64,
    wait_sum: f64,
}

impl PersonState {
    pub fn new(warm: f64) -> Self {
        PersonState {
            busy: 0,
            queue: VecDeque::new(),
            waiting: TimeWeighted::new(warm),
            tasks: 0,
            effort: 0.0,
            wait_sum: 0.0,
        }
    }
}

/// A stage's verification steps for the release verifying there, drawn when
/// its deploy is done (so the random streams do not depend on queueing).
#[derive(Debug, Clone, Copy)]
pub(super) enum Planned {
    /// Seconds; with `agent`, a job on one of the build's agents.
    Machine { secs: f64, agent: bool },
    Person {
        person: usize,
        reaction: f64,
        effort: f64,
    },
}

impl State<'_> {
    /// Walks stage `s`'s verification plan from its next step at `t`: machine
    /// steps in turn, up to the next person's step (a task), the next step
    /// that is a job on an agent (asked for when the steps before it end), or
    /// the end.
    pub(super) fn verify_from(&mut self, rel: ReleaseId, s: usize, mut t: SimTime) {
        while let Some(&step) = self.stages[s].plan.get(self.stages[s].plan_at) {
            self.stages[s].plan_at += 1;
            match step {
                Planned::Machine { secs, agent: false } => t = t + SimDuration(secs),
                Planned::Machine { secs, agent: true } => {
                    if t.0 > self.now {
                        // Asks for its agent when the steps before it are over.
                        self.stages[s].plan_at -= 1;
                        return self.at(
                            t.0,
                            Ev::StepDue {
                                rel,
                                stage: s as u16,
                            },
                        );
                    }
                    return self.ask_agent(rel, s, StageJob::Step(secs));
                }
                Planned::Person {
                    person,
                    reaction,
                    effort,
                } => {
                    let hours = &self.m.people[person].hours;
                    let Some(ready) = hours.add_open_time(t, SimDuration(reaction)) else {
                        // The tester never works again: the release holds the stage.
                        return self.stall(s, Stall::Tester);
                    };
                    self.stages[s].plan_off +=
                        (ready.0 - t.0) - hours.open_time_between(t, ready).0;
                    let id = self.new_task(Task {
                        rel,
                        stage: s,
                        person,
                        work: Work::Verify,
                        effort,
                        ready: ready.0,
                        started: f64::NAN,
                    });
                    return self.at(ready.0, Ev::TaskReady(id));
                }
            }
        }
        let (off, wait) = (self.stages[s].plan_off, self.stages[s].plan_wait);
        self.off_hours(rel, s, StagePart::Executing, off);
        self.moved(rel, s, StagePart::Executing, StagePart::Person, wait);
        self.at(
            t.0,
            Ev::VerifyDone {
                rel,
                stage: s as u16,
            },
        );
    }

    /// A review task for approver `person`: ready after their response time.
    pub(super) fn review(
        &mut self,
        rel: ReleaseId,
        s: usize,
        person: usize,
        ready: f64,
        effort: f64,
        approve: bool,
    ) {
        let id = self.new_task(Task {
            rel,
            stage: s,
            person,
            work: Work::Review { approve },
            effort,
            ready,
            started: f64::NAN,
        });
        self.at(ready, Ev::TaskReady(id));
    }

    fn new_task(&mut self, task: Task) -> TaskId {
        match self.free_tasks.pop() {
            Some(id) => {
                self.tasks[id as usize] = task;
                id
            }
            None => {
                self.tasks.push(task);
                (self.tasks.len() - 1) as TaskId
            }
        }
    }

    /// Whether the visit a task serves still wants it.
    fn wanted(&self, id: TaskId) -> bool {
        let t = self.tasks[id as usize];
        match t.work {
            Work::Verify => {
                self.phase(t.rel, t.stage) == Phase::Executing
                    && self.stages[t.stage].holder == Some(t.rel)
            }
            Work::Review { .. } => self.phase(t.rel, t.stage) == Phase::Approving,
        }
    }

    /// The person took task `id` up: work on it now, or queue for a member.
    pub(super) fn task_ready(&mut self, id: TaskId) {
        if !self.wanted(id) {
            return self.free_tasks.push(id);
        }
        let p = self.tasks[id as usize].person;
        if self.people[p].busy < self.m.people[p].members {
            self.start_task(id);
        } else {
            let now = self.now;
            let ps = &mut self.people[p];
            ps.queue.push_back(id);
            ps.waiting.add(now, 1.0);
            self.log(
                TraceKind::TaskQueued,
                Some(self.tasks[id as usize].rel),
                Some(self.tasks[id as usize].stage),
                Some(p as f64),
            );
        }
    }

    fn start_task(&mut self, id: TaskId) {
        let now = self.now;
        self.tasks[id as usize].started = now;
        let t = self.tasks[id as usize];
        let hours = &self.m.people[t.person].hours;
        let wait_open = hours.open_time_between(SimTime(t.ready), SimTime(now)).0;
        let wait_off = (now - t.ready) - wait_open;
        let ps = &mut self.people[t.person];
        ps.busy += 1;
        if now >= self.warm {
            ps.tasks += 1;
            ps.effort += t.effort;
            ps.wait_sum += now - t.ready;
        }
        match t.work {
            Work::Verify => {
                let st = &mut self.stages[t.stage];
                st.plan_wait += wait_open;
                st.plan_off += wait_off;
            }
            // Review waits stay in the checks; `task_done` moves the deciding one.
            Work::Review { .. } => {}
        }
        self.log(
            TraceKind::TaskStart,
            Some(t.rel),
            Some(t.stage),
            Some(t.person as f64),
        );
        match hours.add_open_time(SimTime(now), SimDuration(t.effort)) {
            Some(end) => {
                if let Work::Verify = t.work {
                    self.stages[t.stage].plan_off +=
                        (end.0 - now) - hours.open_time_between(SimTime(now), end).0;
                }
                self.at(end.0, Ev::TaskDone(id));
            }
            // The person never works again: the member stays taken.
            None => self.stall(t.stage, Stall::Tester),
        }
    }

    /// A member of `person` is free: the first waiting task still wanted
    /// starts (with `fixes_first`, the first of a release bringing a fix, if
    /// any); tasks no longer wanted leave the queue.
    fn next_task(&mut self, person: usize) {
        if self.m.people[person].fixes_first {
            let q = &self.people[person].queue;
            let fix = (0..q.len()).find(|&k| {
                let id = q[k];
                self.wanted(id) && self.brings_fix(id)
            });
            if let Some(k) = fix {
                let id = self.people[person].queue.remove(k).expect("index in queue");
                self.people[person].waiting.add(self.now, -1.0);
                return self.start_task(id);
            }
        }
        while let Some(next) = self.people[person].queue.pop_front() {
            let now = self.now;
            self.people[person].waiting.add(now, -1.0);
            if self.wanted(next) {
                return self.start_task(next);
            }
            self.free_tasks.push(next);
        }
    }

    /// The task's release holds a fix commit its stage has not run yet.
    fn brings_fix(&self, id: TaskId) -> bool {
        let t = self.tasks[id as usize];
        let upto = self.release(t.rel).snapshot;
        let from = self.stages[t.stage].passed_upto;
        let k = self.fix_commits.partition_point(|&c| c < from);
        self.fix_commits.get(k).is_some_and(|&c| c < upto)
    }

    /// Task `id` is done: its member takes the next task waiting, and the
    /// visit it served goes on.
    pub(super) fn task_done(&mut self, id: TaskId) {
        let t = self.tasks[id as usize];
        let wanted = self.wanted(id);
        self.free_tasks.push(id);
        self.people[t.person].busy -= 1;
        self.log(
            TraceKind::TaskDone,
            Some(t.rel),
            Some(t.stage),
            Some(t.person as f64),
        );
        self.next_task(t.person);
        match t.work {
            Work::Verify if wanted => self.verify_from(t.rel, t.stage, SimTime(self.now)),
            Work::Verify => {}
            Work::Review { approve } => {
                let hours = &self.m.people[t.person].hours;
                let wait = hours
                    .open_time_between(SimTime(t.ready), SimTime(t.started))
                    .0;
                self.approval_answer(t.rel, t.stage, approve);
                if self.phase(t.rel, t.stage) != Phase::Approving {
                    self.moved(t.rel, t.stage, StagePart::Checks, StagePart::Person, wait);
                }
            }
        }
    }

    /// Moves `secs` of a visit's time from part `from` to part `to`.
    pub(super) fn moved(
        &mut self,
        rel: ReleaseId,
        s: usize,
        from: StagePart,
        to: StagePart,
        secs: f64,
    ) {
        // A release that left the window has no visit to split any more.
        if rel.0 >= self.base {
            let v = self.visit_mut(rel, s);
            v.parts[from.index()] -= secs;
            v.parts[to.index()] += secs;
            v.detail.record(from, to, secs);
        }
    }
}

/// Each person's figures over the counted window `[warm, end)`.
pub(super) fn results(
    m: &Model,
    people: &mut [PersonState],
    warm: f64,
    end: f64,
) -> Vec<PersonResult> {
    let weeks = (end - warm) / WEEK;
    m.people
        .iter()
        .zip(people)
        .map(|(pm, ps)| {
            let open = pm.hours.open_time_between(SimTime(warm), SimTime(end)).0;
            let (queue_mean, _) = ps.waiting.finish(end);
            PersonResult {
                name: pm.name.clone(),
                tasks_per_week: ps.tasks as f64 / weeks,
                hours_per_week: ps.effort / HOUR / weeks,
                utilisation: if open > 0.0 {
                    ps.effort / (f64::from(pm.members) * open)
                } else {
                    f64::NAN
                },
                queue_mean,
                wait: if ps.tasks > 0 {
                    ps.wait_sum / ps.tasks as f64 / HOUR
                } else {
                    f64::NAN
                },
            }
        })
        .collect()
}
