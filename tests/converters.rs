//! Closed-form checks of the regulated converters: droop sharing, the PI
//! loop's step response against its linear model, the current limit with
//! anti-windup, a bipolar ±400 V system with unequal poles, and a
//! rectifier's hold-up and ripple.

mod common;

use common::{at, column, event_time, relax, run};

#[test]
fn droop_shares_current_inversely_to_droop_resistance() {
    // Two converters from one 800 V source onto one 400 V bus, droop 0.1 Ω
    // and 0.2 Ω. With both integrators settled, e_k = 0 gives
    // V_ref − R_k·I_k = v for both, so I₁/I₂ = R₂/R₁ whatever the load.
    let w = run(
        r#"Circuit(name: "droop", components: [
            VoltageSource(name: "vin", pos: "in", volts: 800.0),
            Converter(name: "c1", input: "in", output: "bus", volts: 400.0, rated_watts: 100e3,
                droop_ohms: 0.1, voltage_loop: Bandwidth(hz: 500.0, capacitance: 2e-3),
                current_loop_hz: 5e3, efficiency: 0.97),
            Converter(name: "c2", input: "in", output: "bus", volts: 400.0, rated_watts: 100e3,
                droop_ohms: 0.2, voltage_loop: Bandwidth(hz: 500.0, capacitance: 2e-3),
                current_loop_hz: 5e3, efficiency: 0.97),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 2e-3),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: 2.0),
            CurrentSource(name: "step", from: "bus", to: "gnd", amps: 0.0),
        ])"#,
        r#"Scenario(name: "step", duration: 60e-3, sample: 1e-4, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 1e-3, component: "step", field: "amps", value: 100.0)],
            record: ["bus", "i(c1)", "i(c2)", "i(vin)"])"#,
    );
    let (i1, i2) = (at(&w, "i(c1)", 0.06), at(&w, "i(c2)", 0.06));
    let ratio_error = (i1 / i2 - 2.0).abs() / 2.0;
    assert!(
        ratio_error < 1e-6,
        "I1/I2 = {} (error {ratio_error:e})",
        i1 / i2
    );
    let v = at(&w, "v(bus)", 0.06);
    assert!((v - (400.0 - 0.1 * i1)).abs() < 1e-6 * 400.0, "bus {v}");
    // Power balance at the input: the source delivers Σ v·i/η.
    let drawn = at(&w, "i(vin)", 0.06);
    let expected = v * (i1 + i2) / (0.97 * 800.0);
    assert!(
        (drawn - expected).abs() < 1e-6 * expected,
        "{drawn} vs {expected}"
    );
    println!("droop sharing: ratio error {ratio_error:.2e}");
}

#[test]
fn pi_step_response_matches_the_linear_model() {
    // V_ref steps 400 → 410 V at 1 ms. Unsaturated, the loop is linear in
    // x = (ξ, i, v): ξ' = k_i·e, i' = ω(k_p·e + ξ − i), C·v' = i − v/R,
    // e = V − R_d·i − v.
    let (kp, ki, rd, hz, c, r) = (0.5, 200.0, 0.05, 2e3, 1e-3, 4.0);
    let w = run(
        &format!(
            r#"Circuit(name: "pi", components: [
            VoltageSource(name: "vin", pos: "in", volts: 800.0),
            Converter(name: "conv", input: "in", output: "bus", volts: 400.0, rated_watts: 100e3,
                droop_ohms: {rd}, voltage_loop: Pi(kp: {kp}, ki: {ki}), current_loop_hz: {hz}),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: {c}),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: {r}),
        ])"#
        ),
        r#"Scenario(name: "step", duration: 30e-3, sample: 2e-5, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 1e-3, component: "conv", field: "volts", value: 410.0)],
            record: ["bus", "i(conv)"])"#,
    );
    let omega = std::f64::consts::TAU * hz;
    let a = vec![
        vec![0.0, -ki * rd, -ki],
        vec![omega, -omega * (kp * rd + 1.0), -omega * kp],
        vec![0.0, 1.0 / c, -1.0 / (r * c)],
    ];
    let equilibrium = |v_ref: f64| {
        let v = v_ref * r / (r + rd);
        [v / r, v / r, v]
    };
    let (x0, x1) = (equilibrium(400.0), equilibrium(410.0));
    let (v, i) = (column(&w, "v(bus)"), column(&w, "i(conv)"));
    let mut worst: f64 = 0.0;
    for (k, t) in w.time.iter().enumerate() {
        let x = if *t <= 1e-3 {
            x0.to_vec()
        } else {
            relax(&a, &x0, &x1, t - 1e-3)
        };
        worst = worst
            .max((v[k] - x[2]).abs() / 410.0)
            .max((i[k] - x[1]).abs() / x1[1]);
    }
    assert!(worst < 1e-6, "worst relative error {worst:e}");
    // The step is a real transient, not a trivially flat line.
    let peak = v.iter().copied().fold(0.0, f64::max);
    assert!(peak > x1[2] + 0.1, "overshoot expected, peak {peak}");
    println!("PI step: worst relative error {worst:.2e}");
}

