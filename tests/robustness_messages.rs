//! Messages that name a cause, a place and a fix (issue: poor messages),
//! control characters kept off the terminal, a byte-order mark accepted,
//! errors as JSON under `--json`, and a load that starts in UVLO with a
//! zero delay simply off from the start.

mod common;

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn busbar(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("busbar").expect("binary");
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

/// Writes `files` into a new folder, runs `args` there, and returns the
/// exit code and stderr.
fn run_in(files: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write");
    }
    let out = busbar(dir.path()).args(args).output().expect("runs");
    (
        out.status.code(),
        flat(&String::from_utf8_lossy(&out.stderr)),
    )
}

/// A diagnostic with its line wrapping and box drawing undone, so that a
/// phrase can be looked for whatever the terminal width.
fn flat(text: &str) -> String {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ")
}

const RC: &str = r#"Circuit(name: "rc", components: [
  VoltageSource(name: "src", pos: "a", volts: 48.0),
  Resistor(name: "r", a: "a", b: "bus", ohms: 0.1),
  Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 1e-3),
  Load(name: "ld", node: "bus", watts: 500.0, model: Resistive(volts: 48.0)),
])
"#;

const PLAIN: &str = r#"Scenario(name: "p", duration: 1e-3, sample: 1e-5, record: ["bus"])
"#;

#[test]
fn uvlo_with_no_delay_on_a_load_below_its_threshold_keeps_it_off_from_the_start() {
    // 45 V source, threshold 47 V: the load is locked out before t = 0,
    // so the operating point has no load current and the bus sits at 45 V.
    let circuit = |volts: f64| {
        format!(
            r#"Circuit(name: "uv", components: [
            VoltageSource(name: "src", pos: "a", volts: {volts}),
            Resistor(name: "r", a: "a", b: "gpu", ohms: 0.1),
            Capacitor(name: "c", a: "gpu", b: "gnd", farads: 1e-3),
            Load(name: "gpu", node: "gpu", watts: 2000.0, model: ConstantCurrent(volts: 48.0),
                 uvlo: (volts: 47.0, seconds: 0.0)),
        ])"#
        )
    };
    let scenario = r#"Scenario(name: "s", duration: 1e-3, sample: 1e-5, rtol: 1e-9, atol: 1e-9,
        record: ["gpu", "i(gpu)"])"#;
    let w = common::run(&circuit(45.0), scenario);
    assert_eq!(common::event_time(&w, "gpu", "uvlo trip"), 0.0);
    for (k, v) in common::column(&w, "v(gpu)").iter().enumerate() {
        assert!((v - 45.0).abs() < 1e-9, "v(gpu) = {v} at sample {k}");
    }
    assert!(common::column(&w, "i(gpu)").iter().all(|i| *i == 0.0));
    // 48 V source: drawing 41.7 A the load would sit at 43.8 V, below its
    // threshold, so it trips at t = 0 and stays off: the bus is at 48 V.
    let w = common::run(&circuit(48.0), scenario);
    assert_eq!(common::event_time(&w, "gpu", "uvlo trip"), 0.0);
    let v = common::column(&w, "v(gpu)");
    assert!(v.iter().all(|v| (v - 48.0).abs() < 1e-9), "{:?}", &v[..3]);
}

#[test]
fn a_set_the_component_cannot_take_fails_at_the_event_in_the_scenario() {
    let set = r#"Scenario(name: "s", duration: 1e-3, sample: 1e-5,
  events: [Set(at: 5e-4, component: "cbus", field: "farads", value: -1.0)],
  record: ["bus"])
"#;
    let (code, err) = run_in(
        &[("c.ron", RC), ("s.ron", set)],
        &["simulate", "c.ron", "s.ron", "-o", "o"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("s.ron:2:"), "{err}");
    assert!(
        err.contains("`cbus` (a Capacitor) takes no `Set` of `farads`"),
        "{err}"
    );
    assert!(err.contains("no scenario action at all"), "{err}");
    assert!(!err.contains("Set {"), "a Debug dump: {err}");
    // A field the component does not take, and the list of those it does.
    let volts = set.replace("cbus", "ld").replace("farads", "volts");
    let (code, err) = run_in(
        &[("c.ron", RC), ("s.ron", &volts)],
        &["simulate", "c.ron", "s.ron", "-o", "o"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`ld` (a Load) takes no `Set` of `volts`; it takes `Trip`"),
        "{err}"
    );
}

#[test]
fn a_current_source_into_a_capacitor_is_diagnosed_as_having_no_dc_path() {
    let circuit = r#"Circuit(name: "ic", components: [
  CurrentSource(name: "is", from: "gnd", to: "bus", amps: 1.0),
  Capacitor(name: "c", a: "bus", b: "gnd", farads: 1e-3),
])
"#;
    let (code, err) = run_in(
        &[("c.ron", circuit), ("s.ron", PLAIN)],
        &["simulate", "c.ron", "s.ron", "-o", "o"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("nothing conducts at DC at node `bus`"),
        "{err}"
    );
    assert!(err.contains("`c`, `is`"), "{err}");
    assert!(err.contains("start: Zero"), "{err}");
    assert!(!err.contains("beyond what its source can deliver"), "{err}");
}

