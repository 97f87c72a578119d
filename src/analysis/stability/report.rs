//! The whole-network stability report: operating point, least-damped modes
//! with participation, loop margins of every regulated converter, bus
//! impedance peaks and interface minor-loop gains, optionally eigenvalue
//! sensitivities. Serialisable as JSON; `text` renders it for a terminal.
//!
//! Owns the choice of what goes into the report (which buses, which
//! interfaces, the frequency range). Must not print or write files.

use super::frequency::{
    bus_impedance, default_frequencies, minor_loop_gain, power_inputs, BusImpedance, MinorLoop,
};
use super::loops::{loop_gains_of, LoopGain};
use super::modes::{modes, Modes};
use super::partial::partial_modes;
use super::selection::{chosen_buses, chosen_loops};
use super::setup::Setup;
use super::state_space::state_space;
use super::sweep::{boundary_search, sensitivity, Boundary, Sensitivity};
use super::unit_pencil::unit_modes;
use super::StabilityError;
use crate::units::natural_cmp;
use serde::Serialize;
use std::time::Instant;

/// Interfaces analysed automatically (every component with an `input`
/// terminal) only up to this count; name them explicitly beyond it.
const MAX_AUTO_INTERFACES: usize = 32;
/// What to compute and how finely.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Damping ratio below which a mode is flagged as poorly damped.
    pub damping_threshold: f64,
    pub f_min: f64,
    pub f_max: f64,
    pub per_decade: usize,
    /// Node glob for the bus-impedance table; default: nodes with a nominal.
    pub buses: Option<String>,
    /// Device glob for the loop gains; default: every loop, the least
    /// nested 24 when there are more (`selection`).
    pub loops: Option<String>,
    /// `component` or `component.terminal` interfaces for T_m.
    pub interfaces: Vec<String>,
    /// Also split at every component with an `input` terminal.
    pub auto_interfaces: bool,
    /// Parameters or `component.field` keys for ∂λ/∂p.
    pub sensitivities: Vec<String>,
    /// Modes per sensitivity.
    pub sensitivity_modes: usize,
    /// Keep the |Z| sweeps in the result (for plots).
    pub keep_sweeps: bool,
    /// Stability boundary search: parameter and range; the threshold is
    /// `damping_threshold`.
    pub boundary: Option<(String, f64, f64)>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            damping_threshold: 0.05,
            f_min: 1.0,
            f_max: 1e6,
            per_decade: 40,
            buses: None,
            loops: None,
            interfaces: Vec::new(),
            auto_interfaces: true,
            sensitivities: Vec::new(),
            sensitivity_modes: 3,
            keep_sweeps: false,
            boundary: None,
        }
    }
}

/// A node's voltage at the operating point.
#[derive(Debug, Clone, Serialize)]
pub struct BusPoint {
    pub node: String,
    pub volts: f64,
    pub nominal: Option<f64>,
    pub deviation_percent: Option<f64>,
}

/// Wall time per stage, seconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub operating_point: f64,
    pub state_space: f64,
    pub eigen: f64,
    pub loops: f64,
    pub impedance: f64,
    pub interfaces: f64,
    pub sensitivities: f64,
}

/// Everything `busbar stability` reports.
#[derive(Debug, Clone, Serialize)]
pub struct StabilityReport {
    pub circuit: String,
    pub scenario: Option<String>,
    pub at: f64,
    pub unknowns: usize,
    pub states: usize,
    pub operating_point: Vec<BusPoint>,
    /// Every mode has σ ≤ 0; absent when the modes were not computed.
    pub stable: Option<bool>,
    pub damping_threshold: f64,
    /// Modes below the damping threshold.
    pub poorly_damped: usize,
    pub modes: Option<Modes>,
    pub loops: Vec<LoopGain>,
    pub buses: Vec<BusImpedance>,
    pub interfaces: Vec<MinorLoop>,
    pub sensitivities: Vec<Sensitivity>,
    pub boundary: Option<Boundary>,
    pub frequency_range_hz: [f64; 2],
    pub timings: Timings,
    pub notes: Vec<String>,
}

/// The modes of the report with their stage times.
struct EigenAnalysis {
    modes: Modes,
    states: usize,
    /// State-space reduction and eigen-solver, seconds.
    seconds: [f64; 2],
    /// Why only some modes were computed.
    note: Option<String>,
}

/// All modes by the dense eigen-solver, also above the dense limit when
/// identical units reduce the model within it (`unit_pencil`), or else the
/// least-damped ones by shift-invert.
fn eigen_analysis(
    model: &crate::compile::Model,
    point: &super::setup::OperatingPoint,
    options: &ReportOptions,
) -> Result<EigenAnalysis, StabilityError> {
    let clock = Instant::now();
    match state_space(model, point, false) {
        Ok(ss) => {
            let reduce = clock.elapsed().as_secs_f64();
            let clock = Instant::now();
            let modes = modes(&ss)?;
            Ok(EigenAnalysis {
                modes,
                states: ss.states.len(),
                seconds: [reduce, clock.elapsed().as_secs_f64()],
                note: None,
            })
        }
        Err(StabilityError::TooLarge { states, limit }) => {
            let clock = Instant::now();
            if let Some(modes) = unit_modes(model, point)? {
                return Ok(EigenAnalysis {
                    modes,
                    states,
                    seconds: [0.0, clock.elapsed().as_secs_f64()],
                    note: None,
                });
            }
            let shifts = default_frequencies(options.f_min, options.f_max, 2)?;
            let modes = partial_modes(model, point, &shifts)?;
            let note = format!(
                "{states} states exceed the dense limit of {limit}: only the least-damped modes near the imaginary axis were computed ({})",
                modes.method
            );
            Ok(EigenAnalysis {
                modes,
                states,
                seconds: [0.0, clock.elapsed().as_secs_f64()],
                note: Some(note),
            })
        }
        Err(e) => Err(e),
    }
}

