//! The commands: each validates its arguments, opens one `Study`, makes one
//! call into the library, and prints or writes the result.

use super::args::{Cli, Command, Overrides, Zoom};
use super::diagnostics;
use busbar::analysis::accuracy::Accuracy;
use busbar::analysis::finite;
use busbar::analysis::stability::ReportOptions;
use busbar::analysis::Analysis;
use busbar::netlist::Library;
use busbar::report::{
    self, review_document, review_figures, stability_figures, InputFiles, Review, StagedFolder,
};
use busbar::study::{Simulation, Study};
use busbar::units::eng_time;
use miette::{IntoDiagnostic, Report, WrapErr};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::mem::ManuallyDrop;
use std::path::Path;
use std::process::ExitCode;

pub use super::args::parse_set;

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
    let (quiet, json) = (cli.quiet, cli.json);
    match cli.command {
        Command::Help {
            topic,
            write_reference,
        } => help(&topic, write_reference.as_deref(), quiet),
        Command::Simulate {
            circuit,
            scenario,
            output,
            plot,
            verify,
            zoom,
            set,
        } => {
            let study = open(&circuit, Some(&scenario), &set)?;
            let inputs = InputFiles::new(study.input_files());
            refuse_clobber(inputs.check_folder("-o", &output, simulate_writes))?;
            check_zooms(&study, &zoom)?;
            let outputs = Outputs {
                plot,
                verify,
                zoom: &zoom,
            };
            simulate(&study, &output, outputs, quiet, json)
        }
        Command::Report {
            circuit,
            scenario,
            output,
            figures,
            boundary,
            zoom,
            set,
        } => {
            let study = open(&circuit, Some(&scenario), &set)?;
            let inputs = InputFiles::new(study.input_files());
            refuse_clobber(inputs.check_file("-o", &output))?;
            if let Some(dir) = &figures {
                refuse_clobber(inputs.check_folder("--figures", dir, figure_file))?;
            }
            writable_outputs(&output, figures.as_deref())?;
            check_zooms(&study, &zoom)?;
            let asked = Asked {
                figures: figures.as_deref(),
                boundary,
                zoom: &zoom,
            };
            review(&study, &output, asked, quiet, json)
        }
        Command::Validate { circuit, set } => validate(&open(&circuit, None, &set)?, quiet, json),
        Command::Stability(args) => super::stability::stability(&args, quiet, json),
        Command::Check(args) => super::check::run(args, quiet, json),
        Command::Diff(args) => super::diff::run(args, quiet, json),
        Command::Sweep(args) => super::sweep::run(args, quiet, json),
        Command::Size(args) => super::sweep::size(args, quiet, json),
        Command::Export {
            circuit,
            scenario,
            spice,
            state_space,
            at,
            spice_output,
            reltol,
            spice_style,
            set,
        } => {
            let study = open(&circuit, scenario.as_deref(), &set)?;
            let inputs = InputFiles::new(study.input_files());
            if let Some(file) = &spice {
                refuse_clobber(inputs.check_file("--spice", file))?;
            }
            if let Some(file) = &state_space {
                refuse_clobber(inputs.check_file("--state-space", file))?;
            }
            if let Some(file) = &state_space {
                super::stability::export_state_space(&study, at, file)?;
            }
            match spice {
                Some(spice) => {
                    let options = busbar::export::spice::SpiceOptions {
                        style: spice_style,
                        ..busbar::export::spice::SpiceOptions::tight(
                            reltol,
                            &spice_output,
                            study.scenario(),
                        )
                    };
                    export(&study, &spice, &options)
                }
                None => Ok(ExitCode::SUCCESS),
            }
        }
    }
}

/// An output that would replace an input, as a diagnostic.
pub(super) fn refuse_clobber(check: Result<(), report::Clobber>) -> Result<(), Report> {
    check.map_err(|e| {
        miette::miette!(
            help = "give the output another path: no output of a command may be one of its inputs",
            "{e}"
        )
    })
}

/// The files `simulate -o DIR` writes into DIR (or removes there as the
/// last run's stale figures).
fn simulate_writes(name: &str) -> bool {
    matches!(name, "waveforms.csv" | "summary.json") || figure_file(name)
}

/// A figure file, as `--plot` and `--figures` write them.
pub(super) fn figure_file(name: &str) -> bool {
    name.ends_with(".png") || name.ends_with(".svg")
}

