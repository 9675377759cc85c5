//! Replications per second for the Tailspin year at 1 and 2 threads.
//!
//! `cargo bench --bench experiments`; the speed-up is the ratio of the two
//! throughputs (criterion prints them as elements/s).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use promosim::experiment::job::{Job, Kind, PointHeader, PointSpec};
use promosim::{model, scenario};

const REPLICATIONS: u32 = 20;

fn tailspin_job() -> Job {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tailspin.yaml");
    let s = scenario::load(&path).expect("tailspin scenario");
    let m = model::compile(&s).expect("tailspin model");
    let header = PointHeader::new(
        m.name().to_string(),
        path.display().to_string(),
        Vec::new(),
        &m,
    );
    Job::new(
        Kind::Run,
        m.seed(),
        REPLICATIONS,
        Vec::new(),
        vec![PointSpec {
            header,
            model: m,
            text: s.source,
        }],
    )
}

fn replications(c: &mut Criterion) {
    let job = tailspin_job();
    let mut g = c.benchmark_group("tailspin_year");
    g.sample_size(10);
    g.throughput(Throughput::Elements(u64::from(REPLICATIONS)));
    for threads in [1usize, 2] {
        g.bench_function(
            format!("{REPLICATIONS}_replications_{threads}_threads"),
            |b| b.iter(|| black_box(job.run_all(Some(threads), false).expect("run"))),
        );
    }
    g.finish();
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotters backend needs system fonts.
    config = Criterion::default().without_plots();
    targets = replications
}
criterion_main!(benches);
