//! JUnit XML for CI test tabs (Azure Pipelines `PublishTestResults`, GitHub
//! test reporters, GitLab `artifacts:reports:junit`): one `<testcase>` per
//! checked metric, a `<failure>` for a regression or a missing metric.
//!
//! The shape is the common denominator those readers accept:
//! `<testsuites>` → one `<testsuite name tests failures errors skipped time>` →
//! `<testcase classname name time>` with an optional `<failure message type>`.

use std::fmt::Write;

use crate::check::{CheckReport, Verdict};
use crate::report::check::explain;

/// Escapes text for an XML attribute or element, dropping characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

/// The JUnit XML of a check.
pub fn render(r: &CheckReport) -> String {
    let tests = r.metrics.len();
    let failures = r.metrics.iter().filter(|m| m.verdict.fails()).count();
    let skipped = r
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::NotApplicable)
        .count();
    let suite = escape(&format!("promosim check {}", r.scenario));
    let class = escape(&format!("promosim.{}", r.scenario));
    let mut o = String::new();
    let _ = writeln!(o, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        o,
        r#"<testsuites name="promosim check" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}" time="0">"#
    );
    let _ = writeln!(
        o,
        r#"  <testsuite name="{suite}" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}" time="0">"#
    );
    let _ = writeln!(o, "    <properties>");
    for (k, v) in [
        ("seed", r.seed.to_string()),
        ("replications", r.replications.to_string()),
    ] {
        let _ = writeln!(o, r#"      <property name="{k}" value="{}"/>"#, escape(&v));
    }
    let _ = writeln!(o, "    </properties>");
    for m in &r.metrics {
        let name = escape(&m.key);
        let detail = escape(&explain(m));
        match m.verdict {
            Verdict::Regressed | Verdict::Changed | Verdict::Missing => {
                let _ = writeln!(
                    o,
                    r#"    <testcase classname="{class}" name="{name}" time="0">"#
                );
                let _ = writeln!(
                    o,
                    r#"      <failure message="{} {}" type="{}">{detail}</failure>"#,
                    escape(&m.key),
                    m.verdict.name().to_ascii_lowercase(),
                    m.verdict.name().to_ascii_lowercase()
                );
                let _ = writeln!(o, "    </testcase>");
            }
            Verdict::NotApplicable => {
                let _ = writeln!(
                    o,
                    r#"    <testcase classname="{class}" name="{name}" time="0">"#
                );
                let _ = writeln!(o, r#"      <skipped message="{detail}"/>"#);
                let _ = writeln!(o, "    </testcase>");
            }
            Verdict::Pass | Verdict::Improved => {
                let _ = writeln!(
                    o,
                    r#"    <testcase classname="{class}" name="{name}" time="0">"#
                );
                let _ = writeln!(
                    o,
                    "      <system-out>{} {detail}</system-out>",
                    m.verdict.name()
                );
                let _ = writeln!(o, "    </testcase>");
            }
        }
    }
    if !r.notes.is_empty() {
        let notes: Vec<String> = r.notes.iter().map(|n| format!("note: {n}")).collect();
        let _ = writeln!(
            o,
            "    <system-out>{}</system-out>",
            escape(&notes.join("\n"))
        );
    }
    let _ = writeln!(o, "  </testsuite>");
    let _ = writeln!(o, "</testsuites>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
    }
}
