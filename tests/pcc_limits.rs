//! The grid-side limits at the point of common coupling on synthetic P(t)
//! and V(t) with closed-form answers: the energy share of two tones in and
//! out of the 0.1–20 Hz band, the 1 s averaged ramp of a step and of a
//! linear ramp, the dynamic-range band, and the ride-through curve; then
//! bad parameters and a limit that names nothing.

use busbar::analysis::limits::{
    evaluate, BandShare, DynamicRange, Limit, RampRate, RideThrough, Run,
};
use busbar::analysis::{NoSmallSignal, Scenario, Status, Verdict};
use busbar::results::{Column, EventRecord, Quantity, SolverStats, Waveforms};
use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::path::Path;

fn waveforms(time: Vec<f64>, name: &str, quantity: Quantity, values: Vec<f64>) -> Waveforms {
    let target = name.trim_start_matches("p(").trim_end_matches(')');
    Waveforms {
        time,
        columns: vec![Column {
            name: name.into(),
            target: target.into(),
            quantity,
            nominal: (quantity == Quantity::Voltage).then_some(13.8e3),
            values: values.into(),
            extremes: None,
        }],
        events: Vec::new(),
        stats: SolverStats::default(),
    }
}

/// `n` samples `dt` apart from 0.
fn grid(dt: f64, n: usize) -> Vec<f64> {
    (0..n).map(|k| k as f64 * dt).collect()
}

fn judge(w: &Waveforms, limits: &[Limit]) -> Vec<Verdict> {
    let run = Run {
        waveforms: w,
        events: &[],
    };
    evaluate(limits, run, &mut NoSmallSignal)
}

fn margin(v: &Verdict) -> f64 {
    v.margin.unwrap_or(f64::NAN)
}

// ---------------------------------------------------------------------------
// Band share

#[test]
fn band_share_of_a_tone_in_the_band_and_one_above_it() {
    // 3 MW at 2 Hz (in 0.1–20 Hz) and 4 MW at 50 Hz on 100 MW, over 20 s
    // sampled every 2⁻¹⁰ s (exact in binary, so the uniform grid the
    // spectrum is taken on is the samples themselves, no interpolation):
    // both tones fit a whole number of periods in the record, so each
    // lands on three Hann bins (k − 1, k, k + 1) holding the same fraction
    // 3/8 of its energy, and the share is exactly 3²/(3² + 4²) = 36 % up
    // to rounding.
    let time = grid(1.0 / 1024.0, 20_480);
    let values = time
        .iter()
        .map(|&t| 100e6 + 3e6 * (2.0 * PI * 2.0 * t).sin() + 4e6 * (2.0 * PI * 50.0 * t).sin())
        .collect();
    let w = waveforms(time, "p(grid)", Quantity::Power, values);
    let limit = |max_percent: f64| {
        Limit::BandShare(BandShare {
            component: "grid".into(),
            max_percent,
            band_hz: None,
        })
    };
    let v = judge(&w, &[limit(40.0), limit(30.0)]);
    assert_eq!((v[0].status, v[1].status), (Status::Pass, Status::Fail));
    let share = v[0].measured.unwrap_or(f64::NAN);
    assert!((share - 36.0).abs() < 1e-9, "{share}");
    assert!((margin(&v[1]) + 6.0).abs() < 1e-9, "{:?}", v[1]);

    // A band that holds both tones holds all the energy.
    let wide = Limit::BandShare(BandShare {
        component: "grid".into(),
        max_percent: 100.0,
        band_hz: Some((0.1, 60.0)),
    });
    let all = judge(&w, &[wide])[0].measured.unwrap_or(f64::NAN);
    assert!((all - 100.0).abs() < 1e-9, "{all}");
}

#[test]
fn a_record_too_short_for_the_lower_edge_is_not_judged() {
    // 5 s resolve 0.2 Hz, not 0.1 Hz: no share, an error saying why.
    let time = grid(1e-3, 5_001);
    let values = time.iter().map(|&t| (2.0 * PI * 2.0 * t).sin()).collect();
    let w = waveforms(time, "p(grid)", Quantity::Power, values);
    let v = &judge(
        &w,
        &[Limit::BandShare(BandShare {
            component: "grid".into(),
            max_percent: 20.0,
            band_hz: None,
        })],
    )[0];
    assert_eq!(v.status, Status::Error);
    assert!(v.detail.contains("run for at least 10 s"), "{}", v.detail);
}