#[test]
fn current_limit_engages_at_its_rating_and_does_not_wind_up() {
    // I_max = 1.2·40 kW/400 V = 120 A. A 200 A current-source load at 1 ms
    // drives the converter into its limit; from the event on, i relaxes
    // to I_max through the current loop and the bus falls as
    // C·v' = i − 200 A, both in closed form. At 3 ms the load returns to
    // 50 A and the held integrator lets the converter leave the limit.
    let (c, i_load, i_max) = (1e-3, 200.0, 120.0);
    let w = run(
        r#"Circuit(name: "limit", components: [
            VoltageSource(name: "vin", pos: "in", volts: 800.0),
            Converter(name: "conv", input: "in", output: "bus", volts: 400.0, rated_watts: 40e3,
                voltage_loop: Bandwidth(hz: 500.0, capacitance: 1e-3), current_loop_hz: 2e3),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 1e-3),
            CurrentSource(name: "load", from: "bus", to: "gnd", amps: 50.0),
        ])"#,
        r#"Scenario(name: "overload", duration: 40e-3, sample: 1e-5, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 1e-3, component: "load", field: "amps", value: 200.0),
                     Set(at: 3e-3, component: "load", field: "amps", value: 50.0)],
            record: ["bus", "i(conv)"])"#,
    );
    let t_s = event_time(&w, "conv", "current limit");
    assert!(t_s > 1e-3 && t_s < 3e-3, "limit at {t_s}");
    let (i_s, v_s) = (at(&w, "i(conv)", t_s), at(&w, "v(bus)", t_s));
    let omega = std::f64::consts::TAU * 2e3;
    let (v, i) = (column(&w, "v(bus)"), column(&w, "i(conv)"));
    let mut worst: f64 = 0.0;
    for (k, t) in w.time.iter().enumerate() {
        if *t <= t_s || *t >= 3e-3 {
            continue;
        }
        let decay = (-omega * (t - t_s)).exp();
        let i_exact = i_max + (i_s - i_max) * decay;
        let v_exact =
            v_s + ((i_max - i_load) * (t - t_s) + (i_s - i_max) * (1.0 - decay) / omega) / c;
        worst = worst
            .max((i[k] - i_exact).abs() / i_max)
            .max((v[k] - v_exact).abs() / 400.0);
    }
    assert!(worst < 1e-6, "worst relative error in the limit {worst:e}");
    let peak = i.iter().copied().fold(0.0, f64::max);
    assert!(peak <= i_max * (1.0 + 1e-9), "current {peak} above I_max");
    // Anti-windup: the limit clears and the bus returns to V_ref with a
    // bounded overshoot (a wound-up integrator would add k_i·∫e ≈ 1e3 A).
    let cleared = event_time(&w, "conv", "current limit cleared");
    assert!(cleared > 3e-3, "cleared at {cleared}");
    let overshoot = v.iter().copied().fold(0.0, f64::max) - 400.0;
    assert!(overshoot < 0.05 * 400.0, "overshoot {overshoot} V");
    assert!((at(&w, "v(bus)", 0.04) - 400.0).abs() < 1e-6 * 400.0);
    println!("current limit: worst relative error {worst:.2e}, overshoot {overshoot:.2} V");
}

/// The current-limit case above with `anti_windup` set to `law`.
fn overload_with(law: &str) -> busbar::results::Waveforms {
    run(
        &format!(
            r#"Circuit(name: "limit", components: [
            VoltageSource(name: "vin", pos: "in", volts: 800.0),
            Converter(name: "conv", input: "in", output: "bus", volts: 400.0, rated_watts: 40e3,
                voltage_loop: Bandwidth(hz: 500.0, capacitance: 1e-3), current_loop_hz: 2e3,
                anti_windup: {law}),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 1e-3),
            CurrentSource(name: "load", from: "bus", to: "gnd", amps: 50.0),
        ])"#
        ),
        r#"Scenario(name: "overload", duration: 40e-3, sample: 1e-5, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 1e-3, component: "load", field: "amps", value: 200.0),
                     Set(at: 3e-3, component: "load", field: "amps", value: 50.0)],
            record: ["bus", "i(conv)"])"#,
    )
}

