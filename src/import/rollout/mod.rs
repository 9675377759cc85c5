//! `promosim import argo-rollout` and `promosim import flagger`: a Rollout's
//! or a Canary's progressive-delivery settings as a production strategy.
//!
//! Argo Rollouts: `canary.steps` (`setWeight`, `pause` with a duration or
//! none, `analysis`, whose interval, count and failure limit come from the
//! listed `AnalysisTemplate`s or `ClusterAnalysisTemplate`s in the same file:
//! the metric that can fail the analysis soonest) or `blueGreen`
//! (`autoPromotionEnabled`, `scaleDownDelaySeconds`). Flagger: `analysis`
//! (`interval`, `threshold`, `stepWeight`, `maxWeight`, `stepWeights`, or
//! `iterations` for blue/green, whose hold becomes the blue_green `switch`;
//! `skipAnalysis: true` is `all_at_once`; a confirm webhook in blue/green mode
//! is a manual promotion).

mod analysis;
mod argo;
mod dry_run;
mod flagger;
mod rolling_update;

use super::tree::Node;
use super::writer::Block;

pub use argo::{argo, replica_share};
pub use flagger::flagger;

/// The person assumed to promote an indefinite pause or a blue-green switch.
pub const PROMOTER: &str = "release-manager";

/// A production strategy read from a rollout file: the lines under
/// `strategy:`, and the people it refers to.
#[derive(Debug, Clone)]
pub struct Fragment {
    pub source: String,
    pub strategy: Block,
    pub people: Vec<String>,
    pub warnings: Vec<String>,
}

impl Fragment {
    /// An empty fragment read from `source`.
    pub fn new(source: &str) -> Fragment {
        Fragment {
            source: source.to_string(),
            strategy: Block::default(),
            people: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The fragment as YAML: `people:` (when needed) and `strategy:`.
    pub fn render(&self) -> String {
        let mut b = Block::default();
        b.comment(
            0,
            &format!(
                "A production strategy imported by `promosim import` from {}.\nPut `strategy:` under a production stage (or use --into SCENARIO); values marked\nASSUMED are not in the file.",
                self.source
            ),
        );
        if !self.people.is_empty() {
            b.open(0, "people");
            for p in &self.people {
                b.open(1, p);
                b.kv(
                    1 + 1,
                    "reaction",
                    &crate::import::sidecar::assumed_reaction(),
                );
            }
        }
        b.open(0, "strategy");
        b.nest(1, &self.strategy);
        b.render(0)
    }
}

/// The first document of `kind` in a (possibly multi-document) Kubernetes file.
pub(super) fn find<'a>(docs: &'a [Node], kind: &str) -> Option<&'a Node> {
    docs.iter()
        .find(|d| d.get("kind").and_then(Node::text) == Some(kind))
}
