//! libFuzzer target: scenario text, parsed and bound to a small fixed
//! circuit. Any error is fine; a panic, hang or abort is the bug.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::path::Path;

const CIRCUIT: &str = r#"Circuit(name: "rc", components: [
    VoltageSource(name: "vs", pos: "a", volts: 800),
    Resistor(name: "r", a: "a", b: "bus", ohms: 0.1),
    Capacitor(name: "c", a: "bus", b: "gnd", farads: 1e-3),
    Load(name: "ld", node: "bus", watts: 50e3, model: ConstantPower(min_volts: 400)),
])"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = busbar::scenario::parse_str(text, Path::new("fuzz_s.ron")) else {
        return;
    };
    let flat = busbar::components::parse_str(CIRCUIT, Path::new("rc.ron"), &BTreeMap::new())
        .expect("the fixed circuit parses");
    let _ = busbar::study::prepare_flat(flat, scenario);
});
