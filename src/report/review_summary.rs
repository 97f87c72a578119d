//! The first page of the design-review document and the parameter table:
//! the run's stamp (date, hash of the inputs), the worst margins and the
//! least-damped modes, which sit beside the verdict table so that one
//! printed page answers "does it pass, by how much, and how close is it
//! to ringing"; and the circuit's top-level parameters as the run applied
//! them, with overrides marked.
//!
//! Owns the wording and the choice of rows of these tables. Must not
//! compute margins or modes (the analysis reports them) nor render HTML.

use super::html::{Cell, Section, Status, Table};
use super::review_tables::{mode_frequency, mode_shares, mode_status};
use crate::analysis::stability::StabilityReport;
use crate::analysis::verdict::value;
use crate::analysis::{Status as VerdictStatus, Verdict};
use crate::device::Num;
use crate::netlist::Parameter;
use crate::units::eng_time;
use std::collections::BTreeMap;

/// Rows of the worst-margin table.
const WORST_MARGINS: usize = 5;
/// Rows of the least-damped-mode table on the first page.
const LEAST_DAMPED: usize = 5;

/// Date, input hash and version of the run.
pub struct Stamp {
    /// `2026-12-03 19:07 UTC`.
    pub date: String,
    /// SHA-256 of the inputs, hex.
    pub hash: String,
    pub version: String,
}

/// When, from what and by which version the report was made.
pub fn stamp_section(stamp: &Stamp, circuit: &str, scenario: &str) -> Section {
    let row = |k: &str, v: &str| vec![Cell::text(k), Cell::text(v)];
    Section {
        id: "run".into(),
        title: "Run".into(),
        tables: vec![Table {
            id: "run-table".into(),
            rows: vec![
                row("date (UTC)", &stamp.date),
                row("inputs SHA-256", &stamp.hash),
                row("circuit", circuit),
                row("scenario", scenario),
                row("busbar", &stamp.version),
            ],
            ..Table::default()
        }],
        notes: vec![
            "The hash covers the circuit and scenario texts quoted at the end, the --set \
             overrides and the busbar version; the same inputs give the same hash."
                .into(),
        ],
        ..Section::default()
    }
}

/// The margin as a fraction of the limit, for ranking limits of different
/// units; none when the limit is zero or unknown (an event count).
fn relative(v: &Verdict) -> Option<f64> {
    let m = v.margin.filter(|m| m.is_finite())?;
    let l = v.limit.filter(|l| l.is_finite() && *l != 0.0)?;
    Some(m / l.abs())
}

