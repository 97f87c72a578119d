//! Time-domain checks of the `ActiveFrontEnd` against closed forms: the
//! DC-link deviation after a small load step against the partial-fraction
//! step response of the designed voltage loop, the PLL's response to a
//! grid phase jump against its second-order design, and the grid current
//! held at the current limit through a deep sag.

mod common;

use common::afe::{circuit, e_peak, C_BUS, S, VREF};
use common::{at, event_time, run};
use faer::c64;
use std::collections::BTreeMap;
use std::f64::consts::{SQRT_2, TAU};
use std::path::Path;

/// Roots of the monic polynomial with coefficients `c` (highest power
/// first, c[0] = 1) by Durand–Kerner: a few hundred iterations reach
/// rounding for the well-separated roots of a cubic.
fn roots(c: &[f64]) -> Vec<c64> {
    let n = c.len() - 1;
    let eval = |s: c64| c.iter().fold(c64::new(0.0, 0.0), |acc, k| acc * s + *k);
    let scale = c.iter().map(|k| k.abs()).fold(1.0, f64::max);
    let mut z: Vec<c64> = (0..n)
        .map(|k| c64::new(0.4, 0.9).powi(k as i32) * scale)
        .collect();
    for _ in 0..500 {
        for i in 0..n {
            let mut den = c64::new(1.0, 0.0);
            for j in 0..n {
                if j != i {
                    den *= z[i] - z[j];
                }
            }
            let step = eval(z[i]) / den;
            z[i] -= step;
        }
    }
    z
}

/// A front end with no load to start from, bidirectional and η = 1, so at
/// the operating point i = 0 and the DC loop is exactly the designed cubic
/// of `dc_link_and_pll_eigenvalues_match_the_designed_polynomials`
/// (active_front_end.rs).
fn idle_afe(droop: f64, zeta: f64, load: &str) -> String {
    circuit(
        &format!("droop_ohms: {droop}, pll_damping: {zeta}, bidirectional: true"),
        load,
    )
}

