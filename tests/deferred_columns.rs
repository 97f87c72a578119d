//! Node voltages kept as the solver's dense output (the step log) and
//! rebuilt when read give the same bits as sampling them into memory during
//! the run: every value, every time stamp and every extreme with its time,
//! through load steps, switch events, a UVLO trip with its post-event rows,
//! and a run so coarsely sampled that the log outgrows the samples and the
//! recorder switches to sampling in memory part-way.

use busbar::results::Waveforms;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `circuit` under `scenario` with node columns deferred or held.
fn run(circuit: &str, scenario: &str, rows: Option<f64>, defer: bool) -> Waveforms {
    let mut overrides = BTreeMap::new();
    if let Some(rows) = rows {
        overrides.insert("n_rows".to_string(), rows);
    }
    let flat = busbar::components::parse_str(circuit, Path::new("c.ron"), &overrides)
        .unwrap_or_else(|e| panic!("circuit: {e}"));
    let sc = busbar::scenario::parse_str(scenario, Path::new("s.ron"))
        .unwrap_or_else(|e| panic!("scenario: {e}"));
    // With the columns the limits need, as `busbar simulate` records them.
    let needed = busbar::analysis::limits::limit_probes(&sc.limits);
    let mut p = busbar::prepare::prepare_recording(flat, sc, &needed)
        .unwrap_or_else(|e| panic!("prepare: {e}"));
    p.spec.defer_node_columns = defer;
    p.run(None).unwrap_or_else(|e| panic!("run: {e}"))
}

/// Both runs agree to the bit; returns how many columns were deferred.
fn assert_same_bits(deferred: &Waveforms, held: &Waveforms) -> usize {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&deferred.time), bits(&held.time), "time stamps");
    assert_eq!(deferred.columns.len(), held.columns.len());
    let mut count = 0;
    for (d, h) in deferred.columns.iter().zip(&held.columns) {
        assert!(!h.values.is_deferred(), "{} held", h.name);
        if d.values.is_deferred() {
            count += 1;
        }
        // Rebuilt for the caller alone, then kept: both the same bits.
        let once = d.values.read().into_owned();
        assert_eq!(bits(&once), bits(&h.values), "{} values", d.name);
        assert_eq!(bits(&d.values), bits(&h.values), "{} kept values", d.name);
        let ends = |c: &busbar::results::Column| {
            c.extremes
                .map(|e| [e.min, e.t_min, e.max, e.t_max].map(f64::to_bits))
        };
        assert_eq!(ends(d), ends(h), "{} extremes", d.name);
    }
    count
}

const UVLO_CIRCUIT: &str = r#"Circuit(name: "uvlo", components: [
    VoltageSource(name: "vs", pos: "src", volts: 800.0),
    Switch(name: "sw", a: "src", b: "in", on_ohms: 0.1, off_ohms: 1e12),
    Capacitor(name: "cin", a: "in", b: "gnd", farads: 10e-3),
    Converter(name: "conv", input: "in", output: "bus", volts: 400.0, rated_watts: 100e3,
        voltage_loop: Bandwidth(hz: 500.0, capacitance: 2e-3), current_loop_hz: 2e3,
        efficiency: 0.97, uvlo: (off_volts: 600.0, on_volts: 700.0)),
    Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 2e-3),
    Resistor(name: "rl", a: "bus", b: "gnd", ohms: 4.0),
])"#;

#[test]
fn a_uvlo_trip_and_its_restart_rebuild_to_the_same_bits() {
    // The switch opens at 1 ms, the converter locks out near 20 ms (a state
    // event: its row replaces the step end at the same instant) and
    // restarts after the switch closes at 60 ms.
    let scenario = r#"Scenario(name: "brown-out", duration: 0.1, sample: 1e-4,
        events: [Open(at: 1e-3, component: "sw"), Close(at: 60e-3, component: "sw")],
        record: ["in", "bus", "src", "i(conv)"])"#;
    let deferred = run(UVLO_CIRCUIT, scenario, None, true);
    let held = run(UVLO_CIRCUIT, scenario, None, false);
    assert!(
        deferred.events.iter().any(|e| e.what.contains("uvlo")),
        "the run must trip: {:?}",
        deferred.events
    );
    assert_eq!(
        assert_same_bits(&deferred, &held),
        3,
        "three node columns deferred"
    );
}

