//! Stores leaving their power limit together, as the in-rack stores of a
//! hall do after a rising load edge: every crossing of a store's rating is
//! found once and reported, and two identical rows of stores report the
//! same events at the same instants.
//!
//! Two rows of three racks hang off one bus behind feeders whose
//! resistances differ by one part in 10¹²: the rows are the same circuit
//! to well below the tolerances, so their stores enter and leave their
//! ratings within nanoseconds of each other. A crossing handled at one
//! event must not be undone by the next event of another store (the state
//! a step ends in may sit a hair on the old side of a root it just
//! crossed): that lost events of one row but not of its twin, found
//! crossings twice, and at worst shrank the step below its floor.

mod common;

use busbar::results::Waveforms;
use common::run;

const ROWS: usize = 2;
const RACKS: usize = 3;

fn circuit() -> String {
    let mut c = String::from(
        r#"Circuit(name: "stores", components: [
    VoltageSource(name: "src", pos: "s", volts: 800.0),
    Inductor(name: "lsrc", a: "s", b: "bus", henries: 50e-6, ohms: 5e-3),
    Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 10e-3, esr: 20e-3),
"#,
    );
    for r in 0..ROWS {
        let ohms = 5e-4 * (1.0 + r as f64 * 1e-12);
        c += &format!(
            "    Inductor(name: \"feed{r}\", a: \"bus\", b: \"r{r}\", henries: 2e-6, ohms: {ohms:e}),\n"
        );
        let mut prev = format!("r{r}");
        for k in 1..=RACKS {
            let n = format!("r{r}t{k}");
            c += &format!(
                r#"    Inductor(name: "seg{r}_{k}", a: "{prev}", b: "{n}", henries: 1e-6, ohms: 26e-6),
    Capacitor(name: "c{r}_{k}", a: "{n}", b: "gnd", farads: 1e-3, esr: 0.2e-3),
    CapBank(name: "s{r}_{k}", bus: "{n}", farads: 0.078, esr: 10e-3, v_init: 400.0, v_min: 200.0,
        v_max: 450.0, rated_watts: 60e3, efficiency: 0.98, law: VirtualCapacitance(farads: 80e-3),
        current_loop_hz: 2e3, recharge_seconds: 1.0),
    Load(name: "g{r}_{k}", node: "{n}", watts: 135e3, model: ConstantPower(min_volts: 400.0),
        bandwidth_hz: 3183.0),
"#
            );
            prev = n;
        }
    }
    c + "])"
}

/// The load steps 0.3 -> 1.0 pu in 1 ms at 50 ms: the stores reach their
/// rating, leave it together as the source takes over, and swing into the
/// reverse rating as the bus overshoots.
fn edge() -> Waveforms {
    run(
        &circuit(),
        r#"Scenario(name: "edge", duration: 0.06, sample: 1e-4, start: OperatingPoint,
            loads: [(target: "g*", profile: Pwl([(0.0, 0.3), (0.05, 0.3), (0.051, 1.0)]))],
            record: ["bus"])"#,
    )
}

/// The events of one row's stores, as (rack, what, time).
fn row_events(w: &Waveforms, row: usize) -> Vec<(String, String, f64)> {
    let prefix = format!("s{row}_");
    w.events
        .iter()
        .filter_map(|e| {
            let rack = e.target.strip_prefix(&prefix)?;
            Some((rack.to_string(), e.what.clone(), e.time))
        })
        .collect()
}

#[test]
fn twin_rows_of_stores_report_the_same_limit_events() {
    let w = edge();
    assert_eq!(*w.time.last().expect("samples"), 0.06, "the run ends");
    let (a, b) = (row_events(&w, 0), row_events(&w, 1));
    assert!(
        a.iter().any(|e| e.1 == "power limit cleared"),
        "the stores reach their rating and leave it: {a:?}"
    );
    // Per rack, the same sequence of events, each within 1 µs of its twin
    // (the crossings of the two rows are nanoseconds apart).
    for k in 1..=RACKS {
        let rack = k.to_string();
        let of = |v: &[(String, String, f64)]| -> Vec<(String, f64)> {
            v.iter()
                .filter(|e| e.0 == rack)
                .map(|e| (e.1.clone(), e.2))
                .collect()
        };
        let (ea, eb) = (of(&a), of(&b));
        let whats = |v: &[(String, f64)]| v.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
        assert_eq!(
            whats(&ea),
            whats(&eb),
            "rack {k}: row 0 {ea:?}, row 1 {eb:?}"
        );
        for (x, y) in ea.iter().zip(&eb) {
            assert!((x.1 - y.1).abs() < 1e-6, "rack {k}: {x:?} vs {y:?}");
        }
    }
}

#[test]
fn every_crossing_of_a_rating_is_handled_once_and_reported() {
    // No store here comes near its voltage window, so every state event is
    // a crossing of a rating, and each one reports entering or leaving it.
    let w = edge();
    assert_eq!(
        w.stats.state_events,
        w.events.len() as u64,
        "events: {:?}",
        w.events
    );
}
