//! Which node voltages the deck records, under which column names and in
//! which order: the same selection and order as the study's probes.
//!
//! Owns the `* record` list; must not emit elements.

use super::names::Names;
use super::ExportError;
use crate::analysis::Scenario;
use crate::components::FlatCircuit;
use crate::scenario::ProbeKind;
use crate::units::natural_cmp;
use std::collections::HashSet;

/// A recorded node voltage: the busbar column name and the ngspice node.
pub(super) struct Recorded {
    pub(super) column: String,
    pub(super) spice: String,
    pub(super) nominal: Option<f64>,
}

/// The node voltages the study would record, with its column names and in
/// its order: the `record` entries that name nodes, else every declared
/// bus, else every node.
pub(super) fn recorded_nodes(
    circuit: &FlatCircuit,
    scenario: Option<&Scenario>,
    names: &Names,
) -> Result<Vec<Recorded>, ExportError> {
    let mut nodes: Vec<&String> = names.order.iter().collect();
    nodes.sort_by(|a, b| natural_cmp(a, b));
    let index = crate::netlist::BusIndex::new(&circuit.buses);
    let column = |n: &str| match index.nominal(n) {
        Some(_) => n.to_string(),
        None => format!("v({n})"),
    };
    let recorded = |n: &str| Recorded {
        column: column(n),
        spice: names.nodes[n].clone(),
        nominal: index.nominal(n),
    };
    let entries = scenario.map(Scenario::probes).unwrap_or_default();
    if entries.is_empty() {
        let buses: Vec<Recorded> = nodes
            .iter()
            .filter(|n| index.nominal(n).is_some())
            .map(|n| recorded(n))
            .collect();
        if !buses.is_empty() {
            return Ok(buses);
        }
        return Ok(nodes.iter().map(|n| recorded(n)).collect());
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for p in entries.iter().filter(|p| p.kind == ProbeKind::Voltage) {
        let matched: Vec<&&String> = nodes
            .iter()
            .filter(|n| crate::glob::matches(&p.target, n))
            .collect();
        if matched.is_empty() {
            return Err(ExportError::Binding(format!(
                "record entry `{}` matches no node of the circuit",
                p.target
            )));
        }
        for n in matched {
            if seen.insert(n.as_str()) {
                out.push(recorded(n));
            }
        }
    }
    Ok(out)
}
