//! The storage energy figure: when two or more storage elements' powers
//! are recorded, the energy each has delivered since the start of the run,
//! E(t) = ∫ p dt (positive = delivered to the bus), one line per element
//! on one axis, so the layers (in-rack stores, BBUs, the facility ESS)
//! can be compared on one scale.
//!
//! Owns the plan of that figure (one column of joules per element, the
//! same trace and envelope rules as the waveform groups) and hands it to
//! `plot`. Must not integrate (`analysis::storage` does) or write files.

use super::groups::{group_by, make_pattern, plan, signature, FigurePlan, Trace, ValueAxis};
use super::overlay::load_markers;
use super::plot::{render_plan, Figure, PlotError};
use super::series::View;
use crate::analysis::run::options;
use crate::analysis::storage::{storage_energy, EnergyCurve};
use crate::analysis::Prepared;
use crate::results::{Column, Quantity, Waveforms};
use crate::units::eng;

/// File stem of the figure.
const STEM: &str = "storage_energy";

/// The storage energy figure of a run of `prepared`, or `None` when fewer
/// than two storage elements' powers are recorded.
pub fn storage_energy_figure(
    w: &Waveforms,
    prepared: &Prepared,
) -> Result<Option<Figure>, PlotError> {
    let o = options(prepared);
    let Some((energy, plan)) = energy_plan(w, &storage_energy(w, &o.kinds, &o.delivering)) else {
        return Ok(None);
    };
    let markers = load_markers(&prepared.scenario);
    let view = View {
        markers: &markers,
        ..View::default()
    };
    render_plan(&energy, &plan, &view, None).map(|(figure, _)| Some(figure))
}

/// The waveforms of the figure (one column of joules per element, named
/// `element (Kind)`, with the run's events) and its plan; `None` for fewer
/// than two elements.
pub(crate) fn energy_plan(
    w: &Waveforms,
    curves: &[EnergyCurve],
) -> Option<(Waveforms, FigurePlan)> {
    if curves.len() < 2 {
        return None;
    }
    let columns: Vec<Column> = curves
        .iter()
        .map(|c| Column {
            name: format!("{} ({})", c.name, c.kind),
            target: c.name.clone(),
            quantity: Quantity::Power,
            nominal: None,
            values: c.energy.clone().into(),
            extremes: None,
        })
        .collect();
    let all: Vec<usize> = (0..columns.len()).collect();
    let patterns = group_by(&all, |i| signature(&columns[i].name))
        .into_iter()
        .map(|m| make_pattern(&columns, m))
        .collect();
    let mut p = plan(
        STEM.to_string(),
        "Energy delivered per storage element".to_string(),
        Quantity::Power,
        None,
        &columns,
        patterns,
    );
    p.axis = ValueAxis::Energy;
    // A small layer is a flat line beside the ESS's megajoules: its number
    // is in the legend.
    for t in &p.traces {
        if let Trace::Line { column, label } = t {
            let end = columns[*column].values.last().copied().unwrap_or(0.0);
            p.notes
                .push(format!("{label}: {} at the end", eng(end, "J")));
        }
    }
    let energy = Waveforms {
        time: w.time.clone(),
        columns,
        events: w.events.clone(),
        stats: w.stats.clone(),
    };
    Some((energy, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::storage::storage_layers;
    use crate::report::series::{figure_data, TraceKind};
    use crate::results::SolverStats;
    use std::collections::{BTreeMap, BTreeSet};
    use std::f64::consts::TAU;

    fn power(target: &str, values: Vec<f64>) -> Column {
        Column {
            name: format!("p({target})"),
            target: target.into(),
            quantity: Quantity::Power,
            nominal: None,
            values: values.into(),
            extremes: None,
        }
    }

    /// An ESS (source convention) and a CapBank (absorbing convention)
    /// that charge and discharge over 3 s, and a load that is not storage.
    fn run() -> (Waveforms, BTreeMap<String, String>, BTreeSet<String>) {
        let time: Vec<f64> = (0..=300).map(|k| f64::from(k) * 0.01).collect();
        let wave = |f: f64, a: f64, b: f64| -> Vec<f64> {
            time.iter().map(|t| a * (TAU * f * t).sin() + b).collect()
        };
        let w = Waveforms {
            columns: vec![
                power("ess", wave(0.7, 40e3, 5e3)),
                power("load", wave(0.0, 0.0, 90e3)),
                power("row1.store", wave(2.3, 8e3, 1.5e3)),
            ],
            time,
            events: Vec::new(),
            stats: SolverStats::default(),
        };
        let kinds = [("ess", "Ess"), ("load", "Load"), ("row1.store", "CapBank")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .into();
        (w, kinds, BTreeSet::from(["ess".to_string()]))
    }

    /// The last drawn point of each line is the element's net energy in
    /// the storage metrics (delivered − recharged), in the axis unit.
    #[test]
    fn lines_end_at_the_net_energy_of_the_storage_metrics() {
        let (w, kinds, delivering) = run();
        let layers = storage_layers(&w, &kinds, &delivering);
        let curves = storage_energy(&w, &kinds, &delivering);
        let (energy, plan) = energy_plan(&w, &curves).expect("two storage elements");
        assert_eq!(plan.axis, ValueAxis::Energy);
        assert_eq!(plan.stem, "storage_energy");
        let d = figure_data(&energy, &plan);
        assert_eq!(
            (d.y_desc.as_str(), d.y_divisor),
            ("energy delivered [kJ]", 1e3)
        );
        assert_eq!(d.traces.len(), 2);
        assert_eq!(d.notes.len(), 2);
        assert!(d.notes[0].starts_with("ess (Ess): ") && d.notes[0].ends_with("kJ at the end"));
        for (trace, layer) in d.traces.iter().zip(&layers) {
            assert_eq!(trace.label, format!("{} ({})", layer.name, layer.kind));
            let TraceKind::Line(segments) = &trace.kind else {
                panic!("{}: not a line", trace.label);
            };
            let last = segments.concat().last().map(|p| p.1 * d.y_divisor);
            let net = layer.energy_delivered - layer.energy_recharged;
            let scale = layer.energy_delivered + layer.energy_recharged;
            assert!(layer.energy_recharged > 0.0 && net.abs() > 0.0);
            let last = last.expect("samples");
            assert!((last - net).abs() <= 1e-12 * scale, "{last} J vs {net} J");
        }
    }

    #[test]
    fn no_figure_for_one_element() {
        let (mut w, kinds, delivering) = run();
        w.columns.truncate(2);
        assert!(energy_plan(&w, &storage_energy(&w, &kinds, &delivering)).is_none());
    }
}
