//! Closed-form checks of the small-signal analysis: LC filter with a
//! constant-power load (eigenvalues and the damping boundary), RLC bus
//! impedance, participation of decoupled subsystems, the loop gain of a
//! PI-regulated current-fed stage and of a `Converter` against their
//! transfer functions, the minor-loop gain at a constant-power load, and a
//! Kyber-class row whose 50 µH source filter makes it unstable when the
//! source is the ideal EMF behind R_droop of docs/sources.md §6(b) (the full
//! model with the SST's loop is in `stability_kyber.rs`).

use busbar::analysis::stability::{
    boundary_search, impedance_at, loop_gain, modes, stability_report, state_space, CircuitSource,
    LoopBreak, ReportOptions, Setup,
};
use busbar::compile::{compile_with, ExtraDevice};
use busbar::device::{Branch, BranchKind, Builder, Ctx, Device, Slot};
use faer::c64;
use std::collections::BTreeMap;
use std::f64::consts::TAU;
use std::path::PathBuf;

fn setup(text: &str) -> Setup {
    Setup::new(
        CircuitSource::from_text(text, &PathBuf::from("test-circuit.ron"))
            .unwrap_or_else(|e| panic!("circuit: {e}")),
    )
}

fn rel(a: c64, b: c64) -> f64 {
    (a - b).norm() / b.norm()
}

const VS: f64 = 800.0;
const R: f64 = 0.05;
const L: f64 = 50e-6;
const C: f64 = 2e-3;

fn lc_cpl(p: f64) -> String {
    format!(
        r#"Circuit(name: "lc-cpl", components: [
            VoltageSource(name: "vs", pos: "src", volts: {VS}),
            Inductor(name: "lf", a: "src", b: "bus", henries: {L:e}, ohms: {R}),
            Capacitor(name: "cb", a: "bus", b: "gnd", farads: {C:e}),
            Load(name: "cpl", node: "bus", watts: {p:e}, model: ConstantPower(min_volts: 100.0)),
        ])"#
    )
}

/// Roots of s² + b·s + c.
fn quadratic(b: f64, c: f64) -> [c64; 2] {
    let disc = c64::new(b * b - 4.0 * c, 0.0).sqrt();
    [(-b + disc) / 2.0, (-b - disc) / 2.0]
}

#[test]
fn lc_cpl_eigenvalues_match_characteristic_polynomial() {
    for p in [50e3, 100e3, 400e3, 900e3] {
        let s = setup(&lc_cpl(p));
        let bound = s.bind().expect("bind");
        let v = bound.point.y[bound.model.node_index["bus"]];
        // The operating point itself: V = (Vs + √(Vs² − 4RP))/2.
        let v_exact = 0.5 * (VS + (VS * VS - 4.0 * R * p).sqrt());
        assert!((v - v_exact).abs() / v_exact < 1e-12, "V {v} vs {v_exact}");
        let ss = state_space(&bound.model, &bound.point, false).expect("state space");
        assert_eq!(ss.a.nrows(), 2);
        let m = modes(&ss).expect("modes");
        assert!(m.residual < 1e-12, "residual {}", m.residual);
        let b = R / L - p / (C * v * v);
        let c = (1.0 - R * p / (v * v)) / (L * C);
        let expected = quadratic(b, c);
        let mut got = m.eigenvalues();
        got.extend(got.clone().iter().filter(|l| l.im > 0.0).map(|l| l.conj()));
        assert_eq!(got.len(), 2);
        for e in expected {
            let best = got.iter().map(|g| rel(*g, e)).fold(f64::INFINITY, f64::min);
            assert!(
                best < 1e-9,
                "P = {p}: eigenvalue {e} not found in {got:?} ({best:e})"
            );
        }
        let pair = m.least_damped().expect("a mode");
        let names: Vec<&str> = pair.components.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&"cb") && names.contains(&"lf"), "{names:?}");
    }
}

