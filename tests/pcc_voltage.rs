//! The PCC voltage of an `ActiveFrontEnd`, recorded as `v(afe)`, against
//! the phasor closed form of its grid: E (line to neutral, RMS) behind
//! R + jX per phase, the unit drawing I in phase with the PCC voltage V
//! (i_q = 0 once settled), so |E|² = (V + R·I)² + (X·I)². At an operating
//! point it is checked with I from the recorded power, in a deep sag with
//! I at the current limit (known exactly); then `RideThrough` and
//! `MinVoltage` judge that column, and names that give no voltage are
//! located errors.

mod common;

use busbar::analysis::{Scenario, Status, Verdict};
use busbar::results::{Quantity, Waveforms};
use busbar::study::Study;
use common::afe::{circuit, e_peak, grid_rx, S, VLL};
use common::{at, event_time, run};
use std::f64::consts::SQRT_2;
use std::path::Path;

/// 800 kW resistive load on the 800 V link, η = 0.98.
const LOAD: &str = r#"Resistor(name: "rl", a: "bus", b: "gnd", ohms: 0.8)"#;

/// PCC line-to-line RMS voltage for a three-phase power `p` drawn at unity
/// power factor from an EMF of `g` pu: with u = V² (V per phase, RMS),
/// E²·u = (u + R·P/3)² + (X·P/3)², i.e. u² + (2R·P/3 − E²)·u + |Z|²·(P/3)²
/// = 0, whose larger root is the operating point (the smaller one is the
/// collapsed branch behind the impedance).
fn pcc_from_power(p: f64, g: f64) -> f64 {
    let (r, x) = grid_rx();
    let e2 = (g * VLL / 3f64.sqrt()).powi(2);
    let q = p / 3.0;
    let b = 2.0 * r * q - e2;
    let c = (r * r + x * x) * q * q;
    let u = (-b + (b * b - 4.0 * c).sqrt()) / 2.0;
    (3.0 * u).sqrt()
}

/// PCC line-to-line RMS voltage for a current `i` (RMS, in phase with V)
/// from an EMF of `g` pu: V = √(E² − (X·I)²) − R·I per phase.
fn pcc_from_current(i: f64, g: f64) -> f64 {
    let (r, x) = grid_rx();
    let e = g * VLL / 3f64.sqrt();
    ((e * e - (x * i).powi(2)).sqrt() - r * i) * 3f64.sqrt()
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn at_an_operating_point_v_is_the_phasor_closed_form_of_the_recorded_power() {
    // Full load, then a sag to 0.8 pu that the current limit still covers
    // (800 kW needs ≈ 1700 A peak at 0.8 pu, the limit is 2041 A): at the
    // start and at the end of the sag every derivative has died out, so
    // the recorded v(afe) must be the closed form of the recorded p(afe).
    let w = run(
        &circuit("efficiency: 0.98", LOAD),
        r#"Scenario(name: "op", duration: 0.6, sample: 1e-3, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 0.1, component: "afe", field: "grid_volts", value: 0.8)],
            record: ["v(afe)", "p(afe)", "i(afe)"])"#,
    );
    let col = w
        .columns
        .iter()
        .find(|c| c.name == "v(afe)")
        .expect("v(afe)");
    assert_eq!(col.quantity, Quantity::Voltage);
    assert_eq!(col.target, "afe");
    assert_eq!(col.nominal, Some(VLL), "1 pu is grid_vll");
    for (t, g) in [(0.0, 1.0), (0.099, 1.0), (0.6, 0.8)] {
        let (v, p, i) = (
            at(&w, "v(afe)", t),
            at(&w, "p(afe)", t),
            at(&w, "i(afe)", t),
        );
        let exact = pcc_from_power(p, g);
        // At unity power factor p = √3·V·I with I the recorded RMS current.
        let from_i = p / (3f64.sqrt() * i);
        println!(
            "t = {t} s, g = {g}: v = {v:.9} V, closed form {exact:.9} V ({:.1e}), √3·V·I form {:.1e}",
            relative(v, exact),
            relative(v, from_i)
        );
        assert!(relative(v, exact) < 1e-9, "t = {t}: {v} V vs {exact} V");
        assert!(
            relative(v, from_i) < 1e-9,
            "t = {t}: {v} V vs p/(√3·i) {from_i} V"
        );
        assert!(
            v < g * VLL,
            "the drop across the grid impedance lowers the PCC"
        );
    }
}

