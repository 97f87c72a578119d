//! Plans the per-unit bus figure: when the recorded voltages have two or
//! more distinct nominals (an 800 V row and its 50 V racks), every voltage
//! column with a nominal, divided by its own nominal, on one axis with the
//! 1.0 reference line, so a reader sees whether the low-voltage buses ride
//! through a disturbance of the high-voltage one.
//!
//! Owns the choice of columns and traces of that figure (the same
//! [`MAX_TRACES`](super::groups::MAX_TRACES) and envelope rules as every
//! group). Must not scale (`series` divides by the nominals), draw or
//! write anything.

use super::groups::{group_by, make_pattern, plan, signature, FigurePlan, ValueAxis};
use crate::results::{Column, Quantity};

/// File stem of the figure.
pub(crate) const PER_UNIT_STEM: &str = "buses_pu";

/// The per-unit figure of `columns`, or `None` when fewer than two
/// distinct nominal voltages are recorded (one class needs no common
/// scale). Columns keep their names in the legend; buses whose names
/// differ only in digits and share a nominal form one pattern, which
/// becomes an envelope when the figure would exceed its trace limit.
pub(crate) fn per_unit_plan(columns: &[Column]) -> Option<FigurePlan> {
    let members: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].quantity == Quantity::Voltage && nominal(&columns[i]).is_some())
        .collect();
    let mut nominals: Vec<u64> = members
        .iter()
        .filter_map(|&i| nominal(&columns[i]).map(f64::to_bits))
        .collect();
    nominals.sort_unstable();
    nominals.dedup();
    if nominals.len() < 2 {
        return None;
    }
    let patterns = group_by(&members, |i| {
        (
            signature(&columns[i].name),
            nominal(&columns[i]).map(f64::to_bits),
        )
    })
    .into_iter()
    .map(|m| make_pattern(columns, m))
    .collect();
    let mut p = plan(
        PER_UNIT_STEM.to_string(),
        "Bus voltages, per unit of nominal".to_string(),
        Quantity::Voltage,
        Some(1.0),
        columns,
        patterns,
    );
    p.axis = ValueAxis::PerUnit;
    Some(p)
}

/// A nominal a voltage can be divided by: finite and positive.
pub(crate) fn nominal(c: &Column) -> Option<f64> {
    c.nominal.filter(|n| n.is_finite() && *n > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::groups::tests::col;
    use crate::report::groups::{plan_figures, Trace, MAX_TRACES};

    fn lines(p: &FigurePlan) -> Vec<usize> {
        p.traces
            .iter()
            .filter_map(|t| match t {
                Trace::Line { column, .. } => Some(*column),
                Trace::Envelope { .. } => None,
            })
            .collect()
    }

    /// Voltages with a nominal go in, whatever their class; a voltage
    /// without a nominal, currents and powers stay out.
    #[test]
    fn takes_every_voltage_with_a_nominal() {
        let cols = vec![
            col("bus800", Quantity::Voltage, Some(800.0)),
            col("v(mid)", Quantity::Voltage, None),
            col("row1.bus50", Quantity::Voltage, Some(50.0)),
            col("i(feed)", Quantity::Current, None),
            col("pole_p", Quantity::Voltage, Some(400.0)),
            col("p(ess)", Quantity::Power, None),
            col("bad", Quantity::Voltage, Some(0.0)),
        ];
        let p = per_unit_plan(&cols).expect("three nominals");
        assert_eq!(p.columns, [0, 2, 4]);
        assert_eq!(lines(&p), [0, 2, 4]);
        assert_eq!(p.axis, ValueAxis::PerUnit);
        assert_eq!(p.nominal, Some(1.0));
        assert_eq!(p.stem, "buses_pu");
        let stems: Vec<String> = plan_figures(&cols).into_iter().map(|p| p.stem).collect();
        assert_eq!(
            stems,
            [
                "bus800",
                "v_mid",
                "row1_bus50",
                "pole_p",
                "bad",
                "buses_pu",
                "currents",
                "powers"
            ]
        );
    }

    #[test]
    fn none_with_a_single_nominal() {
        let cols = vec![
            col("bus800", Quantity::Voltage, Some(800.0)),
            col("row2.bus800", Quantity::Voltage, Some(800.0)),
            col("v(x)", Quantity::Voltage, None),
            col("i(feed)", Quantity::Current, None),
        ];
        assert!(per_unit_plan(&cols).is_none());
        assert!(per_unit_plan(&cols[2..]).is_none());
        assert!(plan_figures(&cols)
            .iter()
            .all(|p| p.axis == ValueAxis::Quantity));
    }

    /// Many racks: each class beyond the trace limit becomes its min/max
    /// envelope plus one line, as in the voltage groups.
    #[test]
    fn large_classes_become_envelopes() {
        let mut cols = vec![col("bus800", Quantity::Voltage, Some(800.0))];
        cols.extend(
            (1..=30).map(|k| col(&format!("rack{k}.bus50"), Quantity::Voltage, Some(50.0))),
        );
        let p = per_unit_plan(&cols).expect("two nominals");
        assert_eq!(p.columns.len(), 31);
        assert_eq!(p.traces.len(), 3);
        assert!(p.traces.len() <= MAX_TRACES);
        assert!(matches!(&p.traces[1], Trace::Envelope { columns, label }
            if columns.len() == 30 && label == "rack#.bus50 min/max (30)"));
        assert_eq!(lines(&p), [0, 1]);
        assert_eq!(p.notes.len(), 1);
    }
}
