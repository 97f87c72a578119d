//! The design-review document of a study (what `busbar report` writes):
//! a first page with the run's stamp, the verdicts, the worst margins and
//! the least-damped modes; then the appendix: parameters, circuit,
//! scenario, transient metrics, waveforms (with their zoom windows), the
//! losses of a `losses` block, the ripple spectrum, the small-signal section with its figures, and the
//! input files, assembled from results already computed.
//!
//! A run the engine stopped gets a red banner saying when, where and why,
//! over the part computed.
//!
//! Owns the choice of what the document shows and in which order. Must not
//! run or judge anything: the study hands in the run, its judgement and
//! the stability figures.

use super::figures::StabilityFigures;
use super::html::{Cell, HtmlReport, InputFile, Section, Table};
use super::html_sections::{circuit_section, scenario_section, time_domain_section};
use super::loss_plot::loss_section;
use super::plot::{try_study_figures, Figure, PlotError, StudyFigures};
use super::review_summary::{least_damped, parameter_section, stamp_section, worst_margins, Stamp};
use super::review_tables::{stability_tables, verdict_section};
use super::spectrum::{spectrum_figure, SpectrumData};
use super::stamp::{input_hash, utc_date, Inputs};
use super::storage_plot::storage_energy_figure;
use super::table::metrics_tables;
use crate::analysis::ripple::ripple_spectrum;
use crate::analysis::signal::Signal;
use crate::analysis::stability::StabilityError;
use crate::analysis::Scenario;
use crate::analysis::{Analysis, Metrics, Prepared};
use crate::netlist::Parameter;
use crate::results::{Failure, Quantity, Waveforms};
use crate::units::{eng, eng_time};
use std::collections::BTreeMap;
use std::path::Path;

/// Modes listed in the table (least damped first).
const MAX_MODE_ROWS: usize = 20;

/// Everything the document is made of.
pub struct Review<'a> {
    /// The circuit file as named on the command line, and its text.
    pub circuit_file: &'a Path,
    pub circuit_text: &'a str,
    pub prepared: &'a Prepared,
    /// The whole run, or the part computed before `failure`.
    pub waveforms: &'a Waveforms,
    /// Why the run stopped before its end, if it did: a red banner.
    pub failure: Option<&'a Failure>,
    pub judged: &'a Analysis,
    /// The stability analysis at the final load with its figures.
    pub stability: Result<StabilityFigures, StabilityError>,
    /// The circuit's top-level parameters as applied.
    pub parameters: &'a [Parameter],
    /// The overrides given on top of the scenario's (`--set`).
    pub set: &'a BTreeMap<String, f64>,
    /// When the run was made, seconds since 1970 UTC (the caller's
    /// `SOURCE_DATE_EPOCH` when set, for reproducible reports).
    pub date: i64,
    /// Zoom windows asked for by name, seconds.
    pub zooms: &'a [(f64, f64)],
}

/// Assembles the document; fails only when a figure cannot be drawn.
pub fn review_document(r: Review) -> Result<HtmlReport, PlotError> {
    let (p, w, s) = (r.prepared, r.waveforms, &r.prepared.scenario);
    let version = env!("CARGO_PKG_VERSION").to_string();
    let stamp = Stamp {
        date: utc_date(r.date),
        hash: input_hash(&Inputs {
            circuit: r.circuit_text,
            scenario: s.text(),
            overrides: r.set,
            version: &version,
        }),
        version: version.clone(),
    };
    let circuit_name = r.circuit_file.display().to_string();
    let scenario_name = s.path().display().to_string();
    let verdicts = &r.judged.verdicts;
    let summary = vec![
        stamp_section(&stamp, &circuit_name, &scenario_name),
        verdict_section(verdicts),
        worst_margins(verdicts),
        least_damped(r.stability.as_ref().ok().map(|x| &x.report)),
    ];
    let mut sections = vec![parameter_section(r.parameters, r.set, &s.overrides)];
    sections.push(circuit_section(&p.circuit, &p.model));
    sections.push(scenario_section(s));
    let mut time_domain = time_domain_section(w);
    let metrics = metrics_tables(&r.judged.metrics);
    time_domain.tables.splice(1..1, metrics);
    sections.push(time_domain);
    let mut waveforms = waveform_section(try_study_figures(w, s, verdicts, r.zooms)?);
    waveforms.figures.extend(storage_energy_figure(w, p)?);
    sections.push(waveforms);
    if let Some(losses) = &r.judged.metrics.losses {
        sections.push(loss_section(losses)?);
    }
    sections.push(spectrum_section(w, s, &r.judged.metrics)?);
    sections.push(stability_section(r.stability));
    let inputs = vec![
        InputFile {
            name: circuit_name.clone(),
            text: r.circuit_text.to_string(),
        },
        InputFile {
            name: scenario_name.clone(),
            text: s.text().to_string(),
        },
    ];
    Ok(HtmlReport {
        title: format!("busbar report: {}", s.name),
        subtitle: vec![
            format!("Circuit {} ({circuit_name})", p.circuit.name),
            format!("Scenario {scenario_name}"),
            format!("busbar {version}, run {}", stamp.date),
        ],
        banner: r.failure.map(|f| banner(f, s.duration)),
        summary,
        sections,
        inputs,
        version,
    })
}

