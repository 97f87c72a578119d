//! The report's table of participation by subsystem: one row per listed
//! mode, one column per subsystem (the circuit's `subsystems`, else its
//! top-level instances), each cell the subsystem's share with a bar, so
//! "which part makes this mode" is read down a column.
//!
//! Owns that table's layout only; the shares come from the analysis.

use super::html::{Cell, Table};
use super::review_tables::mode_frequency;
use crate::analysis::stability::Mode;
use std::collections::BTreeMap;

/// Subsystem columns at most; the rest are summed into one.
const MAX_COLUMNS: usize = 8;

/// "48 V racks 91 %": the largest subsystem of a mode, or empty.
pub(crate) fn made_by(m: &Mode) -> String {
    m.made_by().map_or(String::new(), |s| {
        format!("{} {:.0} %", s.name, 100.0 * s.fraction)
    })
}

/// A share as a percentage followed by a ten-step bar (█ per 10 %).
fn share_cell(fraction: f64) -> Cell {
    if fraction <= 0.0 {
        return Cell::number("");
    }
    let bar = "█".repeat((10.0 * fraction).round() as usize);
    Cell::number(format!("{:.0} % {bar}", 100.0 * fraction))
}

/// The table for `modes` (already limited to the listed ones), or none
/// when every mode lies in one subsystem (the table would be one column
/// of 100 %).
pub fn subsystem_table(modes: &[Mode]) -> Option<Table> {
    let mut total: BTreeMap<&str, f64> = BTreeMap::new();
    for m in modes {
        for s in &m.subsystems {
            *total.entry(s.name.as_str()).or_default() += s.fraction;
        }
    }
    if total.len() < 2 {
        return None;
    }
    let mut columns: Vec<&str> = total.keys().copied().collect();
    columns.sort_by(|a, b| total[b].total_cmp(&total[a]).then(a.cmp(b)));
    let rest = columns.len() > MAX_COLUMNS;
    if rest {
        columns.truncate(MAX_COLUMNS - 1);
    }
    let rows = modes
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let share = |name: &str| {
                m.subsystems
                    .iter()
                    .find(|s| s.name == name)
                    .map_or(0.0, |s| s.fraction)
            };
            let mut row = vec![
                Cell::number((k + 1).to_string()),
                Cell::number(mode_frequency(m)),
                Cell::number(if m.is_neutral() {
                    "neutral".to_string()
                } else {
                    format!("{:.4}", m.damping)
                }),
            ];
            row.extend(columns.iter().map(|c| share_cell(share(c))));
            if rest {
                let listed: f64 = columns.iter().map(|c| share(c)).sum();
                let all: f64 = m.subsystems.iter().map(|s| s.fraction).sum();
                row.push(share_cell(all - listed));
            }
            row
        })
        .collect();
    let mut headers: Vec<String> = ["#", "frequency", "damping ζ"].map(String::from).to_vec();
    headers.extend(columns.iter().map(|c| c.to_string()));
    if rest {
        headers.push("the rest".into());
    }
    Some(Table {
        caption: "Participation by subsystem (mode numbers as in the table above; each row sums to 100 %)".into(),
        headers,
        rows,
        ..Table::default()
    })
}