#[test]
fn a_coarsely_sampled_run_switches_to_held_samples_and_keeps_the_bits() {
    // 5 samples over 0.1 s against hundreds of steps: the log outgrows the
    // samples within the first steps and the recorder rebuilds the columns
    // there and samples them in memory for the rest of the run.
    let scenario = r#"Scenario(name: "coarse", duration: 0.1, sample: 0.025,
        events: [Open(at: 1e-3, component: "sw"), Close(at: 60e-3, component: "sw")],
        record: ["in", "bus", "i(conv)"])"#;
    let deferred = run(UVLO_CIRCUIT, scenario, None, true);
    let held = run(UVLO_CIRCUIT, scenario, None, false);
    assert!(deferred.stats.steps > 20, "{} steps", deferred.stats.steps);
    assert_eq!(
        assert_same_bits(&deferred, &held),
        0,
        "switched to held samples"
    );
}

#[test]
fn a_hall_of_fifty_racks_rebuilds_every_judged_bus_to_the_same_bits() {
    // Staggered load steps (profile corners are breakpoints) and the glob
    // limits that record every rack bus.
    let circuit = fs::read_to_string(root().join("circuits/hall.ron")).expect("hall.ron");
    let scenario =
        fs::read_to_string(root().join("scenarios/hall_step_10.ron")).expect("hall_step_10.ron");
    let deferred = run(&circuit, &scenario, Some(5.0), true);
    let held = run(&circuit, &scenario, Some(5.0), false);
    let count = assert_same_bits(&deferred, &held);
    assert!(count > 100, "only {count} columns deferred");
}

#[test]
fn limits_judged_together_give_the_verdicts_of_each_measured_alone() {
    // The glob limits of the hall read each rack bus once for all of them
    // (`limits::columnwise`); every verdict must be, to the bit, the one
    // the limit gives measured on its own.
    use busbar::analysis::limits::{measure, NoSmallSignal, Run};
    use busbar::analysis::verdict::Verdict;
    let circuit = fs::read_to_string(root().join("circuits/hall.ron")).expect("hall.ron");
    let scenario =
        fs::read_to_string(root().join("scenarios/hall_step_10.ron")).expect("hall_step_10.ron");
    let overrides = BTreeMap::from([("n_rows".to_string(), 5.0)]);
    let flat = busbar::components::parse_str(&circuit, Path::new("c.ron"), &overrides)
        .unwrap_or_else(|e| panic!("circuit: {e}"));
    let sc = busbar::scenario::parse_str(&scenario, Path::new("s.ron"))
        .unwrap_or_else(|e| panic!("scenario: {e}"));
    let needed = busbar::analysis::limits::limit_probes(&sc.limits);
    let mut p = busbar::prepare::prepare_recording(flat, sc, &needed)
        .unwrap_or_else(|e| panic!("prepare: {e}"));
    let w = p.run(None).unwrap_or_else(|e| panic!("run: {e}"));
    let judged = busbar::analysis::analyse_run(&p, &w, &mut NoSmallSignal);
    let limits = &p.scenario.limits;
    assert_eq!(judged.verdicts.len(), limits.len());
    let run = Run {
        waveforms: &w,
        events: &judged.metrics.events,
    };
    for (limit, together) in limits.iter().zip(&judged.verdicts) {
        let alone = match measure(limit, run) {
            Ok(m) => Verdict::judged(limit, m),
            Err(why) => Verdict::error(limit, why),
        };
        // Debug prints each number's shortest round-trip form: equal text
        // is equal bits.
        assert_eq!(format!("{alone:?}"), format!("{together:?}"));
    }
}
