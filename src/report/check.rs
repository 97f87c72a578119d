//! `check`'s roll-up, as a test runner shows it: one outcome per scenario
//! (its verdicts, metrics and golden comparison, or why it did not run),
//! the terminal block of each, the totals and the exit status, the JSON
//! document and the JUnit suites.
//!
//! Owns the layout of those results. Must not run or judge anything.

use super::summary::Inputs;
use crate::analysis::accuracy::Accuracy;
use crate::analysis::golden::Comparison;
use crate::analysis::junit::{junit_xml, Suite};
use crate::analysis::{Metrics, Status, Verdict};
use crate::results::Failure;
use serde::Serialize;

/// What happened to one scenario.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub file: String,
    pub scenario: Option<String>,
    pub circuit: Option<String>,
    /// The parameters and overrides the run was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Inputs>,
    pub status: Status,
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The engine failure that stopped the run early; `error` holds its
    /// message and the verdicts were judged on the part computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Failure>,
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
            inputs: None,
            status: Status::Error,
            seconds: 0.0,
            error: None,
            stopped: None,
            verdicts: Vec::new(),
            metrics: None,
            golden: None,
            verify: None,
        }
    }

    /// Sets the run time and the status from the error and the verdicts.
    /// A run stopped by the engine fails when a limit failed before the
    /// stop, and is an error only when nothing failed.
    pub fn finish(&mut self, seconds: f64) {
        self.seconds = seconds;
        let failed = self.verdicts.iter().any(|v| v.status == Status::Fail);
        self.status = if self.stopped.is_some() && failed {
            Status::Fail
        } else if self.error.is_some() || self.verdicts.iter().any(|v| v.status == Status::Error) {
            Status::Error
        } else if failed {
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
    /// Limits not evaluated plus scenarios that did not run (or stopped).
    pub errors: usize,
    /// The worst scenario status, which decides the exit status.
    pub worst: Status,
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
        let rank = |s: Status| match s {
            Status::Pass => 0,
            Status::Fail => 1,
            Status::Error => 2,
        };
        Tally {
            passed: count(Status::Pass),
            failed: count(Status::Fail),
            errors: count(Status::Error) + outcomes.iter().filter(|o| o.error.is_some()).count(),
            worst: outcomes
                .iter()
                .map(|o| o.status)
                .max_by_key(|s| rank(*s))
                .unwrap_or(Status::Pass),
        }
    }

    /// 0 every limit passed; 1 a limit failed (also before an engine
    /// failure stopped the run); 2 something not evaluated, a scenario
    /// that did not run, or a stopped run on which no limit failed.
    pub fn exit_code(&self) -> u8 {
        match self.worst {
            Status::Pass => 0,
            Status::Fail => 1,
            Status::Error => 2,
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
