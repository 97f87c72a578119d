//! Why a circuit has no DC operating point, read from its structure at
//! the point where Newton gave up, so the message can name the cause
//! instead of guessing one.
//!
//! Owns the diagnosis only. Must not solve anything: it looks at the
//! Jacobian pattern and values and at the devices' branches.

use crate::compile::Model;
use crate::device::{Ctx, UnknownKind};

/// A node whose KCL row has no entry at DC: nothing attached to it
/// conducts a current that depends on a voltage (only capacitors, current
/// sources and constant-current loads reach it), so a net current into it
/// charges its capacitance for ever and no DC point exists.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAtDc {
    pub node: String,
    /// The components attached to the node, sorted.
    pub components: Vec<String>,
}

/// The node rows of the DC Jacobian at `y` that hold only zeros.
pub fn open_at_dc(model: &Model, ctx: &Ctx, y: &[f64]) -> Vec<OpenAtDc> {
    let p = &model.pattern;
    let mut jac = vec![0.0; model.slot_count];
    model.jacobian(ctx, y, &mut jac);
    let mut live = vec![false; model.n()];
    for (k, &row) in p.row_idx.iter().enumerate() {
        if jac[p.slot_of_entry[k]] != 0.0 {
            live[row] = true;
        }
    }
    let mut out = Vec::new();
    for (row, _) in live.iter().enumerate().filter(|(_, l)| !**l) {
        let index = row + 1;
        if model.kinds[index] != UnknownKind::Node {
            continue;
        }
        let mut components: Vec<String> = model
            .devices
            .iter()
            .filter(|d| d.branches().iter().any(|b| b.a == index || b.b == index))
            .map(|d| d.name().to_string())
            .collect();
        components.sort();
        components.dedup();
        out.push(OpenAtDc {
            node: model.names[index].clone(),
            components,
        });
    }
    out
}
