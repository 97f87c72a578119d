//! The human-readable run summary printed on the terminal: one aligned row
//! per recorded column, the events, and one line of solver statistics;
//! then the analysis metrics and one line per limit verdict. The metrics
//! are one table model (`metrics_tables`) that the HTML report renders
//! too, so the terminal and the report cannot drift apart.
//!
//! Owns the text layout of those tables. Must not print (the caller decides
//! where the text goes), colour the output, or judge limits.

use super::html::{Cell, Table};
use super::loss_table::loss_tables;
use super::ripple_table::ripple_table;
use super::row_groups::{group_rows, group_table};
use super::stats::{AtTime, ColumnStats};
use crate::analysis::signal::At;
use crate::analysis::{Metrics, Verdict};
use crate::results::{Column, Quantity, SolverStats, Waveforms};
use crate::units::{eng, eng_scaled, eng_sig, eng_time, DEFAULT_SIGNIFICANT};

/// Voltages get one more digit than other quantities: bus regulation is
/// judged in tenths of a percent, so `799.84 V` must not round to `799.8 V`.
const VOLTAGE_SIGNIFICANT: usize = 5;

const HEADER: [&str; 8] = [
    "signal",
    "initial",
    "min",
    "at",
    "max",
    "at",
    "final",
    "vs nominal",
];

/// Renders the summary table. Cells with no data (empty or all-NaN
/// columns) show `-`; the text ends with a newline.
pub fn summary_table(w: &Waveforms) -> String {
    let mut out = String::new();
    if w.columns.is_empty() {
        out.push_str("no recorded signals\n");
    } else {
        push_table(&mut out, &signals_table(w));
    }
    push_events(&mut out, w);
    out.push_str(&solver_line(&w.stats));
    out.push('\n');
    out
}

/// Initial, extreme and final value of every recorded signal, one table
/// model for the terminal and the HTML report; rows of identical units
/// folded into one (`row_groups`).
pub fn signals_table(w: &Waveforms) -> Table {
    let rows = w
        .columns
        .iter()
        .map(|c| {
            let [name, rest @ ..] = column_row(&w.time, c);
            let mut row = vec![Cell::text(name)];
            row.extend(rest.map(Cell::number));
            row
        })
        .collect();
    group_table(table("Recorded signals", &HEADER, rows))
}

fn column_row(time: &[f64], column: &Column) -> [String; 8] {
    let stats = ColumnStats::of(time, column);
    let unit = column.quantity.unit();
    let sig = match column.quantity {
        Quantity::Voltage => VOLTAGE_SIGNIFICANT,
        Quantity::Current | Quantity::Power | Quantity::StateOfCharge => DEFAULT_SIGNIFICANT,
    };
    let soc = column.quantity == Quantity::StateOfCharge;
    // Round-off is judged against the column's largest magnitude (or its
    // nominal), so a current that is -1e-220 A in a kA column reads 0 A.
    let scale = [
        stats.min.map(|m| m.value),
        stats.max.map(|m| m.value),
        column.nominal,
    ]
    .into_iter()
    .flatten()
    .fold(0.0f64, |a, x| a.max(x.abs()));
    let value = |v: Option<f64>| {
        v.map_or_else(
            || "-".to_string(),
            // A fraction reads best as a percentage, not as "968.3 m".
            |v| {
                if soc {
                    format!("{:.3} %", 100.0 * v)
                } else {
                    eng_scaled(v, unit, sig, scale)
                }
            },
        )
    };
    let at = |x: Option<AtTime>| x.map_or_else(|| "-".to_string(), |x| eng_time(x.time));
    let deviation = match (column.quantity, stats.deviation_percent(column.nominal)) {
        (Quantity::Voltage, Some((Some(lo), Some(hi)))) => format!("{lo:+.2} % .. {hi:+.2} %"),
        _ => String::new(),
    };
    [
        column.name.clone(),
        value(stats.initial),
        value(stats.min.map(|m| m.value)),
        at(stats.min),
        value(stats.max.map(|m| m.value)),
        at(stats.max),
        value(stats.last),
        deviation,
    ]
}

