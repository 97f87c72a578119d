//! `RideThrough`: a facility must not trip while the voltage at its point
//! of common coupling stays inside a low-voltage ride-through (LVRT)
//! envelope. The envelope has the shape of the "no-trip zone" of NERC
//! PRC-024-2 (Attachment 2) and of the ride-through tables of IEEE
//! 1547-2018: points (duration dᵢ, level vᵢ per unit), meaning that a
//! voltage below vᵢ for no longer than dᵢ must be ridden through.
//!
//! A disturbance starts when the voltage falls below the curve's highest
//! level. A trip (an event of the `component` whose name matches `what`)
//! is allowed only if, between the start of the disturbance it falls in
//! and the trip, the voltage left the zone: it stayed below some vᵢ for
//! longer than dᵢ. The measure is the largest such overrun, max(Lᵢ − dᵢ),
//! with Lᵢ the longest time below vᵢ in that interval (crossings by linear
//! interpolation); a trip with an overrun below zero fails by that much,
//! as does a trip with no disturbance at all (by −d₁). The worst trip is
//! reported. Must not know other kinds' fields.

use super::common::{columns, voltage_record};
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::signal::Signal;
use crate::analysis::verdict::{threshold, Measure};
use crate::glob;
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if a matching trip event fires while the voltage of `node` is
/// still inside the no-trip zone of `curve`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RideThrough {
    /// The PCC voltage: a node (name or glob), or `v(name)` of a component
    /// with a voltage of its own (an ActiveFrontEnd's PCC); each match
    /// judged, the worst reported.
    pub node: String,
    /// Component name or glob whose events are the facility's trips.
    pub component: String,
    /// Event name or glob, e.g. `trip*`.
    pub what: String,
    /// `(duration s, level pu)` points, both strictly increasing.
    pub curve: Vec<(f64, f64)>,
    /// 1 pu, V; absent: the node's nominal voltage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominal_volts: Option<f64>,
}

impl RideThrough {
    /// The largest overrun of the curve (s) between the start of the
    /// disturbance around `trip` and `trip`, on the voltage in pu.
    fn overrun(&self, pu: &Signal, trip: f64) -> f64 {
        let top = self.curve.last().map_or(0.0, |p| p.1);
        let points = disturbance(pu, trip, top);
        self.curve
            .iter()
            .map(|&(d, level)| longest_below(&points, level) - d)
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// The voltage from the start of the disturbance around `t` (the last
/// time before it the voltage fell below `top`) up to `t`, as
/// interpolated points; just the point at `t` when it is not below `top`.
/// At `t` the voltage is the one the trip saw, the last sample before it:
/// a run records an event instant after the event, and a unit that stops
/// its current lifts the voltage behind the grid impedance at once.
fn disturbance(s: &Signal, t: f64, top: f64) -> Vec<(f64, f64)> {
    let mut points = vec![(t, s.before(t))];
    let mut k = s.time.partition_point(|&x| x < t);
    while k > 0 && points.last().is_some_and(|p| p.1 < top) {
        k -= 1;
        let (tk, vk) = (s.time[k], s.values[k]);
        let (t1, v1) = *points.last().unwrap_or(&(t, f64::NAN));
        if vk >= top {
            let cross = tk + (t1 - tk) * (vk - top) / (vk - v1);
            points.push((cross, top));
            break;
        }
        points.push((tk, vk));
    }
    points.reverse();
    points
}

/// The longest time the piecewise-linear `points` stay below `level`.
fn longest_below(points: &[(f64, f64)], level: f64) -> f64 {
    let mut longest: f64 = 0.0;
    let mut since: Option<f64> = points.first().filter(|p| p.1 < level).map(|p| p.0);
    for w in points.windows(2) {
        let ((t0, v0), (t1, v1)) = (w[0], w[1]);
        let cross = || t0 + (t1 - t0) * (v0 - level) / (v0 - v1);
        match (v0 < level, v1 < level) {
            (false, true) => since = Some(cross()),
            (true, false) => {
                longest = longest.max(cross() - since.unwrap_or(t0));
                since = None;
            }
            _ => {}
        }
    }
    if let (Some(start), Some(last)) = (since, points.last()) {
        longest = longest.max(last.0 - start);
    }
    longest
}

impl LimitKind for RideThrough {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::ensure("what", !self.what.trim().is_empty(), "`what` must not be empty".into())?;
        rules::ensure("curve", !self.curve.is_empty(), "needs at least one point".into())?;
        for (k, &(d, v)) in self.curve.iter().enumerate() {
            rules::require("curve", d, d > 0.0, &format!("point {}: duration must be > 0 s", k + 1))?;
            rules::require("curve", v, v > 0.0, &format!("point {}: level must be > 0 pu", k + 1))?;
            if let Some(&(pd, pv)) = k.checked_sub(1).and_then(|j| self.curve.get(j)) {
                rules::ensure(
                    "curve",
                    d > pd && v > pv,
                    format!(
                        "point {} ({d} s, {v} pu) must have a longer duration and a higher level than point {k} ({pd} s, {pv} pu): the curve must rise monotonically",
                        k + 1
                    ),
                )?;
            }
        }
        if let Some(n) = self.nominal_volts {
            rules::positive("nominal_volts", n)?;
        }
        Ok(())
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::component(&self.component))
    }

    fn voltage_node(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::voltage(&self.node))
    }

    fn event_names(&self) -> Option<(&'static str, Option<&str>)> {
        Some(("what", Some(&self.what)))
    }

    fn record(&self) -> Option<String> {
        Some(voltage_record(&self.node))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let trips: Vec<_> = run
            .waveforms
            .events
            .iter()
            .filter(|e| glob::matches(&self.component, &e.target) && glob::matches(&self.what, &e.what))
            .collect();
        let mut worst: Option<(f64, f64, String)> = None;
        for (name, s, nominal) in columns(run.waveforms, &self.node, Quantity::Voltage)? {
            let base = self
                .nominal_volts
                .or(nominal)
                .filter(|n| *n > 0.0)
                .ok_or_else(|| format!("not evaluated: `{name}` has no nominal voltage; give `nominal_volts`"))?;
            let pu: Vec<f64> = s.values.iter().map(|v| v / base).collect();
            let pu = Signal::new(s.time, &pu);
            for e in &trips {
                let over = self.overrun(&pu, e.time);
                if worst.as_ref().is_none_or(|w| over < w.0) {
                    worst = Some((over, e.time, format!("{name}; {} `{}`", e.target, e.what)));
                }
            }
        }
        let Some((over, time, what)) = worst else {
            return Ok(Measure {
                measured: 0.0,
                limit: 0.0,
                margin: 0.0,
                unit: "s",
                target: None,
                time: None,
                detail: "no matching trip: the facility rode through".into(),
            });
        };
        let verdict = if over >= 0.0 {
            "the voltage had left the no-trip zone"
        } else {
            "tripped inside the no-trip zone"
        };
        Ok(Measure {
            measured: over,
            limit: 0.0,
            margin: over,
            unit: "s",
            target: Some(what),
            time: Some(time),
            detail: format!("{verdict}: largest overrun of the curve before the trip {}", threshold(over, "s")),
        })
    }

    fn name(&self) -> String {
        format!("RideThrough {} at {} `{}`", self.component, self.node, self.what)
    }
}
