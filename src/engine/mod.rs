//! One replication: the event loop.
//!
//! Events are a plain enum in a binary heap ordered by (time, sequence number),
//! so ties run in the order they were scheduled and a run is reproducible.
//! Each replication owns its state, its queue and its random streams; it knows
//! nothing of files, threads or charts. Statistics are accumulated as it goes.
//!
//! The life of a release (see `docs/model.md`):
//! build trigger → agent queue → build → for each stage, once its upstream
//! stages passed it: trigger wait → checks (approval, gates, window) → lock
//! queue → deploy → verification → passed (or rejected / failed / superseded).
//! A release that passes every production stage delivers every commit of its
//! snapshot not delivered before.

mod attribution;
mod production;

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::metrics::{
    Breakdown, BuildResult, Conservation, DefectResult, LeadTime, ReplicationResult,
    StageBreakdown, StagePart, StageResult, TimeWeighted,
};
use crate::model::{Arrivals, Model, StageId, Trigger};
use crate::rng::{self, SimRng, Source, chance, uniform};
use crate::scenario::{Batch, LockPolicy};
use crate::stream::Severity;
use crate::time::{HOUR, SimDuration, SimTime, WEEK};
use attribution::{Advance, BuildAdvance, Parts, Timeline, part_of};
use production::{Exposure, Traffic};

/// A release: a versioned snapshot of main, numbered in the order builds were triggered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReleaseId(pub u32);

type DefectId = u32;

/// What a run should record besides its statistics.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep the event log (for `promosim trace`).
    pub trace: bool,
    /// Keep one record per commit.
    pub commit_records: bool,
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRecord {
    pub time: SimTime,
    pub event: &'static str,
    pub release: Option<u32>,
    pub stage: Option<StageId>,
    /// A count or a number that qualifies the event (commits delivered, a weight, an exposed share).
    pub value: Option<f64>,
    /// The defect the event is about (fixes, exposure, incidents).
    pub defect: Option<u32>,
}

/// One commit's fate.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitRecord {
    pub commit: u64,
    pub arrived: SimTime,
    pub delivered: Option<SimTime>,
    pub release: Option<u32>,
    pub fix: bool,
    /// Where its lead time went (hours), once delivered after the warm-up.
    pub breakdown: Option<Breakdown>,
}

/// Everything a replication produced.
#[derive(Debug, Clone, Default)]
pub struct Replication {
    pub result: ReplicationResult,
    pub trace: Vec<TraceRecord>,
    pub commits: Vec<CommitRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ev {
    Arrival,
    FixLands(DefectId),
    BuildDone {
        rel: ReleaseId,
        ok: bool,
    },
    ScheduleFire {
        stage: u16,
    },
    PersonAct {
        stage: u16,
    },
    ApprovalAnswer {
        rel: ReleaseId,
        stage: u16,
        approve: bool,
    },
    ApprovalTimeout {
        rel: ReleaseId,
        stage: u16,
    },
    GatePoll {
        rel: ReleaseId,
        stage: u16,
    },
    WindowOpens {
        rel: ReleaseId,
        stage: u16,
    },
    DeployDone {
        rel: ReleaseId,
        stage: u16,
        ok: bool,
    },
    VerifyDone {
        rel: ReleaseId,
        stage: u16,
    },
    Rollout {
        stage: u16,
        seq: u32,
    },
    Detect {
        defect: DefectId,
        version: u32,
    },
    Restore {
        stage: u16,
        seq: u32,
    },
    FlagStep,
}

struct Scheduled {
    t: f64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scheduled {
    /// Reversed: `BinaryHeap` is a max-heap and we want the earliest first.
    fn cmp(&self, o: &Self) -> Ordering {
        o.t.total_cmp(&self.t).then_with(|| o.seq.cmp(&self.seq))
    }
}

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
    defects: Vec<DefectId>,
    triggered: f64,
    started: f64,
    built: f64,
    outcome: Outcome,
    /// Build or stage visits still under way; 0 = the run is over.
    active: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    None,
    /// Passed upstream; waiting for a schedule or a person.
    Eligible,
    Approving,
    Gating,
    Window,
    LockQueue,
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
    passed: f64,
    approvals: u32,
    deadline: f64,
    /// Seconds spent per part so far (closed phases).
    parts: Parts,
}

const NO_VISIT: Visit = Visit {
    phase: Phase::None,
    since: 0.0,
    eligible: 0.0,
    triggered: 0.0,
    locked: 0.0,
    passed: f64::NAN,
    approvals: 0,
    deadline: 0.0,
    parts: [0.0; 7],
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
    exposure: Exposure,
}

struct StageState {
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
    waiting: TimeWeighted,
    stats: StageResult,
    /// Seconds per part over delivered commits.
    sums: Parts,
    /// This stage's frontier and timeline; kept only for stages that lead to production.
    front: VecDeque<Advance>,
    front_upto: u64,
    timeline: Timeline,
    /// Releases whose visit here is under way (eligible → passed or ended).
    live: VecDeque<ReleaseId>,
    leads_to_production: bool,
    /// Combined detection probability of all verification steps, per severity.
    detect: [f64; 3],
    /// What users run (production stages).
    traffic: Traffic,
}

struct State<'m> {
    m: &'m Model,
    rep: u64,
    opts: Options,
    heap: BinaryHeap<Scheduled>,
    seq: u64,
    now: f64,
    warm: f64,
    events: u64,

    arrivals_rng: SimRng,
    defects_rng: SimRng,
    build_rng: SimRng,
    people_rng: Vec<SimRng>,

