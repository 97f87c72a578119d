//! `busbar stability` and `busbar export --state-space`: arguments, the call
//! into `analysis::stability`, and printing or writing the result.
//!
//! Owns only this process boundary; every number comes from the library.
//! Exit code of `stability`: 0 when every mode is stable, 1 when a mode has
//! σ > 0, 2 on an input or numerical error.

use super::args::{
    damping_ratio, non_negative, parse_boundary, per_decade, positive, Boundary, Overrides,
};
use super::diagnostics;
use busbar::analysis::stability::{self as stab, ReportOptions, StabilityError};
use busbar::report;
use busbar::study::{Study, StudyError};
use miette::{IntoDiagnostic, Report, WrapErr};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `busbar stability`.
#[derive(Debug, clap::Args)]
pub struct StabilityArgs {
    /// Circuit file (RON).
    pub circuit: PathBuf,
    /// Scenario whose loads (at --at), actions before --at and overrides apply.
    #[arg(short, long)]
    pub scenario: Option<PathBuf>,
    /// Time at which the scenario's load profiles set the operating point, s.
    #[arg(long, default_value_t = 0.0, value_name = "T", value_parser = non_negative, allow_hyphen_values = true)]
    pub at: f64,
    #[command(flatten)]
    pub set: Overrides,
    /// Damping ratio below which a mode is flagged as poorly damped.
    #[arg(long, default_value_t = 0.05, value_name = "ZETA", value_parser = damping_ratio, allow_hyphen_values = true)]
    pub damping: f64,
    /// Modes listed in the text report (JSON lists all).
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub modes: usize,
    /// Lowest frequency of the sweeps, Hz.
    #[arg(long, default_value_t = 1.0, value_name = "HZ", value_parser = positive, allow_hyphen_values = true)]
    pub f_min: f64,
    /// Highest frequency of the sweeps, Hz.
    #[arg(long, default_value_t = 1e6, value_name = "HZ", value_parser = positive, allow_hyphen_values = true)]
    pub f_max: f64,
    /// Sweep points per decade.
    #[arg(long, default_value_t = 40, value_name = "N", value_parser = per_decade)]
    pub per_decade: usize,
    /// Node glob for the bus-impedance table (default: nodes with a nominal).
    #[arg(long, value_name = "GLOB")]
    pub buses: Option<String>,
    /// Device glob for the loop gains (default: every control loop, or the
    /// 24 least nested when there are more), e.g. `--loops 'row1.*'`.
    #[arg(long, value_name = "GLOB")]
    pub loops: Option<String>,
    /// Interface for the minor-loop gain: a component (its `input`
    /// terminal) or `component.terminal`. Repeatable.
    #[arg(long = "interface", value_name = "COMPONENT[.TERMINAL]")]
    pub interfaces: Vec<String>,
    /// Do not split automatically at every component's `input` terminal.
    #[arg(long)]
    pub no_auto_interfaces: bool,
    /// Eigenvalue sensitivity ∂λ/∂p to a parameter or `component.field`. Repeatable.
    #[arg(long = "sensitivity", value_name = "PARAM")]
    pub sensitivities: Vec<String>,
    /// Stability boundary: bisection on PARAM in [LO, HI] for the value where
    /// the least-damped mode reaches --damping.
    #[arg(long, value_name = "PARAM=LO:HI", value_parser = parse_boundary)]
    pub boundary: Option<Boundary>,
    /// Write the figures (PNG and SVG) into --output: pole map, loop-gain
    /// Bode plots, bus and interface impedances, and with --boundary the
    /// least damping against the parameter.
    #[arg(long)]
    pub plot: bool,
    /// Output folder of --plot.
    #[arg(short, long, default_value = "busbar-out", value_name = "DIR")]
    pub output: PathBuf,
}

/// Library errors as diagnostics, reusing the located renderings.
fn diagnostic(e: StabilityError) -> Report {
    match e {
        StabilityError::Netlist(e) => diagnostics::netlist(e),
        StabilityError::Compile(e) => diagnostics::compile(e),
        StabilityError::Prepare(e) => diagnostics::study(StudyError::Prepare(e)),
        StabilityError::NoEquilibrium { message, help } => {
            miette::miette!(help = help, "no DC operating point: {message}")
        }
        other => miette::miette!("{other}"),
    }
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("cannot write to stdout: {e}");
        std::process::exit(2);
    }
}

/// `busbar stability`.
pub fn stability(args: &StabilityArgs, quiet: bool, json: bool) -> Result<ExitCode, Report> {
    if !(args.f_min > 0.0 && args.f_max > args.f_min && args.per_decade > 0) {
        return Err(miette::miette!(
            "the sweep needs 0 < --f-min < --f-max and --per-decade ≥ 1"
        ));
    }
    let study = super::commands::open(&args.circuit, args.scenario.as_deref(), &args.set)?;
    if args.plot {
        let inputs = report::InputFiles::new(study.input_files());
        super::commands::refuse_clobber(inputs.check_folder(
            "--output",
            &args.output,
            super::commands::figure_file,
        ))?;
    }
    let setup = study.setup(args.at);
    let options = ReportOptions {
        damping_threshold: args.damping,
        f_min: args.f_min,
        f_max: args.f_max,
        per_decade: args.per_decade,
        buses: args.buses.clone(),
        loops: args.loops.clone(),
        interfaces: args.interfaces.clone(),
        auto_interfaces: !args.no_auto_interfaces,
        sensitivities: args.sensitivities.clone(),
        boundary: args.boundary.clone(),
        ..ReportOptions::default()
    };
    let result = if args.plot {
        let drawn = report::stability_figures(&setup, &options).map_err(diagnostic)?;
        for note in &drawn.notes {
            eprintln!("warning: {note}");
        }
        report::write_figures(&args.output, &drawn.figures)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write the figures into {}", args.output.display()))?;
        let mut result = drawn.report;
        // The sweeps were kept for the figures only; the JSON stays as without --plot.
        for b in &mut result.buses {
            b.sweep = None;
        }
        for i in &mut result.interfaces {
            i.sweep = None;
        }
        result
    } else {
        stab::stability_report(&setup, &options).map_err(diagnostic)?
    };
    if json {
        let text = serde_json::to_string_pretty(&result).into_diagnostic()?;
        print(&format!("{text}\n"));
    } else if !quiet {
        print(&result.to_text(args.modes));
    }
    Ok(if result.stable == Some(false) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `busbar export --state-space FILE`: A, B, C, D with names, as JSON.
pub fn export_state_space(study: &Study, at: f64, file: &Path) -> Result<(), Report> {
    let bound = study.setup(at).bind().map_err(diagnostic)?;
    let ss = stab::state_space(&bound.model, &bound.point, true).map_err(diagnostic)?;
    let text = serde_json::to_string(&ss.to_json(&bound.circuit.name, at)).into_diagnostic()?;
    report::write_atomic(file, text.as_bytes())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", file.display()))
}
