//! Binding a circuit, optionally with a scenario evaluated at time T, into a
//! compiled model at its DC operating point, and re-binding it with
//! perturbed overrides (sensitivity, boundary search).
//!
//! Owns the operating point used by every linear analysis. Must not solve
//! anything but F(y) = 0 (the Newton iteration itself lives in `engine`).

use super::StabilityError;
use crate::analysis::Scenario;
use crate::compile::{compile, Ctx, InputValue, Model};
use crate::engine::newton::Newton;
use crate::engine::run::nominal_guess;
use crate::engine::{InputTable, ScheduledAction};
use crate::netlist::params::{self, Scope};
use crate::netlist::{self, FlatCircuit};
use crate::study;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Residual tolerance of the operating point (amperes on KCL rows, volts on
/// constraints): the engine's own value, so both see the same point.
const NEWTON_TOLERANCE: f64 = 1e-9;

/// A DC operating point: the time it belongs to, the extended unknown
/// vector (index 0 is ground) and the input channels there.
#[derive(Debug, Clone)]
pub struct OperatingPoint {
    pub t: f64,
    pub y: Vec<f64>,
    pub inputs: Vec<InputValue>,
}

impl OperatingPoint {
    /// Evaluation context at the point.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            t: self.t,
            inputs: &self.inputs,
        }
    }
}

/// Finds the DC operating point with the inputs at time `t`, after
/// applying every scheduled action up to `t` (trips, switch operations,
/// faults) so that `--at T` sees the network as the scenario left it.
pub fn operating_point(
    model: &mut Model,
    inputs: &mut InputTable,
    actions: &[ScheduledAction],
    t: f64,
) -> Result<OperatingPoint, StabilityError> {
    let mut y = nominal_guess(model);
    let mut due: Vec<&ScheduledAction> = actions.iter().filter(|a| a.time <= t).collect();
    due.sort_by(|a, b| a.time.total_cmp(&b.time));
    for a in due {
        let device = &mut model.devices[a.device];
        device
            .apply_at(&a.action, a.time, &mut y)
            .map_err(|message| {
                StabilityError::Invalid(format!(
                    "scenario action on `{}` at t = {} s: {message}",
                    device.name(),
                    a.time
                ))
            })?;
    }
    let mut newton = Newton::new(model).map_err(|e| {
        StabilityError::Singular(format!("the model's Jacobian cannot be factored: {e}"))
    })?;
    newton
        .operating_point(model, inputs, t, &mut y, NEWTON_TOLERANCE)
        .map_err(|e| StabilityError::NoEquilibrium {
            message: format!(
                "Newton and pseudo-transient continuation did not converge; the equation of `{}` keeps a residual of {:.3e}",
                model.names[e.worst], e.residual
            ),
            help: "a constant-power load beyond what its source can deliver (P_max = V²/4R) has no equilibrium; reduce the load or the source impedance".into(),
        })?;
    let point = OperatingPoint {
        t,
        y,
        inputs: inputs.at(t).to_vec(),
    };
    for d in &model.devices {
        d.check_operating_point(&point.ctx(), &point.y)
            .map_err(|message| StabilityError::NoEquilibrium {
                message: format!("`{}`: {message}", d.name()),
                help: "the network cannot deliver the demanded power at a regulated voltage; reduce the load or the source impedance".into(),
            })?;
    }
    Ok(point)
}

/// Where the circuit text comes from.
#[derive(Debug, Clone)]
pub enum CircuitSource {
    File(PathBuf),
    /// Text in memory; `path` names it in messages.
    Text {
        text: String,
        path: PathBuf,
    },
}

impl CircuitSource {
    fn load(&self, overrides: &BTreeMap<String, f64>) -> Result<FlatCircuit, StabilityError> {
        Ok(match self {
            CircuitSource::File(p) => netlist::load(p, overrides)?,
            CircuitSource::Text { text, path } => netlist::parse_str(text, path, overrides)?,
        })
    }

    fn text(&self) -> Result<(String, &Path), StabilityError> {
        match self {
            CircuitSource::File(p) => std::fs::read_to_string(p)
                .map(|t| (t, p.as_path()))
                .map_err(|source| {
                    StabilityError::Netlist(netlist::NetlistError::Io {
                        path: p.clone(),
                        source,
                    })
                }),
            CircuitSource::Text { text, path } => Ok((text.clone(), path.as_path())),
        }
    }
}

