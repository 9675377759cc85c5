//! Engine throughput.
//!
//! - `mm1_events`: an M/M/1 queue (Poisson commits around the clock, one build
//!   agent, exponential builds, ρ = 0.8, no stages), about 2 M events per
//!   replication; reported in events per second.
//! - `bare_mm1_events`: the reference for it: the same M/M/1 queue as a bare
//!   `BinaryHeap` + ChaCha8 loop (no model, no statistics); the engine's
//!   events/s over this loop's is the figure issue 14 targets (≥ 0.5).
//! - `tailspin_replication` (`tailspin_events`: the same in events/s): one
//!   replication of `scenarios/tailspin.yaml`.
//! - `saas_canary_events`, `saas_canary_replication`: `scenarios/saas-canary.yaml`.
//! - `tailspin_10x_{stable,overloaded}_events`: Tailspin at 10× the commit
//!   volume with 20 build agents (the queue is stable) and with 2 (it grows all
//!   year); their events/s beside `tailspin_events` is the per-event cost at
//!   10× volume versus 1×.
//! - `tailspin_100_reps_threads_{1,2}`: the experiment runner, 100 replications.
//!
//! Run with `cargo bench --bench engine`.

#[path = "engine/bare.rs"]
mod bare;

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use promosim::engine::{self, Options};
use promosim::experiment::{self, Plan};
use promosim::model::{self, Model};
use promosim::scenario;

/// λ = 1440 commits/day (one a minute), mean build 48 s: ρ = 0.8.
/// 700 days ≈ 1.0 M commits ≈ 2.0 M events (an arrival and a build completion each).
const MM1: &str = "\
name: mm1
run:
  start: 2026-01-05 00:00
  horizon: 700d
  seed: 1
  replications: 1
commits:
  poisson:
    per_day: 1440
build:
  agents: 1
  duration: {exp: 48s}
";

fn model_from(text: &str, path: &Path) -> Model {
    let s = scenario::parse(text, path).unwrap_or_else(|e| panic!("{e}"));
    model::compile(&s).unwrap_or_else(|e| panic!("{e}"))
}

fn tailspin() -> Model {
    shipped("tailspin")
}

fn shipped(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.yaml"));
    let s = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    model::compile(&s).unwrap_or_else(|e| panic!("{e}"))
}

fn mm1_events(c: &mut Criterion) {
    // As `promosim` itself runs (src/main.rs).
    promosim::heap::keep_freed_memory();
    let m = model_from(MM1, Path::new("mm1.yaml"));
    let events = engine::run(&m, 0, Options::default()).result.events;
    let mut g = c.benchmark_group("engine");
    g.sample_size(20);
    g.throughput(Throughput::Elements(events));
    g.bench_function("mm1_events", |b| {
        b.iter(|| {
            engine::run(black_box(&m), 0, Options::default())
                .result
                .events
        })
    });
    g.finish();
}

/// The bare loop on the same queue, in the same run as the engine's.
fn bare_mm1_events(c: &mut Criterion) {
    // As `promosim` itself runs (src/main.rs).
    promosim::heap::keep_freed_memory();
    let events = bare::mm1(bare::ARRIVAL_MEAN, bare::SERVICE_MEAN, bare::HORIZON, 1);
    let mut g = c.benchmark_group("engine");
    g.sample_size(20);
    g.throughput(Throughput::Elements(events));
    g.bench_function("bare_mm1_events", |b| {
        b.iter(|| {
            bare::mm1(
                black_box(bare::ARRIVAL_MEAN),
                bare::SERVICE_MEAN,
                bare::HORIZON,
                1,
            )
        })
    });
    g.finish();
}

/// One replication of `m`, measured per replication and per event.
fn replication(c: &mut Criterion, name: &str, m: &Model, samples: usize) {
    // As `promosim` itself runs (src/main.rs).
    promosim::heap::keep_freed_memory();
    let events = engine::run(m, 0, Options::default()).result.events;
    let mut g = c.benchmark_group("engine");
    g.sample_size(samples);
    g.throughput(Throughput::Elements(1));
    g.bench_function(format!("{name}_replication"), |b| {
        b.iter(|| {
            engine::run(black_box(m), 0, Options::default())
                .result
                .events
        })
    });
    g.throughput(Throughput::Elements(events));
    g.bench_function(format!("{name}_events"), |b| {
        b.iter(|| {
            engine::run(black_box(m), 0, Options::default())
                .result
                .events
        })
    });
    g.finish();
}

fn tailspin_replication(c: &mut Criterion) {
    replication(c, "tailspin", &tailspin(), 30);
}

/// The canary scenario (rollout steps, analysis, incidents).
fn canary_events(c: &mut Criterion) {
    replication(c, "saas_canary", &shipped("saas-canary"), 20);
}

/// Tailspin at 10× the commit volume, with `agents` build agents.
fn tailspin_10x(agents: u32) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tailspin.yaml");
    let text = std::fs::read_to_string(&path).expect("tailspin scenario");
    let text = text
        .replace("per_day: 100 ", "per_day: 1000 ")
        .replace("agents: 2\n", &format!("agents: {agents}\n"));
    assert!(text.contains("per_day: 1000 ") && text.contains(&format!("agents: {agents}\n")));
    model_from(&text, &path)
}

/// Per-event cost at 10× volume: 20 agents keep the build queue stable; with
/// 2 it grows through the year (the releases waiting for an agent pile up).
fn tailspin_10x_events(c: &mut Criterion) {
    // As `promosim` itself runs (src/main.rs).
    promosim::heap::keep_freed_memory();
    for (name, agents) in [("stable", 20), ("overloaded", 2)] {
        let m = tailspin_10x(agents);
        let events = engine::run(&m, 0, Options::default()).result.events;
        let mut g = c.benchmark_group("engine");
        g.sample_size(10);
        g.throughput(Throughput::Elements(events));
        g.bench_function(format!("tailspin_10x_{name}_events"), |b| {
            b.iter(|| {
                engine::run(black_box(&m), 0, Options::default())
                    .result
                    .events
            })
        });
        g.finish();
    }
}

fn tailspin_100_reps(c: &mut Criterion) {
    // As `promosim` itself runs (src/main.rs).
    promosim::heap::keep_freed_memory();
    let m = tailspin();
    let mut g = c.benchmark_group("experiment");
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(15));
    g.throughput(Throughput::Elements(100));
    for threads in [1usize, 2] {
        g.bench_function(format!("tailspin_100_reps_threads_{threads}"), |b| {
            b.iter(|| {
                let plan = Plan {
                    replications: 100,
                    threads: Some(threads),
                    progress: false,
                };
                experiment::run(black_box(&m), plan)
                    .expect("a thread pool")
                    .summary
                    .len()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotting backend panics where no system font is installed.
    config = Criterion::default().without_plots();
    targets = mm1_events, bare_mm1_events, tailspin_replication, canary_events,
        tailspin_10x_events, tailspin_100_reps
}
criterion_main!(benches);