#[test]
fn a_loop_through_a_cable_suggests_what_a_cable_can_take() {
    let circuit = r#"Circuit(name: "cab", components: [
  VoltageSource(name: "src", pos: "a", neg: "b", volts: 800.0),
  Capacitor(name: "ca", a: "a", b: "gnd", farads: 1e-6),
  Cable(name: "bw", a: "b", b: "end", ohms: 4e-3, henries: 8e-6, farads: 20e-9, sections: 2),
  Resistor(name: "rl", a: "end", b: "gnd", ohms: 10.0),
  Resistor(name: "rb", a: "a", b: "gnd", ohms: 10.0),
])
"#;
    let (code, err) = run_in(&[("c.ron", circuit)], &["validate", "c.ron"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("a Cable (`bw`) takes no ESR"), "{err}");
    assert!(err.contains("Resistor or an Inductor in series"), "{err}");
}

#[test]
fn an_edge_shorter_than_the_smallest_step_names_the_load_and_its_profile() {
    let step = r#"Scenario(name: "st", duration: 1e-3, sample: 1e-5,
  loads: [(target: "ld", profile: Step(from: 0.3, to: 1.0, at: 1e-20))],
  record: ["bus"])
"#;
    let (code, err) = run_in(
        &[("c.ron", RC), ("s.ron", step)],
        &["simulate", "c.ron", "s.ron", "-o", "o"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("s.ron:2:"), "{err}");
    assert!(
        err.contains("load `ld`: its Step profile has a corner at t = "),
        "{err}"
    );
    assert!(!err.contains("step size fell below"), "{err}");
}

