//! The commands: each validates its arguments, calls the library and
//! prints or writes results.

use super::args::{Cli, Command};
use super::diagnostics;
use busbar::netlist::Library;
use busbar::report;
use busbar::study::{self, Prepared};
use miette::{IntoDiagnostic, Report, WrapErr};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Writes to stdout; a closed pipe (`busbar … | head`) ends the process
/// quietly with success instead of a panic.
pub(super) fn write_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("cannot write to stdout: {e}");
        std::process::exit(2);
    }
}

macro_rules! out {
    ($($arg:tt)*) => { write_stdout(&format!($($arg)*)) };
}

macro_rules! outln {
    ($($arg:tt)*) => { write_stdout(&format!("{}\n", format_args!($($arg)*))) };
}

pub fn run(cli: Cli) -> Result<ExitCode, Report> {
    match cli.command {
        Command::Simulate {
            circuit,
            scenario,
            output,
            plot,
        } => simulate(&circuit, &scenario, &output, plot, cli.quiet, cli.json),
        Command::Report {
            circuit,
            scenario,
            output,
            figures,
            boundary,
        } => super::report::report(
            &circuit,
            &scenario,
            &output,
            figures.as_deref(),
            boundary.as_deref(),
            cli.quiet,
        ),
        Command::Validate { circuit, set } => validate(&circuit, &set, cli.json),
        Command::Stability(args) => super::stability::stability(&args, cli.quiet, cli.json),
        Command::Check(args) => super::check::run(args, cli.quiet, cli.json),
        Command::Diff(args) => super::diff::run(args, cli.quiet, cli.json),
        Command::Export {
            circuit,
            scenario,
            spice,
            state_space,
            at,
            spice_output,
            reltol,
        } => {
            if let Some(file) = &state_space {
                super::stability::export_state_space(&circuit, scenario.as_deref(), at, file)?;
            }
            match spice {
                Some(spice) => export(&circuit, scenario.as_deref(), &spice, &spice_output, reltol),
                None => Ok(ExitCode::SUCCESS),
            }
        }
    }
}

/// Progress bar on stderr, only when stderr is a terminal.
struct Progress(indicatif::ProgressBar);

impl busbar::engine::Observer for Progress {
    fn progress(&mut self, t: f64, duration: f64) {
        self.0.set_position((t / duration * 1000.0) as u64);
    }
}

