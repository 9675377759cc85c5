//! One replication: the event loop.
//!
//! Events are a plain enum in a three-tier queue (`queue`) ordered by (time, sequence number),
//! so ties run in the order they were scheduled and a run is reproducible.
//! Where no one can observe the instant between them, two events are one: a
//! successful deploy and its machine-only verification at a stage that serves
//! no users (`stage::deploy_and_verify`); zero-length phases (eligible under
//! an auto trigger, the lock queue with the lock free) are skipped. Neither
//! changes a draw, a sum or the event count.
//! Each replication owns its state, its queue and its random streams; it knows
//! nothing of files, threads or charts. Statistics are accumulated as it goes.
//!
//! The life of a release (see `docs/model.md`):
//! build trigger → agent queue → build → for each stage, once its upstream
//! stages passed it: trigger wait → checks (approval, gates, window) → lock
//! queue → deploy → verification → passed (or rejected / failed / superseded).
//! A release that passes every production stage delivers every commit of its
//! snapshot not delivered before.
//!
//! By concern: this file holds the types, the state and the event loop;
//! `commits` the commit stream and defects; `build` builds, agents and a
//! release's run; `stage` a stage's policy (trigger, checks, window, lock,
//! deploy, verification); `production` rollouts, exposure and incidents;
//! `delivery` and `attribution` lead time and where it goes; `finish` the
//! replication's result.

mod attribution;
mod background;
mod build;
mod commits;
mod delivery;
mod events;
mod fifo;
mod finish;
mod jobs;
mod options;
mod people;
mod periods;
mod production;
mod queue;
mod records;
mod rollout;
mod stage;
mod stair;
mod timeline;

use std::collections::VecDeque;
use std::rc::Rc;

use crate::dist::Dist;
use crate::metrics::{BuildResult, DefectResult, StageResult, StopReason, TimeWeighted};
use crate::model::{Arrivals, Model, StageId, Trigger};
use crate::rng::{self, SimRng, Source};
use crate::stream::Severity;
use crate::time::{HOUR, SimTime};
use attribution::{Advance, BuildAdvance, BuildHop, Detail, Hop, NO_PARTS, Parts, Sums};
use events::{Ev, Scheduled};
use fifo::Fifo;
pub use options::{KindSet, Options, StopToken, TraceFilter};
use periods::QueuePeriods;
use production::{Exposure, Traffic};
use queue::{EventQueue, FAR};
pub use records::{CommitRecord, Replication, TraceKind, TraceRecord};
use stair::Stair;
use timeline::Timeline;

/// A release: a versioned snapshot of main, numbered in the order builds were triggered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReleaseId(pub u32);

type DefectId = u32;

/// Events at one instant that mean a loop: far more than any real pipeline
/// does at once (every commit of a big push, every stage, every rollout step).
pub const NO_PROGRESS: u64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Building,
    Running,
    Rejected,
    Failed,
}

struct Release {
    /// Commits `[0, snapshot)` are in it.
    snapshot: u64,
    /// The defects on main at its snapshot: shared with every release that
    /// saw main the same (main's open defects change far less often than it gets commits).
    defects: Rc<[DefectId]>,
    triggered: f64,
    started: f64,
    built: f64,
    outcome: Outcome,
    /// Build or stage visits still under way; 0 = the run is over.
    active: u32,
    /// Its first production rollout has begun (at any production stage).
    rolled_out: bool,
    /// That first rollout began after the warm-up: it counts as a production
    /// deployment in the change failure rate.
    counted_deployment: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    None,
    /// Passed upstream; soaking there before it is eligible here.
    Soaking,
    /// Passed upstream; waiting for a schedule or a person.
    Eligible,
    Approving,
    Gating,
    Window,
    LockQueue,
    /// Holding the lock, its deploy or verification job waits for an agent.
    AgentQueue,
    Executing,
    Passed,
    Ended,
}

#[derive(Clone, Copy)]
struct Visit {
    phase: Phase,
    /// When the current phase began.
    since: f64,
    eligible: f64,
    triggered: f64,
    /// The deploy started (lock taken).
    locked: f64,
    /// Approvals so far (approving), or healthy gate evaluations in a row (gating).
    count: u32,
    deadline: f64,
    /// Seconds spent per part so far (closed phases).
    parts: Parts,
    /// Of those, what moved to a person's parts.
    detail: Detail,
}

