//! The analysis of a prepared study: which instants are load events, what
//! must be recorded for the limits to be judged, and the metrics and
//! verdicts of a finished run.
//!
//! This is the glue between `prepare` (a compiled circuit plus its
//! scenario) and the pure analysers, which only see waveforms and instants.

use super::limits::{evaluate, Limit, NoSmallSignal, Prepared, Run, SmallSignal};
use super::metrics::{analyse, merge_gap, AnalysisOptions, Metrics};
use super::small_signal::StabilityLimits;
use super::stability::Setup;
use super::transient::event_windows;
use super::verdict::Verdict;
use crate::netlist::Library;
use crate::results::Waveforms;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Metrics and verdicts of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub metrics: Metrics,
    pub verdicts: Vec<Verdict>,
}

/// Every scheduled instant of the study: the corners of every bound load
/// profile and every scenario event (with fault clearings).
pub fn instants(p: &Prepared) -> Vec<f64> {
    p.breakpoints.clone()
}

/// Analysis options for the study: component kinds for labels, the
/// windows of its `Ripple` limits and its `ripple_window` as the nodes'
/// ripple windows, and the
/// run's tolerances below which ripple is noise.
pub fn options(p: &Prepared) -> AnalysisOptions {
    let kinds = p
        .circuit
        .components
        .iter()
        .map(|c| (c.name().to_string(), c.kind().to_string()))
        .collect();
    let delivering = p
        .circuit
        .components
        .iter()
        .filter(|c| c.primitive().source_convention())
        .map(|c| c.name().to_string())
        .collect();
    // A limit's own window first: the first matching glob wins.
    let ripple_windows = p
        .scenario
        .limits
        .iter()
        .filter_map(|l| match l.spec().ripple_window() {
            Some((node, Some(w))) => Some((node.to_string(), w)),
            _ => None,
        })
        .chain(p.scenario.ripple_window.map(|w| ("*".to_string(), w)))
        .collect();
    AnalysisOptions {
        ripple_windows,
        solver_tolerance: Some((p.spec.rtol, p.spec.atol)),
        kinds,
        delivering,
        ..AnalysisOptions::default()
    }
}

/// Metrics of a finished run of `p`, and the verdicts on its limits;
/// `small` evaluates the small-signal limits (see [`small_signal`]).
pub fn analyse_run(p: &Prepared, w: &Waveforms, small: &mut dyn SmallSignal) -> Analysis {
    analyse_split(p, w, w, small)
}

/// Metrics of `shown` (the columns to report) and verdicts on `all` (every
/// column the limits need) of the same run.
pub fn analyse_split(
    p: &Prepared,
    shown: &Waveforms,
    all: &Waveforms,
    small: &mut dyn SmallSignal,
) -> Analysis {
    let metrics = analyse(shown, &instants(p), &options(p));
    let verdicts = evaluate(
        &judged_limits(p),
        Run {
            waveforms: all,
            events: &metrics.events,
        },
        small,
    );
    Analysis { metrics, verdicts }
}

/// The small-signal evaluator for a study: the operating points at t = 0
/// and at the end of every load event, bound only when the scenario has
/// small-signal limits (each is an elaboration from memory, a compile and
/// a Newton solve). `setup` holds the circuit and the overrides beyond the
/// scenario's.
pub fn small_signal<'a>(p: &'a Prepared, setup: &Setup) -> Box<dyn SmallSignal + 'a> {
    if !wants_small_signal(p) {
        return Box::new(NoSmallSignal);
    }
    let setup = Setup {
        scenario: Some(p.scenario.clone()),
        ..setup.clone()
    };
    Box::new(StabilityLimits::new(setup, small_signal_instants(p)))
}

/// Like [`small_signal`], binding each operating point on a copy of
/// `before_run`: `p` as it was prepared, before its run moved it.
pub fn small_signal_on_copies(p: &Prepared, before_run: Option<Prepared>) -> Box<dyn SmallSignal> {
    match before_run.filter(|_| wants_small_signal(p)) {
        Some(copy) => Box::new(StabilityLimits::on_copies(copy, small_signal_instants(p))),
        None => Box::new(NoSmallSignal),
    }
}

/// Whether the scenario has a limit judged on operating points.
pub fn wants_small_signal(p: &Prepared) -> bool {
    p.scenario.limits.iter().any(|l| l.spec().small_signal())
}

/// t = 0 and the end of every load event.
fn small_signal_instants(p: &Prepared) -> Vec<f64> {
    let gap = merge_gap(p.scenario.sample);
    let events = event_windows(&instants(p), 0.0, p.scenario.duration, gap);
    let mut at = vec![0.0];
    at.extend(events.iter().map(|e| e.last));
    at
}

/// The scenario's limits, with its `ripple_window` given to every `Ripple`
/// limit that names no window of its own, so that the limit judges the
/// window the metrics measure.
fn judged_limits(p: &Prepared) -> Cow<'_, [Limit]> {
    let Some(window) = p.scenario.ripple_window else {
        return Cow::Borrowed(&p.scenario.limits);
    };
    let with_window = |mut limit: Limit| {
        if let Limit::Ripple(r) = &mut limit {
            r.window.get_or_insert(window);
        }
        limit
    };
    Cow::Owned(p.scenario.limits.iter().cloned().map(with_window).collect())
}