#[test]
fn boundary_search_finds_cpl_damping_limit() {
    // P* = R·C·V(P*)²/L with the self-consistent bus voltage V(P).
    let v_of = |p: f64| 0.5 * (VS + (VS * VS - 4.0 * R * p).sqrt());
    let (mut lo, mut hi) = (1e3, VS * VS / (4.0 * R));
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid < R * C * v_of(mid).powi(2) / L {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let p_star = 0.5 * (lo + hi);
    let s = setup(&lc_cpl(100e3));
    let b = boundary_search(&s, "cpl.watts", 200e3, 2.5e6, 0.0, 1e-7).expect("boundary");
    let err = (b.value - p_star).abs() / p_star;
    assert!(err < 1e-3, "P* {} vs {p_star} ({err:e})", b.value);
    assert!(
        err < 1e-6,
        "bisection should be far tighter than 0.1 %: {err:e}"
    );
}

#[test]
fn rlc_bus_impedance_matches_hand_calculation() {
    let (r1, l1, c1, esr, rl) = (0.1, 20e-6, 470e-6, 0.02, 8.0);
    let text = format!(
        r#"Circuit(name: "rlc", components: [
            VoltageSource(name: "vs", pos: "src", volts: 48.0),
            Inductor(name: "l1", a: "src", b: "bus", henries: {l1:e}, ohms: {r1}),
            Capacitor(name: "c1", a: "bus", b: "gnd", farads: {c1:e}, esr: {esr}),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: {rl}),
        ])"#
    );
    let bound = setup(&text).bind().expect("bind");
    let node = bound.model.node_index["bus"];
    let freqs = [1.0, 10.0, 100.0, 1e3, 1.6e3, 1e4, 1e5, 1e6];
    let z = impedance_at(&bound.model, &bound.point, &[node], &freqs).expect("sweep");
    for (f, got) in freqs.iter().zip(&z[0]) {
        let s = c64::new(0.0, TAU * f);
        let y = (s * l1 + r1).inv() + (c64::new(esr, 0.0) + (s * c1).inv()).inv() + 1.0 / rl;
        let expected = y.inv();
        assert!(
            rel(*got, expected) < 1e-9,
            "f = {f}: {got} vs {expected} ({:e})",
            rel(*got, expected)
        );
    }
}

#[test]
fn decoupled_subsystems_participate_zero_or_one() {
    let text = r#"Circuit(name: "two", components: [
        VoltageSource(name: "v1", pos: "s1", volts: 800.0),
        Inductor(name: "l1", a: "s1", b: "b1", henries: 50e-6, ohms: 0.01),
        Capacitor(name: "c1", a: "b1", b: "gnd", farads: 1e-3, esr: 1e-3),
        Resistor(name: "r1", a: "b1", b: "gnd", ohms: 10.0),
        VoltageSource(name: "v2", pos: "s2", volts: 48.0),
        Inductor(name: "l2", a: "s2", b: "b2", henries: 1e-6, ohms: 0.002),
        Capacitor(name: "c2", a: "b2", b: "gnd", farads: 5e-3),
        Load(name: "p2", node: "b2", watts: 1000.0, model: ConstantPower(min_volts: 30.0), bandwidth_hz: 2000.0),
    ])"#;
    let bound = setup(text).bind().expect("bind");
    let ss = state_space(&bound.model, &bound.point, false).expect("state space");
    let m = modes(&ss).expect("modes");
    // The two subsystems, and the load's power filter alone: nothing
    // drives it at the operating point (its row of A is zero off the
    // diagonal), so its mode is exactly −2π·2 kHz and only its own.
    assert_eq!(m.blocks, 3);
    let filter = m
        .modes
        .iter()
        .find(|x| x.components[0].name == "p2" && x.components.len() == 1)
        .expect("the filter's own mode");
    assert_eq!(filter.real, -std::f64::consts::TAU * 2000.0);
    let first = ["l1", "c1"];
    let second = ["l2", "c2", "p2"];
    for mode in &m.modes {
        let total: f64 = mode.components.iter().map(|s| s.fraction).sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let in_first = mode
            .components
            .iter()
            .all(|s| first.contains(&s.name.as_str()));
        let in_second = mode
            .components
            .iter()
            .all(|s| second.contains(&s.name.as_str()));
        assert!(
            in_first != in_second,
            "mode {:?} mixes subsystems: {:?}",
            mode.eigenvalue(),
            mode.components
        );
    }
}

