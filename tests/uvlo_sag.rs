//! Closed-form checks of a converter's input under-voltage lockout and of
//! a rectifier in a partial grid sag (its input current limit and hold-up).

mod common;

use common::{at, column, event_time, run};

#[test]
fn converter_uvlo_trips_and_restarts_where_the_input_crosses_its_thresholds() {
    // An 800 V source feeds a 10 mF input capacitor through a 0.1 Ω switch
    // (1 TΩ open, so that its leakage is far below the solver tolerance);
    // the converter regulates 400 V into 4 Ω (40 kW, η = 0.97). At 1 ms the
    // switch opens: the converter keeps drawing the constant power
    // P = 400²/(4·η), so C/2·d(v²)/dt = −P and v_in² falls linearly; it
    // locks out where v_in crosses off_volts = 600 V. With the converter
    // stopped the input holds; at 60 ms the switch closes and v_in rises
    // as V₀ − (V₀ − v₁)·e^{−t/(R·C)}; it restarts where that crosses
    // on_volts = 700 V.
    let (v0, r_sw, c_in, eta, r_load): (f64, f64, f64, f64, f64) = (800.0, 0.1, 10e-3, 0.97, 4.0);
    let (off, on, t_open, t_close) = (600.0, 700.0, 1e-3, 60e-3);
    let w = run(
        &format!(
            r#"Circuit(name: "uvlo", components: [
            VoltageSource(name: "vs", pos: "src", volts: {v0}),
            Switch(name: "sw", a: "src", b: "in", on_ohms: {r_sw}, off_ohms: 1e12),
            Capacitor(name: "cin", a: "in", b: "gnd", farads: {c_in}),
            Converter(name: "conv", input: "in", output: "bus", volts: 400.0, rated_watts: 100e3,
                voltage_loop: Bandwidth(hz: 500.0, capacitance: 2e-3), current_loop_hz: 2e3,
                efficiency: {eta}, uvlo: (off_volts: {off}, on_volts: {on})),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 2e-3),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: {r_load}),
        ])"#
        ),
        &format!(
            r#"Scenario(name: "brown-out", duration: 0.1, sample: 1e-4, rtol: 1e-10, atol: 1e-10,
            events: [Open(at: {t_open}, component: "sw"), Close(at: {t_close}, component: "sw")],
            record: ["in", "bus", "i(conv)"])"#
        ),
    );
    let p = 400.0 * 400.0 / (r_load * eta);
    // Before the opening the switch carries P/v_in: v_in·(V₀ − v_in) = R·P.
    let v_start = 0.5 * (v0 + (v0 * v0 - 4.0 * r_sw * p).sqrt());
    let trip = t_open + c_in * (v_start * v_start - off * off) / (2.0 * p);
    let tripped = event_time(&w, "conv", "uvlo");
    assert!(
        (tripped - trip).abs() < 1e-9,
        "uvlo at {tripped}, closed form {trip}"
    );
    // Locked out: nothing delivered, the input held just below off_volts
    // (the current loop's tail draws a few joules).
    assert!(at(&w, "i(conv)", 59e-3).abs() < 1e-9, "still delivering");
    let v1 = at(&w, "v(in)", 59.9e-3);
    assert!(v1 < off && v1 > off - 5.0, "input held at {v1}");
    let restart = t_close + r_sw * c_in * ((v0 - v1) / (v0 - on)).ln();
    let cleared = event_time(&w, "conv", "uvlo cleared");
    assert!(
        (cleared - restart).abs() < 1e-9,
        "uvlo cleared at {cleared}, closed form {restart}"
    );
    assert!(
        (at(&w, "v(bus)", 0.1) - 400.0).abs() < 1e-6 * 400.0,
        "bus did not recover"
    );
    println!(
        "uvlo: trip error {:.2e} s, restart error {:.2e} s",
        (tripped - trip).abs(),
        (cleared - restart).abs()
    );
}

