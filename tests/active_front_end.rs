//! Closed-form checks of the `ActiveFrontEnd`: the power balance through
//! the grid impedance, the DC-link loop and the PLL against their designed
//! characteristic polynomials, the current limit and the DC-link droop in a
//! sag, the trip rule, and the validation of its fields.

mod common;

use busbar::analysis::stability::{modes, state_space, CircuitSource, Setup};
use busbar::netlist::NetlistError;
use common::afe::{circuit, e_peak, grid_rx, C_BUS, S, SCR, VLL, VREF, XR};
use common::{at, event_time, run};
use faer::c64;
use std::collections::BTreeMap;
use std::f64::consts::{SQRT_2, TAU};
use std::path::{Path, PathBuf};

/// The steady d-axis current that delivers `p` at the PCC with the PLL
/// locked (v_q = 0, i_q = 0) from a grid EMF g·Ê behind R + jX: the EMF's
/// quadrature part is taken by X·i, so 1.5·i·(√((gÊ)² − (X·i)²) − R·i) = p,
/// i.e. the source delivers p + 1.5·R·i² = p + 3·I_rms²·R. Bisection on the
/// rising branch.
fn current_for(p: f64, g: f64) -> f64 {
    let (r, x) = grid_rx();
    let e = g * e_peak();
    let pcc = |i: f64| 1.5 * i * ((e * e - x * x * i * i).sqrt() - r * i);
    let (mut lo, mut hi) = (0.0, e / (x * x + r * r).sqrt() / SQRT_2);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if pcc(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Power at the PCC with the d-axis current at i, as in `current_for`.
fn pcc_power(i: f64, g: f64) -> f64 {
    let (r, x) = grid_rx();
    let e = g * e_peak();
    1.5 * i * ((e * e - x * x * i * i).sqrt() - r * i)
}

#[test]
fn power_balance_through_the_grid_impedance() {
    // 0.8 Ω load with 10 mΩ droop: v = V_ref/(1 + R_d/R_L), P_dc = v²/R_L.
    let (eta, droop, r_load) = (0.98, 0.01, 0.8);
    let w = run(
        &circuit(
            &format!("efficiency: {eta}, droop_ohms: {droop}"),
            &format!(r#"Resistor(name: "rl", a: "bus", b: "gnd", ohms: {r_load})"#),
        ),
        r#"Scenario(name: "s", duration: 0.01, sample: 1e-3, rtol: 1e-10, atol: 1e-10,
            record: ["bus", "i(afe)", "p(afe)"])"#,
    );
    let v = VREF / (1.0 + droop / r_load);
    let p_dc = v * v / r_load;
    let p_pcc = p_dc / eta;
    let i = current_for(p_pcc, 1.0);
    let (r, _) = grid_rx();
    // The run starts at the solved operating point and stays there, so the
    // only error is Newton's and the integrator's (rtol 1e-10): 1e-8.
    let got_v = at(&w, "bus", 0.01);
    let got_p = at(&w, "p(afe)", 0.01);
    let got_i = at(&w, "i(afe)", 0.01);
    assert!((got_v - v).abs() < 1e-8 * v, "v {got_v} vs {v}");
    assert!(
        (got_p - p_pcc).abs() < 1e-8 * p_pcc,
        "PCC power {got_p} vs P_dc/η {p_pcc}"
    );
    assert!(
        (got_i - i / SQRT_2).abs() < 1e-8 * i,
        "line current {got_i} A RMS vs {} from the source balance",
        i / SQRT_2
    );
    let loss = 3.0 * got_i * got_i * r;
    println!(
        "P_dc {p_dc:.1} W, PCC {got_p:.1} W, grid-impedance loss 3·I²·R = {loss:.1} W, source {:.1} W",
        got_p + loss
    );
}

/// Residual of polynomial `c` (highest power first) at s, relative to the
/// size of its terms.
fn residual(c: &[f64], s: c64) -> f64 {
    let (mut v, mut scale, mut pow) = (c64::new(0.0, 0.0), 0.0, c64::new(1.0, 0.0));
    for k in c.iter().rev() {
        v += pow * *k;
        scale += pow.norm() * k.abs();
        pow *= s;
    }
    v.norm() / scale
}

#[test]
fn dc_link_and_pll_eigenvalues_match_the_designed_polynomials() {
    // No load, bidirectional, η = 1: at i = 0 the DC loop does not see the
    // PLL (p = 1.5·Ê·Δi_d), so the eigenvalues are exactly those of
    //  - the DC link: C·s²·(s + ω_i) + ω_i·(k_p·s + k_i)·(1 + R_d·C·s) = 0
    //    (the designed PI on C through the first-order current loop, with
    //    the droop acting on C·s·Δv),
    //  - the PLL: s² + 2ζω_n·s + ω_n² = 0,
    //  - the q current loop: s + ω_i = 0.
    let (droop, zeta, f_n, f_i, f_v) = (0.02, 0.6, 20.0, 1e3, 50.0);
    let text = format!(
        r#"Circuit(name: "afe", buses: {{ "bus": (nominal: {VREF}) }}, components: [
            ActiveFrontEnd(name: "afe", output: "bus", volts: {VREF}, rated_watts: {S:e}, grid_vll: {VLL},
                scr: {SCR}, x_over_r: {XR}, voltage_loop: Bandwidth(hz: {f_v}, capacitance: {C_BUS:e}),
                current_loop_hz: {f_i}, pll_hz: {f_n}, pll_damping: {zeta}, droop_ohms: {droop}, bidirectional: true),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: {C_BUS:e}),
        ])"#
    );
    let setup = Setup::new(
        CircuitSource::from_text(&text, &PathBuf::from("afe.ron"))
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let bound = setup.bind().expect("operating point");
    let ss = state_space(&bound.model, &bound.point, false).expect("state space");
    let m = modes(&ss).expect("modes");
    let mut got = m.eigenvalues();
    got.extend(got.clone().iter().filter(|l| l.im > 0.0).map(|l| l.conj()));
    assert_eq!(got.len(), 6, "{got:?}");
    let wv = TAU * f_v;
    let (kp, ki) = (wv * C_BUS, wv * C_BUS * wv / 4.0);
    let wi = TAU * f_i;
    let dc = [
        C_BUS,
        C_BUS * wi + wi * kp * droop * C_BUS,
        wi * (kp + ki * droop * C_BUS),
        wi * ki,
    ];
    let wn = TAU * f_n;
    let pll = [1.0, 2.0 * zeta * wn, wn * wn];
    let q = [1.0, wi];
    // The analysis solves a 6-state eigenproblem to ~1e-13 relative; the
    // polynomial residual of an exact root is rounding, so 1e-9 holds with
    // margin and a wrong gain (a few per cent) fails by orders of magnitude.
    for (poly, count, what) in [
        (&dc[..], 3, "DC link"),
        (&pll[..], 2, "PLL"),
        (&q[..], 1, "q loop"),
    ] {
        let roots: Vec<c64> = got
            .iter()
            .copied()
            .filter(|l| residual(poly, *l) < 1e-9)
            .collect();
        assert_eq!(roots.len(), count, "{what}: roots {roots:?} among {got:?}");
        println!("{what}: {roots:?}");
    }
    let pair = got
        .iter()
        .find(|l| residual(&pll, **l) < 1e-9 && l.im > 0.0)
        .expect("PLL pair");
    let (w, z) = (pair.norm(), -pair.re / pair.norm());
    assert!((w - wn).abs() < 1e-9 * wn, "PLL ω_n {w} vs {wn}");
    assert!((z - zeta).abs() < 1e-9, "PLL ζ {z} vs {zeta}");
}

