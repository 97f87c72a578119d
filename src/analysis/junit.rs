//! JUnit XML for `busbar check`: one `<testsuite>` per scenario, one
//! `<testcase>` per limit, in the layout common CI systems read (Jenkins,
//! GitLab, GitHub test reporters): `<failure>` for a broken limit,
//! `<error>` for one that could not be evaluated or a scenario that did
//! not run.
//!
//! Test-case names are unique within a suite, as CI reporters key results
//! by name: `check` judges a limit repeated by `--limits` once, and two
//! different limits that still read alike get ` (2)`, ` (3)` … appended in
//! the order they were judged.
//!
//! Times: a scenario's limits are all judged on one run, so the suite's
//! `time` is the measured wall time of that scenario (reading, simulating
//! and judging), and each test case gets an equal share of it, so that the
//! cases add up to the suite as reporters expect. Judging one limit takes
//! microseconds against the run's seconds and is not timed on its own.

use super::verdict::{Status, Verdict};
use std::fmt::Write as _;

/// One scenario's results.
#[derive(Debug, Clone, Copy)]
pub struct Suite<'a> {
    /// The scenario file, as given on the command line.
    pub file: &'a str,
    /// The scenario's `name`, if it was read.
    pub scenario: Option<&'a str>,
    pub verdicts: &'a [Verdict],
    /// Why the scenario did not run, or why its run stopped early (its
    /// verdicts then judge the part computed).
    pub error: Option<&'a str>,
    /// Wall time of the run, seconds.
    pub seconds: f64,
}

impl Suite<'_> {
    /// Tests, failures and errors: one test case per verdict, plus one
    /// error case for a run that did not run or stopped early.
    fn counts(&self) -> (usize, usize, usize) {
        let stopped = usize::from(self.error.is_some());
        let failures = self
            .verdicts
            .iter()
            .filter(|v| v.status == Status::Fail)
            .count();
        let errors = self
            .verdicts
            .iter()
            .filter(|v| v.status == Status::Error)
            .count();
        (self.verdicts.len() + stopped, failures, errors + stopped)
    }
}

/// Renders the report. Deterministic apart from the run times.
pub fn junit_xml(suites: &[Suite]) -> String {
    let (mut tests, mut failures, mut errors, mut seconds) = (0, 0, 0, 0.0);
    for s in suites {
        let (t, f, e) = s.counts();
        tests += t;
        failures += f;
        errors += e;
        seconds += s.seconds;
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"busbar check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{seconds:.3}\">"
    );
    for s in suites {
        push_suite(&mut out, s);
    }
    out.push_str("</testsuites>\n");
    out
}

fn push_suite(out: &mut String, s: &Suite) {
    let (tests, failures, errors) = s.counts();
    let class = class_name(s.file);
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{:.3}\">",
        escape(s.file),
        s.seconds
    );
    if let Some(name) = s.scenario {
        let _ = writeln!(
            out,
            "    <properties><property name=\"scenario\" value=\"{}\"/></properties>",
            escape(name)
        );
    }
    if let Some(why) = s.error {
        let _ = writeln!(
            out,
            "    <testcase classname=\"{}\" name=\"run\" time=\"{:.3}\">\n      <error message=\"{}\" type=\"error\">{}</error>\n    </testcase>",
            escape(&class),
            s.seconds / tests as f64,
            escape(first_line(why)),
            escape(why)
        );
    }
    let share = if tests > 0 {
        s.seconds / tests as f64
    } else {
        0.0
    };
    for (v, name) in s.verdicts.iter().zip(unique_names(s.verdicts)) {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{share:.3}\"",
            escape(&class),
            escape(&name)
        );
        let body = format!("{}\n{}", v.line(), v.detail);
        match v.status {
            Status::Pass => out.push_str("/>\n"),
            Status::Fail => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    escape(&v.line()),
                    escape(&v.kind),
                    escape(&body)
                );
            }
            Status::Error => {
                let _ = writeln!(
                    out,
                    ">\n      <error message=\"{}\" type=\"{}\">{}</error>\n    </testcase>",
                    escape(&v.line()),
                    escape(&v.kind),
                    escape(&body)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n");
}

/// The verdicts' names, with ` (2)`, ` (3)` … after a name already used
/// in the suite.
fn unique_names(verdicts: &[Verdict]) -> Vec<String> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    verdicts
        .iter()
        .map(|v| {
            let n = seen.entry(v.name.as_str()).or_insert(0);
            *n += 1;
            if *n == 1 {
                v.name.clone()
            } else {
                format!("{} ({n})", v.name)
            }
        })
        .collect()
}

/// `scenarios/step_30_100.ron` → `scenarios.step_30_100`, the dotted
/// form CI reporters group test cases by.
fn class_name(file: &str) -> String {
    let trimmed = file.strip_suffix(".ron").unwrap_or(file);
    trimmed.trim_start_matches("./").replace(['/', '\\'], ".")
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Escapes text for XML attributes and content; drops the control
/// characters XML 1.0 forbids and keeps line breaks in attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_counts() {
        assert_eq!(
            escape("a<b & \"c\"\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot;&#10;"
        );
        let v = Verdict::error(
            &crate::analysis::Limit::MinDamping(crate::analysis::limits::MinDamping {
                ratio: 0.05,
            }),
            "not evaluated",
        );
        let xml = junit_xml(&[Suite {
            file: "scenarios/x.ron",
            scenario: Some("x <1>"),
            verdicts: std::slice::from_ref(&v),
            error: None,
            seconds: 0.5,
        }]);
        assert!(xml.contains("tests=\"1\" failures=\"0\" errors=\"1\""));
        assert!(xml.contains("classname=\"scenarios.x\" name=\"MinDamping ζ ≥ 0.05\""));
        assert!(xml.contains("value=\"x &lt;1&gt;\""));
    }

    #[test]
    fn names_are_unique_and_times_add_up_to_the_run() {
        let limit =
            crate::analysis::Limit::MinDamping(crate::analysis::limits::MinDamping { ratio: 0.05 });
        let verdicts = vec![
            Verdict::error(&limit, "a"),
            Verdict::error(&limit, "b"),
            Verdict::error(&limit, "c"),
        ];
        let xml = junit_xml(&[Suite {
            file: "s.ron",
            scenario: None,
            verdicts: &verdicts,
            error: None,
            seconds: 1.5,
        }]);
        assert!(
            xml.contains("name=\"MinDamping ζ ≥ 0.05\" time=\"0.500\""),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"MinDamping ζ ≥ 0.05 (2)\" time=\"0.500\""),
            "{xml}"
        );
        assert!(xml.contains("name=\"MinDamping ζ ≥ 0.05 (3)\""), "{xml}");
        assert!(xml.contains("skipped=\"0\" time=\"1.500\""), "{xml}");
    }
}
