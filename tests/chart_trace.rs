//! The charts drawn from the small traces the report keeps
//! (`experiment::charted`: a window of replication 0's event log, a few kinds
//! over the whole run, weekly queue means kept while simulating) are exactly
//! the charts drawn from full event logs, for every shipped scenario.

use std::path::Path;

use promosim::experiment::{self, Summary, charted};
use promosim::model;
use promosim::report::figures::{self, Charted};
use promosim::scenario;

#[test]
fn charts_from_the_kept_traces_equal_charts_from_full_logs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4);
    for path in files {
        let s = scenario::load(&path).expect("loads");
        let m = model::compile(&s).expect("compiles");
        let summary = Summary::new(&m, 3, Vec::new());
        let k = 3;
        let full: Vec<_> = (0..k as u64).map(|r| experiment::trace(&m, r)).collect();
        let kept = experiment::trace_replications(&m, k);
        // The kept traces are small: replication 0 only, and within the window.
        assert!(
            kept[1..]
                .iter()
                .all(|r| r.trace.is_empty() && r.commits.is_empty())
        );
        assert!(kept[0].trace.len() < full[0].trace.len() || m.horizon().hours() < 2000.0);
        assert!(kept.iter().all(|r| !r.queue_periods.is_empty()));
        let charts = |traces| {
            figures::run_figures(&Charted {
                label: "x",
                model: &m,
                summary: &summary,
                traces,
            })
            .into_iter()
            .map(|f| (f.stem, format!("{:?}", f.chart)))
            .collect::<Vec<_>>()
        };
        let (a, b) = (charts(&full), charts(&kept));
        assert_eq!(a.len(), b.len(), "{}", path.display());
        for ((stem, x), (_, y)) in a.iter().zip(&b) {
            assert!(x == y, "{}: chart {stem} differs", path.display());
        }
        // The window the kept log covers is the timeline's plus the look-ahead.
        let (_, end) = charted::timeline_window(&m);
        let limit = end + charted::TIMELINE_LOOKAHEAD_H;
        assert!(
            kept[0]
                .trace
                .iter()
                .all(|r| r.time.hours() <= limit || charted::WHOLE_RUN_KINDS.contains(&r.event))
        );
    }
}