const NO_VISIT: Visit = Visit {
    phase: Phase::None,
    since: 0.0,
    eligible: 0.0,
    triggered: 0.0,
    locked: 0.0,
    count: 0,
    deadline: 0.0,
    parts: NO_PARTS,
    detail: Detail::NONE,
};

struct Defect {
    severity: Severity,
    /// Bit k: catcher k (0 = build, 1 + s = stage s) has decided on this defect.
    evaluated: u64,
    /// Bit k: catcher k's tests catch this defect — drawn once, so a red test stays red.
    detects: u64,
    caught: bool,
    fixed: bool,
    escaped: bool,
    /// Its change is behind a feature flag (`incidents.flags`).
    flagged: bool,
    /// Its flag was turned off by the kill switch: no user runs it.
    killed: bool,
    exposure: Exposure,
}

struct StageState<'m> {
    rng: SimRng,
    /// Newest eligible release not yet taken by a schedule or a person.
    candidate: Option<ReleaseId>,
    /// Newest release the trigger took.
    taken: Option<ReleaseId>,
    /// Newest release deployed here.
    deployed: Option<ReleaseId>,
    holder: Option<ReleaseId>,
    queue: VecDeque<ReleaseId>,
    act_pending: bool,
    next_fire: usize,
    /// Releases waiting for checks, the window, the lock or an agent.
    waiting: TimeWeighted,
    stats: StageResult,
    /// Time per part over delivered commits.
    sums: Sums,
    /// This stage's frontier and timeline; kept only for stages that lead to production.
    front: Fifo<Advance>,
    front_upto: u64,
    /// Commits `[0, passed_upto)` have passed this stage in some release.
    passed_upto: u64,
    timeline: Timeline<'m>,
    /// Its hop on the critical path of the commits being delivered.
    hop: Hop,
    /// Releases whose visit here is under way (eligible → passed or ended).
    live: Fifo<ReleaseId>,
    /// The older live visits further along than every newer one (see `stair`).
    stair: Stair,
    leads_to_production: bool,
    /// A successful deploy and its verification can be one event: the stage
    /// serves no users, draws nothing else from its stream (no approval, no
    /// gates) and verifies by machine only. Not when a trace is kept, whose
    /// `deployed` line needs the deploy's own event.
    folds_verify: bool,
    /// The end of the deploy a pending `DeployVerified` stands for.
    folded_deploy_end: Option<f64>,
    /// Combined detection probability of all verification steps, per severity.
    detect: [f64; 3],
    /// What users run (production stages).
    traffic: Traffic,
    /// The verifying release's steps, the next one, and the seconds of its
    /// verification so far a person was off work or busy elsewhere.
    plan: Vec<people::Planned>,
    plan_at: usize,
    plan_off: f64,
    plan_wait: f64,
}

struct State<'m> {
    m: &'m Model,
    rep: u64,
    opts: Options,
    queue: EventQueue,
    seq: u64,
    now: f64,
    warm: f64,
    events: u64,

    arrivals_rng: SimRng,
    defects_rng: SimRng,
    build_rng: SimRng,
    people_rng: Vec<SimRng>,
    people: Vec<people::PersonState>,
    tasks: Vec<people::Task>,
    free_tasks: Vec<people::TaskId>,

    // Commit stream.
    poisson_target: f64,
    poisson_hour: usize,
    replay: Vec<(f64, Option<Severity>)>,
    replay_next: usize,

    /// Arrival times of commits not yet delivered; index `delivered + i`.
    pending: Fifo<f64>,
    arrived: u64,
    delivered: u64,
    fix_commits: Vec<u64>,

    defects: Vec<Defect>,
    /// Defects on main without their fix yet.
    main_open: Vec<DefectId>,
    /// `main_open` as releases share it; `None` after it changed.
    main_open_shared: Option<Rc<[DefectId]>>,
    /// Per catcher (0 = build, 1 + s = stage s), the last defect set it checked
    /// in full and whether it caught something: the same set again changes
    /// nothing (detections are drawn once, caught stays caught).
    checked: Vec<Option<(Rc<[DefectId]>, bool)>>,
    /// Caught and not fixed on main: what a "no open defects" gate looks at.
    open_caught: u32,

    releases: Fifo<Release>,
    /// `n_stages` visits per release whose build started, release-major,
    /// aligned with `releases` from the front; releases still waiting for an
    /// agent (the newest ones) have none yet.
    visits: Fifo<Visit>,
    base: u32,
    n_stages: usize,

    // Build.
    free_agents: u32,
    /// Builds, and stage jobs with `agent: true`, waiting for an agent, in the order they asked.
    agent_queue: VecDeque<jobs::Job>,
    batch_open: Option<ReleaseId>,
    batch_pending: bool,
    build_queue_len: TimeWeighted,
    busy: TimeWeighted,
    build_stats: BuildResult,
    agent_wait_sum: f64,
    agent_wait_n: u64,

    stages: Vec<StageState<'m>>,
    build_front: Fifo<BuildAdvance>,
    build_front_upto: u64,
    /// The build's hop on the critical path of the commits being delivered.
    build_hop: BuildHop,
    production_deploys: u64,
    delivered_counted: u64,

    /// Lead times of the counted delivered commits, in seconds (hours at the end).
    lead: Vec<f64>,
    sum_before_build: f64,
    sum_agent: f64,
    sum_build: f64,
    defect_stats: DefectResult, // Production and incidents.
    incidents_rng: SimRng,
    /// Defects exposed to some users now.
    live: Vec<DefectId>,
    scratch: Vec<DefectId>,
    rollouts: u64,
    /// Releases whose first production rollout began after the warm-up.
    deployments: u64,
    /// Counted deployments that failed (see `docs/model.md`), with repeats.
    failed_deployments: Vec<ReleaseId>,
    rollbacks: u64,
    aborts: u64,
    extra_env_secs: f64,
    canary: rollout::CanaryBook,

    trace: Vec<TraceRecord>,
    periods: Option<QueuePeriods>,
    commit_records: Vec<CommitRecord>,
}

