//! The base scenario compiled over the history's span, so an observed wait
//! can be measured in a person's working time: the simulator draws a
//! response or a reaction in working hours (`docs/model.md`, People), so
//! fitting the wall-clock wait would count nights and weekends as slowness.

use jiff::Timestamp;

use crate::calendar::IntervalSet;
use crate::error::InputError;
use crate::experiment::overrides::Node;
use crate::model::{self, Model, StageModel, Trigger};
use crate::scenario;
use crate::time::SimTime;

/// Whose working time a wait is measured in.
#[derive(Debug, Clone)]
pub struct Hours<'a> {
    /// The people, for the YAML comment (`lead`, `lead, ops`).
    pub who: String,
    /// `None`: around the clock (wall-clock time is working time).
    pub set: Option<&'a IntervalSet>,
}

/// The base scenario's model with its run moved onto the history's span, so
/// its calendars cover every observed instant.
pub struct Span {
    model: Model,
}

impl Span {
    /// Compiles `tree` with `run.start` on the minute before `first` and a
    /// horizon reaching past `last` (compiling adds its calendar margin). The
    /// commit stream is replaced by a plain one: a replayed file's path is
    /// relative to a scenario that is not where this runs, and commits do
    /// not matter here.
    pub fn new(
        tree: &Node,
        file: &str,
        first: Timestamp,
        last: Timestamp,
        tz: &jiff::tz::TimeZone,
    ) -> Result<Span, InputError> {
        let mut tree = tree.clone();
        let Node::Map(top) = &mut tree else {
            return Err(InputError::new(file, "a scenario is a mapping"));
        };
        let start = first
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        let minutes = (last.as_second() - first.as_second()) / 60 + 2;
        top.retain(|(k, _)| k != "sweep");
        for (k, v) in top.iter_mut() {
            if let (true, Node::Map(run)) = (k == "run", &mut *v) {
                run.retain(|(k, _)| !matches!(k.as_str(), "start" | "horizon" | "warm_up"));
                run.push(("start".into(), Node::Str(start.clone())));
                run.push(("horizon".into(), Node::Str(format!("{minutes}m"))));
            }
            if k == "commits" {
                *v = Node::Map(vec![(
                    "poisson".into(),
                    Node::Map(vec![("per_day".into(), Node::Float(1.0))]),
                )]);
            }
        }
        let json =
            serde_json::to_string(&tree).map_err(|e| InputError::new(file, e.to_string()))?;
        let s = scenario::parse(&json, std::path::Path::new(file))?;
        Ok(Span {
            model: model::compile(&s)?,
        })
    }

    fn stage(&self, name: &str) -> Option<&StageModel> {
        self.model
            .stages
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    fn person(&self, p: usize) -> Hours<'_> {
        let person = &self.model.people[p];
        let always = person.hours == IntervalSet::always();
        Hours {
            who: person.name.clone(),
            set: (!always).then_some(&person.hours),
        }
    }

    /// The approvers of `stage`, when they share one calendar. Approvers with
    /// different calendars answer on different clocks; the stage's answer is
    /// then no single person's working time, and `None` says so.
    pub fn approvers(&self, stage: &str) -> Option<Hours<'_>> {
        let a = self.stage(stage)?.approval.as_ref()?;
        let first = *a.approvers.first()?;
        let same = a
            .approvers
            .iter()
            .all(|&p| self.model.people[p].hours == self.model.people[first].hours);
        if !same {
            return None;
        }
        let mut h = self.person(first);
        h.who = a
            .approvers
            .iter()
            .map(|&p| self.model.people[p].name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Some(h)
    }

    /// Whether some approver of `stage` has a calendar (for the message when
    /// the approvers' calendars differ).
    pub fn approvers_differ(&self, stage: &str) -> bool {
        self.stage(stage)
            .and_then(|s| s.approval.as_ref())
            .is_some_and(|a| a.approvers.len() > 1 && self.approvers(stage).is_none())
    }

    /// The person of a `manual` trigger of `stage`.
    pub fn manual(&self, stage: &str) -> Option<Hours<'_>> {
        match &self.stage(stage)?.trigger {
            Trigger::Manual { person, .. } => Some(self.person(*person)),
            _ => None,
        }
    }

    /// The stages a release must pass before `stage` considers it (their
    /// names); empty: the build.
    pub fn upstream(&self, stage: &str) -> Vec<String> {
        self.stage(stage).map_or_else(Vec::new, |s| {
            s.deps
                .iter()
                .map(|&d| self.model.stages[d].name.clone())
                .collect()
        })
    }

    /// Whether `stage` has verification steps (unknown stages: assumed so).
    pub fn verifies(&self, stage: &str) -> bool {
        self.stage(stage).is_none_or(|s| !s.verify.is_empty())
    }

    /// The production stages' names.
    pub fn production(&self) -> Vec<String> {
        self.model
            .stages
            .iter()
            .filter(|s| s.production)
            .map(|s| s.name.clone())
            .collect()
    }

    /// Seconds of `hours`' working time within `[a, b)`.
    pub fn working(&self, hours: &Hours<'_>, a: Timestamp, b: Timestamp) -> f64 {
        let wall = (b.as_millisecond() - a.as_millisecond()) as f64 / 1000.0;
        match hours.set {
            None => wall,
            Some(set) => {
                let (a, b) = (self.at(a), self.at(b));
                set.open_time_between(a, b).0
            }
        }
    }

    fn at(&self, t: Timestamp) -> SimTime {
        self.model.clock.at(t)
    }
}
