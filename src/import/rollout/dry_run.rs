//! Argo's dry-run metrics (`dryRun: [{metricName: …}]`, in the Rollout's
//! analysis or the template's `spec`): measured, but never failing the
//! analysis. `metricName` is a regular expression matched anywhere in the
//! metric's name, as Argo's `GetDryRunMetrics` does (`regexp.MatchString`).

use regex::Regex;

use crate::import::tree::Node;

/// The dry-run rules that apply: each pattern and the line it is on.
#[derive(Default)]
pub(super) struct DryRun {
    rules: Vec<(Regex, String, u64)>,
}

impl DryRun {
    /// Adds the rules of a `dryRun` list (of an analysis or a template's
    /// spec); a pattern that is not a regular expression is matched as text.
    pub fn add(&mut self, file: &str, list: Option<&Node>, warnings: &mut Vec<String>) {
        for r in list.and_then(Node::list).unwrap_or_default() {
            r.touch();
            let Some(name) = r.get("metricName").and_then(Node::scalar) else {
                continue;
            };
            let re = Regex::new(&name).unwrap_or_else(|_| {
                warnings.push(format!(
                    "warning: {file}:{}: dryRun metricName {name:?} is not a regular expression; matched as text",
                    r.line
                ));
                Regex::new(&regex::escape(&name)).expect("an escaped pattern")
            });
            self.rules.push((re, name, r.line));
        }
    }

    /// The line of the first rule that makes metric `name` a dry run.
    pub fn matches(&self, name: &str) -> Option<u64> {
        self.rules
            .iter()
            .find(|(re, _, _)| re.is_match(name))
            .map(|r| r.2)
    }

    /// Rules that match none of `names` (Argo refuses the run for them).
    pub fn unmatched<'a>(&'a self, names: &[String]) -> impl Iterator<Item = (&'a str, u64)> {
        self.rules
            .iter()
            .filter(|(re, _, _)| !names.iter().any(|n| re.is_match(n)))
            .map(|(_, p, l)| (p.as_str(), *l))
    }
}