/// Runs replication `replication` of `model`.
pub fn run(model: &Model, replication: u64, opts: Options) -> Replication {
    let mut s = State::new(model, replication, opts);
    // After Ctrl-C, replications not yet started do nothing.
    let mut stop = StopReason::Horizon;
    if opts.stop.requested() {
        stop = StopReason::Interrupted;
    } else {
        s.start();
    }
    let horizon = model.horizon.0;
    let limit = if opts.no_progress == 0 {
        NO_PROGRESS
    } else {
        opts.no_progress
    };
    // Events since the clock last moved, and what the last of them were.
    let mut still = 0u64;
    let mut stuck: Vec<(&'static str, u64)> = Vec::new();
    let mut next_check = 0x1_0000u64;
    while let Some(e) = s.pop() {
        let (t, ev) = (e.t(), e.ev);
        let seq = e.seq();
        if t > horizon {
            break;
        }
        if t > s.now {
            still = 0;
        } else {
            still += 1;
            if still + limit.min(1000) > limit {
                tally(&mut stuck, ev.name());
            }
            if still >= limit {
                stop = StopReason::NoProgress {
                    at_h: t / HOUR,
                    events: stuck,
                };
                break;
            }
        }
        s.now = t;
        s.events += 1;
        // Runaway guard and Ctrl-C, looked at every 65 536 events. A
        // threshold, not a mask: a folded deploy counts two at once and may
        // step over a multiple.
        if s.events >= next_check {
            next_check = (s.events | 0xFFFF) + 1;
            if s.events > model.max_events {
                stop = StopReason::EventBudget;
                break;
            }
            if opts.stop.requested() {
                stop = StopReason::Interrupted;
                break;
            }
        }
        s.handle(ev, seq);
    }
    // A folded deploy that ended by then was an event of its own.
    let until = if matches!(stop, StopReason::Horizon) {
        horizon
    } else {
        s.now
    };
    s.events += s
        .stages
        .iter()
        .filter(|st| st.folded_deploy_end.is_some_and(|t| t <= until))
        .count() as u64;
    s.now = horizon;
    let mut out = s.finish(replication);
    out.result.stop = stop;
    out
}

impl<'m> State<'m> {
    fn new(m: &'m Model, rep: u64, opts: Options) -> Self {
        let seed = m.seed;
        let warm = m.warm_up.0;
        let n = m.stages.len();
        // Stages that lead to production, found from the end of the (topologically ordered) DAG.
        let mut leads = vec![false; n];
        for i in topological(m).into_iter().rev() {
            leads[i] = m.stages[i].production || m.stages[i].downstream.iter().any(|&d| leads[d]);
        }
        let stages = (0..n)
            .map(|i| {
                let st = &m.stages[i];
                let detect = std::array::from_fn(|k| {
                    let sev = Severity::ALL[k];
                    1.0 - st
                        .verify
                        .iter()
                        .map(|v| 1.0 - v.detect.of(sev))
                        .product::<f64>()
                });
                StageState {
                    rng: rng::for_source(seed, rep, Source::Stage(i)),
                    candidate: None,
                    taken: None,
                    deployed: None,
                    holder: None,
                    queue: VecDeque::new(),
                    act_pending: false,
                    next_fire: 0,
                    waiting: TimeWeighted::new(warm),
                    stats: StageResult {
                        name: st.name.clone(),
                        ..Default::default()
                    },
                    sums: Sums::default(),
                    front: Fifo::new(),
                    front_upto: 0,
                    passed_upto: 0,
                    timeline: Timeline::new(match &st.trigger {
                        Trigger::Manual { person, .. } => Some(&m.people[*person].hours),
                        _ => None,
                    }),
                    hop: Hop::default(),
                    live: Fifo::new(),
                    stair: Stair::EMPTY,
                    leads_to_production: leads[i],
                    folds_verify: !opts.trace
                        && !st.production
                        && st.approval.is_none()
                        && st.gates.is_none()
                        && !st.deploy_agent
                        && st.verify.iter().all(|v| v.by.is_none() && !v.agent),
                    folded_deploy_end: None,
                    detect,
                    traffic: Traffic::default(),
                    plan: Vec::new(),
                    plan_at: 0,
                    plan_off: 0.0,
                    plan_wait: 0.0,
                }
            })
            .collect();
        State {
            m,
            rep,
            opts,
            queue: EventQueue::new(),
            seq: 0,
            now: 0.0,
            warm,
            events: 0,
            arrivals_rng: rng::for_source(seed, rep, Source::Arrivals),
            defects_rng: rng::for_source(seed, rep, Source::Defects),
            build_rng: rng::for_source(seed, rep, Source::Build),
            people_rng: (0..m.people.len())
                .map(|j| rng::for_source(seed, rep, Source::Person(j)))
                .collect(),
            people: (0..m.people.len())
                .map(|_| people::PersonState::new(warm))
                .collect(),
            tasks: Vec::new(),
            free_tasks: Vec::new(),
            poisson_target: 0.0,
            poisson_hour: 0,
            replay: Vec::new(),
            replay_next: 0,
            pending: Fifo::with_capacity(1024),
            arrived: 0,
            delivered: 0,
            fix_commits: Vec::new(),
            defects: Vec::new(),
            main_open: Vec::new(),
            main_open_shared: None,
            checked: vec![None; n + 1],
            open_caught: 0,
            releases: Fifo::with_capacity(256),
            visits: Fifo::with_capacity(256 * n.max(1)),
            base: 0,
            n_stages: n,
            free_agents: m.build.agents,
            agent_queue: VecDeque::new(),
            batch_open: None,
            batch_pending: false,
            build_queue_len: TimeWeighted::new(warm),
            busy: TimeWeighted::new(warm),
            build_stats: BuildResult::default(),
            agent_wait_sum: 0.0,
            agent_wait_n: 0,
            stages,
            build_front: Fifo::new(),
            build_front_upto: 0,
            build_hop: BuildHop::default(),
            production_deploys: 0,
            delivered_counted: 0,
            lead: Vec::with_capacity((m.expected_commits * 1.1) as usize + 16),
            sum_before_build: 0.0,
            sum_agent: 0.0,
            sum_build: 0.0,
            defect_stats: DefectResult::default(),
            incidents_rng: rng::for_source(seed, rep, Source::Incidents),
            live: Vec::new(),
            scratch: Vec::new(),
            rollouts: 0,
            deployments: 0,
            failed_deployments: Vec::new(),
            rollbacks: 0,
            aborts: 0,
            extra_env_secs: 0.0,
            canary: rollout::CanaryBook::default(),
            trace: Vec::new(),
            periods: opts.queue_periods.map(|w| QueuePeriods::new(w, m)),
            commit_records: Vec::new(),
        }
    }

    // ----- event queue -------------------------------------------------------

    /// Out of line, with the queue's push inlined into it: the event is built
    /// in registers here. Built by the caller and passed by reference, its
    /// halves were stored narrow and loaded wide, a store-forwarding stall.
    #[inline(never)]
    fn at(&mut self, t: f64, ev: Ev) {
        self.seq += 1;
        self.queue
            .push(Scheduled::new(t, self.seq, ev), t > self.now + FAR);
    }

    /// The next commit arrival: numbered like any event, so ties keep their order.
    #[inline]
    fn arrival_at(&mut self, t: f64) {
        self.seq += 1;
        self.queue
            .push_arrival(Scheduled::new(t, self.seq, Ev::Arrival));
    }

    /// The next event in (time, sequence) order.
    #[inline]
    fn pop(&mut self) -> Option<Scheduled> {
        self.queue.pop()
    }

    #[inline]
    fn log(
        &mut self,
        event: TraceKind,
        rel: Option<ReleaseId>,
        stage: Option<usize>,
        value: Option<f64>,
    ) {
        self.record(event, rel, stage, value, None);
    }

    /// One line of the event log, when a trace was asked for.
    #[inline]
    fn record(
        &mut self,
        event: TraceKind,
        rel: Option<ReleaseId>,
        stage: Option<usize>,
        value: Option<f64>,
        defect: Option<DefectId>,
    ) {
        if self.opts.trace && self.opts.trace_filter.keeps(SimTime(self.now), event) {
            let time = SimTime(self.now);
            self.trace.push(TraceRecord {
                time,
                event,
                release: rel.map(|r| r.0),
                stage,
                value,
                defect,
            });
        }
    }

    /// A queue length changed (`stage` `None`: the build queue): `queue`, with
    /// the new length, caused by release `rel`. Kept out of line: it does
    /// nothing unless a chart or a trace asked.
    #[inline(always)]
    fn log_queue(&mut self, rel: ReleaseId, stage: Option<usize>) {
        if self.opts.trace || self.periods.is_some() {
            self.queue_changed(rel, stage);
        }
    }

    #[cold]
    #[inline(never)]
    fn queue_changed(&mut self, rel: ReleaseId, stage: Option<usize>) {
        let len = match stage {
            None => self.build_queue_len.value(),
            Some(s) => self.stages[s].waiting.value(),
        };
        if let Some(p) = &mut self.periods {
            p.step(stage.map_or(0, |s| s + 1), SimTime(self.now).hours(), len);
        }
        self.log(TraceKind::Queue, Some(rel), stage, Some(len));
    }

    /// An event about defect `d`.
    #[inline]
    fn log_defect(
        &mut self,
        event: TraceKind,
        d: DefectId,
        stage: Option<usize>,
        value: Option<f64>,
    ) {
        self.record(event, None, stage, value, Some(d));
    }

    fn start(&mut self) {
        let m = self.m;
        if let Arrivals::Replay { commits, volume } = &m.arrivals {
            self.replay = commits::expand_replay(commits, *volume, &mut self.arrivals_rng);
        }
        self.schedule_next_arrival();
        for (i, st) in m.stages.iter().enumerate() {
            if let Trigger::Schedule { fires, .. } = &st.trigger
                && let Some(&first) = fires.first()
            {
                self.at(first.0, Ev::ScheduleFire { stage: i as u16 });
            }
        }
    }

    /// Handles `ev`; `seq` is the number it was scheduled with.
    fn handle(&mut self, ev: Ev, seq: u64) {
        match ev {
            Ev::Arrival => {
                // A push: one or more commits (a burst), one CI trigger.
                let size = match &self.m.arrivals {
                    Arrivals::Poisson(p) if p.push_size > 1.0 => {
                        let extra = rand_distr::Poisson::new(p.push_size - 1.0).map_or(0.0, |d| {
                            rand_distr::Distribution::<f64>::sample(&d, &mut self.arrivals_rng)
                        });
                        1 + extra as u64
                    }
                    _ => 1,
                };
                for _ in 0..size {
                    let defect = self.draw_defect();
                    self.commit_arrives(defect, false);
                }
                self.push();
                self.schedule_next_arrival();
            }
            Ev::FixLands(d) => {
                let def = &mut self.defects[d as usize];
                def.fixed = true;
                if def.caught {
                    self.open_caught -= 1;
                }
                self.main_open.retain(|&x| x != d);
                self.main_open_shared = None;
                let fix_commit = self.arrived;
                self.log_defect(TraceKind::FixLands, d, None, Some(fix_commit as f64));
                self.commit_arrives(None, true);
                self.push();
            }
            Ev::BuildDone { rel, ok } => self.build_done(rel, ok),
            Ev::ScheduleFire { stage } => self.schedule_fires(stage as usize),
            Ev::PersonAct { stage } => {
                let s = stage as usize;
                self.stages[s].act_pending = false;
                self.take_candidate(s);
            }
            Ev::ApprovalAnswer {
                rel,
                stage,
                approve,
            } => self.approval_answer(rel, stage as usize, approve),
            Ev::ApprovalTimeout { rel, stage } => {
                let s = stage as usize;
                if self.phase(rel, s) == Phase::Approving {
                    self.stages[s].stats.approval_timeouts += u64::from(self.counting());
                    self.log(TraceKind::ApprovalTimeout, Some(rel), Some(s), None);
                    self.end_visit(rel, s, Outcome::Failed);
                }
            }
            Ev::GatePoll { rel, stage } => self.gate_poll(rel, stage as usize),
            Ev::WindowOpens { rel, stage } => {
                let s = stage as usize;
                if self.phase(rel, s) == Phase::Window {
                    self.through_window(rel, s);
                }
            }
            Ev::DeployDone { rel, stage, ok } => self.deploy_done(rel, stage as usize, ok),
            Ev::VerifyDone { rel, stage } => self.verify_done(rel, stage as usize),
            Ev::DeployVerified { rel, stage } => self.deploy_verified(rel, stage as usize),
            Ev::Rollout { stage, seq } => self.rollout_event(stage as usize, seq),
            Ev::Detect { defect } => self.detect_event(defect, seq),
            Ev::Restore { stage, seq } => self.restore_event(stage as usize, seq),
            Ev::Background { stage, token } => self.background_measure(stage as usize, token),
            Ev::BackgroundResume { stage, token } => self.background_resumed(stage as usize, token),
            Ev::FlagStep => self.refresh_exposure(),
            Ev::Soaked { rel, stage } => {
                if self.phase(rel, stage as usize) == Phase::Soaking {
                    self.soaked(rel, stage as usize);
                }
            }
            Ev::FlagKill { defect } => self.flag_killed(defect),
            Ev::TaskReady(id) => self.task_ready(id),
            Ev::TaskDone(id) => self.task_done(id),
            Ev::StepDue { rel, stage } => self.verify_from(rel, stage as usize, SimTime(self.now)),
            Ev::JobDone { rel, stage } => {
                self.free_agent();
                self.verify_from(rel, stage as usize, SimTime(self.now));
            }
        }
    }

    // ----- releases and visits -----------------------------------------------

    #[inline]
    fn release(&self, rel: ReleaseId) -> &Release {
        &self.releases[(rel.0 - self.base) as usize]
    }

    #[inline]
    fn release_mut(&mut self, rel: ReleaseId) -> &mut Release {
        &mut self.releases[(rel.0 - self.base) as usize]
    }

    #[inline]
    fn visit(&self, rel: ReleaseId, s: usize) -> &Visit {
        &self.visits[(rel.0 - self.base) as usize * self.n_stages + s]
    }

    /// The phase of a visit; `Ended` once its release left the window, so late
    /// events (an approval after the timeout) find nothing to do.
    #[inline]
    fn phase(&self, rel: ReleaseId, s: usize) -> Phase {
        if rel.0 < self.base {
            Phase::Ended
        } else {
            self.visit(rel, s).phase
        }
    }

    #[inline]
    fn visit_mut(&mut self, rel: ReleaseId, s: usize) -> &mut Visit {
        let n = self.n_stages;
        &mut self.visits[(rel.0 - self.base) as usize * n + s]
    }

    /// After the warm-up: counters count events from then on.
    #[inline]
    fn counting(&self) -> bool {
        self.now >= self.warm
    }
}

/// Counts one more `kind`.
fn tally(counts: &mut Vec<(&'static str, u64)>, kind: &'static str) {
    match counts.iter_mut().find(|c| c.0 == kind) {
        Some(c) => c.1 += 1,
        None => counts.push((kind, 1)),
    }
}

/// Attempts of a build or a deploy, all resolved at once on the same agent or
/// environment: each takes a sampled duration and fails with `failure`; a
/// failure is retried up to `retries` times. (Total duration, succeeded.)
fn attempts(duration: &Dist, failure: f64, retries: u32, rng: &mut SimRng) -> (f64, bool) {
    let mut total = 0.0;
    for _ in 0..=retries {
        total += duration.sample(rng);
        if !rng::chance(rng, failure) {
            return (total, true);
        }
    }
    (total, false)
}

/// Stage indices with every stage after its dependencies (the scenario check
/// guarantees there is no cycle).
fn topological(m: &Model) -> Vec<StageId> {
    let n = m.stages.len();
    let mut order = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    while order.len() < n {
        let before = order.len();
        for i in 0..n {
            if !placed[i] && m.stages[i].deps.iter().all(|&d| placed[d]) {
                placed[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            break;
        }
    }
    order
}
