//! Random streams: one independent, portable stream per (seed, replication, source).
//!
//! ChaCha8 is documented as portable across platforms and crate versions, so a
//! stored baseline stays reproducible. The key comes from (seed, replication);
//! the ChaCha stream number is the source (arrivals, defects, build, each stage,
//! each person), so a change in one stage's draws never shifts another's.

use rand::SeedableRng;
pub use rand::rngs::ChaCha8Rng as SimRng;

/// Which part of the model draws from a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Arrivals,
    Defects,
    Build,
    Incidents,
    Stage(usize),
    Person(usize),
}

impl Source {
    fn id(self) -> u64 {
        match self {
            Source::Arrivals => 1,
            Source::Defects => 2,
            Source::Build => 3,
            Source::Incidents => 5,
            Source::Stage(i) => 1_000 + i as u64,
            Source::Person(i) => 1_000_000 + i as u64,
        }
    }
}

/// SplitMix64 finaliser: spreads (seed, replication) over the whole key space.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream of `source` in replication `replication` of a run with `seed`.
pub fn stream(seed: u64, replication: u64, source: u64) -> SimRng {
    let mut rng = SimRng::seed_from_u64(mix(seed ^ mix(replication)));
    rng.set_stream(source);
    rng
}

pub fn for_source(seed: u64, replication: u64, source: Source) -> SimRng {
    stream(seed, replication, source.id())
}

/// Uniform on [0, 1).
#[inline]
pub fn uniform(rng: &mut SimRng) -> f64 {
    use rand::RngExt;
    rng.random::<f64>()
}

/// True with probability `p`.
#[inline]
pub fn chance(rng: &mut SimRng, p: f64) -> bool {
    p > 0.0 && (p >= 1.0 || uniform(rng) < p)
}

/// What a keyed stream draws for (see [`keyed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyed {
    /// Whether catcher `k` (0 = build, 1 + s = stage s) catches the defect.
    Detection(u32),
    /// The defect's fix time.
    Fix,
    /// The defect's monitoring threshold (a unit exponential).
    Monitoring,
    /// Whether the defect's change is behind a feature flag, and its kill switch.
    Flag,
}

/// A stream that belongs to one entity (a defect), so its draws are the same
/// whatever order a policy meets the entities in: common random numbers hold
/// for detections and fix times too, not only for the commit stream.
pub fn keyed(seed: u64, replication: u64, what: Keyed, id: u64) -> SimRng {
    let kind = match what {
        Keyed::Detection(k) => 1 + u64::from(k),
        Keyed::Fix => 100,
        Keyed::Monitoring => 101,
        Keyed::Flag => 102,
    };
    stream(seed, replication, (kind << 40) | (id & ((1 << 40) - 1)))
}
