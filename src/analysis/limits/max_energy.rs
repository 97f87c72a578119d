//! `MaxEnergy`: the depth of discharge a storage element must cover.

use super::common::{upper, worst_of};
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::metrics::max_discharge;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Largest net energy a component delivers over any interval of the run
/// (the depth of discharge a storage element must cover). Its `p(...)` is
/// read in the source convention of stores and sources, positive while it
/// delivers (docs/conventions.md).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaxEnergy {
    /// Component name or glob.
    pub component: String,
    /// Largest allowed net energy delivered, J.
    pub joules: f64,
}

impl LimitKind for MaxEnergy {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::positive("joules", self.joules)
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::component(&self.component))
    }

    fn record(&self) -> Option<String> {
        Some(format!("p({})", self.component))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let (at, target) = worst_of(run.waveforms, &self.component, Quantity::Power, |s| {
            Some(max_discharge(s, true))
        })?;
        let detail = "largest net energy delivered over any interval";
        Ok(upper(at, target, self.joules, "J", detail))
    }

    fn name(&self) -> String {
        let joules = threshold(self.joules, "J");
        format!("MaxEnergy {} ≤ {joules}", self.component)
    }

}
