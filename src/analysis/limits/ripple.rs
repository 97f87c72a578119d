//! `Ripple`: the peak-to-peak voltage of a node in a time window, by
//! default its quiet windows (`analysis::ripple::quiet_windows`).

use super::columnwise::{self, Columnwise, PerColumn};
use super::common::{first_largest, voltage_record};
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::signal::Signal;
use crate::analysis::ripple::{quiet_ripple, ripple};
use crate::analysis::transient::DEFAULT_SETTLE_BAND_PCT;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::{Column, Quantity};
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Peak-to-peak ripple in `window` (seconds); without one, in the node's
/// quiet windows (settled, no load change acting), the worst of them.
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
        Some(LimitTarget::voltage(&self.node))
    }

    fn record(&self) -> Option<String> {
        Some(voltage_record(&self.node))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        columnwise::measure(self, run)
    }

    fn columnwise(&self) -> Option<&dyn Columnwise> {
        Some(self)
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

impl Columnwise for Ripple {
    fn columns(&self) -> (&str, Quantity) {
        (&self.node, Quantity::Voltage)
    }

    /// The column's peak-to-peak in the window (or the quiet windows),
    /// with the instant of its low.
    fn column(&self, run: Run, c: &Column, s: &Signal) -> PerColumn {
        let measured = match self.window {
            Some((a, b)) => ripple(s, a, b),
            None => quiet_ripple(s, run.events, c.nominal, DEFAULT_SETTLE_BAND_PCT),
        }?;
        let (a, b) = measured.window;
        let when = s.extremes(a, b).map_or(a, |(lo, _)| lo.time);
        Some((measured.peak_to_peak, when))
    }

    /// The largest column, the first of equals: the order of a serial walk.
    fn judge(&self, _: Run, per: Vec<(&Column, PerColumn)>) -> Result<Measure, String> {
        let worst = first_largest(per);
        let (pp, target, time) = worst.ok_or(if self.window.is_some() {
            "no samples in the ripple window"
        } else {
            "not evaluated: the node never settles between events; name a `window`"
        })?;
        Ok(Measure {
            measured: pp,
            limit: self.max_pp_volts,
            margin: self.max_pp_volts - pp,
            unit: "V",
            target: Some(target),
            time: Some(time),
            detail: if self.window.is_some() {
                "peak-to-peak in the window".into()
            } else {
                "peak-to-peak in the quiet windows".into()
            },
        })
    }
}
