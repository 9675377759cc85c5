//! The people table of the run page and `report.md`: each person or team
//! that had manual tasks, with their load (see `docs/model.md`, People).

use crate::experiment::Summary;
use crate::model::Model;
use crate::report::words::pm;

/// The table's columns after the name: (heading, metric suffix, scale).
const COLUMNS: [(&str, &str, f64); 5] = [
    ("tasks per week", "tasks", 1.0),
    ("people-hours per week", "hours", 1.0),
    ("utilisation of working hours (%)", "utilisation", 100.0),
    ("tasks waiting (mean)", "queue", 1.0),
    ("wait for a free member (h)", "wait", 1.0),
];

/// One row: a name and its cells, each "mean ± half-width".
pub struct PersonRow {
    pub name: String,
    pub cells: Vec<String>,
}

pub fn headings() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|c| c.0)
}

/// Everyone who started a task in some replication; none: no table.
pub fn rows(model: &Model, s: &Summary) -> Vec<PersonRow> {
    model
        .people
        .iter()
        .filter(|p| {
            s.get(&format!("people.{}.tasks", p.name))
                .is_some_and(|m| m.max > 0.0)
        })
        .map(|p| PersonRow {
            name: p.name.clone(),
            cells: COLUMNS
                .iter()
                .map(|(_, key, scale)| {
                    s.get(&format!("people.{}.{key}", p.name))
                        .map_or("—".into(), |m| pm(m.mean * scale, m.ci95 * scale))
                })
                .collect(),
        })
        .collect()
}