#[test]
fn state_space_export_names_and_entries() {
    let p = 100e3;
    let bound = setup(&lc_cpl(p)).bind().expect("bind");
    let ss = state_space(&bound.model, &bound.point, true).expect("state space");
    let v = bound.point.y[bound.model.node_index["bus"]];
    let bus = ss
        .states
        .iter()
        .position(|s| s == "bus")
        .expect("bus state");
    let cur = ss
        .states
        .iter()
        .position(|s| s == "lf.i")
        .expect("inductor state");
    let a = |r, c| ss.a[(r, c)];
    assert!((a(cur, cur) + R / L).abs() < 1e-9 * R / L);
    assert!((a(cur, bus) + 1.0 / L).abs() < 1e-9 / L);
    assert!((a(bus, cur) - 1.0 / C).abs() < 1e-9 / C);
    assert!((a(bus, bus) - p / (C * v * v)).abs() < 1e-9 * p / (C * v * v));
    // u(cpl) scales the load current P/V drawn from the bus.
    let u = ss
        .inputs
        .iter()
        .position(|s| s == "u(cpl)")
        .expect("load input");
    assert!((ss.b[(bus, u)] + p / (v * C)).abs() < 1e-9 * p / (v * C));
    // An injection at `src` (held by the source) changes nothing; v(src) = Vs.
    let out = ss
        .outputs
        .iter()
        .position(|s| s == "v(bus)")
        .expect("output");
    assert_eq!(ss.c[(out, bus)], 1.0);
    let json = ss.to_json("lc-cpl", 0.0);
    assert_eq!(json["A"].as_array().map(Vec::len), Some(2));
    assert_eq!(json["states"][bus], "bus");
}

/// A PI-regulated, current-fed output stage: ξ' = k_i·e, i* = k_p·e + ξ,
/// i' = ω_i·(i* − i), e = V_ref − v_f with a first-order voltage sensor
/// τ·v_f' = v_out − v_f; i flows into `out`.
#[derive(Debug, Clone)]
struct Regulator {
    out: usize,
    sensed: usize,
    xi: usize,
    command: usize,
    current: usize,
    vref: f64,
    kp: f64,
    ki: f64,
    slots: [Slot; 9],
}

impl Regulator {
    fn build(b: &mut Builder, vref: f64, kp: f64, ki: f64, wi: f64, tau: f64) -> Self {
        let out = b.node("out");
        let sensed = b.state("reg", "vf", tau);
        let xi = b.state("reg", "xi", 1.0);
        let command = b.algebraic("reg", "cmd");
        let current = b.state("reg", "i", 1.0 / wi);
        let slots = [
            b.slot(sensed, out),
            b.slot(sensed, sensed),
            b.slot(xi, sensed),
            b.slot(command, sensed),
            b.slot(command, xi),
            b.slot(command, command),
            b.slot(current, command),
            b.slot(current, current),
            b.slot(out, current),
        ];
        Regulator {
            out,
            sensed,
            xi,
            command,
            current,
            vref,
            kp,
            ki,
            slots,
        }
    }
}

impl Device for Regulator {
    fn name(&self) -> &str {
        "reg"
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let e = self.vref - y[self.sensed];
        f[self.sensed] += y[self.out] - y[self.sensed];
        f[self.xi] += self.ki * e;
        f[self.command] += self.kp * e + y[self.xi] - y[self.command];
        f[self.current] += y[self.command] - y[self.current];
        f[self.out] += y[self.current];
    }
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], jac: &mut [f64]) {
        let s = &self.slots;
        jac[s[0]] += 1.0;
        jac[s[1]] -= 1.0;
        jac[s[2]] -= self.ki;
        jac[s[3]] -= self.kp;
        jac[s[4]] += 1.0;
        jac[s[5]] -= 1.0;
        jac[s[6]] += 1.0;
        jac[s[7]] -= 1.0;
        jac[s[8]] += 1.0;
    }
    fn branches(&self) -> Vec<Branch> {
        vec![Branch {
            a: self.out,
            b: 0,
            kind: BranchKind::FixedCurrent,
        }]
    }
    fn control_loops(&self) -> Vec<usize> {
        vec![self.command]
    }
}

