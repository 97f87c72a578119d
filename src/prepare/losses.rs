//! The recorded sums behind a scenario's `losses` block: one column for the
//! grid input, one for the useful output, one for the storage, and one per
//! loss stage, each the sum of its components' signals at every sample.
//!
//! - input: what the `input` components draw from upstream: their `Drawn`
//!   signal where they have one (an ActiveFrontEnd: the grid EMF's power),
//!   else their delivered power plus their own loss.
//! - output: the power the `output` components absorb.
//! - storage: the net power out of every other component with a state of
//!   charge, taken inside it (delivered power plus its own loss), so that
//!   its conversion and cell losses are losses of a stage and not a
//!   reduction of what it gave.
//! - stages: a component's loss, or the part of it a stage takes
//!   (`LossPart`), belongs to the first stage that takes it; every loss no
//!   stage takes is summed into the stage `other`, so that the stages
//!   account for every loss in the circuit. An output's own loss is part
//!   of the power it absorbs: no stage may name an output, and `other`
//!   leaves them out.
//!
//! Owns the column names ([`column`], [`is_loss_column`]) that the analysis
//! reads back; must not integrate or judge anything (`analysis::losses`).

use super::PrepareError;
use crate::compile::Model;
use crate::device::SignalKind;
use crate::engine::{Probe, ProbeSource};
use crate::glob::matches;
use crate::results::Quantity;
use crate::scenario::{LossPart, LossSpec};

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

/// Whether a recorded column is one of a `losses` block's sums.
pub fn is_loss_column(name: &str) -> bool {
    name.ends_with(']') && (name.starts_with("p[") || name.starts_with("loss["))
}

/// One weighted signal of a sum: (device, signal index, weight).
type Term = (usize, usize, f64);

/// The columns of `spec` on `model`, in the order input, output, storage,
/// the stages as listed, then `other`.
pub fn loss_probes(model: &Model, spec: &LossSpec) -> Result<Vec<Probe>, PrepareError> {
    let names: Vec<&str> = model.devices.iter().map(|d| d.name()).collect();
    let signal = |d: usize, kind| model.devices[d].signals().iter().position(|k| *k == kind);
    let term = |d: usize, kind, w: f64| signal(d, kind).map(|i| (d, i, w));
    let input = matching(&names, &spec.input, "`losses.input`")?;
    let output = matching(&names, &spec.output, "`losses.output`")?;
    let inside = |d: usize| -> Vec<Term> {
        [
            term(d, SignalKind::Power, 1.0),
            term(d, SignalKind::Loss, 1.0),
        ]
        .into_iter()
        .flatten()
        .collect()
    };
    let drawn: Vec<Term> = input
        .iter()
        .flat_map(|&d| match term(d, SignalKind::Drawn, 1.0) {
            Some(t) => vec![t],
            None => inside(d),
        })
        .collect();
    let delivered: Vec<Term> = output
        .iter()
        .filter_map(|&d| term(d, SignalKind::Power, 1.0))
        .collect();
    let stores: Vec<Term> = (0..names.len())
        .filter(|d| input.binary_search(d).is_err() && output.binary_search(d).is_err())
        .filter(|&d| signal(d, SignalKind::StateOfCharge).is_some())
        .flat_map(inside)
        .collect();
    let mut probes = vec![
        sum("input", drawn),
        sum("output", delivered),
        sum("storage", stores),
    ];
    // Which parts of each device's loss a stage has taken: (no-load, rest).
    let mut taken = vec![(false, false); names.len()];
    for stage in &spec.stages {
        let what = format!("loss stage `{}`", stage.name);
        let mut terms = Vec::new();
        for d in matching(&names, &stage.components, &what)? {
            if output.binary_search(&d).is_ok() {
                return Err(PrepareError::LossOfOutput {
                    component: names[d].to_string(),
                    stage: stage.name.clone(),
                });
            }
            if signal(d, SignalKind::Loss).is_none() {
                return Err(PrepareError::NoLossSignal {
                    component: names[d].to_string(),
                    stage: stage.name.clone(),
                });
            }
            let want = match stage.part {
                LossPart::All => (true, true),
                LossPart::NoLoad => (true, false),
                LossPart::Conduction => (false, true),
            };
            let (had_nl, had_rest) = taken[d];
            let (nl, rest) = (want.0 && !had_nl, want.1 && !had_rest);
            terms.extend(part_terms(&term, d, nl, rest));
            taken[d] = (had_nl || nl, had_rest || rest);
        }
        probes.push(sum(&stage.name, terms));
    }
    // An output's own loss is part of what it absorbs, not of the chain.
    let rest: Vec<Term> = (0..names.len())
        .filter(|d| output.binary_search(d).is_err())
        .flat_map(|d| part_terms(&term, d, !taken[d].0, !taken[d].1))
        .collect();
    probes.push(sum(OTHER, rest));
    Ok(probes)
}

/// The terms of device `d`'s no-load part (`nl`) and/or the rest of its
/// loss (`rest`): the whole `Loss` for both, `NoLoadLoss` alone, or
/// `Loss − NoLoadLoss`. A device without a no-load term has a no-load part
/// of exactly 0 and its whole loss as the rest.
fn part_terms(
    term: &dyn Fn(usize, SignalKind, f64) -> Option<Term>,
    d: usize,
    nl: bool,
    rest: bool,
) -> Vec<Term> {
    let (loss, no_load) = (SignalKind::Loss, SignalKind::NoLoadLoss);
    match (nl, rest) {
        (true, true) => term(d, loss, 1.0).into_iter().collect(),
        (true, false) => term(d, no_load, 1.0).into_iter().collect(),
        (false, true) => [term(d, loss, 1.0), term(d, no_load, -1.0)]
            .into_iter()
            .flatten()
            .collect(),
        (false, false) => Vec::new(),
    }
}

/// The devices (ascending) any of `globs` matches; a glob that matches
/// nothing is an error naming it and the entry it is in.
fn matching(names: &[&str], globs: &[String], what: &str) -> Result<Vec<usize>, PrepareError> {
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
}

fn sum(part: &str, terms: Vec<Term>) -> Probe {
    let name = column(part);
    Probe {
        target: name.clone(),
        name,
        quantity: Quantity::Power,
        nominal: None,
        source: ProbeSource::Sum(terms),
    }
}