/// The waveform figures, full run then zooms, with a table of what each
/// zoom window shows and which windows were left out.
fn waveform_section(drawn: StudyFigures) -> Section {
    let rows: Vec<Vec<Cell>> = drawn
        .zooms
        .windows
        .iter()
        .enumerate()
        .map(|(k, z)| {
            vec![
                Cell::number(format!("zoom {}", k + 1)),
                Cell::number(eng_time(z.from)),
                Cell::number(eng_time(z.to)),
                Cell::text(z.shows.join("; ")),
            ]
        })
        .collect();
    let tables = if rows.is_empty() {
        Vec::new()
    } else {
        vec![Table {
            id: "zoom-table".into(),
            caption: "Zoom windows".into(),
            headers: ["figure", "from", "to", "shows"].map(String::from).to_vec(),
            rows,
        }]
    };
    Section {
        id: "waveforms".into(),
        title: "Waveforms".into(),
        paragraphs: vec![
            "Limit bands of the scenario are shaded; samples outside a band are drawn in red; \
             a ring marks the extreme each limit measured (the solver's, which may lie \
             between samples). Zoomed figures follow every load change, event and judged \
             extreme, each from just before it to where the signals have settled. \
             Buses of different nominal voltages are also drawn together per unit of \
             their nominals, and two or more storage elements by the energy each has \
             delivered since the start (the trapezoid integral of its power)."
                .into(),
        ],
        tables,
        figures: drawn.figures,
        notes: drawn.notes,
    }
}

/// The banner of a run that stopped early: when, where and why, and that
/// what follows is the part computed.
fn banner(f: &Failure, duration: f64) -> String {
    let place: Vec<String> = [
        ("unknown", &f.unknown),
        ("component", &f.component),
        ("node", &f.node),
    ]
    .iter()
    .filter_map(|(what, name)| name.as_ref().map(|n| format!("{what} {n}")))
    .collect();
    let place = if place.is_empty() {
        String::new()
    } else {
        format!(" ({})", place.join(", "))
    };
    format!(
        "The simulation stopped at t = {} of {}{place}: {}. The waveforms and verdicts below cover the part computed up to then.",
        eng_time(f.time),
        eng_time(duration),
        f.message
    )
}

/// Every figure of the document, in order.
pub fn review_figures(doc: &HtmlReport) -> Vec<&Figure> {
    doc.sections.iter().flat_map(|s| &s.figures).collect()
}

/// The ripple spectrum of each node with a `Ripple` limit, else of the
/// first recorded bus, over the window its ripple was measured in (quiet
/// or named, see `analysis::ripple`).
fn spectrum_section(w: &Waveforms, s: &Scenario, m: &Metrics) -> Result<Section, PlotError> {
    let mut wanted: Vec<String> = s
        .limits
        .iter()
        .filter_map(|l| l.spec().ripple_window())
        .map(|(node, _)| node.to_string())
        .collect();
    if wanted.is_empty() {
        if let Some(c) = w.columns.iter().find(|c| c.quantity == Quantity::Voltage) {
            wanted.push(c.name.clone());
        }
    }
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    for node in wanted {
        let Some(c) = w
            .columns
            .iter()
            .find(|c| c.quantity == Quantity::Voltage && crate::glob::matches(&node, &c.name))
        else {
            continue;
        };
        let ripple = m.nodes.iter().find(|n| n.name == c.name);
        let Some(ripple) = ripple.and_then(|n| n.ripple.as_ref()) else {
            notes.push(format!("{}: no settled window between events", c.name));
            continue;
        };
        if let (true, Some(tol)) = (ripple.below_tolerance, ripple.solver_tolerance) {
            notes.push(format!(
                "{}: ripple below solver tolerance ({})",
                c.name,
                eng(tol, "V")
            ));
            continue;
        }
        let window = ripple.window;
        let signal = Signal::new(&w.time, &c.values);
        let Some((freq, amp)) = ripple_spectrum(&signal, window.0, window.1) else {
            notes.push(format!("{}: too few samples for a spectrum", c.name));
            continue;
        };
        let title = format!(
            "Ripple spectrum: {}, {} to {}",
            c.name,
            eng_time(window.0),
            eng_time(window.1)
        );
        let data = SpectrumData {
            name: format!("spectrum_{}", c.name),
            title,
            signal: c.name.clone(),
            unit: "V".into(),
            freq_hz: freq,
            amplitude: amp,
            notes: vec!["Hann window, mean and linear trend removed".into()],
        };
        figures.push(spectrum_figure(&data)?);
    }
    Ok(Section {
        id: "spectrum".into(),
        title: "Ripple spectrum".into(),
        figures,
        notes,
        ..Section::default()
    })
}

/// Modes, loop margins, bus impedances and interfaces at the operating
/// point with the loads as they stand at the end of the scenario.
fn stability_section(stability: Result<StabilityFigures, StabilityError>) -> Section {
    let mut section = Section {
        id: "stability".into(),
        title: "Small-signal stability".into(),
        ..Section::default()
    };
    let drawn = match stability {
        Ok(x) => x,
        Err(e) => {
            section
                .notes
                .push(format!("The stability analysis failed: {e}"));
            return section;
        }
    };
    let r = &drawn.report;
    section.paragraphs.push(format!(
        "Linearised at t = {} with the scenario's loads and events up to then: {} unknowns, {} states. {}",
        eng_time(r.at),
        r.unknowns,
        r.states,
        match r.stable {
            Some(true) => "Every mode is stable.",
            Some(false) => "UNSTABLE: at least one mode has σ > 0.",
            None => "Modes were not computed.",
        }
    ));
    section.tables.extend(stability_tables(r, MAX_MODE_ROWS));
    section.notes.extend(r.notes.iter().cloned());
    section.notes.extend(drawn.notes);
    section.figures = drawn.figures;
    section
}
