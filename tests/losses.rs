//! The `losses` block against closed forms and conservation: the I²R of a
//! resistor chain under a known current, a Dcx's no-load and R_out·i²
//! split, the energy balance of a converter chain under a pulsed load
//! (closing to the energy stored in its capacitors and inductors), an
//! exact zero on ideal components, and the errors of a stage that matches
//! nothing or names an output.

mod common;

use busbar::analysis::losses::loss_account;
use busbar::results::Waveforms;
use common::{column, run};
use std::collections::BTreeMap;
use std::path::Path;

/// Trapezoid integral of a column over the run.
fn energy(w: &Waveforms, name: &str) -> f64 {
    let v = column(w, name);
    w.time
        .windows(2)
        .zip(v.windows(2))
        .map(|(t, v)| 0.5 * (v[0] + v[1]) * (t[1] - t[0]))
        .sum()
}

fn max_abs_error(w: &Waveforms, name: &str, expected: f64) -> f64 {
    column(w, name)
        .iter()
        .map(|v| (v - expected).abs())
        .fold(0.0, f64::max)
}

#[test]
fn resistor_chain_loses_i_squared_r() {
    // 100 V over 1 + 2 + 7 Ω: I = 10 A; the feed (1 Ω and 2 Ω) loses
    // I²·3 Ω = 300 W, the 7 Ω "load" absorbs 700 W, nothing is left for
    // `other` (an output's own loss is what it absorbs).
    let w = run(
        r#"Circuit(name: "chain", components: [
            VoltageSource(name: "src", pos: "a", volts: 100.0),
            Resistor(name: "r1", a: "a", b: "b", ohms: 1.0),
            Resistor(name: "r2", a: "b", b: "c", ohms: 2.0),
            Resistor(name: "r3", a: "c", b: "gnd", ohms: 7.0),
        ])"#,
        r#"Scenario(name: "dc", duration: 2.0, sample: 0.1, record: ["a"],
            losses: (input: ["src"], output: ["r3"], stages: [(name: "feed", components: ["r1", "r2"])]))"#,
    );
    assert!(max_abs_error(&w, "loss[feed]", 300.0) < 1e-9);
    assert_eq!(max_abs_error(&w, "loss[other]", 0.0), 0.0);
    let a = loss_account(&w).expect("losses columns");
    assert!((a.energy_in - 2000.0).abs() < 1e-8, "{}", a.energy_in);
    assert!((a.stages[0].energy - 600.0).abs() < 1e-8);
    assert!((a.efficiency.expect("supplied") - 0.7).abs() < 1e-12);
    assert!(a.unaccounted.abs() < 1e-8, "{}", a.unaccounted);
}

#[test]
fn dcx_no_load_and_conduction_split() {
    // 800 V into a 16:1 DCX with R_out = 5 mΩ and P_NL = 200 W, feeding
    // 0.5 Ω: i = 50 V / 0.505 Ω, conduction R_out·i², no-load P_NL (the
    // input held at 800 V, above the no-load floor).
    let (r_out, p_nl, r_l) = (5e-3, 200.0, 0.5);
    let w = run(
        &format!(
            r#"Circuit(name: "dcx", components: [
            VoltageSource(name: "src", pos: "in", volts: 800.0),
            Dcx(name: "x1", input: "in", output: "out", ratio: 16.0, ohms: {r_out}, henries: 20e-9, no_load_watts: {p_nl}),
            Resistor(name: "rl", a: "out", b: "gnd", ohms: {r_l}),
        ])"#
        ),
        r#"Scenario(name: "dc", duration: 1e-3, sample: 1e-4, record: ["out", "loss(x1)"],
            losses: (input: ["src"], output: ["rl"], stages: [
                (name: "no-load", components: ["x1"], part: NoLoad),
                (name: "conduction", components: ["x1"], part: Conduction),
            ]))"#,
    );
    let i = 50.0 / (r_out + r_l);
    let cond = r_out * i * i;
    assert!(max_abs_error(&w, "loss[no-load]", p_nl) < 1e-9 * p_nl);
    assert!(max_abs_error(&w, "loss[conduction]", cond) < 1e-9 * cond);
    assert!(max_abs_error(&w, "loss(x1)", cond + p_nl) < 1e-9 * (cond + p_nl));
    // What the source gives is the load's i²·R_L plus both losses.
    assert!(max_abs_error(&w, "p[input]", r_l * i * i + cond + p_nl) < 1e-8 * 800.0 * i / 16.0);
}

