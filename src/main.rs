//! The `busbar` command: a thin layer over the library. Parses arguments,
//! runs the chosen command and turns errors into diagnostics with exit
//! codes (0 success, 1 a check failed, 2 input or numerical error).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
