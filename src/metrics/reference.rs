//! The metric reference, `docs/metrics.md`: generated from the declarations
//! in `catalogue`, so the page cannot drift from what is computed.

use super::catalogue::{Better, METRICS};

impl Better {
    /// The direction as the reference's *better* column reads it.
    fn word(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Higher => "higher",
            Better::Neither => "—",
        }
    }
}

/// The metric reference (`docs/metrics.md`), generated from [`METRICS`].
pub fn reference_markdown() -> String {
    let mut s = String::from(
        "# Metric reference\n\n\
         Generated from `src/metrics/catalogue.rs` (`cargo test --test metric_reference` \
         checks it; run it with `UPDATE_DOCS=1` to rewrite this file). Every metric is \
         computed per replication; `summary.json` gives its mean, 95 % interval, standard \
         deviation, minimum and maximum over replications, and `replications.csv` one \
         column per key. `{stage}` stands for each stage's name, in pipeline order; \
         `{severity}` for `minor`, `major` and `critical`; `{person}` for each person or team under `people`, in name order. *Better* is the direction \
         `promosim check` treats as an improvement.\n\n\
         | key | unit | better | what it measures |\n|---|---|---|---|\n",
    );
    for d in METRICS {
        let unit = match d.unit.symbol() {
            "" => "0 or 1",
            u => u,
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            d.key,
            unit,
            d.better.word(),
            d.about
        ));
    }
    s
}