#[test]
fn a_sag_holds_the_current_limit_and_the_link_droops_to_the_power_it_allows() {
    // 800 kW resistive load (0.8 Ω), η = 0.98, limit 1.2 pu. At t = 20 ms
    // the grid sags to g = 0.5: the command reaches I_max = 1.2·2S/(3Ê);
    // at the limit with the PLL locked the PCC power is
    // 1.5·I·(√((gÊ)² − (X·I)²) − R·I), and the link settles where the load
    // takes η times that: v = √(η·P·R_L). Back at 1 pu (t = 0.6 s) it
    // regulates 800 V again.
    let (eta, r_load, g) = (0.98, 0.8, 0.5);
    let w = run(
        &circuit(
            &format!("efficiency: {eta}"),
            &format!(r#"Resistor(name: "rl", a: "bus", b: "gnd", ohms: {r_load})"#),
        ),
        &format!(
            r#"Scenario(name: "sag", duration: 1.2, sample: 1e-3, rtol: 1e-9, atol: 1e-9,
            events: [Set(at: 0.02, component: "afe", field: "grid_volts", value: {g}),
                     Set(at: 0.6, component: "afe", field: "grid_volts", value: 1.0)],
            record: ["bus", "i(afe)", "p(afe)"])"#
        ),
    );
    let i_max = 1.2 * 2.0 * S / (3.0 * e_peak());
    let p = pcc_power(i_max, g);
    let v = (eta * p * r_load).sqrt();
    let limited = event_time(&w, "afe", "current limit");
    assert!(
        limited > 0.02 && limited < 0.03,
        "current limit at {limited}"
    );
    // Settled: slowest pole of the sagged loop (the link's τ = R_L·C/2 ≈ 8 ms
    // on the constant-power side) and the PLL's (ζω_n ≈ 89/s, slower by g)
    // have decayed by e^{-40} and more at 0.59 s; the solver's 1e-9 gives
    // the rest, so 1e-6 is a safe bound.
    let (got_v, got_p) = (at(&w, "bus", 0.59), at(&w, "p(afe)", 0.59));
    let got_i = at(&w, "i(afe)", 0.59);
    assert!(
        (got_i - i_max / SQRT_2).abs() < 1e-6 * i_max,
        "current {got_i} vs the limit"
    );
    assert!((got_p - p).abs() < 1e-6 * p, "PCC power {got_p} vs {p}");
    assert!((got_v - v).abs() < 1e-6 * v, "link {got_v} vs {v}");
    let cleared = event_time(&w, "afe", "current limit cleared");
    assert!(cleared > 0.6, "cleared at {cleared}");
    assert!(
        (at(&w, "bus", 1.2) - VREF).abs() < 1e-3,
        "link did not recover"
    );
    println!("sag to {g}: P_max {p:.1} W, link {got_v:.3} V (closed form {v:.3} V)");
}

