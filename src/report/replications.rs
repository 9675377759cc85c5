//! `replications.csv`: one row per replication, one column per metric (an
//! empty cell = undefined in that replication). The one writer of the file,
//! fed as an [`experiment::Sink`](crate::experiment::Sink): by a streamed run
//! as the replications finish, or by an assembled experiment's rows.

use std::io::Write;

use crate::experiment::Sink;
use crate::experiment::job::{JobHeader, KeyUnit, Num, PARTIAL_FORMAT, Shard, UnitValues};
use crate::report::number::csv_number;

/// Writes `replications.csv` rows to `W` as they come.
pub struct ReplicationsCsv<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> ReplicationsCsv<W> {
    pub fn new(out: W) -> Self {
        ReplicationsCsv {
            csv: csv::Writer::from_writer(out),
        }
    }

    /// Flushes the rows and gives the writer back (to commit a file, or the bytes).
    pub fn finish(self) -> Result<W, String> {
        self.csv.into_inner().map_err(|e| e.to_string())
    }
}

impl<W: Write> Sink for ReplicationsCsv<W> {
    fn keys(&mut self, keys: &[(String, &'static str)]) -> Result<(), String> {
        let header = std::iter::once("replication").chain(keys.iter().map(|(k, _)| k.as_str()));
        self.csv.write_record(header).map_err(|e| e.to_string())
    }

    fn replication(&mut self, r: u64, values: &[f64]) -> Result<(), String> {
        let cells = std::iter::once(r.to_string()).chain(values.iter().map(|v| csv_number(*v)));
        self.csv.write_record(cells).map_err(|e| e.to_string())
    }
}

/// Writes `experiment.json` (see [`crate::experiment::job::EXPERIMENT_FILE`])
/// as replications come: the whole experiment as the part of shard 1/1, byte
/// for byte what [`Partial::to_json`](crate::experiment::job::Partial::to_json)
/// writes, without holding the replications in memory. An unsharded `run`
/// streams it beside `replications.csv`, so its folder keeps what
/// `promosim report` redraws the page from, as a merged run's does.
pub struct ExperimentJson<W: Write> {
    out: W,
    header: String,
    /// Whether the part before the first unit is written, and a unit after it.
    started: bool,
    units: u64,
    error: Option<std::io::Error>,
}

impl<W: Write> ExperimentJson<W> {
    /// `header` is the experiment's (one point, kind `run`).
    pub fn new(out: W, header: &JobHeader) -> Self {
        ExperimentJson {
            out,
            // A header of strings and numbers always serialises.
            header: serde_json::to_string(header).unwrap_or_default(),
            started: false,
            units: 0,
            error: None,
        }
    }

    fn put(&mut self, text: &str) -> Result<(), String> {
        if let Some(e) = &self.error {
            return Err(e.to_string());
        }
        self.out.write_all(text.as_bytes()).map_err(|e| {
            let m = e.to_string();
            self.error = Some(e);
            m
        })
    }

    /// The part before the units: format, header, shard and the point's keys (`null` without any).
    fn start(&mut self, keys: Option<Vec<KeyUnit>>) -> Result<(), String> {
        self.started = true;
        // Plain strings, numbers and lists always serialise.
        let text = format!(
            "{{\"format\":{},\"header\":{},\"shard\":{},\"keys\":[{}],\"units\":[",
            serde_json::to_string(PARTIAL_FORMAT).unwrap_or_default(),
            self.header,
            serde_json::to_string(&Shard::WHOLE).unwrap_or_default(),
            serde_json::to_string(&keys).unwrap_or_default()
        );
        self.put(&text)
    }

    /// Closes the JSON and gives the writer back.
    pub fn finish(mut self) -> Result<W, String> {
        if !self.started {
            self.start(None)?;
        }
        self.put("]}\n")?;
        self.out.flush().map_err(|e| e.to_string())?;
        Ok(self.out)
    }
}

impl<W: Write> Sink for ExperimentJson<W> {
    fn keys(&mut self, keys: &[(String, &'static str)]) -> Result<(), String> {
        let keys = keys
            .iter()
            .map(|(k, u)| KeyUnit {
                key: k.clone(),
                unit: u.to_string(),
            })
            .collect();
        self.start(Some(keys))
    }

    fn replication(&mut self, r: u64, values: &[f64]) -> Result<(), String> {
        let unit = UnitValues {
            unit: r,
            values: values.iter().map(|v| Num(*v)).collect(),
        };
        let comma = if self.units > 0 { "," } else { "" };
        self.units += 1;
        let text = format!(
            "{comma}{}",
            serde_json::to_string(&unit).unwrap_or_default()
        );
        self.put(&text)
    }
}

/// Hands every replication to two sinks, `.0` first.
pub struct Both<'a, A, B>(pub &'a mut A, pub &'a mut B);

impl<A: Sink, B: Sink> Sink for Both<'_, A, B> {
    fn keys(&mut self, keys: &[(String, &'static str)]) -> Result<(), String> {
        self.0.keys(keys)?;
        self.1.keys(keys)
    }

    fn replication(&mut self, r: u64, values: &[f64]) -> Result<(), String> {
        self.0.replication(r, values)?;
        self.1.replication(r, values)
    }
}