#[test]
fn in_a_deep_sag_v_sits_at_the_closed_form_of_the_limit_current() {
    // Sag to g = 0.5 from 20 ms to 0.8 s: the 800 kW load needs more than
    // the ≈ 500 kW the unit draws at its limit, so the command sits at
    // I_max = 1.2·2S/(3Ê) peak; once the current loop, the PLL and the DC
    // link have settled the PCC voltage is √(E² − (X·I)²) − R·I per phase
    // with I = I_max/√2, a number that does not depend on the load. The
    // PLL's gain falls with the PCC voltage (0.42 pu here), so the settling
    // is slow: measured, the worst relative error over t ≥ 0.4 s is 8e-8,
    // over t ≥ 0.6 s 2.5e-11 (at g = 0.3, 0.16 pu at the PCC, it is still
    // 7e-9 after 1.2 s). Before the sag it is near 1 pu.
    let (g, sag, back) = (0.5, 0.02, 0.8);
    let w = run(
        &circuit("efficiency: 0.98", LOAD),
        &format!(
            r#"Scenario(name: "sag", duration: 1.0, sample: 1e-3, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: {sag}, component: "afe", field: "grid_volts", value: {g}),
                     Set(at: {back}, component: "afe", field: "grid_volts", value: 1.0)],
            record: ["v(afe)", "i(afe)"])"#
        ),
    );
    let i_limit = 1.2 * 2.0 * S / (3.0 * e_peak()) / SQRT_2;
    let exact = pcc_from_current(i_limit, g);
    let limited = event_time(&w, "afe", "current limit");
    let v = common::column(&w, "v(afe)");
    let (mut held, mut worst) = (0, 0.0f64);
    for (t, v) in w.time.iter().zip(v) {
        if *t >= 0.6 && *t < back {
            worst = worst.max(relative(*v, exact));
            held += 1;
        }
    }
    println!(
        "g = {g}: closed form {exact:.6} V ({:.4} pu) at I = {i_limit:.3} A; {held} samples, worst relative error {worst:.1e}",
        exact / VLL
    );
    assert!(limited > sag && limited < sag + 0.01, "limit at {limited}");
    assert!(held >= 200, "{held} samples");
    assert!(worst < 1e-9, "worst relative error {worst}");
    assert!(at(&w, "v(afe)", 0.019) > 0.95 * VLL, "before the sag");
}

/// Runs `limits` on the 800 kW unit with a DC-link trip (below 700 V for
/// 50 ms) through a sag to 0.3 pu at 20 ms that does not end: the link
/// falls to where the load takes the power at the current limit and the
/// unit trips. Returns the verdicts and the run.
fn judged(dir: &Path, limits: &str, record: &str) -> Result<(Vec<Verdict>, Waveforms), String> {
    let file = dir.join("afe.ron");
    std::fs::write(
        &file,
        circuit("efficiency: 0.98, trip: (volts: 700, seconds: 0.05)", LOAD),
    )
    .expect("circuit");
    let text = format!(
        "Scenario(name: \"trip\", duration: 0.3, sample: 1e-4, rtol: 1e-9, atol: 1e-9,\n\
         events: [Set(at: 0.02, component: \"afe\", field: \"grid_volts\", value: 0.3)],\n\
         record: [{record}],\n\
         limits: [\n{limits}\n])"
    );
    let sc: Scenario =
        busbar::scenario::parse_str(&text, Path::new("s.ron")).map_err(|e| e.to_string())?;
    let study = Study::with_scenario(Some(&file), sc).map_err(|e| e.to_string())?;
    let checked = study.check(None).map_err(|e| e.to_string())?;
    Ok((checked.analysis.verdicts, checked.run.waveforms))
}