/// Runs `circuit` and `scenario`, also recording the PLL angle error δ
/// (the unknown `afe.pll_angle`, which no record entry names: it is read
/// off the solution like a node voltage).
fn run_with_pll(circuit: &str, scenario: &str) -> busbar::results::Waveforms {
    use busbar::engine::{Probe, ProbeSource};
    let flat = busbar::components::parse_str(circuit, Path::new("c.ron"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("circuit: {e}"));
    let sc = busbar::scenario::parse_str(scenario, Path::new("s.ron"))
        .unwrap_or_else(|e| panic!("scenario: {e}"));
    let mut p = busbar::study::prepare_flat(flat, sc).unwrap_or_else(|e| panic!("prepare: {e}"));
    let k = p
        .model
        .names
        .iter()
        .position(|n| n == "afe.pll_angle")
        .expect("the PLL angle unknown");
    p.spec.probes.push(Probe {
        name: "delta".into(),
        target: "afe".into(),
        quantity: busbar::results::Quantity::Voltage,
        nominal: None,
        source: ProbeSource::Unknown(k),
    });
    p.run(None).unwrap_or_else(|e| panic!("run: {e}"))
}

/// Largest |simulated − closed form| of column `name` over t ≥ `from`,
/// with the closed form of the time since `from`.
fn worst_error(
    w: &busbar::results::Waveforms,
    name: &str,
    from: f64,
    exact: &dyn Fn(f64) -> f64,
) -> f64 {
    let values = common::column(w, name);
    w.time
        .iter()
        .zip(values)
        .filter(|(t, _)| **t >= from)
        .map(|(t, v)| (v - exact(t - from)).abs())
        .fold(0.0, f64::max)
}

/// The DC-link deviation after a load-current step ΔI at t = 0 from the
/// designed loop: with G(s) = ω_i·(k_p·s + k_i)/(s·(s + ω_i)) and the droop
/// on i_dc, C·s·Δv = Δi_dc − ΔI/s and Δi_dc = −G·Δv/(1 + R_d·G), so
/// Δv(s) = −ΔI·N(s)/(s·D(s)), N = s² + ω_i·(1 + R_d·k_p)·s + R_d·ω_i·k_i,
/// D the cubic of the eigenvalue test. Partial fractions over the roots
/// p_k of D: Δv(t) = −ΔI·(N(0)/D(0) + Σ N(p_k)/(p_k·D'(p_k))·e^{p_k·t}).
fn link_step_response(delta_i: f64, droop: f64, f_v: f64, f_i: f64) -> impl Fn(f64) -> f64 {
    let wv = TAU * f_v;
    let (kp, ki) = (wv * C_BUS, wv * C_BUS * wv / 4.0);
    let wi = TAU * f_i;
    let d = [
        C_BUS,
        C_BUS * wi + wi * kp * droop * C_BUS,
        wi * (kp + ki * droop * C_BUS),
        wi * ki,
    ];
    let monic: Vec<f64> = d.iter().map(|x| x / d[0]).collect();
    let poles = roots(&monic);
    let n = move |s: c64| s * s + s * (wi * (1.0 + droop * kp)) + droop * wi * ki;
    let d_prime = move |s: c64| s * s * (3.0 * d[0]) + s * (2.0 * d[1]) + d[2];
    let steady = n(c64::new(0.0, 0.0)).re / d[3];
    let residues: Vec<(c64, c64)> = poles
        .iter()
        .map(|&p| (p, n(p) / (p * d_prime(p))))
        .collect();
    move |t: f64| {
        let transient: f64 = residues.iter().map(|(p, r)| (*r * (*p * t).exp()).re).sum();
        -delta_i * (steady + transient)
    }
}

#[test]
fn dc_link_step_response_follows_the_designed_loop() {
    // A constant-current load steps from 0 to ΔI at 10 ms. With i = 0 at
    // the start, the link obeys the designed cubic to first order in ΔI;
    // what is left is second order: the PCC power 1.5·v_d·i_d carries
    // −1.5·(R·i_d + L·di_d/dt)·i_d, and i_dc = p/v_dc the factor 1/v_dc.
    // Both are relative errors of order ΔI: at 1 % of rating i_d ≈ 17 A
    // rises at about ω_v·17 A ≈ 5e3 A/s, L·di/dt/Ê ≈ 0.65 V/392 V ≈ 0.2 %,
    // and Δv/V ≈ 1.5 V/800 V ≈ 0.2 %; so the expected error is ~0.2 % of
    // the dip, and halving ΔI must halve it: that separates them from a
    // wrong gain or pole, which would not shrink. The solver's rtol of
    // 1e-10 on 800 V adds ~1e-7 V.
    let (droop, f_v, f_i) = (0.005, 50.0, 1e3);
    let mut relative = Vec::new();
    for fraction in [0.01, 0.005] {
        let watts = fraction * S;
        let delta_i = watts / VREF;
        let w = run(
            &idle_afe(
                droop,
                0.707,
                &format!(
                    r#"Load(name: "step", node: "bus", watts: {watts:e}, model: ConstantCurrent(volts: {VREF}))"#
                ),
            ),
            r#"Scenario(name: "step", duration: 0.15, sample: 1e-4, rtol: 1e-10, atol: 1e-10,
                loads: [(target: "step", profile: Step(from: 0.0, to: 1.0, at: 0.01))],
                record: ["bus"])"#,
        );
        let exact = link_step_response(delta_i, droop, f_v, f_i);
        let v0 = at(&w, "bus", 0.0099);
        assert!((v0 - VREF).abs() < 1e-6, "idle link {v0}");
        let shifted = |t: f64| VREF + exact(t);
        let err = worst_error(&w, "bus", 0.01, &shifted);
        let peak = (0..1500)
            .map(|k| exact(k as f64 * 1e-4).abs())
            .fold(0.0, f64::max);
        // Settled on the droop line: Δv = −R_d·ΔI.
        let end = at(&w, "bus", 0.15) - VREF;
        assert!(
            (end + droop * delta_i).abs() < 1e-3 * peak,
            "settled {end} V vs −R_d·ΔI {}",
            -droop * delta_i
        );
        println!(
            "ΔI {delta_i} A: peak dip {peak:.4} V, worst |error| {err:.2e} V ({:.3} % of the dip)",
            100.0 * err / peak
        );
        relative.push(err / peak);
    }
    // Second order in ΔI: 1 % of rating within twice the 0.2 % estimate,
    // and half the step half the relative error (ratio 2 ± 10 %).
    assert!(relative[0] < 4e-3, "relative error {}", relative[0]);
    let ratio = relative[0] / relative[1];
    assert!(
        (ratio - 2.0).abs() < 0.2,
        "relative errors {relative:?}: ratio {ratio}, not second order"
    );
}