/// The judged limits closest to failing (or furthest past it), by margin
/// relative to the limit; failed limits first whatever their unit.
pub fn worst_margins(verdicts: &[Verdict]) -> Section {
    let failed = |v: &Verdict| v.status == VerdictStatus::Fail;
    let mut judged: Vec<(&Verdict, Option<f64>)> = verdicts
        .iter()
        .map(|v| (v, relative(v)))
        .filter(|(v, rel)| failed(v) || (rel.is_some() && v.status == VerdictStatus::Pass))
        .collect();
    judged.sort_by(|a, b| {
        let key =
            |(v, rel): &(&Verdict, Option<f64>)| (!failed(v), rel.unwrap_or(f64::NEG_INFINITY));
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    let rows = judged
        .iter()
        .take(WORST_MARGINS)
        .map(|(v, rel)| {
            let status = match v.status {
                VerdictStatus::Pass => Status::Pass,
                _ => Status::Fail,
            };
            let margin = v.margin.unwrap_or(f64::NAN);
            let share = rel.map_or("—".into(), |r| format!("{:.1} %", 100.0 * r));
            let place = [
                v.target.clone(),
                v.time.map(|t| format!("t = {}", eng_time(t))),
            ];
            vec![
                Cell::text(&v.name),
                Cell::number(value(margin, &v.unit)),
                Cell::number(share),
                Cell::text(place.into_iter().flatten().collect::<Vec<_>>().join(", ")),
                Cell::status(status),
            ]
        })
        .collect::<Vec<_>>();
    let mut section = Section {
        id: "worst-margins".into(),
        title: "Worst margins".into(),
        ..Section::default()
    };
    if rows.is_empty() {
        section
            .paragraphs
            .push("No limit failed, and none has a margin relative to a level.".into());
        return section;
    }
    section.tables.push(Table {
        id: "worst-margins-table".into(),
        caption: format!(
            "The {} smallest margins, relative to their limits",
            rows.len()
        ),
        headers: ["limit", "margin", "of the limit", "where", "verdict"]
            .map(String::from)
            .to_vec(),
        rows,
    });
    section
}

/// The least-damped modes at the operating point of the stability
/// analysis, or why there are none.
pub fn least_damped(stability: Option<&StabilityReport>) -> Section {
    let mut section = Section {
        id: "least-damped".into(),
        title: "Least-damped modes".into(),
        ..Section::default()
    };
    let Some(r) = stability else {
        section
            .paragraphs
            .push("The stability analysis did not run (see the appendix).".into());
        return section;
    };
    let Some(modes) = &r.modes else {
        section.paragraphs.push("Modes were not computed.".into());
        return section;
    };
    let rows = modes
        .modes
        .iter()
        .filter(|m| m.neutral.is_none())
        .take(LEAST_DAMPED)
        .map(|m| {
            vec![
                Cell::number(mode_frequency(m)),
                Cell {
                    text: format!("{:.4}", m.damping),
                    numeric: true,
                    status: Some(mode_status(m, r.damping_threshold)),
                },
                Cell::text(mode_shares(m, 3)),
            ]
        })
        .collect();
    section.paragraphs.push(format!(
        "At t = {}; ζ below {} is flagged. All modes in the appendix.",
        eng_time(r.at),
        r.damping_threshold
    ));
    section.tables.push(Table {
        id: "least-damped-table".into(),
        headers: ["frequency", "damping ζ", "participation"]
            .map(String::from)
            .to_vec(),
        rows,
        ..Table::default()
    });
    section
}

/// The circuit's top-level parameters as applied, overrides marked with
/// where they came from, then the component-field overrides.
pub fn parameter_section(
    parameters: &[Parameter],
    set: &BTreeMap<String, f64>,
    scenario: &BTreeMap<String, f64>,
) -> Section {
    let source = |key: &str| {
        if set.contains_key(key) {
            "overridden: --set"
        } else if scenario.contains_key(key) {
            "overridden: scenario"
        } else {
            ""
        }
    };
    let mut rows: Vec<Vec<Cell>> = parameters
        .iter()
        .map(|p| {
            let mark = source(&p.name);
            let mut mark_cell = Cell::text(mark);
            if p.overridden {
                mark_cell.status = Some(Status::Warn);
            }
            vec![
                Cell::text(&p.name),
                Cell::text(match &p.written {
                    Num::Value(v) => compact(*v),
                    Num::Expr(src) => src.clone(),
                }),
                Cell::number(compact(p.value)),
                mark_cell,
            ]
        })
        .collect();
    let fields = set
        .keys()
        .chain(scenario.keys())
        .filter(|k| k.contains('.'));
    let mut seen: Vec<&String> = Vec::new();
    for key in fields {
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let v = set.get(key).or_else(|| scenario.get(key)).copied();
        rows.push(vec![
            Cell::text(key),
            Cell::text("(component field)"),
            Cell::number(v.map(compact).unwrap_or_default()),
            Cell {
                status: Some(Status::Warn),
                ..Cell::text(source(key))
            },
        ]);
    }
    let mut section = Section {
        id: "parameters".into(),
        title: "Parameters".into(),
        ..Section::default()
    };
    if rows.is_empty() {
        section
            .paragraphs
            .push("The circuit has no top-level parameters and nothing was overridden.".into());
        return section;
    }
    section.tables.push(Table {
        id: "parameter-table".into(),
        caption: "Top-level parameters as applied (SI units)".into(),
        headers: ["parameter", "written", "value", "override"]
            .map(String::from)
            .to_vec(),
        rows,
    });
    section
}

/// A number as short as it reads exactly: plain between 1e-3 and 1e6,
/// else with an exponent (`2e-7`, not `0.0000002`).
pub(crate) fn compact(v: f64) -> String {
    if v == 0.0 || (1e-3..1e6).contains(&v.abs()) || !v.is_finite() {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(name: &str, margin: f64, limit: f64) -> Verdict {
        Verdict {
            kind: "MinVoltage".into(),
            name: name.into(),
            status: if margin >= 0.0 {
                VerdictStatus::Pass
            } else {
                VerdictStatus::Fail
            },
            measured: Some(limit + margin),
            limit: Some(limit),
            margin: Some(margin),
            unit: "V".into(),
            target: Some("bus".into()),
            time: Some(0.01),
            detail: String::new(),
        }
    }

    #[test]
    fn worst_margins_rank_by_share_of_the_limit() {
        let v = [
            verdict("a", 10.0, 760.0),
            verdict("b", 1.0, 46.0),
            verdict("c", -0.5, 46.0),
        ];
        let s = worst_margins(&v);
        let names: Vec<&str> = s.tables[0]
            .rows
            .iter()
            .map(|r| r[0].text.as_str())
            .collect();
        // −0.5/46 < 10/760 (1.3 %) < 1/46 (2.2 %).
        assert_eq!(names, ["c", "a", "b"]);
        assert_eq!(s.tables[0].rows[0][4].status, Some(Status::Fail));
        assert_eq!(s.tables[0].rows[1][2].text, "1.3 %");
        // An event count has no level to be relative to: left out.
        let mut none = verdict("d", 0.0, 0.0);
        none.unit = "events".into();
        assert_eq!(worst_margins(&[none]).tables.len(), 0);
        assert_eq!(compact(2e-7), "2e-7");
        assert_eq!(compact(135e3), "135000");
    }

    #[test]
    fn parameters_mark_their_overrides() {
        let p = |name: &str, value: f64, overridden: bool| Parameter {
            name: name.into(),
            written: Num::Value(1.0),
            value,
            overridden,
        };
        let set = BTreeMap::from([("p_rack".to_string(), 2.0), ("c.farads".to_string(), 1e-3)]);
        let scenario = BTreeMap::from([("v_bus".to_string(), 3.0)]);
        let s = parameter_section(
            &[
                p("p_rack", 2.0, true),
                p("r", 1.0, false),
                p("v_bus", 3.0, true),
            ],
            &set,
            &scenario,
        );
        let rows = &s.tables[0].rows;
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0][3].text, "overridden: --set");
        assert_eq!(rows[1][3].text, "");
        assert_eq!(rows[2][3].text, "overridden: scenario");
        assert_eq!(rows[3][0].text, "c.farads");
    }
}
