//! Which control loops and buses a stability report analyses: those named
//! by a glob, else all of them up to a count, the least nested names
//! first (a hall's backbone and row buses before its racks and trays).
//!
//! Owns the choice only; must not compute anything (`report`, `loops`,
//! `frequency`).

use super::loops::control_loops;
use super::StabilityError;
use crate::components::ComponentSpec;
use std::collections::BTreeMap;

/// Buses whose impedance is swept by default: the sweep shares one
/// factorisation per frequency among all buses, but each bus's peak is
/// refined on its own (one factorisation per refinement step).
const MAX_BUSES: usize = 64;
/// Control loops analysed by default: each costs a dense eigenproblem of
/// the whole model (0.2-0.4 s at 800-1100 states), so a hall of identical
/// rack stores keeps the least nested (front end, storage, row and shelf
/// converters) and names the rest on request.
const MAX_LOOPS: usize = 24;

/// The loops whose gains are computed: those of the devices matching
/// `glob` (an error when none does), else every loop, or the
/// [`MAX_LOOPS`] least nested names when there are more (with a note).
pub(super) fn chosen_loops<'m>(
    model: &'m crate::compile::Model,
    glob: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Vec<(&'m str, usize)>, StabilityError> {
    let all = control_loops(model);
    if let Some(glob) = glob {
        let picked: Vec<_> = all
            .iter()
            .copied()
            .filter(|(d, _)| crate::glob::matches(glob, d))
            .collect();
        if picked.is_empty() {
            let mut names: Vec<&str> = all.iter().map(|l| l.0).collect();
            names.dedup();
            let shown = names.iter().take(8).copied().collect::<Vec<_>>().join(", ");
            let more = names.len().saturating_sub(8);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            return Err(StabilityError::Invalid(format!(
                "--loops `{glob}` matches no control loop; the loops are those of {shown}{tail}"
            )));
        }
        return Ok(picked);
    }
    if all.len() <= MAX_LOOPS {
        return Ok(all);
    }
    notes.push(format!(
        "loop gains computed for {MAX_LOOPS} of {} control loops, the least nested names first; select others with --loops GLOB",
        all.len()
    ));
    Ok(least_nested(all, MAX_LOOPS, |l| l.0))
}

/// The buses whose impedance is swept, each with its rated current step
/// (the loads attached to it at rated power): those matching `glob`,
/// else every node with a nominal, the [`MAX_BUSES`] least nested names
/// when there are more (with a note).
pub(super) fn chosen_buses(
    circuit: &crate::components::FlatCircuit,
    model: &crate::compile::Model,
    nodes: &[String],
    glob: Option<&str>,
    notes: &mut Vec<String>,
) -> Vec<(String, Option<f64>)> {
    let mut rated_watts: BTreeMap<&str, f64> = BTreeMap::new();
    for c in &circuit.components {
        if let ComponentSpec::Load(l) = c {
            *rated_watts.entry(l.node.as_str()).or_default() += l.watts.value();
        }
    }
    let mut bus_nodes: Vec<(String, Option<f64>)> = nodes
        .iter()
        .filter(|n| match glob {
            Some(glob) => crate::glob::matches(glob, n),
            None => model.nominal(n).is_some(),
        })
        .map(|n| {
            let step = match (rated_watts.get(n.as_str()), model.nominal(n)) {
                (Some(w), Some(v)) if *w > 0.0 => Some(w / v),
                _ => None,
            };
            (n.clone(), step)
        })
        .collect();
    if bus_nodes.len() > MAX_BUSES {
        notes.push(format!(
            "bus impedance swept at {MAX_BUSES} of {} buses, the least nested names first; select others with --buses GLOB",
            bus_nodes.len()
        ));
        // Backbone and row buses before the racks and trays inside them.
        bus_nodes = least_nested(bus_nodes, MAX_BUSES, |b| b.0.as_str());
    }
    bus_nodes
}

/// The `keep` items whose names have the fewest dots (ties in order), in
/// their original order.
fn least_nested<T>(items: Vec<T>, keep: usize, name: impl Fn(&T) -> &str) -> Vec<T> {
    let mut ranked: Vec<usize> = (0..items.len()).collect();
    ranked.sort_by_key(|&i| (name(&items[i]).matches('.').count(), i));
    ranked.truncate(keep);
    ranked.sort_unstable();
    let mut chosen = vec![false; items.len()];
    for i in ranked {
        chosen[i] = true;
    }
    items
        .into_iter()
        .zip(chosen)
        .filter_map(|(item, keep)| keep.then_some(item))
        .collect()
}
