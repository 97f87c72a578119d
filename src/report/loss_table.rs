//! The energy account of a `losses` block as tables, one model for the
//! terminal and the HTML report: the balance (energy in, from storage,
//! out, lost, unaccounted, efficiency) and one row per loss stage.
//!
//! Owns the layout of those tables only; the numbers come from
//! `analysis::losses`. Must not compute energies.

use super::html::{Cell, Table};
use crate::analysis::losses::LossAccount;
use crate::units::{eng, eng_time};

/// The balance table and the stage table of `a`.
pub fn loss_tables(a: &LossAccount) -> Vec<Table> {
    let pct = |x: Option<f64>| x.map_or_else(|| "-".into(), |x| format!("{:.3} %", 100.0 * x));
    let balance = [
        ("energy in (input)", eng(a.energy_in, "J")),
        ("net from storage", eng(a.energy_storage, "J")),
        ("energy out (output)", eng(a.energy_out, "J")),
        ("lost (all stages)", eng(a.energy_lost, "J")),
        ("unaccounted", eng(a.unaccounted, "J")),
        (
            "unaccounted / supplied",
            a.unaccounted_fraction
                .map_or_else(|| "-".into(), |x| format!("{x:.2e}")),
        ),
        ("efficiency out / (in + storage)", pct(a.efficiency)),
    ]
    .into_iter()
    .map(|(what, value)| vec![Cell::text(what), Cell::number(value)])
    .collect();
    let stages = a
        .stages
        .iter()
        .map(|s| {
            let mut row = vec![Cell::text(&s.name)];
            row.extend(
                [
                    eng(s.energy, "J"),
                    pct(s.share_of_input),
                    eng(s.mean_power, "W"),
                    s.peak_power
                        .map_or_else(|| "-".into(), |p| eng(p.value, "W")),
                    s.peak_power
                        .map_or_else(|| "-".into(), |p| eng_time(p.time)),
                ]
                .map(Cell::number),
            );
            row
        })
        .collect();
    vec![
        table(
            &format!("Energy balance over {}", eng_time(a.duration)),
            &["energy", "value"],
            balance,
        ),
        table(
            "Losses per stage",
            &["stage", "energy", "of supplied", "mean", "peak", "at"],
            stages,
        ),
    ]
}

fn table(caption: &str, headers: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        caption: caption.to_string(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
        ..Table::default()
    }
}