/// Checks, before anything is computed, that `report` can write where it
/// was asked to: the HTML file's folder must exist (a typo in it must not
/// cost a whole run) and the file must not be a folder; the figures
/// folder is created now, so that a path that cannot be one fails now.
fn writable_outputs(output: &Path, figures: Option<&Path>) -> Result<(), Report> {
    let folder = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !folder.is_dir() {
        return Err(miette::miette!(
            help = "create the folder first, or give -o a path in an existing folder",
            "cannot write {}: the folder {} does not exist",
            output.display(),
            folder.display()
        ));
    }
    if output.is_dir() {
        return Err(miette::miette!(
            "cannot write {}: it is a folder; -o takes the HTML file to write, e.g. {}",
            output.display(),
            output.join("report.html").display()
        ));
    }
    if let Some(dir) = figures {
        std::fs::create_dir_all(dir)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot create the figures folder {}", dir.display()))?;
    }
    Ok(())
}

/// Reads the circuit and the scenario once, with the `--set` overrides.
pub(super) fn open(
    circuit: &Path,
    scenario: Option<&Path>,
    set: &Overrides,
) -> Result<Study, Report> {
    Ok(Study::open(Some(circuit), scenario)
        .map_err(diagnostics::study)?
        .with_overrides(&set.map()))
}

/// Progress bar on stderr, only when stderr is a terminal.
struct Progress(indicatif::ProgressBar);

impl busbar::engine::Observer for Progress {
    fn progress(&mut self, t: f64, duration: f64) {
        self.0.set_position((t / duration * 1000.0) as u64);
    }
}

fn progress_bar(quiet: bool) -> Option<Progress> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(1000);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulating [{bar:40}] {percent}% {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Progress(bar)
    })
}

/// Runs the transient with a progress bar on a terminal. A run the engine
/// stopped keeps what it computed; its warnings go to stderr.
fn run_transient(study: &Study, quiet: bool) -> Result<Simulation, Report> {
    let mut progress = progress_bar(quiet);
    let observer = progress
        .as_mut()
        .map(|p| p as &mut dyn busbar::engine::Observer);
    let run = study
        .simulate_keeping_partial(observer)
        .map_err(diagnostics::study)?;
    if let Some(p) = progress {
        p.0.finish_and_clear();
    }
    for warning in run.warnings() {
        eprintln!("warning: {warning}");
    }
    Ok(run)
}

/// What `simulate` does besides the run: figures, the tighter rerun.
#[derive(Debug, Clone, Copy)]
struct Outputs<'a> {
    plot: bool,
    verify: bool,
    zoom: &'a [Zoom],
}

/// A `--zoom` window must lie within the run: an error before it starts.
fn check_zooms(study: &Study, zooms: &[Zoom]) -> Result<(), Report> {
    let Some(duration) = study.scenario().map(|s| s.duration) else {
        return Ok(());
    };
    match zooms.iter().find(|(_, t1)| *t1 > duration) {
        Some((t0, t1)) => Err(miette::miette!(
            help = "give T0:T1 with T1 at most the scenario's duration, e.g. `--zoom 5m:10m`",
            "--zoom: the window {} to {} ends after the run, which lasts {}",
            eng_time(*t0),
            eng_time(*t1),
            eng_time(duration)
        )),
        None => Ok(()),
    }
}

/// The report's date, seconds since 1970 UTC: `SOURCE_DATE_EPOCH` when set
/// (the reproducible-builds convention, so that the same inputs give the
/// same bytes), else the time the run starts.
fn report_date() -> Result<i64, Report> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 0)
            .ok_or_else(|| {
                miette::miette!(
                    "SOURCE_DATE_EPOCH=`{text}`: expected whole seconds since 1970-01-01 00:00 UTC"
                )
            }),
        Err(std::env::VarError::NotPresent) => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)),
        Err(e) => Err(miette::miette!("SOURCE_DATE_EPOCH: {e}")),
    }
}

/// After the evidence of a stopped run is written: the engine's error,
/// and where the part computed up to it was written.
fn stopped_error(run: &mut Simulation, written: &Path) -> Result<ExitCode, Report> {
    match run.stopped.take() {
        None => Ok(ExitCode::SUCCESS),
        Some(e) => {
            let time = e.failure().time;
            Err(diagnostics::engine(e).wrap_err(format!(
                "the run stopped at t = {time:.6e} s; what was computed up to then is in {}",
                written.display()
            )))
        }
    }
}

