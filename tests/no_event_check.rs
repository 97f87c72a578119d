//! `NoEvent` judged end to end by `busbar check` on a real run: a 50 V bus
//! whose feed opens, with an ORv3-style BBU ("the BBU must not trigger").
//! A long outage triggers it at the closed-form instant (exit 1, the
//! verdict names the BBU and the time); a dip shorter than the trigger
//! delay does not (exit 0); a target that matches no component is an input
//! error (exit 2), never a silent pass.

use serde_json::Value;
use std::path::Path;

/// 50 V bus fed through a switch, 100 mF, a 100 A load, and a BBU that
/// triggers after 2 ms below 48.5 V.
const CIRCUIT: &str = r#"Circuit(name: "bbu shelf", components: [
    VoltageSource(name: "psu", pos: "src", volts: 50.0),
    Switch(name: "ac", a: "src", b: "bus", on_ohms: 1e-4, off_ohms: 1e15),
    Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 0.1),
    Load(name: "it", node: "bus", watts: 5000.0, model: ConstantCurrent(volts: 50.0)),
    Bbu(name: "bbu", bus: "bus",
        battery: (ocv: [(0.0, 44.0), (1.0, 54.0)], r0: 0.015, r1: 0.01, c1: 3000.0, capacity_ah: 20.0, soc: 1.0),
        rated_watts: 5500.0, volts: 48.0, droop_ohms: 0.005,
        voltage_loop: Bandwidth(hz: 500.0, capacitance: 0.1), current_loop_hz: 5e3, efficiency: 0.97,
        trigger_volts: 48.5, trigger_seconds: 2e-3, start_seconds: 2e-3,
        release_volts: 48.5, release_seconds: 0.2, charge_watts: 265.0, recharge_delay_seconds: 0.05),
])"#;

fn scenario(close_at: f64, target: &str) -> String {
    format!(
        r#"Scenario(name: "feed opens", circuit: "shelf.ron", duration: 0.03, sample: 1e-4,
            rtol: 1e-10, atol: 1e-10,
            events: [Open(at: 1e-3, component: "ac"), Close(at: {close_at:e}, component: "ac")],
            record: ["bus"],
            limits: [NoEvent(target: "{target}", what: "trigger*")])"#
    )
}

fn check(dir: &Path, text: &str) -> (Option<i32>, Value) {
    std::fs::write(dir.join("shelf.ron"), CIRCUIT).expect("circuit");
    let file = dir.join("s.ron");
    std::fs::write(&file, text).expect("scenario");
    let out = assert_cmd::Command::cargo_bin("busbar")
        .expect("binary")
        .args(["check", "--json"])
        .arg(&file)
        .output()
        .expect("runs");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), doc)
}

#[test]
fn no_event_fails_when_the_bbu_triggers_and_passes_when_it_does_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, doc) = check(dir.path(), &scenario(0.02, "bbu"));
    assert_eq!(code, Some(1), "{doc}");
    let v = &doc["scenarios"][0]["verdicts"][0];
    assert_eq!(v["status"], "fail", "{v}");
    assert_eq!(v["target"], "bbu");
    // The bus falls at I/C from 50 − I·R_on and crosses 48.5 V at t_x; the
    // BBU triggers 2 ms later (its trigger delay).
    let (i, c) = (100.0, 0.1);
    let t_x = 1e-3 + (50.0 - i * 1e-4 - 48.5) * c / i;
    let t = v["time"].as_f64().expect("time");
    assert!((t - (t_x + 2e-3)).abs() < 1e-9, "triggered at {t}");

    // Feed back after 2.5 ms: below 48.5 V for ~1 ms only, no trigger.
    let (code, doc) = check(dir.path(), &scenario(3.5e-3, "bbu"));
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc["scenarios"][0]["verdicts"][0]["measured"], 0.0);
}

#[test]
fn no_event_on_a_component_that_does_not_exist_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _) = check(dir.path(), &scenario(0.02, "bbu9"));
    assert_eq!(code, Some(2));
}

#[test]
fn a_misspelt_event_name_is_a_located_error_not_a_silent_pass() {
    // Observation: `what: "triggerd*"` passed with 0 events and exit 0.
    let dir = tempfile::tempdir().expect("temp dir");
    let text = scenario(0.02, "bbu").replace("trigger*", "triggerd*");
    std::fs::write(dir.path().join("shelf.ron"), CIRCUIT).expect("circuit");
    let file = dir.path().join("s.ron");
    std::fs::write(&file, text).expect("scenario");
    let out = assert_cmd::Command::cargo_bin("busbar")
        .expect("binary")
        .arg("check")
        .arg(&file)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for fragment in [
        "s.ron:5:45",
        "matches no event",
        "`bbu` can raise",
        "triggered`?",
        "`discharging`",
    ] {
        assert!(stderr.contains(fragment), "{fragment} not in {stderr}");
    }
}