fn simulate(
    circuit: &Path,
    scenario: &Path,
    output: &Path,
    plot: bool,
    quiet: bool,
    json: bool,
) -> Result<ExitCode, Report> {
    let started = Instant::now();
    let scenario = busbar::scenario::load(scenario).map_err(diagnostics::scenario)?;
    let mut prepared: Prepared =
        study::prepare(Some(circuit), scenario.clone()).map_err(diagnostics::study)?;
    let mut progress = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(1000);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulating [{bar:40}] {percent}% {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Progress(bar)
    });
    let observer = progress
        .as_mut()
        .map(|p| p as &mut dyn busbar::engine::Observer);
    let waveforms = prepared.run(observer).map_err(diagnostics::study)?;
    if let Some(p) = progress {
        p.0.finish_and_clear();
    }
    let wall = started.elapsed().as_secs_f64();
    std::fs::create_dir_all(output)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create output folder {}", output.display()))?;
    report::write_atomic(
        &output.join("waveforms.csv"),
        &report::waveforms_csv(&waveforms),
    )
    .into_diagnostic()
    .wrap_err("cannot write waveforms.csv")?;
    let mut small = busbar::analysis::run::small_signal(&prepared);
    let analysis = busbar::analysis::analyse_run(&prepared, &waveforms, small.as_mut());
    let summary = report::Summary::new(
        &prepared.circuit.name,
        &prepared.scenario.name,
        &waveforms,
        Some(wall),
    )
    .with_analysis(&analysis);
    let summary = serde_json::to_value(summary).into_diagnostic()?;
    let summary_text = serde_json::to_string_pretty(&summary).into_diagnostic()?;
    report::write_atomic(&output.join("summary.json"), summary_text.as_bytes())
        .into_diagnostic()
        .wrap_err("cannot write summary.json")?;
    if plot {
        let mut figures = report::study_figures(&waveforms, &prepared.scenario);
        // The transient's results stand without the stability figures, so
        // a failed analysis is a warning here, not an error.
        let setup = super::report::end_of_scenario(circuit, &scenario);
        match super::figures::stability_figures(&setup, &Default::default()) {
            Ok(drawn) => {
                figures.extend(drawn.figures);
                for note in &drawn.notes {
                    eprintln!("warning: {note}");
                }
            }
            Err(e) => eprintln!("warning: no stability figures: {e}"),
        }
        report::write_figures(output, &figures)
            .into_diagnostic()
            .wrap_err("cannot write plots")?;
    }
    if json {
        outln!("{summary_text}");
    } else if !quiet {
        outln!(
            "{} — {}: {} unknowns, {:.3} s wall",
            prepared.circuit.name,
            prepared.scenario.name,
            prepared.model.n(),
            wall
        );
        out!("{}", report::summary_table(&waveforms));
        out!("\n{}", report::metrics_table(&analysis.metrics));
        out!("\n{}", report::verdict_lines(&analysis.verdicts));
        outln!("outputs in {}", output.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_overrides(set: &[String]) -> Result<BTreeMap<String, f64>, Report> {
    let mut out = BTreeMap::new();
    for s in set {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| miette::miette!("`--set {s}`: expected NAME=VALUE"))?;
        let v: f64 = v
            .trim()
            .parse()
            .map_err(|_| miette::miette!("`--set {s}`: `{v}` is not a number"))?;
        out.insert(k.trim().to_string(), v);
    }
    Ok(out)
}

fn validate(circuit: &Path, set: &[String], json: bool) -> Result<ExitCode, Report> {
    let overrides = parse_overrides(set)?;
    let flat = busbar::components::load(circuit, &overrides).map_err(diagnostics::netlist)?;
    let model = busbar::compile::compile(&flat).map_err(diagnostics::compile)?;
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &flat.components {
        *kinds.entry(c.kind()).or_default() += 1;
    }
    let lints = busbar::compile::lints(&flat, &model);
    if json {
        let v = serde_json::json!({
            "circuit": flat.name,
            "components": flat.components.len(),
            "by_kind": kinds,
            "nodes": model.node_index.len(),
            "unknowns": model.n(),
            "states": model.states(),
            "jacobian_nonzeros": model.pattern.row_idx.len(),
            "warnings": lints,
        });
        outln!("{}", serde_json::to_string_pretty(&v).into_diagnostic()?);
    } else {
        outln!("{}: ok", flat.name);
        outln!("  components  {}", flat.components.len());
        for (k, n) in &kinds {
            outln!("    {k:<14}{n}");
        }
        outln!("  nodes       {}", model.node_index.len());
        outln!(
            "  unknowns    {} ({} differential, {} algebraic)",
            model.n(),
            model.states(),
            model.n() - model.states()
        );
        outln!("  jacobian    {} nonzeros", model.pattern.row_idx.len());
        for l in &lints {
            outln!("  warning: {l}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn export(
    circuit: &Path,
    scenario: Option<&Path>,
    spice: &Path,
    spice_output: &Path,
    reltol: f64,
) -> Result<ExitCode, Report> {
    let scenario = scenario
        .map(|s| busbar::scenario::load(s).map_err(diagnostics::scenario))
        .transpose()?;
    let overrides = scenario
        .as_ref()
        .map(|s| s.overrides.clone())
        .unwrap_or_default();
    let flat = busbar::components::load(circuit, &overrides).map_err(diagnostics::netlist)?;
    let options =
        busbar::export::spice::SpiceOptions::tight(reltol, spice_output, scenario.as_ref());
    let deck = busbar::export::spice::spice_deck(&flat, scenario.as_ref(), &options)
        .map_err(|e| miette::miette!("cannot export to SPICE: {e}"))?;
    report::write_atomic(spice, deck.as_bytes())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", spice.display()))?;
    Ok(ExitCode::SUCCESS)
}