fn simulate(
    study: &Study,
    output: &Path,
    outputs: Outputs,
    quiet: bool,
    json: bool,
) -> Result<ExitCode, Report> {
    let (run, tight) = if outputs.verify {
        let (run, tight) = study.beside_tight_run(|| run_transient(study, quiet));
        (run?, Some(tight.map_err(diagnostics::study)?))
    } else {
        (run_transient(study, quiet)?, None)
    };
    let mut run = run;
    if let Some(warning) = study.damping_warning(&run).filter(|_| !quiet) {
        eprintln!("warning: {warning}");
    }
    // The outputs hold what the scenario records; what its limits needed
    // beyond that was recorded for the verdicts only.
    let (mut analysis, requested) = study.judge_requested(&run);
    run.waveforms = requested;
    finite::check(&analysis.metrics, &run.waveforms).map_err(|e| diagnostics::study(e.into()))?;
    let accuracy = tight.map(|tight| tight.accuracy(&run));
    if let Some(a) = &accuracy {
        analysis.verdicts.push(a.verdict());
    }
    let (prepared, waveforms) = (&run.prepared, &run.waveforms);
    // Staged as one set: a run that fails before the end (drawing the
    // figures, say) leaves the folder with the previous run's files only.
    let mut folder = StagedFolder::begin(output, "simulate")
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create output folder {}", output.display()))?;
    folder
        .add_with("waveforms.csv", |out| {
            report::write_waveforms_csv(waveforms, out)
        })
        .into_diagnostic()
        .wrap_err("cannot write waveforms.csv")?;
    let summary_text = summary_json(study, &run, &analysis, accuracy.as_ref())?;
    folder
        .add("summary.json", summary_text.as_bytes())
        .into_diagnostic()
        .wrap_err("cannot write summary.json")?;
    if outputs.plot {
        plot_run(study, &run, &analysis, outputs.zoom, &mut folder, quiet)?;
    }
    folder
        .commit()
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write into {}", output.display()))?;
    if json {
        outln!("{summary_text}");
    } else if !quiet {
        outln!(
            "{} — {}: {} unknowns, {:.3} s wall",
            prepared.circuit.name,
            prepared.scenario.name,
            prepared.model.n(),
            run.wall_seconds
        );
        out!("{}", report::summary_table(waveforms));
        out!("\n{}", report::metrics_table(&analysis.metrics));
        if let Some(a) = &accuracy {
            out!("\n{}", report::accuracy_table(a));
        }
        out!("\n{}", report::verdict_lines(&analysis.verdicts));
        outln!("outputs in {}", output.display());
    }
    let status = stopped_error(&mut run, output)?;
    Ok(match accuracy {
        Some(a) if !a.passed() => ExitCode::from(1),
        _ => status,
    })
}

/// `summary.json` of a judged run, with its inputs and the `--verify`
/// comparison.
fn summary_json(
    study: &Study,
    run: &Simulation,
    analysis: &Analysis,
    accuracy: Option<&Accuracy>,
) -> Result<String, Report> {
    let summary = report::Summary::new(
        &run.prepared.circuit.name,
        &run.prepared.scenario.name,
        &run.waveforms,
        Some(run.wall_seconds),
    )
    .with_analysis(analysis)
    .with_inputs(report::Inputs {
        params: study.applied_params().map_err(diagnostics::study)?,
        overrides: study.overrides(),
    })
    .with_failure(run.failure(), run.warnings());
    // Through a JSON value, whose keys are sorted: the file's stable layout.
    let mut summary = serde_json::to_value(summary).into_diagnostic()?;
    if let (Some(a), Some(map)) = (accuracy, summary.as_object_mut()) {
        map.insert("verify".into(), serde_json::to_value(a).into_diagnostic()?);
    }
    serde_json::to_string_pretty(&summary).into_diagnostic()
}

/// The waveform figures of the run and the stability figures at its final
/// load. The transient's results stand without the stability figures, so
/// a failed analysis is a warning here, not an error.
fn plot_run(
    study: &Study,
    run: &Simulation,
    judged: &Analysis,
    zoom: &[Zoom],
    folder: &mut StagedFolder,
    quiet: bool,
) -> Result<(), Report> {
    let (w, scenario) = (&run.waveforms, &run.prepared.scenario);
    let drawn = report::try_study_figures(w, scenario, &judged.verdicts, zoom)
        .map_err(|e| miette::miette!("cannot draw the waveforms: {e}"))?;
    if !quiet {
        for note in &drawn.notes {
            eprintln!("note: {note}");
        }
    }
    let mut figures = drawn.figures;
    figures.extend(
        report::storage_energy_figure(w, &run.prepared)
            .map_err(|e| miette::miette!("cannot draw the storage energy: {e}"))?,
    );
    if let Some(losses) = &judged.metrics.losses {
        figures.push(
            report::loss_figure(losses)
                .map_err(|e| miette::miette!("cannot draw the losses: {e}"))?,
        );
    }
    let setup = study.setup(study.final_time());
    match stability_figures(&setup, &ReportOptions::default()) {
        Ok(drawn) => {
            figures.extend(drawn.figures);
            for note in &drawn.notes {
                eprintln!("warning: {note}");
            }
        }
        Err(e) => eprintln!("warning: no stability figures: {e}"),
    }
    report::stage_figures(folder, &figures)
        .into_diagnostic()
        .wrap_err("cannot write plots")?;
    Ok(())
}