// ---------------------------------------------------------------------------
// Ramp rate over a 1 s average

fn ramp(max_up: Option<f64>, max_down: Option<f64>, window: Option<f64>) -> Limit {
    Limit::RampRate(RampRate {
        component: "grid".into(),
        max_watts_per_second: None,
        max_up,
        max_down,
        window,
    })
}

#[test]
fn a_one_second_average_turns_steps_into_height_per_window() {
    // 100 MW, +6 MW in one 10 ms sample at t = 5 s, −3 MW at t = 12 s.
    // The running 1 s mean rises by 6 MW over one second: 6 MW/s, and
    // falls at 3 MW/s; over one sample the same step is 600 MW/s.
    let dt = 0.01;
    let time = grid(dt, 2_001);
    let values = (0..time.len())
        .map(|k| match k {
            0..=500 => 100e6,
            501..=1200 => 106e6,
            _ => 103e6,
        })
        .collect();
    let w = waveforms(time, "p(grid)", Quantity::Power, values);
    let v = judge(
        &w,
        &[
            ramp(Some(6.5e6), Some(2.5e6), Some(1.0)),
            ramp(Some(5.5e6), None, Some(1.0)),
            ramp(Some(1e9), None, None),
        ],
    );
    // Fails on the fall, by 0.5 MW/s; the rise is within.
    assert_eq!(v[0].status, Status::Fail);
    assert!((margin(&v[0]) + 0.5e6).abs() < 1e-3, "{:?}", v[0]);
    assert!((v[0].measured.unwrap_or(0.0) - 3e6).abs() < 1e-3);
    assert!(v[0].detail.contains("steepest fall"), "{}", v[0].detail);
    // The rise: 6 MW/s, from t = 5.01 s (the step's end) to 6.00 s.
    assert!((margin(&v[1]) + 0.5e6).abs() < 1e-3, "{:?}", v[1]);
    let t = v[1].time.unwrap_or(0.0);
    assert!((5.01 - 1e-9..=6.0 + 1e-9).contains(&t), "{t}");
    // Per sample: 6 MW in 10 ms.
    assert!(
        (v[2].measured.unwrap_or(0.0) - 600e6).abs() < 1.0,
        "{:?}",
        v[2]
    );
}

#[test]
fn a_linear_ramp_keeps_its_slope_through_the_average() {
    // 2 MW/s from t = 10 s to 25 s: the running mean of a ramp longer
    // than the window rises at the same slope; it never falls.
    let time = grid(0.01, 3_001);
    let values = time
        .iter()
        .map(|&t| 50e6 + 2e6 * (t - 10.0).clamp(0.0, 15.0))
        .collect();
    let w = waveforms(time, "p(grid)", Quantity::Power, values);
    let v = judge(&w, &[ramp(Some(2.1e6), Some(1e9), Some(1.0))]);
    assert_eq!(v[0].status, Status::Pass, "{:?}", v[0]);
    assert!((margin(&v[0]) - 0.1e6).abs() < 1e-3, "{:?}", v[0]);
    assert!((v[0].measured.unwrap_or(0.0) - 2e6).abs() < 1e-3);
}

// ---------------------------------------------------------------------------
// Dynamic range

fn range(min: Option<f64>, max: Option<f64>, around: Option<(f64, f64)>) -> Limit {
    Limit::DynamicRange(DynamicRange {
        component: "grid".into(),
        min_watts: min,
        max_watts: max,
        around_mean_watts: around.map(|a| a.0),
        window: around.map(|a| a.1),
    })
}

