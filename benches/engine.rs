//! Engine throughput.
//!
//! - `mm1_events`: an M/M/1 queue (Poisson commits around the clock, one build
//!   agent, exponential builds, ρ = 0.8, no stages), about 2 M events per
//!   replication; reported in events per second.
//! - `tailspin_replication`: one replication of `scenarios/tailspin.yaml`.
//! - `tailspin_100_reps_threads_{1,2}`: the experiment runner, 100 replications.
//!
//! Run with `cargo bench --bench engine`.

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

fn tailspin_replication(c: &mut Criterion) {
    let m = tailspin();
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(1));
    g.bench_function("tailspin_replication", |b| {
        b.iter(|| {
            engine::run(black_box(&m), 0, Options::default())
                .result
                .events
        })
    });
    g.finish();
}

/// Events per second on the canary scenario (rollout steps, analysis, incidents).
fn canary_events(c: &mut Criterion) {
    let m = shipped("saas-canary");
    let events = engine::run(&m, 0, Options::default()).result.events;
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(events));
    g.bench_function("saas_canary_events", |b| {
        b.iter(|| {
            engine::run(black_box(&m), 0, Options::default())
                .result
                .events
        })
    });
    g.finish();
}

fn tailspin_100_reps(c: &mut Criterion) {
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
    targets = mm1_events, tailspin_replication, canary_events, tailspin_100_reps
}
criterion_main!(benches);
