//! Simulation results: sampled waveforms, fired events and solver
//! statistics. The engine fills these; analysis and report read them.
//!
//! Owns only the data layout. Must not compute metrics or write files.

use serde::{Deserialize, Serialize};

/// What a recorded column measures; decides units in tables and plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    Voltage,
    Current,
    Power,
    /// A storage device's state of charge, 0…1 (not a percentage).
    StateOfCharge,
}

impl Quantity {
    pub fn unit(self) -> &'static str {
        match self {
            Quantity::Voltage => "V",
            Quantity::Current => "A",
            Quantity::Power => "W",
            Quantity::StateOfCharge => "",
        }
    }
}

/// One recorded quantity sampled on `Waveforms::time`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// CSV header: `v(node)`, the bare bus name, `i(component)` or `p(component)`.
    pub name: String,
    /// The node or component it belongs to.
    pub target: String,
    pub quantity: Quantity,
    /// Nominal voltage of the bus, for voltages on a declared bus.
    pub nominal: Option<f64>,
    pub values: Vec<f64>,
    /// The extremes the solution reached, including between grid samples
    /// (at every solver step end, event instant and the dense output in
    /// between); `None` when only the samples are known.
    #[serde(skip)]
    pub extremes: Option<Extremes>,
}

/// The smallest and largest value of a quantity over a run and when each
/// was first reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extremes {
    pub min: f64,
    pub t_min: f64,
    pub max: f64,
    pub t_max: f64,
}

/// An event that happened during the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub time: f64,
    /// Component or node concerned.
    pub target: String,
    /// What happened, e.g. "uvlo trip", "open", "fault cleared".
    pub what: String,
}

/// Counters of the integrator's work, for reports and regression snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolverStats {
    pub method: String,
    pub unknowns: usize,
    pub steps: u64,
    pub rejected_steps: u64,
    pub function_evaluations: u64,
    pub jacobian_evaluations: u64,
    pub factorizations: u64,
    pub breakpoints: u64,
    pub state_events: u64,
}

/// Why a transient stopped before the end of its run, and where: the
/// unknown the solver could not follow, with the component and the node it
/// belongs to. What was computed up to `time` is kept as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The last instant the solution reached, seconds.
    pub time: f64,
    /// The engine's message.
    pub message: String,
    /// The unknown as the compiled model names it, e.g. `bus` or `l1.i`.
    pub unknown: Option<String>,
    /// The component that owns the unknown or, for a node voltage, the
    /// one driving the largest current into that node.
    pub component: Option<String>,
    /// The node of the unknown, or a terminal node of its component.
    pub node: Option<String>,
}

/// Everything a transient run produces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waveforms {
    /// Sample times: the uniform grid plus exact event instants, ascending.
    pub time: Vec<f64>,
    pub columns: Vec<Column>,
    pub events: Vec<EventRecord>,
    pub stats: SolverStats,
}

impl Waveforms {
    /// The column called `name`, if recorded.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name == name || c.target == name && c.quantity == Quantity::Voltage)
    }
}
