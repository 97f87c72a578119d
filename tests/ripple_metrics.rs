//! Ripple is the steady periodic part of a bus, not its response to a load
//! step: a known sinusoid plus a step gives p-p = 2·amplitude and a
//! spectrum peak at the ripple frequency; a DC hold reports no ripple
//! (below the solver tolerance), in the metrics, the text table and
//! `summary.json`. Current peaks include the solver's extremes between
//! samples.

use assert_cmd::Command;
use busbar::analysis::limits::{evaluate, Limit, Ripple, Run};
use busbar::analysis::metrics::{analyse, AnalysisOptions};
use busbar::analysis::ripple::WindowKind;
use busbar::analysis::NoSmallSignal;
use busbar::analysis::Status;
use busbar::results::{Column, Extremes, Quantity, SolverStats, Waveforms};
use std::f64::consts::PI;

const NOMINAL: f64 = 50.0;
const AMPLITUDE: f64 = 0.1;
const RIPPLE_HZ: f64 = 1000.0;
const STEP_AT: f64 = 0.05;
const STEP_VOLTS: f64 = 2.0;
const TAU: f64 = 1e-3;

fn waveforms(time: Vec<f64>, columns: Vec<Column>) -> Waveforms {
    Waveforms {
        time,
        columns,
        events: Vec::new(),
        stats: SolverStats::default(),
    }
}

fn voltage(values: Vec<f64>) -> Column {
    Column {
        name: "bus".into(),
        target: "bus".into(),
        quantity: Quantity::Voltage,
        nominal: Some(NOMINAL),
        values: values.into(),
        extremes: None,
    }
}

/// 10 µs samples over 0.1 s: every crest of the 1 kHz sine is a sample.
fn grid() -> Vec<f64> {
    (0..=10_000).map(|k| k as f64 * 1e-5).collect()
}

/// 50 V with a 0.1 V, 1 kHz ripple; at 50 ms the load steps and the bus
/// falls 2 V with a 1 ms time constant.
fn rippled_step(t: f64) -> f64 {
    let step = if t >= STEP_AT {
        STEP_VOLTS * (1.0 - (-(t - STEP_AT) / TAU).exp())
    } else {
        0.0
    };
    NOMINAL + AMPLITUDE * (2.0 * PI * RIPPLE_HZ * t).sin() - step
}

#[test]
fn ripple_is_measured_where_no_load_change_acts() {
    let time = grid();
    let values: Vec<f64> = time.iter().map(|&t| rippled_step(t)).collect();
    let w = waveforms(time, vec![voltage(values)]);
    let m = analyse(&w, &[STEP_AT], &AnalysisOptions::default());
    let node = &m.nodes[0];
    let r = node.ripple.as_ref().expect("a quiet window");
    assert_eq!(r.window_kind, WindowKind::Quiet);
    let (a, b) = r.window;
    assert!(
        b <= STEP_AT || a >= STEP_AT,
        "window {a}–{b} spans the step"
    );
    assert!(
        (r.peak_to_peak - 2.0 * AMPLITUDE).abs() < 1e-9,
        "p-p {} vs {}",
        r.peak_to_peak,
        2.0 * AMPLITUDE
    );
    assert!((r.rms_ac - AMPLITUDE / 2f64.sqrt()).abs() < 1e-3 * AMPLITUDE);
    let line = r.lines[0];
    assert!((line.frequency_hz - RIPPLE_HZ).abs() < 1.0, "{line:?}");
    assert!(
        (line.amplitude - AMPLITUDE).abs() < 1e-3 * AMPLITUDE,
        "{line:?}"
    );
    // The step is the transient deviation, reported apart.
    let deviation = node.worst.deviation.expect("deviation").value;
    assert!(deviation < -STEP_VOLTS + AMPLITUDE, "{deviation}");

    // A `Ripple` limit without a window judges the same quiet windows.
    let limit = |pp: f64| {
        Limit::Ripple(Ripple {
            node: "bus".into(),
            max_pp_volts: pp,
            window: None,
        })
    };
    let run = Run {
        waveforms: &w,
        events: &m.events,
    };
    let v = evaluate(&[limit(0.19), limit(0.21)], run, &mut NoSmallSignal);
    assert_eq!((v[0].status, v[1].status), (Status::Fail, Status::Pass));
}

#[test]
fn a_named_window_is_measured_as_named() {
    let time = grid();
    let values: Vec<f64> = time.iter().map(|&t| rippled_step(t)).collect();
    let w = waveforms(time, vec![voltage(values)]);
    let options = AnalysisOptions {
        ripple_windows: vec![("bus".into(), (0.04, 0.06))],
        ..AnalysisOptions::default()
    };
    let m = analyse(&w, &[STEP_AT], &options);
    let r = m.nodes[0].ripple.as_ref().expect("ripple");
    assert_eq!((r.window, r.window_kind), ((0.04, 0.06), WindowKind::Named));
    assert!(
        r.peak_to_peak > STEP_VOLTS,
        "the named window holds the step"
    );
}

