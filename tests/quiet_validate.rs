//! `busbar validate -q` prints nothing but errors, as `--quiet` promises:
//! a circuit that compiles gives an empty stdout and exit 0, one that does
//! not still gives its error and a non-zero exit.

use std::process::{Command, Output};

fn busbar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_busbar"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("busbar runs")
}

#[test]
fn quiet_validate_prints_nothing_on_success_and_the_error_on_failure() {
    let loud = busbar(&["validate", "circuits/busway_row.ron"]);
    assert!(loud.status.success());
    assert!(String::from_utf8_lossy(&loud.stdout).contains(": ok"));

    let quiet = busbar(&["validate", "-q", "circuits/busway_row.ron"]);
    assert!(quiet.status.success());
    assert!(
        quiet.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stdout)
    );

    let missing = busbar(&["validate", "-q", "circuits/no_such_circuit.ron"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("no_such_circuit.ron"), "{stderr}");
}
