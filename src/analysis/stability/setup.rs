//! Binding a circuit, optionally with a scenario evaluated at time T, into a
//! compiled model at its DC operating point, and re-binding it with
//! perturbed overrides (sensitivity, boundary search).
//!
//! Owns the operating point used by every linear analysis. Must not solve
//! anything but F(y) = 0 (the Newton iteration itself lives in `engine`).

use super::StabilityError;
use crate::analysis::Scenario;
use crate::compile::{compile, Model};
use crate::components::Circuit;
use crate::components::FlatCircuit;
use crate::device::{Ctx, InputValue};
use crate::engine::newton::Newton;
use crate::engine::run::nominal_guess;
use crate::engine::{InputTable, ScheduledAction};
use crate::netlist::params::{self, Scope};
use crate::netlist::{self, Library, NetlistError};
use crate::prepare;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// A circuit file held in memory: its path (for messages), its text (for
/// located errors) and its parsed, not yet elaborated form. Every binding,
/// override and boundary point elaborates from here; nothing is read from
/// disk twice.
#[derive(Debug, Clone)]
pub struct CircuitSource {
    path: PathBuf,
    text: Arc<str>,
    parsed: Arc<Circuit>,
}

impl CircuitSource {
    /// Reads and parses a circuit file (the only read of it).
    pub fn read(path: &Path) -> Result<Self, NetlistError> {
        let text = crate::budget::read_input_text(path).map_err(|source| NetlistError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_text(&text, path)
    }

    /// Parses circuit text; `path` names it in messages.
    /// A leading byte-order mark is dropped.
    pub fn from_text(text: &str, path: &Path) -> Result<Self, NetlistError> {
        let text = crate::ron_tokens::strip_bom(text);
        let parsed = netlist::parse_circuit(text, path)?;
        Ok(CircuitSource {
            path: path.to_path_buf(),
            text: Arc::from(text),
            parsed: Arc::new(parsed),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The circuit's display name: its `name`, else the file's stem.
    pub fn name(&self) -> String {
        self.parsed.display_name(Some(&self.path))
    }

    /// The parsed file, before elaboration.
    pub fn parsed(&self) -> &Circuit {
        &self.parsed
    }

    /// Elaborates the circuit with `overrides`, from memory.
    pub fn elaborate(
        &self,
        overrides: &BTreeMap<String, f64>,
    ) -> Result<FlatCircuit, NetlistError> {
        netlist::elaborate(
            (*self.parsed).clone(),
            overrides,
            Some(&self.path),
            Some(&self.text),
        )
    }
}

/// The scenario's overrides with `overrides` on top.
pub fn merged_overrides(
    scenario: Option<&Scenario>,
    overrides: &BTreeMap<String, f64>,
) -> BTreeMap<String, f64> {
    let mut all = scenario.map(|s| s.overrides.clone()).unwrap_or_default();
    all.extend(overrides.iter().map(|(k, v)| (k.clone(), *v)));
    all
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

/// The operating point at time `at` of a circuit already bound to its
/// scenario (its loads, and its actions up to `at`). Takes the prepared
/// study before it runs: a run moves its model's switches and setpoints.
pub fn bind_prepared<L>(prepared: prepare::Prepared<L>, at: f64) -> Result<Bound, StabilityError> {
    let (circuit, mut model, mut spec) = (prepared.circuit, prepared.model, prepared.spec);
    let point = operating_point(&mut model, &mut spec.inputs, &spec.actions, at)?;
    Ok(Bound {
        circuit,
        model,
        point,
    })
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
        let mut all = merged_overrides(self.scenario.as_ref(), &self.overrides);
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
        let circuit = self.circuit.elaborate(&overrides)?;
        match &self.scenario {
            Some(scenario) => {
                let mut scenario = scenario.clone();
                // The circuit is already elaborated with every override.
                scenario.overrides.clear();
                let prepared = prepare::prepare_flat(circuit, scenario)?;
                bind_prepared(prepared, self.at)
            }
            None => {
                let mut model = compile(&circuit)?;
                let mut inputs = InputTable::unbound(model.inputs.len());
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
            let circuit = self.circuit.parsed();
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
        let mut flat = self.circuit.elaborate(&overrides)?;
        let mut found: Vec<f64> = Vec::new();
        let splits: Vec<usize> = key.match_indices('.').map(|(i, _)| i).rev().collect();
        for dot in splits {
            let (pattern, field) = (&key[..dot], &key[dot + 1..]);
            for spec in flat.components.iter_mut() {
                let p = spec.primitive_mut();
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