/// What `busbar report` was asked for besides the document.
struct Asked<'a> {
    figures: Option<&'a Path>,
    boundary: Option<(String, f64, f64)>,
    zoom: &'a [Zoom],
}

/// `busbar report`: the design-review HTML, and the figures on request;
/// with `--json`, the run's summary (as `simulate` writes it) on stdout.
fn review(
    study: &Study,
    output: &Path,
    asked: Asked,
    quiet: bool,
    json: bool,
) -> Result<ExitCode, Report> {
    let date = report_date()?;
    let parameters = study.parameters().map_err(diagnostics::study)?;
    let mut run = run_transient(study, quiet)?;
    let judged = study.judge(&run);
    finite::check(&judged.metrics, &run.waveforms).map_err(|e| diagnostics::study(e.into()))?;
    let options = ReportOptions {
        boundary: asked.boundary,
        ..ReportOptions::default()
    };
    let failure = run.failure();
    let doc = review_document(Review {
        circuit_file: study.circuit().path(),
        circuit_text: study.circuit().text(),
        prepared: &run.prepared,
        waveforms: &run.waveforms,
        failure: failure.as_ref(),
        judged: &judged,
        stability: stability_figures(&study.setup(study.final_time()), &options),
        parameters: &parameters,
        set: study.own_overrides(),
        date,
        zooms: asked.zoom,
    })
    .map_err(|e| miette::miette!("cannot draw the report's figures: {e}"))?;
    report::write_atomic(output, report::render_html(&doc).as_bytes())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", output.display()))?;
    let figures: Vec<_> = review_figures(&doc).into_iter().cloned().collect();
    if let Some(dir) = asked.figures {
        report::write_figures(dir, &figures)
            .into_diagnostic()
            .wrap_err("cannot write the figures")?;
    }
    if json {
        outln!("{}", summary_json(study, &run, &judged, None)?);
    } else if !quiet {
        outln!("{} ({} figures)", output.display(), figures.len());
    }
    stopped_error(&mut run, output)
}

fn validate(study: &Study, quiet: bool, json: bool) -> Result<ExitCode, Report> {
    let (flat, model) = study.compile_unpacked().map_err(diagnostics::study)?;
    // The process ends right after this command: freeing the circuit and
    // the model one allocation at a time (over 300,000 on a hall of
    // 10,000 racks) would only delay the exit.
    let (flat, model) = (ManuallyDrop::new(flat), ManuallyDrop::new(model));
    if quiet && !json {
        // Compiled and checked: nothing to say but the exit status.
        return Ok(ExitCode::SUCCESS);
    }
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
    study: &Study,
    spice: &Path,
    options: &busbar::export::spice::SpiceOptions,
) -> Result<ExitCode, Report> {
    let flat = study.elaborate().map_err(diagnostics::study)?;
    let deck = busbar::export::spice::spice_deck(&flat, study.scenario(), options)
        .map_err(|e| miette::miette!("cannot export to SPICE: {e}"))?;
    report::write_atomic(spice, deck.as_bytes())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", spice.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// `busbar help [TOPIC…]`, or `--write-reference DIR`: the reference
/// generated from the code (`busbar::reference`).
fn help(topic: &[String], write_to: Option<&Path>, quiet: bool) -> Result<ExitCode, Report> {
    use clap::CommandFactory;
    let cli = Cli::command();
    if let Some(dir) = write_to {
        let written = busbar::reference::write(dir, &cli).map_err(|e| miette::miette!("{e}"))?;
        if !quiet {
            outln!("wrote {} pages into {}", written.len(), dir.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let text = busbar::reference::help(&cli, topic).map_err(|e| miette::miette!("{e}"))?;
    out!("{text}");
    Ok(ExitCode::SUCCESS)
}
