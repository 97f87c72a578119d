//! Bad input gets a clear error naming the place and the cause, and exit
//! code 2 — never a panic. One test per kind of mistake a user makes.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const GOOD_CIRCUIT: &str = r#"Circuit(
    name: "small",
    buses: { "bus": (nominal: 800.0) },
    components: [
        VoltageSource(name: "grid", pos: "src", volts: 800.0),
        Inductor(name: "lfeed", a: "src", b: "bus", henries: 5e-6, ohms: 2e-3),
        Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 1e-3),
        Load(name: "gpu", node: "bus", watts: 100e3, model: ConstantPower(min_volts: 400.0), bandwidth_hz: 3e3),
    ],
)"#;

const GOOD_SCENARIO: &str = r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5,
    loads: [(target: "gpu", profile: Step(from: 0.3, to: 1.0, at: 1e-3, rise: 1e-4))])"#;

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        Case {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("dir");
        }
        std::fs::write(&p, text).expect("write");
        p
    }
}

fn simulate(circuit: &Path, scenario: &Path, out: &Path) -> assert_cmd::assert::Assert {
    Command::cargo_bin("busbar")
        .expect("binary")
        .arg("simulate")
        .arg(circuit)
        .arg(scenario)
        .arg("-o")
        .arg(out)
        .env("NO_COLOR", "1")
        .assert()
}

/// Exit code 2, no panic, and stderr containing every fragment.
fn fails_with(a: assert_cmd::assert::Assert, fragments: &[&str]) {
    let mut a = a.code(2).stderr(predicate::str::contains("panicked").not());
    for f in fragments {
        a = a.stderr(predicate::str::contains(*f));
    }
}

fn with_circuit(circuit: &str, fragments: &[&str]) {
    let c = Case::new();
    let cp = c.file("circuit.ron", circuit);
    let sp = c.file("scenario.ron", GOOD_SCENARIO);
    fails_with(simulate(&cp, &sp, &c.dir.path().join("out")), fragments);
}

fn with_scenario(scenario: &str, fragments: &[&str]) {
    let c = Case::new();
    let cp = c.file("circuit.ron", GOOD_CIRCUIT);
    let sp = c.file("scenario.ron", scenario);
    fails_with(simulate(&cp, &sp, &c.dir.path().join("out")), fragments);
}

#[test]
fn good_input_runs() {
    let c = Case::new();
    let cp = c.file("circuit.ron", GOOD_CIRCUIT);
    let sp = c.file("scenario.ron", GOOD_SCENARIO);
    simulate(&cp, &sp, &c.dir.path().join("out")).success();
    assert!(c.dir.path().join("out/waveforms.csv").exists());
    assert!(c.dir.path().join("out/summary.json").exists());
}

#[test]
fn syntax_error_names_line_and_column() {
    with_circuit(
        &GOOD_CIRCUIT.replace(
            "volts: 800.0),\n        Inductor",
            "volts: 800.0)\n        Inductor",
        ),
        &["circuit.ron:6:"],
    );
}

#[test]
fn unknown_field_lists_expected_fields() {
    with_circuit(
        &GOOD_CIRCUIT.replace("farads: 1e-3", "farad: 1e-3"),
        &["circuit.ron:", "farad", "farads"],
    );
}

#[test]
fn unknown_node_in_scenario_is_named() {
    with_scenario(
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5, record: ["bus", "v(bsu)"])"#,
        &["bsu"],
    );
}

#[test]
fn unknown_component_in_scenario_is_named() {
    with_scenario(
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5, events: [Trip(at: 1e-3, component: "gpu7")])"#,
        &["gpu7"],
    );
}

#[test]
fn load_target_that_matches_nothing_is_an_error() {
    with_scenario(
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5, loads: [(target: "tray*.gpu", profile: Step(from: 0.3, to: 1.0, at: 1e-3))])"#,
        &["tray*.gpu"],
    );
}

#[test]
fn unknown_subcircuit_is_named() {
    with_circuit(
        &GOOD_CIRCUIT.replace(
            "Capacitor(name: \"cbus\"",
            "Instance(name: \"t1\", of: \"tray\", ports: {\"in\": \"bus\"}),\n        Capacitor(name: \"cbus\"",
        ),
        &["tray", "t1"],
    );
}

#[test]
fn bad_expression_is_explained() {
    with_circuit(
        &GOOD_CIRCUIT.replace("farads: 1e-3", "farads: \"2 * c_bus\""),
        &["cbus", "c_bus"],
    );
}

#[test]
fn negative_capacitance_names_component_and_line() {
    with_circuit(
        &GOOD_CIRCUIT.replace("farads: 1e-3", "farads: -1e-3"),
        &["cbus", "farads", "circuit.ron:7:"],
    );
}

