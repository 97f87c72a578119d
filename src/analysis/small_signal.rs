//! Small-signal limits (`MinDamping`, `PhaseMargin`, `GainMargin`,
//! `ImpedanceRatio`) judged through `stability` on the circuit of a run.
//!
//! A margin that holds at idle can be gone at full load (a CPL's negative
//! resistance grows with its power), so each limit is judged at several
//! operating points: at t = 0 and at the end of every load event of the
//! scenario, and the worst one is reported with its instant as "when".

use super::limits::SmallSignal;
use super::stability::{
    closed_loop_unstable, default_frequencies, loop_gain_known, minor_loop_gain, modes,
    state_space, Bound, LoopGain, Setup,
};
use super::verdict::Measure;
use crate::device::TerminalRole;
use crate::glob;
use crate::netlist::Library;
use crate::scenario::Limit;

/// Frequency sweep of loop and interface gains (the `stability` command's
/// default range and density).
const F_MIN: f64 = 1.0;
const F_MAX: f64 = 1e6;
const PER_DECADE: usize = 40;

/// Judges small-signal limits at the operating points of a scenario.
pub struct StabilityLimits {
    /// The circuit and scenario; `at` is set per operating point.
    setup: Setup,
    instants: Vec<f64>,
    /// Operating points, bound on first use, one per instant.
    bound: Vec<Option<Result<Bound, String>>>,
}

impl StabilityLimits {
    /// `setup`: the circuit with its scenario (its `at` is ignored);
    /// `instants`: where to linearise (t = 0 and the end of each event).
    pub fn new(setup: Setup, mut instants: Vec<f64>) -> Self {
        instants.sort_by(f64::total_cmp);
        instants.dedup();
        let bound = instants.iter().map(|_| None).collect();
        StabilityLimits {
            setup,
            instants,
            bound,
        }
    }

    fn bound(&mut self, k: usize) -> Result<&Bound, String> {
        if self.bound[k].is_none() {
            self.setup.at = self.instants[k];
            self.bound[k] = Some(self.setup.bind().map_err(|e| e.to_string()));
        }
        match &self.bound[k] {
            Some(Ok(b)) => Ok(b),
            Some(Err(e)) => Err(format!(
                "not evaluated: no operating point at t = {} s: {e}",
                self.instants[k]
            )),
            None => Err("not evaluated".into()),
        }
    }

    /// The worst (smallest) `f` over the operating points, with its instant.
    fn worst<T>(
        &mut self,
        mut f: impl FnMut(&Bound) -> Result<(f64, T), String>,
    ) -> Result<(f64, T, f64), String> {
        let mut worst: Option<(f64, T, f64)> = None;
        for k in 0..self.instants.len() {
            let t = self.instants[k];
            let (value, what) = f(self.bound(k)?)?;
            if worst.as_ref().is_none_or(|w| value < w.0) {
                worst = Some((value, what, t));
            }
        }
        worst.ok_or_else(|| "not evaluated: no operating point".into())
    }
}

/// Loop gains (Nyquist count and margins) of every regulated converter
/// matching `pattern`.
fn loop_margins(b: &Bound, pattern: &str) -> Result<Vec<LoopGain>, String> {
    let freqs = default_frequencies(F_MIN, F_MAX, PER_DECADE);
    let closed = closed_loop_unstable(&b.model, &b.point);
    let mut out = Vec::new();
    for d in &b.model.devices {
        if !glob::matches(pattern, d.name()) {
            continue;
        }
        for command in d.control_loops() {
            let l = loop_gain_known(&b.model, &b.point, d.name(), command, &freqs, &closed)
                .map_err(|e| e.to_string())?;
            out.push(l);
        }
    }
    if out.is_empty() {
        return Err(format!(
            "not evaluated: no regulated converter (no control loop) matches `{pattern}`"
        ));
    }
    Ok(out)
}

/// The closed loop is known to be unstable (eigenvalues, else Nyquist).
fn unstable(l: &LoopGain) -> bool {
    l.nyquist.as_ref().is_some_and(|n| !n.stable)
}

/// "crossover at … Hz" or the like, with the Nyquist count and any note.
fn loop_detail(l: &LoopGain, head: String) -> String {
    let mut parts = vec![head];
    if let Some(n) = &l.nyquist {
        parts.push(n.describe());
    }
    if let Some(note) = &l.note {
        parts.push(note.clone());
    }
    parts.retain(|p| !p.is_empty());
    parts.join("; ")
}

