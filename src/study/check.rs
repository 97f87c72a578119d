//! `check`'s judgement of one scenario: the study's verdicts plus the
//! comparison of its waveforms with a golden file.
//!
//! Owns the reading of golden files. Must not write them (blessing is the
//! caller's decision) nor lay out the outcome (`report::check`).

use super::{Simulation, Study, StudyError};
use crate::analysis::golden::{self, Comparison, Envelope};
use crate::analysis::{Analysis, Measure, Status, Verdict};
use crate::results::Waveforms;
use std::path::{Path, PathBuf};

/// Where the golden waveforms live and how close a run must stay to them.
#[derive(Debug, Clone)]
pub struct GoldenCheck {
    pub dir: PathBuf,
    pub envelope: Envelope,
}

/// A judged run: its verdicts (the golden one last) and the golden
/// comparison, when there was one.
#[derive(Debug)]
pub struct Checked {
    pub run: Simulation,
    pub analysis: Analysis,
    pub golden: Option<Comparison>,
}

impl Study {
    /// Runs the scenario and judges its limits and, with `golden`, its
    /// waveforms against `DIR/<scenario>.csv`. A run the engine stopped is
    /// judged on what it computed (`Checked::run.stopped` says why).
    pub fn check(&self, golden: Option<&GoldenCheck>) -> Result<Checked, StudyError> {
        let run = self.simulate_keeping_partial(None)?;
        let mut analysis = self.judge(&run);
        let mut comparison = None;
        if let (Some(g), Some(s)) = (golden, self.scenario()) {
            let file = golden::golden_path(&g.dir, s.path());
            let verdict = golden_verdict(&file, &run.waveforms, &g.envelope, &mut comparison);
            analysis.verdicts.push(verdict);
        }
        Ok(Checked {
            run,
            analysis,
            golden: comparison,
        })
    }
}

/// The golden comparison as a verdict; a missing or unreadable golden file
/// is an error verdict (exit 2), not a failure.
pub fn golden_verdict(
    file: &Path,
    waveforms: &Waveforms,
    envelope: &Envelope,
    keep: &mut Option<Comparison>,
) -> Verdict {
    let limit_name = format!("Golden {}", file.display());
    let error = |why: String| {
        let mut v = Verdict::new(
            "Golden",
            limit_name.clone(),
            Measure {
                measured: f64::NAN,
                limit: 1.0,
                margin: f64::NAN,
                unit: "",
                target: None,
                time: None,
                detail: why,
            },
        );
        v.status = Status::Error;
        v
    };
    let bytes = match crate::budget::read_input(file) {
        Ok(b) => b,
        Err(e) => {
            return error(format!(
                "cannot read {}: {e}; run with --bless to create it",
                file.display()
            ))
        }
    };
    match golden::parse_csv(&bytes) {
        Ok(g) => {
            let c = golden::compare(file, &g, waveforms, envelope);
            let v = c.verdict();
            *keep = Some(c);
            v
        }
        Err(e) => error(format!("{}: {e}", file.display())),
    }
}