#[test]
fn held_integrator_leaves_the_limit_where_it_entered() {
    // With Hold, ξ is frozen from the limit's entry at t_s: in the limit
    // u = k_p·(V_ref − v) + ξ_s and u(t_s) = I_max, so without droop the
    // converter leaves the limit exactly when the bus climbs back to v_s.
    // In the limit i relaxes to I_max through the current loop and
    // C·v' = i − I_load, with I_load 200 A until 3 ms and 50 A after, so
    //   C·(v − v_s) = I_max·τ + (i_s − I_max)(1 − e^{−ωτ})/ω − ∫I_load,
    // τ = t − t_s; its root after 3 ms is the exit time.
    let (c, i_max, omega) = (1e-3, 120.0, std::f64::consts::TAU * 2e3);
    let w = overload_with("Hold");
    let t_s = event_time(&w, "conv", "current limit");
    let (i_s, v_s) = (at(&w, "i(conv)", t_s), at(&w, "v(bus)", t_s));
    let charge = |t: f64| {
        let tau = t - t_s;
        let load = 200.0 * (t.min(3e-3) - t_s) + 50.0 * (t - 3e-3).max(0.0);
        i_max * tau + (i_s - i_max) * (1.0 - (-omega * tau).exp()) / omega - load
    };
    let (mut lo, mut hi) = (3e-3, 40e-3);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if charge(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let exit_exact = 0.5 * (lo + hi);
    let exit = event_time(&w, "conv", "current limit cleared");
    assert!(
        (exit - exit_exact).abs() < 1e-9,
        "left the limit at {exit} s, closed form {exit_exact} s"
    );
    // The waveforms in the limit, entry to exit.
    let (v, i) = (column(&w, "v(bus)"), column(&w, "i(conv)"));
    let mut worst: f64 = 0.0;
    for (k, t) in w.time.iter().enumerate() {
        if *t <= t_s || *t >= exit {
            continue;
        }
        let i_exact = i_max + (i_s - i_max) * (-omega * (t - t_s)).exp();
        worst = worst
            .max((i[k] - i_exact).abs() / i_max)
            .max((v[k] - (v_s + charge(*t) / c)).abs() / 400.0);
    }
    assert!(worst < 1e-6, "worst relative error in the limit {worst:e}");
    assert!((at(&w, "v(bus)", 0.04) - 400.0).abs() < 1e-6 * 400.0);
    // Back-calculation lets ξ relax towards I_max in the limit, so the
    // converter leaves it only with the bus nearer V_ref, later: the field
    // takes effect.
    let back = overload_with("BackCalculation");
    let exit_back = event_time(&back, "conv", "current limit cleared");
    assert!(
        exit_back - exit > 1e-4,
        "Hold left at {exit} s, back-calculation at {exit_back} s"
    );
    println!(
        "hold: entry {t_s:.6} s at {v_s:.3} V, exit {exit:.9} s (closed form {exit_exact:.9} s), \
         back-calculation exit {exit_back:.6} s, worst relative error {worst:.2e}"
    );
}

#[test]
fn bipolar_pole_imbalance_matches_hand_calculation() {
    // ±400 V from two rectifiers around a grounded midpoint (the minus
    // pole's rectifier has output = gnd, output_ret = the minus pole), a
    // three-conductor feed of 2 mΩ per conductor, and unequal resistive pole
    // loads (100 kW, then 60 kW stepping to 90 kW). Regulated with droop,
    // each rectifier is an EMF 400 − R_d·I behind nothing else, so
    //   (R_d + 2R_c + R_a)·I_a − R_c·I_b = 400
    //   −R_c·I_a + (R_d + 2R_c + R_b)·I_b = 400
    // and the neutral carries I_a − I_b back to the midpoint.
    let w = run(
        r#"Circuit(name: "bipolar", components: [
            Rectifier(name: "rp", output: "ps", output_ret: "gnd", volts: 400.0, rated_watts: 200e3,
                droop_ohms: 0.04, voltage_loop: Bandwidth(hz: 200.0, capacitance: 5e-3), current_loop_hz: 2e3),
            Rectifier(name: "rn", output: "gnd", output_ret: "ns", volts: 400.0, rated_watts: 200e3,
                droop_ohms: 0.04, voltage_loop: Bandwidth(hz: 200.0, capacitance: 5e-3), current_loop_hz: 2e3),
            Resistor(name: "feed_p", a: "ps", b: "pr", ohms: 2e-3),
            Resistor(name: "neutral", a: "mr", b: "gnd", ohms: 2e-3),
            Resistor(name: "feed_n", a: "nr", b: "ns", ohms: 2e-3),
            Capacitor(name: "cp", a: "pr", b: "mr", farads: 5e-3, esr: 1e-3),
            Capacitor(name: "cn", a: "mr", b: "nr", farads: 5e-3, esr: 1e-3),
            Load(name: "la", node: "pr", ret: "mr", watts: 100e3, model: Resistive(volts: 400.0)),
            Load(name: "lb", node: "mr", ret: "nr", watts: 60e3, model: Resistive(volts: 400.0)),
        ])"#,
        r#"Scenario(name: "imbalance", duration: 0.1, sample: 1e-4, rtol: 1e-10, atol: 1e-10,
            loads: [(target: "lb", profile: Step(from: 1.0, to: 1.5, at: 5e-3))],
            record: ["pr", "mr", "nr", "i(rp)", "i(rn)", "i(neutral)", "i(la)", "i(lb)"])"#,
    );
    let (rd, rc) = (0.04, 2e-3);
    let hand = |pb: f64| {
        let (ra, rb) = (400.0 * 400.0 / 100e3, 400.0 * 400.0 / pb);
        let (a11, a22) = (rd + 2.0 * rc + ra, rd + 2.0 * rc + rb);
        let det = a11 * a22 - rc * rc;
        let ia = 400.0 * (a22 + rc) / det;
        let ib = 400.0 * (a11 + rc) / det;
        (ia, ib)
    };
    let mut worst: f64 = 0.0;
    for (t, pb) in [(4e-3, 60e3), (0.1, 90e3)] {
        let (ia, ib) = hand(pb);
        let checks = [
            ("i(rp)", ia),
            ("i(rn)", ib),
            ("i(la)", ia),
            ("i(lb)", ib),
            ("i(neutral)", ia - ib),
        ];
        for (name, exact) in checks {
            let got = at(&w, name, t);
            worst = worst.max((got - exact).abs() / ia);
            assert!(
                (got - exact).abs() < 1e-6 * ia,
                "{name} at {t}: {got} vs {exact}"
            );
        }
        let midpoint = at(&w, "v(mr)", t);
        assert!(
            (midpoint - rc * (ia - ib)).abs() < 1e-6,
            "midpoint {midpoint}"
        );
    }
    let (ia, ib) = hand(90e3);
    println!(
        "bipolar: I_a {ia:.3} A, I_b {ib:.3} A, neutral {:.3} A, worst relative error {worst:.2e}",
        ia - ib
    );
}

