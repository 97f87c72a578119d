//! Allocation of unknowns, equation rows and Jacobian slots while devices
//! are built.
//!
//! Owns the numbering: node voltages first as they are met, then each
//! device's own unknowns. Must not evaluate equations.

use super::contract::Slot;
use super::slots::SlotTable;
use crate::hash::FastMap;

/// Ground's index in extended vectors.
pub const GROUND: usize = 0;

/// What an unknown is, for names, the topology check and reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnknownKind {
    /// A node voltage; its row is the node's KCL.
    Node,
    /// A device-owned unknown, named `owner.label` (`lfeed.i`): its owner
    /// is the first `owner_len` bytes of its name. The name holds both
    /// parts, so they are not stored again (twice 100,000 strings on a
    /// hall of 10,000 racks).
    Device { owner_len: usize },
}

impl UnknownKind {
    /// The owning device's name, from the unknown's `name`; `None` for a
    /// node.
    pub fn owner<'n>(&self, name: &'n str) -> Option<&'n str> {
        match *self {
            UnknownKind::Device { owner_len } => name.get(..owner_len),
            UnknownKind::Node => None,
        }
    }

    /// The unknown's label within its device (`i`, `v`), from its `name`;
    /// `None` for a node.
    pub fn label<'n>(&self, name: &'n str) -> Option<&'n str> {
        match *self {
            UnknownKind::Device { owner_len } => name.get(owner_len + 1..),
            UnknownKind::Node => None,
        }
    }
}

/// Collects unknowns and the Jacobian pattern.
#[derive(Debug, Default)]
pub struct Builder {
    pub(crate) names: Vec<String>,
    pub(crate) kinds: Vec<UnknownKind>,
    /// Diagonal of M, per row (extended: index 0 unused).
    pub(crate) mass: Vec<f64>,
    pub(crate) node_index: FastMap<String, usize>,
    /// (row, col) → slot, both extended indices ≥ 1; [`Builder::rows`]
    /// gives them in order.
    pub(crate) slots: SlotTable,
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

    /// Makes room for the unknowns and slots of about `components`
    /// components (a typical one has one or two unknowns and touches four
    /// or five Jacobian entries), so that the maps are not rebuilt again
    /// and again as a large circuit fills them.
    pub fn reserve(&mut self, components: usize) {
        let unknowns = components + components / 2;
        self.names.reserve(unknowns);
        self.kinds.reserve(unknowns);
        self.mass.reserve(unknowns);
        self.node_index.reserve(components / 2);
        self.slots.reserve_rows(unknowns);
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
        let mut name = String::with_capacity(owner.len() + 1 + label.len());
        name.push_str(owner);
        name.push('.');
        name.push_str(label);
        self.push(
            name,
            UnknownKind::Device {
                owner_len: owner.len(),
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
        if let Some(s) = self.slots.get(row, col) {
            return s;
        }
        let s = self.slot_count;
        self.slot_count += 1;
        self.slots.insert(row, col, s);
        s
    }

    /// Every slot by row, columns ascending within each row.
    pub fn rows(&self) -> RowSlots {
        let rows = self.names.len();
        let mut start = vec![0usize; rows + 1];
        for (row, _, _) in self.slots.iter() {
            start[row + 1] += 1;
        }
        for r in 0..rows {
            start[r + 1] += start[r];
        }
        let mut next = start.clone();
        let mut entries = vec![(0usize, TRASH); self.slots.len()];
        for (row, col, slot) in self.slots.iter() {
            entries[next[row]] = (col, slot);
            next[row] += 1;
        }
        for r in 0..rows {
            entries[start[r]..start[r + 1]].sort_unstable();
        }
        RowSlots { start, entries }
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

/// The slots of a [`Builder`] at one moment, grouped by row.
#[derive(Debug, Clone)]
pub struct RowSlots {
    /// Entries of row `r` are `entries[start[r]..start[r + 1]]`.
    start: Vec<usize>,
    /// (column, slot), columns ascending within a row.
    entries: Vec<(usize, Slot)>,
}

impl RowSlots {
    /// (column, slot) of the entries of `row`, columns ascending; none
    /// for a row the builder did not have.
    pub fn row(&self, row: usize) -> &[(usize, Slot)] {
        match (self.start.get(row), self.start.get(row + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a..b],
            _ => &[],
        }
    }
}
