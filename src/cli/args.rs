//! Argument definitions, with examples in the help text, and the value
//! parsers that turn `--set` and `--boundary` into typed values before any
//! command runs.

use super::check::CheckArgs;
use super::diff::DiffArgs;
use clap::{Parser, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "busbar",
    version,
    disable_help_subcommand = true,
    about = "Stability and transient simulator for 800 VDC / 48 VDC AI data-centre power systems",
    after_help = "Examples:\n  busbar simulate circuits/nvl72_rack.ron scenarios/step_30_100.ron -o out --plot\n  busbar validate circuits/hall.ron\n  busbar export circuits/busway_row.ron -s scenarios/row_step.ron --spice row.cir"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Machine-readable JSON on stdout instead of tables; an error is then
    /// one line of JSON on stderr (kind, message, causes, file, line,
    /// column, help), with the same exit status.
    #[arg(long, global = true)]
    pub json: bool,
    /// Raise (or lower) a budget, `NAME=VALUE`, repeatable:
    /// `elements`, `output-values`, `breakpoints`, `frequency-points` or
    /// `input-bytes` (their defaults: `busbar help commands`). Example:
    /// `--budget elements=1e7`.
    #[arg(long = "budget", global = true, value_name = "NAME=VALUE", value_parser = busbar::budget::parse_setting)]
    pub budgets: Vec<(busbar::budget::Budget, u64)>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a transient: waveforms.csv, summary.json and a table on stdout.
    /// When the engine fails part-way, both files hold the part computed
    /// and summary.json its `failure`; the exit status is then 2.
    #[command(
        after_help = "Exit status: 0 done, 1 --verify found a difference above 1e-4 of nominal, 2 error.\n\nExamples:\n  busbar simulate circuits/nvl72_rack.ron scenarios/step_30_100.ron -o out --plot\n  busbar simulate circuits/hall.ron scenarios/hall_step.ron -o out --verify"
    )]
    Simulate {
        /// Circuit file (RON).
        circuit: PathBuf,
        /// Scenario file (RON).
        scenario: PathBuf,
        /// Output folder for waveforms.csv, summary.json and plots.
        #[arg(short, long, default_value = "busbar-out")]
        output: PathBuf,
        /// Also write the figures (PNG and SVG): one waveform figure per bus
        /// group and the stability figures at the final load (pole map,
        /// loop gains, bus and interface impedances), as `stability --plot`.
        #[arg(long)]
        plot: bool,
        /// Rerun at rtol and atol 100× tighter and report the largest
        /// difference per recorded node as a fraction of its nominal
        /// voltage; exit 1 when one exceeds 1e-4.
        #[arg(long)]
        verify: bool,
        /// With --plot, also draw every waveform figure zoomed into T0:T1,
        /// seconds with SI prefixes as in circuit files (`38m:46m`, `10:10.5`);
        /// repeatable. Windows around events and the extremes limits judged
        /// are drawn anyway.
        #[arg(long, value_name = "T0:T1", value_parser = parse_zoom, requires = "plot")]
        zoom: Vec<Zoom>,
        #[command(flatten)]
        set: Overrides,
    },
    /// Run a study and write one self-contained HTML report: verdicts,
    /// circuit, scenario, metrics, stability, all plots and the inputs.
    /// With --json, also print the run's summary as `simulate` writes it.
    #[command(
        after_help = "Examples:\n  busbar report circuits/nvl72_rack.ron scenarios/step_30_100.ron -o report.html --figures figures\n  busbar report circuits/orv3_48v_rack.ron scenarios/orv3/s4_ac_loss.ron --zoom 38m:46m\n\nThe report's date is the time of the run, or SOURCE_DATE_EPOCH (seconds since 1970, UTC) when set, so that the same inputs give the same bytes."
    )]
    Report {
        /// Circuit file (RON).
        circuit: PathBuf,
        /// Scenario file (RON).
        scenario: PathBuf,
        /// The HTML file to write.
        #[arg(short, long, default_value = "report.html")]
        output: PathBuf,
        /// Also write every figure as PNG and SVG into this folder.
        #[arg(long, value_name = "DIR")]
        figures: Option<PathBuf>,
        /// Stability boundary: least damping against PARAM over [LO, HI],
        /// with the value where it reaches ζ = 0.05 marked.
        #[arg(long, value_name = "PARAM=LO:HI", value_parser = parse_boundary)]
        boundary: Option<Boundary>,
        /// Also draw every waveform figure zoomed into T0:T1, seconds with
        /// SI prefixes as in circuit files (`38m:46m`, `10:10.5`);
        /// repeatable. Windows around events and the extremes limits judged
        /// are drawn anyway.
        #[arg(long, value_name = "T0:T1", value_parser = parse_zoom)]
        zoom: Vec<Zoom>,
        #[command(flatten)]
        set: Overrides,
    },
    /// Parse and compile a circuit; print its size and any lint warnings.
    #[command(after_help = "Example:\n  busbar validate circuits/hall.ron")]
    Validate {
        circuit: PathBuf,
        #[command(flatten)]
        set: Overrides,
    },
    /// Small-signal stability: operating point, modes with participation,
    /// loop gains, bus impedance and interface minor-loop gains.
    #[command(
        after_help = "Exit status: 0 every mode stable, 1 a mode has a positive real part, 2 error.\n\nExamples:\n  busbar stability circuits/busway_row.ron\n  busbar stability circuits/nvl72_rack.ron -s scenarios/step_30_100.ron --at 0.02 --json\n  busbar stability circuits/busway_row.ron --sensitivity c_src --boundary p_rack=50e3:2e6"
    )]
    Stability(super::stability::StabilityArgs),
    /// Write the averaged model in another tool's format.
    #[command(
        after_help = "Example:\n  busbar export circuits/busway_row.ron -s scenarios/row_step.ron --spice row.cir\n  busbar export circuits/hall.ron -s scenarios/hall_step.ron --spice hall.cir --spice-style linear"
    )]
    Export {
        circuit: PathBuf,
        /// Scenario whose loads, events, duration and overrides to include.
        #[arg(short, long)]
        scenario: Option<PathBuf>,
        /// Write an ngspice deck with behavioural sources.
        #[arg(long, value_name = "FILE", required_unless_present = "state_space")]
        spice: Option<PathBuf>,
        /// Write the linearised state-space model (A, B, C, D with names) as JSON.
        #[arg(long, value_name = "FILE")]
        state_space: Option<PathBuf>,
        /// Time at which the scenario's loads set the operating point (state space), s.
        #[arg(long, default_value_t = 0.0, value_name = "T", value_parser = non_negative, allow_hyphen_values = true)]
        at: f64,
        /// File the deck's `wrdata` writes its waveforms to.
        #[arg(long, value_name = "FILE", default_value = "ngspice-out.txt")]
        spice_output: PathBuf,
        /// ngspice relative tolerance.
        #[arg(long, default_value_t = 1e-7, value_parser = positive, allow_hyphen_values = true)]
        reltol: f64,
        /// How the deck writes a Dcx's input: `behavioural` (one B source,
        /// i/N + P_nl/v) or `linear` (an F source for i/N, as a deck is
        /// written by hand, and a B source for the no-load loss only).
        #[arg(long, value_name = "STYLE", default_value = "behavioural")]
        spice_style: busbar::export::spice::SpiceStyle,
        #[command(flatten)]
        set: Overrides,
    },
    /// Run scenarios and judge their limits: exit 0 all pass, 1 a limit
    /// failed (also before an engine failure stopped the run), 2 an input
    /// or numerical error, or a stopped run on which no limit failed.
    #[command(
        after_help = "Examples:\n  busbar check scenarios/*.ron --junit check.xml\n  busbar check --limits scenarios/limits/orv3_48v.ron scenarios/step_30_100.ron\n  busbar check scenarios/step_30_100.ron --golden golden --bless\n  busbar check scenarios/hall_step.ron --verify"
    )]
    Check(CheckArgs),
    /// Print the metrics and margins that changed between two result files.
    #[command(
        after_help = "Example:\n  busbar diff before/summary.json after/summary.json\n  min bus800: 788.20 V → 781.00 V (-7.200 V)"
    )]
    Diff(DiffArgs),
    /// Run a sweep file: grid, corners or Monte Carlo points on all cores;
    /// writes points.csv, sweep.json, figures and worst.ron. Or merge the
    /// folders of its shards.
    #[command(
        after_help = "Exit status: 0 the sweep ran (failing points are results, not errors), 2 error.\n\nExamples:\n  busbar sweep scenarios/sweeps/nvl72_storage.ron -o out/storage\n  busbar sweep scenarios/sweeps/nvl72_storage.ron -o out/2 --shard 2/4 --jobs 2\n  busbar sweep merge out/1 out/2 out/3 out/4 -o out/all\n  busbar sweep scenarios/sweeps/nvl72_storage.ron -o out/storage --emit slurm --shards 8\n  out/storage/submit-slurm.sh"
    )]
    Sweep(super::sweep::SweepArgs),
    /// The smallest (or with --max the largest) value of one parameter for
    /// which every limit of the scenario passes, by bisection.
    #[command(
        after_help = "Exit status: 0 found, 2 error (including: the passing end of the range fails).\n\nExample:\n  busbar size circuits/nvl72_rack.ron scenarios/nvl72/s1_step.ron --param e_store=100:4700"
    )]
    Size(super::sweep::SizeArgs),
    /// The reference: components and their fields (unit, default, range),
    /// limit kinds, load profiles, events, record entries, file formats,
    /// or a command's own help.
    #[command(
        after_help = "Examples:\n  busbar help\n  busbar help components\n  busbar help Converter\n  busbar help limits\n  busbar help profiles\n  busbar help events\n  busbar help sweep merge"
    )]
    Help {
        /// `components`, `limits`, `profiles`, `events`, `record`,
        /// `circuit`, `scenario`, `sweep-file`, `commands`, a type such
        /// as `Converter` or `MinVoltage`, or a command such as `simulate`.
        topic: Vec<String>,
        /// Write the reference pages (Markdown) into DIR instead, e.g.
        /// `docs/reference`.
        #[arg(long, value_name = "DIR", hide = true)]
        write_reference: Option<PathBuf>,
    },
}

