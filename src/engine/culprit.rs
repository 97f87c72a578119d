//! Where a failed run failed: the unknown the solver could not follow,
//! and the component and node it belongs to, named from the compiled
//! model so that a report can point at the circuit.
//!
//! Owns the mapping from an unknown's index to names. Must not decide
//! when a run fails (`run`) nor how the failure is shown (`report`).

use crate::compile::Model;
use crate::device::{Ctx, UnknownKind};
use std::fmt;

/// The unknown a run could not follow, with its component and node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Culprit {
    /// As the compiled model names it: a node (`bus`) or `owner.label`.
    pub unknown: String,
    /// The owner of a device unknown; for a node voltage, the component
    /// driving the largest current into the node at the failure.
    pub component: Option<String>,
    /// The node itself, or the first terminal node of the owner.
    pub node: Option<String>,
}

impl fmt::Display for Culprit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.unknown)?;
        let parts: Vec<String> = [("component", &self.component), ("node", &self.node)]
            .iter()
            .filter_map(|(what, name)| name.as_ref().map(|n| format!("{what} `{n}`")))
            .collect();
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

/// Names unknown `index` (extended) of `model` at the state `y`; a node
/// voltage gets the component driving it hardest there.
pub(crate) fn locate(model: &Model, index: usize, ctx: &Ctx, y: &[f64]) -> Culprit {
    let mut culprit = name(model, index);
    if culprit.component.is_none() && culprit.node.is_some() && y.len() == model.n() + 1 {
        culprit.component = strongest_driver(model, index, ctx, y);
    }
    culprit
}

/// Names unknown `index` from the model alone: a node is its own node; a
/// device unknown has its owner and the owner's first terminal node.
pub(crate) fn name(model: &Model, index: usize) -> Culprit {
    let (Some(unknown), Some(kind)) = (model.names.get(index), model.kinds.get(index)) else {
        return Culprit {
            unknown: "?".into(),
            ..Culprit::default()
        };
    };
    let unknown = unknown.clone();
    match kind.owner(&unknown).map(str::to_string) {
        None => Culprit {
            node: (index != 0).then(|| unknown.clone()),
            component: None,
            unknown,
        },
        Some(owner) => Culprit {
            node: first_terminal(model, &owner),
            component: Some(owner),
            unknown,
        },
    }
}

/// The device connected to `node` whose own current into it is largest in
/// magnitude; only devices with a branch on the node are evaluated.
fn strongest_driver(model: &Model, node: usize, ctx: &Ctx, y: &[f64]) -> Option<String> {
    let mut f = vec![0.0; y.len()];
    let mut best: Option<(f64, &str)> = None;
    for d in &model.devices {
        if !d.branches().iter().any(|b| b.a == node || b.b == node) {
            continue;
        }
        f.fill(0.0);
        d.eval(ctx, y, &mut f);
        let current = f[node].abs();
        let current = if current.is_nan() {
            f64::INFINITY
        } else {
            current
        };
        if best.is_none_or(|(c, _)| current > c) {
            best = Some((current, d.name()));
        }
    }
    best.map(|(_, name)| name.to_string())
}

/// The first non-ground terminal node of component `owner`.
fn first_terminal(model: &Model, owner: &str) -> Option<String> {
    let device = model.devices.get(*model.device_index().get(owner)?)?;
    device
        .branches()
        .iter()
        .flat_map(|b| [b.a, b.b])
        .find(|&i| i != 0 && matches!(model.kinds.get(i), Some(UnknownKind::Node)))
        .and_then(|i| model.names.get(i).cloned())
}
