//! `ImpedanceRatio`: the Middlebrook criterion at a converter interface,
//! the gain and phase margins of the minor-loop gain Z_source/Z_load, at
//! every operating point of the run.

use super::common::worst_point;
use super::loops::{F_MAX, F_MIN, PER_DECADE};
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::stability::{default_frequencies, minor_loop_gain, power_inputs, Bound};
use crate::analysis::verdict::{threshold, Measure};
use crate::glob;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if the minor-loop gain at a converter interface on `node` has
/// less gain or phase margin than required.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImpedanceRatio {
    /// Node name or glob where converter inputs sit.
    pub node: String,
    /// Smallest allowed gain margin of the minor-loop gain, dB.
    pub min_gm_db: f64,
    /// Smallest allowed phase margin of the minor-loop gain, degrees.
    pub min_pm_degrees: f64,
}

impl LimitKind for ImpedanceRatio {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::finite("min_gm_db", self.min_gm_db)?;
        rules::finite("min_pm_degrees", self.min_pm_degrees)
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::node(&self.node))
    }

    fn small_signal(&self) -> bool {
        true
    }

    fn measure(&self, _: Run, small: &mut dyn SmallSignal) -> Result<Measure, String> {
        let (gm, pm) = (self.min_gm_db, self.min_pm_degrees);
        let (_, m, t) = worst_point(small, |b| interface_margins(b, &self.node, gm, pm))?;
        Ok(Measure { time: Some(t), ..m })
    }

    fn name(&self) -> String {
        format!(
            "ImpedanceRatio {} GM ≥ {}, PM ≥ {}",
            self.node,
            threshold(self.min_gm_db, "dB"),
            threshold(self.min_pm_degrees, "°")
        )
    }

}

/// The worst interface at `node`: gain and phase margins of the minor-loop
/// gain T_m = Z_source/Z_load, scored by the smaller of the two margins
/// relative to its limit. Without a phase crossover the gain margin is at
/// least −20·log10 of the peak |T_m|; without a 0 dB crossover (|T_m| < 1
/// everywhere, the Middlebrook case) the phase margin is unbounded.
fn interface_margins(
    b: &Bound,
    node: &str,
    min_gm: f64,
    min_pm: f64,
) -> Result<(f64, Measure), String> {
    let freqs = default_frequencies(F_MIN, F_MAX, PER_DECADE).map_err(|e| e.to_string())?;
    let mut worst: Option<(f64, Measure)> = None;
    for component in power_inputs(&b.circuit) {
        let ml = minor_loop_gain(&b.circuit, &b.model, &b.point, &component, None, &freqs)
            .map_err(|e| e.to_string())?;
        if !glob::matches(node, &ml.node) {
            continue;
        }
        // The lowest critical gain: a crossover above 1 counts first.
        let gm = ml
            .margins
            .lower_gain_margin_db
            .or(ml.margins.gain_margin_db)
            .unwrap_or(-20.0 * ml.peak_gain.max(f64::MIN_POSITIVE).log10());
        let pm = ml.margins.phase_margin_deg.unwrap_or(f64::INFINITY);
        let (rel_gm, rel_pm) = (
            (gm - min_gm) / min_gm.abs().max(1.0),
            (pm - min_pm) / min_pm.abs().max(1.0),
        );
        let detail = format!(
            "interface `{component}` at {}: GM {gm:.2} dB, PM {}, peak |T_m| {:.3} at {:.4} Hz",
            ml.node,
            if pm.is_finite() {
                format!("{pm:.1}°")
            } else {
                "unbounded".into()
            },
            ml.peak_gain,
            ml.peak_hz
        );
        let m = if rel_gm <= rel_pm {
            Measure {
                measured: gm,
                limit: min_gm,
                margin: gm - min_gm,
                unit: "dB",
                target: Some(component.clone()),
                time: None,
                detail,
            }
        } else {
            Measure {
                measured: pm,
                limit: min_pm,
                margin: pm - min_pm,
                unit: "°",
                target: Some(component.clone()),
                time: None,
                detail,
            }
        };
        let score = rel_gm.min(rel_pm);
        if worst.as_ref().is_none_or(|w| score < w.0) {
            worst = Some((score, m));
        }
    }
    worst.ok_or_else(|| {
        format!("not evaluated: no converter interface (component with an `input` terminal) sits on `{node}`")
    })
}
