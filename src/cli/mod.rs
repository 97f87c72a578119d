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
    let args = match args::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => return usage_error(e),
    };
    let json = args.json;
    // faer's own kernels (dense products, inverses, factorisations) split
    // their work by the thread count, which changes rounding; busbar runs
    // independent tasks (loop gains, frequencies, shifts, limits) on the
    // threads instead, so the output is the same for any thread count.
    faer::set_global_parallelism(faer::Par::Seq);
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

/// A command line clap refuses: its own text, or with `--json` anywhere
/// on the line the same one-line JSON as every other error (kind
/// `usage`), so a script never has to parse text. Help and version go to
/// stdout as usual.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let wants_json = std::env::args_os().any(|a| a == "--json");
    if !wants_json || matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    eprintln!("{}", diagnostics::usage_json(&e.render().to_string()));
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}
