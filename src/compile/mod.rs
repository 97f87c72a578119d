//! Compilation of a flat circuit into a `Model`: numbered unknowns, the
//! constant mass diagonal, compiled devices and the sparse Jacobian pattern.
//!
//! Owns unknown numbering, the pattern, the exact reductions of index-2
//! structures (`reduce`, `mix`) and the topology (index) checks.
//! Must not integrate in time or pick solvers (`engine`), nor parse text
//! (`netlist`).

mod lints;
mod mix;
mod reduce;
mod split;
mod topology;

pub use lints::lints;
pub use split::{EvalScratch, SPLIT_EVAL_DEVICES};

use crate::components::{ComponentSpec, FlatCircuit};
use crate::device::{Builder, Ctx, Device, Slot, UnknownKind, TRASH};
use crate::hash::FastMap;
use crate::netlist::Library;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Why a circuit cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A topology that makes the DAE index higher than one, or leaves a
    /// node undetermined.
    #[error("{message}")]
    Topology {
        message: String,
        nodes: Vec<String>,
        components: Vec<String>,
        help: String,
    },
    /// A node that only one terminal connects to.
    #[error(
        "node `{node}` is connected only to `{component}` (terminal `{terminal}`): a dangling node"
    )]
    Dangling {
        node: String,
        component: String,
        terminal: String,
        help: String,
    },
    #[error("the circuit has no components")]
    Empty,
}

/// Compressed-column pattern of the n×n iteration matrix over unknowns
/// 1..=n (stored 0-based), with the Jacobian slot feeding each entry.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub n: usize,
    pub col_ptr: Vec<usize>,
    pub row_idx: Vec<usize>,
    /// For each stored entry, the Jacobian slot it takes its value from.
    pub slot_of_entry: Vec<Slot>,
    /// For each unknown 0..n, the position of its diagonal entry.
    pub diagonal: Vec<usize>,
}

/// The compiled DAE M·y' = F(y, t) with analytic sparse Jacobian.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    /// Names of unknowns, extended (index 0 is ground).
    pub names: Vec<String>,
    pub kinds: Vec<UnknownKind>,
    /// Diagonal of M, extended.
    pub mass: Vec<f64>,
    pub devices: Vec<Box<dyn Device>>,
    /// Device name → index in `devices`, built on first use
    /// ([`Model::device_index`]): `busbar validate` never asks.
    device_index: OnceLock<FastMap<String, usize>>,
    pub node_index: BTreeMap<String, usize>,
    /// Owner (load name) of each input channel.
    pub inputs: Vec<String>,
    pub slot_count: usize,
    pub pattern: Pattern,
    /// Bus globs with nominal voltages.
    pub buses: Vec<crate::netlist::BusSpec>,
    /// Declared subsystems (empty: grouped by top-level name).
    pub subsystems: Vec<crate::netlist::SubsystemSpec>,
    /// `buses` indexed for [`Model::nominal`].
    bus_index: crate::netlist::BusIndex,
    /// Rows rewritten after the devices stamp them (inductor cut-sets,
    /// see `reduce`).
    mixes: Vec<mix::RowMix>,
    /// First device of the second evaluation half (`split`); the device
    /// count when the model is evaluated in one piece.
    eval_split: usize,
}

impl Model {
    /// Number of unknowns (excluding ground).
    pub fn n(&self) -> usize {
        self.names.len() - 1
    }

    /// Number of differential unknowns.
    pub fn states(&self) -> usize {
        self.mass.iter().skip(1).filter(|m| **m != 0.0).count()
    }

    /// F(y, t) into `f` (extended vectors). Integrators call
    /// [`Model::eval_with`] instead, which keeps its buffer.
    pub fn eval(&self, ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        self.eval_with(ctx, y, f, &mut EvalScratch::default());
    }

    /// ∂F/∂y into slot values `jac` (length `slot_count`).
    pub fn jacobian(&self, ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        self.jacobian_with(ctx, y, jac, &mut EvalScratch::default());
    }

    /// ∂F/∂t into `ft` (extended).
    pub fn time_derivative(&self, ctx: &Ctx, y: &[f64], ft: &mut [f64]) {
        ft.fill(0.0);
        for d in &self.devices {
            d.time_derivative(ctx, y, ft);
        }
        mix::apply_rows(&self.mixes, ft);
        ft[0] = 0.0;
    }

    /// Device name → index in `devices` (a later device of the same name
    /// wins). Its iteration order means nothing: look names up, do not
    /// list them from it.
    pub fn device_index(&self) -> &FastMap<String, usize> {
        self.device_index.get_or_init(|| {
            let mut index = FastMap::default();
            index.reserve(self.devices.len());
            index.extend(
                self.devices
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (d.name().to_string(), i)),
            );
            index
        })
    }

    /// Nominal voltage of a node from the bus declarations.
    pub fn nominal(&self, node: &str) -> Option<f64> {
        self.bus_index.nominal(node)
    }

    /// Node names in index order.
    pub fn node_names(&self) -> Vec<String> {
        let mut v: Vec<(usize, &String)> = self.node_index.iter().map(|(k, i)| (*i, k)).collect();
        v.sort();
        v.into_iter().map(|(_, k)| k.clone()).collect()
    }
}

/// Compiles an elaborated circuit.
pub fn compile(circuit: &FlatCircuit) -> Result<Model, CompileError> {
    compile_with(circuit, Vec::new())
}

