//! Evaluation of a scenario's limits on its recorded waveforms.
//!
//! Every limit with a glob is judged on each recorded column it matches,
//! and the verdict reports the worst one. A limit whose target matches no
//! recorded column is an error, never a pass: a verdict on nothing would
//! hide a typo or a missing `record` entry. Small-signal limits (damping,
//! loop and interface margins) are handed to a [`SmallSignal`] evaluator.

use super::metrics::{max_discharge, max_slope, peak};
use super::ripple::{ripple, MAX_FFT_POINTS};
use super::signal::{At, Signal};
use super::sustain::{longest_beyond, sustained_level};
use super::transient::{response, EventWindow};
use super::verdict::{threshold, Measure, Verdict};
use crate::glob;
use crate::results::{Quantity, Waveforms};
use crate::scenario::Limit;

/// Evaluates the small-signal limits (`MinDamping`, `PhaseMargin`,
/// `GainMargin`, `ImpedanceRatio`) on the circuit of the run.
pub trait SmallSignal {
    /// Measures one small-signal limit, or says why it cannot.
    fn measure(&mut self, limit: &Limit) -> Result<Measure, String>;
}

/// For runs without a small-signal analysis: every small-signal limit is
/// an error ("not evaluated"), never a silent pass.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSmallSignal;

impl SmallSignal for NoSmallSignal {
    fn measure(&mut self, _limit: &Limit) -> Result<Measure, String> {
        Err("not evaluated: no small-signal analysis for this run".into())
    }
}

/// What the time-domain limits are judged on.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub waveforms: &'a Waveforms,
    /// Load events (see [`super::transient::event_windows`]).
    pub events: &'a [EventWindow],
}

/// Judges every limit, in order; `small` evaluates the small-signal ones.
pub fn evaluate(limits: &[Limit], run: Run, small: &mut dyn SmallSignal) -> Vec<Verdict> {
    limits
        .iter()
        .map(|limit| {
            let measured = match limit {
                Limit::MinDamping { .. }
                | Limit::PhaseMargin { .. }
                | Limit::GainMargin { .. }
                | Limit::ImpedanceRatio { .. } => small.measure(limit),
                _ => measure(limit, run),
            };
            match measured {
                Ok(m) => Verdict::judged(limit, m),
                Err(why) => Verdict::error(limit, why),
            }
        })
        .collect()
}

/// Measures one time-domain limit.
pub fn measure(limit: &Limit, run: Run) -> Result<Measure, String> {
    let w = run.waveforms;
    match limit {
        Limit::MinVoltage {
            node,
            volts,
            longer_than,
        } => level(w, node, *volts, longer_than.unwrap_or(0.0), true),
        Limit::MaxVoltage {
            node,
            volts,
            longer_than,
        } => level(w, node, *volts, longer_than.unwrap_or(0.0), false),
        Limit::Deviation { node, max_percent } => {
            let mut worst: Option<(f64, String, f64)> = None;
            for (name, s, nominal) in columns(w, node, Quantity::Voltage)? {
                for e in run.events {
                    if let Some(r) = response(&s, *e, nominal, 1.0) {
                        if worst.as_ref().is_none_or(|x| r.deviation_pct > x.0) {
                            worst = Some((r.deviation_pct, name.clone(), r.deviation.time));
                        }
                    }
                }
            }
            let (pct, target, time) = worst.ok_or("no samples in any event window")?;
            Ok(Measure {
                measured: pct,
                limit: *max_percent,
                margin: max_percent - pct,
                unit: "%",
                target: Some(target),
                time: Some(time),
                detail: "largest departure from the pre-event value, % of nominal".into(),
            })
        }
        Limit::Settling {
            node,
            band_percent,
            within,
        } => {
            let mut worst: Option<(f64, String, f64)> = None;
            for (name, s, nominal) in columns(w, node, Quantity::Voltage)? {
                for e in run.events {
                    if let Some(r) = response(&s, *e, nominal, *band_percent) {
                        let t = r.settling_time.unwrap_or(f64::INFINITY);
                        if worst.as_ref().is_none_or(|x| t > x.0) {
                            worst = Some((t, name.clone(), e.start));
                        }
                    }
                }
            }
            let (t, target, start) = worst.ok_or("no samples in any event window")?;
            let detail = if t.is_finite() {
                format!(
                    "last entry into the band after the event at {}",
                    threshold(start, "s")
                )
            } else {
                format!(
                    "still outside the band when the window of the event at {} ends",
                    threshold(start, "s")
                )
            };
            Ok(Measure {
                measured: t,
                limit: *within,
                margin: within - t,
                unit: "s",
                target: Some(target),
                time: Some(start),
                detail,
            })
        }
        Limit::Ripple {
            node,
            max_pp_volts,
            window,
        } => {
            let mut worst: Option<(f64, String, f64)> = None;
            for (name, s, _) in columns(w, node, Quantity::Voltage)? {
                let (a, b) = window.or(s.span()).ok_or("no samples")?;
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
                limit: *max_pp_volts,
                margin: max_pp_volts - pp,
                unit: "V",
                target: Some(target),
                time: Some(time),
                detail: "peak-to-peak in the window".into(),
            })
        }
        Limit::MaxCurrent { component, amps } => {
            let (at, target) = worst_of(w, component, Quantity::Current, |s| peak(s).map(abs))?;
            Ok(upper(at, target, *amps, "A", "largest |i|"))
        }
        Limit::RampRate {
            component,
            max_watts_per_second,
        } => {
            let (at, target) = worst_of(w, component, Quantity::Power, |s| {
                let (a, b) = s.span()?;
                max_slope(&s.resample(a, b, MAX_FFT_POINTS)?)
            })?;
            Ok(upper(
                at,
                target,
                *max_watts_per_second,
                "W/s",
                "largest |dP/dt| over one sample step",
            ))
        }
        Limit::MaxEnergy { component, joules } => {
            let (at, target) = worst_of(w, component, Quantity::Power, |s| Some(max_discharge(s)))?;
            Ok(upper(
                at,
                target,
                *joules,
                "J",
                "largest net energy delivered over any interval",
            ))
        }
        Limit::NoEvent { target, what } => {
            let hits: Vec<_> = w
                .events
                .iter()
                .filter(|e| glob::matches(target, &e.target))
                .filter(|e| what.as_ref().is_none_or(|p| glob::matches(p, &e.what)))
                .collect();
            let first = hits.first();
            Ok(Measure {
                measured: hits.len() as f64,
                limit: 0.0,
                // 0 − n, not −n: no hits is a margin of 0, not −0.
                margin: 0.0 - hits.len() as f64,
                unit: "events",
                target: first.map(|e| e.target.clone()),
                time: first.map(|e| e.time),
                detail: first.map_or_else(
                    || "no matching event".to_string(),
                    |e| format!("first: {} `{}`", e.target, e.what),
                ),
            })
        }
        Limit::MinDamping { .. }
        | Limit::PhaseMargin { .. }
        | Limit::GainMargin { .. }
        | Limit::ImpedanceRatio { .. } => Err("a small-signal limit, not a time-domain one".into()),
    }
}