#[test]
fn index_two_topology_names_components_and_fix() {
    // An ideal capacitor from the source to the ideally buffered bus: a
    // loop of the source and two capacitors, which no source pins.
    with_circuit(
        &GOOD_CIRCUIT.replace(
            "Inductor(name: \"lfeed\"",
            "Capacitor(name: \"cx\", a: \"src\", b: \"bus\", farads: 1e-6),\n        Inductor(name: \"lfeed\"",
        ),
        &["cx", "grid", "cbus", "loop", "ESR"],
    );
}

#[test]
fn inductor_cut_set_names_the_node() {
    with_circuit(
        r#"Circuit(name: "cut", components: [
            VoltageSource(name: "grid", pos: "src", volts: 800.0),
            CurrentSource(name: "j1", from: "src", to: "mid", amps: 100.0),
            CurrentSource(name: "j2", from: "mid", to: "bus", amps: 100.0),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 1e-3),
            Load(name: "gpu", node: "bus", watts: 1e3, model: ConstantPower(min_volts: 400.0)),
        ])"#,
        &["mid", "cut-set", "capacitance"],
    );
}

#[test]
fn no_equilibrium_beyond_maximum_power() {
    // V²/4R = 800²/(4·0.5) = 320 kW < 400 kW demanded from t = 0.
    let c = Case::new();
    let cp = c.file(
        "circuit.ron",
        &GOOD_CIRCUIT
            .replace("ohms: 2e-3", "ohms: 0.5")
            .replace("watts: 100e3", "watts: 400e3"),
    );
    let sp = c.file(
        "scenario.ron",
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5)"#,
    );
    fails_with(
        simulate(&cp, &sp, &c.dir.path().join("out")),
        &["no DC operating point", "gpu"],
    );
}

#[test]
fn missing_trace_file_is_named() {
    with_scenario(
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5,
            loads: [(target: "gpu", profile: Trace(file: "traces/none.csv", time: "t", value: "pu"))])"#,
        &["none.csv"],
    );
}

#[test]
fn malformed_trace_names_line() {
    let c = Case::new();
    let cp = c.file("circuit.ron", GOOD_CIRCUIT);
    c.file("traces/gpu.csv", "t,pu\n0,0.3\n0.001,abc\n0.002,1.0\n");
    let sp = c.file(
        "scenario.ron",
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5,
            loads: [(target: "gpu", profile: Trace(file: "traces/gpu.csv", time: "t", value: "pu"))])"#,
    );
    fails_with(
        simulate(&cp, &sp, &c.dir.path().join("out")),
        &["gpu.csv:3", "abc"],
    );
}

#[test]
fn dangling_node_suggests_the_near_name() {
    with_circuit(
        &GOOD_CIRCUIT.replace("node: \"bus\"", "node: \"bsu\""),
        &["bsu", "dangling", "bus"],
    );
}

#[test]
fn missing_circuit_file_is_named() {
    let c = Case::new();
    let sp = c.file("scenario.ron", GOOD_SCENARIO);
    fails_with(
        simulate(
            &c.dir.path().join("nope.ron"),
            &sp,
            &c.dir.path().join("out"),
        ),
        &["nope.ron"],
    );
}

#[test]
fn no_event_name_that_the_target_cannot_raise_is_located_with_a_suggestion() {
    with_scenario(
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5,
    limits: [NoEvent(target: "gpu", what: "uvlo trp*")])"#,
        &[
            "scenario.ron:2:37",
            "matches no event",
            "`gpu` can raise",
            "uvlo trip`?",
            "`trip`",
        ],
    );
}

#[test]
fn no_event_on_a_component_that_raises_no_events_is_refused() {
    with_scenario(
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5,
    limits: [NoEvent(target: "cbus")])"#,
        &["scenario.ron:2:22", "raise no events"],
    );
}

#[test]
fn a_load_with_no_source_is_refused_naming_the_load_and_its_node() {
    // Observation: this simulated with exit 0 and a bus at "429.5 GV".
    with_circuit(
        r#"Circuit(name: "no source", buses: { "bus": (nominal: 800.0) }, components: [
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 1e-3),
            Load(name: "gpu", node: "bus", watts: 100e3, model: ConstantPower(min_volts: 400.0)),
        ])"#,
        &["load `gpu` on `bus` has no source", "VoltageSource"],
    );
}

#[test]
fn two_profiles_on_one_load_are_refused_naming_both_entries() {
    with_scenario(
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5,
    loads: [(target: "gpu", profile: Step(from: 0.3, to: 1.0, at: 1e-3)),
            (target: "g*", profile: Step(from: 0.5, to: 1.0, at: 1e-3))])"#,
        &[
            "scenario.ron:3:14",
            "load `gpu` has two profiles",
            "at 2:14",
            "(target `g*`)",
        ],
    );
}

#[test]
fn a_scenario_override_that_matches_nothing_is_located_and_lists_the_components() {
    with_scenario(
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5,
    overrides: {"cbuss.farads": 2e-3})"#,
        &[
            "scenario.ron:2:17",
            "override `cbuss.farads`",
            "`cbuss`;",
            "cbus",
        ],
    );
}
