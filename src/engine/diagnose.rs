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

/// The no-equilibrium error of a node that nothing conducts to at DC,
/// when the circuit has one (see `diagnose`).
pub(super) fn open_at_dc_error(
    model: &Model,
    spec: &mut super::RunSpec,
    y: &[f64],
) -> Option<super::EngineError> {
    let ctx = Ctx {
        t: 0.0,
        inputs: spec.inputs.at(0.0),
    };
    let open = open_at_dc(model, &ctx, y).into_iter().next()?;
    let list = open
        .components
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(super::EngineError::NoEquilibrium {
        message: format!(
            "nothing conducts at DC at node `{}`: only capacitors and current sources or constant-current loads reach it ({list}), so any net current into it charges its capacitance for ever",
            open.node
        ),
        help: format!(
            "give node `{}` a DC path: a resistor or a resistive/constant-power load to ground, or a source that fixes its voltage; or start from zero (`start: Zero` in the scenario)",
            open.node
        ),
    })
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
