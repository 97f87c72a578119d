//! Tests of the deck writer: each component kind becomes the same
//! elements, events become PWL sources, names are unique, unsupported
//! features are refused.

use super::names::Names;
use super::*;
use crate::components::cable::Cable;
use crate::components::capacitor::Capacitor;
use crate::components::dcx::Dcx;
use crate::components::inductor::Inductor;
use crate::components::load::{Load, LoadModel};
use crate::components::resistor::Resistor;
use crate::components::sources::VoltageSource;
use crate::components::switch::Switch;
use crate::device::Num;
use crate::netlist::BusSpec;
use std::f64::consts::TAU;
use std::path::Path;

fn v(x: f64) -> Num {
    Num::Value(x)
}

/// 800 V source, cable, bus capacitor with ESR, one Dcx and a CPL.
fn small() -> FlatCircuit {
    FlatCircuit {
        name: "small rack".into(),
        components: vec![
            ComponentSpec::VoltageSource(VoltageSource {
                name: "grid".into(),
                pos: "src".into(),
                neg: "gnd".into(),
                volts: v(800.0),
            }),
            ComponentSpec::Inductor(Inductor {
                name: "lsrc".into(),
                a: "src".into(),
                b: "tap".into(),
                henries: v(1e-6),
                ohms: v(5e-4),
            }),
            ComponentSpec::Cable(Cable {
                name: "feed".into(),
                a: "tap".into(),
                b: "bus800".into(),
                ohms: v(1.8e-3),
                henries: v(5e-6),
                farads: v(1e-6),
                sections: v(2.0),
            }),
            ComponentSpec::Capacitor(Capacitor {
                name: "cbus".into(),
                a: "bus800".into(),
                b: "gnd".into(),
                farads: v(1e-3),
                esr: v(1e-3),
            }),
            ComponentSpec::Dcx(Dcx {
                name: "tray1.dcx".into(),
                input: "bus800".into(),
                output: "tray1.bus50".into(),
                ratio: v(16.0),
                ohms: v(2e-3),
                henries: v(20e-9),
                no_load_watts: v(30.0),
                input_ret: "gnd".into(),
                output_ret: "gnd".into(),
            }),
            ComponentSpec::Capacitor(Capacitor {
                name: "tray1.c50".into(),
                a: "tray1.bus50".into(),
                b: "gnd".into(),
                farads: v(10e-3),
                esr: v(0.0),
            }),
            ComponentSpec::Load(Box::new(Load {
                name: "tray1.gpu".into(),
                node: "tray1.bus50".into(),
                ret: "gnd".into(),
                watts: v(7.5e3),
                model: LoadModel::ConstantPower { min_volts: v(30.0) },
                bandwidth_hz: Some(v(3e3)),
                uvlo: None,
                smoothing: None,
            })),
            ComponentSpec::Switch(Switch {
                name: "brk".into(),
                a: "tray1.bus50".into(),
                b: "dump".into(),
                closed: false,
                on_ohms: v(1.0),
                off_ohms: v(1e6),
            }),
            ComponentSpec::Resistor(Resistor {
                name: "rdump".into(),
                a: "dump".into(),
                b: "gnd".into(),
                ohms: v(10.0),
            }),
        ],
        buses: vec![
            BusSpec {
                pattern: "bus800".into(),
                nominal: 800.0,
            },
            BusSpec {
                pattern: "tray*.bus50".into(),
                nominal: 50.0,
            },
        ],
        subsystems: vec![],
        file: None,
    }
}

fn scenario(extra: &str) -> Scenario {
    let text = format!("Scenario(name: \"t\", duration: 0.01, sample: 1e-5, {extra})");
    crate::scenario::parse_str(&text, Path::new("t.ron")).expect("test scenario parses")
}

fn deck(extra: &str) -> String {
    let s = scenario(extra);
    spice_deck(
        &small(),
        Some(&s),
        &SpiceOptions::tight(1e-7, "out.dat", Some(&s)),
    )
    .expect("deck")
}

