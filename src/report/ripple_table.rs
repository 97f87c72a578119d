//! The ripple of every recorded node, one table model for the terminal and
//! the HTML report, kept apart from the transient metrics: ripple is
//! measured in a steady window (quiet or named), the transient deviation
//! over the load events.
//!
//! Owns the layout of that table only; the numbers come from
//! `analysis::ripple`.

use super::html::{Cell, Table};
use crate::analysis::ripple::{Ripple, WindowKind};
use crate::analysis::Metrics;
use crate::units::{eng, eng_time, frequency};

const HEADERS: [&str; 6] = ["node", "window", "p-p", "rms", "line", "amplitude"];

/// One row per recorded node. A ripple below the solver tolerance reads
/// "below solver tolerance (x V)" instead of a number; a node that never
/// settles between events has no window.
pub fn ripple_table(m: &Metrics) -> Table {
    let rows = m
        .nodes
        .iter()
        .map(|n| {
            let mut row = vec![Cell::text(&n.name)];
            row.extend(cells(n.ripple.as_ref()).map(Cell::number));
            row
        })
        .collect();
    Table {
        caption: "Ripple per node, in its quiet window (settled, no load change acting) \
                  or the window named by the scenario"
            .to_string(),
        headers: HEADERS.iter().map(|h| h.to_string()).collect(),
        rows,
        ..Table::default()
    }
}

fn cells(ripple: Option<&Ripple>) -> [String; 5] {
    let dash = || "-".to_string();
    let Some(r) = ripple else {
        return ["no settled window".into(), dash(), dash(), dash(), dash()];
    };
    let kind = match r.window_kind {
        WindowKind::Quiet => "quiet",
        WindowKind::Named => "named",
    };
    let window = format!(
        "{} to {} ({kind})",
        eng_time(r.window.0),
        eng_time(r.window.1)
    );
    if let (true, Some(tol)) = (r.below_tolerance, r.solver_tolerance) {
        let below = format!("below solver tolerance ({})", eng(tol, "V"));
        return [window, below, dash(), dash(), dash()];
    }
    let line = r.lines.first();
    [
        window,
        eng(r.peak_to_peak, "V"),
        eng(r.rms_ac, "V"),
        line.map_or_else(dash, |l| frequency(l.frequency_hz)),
        line.map_or_else(dash, |l| eng(l.amplitude, "V")),
    ]
}
