//! A study: one circuit and one scenario, prepared into a compiled model and
//! a run specification, then executed. This is the executor that the CLI,
//! tests and benches call; it owns the glue between `netlist`, `scenario`,
//! `compile` and `engine` (faults become devices, load profiles become input
//! channels, `record` globs become probes).
//!
//! Must not contain numerics or file output.

use crate::compile::{
    compile_with, Action, Builder, CompileError, Device, ExtraDevice, Model, SignalKind,
};
use crate::components::switch::SwitchDevice;
use crate::engine::{
    self, EngineError, InputSignal, InputTable, Probe, ProbeSource, RunSpec, ScheduledAction,
};
use crate::netlist::{self, FlatCircuit, NetlistError};
use crate::results::{Quantity, Waveforms};
use crate::scenario::{self, Event, LoadProfile, ProbeKind, Scenario, ScenarioError};
use crate::units::natural_cmp;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Default tolerances: tight enough for 1e-4 of nominal on the reference
/// circuits (checked against ngspice in the test suite).
pub const DEFAULT_RTOL: f64 = 1e-5;
pub const DEFAULT_ATOL: f64 = 1e-6;

/// Anything that stops a study, from reading files to integrating.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    #[error(transparent)]
    Netlist(#[from] NetlistError),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("the scenario names no circuit; give one on the command line")]
    NoCircuit,
    #[error("{0}")]
    Binding(String),
}

/// A compiled study ready to run.
#[derive(Debug)]
pub struct Prepared {
    pub circuit: FlatCircuit,
    pub scenario: Scenario,
    pub model: Model,
    pub spec: RunSpec,
}

/// Loads the circuit (the explicit path, else the scenario's) with the
/// scenario's overrides, compiles it and binds the scenario.
pub fn prepare(circuit_path: Option<&Path>, scenario: Scenario) -> Result<Prepared, StudyError> {
    let path: PathBuf = match circuit_path {
        Some(p) => p.to_path_buf(),
        None => scenario.circuit_path().ok_or(StudyError::NoCircuit)?,
    };
    let circuit = netlist::load(&path, &scenario.overrides)?;
    prepare_flat(circuit, scenario)
}

/// Same as [`prepare`] for an already elaborated circuit.
pub fn prepare_flat(circuit: FlatCircuit, scenario: Scenario) -> Result<Prepared, StudyError> {
    // Faults become switches to ground, open until the fault starts.
    let mut extra: Vec<ExtraDevice> = Vec::new();
    let mut fault_actions: Vec<(f64, String, Action)> = Vec::new();
    for (k, e) in scenario.events.iter().enumerate() {
        if let Event::Fault {
            at,
            node,
            ohms,
            clear_after,
        } = e
        {
            let name = format!("fault{}@{node}", k + 1);
            let (node, ohms, n2) = (node.clone(), *ohms, name.clone());
            extra.push(Box::new(move |b: &mut Builder| {
                let n = b.node(&node);
                Box::new(SwitchDevice::new(b, &n2, n, 0, false, 1.0 / ohms, 0.0)) as Box<dyn Device>
            }));
            fault_actions.push((*at, name.clone(), Action::Close));
            if let Some(c) = clear_after {
                fault_actions.push((at + c, name, Action::Open));
            }
        }
    }
    let model = compile_with(&circuit, extra)?;
    // Targets are checked against the compiled model, so internal nodes
    // (cable sections) can be recorded too.
    let component_names: Vec<String> = circuit
        .components
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let node_names: Vec<String> = model.node_index.keys().cloned().collect();
    scenario.check_targets(&component_names, &node_names)?;

    let bindings = scenario.bind_loads(&model.inputs)?;
    let mut signals: Vec<Option<Box<dyn InputSignal>>> =
        (0..model.inputs.len()).map(|_| None).collect();
    for b in bindings {
        signals[b.load] = Some(Box::new(ProfileSignal(b.profile)));
    }

    let mut actions = Vec::new();
    for e in &scenario.events {
        let (at, component, action) = match e {
            Event::Trip { at, component } => (*at, component, Action::Trip),
            Event::Open { at, component } => (*at, component, Action::Open),
            Event::Close { at, component } => (*at, component, Action::Close),
            Event::Set {
                at,
                component,
                field,
                value,
            } => (
                *at,
                component,
                Action::Set {
                    field: field.clone(),
                    value: *value,
                },
            ),
            Event::Fault { .. } => continue,
        };
        for device in matching_devices(&model, component)? {
            actions.push(ScheduledAction {
                time: at,
                device,
                action: action.clone(),
            });
        }
    }
    for (at, name, action) in fault_actions {
        let device = model.device_index[&name];
        actions.push(ScheduledAction {
            time: at,
            device,
            action,
        });
    }
    let probes = probes(&model, &scenario)?;
    let spec = RunSpec {
        duration: scenario.duration,
        sample: scenario.sample,
        start: match scenario.start {
            scenario::Start::OperatingPoint => engine::Start::OperatingPoint,
            scenario::Start::Zero => engine::Start::Zero,
        },
        rtol: scenario.rtol.unwrap_or(DEFAULT_RTOL),
        atol: scenario.atol.unwrap_or(DEFAULT_ATOL),
        max_step: None,
        inputs: InputTable::new(signals),
        actions,
        probes,
    };
    Ok(Prepared {
        circuit,
        scenario,
        model,
        spec,
    })
}

