//! Command-line front end: argument definitions (`args`), command
//! implementations (`commands`) and error rendering (`diagnostics`).
//!
//! Owns the process boundary only: no numerics, no file formats.

mod args;
mod check;
mod commands;
mod diagnostics;
mod diff;
mod stability;
mod sweep;
mod sweep_emit;

use clap::Parser;
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let args = args::Cli::parse();
    let json = args.json;
    for &(budget, value) in &args.budgets {
        budget.set(value);
    }
    match commands::run(args) {
        Ok(code) => code,
        Err(report) => {
            diagnostics::print(&report, json);
            ExitCode::from(2)
        }
    }
}
