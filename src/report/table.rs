//! The human-readable run summary printed on the terminal: one aligned row
//! per recorded column, the events, and one line of solver statistics;
//! then the analysis metrics and one line per limit verdict.
//!
//! Owns the text layout of that table. Must not print (the caller decides
//! where the text goes), colour the output, or judge limits.

use super::stats::{AtTime, ColumnStats};
use crate::analysis::signal::At;
use crate::analysis::{Metrics, Verdict};
use crate::results::{Column, Quantity, SolverStats, Waveforms};
use crate::units::{eng, eng_sig, eng_time, DEFAULT_SIGNIFICANT};

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
    let mut rows: Vec<[String; 8]> = Vec::with_capacity(w.columns.len() + 1);
    rows.push(HEADER.map(str::to_string));
    rows.extend(w.columns.iter().map(|c| column_row(&w.time, c)));

    let mut out = String::new();
    if w.columns.is_empty() {
        out.push_str("no recorded signals\n");
    } else {
        push_aligned(&mut out, &rows);
    }
    push_events(&mut out, w);
    out.push_str(&solver_line(&w.stats));
    out.push('\n');
    out
}

fn column_row(time: &[f64], column: &Column) -> [String; 8] {
    let stats = ColumnStats::of(time, column);
    let unit = column.quantity.unit();
    let sig = match column.quantity {
        Quantity::Voltage => VOLTAGE_SIGNIFICANT,
        Quantity::Current | Quantity::Power | Quantity::StateOfCharge => DEFAULT_SIGNIFICANT,
    };
    let soc = column.quantity == Quantity::StateOfCharge;
    let value = |v: Option<f64>| {
        v.map_or_else(
            || "-".to_string(),
            // A fraction reads best as a percentage, not as "968.3 m".
            |v| {
                if soc {
                    format!("{:.3} %", 100.0 * v)
                } else {
                    eng_sig(v, unit, sig)
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
fn push_aligned<const N: usize>(out: &mut String, rows: &[[String; N]]) {
    let mut widths = [0usize; N];
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

/// Renders the analysis metrics: one row per node (worst response over
/// the load events, static droop, ripple), per power and per current
/// channel. Empty sections are left out; the text ends with a newline.
pub fn metrics_table(m: &Metrics) -> String {
    let mut out = String::new();
    let opt = |x: Option<f64>, unit: &str| x.map_or_else(|| "-".to_string(), |x| eng(x, unit));
    let time = |x: Option<f64>| x.map_or_else(|| "-".to_string(), eng_time);
    if !m.nodes.is_empty() {
        let band = format!("settle ±{}%", m.settle_band_pct);
        let mut rows = vec![[
            "node",
            "pre-event",
            "deviation",
            "at",
            "undershoot",
            "overshoot",
            &band,
            "recovery",
            "droop",
            "ripple p-p",
            "ripple rms",
            "line",
        ]
        .map(str::to_string)];
        for n in &m.nodes {
            let worst = n
                .responses
                .iter()
                .max_by(|a, b| a.deviation.value.abs().total_cmp(&b.deviation.value.abs()));
            let ripple = n.ripple.as_ref();
            let settling = match (n.worst.settling_time, n.worst.unsettled) {
                (_, k) if k > 0 => "not settled".to_string(),
                (t, _) => time(t),
            };
            rows.push([
                n.name.clone(),
                opt(worst.map(|r| r.pre), "V"),
                n.worst.deviation_pct.map_or_else(
                    || "-".into(),
                    |p| {
                        let sign = n.worst.deviation.map_or(1.0, |d| d.value.signum());
                        format!("{:+.2} %", sign * p)
                    },
                ),
                time(n.worst.deviation.map(|d| d.time)),
                eng(n.worst.undershoot, "V"),
                eng(n.worst.overshoot, "V"),
                settling,
                time(n.worst.recovery_time),
                n.static_droop_pct
                    .map_or_else(|| "-".into(), |p| format!("{p:+.2} %")),
                opt(ripple.map(|r| r.peak_to_peak), "V"),
                opt(ripple.map(|r| r.rms_ac), "V"),
                opt(
                    ripple.and_then(|r| r.lines.first()).map(|l| l.frequency_hz),
                    "Hz",
                ),
            ]);
        }
        push_aligned(&mut out, &rows);
    }
    if !m.powers.is_empty() {
        let mut rows = vec![[
            "power",
            "peak",
            "at",
            "max |dP/dt|",
            "at",
            "delivered",
            "absorbed",
            "max discharge",
            "0.1–20 Hz",
        ]
        .map(str::to_string)];
        let value = |a: Option<At>, unit: &str| opt(a.map(|a| a.value), unit);
        for p in &m.powers {
            rows.push([
                p.name.clone(),
                value(p.peak, "W"),
                time(p.peak.map(|a| a.time)),
                value(p.ramp_rate, "W/s"),
                time(p.ramp_rate.map(|a| a.time)),
                eng(p.energy_delivered, "J"),
                eng(p.energy_absorbed, "J"),
                eng(p.max_discharge.value, "J"),
                p.band_share
                    .map_or_else(|| "-".into(), |s| format!("{:.1} %", 100.0 * s)),
            ]);
        }
        out.push('\n');
        push_aligned(&mut out, &rows);
    }
    if !m.currents.is_empty() {
        let mut rows = vec![["current", "peak", "at", "rms"].map(str::to_string)];
        for c in &m.currents {
            rows.push([
                c.name.clone(),
                opt(c.peak.map(|a| a.value), "A"),
                time(c.peak.map(|a| a.time)),
                eng(c.rms, "A"),
            ]);
        }
        out.push('\n');
        push_aligned(&mut out, &rows);
    }
    out
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
    let times: Vec<String> = w.events.iter().map(|e| eng_time(e.time)).collect();
    let time_width = times.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    let target_width = w
        .events
        .iter()
        .map(|e| e.target.chars().count())
        .max()
        .unwrap_or(0);
    for (event, time) in w.events.iter().zip(&times) {
        let line = format!(
            "  {time:>time_width$}  {:<target_width$}  {}",
            event.target, event.what
        );
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
