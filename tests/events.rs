//! Scenario events against closed forms: a resistive fault with clearing,
//! a source voltage change (AC loss) and a converter trip.

use busbar::results::Waveforms;
use std::collections::BTreeMap;
use std::path::Path;

fn run(circuit: &str, scenario: &str) -> Waveforms {
    let flat = busbar::components::parse_str(circuit, Path::new("c.ron"), &BTreeMap::new())
        .expect("circuit");
    let sc = busbar::scenario::parse_str(scenario, Path::new("s.ron")).expect("scenario");
    let mut p = busbar::study::prepare_flat(flat, sc).expect("prepare");
    p.run(None).expect("run")
}

fn values<'a>(w: &'a Waveforms, name: &str) -> &'a [f64] {
    &w.columns
        .iter()
        .find(|c| c.name == name)
        .expect("column")
        .values
}

const RC_BUS: &str = r#"Circuit(name: "rc", components: [
    VoltageSource(name: "grid", pos: "src", volts: 800.0),
    Resistor(name: "r1", a: "src", b: "bus", ohms: 1.0),
    Capacitor(name: "c1", a: "bus", b: "gnd", farads: 1e-3),
])"#;

#[test]
fn fault_and_clearing_follow_the_rc_closed_form() {
    // Fault of 1 Ω at 1 ms: the bus falls to 400 V with τ = C·(R‖R_f) =
    // 0.5 ms; cleared at 6 ms it recovers to 800 V with τ = R·C = 1 ms.
    let w = run(
        RC_BUS,
        r#"Scenario(name: "fault", duration: 12e-3, sample: 1e-5, rtol: 1e-10, atol: 1e-10,
            events: [Fault(at: 1e-3, node: "bus", ohms: 1.0, clear_after: 5e-3)], record: ["bus"])"#,
    );
    let v6 = 400.0 + 400.0 * (-5e-3f64 / 0.5e-3).exp();
    let exact = |t: f64| {
        if t <= 1e-3 {
            800.0
        } else if t <= 6e-3 {
            400.0 + 400.0 * (-(t - 1e-3) / 0.5e-3).exp()
        } else {
            800.0 - (800.0 - v6) * (-(t - 6e-3) / 1e-3).exp()
        }
    };
    let v = values(&w, "v(bus)");
    let worst = w
        .time
        .iter()
        .zip(v)
        .map(|(t, x)| (x - exact(*t)).abs() / 800.0)
        .fold(0.0, f64::max);
    assert!(worst < 1e-6, "worst relative error {worst:e}");
    let whats: Vec<&str> = w.events.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(
        whats,
        ["close", "open"],
        "fault start and clearing are reported"
    );
}

#[test]
fn source_voltage_change_models_ac_loss() {
    // Set(volts: 0) at 1 ms: the capacitor discharges into the dead source
    // through R with τ = 1 ms.
    let w = run(
        RC_BUS,
        r#"Scenario(name: "ac loss", duration: 5e-3, sample: 1e-5, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 1e-3, component: "grid", field: "volts", value: 0.0)], record: ["bus"])"#,
    );
    let v = values(&w, "v(bus)");
    let worst = w
        .time
        .iter()
        .zip(v)
        .map(|(t, x)| {
            let exact = if *t <= 1e-3 {
                800.0
            } else {
                800.0 * (-(t - 1e-3) / 1e-3).exp()
            };
            (x - exact).abs() / 800.0
        })
        .fold(0.0, f64::max);
    assert!(worst < 1e-6, "worst relative error {worst:e}");
}

#[test]
fn tripped_dcx_carries_no_current() {
    let w = run(
        r#"Circuit(name: "trip", components: [
            VoltageSource(name: "grid", pos: "src", volts: 800.0),
            Inductor(name: "l1", a: "src", b: "in", henries: 5e-6, ohms: 2e-3),
            Capacitor(name: "cin", a: "in", b: "gnd", farads: 100e-6),
            Dcx(name: "x1", input: "in", output: "out", ratio: 16, ohms: 2e-3, henries: 20e-9),
            Capacitor(name: "c50", a: "out", b: "gnd", farads: 10e-3),
            Load(name: "gpu", node: "out", watts: 5e3, model: Resistive(volts: 50.0)),
        ])"#,
        r#"Scenario(name: "trip", duration: 4e-3, sample: 1e-5, events: [Trip(at: 1e-3, component: "x1")], record: ["i(x1)", "out"])"#,
    );
    let i = values(&w, "i(x1)");
    let before = i[w.time.iter().position(|t| *t >= 0.5e-3).expect("sample")];
    // 5 kW resistive at 50 V → 100 A before the trip.
    assert!((before - 100.0).abs() < 2.0, "{before}");
    for (t, x) in w.time.iter().zip(i) {
        if *t >= 1e-3 {
            assert_eq!(*x, 0.0, "current at {t}");
        }
    }
    // The 50 V bus then decays into its load: τ = R·C = 0.5 Ω · 10 mF.
    let v = values(&w, "v(out)");
    let v_trip = v[w.time.iter().position(|t| *t >= 1e-3).expect("sample")];
    let v_end = *v.last().expect("sample");
    let exact = v_trip * (-3e-3f64 / 5e-3).exp();
    assert!((v_end - exact).abs() < 1e-4 * 50.0, "{v_end} vs {exact}");
}