#[test]
fn loop_gain_matches_pi_transfer_function() {
    let (vref, kp, ki) = (50.0, 2.0, 2.0 * TAU * 50.0);
    let (wi, tau) = (TAU * 2000.0, 1.0 / (TAU * 5000.0));
    let (rl, co) = (1.0, 1e-3);
    let text = format!(
        r#"Circuit(name: "reg", components: [
            Capacitor(name: "co", a: "out", b: "gnd", farads: {co:e}),
            Resistor(name: "rl", a: "out", b: "gnd", ohms: {rl}),
        ])"#
    );
    let flat = busbar::components::parse_str(&text, &PathBuf::from("reg.ron"), &BTreeMap::new())
        .expect("circuit");
    let extra: Vec<ExtraDevice> = vec![Box::new(move |b: &mut Builder| {
        Box::new(Regulator::build(b, vref, kp, ki, wi, tau)) as Box<dyn Device>
    })];
    let mut model = compile_with(&flat, extra).expect("compile");
    let mut inputs = busbar::engine::InputTable::unbound(0);
    let point = busbar::analysis::stability::operating_point(&mut model, &mut inputs, &[], 0.0)
        .expect("operating point");
    assert!((point.y[model.node_index["out"]] - vref).abs() < 1e-9);

    let closed = |f: f64| {
        let s = c64::new(0.0, TAU * f);
        (s.inv() * ki + kp) * (s * tau + 1.0).inv() * (wi / (s + wi)) * (rl / (s * rl * co + 1.0))
    };
    let command = model.device_index()["reg"];
    let command = model.devices[command].control_loops()[0];
    let lb = LoopBreak::new(&model, &point, command).expect("loop break");
    for f in [0.1, 1.0, 10.0, 100.0, 300.0, 1e3, 3e3, 1e4, 1e5] {
        let got = lb.eval(f).expect("eval");
        let e = rel(got, closed(f));
        assert!(e < 1e-6, "f = {f}: {got} vs {} ({e:e})", closed(f));
    }

    // Closed-form crossovers by bisection on the transfer function.
    let bisect = |g: &dyn Fn(f64) -> f64, mut lo: f64, mut hi: f64| {
        for _ in 0..200 {
            let mid = (lo * hi).sqrt();
            if (g(mid) < 0.0) == (g(lo) < 0.0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo * hi).sqrt()
    };
    let fc = bisect(&|f| closed(f).norm() - 1.0, 1.0, 1e5);
    let pm = (-closed(fc)).arg().to_degrees();
    let fp = bisect(&|f| closed(f).im, 1e3, 1e5);
    let gm = -20.0 * closed(fp).norm().log10();

    let freqs =
        busbar::analysis::stability::default_frequencies(0.1, 1e6, 40).expect("frequency grid");
    let lg = loop_gain(&model, &point, "reg", command, &freqs).expect("loop gain");
    let m = &lg.margins;
    let got_pm = m.phase_margin_deg.expect("phase margin");
    let got_gm = m.gain_margin_db.expect("gain margin");
    assert!((got_pm - pm).abs() < 0.1, "PM {got_pm} vs {pm}");
    assert!((got_gm - gm).abs() < 0.01, "GM {got_gm} vs {gm}");
    let got_fc = m.crossover_hz.expect("crossover");
    assert!((got_fc - fc).abs() / fc < 1e-6, "fc {got_fc} vs {fc}");
    // Refined between grid points: 0.01° and 1e-3 dB.
    assert!((got_pm - pm).abs() < 0.01, "PM {got_pm} vs {pm}");
    assert!((got_gm - gm).abs() < 1e-3, "GM {got_gm} vs {gm}");
    let got_fp = m.phase_crossover_hz.expect("phase crossover");
    assert!((got_fp - fp).abs() / fp < 1e-6, "fp {got_fp} vs {fp}");
    assert!(pm > 10.0 && gm > 0.0, "a stable design: {pm} {gm}");
    eprintln!("fc {got_fc} Hz vs {fc}; PM {got_pm} vs {pm}; GM {got_gm} vs {gm}");
}

