//! The metric reference in `docs/metrics.md` is generated from the metric
//! declarations, and every key a shipped scenario reports is declared.

mod common;

use promosim::metrics::{self, METRICS};

#[test]
fn docs_metrics_md_is_generated_from_the_declarations() {
    let path = common::repo().join("docs/metrics.md");
    let want = metrics::reference_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).expect("write docs/metrics.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/metrics.md is out of date: run `UPDATE_DOCS=1 cargo test --test metric_reference`"
    );
}

#[test]
fn every_reported_key_is_declared_once_with_its_unit() {
    for entry in std::fs::read_dir(common::repo().join("scenarios")).expect("scenarios/") {
        let path = entry.expect("entry").path();
        let s = promosim::scenario::load(&path).expect("a shipped scenario loads");
        let model = promosim::model::compile(&s).expect("and compiles");
        let rep = promosim::engine::run(&model, 0, Default::default());
        let keys: Vec<_> = rep.result.metrics();
        let names: Vec<&str> = model.stages().iter().map(|s| s.name()).collect();
        let typed: Vec<String> = metrics::Where::all(names).iter().map(|w| w.key()).collect();
        let reported: Vec<&str> = keys
            .iter()
            .map(|m| m.key.as_str())
            .filter(|k| k.starts_with("where."))
            .collect();
        assert_eq!(typed, reported, "{}: the typed where parts", path.display());
        assert!(keys.len() > METRICS.len(), "{}", path.display());
        for m in keys {
            let d = metrics::find(&m.key)
                .unwrap_or_else(|| panic!("{}: {} is not declared", path.display(), m.key));
            assert_eq!(d.unit.symbol(), m.unit, "{}", m.key);
        }
    }
}

#[test]
fn no_key_is_declared_twice() {
    let mut keys: Vec<&str> = METRICS.iter().map(|d| d.key).collect();
    keys.sort_unstable();
    let before = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), before);
}

#[test]
fn docs_trace_md_is_generated_from_the_trace_kinds() {
    let path = common::repo().join("docs/trace.md");
    let want = promosim::report::records::trace_reference_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).expect("write docs/trace.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/trace.md is out of date: run `UPDATE_DOCS=1 cargo test --test metric_reference`"
    );
}

#[test]
fn every_trace_kind_has_a_distinct_name() {
    use promosim::engine::TraceKind;
    let mut names: Vec<&str> = TraceKind::ALL.iter().map(|k| k.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), TraceKind::ALL.len());
}
