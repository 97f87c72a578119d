//! The analysis of a prepared study: which instants are load events, what
//! must be recorded for the limits to be judged, and the metrics and
//! verdicts of a finished run.
//!
//! This is the glue between `study` (a compiled circuit plus its scenario)
//! and the pure analysers, which only see waveforms and instants.

use super::limits::{evaluate, limit_probes, NoSmallSignal, Run, Scenario, SmallSignal};
use super::metrics::{analyse, merge_gap, AnalysisOptions, Metrics};
use super::small_signal::StabilityLimits;
use super::transient::event_windows;
use super::verdict::Verdict;
use crate::engine::Probe;
use crate::results::{Quantity, Waveforms};
use crate::study::{self, Prepared, StudyError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Metrics and verdicts of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub metrics: Metrics,
    pub verdicts: Vec<Verdict>,
}

/// Every scheduled instant of the study: the corners of every bound load
/// profile and every scenario event (with fault clearings).
pub fn instants(p: &Prepared) -> Vec<f64> {
    let bindings = p.scenario.bind_loads(&p.model.inputs).unwrap_or_default();
    p.scenario.breakpoints(&bindings)
}

/// Analysis options for the study: component kinds for labels, and the
/// windows of its `Ripple` limits as the nodes' ripple windows.
pub fn options(p: &Prepared) -> AnalysisOptions {
    let kinds = p
        .circuit
        .components
        .iter()
        .map(|c| (c.name().to_string(), c.kind().to_string()))
        .collect();
    let ripple_windows = p
        .scenario
        .limits
        .iter()
        .filter_map(|l| match l.spec().ripple_window() {
            Some((node, Some(w))) => Some((node.to_string(), w)),
            _ => None,
        })
        .collect();
    AnalysisOptions {
        ripple_windows,
        kinds,
        ..AnalysisOptions::default()
    }
}

/// Metrics of a finished run of `p`, and the verdicts on its limits;
/// `small` evaluates the small-signal limits (see [`small_signal`]).
pub fn analyse_run(p: &Prepared, w: &Waveforms, small: &mut dyn SmallSignal) -> Analysis {
    let options = options(p);
    let metrics = analyse(w, &instants(p), &options);
    let verdicts = evaluate(
        &p.scenario.limits,
        Run {
            waveforms: w,
            events: &metrics.events,
        },
        small,
    );
    Analysis { metrics, verdicts }
}

/// Prepares `scenario` with its `record` extended by what its limits need,
/// so that a glob limit is judged on every node it matches, not only on
/// the ones the author chose to plot. An empty `record` (every declared
/// bus) is first expanded into the buses it stands for.
pub fn prepare_for_limits(
    circuit: Option<&Path>,
    mut scenario: Scenario,
) -> Result<Prepared, StudyError> {
    let needed = limit_probes(&scenario.limits);
    if needed.is_empty() {
        return study::prepare(circuit, scenario);
    }
    if scenario.record.is_empty() {
        let default = study::prepare(circuit, scenario.clone())?;
        scenario.record = default.spec.probes.iter().map(entry).collect();
    }
    for e in needed {
        if !scenario.record.contains(&e) {
            scenario.record.push(e);
        }
    }
    study::prepare(circuit, scenario)
}

/// The `record` entry that reproduces an engine probe.
fn entry(p: &Probe) -> String {
    let q = match p.quantity {
        Quantity::Voltage => "v",
        Quantity::Current => "i",
        Quantity::Power => "p",
        Quantity::StateOfCharge => "soc",
    };
    format!("{q}({})", p.target)
}

/// The small-signal evaluator for a study: the operating points at t = 0
/// and at the end of every load event, bound only when the scenario has
/// small-signal limits (each is a compile and a Newton solve).
pub fn small_signal(p: &Prepared) -> Box<dyn SmallSignal + '_> {
    let wanted = p.scenario.limits.iter().any(|l| l.spec().small_signal());
    let Some(file) = p.circuit.file.clone().filter(|_| wanted) else {
        return Box::new(NoSmallSignal);
    };
    let gap = merge_gap(p.scenario.sample);
    let events = event_windows(&instants(p), 0.0, p.scenario.duration, gap);
    let mut at = vec![0.0];
    at.extend(events.iter().map(|e| e.last));
    Box::new(StabilityLimits::new(file, p.scenario.clone(), at))
}