/// Phase margin of one loop for the limit: Nyquist-consistent, negative
/// for an unstable closed loop (−180° when it has no gain crossover).
fn phase_margin_of(l: &LoopGain) -> Result<f64, String> {
    match (l.margins.phase_margin_deg, unstable(l)) {
        (Some(pm), _) => Ok(pm),
        (None, true) => Ok(-180.0),
        (None, false) => Err(format!(
            "not evaluated: the loop gain of `{}` has no 0 dB crossover",
            l.device
        )),
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

/// Components with a power-input terminal: the interfaces a minor-loop
/// gain splits the network at.
fn interfaces(b: &Bound) -> Vec<String> {
    b.circuit
        .components
        .iter()
        .filter(|c| {
            c.primitive()
                .terminal_with(TerminalRole::PowerInput)
                .is_some()
        })
        .map(|c| c.name().to_string())
        .collect()
}

impl SmallSignal for StabilityLimits {
    fn measure(&mut self, limit: &Limit) -> Result<Measure, String> {
        match limit {
            Limit::MinDamping { ratio } => {
                let (zeta, mode, t) = self.worst(|b| {
                    let ss = state_space(&b.model, &b.point, false).map_err(|e| e.to_string())?;
                    let m = modes(&ss).map_err(|e| e.to_string())?;
                    let least = m.least_damped().ok_or("the model has no dynamic states")?;
                    Ok((least.damping, least.describe()))
                })?;
                Ok(Measure {
                    measured: zeta,
                    limit: *ratio,
                    margin: zeta - ratio,
                    unit: "",
                    target: Some(mode),
                    time: Some(t),
                    detail: "least damped mode at the operating point of `time`".into(),
                })
            }
            Limit::PhaseMargin {
                component,
                min_degrees,
            } => {
                let (pm, (detail, unstable_loop, name), t) = self.worst(|b| {
                    let mut worst: Option<(f64, (String, bool, String))> = None;
                    for l in loop_margins(b, component)? {
                        let pm = phase_margin_of(&l)?;
                        if worst.as_ref().is_none_or(|w| pm < w.0) {
                            let head = l
                                .margins
                                .crossover_hz
                                .map_or_else(String::new, |f| format!("crossover at {f:.4} Hz"));
                            worst =
                                Some((pm, (loop_detail(&l, head), unstable(&l), l.device.clone())));
                        }
                    }
                    worst.ok_or_else(|| "no loop".to_string())
                })?;
                Ok(judged(
                    pm,
                    *min_degrees,
                    "°",
                    unstable_loop,
                    name,
                    detail,
                    t,
                ))
            }
            Limit::GainMargin { component, min_db } => {
                let (gm, (detail, unstable_loop, name), t) = self.worst(|b| {
                    let mut worst: Option<(f64, (String, bool, String))> = None;
                    for l in loop_margins(b, component)? {
                        let (gm, hz) = gain_margin_of(&l);
                        if worst.as_ref().is_none_or(|w| gm < w.0) {
                            let head = hz.map_or_else(
                                || "no phase crossover: the gain margin is unbounded".into(),
                                |f| format!("phase crossover at {f:.4} Hz"),
                            );
                            worst =
                                Some((gm, (loop_detail(&l, head), unstable(&l), l.device.clone())));
                        }
                    }
                    worst.ok_or_else(|| "no loop".to_string())
                })?;
                Ok(judged(gm, *min_db, "dB", unstable_loop, name, detail, t))
            }
            Limit::ImpedanceRatio {
                node,
                min_gm_db,
                min_pm_degrees,
            } => {
                let (_, m, t) =
                    self.worst(|b| interface_margins(b, node, *min_gm_db, *min_pm_degrees))?;
                Ok(Measure { time: Some(t), ..m })
            }
            _ => Err("a time-domain limit, not a small-signal one".into()),
        }
    }
}

/// A loop-margin measurement. A loop whose closed loop is unstable
/// fails whatever the limit: its margin is at most its (negative) measure.
fn judged(
    measured: f64,
    limit: f64,
    unit: &'static str,
    unstable_loop: bool,
    target: String,
    detail: String,
    t: f64,
) -> Measure {
    let margin = measured - limit;
    Measure {
        measured,
        limit,
        margin: if unstable_loop {
            margin.min(measured).min(-f64::MIN_POSITIVE)
        } else {
            margin
        },
        unit,
        target: Some(target),
        time: Some(t),
        detail,
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
    let freqs = default_frequencies(F_MIN, F_MAX, PER_DECADE);
    let mut worst: Option<(f64, Measure)> = None;
    for component in interfaces(b) {
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