fn has(deck: &str, line: &str) {
    assert!(
        deck.lines().any(|l| l == line),
        "missing `{line}` in\n{deck}"
    );
}

#[test]
fn components_become_the_same_elements() {
    let d = deck(
        "loads: [(target: \"tray*.gpu\", profile: Step(from: 0.3, to: 1.0, at: 2e-3, rise: 1e-3))]",
    );
    has(&d, "V_grid src 0 DC 8e2");
    // Inductor DCR through a private node.
    has(&d, "L_lsrc src lsrc_dcr 1e-6");
    has(&d, "R_lsrc_dcr lsrc_dcr tap 5e-4");
    // Cable: two sections of R/2, L/2; C/4 at the ends, C/2 inside.
    has(&d, "L_feed_s1 tap feed_s1_dcr 2.5e-6");
    has(&d, "R_feed_s1_dcr feed_s1_dcr feed_n1 9e-4");
    has(&d, "L_feed_s2 feed_n1 feed_s2_dcr 2.5e-6");
    has(&d, "C_feed_c0 tap 0 2.5e-7");
    has(&d, "C_feed_c1 feed_n1 0 5e-7");
    has(&d, "C_feed_c2 bus800 0 2.5e-7");
    // ESR capacitor.
    has(&d, "R_cbus_esr bus800 cbus_esr 1e-3");
    has(&d, "C_cbus cbus_esr 0 1e-3");
    // Dcx.
    has(&d, "E_tray1_dcx tray1_dcx_emf 0 bus800 0 6.25e-2");
    has(&d, "R_tray1_dcx_rout tray1_dcx_emf tray1_dcx_rout 2e-3");
    has(&d, "L_tray1_dcx_lout tray1_dcx_rout tray1_dcx_lout 2e-8");
    has(&d, "V_tray1_dcx_sense tray1_dcx_lout tray1_bus50 DC 0");
    has(
        &d,
        "B_tray1_dcx_in bus800 0 I = i(V_tray1_dcx_sense) * 6.25e-2 + (v(bus800) >= 1e0 ? 3e1 / v(bus800) : 3e1 * v(bus800))",
    );
    // Load: demand PWL, lag RC, CPL law.
    has(
        &d,
        "V_tray1_gpu_pu tray1_gpu_pu 0 PWL(0e0 3e-1 2e-3 3e-1 3e-3 1e0 1e-2 1e0)",
    );
    has(&d, "R_tray1_gpu_lag tray1_gpu_pu tray1_gpu_lag 1");
    has(
        &d,
        &format!("C_tray1_gpu_lag tray1_gpu_lag 0 {}", num(1.0 / (TAU * 3e3))),
    );
    has(
        &d,
        "B_tray1_gpu tray1_bus50 0 I = 7.5e3 * v(tray1_gpu_lag) * ((v(tray1_bus50) >= 3e1 ? 1 / v(tray1_bus50) : v(tray1_bus50) * 1.1111111111111111e-3))",
    );
    // A switch without events is a resistor in its initial state.
    has(&d, "R_brk tray1_bus50 dump 1e6");
    // Analysis and output.
    has(
        &d,
        ".options reltol=1e-7 abstol=1e-9 vntol=1e-7 method=gear",
    );
    has(&d, ".tran 1e-5 1e-2 0 2.5e-6");
    has(&d, "wrdata out.dat v(bus800) v(tray1_bus50)");
    has(&d, "* record v(bus800) bus800 8e2");
    has(&d, "* record v(tray1_bus50) tray1.bus50 5e1");
    has(&d, "*   tray1_bus50 = tray1.bus50");
    assert!(d.ends_with(".end\n"));
}

