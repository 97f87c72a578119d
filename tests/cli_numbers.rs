//! Every number on the command line is checked by its parser before any
//! work starts: a NaN tolerance or threshold would turn every comparison
//! into a pass, an infinite frequency or a billion points per decade
//! would exhaust memory, and a negative time is not a time. Each is a
//! usage error (exit 2) that says what was expected.

use std::process::Command;

fn busbar(args: &[&str]) -> (Option<i32>, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_busbar"))
        .current_dir(root)
        .args(args)
        .output()
        .expect("busbar runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn refused(args: &[&str], expected: &str) {
    let (code, stderr) = busbar(args);
    assert_eq!(code, Some(2), "busbar {args:?}: {stderr}");
    assert!(stderr.contains(expected), "busbar {args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "busbar {args:?}: {stderr}");
}

#[test]
fn bad_numbers_are_usage_errors_that_say_what_was_expected() {
    let row = "circuits/busway_row.ron";
    refused(&["stability", row, "--f-max", "inf"], "a finite number > 0");
    refused(&["stability", row, "--f-min", "0"], "a finite number > 0");
    refused(
        &["stability", row, "--per-decade", "1000000000"],
        "from 1 to 10000",
    );
    refused(
        &["stability", row, "--damping", "NaN"],
        "a damping ratio from 0 to 1",
    );
    refused(&["stability", row, "--at", "-1"], "a finite number ≥ 0");
    refused(&["stability", row, "--boundary", "p_rack=0:inf"], "finite");
    refused(
        &["export", row, "--state-space", "x.json", "--at", "NaN"],
        "≥ 0",
    );
    refused(
        &["check", "scenarios/row_step.ron", "--rel-tol", "-1e-3"],
        "≥ 0",
    );
    refused(
        &["check", "scenarios/row_step.ron", "--time-tol", "0"],
        "> 0",
    );
    refused(&["diff", "a.json", "b.json", "--rel-tol", "NaN"], "≥ 0");
    refused(&["validate", row, "--set", "p_rack=inf"], "finite");
}

#[test]
fn good_numbers_still_run() {
    let (code, stderr) = busbar(&[
        "--quiet",
        "stability",
        "circuits/busway_row.ron",
        "--f-min",
        "10",
        "--f-max",
        "1e5",
        "--per-decade",
        "10",
        "--damping",
        "0.1",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn thread_counts_and_budgets_are_checked_by_their_parsers() {
    let sweep = "scenarios/sweeps/nvl72_storage.ron";
    refused(
        &["sweep", sweep, "--jobs", "100000"],
        "from 0 (one per core) to 1024",
    );
    refused(
        &["sweep", sweep, "--jobs", "-1"],
        "from 0 (one per core) to 1024",
    );
    let row = "circuits/busway_row.ron";
    refused(&["validate", row, "--budget", "nodes=5"], "is not a budget");
    refused(
        &["validate", row, "--budget", "elements=0"],
        "from 1 to 1e18",
    );
    refused(
        &["validate", row, "--budget", "elements=inf"],
        "from 1 to 1e18",
    );
}