    // Commit stream.
    poisson_target: f64,
    poisson_hour: usize,
    replay: Vec<(f64, Option<Severity>)>,
    replay_next: usize,

    /// Arrival times of commits not yet delivered; index `delivered + i`.
    pending: VecDeque<f64>,
    arrived: u64,
    delivered: u64,
    fix_commits: Vec<u64>,

    defects: Vec<Defect>,
    /// Defects on main without their fix yet.
    main_open: Vec<DefectId>,
    /// Caught and not fixed on main: what a "no open defects" gate looks at.
    open_caught: u32,

    releases: VecDeque<Release>,
    /// `n_stages` visits per release, release-major, aligned with `releases`.
    visits: VecDeque<Visit>,
    base: u32,
    n_stages: usize,

    // Build.
    free_agents: u32,
    build_queue: VecDeque<ReleaseId>,
    batch_open: Option<ReleaseId>,
    batch_pending: bool,
    build_queue_len: TimeWeighted,
    busy: TimeWeighted,
    build_stats: BuildResult,
    agent_wait_sum: f64,
    agent_wait_n: u64,

    stages: Vec<StageState>,
    build_front: VecDeque<BuildAdvance>,
    build_front_upto: u64,
    production_deploys: u64,
    delivered_counted: u64,

    lead: Vec<f64>,
    sum_before_build: f64,
    sum_agent: f64,
    sum_build: f64,
    defect_stats: DefectResult, // Production and incidents.
    incidents_rng: SimRng,
    /// Defects exposed to some users now.
    live: Vec<DefectId>,
    scratch: Vec<DefectId>,
    rollout_counter: u64,
    rollouts_before_warm: u64,
    rollouts: u64,
    failed_rollouts: Vec<u64>,
    rollbacks: u64,
    aborts: u64,
    extra_env_secs: f64,

    trace: Vec<TraceRecord>,
    commit_records: Vec<CommitRecord>,
}

