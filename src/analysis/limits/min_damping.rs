//! `MinDamping`: the least damped mode of the linearised circuit, at
//! every operating point of the run.

use super::common::worst_point;
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::stability::{modes, state_space};
use crate::analysis::verdict::{threshold, Measure};
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if any mode is damped less than `ratio`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MinDamping {
    /// Smallest allowed damping ratio ζ, in [0, 1).
    pub ratio: f64,
}

impl LimitKind for MinDamping {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        let ok = (0.0..1.0).contains(&self.ratio);
        rules::require("ratio", self.ratio, ok, "must be within [0, 1)")
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        None
    }

    fn small_signal(&self) -> bool {
        true
    }

    fn measure(&self, _: Run, small: &mut dyn SmallSignal) -> Result<Measure, String> {
        let (zeta, mode, t) = worst_point(small, |b| {
            let ss = state_space(&b.model, &b.point, false).map_err(|e| e.to_string())?;
            let m = modes(&ss).map_err(|e| e.to_string())?;
            let least = m.least_damped().ok_or("the model has no dynamic states")?;
            Ok((least.damping, least.describe()))
        })?;
        Ok(Measure {
            measured: zeta,
            limit: self.ratio,
            margin: zeta - self.ratio,
            unit: "",
            target: Some(mode),
            time: Some(t),
            detail: "least damped mode at the operating point of `time`".into(),
        })
    }

    fn name(&self) -> String {
        format!("MinDamping ζ ≥ {}", threshold(self.ratio, ""))
    }

}
