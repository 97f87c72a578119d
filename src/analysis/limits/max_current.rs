//! `MaxCurrent`: the largest |i| through a component.

use super::common::{abs, upper, worst_of};
use super::{Band, BandShape, LimitKind, Run, SmallSignal};
use crate::analysis::metrics::peak;
use crate::analysis::verdict::{threshold, Measure};
use crate::units::eng;
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if |i| through the component ever exceeds `amps`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaxCurrent {
    /// Component name or glob.
    pub component: String,
    /// Largest allowed |i|, A.
    pub amps: f64,
}

impl LimitKind for MaxCurrent {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::positive("amps", self.amps)
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::component(&self.component))
    }

    fn record(&self) -> Option<String> {
        Some(format!("i({})", self.component))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let (at, target) = worst_of(run.waveforms, &self.component, Quantity::Current, |s| {
            peak(s).map(abs)
        })?;
        Ok(upper(at, target, self.amps, "A", "largest |i|"))
    }

    fn name(&self) -> String {
        let amps = threshold(self.amps, "A");
        format!("MaxCurrent {} ≤ {amps}", self.component)
    }

    fn band(&self) -> Option<Band> {
        Some(Band {
            label: format!("MaxCurrent {}", eng(self.amps, "A")),
            pattern: self.component.clone(),
            quantity: Quantity::Current,
            shape: BandShape::Fixed {
                lower: Some(-self.amps),
                upper: Some(self.amps),
                tolerated: 0.0,
            },
        })
    }
}
