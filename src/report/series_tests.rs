//! Tests of the drawable data of waveform figures: units, ranges, event
//! markers, per-unit scaling and odd data.

use super::*;
use crate::report::groups::plan_figures;
use crate::results::{Column, EventRecord, SolverStats};

fn waveforms(values: Vec<f64>) -> Waveforms {
    let n = values.len();
    Waveforms {
        time: (0..n).map(|i| i as f64 * 1e-5).collect(),
        columns: vec![Column {
            name: "bus800".into(),
            target: "bus800".into(),
            quantity: Quantity::Voltage,
            nominal: Some(800.0),
            values: values.into(),
            extremes: None,
        }],
        events: vec![
            EventRecord {
                time: 2e-5,
                target: "a".into(),
                what: "x".into(),
            },
            EventRecord {
                time: 2e-5,
                target: "b".into(),
                what: "y".into(),
            },
            EventRecord {
                time: 2e-5,
                target: "c".into(),
                what: "z".into(),
            },
            EventRecord {
                time: 1.0,
                target: "late".into(),
                what: "outside".into(),
            },
        ],
        stats: SolverStats::default(),
    }
}

#[test]
fn scales_ranges_and_events() {
    let w = waveforms(vec![800.0, 790.0, f64::NAN, 805.0, 800.0]);
    let plan = &plan_figures(&w.columns)[0];
    let d = figure_data(&w, plan);
    assert_eq!(d.x_desc, "time [µs]");
    assert_eq!(d.y_desc, "voltage [V]");
    assert!(d.y_range.0 < 790.0 && d.y_range.1 > 805.0);
    assert_eq!(
        d.nominal.as_ref().map(|n| n.1.as_str()),
        Some("nominal 800.0 V")
    );
    assert!(matches!(&d.traces[0].kind, TraceKind::Line(s) if s.len() == 2));
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.events[0].text(), "20.00 µs a: x (+2)");
    assert!(d.empty_message.is_none());
}

#[test]
fn state_of_charge_is_drawn_in_percent() {
    let mut w = waveforms(vec![0.9400, 0.9401, 0.9402]);
    w.columns[0].quantity = Quantity::StateOfCharge;
    w.columns[0].nominal = None;
    let plan = &plan_figures(&w.columns)[0];
    let d = figure_data(&w, plan);
    assert_eq!(d.y_desc, "state of charge [%]");
    assert!(d.y_range.0 < 94.0 && d.y_range.1 > 94.02, "{:?}", d.y_range);
}

/// The per-unit figure hands the drawer each bus divided by its own
/// nominal, without the limit bands (which are in volts).
#[test]
fn per_unit_lines_are_each_bus_over_its_nominal() {
    let mut w = waveforms(vec![800.0, 760.0, 808.0]);
    w.columns.push(Column {
        name: "row1.bus50".into(),
        target: "row1.bus50".into(),
        quantity: Quantity::Voltage,
        nominal: Some(50.0),
        values: vec![50.0, 45.0, 51.5].into(),
        extremes: None,
    });
    let band = LimitBand {
        label: "MinVoltage 700 V".into(),
        column: "bus800".into(),
        lower: Some(700.0),
        upper: None,
        from: 0.0,
        to: 1.0,
        tolerated: 0.0,
    };
    let view = View {
        limits: std::slice::from_ref(&band),
        ..View::default()
    };
    let plans = plan_figures(&w.columns);
    let plan = plans.iter().find(|p| p.axis == ValueAxis::PerUnit);
    let d = figure_data_in(&w, plan.expect("two nominals"), &view);
    assert_eq!(d.y_desc, "voltage [p.u.]");
    assert_eq!(d.y_divisor, 1.0);
    assert_eq!(
        d.nominal.as_ref().map(|(y, text)| (*y, text.as_str())),
        Some((1.0, "nominal, 1.0 p.u."))
    );
    assert!(d.limits.is_empty() && d.violations.is_empty());
    assert!(d.y_range.0 < 0.9 && d.y_range.1 > 1.03, "{:?}", d.y_range);
    for (trace, column) in d.traces.iter().zip(&w.columns) {
        let TraceKind::Line(segments) = &trace.kind else {
            panic!("{}: not a line", trace.label);
        };
        assert_eq!(trace.label, column.name);
        let drawn: Vec<f64> = segments.concat().iter().map(|p| p.1).collect();
        let nominal = column.nominal.unwrap_or(f64::NAN);
        assert_eq!(drawn.len(), column.values.len());
        for (y, v) in drawn.iter().zip(&column.values) {
            assert!((y - v / nominal).abs() < 1e-15, "{y} vs {v}/{nominal}");
        }
    }
    // The volt figure of the same bus keeps its band.
    assert_eq!(figure_data_in(&w, &plans[0], &view).limits.len(), 1);
}

#[test]
fn odd_data_gives_a_drawable_figure() {
    for values in [vec![], vec![f64::NAN], vec![5.0]] {
        let w = waveforms(values);
        let plan = &plan_figures(&w.columns)[0];
        let d = figure_data(&w, plan);
        assert!(d.x_range.0 < d.x_range.1 && d.y_range.0 < d.y_range.1);
        assert!(d.x_range.0.is_finite() && d.y_range.1.is_finite());
    }
}
