//! `Ripple`: the peak-to-peak voltage of a node in a time window.

use super::common::columns;
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::ripple::ripple;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Peak-to-peak ripple in `window` (seconds), the whole run if absent.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ripple {
    /// Node name or glob.
    pub node: String,
    /// Largest allowed peak-to-peak voltage, V.
    pub max_pp_volts: f64,
    /// `(start, end)` of the judged window, seconds.
    #[serde(default)]
    pub window: Option<(f64, f64)>,
}

impl LimitKind for Ripple {
    fn validate(&self, duration: f64) -> Result<(), LimitIssue> {
        rules::positive("max_pp_volts", self.max_pp_volts)?;
        let Some((a, b)) = self.window else {
            return Ok(());
        };
        let ok = a.is_finite() && b.is_finite() && 0.0 <= a && a < b && b <= duration;
        let message =
            format!("`window` ({a}, {b}) must satisfy 0 ≤ start < end ≤ duration ({duration})");
        rules::ensure("window", ok, message)
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::node(&self.node))
    }

    fn record(&self) -> Option<String> {
        Some(format!("v({})", self.node))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let mut worst: Option<(f64, String, f64)> = None;
        for (name, s, _) in columns(run.waveforms, &self.node, Quantity::Voltage)? {
            let (a, b) = self.window.or(s.span()).ok_or("no samples")?;
            if let Some(r) = ripple(&s, a, b) {
                let when = s.extremes(a, b).map_or(a, |(lo, _)| lo.time);
                if worst.as_ref().is_none_or(|x| r.peak_to_peak > x.0) {
                    worst = Some((r.peak_to_peak, name, when));
                }
            }
        }
        let (pp, target, time) = worst.ok_or("no samples in the ripple window")?;
        Ok(Measure {
            measured: pp,
            limit: self.max_pp_volts,
            margin: self.max_pp_volts - pp,
            unit: "V",
            target: Some(target),
            time: Some(time),
            detail: "peak-to-peak in the window".into(),
        })
    }

    fn name(&self) -> String {
        let w = self
            .window
            .map(|(a, b)| format!(" in {}–{}", threshold(a, "s"), threshold(b, "s")))
            .unwrap_or_default();
        let pp = threshold(self.max_pp_volts, "V");
        format!("Ripple {} ≤ {pp} p-p{w}", self.node)
    }

    fn ripple_window(&self) -> Option<(&str, Option<(f64, f64)>)> {
        Some((&self.node, self.window))
    }
}
