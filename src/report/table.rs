//! The human-readable run summary printed on the terminal: one aligned row
//! per recorded column, the events, and one line of solver statistics;
//! then the analysis metrics and one line per limit verdict. The metrics
//! are one table model (`metrics_tables`) that the HTML report renders
//! too, so the terminal and the report cannot drift apart.
//!
//! Owns the text layout of those tables. Must not print (the caller decides
//! where the text goes), colour the output, or judge limits.

use super::html::{Cell, Table};
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
    let scale = [stats.min.map(|m| m.value), stats.max.map(|m| m.value), column.nominal]
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
/// [`metrics_tables`], blank-line separated; the text ends with a newline.
pub fn metrics_table(m: &Metrics) -> String {
    let mut out = String::new();
    for (k, t) in metrics_tables(m).iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        push_table(&mut out, t);
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
    let time_width = rows.iter().map(|r| r.1 .0.chars().count()).max().unwrap_or(0);
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
mod tests {
    use super::*;
    use crate::results::EventRecord;

    fn col(name: &str, quantity: Quantity, nominal: Option<f64>, values: Vec<f64>) -> Column {
        Column {
            name: name.into(),
            target: name.into(),
            quantity,
            nominal,
            values,
            extremes: None,
        }
    }

    #[test]
    fn engineering_units_and_alignment() {
        let w = Waveforms {
            time: vec![0.0, 250e-6, 0.0125, 0.05],
            columns: vec![
                col(
                    "bus800",
                    Quantity::Voltage,
                    Some(800.0),
                    vec![800.0, 799.84, 768.31, 799.84],
                ),
                col(
                    "i(lfeed)",
                    Quantity::Current,
                    None,
                    vec![168.75, 1234.0, 1200.0, 168.75],
                ),
                col(
                    "p(tray1.gpu)",
                    Quantity::Power,
                    None,
                    vec![135e3, 135e3, 135e3, 135e3],
                ),
                col("empty", Quantity::Voltage, None, vec![]),
            ],
            events: vec![EventRecord {
                time: 0.01,
                target: "tray*.gpu".into(),
                what: "load step".into(),
            }],
            stats: SolverStats {
                method: "esdirk34".into(),
                steps: 1200,
                ..SolverStats::default()
            },
        };
        let t = summary_table(&w);
        for expected in [
            "800.00 V",
            "799.84 V",
            "768.31 V",
            "12.50 ms",
            "1.234 kA",
            "250.0 µs",
            "135.0 kW",
            "-3.96 % .. +0.00 %",
            "10.00 ms",
            "load step",
            "esdirk34",
            "1200 steps",
        ] {
            assert!(t.contains(expected), "missing {expected:?} in\n{t}");
        }
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("signal"));
        // Right-aligned columns end at the same character position.
        let end = |line: &str, pat: &str| {
            line.find(pat)
                .map(|i| line[..i + pat.len()].chars().count())
        };
        assert_eq!(end(lines[1], "800.00 V"), end(lines[2], "168.8 A"));
        assert!(lines[4].starts_with("empty") && lines[4].contains('-'));
    }

    /// A bus 40 mV under nominal dips by 0.12 % after a load step at 1 ms;
    /// a current that is round-off; a battery's state of charge.
    fn number_rules_run() -> Waveforms {
        let time: Vec<f64> = (0..=200).map(|i| f64::from(i) * 1e-4).collect();
        let bus = time
            .iter()
            .map(|&t| if (2e-3..4e-3).contains(&t) { 799.0 } else { 799.96 })
            .collect();
        let amps = time.iter().map(|_| -1.975e-220).collect();
        let soc = time.iter().map(|&t| 0.9953 - 0.01 * t).collect();
        Waveforms {
            time,
            columns: vec![
                col("bus800", Quantity::Voltage, Some(800.0), bus),
                col("i(idle)", Quantity::Current, None, amps),
                col("soc(bbu1)", Quantity::StateOfCharge, None, soc),
            ],
            events: vec![],
            stats: SolverStats::default(),
        }
    }

    #[test]
    fn numbers_as_an_engineer_writes_them() {
        let w = number_rules_run();
        let t = summary_table(&w);
        // Zero to the solver's tolerance is 0 A, not -1.975e-220 A.
        assert!(t.contains(" 0 A") && !t.contains("e-220"), "{t}");
        // A fraction is a percentage, never `995.3 m`.
        assert!(t.contains("99.530 %") && !t.contains(" m "), "{t}");
        // 799.96 V is not rounded to 800.0 V.
        assert!(t.contains("799.96 V") && !t.contains("800.0 V"), "{t}");

        let m = crate::analysis::analyse(&w, &[1e-3], &Default::default());
        let text = metrics_table(&m);
        let row = text
            .lines()
            .find(|l| l.starts_with("bus800"))
            .unwrap_or_default();
        // The pre-event value keeps its fifth digit; the deviation is a dip
        // and its percentage says so: -960.0 mV is -0.12 %, never +0.12 %.
        assert!(row.contains("799.96 V"), "{text}");
        assert!(row.contains("-0.12 %"), "{text}");
    }

    #[test]
    fn identical_units_fold_and_different_ones_do_not() {
        let mut w = number_rules_run();
        let bus = w.columns[0].values.clone();
        w.columns = (1..=18)
            .map(|i| col(&format!("tray{i}.bus50"), Quantity::Voltage, Some(50.0), bus.clone()))
            .collect();
        // Tray 7 differs in the printed digits (799.97 V at the end).
        if let Some(v) = w.columns[6].values.last_mut() {
            *v = 799.97;
        }
        let t = summary_table(&w);
        let folded = "tray{1,2,3,4,5,6,8,9,10,11,12,13,14,15,16,17,18}.bus50 (17 identical)";
        assert!(t.contains(folded), "{t}");
        assert!(t.contains("\ntray7.bus50 "), "{t}");
    }

    #[test]
    fn empty_run() {
        let w = Waveforms {
            time: vec![],
            columns: vec![],
            events: vec![],
            stats: SolverStats::default(),
        };
        let t = summary_table(&w);
        assert!(t.contains("no recorded signals"));
        assert!(t.contains("events: none"));
        assert!(t.ends_with("state events\n"));
    }
}
