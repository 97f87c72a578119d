//! A scenario bound to an elaborated circuit: the compiled model and the
//! engine's run specification. Owns the glue between `netlist`, `scenario`,
//! `compile` and `engine`: faults become devices, load profiles become
//! input channels, scenario events become scheduled actions, and `record`
//! globs (plus what the caller asks for on top) become probes.
//!
//! Must not read files (the `study` does, once), integrate, or judge.

pub mod losses;

use crate::compile::{compile_with, CompileError, ExtraDevice, Model};
use crate::components::switch::SwitchDevice;
use crate::components::FlatCircuit;
use crate::device::{Action, Builder, Device, InputValue, SignalKind};
use crate::engine::{
    self, EngineError, InputBank, InputTable, Probe, ProbeSource, RunSpec, ScheduledAction,
};
use crate::netlist::Library;
use crate::results::{Quantity, Waveforms};
use crate::scenario::{
    self, Event, LoadProfile, ProbeKind, Scenario, ScenarioError, ScenarioLimit,
};
use crate::units::natural_cmp;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// Names matched against a glob per parallel task: a match costs tens of
/// nanoseconds, so a task of this many is worth its scheduling.
const MATCHES_PER_TASK: usize = 4096;

/// Default tolerances: tight enough for 1e-4 of nominal on the reference
/// circuits (checked against ngspice in the test suite).
pub const DEFAULT_RTOL: f64 = 1e-5;
pub const DEFAULT_ATOL: f64 = 1e-6;

/// Why a scenario cannot be bound to a circuit.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// An event names a component that does not exist.
    #[error("no component matches `{pattern}`")]
    NoComponent { pattern: String },
    /// A `record` entry (or one a limit needs) matches no node or component.
    #[error("record entry `{entry}` matches nothing in the compiled circuit")]
    NoRecordMatch { entry: String },
    /// `v(name)` names both a node and a component with a voltage of its
    /// own (an ActiveFrontEnd's PCC).
    #[error("`v({name})` names both the node `{name}` and the PCC voltage of the component `{name}`; rename one of them")]
    AmbiguousVoltage { name: String },
    /// A `losses` entry matches no component.
    #[error("{what} entry `{entry}` matches no component of the compiled circuit")]
    NoLossMatch { entry: String, what: String },
    /// A loss stage names a component that has no loss (a load, a source).
    #[error("component `{component}` in loss stage `{stage}` has no loss to sum (loads, sources and ideal switches of energy do not dissipate); take it out of the stage")]
    NoLossSignal { component: String, stage: String },
    /// A loss stage names a component of `losses.output`.
    #[error("component `{component}` in loss stage `{stage}` is one of `losses.output`: what an output absorbs, its own loss included, is delivered energy; take it out of the stage or of the output")]
    LossOfOutput { component: String, stage: String },
}

/// A compiled circuit with its scenario, ready to run; generic over the
/// scenario's limit type, which this layer never looks into.
#[derive(Debug, Clone)]
pub struct Prepared<L> {
    pub circuit: FlatCircuit,
    pub scenario: Scenario<L>,
    pub model: Model,
    pub spec: RunSpec,
    /// Every scheduled instant: the corners of every bound load profile and
    /// every event (with fault clearings), sorted.
    pub breakpoints: Vec<f64>,
    /// How many of the probes (the first ones) the scenario's `record`
    /// asked for; the rest are recorded for its limits only.
    pub requested_probes: usize,
}

impl<L> Prepared<L> {
    /// Runs the transient.
    pub fn run(
        &mut self,
        observer: Option<&mut dyn engine::Observer>,
    ) -> Result<Waveforms, EngineError> {
        engine::simulate(&mut self.model, &mut self.spec, observer)
    }

    /// Runs the transient; a failure after the start keeps what was
    /// recorded up to it (see [`engine::simulate_keeping_partial`]).
    pub fn run_keeping_partial(
        &mut self,
        observer: Option<&mut dyn engine::Observer>,
    ) -> Result<Waveforms, Box<engine::Stopped>> {
        engine::simulate_keeping_partial(&mut self.model, &mut self.spec, observer)
    }
}

/// Binds `scenario` to an elaborated circuit (its overrides already
/// applied), recording what the scenario's `record` asks for.
pub fn prepare_flat<L: ScenarioLimit>(
    circuit: FlatCircuit,
    scenario: Scenario<L>,
) -> Result<Prepared<L>, PrepareError> {
    prepare_recording(circuit, scenario, &[])
}