type Matched<'a> = Vec<(String, Signal<'a>, Option<f64>)>;

/// The recorded columns of `quantity` whose target matches `pattern`, with
/// their nominal voltage.
fn columns<'a>(w: &'a Waveforms, pattern: &str, quantity: Quantity) -> Result<Matched<'a>, String> {
    let found: Matched = w
        .columns
        .iter()
        .filter(|c| c.quantity == quantity && glob::matches(pattern, &c.target))
        .map(|c| (c.name.clone(), Signal::new(&w.time, &c.values), c.nominal))
        .collect();
    if found.is_empty() {
        let entry = match quantity {
            Quantity::Voltage => pattern.to_string(),
            Quantity::Current => format!("i({pattern})"),
            Quantity::Power => format!("p({pattern})"),
            Quantity::StateOfCharge => format!("soc({pattern})"),
        };
        return Err(format!(
            "not evaluated: nothing recorded matches `{pattern}`; add `{entry}` to `record`"
        ));
    }
    Ok(found)
}

/// The largest of `f` over the matching columns, with its column name.
fn worst_of(
    w: &Waveforms,
    pattern: &str,
    quantity: Quantity,
    f: impl Fn(&Signal) -> Option<At>,
) -> Result<(At, String), String> {
    let mut worst: Option<(At, String)> = None;
    for (name, s, _) in columns(w, pattern, quantity)? {
        if let Some(at) = f(&s) {
            if worst.as_ref().is_none_or(|x| at.value > x.0.value) {
                worst = Some((at, name));
            }
        }
    }
    worst.ok_or_else(|| "not evaluated: no finite samples".to_string())
}

fn abs(a: At) -> At {
    At {
        value: a.value.abs(),
        time: a.time,
    }
}

/// An upper limit: measured must not exceed `limit`.
fn upper(at: At, target: String, limit: f64, unit: &'static str, detail: &str) -> Measure {
    Measure {
        measured: at.value,
        limit,
        margin: limit - at.value,
        unit,
        target: Some(target),
        time: Some(at.time),
        detail: detail.to_string(),
    }
}

/// The column's true extreme seen by the solver between samples, when it
/// is beyond the grid's: a limit without `longer_than` must not miss a
/// dip that falls between two output samples.
fn solver_extreme(w: &Waveforms, name: &str, below: bool, grid: At) -> At {
    let Some(e) = w.column(name).and_then(|c| c.extremes) else {
        return grid;
    };
    if below && e.min < grid.value {
        At {
            value: e.min,
            time: e.t_min,
        }
    } else if !below && e.max > grid.value {
        At {
            value: e.max,
            time: e.t_max,
        }
    } else {
        grid
    }
}

/// MinVoltage (`below`) or MaxVoltage: the level held beyond the threshold
/// for `duration`, and the longest time spent beyond it.
fn level(
    w: &Waveforms,
    node: &str,
    volts: f64,
    duration: f64,
    below: bool,
) -> Result<Measure, String> {
    let sign = if below { 1.0 } else { -1.0 };
    let mut worst: Option<(f64, At, String)> = None;
    for (name, s, _) in columns(w, node, Quantity::Voltage)? {
        let Some(mut held) = sustained_level(&s, duration, below) else {
            continue;
        };
        if duration <= 0.0 {
            held = solver_extreme(w, &name, below, held);
        }
        let margin = sign * (held.value - volts);
        if worst.as_ref().is_none_or(|x| margin < x.0) {
            worst = Some((margin, held, name));
        }
    }
    let (margin, held, target) = worst.ok_or("not evaluated: no finite samples")?;
    let beyond = w
        .column(&target)
        .map(|c| longest_beyond(&Signal::new(&w.time, &c.values), volts, below))
        .unwrap_or(0.0);
    let side = if below { "below" } else { "above" };
    let detail = if duration > 0.0 {
        format!(
            "level held for {}: {}; longest time {side} {}: {}",
            threshold(duration, "s"),
            threshold(held.value, "V"),
            threshold(volts, "V"),
            threshold(beyond, "s")
        )
    } else {
        format!("extreme {}", threshold(held.value, "V"))
    };
    Ok(Measure {
        measured: held.value,
        limit: volts,
        margin,
        unit: "V",
        target: Some(target),
        time: Some(held.time),
        detail,
    })
}