#[test]
fn minor_loop_gain_at_a_constant_power_load() {
    let p = 900e3;
    let bound = setup(&lc_cpl(p)).bind().expect("bind");
    let v = bound.point.y[bound.model.node_index["bus"]];
    let z_load = -v * v / p;
    let z_source = |f: f64| {
        let s = c64::new(0.0, TAU * f);
        ((s * L + R).inv() + s * C).inv()
    };
    let freqs =
        busbar::analysis::stability::default_frequencies(1.0, 1e6, 40).expect("frequency grid");
    let ml = busbar::analysis::stability::minor_loop_gain(
        &bound.circuit,
        &bound.model,
        &bound.point,
        "cpl",
        None,
        &freqs,
    )
    .expect("minor loop");
    assert_eq!((ml.terminal.as_str(), ml.node.as_str()), ("node", "bus"));
    // The Middlebrook ratio |Z_load|/|Z_source| is smallest where |Z_source|
    // peaks: d|Z_s|²/dω = 0, found by bisection on the closed form's slope.
    let z_mag = |f: f64| z_source(f).norm();
    let slope = |f: f64| z_mag(f * (1.0 + 1e-7)) - z_mag(f * (1.0 - 1e-7));
    let (mut lo, mut hi): (f64, f64) = (100.0, 2000.0);
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if (slope(mid) > 0.0) == (slope(lo) > 0.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let worst = z_load.abs() / z_mag(lo);
    let expected_db = 20.0 * worst.log10();
    assert!(
        (ml.middlebrook_margin_db - expected_db).abs() < 1e-9,
        "{} vs {expected_db}",
        ml.middlebrook_margin_db
    );
    assert!((ml.peak_gain - 1.0 / worst).abs() < 1e-9 / worst);
    assert!(
        (ml.peak_hz - lo).abs() / lo < 1e-4,
        "{} vs {lo}",
        ml.peak_hz
    );
    // The grid alone reads the ratio optimistic.
    let sampled = freqs
        .iter()
        .map(|&f| z_load.abs() / z_mag(f))
        .fold(f64::INFINITY, f64::min);
    assert!(20.0 * sampled.log10() > expected_db);
    // T_m is real and negative where Z_source is real: at the resonance.
    let (mut lo, mut hi): (f64, f64) = (100.0, 2000.0);
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if (z_source(mid).im > 0.0) == (z_source(lo).im > 0.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let gm = -20.0 * (z_source(lo).norm() / z_load.abs()).log10();
    let got = ml.margins.gain_margin_db.expect("gain margin");
    assert!((got - gm).abs() < 1e-6, "GM {got} vs {gm}");
    assert!(ml.margins.phase_margin_deg.is_none());
}

#[test]
fn middlebrook_margin_does_not_depend_on_the_grid() {
    // A lightly damped source filter (Q ≈ 32 with 5 mΩ): the grid alone
    // reads its peak anywhere between the points.
    let text = lc_cpl(100e3).replace("ohms: 0.05", "ohms: 0.005");
    let bound = setup(&text).bind().expect("bind");
    let at = |per_decade: usize| {
        let freqs = busbar::analysis::stability::default_frequencies(1.0, 1e6, per_decade)
            .expect("frequency grid");
        busbar::analysis::stability::minor_loop_gain(
            &bound.circuit,
            &bound.model,
            &bound.point,
            "cpl",
            None,
            &freqs,
        )
        .expect("minor loop")
        .middlebrook_margin_db
    };
    let margins = [at(10), at(40), at(200)];
    for m in margins {
        assert!((m - margins[2]).abs() < 1e-3, "{margins:?}");
    }
}

#[test]
fn bus_impedance_peak_matches_the_resonance() {
    // L–C with the load resistor: |Z| peaks between grid points; the
    // closed-form maximum comes from bisection on its slope.
    let (r1, l1, c1, rl) = (0.01, 20e-6, 470e-6, 8.0);
    let text = format!(
        r#"Circuit(name: "rlc", components: [
            VoltageSource(name: "vs", pos: "src", volts: 48.0),
            Inductor(name: "l1", a: "src", b: "bus", henries: {l1:e}, ohms: {r1}),
            Capacitor(name: "c1", a: "bus", b: "gnd", farads: {c1:e}),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: {rl}),
        ])"#
    );
    let bound = setup(&text).bind().expect("bind");
    let z = |f: f64| {
        let s = c64::new(0.0, TAU * f);
        ((s * l1 + r1).inv() + s * c1 + 1.0 / rl).inv().norm()
    };
    let slope = |f: f64| z(f * (1.0 + 1e-7)) - z(f * (1.0 - 1e-7));
    let (mut lo, mut hi): (f64, f64) = (300.0, 3000.0);
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if (slope(mid) > 0.0) == (slope(lo) > 0.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    for per_decade in [10, 40] {
        let freqs = busbar::analysis::stability::default_frequencies(1.0, 1e6, per_decade)
            .expect("frequency grid");
        let nodes = [("bus".to_string(), None)];
        let got = busbar::analysis::stability::bus_impedance(
            &bound.model,
            &bound.point,
            &nodes,
            &freqs,
            false,
        )
        .expect("impedance");
        let db = 20.0 * (got[0].peak_ohms / z(lo)).log10();
        assert!(
            db.abs() < 1e-6,
            "{per_decade}/decade: {} vs {}",
            got[0].peak_ohms,
            z(lo)
        );
        assert!((got[0].peak_hz - lo).abs() / lo < 1e-4);
    }
}

