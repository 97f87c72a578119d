//! The compiler's exact reductions of index-2 structures, against closed
//! forms: series inductors through a bare node (one state, L = ΣL, the
//! tap at the inductive divider), an inductor in series with a current
//! source (the source's current, the node at v + R·J), ideal capacitors
//! pinned by sources (zero current, the source supplies the rest), the
//! refused step of a forced current, and the structures that stay
//! refused, each with its located message.

use busbar::results::Waveforms;
use busbar::study;
use std::collections::BTreeMap;
use std::path::Path;

fn flat(circuit: &str) -> busbar::components::FlatCircuit {
    busbar::components::parse_str(circuit, Path::new("test-circuit.ron"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("circuit: {e}"))
}

fn try_run(circuit: &str, scenario: &str) -> Result<Waveforms, String> {
    let sc = busbar::scenario::parse_str(scenario, Path::new("test-scenario.ron"))
        .unwrap_or_else(|e| panic!("scenario: {e}"));
    let mut p = study::prepare_flat(flat(circuit), sc).map_err(|e| e.to_string())?;
    p.run(None).map_err(|e| e.to_string())
}

fn run(circuit: &str, scenario: &str) -> Waveforms {
    try_run(circuit, scenario).unwrap_or_else(|e| panic!("{e}"))
}

fn column<'a>(w: &'a Waveforms, name: &str) -> &'a [f64] {
    &w.columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .values
}

fn compile_error(circuit: &str) -> String {
    match busbar::compile::compile(&flat(circuit)) {
        Ok(_) => panic!("compiled, but must be refused:\n{circuit}"),
        Err(e) => e.to_string(),
    }
}

const SERIES: &str = r#"Circuit(name: "series", components: [
    VoltageSource(name: "v1", pos: "a", volts: 10.0),
    Inductor(name: "l1", a: "a", b: "m", henries: "1m", ohms: 1.0),
    Inductor(name: "l2", a: "m", b: "b", henries: "3m", ohms: 1.0),
    Resistor(name: "r1", a: "b", b: "gnd", ohms: 2.0),
])"#;

#[test]
fn series_inductors_share_one_state() {
    let model = busbar::compile::compile(&flat(SERIES)).expect("compiles");
    assert_eq!(
        model.states(),
        1,
        "two series inductors merge into one state"
    );
}

#[test]
fn series_inductors_charge_as_one() {
    // From zero: i = V/R·(1 − e^(−t/τ)), R = 4 Ω, L = 4 mH, τ = 1 ms.
    // The bare node sits at v_a − R1·i − L1·di/dt.
    let w = run(
        SERIES,
        r#"Scenario(name: "charge", duration: 5e-3, sample: 1e-5, start: Zero, rtol: 1e-10, atol: 1e-12, record: ["m", "b", "i(l1)", "i(l2)"])"#,
    );
    let (i1, i2, vm, vb) = (
        column(&w, "i(l1)"),
        column(&w, "i(l2)"),
        column(&w, "v(m)"),
        column(&w, "v(b)"),
    );
    let mut worst: f64 = 0.0;
    for (k, &t) in w.time.iter().enumerate().skip(1) {
        let decay = (-t / 1e-3).exp();
        let i = 2.5 * (1.0 - decay);
        let di = 2.5 / 1e-3 * decay;
        worst = worst
            .max((i1[k] - i).abs() / 2.5)
            .max((i2[k] - i).abs() / 2.5)
            .max((vm[k] - (10.0 - i - 1e-3 * di)).abs() / 10.0)
            .max((vb[k] - 2.0 * i).abs() / 10.0);
    }
    assert!(worst < 1e-6, "worst relative error {worst:e}");
}

const FORCED: &str = r#"Circuit(name: "forced", components: [
    CurrentSource(name: "j1", from: "gnd", to: "x", amps: 5.0),
    Inductor(name: "l1", a: "x", b: "b", henries: "1m", ohms: 0.5),
    Resistor(name: "r1", a: "b", b: "gnd", ohms: 10.0),
])"#;

#[test]
fn current_source_sets_its_inductor_current() {
    let w = run(
        FORCED,
        r#"Scenario(name: "dc", duration: 1e-3, sample: 1e-5, record: ["x", "b", "i(l1)"])"#,
    );
    for (name, expected) in [("i(l1)", 5.0), ("v(b)", 50.0), ("v(x)", 52.5)] {
        for &v in column(&w, name) {
            assert!(
                (v - expected).abs() <= 1e-9 * expected,
                "{name} = {v}, expected {expected}"
            );
        }
    }
}

#[test]
fn step_of_a_forced_current_is_refused() {
    let e = try_run(
        FORCED,
        r#"Scenario(name: "step", duration: 1e-3, sample: 1e-5, events: [Set(at: 5e-4, component: "j1", field: "amps", value: 6.0)])"#,
    )
    .expect_err("a step of a current forced through an inductor must be refused");
    for fragment in ["j1", "l1", "impulse of voltage"] {
        assert!(e.contains(fragment), "`{fragment}` missing from: {e}");
    }
}

