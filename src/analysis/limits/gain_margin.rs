//! `GainMargin`: the gain margin of every control loop of the matching
//! regulated converters, at every operating point of the run.

use super::common::worst_point;
use super::loops::{judged, unstable, worst_loop};
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::stability::LoopGain;
use crate::analysis::verdict::{threshold, Measure};
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if a loop's gain margin is below `min_db`, or its closed loop is
/// unstable.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GainMargin {
    /// Converter name or glob.
    pub component: String,
    /// Smallest allowed gain margin, dB.
    pub min_db: f64,
}

impl LimitKind for GainMargin {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::finite("min_db", self.min_db)
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
                let (gm, hz) = gain_margin_of(l);
                let head = hz.map_or_else(
                    || "no phase crossover: the gain margin is unbounded".into(),
                    |f| format!("phase crossover at {f:.4} Hz"),
                );
                Ok((gm, head))
            })
        })?;
        Ok(judged(worst, self.min_db, "dB"))
    }

    fn name(&self) -> String {
        let min = threshold(self.min_db, "dB");
        format!("GainMargin {} ≥ {min}", self.component)
    }

}

/// Gain margin of one loop for the limit: the smaller of the gain
/// increase and the gain reduction that destabilise it, dB. Unbounded
/// when neither exists; for an unstable closed loop, minus the smallest
/// gain change that reaches a critical gain (−∞ when none does).
fn gain_margin_of(l: &LoopGain) -> (f64, Option<f64>) {
    let m = &l.margins;
    let up = m.gain_margin_db.map(|g| (g, m.phase_crossover_hz));
    let down = m
        .lower_gain_margin_db
        .map(|g| (-g, m.lower_phase_crossover_hz));
    let nearest = match (up, down) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    match (nearest, unstable(l)) {
        (Some((g, f)), false) => (g, f),
        (Some((g, f)), true) => (-g.abs(), f),
        (None, false) => (f64::INFINITY, None),
        (None, true) => (f64::NEG_INFINITY, None),
    }
}