/// `--set NAME=VALUE`, repeatable: parameter or `component.field`
/// overrides on top of the scenario's.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Overrides {
    /// Parameter or `component.field` override, `name=value`, on top of
    /// the scenario's (repeatable; globs allowed in the component part:
    /// `--set '*.cbus.farads=2e-3'`).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, f64)>,
}

impl Overrides {
    pub fn map(&self) -> BTreeMap<String, f64> {
        self.set.iter().cloned().collect()
    }
}

/// A boundary search: the parameter and its range.
pub type Boundary = (String, f64, f64);
/// A zoom window, seconds from the start of the run.
pub type Zoom = (f64, f64);

/// Parses `NAME=VALUE` with a finite number.
pub fn parse_set(s: &str) -> Result<(String, f64), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected NAME=VALUE"))?;
    let v: f64 = v
        .trim()
        .parse()
        .map_err(|_| format!("`{s}`: `{v}` is not a number"))?;
    if !v.is_finite() {
        return Err(format!("`{s}`: the value must be finite"));
    }
    Ok((k.trim().to_string(), v))
}

/// Parses `PARAM=LO:HI` with finite bounds.
pub fn parse_boundary(s: &str) -> Result<Boundary, String> {
    let bad = || format!("`{s}`: expected PARAM=LO:HI, e.g. `load.watts=100e3:2e6`");
    let (key, range) = s.split_once('=').ok_or_else(bad)?;
    let (lo, hi) = range.split_once(':').ok_or_else(bad)?;
    let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
    let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
    if !lo.is_finite() || !hi.is_finite() {
        return Err(format!("`{s}`: the bounds must be finite numbers"));
    }
    Ok((key.trim().to_string(), lo, hi))
}

