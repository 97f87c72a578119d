//! Accuracy you can see: `--verify` reruns at tolerances 100× tighter and
//! fails when a recorded node moves by more than 1e-4 of its nominal; a
//! run whose least-damped mode has ζ < 0.01 is warned about. Both on an
//! 800 V LC feed with a resistive load, where the damping ratio is known
//! in closed form.

use assert_cmd::Command;
use busbar::analysis::stability::{light_damping, CircuitSource, WARN_DAMPING};
use busbar::study::Study;
use std::path::Path;

/// L = 10 µH with series R_s, C = 1 mF, a 50 Ω load, and a 100 A current
/// step at 1 ms that sets the LC ringing.
fn circuit(series_ohms: f64) -> String {
    format!(
        r#"Circuit(name: "lc", components: [
            VoltageSource(name: "v1", pos: "src", volts: 800.0),
            Inductor(name: "l1", a: "src", b: "bus", henries: 10e-6, ohms: {series_ohms}),
            Capacitor(name: "c1", a: "bus", b: "gnd", farads: 1e-3),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: 50.0),
            CurrentSource(name: "step", from: "bus", to: "gnd", amps: 0.0),
        ],
        buses: {{ "bus": (nominal: 800.0) }})"#
    )
}

fn scenario(duration: f64, tolerances: &str) -> String {
    format!(
        r#"Scenario(name: "ring", circuit: "c.ron", duration: {duration}, sample: 1e-5{tolerances},
            events: [Set(at: 1e-3, component: "step", field: "amps", value: 100.0)],
            record: ["bus"])"#
    )
}

/// ζ of the feed: s² + (R_s/L + 1/(R_L·C))·s + (1 + R_s/R_L)/(L·C).
fn damping_ratio(series_ohms: f64) -> f64 {
    let (l, c, r_load) = (10e-6, 1e-3, 50.0);
    let w0 = ((1.0 + series_ohms / r_load) / (l * c)).sqrt();
    (series_ohms / l + 1.0 / (r_load * c)) / (2.0 * w0)
}

fn study(series_ohms: f64, duration: f64) -> Study {
    let source = CircuitSource::from_text(&circuit(series_ohms), Path::new("c.ron"))
        .unwrap_or_else(|e| panic!("circuit: {e}"));
    let sc = busbar::scenario::parse_str(&scenario(duration, ""), Path::new("s.ron"))
        .unwrap_or_else(|e| panic!("scenario: {e}"));
    Study::new(source, Some(sc))
}

#[test]
fn a_lightly_damped_run_is_warned_about_and_a_damped_one_is_not() {
    // R_s = 0.2 mΩ: ζ = R_s/(2·Z₀) + Z₀/(2·R_L) with Z₀ = 0.1 Ω, ≈ 0.002.
    let light = study(2e-4, 5e-3);
    let expected = damping_ratio(2e-4);
    assert!((expected - 0.002).abs() < 1e-4, "ζ {expected}");
    let mode = light_damping(&light.setup(light.final_time()))
        .expect("modes")
        .expect("a mode below the warning threshold");
    assert!(
        (mode.damping - expected).abs() < 1e-6 * expected.max(1e-3),
        "ζ {} vs closed form {expected}",
        mode.damping
    );
    let run = light.simulate(None).expect("run");
    let warning = light.damping_warning(&run).expect("a warning");
    assert!(warning.contains("ζ 0.002"), "{warning}");
    // R_s = 50 mΩ: ζ ≈ 0.25, no warning.
    let damped = study(0.05, 5e-3);
    assert!(damping_ratio(0.05) > 10.0 * WARN_DAMPING);
    let run = damped.simulate(None).expect("run");
    assert_eq!(damped.damping_warning(&run), None);
}

/// Writes the case into a temporary folder and runs `busbar` there.
fn busbar(series_ohms: f64, duration: f64, tolerances: &str, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("c.ron"), circuit(series_ohms)).expect("write");
    std::fs::write(dir.path().join("s.ron"), scenario(duration, tolerances)).expect("write");
    let out = Command::cargo_bin("busbar")
        .expect("binary")
        .current_dir(dir.path())
        .args(args)
        .output()
        .expect("run busbar");
    let code = out.status.code().unwrap_or(-1);
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn worst_fraction(summary: &serde_json::Value) -> f64 {
    summary["verify"]["nodes"][0]["fraction"]
        .as_f64()
        .expect("verify.nodes[0].fraction")
}

#[test]
fn verify_passes_a_resolved_run_and_fails_an_unresolved_one() {
    // Well damped, default tolerances: far inside 1e-4 of 800 V.
    let args = [
        "--json", "simulate", "c.ron", "s.ron", "-o", "out", "--verify",
    ];
    let (code, out) = busbar(0.05, 20e-3, "", &args);
    assert_eq!(code, 0, "{out}");
    let summary: serde_json::Value = serde_json::from_str(&out).expect("json");
    let worst = worst_fraction(&summary);
    assert!(worst < 1e-4, "worst {worst:e}");
    assert_eq!(summary["verify"]["nodes"][0]["nominal"], 800.0);
    assert_eq!(summary["verify"]["nodes"][0]["nominal_from"], "bus");
    let verdict = summary["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .find(|v| v["kind"] == "Verify")
        .expect("a Verify verdict");
    assert_eq!(verdict["status"], "pass");

    // ζ = 0.002 rung for 200 ms (about 300 cycles) at rtol = atol = 1e-3:
    // the phase error of every cycle adds up, the tighter rerun shows it.
    let loose = ", rtol: 1e-3, atol: 1e-3";
    let (code, out) = busbar(2e-4, 0.2, loose, &args);
    assert_eq!(code, 1, "{out}");
    let summary: serde_json::Value = serde_json::from_str(&out).expect("json");
    let worst = worst_fraction(&summary);
    assert!(worst > 1e-4, "worst {worst:e}");
    assert_eq!(summary["verify"]["tight_rtol"], 1e-5);

    // `check` judges it as a failed verdict: exit 1, a FAIL line.
    let (code, out) = busbar(2e-4, 0.2, loose, &["check", "s.ron", "--verify"]);
    assert_eq!(code, 1, "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("Verify ≤"))
        .expect("a Verify line");
    assert!(line.trim_start().starts_with("FAIL"), "{out}");
}