/// Left-aligns the first column and right-aligns the numbers, padding by
/// characters (not bytes) so `µs` lines up.
fn push_aligned(out: &mut String, rows: &[Vec<String>]) {
    let mut widths = vec![0usize; rows.first().map_or(0, Vec::len)];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (i, (cell, &width)) in row.iter().zip(&widths).enumerate() {
            if i == 0 {
                line.push_str(&format!("{cell:<width$}"));
            } else {
                line.push_str(&format!("  {cell:>width$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// Renders the analysis metrics as aligned text: the tables of
/// [`metrics_tables`], then those of a `losses` block (`loss_table`; the
/// report gives them a section of their own), blank-line separated; the
/// text ends with a newline.
pub fn metrics_table(m: &Metrics) -> String {
    let mut out = String::new();
    let losses = m.losses.iter().flat_map(loss_tables);
    for (k, t) in metrics_tables(m).into_iter().chain(losses).enumerate() {
        if k > 0 {
            out.push('\n');
        }
        push_table(&mut out, &t);
    }
    out
}

/// A table model as aligned text, headers first.
fn push_table(out: &mut String, t: &Table) {
    let mut rows: Vec<Vec<String>> = vec![t.headers.clone()];
    rows.extend(
        t.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.clone()).collect()),
    );
    push_aligned(out, &rows);
}

/// The analysis metrics, one table model for the terminal and the HTML
/// report: one row per node (worst response over the load events, static
/// droop), its ripple apart from that (see `ripple_table`), per power and
/// per current channel. Empty tables are left out. Rows of identical
/// units are folded into one (`row_groups`).
pub fn metrics_tables(m: &Metrics) -> Vec<Table> {
    let mut tables = Vec::new();
    if !m.nodes.is_empty() {
        tables.push(node_table(m));
        tables.push(ripple_table(m));
    }
    if !m.powers.is_empty() {
        tables.push(power_table(m));
    }
    if !m.currents.is_empty() {
        let rows = m
            .currents
            .iter()
            .map(|c| {
                let scale = c.peak.map_or(0.0, |a| a.value.abs()).max(c.rms.abs());
                let amps = |x: f64| eng_scaled(x, "A", DEFAULT_SIGNIFICANT, scale);
                vec![
                    Cell::text(&c.name),
                    Cell::number(c.peak.map_or_else(|| "-".into(), |a| amps(a.value))),
                    Cell::number(time(c.peak.map(|a| a.time))),
                    Cell::number(amps(c.rms)),
                ]
            })
            .collect();
        tables.push(table("Currents", &["current", "peak", "at", "rms"], rows));
    }
    tables.into_iter().map(group_table).collect()
}

fn opt(x: Option<f64>, unit: &str) -> String {
    x.map_or_else(|| "-".to_string(), |x| eng(x, unit))
}

fn time(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), eng_time)
}

fn table(caption: &str, headers: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        caption: caption.to_string(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
        ..Table::default()
    }
}

fn node_table(m: &Metrics) -> Table {
    let band = format!("settle ±{}%", m.settle_band_pct);
    let headers = [
        "node",
        "pre-event",
        "deviation",
        "at",
        "undershoot",
        "overshoot",
        &band,
        "recovery",
        "droop",
    ];
    let rows = m
        .nodes
        .iter()
        .map(|n| {
            let worst = n
                .responses
                .iter()
                .max_by(|a, b| a.deviation.value.abs().total_cmp(&b.deviation.value.abs()));
            let settling = match (n.worst.settling_time, n.worst.unsettled) {
                (_, k) if k > 0 => "not settled".to_string(),
                (t, _) => time(t),
            };
            let deviation = n.worst.deviation_pct.map_or_else(
                || "-".into(),
                |p| {
                    let sign = n.worst.deviation.map_or(1.0, |d| d.value.signum());
                    format!("{:+.2} %", sign * p)
                },
            );
            let mut row = vec![Cell::text(&n.name)];
            row.extend(
                [
                    worst.map_or_else(|| "-".into(), |r| eng_sig(r.pre, "V", VOLTAGE_SIGNIFICANT)),
                    deviation,
                    time(n.worst.deviation.map(|d| d.time)),
                    eng(n.worst.undershoot, "V"),
                    eng(n.worst.overshoot, "V"),
                    settling,
                    time(n.worst.recovery_time),
                    n.static_droop_pct
                        .map_or_else(|| "-".into(), |p| format!("{p:+.2} %")),
                ]
                .map(Cell::number),
            );
            row
        })
        .collect();
    let caption = format!(
        "Transient metrics per node, worst over the load events (settling band ±{} %)",
        m.settle_band_pct
    );
    table(&caption, &headers, rows)
}

fn power_table(m: &Metrics) -> Table {
    let value = |a: Option<At>, unit: &str| opt(a.map(|a| a.value), unit);
    let rows = m
        .powers
        .iter()
        .map(|p| {
            let mut row = vec![Cell::text(&p.name)];
            row.extend(
                [
                    value(p.peak, "W"),
                    time(p.peak.map(|a| a.time)),
                    value(p.ramp_rate, "W/s"),
                    time(p.ramp_rate.map(|a| a.time)),
                    eng(p.energy_delivered, "J"),
                    eng(p.energy_absorbed, "J"),
                    eng(p.max_discharge.value, "J"),
                    p.band_share
                        .map_or_else(|| "-".into(), |s| format!("{:.1} %", 100.0 * s)),
                ]
                .map(Cell::number),
            );
            row
        })
        .collect();
    let headers = [
        "power",
        "peak",
        "at",
        "max |dP/dt|",
        "at",
        "delivered",
        "absorbed",
        "max discharge",
        "0.1–20 Hz",
    ];
    table("Powers", &headers, rows)
}

/// One line per verdict, test-runner style, under a heading.
pub fn verdict_lines(verdicts: &[Verdict]) -> String {
    if verdicts.is_empty() {
        return String::new();
    }
    let mut out = String::from("limits:\n");
    for v in verdicts {
        out.push_str("  ");
        out.push_str(&v.line());
        out.push('\n');
    }
    out
}

fn push_events(out: &mut String, w: &Waveforms) {
    if w.events.is_empty() {
        out.push_str("\nevents: none\n");
        return;
    }
    out.push_str(&format!("\nevents ({}):\n", w.events.len()));
    // The same event on identical units at the same instant is one line.
    let rows = group_rows(
        w.events
            .iter()
            .map(|e| (e.target.clone(), (eng_time(e.time), e.what.clone())))
            .collect(),
    );
    let time_width = rows
        .iter()
        .map(|r| r.1 .0.chars().count())
        .max()
        .unwrap_or(0);
    let target_width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    for (target, (time, what)) in &rows {
        let line = format!("  {time:>time_width$}  {target:<target_width$}  {what}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn solver_line(s: &SolverStats) -> String {
    let method = if s.method.is_empty() { "-" } else { &s.method };
    format!(
        "\nsolver: {method}, {} unknowns, {} steps ({} rejected), {} function evaluations, \
         {} Jacobians, {} factorisations, {} breakpoints, {} state events",
        s.unknowns,
        s.steps,
        s.rejected_steps,
        s.function_evaluations,
        s.jacobian_evaluations,
        s.factorizations,
        s.breakpoints,
        s.state_events
    )
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
