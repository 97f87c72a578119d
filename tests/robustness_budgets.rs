//! Budgets set before work starts: circuits that expand without end,
//! instance fan-outs, output grids, pulse trains and frequency sweeps
//! beyond their budget end at once in a located message naming the budget
//! and the flag that raises it, and raising the budget lets the same input
//! through. Every run has a deadline, so a hang fails the test instead of
//! stalling CI.

use assert_cmd::Command;
use std::path::Path;
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn busbar() -> Command {
    let mut c = Command::cargo_bin("busbar").expect("binary");
    c.current_dir(ROOT).timeout(Duration::from_secs(20));
    c
}

/// Runs busbar; (exit code, stderr, seconds taken).
fn run(args: &[&str]) -> (Option<i32>, String, f64) {
    let clock = Instant::now();
    let out = busbar().args(args).output().expect("busbar runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        clock.elapsed().as_secs_f64(),
    )
}

/// Refused within `seconds` with exit 2, with every piece of `expected` in
/// the message and no panic.
fn refused_within(args: &[&str], seconds: f64, expected: &[&str]) {
    let (code, stderr, took) = run(args);
    assert_eq!(code, Some(2), "busbar {args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "busbar {args:?}: {stderr}");
    let flat = flatten(&stderr);
    for piece in expected {
        assert!(
            flat.contains(piece),
            "busbar {args:?}: no `{piece}` in {stderr}"
        );
    }
    assert!(took < seconds, "busbar {args:?} took {took:.2} s");
}

/// The message with the diagnostic's line wrapping undone: the frame
/// characters dropped and the lines joined with single spaces.
fn flatten(stderr: &str) -> String {
    let words: Vec<&str> = stderr
        .split_whitespace()
        .filter(|w| !matches!(*w, "│" | "×"))
        .collect();
    words.join(" ")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

/// Item 4: 10⁵ × 10⁵ empty `Repeat`s are 10¹⁰ iterations: refused before
/// the first one, at the outer `Repeat`'s line and column.
#[test]
fn nested_empty_repeats_are_refused_before_they_expand() {
    let dir = tempfile::tempdir().expect("temp dir");
    let c = write(
        dir.path(),
        "c.ron",
        "Circuit(name: \"r\", components: [\n    Repeat(count: 100000, components: [Repeat(count: 100000, components: [])]),\n])\n",
    );
    refused_within(
        &["validate", &c],
        5.0,
        &["c.ron:2:5", "elements", "--budget elements=N"],
    );
    // Counts written as expressions are known only when reached; three
    // levels of them stop as soon as the running count passes the budget.
    let c = write(
        dir.path(),
        "e.ron",
        "Circuit(name: \"r\", params: {\"n\": 100000}, components: [\n    Repeat(count: \"n\", index: \"i\", components: [Repeat(count: \"n\", index: \"j\", components: [Repeat(count: \"n\", index: \"k\", components: [])])]),\n])\n",
    );
    refused_within(&["validate", &c], 5.0, &["e.ron:2:", "elements"]);
}

/// A budget raised on the command line admits what the default refuses,
/// and a lowered one refuses what the default admits.
#[test]
fn the_elements_budget_is_what_decides() {
    let dir = tempfile::tempdir().expect("temp dir");
    let c = write(
        dir.path(),
        "c.ron",
        "Circuit(name: \"r\", components: [\n    VoltageSource(name: \"v\", pos: \"a\", volts: 1.0),\n    Resistor(name: \"r\", a: \"a\", b: \"gnd\", ohms: 1.0),\n    Repeat(count: 1000, components: [Repeat(count: 1000, components: [])]),\n])\n",
    );
    // 2 primitives, 1 + 1000 × (1 + 1 + 1000) elements of Repeat.
    let (code, stderr, _) = run(&["validate", &c]);
    assert_eq!(code, Some(0), "{stderr}");
    refused_within(
        &["--budget", "elements=1000000", "validate", &c],
        5.0,
        &["1002003 elements", "the `elements` budget is 1000000"],
    );
    let (code, stderr, _) = run(&["--budget", "elements=1002003", "validate", &c]);
    assert_eq!(code, Some(0), "{stderr}");
}

/// Item 5: instances count. A 2⁴⁰ fan-out (each level two instances of
/// the one below) and 10¹⁰ instances of an empty subcircuit are refused at
/// once, at the instance or `Repeat` that would build them.
#[test]
fn instance_fan_outs_are_counted_before_they_expand() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut subs = String::from("\"l0\": Subcircuit(ports: [], components: []),\n");
    for k in 1..=40 {
        subs.push_str(&format!(
            "\"l{k}\": Subcircuit(ports: [], components: [Instance(name: \"a\", of: \"l{}\"), Instance(name: \"b\", of: \"l{}\")]),\n",
            k - 1,
            k - 1
        ));
    }
    let c = write(
        dir.path(),
        "fan.ron",
        &format!(
            "Circuit(name: \"fan\", subcircuits: {{\n{subs}}}, components: [\n    Instance(name: \"top\", of: \"l40\"),\n])\n"
        ),
    );
    refused_within(
        &["validate", &c],
        5.0,
        &["fan.ron:44:", "instance of `l40`", "elements"],
    );
    let c = write(
        dir.path(),
        "many.ron",
        "Circuit(name: \"m\", subcircuits: {\"e\": Subcircuit(ports: [], components: [])}, components: [\n    Repeat(count: 100000, index: \"i\", components: [Repeat(count: 100000, index: \"j\", components: [Instance(name: \"x{i}_{j}\", of: \"e\")])]),\n])\n",
    );
    refused_within(&["validate", &c], 5.0, &["many.ron:2:5", "elements"]);
}

/// Item 6: the nominal voltage of a node is found by lookup, not by a scan
/// of every declared bus, so a row with a bus pair per rack validates in
/// time linear in the racks.
#[test]
fn racks_with_their_own_buses_validate_in_linear_time() {
    let time = |racks: u32| {
        let set = format!("n_racks={racks}");
        let (code, stderr, took) = run(&[
            "--quiet",
            "validate",
            "circuits/busway_row.ron",
            "--set",
            &set,
        ]);
        assert_eq!(code, Some(0), "{stderr}");
        took
    };
    let small = time(2000);
    let large = time(8000);
    assert!(large < 3.0, "8000 racks took {large:.2} s");
    // Linear: 4× the racks in about 4× the time (a quadratic lookup gave
    // 12×); the slack covers process start-up and a busy machine.
    assert!(
        large < 4.0 * small + 1.0,
        "2000 racks {small:.2} s, 8000 racks {large:.2} s"
    );
}

/// Item 7: the output grid counts its columns. 20 ns samples over 1 s on
/// the rack are 4.8·10⁷ samples × every recorded column: refused before
/// the run, at the scenario's `sample`.
#[test]
fn an_output_grid_beyond_the_budget_is_refused_before_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let circuit = Path::new(ROOT).join("circuits/nvl72_rack.ron");
    let s = write(
        dir.path(),
        "s.ron",
        &format!(
            "Scenario(name: \"fine\", circuit: \"{}\",\n    duration: 1.0,\n    sample: 2.1e-8,\n)\n",
            circuit.display()
        ),
    );
    let out = dir.path().join("out");
    let out = out.to_string_lossy();
    refused_within(
        &["simulate", &circuit.to_string_lossy(), &s, "-o", &out],
        10.0,
        &[
            "s.ron:3:",
            "output-values",
            "--budget output-values=N",
            "columns",
        ],
    );
}