#[test]
fn a_power_touching_the_band_passes_and_one_beyond_fails_by_the_excess() {
    // A triangle between 45 and 55 MW (1 s period, 10 ms samples) on
    // exact sample values, then the same with one sample 0.7 MW higher.
    let time = grid(0.01, 1_001);
    let tri = |k: usize| 45e6 + 10e6 * (1.0 - ((k % 100) as f64 - 50.0).abs() / 50.0);
    let values: Vec<f64> = (0..time.len()).map(tri).collect();
    let mut spiked = values.clone();
    spiked[350] += 0.7e6;
    let touch = waveforms(time.clone(), "p(grid)", Quantity::Power, values);
    let over = waveforms(time, "p(grid)", Quantity::Power, spiked);
    let limit = range(Some(45e6), Some(55e6), None);
    let v = judge(&touch, std::slice::from_ref(&limit));
    assert_eq!(v[0].status, Status::Pass, "{:?}", v[0]);
    assert_eq!(margin(&v[0]), 0.0);
    let v = judge(&over, &[limit]);
    assert_eq!(v[0].status, Status::Fail);
    assert!((margin(&v[0]) + 0.7e6).abs() < 1e-6, "{:?}", v[0]);
    assert!((v[0].time.unwrap_or(0.0) - 3.5).abs() < 1e-9);
    assert_eq!(v[0].limit, Some(55e6));
}

#[test]
fn a_step_departs_from_its_running_mean_by_its_height_less_half_a_sample() {
    // 50 MW, +2 MW over one 10 ms sample at t = 10 s. Just after the step
    // the trailing 1 s mean holds half a sample of the new level:
    // P − mean = 2 MW · (1 − 0.01/2) = 1.99 MW, the largest departure.
    let time = grid(0.01, 2_001);
    let values = (0..time.len())
        .map(|k| if k <= 1000 { 50e6 } else { 52e6 })
        .collect();
    let w = waveforms(time, "p(grid)", Quantity::Power, values);
    let v = judge(
        &w,
        &[
            range(None, None, Some((1.5e6, 1.0))),
            range(None, None, Some((2e6, 1.0))),
        ],
    );
    assert_eq!((v[0].status, v[1].status), (Status::Fail, Status::Pass));
    assert!((margin(&v[0]) + 0.49e6).abs() < 1e-3, "{:?}", v[0]);
    assert!((margin(&v[1]) - 0.01e6).abs() < 1e-3, "{:?}", v[1]);
    assert!((v[0].time.unwrap_or(0.0) - 10.01).abs() < 1e-9);
}

// ---------------------------------------------------------------------------
// Ride-through

/// 1 pu until t = 1 s, `depth` pu from one 1 ms sample later to t = 1.5 s,
/// then 1 pu again, on a 13.8 kV PCC; the facility trips at `trip`.
fn sag(depth: f64, trip: Option<f64>) -> Waveforms {
    let time = grid(1e-3, 3_001);
    let values = (0..time.len())
        .map(|k| if (1001..=1500).contains(&k) { depth } else { 1.0 } * 13.8e3)
        .collect();
    let mut w = waveforms(time, "pcc", Quantity::Voltage, values);
    w.events = trip
        .map(|time| EventRecord {
            time,
            target: "afe".into(),
            what: "trip".into(),
        })
        .into_iter()
        .collect();
    w
}

fn prc024() -> Limit {
    Limit::RideThrough(RideThrough {
        node: "pcc".into(),
        component: "afe".into(),
        what: "trip*".into(),
        curve: vec![(0.15, 0.45), (0.3, 0.65), (2.0, 0.75), (3.0, 0.9)],
        nominal_volts: None,
    })
}