/// Same as [`prepare_flat`], recording the `extra` entries as well (what
/// limits need), after the scenario's own. An empty `record` stands for
/// every declared bus, so the extras come after those.
pub fn prepare_recording<L: ScenarioLimit>(
    circuit: FlatCircuit,
    scenario: Scenario<L>,
    extra: &[String],
) -> Result<Prepared<L>, PrepareError> {
    let (devices, fault_actions) = fault_switches(&scenario);
    let model = compile_with(&circuit, devices)?;
    // Targets are checked against the compiled model, so internal nodes
    // (cable sections) can be recorded too.
    let component_names: Vec<String> = circuit
        .components
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let node_names: Vec<String> = model.node_index.keys().cloned().collect();
    let voltages: Vec<String> = model
        .devices
        .iter()
        .filter(|d| d.signals().contains(&SignalKind::PccVoltage))
        .map(|d| d.name().to_string())
        .collect();
    scenario.check_targets(&component_names, &node_names, &voltages)?;
    let events: Vec<&[&str]> = circuit.components.iter().map(|c| c.events()).collect();
    scenario.check_event_names(&component_names, &events)?;
    let kinds: Vec<&str> = circuit.components.iter().map(|c| c.kind()).collect();
    let actions: Vec<&[(&str, &str)]> = circuit.components.iter().map(|c| c.actions()).collect();
    scenario.check_event_actions(&component_names, &kinds, &actions)?;

    let bindings = scenario.bind_loads(&model.inputs)?;
    let min_step = engine::MIN_STEP_FRACTION * scenario.duration;
    scenario.check_corner_spacing(&bindings, &model.inputs, min_step)?;
    let breakpoints = scenario.breakpoints(&bindings)?;
    let mut profiles: Vec<Option<LoadProfile>> = vec![None; model.inputs.len()];
    for b in bindings {
        profiles[b.load] = Some(b.profile);
    }
    let mut actions = scheduled_actions(&model, &scenario)?;
    for (time, name, action) in fault_actions {
        let device = model.device_index()[&name];
        actions.push(ScheduledAction {
            time,
            device,
            action,
        });
    }
    let (probes, requested_probes) = probes(&model, &scenario, extra)?;
    scenario.check_output(probes.len())?;
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
        inputs: InputTable::from_bank(Box::new(ProfileBank(profiles))),
        actions,
        probes,
        defer_node_columns: true,
    };
    Ok(Prepared {
        circuit,
        scenario,
        model,
        spec,
        breakpoints,
        requested_probes,
    })
}

/// A fault's switch to ground, open until the fault starts, with the
/// actions that close (and clear) it.
type FaultActions = Vec<(f64, String, Action)>;

fn fault_switches<L>(scenario: &Scenario<L>) -> (Vec<ExtraDevice>, FaultActions) {
    let mut extra: Vec<ExtraDevice> = Vec::new();
    let mut actions = Vec::new();
    for (k, e) in scenario.events.iter().enumerate() {
        let Event::Fault {
            at,
            node,
            ohms,
            clear_after,
        } = e
        else {
            continue;
        };
        let name = format!("fault{}@{node}", k + 1);
        let (node, ohms, n2) = (node.clone(), *ohms, name.clone());
        extra.push(Box::new(move |b: &mut Builder| {
            let n = b.node(&node);
            Box::new(SwitchDevice::new(b, &n2, n, 0, false, 1.0 / ohms, 0.0)) as Box<dyn Device>
        }));
        actions.push((*at, name.clone(), Action::Close));
        if let Some(c) = clear_after {
            actions.push((at + c, name, Action::Open));
        }
    }
    (extra, actions)
}

/// The scenario's trips, switch operations and field changes, one per
/// matching device.
fn scheduled_actions<L>(
    model: &Model,
    scenario: &Scenario<L>,
) -> Result<Vec<ScheduledAction>, PrepareError> {
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
        for device in matching_devices(model, component)? {
            actions.push(ScheduledAction {
                time: at,
                device,
                action: action.clone(),
            });
        }
    }
    Ok(actions)
}

/// The bound load profiles, one slot per input channel, in one array (see
/// [`InputBank`]).
#[derive(Debug, Clone)]
struct ProfileBank(Vec<Option<LoadProfile>>);

impl InputBank for ProfileBank {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn fill(&self, first: usize, t: f64, out: &mut [InputValue]) {
        for (slot, p) in out.iter_mut().zip(&self.0[first..]) {
            if let Some(p) = p {
                let (value, slope) = p.value_and_slope(t);
                *slot = InputValue { value, slope };
            }
        }
    }

    fn breakpoints(&self, t_end: f64) -> Vec<f64> {
        self.0
            .iter()
            .flatten()
            .flat_map(|p| p.breakpoints(t_end))
            .collect()
    }
}

fn matching_devices(model: &Model, pattern: &str) -> Result<Vec<usize>, PrepareError> {
    let found: Vec<usize> = (0..model.devices.len())
        .filter(|&i| crate::glob::matches(pattern, model.devices[i].name()))
        .collect();
    if found.is_empty() {
        return Err(PrepareError::NoComponent {
            pattern: pattern.to_string(),
        });
    }
    Ok(found)
}

