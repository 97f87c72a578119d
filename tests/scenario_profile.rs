//! Load profiles against hand-computed values, stagger, and binding of a
//! scenario to a circuit's names.

use busbar::analysis::Scenario;
use busbar::scenario::{self, LoadProfile, Profile, Pulse, ScenarioError, Step};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/scenario")
        .join(name)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        assert!(close(a, b), "{} = {a}, expected {b}", stringify!($a));
    }};
}

fn assert_all_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w), "{got:?} vs {want:?}");
    }
}

fn step(rise: f64) -> LoadProfile {
    LoadProfile::new(
        &Profile::Step(Step {
            from: 0.3,
            to: 1.0,
            at: 0.01,
            rise,
        }),
        0.0,
    )
}

#[test]
fn step_with_rise_is_a_linear_ramp() {
    let p = step(1e-3);
    assert_eq!(p.value(0.0), 0.3);
    assert_eq!(p.slope(0.005), 0.0);
    assert_close!(p.value(0.0105), 0.65);
    assert_close!(p.slope(0.0105), 700.0);
    // Right derivative at both corners.
    assert_close!(p.slope(0.01), 700.0);
    assert_eq!(p.slope(0.011), 0.0);
    assert_eq!(p.value(0.011), 1.0);
    assert_eq!(p.value(1.0), 1.0);
    assert_all_close(&p.breakpoints(0.05), &[0.01, 0.011]);
    assert!(p.breakpoints(0.005).is_empty());
}

#[test]
fn step_without_rise_jumps() {
    let p = step(0.0);
    assert_eq!(p.value(0.01 - 1e-12), 0.3);
    assert_eq!(p.value(0.01), 1.0);
    assert_eq!(p.slope(0.01), 0.0);
    assert_eq!(p.breakpoints(0.05), vec![0.01]);
}

fn pulse(cycles: Option<u64>) -> LoadProfile {
    let p = Pulse {
        low: 0.3,
        high: 1.0,
        period: 0.1,
        duty: 0.5,
        rise: 0.01,
        fall: 0.02,
        start: 0.05,
        cycles,
        jitter: None,
    };
    LoadProfile::new(&Profile::Pulse(p), 0.0)
}

#[test]
fn pulse_is_a_trapezoid_train() {
    let p = pulse(Some(2));
    assert_eq!(p.value(0.0), 0.3);
    assert_close!(p.value(0.055), 0.65);
    assert_close!(p.slope(0.055), 70.0);
    assert_eq!(p.value(0.08), 1.0);
    assert_eq!(p.slope(0.08), 0.0);
    assert_close!(p.value(0.11), 0.65);
    assert_close!(p.slope(0.11), -35.0);
    assert_eq!(p.value(0.13), 0.3);
    // Second cycle.
    assert_close!(p.value(0.155), 0.65);
    assert_close!(p.slope(0.1501), 70.0);
    assert_eq!(p.value(0.19), 1.0);
    // After the last cycle the ramp at 0.25 never starts.
    assert_eq!(p.value(0.255), 0.3);
    assert_eq!(p.slope(0.255), 0.0);
    let corners = [0.05, 0.06, 0.10, 0.12, 0.15, 0.16, 0.20, 0.22];
    assert_all_close(&p.breakpoints(1.0), &corners);
}

#[test]
fn endless_pulse_repeats_to_the_end() {
    let p = pulse(None);
    assert_close!(p.value(0.255), 0.65);
    assert_close!(p.value(10.055), 0.65);
    assert_eq!(p.value(10.08), 1.0);
    let bp = p.breakpoints(0.31);
    let want = [
        0.05, 0.06, 0.10, 0.12, 0.15, 0.16, 0.20, 0.22, 0.25, 0.26, 0.30,
    ];
    assert_all_close(&bp, &want);
    // Evaluating exactly at each corner takes the segment that starts there.
    for (k, t) in bp.iter().enumerate() {
        let expected_slope = [70.0, 0.0, -35.0, 0.0][k % 4];
        assert_close!(p.slope(*t), expected_slope);
    }
}

#[test]
fn pwl_interpolates_and_holds_its_ends() {
    let p = LoadProfile::new(
        &Profile::Pwl(vec![(0.01, 0.3), (0.02, 1.0), (0.04, 0.5)]),
        0.0,
    );
    assert_eq!(p.value(0.0), 0.3);
    assert_eq!(p.slope(0.0), 0.0);
    assert_close!(p.value(0.015), 0.65);
    assert_close!(p.slope(0.015), 70.0);
    assert_close!(p.slope(0.02), -25.0);
    assert_close!(p.value(0.03), 0.75);
    assert_eq!(p.value(0.05), 0.5);
    assert_eq!(p.slope(0.04), 0.0);
    assert_eq!(p.breakpoints(1.0), vec![0.01, 0.02, 0.04]);
    assert_eq!(p.breakpoints(0.03), vec![0.01, 0.02]);
}

