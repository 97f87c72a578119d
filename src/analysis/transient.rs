//! Load events and the response of one node to each: pre-event value,
//! deviation, undershoot and overshoot, settling and recovery.
//!
//! An event is a cluster of scheduled instants (profile corners, switch
//! operations, faults) closer together than a merge gap: a staggered step
//! of eight racks is one event, not sixteen. The response to an event is
//! measured from its first instant up to the next event (or the end of the
//! run).
//!
//! Definitions:
//! - pre-event value v_pre: the value just before the event starts;
//! - final value v_fin: the mean over the last 5 % of the window, so that
//!   residual ripple does not move it;
//! - deviation: max |v − v_pre| in the window, in volts and in % of the
//!   reference (the bus nominal, or |v_pre| without one);
//! - undershoot / overshoot: how far v goes below min(v_pre, v_fin) /
//!   above max(v_pre, v_fin), i.e. beyond the range the step itself spans
//!   (the classic overshoot of a step response);
//! - settling time: from the event start to the last entry into
//!   v_fin ± band (band in % of the reference); `None` when the window
//!   ends outside the band;
//! - recovery time: from the instant of the largest deviation to that last
//!   entry, i.e. how long the bus takes to come back once it has turned.

use super::signal::{At, Signal};
use serde::{Deserialize, Serialize};

/// Default settling band, % of the reference (docs/sources.md §6(d) S1:
/// ±1 % within 20 ms).
pub const DEFAULT_SETTLE_BAND_PCT: f64 = 1.0;

/// Share of an event window at its end averaged into the final value.
const FINAL_TAIL: f64 = 0.05;

/// One event: a cluster of scheduled instants.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EventWindow {
    /// First instant of the cluster.
    pub start: f64,
    /// Last instant of the cluster (end of the ramps).
    pub last: f64,
    /// Where the response window ends: the next event or the end of run.
    pub end: f64,
}

/// Groups sorted `instants` into events. Instants less than `merge_gap`
/// after the previous one join its event. An empty list gives one window
/// over the whole run, so that every node still has a response.
pub fn event_windows(
    instants: &[f64],
    t_start: f64,
    t_end: f64,
    merge_gap: f64,
) -> Vec<EventWindow> {
    let mut sorted: Vec<f64> = instants
        .iter()
        .copied()
        .filter(|t| t.is_finite() && *t >= t_start && *t < t_end)
        .collect();
    sorted.sort_by(f64::total_cmp);
    let mut out: Vec<EventWindow> = Vec::new();
    for t in sorted {
        match out.last_mut() {
            Some(w) if t - w.last <= merge_gap => w.last = t,
            _ => out.push(EventWindow {
                start: t,
                last: t,
                end: t_end,
            }),
        }
    }
    for k in 1..out.len() {
        out[k - 1].end = out[k].start;
    }
    if out.is_empty() {
        out.push(EventWindow {
            start: t_start,
            last: t_start,
            end: t_end,
        });
    }
    out
}

/// Response of one node to one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub event: EventWindow,
    pub pre: f64,
    #[serde(rename = "final")]
    pub last: f64,
    pub min: At,
    pub max: At,
    /// Signed largest departure from `pre` (v − v_pre at its worst).
    pub deviation: At,
    /// |deviation| in % of the reference.
    pub deviation_pct: f64,
    pub undershoot: f64,
    pub overshoot: f64,
    /// v_fin − v_pre: the static shift the event leaves behind.
    pub shift: f64,
    /// Band used for settling, ± this many volts (or units).
    pub band: f64,
    pub settling_time: Option<f64>,
    pub recovery_time: Option<f64>,
}

