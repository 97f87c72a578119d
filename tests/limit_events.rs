//! Limiters report entering and leaving their limit, located in time, and
//! every event a run raises is one its component kind declares.
//!
//! The BBU case: a 50 V shelf loses its feed under a 100 A load; the BBU
//! (75 A limit: 1.2 pu of 3 kW at 48 V) triggers, starts discharging into
//! the overload and sits at its limit until the load drops to 10 A. Both instants
//! are checked against the recorded current.

use serde_json::Value;
use std::path::Path;

const CIRCUIT: &str = r#"Circuit(name: "bbu shelf", components: [
    VoltageSource(name: "psu", pos: "src", volts: 50.0),
    Switch(name: "ac", a: "src", b: "bus", on_ohms: 1e-4, off_ohms: 1e15),
    Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 0.1),
    Load(name: "it", node: "bus", watts: 5000.0, model: ConstantCurrent(volts: 50.0)),
    Bbu(name: "bbu", bus: "bus",
        battery: (ocv: [(0.0, 44.0), (1.0, 54.0)], r0: 0.015, r1: 0.01, c1: 3000.0, capacity_ah: 20.0, soc: 1.0),
        rated_watts: 3000.0, volts: 48.0, droop_ohms: 0.005, current_limit_pu: 1.2,
        voltage_loop: Bandwidth(hz: 500.0, capacitance: 0.1), current_loop_hz: 5e3, efficiency: 0.97,
        trigger_volts: 48.5, trigger_seconds: 2e-3, start_seconds: 2e-3,
        release_volts: 48.5, release_seconds: 0.2, charge_watts: 265.0, recharge_delay_seconds: 0.05),
])"#;

/// The load drops to 10 A at `DROP`, after the BBU has sat at its limit for ~14 ms.
const DROP: f64 = 0.02;

const SCENARIO: &str = r#"Scenario(name: "feed opens", circuit: "shelf.ron", duration: 0.04, sample: 1e-5,
    rtol: 1e-9, atol: 1e-9,
    loads: [(target: "it", profile: Step(from: 1.0, to: 0.1, at: 0.02))],
    events: [Open(at: 1e-3, component: "ac")],
    record: ["bus", "i(bbu)"])"#;

struct Run {
    events: Vec<(f64, String, String)>,
    time: Vec<f64>,
    current: Vec<f64>,
}

fn simulate(dir: &Path) -> Run {
    std::fs::write(dir.join("shelf.ron"), CIRCUIT).expect("circuit");
    std::fs::write(dir.join("s.ron"), SCENARIO).expect("scenario");
    let out = dir.join("out");
    let status = assert_cmd::Command::cargo_bin("busbar")
        .expect("binary")
        .arg("simulate")
        .arg(dir.join("shelf.ron"))
        .arg(dir.join("s.ron"))
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .output()
        .expect("runs");
    assert!(status.status.success(), "{status:?}");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary"))
            .expect("json");
    let events = summary["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["time"].as_f64().expect("time"),
                e["target"].as_str().expect("target").to_string(),
                e["what"].as_str().expect("what").to_string(),
            )
        })
        .collect();
    let csv = std::fs::read_to_string(out.join("waveforms.csv")).expect("csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header.iter().position(|h| *h == "i(bbu)").expect("i(bbu)");
    let (mut time, mut current) = (Vec::new(), Vec::new());
    for line in lines {
        let cells: Vec<f64> = line
            .split(',')
            .map(|c| c.parse().expect("number"))
            .collect();
        time.push(cells[0]);
        current.push(cells[col]);
    }
    Run {
        events,
        time,
        current,
    }
}

fn at(run: &Run, what: &str) -> f64 {
    let hits: Vec<f64> = run
        .events
        .iter()
        .filter(|(_, target, w)| target == "bbu" && w == what)
        .map(|(t, _, _)| *t)
        .collect();
    assert_eq!(hits.len(), 1, "one `{what}` in {:?}", run.events);
    hits[0]
}

/// i(bbu) interpolated at `t`.
fn current_at(run: &Run, t: f64) -> f64 {
    let k = run
        .time
        .partition_point(|&x| x <= t)
        .clamp(1, run.time.len() - 1);
    let (t0, t1) = (run.time[k - 1], run.time[k]);
    let (i0, i1) = (run.current[k - 1], run.current[k]);
    i0 + (i1 - i0) * (t - t0) / (t1 - t0)
}

#[test]
fn a_bbu_starting_into_an_overload_reports_its_current_limit_and_leaving_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = simulate(dir.path());
    let i_limit = 1.2 * 3000.0 / 48.0;
    // The bus falls at I/C from 50 − I·R_on, crosses 48.5 V at t_x; the
    // BBU triggers 2 ms later and discharges 2 ms after that, already in
    // limit: the bus is ~4 V below its set-point.
    let (i, c) = (100.0, 0.1);
    let t_x = 1e-3 + (50.0 - i * 1e-4 - 48.5) * c / i;
    let start = at(&run, "discharging");
    assert!(
        (start - (t_x + 4e-3)).abs() < 1e-9,
        "discharging at {start}"
    );
    let enter = at(&run, "current limit");
    assert_eq!(enter, start, "at its limit from the first instant");
    // The current loop (5 kHz, τ = 32 µs) brings i to the limit: within
    // 1e-4 of it after 10 τ, and it stays there until the load drops to 10 A.
    let tau = 1.0 / (std::f64::consts::TAU * 5e3);
    for t in [enter + 10.0 * tau, 0.5 * (enter + DROP), DROP - 1e-5] {
        let i = current_at(&run, t);
        assert!((i - i_limit).abs() < 1e-4 * i_limit, "i({t}) = {i}");
    }
    // Leaving is a crossing located in time: the command falls through the
    // limit, the current lags it by τ at most by its slope, and it is below
    // the limit from then on.
    let leave = at(&run, "current limit cleared");
    assert!(leave > DROP && leave < DROP + 0.02, "left at {leave}");
    let i = current_at(&run, leave);
    assert!((i - i_limit).abs() < 2e-3 * i_limit, "i at leave = {i}");
    assert!(current_at(&run, leave + 20.0 * tau) < i_limit * 0.999);
    assert!(
        enter > 0.0 && leave - enter > 0.014,
        "in limit for {}",
        leave - enter
    );
}

/// The README's table of events is the declared list, kind by kind.
#[test]
fn the_readme_lists_every_declared_event() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for (kind, events) in busbar::components::declared_events() {
        let listed = if events.is_empty() {
            "none".to_string()
        } else {
            let quoted: Vec<String> = events.iter().map(|e| format!("`{e}`")).collect();
            quoted.join(", ")
        };
        let row = format!("| `{kind}` | {listed} |");
        assert!(readme.contains(&row), "README lacks {row}");
    }
}

/// Every event a run raises is one its component's kind declares (the BBU
/// shelf above: a switch opening, a BBU triggering, discharging, entering
/// and leaving its limit).
#[test]
fn every_raised_event_is_declared_by_its_kind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = simulate(dir.path());
    let kinds = [("bbu", "Bbu"), ("ac", "Switch"), ("it", "Load")];
    let declared = busbar::components::declared_events();
    assert!(!run.events.is_empty());
    for (_, target, what) in &run.events {
        let kind = kinds.iter().find(|(n, _)| n == target).expect("known").1;
        let events = declared.iter().find(|(k, _)| *k == kind).expect("kind").1;
        assert!(
            events.iter().any(|e| busbar::glob::matches(e, what)),
            "{kind} `{target}` raised `{what}`, not in {events:?}"
        );
    }
}
