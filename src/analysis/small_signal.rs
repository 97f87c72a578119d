//! Small-signal limits (`MinDamping`, `PhaseMargin`, `GainMargin`,
//! `ImpedanceRatio`) judged through `stability` on the circuit of a run.
//!
//! A margin that holds at idle can be gone at full load (a CPL's negative
//! resistance grows with its power), so each limit is judged at several
//! operating points: at t = 0 and at the end of every load event of the
//! scenario, and the worst one is reported with its instant as "when".

use super::limits::SmallSignal;
use super::stability::{
    default_frequencies, loop_gain, minor_loop_gain, modes, state_space, Bound, CircuitSource,
    Margins, Setup,
};
use super::verdict::Measure;
use crate::components::ComponentSpec;
use crate::glob;
use crate::scenario::{Limit, Scenario};
use std::path::PathBuf;

/// Frequency sweep of loop and interface gains (the `stability` command's
/// default range and density).
const F_MIN: f64 = 1.0;
const F_MAX: f64 = 1e6;
const PER_DECADE: usize = 40;

/// Judges small-signal limits at the operating points of a scenario.
pub struct StabilityLimits {
    circuit: PathBuf,
    scenario: Scenario,
    instants: Vec<f64>,
    /// Operating points, bound on first use, one per instant.
    bound: Vec<Option<Result<Bound, String>>>,
}

impl StabilityLimits {
    /// `instants`: where to linearise (t = 0 and the end of each event).
    pub fn new(circuit: PathBuf, scenario: Scenario, mut instants: Vec<f64>) -> Self {
        instants.sort_by(f64::total_cmp);
        instants.dedup();
        let bound = instants.iter().map(|_| None).collect();
        StabilityLimits {
            circuit,
            scenario,
            instants,
            bound,
        }
    }

    fn bound(&mut self, k: usize) -> Result<&Bound, String> {
        if self.bound[k].is_none() {
            let setup = Setup {
                circuit: CircuitSource::File(self.circuit.clone()),
                scenario: Some(self.scenario.clone()),
                at: self.instants[k],
                overrides: Default::default(),
            };
            self.bound[k] = Some(setup.bind().map_err(|e| e.to_string()));
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

/// Loop margins of every regulated converter matching `pattern`.
fn loop_margins(b: &Bound, pattern: &str) -> Result<Vec<(String, Margins)>, String> {
    let freqs = default_frequencies(F_MIN, F_MAX, PER_DECADE);
    let mut out = Vec::new();
    for d in &b.model.devices {
        if !glob::matches(pattern, d.name()) {
            continue;
        }
        for command in d.control_loops() {
            let l = loop_gain(&b.model, &b.point, d.name(), command, &freqs)
                .map_err(|e| e.to_string())?;
            out.push((d.name().to_string(), l.margins));
        }
    }
    if out.is_empty() {
        return Err(format!(
            "not evaluated: no regulated converter (no control loop) matches `{pattern}`"
        ));
    }
    Ok(out)
}

/// Components with an `input` terminal: the interfaces a minor-loop gain
/// splits the network at.
fn interfaces(b: &Bound) -> Vec<String> {
    b.circuit
        .components
        .iter()
        .filter_map(|c| {
            let mut c: ComponentSpec = c.clone();
            let has_input = c
                .primitive_mut()
                .is_some_and(|p| p.nodes_mut().iter().any(|(f, _)| *f == "input"));
            has_input.then(|| c.name().to_string())
        })
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
                let (pm, (name, hz), t) = self.worst(|b| {
                    let mut worst: Option<(f64, (String, Option<f64>))> = None;
                    for (name, m) in loop_margins(b, component)? {
                        let pm = m.phase_margin_deg.ok_or_else(|| {
                            format!("not evaluated: the loop gain of `{name}` has no 0 dB crossover in {F_MIN}–{F_MAX} Hz")
                        })?;
                        if worst.as_ref().is_none_or(|w| pm < w.0) {
                            worst = Some((pm, (name, m.crossover_hz)));
                        }
                    }
                    worst.ok_or_else(|| "no loop".to_string())
                })?;
                Ok(Measure {
                    measured: pm,
                    limit: *min_degrees,
                    margin: pm - min_degrees,
                    unit: "°",
                    target: Some(name),
                    time: Some(t),
                    detail: hz.map_or_else(String::new, |f| format!("crossover at {f:.4} Hz")),
                })
            }
            Limit::GainMargin { component, min_db } => {
                let (gm, (name, hz), t) = self.worst(|b| {
                    let mut worst: Option<(f64, (String, Option<f64>))> = None;
                    for (name, m) in loop_margins(b, component)? {
                        // No phase crossover: the phase never reaches −180°,
                        // so no gain increase can make the loop unstable.
                        let gm = m.gain_margin_db.unwrap_or(f64::INFINITY);
                        if worst.as_ref().is_none_or(|w| gm < w.0) {
                            worst = Some((gm, (name, m.phase_crossover_hz)));
                        }
                    }
                    worst.ok_or_else(|| "no loop".to_string())
                })?;
                Ok(Measure {
                    measured: gm,
                    limit: *min_db,
                    margin: gm - min_db,
                    unit: "dB",
                    target: Some(name),
                    time: Some(t),
                    detail: hz.map_or_else(
                        || "no phase crossover: the gain margin is unbounded".into(),
                        |f| format!("phase crossover at {f:.4} Hz"),
                    ),
                })
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
        let gm = ml
            .margins
            .gain_margin_db
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