/// Parses a zoom window `T0:T1` in seconds: numbers as in circuit files,
/// SI prefixes included (`38m:46m`), with an optional trailing `s`
/// (`38ms:46ms`). T0 must be ≥ 0 and before T1; whether the run reaches
/// T1 is checked against the scenario.
pub fn parse_zoom(s: &str) -> Result<Zoom, String> {
    let expected = "expected T0:T1 in seconds, e.g. `38m:46m`";
    let (a, b) = s
        .split_once(':')
        .ok_or_else(|| format!("`{s}`: {expected}"))?;
    let time = |text: &str| -> Result<f64, String> {
        let t = text.trim();
        let t = t.strip_suffix('s').unwrap_or(t);
        let root = busbar::netlist::params::Scope::root(BTreeMap::new());
        match busbar::netlist::expr::evaluate(t, &root) {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(format!("`{s}`: `{text}` is not a finite time; {expected}")),
            Err(e) => Err(format!(
                "`{s}`: `{text}` is not a time ({}); {expected}",
                e.0
            )),
        }
    };
    let (t0, t1) = (time(a)?, time(b)?);
    if t0 < 0.0 {
        return Err(format!("`{s}`: the window starts before the run (t = 0)"));
    }
    if t0 >= t1 {
        return Err(format!("`{s}`: T0 must come before T1"));
    }
    Ok((t0, t1))
}

/// A number that parses and is finite; `what` says what else it must be.
fn finite_where(s: &str, what: &str, ok: impl Fn(f64) -> bool) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && ok(x) => Ok(x),
        _ => Err(format!("expected {what}, got `{s}`")),
    }
}

/// A finite number ≥ 0: a time, a tolerance.
pub fn non_negative(s: &str) -> Result<f64, String> {
    finite_where(s, "a finite number ≥ 0", |x| x >= 0.0)
}

/// A finite number > 0: a frequency, a tolerance.
pub fn positive(s: &str) -> Result<f64, String> {
    finite_where(s, "a finite number > 0", |x| x > 0.0)
}

/// A damping-ratio threshold, 0 to 1.
pub fn damping_ratio(s: &str) -> Result<f64, String> {
    finite_where(s, "a damping ratio from 0 to 1", |x| {
        (0.0..=1.0).contains(&x)
    })
}

/// Sweep points per decade: 1 to 10 000 (a denser sweep resolves nothing
/// more and costs memory in proportion).
pub fn per_decade(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from 1 to 10000, got `{s}`"
        )),
    }
}

/// Worker threads: 0 (one per core) to 1024.
pub fn jobs(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n <= 1024 => Ok(n),
        _ => Err(format!(
            "expected a whole number of threads from 0 (one per core) to 1024, got `{s}`"
        )),
    }
}
