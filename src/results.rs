//! Simulation results: sampled waveforms, fired events and solver
//! statistics. The engine fills these; analysis and report read them.
//!
//! Owns only the data layout. Must not compute metrics or write files.
//!
//! A column's values are either held in memory or deferred: rebuilt on
//! demand by a [`SampleSource`] (the engine's step log, which keeps the
//! solver's dense output instead of the samples). A hall of 10 000 racks
//! judges 21 000 bus voltages at 3 001 samples each, 504 MB as samples;
//! its 278 steps of dense output take about a quarter of that, and a limit
//! rebuilds one column at a time, inside its own parallel task.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

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
    pub values: Samples,
    /// The extremes the solution reached, including between grid samples
    /// (at every solver step end, event instant and the dense output in
    /// between); `None` when only the samples are known.
    #[serde(skip)]
    pub extremes: Option<Extremes>,
}

/// Rebuilds deferred columns: the same values, to the bit, that sampling
/// during the run would have stored.
pub trait SampleSource: Send + Sync + fmt::Debug {
    /// Writes the values of column `slot` of this source into `out`,
    /// replacing what it held.
    fn fill(&self, slot: usize, out: &mut Vec<f64>);
}

/// The values of one column on [`Waveforms::time`].
///
/// Reading through `Deref` (`&column.values[..]`, `.iter()`, `[k]`) keeps
/// a deferred column's values once rebuilt; [`Samples::read`] rebuilds
/// them for the caller alone, so that judging thousands of columns one
/// after another never holds them all.
#[derive(Clone)]
pub struct Samples(Repr);

#[derive(Clone)]
enum Repr {
    Held(Vec<f64>),
    Deferred {
        source: Arc<dyn SampleSource>,
        slot: usize,
        kept: OnceLock<Vec<f64>>,
    },
}

impl Samples {
    /// Values rebuilt on demand from column `slot` of `source`.
    pub fn deferred(source: Arc<dyn SampleSource>, slot: usize) -> Samples {
        Samples(Repr::Deferred {
            source,
            slot,
            kept: OnceLock::new(),
        })
    }

    /// Whether the values are rebuilt on demand (and not yet kept).
    pub fn is_deferred(&self) -> bool {
        matches!(&self.0, Repr::Deferred { kept, .. } if kept.get().is_none())
    }

    /// The values, without keeping a rebuilt copy in the column.
    pub fn read(&self) -> Cow<'_, [f64]> {
        match &self.0 {
            Repr::Held(v) => Cow::Borrowed(v),
            Repr::Deferred { source, slot, kept } => match kept.get() {
                Some(v) => Cow::Borrowed(v),
                None => {
                    let mut out = Vec::new();
                    source.fill(*slot, &mut out);
                    Cow::Owned(out)
                }
            },
        }
    }

    /// The values as a vector to edit; a deferred column is rebuilt and
    /// held from then on.
    pub fn to_mut(&mut self) -> &mut Vec<f64> {
        if let Repr::Deferred { .. } = self.0 {
            self.0 = Repr::Held(self.read().into_owned());
        }
        match &mut self.0 {
            Repr::Held(v) => v,
            Repr::Deferred { .. } => unreachable!("made held above"),
        }
    }
}

impl Deref for Samples {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        match &self.0 {
            Repr::Held(v) => v,
            Repr::Deferred { source, slot, kept } => kept.get_or_init(|| {
                let mut out = Vec::new();
                source.fill(*slot, &mut out);
                out
            }),
        }
    }
}

impl From<Vec<f64>> for Samples {
    fn from(values: Vec<f64>) -> Samples {
        Samples(Repr::Held(values))
    }
}

impl FromIterator<f64> for Samples {
    fn from_iter<I: IntoIterator<Item = f64>>(values: I) -> Samples {
        Samples::from(values.into_iter().collect::<Vec<f64>>())
    }
}

impl<'a> IntoIterator for &'a Samples {
    type Item = &'a f64;
    type IntoIter = std::slice::Iter<'a, f64>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Default for Samples {
    fn default() -> Samples {
        Samples::from(Vec::new())
    }
}

impl PartialEq for Samples {
    fn eq(&self, other: &Samples) -> bool {
        self[..] == other[..]
    }
}

impl fmt::Debug for Samples {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Samples {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self[..].serialize(s)
    }
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