/// The response of `s` to `event`. `reference` scales percentages (the
/// nominal, or |v_pre| when `None`); `band_pct` is the settling band in %
/// of it. `None` when the window holds no finite sample.
pub fn response(
    s: &Signal,
    event: EventWindow,
    reference: Option<f64>,
    band_pct: f64,
) -> Option<Response> {
    let (min, max) = s.extremes(event.start, event.end)?;
    let pre = s.before(event.start);
    let tail = (event.end - event.start) * FINAL_TAIL;
    let last = s.mean(event.end - tail, event.end);
    let scale = reference_scale(reference, pre);
    let band = band_pct / 100.0 * scale;
    let deviation = if (max.value - pre).abs() >= (pre - min.value).abs() {
        At {
            value: max.value - pre,
            time: max.time,
        }
    } else {
        At {
            value: min.value - pre,
            time: min.time,
        }
    };
    let settled_at = settle_instant(s, event, last, band);
    Some(Response {
        event,
        pre,
        last,
        min,
        max,
        deviation,
        deviation_pct: deviation.value.abs() / scale * 100.0,
        undershoot: above_round_off(pre.min(last) - min.value, scale),
        overshoot: above_round_off(max.value - pre.max(last), scale),
        shift: last - pre,
        band,
        settling_time: settled_at.map(|t| t - event.start),
        recovery_time: settled_at.map(|t| (t - deviation.time).max(0.0)),
    })
}

/// `x` if it is a real excursion, else 0: a flat signal whose tail mean
/// differs from its samples in the last bits must not show an overshoot
/// of 1e-14 V.
fn above_round_off(x: f64, scale: f64) -> f64 {
    if x > 1e-12 * scale {
        x
    } else {
        0.0
    }
}

/// The magnitude percentages refer to: a usable nominal, else |v_pre|,
/// else 1 so that a signal at zero still gets finite numbers.
pub fn reference_scale(reference: Option<f64>, pre: f64) -> f64 {
    match reference {
        Some(r) if r.is_finite() && r != 0.0 => r.abs(),
        _ if pre.is_finite() && pre != 0.0 => pre.abs(),
        _ => 1.0,
    }
}

/// The last entry of `s` into `target ± band` within the event window:
/// the window start if it never leaves, `None` if it ends outside.
pub fn settle_instant(s: &Signal, event: EventWindow, target: f64, band: f64) -> Option<f64> {
    let r = s.range(event.start, event.end);
    let outside = |v: f64| (v - target).abs() > band;
    let last_out = r.clone().rev().find(|&k| outside(s.values[k]));
    let Some(k) = last_out else {
        return Some(event.start);
    };
    if k + 1 >= r.end {
        return None;
    }
    // Interpolate the crossing of the band edge between k and k + 1.
    let (t0, t1) = (s.time[k], s.time[k + 1]);
    let (v0, v1) = (s.values[k], s.values[k + 1]);
    let edge = if v0 > target {
        target + band
    } else {
        target - band
    };
    let f = if v1 != v0 {
        ((edge - v0) / (v1 - v0)).clamp(0.0, 1.0)
    } else {
        1.0
    };
    Some(t0 + f * (t1 - t0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_of_instants() {
        let w = event_windows(&[5.0, 5.1, 5.2, 9.0, 9.0], 0.0, 20.0, 0.5);
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].start, w[0].last, w[0].end), (5.0, 5.2, 9.0));
        assert_eq!((w[1].start, w[1].end), (9.0, 20.0));
        let none = event_windows(&[], 0.0, 1.0, 0.1);
        assert_eq!((none[0].start, none[0].end), (0.0, 1.0));
    }

    #[test]
    fn droop_step_with_dip() {
        // 800 V, dips to 776 V at t = 2, settles at 792 V.
        let t = [0.0, 1.0, 2.0, 3.0, 4.0, 10.0];
        let v = [800.0, 800.0, 776.0, 790.0, 792.0, 792.0];
        let s = Signal::new(&t, &v);
        let e = event_windows(&[1.0], 0.0, 10.0, 0.1)[0];
        let r = response(&s, e, Some(800.0), 1.0).expect("samples");
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert_eq!(r.pre, 800.0);
        assert!(close(r.last, 792.0), "{}", r.last);
        assert_eq!(r.deviation.value, -24.0);
        assert!(close(r.deviation_pct, 3.0));
        assert!(close(r.undershoot, 16.0));
        assert_eq!(r.overshoot, 0.0);
        assert!(close(r.shift, -8.0));
        // Band 8 V around 792: entered at 784 V on the way up, t = 2 + 8/14.
        let settle = 1.0 + 8.0 / 14.0;
        assert!(close(r.settling_time.unwrap_or(0.0), settle));
        assert!(close(r.recovery_time.unwrap_or(0.0), settle - 1.0));
    }
}