#[test]
fn an_interface_at_a_bare_capacitor_says_why_and_names_the_candidates() {
    let (code, err) = run_in(
        &[("c.ron", RC)],
        &["stability", "c.ron", "--interface", "cbus"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`cbus` (Capacitor) cannot be an interface"),
        "{err}"
    );
    assert!(!err.contains("numerically singular"), "{err}");
}

#[test]
fn a_byte_order_mark_is_accepted_in_every_ron_input() {
    let bom = |t: &str| format!("\u{feff}{t}");
    let limits = "LimitSet(name: \"l\", limits: [MinVoltage(node: \"bus\", volts: 40.0)])\n";
    let (code, err) = run_in(
        &[
            ("c.ron", &bom(RC)),
            ("s.ron", &bom(PLAIN)),
            ("l.ron", &bom(limits)),
        ],
        &["check", "-c", "c.ron", "s.ron", "--limits", "l.ron"],
    );
    assert_eq!(code, Some(0), "{err}");
    // Positions still count from the first visible character.
    let broken = bom(&RC.replace("ohms: 0.1", "ohms: ]"));
    let (code, err) = run_in(&[("c.ron", &broken)], &["validate", "c.ron"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("c.ron:3:"), "{err}");
}

#[test]
fn control_characters_in_names_are_refused_where_they_are_written() {
    let escape = RC.replace("name: \"r\",", "name: \"r\\u{1b}[2J\",");
    let (code, err) = run_in(&[("c.ron", &escape)], &["validate", "c.ron"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("c.ron:3:"), "{err}");
    assert!(err.contains("U+001B"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "a raw escape reached the terminal: {err:?}"
    );
    let bell = PLAIN.replace("name: \"p\"", "name: \"p\\u{7}\"");
    let (code, err) = run_in(
        &[("c.ron", RC), ("s.ron", &bell)],
        &["simulate", "c.ron", "s.ron", "-o", "o"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("s.ron:1:") && err.contains("U+0007"), "{err}");
    assert!(!err.contains('\u{7}'), "{err:?}");
    let title = RC.replace("name: \"rc\"", "name: \"rc\\u{9b}31m\"");
    let (code, err) = run_in(&[("c.ron", &title)], &["validate", "c.ron"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("c.ron:1:") && err.contains("U+009B"), "{err}");
}

#[test]
fn with_json_an_error_is_one_json_line_on_stderr() {
    let broken = RC.replace("ohms: 0.1", "ohms: ]");
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("c.ron"), broken).expect("write");
    let out = busbar(dir.path())
        .args(["--json", "validate", "c.ron"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "stdout carries results only");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&err).expect("JSON");
    assert_eq!(v["kind"], "circuit", "{v}");
    assert_eq!(v["file"], "c.ron", "{v}");
    assert_eq!(v["line"], 3, "{v}");
    assert!(v["column"].as_u64().is_some_and(|c| c > 1), "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    // An error with no place and a help line.
    let out = busbar(dir.path())
        .args(["--json", "validate", "missing.ron"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON");
    assert!(v["file"].is_null() && v["line"].is_null(), "{v}");
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("missing.ron")),
        "{v}"
    );
}

#[test]
fn an_eigen_failure_names_its_states_and_what_to_check() {
    let e = busbar::analysis::stability::StabilityError::Eigen(
        "on the 2 coupled states of `c1`, `l1` (NoConvergence)".into(),
    );
    let text = e.to_string();
    assert!(
        text.starts_with("the eigenvalue decomposition did not converge on the 2 coupled states"),
        "{text}"
    );
}

#[test]
fn a_source_that_would_overflow_the_results_is_refused_at_input() {
    // 1e308 V across 1e300 Ω: i = 1e8 A, but p = v·i overflows to inf
    // (written as `null` in summary.json before). The value is now
    // refused against the physical range of volts, with its place; the
    // check that every recorded value and metric is finite stays behind
    // it (`analysis::finite`, unit-tested there on overflowed metrics).
    let circuit = r#"Circuit(name: "huge", components: [
  VoltageSource(name: "src", pos: "a", volts: 1e308),
  Resistor(name: "r", a: "a", b: "gnd", ohms: 1e3),
])
"#;
    let scenario =
        "Scenario(name: \"p\", duration: 1e-3, sample: 1e-4, record: [\"a\", \"p(src)\"])\n";
    for args in [
        &["simulate", "c.ron", "s.ron", "-o", "o"][..],
        &["check", "s.ron", "-c", "c.ron"][..],
    ] {
        let (code, err) = run_in(&[("c.ron", circuit), ("s.ron", scenario)], args);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("c.ron:2:")
                && err.contains("`volts` = 1e308 V is outside the physical range"),
            "{err}"
        );
    }
}

#[test]
fn with_json_a_refused_command_line_is_json_too() {
    // clap's own refusals (an unknown flag, a number out of range) come
    // as the same one-line JSON, kind `usage`, with clap's exit code.
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, needle) in [
        (
            &["simulate", "--json", "--bogus"][..],
            "unexpected argument '--bogus'",
        ),
        (
            &["--json", "stability", "c.ron", "--f-max", "inf"][..],
            "expected a finite number > 0",
        ),
    ] {
        let out = busbar(dir.path()).args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        let v: serde_json::Value = serde_json::from_str(&err).expect("JSON");
        assert_eq!(v["kind"], "usage", "{v}");
        assert!(
            v["message"].as_str().is_some_and(|m| m.contains(needle)),
            "{v}"
        );
    }
    // Without --json, clap's text as before; help is not an error.
    let out = busbar(dir.path())
        .args(["simulate", "--bogus"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: unexpected argument"));
    let out = busbar(dir.path())
        .args(["--json", "help", "simulate"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_byte_order_mark_is_accepted_in_trace_csv_and_diff_inputs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| fs::write(dir.path().join(name), text).expect("write");
    write("c.ron", RC);
    write("t.csv", "\u{feff}t,pu\n0,0.5\n1e-3,1.0\n");
    write(
        "s.ron",
        "Scenario(name: \"t\", duration: 1e-3, sample: 1e-5, record: [\"bus\"], \
         loads: [(target: \"ld\", profile: Trace(file: \"t.csv\", time: \"t\", value: \"pu\"))])\n",
    );
    let out = busbar(dir.path())
        .args(["simulate", "c.ron", "s.ron", "-o", "o", "--quiet"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = fs::read_to_string(dir.path().join("o/summary.json")).expect("summary");
    write("a.json", &format!("\u{feff}{summary}"));
    let out = busbar(dir.path())
        .args(["diff", "a.json", "o/summary.json", "--exit-code"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