/// The linear style writes the Dcx's i/N as an F source on the output's
/// sense source and keeps a B source for the no-load loss only; nothing
/// else in the deck changes.
#[test]
fn the_linear_style_writes_the_dcx_input_as_an_f_source() {
    let s = scenario("");
    let options = SpiceOptions {
        style: SpiceStyle::Linear,
        ..SpiceOptions::tight(1e-7, "out.dat", Some(&s))
    };
    let linear = spice_deck(&small(), Some(&s), &options).expect("deck");
    has(&linear, "F_tray1_dcx_in bus800 0 V_tray1_dcx_sense 6.25e-2");
    has(
        &linear,
        "B_tray1_dcx_in bus800 0 I = (v(bus800) >= 1e0 ? 3e1 / v(bus800) : 3e1 * v(bus800))",
    );
    assert!(
        !linear
            .lines()
            .any(|l| l.starts_with('B') && l.contains("i(")),
        "a behavioural source still reads a branch current:\n{linear}"
    );
    let behavioural = deck("");
    let differ = |a: &str, b: &str| -> Vec<String> {
        a.lines()
            .filter(|l| !b.lines().any(|m| m == *l))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        differ(&behavioural, &linear),
        ["B_tray1_dcx_in bus800 0 I = i(V_tray1_dcx_sense) * 6.25e-2 + (v(bus800) >= 1e0 ? 3e1 / v(bus800) : 3e1 * v(bus800))"]
    );
    assert_eq!(differ(&linear, &behavioural).len(), 2);
}

#[test]
fn events_become_piecewise_linear_sources() {
    let d = deck(
        "start: Zero, events: [Close(at: 1e-3, component: \"brk\"), Open(at: 2e-3, component: \"brk\"), \
         Set(at: 0.0, component: \"grid\", field: \"volts\", value: 790.0), \
         Set(at: 4e-3, component: \"grid\", field: \"volts\", value: 780.0), \
         Fault(at: 5e-3, node: \"bus800\", ohms: 0.5, clear_after: 1e-3)], record: [\"v(tap)\", \"i(grid)\"]",
    );
    // TMAX is a quarter of the 10 µs sample; jumps take 1e-3 of it and
    // end at the event.
    let jump = 2.5e-6 * JUMP_FRACTION;
    has(
        &d,
        &format!(
            "V_brk_g brk_g 0 PWL(0e0 1e-6 {} 1e-6 1e-3 1e0 {} 1e0 2e-3 1e-6)",
            num(1e-3 - jump),
            num(2e-3 - jump)
        ),
    );
    has(
        &d,
        "B_brk tray1_bus50 dump I = (v(tray1_bus50)-v(dump)) * v(brk_g)",
    );
    // An event at t = 0 follows the operating point, so its jump starts
    // there.
    has(
        &d,
        &format!(
            "V_grid src 0 PWL(0e0 8e2 {} 7.9e2 {} 7.9e2 4e-3 7.8e2)",
            num(jump),
            num(4e-3 - jump)
        ),
    );
    has(
        &d,
        &format!(
            "V_fault5_bus800_g fault5_bus800_g 0 PWL(0e0 0e0 {} 0e0 5e-3 2e0 {} 2e0 6e-3 0e0)",
            num(5e-3 - jump),
            num(6e-3 - jump)
        ),
    );
    has(
        &d,
        "B_fault5_bus800 bus800 0 I = v(bus800) * v(fault5_bus800_g)",
    );
    has(&d, "C_cbus cbus_esr 0 1e-3 ic=0");
    has(&d, ".tran 1e-5 1e-2 0 2.5e-6 uic");
    has(&d, "wrdata out.dat v(tap)");
    has(&d, "* record v(tap) v(tap) -");
    has(&d, "* not recorded here: i(grid)");
}