#[test]
fn a_trip_inside_the_no_trip_zone_fails_and_one_beyond_it_passes() {
    // Sag to 0.7 pu, trip at 1.2 s: below 0.75 pu for 0.2 s (2 s allowed),
    // never below 0.45 pu. The nearest way out of the zone was 0.15 s
    // below 0.45 pu: fails by 0.15 s.
    let v = judge(&sag(0.7, Some(1.2)), &[prc024()]);
    assert_eq!(v[0].status, Status::Fail, "{:?}", v[0]);
    assert!((margin(&v[0]) + 0.15).abs() < 1e-9, "{:?}", v[0]);

    // Sag to 0.6 pu, trip at 1.4 s: below 0.65 pu since the crossing at
    // 1 s + 1 ms · 0.35/0.4, i.e. 0.399125 s, 0.099125 s past its 0.3 s.
    let v = judge(&sag(0.6, Some(1.4)), &[prc024()]);
    assert_eq!(v[0].status, Status::Pass, "{:?}", v[0]);
    assert!((margin(&v[0]) - 0.099125).abs() < 1e-9, "{:?}", v[0]);

    // The same sag, but the facility trips after the voltage recovered:
    // that disturbance is over, so the trip is not covered by it.
    let v = judge(&sag(0.6, Some(1.8)), &[prc024()]);
    assert_eq!(v[0].status, Status::Fail, "{:?}", v[0]);

    // No trip: the facility rode through.
    let v = judge(&sag(0.2, None), &[prc024()]);
    assert_eq!(v[0].status, Status::Pass, "{:?}", v[0]);
}

// ---------------------------------------------------------------------------
// Bad parameters and names

fn scenario_error(limit: &str) -> String {
    let text = format!(
        "Scenario(name: \"s\", duration: 5, sample: 1e-3,\n  record: [\"out\"],\n  limits: [\n    {limit},\n  ])"
    );
    match busbar::scenario::parse_str::<Limit>(&text, Path::new("s.ron")) {
        Ok(_) => panic!("`{limit}` was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_parameters_are_located_errors() {
    for (limit, says) in [
        (
            r#"BandShare(component: "grid", max_percent: 20, band_hz: (20, 0.1))"#,
            "upper edge above its lower edge",
        ),
        (
            r#"BandShare(component: "grid", max_percent: 20, band_hz: (0.1, 20))"#,
            "must last at least 10 s",
        ),
        (
            r#"RampRate(component: "grid", max_up: 1e6, window: 0)"#,
            "must be > 0",
        ),
        (
            r#"RampRate(component: "grid", window: 1)"#,
            "give `max_watts_per_second`, `max_up` or `max_down`",
        ),
        (
            r#"DynamicRange(component: "grid", min_watts: 5e6, max_watts: 1e6)"#,
            "must be above `min_watts`",
        ),
        (
            r#"DynamicRange(component: "grid", around_mean_watts: 1e6)"#,
            "go together",
        ),
        (
            r#"RideThrough(node: "pcc", component: "afe", what: "trip", curve: [(0.15, 0.45), (0.1, 0.65)])"#,
            "must rise monotonically",
        ),
    ] {
        let e = scenario_error(limit);
        assert!(e.contains("s.ron:4:"), "{limit}: {e}");
        assert!(e.contains("limit 1 ("), "{limit}: {e}");
        assert!(e.contains(says), "{limit}: {e}");
    }
}

#[test]
fn a_limit_naming_no_component_is_an_error() {
    let circuit = r#"Circuit(name: "rc", components: [
        VoltageSource(name: "v1", pos: "src", volts: 10.0),
        Resistor(name: "r1", a: "src", b: "out", ohms: "1k"),
        Capacitor(name: "c1", a: "out", b: "gnd", farads: "1u"),
    ])"#;
    let scenario = r#"Scenario(name: "s", duration: 1e-3, sample: 1e-5,
        limits: [RampRate(component: "grid", max_up: 1e6, window: 1e-4)])"#;
    let flat = busbar::components::parse_str(circuit, Path::new("c.ron"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("circuit: {e}"));
    let sc: Scenario = busbar::scenario::parse_str(scenario, Path::new("s.ron"))
        .unwrap_or_else(|e| panic!("scenario: {e}"));
    let err = match busbar::study::prepare_flat(flat, sc) {
        Ok(_) => panic!("a limit on a missing component was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("limit 1 (`RampRate`): component `grid`"),
        "{err}"
    );

    // On a run where nothing matches it is an error, never a pass.
    let w = waveforms(grid(0.01, 101), "p(feed)", Quantity::Power, vec![0.0; 101]);
    let v = judge(&w, &[ramp(Some(1.0), None, Some(0.1))]);
    assert_eq!(v[0].status, Status::Error);
    assert!(
        v[0].detail.contains("add `p(grid)` to `record`"),
        "{}",
        v[0].detail
    );
}
