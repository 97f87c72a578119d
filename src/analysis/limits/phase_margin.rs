//! `PhaseMargin`: the phase margin of every control loop of the matching
//! regulated converters, at every operating point of the run.

use super::common::worst_point;
use super::loops::{judged, unstable, worst_loop};
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::stability::LoopGain;
use crate::analysis::verdict::{threshold, Measure};
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if a loop's phase margin is below `min_degrees`, or its closed
/// loop is unstable.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseMargin {
    /// Converter name or glob.
    pub component: String,
    /// Smallest allowed phase margin, degrees.
    pub min_degrees: f64,
}

impl LimitKind for PhaseMargin {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::finite("min_degrees", self.min_degrees)
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::component(&self.component))
    }

    fn small_signal(&self) -> bool {
        true
    }

    fn measure(&self, _: Run, small: &mut dyn SmallSignal) -> Result<Measure, String> {
        let worst = worst_point(small, |b| {
            worst_loop(b, &self.component, |l| {
                let head = l
                    .margins
                    .crossover_hz
                    .map_or_else(String::new, |f| format!("crossover at {f:.4} Hz"));
                Ok((phase_margin_of(l)?, head))
            })
        })?;
        Ok(judged(worst, self.min_degrees, "°"))
    }

    fn name(&self) -> String {
        let min = threshold(self.min_degrees, "°");
        format!("PhaseMargin {} ≥ {min}", self.component)
    }

}

/// Phase margin of one loop for the limit: Nyquist-consistent, negative
/// for an unstable closed loop (−180° when it has no gain crossover).
fn phase_margin_of(l: &LoopGain) -> Result<f64, String> {
    match (l.margins.phase_margin_deg, unstable(l)) {
        (Some(pm), _) => Ok(pm),
        (None, true) => Ok(-180.0),
        (None, false) => Err(format!(
            "not evaluated: the loop gain of `{}` has no 0 dB crossover",
            l.device
        )),
    }
}
