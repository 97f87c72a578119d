//! `busbar stability` and `busbar export --state-space`: arguments, the call
//! into `analysis::stability`, and printing or writing the result.
//!
//! Owns only this process boundary; every number comes from the library.
//! Exit code of `stability`: 0 when every mode is stable, 1 when a mode has
//! σ > 0, 2 on an input or numerical error.

use super::diagnostics;
use busbar::analysis::stability::{
    self as stab, stability_report, CircuitSource, ReportOptions, Setup, StabilityError,
};
use busbar::report;
use miette::{IntoDiagnostic, Report, WrapErr};
use std::collections::BTreeMap;
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
    #[arg(long, default_value_t = 0.0, value_name = "T")]
    pub at: f64,
    /// Parameter or `component.field` overrides, `name=value`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Damping ratio below which a mode is flagged as poorly damped.
    #[arg(long, default_value_t = 0.05, value_name = "ZETA")]
    pub damping: f64,
    /// Modes listed in the text report (JSON lists all).
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub modes: usize,
    /// Lowest frequency of the sweeps, Hz.
    #[arg(long, default_value_t = 1.0, value_name = "HZ")]
    pub f_min: f64,
    /// Highest frequency of the sweeps, Hz.
    #[arg(long, default_value_t = 1e6, value_name = "HZ")]
    pub f_max: f64,
    /// Sweep points per decade.
    #[arg(long, default_value_t = 40, value_name = "N")]
    pub per_decade: usize,
    /// Node glob for the bus-impedance table (default: nodes with a nominal).
    #[arg(long, value_name = "GLOB")]
    pub buses: Option<String>,
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
    #[arg(long, value_name = "PARAM=LO:HI")]
    pub boundary: Option<String>,
    /// Write the figures (PNG and SVG) into --output: pole map, loop-gain
    /// Bode plots, bus and interface impedances, and with --boundary the
    /// least damping against the parameter.
    #[arg(long)]
    pub plot: bool,
    /// Output folder of --plot.
    #[arg(short, long, default_value = "busbar-out", value_name = "DIR")]
    pub output: PathBuf,
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

pub(super) fn parse_boundary(s: &str) -> Result<(String, f64, f64), Report> {
    let bad =
        || miette::miette!("`--boundary {s}`: expected PARAM=LO:HI, e.g. `load.watts=100e3:2e6`");
    let (key, range) = s.split_once('=').ok_or_else(bad)?;
    let (lo, hi) = range.split_once(':').ok_or_else(bad)?;
    let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
    let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
    Ok((key.trim().to_string(), lo, hi))
}

/// Library errors as diagnostics, reusing the located renderings.
fn diagnostic(e: StabilityError) -> Report {
    match e {
        StabilityError::Netlist(e) => diagnostics::netlist(e),
        StabilityError::Compile(e) => diagnostics::compile(e),
        StabilityError::Study(e) => diagnostics::study(e),
        StabilityError::NoEquilibrium { message, help } => {
            miette::miette!(help = help, "no DC operating point: {message}")
        }
        other => miette::miette!("{other}"),
    }
}

fn setup(
    circuit: &Path,
    scenario: Option<&Path>,
    at: f64,
    set: &[String],
) -> Result<Setup, Report> {
    if !at.is_finite() || at < 0.0 {
        return Err(miette::miette!(
            "`--at {at}`: expected a time ≥ 0 in seconds"
        ));
    }
    let scenario = scenario
        .map(|s| busbar::scenario::load(s).map_err(diagnostics::scenario))
        .transpose()?;
    Ok(Setup {
        circuit: CircuitSource::File(circuit.to_path_buf()),
        scenario,
        at,
        overrides: parse_overrides(set)?,
    })
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
    let setup = setup(&args.circuit, args.scenario.as_deref(), args.at, &args.set)?;
    let options = ReportOptions {
        damping_threshold: args.damping,
        f_min: args.f_min,
        f_max: args.f_max,
        per_decade: args.per_decade,
        buses: args.buses.clone(),
        interfaces: args.interfaces.clone(),
        auto_interfaces: !args.no_auto_interfaces,
        sensitivities: args.sensitivities.clone(),
        boundary: args.boundary.as_deref().map(parse_boundary).transpose()?,
        ..ReportOptions::default()
    };
    let result = if args.plot {
        let drawn = super::figures::stability_figures(&setup, &options).map_err(diagnostic)?;
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
        stability_report(&setup, &options).map_err(diagnostic)?
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
pub fn export_state_space(
    circuit: &Path,
    scenario: Option<&Path>,
    at: f64,
    file: &Path,
) -> Result<(), Report> {
    let setup = setup(circuit, scenario, at, &[])?;
    let bound = setup.bind().map_err(diagnostic)?;
    let ss = stab::state_space(&bound.model, &bound.point, true).map_err(diagnostic)?;
    let text = serde_json::to_string(&ss.to_json(&bound.circuit.name, at)).into_diagnostic()?;
    report::write_atomic(file, text.as_bytes())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", file.display()))
}
