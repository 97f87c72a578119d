//! `RampRate`: how fast a component's power may rise and fall, the grid
//! operator's ramp limit on a data centre's demand at the point of common
//! coupling (ramp-up and ramp-down rates in MW/s of the utility-style spec
//! in Choukse et al., "Power Stabilization for AI Training Datacenters",
//! arXiv:2508.14318, 2025).
//!
//! One kind, extended rather than doubled: a ramp limit is one quantity,
//! and two kinds for it would leave authors to guess which one a utility's
//! number means. The original fields keep their meaning (`max_watts_per_second`
//! alone bounds |dP/dt| over one sample step, as before); `window` averages
//! P over that many seconds first, the way utilities and the OCP method
//! report it (a 1 s average), so the verdict no longer depends on the
//! output sample; `max_up` / `max_down` bound the rise and the fall apart.
//! Must not know other kinds' fields.

use super::common::columns;
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::pcc::{averaged_ramp, step_ramp, Ramp};
use crate::analysis::ripple::MAX_FFT_POINTS;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if the component's power (averaged over `window` when given)
/// rises faster than `max_up` or falls faster than `max_down`;
/// `max_watts_per_second` bounds both.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RampRate {
    /// Component name or glob.
    pub component: String,
    /// Largest allowed |dP/dt|, W/s, either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_watts_per_second: Option<f64>,
    /// Largest allowed rise of P, W/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_up: Option<f64>,
    /// Largest allowed fall of P, W/s (a positive number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_down: Option<f64>,
    /// Averaging window, s; absent: one output sample step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<f64>,
}

impl RampRate {
    /// The bound on the rise and on the fall, the tighter where both apply.
    fn bounds(&self) -> (Option<f64>, Option<f64>) {
        let tighter = |own: Option<f64>| match (own, self.max_watts_per_second) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        (tighter(self.max_up), tighter(self.max_down))
    }

    fn ramp(&self, s: &crate::analysis::signal::Signal) -> Option<Ramp> {
        match self.window {
            Some(w) => averaged_ramp(s, w),
            None => {
                let (a, b) = s.span()?;
                step_ramp(&s.resample(a, b, MAX_FFT_POINTS)?)
            }
        }
    }
}

impl LimitKind for RampRate {
    fn validate(&self, duration: f64) -> Result<(), LimitIssue> {
        for (field, value) in [
            ("max_watts_per_second", self.max_watts_per_second),
            ("max_up", self.max_up),
            ("max_down", self.max_down),
            ("window", self.window),
        ] {
            if let Some(x) = value {
                rules::positive(field, x)?;
            }
        }
        let (up, down) = self.bounds();
        // Pointed at `component`: the missing field has no place in the file.
        rules::ensure(
            "component",
            up.is_some() || down.is_some(),
            "give `max_watts_per_second`, `max_up` or `max_down`".into(),
        )?;
        let w = self.window.unwrap_or(0.0);
        rules::ensure(
            "window",
            w <= duration,
            format!("the window of {w} s is longer than the run ({duration} s)"),
        )
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::component(&self.component))
    }

    fn record(&self) -> Option<String> {
        Some(format!("p({})", self.component))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let (up, down) = self.bounds();
        let mut worst: Option<Measure> = None;
        for (name, s, _) in columns(run.waveforms, &self.component, Quantity::Power)? {
            let Some(ramp) = self.ramp(&s) else { continue };
            for (bound, at, way) in [(up, ramp.rise, "rise"), (down, ramp.fall, "fall")] {
                let Some(limit) = bound else { continue };
                let m = Measure {
                    measured: at.value,
                    limit,
                    margin: limit - at.value,
                    unit: "W/s",
                    target: Some(name.clone()),
                    time: Some(at.time),
                    detail: self.detail(way, &ramp),
                };
                if worst.as_ref().is_none_or(|w| m.margin < w.margin) {
                    worst = Some(m);
                }
            }
        }
        worst.ok_or_else(|| match self.window {
            Some(w) => format!("not evaluated: the record is shorter than the {w} s window"),
            None => "not evaluated: no finite samples".into(),
        })
    }

    fn name(&self) -> String {
        let rate = |x: f64| threshold(x, "W/s");
        let mut parts = Vec::new();
        if let Some(x) = self.max_watts_per_second {
            parts.push(format!("≤ {}", rate(x)));
        }
        if let Some(x) = self.max_up {
            parts.push(format!("up ≤ {}", rate(x)));
        }
        if let Some(x) = self.max_down {
            parts.push(format!("down ≤ {}", rate(x)));
        }
        let avg = self
            .window
            .map(|w| format!(" ({} average)", threshold(w, "s")))
            .unwrap_or_default();
        format!("RampRate {} {}{avg}", self.component, parts.join(", "))
    }
}

impl RampRate {
    fn detail(&self, way: &str, ramp: &Ramp) -> String {
        let over = match self.window {
            Some(w) => format!("of P averaged over {}", threshold(w, "s")),
            None => "over one sample step".into(),
        };
        format!(
            "steepest {way} {over}; rise {}, fall {}",
            threshold(ramp.rise.value, "W/s"),
            threshold(ramp.fall.value, "W/s")
        )
    }
}