#[test]
fn rectifier_holdup_rides_through_then_stops_and_restarts() {
    // 40 kW resistive at 396 V (400 V less 0.04 Ω droop); AC lost at 1 ms.
    // The unit regulates on its 1 kJ store, drawing v·i/η, so it stops
    // after E·η/(v·i); AC returns at 60 ms and the bus recovers.
    let (e, eta, rd) = (1000.0, 0.97, 0.04);
    let r_load = 396.0 * 396.0 / 40e3;
    let w = run(
        &format!(
            r#"Circuit(name: "holdup", components: [
            Rectifier(name: "psu", output: "bus", volts: 400.0, rated_watts: 100e3, droop_ohms: {rd},
                voltage_loop: Bandwidth(hz: 200.0, capacitance: 5e-3), current_loop_hz: 2e3,
                efficiency: {eta}, holdup_joules: {e}),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 5e-3),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: {r_load}),
        ])"#
        ),
        r#"Scenario(name: "ac loss", duration: 0.2, sample: 1e-4, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 1e-3, component: "psu", field: "grid_volts", value: 0.0),
                     Set(at: 60e-3, component: "psu", field: "grid_volts", value: 480.0)],
            record: ["bus", "i(psu)"])"#,
    );
    // Operating point: v = 400 − R_d·v/R.
    let v = 400.0 / (1.0 + rd / r_load);
    let expected = 1e-3 + e * eta / (v * v / r_load);
    let exhausted = event_time(&w, "psu", "hold-up exhausted");
    assert!(
        (exhausted - expected).abs() < 1e-9,
        "{exhausted} vs {expected}"
    );
    let whats: Vec<&str> = w.events.iter().map(|x| x.what.as_str()).collect();
    assert!(whats.contains(&"ac loss") && whats.contains(&"ac restored"));
    assert!(at(&w, "v(bus)", 59e-3) < 0.5 * v, "bus kept up without AC");
    assert!((at(&w, "v(bus)", 0.2) - v).abs() < 1e-6 * v);
    println!(
        "hold-up exhausted at {exhausted:.9} s, error {:.2e} s",
        (exhausted - expected).abs()
    );
}

