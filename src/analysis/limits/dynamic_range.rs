//! `DynamicRange`: the band a component's power must stay in, the
//! "dynamic power range" of the utility-style spec in Choukse et al.,
//! "Power Stabilization for AI Training Datacenters" (arXiv:2508.14318,
//! 2025): the short-term deviation allowed before ramp constraints apply,
//! which the paper says is informed by IEC 61000-3-3.
//!
//! Two forms, either or both: fixed bounds `min_watts` / `max_watts` on
//! P(t), and a half-width `around_mean_watts` about the trailing running
//! mean of P over `window` seconds (over the run so far during its first
//! window). Judged at every sample; fixed bounds are exact for the linear
//! interpolant, the band about the running mean is checked at the sample
//! instants. The worst margin of all bounds and matching columns is
//! reported. Must not know other kinds' fields.

use super::common::columns;
use super::{Band, BandShape, LimitKind, Run, SmallSignal};
use crate::analysis::pcc::Integral;
use crate::analysis::signal::Signal;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if the component's power leaves `[min_watts, max_watts]` or
/// departs more than `around_mean_watts` from its mean over the trailing
/// `window`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicRange {
    /// Component name or glob.
    pub component: String,
    /// Lowest allowed power, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_watts: Option<f64>,
    /// Highest allowed power, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_watts: Option<f64>,
    /// Largest allowed |P − running mean|, W; needs `window`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub around_mean_watts: Option<f64>,
    /// Length of the trailing running mean, s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<f64>,
}

/// The worst point of one column: margin (W), power, instant, the bound
/// it is nearest (W) and which one.
type Worst = (f64, f64, f64, f64, &'static str);

impl DynamicRange {
    fn worst(&self, s: &Signal) -> Option<Worst> {
        let mut worst: Option<Worst> = None;
        let mut keep = |m: Worst| {
            if m.0.is_finite() && worst.is_none_or(|w| m.0 < w.0) {
                worst = Some(m);
            }
        };
        let e = Integral::new(s);
        for (&t, &p) in s.time.iter().zip(s.values) {
            if let Some(lo) = self.min_watts {
                keep((p - lo, p, t, lo, "`min_watts`"));
            }
            if let Some(hi) = self.max_watts {
                keep((hi - p, p, t, hi, "`max_watts`"));
            }
            if let (Some(half), Some(w)) = (self.around_mean_watts, self.window) {
                let mean = e.trailing_mean(t, w);
                let edge = mean + half.copysign(p - mean);
                keep((half - (p - mean).abs(), p, t, edge, "the running mean ± `around_mean_watts`"));
            }
        }
        worst
    }
}

impl LimitKind for DynamicRange {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        for (field, x) in [("min_watts", self.min_watts), ("max_watts", self.max_watts)] {
            if let Some(x) = x {
                rules::finite(field, x)?;
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_watts, self.max_watts) {
            rules::require("max_watts", hi, hi > lo, "must be above `min_watts`")?;
        }
        if let Some(h) = self.around_mean_watts {
            rules::positive("around_mean_watts", h)?;
        }
        if let Some(w) = self.window {
            rules::positive("window", w)?;
        }
        // Pointed at whichever of the two is written.
        let given = if self.window.is_some() { "window" } else { "around_mean_watts" };
        rules::ensure(
            given,
            self.around_mean_watts.is_some() == self.window.is_some(),
            "`around_mean_watts` and `window` go together".into(),
        )?;
        let any = self.min_watts.is_some() || self.max_watts.is_some();
        rules::ensure(
            "component",
            any || self.around_mean_watts.is_some(),
            "give `min_watts`, `max_watts` or `around_mean_watts` with `window`".into(),
        )
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::component(&self.component))
    }

    fn record(&self) -> Option<String> {
        Some(format!("p({})", self.component))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let mut worst: Option<(Worst, String)> = None;
        for (name, s, _) in columns(run.waveforms, &self.component, Quantity::Power)? {
            if let Some(m) = self.worst(&s) {
                if worst.as_ref().is_none_or(|w| m.0 < w.0 .0) {
                    worst = Some((m, name));
                }
            }
        }
        let ((margin, p, t, edge, side), target) = worst.ok_or("not evaluated: no finite samples")?;
        let closest = if margin < 0.0 { "farthest beyond" } else { "closest" };
        Ok(Measure {
            measured: p,
            limit: edge,
            margin,
            unit: "W",
            target: Some(target),
            time: Some(t),
            detail: format!(
                "P = {} at its {closest} to {side} ({})",
                threshold(p, "W"),
                threshold(edge, "W")
            ),
        })
    }

    fn name(&self) -> String {
        let w = |x: f64| threshold(x, "W");
        let mut parts = Vec::new();
        match (self.min_watts, self.max_watts) {
            (Some(lo), Some(hi)) => parts.push(format!("in [{}, {}]", w(lo), w(hi))),
            (Some(lo), None) => parts.push(format!("≥ {}", w(lo))),
            (None, Some(hi)) => parts.push(format!("≤ {}", w(hi))),
            (None, None) => {}
        }
        if let (Some(h), Some(win)) = (self.around_mean_watts, self.window) {
            parts.push(format!("±{} of its {} mean", w(h), threshold(win, "s")));
        }
        format!("DynamicRange {} {}", self.component, parts.join(", "))
    }

    fn band(&self) -> Option<Band> {
        if self.min_watts.is_none() && self.max_watts.is_none() {
            return None;
        }
        Some(Band {
            label: self.name(),
            pattern: self.component.clone(),
            quantity: Quantity::Power,
            shape: BandShape::Fixed {
                lower: self.min_watts,
                upper: self.max_watts,
                tolerated: 0.0,
            },
        })
    }
}
