//! Lint warnings for `busbar validate`: things that compile but that a
//! power architect probably did not mean.
//!
//! Owns only the warnings; never rejects a circuit.

use super::Model;
use crate::components::load::LoadModel;
use crate::components::{ComponentSpec, FlatCircuit};
use crate::device::UnknownKind;

/// Human-readable warnings, deterministic order.
pub fn lints(circuit: &FlatCircuit, model: &Model) -> Vec<String> {
    let mut out = Vec::new();
    let undeclared: Vec<&String> = model
        .node_index
        .keys()
        .filter(|n| model.nominal(n).is_none() && !n.contains(".n"))
        .collect();
    if !undeclared.is_empty() && !circuit.buses.is_empty() {
        let shown: Vec<String> = undeclared
            .iter()
            .take(5)
            .map(|s| format!("`{s}`"))
            .collect();
        out.push(format!(
            "{} node(s) have no bus declaration and get no nominal voltage (e.g. {})",
            undeclared.len(),
            shown.join(", ")
        ));
    }
    for c in &circuit.components {
        if let ComponentSpec::Load(l) = c {
            if matches!(l.model, LoadModel::ConstantPower { .. }) && l.bandwidth_hz.is_none() {
                out.push(format!(
                    "load `{}` is constant-power with no `bandwidth_hz`: its demand steps reach the bus as steps (a lag filters the demanded power only; the negative incremental resistance −v²/P acts with or without it)",
                    l.name
                ));
            }
        }
    }
    let algebraic_nodes = model
        .kinds
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, k)| matches!(k, UnknownKind::Node) && model.mass[*i] == 0.0)
        .count();
    if model.states() == 0 {
        out.push("the circuit has no energy storage: the transient is purely algebraic".into());
    }
    let _ = algebraic_nodes;
    out
}