#[test]
fn rectifier_ripple_appears_at_its_frequency() {
    // 360 Hz, 1 % ripple on the delivered current into a stiff bus: the
    // 200 Hz voltage loop sees almost no voltage ripple on 50 mF, so the
    // delivered current swings ±1 % around its mean.
    let w = run(
        r#"Circuit(name: "ripple", components: [
            Rectifier(name: "fe", output: "bus", volts: 800.0, rated_watts: 1e6, droop_ohms: 0.008,
                voltage_loop: Bandwidth(hz: 200.0, capacitance: 10e-3), current_loop_hz: 2e3,
                ac_ripple: (hz: 360.0, amplitude_pu: 0.01)),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 50e-3),
            Load(name: "row", node: "bus", watts: 800e3, model: Resistive(volts: 800.0)),
        ])"#,
        r#"Scenario(name: "ripple", duration: 0.1, sample: 2e-5, record: ["bus", "i(fe)"])"#,
    );
    let i = column(&w, "i(fe)");
    let tail: Vec<f64> = w
        .time
        .iter()
        .zip(i)
        .filter(|(t, _)| **t > 0.05)
        .map(|(_, x)| *x)
        .collect();
    let mean = tail.iter().sum::<f64>() / tail.len() as f64;
    let swing = tail.iter().copied().fold(f64::MIN, f64::max) - mean;
    assert!(
        (swing / mean - 0.01).abs() < 0.001,
        "ripple {:.4} of the mean",
        swing / mean
    );
}

#[test]
fn rectifier_holdup_drop_hands_over_at_half_energy() {
    // As the hold-up test, with the ORv3 hand-over: once half of the 1 kJ
    // store is used the set-point falls 3 V over 1 ms. Until then the unit
    // draws v²/(R·η), so the drop starts at 1 ms + 0.5·E·η·R/v²; once the
    // ramp is over the bus settles at (V − 3)/(1 + R_d/R).
    let (e, eta, rd) = (1000.0, 0.97, 0.04);
    let r_load = 396.0 * 396.0 / 40e3;
    let w = run(
        &format!(
            r#"Circuit(name: "drop", components: [
            Rectifier(name: "psu", output: "bus", volts: 400.0, rated_watts: 100e3, droop_ohms: {rd},
                voltage_loop: Bandwidth(hz: 1e3, capacitance: 5e-3), current_loop_hz: 10e3,
                efficiency: {eta}, holdup_joules: {e},
                holdup_drop: (volts: 3.0, fall_seconds: 1e-3, after_fraction: 0.5)),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 5e-3),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: {r_load}),
        ])"#
        ),
        r#"Scenario(name: "ac loss", duration: 0.024, sample: 1e-5, rtol: 1e-10, atol: 1e-10,
            events: [Set(at: 1e-3, component: "psu", field: "grid_volts", value: 0.0)],
            record: ["bus", "i(psu)"])"#,
    );
    let v = 400.0 / (1.0 + rd / r_load);
    let expected = 1e-3 + 0.5 * e * eta / (v * v / r_load);
    let dropped = event_time(&w, "psu", "hold-up low: output drops 3 V");
    assert!((dropped - expected).abs() < 1e-9, "{dropped} vs {expected}");
    // Just before the drop the bus is still at the droop operating point.
    assert!((at(&w, "v(bus)", expected - 1e-4) - v).abs() < 1e-6 * v);
    let v_after = 397.0 / (1.0 + rd / r_load);
    let v_end = at(&w, "v(bus)", 0.024);
    assert!(
        (v_end - v_after).abs() < 1e-6 * v,
        "settled at {v_end}, expected {v_after}"
    );
    // The remaining half of the store lasts beyond the end of the run.
    assert!(!w.events.iter().any(|x| x.what == "hold-up exhausted"));
}