#[test]
fn pinned_capacitors_carry_no_current() {
    // ±400 V with ideal capacitors across each source and pole to pole,
    // an 8 Ω load across the poles: 100 A from each source at 800 V, none
    // in the capacitors, before and after the positive source steps.
    let w = run(
        r#"Circuit(name: "pinned", components: [
            VoltageSource(name: "vp", pos: "p", volts: 400.0),
            VoltageSource(name: "vn", pos: "gnd", neg: "n", volts: 400.0),
            Capacitor(name: "cp", a: "p", b: "gnd", farads: "10m"),
            Capacitor(name: "cpn", a: "p", b: "n", farads: "2m"),
            Resistor(name: "rl", a: "p", b: "n", ohms: 8.0),
        ])"#,
        r#"Scenario(name: "s", duration: 2e-3, sample: 1e-5, events: [Set(at: 1e-3, component: "vp", field: "volts", value: 392.0)], record: ["p", "n", "i(cp)", "i(cpn)", "i(vp)", "i(vn)"])"#,
    );
    let (p, n) = (column(&w, "v(p)"), column(&w, "v(n)"));
    for (k, &t) in w.time.iter().enumerate() {
        let vp = if t < 1e-3 { 400.0 } else { 392.0 };
        let amps = (vp + 400.0) / 8.0;
        let checks = [
            (p[k], vp),
            (n[k], -400.0),
            (column(&w, "i(cp)")[k], 0.0),
            (column(&w, "i(cpn)")[k], 0.0),
            // Sources read positive while they deliver (docs/conventions.md).
            (column(&w, "i(vp)")[k], amps),
            (column(&w, "i(vn)")[k], amps),
        ];
        for (got, want) in checks {
            assert!(
                (got - want).abs() <= 1e-9 * 800.0,
                "t = {t}: {got} ≠ {want}"
            );
        }
    }
}

#[test]
fn sources_in_parallel_stay_refused() {
    let e = compile_error(
        r#"Circuit(name: "x", components: [
            VoltageSource(name: "v1", pos: "a", volts: 800.0),
            VoltageSource(name: "v2", pos: "a", volts: 790.0),
            Resistor(name: "r1", a: "a", b: "gnd", ohms: 8.0),
        ])"#,
    );
    for fragment in ["`v1`", "`v2`", "loop of voltage sources"] {
        assert!(e.contains(fragment), "`{fragment}` missing from: {e}");
    }
}

#[test]
fn loop_with_two_capacitors_stays_refused() {
    // C1 – V – C2: neither capacitor's voltage is fixed, only their
    // difference.
    let e = compile_error(
        r#"Circuit(name: "x", components: [
            Capacitor(name: "c1", a: "a", b: "gnd", farads: "1m"),
            VoltageSource(name: "v1", pos: "a", neg: "b", volts: 10.0),
            Capacitor(name: "c2", a: "b", b: "gnd", farads: "1m"),
            Resistor(name: "r1", a: "a", b: "gnd", ohms: 8.0),
        ])"#,
    );
    for fragment in ["`c1`", "`c2`", "`v1`", "loop"] {
        assert!(e.contains(fragment), "`{fragment}` missing from: {e}");
    }
}

#[test]
fn conflicting_current_sources_stay_refused() {
    // 5 A into x and 6 A out of y, with only l1 between: l1 would have to
    // carry both.
    let e = compile_error(
        r#"Circuit(name: "x", components: [
            VoltageSource(name: "v1", pos: "s", volts: 10.0),
            Resistor(name: "r0", a: "s", b: "gnd", ohms: 1.0),
            CurrentSource(name: "j1", from: "gnd", to: "x", amps: 5.0),
            Inductor(name: "l1", a: "x", b: "y", henries: "1m"),
            CurrentSource(name: "j2", from: "y", to: "gnd", amps: 6.0),
        ])"#,
    );
    for fragment in ["`l1`", "cut-set"] {
        assert!(e.contains(fragment), "`{fragment}` missing from: {e}");
    }
}

#[test]
fn current_sources_in_series_stay_refused() {
    let e = compile_error(
        r#"Circuit(name: "x", components: [
            VoltageSource(name: "v1", pos: "s", volts: 10.0),
            CurrentSource(name: "j1", from: "s", to: "m", amps: 5.0),
            CurrentSource(name: "j2", from: "m", to: "gnd", amps: 5.0),
            Resistor(name: "r0", a: "s", b: "gnd", ohms: 1.0),
        ])"#,
    );
    for fragment in ["`m`", "`j1`", "`j2`", "cut-set"] {
        assert!(e.contains(fragment), "`{fragment}` missing from: {e}");
    }
}