fn scenario_with_loads(loads: &str) -> Scenario {
    let text = format!("Scenario(name: \"t\", duration: 0.05, sample: 1e-5, loads: [{loads}])");
    scenario::parse_str(&text, &data("inline.ron")).expect("valid scenario")
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn trace_is_read_and_interpolated() {
    let s = scenario_with_loads(
        "(target: \"gpu\", profile: Trace(file: \"traces/gpu.csv\", time: \"t\", value: \"pu\"))",
    );
    let bound = s.bind_loads(&names(&["gpu"])).expect("binds");
    let p = &bound[0].profile;
    assert_eq!(p.value(0.0), 0.3);
    assert_close!(p.value(0.0005), 0.4);
    assert_close!(p.slope(0.0005), 200.0);
    assert_close!(p.value(0.002), 0.75);
    assert_close!(p.slope(0.003), -200.0);
    assert_eq!(p.value(0.01), 0.8);
    assert_eq!(p.breakpoints(1.0), vec![0.0, 0.001, 0.003, 0.004]);
}

#[test]
fn stagger_delays_follow_name_order_modulo_phases() {
    let s = scenario_with_loads(
        "(target: \"tray*.gpu\", profile: Step(from: 0.3, to: 1.0, at: 0.01), stagger: Stagger(seconds: 1e-3, phases: 3))",
    );
    // Circuit order is scrambled; tray10 sorts after tray9.
    let loads = names(&[
        "tray10.gpu",
        "tray2.gpu",
        "grid",
        "tray1.gpu",
        "tray9.gpu",
        "tray3.gpu",
    ]);
    let bound = s.bind_loads(&loads).expect("binds");
    let delay = |name: &str| {
        let b = bound.iter().find(|b| loads[b.load] == name).expect("bound");
        b.profile.delay()
    };
    assert_close!(delay("tray1.gpu"), 0.0);
    assert_close!(delay("tray2.gpu"), 1e-3);
    assert_close!(delay("tray3.gpu"), 2e-3);
    assert_close!(delay("tray9.gpu"), 0.0);
    assert_close!(delay("tray10.gpu"), 1e-3);
    assert!(bound.iter().all(|b| loads[b.load] != "grid"));
    let indices: Vec<usize> = bound.iter().map(|b| b.load).collect();
    assert_eq!(indices, vec![0, 1, 3, 4, 5]);
    // The delay moves the step itself.
    let tray2 = bound.iter().find(|b| b.load == 1).expect("tray2");
    assert_eq!(tray2.profile.value(0.0105), 0.3);
    assert_eq!(tray2.profile.value(0.011), 1.0);
}

#[test]
fn random_stagger_is_reproducible() {
    let entry = |seed: u64| {
        format!("(target: \"*.gpu\", profile: Step(from: 0.3, to: 1.0, at: 0.01), stagger: Random(seconds: 2e-3, seed: {seed}))")
    };
    let loads: Vec<String> = (1..=20).map(|k| format!("tray{k}.gpu")).collect();
    let delays = |seed: u64, loads: &[String]| {
        let bound = scenario_with_loads(&entry(seed))
            .bind_loads(loads)
            .expect("binds");
        let mut by_name: Vec<(String, f64)> = bound
            .iter()
            .map(|b| (loads[b.load].clone(), b.profile.delay()))
            .collect();
        by_name.sort_by(|a, b| a.0.cmp(&b.0));
        by_name
    };
    let a = delays(7, &loads);
    assert_eq!(a, delays(7, &loads), "same input, same delays");
    let mut reversed = loads.clone();
    reversed.reverse();
    assert_eq!(a, delays(7, &reversed), "circuit order does not matter");
    assert_ne!(a, delays(8, &loads), "another seed, other delays");
    assert!(a.iter().all(|(_, d)| (0.0..2e-3).contains(d)));
    let distinct: std::collections::BTreeSet<u64> = a.iter().map(|(_, d)| d.to_bits()).collect();
    assert_eq!(distinct.len(), 20);
}

#[test]
fn later_entries_win_and_globs_reach_every_depth() {
    let s = scenario_with_loads(
        "(target: \"*.gpu\", profile: Step(from: 0.3, to: 1.0, at: 0.01)),\
         (target: \"row1.rack2.tray?.gpu\", profile: Pwl([(0.0, 0.5)]))",
    );
    let loads = names(&[
        "row1.rack1.tray1.gpu",
        "row1.rack2.tray1.gpu",
        "row1.rack2.tray12.gpu",
    ]);
    let bound = s.bind_loads(&loads).expect("binds");
    assert_eq!(bound.len(), 3);
    assert_eq!(bound[0].profile.value(0.0), 0.3);
    assert_eq!(bound[1].profile.value(0.0), 0.5);
    assert_eq!(bound[2].profile.value(0.0), 0.3);
}

#[test]
fn a_target_that_matches_nothing_is_an_error() {
    let s = scenario_with_loads(
        "(target: \"tray*.gpux\", profile: Step(from: 0.3, to: 1.0, at: 0.01))",
    );
    let loads: Vec<String> = (1..=18)
        .map(|k| format!("tray{k}.gpu"))
        .chain(["grid.load".to_string()])
        .collect();
    match s.bind_loads(&loads) {
        Err(ScenarioError::Invalid {
            message, location, ..
        }) => {
            assert!(
                message.contains("`tray*.gpux` matches no load"),
                "{message}"
            );
            assert!(
                message.contains("`tray1.gpu`") && message.contains("19 in the circuit"),
                "{message}"
            );
            assert_eq!(message.matches(".gpu`").count(), 5, "{message}");
            let location = location.expect("located");
            assert_eq!((location.line, location.column), (1, 60));
        }
        other => panic!("expected an Invalid error, got {other:?}"),
    }
    let none = s.bind_loads(&[]).expect_err("no loads");
    assert!(
        none.to_string().contains("the circuit has no loads"),
        "{none}"
    );
}

#[test]
fn check_targets_names_the_entry_and_the_expected_kind() {
    let s: Scenario = scenario::load(&data("full.ron")).expect("full.ron parses");
    let components = names(&[
        "grid",
        "tray1.gpu",
        "tray2.gpu",
        "tray2.dcx",
        "brk1",
        "rect",
    ]);
    let nodes = names(&["bus800", "tray1.bus50", "tray2.bus50"]);
    s.check_targets(&components, &nodes, &[])
        .expect("all targets exist");

    let err = s
        .check_targets(&components[1..], &nodes, &[])
        .expect_err("no grid");
    let message = err.to_string();
    assert!(
        message.contains("event 5 (`Set`): component `grid` matches no component"),
        "{message}"
    );
    assert!(message.contains("full.ron:19:"), "{message}");

    let err = s
        .check_targets(&components, &nodes[1..], &[])
        .expect_err("no bus800");
    assert!(
        err.to_string().contains("event 4 (`Fault`): node `bus800`"),
        "{err}"
    );

    let mut s = s;
    s.events.clear();
    s.record.push("i(bus800)".into());
    let err = s
        .check_targets(&components, &nodes, &[])
        .expect_err("i of a node");
    let message = err.to_string();
    assert!(
        message.contains("record entry `i(bus800)` expects a component"),
        "{message}"
    );
    assert!(message.contains("`bus800` is a node"), "{message}");

    // `v(x)` of a component: only one with a voltage of its own (an
    // ActiveFrontEnd's PCC) gives one.
    s.record = vec!["v(rect)".into()];
    let err = s
        .check_targets(&components, &nodes, &[])
        .expect_err("v of a component without a voltage");
    let message = err.to_string();
    assert!(message.contains("record entry `v(rect)`"), "{message}");
    assert!(message.contains("`rect` is a component"), "{message}");
    s.check_targets(&components, &nodes, &names(&["rect"]))
        .expect("v of a component with a voltage of its own");

    s.record.clear();
    let err = s
        .check_targets(&components[..5], &nodes, &[])
        .expect_err("no rect");
    assert!(
        err.to_string()
            .contains("limit 6 (`PhaseMargin`): component `rect`"),
        "{err}"
    );
}

#[test]
fn scenario_breakpoints_merge_events_and_profiles() {
    let s: Scenario = scenario::load(&data("full.ron")).expect("full.ron parses");
    let loads = names(&["tray1.gpu", "tray2.gpu", "tray3.gpu"]);
    let bound = s.bind_loads(&loads).expect("binds");
    let bp = s.breakpoints(&bound).expect("within the budget");
    assert!(bp.windows(2).all(|w| w[0] < w[1]));
    for t in [0.0, 0.02, 0.03, 0.035, 0.036, 0.04, 0.01] {
        assert!(bp.iter().any(|b| close(*b, t)), "{t} missing from {bp:?}");
    }
    assert!(bp.iter().all(|t| (0.0..=0.05).contains(t)));
}