#[test]
fn a_dc_hold_reports_no_ripple() {
    let time = grid();
    // Round-off on a flat bus, as an integrator leaves it.
    let values: Vec<f64> = (0..time.len())
        .map(|k| NOMINAL + 1e-14 * ((k * 7919) % 13) as f64)
        .collect();
    let w = waveforms(time, vec![voltage(values)]);
    let options = AnalysisOptions {
        solver_tolerance: Some((1e-5, 1e-6)),
        ..AnalysisOptions::default()
    };
    let m = analyse(&w, &[], &options);
    let r = m.nodes[0].ripple.as_ref().expect("ripple");
    assert!(r.below_tolerance);
    let tolerance = r.solver_tolerance.unwrap_or(0.0);
    assert!((tolerance - (1e-6 + 1e-5 * NOMINAL)).abs() < 1e-12);
    assert!(r.lines.is_empty(), "{:?}", r.lines);
    let text = busbar::report::metrics_table(&m);
    assert!(text.contains("below solver tolerance (501.0 µV)"), "{text}");
}

const HOLD: &str = r#"Circuit(name: "hold", components: [
    VoltageSource(name: "vs", pos: "src", volts: 50.0),
    Inductor(name: "lf", a: "src", b: "bus", henries: 1e-6, ohms: 0.01),
    Capacitor(name: "cb", a: "bus", b: "gnd", farads: 1e-3),
    Resistor(name: "rl", a: "bus", b: "gnd", ohms: 5.0),
])"#;

/// `busbar simulate` of `circuit` and `scenario` (texts) into `dir/out`.
fn simulate(dir: &std::path::Path, circuit: &str, scenario: &str) -> assert_cmd::assert::Assert {
    let (c, s) = (dir.join("c.ron"), dir.join("s.ron"));
    std::fs::write(&c, circuit).expect("write");
    std::fs::write(&s, scenario).expect("write");
    Command::cargo_bin("busbar")
        .expect("binary")
        .arg("simulate")
        .arg(&c)
        .arg(&s)
        .arg("-o")
        .arg(dir.join("out"))
        .env("NO_COLOR", "1")
        .assert()
}

#[test]
fn the_scenario_names_a_ripple_window() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = r#"Scenario(name: "hold", duration: 0.01, sample: 1e-5, record: ["bus"],
        ripple_window: (0.002, 0.004))"#;
    simulate(dir.path(), HOLD, scenario).code(0);
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).expect("summary");
    let json: serde_json::Value = serde_json::from_str(&summary).expect("json");
    let ripple = &json["metrics"]["nodes"][0]["ripple"];
    assert_eq!(
        ripple["window"],
        serde_json::json!([0.002, 0.004]),
        "{ripple}"
    );
    assert_eq!(ripple["window_kind"], "Named", "{ripple}");

    let backwards = scenario.replace("(0.002, 0.004)", "(0.004, 0.002)");
    let a = simulate(dir.path(), HOLD, &backwards).code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(
        stderr.contains("`ripple_window` (0.004, 0.002) must satisfy"),
        "{stderr}"
    );
    assert!(stderr.contains("s.ron:2:9"), "{stderr}");
}

#[test]
fn a_simulated_dc_hold_says_below_solver_tolerance() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = r#"Scenario(name: "hold", duration: 0.01, sample: 1e-5, record: ["bus"])"#;
    let a = simulate(dir.path(), HOLD, scenario).code(0);
    let out = dir.path().join("out");
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(stdout.contains("below solver tolerance"), "{stdout}");
    let summary = std::fs::read_to_string(out.join("summary.json")).expect("summary");
    let json: serde_json::Value = serde_json::from_str(&summary).expect("json");
    let ripple = &json["metrics"]["nodes"][0]["ripple"];
    assert_eq!(ripple["below_tolerance"], true, "{ripple}");
    assert_eq!(ripple["lines"].as_array().map(Vec::len), Some(0));
}

#[test]
fn current_peak_includes_the_solver_extreme_between_samples() {
    let time = grid();
    let values = vec![10.0; time.len()];
    let mut current = Column {
        name: "i(conv)".into(),
        target: "conv".into(),
        quantity: Quantity::Current,
        nominal: None,
        values: values.into(),
        extremes: None,
    };
    current.extremes = Some(Extremes {
        min: 9.5,
        t_min: 0.020_003,
        max: 12.5,
        t_max: 0.030_004,
    });
    let w = waveforms(time, vec![current]);
    let m = analyse(&w, &[], &AnalysisOptions::default());
    let peak = m.currents[0].peak.expect("peak");
    assert_eq!((peak.value, peak.time), (12.5, 0.030_004));
}
