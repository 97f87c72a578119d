//! `RampRate`: the largest |dP/dt| of a component's power, the grid
//! operator's ramp limit on a data centre's demand.

use super::common::{upper, worst_of};
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::metrics::max_slope;
use crate::analysis::ripple::MAX_FFT_POINTS;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if the component's power ever changes faster than
/// `max_watts_per_second`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RampRate {
    /// Component name or glob.
    pub component: String,
    /// Largest allowed |dP/dt|, W/s.
    pub max_watts_per_second: f64,
}

impl LimitKind for RampRate {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::positive("max_watts_per_second", self.max_watts_per_second)
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::component(&self.component))
    }

    fn record(&self) -> Option<String> {
        Some(format!("p({})", self.component))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let (at, target) = worst_of(run.waveforms, &self.component, Quantity::Power, |s| {
            let (a, b) = s.span()?;
            max_slope(&s.resample(a, b, MAX_FFT_POINTS)?)
        })?;
        let detail = "largest |dP/dt| over one sample step";
        Ok(upper(at, target, self.max_watts_per_second, "W/s", detail))
    }

    fn name(&self) -> String {
        let rate = threshold(self.max_watts_per_second, "W/s");
        format!("RampRate {} ≤ {rate}", self.component)
    }

}