#[test]
fn ride_through_on_v_fails_a_trip_inside_the_curve_and_passes_one_beyond_it() {
    // The PCC voltage jumps below 0.5 pu at the sag instant (20 ms: the
    // EMF steps; the limit interpolates the crossing t_x between the
    // sample before and the one at 20 ms) and stays there until the trip,
    // which lifts it at once (the unit stops its current, L·di/dt). So a
    // trip at t_trip has spent L = t_trip − t_x below 0.5 pu. A curve that
    // allows 20 ms there was left before the trip (pass, margin L − 20 ms);
    // one that allows 1 s was not (fail, margin L − 1 s). MinVoltage on the
    // same column sees the sag too. The limits' own `record` entries bring
    // the column in: the scenario records only the link.
    let dir = tempfile::tempdir().expect("temp dir");
    let limits = format!(
        r#"RideThrough(node: "v(afe)", component: "afe", what: "trip", curve: [(0.02, 0.5)]),
        RideThrough(node: "v(afe)", component: "afe", what: "trip", curve: [(1.0, 0.5)]),
        MinVoltage(node: "v(afe)", volts: {}),"#,
        0.5 * VLL
    );
    let (v, w) = judged(dir.path(), &limits, r#""bus""#).unwrap_or_else(|e| panic!("{e}"));
    let t_trip = event_time(&w, "afe", "trip");
    let (level, pcc) = (0.5 * VLL, common::column(&w, "v(afe)"));
    let j = pcc.iter().position(|v| *v < level).expect("below 0.5 pu");
    let (t0, t1, v0, v1) = (w.time[j - 1], w.time[j], pcc[j - 1], pcc[j]);
    let t_x = t0 + (t1 - t0) * (v0 - level) / (v0 - v1);
    assert!(
        t_x > 0.0199 && t_x <= 0.02 && t1 == 0.02,
        "crossing at {t_x}"
    );
    assert!(pcc[j..]
        .iter()
        .zip(&w.time[j..])
        .all(|(v, t)| *v < level || *t >= t_trip));
    let below = t_trip - t_x;
    println!("trip at {t_trip} s, {below} s below 0.5 pu; verdicts {v:#?}");
    assert!(below > 0.05 && below < 0.3, "trip at {t_trip}");
    assert!(at(&w, "v(afe)", 0.0199) > 0.9 * VLL, "before the sag");
    let margin = |k: usize| v[k].margin.unwrap_or(f64::NAN);
    assert_eq!(v[0].status, Status::Pass, "{:?}", v[0]);
    assert!((margin(0) - (below - 0.02)).abs() < 1e-9, "{:?}", v[0]);
    assert_eq!(v[1].status, Status::Fail, "{:?}", v[1]);
    assert!((margin(1) - (below - 1.0)).abs() < 1e-9, "{:?}", v[1]);
    assert_eq!(v[2].status, Status::Fail, "{:?}", v[2]);
    assert_eq!(v[2].target.as_deref(), Some("v(afe)"));
}

#[test]
fn a_voltage_that_names_nothing_is_a_located_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A RideThrough on a component that does not exist.
    let e = judged(
        dir.path(),
        r#"RideThrough(node: "v(nosuch)", component: "afe", what: "trip", curve: [(0.02, 0.5)]),"#,
        r#""bus""#,
    )
    .expect_err("v(nosuch) was accepted");
    println!("{e}");
    assert!(e.contains("s.ron:5:"), "{e}");
    assert!(
        e.contains("limit 1 (`RideThrough`): node `nosuch` matches no node"),
        "{e}"
    );
    assert!(
        e.contains("with a voltage of their own (an ActiveFrontEnd's PCC voltage): `afe`"),
        "{e}"
    );
    // A record entry naming a component with no voltage of its own: the
    // error says so and names the one that has.
    let e = judged(dir.path(), "", r#""v(cbus)""#).expect_err("v(cbus) was accepted");
    println!("{e}");
    assert!(e.contains("s.ron:3:"), "{e}");
    assert!(e.contains("record entry `v(cbus)`"), "{e}");
    assert!(e.contains("`cbus` is a component"), "{e}");
    assert!(
        e.contains("with a voltage of their own (an ActiveFrontEnd's PCC voltage): `afe`"),
        "{e}"
    );
    // MinVoltage's `node` is checked the same way.
    let e = judged(
        dir.path(),
        r#"MinVoltage(node: "v(rl)", volts: 200),"#,
        r#""bus""#,
    )
    .expect_err("v(rl) was accepted");
    assert!(
        e.contains("s.ron:5:") && e.contains("`rl` is a component"),
        "{e}"
    );
}
