//! `busbar report`: runs the study and the stability analysis and writes
//! one self-contained HTML file (and, on request, every figure as PNG and
//! SVG). Also the adapter from analysis results to report tables and plot
//! data, so the report module stays free of analysis types.
//!
//! Owns the choice of what the report shows. Must not compute metrics or
//! draw: the analysis and `busbar::report` do.
// Stability errors carry the input file text for located diagnostics
// (as in the library); they travel only on the cold error path.
#![allow(clippy::result_large_err)]

use super::figures::stability_figures;
use super::{diagnostics, report_tables};
use busbar::analysis;
use busbar::analysis::ripple::ripple_spectrum;
use busbar::analysis::signal::Signal;
use busbar::analysis::stability::{CircuitSource, ReportOptions, Setup};
use busbar::report::{self, Cell, Figure, HtmlReport, InputFile, Section, SpectrumData, Status};
use busbar::results::{Quantity, Waveforms};
use busbar::scenario::{Limit, Scenario};
use busbar::units;
use miette::{IntoDiagnostic, Report, WrapErr};
use std::path::Path;
use std::process::ExitCode;

/// Modes listed in the table (least damped first).
const MAX_MODE_ROWS: usize = 20;

/// Runs `busbar report`.
pub fn report(
    circuit: &Path,
    scenario_path: &Path,
    output: &Path,
    figures_dir: Option<&Path>,
    boundary: Option<&str>,
    quiet: bool,
) -> Result<ExitCode, Report> {
    let boundary = boundary.map(super::stability::parse_boundary).transpose()?;
    let scenario = busbar::scenario::load(scenario_path).map_err(diagnostics::scenario)?;
    // Recording what the limits need as well, so a glob limit is judged
    // on every node it matches.
    let mut prepared = analysis::prepare_for_limits(Some(circuit), scenario.clone())
        .map_err(diagnostics::study)?;
    let w = prepared.run(None).map_err(diagnostics::study)?;
    let judged = {
        let mut small = analysis::run::small_signal(&prepared);
        analysis::analyse_run(&prepared, &w, small.as_mut())
    };
    let s = &prepared.scenario;

    let mut sections = vec![report_tables::verdict_section(&judged.verdicts)];
    sections.push(report::circuit_section(&prepared.circuit, &prepared.model));
    sections.push(report::scenario_section(s));
    let mut time_domain = report::time_domain_section(&w, &prepared.circuit.name, &s.name);
    time_domain
        .tables
        .insert(1, report_tables::metrics_table(&judged.metrics));
    sections.push(time_domain);
    let waveforms = report::try_study_figures(&w, s)
        .map_err(|e| miette::miette!("cannot draw the waveforms: {e}"))?;
    sections.push(Section {
        id: "waveforms".into(),
        title: "Waveforms".into(),
        paragraphs: vec![
            "Limit bands of the scenario are shaded; samples outside a band are drawn in red. \
             Zoomed figures follow each load change or event."
                .into(),
        ],
        figures: waveforms,
        ..Section::default()
    });
    sections.push(spectrum_section(&w, s)?);
    sections.push(stability_section(circuit, &scenario, boundary));

    let mut inputs = Vec::new();
    for path in [circuit, scenario_path] {
        let text = std::fs::read_to_string(path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", path.display()))?;
        inputs.push(InputFile {
            name: path.display().to_string(),
            text,
        });
    }
    let version = env!("CARGO_PKG_VERSION").to_string();
    let doc = HtmlReport {
        title: format!("busbar report: {}", s.name),
        subtitle: vec![
            format!("Circuit {} ({})", prepared.circuit.name, circuit.display()),
            format!("Scenario {}", scenario_path.display()),
            format!("busbar {version}"),
        ],
        sections,
        inputs,
        version,
    };
    report::write_atomic(output, report::render_html(&doc).as_bytes())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", output.display()))?;
    let figures: Vec<Figure> = doc.sections.into_iter().flat_map(|s| s.figures).collect();
    if let Some(dir) = figures_dir {
        report::write_figures(dir, &figures)
            .into_diagnostic()
            .wrap_err("cannot write the figures")?;
    }
    if !quiet {
        println!("{} ({} figures)", output.display(), figures.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// The ripple spectrum of each node with a `Ripple` limit (over its
/// window), else of the first recorded bus after the last disturbance.
fn spectrum_section(w: &Waveforms, s: &Scenario) -> Result<Section, Report> {
    let (t0, t1) = (
        w.time.first().copied().unwrap_or(0.0),
        w.time.last().copied().unwrap_or(0.0),
    );
    let mut wanted: Vec<(String, (f64, f64))> = s
        .limits
        .iter()
        .filter_map(|l| match l {
            Limit::Ripple { node, window, .. } => Some((node.clone(), window.unwrap_or((t0, t1)))),
            _ => None,
        })
        .collect();
    if wanted.is_empty() {
        let last = report::disturbances(s)
            .iter()
            .map(|d| d.time)
            .filter(|t| *t < t0 + 0.8 * (t1 - t0))
            .fold(t0, f64::max);
        if let Some(c) = w.columns.iter().find(|c| c.quantity == Quantity::Voltage) {
            wanted.push((c.name.clone(), (last, t1)));
        }
    }
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    for (node, window) in wanted {
        let Some(c) = w
            .columns
            .iter()
            .find(|c| c.quantity == Quantity::Voltage && busbar::glob::matches(&node, &c.name))
        else {
            continue;
        };
        let signal = Signal::new(&w.time, &c.values);
        let Some((freq, amp)) = ripple_spectrum(&signal, window.0, window.1) else {
            notes.push(format!("{}: too few samples for a spectrum", c.name));
            continue;
        };
        let title = format!(
            "Ripple spectrum: {}, {} to {}",
            c.name,
            units::eng_time(window.0),
            units::eng_time(window.1)
        );
        let data = SpectrumData {
            name: format!("spectrum_{}", c.name),
            title,
            signal: c.name.clone(),
            unit: "V".into(),
            freq_hz: freq,
            amplitude: amp,
            notes: vec!["Hann window, mean removed".into()],
        };
        figures.push(
            report::spectrum_figure(&data)
                .map_err(|e| miette::miette!("cannot draw a spectrum: {e}"))?,
        );
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
fn stability_section(
    circuit: &Path,
    scenario: &Scenario,
    boundary: Option<(String, f64, f64)>,
) -> Section {
    let mut section = Section {
        id: "stability".into(),
        title: "Small-signal stability".into(),
        ..Section::default()
    };
    let setup = end_of_scenario(circuit, scenario);
    let options = ReportOptions {
        boundary,
        ..ReportOptions::default()
    };
    let drawn = match stability_figures(&setup, &options) {
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
        units::eng_time(r.at),
        r.unknowns,
        r.states,
        match r.stable {
            Some(true) => "Every mode is stable.",
            Some(false) => "UNSTABLE: at least one mode has σ > 0.",
            None => "Modes were not computed.",
        }
    ));
    section
        .tables
        .extend(super::report_tables::stability_tables(r, MAX_MODE_ROWS));
    section.notes.extend(r.notes.iter().cloned());
    section.notes.extend(drawn.notes);
    section.figures = drawn.figures;
    section
}

/// The stability setup of a run: the circuit with the scenario's loads,
/// events and overrides as they stand at its end (`simulate --plot` and
/// `report` linearise there, at the final load).
pub(super) fn end_of_scenario(circuit: &Path, scenario: &Scenario) -> Setup {
    Setup {
        circuit: CircuitSource::File(circuit.to_path_buf()),
        scenario: Some(scenario.clone()),
        at: scenario.duration,
        overrides: Default::default(),
    }
}

/// A verdict cell from a pass flag.
pub(super) fn pass_cell(ok: bool) -> Cell {
    Cell::status(if ok { Status::Pass } else { Status::Fail })
}