impl Prepared {
    /// Runs the transient.
    pub fn run(
        &mut self,
        observer: Option<&mut dyn engine::Observer>,
    ) -> Result<Waveforms, StudyError> {
        Ok(engine::simulate(&mut self.model, &mut self.spec, observer)?)
    }
}

/// Loads a scenario file and runs it end to end.
pub fn run_files(
    circuit: Option<&Path>,
    scenario_path: &Path,
) -> Result<(Prepared, Waveforms), StudyError> {
    let scenario = scenario::load(scenario_path)?;
    let mut prepared = prepare(circuit, scenario)?;
    let w = prepared.run(None)?;
    Ok((prepared, w))
}

#[derive(Debug)]
struct ProfileSignal(LoadProfile);

impl InputSignal for ProfileSignal {
    fn value(&self, t: f64) -> f64 {
        self.0.value(t)
    }
    fn slope(&self, t: f64) -> f64 {
        self.0.slope(t)
    }
    fn breakpoints(&self, t_end: f64) -> Vec<f64> {
        self.0.breakpoints(t_end)
    }
}

fn matching_devices(model: &Model, pattern: &str) -> Result<Vec<usize>, StudyError> {
    let mut found: Vec<usize> = model
        .devices
        .iter()
        .enumerate()
        .filter(|(_, d)| crate::glob::matches(pattern, d.name()))
        .map(|(i, _)| i)
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(StudyError::Binding(format!(
            "no component matches `{pattern}`"
        )));
    }
    Ok(found)
}

/// Expands `record` (or, when empty, every declared bus) into probes.
fn probes(model: &Model, scenario: &Scenario) -> Result<Vec<Probe>, StudyError> {
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    let node_probe = |name: &str, index: usize| {
        let nominal = model.nominal(name);
        Probe {
            name: if nominal.is_some() {
                name.to_string()
            } else {
                format!("v({name})")
            },
            target: name.to_string(),
            quantity: Quantity::Voltage,
            nominal,
            source: ProbeSource::Unknown(index),
        }
    };
    let mut nodes: Vec<(&String, &usize)> = model.node_index.iter().collect();
    nodes.sort_by(|(a, _), (b, _)| natural_cmp(a, b));
    let entries = scenario.probes();
    if entries.is_empty() {
        for (name, &i) in &nodes {
            if model.nominal(name).is_some() {
                out.push(node_probe(name, i));
            }
        }
        if out.is_empty() {
            for (name, &i) in &nodes {
                out.push(node_probe(name, i));
            }
        }
        return Ok(out);
    }
    let mut devices: Vec<(usize, &str)> = model
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| (i, d.name()))
        .collect();
    devices.sort_by(|(_, a), (_, b)| natural_cmp(a, b));
    for p in entries {
        let mut matched = false;
        match p.kind {
            ProbeKind::Voltage => {
                for (name, &i) in nodes
                    .iter()
                    .filter(|(n, _)| crate::glob::matches(&p.target, n))
                {
                    matched = true;
                    if seen.insert(format!("v:{name}"), ()).is_none() {
                        out.push(node_probe(name, i));
                    }
                }
            }
            ProbeKind::Current | ProbeKind::Power | ProbeKind::StateOfCharge => {
                let (kind, prefix, quantity) = match p.kind {
                    ProbeKind::Current => (SignalKind::Current, "i", Quantity::Current),
                    ProbeKind::Power => (SignalKind::Power, "p", Quantity::Power),
                    _ => (SignalKind::StateOfCharge, "soc", Quantity::StateOfCharge),
                };
                for &(d, name) in devices
                    .iter()
                    .filter(|(_, n)| crate::glob::matches(&p.target, n))
                {
                    let Some(index) = model.devices[d].signals().iter().position(|k| *k == kind)
                    else {
                        continue;
                    };
                    matched = true;
                    if seen.insert(format!("{prefix}:{name}"), ()).is_none() {
                        out.push(Probe {
                            name: format!("{prefix}({name})"),
                            target: name.to_string(),
                            quantity,
                            nominal: None,
                            source: ProbeSource::Signal { device: d, index },
                        });
                    }
                }
            }
        }
        if !matched {
            return Err(StudyError::Binding(format!(
                "record entry `{}` matches nothing in the compiled circuit",
                p.target
            )));
        }
    }
    Ok(out)
}
