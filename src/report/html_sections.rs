//! The standard sections of the HTML report built from the study's own
//! data: circuit summary, scenario (loads, events, limits), the verdict
//! table when no evaluation is available, and the time-domain summary.
//!
//! Owns the wording and layout of these sections. Must not evaluate limits
//! (the analysis does) or render HTML (see `html`).

use super::html::{Cell, Section, Table};
use super::table::signals_table;
use crate::analysis::limits::Scenario;
use crate::compile::Model;
use crate::components::FlatCircuit;
use crate::netlist::Library;
use crate::results::Waveforms;
use crate::scenario::{Event, Profile, Stagger, Start};
use crate::units::{eng, eng_time};
use std::collections::BTreeMap;

/// Id of the verdict table, which tests and readers look for.
pub const VERDICT_TABLE_ID: &str = "verdict-table";

/// Components by kind, sizes of the compiled model and declared buses.
pub fn circuit_section(circuit: &FlatCircuit, model: &Model) -> Section {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &circuit.components {
        *kinds.entry(c.kind()).or_default() += 1;
    }
    let sizes = vec![
        row(["components", &circuit.components.len().to_string()]),
        row(["nodes", &model.node_index.len().to_string()]),
        row([
            "unknowns",
            &format!(
                "{} ({} differential, {} algebraic)",
                model.n(),
                model.states(),
                model.n() - model.states()
            ),
        ]),
        row([
            "Jacobian nonzeros",
            &model.pattern.row_idx.len().to_string(),
        ]),
    ];
    let mut tables = vec![
        Table {
            caption: "Size".into(),
            headers: vec!["quantity".into(), "value".into()],
            rows: sizes,
            ..Table::default()
        },
        Table {
            caption: "Components by kind".into(),
            headers: vec!["kind".into(), "count".into()],
            rows: kinds
                .iter()
                .map(|(k, n)| vec![Cell::text(*k), Cell::number(n.to_string())])
                .collect(),
            ..Table::default()
        },
    ];
    if !circuit.buses.is_empty() {
        tables.push(Table {
            caption: "Buses".into(),
            headers: vec!["nodes".into(), "nominal".into()],
            rows: circuit
                .buses
                .iter()
                .map(|b| vec![Cell::text(&b.pattern), Cell::number(eng(b.nominal, "V"))])
                .collect(),
            ..Table::default()
        });
    }
    Section {
        id: "circuit".into(),
        title: format!("Circuit: {}", circuit.name),
        tables,
        ..Section::default()
    }
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<Cell> {
    cells.iter().map(|c| Cell::text(*c)).collect()
}

/// Run settings, load profiles, events and limits of the scenario.
pub fn scenario_section(s: &Scenario) -> Section {
    let mut settings = vec![
        row(["duration", &eng_time(s.duration)]),
        row(["output sample", &eng_time(s.sample)]),
        row([
            "start",
            match s.start {
                Start::OperatingPoint => "DC operating point",
                Start::Zero => "all states zero",
            },
        ]),
    ];
    if let (Some(r), Some(a)) = (s.rtol, s.atol) {
        settings.push(row(["tolerances", &format!("rtol {r:e}, atol {a:e}")]));
    }
    for (k, v) in &s.overrides {
        settings.push(row(["override", &format!("{k} = {v}")]));
    }
    if !s.record.is_empty() {
        settings.push(row(["recorded", &s.record.join(", ")]));
    }
    let mut tables = vec![Table {
        caption: "Run".into(),
        headers: vec!["setting".into(), "value".into()],
        rows: settings,
        ..Table::default()
    }];
    if !s.loads.is_empty() {
        tables.push(Table {
            caption: "Load profiles".into(),
            headers: vec!["loads".into(), "profile".into(), "stagger".into()],
            rows: s
                .loads
                .iter()
                .map(|l| {
                    vec![
                        Cell::text(&l.target),
                        Cell::text(profile_text(&l.profile)),
                        Cell::text(match &l.stagger {
                            None => "none".to_string(),
                            Some(Stagger::Stagger(p)) => match p.phases {
                                Some(n) => format!("{} steps, {n} phases", eng_time(p.seconds)),
                                None => format!("{} per load", eng_time(p.seconds)),
                            },
                            Some(Stagger::Random(r)) => {
                                format!("random up to {} (seed {})", eng_time(r.seconds), r.seed)
                            }
                        }),
                    ]
                })
                .collect(),
            ..Table::default()
        });
    }
    if !s.events.is_empty() {
        tables.push(Table {
            caption: "Events".into(),
            headers: vec![
                "time".into(),
                "event".into(),
                "target".into(),
                "details".into(),
            ],
            rows: s.events.iter().map(event_row).collect(),
            ..Table::default()
        });
    }
    Section {
        id: "scenario".into(),
        title: format!("Scenario: {}", s.name),
        tables,
        ..Section::default()
    }
}

fn profile_text(p: &Profile) -> String {
    match p {
        Profile::Step(s) => format!(
            "step {} → {} pu at {}, rise {}",
            s.from,
            s.to,
            eng_time(s.at),
            eng_time(s.rise)
        ),
        Profile::Pulse(p) => {
            format!(
                "pulses {} ↔ {} pu, period {}, duty {}, rise {}, fall {}, from {}{}",
                p.low,
                p.high,
                eng_time(p.period),
                p.duty,
                eng_time(p.rise),
                eng_time(p.fall),
                eng_time(p.start),
                p.cycles
                    .map(|c| format!(", {c} cycles"))
                    .unwrap_or_default(),
            ) + &p.jitter.as_ref().map_or(String::new(), |j| {
                format!(
                    ", each load its own jitter (period ±{} %, levels ±{} %, seed {})",
                    100.0 * j.period_fraction,
                    100.0 * j.level_fraction,
                    j.seed
                )
            })
        }
        Profile::Pwl(c) => match (c.first(), c.last()) {
            (Some(a), Some(b)) => format!(
                "piecewise linear, {} corners from {} to {}",
                c.len(),
                eng_time(a.0),
                eng_time(b.0)
            ),
            _ => "piecewise linear, no corners".into(),
        },
        Profile::Trace(t) => format!(
            "measured trace {} (columns {} and {}, {} samples)",
            t.file,
            t.time,
            t.value,
            t.samples.len()
        ),
    }
}

fn event_row(e: &Event) -> Vec<Cell> {
    let (target, details) = match e {
        Event::Trip { component, .. }
        | Event::Open { component, .. }
        | Event::Close { component, .. } => (component.clone(), String::new()),
        Event::Fault {
            node,
            ohms,
            clear_after,
            ..
        } => (
            node.clone(),
            match clear_after {
                Some(c) => format!(
                    "{} to ground, cleared after {}",
                    eng(*ohms, "Ω"),
                    eng_time(*c)
                ),
                None => format!("{} to ground, permanent", eng(*ohms, "Ω")),
            },
        ),
        Event::Set {
            component,
            field,
            value,
            ..
        } => (component.clone(), format!("{field} = {value}")),
    };
    vec![
        Cell::number(eng_time(e.at())),
        Cell::text(e.kind()),
        Cell::text(target),
        Cell::text(details),
    ]
}

/// Initial, extreme and final values of every recorded signal, the events
/// and the solver's work.
pub fn time_domain_section(w: &Waveforms) -> Section {
    let mut tables = vec![signals_table(w)];
    if !w.events.is_empty() {
        tables.push(Table {
            caption: "Events during the run".into(),
            headers: vec!["time".into(), "target".into(), "what".into()],
            rows: w
                .events
                .iter()
                .map(|e| {
                    vec![
                        Cell::number(eng_time(e.time)),
                        Cell::text(&e.target),
                        Cell::text(&e.what),
                    ]
                })
                .collect(),
            ..Table::default()
        });
    }
    let st = &w.stats;
    Section {
        id: "time-domain".into(),
        title: "Time domain".into(),
        tables,
        notes: vec![format!(
            "Solver: {}, {} unknowns, {} steps ({} rejected), {} function evaluations, {} factorisations, {} samples.",
            st.method, st.unknowns, st.steps, st.rejected_steps, st.function_evaluations, st.factorizations, w.time.len()
        )],
        ..Section::default()
    }
}
