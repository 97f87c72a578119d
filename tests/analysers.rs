//! The time-domain analysers and limits on synthetic signals whose answers
//! are known in closed form: a second-order step response (overshoot and
//! settling time), a sine ripple (amplitude and frequency), a power ramp
//! (dP/dt), a power pulse (energy), a dip held for a known time (the ORv3
//! BBU trigger) and fired events.

use busbar::analysis::golden::{compare, parse_csv, Envelope};
use busbar::analysis::limits::{evaluate, measure, Run};
use busbar::analysis::limits::{
    Deviation, Limit, MaxCurrent, MaxEnergy, MaxVoltage, MinDamping, MinVoltage, NoEvent, RampRate,
    Ripple, Settling,
};
use busbar::analysis::metrics::{analyse, AnalysisOptions, Metrics};
use busbar::analysis::{NoSmallSignal, Status};
use busbar::results::{Column, EventRecord, Quantity, SolverStats, Waveforms};
use std::f64::consts::PI;
use std::path::Path;

fn column(name: &str, quantity: Quantity, nominal: Option<f64>, values: Vec<f64>) -> Column {
    Column {
        name: name.into(),
        target: name
            .trim_start_matches("p(")
            .trim_start_matches("i(")
            .trim_end_matches(')')
            .into(),
        quantity,
        nominal,
        values: values.into(),
        extremes: None,
    }
}

fn waveforms(time: Vec<f64>, columns: Vec<Column>) -> Waveforms {
    Waveforms {
        time,
        columns,
        events: Vec::new(),
        stats: SolverStats::default(),
    }
}

fn grid(dt: f64, end: f64) -> Vec<f64> {
    let n = (end / dt).round() as usize;
    (0..=n).map(|k| k as f64 * dt).collect()
}

fn metrics(w: &Waveforms, instants: &[f64], band_pct: f64) -> Metrics {
    let options = AnalysisOptions {
        settle_band_pct: band_pct,
        ..AnalysisOptions::default()
    };
    analyse(w, instants, &options)
}

// ---------------------------------------------------------------------------
// Step response

const ZETA: f64 = 0.5;
const OMEGA: f64 = 2.0 * PI * 100.0;
const T_STEP: f64 = 0.01;

/// Unit step response of ω²/(s² + 2ζωs + ω²), applied at `T_STEP`.
fn second_order(t: f64) -> f64 {
    if t <= T_STEP {
        return 0.0;
    }
    let tau = t - T_STEP;
    let wd = OMEGA * (1.0 - ZETA * ZETA).sqrt();
    1.0 - (-ZETA * OMEGA * tau).exp()
        * ((wd * tau).cos() + ZETA / (1.0 - ZETA * ZETA).sqrt() * (wd * tau).sin())
}

