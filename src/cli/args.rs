//! Argument definitions, with examples in the help text.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "busbar",
    version,
    about = "Stability and transient simulator for 800 VDC / 48 VDC AI data-centre power systems",
    after_help = "Examples:\n  busbar simulate circuits/nvl72_rack.ron scenarios/step_30_100.ron -o out --plot\n  busbar validate circuits/hall.ron\n  busbar export circuits/nvl72_rack.ron -s scenarios/step_30_100.ron --spice rack.cir"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Machine-readable JSON on stdout instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a transient: waveforms.csv, summary.json and a table on stdout.
    #[command(
        after_help = "Example:\n  busbar simulate circuits/nvl72_rack.ron scenarios/step_30_100.ron -o out --plot"
    )]
    Simulate {
        /// Circuit file (RON).
        circuit: PathBuf,
        /// Scenario file (RON).
        scenario: PathBuf,
        /// Output folder for waveforms.csv, summary.json and plots.
        #[arg(short, long, default_value = "busbar-out")]
        output: PathBuf,
        /// Also write one waveform figure per bus group (PNG and SVG).
        #[arg(long)]
        plot: bool,
    },
    /// Parse and compile a circuit; print its size and any lint warnings.
    #[command(after_help = "Example:\n  busbar validate circuits/hall.ron")]
    Validate {
        circuit: PathBuf,
        /// Parameter or `component.field` overrides, `name=value`.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
    },
    /// Write the averaged model in another tool's format.
    #[command(
        after_help = "Example:\n  busbar export circuits/nvl72_rack.ron -s scenarios/step_30_100.ron --spice rack.cir"
    )]
    Export {
        circuit: PathBuf,
        /// Scenario whose loads, events, duration and overrides to include.
        #[arg(short, long)]
        scenario: Option<PathBuf>,
        /// Write an ngspice deck with behavioural sources.
        #[arg(long, value_name = "FILE")]
        spice: PathBuf,
        /// File the deck's `wrdata` writes its waveforms to.
        #[arg(long, value_name = "FILE", default_value = "ngspice-out.txt")]
        spice_output: PathBuf,
        /// ngspice relative tolerance.
        #[arg(long, default_value_t = 1e-7)]
        reltol: f64,
    },
}
