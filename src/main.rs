//! The `busbar` command: a thin layer over the library. Parses arguments,
//! runs the chosen command and turns errors into diagnostics with exit
//! codes (0 success, 1 a check failed, 2 input or numerical error).

mod cli;

use std::process::ExitCode;

/// The stack of the pool's threads, which run the whole command: the main
/// thread's usual size, for deeply nested circuit files.
const STACK_BYTES: usize = 8 << 20;

fn main() -> ExitCode {
    // The command runs on a worker of the thread pool (sized as before, by
    // RAYON_NUM_THREADS or the cores), so that the engine's two-way splits
    // start on a worker: from the main thread every `rayon::join` is handed
    // over to the pool and waited for, two thread switches per split and
    // thousands of splits per run of a hall. Which thread runs what does
    // not change any result.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_BYTES)
        .build_global();
    match pool {
        Ok(()) => rayon::scope(|_| cli::main()),
        // No pool of our own: the default one still gives the same results.
        Err(_) => cli::main(),
    }
}
