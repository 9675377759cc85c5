//! Which stages are production, for every importer that writes a scenario
//! (GitHub Actions, Azure Pipelines). The scenario's default is the stages
//! nothing depends on; when a pipeline deploys to an environment named for
//! production (`production`, `prod`, `prd`, `live` as a word of its name:
//! `Ess-Live`) and other stages follow it (a sandbox, a DNS change on the
//! way back to production), users get the release at that environment, so
//! it is marked `production: true` instead, with a warning naming both. A
//! dev, QA or staging stage nothing depends on, beside it, is marked
//! `production: false`.

use crate::import::draft::{Draft, StageDraft};
use crate::import::writer::Val;

/// The words that name production in an environment's name (`Ess-Live`,
/// `prod-eu`, `production_west`): `live` is production in UKHO's usage
/// (`Dev`, `IAT`, `PreProd`, `Live`), as `prd` is elsewhere.
const PRODUCTION_WORDS: [&str; 4] = ["production", "prod", "prd", "live"];

/// Whether a name has a word for production in it, not after `pre` or
/// `non` (`pre-prod`, `non-live` are test systems): split at anything but
/// letters and digits, so `preprod` and `Livedeploy` are one word each.
fn production_like(env: &str) -> bool {
    let lower = env.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        PRODUCTION_WORDS.contains(w) && !(i > 0 && matches!(words[i - 1], "pre" | "non" | "not"))
    })
}

/// Whether a stage deploys to an environment named for production. A stage
/// without an environment is not, whatever its name: `test_prd` tests
/// production, it does not deploy to it.
fn named_production(st: &StageDraft) -> bool {
    st.environment.as_deref().is_some_and(production_like)
}

/// The stage names a `depends_on` value (`[a, "b c"]`) lists.
fn dep_names(text: &str) -> Vec<String> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Marks the stages where users get a release — the last of the first run
/// of stages on production-named environments — as the production stages,
/// when a stage nothing depends on comes after them through other stages
/// (it would otherwise be production, by the scenario's default).
pub fn prefer_named(d: &mut Draft, warnings: &mut Vec<String>) {
    let n = d.stages.len();
    let index = |name: &str| d.stages.iter().position(|s| s.name == name);
    // deps[i]: the stages i depends on directly (the previous one when unsaid).
    let deps: Vec<Vec<usize>> = (0..n)
        .map(|i| match &d.stages[i].depends_on {
            Some(v) => dep_names(&v.text).iter().filter_map(|x| index(x)).collect(),
            None => i.checked_sub(1).into_iter().collect(),
        })
        .collect();
    // up[i]: every stage upstream of i (stages come after what they need).
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let mut all = Vec::new();
        for &k in &deps[i] {
            all.push(k);
            all.extend(up.get(k).cloned().unwrap_or_default());
        }
        all.sort_unstable();
        all.dedup();
        up[i] = all;
    }
    let named: Vec<bool> = d.stages.iter().map(named_production).collect();
    let sink = |i: usize| !deps.iter().any(|x| x.contains(&i));
    // The first production-named stages, and those that follow them
    // directly, stage after stage on such environments (deploy, then
    // publish): users get the release at the last of that run.
    let mut chain = vec![false; n];
    for i in 0..n {
        let first = named[i] && !up[i].iter().any(|&k| named[k]);
        // A production-named stage that needs one of the run continues it
        // (a publish after signing, the deployment after a build that
        // reads production's settings).
        let next = named[i] && deps[i].iter().any(|&k| chain[k]);
        chain[i] = first || next;
    }
    let ends: Vec<usize> = (0..n)
        .filter(|&i| {
            chain[i]
                && !deps
                    .iter()
                    .enumerate()
                    .any(|(k, x)| chain[k] && x.contains(&i))
        })
        .collect();
    let after_named: Vec<usize> = (0..n)
        .filter(|&i| sink(i) && !ends.contains(&i) && up[i].iter().any(|&k| named[k]))
        .collect();
    // Stages nothing depends on that no production-named stage leads to and
    // whose environment is no production (dev, staging deployed side by
    // side or by another workflow): test systems, not where users are.
    let side: Vec<usize> = (0..n)
        .filter(|&i| {
            sink(i)
                && !ends.contains(&i)
                && !after_named.contains(&i)
                && !named_production(&d.stages[i])
        })
        .collect();
    if ends.is_empty()
        || (after_named.is_empty() && side.is_empty())
        || d.stages.iter().any(|s| s.production.is_some())
    {
        return;
    }
    let names = |v: &[usize]| {
        v.iter()
            .map(|&i| d.stages[i].name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = names(&ends);
    let not: Vec<usize> = after_named.iter().chain(&side).copied().collect();
    let sinks = names(&not);
    let (after_names, side_names) = (names(&after_named), names(&side));
    for &i in &ends {
        let st = &mut d.stages[i];
        let env = st.environment.clone().unwrap_or_default();
        st.production = Some(Val::read(
            "true",
            format!(
                "{} (environment {env}: users get the release here; not production: {sinks}, which nothing depends on)",
                st.from
            ),
        ));
    }
    for &i in &side {
        let st = &mut d.stages[i];
        let env = st.environment.clone().unwrap_or_default();
        st.production = Some(Val::read(
            "false",
            format!(
                "{} (environment {env} is not production: users get the release at {chosen})",
                st.from
            ),
        ));
    }
    // Stages nothing depends on that no production-named stage leads to,
    // on a production region (`prod-eu`), stay production, as by default.
    for i in (0..n).filter(|&i| sink(i) && !not.contains(&i) && !ends.contains(&i)) {
        let st = &mut d.stages[i];
        st.production = Some(Val::read(
            "true",
            format!("{} (nothing depends on it)", st.from),
        ));
    }
    let at = ends
        .first()
        .map_or(String::new(), |&i| d.stages[i].from.clone());
    if !after_named.is_empty() {
        warnings.push(format!(
            "warning: {at}: stage {chosen} deploys to an environment named for production; {}, which nothing depends on, is reached from a production-named stage by way of other stages: {chosen} is taken as the production stage (lead time ends there), not {}; set `production:` by hand to measure to another",
            after_names, after_names
        ));
    }
    if !side.is_empty() {
        warnings.push(format!(
            "warning: {at}: stage {chosen} deploys to an environment named for production; stages {} (nothing depends on them, no production-named stage leads to them, and their environments are not named for production) are not taken as production stages: lead time does not end there and users are not split onto them; set `production:` by hand if one is",
            side_names
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::{dep_names, production_like};

    #[test]
    fn depends_on_lists_are_read_back() {
        assert_eq!(dep_names("[build]"), ["build"]);
        assert_eq!(dep_names("[qa, \"a b\"]"), ["qa", "a b"]);
    }

    #[test]
    fn production_regions_are_told_from_test_systems() {
        for env in [
            "prod-eu",
            "Production_West",
            "prd",
            "production",
            "Ess-Live",
            "live",
        ] {
            assert!(production_like(env), "{env}");
        }
        for env in [
            "preprod",
            "staging",
            "dev",
            "meta",
            "product-demo",
            "pre-prod",
            "Ens-Pre",
            "non-live",
            "Livedeploy",
            "delivery",
        ] {
            assert!(!production_like(env), "{env}");
        }
    }
}