/// [`compile`], with the devices left where they were built instead of
/// copied side by side ([`packed`]): the same checks, unknowns, pattern and
/// devices, for callers that read the model's structure and never evaluate
/// it, where the copy of every device would be thrown away unused.
pub fn compile_unpacked(circuit: &FlatCircuit) -> Result<Model, CompileError> {
    assemble(circuit, Vec::new(), Layout::AsBuilt)
}

/// Where a compiled model's devices lie in memory.
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    /// Copied side by side in evaluation order ([`packed`]).
    Packed,
    /// Where building left them.
    AsBuilt,
}

/// Builds a device that is not in the circuit file (a scenario fault).
pub type ExtraDevice = Box<dyn FnOnce(&mut Builder) -> Box<dyn Device>>;

/// Compiles with extra devices built by the caller (scenario faults).
pub fn compile_with(circuit: &FlatCircuit, extra: Vec<ExtraDevice>) -> Result<Model, CompileError> {
    assemble(circuit, extra, Layout::Packed)
}

fn assemble(
    circuit: &FlatCircuit,
    extra: Vec<ExtraDevice>,
    layout: Layout,
) -> Result<Model, CompileError> {
    if circuit.components.is_empty() {
        return Err(CompileError::Empty);
    }
    let terminals = topology::Terminals::new(&circuit.components);
    topology::check_dangling(&circuit.components, &terminals)?;
    topology::check_sources(&circuit.components, &terminals)?;
    drop(terminals);
    let mut b = Builder::new();
    b.reserve(circuit.components.len());
    let mut devices: Vec<Box<dyn Device>> = Vec::with_capacity(circuit.components.len());
    for c in &circuit.components {
        devices.push(c.primitive().build(&mut b));
    }
    for make in extra {
        devices.push(make(&mut b));
    }
    let branches = reduce::node_branches(&b, &devices);
    let reduced = reduce::reduce(&circuit.components, &mut b, &mut devices, &branches);
    // Every unknown needs its diagonal in the pattern: M/(hγ) − J and the
    // consistent re-initialisation both write there.
    for i in 1..b.names.len() {
        b.slot(i, i);
    }
    let pattern = build_pattern(&b);
    topology::check_index(&b, &devices, &branches, &pattern, &reduced)
        .map_err(|e| cable_help(e, &circuit.components))?;
    Ok(Model {
        eval_split: split::split_point(devices.len()),
        devices: match layout {
            Layout::Packed => packed(devices),
            Layout::AsBuilt => devices,
        },
        name: circuit.name.clone(),
        node_index: b.node_index.into_iter().collect(),
        names: b.names,
        kinds: b.kinds,
        mass: b.mass,
        device_index: OnceLock::new(),
        inputs: b.inputs,
        slot_count: b.slot_count,
        pattern,
        buses: circuit.buses.clone(),
        subsystems: circuit.subsystems.clone(),
        bus_index: crate::netlist::BusIndex::new(&circuit.buses),
        mixes: reduced.mixes,
    })
}

/// The devices copied into fresh boxes allocated one after another, in
/// evaluation order. Each was boxed between the builder's own allocations
/// (names, maps, slot tables), so on a hall of 10,000 racks the boxes lie
/// scattered over a heap far larger than the cache, and every evaluation
/// pass of every step missed the cache on nearly each device. Copies made
/// in a row lie side by side; the order, and so every sum, is unchanged.
fn packed(devices: Vec<Box<dyn Device>>) -> Vec<Box<dyn Device>> {
    devices.to_vec()
}

fn build_pattern(b: &Builder) -> Pattern {
    let n = b.names.len() - 1;
    // Counted into place column by column, then each column sorted by
    // row: one pass over the unordered slots and no vector per column.
    let mut col_ptr = vec![0usize; n + 1];
    for (_, col, _) in b.slots.iter() {
        col_ptr[col] += 1;
    }
    for col in 0..n {
        col_ptr[col + 1] += col_ptr[col];
    }
    let mut next = col_ptr.clone();
    let mut entries = vec![(0usize, TRASH); b.slots.len()];
    for (row, col, slot) in b.slots.iter() {
        entries[next[col - 1]] = (row - 1, slot);
        next[col - 1] += 1;
    }
    let mut diagonal = vec![0usize; n];
    for col in 0..n {
        let column = &mut entries[col_ptr[col]..col_ptr[col + 1]];
        column.sort_unstable();
        if let Some(k) = column.iter().position(|&(row, _)| row == col) {
            diagonal[col] = col_ptr[col] + k;
        }
    }
    let (row_idx, slot_of_entry) = entries.into_iter().unzip();
    Pattern {
        n,
        col_ptr,
        row_idx,
        slot_of_entry,
        diagonal,
    }
}

/// A loop of sources and capacitors through a `Cable`'s shunt capacitance:
/// the usual fix, an ESR, is not a field a Cable has, so say what is.
fn cable_help(e: CompileError, components: &[ComponentSpec]) -> CompileError {
    let CompileError::Topology {
        message,
        nodes,
        components: names,
        help,
    } = e
    else {
        return e;
    };
    let cables: Vec<&String> = names
        .iter()
        .filter(|n| {
            components
                .iter()
                .any(|c| c.kind() == "Cable" && c.primitive().name() == n.as_str())
        })
        .collect();
    let help = if cables.is_empty() || !message.contains("loop of voltage sources and capacitors") {
        help
    } else {
        let list: Vec<String> = cables.iter().map(|c| format!("`{c}`")).collect();
        format!(
            "a Cable ({}) takes no ESR: put a Resistor or an Inductor in series between the source and the cable, or give the source a series resistance; an ESR fits only the loop's Capacitor components",
            list.join(", ")
        )
    };
    CompileError::Topology {
        message,
        nodes,
        components: names,
        help,
    }
}