/// Runs replication `replication` of `model`.
pub fn run(model: &Model, replication: u64, opts: Options) -> Replication {
    let mut s = State::new(model, replication, opts);
    // After Ctrl-C, replications not yet started do nothing.
    let mut stopped = crate::interrupt::requested();
    if !stopped {
        s.start();
    }
    let horizon = model.horizon.0;
    while let Some(Scheduled { t, ev, .. }) = s.heap.pop() {
        if t > horizon {
            break;
        }
        s.now = t;
        s.events += 1;
        // Runaway guard and Ctrl-C, looked at every 65 536 events.
        if s.events & 0xFFFF == 0 && (s.events > model.max_events || crate::interrupt::requested())
        {
            stopped = true;
            break;
        }
        s.handle(ev);
    }
    s.now = horizon;
    let mut out = s.finish(replication);
    out.result.stopped_early = stopped;
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
                    sums: [0.0; 7],
                    front: VecDeque::new(),
                    front_upto: 0,
                    timeline: Timeline::default(),
                    live: VecDeque::new(),
                    leads_to_production: leads[i],
                    detect,
                    traffic: Traffic::default(),
                }
            })
            .collect();
        State {
            m,
            rep,
            opts,
            heap: BinaryHeap::with_capacity(1024),
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
            poisson_target: 0.0,
            poisson_hour: 0,
            replay: Vec::new(),
            replay_next: 0,
            pending: VecDeque::with_capacity(1024),
            arrived: 0,
            delivered: 0,
            fix_commits: Vec::new(),
            defects: Vec::new(),
            main_open: Vec::new(),
            open_caught: 0,
            releases: VecDeque::with_capacity(256),
            visits: VecDeque::with_capacity(256 * n.max(1)),
            base: 0,
            n_stages: n,
            free_agents: m.build.agents,
            build_queue: VecDeque::new(),
            batch_open: None,
            batch_pending: false,
            build_queue_len: TimeWeighted::new(warm),
            busy: TimeWeighted::new(warm),
            build_stats: BuildResult::default(),
            agent_wait_sum: 0.0,
            agent_wait_n: 0,
            stages,
            build_front: VecDeque::new(),
            build_front_upto: 0,
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
            rollout_counter: 0,
            rollouts_before_warm: 0,
            rollouts: 0,
            failed_rollouts: Vec::new(),
            rollbacks: 0,
            aborts: 0,
            extra_env_secs: 0.0,
            trace: Vec::new(),
            commit_records: Vec::new(),
        }
    }

    // ----- event queue -------------------------------------------------------

    #[inline]
    fn at(&mut self, t: f64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Scheduled {
            t,
            seq: self.seq,
            ev,
        });
    }

    #[inline]
    fn log(
        &mut self,
        event: &'static str,
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
        event: &'static str,
        rel: Option<ReleaseId>,
        stage: Option<usize>,
        value: Option<f64>,
        defect: Option<DefectId>,
    ) {
        if self.opts.trace {
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
    /// the new length, caused by release `rel`.
    #[inline]
    fn log_queue(&mut self, rel: ReleaseId, stage: Option<usize>) {
        if self.opts.trace {
            let len = match stage {
                None => self.build_queue_len.value(),
                Some(s) => self.stages[s].waiting.value(),
            };
            self.log("queue", Some(rel), stage, Some(len));
        }
    }

    /// An event about defect `d`.
    #[inline]
    fn log_defect(
        &mut self,
        event: &'static str,
        d: DefectId,
        stage: Option<usize>,
        value: Option<f64>,
    ) {
        self.record(event, None, stage, value, Some(d));
    }

    fn start(&mut self) {
        let m = self.m;
        if let Arrivals::Replay { commits, volume } = &m.arrivals {
            self.replay = expand_replay(commits, *volume, &mut self.arrivals_rng);
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

    fn handle(&mut self, ev: Ev) {
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
                let fix_commit = self.arrived;
                self.log_defect("fix_lands", d, None, Some(fix_commit as f64));
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
                    self.log("approval_timeout", Some(rel), Some(s), None);
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
            Ev::Rollout { stage, seq } => self.rollout_event(stage as usize, seq),
            Ev::Detect { defect, version } => self.detect_event(defect, version),
            Ev::Restore { stage, seq } => self.restore_event(stage as usize, seq),
            Ev::FlagStep => self.refresh_exposure(),
        }
    }

    // ----- commits -----------------------------------------------------------

    fn schedule_next_arrival(&mut self) {
        match &self.m.arrivals {
            Arrivals::Poisson(p) => {
                let e: f64 =
                    rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.arrivals_rng);
                self.poisson_target += e;
                let cum = &p.cum;
                let mut h = self.poisson_hour;
                while h + 1 < cum.len() && cum[h + 1] < self.poisson_target {
                    h += 1;
                }
                self.poisson_hour = h;
                if h + 1 >= cum.len() {
                    return;
                }
                let frac = (self.poisson_target - cum[h]) / (cum[h + 1] - cum[h]);
                self.at((h as f64 + frac) * HOUR, Ev::Arrival);
            }
            Arrivals::Replay { .. } => {
                if let Some(&(t, _)) = self.replay.get(self.replay_next) {
                    self.at(t, Ev::Arrival);
                }
            }
        }
    }

    /// The defect a new (non-fix) commit introduces: the history's mark, or a draw.
    /// Always one draw per commit, so the defect stream does not depend on policy.
    fn draw_defect(&mut self) -> Option<Severity> {
        let mark = match &self.m.arrivals {
            Arrivals::Replay { .. } => {
                let mark = self.replay.get(self.replay_next).and_then(|c| c.1);
                self.replay_next += 1;
                mark
            }
            Arrivals::Poisson(_) => None,
        };
        let d = &self.m.defects;
        let u = uniform(&mut self.defects_rng);
        let v = uniform(&mut self.defects_rng);
        mark.or_else(|| {
            (u < d.probability).then(|| {
                let k = d.severity_cdf.iter().position(|&c| v < c).unwrap_or(2);
                Severity::ALL[k]
            })
        })
    }

    fn commit_arrives(&mut self, defect: Option<Severity>, fix: bool) {
        let id = self.arrived;
        self.arrived += 1;
        self.pending.push_back(self.now);
        if fix {
            self.fix_commits.push(id);
        }
        if self.opts.commit_records {
            self.commit_records.push(CommitRecord {
                commit: id,
                arrived: SimTime(self.now),
                delivered: None,
                release: None,
                fix,
                breakdown: None,
            });
        }
        if let Some(severity) = defect {
            let d = self.defects.len() as DefectId;
            let counted = self.now >= self.warm;
            self.defects.push(Defect {
                severity,
                evaluated: 0,
                detects: 0,
                caught: false,
                fixed: false,
                escaped: false,
                exposure: Exposure::default(),
            });
            self.main_open.push(d);
            if counted {
                self.defect_stats.introduced += 1;
            }
            self.log_defect("defect_introduced", d, None, Some(id as f64));
        }
        self.log("commit", None, None, Some(id as f64));
    }

    // ----- build -------------------------------------------------------------

    /// A push: a build per push, or coalesced into the next batch.
    fn push(&mut self) {
        match self.m.build.batch {
            Batch::None => {
                self.trigger_build();
            }
            Batch::Build | Batch::Run => {
                if self.batch_open.is_some() {
                    self.batch_pending = true;
                } else {
                    let rel = self.trigger_build();
                    self.batch_open = Some(rel);
                }
            }
        }
    }

    fn trigger_build(&mut self) -> ReleaseId {
        let rel = ReleaseId(self.base + self.releases.len() as u32);
        self.releases.push_back(Release {
            snapshot: self.arrived,
            defects: self.main_open.clone(),
            triggered: self.now,
            started: f64::NAN,
            built: f64::NAN,
            outcome: Outcome::Building,
            active: 1,
        });
        for _ in 0..self.n_stages {
            self.visits.push_back(NO_VISIT);
        }
        self.log("build_queued", Some(rel), None, Some(self.arrived as f64));
        self.build_queue.push_back(rel);
        self.build_queue_len.add(self.now, 1.0);
        self.log_queue(rel, None);
        if self.now >= self.warm {
            self.build_stats.builds += 1;
        }
        self.start_builds();
        rel
    }

    fn start_builds(&mut self) {
        while self.free_agents > 0 {
            let Some(rel) = self.build_queue.pop_front() else {
                break;
            };
            self.build_queue_len.add(self.now, -1.0);
            self.log_queue(rel, None);
            self.free_agents -= 1;
            self.busy.add(self.now, 1.0);
            let now = self.now;
            let r = self.release_mut(rel);
            r.started = now;
            let triggered = r.triggered;
            if triggered >= self.warm {
                self.agent_wait_sum += now - triggered;
                self.agent_wait_n += 1;
            }
            // All attempts resolved at once: a flaky failure retries on the same agent.
            let b = &self.m.build;
            let mut total = 0.0;
            let mut ok = false;
            for _ in 0..=b.retries {
                total += b.duration.sample(&mut self.build_rng);
                if !chance(&mut self.build_rng, b.flaky_failure) {
                    ok = true;
                    break;
                }
            }
            self.log("build_start", Some(rel), None, None);
            self.at(now + total, Ev::BuildDone { rel, ok });
        }
    }

    fn build_done(&mut self, rel: ReleaseId, ok: bool) {
        self.free_agents += 1;
        self.busy.add(self.now, -1.0);
        let now = self.now;
        let r = self.release_mut(rel);
        r.built = now;
        let counted = r.triggered >= self.warm;
        if self.m.build.batch == Batch::Build {
            self.close_batch(rel);
        }
        if !ok {
            if counted {
                self.build_stats.failed += 1;
            }
            self.log("build_failed", Some(rel), None, None);
            self.finish_release(rel, Outcome::Failed);
        } else {
            let detect = self.m.build.detect;
            let caught = self.catch_defects(rel, |s| detect.of(s), Catcher::Build);
            if caught {
                self.log("build_rejected", Some(rel), None, None);
                self.finish_release(rel, Outcome::Rejected);
            } else {
                self.log("build_done", Some(rel), None, None);
                let r = self.release_mut(rel);
                r.outcome = Outcome::Running;
                let adv = BuildAdvance {
                    upto: r.snapshot,
                    reached: now,
                    triggered: r.triggered,
                    started: r.started,
                };
                if adv.upto > self.build_front_upto {
                    self.build_front_upto = adv.upto;
                    self.build_front.push_back(adv);
                }
                if self.n_stages == 0 {
                    self.production_deploys += u64::from(now >= self.warm);
                    self.deliver(rel);
                }
                for s in 0..self.n_stages {
                    if self.m.stages[s].deps.is_empty() {
                        self.become_eligible(rel, s);
                    }
                }
                self.release_done_one(rel);
            }
        }
        self.start_builds();
    }

    /// Checks each defect of `rel` against the catcher's tests (whether they
    /// catch it is drawn the first time they meet it); marks the newly caught
    /// and schedules their fixes. True when anything was caught.
    fn catch_defects(&mut self, rel: ReleaseId, p: impl Fn(Severity) -> f64, by: Catcher) -> bool {
        let idx = (rel.0 - self.base) as usize;
        let mut caught = false;
        for k in 0..self.releases[idx].defects.len() {
            let d = self.releases[idx].defects[k];
            let sev = self.defects[d as usize].severity;
            let bit = 1u64 << by.index();
            if self.defects[d as usize].evaluated & bit == 0 {
                let hit = chance(
                    &mut self.keyed(rng::Keyed::Detection(by.index()), d),
                    p(sev),
                );
                let def = &mut self.defects[d as usize];
                def.evaluated |= bit;
                if hit {
                    def.detects |= bit;
                }
            }
            if self.defects[d as usize].detects & bit == 0 {
                continue;
            }
            caught = true;
            self.mark_caught(d, Some(by));
        }
        caught
    }

    /// A defect becomes known (by tests, or in production when `by` is `None`):
    /// the first time, its fix commit is scheduled.
    fn mark_caught(&mut self, d: DefectId, by: Option<Catcher>) {
        // Counted when caught after the warm-up, like every event counter.
        let counted = self.counting();
        let def = &mut self.defects[d as usize];
        if def.caught {
            return;
        }
        def.caught = true;
        if !def.fixed {
            self.open_caught += 1;
        }
        let stage = match by {
            Some(Catcher::Stage(s)) => Some(s),
            _ => None,
        };
        self.log_defect("defect_caught", d, stage, None);
        if counted {
            match by {
                Some(Catcher::Build) => self.build_stats.defects_caught += 1,
                Some(Catcher::Stage(s)) => self.stages[s].stats.defects_caught += 1,
                None => {}
            }
            if by.is_some() {
                self.defect_stats.caught += 1;
            }
        }
        let fix = self
            .m
            .defects
            .fix_time
            .sample(&mut self.keyed(rng::Keyed::Fix, d));
        self.at(self.now + fix, Ev::FixLands(d));
    }
    /// The stream that belongs to defect `d` for `what`.
    fn keyed(&self, what: rng::Keyed, d: DefectId) -> SimRng {
        rng::keyed(self.m.seed, self.rep, what, u64::from(d))
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

    /// Moves a visit to `phase`, closing the time of the phase it leaves.
    fn set_phase(&mut self, rel: ReleaseId, s: usize, phase: Phase) {
        let now = self.now;
        let v = self.visit_mut(rel, s);
        let old = part_of(v.phase);
        if let Some(p) = old {
            v.parts[p.index()] += now - v.since;
        }
        v.phase = phase;
        v.since = now;
        if self.stages[s].leads_to_production {
            self.touch_timeline(rel, s, old.is_some());
        }
    }

    /// Moves `secs` of a visit's current or closed time from `from` to a
    /// person's off-hours.
    fn off_hours(&mut self, rel: ReleaseId, s: usize, from: StagePart, secs: f64) {
        let v = self.visit_mut(rel, s);
        v.parts[from.index()] -= secs;
        v.parts[StagePart::OffHours.index()] += secs;
    }

    /// After the warm-up: counters count events from then on.
    #[inline]
    fn counting(&self) -> bool {
        self.now >= self.warm
    }

    /// One unit of a release's work is over; when none is left its run ends.
    fn release_done_one(&mut self, rel: ReleaseId) {
        let r = self.release_mut(rel);
        r.active -= 1;
        if r.active == 0 {
            self.run_over(rel);
        }
    }

    fn finish_release(&mut self, rel: ReleaseId, outcome: Outcome) {
        self.release_mut(rel).outcome = outcome;
        self.release_done_one(rel);
    }

    /// A release's multi-stage run is over: start the next batch (Azure's whole-run
    /// batching) and drop finished releases from the front of the window.
    fn run_over(&mut self, rel: ReleaseId) {
        if self.m.build.batch == Batch::Run {
            self.close_batch(rel);
        }
        // Keep the newest release: conservation at the horizon looks at it.
        while self.releases.len() > 1 && self.releases.front().is_some_and(|r| r.active == 0) {
            self.releases.pop_front();
            for _ in 0..self.n_stages {
                self.visits.pop_front();
            }
            self.base += 1;
        }
    }

    /// The batch `rel` belonged to is over: pushes that waited start the next build.
    fn close_batch(&mut self, rel: ReleaseId) {
        if self.batch_open == Some(rel) {
            self.batch_open = None;
            if self.batch_pending {
                self.batch_pending = false;
                let next = self.trigger_build();
                self.batch_open = Some(next);
            }
        }
    }

    fn become_eligible(&mut self, rel: ReleaseId, s: usize) {
        self.release_mut(rel).active += 1;
        let now = self.now;
        self.visit_mut(rel, s).eligible = now;
        self.set_phase(rel, s, Phase::Eligible);
        match &self.m.stages[s].trigger {
            Trigger::Auto => self.trigger(rel, s),
            Trigger::Schedule { .. } => self.set_candidate(rel, s),
            Trigger::Manual { person, reaction } => {
                self.set_candidate(rel, s);
                if !self.stages[s].act_pending {
                    let (person, reaction) = (*person, reaction);
                    let delay = reaction.sample(&mut self.people_rng[person]);
                    if let Some(t) = self.m.people[person]
                        .hours
                        .add_open_time(SimTime(now), SimDuration(delay))
                    {
                        self.stages[s].act_pending = true;
                        self.at(t.0, Ev::PersonAct { stage: s as u16 });
                    } else {
                        self.stall(s, "the person who triggers it never works again");
                    }
                }
            }
        }
    }

    /// Only the newest eligible release waits for a schedule or a person (an
    /// older one, e.g. a build that finished late, is superseded at once).
    fn set_candidate(&mut self, rel: ReleaseId, s: usize) {
        match self.stages[s].candidate {
            Some(c) if c > rel => self.supersede(rel, s),
            _ => {
                if let Some(old) = self.stages[s].candidate.replace(rel) {
                    self.supersede(old, s);
                }
            }
        }
    }

    fn schedule_fires(&mut self, s: usize) {
        self.log("schedule_fires", None, Some(s), None);
        self.take_candidate(s);
        let st = &mut self.stages[s];
        st.next_fire += 1;
        if let Trigger::Schedule { fires, .. } = &self.m.stages[s].trigger
            && let Some(&t) = fires.get(st.next_fire)
        {
            self.at(t.0, Ev::ScheduleFire { stage: s as u16 });
        }
    }

    /// A schedule fires or a person acts: take the newest release that passed
    /// upstream and is newer than the last one taken; nothing when none is.
    fn take_candidate(&mut self, s: usize) {
        let st = &mut self.stages[s];
        if let Some(rel) = st.candidate.take() {
            if st.taken.is_some_and(|t| t >= rel) {
                self.supersede(rel, s);
            } else {
                self.trigger(rel, s);
            }
        }
    }

    fn trigger(&mut self, rel: ReleaseId, s: usize) {
        let now = self.now;
        let st = &mut self.stages[s];
        st.taken = Some(st.taken.map_or(rel, |t| t.max(rel)));
        st.waiting.add(now, 1.0);
        self.log_queue(rel, Some(s));
        self.visit_mut(rel, s).triggered = now;
        if let Trigger::Manual { person, .. } = &self.m.stages[s].trigger {
            // The person's reaction runs in their working hours; the rest is off-hours.
            let eligible = self.visit(rel, s).eligible;
            let hours = &self.m.people[*person].hours;
            let open = hours.open_time_between(SimTime(eligible), SimTime(now)).0;
            self.off_hours(rel, s, StagePart::Trigger, now - eligible - open);
        }
        self.log("triggered", Some(rel), Some(s), None);
        match &self.m.stages[s].approval {
            Some(a) => {
                self.set_phase(rel, s, Phase::Approving);
                self.visit_mut(rel, s).approvals = 0;
                let mut can_answer = 0;
                for &p in &a.approvers {
                    let d = match &a.response {
                        Some(d) => d.sample(&mut self.people_rng[p]),
                        None => self.m.people[p].reaction.sample(&mut self.people_rng[p]),
                    };
                    let approve = !chance(&mut self.stages[s].rng, a.rejection);
                    if let Some(t) = self.m.people[p]
                        .hours
                        .add_open_time(SimTime(now), SimDuration(d))
                    {
                        can_answer += 1;
                        self.at(
                            t.0,
                            Ev::ApprovalAnswer {
                                rel,
                                stage: s as u16,
                                approve,
                            },
                        );
                    }
                }
                if can_answer < a.min {
                    self.stall(
                        s,
                        "an approval that can never come: too few approvers ever work again (the release times out)",
                    );
                }
                self.at(
                    now + a.timeout.0,
                    Ev::ApprovalTimeout {
                        rel,
                        stage: s as u16,
                    },
                );
            }
            None => self.start_gates(rel, s),
        }
    }

    fn approval_answer(&mut self, rel: ReleaseId, s: usize, approve: bool) {
        if self.phase(rel, s) != Phase::Approving {
            return; // enough answers already, or timed out
        }
        if !approve {
            self.stages[s].stats.approval_rejections += u64::from(self.counting());
            self.log("approval_rejected", Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Failed);
            return;
        }
        let min = self.m.stages[s].approval.as_ref().map_or(1, |a| a.min);
        let v = self.visit_mut(rel, s);
        v.approvals += 1;
        if v.approvals >= min {
            self.log("approved", Some(rel), Some(s), None);
            self.start_gates(rel, s);
        }
    }

    fn start_gates(&mut self, rel: ReleaseId, s: usize) {
        match &self.m.stages[s].gates {
            Some(g) => {
                let now = self.now;
                self.set_phase(rel, s, Phase::Gating);
                self.visit_mut(rel, s).deadline = now + g.delay.0 + g.timeout.0;
                self.at(
                    now + g.delay.0,
                    Ev::GatePoll {
                        rel,
                        stage: s as u16,
                    },
                );
            }
            None => self.through_window(rel, s),
        }
    }

    fn gate_poll(&mut self, rel: ReleaseId, s: usize) {
        let Some(g) = &self.m.stages[s].gates else {
            return;
        };
        let healthy = (!g.no_open_defects || self.open_caught == 0)
            & chance(&mut self.stages[s].rng, g.pass_probability);
        if healthy {
            self.log("gates_passed", Some(rel), Some(s), None);
            self.through_window(rel, s);
        } else if self.now + g.interval.0 > self.visit(rel, s).deadline {
            self.stages[s].stats.gate_timeouts += u64::from(self.counting());
            self.log("gate_timeout", Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Failed);
        } else {
            self.at(
                self.now + g.interval.0,
                Ev::GatePoll {
                    rel,
                    stage: s as u16,
                },
            );
        }
    }

    /// Business hours and freezes: wait for the window, then queue for the lock.
    fn through_window(&mut self, rel: ReleaseId, s: usize) {
        let now = SimTime(self.now);
        if let Some(w) = &self.m.stages[s].window
            && !w.contains(now)
        {
            self.set_phase(rel, s, Phase::Window);
            if let Some(t) = w.next_open(now) {
                self.at(
                    t.0,
                    Ev::WindowOpens {
                        rel,
                        stage: s as u16,
                    },
                );
            } else {
                // No window ever again: the release waits here until the horizon.
                self.stall(
                    s,
                    "its deployment window (business hours minus freezes) never opens again",
                );
            }
            return;
        }
        let run_latest = self.m.stages[s].lock == LockPolicy::RunLatest;
        // Run-latest: when the window opens for several releases at once, the
        // newest takes the lock and the older ones are superseded.
        if run_latest && self.newer_waiting_for_window(rel, s) {
            return self.supersede(rel, s);
        }
        self.set_phase(rel, s, Phase::LockQueue);
        let st = &self.stages[s];
        if st.holder.is_none() {
            self.acquire(rel, s);
        } else if !run_latest {
            self.stages[s].queue.push_back(rel);
        } else if st.holder > Some(rel) || st.queue.iter().any(|&q| q > rel) {
            // Run-latest: a newer release already holds or waits for the lock.
            self.supersede(rel, s);
        } else {
            while let Some(old) = self.stages[s].queue.pop_front() {
                self.supersede(old, s);
            }
            self.stages[s].queue.push_back(rel);
        }
    }

    /// A release newer than `rel` waits at stage `s` for the window.
    fn newer_waiting_for_window(&self, rel: ReleaseId, s: usize) -> bool {
        let end = self.base + self.releases.len() as u32;
        (rel.0 + 1..end).any(|r| self.visit(ReleaseId(r), s).phase == Phase::Window)
    }

    fn acquire(&mut self, rel: ReleaseId, s: usize) {
        let now = self.now;
        // Never roll a stage back to an older release than it runs.
        if self.stages[s].deployed.is_some_and(|d| d >= rel) {
            self.supersede(rel, s);
            return self.next_in_lock(s);
        }
        if let Some(w) = &self.m.stages[s].window
            && !w.contains(SimTime(now))
        {
            // The window closed while it queued: back to waiting for it.
            self.through_window(rel, s);
            return self.next_in_lock(s);
        }
        if self.m.stages[s].production {
            self.deploy_begins(s);
        }
        let st = &mut self.stages[s];
        st.holder = Some(rel);
        st.waiting.add(now, -1.0);
        let sm = &self.m.stages[s];
        let mut total = 0.0;
        let mut ok = false;
        for _ in 0..=sm.deploy_retries {
            total += sm.deploy_duration.sample(&mut st.rng);
            if !chance(&mut st.rng, sm.deploy_failure) {
                ok = true;
                break;
            }
        }
        self.log_queue(rel, Some(s));
        self.set_phase(rel, s, Phase::Executing);
        self.visit_mut(rel, s).locked = now;
        self.log("deploy_start", Some(rel), Some(s), None);
        self.at(
            now + total,
            Ev::DeployDone {
                rel,
                stage: s as u16,
                ok,
            },
        );
    }

    fn next_in_lock(&mut self, s: usize) {
        if self.stages[s].holder.is_none()
            && let Some(next) = self.stages[s].queue.pop_front()
        {
            self.acquire(next, s);
        }
    }

    fn release_lock(&mut self, s: usize) {
        self.stages[s].holder = None;
        self.next_in_lock(s);
    }

    fn deploy_done(&mut self, rel: ReleaseId, s: usize, ok: bool) {
        if !ok {
            self.stages[s].stats.deploy_failures += u64::from(self.counting());
            self.log("deploy_failed", Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Failed);
            return self.release_lock(s);
        }
        self.stages[s].deployed = Some(rel);
        self.log("deployed", Some(rel), Some(s), None);
        // Verification: every step in turn; manual ones in the tester's working time.
        let mut t = SimTime(self.now);
        let mut off = 0.0;
        for step in &self.m.stages[s].verify {
            let next = match step.by {
                None => Some(t + SimDuration(step.duration.sample(&mut self.stages[s].rng))),
                Some(p) => {
                    let person = &self.m.people[p];
                    let reaction = person.reaction.sample(&mut self.people_rng[p]);
                    let work = step.duration.sample(&mut self.people_rng[p]);
                    let end = person
                        .hours
                        .add_open_time(t, SimDuration(reaction))
                        .and_then(|start| person.hours.add_open_time(start, SimDuration(work)));
                    if let Some(e) = end {
                        off += (e.0 - t.0) - person.hours.open_time_between(t, e).0;
                    }
                    end
                }
            };
            match next {
                Some(n) => t = n,
                // The tester never works again: the release holds the stage until the horizon.
                None => {
                    return self.stall(s, "a manual verification step's tester never works again");
                }
            }
        }
        self.off_hours(rel, s, StagePart::Executing, off);
        self.at(
            t.0,
            Ev::VerifyDone {
                rel,
                stage: s as u16,
            },
        );
    }

    fn verify_done(&mut self, rel: ReleaseId, s: usize) {
        let detect = self.stages[s].detect;
        if self.catch_defects(rel, |sev| detect[sev.index()], Catcher::Stage(s)) {
            self.log("rejected", Some(rel), Some(s), None);
            self.end_visit(rel, s, Outcome::Rejected);
            return self.release_lock(s);
        }
        if self.m.stages[s].production {
            return self.start_rollout(rel, s);
        }
        self.pass(rel, s);
    }

    /// The release passed stage `s` (for production: every user runs it).
    fn pass(&mut self, rel: ReleaseId, s: usize) {
        let now = self.now;
        self.set_phase(rel, s, Phase::Passed);
        self.visit_mut(rel, s).passed = now;
        let v = *self.visit(rel, s);
        let counting = self.counting();
        let st = &mut self.stages[s];
        if counting {
            let part = |p: StagePart| v.parts[p.index()];
            let trigger = v.triggered - v.eligible;
            let checks = part(StagePart::Checks) + part(StagePart::Window);
            let lock = part(StagePart::Lock);
            st.stats.deployments += 1;
            st.stats.trigger_wait += trigger;
            st.stats.check_wait += checks;
            st.stats.lock_wait += lock;
            st.stats.executing += now - v.eligible - trigger - checks - lock;
        }
        self.log("passed", Some(rel), Some(s), None);
        let snap = self.release(rel).snapshot;
        let st = &mut self.stages[s];
        if st.leads_to_production && snap > st.front_upto {
            st.front_upto = snap;
            st.front.push_back(Advance {
                upto: snap,
                reached: now,
                eligible: v.eligible,
                parts: v.parts,
            });
        }
        if self.m.stages[s].production {
            self.production_passed(rel);
        }
        let sm = &self.m.stages[s];
        for &d in &sm.downstream {
            let all = self.m.stages[d]
                .deps
                .iter()
                .all(|&u| self.visit(rel, u).phase == Phase::Passed);
            if all {
                self.become_eligible(rel, d);
            }
        }
        self.release_done_one(rel);
        self.release_lock(s);
    }

    /// The visit ends without passing; a rejection or failure ends the release's run here.
    fn end_visit(&mut self, rel: ReleaseId, s: usize, outcome: Outcome) {
        self.release_mut(rel).outcome = outcome;
        self.close_visit(rel, s);
    }

    /// A newer release overtook this one at stage `s`.
    fn supersede(&mut self, rel: ReleaseId, s: usize) {
        self.stages[s].stats.superseded += u64::from(self.counting());
        self.log("superseded", Some(rel), Some(s), None);
        self.close_visit(rel, s);
    }

    /// Ends a visit that did not pass: it leaves the stage's queue if it waited there.
    fn close_visit(&mut self, rel: ReleaseId, s: usize) {
        let was_waiting = matches!(
            self.visit(rel, s).phase,
            Phase::Approving | Phase::Gating | Phase::Window | Phase::LockQueue
        );
        self.set_phase(rel, s, Phase::Ended);
        if was_waiting {
            self.stages[s].waiting.add(self.now, -1.0);
            self.log_queue(rel, Some(s));
        }
        self.release_done_one(rel);
    }

    // ----- delivery ----------------------------------------------------------

    fn production_passed(&mut self, rel: ReleaseId) {
        if self.now >= self.warm {
            self.production_deploys += 1;
        }
        self.deliver(rel);
    }

    /// Delivers the commits that every production stage now runs (`rel` just
    /// moved a frontier) and attributes each one's lead time.
    fn deliver(&mut self, rel: ReleaseId) {
        let upto = if self.n_stages == 0 {
            self.build_front_upto
        } else {
            self.m
                .production
                .iter()
                .map(|&p| self.stages[p].front_upto)
                .min()
                .unwrap_or(0)
        };
        let now = self.now;
        let mut n = 0u64;
        while self.delivered < upto {
            let Some(t) = self.pending.pop_front() else {
                break;
            };
            let c = self.delivered;
            self.delivered += 1;
            let own = if t >= self.warm {
                n += 1;
                self.lead.push((now - t) / HOUR);
                self.attribute(c, t)
            } else {
                None
            };
            if self.opts.commit_records {
                let rec = &mut self.commit_records[c as usize];
                rec.delivered = Some(SimTime(now));
                rec.release = Some(rel.0);
                rec.breakdown = own;
            }
        }
        if n > 0 {
            self.delivered_counted += n;
            self.log("delivered", Some(rel), None, Some(n as f64));
        }
    }

    /// A release at stage `s` waits for something that cannot happen before the horizon.
    fn stall(&mut self, s: usize, reason: &'static str) {
        let st = &mut self.stages[s].stats;
        st.stalls += 1;
        st.stall_reason.get_or_insert(reason);
        self.log("stalled", None, Some(s), None);
    }

    // ----- results -----------------------------------------------------------

    fn finish(mut self, replication: u64) -> Replication {
        let m = self.m;
        let end = m.horizon.0;
        let span = end - self.warm;
        let weeks = span / WEEK;
        let per_commit = |x: f64, n: u64| if n > 0 { x / n as f64 / HOUR } else { f64::NAN };
        let n = self.delivered_counted;

        let (bq_mean, bq_max) = self.build_queue_len.finish(end);
        let (busy_mean, _) = self.busy.finish(end);
        let mut build = std::mem::take(&mut self.build_stats);
        build.builds_per_week = build.builds as f64 / weeks;
        build.mean_agent_wait = if self.agent_wait_n > 0 {
            self.agent_wait_sum / self.agent_wait_n as f64 / HOUR
        } else {
            f64::NAN
        };
        build.queue_arrival_rate = build.builds as f64 / (span / HOUR);
        build.queue_mean = bq_mean;
        build.queue_max = bq_max;
        build.utilisation = busy_mean / m.build.agents as f64;
        build.agent_hours = busy_mean * span / HOUR;

        let breakdown_stages = Vec::with_capacity(self.n_stages);
        let mut breakdown = Breakdown {
            before_build: per_commit(self.sum_before_build, n),
            agent_wait: per_commit(self.sum_agent, n),
            build: per_commit(self.sum_build, n),
            stages: breakdown_stages,
        };
        let mut stages = Vec::with_capacity(self.n_stages);
        for st in &mut self.stages {
            let (q_mean, q_max) = st.waiting.finish(end);
            let mut r = std::mem::take(&mut st.stats);
            let k = r.deployments;
            let mean = |x: f64| if k > 0 { x / k as f64 / HOUR } else { f64::NAN };
            r.trigger_wait = mean(r.trigger_wait);
            r.check_wait = mean(r.check_wait);
            r.lock_wait = mean(r.lock_wait);
            r.executing = mean(r.executing);
            r.deployments_per_week = k as f64 / weeks;
            r.queue_mean = q_mean;
            r.queue_max = q_max;
            stages.push(r);
            breakdown.stages.push(StageBreakdown {
                parts: st.sums.map(|x| per_commit(x, n)),
            });
        }

        // Conservation: undelivered commits carried by the newest release are
        // rejected if that release was; the rest are still moving.
        let undelivered = self.arrived - self.delivered;
        let rejected = match self.releases.back() {
            Some(r) if matches!(r.outcome, Outcome::Rejected | Outcome::Failed) => {
                r.snapshot.saturating_sub(self.delivered)
            }
            _ => 0,
        };
        let conservation = Conservation {
            arrived: self.arrived,
            delivered: self.delivered,
            rejected,
            in_flight: undelivered - rejected,
        };
        let production_deploys = self.production_deploys;
        let result = ReplicationResult {
            replication,
            lead_time: LeadTime::from_samples(std::mem::take(&mut self.lead)),
            breakdown,
            build,
            stages,
            production_deploys,
            production_deploys_per_week: production_deploys as f64 / weeks,
            commits_per_production_deploy: if production_deploys > 0 {
                n as f64 / production_deploys as f64
            } else {
                f64::NAN
            },
            incidents: self.finish_incidents(),
            defects: std::mem::take(&mut self.defect_stats),
            conservation,
            events: self.events,
            stopped_early: false,
        };
        Replication {
            result,
            trace: self.trace,
            commits: self.commit_records,
        }
    }
}

#[derive(Clone, Copy)]
enum Catcher {
    Build,
    Stage(usize),
}

impl Catcher {
    fn index(self) -> u32 {
        match self {
            Catcher::Build => 0,
            Catcher::Stage(s) => 1 + s as u32,
        }
    }
}

/// A replayed history at `volume` times its size: each commit appears
/// ⌊volume⌋ times, plus once more with probability frac(volume); extra copies
/// land at a uniformly random instant of the same hour, keeping the profile.
fn expand_replay(
    commits: &[(SimTime, Option<Severity>)],
    volume: f64,
    rng: &mut SimRng,
) -> Vec<(f64, Option<Severity>)> {
    if volume == 1.0 {
        return commits.iter().map(|&(t, d)| (t.0, d)).collect();
    }
    let whole = volume.floor() as u64;
    let frac = volume - whole as f64;
    let mut out = Vec::with_capacity((commits.len() as f64 * volume) as usize + 1);
    for &(t, d) in commits {
        let copies = whole + u64::from(chance(rng, frac));
        for k in 0..copies {
            let at = if k == 0 {
                t.0
            } else {
                (t.0 / HOUR).floor() * HOUR + uniform(rng) * HOUR
            };
            out.push((at, d));
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
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
