//! The constant-power load lint says what `bandwidth_hz` does: the lag
//! filters the demanded power, not the current's response to the voltage,
//! so the negative incremental resistance −v²/P is there with or without it
//! (checked on the bus impedance of a source behind a resistor).

use busbar::analysis::stability::{impedance_at, CircuitSource, Setup};
use faer::c64;
use std::collections::BTreeMap;
use std::f64::consts::TAU;
use std::path::Path;

const R_SOURCE: f64 = 0.5;
const WATTS: f64 = 100e3;

fn circuit(lag: &str) -> String {
    format!(
        r#"Circuit(name: "cpl", components: [
            VoltageSource(name: "vs", pos: "src", volts: 800.0),
            Resistor(name: "rs", a: "src", b: "bus", ohms: {R_SOURCE}),
            Load(name: "cpl", node: "bus", watts: {WATTS}, model: ConstantPower(min_volts: 400.0){lag}),
        ])"#
    )
}

fn lints(text: &str) -> Vec<String> {
    let flat = busbar::components::parse_str(text, Path::new("c.ron"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("circuit: {e}"));
    let model = busbar::compile::compile(&flat).unwrap_or_else(|e| panic!("compile: {e}"));
    busbar::compile::lints(&flat, &model)
}

#[test]
fn the_lint_says_the_lag_filters_demand_not_the_negative_resistance() {
    let without = lints(&circuit(""));
    let warning = without
        .iter()
        .find(|l| l.contains("load `cpl`"))
        .unwrap_or_else(|| panic!("no lint on the load: {without:?}"));
    assert!(warning.contains("no `bandwidth_hz`"), "{warning}");
    assert!(
        warning.contains("filters the demanded power")
            && warning.contains("acts with or without it"),
        "{warning}"
    );
    let with = lints(&circuit(", bandwidth_hz: 3e3"));
    assert!(!with.iter().any(|l| l.contains("load `cpl`")), "{with:?}");
}

#[test]
fn the_negative_incremental_resistance_acts_with_the_lag_too() {
    // v = 800 − R·P/v at the operating point; the load's small-signal
    // resistance is −v²/P at every frequency, lag or not, so the bus sees
    // R ∥ (−v²/P) below, at and far above the 3 kHz lag.
    let v = (800.0 + (800.0f64 * 800.0 - 4.0 * R_SOURCE * WATTS).sqrt()) / 2.0;
    let r_load = -v * v / WATTS;
    let expected = R_SOURCE * r_load / (R_SOURCE + r_load);
    let freqs = [10.0, 3e3, 1e6];
    for lag in ["", ", bandwidth_hz: 3e3"] {
        let source = CircuitSource::from_text(&circuit(lag), Path::new("c.ron"))
            .unwrap_or_else(|e| panic!("circuit: {e}"));
        let bound = Setup::new(source).bind().expect("operating point");
        let node = bound.model.node_index["bus"];
        let z = impedance_at(&bound.model, &bound.point, &[node], &freqs).expect("sweep");
        for (f, got) in freqs.iter().zip(&z[0]) {
            let error = (*got - c64::new(expected, 0.0)).norm() / expected.abs();
            assert!(
                error < 1e-9,
                "lag `{lag}`, f = {f} Hz: Z = {got}, expected {expected} Ω ({error:e}); ω = {}",
                TAU * f
            );
        }
    }
}