#[test]
fn converter_loop_gain_matches_closed_form() {
    // Converter into C ∥ R: L(s) = (k_p + k_i/s)·(R_d + Z(s))·ω_i/(s + ω_i)
    // with Z = R/(1 + s·R·C), since e = V_ref − R_d·i − v and v = Z·i.
    let (kp, ki, rd, hz, c, r) = (0.5, 200.0, 0.05, 2e3, 1e-3, 4.0);
    let text = format!(
        r#"Circuit(name: "pi", components: [
            VoltageSource(name: "vin", pos: "in", volts: 800.0),
            Converter(name: "conv", input: "in", output: "bus", volts: 400.0, rated_watts: 100e3,
                droop_ohms: {rd}, voltage_loop: Pi(kp: {kp}, ki: {ki}), current_loop_hz: {hz}),
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: {c}),
            Resistor(name: "rl", a: "bus", b: "gnd", ohms: {r}),
        ])"#
    );
    let bound = setup(&text).bind().expect("bind");
    let wi = TAU * hz;
    let closed = |f: f64| {
        let s = c64::new(0.0, TAU * f);
        let z = c64::new(r, 0.0) / (s * (r * c) + 1.0);
        (s.inv() * ki + kp) * (z + rd) * (wi / (s + wi))
    };
    let device = bound.model.device_index()["conv"];
    let loops = bound.model.devices[device].control_loops();
    assert_eq!(loops.len(), 1);
    let lb = LoopBreak::new(&bound.model, &bound.point, loops[0]).expect("loop break");
    for f in [1.0, 10.0, 100.0, 1e3, 1e4, 1e5] {
        let got = lb.eval(f).expect("eval");
        assert!(
            rel(got, closed(f)) < 1e-6,
            "f = {f}: {got} vs {}",
            closed(f)
        );
    }
    let (mut lo, mut hi): (f64, f64) = (1.0, 1e5);
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if (closed(mid).norm() > 1.0) == (closed(lo).norm() > 1.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let pm = (-closed(lo)).arg().to_degrees();
    let freqs =
        busbar::analysis::stability::default_frequencies(0.1, 1e6, 40).expect("frequency grid");
    let lg = loop_gain(&bound.model, &bound.point, "conv", loops[0], &freqs).expect("loop gain");
    let got = lg.margins.phase_margin_deg.expect("phase margin");
    assert!((got - pm).abs() < 0.1, "PM {got} vs {pm}");
    assert!((got - pm).abs() < 0.01, "PM {got} vs {pm}, refined");
    let fc = lg.margins.crossover_hz.expect("crossover");
    assert!((fc - lo).abs() / lo < 1e-6, "fc {fc} vs {lo}");
    eprintln!("converter loop: crossover {lo} Hz, PM {got} vs {pm}");
}

