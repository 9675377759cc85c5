//! `replications.csv`: one row per replication, one column per metric (an
//! empty cell = undefined in that replication). The one writer of the file,
//! fed as an [`experiment::Sink`](crate::experiment::Sink): by a streamed run
//! as the replications finish, or by an assembled experiment's rows.

use std::io::Write;

use crate::experiment::Sink;
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