#[test]
fn rectifier_partial_sag_settles_where_the_load_takes_the_available_power() {
    // No hold-up, 225 A constant-current load at 400 V. A sag to g = 0.5
    // at 1 ms leaves g·current_limit_pu·rated_watts = 0.5·1.2·100 kW =
    // 60 kW at the output (η cancels on the output side): the bus settles
    // at 60 kW / 225 A. Back at 1 pu it regulates 400 V again.
    let (g, amps) = (0.5, 225.0);
    let w = run(
        &format!(
            r#"Circuit(name: "sag", components: [
            Rectifier(name: "psu", output: "bus", volts: 400.0, rated_watts: 100e3,
                voltage_loop: Bandwidth(hz: 500.0, capacitance: 1e-3), current_loop_hz: 5e3,
                efficiency: 0.97),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 1e-3),
            Load(name: "ld", node: "bus", watts: {}, model: ConstantCurrent(volts: 400.0)),
        ])"#,
            amps * 400.0
        ),
        &format!(
            r#"Scenario(name: "sag", duration: 0.08, sample: 1e-4, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 1e-3, component: "psu", field: "grid_volts", value: {g}),
                     Set(at: 40e-3, component: "psu", field: "grid_volts", value: 1.0)],
            record: ["bus", "i(psu)", "p(psu)"])"#
        ),
    );
    let expected = g * 1.2 * 100e3 / amps;
    let v = at(&w, "v(bus)", 39.9e-3);
    assert!(
        (v - expected).abs() < 1e-6 * expected,
        "sagged bus {v}, closed form {expected}"
    );
    let p = at(&w, "p(psu)", 39.9e-3);
    assert!((p - g * 1.2 * 100e3).abs() < 1e-6 * p, "delivers {p} W");
    assert!((event_time(&w, "psu", "input current limit") - 1e-3).abs() < 1e-12);
    assert!(event_time(&w, "psu", "input current limit cleared") >= 40e-3);
    assert!((at(&w, "v(bus)", 0.08) - 400.0).abs() < 1e-6 * 400.0);
    // Never below the sagged level by more than the settling transient.
    let low = column(&w, "v(bus)")
        .iter()
        .copied()
        .fold(f64::MAX, f64::min);
    assert!(low > 0.9 * expected, "bus dipped to {low}");
}

#[test]
fn rectifier_holdup_covers_a_sag_shortfall_for_its_closed_form_time() {
    // 80 kW into 2 Ω at 400 V, η = 0.97, a 500 J store. In a sag to
    // g = 0.5 the grid supplies g·1.2·100 kW/η of input power and the
    // store the rest of v²/(R·η), so it lasts E·η/(P_load − g·1.2·100 kW);
    // then the output is capped at 60 kW and the bus settles at
    // √(60 kW·R).
    let (e, eta, r, g) = (500.0, 0.97, 2.0, 0.5);
    let w = run(
        &format!(
            r#"Circuit(name: "sag", components: [
            Rectifier(name: "psu", output: "bus", volts: 400.0, rated_watts: 100e3,
                voltage_loop: Bandwidth(hz: 500.0, capacitance: 1e-3), current_loop_hz: 5e3,
                efficiency: {eta}, holdup_joules: {e}),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 1e-3),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: {r}),
        ])"#
        ),
        &format!(
            r#"Scenario(name: "sag", duration: 0.06, sample: 1e-4, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 1e-3, component: "psu", field: "grid_volts", value: {g})],
            record: ["bus", "i(psu)"])"#
        ),
    );
    let p_avail = g * 1.2 * 100e3;
    let lasts = e * eta / (400.0 * 400.0 / r - p_avail);
    let exhausted = event_time(&w, "psu", "hold-up exhausted");
    assert!(
        (exhausted - (1e-3 + lasts)).abs() < 1e-9,
        "exhausted at {exhausted}, closed form {}",
        1e-3 + lasts
    );
    assert!((event_time(&w, "psu", "input current limit") - 1e-3).abs() < 1e-12);
    // Regulated until then.
    assert!((at(&w, "v(bus)", exhausted - 1e-4) - 400.0).abs() < 1e-6 * 400.0);
    let settled = (p_avail * r).sqrt();
    let v = at(&w, "v(bus)", 0.06);
    assert!(
        (v - settled).abs() < 1e-6 * settled,
        "bus {v}, closed form {settled}"
    );
    println!(
        "sag hold-up: exhausted error {:.2e} s",
        (exhausted - 1e-3 - lasts).abs()
    );
}