/// A Kyber-class row (docs/sources.md §6(b), Row-B): 4 × 660 kW racks on a 15 m
/// busway, source 800 V behind the 1 % droop resistance and `l_src`, 25 mF.
fn kyber_row(l_src: f64) -> String {
    format!(
        r#"Circuit(name: "kyber-row", params: {{ "l_src": {l_src:e} }},
        buses: {{ "bus800": (nominal: 800.0), "tap*": (nominal: 800.0) }},
        components: [
            VoltageSource(name: "sst", pos: "src", volts: 800.0),
            Inductor(name: "lsrc", a: "src", b: "bus800", henries: "l_src", ohms: 2.4e-3),
            Capacitor(name: "csrc", a: "bus800", b: "gnd", farads: 25e-3, esr: 0.1e-3),
            Inductor(name: "way1", a: "bus800", b: "tap1", henries: 0.6e-6, ohms: 0.1e-3),
            Inductor(name: "way2", a: "tap1", b: "tap2", henries: 0.3e-6, ohms: 0.05e-3),
            Inductor(name: "way3", a: "tap2", b: "tap3", henries: 0.3e-6, ohms: 0.05e-3),
            Inductor(name: "way4", a: "tap3", b: "tap4", henries: 0.3e-6, ohms: 0.05e-3),
            Repeat(count: 4, index: "i", components: [
                Capacitor(name: "cr{{i}}", a: "tap{{i}}", b: "gnd", farads: 4e-3, esr: 0.5e-3),
                Load(name: "rack{{i}}", node: "tap{{i}}", watts: 660e3,
                     model: ConstantPower(min_volts: 500.0), bandwidth_hz: 3000.0),
            ]),
        ])"#
    )
}

#[test]
fn kyber_row_with_a_50_uh_source_inductor_is_flagged() {
    let options = ReportOptions {
        auto_interfaces: false,
        per_decade: 10,
        ..ReportOptions::default()
    };
    let base = stability_report(&setup(&kyber_row(1.5e-6)), &options).expect("base row");
    assert_eq!(base.stable, Some(true), "{}", base.to_text(5));
    let bad = stability_report(&setup(&kyber_row(50e-6)), &options).expect("50 µH row");
    assert_eq!(bad.stable, Some(false), "{}", bad.to_text(5));
    let modes = bad.modes.as_ref().expect("modes");
    let worst = modes.least_damped().expect("a mode");
    assert!(worst.is_unstable());
    // The LC resonance of the source filter with the bus capacitance, ~142 Hz.
    assert!(
        worst.frequency_hz > 100.0 && worst.frequency_hz < 200.0,
        "{}",
        worst.describe()
    );
    let names: Vec<&str> = worst.components.iter().map(|s| s.name.as_str()).collect();
    assert!(
        names[..2].contains(&"lsrc") && names[..2].contains(&"csrc"),
        "{names:?}"
    );
    assert!(bad.to_text(5).contains("UNSTABLE"));
}