#[test]
fn pulsed_converter_chain_balances_to_the_stored_energy() {
    // 800 V → regulated converter (η = 0.96) → 400 V bus (ideal 2 mF and a
    // 20 mΩ / 5 µH feed) → 8:1 DCX (P_NL 150 W, 4 mΩ, 20 nH) → 50 V bus
    // (ideal 10 mF) → a 20 kW constant-power load pulsed 0.3 ↔ 1.0 pu at
    // 10 Hz, 1 ms edges. Input + storage − output − losses must equal the
    // change of ½Cv² + ½Li² between the first and last samples, computed
    // here from the recorded voltages and currents.
    let w = run(
        r#"Circuit(name: "chain", components: [
            VoltageSource(name: "src", pos: "in", volts: 800.0),
            Converter(name: "conv", input: "in", output: "bus", volts: 400.0, rated_watts: 50e3,
                droop_ohms: 0.05, voltage_loop: Pi(kp: 0.5, ki: 200.0), current_loop_hz: 2e3, efficiency: 0.96),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 2e-3),
            Inductor(name: "feed", a: "bus", b: "mid", henries: 5e-6, ohms: 20e-3),
            Capacitor(name: "cmid", a: "mid", b: "gnd", farads: 1e-3),
            Dcx(name: "dcx", input: "mid", output: "b50", ratio: 8.0, ohms: 4e-3, henries: 20e-9, no_load_watts: 150.0),
            Capacitor(name: "c50", a: "b50", b: "gnd", farads: 10e-3),
            Load(name: "gpu", node: "b50", watts: 20e3, model: ConstantPower(min_volts: 30.0)),
        ])"#,
        r#"Scenario(name: "pulses", duration: 0.5, sample: 2e-6, rtol: 1e-9, atol: 1e-9,
            loads: [(target: "gpu", profile: Pulse(low: 0.3, high: 1.0, period: 0.1, duty: 0.5, rise: 1e-3))],
            record: ["bus", "mid", "b50", "i(feed)", "i(dcx)", "p(conv)"],
            losses: (input: ["src"], output: ["gpu"], stages: [
                (name: "converter", components: ["conv"]),
                (name: "feed", components: ["feed"]),
                (name: "DCX no-load", components: ["dcx"], part: NoLoad),
                (name: "DCX conduction", components: ["dcx"], part: Conduction),
            ]))"#,
    );
    let a = loss_account(&w).expect("losses columns");
    let stored = |k: usize| {
        let v = |n: &str| column(&w, &format!("v({n})"))[k];
        let i = |n: &str| column(&w, n)[k];
        0.5 * (2e-3 * v("bus").powi(2) + 1e-3 * v("mid").powi(2) + 10e-3 * v("b50").powi(2))
            + 0.5 * (5e-6 * i("i(feed)").powi(2) + 20e-9 * i("i(dcx)").powi(2))
    };
    let d_stored = stored(w.time.len() - 1) - stored(0);
    // The trapezoid rule on the output grid is the only approximation:
    // the 11 kHz ringing of the DCX's 20 nH with the 10 mF bus and the
    // load's edges are sampled, not integrated. Measured: the residual is
    // 5.0e-5 of the supplied energy at a 10 µs sample and 6.0e-6 at 2 µs
    // (falling with the step, as an integration error does); 2e-5 at 2 µs.
    let supplied = a.energy_in + a.energy_storage;
    let residual = a.unaccounted - d_stored;
    assert!(
        residual.abs() < 2e-5 * supplied,
        "unaccounted {} J, stored change {d_stored} J, supplied {supplied} J",
        a.unaccounted
    );
    // Each stage against its own closed form on the samples.
    // The converter loses (1/η − 1) of what it delivers, sample by sample.
    let k = 1.0 / 0.96 - 1.0;
    for (loss, p) in column(&w, "loss[converter]")
        .iter()
        .zip(column(&w, "p(conv)"))
    {
        assert!(
            (loss - k * p).abs() < 1e-9 * k * p.abs().max(1.0),
            "{loss} vs {}",
            k * p
        );
    }
    let nl = energy(&w, "loss[DCX no-load]");
    assert!(
        nl > 0.0 && (nl - 150.0 * a.duration).abs() < 1e-3 * 150.0 * a.duration,
        "{nl}"
    );
    assert_eq!(a.stages.last().map(|s| s.name.as_str()), Some("other"));
    assert_eq!(max_abs_error(&w, "loss[other]", 0.0), 0.0);
}