#[test]
fn staggered_loads_get_their_own_demand() {
    let mut c = small();
    let mut second = c.components[6].clone();
    if let ComponentSpec::Load(l) = &mut second {
        l.name = "tray1.gpu2".into();
    }
    c.components.push(second);
    let s = scenario(
        "loads: [(target: \"tray1.gpu*\", profile: Step(from: 0.3, to: 1.0, at: 2e-3, rise: 0.0), \
         stagger: Stagger(seconds: 1e-3, phases: 2))]",
    );
    let d = spice_deck(&c, Some(&s), &SpiceOptions::default()).expect("deck");
    // Without a TMAX the deck writes SPICE's default, min(sample, duration / 50).
    has(&d, ".tran 1e-5 1e-2 0 1e-5");
    let jump = 1e-5 * JUMP_FRACTION;
    has(
        &d,
        &format!(
            "V_tray1_gpu_pu tray1_gpu_pu 0 PWL(0e0 3e-1 {} 3e-1 2e-3 1e0 1e-2 1e0)",
            num(2e-3 - jump)
        ),
    );
    has(
        &d,
        &format!(
            "V_tray1_gpu2_pu tray1_gpu2_pu 0 PWL(0e0 3e-1 {} 3e-1 3e-3 1e0 1e-2 1e0)",
            num(3e-3 - jump)
        ),
    );
    assert_eq!(d.matches("C_tray1_gpu").count(), 2, "{d}");
}

#[test]
fn identical_demands_are_shared() {
    let mut c = small();
    let mut second = c.components[6].clone();
    if let ComponentSpec::Load(l) = &mut second {
        l.name = "tray1.gpu2".into();
    }
    c.components.push(second);
    let d = spice_deck(&c, None, &SpiceOptions::default()).expect("deck");
    has(&d, "V_tray1_gpu_pu tray1_gpu_pu 0 DC 1e0");
    assert_eq!(d.matches("V_tray1_gpu2_pu").count(), 0, "{d}");
    assert!(
        d.contains("B_tray1_gpu2 tray1_bus50 0 I = 7.5e3 * v(tray1_gpu_lag)"),
        "{d}"
    );
    has(&d, ".op");
}

#[test]
fn names_are_sanitised_and_unique() {
    let mut names = Names::default();
    assert_eq!(names.node("gnd"), "0");
    assert_eq!(names.node("Tray3.Bus50"), "tray3_bus50");
    assert_eq!(names.node("tray3_bus50"), "tray3_bus50_2");
    assert_eq!(names.node("Tray3.Bus50"), "tray3_bus50");
    assert_eq!(names.node("00"), "n00");
    assert_eq!(names.internal("tray3.bus50"), "tray3_bus50_3");
    assert_eq!(names.element('R', "a.b"), "R_a_b");
    assert_eq!(names.element('R', "a_b"), "R_a_b_2");
}

#[test]
fn state_events_and_trips_are_refused() {
    let mut c = small();
    if let ComponentSpec::Load(l) = &mut c.components[6] {
        l.uvlo = Some(crate::components::load::Uvlo {
            volts: v(40.0),
            seconds: v(1e-3),
        });
    }
    let err = spice_deck(&c, None, &SpiceOptions::default()).unwrap_err();
    assert!(err.to_string().contains("`tray1.gpu`: `uvlo`"), "{err}");

    let s = scenario("events: [Trip(at: 1e-3, component: \"tray1.dcx\")]");
    let err = spice_deck(&small(), Some(&s), &SpiceOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("`tray1.dcx`: the `Trip` event"),
        "{err}"
    );
}

#[test]
fn bad_output_paths_are_refused() {
    let options = SpiceOptions {
        output: PathBuf::from("my out.dat"),
        ..SpiceOptions::default()
    };
    assert!(matches!(
        spice_deck(&small(), None, &options),
        Err(ExportError::OutputPath(_))
    ));
}

#[test]
fn pulse_cut_by_the_end_of_the_run_keeps_its_ramp() {
    let s = scenario(
        "loads: [(target: \"tray1.gpu\", profile: Pulse(low: 0.3, high: 1.0, period: 8e-3, duty: 0.5, rise: 4e-3))]",
    );
    let d = spice_deck(&small(), Some(&s), &SpiceOptions::default()).expect("deck");
    // Second cycle starts at 8 ms and would reach 1.0 at 12 ms; at the
    // end of the run (10 ms) the ramp is half way.
    let tail = d
        .split("8e-3 3e-1 1e-2 ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|v| v.parse::<f64>().ok());
    assert!(tail.is_some_and(|v| (v - 0.65).abs() < 1e-12), "{d}");
}