/// Expands `record` (or, when empty, every declared bus) and then the
/// `extra` entries into probes, each quantity of each target once; also
/// returns how many came from the scenario's own `record`.
fn probes<L>(
    model: &Model,
    scenario: &Scenario<L>,
    extra: &[String],
) -> Result<(Vec<Probe>, usize), PrepareError> {
    // A hall has about 100 000 nodes and 70 000 devices: the sorts (stable,
    // so the order is the serial one) and the glob matches run on both cores.
    let mut nodes: Vec<(&String, &usize)> = model.node_index.iter().collect();
    nodes.par_sort_by(|(a, _), (b, _)| natural_cmp(a, b));
    let mut devices: Vec<(usize, &str)> = model
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| (i, d.name()))
        .collect();
    devices.par_sort_by(|(_, a), (_, b)| natural_cmp(a, b));
    let mut probes = Probes {
        model,
        out: Vec::new(),
        seen: BTreeSet::new(),
    };
    let own = scenario.probes();
    if own.is_empty() {
        let any = nodes.iter().any(|(n, _)| model.nominal(n).is_some());
        for (name, &i) in nodes
            .iter()
            .filter(|(n, _)| !any || model.nominal(n).is_some())
        {
            probes.node(name, i);
        }
    }
    for p in &own {
        probes.entry(&nodes, &devices, p)?;
    }
    // The sums of a `losses` block are written like the scenario's own.
    if let Some(spec) = &scenario.losses {
        probes.out.extend(losses::loss_probes(model, spec)?);
    }
    let requested = probes.out.len();
    for p in extra.iter().filter_map(|e| scenario::Probe::parse(e).ok()) {
        probes.entry(&nodes, &devices, &p)?;
    }
    Ok((probes.out, requested))
}

/// Probes collected so far, with the quantities already taken.
struct Probes<'a> {
    model: &'a Model,
    out: Vec<Probe>,
    seen: BTreeSet<String>,
}

impl Probes<'_> {
    /// One `record` entry: every node or device it matches.
    fn entry(
        &mut self,
        nodes: &[(&String, &usize)],
        devices: &[(usize, &str)],
        p: &scenario::Probe,
    ) -> Result<(), PrepareError> {
        let matched = match p.kind {
            ProbeKind::Voltage => {
                let mut hit = false;
                for (name, &i) in matching(nodes, |(n, _)| n.as_str(), &p.target) {
                    self.node(name, i);
                    hit = true;
                }
                // A component's own voltage (an ActiveFrontEnd's PCC).
                let own = self.signals(devices, &p.target, p.kind)?;
                hit || own
            }
            kind => self.signals(devices, &p.target, kind)?,
        };
        if matched {
            Ok(())
        } else {
            Err(PrepareError::NoRecordMatch {
                entry: p.target.clone(),
            })
        }
    }

    fn node(&mut self, name: &str, index: usize) {
        if !self.seen.insert(format!("v:{name}")) {
            return;
        }
        let nominal = self.model.nominal(name);
        self.out.push(Probe {
            name: if nominal.is_some() {
                name.to_string()
            } else {
                format!("v({name})")
            },
            target: name.to_string(),
            quantity: Quantity::Voltage,
            nominal,
            source: ProbeSource::Unknown(index),
        });
    }

    /// Current, power, loss, state of charge or own voltage of every
    /// device matching `pattern` that has it; false when none does. A
    /// device voltage whose name is also a node's would give two columns
    /// `v(name)`: an error.
    fn signals(
        &mut self,
        devices: &[(usize, &str)],
        pattern: &str,
        kind: ProbeKind,
    ) -> Result<bool, PrepareError> {
        let (signal, prefix, quantity) = match kind {
            ProbeKind::Voltage => (SignalKind::PccVoltage, "v", Quantity::Voltage),
            ProbeKind::Current => (SignalKind::Current, "i", Quantity::Current),
            ProbeKind::Power => (SignalKind::Power, "p", Quantity::Power),
            ProbeKind::Loss => (SignalKind::Loss, "loss", Quantity::Power),
            ProbeKind::StateOfCharge => (SignalKind::StateOfCharge, "soc", Quantity::StateOfCharge),
        };
        let mut matched = false;
        for (d, name) in matching(devices, |(_, n)| *n, pattern) {
            let device = &self.model.devices[d];
            let Some(index) = device.signals().iter().position(|k| *k == signal) else {
                continue;
            };
            if quantity == Quantity::Voltage && self.model.node_index.contains_key(name) {
                return Err(PrepareError::AmbiguousVoltage {
                    name: name.to_string(),
                });
            }
            matched = true;
            if self.seen.insert(format!("{prefix}:{name}")) {
                self.out.push(Probe {
                    name: format!("{prefix}({name})"),
                    target: name.to_string(),
                    quantity,
                    nominal: device.signal_nominal(index),
                    source: ProbeSource::Signal { device: d, index },
                });
            }
        }
        Ok(matched)
    }
}

/// The items whose `name` matches `pattern`, in their order; matched in
/// parallel (order-preserving), for the node and device lists of a hall.
fn matching<T: Copy + Send + Sync>(
    items: &[T],
    name: impl Fn(&T) -> &str + Sync,
    pattern: &str,
) -> Vec<T> {
    items
        .par_iter()
        .with_min_len(MATCHES_PER_TASK)
        .filter(|item| crate::glob::matches(pattern, name(item)))
        .copied()
        .collect()
}
