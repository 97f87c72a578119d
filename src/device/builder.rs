//! Allocation of unknowns, equation rows and Jacobian slots while devices
//! are built.
//!
//! Owns the numbering: node voltages first as they are met, then each
//! device's own unknowns. Must not evaluate equations.

use super::contract::Slot;
use std::collections::{BTreeMap, HashMap};

/// Ground's index in extended vectors.
pub const GROUND: usize = 0;

/// What an unknown is, for names, the topology check and reports.
#[derive(Debug, Clone, PartialEq)]
pub enum UnknownKind {
    /// A node voltage; its row is the node's KCL.
    Node,
    /// A device-owned unknown (`owner`, `label`), e.g. (`lfeed`, `i`).
    Device { owner: String, label: String },
}

/// Collects unknowns and the Jacobian pattern.
#[derive(Debug, Default)]
pub struct Builder {
    pub(crate) names: Vec<String>,
    pub(crate) kinds: Vec<UnknownKind>,
    /// Diagonal of M, per row (extended: index 0 unused).
    pub(crate) mass: Vec<f64>,
    pub(crate) node_index: HashMap<String, usize>,
    /// (row, col) → slot, both extended indices ≥ 1.
    pub(crate) slots: BTreeMap<(usize, usize), Slot>,
    pub(crate) slot_count: usize,
    /// Input channels: owner of each.
    pub(crate) inputs: Vec<String>,
}

/// Slot 0 absorbs entries in a ground row or column.
pub const TRASH: Slot = 0;

impl Builder {
    pub fn new() -> Self {
        Builder {
            names: vec!["gnd".into()],
            kinds: vec![UnknownKind::Node],
            mass: vec![0.0],
            slot_count: 1,
            ..Default::default()
        }
    }

    /// Index of node `name`, allocating it on first use. Ground is 0.
    pub fn node(&mut self, name: &str) -> usize {
        if name == "gnd" || name == "0" {
            return GROUND;
        }
        if let Some(&i) = self.node_index.get(name) {
            return i;
        }
        let i = self.push(name.to_string(), UnknownKind::Node, 0.0);
        self.node_index.insert(name.to_string(), i);
        i
    }

    /// A differential unknown owned by a device, with mass `mass` on its row.
    pub fn state(&mut self, owner: &str, label: &str, mass: f64) -> usize {
        self.push(
            format!("{owner}.{label}"),
            UnknownKind::Device {
                owner: owner.into(),
                label: label.into(),
            },
            mass,
        )
    }

    /// An algebraic unknown owned by a device.
    pub fn algebraic(&mut self, owner: &str, label: &str) -> usize {
        self.state(owner, label, 0.0)
    }

    /// Adds `mass` to the diagonal of M at `row` (an ideal capacitor to
    /// ground makes its node's KCL row differential).
    pub fn add_mass(&mut self, row: usize, mass: f64) {
        if row != GROUND {
            self.mass[row] += mass;
        }
    }

    /// The Jacobian slot of entry (row, col). Ground rows/columns map to the
    /// trash slot.
    pub fn slot(&mut self, row: usize, col: usize) -> Slot {
        if row == GROUND || col == GROUND {
            return TRASH;
        }
        if let Some(&s) = self.slots.get(&(row, col)) {
            return s;
        }
        let s = self.slot_count;
        self.slot_count += 1;
        self.slots.insert((row, col), s);
        s
    }

    /// A new input channel (per-unit profile) owned by `owner`.
    pub fn input(&mut self, owner: &str) -> usize {
        self.inputs.push(owner.to_string());
        self.inputs.len() - 1
    }

    fn push(&mut self, name: String, kind: UnknownKind, mass: f64) -> usize {
        self.names.push(name);
        self.kinds.push(kind);
        self.mass.push(mass);
        self.names.len() - 1
    }
}