/// Last time the exact response is outside 1 ± band: scanned on a fine
/// grid, then refined by bisection.
fn exact_settling(band: f64) -> f64 {
    let outside = |t: f64| (second_order(t) - 1.0).abs() > band;
    let step = 1e-7;
    let mut t = 0.2;
    while !outside(t) {
        t -= step;
    }
    let (mut lo, mut hi) = (t, t + step);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if outside(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi - T_STEP
}

#[test]
fn step_response_overshoot_and_settling() {
    let dt = 1e-6;
    let time = grid(dt, 0.2);
    let values: Vec<f64> = time.iter().map(|&t| second_order(t)).collect();
    // A nominal of 1 makes the percentages plain fractions of the step.
    let w = waveforms(
        time,
        vec![column("out", Quantity::Voltage, Some(1.0), values)],
    );
    let m = metrics(&w, &[T_STEP], 2.0);
    let node = &m.nodes[0];
    let r = &node.responses[0];

    let overshoot = (-PI * ZETA / (1.0 - ZETA * ZETA).sqrt()).exp();
    assert!(
        (r.overshoot - overshoot).abs() < 1e-6,
        "overshoot {} vs {overshoot}",
        r.overshoot
    );
    assert_eq!(r.pre, 0.0);
    assert!((r.last - 1.0).abs() < 1e-9);
    assert!((r.max.time - T_STEP - PI / (OMEGA * (1.0 - ZETA * ZETA).sqrt())).abs() < 2.0 * dt);
    assert!((r.deviation_pct - 100.0 * (1.0 + overshoot)).abs() < 1e-4);

    let settling = r.settling_time.expect("settles");
    let exact = exact_settling(0.02);
    assert!(
        (settling - exact).abs() < dt,
        "settling {settling} vs {exact}"
    );
    // Recovery runs from the overshoot peak to the same last entry.
    let recovery = r.recovery_time.expect("recovers");
    assert!((recovery - (settling - (r.max.time - T_STEP))).abs() < 1e-12);
    assert_eq!(node.worst.unsettled, 0);

    // The Settling limit sees the same number.
    let run = Run {
        waveforms: &w,
        events: &m.events,
    };
    let tight = Limit::Settling(Settling {
        node: "out".into(),
        band_percent: 2.0,
        within: exact - 1e-4,
    });
    let loose = Limit::Settling(Settling {
        node: "out".into(),
        band_percent: 2.0,
        within: exact + 1e-4,
    });
    let v = evaluate(&[tight, loose], run, &mut NoSmallSignal);
    assert_eq!((v[0].status, v[1].status), (Status::Fail, Status::Pass));
    assert!((v[1].measured.unwrap_or(0.0) - exact).abs() < dt);
}

#[test]
fn unsettled_response_fails_settling() {
    // A growing oscillation never settles; the window ends outside the band.
    let time = grid(1e-5, 0.05);
    let values = time
        .iter()
        .map(|&t| {
            800.0
                + if t > 0.01 {
                    5.0 * (100.0 * (t - 0.01)).exp() * (2.0 * PI * 150.0 * t).sin() + 40.0
                } else {
                    0.0
                }
        })
        .collect();
    let w = waveforms(
        time,
        vec![column("bus800", Quantity::Voltage, Some(800.0), values)],
    );
    let m = metrics(&w, &[0.01], 1.0);
    let limit = Limit::Settling(Settling {
        node: "bus800".into(),
        band_percent: 1.0,
        within: 0.02,
    });
    let run = Run {
        waveforms: &w,
        events: &m.events,
    };
    let v = evaluate(&[limit], run, &mut NoSmallSignal);
    assert_eq!(v[0].status, Status::Fail, "{:?}", v[0]);
}

// ---------------------------------------------------------------------------
// Ripple

#[test]
fn sine_ripple_amplitude_and_frequency() {
    let (amplitude, frequency) = (0.1, 1234.5);
    let dt = 1e-5;
    let time = grid(dt, 0.1);
    let values: Vec<f64> = time
        .iter()
        .map(|&t| 48.0 + amplitude * (2.0 * PI * frequency * t + 0.7).sin())
        .collect();
    let w = waveforms(
        time,
        vec![column("bus50", Quantity::Voltage, Some(50.0), values)],
    );
    let m = metrics(&w, &[], 1.0);
    let ripple = m.nodes[0].ripple.as_ref().expect("ripple");
    let bin = 1.0 / 0.1;
    let line = ripple.lines[0];
    assert!((line.frequency_hz - frequency).abs() < bin, "{line:?}");
    assert!(
        (line.amplitude - amplitude).abs() < 0.01 * amplitude,
        "{line:?}"
    );
    assert!((ripple.peak_to_peak - 2.0 * amplitude).abs() < 0.01 * amplitude);
    assert!((ripple.rms_ac - amplitude / 2f64.sqrt()).abs() < 0.01 * amplitude);
    // 123.45 cycles in the window: the partial cycle moves the mean by
    // up to 2A/(2π·f·T) = 2.6e-4 V.
    assert!((ripple.mean - 48.0).abs() < 2.6e-4);

    let limit = |pp: f64| {
        Limit::Ripple(Ripple {
            node: "bus50".into(),
            max_pp_volts: pp,
            window: Some((0.02, 0.08)),
        })
    };
    let run = Run {
        waveforms: &w,
        events: &m.events,
    };
    let v = evaluate(&[limit(0.15), limit(0.25)], run, &mut NoSmallSignal);
    assert_eq!((v[0].status, v[1].status), (Status::Fail, Status::Pass));
}

// ---------------------------------------------------------------------------
// Power: ramp rate, energy, band share

#[test]
fn ramp_rate_of_a_power_ramp() {
    // A source ramps its delivery from 40 kW to 140 kW at 5 MW/s.
    let slope = 5e6;
    let time = grid(1e-4, 0.1);
    let values = time
        .iter()
        .map(|&t| 40e3 + slope * (t - 0.03).clamp(0.0, 0.02))
        .collect();
    let w = waveforms(time, vec![column("p(grid)", Quantity::Power, None, values)]);
    let m = metrics(&w, &[], 1.0);
    let ramp = m.powers[0].ramp_rate.expect("ramp");
    assert!((ramp.value - slope).abs() < 1e-6 * slope, "{ramp:?}");
    assert!((0.03..=0.05).contains(&ramp.time));

    let limit = |max: f64| {
        Limit::RampRate(RampRate {
            component: "grid".into(),
            max_watts_per_second: Some(max),
            max_up: None,
            max_down: None,
            window: None,
        })
    };
    let run = Run {
        waveforms: &w,
        events: &m.events,
    };
    let v = evaluate(&[limit(4e6), limit(6e6)], run, &mut NoSmallSignal);
    assert_eq!((v[0].status, v[1].status), (Status::Fail, Status::Pass));
    assert!((v[1].margin.unwrap_or(0.0) - 1e6).abs() < 1.0);
}

#[test]
fn energy_of_a_power_pulse() {
    // A store delivers 100 kW for 10 ms (1 kJ), then recharges at 50 kW
    // for 20 ms (1 kJ); in the source convention its p is positive while it
    // delivers. Edges are one sample long, so the trapezoids of the edges
    // add exactly half a sample at full power on each side.
    let dt = 1e-5;
    let time = grid(dt, 0.06);
    // By sample index, so that no time stamp sits on an edge by rounding.
    let values: Vec<f64> = (0..time.len())
        .map(|k| match k {
            1000..=1999 => 100e3,
            3000..=4999 => -50e3,
            _ => 0.0,
        })
        .collect();
    // The same power seen by a load (positive while it absorbs) is the
    // negated column: delivered and absorbed swap.
    let as_load: Vec<f64> = values.iter().map(|v| -v).collect();
    let w = waveforms(
        time,
        vec![
            column("p(cbu)", Quantity::Power, None, values),
            column("p(sink)", Quantity::Power, None, as_load),
        ],
    );
    let options = AnalysisOptions {
        delivering: ["cbu".to_string()].into(),
        ..AnalysisOptions::default()
    };
    let m = analyse(&w, &[], &options);
    let sink = &m.powers[1];
    assert!((sink.energy_delivered - 1000.0).abs() < 1e-6);
    assert!((sink.energy_absorbed - 1000.0).abs() < 1e-6);
    assert!((sink.max_discharge.value - 1000.0).abs() < 1e-6);
    let p = &m.powers[0];
    assert!(
        (p.energy_delivered - 1000.0).abs() < 1e-6,
        "{}",
        p.energy_delivered
    );
    assert!(
        (p.energy_absorbed - 1000.0).abs() < 1e-6,
        "{}",
        p.energy_absorbed
    );
    assert!((p.max_discharge.value - 1000.0).abs() < 1e-6);
    assert!((p.max_discharge.time - 0.02).abs() < 2.0 * dt);
    assert_eq!(p.peak.map(|a| a.value), Some(100e3));

    let limit = |joules: f64| {
        Limit::MaxEnergy(MaxEnergy {
            component: "cbu".into(),
            joules,
        })
    };
    let run = Run {
        waveforms: &w,
        events: &m.events,
    };
    let v = evaluate(&[limit(800.0), limit(1200.0)], run, &mut NoSmallSignal);
    assert_eq!((v[0].status, v[1].status), (Status::Fail, Status::Pass));
}

#[test]
fn utility_band_share() {
    // Equal tones at 0.5 Hz (training iterations) and 50 Hz: half the
    // fluctuation energy lies in 0.1–20 Hz.
    let time = grid(1e-3, 20.0);
    let values = time
        .iter()
        .map(|&t| -1e6 + 1e5 * ((2.0 * PI * 0.5 * t).sin() + (2.0 * PI * 50.0 * t).sin()))
        .collect();
    let w = waveforms(time, vec![column("p(sst)", Quantity::Power, None, values)]);
    let share = metrics(&w, &[], 1.0).powers[0]
        .band_share
        .expect("resolved");
    assert!((share - 0.5).abs() < 0.01, "{share}");
}

// ---------------------------------------------------------------------------
// Voltage levels and events

#[test]
fn bbu_trigger_is_judged_on_the_time_below() {
    // 50 V bus dipping to 48.2 V: for 1.5 ms (passes the 2 ms rule), then
    // for 2.5 ms (fails it).
    let time = grid(1e-5, 0.03);
    let dip = |t: f64, from: f64, len: f64| (from..from + len).contains(&t);
    let values = |len: f64| -> Vec<f64> {
        time.iter()
            .map(|&t| if dip(t, 0.01, len) { 48.2 } else { 49.5 })
            .collect()
    };
    for (len, status) in [(1.5e-3, Status::Pass), (2.5e-3, Status::Fail)] {
        let w = waveforms(
            time.clone(),
            vec![column("bus50", Quantity::Voltage, Some(50.0), values(len))],
        );
        let limit = Limit::MinVoltage(MinVoltage {
            node: "bus*".into(),
            volts: 48.5,
            longer_than: Some(2e-3),
        });
        let m = measure(
            &limit,
            Run {
                waveforms: &w,
                events: &[],
            },
        )
        .expect("measured");
        let v = busbar::analysis::Verdict::judged(&limit, m);
        assert_eq!(v.status, status, "{len}: {}", v.line());
        assert_eq!(v.target.as_deref(), Some("bus50"));
    }
    // Without `longer_than` any dip below the threshold fails, and the
    // measured value is the minimum.
    let w = waveforms(
        time.clone(),
        vec![column("bus50", Quantity::Voltage, Some(50.0), values(1e-4))],
    );
    let limit = Limit::MinVoltage(MinVoltage {
        node: "bus50".into(),
        volts: 48.5,
        longer_than: None,
    });
    let m = measure(
        &limit,
        Run {
            waveforms: &w,
            events: &[],
        },
    )
    .expect("measured");
    assert_eq!(m.measured, 48.2);
    assert!(m.margin < 0.0);
}

#[test]
fn deviation_and_max_voltage() {
    let time = grid(1e-5, 0.03);
    let values = time
        .iter()
        .map(|&t| {
            if (0.01..0.012).contains(&t) {
                820.0
            } else {
                800.0
            }
        })
        .collect();
    let w = waveforms(
        time,
        vec![column("bus800", Quantity::Voltage, Some(800.0), values)],
    );
    let m = metrics(&w, &[0.01], 1.0);
    let run = Run {
        waveforms: &w,
        events: &m.events,
    };
    let limits = [
        Limit::Deviation(Deviation {
            node: "bus800".into(),
            max_percent: 3.0,
        }),
        Limit::Deviation(Deviation {
            node: "bus800".into(),
            max_percent: 2.0,
        }),
        Limit::MaxVoltage(MaxVoltage {
            node: "bus800".into(),
            volts: 810.0,
            longer_than: Some(1e-3),
        }),
        Limit::MaxVoltage(MaxVoltage {
            node: "bus800".into(),
            volts: 810.0,
            longer_than: Some(3e-3),
        }),
    ];
    let v = evaluate(&limits, run, &mut NoSmallSignal);
    let status: Vec<Status> = v.iter().map(|v| v.status).collect();
    assert_eq!(
        status,
        [Status::Pass, Status::Fail, Status::Fail, Status::Pass]
    );
    assert!((v[0].measured.unwrap_or(0.0) - 2.5).abs() < 1e-9);
    assert!((v[0].margin.unwrap_or(0.0) - 0.5).abs() < 1e-9);
}

#[test]
fn no_event_matches_target_and_what() {
    let mut w = waveforms(grid(1e-3, 0.01), vec![]);
    w.events.push(EventRecord {
        time: 0.004,
        target: "rack3.bbu".into(),
        what: "triggered".into(),
    });
    let limit = |target: &str, what: Option<&str>| {
        Limit::NoEvent(NoEvent {
            target: target.into(),
            what: what.map(str::to_string),
        })
    };
    let run = Run {
        waveforms: &w,
        events: &[],
    };
    let v = evaluate(
        &[
            limit("*bbu*", Some("trigger*")),
            limit("*bbu*", Some("release*")),
            limit("*.gpu", None),
        ],
        run,
        &mut NoSmallSignal,
    );
    assert_eq!(v[0].status, Status::Fail);
    assert_eq!(
        (v[0].target.as_deref(), v[0].time),
        (Some("rack3.bbu"), Some(0.004))
    );
    assert_eq!((v[1].status, v[2].status), (Status::Pass, Status::Pass));
}

#[test]
fn unrecorded_targets_and_small_signal_limits_are_errors() {
    let w = waveforms(grid(1e-3, 0.01), vec![]);
    let run = Run {
        waveforms: &w,
        events: &[],
    };
    let v = evaluate(
        &[
            Limit::MaxCurrent(MaxCurrent {
                component: "grid".into(),
                amps: 10.0,
            }),
            Limit::MinDamping(MinDamping { ratio: 0.05 }),
        ],
        run,
        &mut NoSmallSignal,
    );
    assert!(v.iter().all(|v| v.status == Status::Error));
    assert!(
        v[0].detail.contains("add `i(grid)` to `record`"),
        "{}",
        v[0].detail
    );
    assert!(v[1].detail.contains("not evaluated"));
}

/// A step at 50 ms from 780 V to 800 V, shifted and scaled.
fn golden_run(shift: f64, scale: f64) -> Waveforms {
    let time = grid(1e-3, 0.1);
    let values = time
        .iter()
        .map(|&t| {
            if t >= 0.05 + shift {
                800.0 * scale
            } else {
                780.0 * scale
            }
        })
        .collect();
    waveforms(
        time,
        vec![column("bus800", Quantity::Voltage, Some(800.0), values)],
    )
}

#[test]
fn golden_envelope_tolerates_edge_jitter_not_level_errors() {
    let bytes = busbar::report::waveforms_csv(&golden_run(0.0, 1.0));
    let golden = parse_csv(&bytes).expect("parses");
    let env = Envelope::default();
    let same = compare(Path::new("g.csv"), &golden, &golden_run(0.0, 1.0), &env);
    assert_eq!(same.worst_ratio(), 0.0);
    // An edge one sample late passes thanks to τ = one step.
    let late = compare(Path::new("g.csv"), &golden, &golden_run(1e-3, 1.0), &env);
    assert!(late.worst_ratio() <= 1.0, "{late:?}");
    // A level 0.5 % off fails, worst at the highest values.
    let off = compare(Path::new("g.csv"), &golden, &golden_run(0.0, 1.005), &env);
    assert!(off.worst_ratio() > 1.0);
    assert_eq!(off.worst.as_ref().map(|w| w.golden), Some(800.0));
    assert_eq!(off.verdict().status, Status::Fail);
}
