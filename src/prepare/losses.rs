//! The recorded sums behind a scenario's `losses` block: one column for the
//! grid input, one for the useful output, one for the storage, and one per
//! loss stage, each the sum of its components' signals at every sample.
//!
//! A component belongs to the first stage that matches it; every other
//! component with a loss signal is summed into the stage `other`, so that
//! the stages account for every loss in the circuit. Owns the column names
//! ([`column`]) that the analysis reads back; must not integrate or judge
//! anything (`analysis::losses`).

use super::PrepareError;
use crate::compile::Model;
use crate::device::SignalKind;
use crate::engine::{Probe, ProbeSource};
use crate::glob::matches;
use crate::results::Quantity;
use crate::scenario::LossSpec;

/// The stage of every loss no named stage covers.
pub const OTHER: &str = "other";

/// Name of a loss-block column: `p[input]`, `p[output]`, `p[storage]`, or
/// `loss[stage]`.
pub fn column(part: &str) -> String {
    match part {
        "input" | "output" | "storage" => format!("p[{part}]"),
        stage => format!("loss[{stage}]"),
    }
}

/// The columns of `spec` on `model`, in the order input, output, storage,
/// the stages as listed, then `other`.
pub fn loss_probes(model: &Model, spec: &LossSpec) -> Result<Vec<Probe>, PrepareError> {
    let names: Vec<&str> = model.devices.iter().map(|d| d.name()).collect();
    let signal = |d: usize, kind| model.devices[d].signals().iter().position(|k| *k == kind);
    let matching = |globs: &[String], what: &str| -> Result<Vec<usize>, PrepareError> {
        let mut hit = vec![false; names.len()];
        for g in globs {
            let mut found = false;
            for (d, name) in names.iter().enumerate() {
                if matches(g, name) {
                    hit[d] = true;
                    found = true;
                }
            }
            if !found {
                return Err(PrepareError::NoLossMatch {
                    entry: g.clone(),
                    what: what.to_string(),
                });
            }
        }
        Ok((0..names.len()).filter(|&d| hit[d]).collect())
    };
    let input = matching(&spec.input, "`losses.input`")?;
    let output = matching(&spec.output, "`losses.output`")?;
    let parts = |devices: &[usize], kinds: &[SignalKind]| -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for &d in devices {
            out.extend(kinds.iter().filter_map(|&k| signal(d, k).map(|i| (d, i))));
        }
        out
    };
    // What an input draws is what it delivers plus what it loses.
    let mut probes = vec![
        sum("input", parts(&input, &[SignalKind::Power, SignalKind::Loss])),
        sum("output", parts(&output, &[SignalKind::Power])),
    ];
    let stores: Vec<usize> = (0..names.len())
        .filter(|d| input.binary_search(d).is_err() && output.binary_search(d).is_err())
        .filter(|&d| signal(d, SignalKind::StateOfCharge).is_some())
        .collect();
    probes.push(sum("storage", parts(&stores, &[SignalKind::Power])));
    let mut taken = vec![false; names.len()];
    for stage in &spec.stages {
        let what = format!("loss stage `{}`", stage.name);
        let mine: Vec<usize> = matching(&stage.components, &what)?
            .into_iter()
            .filter(|&d| !taken[d])
            .collect();
        for &d in &mine {
            if signal(d, SignalKind::Loss).is_none() {
                return Err(PrepareError::NoLossSignal {
                    component: names[d].to_string(),
                    stage: stage.name.clone(),
                });
            }
            taken[d] = true;
        }
        probes.push(sum(&stage.name, parts(&mine, &[SignalKind::Loss])));
    }
    let rest: Vec<usize> = (0..names.len()).filter(|&d| !taken[d]).collect();
    probes.push(sum(OTHER, parts(&rest, &[SignalKind::Loss])));
    Ok(probes)
}

fn sum(part: &str, parts: Vec<(usize, usize)>) -> Probe {
    Probe {
        name: column(part),
        target: part.to_string(),
        quantity: Quantity::Power,
        nominal: None,
        source: ProbeSource::Sum(parts),
    }
}