#[test]
fn cli_exports_state_space_and_reports_stability() {
    let dir = tempfile::tempdir().expect("temp dir");
    let circuit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/nvl72_rack.ron");
    let file = dir.path().join("ss.json");
    let export = |path: &std::path::Path| {
        assert_cmd::Command::cargo_bin("busbar")
            .expect("binary")
            .arg("export")
            .arg(&circuit)
            .arg("--state-space")
            .arg(path)
            .assert()
            .success();
        std::fs::read(path).expect("state-space file")
    };
    let first = export(&file);
    let again = export(&dir.path().join("ss2.json"));
    assert_eq!(first, again, "the export is deterministic");
    let v: serde_json::Value = serde_json::from_slice(&first).expect("JSON");
    let states = v["states"].as_array().expect("states").len();
    let inputs = v["inputs"].as_array().expect("inputs").len();
    let outputs = v["outputs"].as_array().expect("outputs").len();
    assert_eq!(v["A"].as_array().map(Vec::len), Some(states));
    assert_eq!(v["A"][0].as_array().map(Vec::len), Some(states));
    assert_eq!(v["B"][0].as_array().map(Vec::len), Some(inputs));
    assert_eq!(v["C"].as_array().map(Vec::len), Some(outputs));
    assert_eq!(v["D"][0].as_array().map(Vec::len), Some(inputs));
    assert!(v["inputs"][0].as_str().is_some_and(|s| s.starts_with("u(")));

    let out = assert_cmd::Command::cargo_bin("busbar")
        .expect("binary")
        .args(["stability", "--json", "--no-auto-interfaces"])
        .arg(&circuit)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let r: serde_json::Value = serde_json::from_slice(&out).expect("report JSON");
    assert_eq!(r["stable"], true);
    assert_eq!(r["states"].as_u64(), Some(states as u64));
    assert!(r["modes"]["modes"][0]["components"][0]["name"].is_string());
    assert!(r["buses"].as_array().is_some_and(|b| !b.is_empty()));
}

#[test]
fn operating_point_follows_the_scenario_at_time_t() {
    let p = 400e3;
    let scenario = busbar::scenario::parse_str(
        r#"Scenario(name: "step", duration: 0.01, sample: 1e-4,
            loads: [(target: "cpl", profile: Step(from: 0.25, to: 1.0, at: 2e-3, rise: 1e-3))])"#,
        &PathBuf::from("step.ron"),
    )
    .expect("scenario");
    let mut s = setup(&lc_cpl(p));
    s.scenario = Some(scenario);
    for (at, pu) in [(0.0, 0.25), (2.5e-3, 0.625), (5e-3, 1.0)] {
        s.at = at;
        let bound = s.bind().expect("bind");
        let v = bound.point.y[bound.model.node_index["bus"]];
        let expected = 0.5 * (VS + (VS * VS - 4.0 * R * p * pu).sqrt());
        assert!(
            (v - expected).abs() < 1e-9 * VS,
            "t = {at}: {v} vs {expected}"
        );
    }
}

#[test]
fn shift_invert_finds_the_least_damped_modes_of_the_dense_solver() {
    let circuit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/busway_row.ron");
    let bound = Setup::new(CircuitSource::read(&circuit).expect("circuit file"))
        .bind()
        .expect("bind");
    let ss = state_space(&bound.model, &bound.point, false).expect("state space");
    let dense = modes(&ss).expect("dense modes");
    let shifts =
        busbar::analysis::stability::default_frequencies(1.0, 1e6, 2).expect("frequency grid");
    let partial = busbar::analysis::stability::partial_modes(&bound.model, &bound.point, &shifts)
        .expect("partial modes");
    for d in dense.modes.iter().filter(|m| m.damping < 0.1) {
        let p = partial
            .modes
            .iter()
            .min_by(|a, b| {
                rel(a.eigenvalue(), d.eigenvalue()).total_cmp(&rel(b.eigenvalue(), d.eigenvalue()))
            })
            .expect("a partial mode");
        let e = rel(p.eigenvalue(), d.eigenvalue());
        assert!(e < 1e-8, "{} not found ({e:e})", d.describe());
        for (a, b) in p.components.iter().zip(&d.components).take(2) {
            assert!((a.fraction - b.fraction).abs() < 1e-6, "{a:?} vs {b:?}");
        }
    }
    assert_eq!(
        partial.least_damped().map(|m| m.describe()),
        dense.least_damped().map(|m| m.describe())
    );
}
