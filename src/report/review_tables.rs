//! Tables of the report built from analysis results: the verdicts and the
//! stability section (least-damped modes with participation, loop margins,
//! bus impedance peaks against target, interface minor-loop margins).
//!
//! Owns the columns and flags of those tables. Must not compute anything
//! the analysis has not already reported.

use super::html::{Cell, Section, Status, Table};
use super::html_sections::VERDICT_TABLE_ID;
use super::row_groups::group_table;
use super::subsystem_table::{made_by, subsystem_table};
use crate::analysis::stability::{Mode, StabilityReport};
use crate::analysis::verdict::value;
use crate::analysis::{Status as VerdictStatus, Verdict};
use crate::units::{eng, eng_time, frequency, rate};

/// A verdict cell from a pass flag.
fn pass_cell(ok: bool) -> Cell {
    Cell::status(if ok { Status::Pass } else { Status::Fail })
}

/// A mode's row colour: unstable fails, poorly damped warns.
pub(crate) fn mode_status(m: &Mode, damping_threshold: f64) -> Status {
    if m.is_unstable() {
        Status::Fail
    } else if m.is_poorly_damped(damping_threshold) {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// A mode's frequency as every table prints it, or `real`.
pub(crate) fn mode_frequency(m: &Mode) -> String {
    if m.imag > 0.0 {
        frequency(m.frequency_hz)
    } else {
        "real".into()
    }
}

/// The `n` components that take part most (at least 5 % each), joined.
pub(crate) fn mode_shares(m: &Mode, n: usize) -> String {
    m.components
        .iter()
        .filter(|s| s.fraction >= 0.05)
        .take(n)
        .map(|s| format!("{} {:.0} %", s.name, 100.0 * s.fraction))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stability tables, modes limited to `max_modes` rows; rows of
/// identical units folded into one (`row_groups`).
pub fn stability_tables(r: &StabilityReport, max_modes: usize) -> Vec<Table> {
    let mut tables = Vec::new();
    if let Some(modes) = &r.modes {
        let rows = modes
            .modes
            .iter()
            .take(max_modes)
            .enumerate()
            .map(|(k, m)| {
                let damping = Cell {
                    text: if m.is_neutral() {
                        "neutral".to_string()
                    } else {
                        format!("{:.4}", m.damping)
                    },
                    numeric: true,
                    status: Some(mode_status(m, r.damping_threshold)),
                };
                let shares = mode_shares(m, 4);
                vec![
                    Cell::number((k + 1).to_string()),
                    Cell::number(mode_frequency(m)),
                    damping,
                    Cell::number(rate(m.real)),
                    Cell::number(m.time_constant_s.map(eng_time).unwrap_or_default()),
                    Cell::text(match &m.neutral {
                        Some(why) => format!("neutral ({why})"),
                        None => shares,
                    }),
                    Cell::text(made_by(m)),
                ]
            })
            .collect();
        tables.push(Table {
            caption: format!(
                "Least-damped modes ({} of {}; ζ below {} flagged)",
                modes.modes.len().min(max_modes),
                modes.modes.len(),
                r.damping_threshold
            ),
            headers: [
                "#",
                "frequency",
                "damping ζ",
                "σ",
                "time constant",
                "participation",
                "made by",
            ]
            .map(String::from)
            .to_vec(),
            rows,
            ..Table::default()
        });
        let listed = &modes.modes[..modes.modes.len().min(max_modes)];
        tables.extend(subsystem_table(listed));
    }
    if !r.loops.is_empty() {
        let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("none".to_string(), f);
        tables.push(Table {
            caption: "Loop gains of the regulated converters".into(),
            headers: [
                "converter",
                "loop broken at",
                "crossover",
                "phase margin",
                "gain margin",
                "gain at low frequency",
            ]
            .map(String::from)
            .to_vec(),
            rows: r
                .loops
                .iter()
                .map(|l| {
                    let m = &l.margins;
                    vec![
                        Cell::text(&l.device),
                        Cell::text(&l.command),
                        Cell::number(opt(m.crossover_hz, &frequency)),
                        Cell::number(opt(m.phase_margin_deg, &|p| format!("{p:.1}°"))),
                        Cell::number(opt(m.gain_margin_db, &|g| format!("{g:.1} dB"))),
                        Cell::number(format!("{:.1} dB", l.low_frequency_gain_db)),
                    ]
                })
                .collect(),
            ..Table::default()
        });
    }
    if !r.buses.is_empty() {
        tables.push(Table {
            caption: "Bus impedance".into(),
            headers: [
                "node",
                "peak |Z|",
                "at",
                "target ΔV/ΔI",
                "peak / target",
                "passive",
            ]
            .map(String::from)
            .to_vec(),
            rows: r
                .buses
                .iter()
                .map(|b| {
                    let ratio = match b.peak_over_target {
                        Some(x) => Cell {
                            text: format!("{x:.2}"),
                            numeric: true,
                            status: Some(if x <= 1.0 { Status::Pass } else { Status::Fail }),
                        },
                        None => Cell::text("—"),
                    };
                    vec![
                        Cell::text(&b.node),
                        Cell::number(eng(b.peak_ohms, "Ω")),
                        Cell::number(frequency(b.peak_hz)),
                        Cell::number(b.target_ohms.map(|t| eng(t, "Ω")).unwrap_or_default()),
                        ratio,
                        if b.non_passive {
                            Cell::status(Status::Warn)
                        } else {
                            Cell::text("yes")
                        },
                    ]
                })
                .collect(),
            ..Table::default()
        });
    }
    if !r.interfaces.is_empty() {
        tables.push(Table {
            caption: "Source/load interfaces (minor-loop gain T_m = Z_source/Z_load)".into(),
            headers: [
                "component",
                "node",
                "Middlebrook margin",
                "Middlebrook ≥ 6 dB",
                "GMPM region clear",
                "T_m phase margin",
                "T_m gain margin",
            ]
            .map(String::from)
            .to_vec(),
            rows: r
                .interfaces
                .iter()
                .map(|i| {
                    let m = &i.margins;
                    vec![
                        Cell::text(format!("{}.{}", i.component, i.terminal)),
                        Cell::text(&i.node),
                        Cell::number(format!("{:.1} dB", i.middlebrook_margin_db)),
                        pass_cell(i.middlebrook_ok),
                        pass_cell(i.gmpm_ok),
                        Cell::number(
                            m.phase_margin_deg
                                .map_or("none".into(), |p| format!("{p:.1}°")),
                        ),
                        Cell::number(
                            m.gain_margin_db
                                .map_or("none".into(), |g| format!("{g:.1} dB")),
                        ),
                    ]
                })
                .collect(),
            ..Table::default()
        });
    }
    // Identical units (18 trays with the same peak) share one row.
    tables.into_iter().map(group_table).collect()
}

/// The verdict table from the analysis, one row per limit and run.
pub fn verdict_section(verdicts: &[Verdict]) -> Section {
    let rows: Vec<Vec<Cell>> = verdicts
        .iter()
        .map(|v| {
            let status = match v.status {
                VerdictStatus::Pass => Status::Pass,
                VerdictStatus::Fail => Status::Fail,
                VerdictStatus::Error => Status::NotEvaluated,
            };
            let mut measured = v
                .measured
                .map(|m| value(m, &v.unit))
                .unwrap_or_else(|| "—".into());
            if let Some(t) = &v.target {
                measured.push_str(&format!(" at {t}"));
            }
            if let Some(t) = v.time {
                measured.push_str(&format!(", t = {}", eng_time(t)));
            }
            vec![
                Cell::text(&v.kind),
                Cell::text(&v.name),
                Cell::text(measured),
                Cell::number(v.margin.map(|m| value(m, &v.unit)).unwrap_or_default()),
                Cell::status(status),
                Cell::text(&v.detail),
            ]
        })
        .collect();
    let failed = verdicts
        .iter()
        .filter(|v| v.status == VerdictStatus::Fail)
        .count();
    let errors = verdicts
        .iter()
        .filter(|v| v.status == VerdictStatus::Error)
        .count();
    let summary = if verdicts.is_empty() {
        "The scenario sets no limits.".to_string()
    } else {
        format!(
            "{} limits: {} passed, {failed} failed, {errors} not evaluated. A positive margin is inside the limit.",
            verdicts.len(),
            verdicts.len() - failed - errors
        )
    };
    Section {
        id: "verdicts".into(),
        title: "Verdicts".into(),
        paragraphs: vec![summary],
        tables: vec![Table {
            id: VERDICT_TABLE_ID.into(),
            caption: String::new(),
            headers: [
                "limit",
                "requirement",
                "measured (worst)",
                "margin",
                "verdict",
                "details",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        }],
        ..Section::default()
    }
}