#[test]
fn a_link_below_the_trip_volts_for_the_trip_time_trips_the_unit() {
    // The same sag with trip: (volts: 700, seconds: 0.05): the link falls
    // towards 625 V (the sag test), so `dc link low` is raised where it crosses 700 V
    // and `trip` exactly 50 ms later; then the grid current decays.
    let w = run(
        &circuit(
            "efficiency: 0.98, trip: (volts: 700.0, seconds: 0.05)",
            r#"Resistor(name: "rl", a: "bus", b: "gnd", ohms: 0.8)"#,
        ),
        r#"Scenario(name: "trip", duration: 0.4, sample: 1e-4, rtol: 1e-9, atol: 1e-9,
            events: [Set(at: 0.02, component: "afe", field: "grid_volts", value: 0.5)],
            record: ["bus", "i(afe)", "p(afe)"])"#,
    );
    let low = event_time(&w, "afe", "dc link low");
    let trip = event_time(&w, "afe", "trip");
    assert!(
        (trip - low - 0.05).abs() < 1e-9,
        "trip {trip} after low {low}"
    );
    // The crossing is located: the link is at 700 V there (samples are
    // 0.1 ms apart and it falls at under 5 V/ms, so within 0.5 V).
    assert!(
        (at(&w, "bus", low) - 700.0).abs() < 0.5,
        "link at the crossing"
    );
    assert!(
        at(&w, "i(afe)", 0.4).abs() < 1e-3,
        "still drawing after the trip"
    );
}

#[test]
fn bad_fields_are_located_errors() {
    let text = |scr: &str, xr: &str, pll: &str, trip: &str| {
        format!(
            r#"Circuit(name: "bad", components: [
    ActiveFrontEnd(name: "afe", output: "bus", volts: 800, rated_watts: 1e6, grid_vll: 480, scr: {scr}, x_over_r: {xr}, voltage_loop: Bandwidth(hz: 50, capacitance: 0.02), current_loop_hz: 1e3, pll_hz: {pll}, trip: {trip}),
    Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 0.02),
])"#
        )
    };
    let ok = "(volts: 700, seconds: 0.1)";
    for (circuit, expected) in [
        (text("0", "10", "20", ok), "`scr` must be a positive"),
        (text("-2", "10", "20", ok), "`scr` must be a positive"),
        (
            text("5", "-1", "20", ok),
            "`x_over_r` must be zero, or positive",
        ),
        (text("5", "10", "0", ok), "`pll_hz` must be a positive"),
        (
            text("5", "10", "20", "(volts: 900, seconds: 0.1)"),
            "`trip.volts` (900 V) must be below",
        ),
    ] {
        let err = busbar::components::parse_str(&circuit, Path::new("c.ron"), &BTreeMap::new())
            .expect_err("a bad field is refused");
        let text = err.to_string();
        assert!(
            text.contains(expected) && text.contains("`afe`"),
            "{expected}: {text}"
        );
        match err {
            NetlistError::Component {
                location: Some(l), ..
            } => assert_eq!(l.line, 2, "{expected}: located at {l}"),
            other => panic!("{expected}: no location in {other:?}"),
        }
    }
}