/// Runs every analysis of the report on the bound circuit.
pub fn stability_report(
    setup: &Setup,
    options: &ReportOptions,
) -> Result<StabilityReport, StabilityError> {
    let mut timings = Timings::default();
    let mut notes = Vec::new();
    let clock = Instant::now();
    let bound = setup.bind()?;
    timings.operating_point = clock.elapsed().as_secs_f64();
    let (circuit, model, point) = (&bound.circuit, &bound.model, &bound.point);

    let mut nodes: Vec<String> = model.node_index.keys().cloned().collect();
    nodes.sort_by(|a, b| natural_cmp(a, b));
    let operating_point: Vec<BusPoint> = nodes
        .iter()
        .filter(|n| model.nominal(n).is_some())
        .map(|n| {
            let volts = point.y[model.node_index[n]];
            let nominal = model.nominal(n);
            BusPoint {
                node: n.clone(),
                volts,
                nominal,
                deviation_percent: nominal.map(|v| 100.0 * (volts - v) / v),
            }
        })
        .collect();

    let freqs = default_frequencies(options.f_min, options.f_max, options.per_decade)?;
    let wanted = chosen_loops(model, options.loops.as_deref(), &mut notes)?;
    let bus_nodes = chosen_buses(circuit, model, &nodes, options.buses.as_deref(), &mut notes);
    // The modes (one dense eigenproblem, or the shift-invert shifts) and
    // the loop gains with the bus impedances are independent: one core
    // each. Each side is computed as on one thread, so the result does not
    // depend on the thread count.
    let (eigen, frequency) = rayon::join(
        || eigen_analysis(model, point, options),
        || -> Result<_, StabilityError> {
            let clock = Instant::now();
            let loops = loop_gains_of(model, point, &freqs, &wanted)?;
            let loop_seconds = clock.elapsed().as_secs_f64();
            let clock = Instant::now();
            let buses = bus_impedance(model, point, &bus_nodes, &freqs, options.keep_sweeps)?;
            Ok((loops, loop_seconds, buses, clock.elapsed().as_secs_f64()))
        },
    );
    let eigen = eigen?;
    let (modes, states) = (Some(eigen.modes), eigen.states);
    [timings.state_space, timings.eigen] = eigen.seconds;
    // The eigen note first, as when the stages ran one after the other.
    if let Some(note) = eigen.note {
        notes.insert(0, note);
    }
    let (loops, loop_seconds, buses, impedance_seconds) = frequency?;
    timings.loops = loop_seconds;
    timings.impedance = impedance_seconds;

    let mut interfaces_wanted: Vec<(String, Option<String>)> = options
        .interfaces
        .iter()
        .map(|s| match model.device_index().contains_key(s) {
            true => (s.clone(), None),
            false => match s.rsplit_once('.') {
                Some((c, t)) => (c.to_string(), Some(t.to_string())),
                None => (s.clone(), None),
            },
        })
        .collect();
    if options.auto_interfaces {
        let auto = power_inputs(circuit);
        if auto.len() > MAX_AUTO_INTERFACES {
            notes.push(format!(
                "{} components have an `input` terminal; interface gains computed only for those named with --interface",
                auto.len()
            ));
        } else {
            for a in auto {
                if !interfaces_wanted.iter().any(|(c, _)| *c == a) {
                    interfaces_wanted.push((a, None));
                }
            }
        }
    }
    let clock = Instant::now();
    let mut interfaces = Vec::new();
    for (component, terminal) in &interfaces_wanted {
        let mut interface = minor_loop_gain(
            circuit,
            model,
            point,
            component,
            terminal.as_deref(),
            &freqs,
        )?;
        if !options.keep_sweeps {
            interface.sweep = None;
        }
        interfaces.push(interface);
    }
    timings.interfaces = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let mut sensitivities = Vec::new();
    for key in &options.sensitivities {
        sensitivities.push(sensitivity(setup, key, options.sensitivity_modes)?);
    }
    let boundary = match &options.boundary {
        Some((key, lo, hi)) => {
            match boundary_search(setup, key, *lo, *hi, options.damping_threshold, 1e-6) {
                Ok(b) => Some(b),
                // No crossing in the range is an answer, not a failure.
                Err(StabilityError::Invalid(message)) => {
                    notes.push(format!("boundary search: {message}"));
                    None
                }
                Err(e) => return Err(e),
            }
        }
        None => None,
    };
    timings.sensitivities = clock.elapsed().as_secs_f64();

    if loops.is_empty() {
        notes.push("no regulated converter in the circuit: no loop gains".into());
    }
    let stable = modes.as_ref().map(Modes::is_stable);
    let poorly_damped = modes.as_ref().map_or(0, |m| {
        m.modes
            .iter()
            .filter(|x| x.is_poorly_damped(options.damping_threshold))
            .count()
    });
    Ok(StabilityReport {
        circuit: circuit.name.clone(),
        scenario: setup.scenario.as_ref().map(|s| s.name.clone()),
        at: setup.at,
        unknowns: model.n(),
        states,
        operating_point,
        stable,
        damping_threshold: options.damping_threshold,
        poorly_damped,
        modes,
        loops,
        buses,
        interfaces,
        sensitivities,
        boundary,
        frequency_range_hz: [options.f_min, options.f_max],
        timings,
        notes,
    })
}