#[test]
fn ideal_components_lose_exactly_nothing() {
    let w = run(
        r#"Circuit(name: "ideal", components: [
            VoltageSource(name: "src", pos: "a", volts: 48.0),
            Resistor(name: "r", a: "a", b: "b", ohms: 0.1),
            Capacitor(name: "c", a: "b", b: "gnd", farads: 1e-3),
            Dcx(name: "x", input: "b", output: "o", ratio: 4.0, ohms: 1e-3, henries: 1e-9),
            Resistor(name: "rl", a: "o", b: "gnd", ohms: 1.0),
        ])"#,
        r#"Scenario(name: "dc", duration: 1e-2, sample: 1e-3, start: Zero, record: ["loss(c)"],
            losses: (input: ["src"], output: ["rl"], stages: [(name: "nl", components: ["x"], part: NoLoad)]))"#,
    );
    // A capacitor only stores; a Dcx without no_load_watts has no no-load
    // loss: both exactly 0 at every sample, charging transient included.
    assert!(column(&w, "loss(c)").iter().all(|v| *v == 0.0));
    assert!(column(&w, "loss[nl]").iter().all(|v| *v == 0.0));
}

fn prepare_error(scenario: &str) -> String {
    let circuit = r#"Circuit(name: "chain", components: [
        VoltageSource(name: "src", pos: "a", volts: 100.0),
        Resistor(name: "r1", a: "a", b: "b", ohms: 1.0),
        Resistor(name: "r3", a: "b", b: "gnd", ohms: 9.0),
    ])"#;
    let flat = busbar::components::parse_str(circuit, Path::new("c.ron"), &BTreeMap::new())
        .expect("circuit");
    let sc = busbar::scenario::parse_str(scenario, Path::new("s.ron")).expect("scenario");
    match busbar::study::prepare_flat(flat, sc) {
        Ok(_) => panic!("prepared a bad losses block"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_stage_matching_nothing_is_an_error_naming_it() {
    let e = prepare_error(
        r#"Scenario(name: "dc", duration: 1.0, sample: 0.1,
            losses: (input: ["src"], output: ["r3"], stages: [(name: "busway", components: ["way*"])]))"#,
    );
    assert!(e.contains("`way*`") && e.contains("busway"), "{e}");
    let e = prepare_error(
        r#"Scenario(name: "dc", duration: 1.0, sample: 0.1,
            losses: (input: ["src"], output: ["gpu*"], stages: []))"#,
    );
    assert!(e.contains("`gpu*`") && e.contains("losses.output"), "{e}");
    let e = prepare_error(
        r#"Scenario(name: "dc", duration: 1.0, sample: 0.1,
            losses: (input: ["src"], output: ["r3"], stages: [(name: "all", components: ["r*"])]))"#,
    );
    assert!(e.contains("`r3`") && e.contains("losses.output"), "{e}");
}