/// A circuit with what decides its operating point: scenario (loads at
/// time `at`, actions before it, overrides) and extra overrides.
#[derive(Debug, Clone)]
pub struct Setup {
    pub circuit: CircuitSource,
    pub scenario: Option<Scenario>,
    /// Time at which the scenario's load profiles are evaluated.
    pub at: f64,
    /// Overrides on top of the scenario's (`"p_rack"`, `"cbus.farads"`).
    pub overrides: BTreeMap<String, f64>,
}

/// A compiled circuit at its operating point.
#[derive(Debug)]
pub struct Bound {
    pub circuit: FlatCircuit,
    pub model: Model,
    pub point: OperatingPoint,
}

impl Setup {
    /// The circuit alone: every load at 1 pu, t = 0.
    pub fn new(circuit: CircuitSource) -> Self {
        Setup {
            circuit,
            scenario: None,
            at: 0.0,
            overrides: BTreeMap::new(),
        }
    }

    fn merged(&self, extra: &[(String, f64)]) -> BTreeMap<String, f64> {
        let mut all = self
            .scenario
            .as_ref()
            .map(|s| s.overrides.clone())
            .unwrap_or_default();
        all.extend(self.overrides.iter().map(|(k, v)| (k.clone(), *v)));
        all.extend(extra.iter().cloned());
        all
    }

    /// Compiles and finds the operating point.
    pub fn bind(&self) -> Result<Bound, StabilityError> {
        self.bind_with(&[])
    }

    /// Same as [`Setup::bind`] with extra overrides on top.
    pub fn bind_with(&self, extra: &[(String, f64)]) -> Result<Bound, StabilityError> {
        let overrides = self.merged(extra);
        let circuit = self.circuit.load(&overrides)?;
        match &self.scenario {
            Some(scenario) => {
                let mut scenario = scenario.clone();
                // The circuit is already elaborated with every override.
                scenario.overrides.clear();
                let prepared = study::prepare_flat(circuit, scenario)?;
                let (circuit, mut model, mut spec) =
                    (prepared.circuit, prepared.model, prepared.spec);
                let point = operating_point(&mut model, &mut spec.inputs, &spec.actions, self.at)?;
                Ok(Bound {
                    circuit,
                    model,
                    point,
                })
            }
            None => {
                let mut model = compile(&circuit)?;
                let mut inputs = InputTable::new((0..model.inputs.len()).map(|_| None).collect());
                let point = operating_point(&mut model, &mut inputs, &[], self.at)?;
                Ok(Bound {
                    circuit,
                    model,
                    point,
                })
            }
        }
    }

    /// Value of a top-level parameter or a `component.field` in the bound
    /// circuit (overrides included). A glob must match fields that all hold
    /// the same value.
    pub fn value_of(&self, key: &str) -> Result<f64, StabilityError> {
        let overrides = self.merged(&[]);
        if let Some(v) = overrides.get(key) {
            return Ok(*v);
        }
        if !key.contains('.') {
            let (text, path) = self.circuit.text()?;
            let circuit = netlist::parse_circuit(&text, path)?;
            let fixed: BTreeMap<String, f64> = overrides
                .iter()
                .filter(|(k, _)| !k.contains('.') && circuit.params.contains_key(*k))
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            let values = params::resolve(&circuit.params, &fixed, &Scope::root(BTreeMap::new()))
                .map_err(|e| {
                    StabilityError::Invalid(format!("parameter `{}`: {}", e.name, e.message))
                })?;
            return values.get(key).copied().ok_or_else(|| {
                StabilityError::Invalid(format!(
                    "the circuit has no top-level parameter `{key}`; write `component.field` for a component's field"
                ))
            });
        }
        let mut flat = self.circuit.load(&overrides)?;
        let mut found: Vec<f64> = Vec::new();
        let splits: Vec<usize> = key.match_indices('.').map(|(i, _)| i).rev().collect();
        for dot in splits {
            let (pattern, field) = (&key[..dot], &key[dot + 1..]);
            for spec in flat.components.iter_mut() {
                let Some(p) = spec.primitive_mut() else {
                    continue;
                };
                if !crate::glob::matches(pattern, p.name()) {
                    continue;
                }
                if let Some((_, num)) = p.numbers_mut().into_iter().find(|(f, _)| *f == field) {
                    found.push(num.value());
                }
            }
            if !found.is_empty() {
                break;
            }
        }
        match found.first() {
            None => Err(StabilityError::Invalid(format!(
                "`{key}` names no parameter and no component field of the circuit"
            ))),
            Some(&v) if found.iter().all(|x| *x == v) => Ok(v),
            Some(_) => Err(StabilityError::Invalid(format!(
                "`{key}` matches fields with different values; name one component"
            ))),
        }
    }
}
