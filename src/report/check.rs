//! `check`'s roll-up, as a test runner shows it: one outcome per scenario
//! (its verdicts, metrics and golden comparison, or why it did not run),
//! the terminal block of each, the totals and the exit status, the JSON
//! document and the JUnit suites.
//!
//! Owns the layout of those results. Must not run or judge anything.

use crate::analysis::accuracy::Accuracy;
use crate::analysis::golden::Comparison;
use crate::analysis::junit::{junit_xml, Suite};
use crate::analysis::{Metrics, Status, Verdict};
use serde::Serialize;

/// What happened to one scenario.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub file: String,
    pub scenario: Option<String>,
    pub circuit: Option<String>,
    pub status: Status,
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub verdicts: Vec<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub golden: Option<Comparison>,
    /// The `--verify` comparison with the tighter rerun.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<Accuracy>,
}

impl Outcome {
    /// A scenario not yet run (an error until it is).
    pub fn new(file: String) -> Outcome {
        Outcome {
            file,
            scenario: None,
            circuit: None,
            status: Status::Error,
            seconds: 0.0,
            error: None,
            verdicts: Vec::new(),
            metrics: None,
            golden: None,
            verify: None,
        }
    }

    /// Sets the run time and the status from the error and the verdicts.
    pub fn finish(&mut self, seconds: f64) {
        self.seconds = seconds;
        self.status =
            if self.error.is_some() || self.verdicts.iter().any(|v| v.status == Status::Error) {
                Status::Error
            } else if self.verdicts.iter().any(|v| v.status == Status::Fail) {
                Status::Fail
            } else {
                Status::Pass
            };
    }

    /// The scenario's block of the terminal report.
    pub fn render(&self) -> String {
        let mut out = match &self.scenario {
            Some(name) => format!("{}: {name} ({:.2} s)\n", self.file, self.seconds),
            None => format!("{}\n", self.file),
        };
        if let Some(e) = &self.error {
            out.push_str(&format!("  ERROR {}\n", e.lines().next().unwrap_or("")));
        } else if self.verdicts.is_empty() {
            out.push_str("  (no limits)\n");
        }
        for v in &self.verdicts {
            out.push_str(&format!("  {}\n", v.line()));
        }
        out
    }
}

/// Verdict counts over every scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    /// Limits not evaluated plus scenarios that did not run.
    pub errors: usize,
}

impl Tally {
    pub fn of(outcomes: &[Outcome]) -> Tally {
        let count = |s: Status| {
            outcomes
                .iter()
                .flat_map(|o| &o.verdicts)
                .filter(|v| v.status == s)
                .count()
        };
        Tally {
            passed: count(Status::Pass),
            failed: count(Status::Fail),
            errors: count(Status::Error) + outcomes.iter().filter(|o| o.error.is_some()).count(),
        }
    }

    /// 0 every limit passed, 1 a limit failed, 2 something not evaluated.
    pub fn exit_code(&self) -> u8 {
        if self.errors > 0 {
            2
        } else if self.failed > 0 {
            1
        } else {
            0
        }
    }

    /// The closing lines of the terminal report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.errors > 0 {
            let s = if self.errors == 1 { "" } else { "s" };
            out.push_str(&format!("{} error{s}: not evaluated\n", self.errors));
        }
        out.push_str(&format!("{} passed, {} failed\n", self.passed, self.failed));
        out
    }
}

/// The `check --json` document.
pub fn check_json(outcomes: &[Outcome]) -> serde_json::Value {
    let t = Tally::of(outcomes);
    serde_json::json!({
        "passed": t.passed,
        "failed": t.failed,
        "errors": t.errors,
        "scenarios": outcomes,
    })
}

/// The JUnit XML of the outcomes, one suite per scenario.
pub fn check_junit(outcomes: &[Outcome]) -> String {
    let suites: Vec<Suite> = outcomes
        .iter()
        .map(|o| Suite {
            file: &o.file,
            scenario: o.scenario.as_deref(),
            verdicts: &o.verdicts,
            error: o.error.as_deref(),
            seconds: o.seconds,
        })
        .collect();
    junit_xml(&suites)
}