#[test]
fn pll_settles_a_phase_jump_as_its_second_order_design() {
    // No load and bidirectional: i = 0, so the PCC voltage is the grid EMF,
    // v_q/Ê = −sin δ, and the PLL is δ' = −k_p·sin δ + ω_x,
    // ω_x' = −k_i·sin δ, decoupled from the DC side (p = 0 whatever δ).
    // A grid phase jump of Δθ sets δ(0) = −Δθ with ω_x(0) = 0, so linearised
    // δ(t) = δ₀·e^{−ζω_n·t}·(cos ω_d·t − ζω_n/ω_d·sin ω_d·t). The sine's
    // cubic term makes a relative error of order δ₀²/6 = 5e-5 for 1°;
    // the solver's tolerance (1e-10 on a state of 1e-2 rad) is far below.
    let (zeta, f_n, jump_deg) = (0.6, 20.0, 1.0f64);
    let w = run_with_pll(
        &idle_afe(0.0, zeta, ""),
        &format!(
            r#"Scenario(name: "jump", duration: 0.2, sample: 1e-4, rtol: 1e-10, atol: 1e-12,
                events: [Set(at: 0.01, component: "afe", field: "grid_phase_deg", value: {jump_deg})],
                record: ["bus"])"#
        ),
    );
    let wn = TAU * f_n;
    let (a, wd) = (zeta * wn, wn * (1.0 - zeta * zeta).sqrt());
    let d0 = -jump_deg.to_radians();
    let exact = |t: f64| d0 * (-a * t).exp() * ((wd * t).cos() - a / wd * (wd * t).sin());
    assert!(
        at(&w, "delta", 0.0099).abs() < 1e-12,
        "locked before the jump"
    );
    let err = worst_error(&w, "delta", 0.01, &exact);
    println!(
        "phase jump {jump_deg}°: worst |δ − closed form| {err:.2e} rad ({:.2e} of δ₀)",
        err / d0.abs()
    );
    assert!(
        err < 1e-4 * d0.abs(),
        "worst error {err} rad: beyond 2·δ₀²/6"
    );
    // The overshoot of the design, e^{−π·ζ/√(1−ζ²)} after the first zero
    // crossing, is there: the response is not merely close to zero.
    let overshoot = common::column(&w, "delta")
        .iter()
        .fold(0.0f64, |m, d| m.max(*d));
    assert!(overshoot > 0.05 * d0.abs(), "overshoot {overshoot}");
    // The DC side did not move: p = 0 throughout.
    let bus = common::column(&w, "bus");
    let worst_bus = bus.iter().map(|v| (v - VREF).abs()).fold(0.0, f64::max);
    assert!(worst_bus < 1e-6, "link moved by {worst_bus} V");
}

#[test]
fn through_a_deep_sag_the_grid_current_sits_at_the_limit() {
    // 800 kW resistive load, η = 0.98, limit 1.2 pu, sag to g = 0.3 from
    // 20 ms to 0.5 s. Once the command hits I_max the current loop
    // (τ = 1/(2π·1 kHz) = 0.16 ms) brings i_d there within 5 ms to
    // e^{−31}; from then until the sag ends every sample is at
    // I_max/√2 RMS (to the solver's 1e-9). Before the sag and after the
    // recovery it is below.
    let (g, sag, back) = (0.3, 0.02, 0.5);
    let w = run(
        &circuit(
            "efficiency: 0.98",
            r#"Resistor(name: "rl", a: "bus", b: "gnd", ohms: 0.8)"#,
        ),
        &format!(
            r#"Scenario(name: "sag", duration: 1.0, sample: 1e-3, rtol: 1e-9, atol: 1e-9,
            events: [Set(at: {sag}, component: "afe", field: "grid_volts", value: {g}),
                     Set(at: {back}, component: "afe", field: "grid_volts", value: 1.0)],
            record: ["bus", "i(afe)"])"#
        ),
    );
    let i_limit = 1.2 * 2.0 * S / (3.0 * e_peak()) / SQRT_2;
    let limited = event_time(&w, "afe", "current limit");
    assert!(limited > sag && limited < sag + 0.01, "limit at {limited}");
    let current = common::column(&w, "i(afe)");
    let (mut held, mut worst) = (0, 0.0f64);
    for (t, i) in w.time.iter().zip(current) {
        if *t < sag {
            assert!(*i < 0.9 * i_limit, "{i} A at {t} s before the sag");
        } else if *t >= limited + 5e-3 && *t < back {
            worst = worst.max((i - i_limit).abs());
            held += 1;
        }
    }
    println!("{held} samples at the limit {i_limit:.2} A, worst deviation {worst:.2e} A");
    assert!(held > 400, "{held} samples");
    assert!(worst < 1e-6 * i_limit, "worst deviation {worst} A");
    let cleared = event_time(&w, "afe", "current limit cleared");
    assert!(cleared > back, "cleared at {cleared}");
    assert!(at(&w, "i(afe)", 1.0) < 0.9 * i_limit, "still at the limit");
}
