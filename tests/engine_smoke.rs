//! Engine checks on circuits built in code (no parser involved).

use busbar::compile::compile;
use busbar::components::FlatCircuit;
use busbar::components::{
    capacitor::Capacitor, resistor::Resistor, sources::VoltageSource, ComponentSpec,
};
#[path = "support/explicit.rs"]
mod explicit;

use busbar::device::Num;
use busbar::engine::{InputTable, Probe, ProbeSource, RunSpec, Start};
use busbar::results::Quantity;
use explicit::{simulate_with, Method};

fn rc(esr: f64) -> FlatCircuit {
    FlatCircuit {
        name: "rc".into(),
        components: vec![
            ComponentSpec::VoltageSource(VoltageSource {
                name: "v1".into(),
                pos: "src".into(),
                neg: "gnd".into(),
                volts: Num::Value(1.0),
            }),
            ComponentSpec::Resistor(Resistor {
                name: "r1".into(),
                a: "src".into(),
                b: "out".into(),
                ohms: Num::Value(1e3),
            }),
            ComponentSpec::Capacitor(Capacitor {
                name: "c1".into(),
                a: "out".into(),
                b: "gnd".into(),
                farads: Num::Value(1e-6),
                esr: Num::Value(esr),
            }),
        ],
        buses: vec![],
        subsystems: vec![],
        file: None,
    }
}

#[test]
fn rc_charge_from_zero_matches_closed_form() {
    for method in [Method::Rodas4, Method::DormandPrince] {
        let mut model = compile(&rc(0.0)).unwrap();
        let out = model.node_index["out"];
        let mut spec = RunSpec {
            duration: 5e-3,
            sample: 1e-5,
            start: Start::Zero,
            rtol: 1e-10,
            atol: 1e-12,
            max_step: None,
            inputs: InputTable::unbound(0),
            actions: vec![],
            probes: vec![Probe {
                name: "out".into(),
                target: "out".into(),
                quantity: Quantity::Voltage,
                nominal: None,
                source: ProbeSource::Unknown(out),
            }],
            defer_node_columns: true,
        };
        let w = simulate_with(method, &mut model, &mut spec).unwrap();
        let tau = 1e-3;
        let mut worst: f64 = 0.0;
        for (t, v) in w.time.iter().zip(&w.columns[0].values) {
            let exact = 1.0 - (-t / tau).exp();
            worst = worst.max((v - exact).abs());
        }
        println!(
            "{method:?}: samples {} worst {worst:e} stats {:?}",
            w.time.len(),
            w.stats
        );
        assert!(worst < 1e-6, "{method:?} worst error {worst}");
    }
}