/// Item 11: a 1 µs pulse train over 1 s is 4·10⁶ integrator restarts;
/// refused when the scenario is read, naming the period.
#[test]
fn a_pulse_train_beyond_the_budget_is_refused_with_its_period() {
    let dir = tempfile::tempdir().expect("temp dir");
    let circuit = Path::new(ROOT).join("circuits/nvl72_rack.ron");
    let s = write(
        dir.path(),
        "p.ron",
        &format!(
            "Scenario(name: \"pulses\", circuit: \"{}\", duration: 1.0, sample: 1e-3, loads: [\n    (target: \"*gpu*\", profile: Pulse(low: 0.3, high: 1.0, period: 1e-6, duty: 0.5)),\n])\n",
            circuit.display()
        ),
    );
    let out = dir.path().join("out");
    refused_within(
        &[
            "simulate",
            &circuit.to_string_lossy(),
            &s,
            "-o",
            &out.to_string_lossy(),
        ],
        5.0,
        &[
            "p.ron:2:",
            "`period` 0.000001 s",
            "1000000 cycles",
            "breakpoints",
        ],
    );
}

/// Items 1 and 8: the points of a frequency sweep are counted before they
/// are allocated; the command line refuses infinities, and a finite range
/// too wide for the budget is refused by the analysis.
#[test]
fn frequency_sweeps_are_counted_before_they_are_allocated() {
    use busbar::analysis::stability::default_frequencies;
    assert!(default_frequencies(1.0, f64::INFINITY, 40).is_err());
    assert!(default_frequencies(0.0, 1e6, 40).is_err());
    assert!(default_frequencies(1e3, 1.0, 40).is_err());
    let Err(e) = default_frequencies(1e-300, 1e300, 10_000) else {
        panic!("6·10⁶ points fit the default budget");
    };
    assert!(e.to_string().contains("frequency-points"), "{e}");
    let grid = default_frequencies(1.0, 1e6, 40).expect("a normal grid");
    assert_eq!(grid.len(), 241);
    assert!((grid[240] - 1e6).abs() < 1e-6 && grid[0] == 1.0);
    refused_within(
        &[
            "stability",
            "circuits/busway_row.ron",
            "--f-min",
            "1e-300",
            "--f-max",
            "1e300",
            "--per-decade",
            "10000",
        ],
        10.0,
        &["frequency-points", "--budget frequency-points=N"],
    );
}
