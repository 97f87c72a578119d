//! Physics as an oracle, on random networks (seeded):
//! - passive RLC networks with sources and switches (values over six
//!   decades) conserve energy: delivered = dissipated + Δ stored, to the
//!   quadrature and solver tolerance derived in `physics/energy.rs`;
//! - after a source step their deviation from the final state decays at
//!   the rate of the least-damped eigenvalue of the stability analysis
//!   (`physics/decay.rs`);
//! - regulated networks (converters with an efficiency, DCXs with their
//!   losses) keep the power balance through them at every sample.
//!
//! `cargo test --release --test physics` runs a seeded subset; set
//! `BUSBAR_PHYSICS_NETWORKS=10000` for the long run (it prints the count
//! and the time), `BUSBAR_PHYSICS_SEED=S` to start elsewhere.

mod physics {
    pub mod decay;
    pub mod energy;
    pub mod network;
    pub mod regulated;
}
#[path = "fuzz/rng.rs"]
mod rng;

use busbar::results::Waveforms;
use physics::network;
use rng::Rng;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// The seeds to run: the CI count, or `BUSBAR_PHYSICS_NETWORKS`.
fn seeds(ci: u64) -> std::ops::Range<u64> {
    let n = env_number("BUSBAR_PHYSICS_NETWORKS").unwrap_or(ci);
    let first = env_number("BUSBAR_PHYSICS_SEED").unwrap_or(1);
    first..first + n
}

/// Runs circuit and scenario text; the engine's error as text.
fn run(circuit: &str, scenario: &str) -> Result<Waveforms, String> {
    let flat = busbar::components::parse_str(circuit, Path::new("c.ron"), &BTreeMap::new())
        .map_err(|e| format!("circuit: {e}"))?;
    let sc = busbar::scenario::parse_str(scenario, Path::new("s.ron"))
        .map_err(|e| format!("scenario: {e}"))?;
    let mut p = busbar::study::prepare_flat(flat, sc).map_err(|e| format!("prepare: {e}"))?;
    p.run(None).map_err(|e| format!("run: {e}"))
}

#[test]
fn passive_networks_conserve_energy() {
    let (rtol, atol) = (1e-6, 1e-9);
    let started = Instant::now();
    let (mut checked, mut refined, mut refused) = (0, 0, Vec::new());
    let mut worst: f64 = 0.0;
    for seed in seeds(300) {
        let mut rng = Rng::new(seed);
        let net = network::network(&mut rng);
        let circuit = net.circuit(&mut rng);
        let duration = rng.log_uniform(1e-5, 1e-1);
        // The same run recorded on finer and finer grids until the balance
        // holds: a quadrature error (a switch that discharges an inductor
        // in nanoseconds, between two samples) goes away as the grid is
        // refined, an error of the solver or the model does not.
        let mut last = None;
        for samples in [2000, 20_000, 200_000] {
            let scenario =
                net.scenario(&mut Rng::new(seed ^ 0x5EED), duration, samples, rtol, atol);
            let w = match run(&circuit, &scenario) {
                Ok(w) => w,
                Err(e) => {
                    if std::env::var_os("BUSBAR_PHYSICS_SHOW").is_some() {
                        eprintln!("{circuit}\n{scenario}");
                    }
                    refused.push(format!("seed {seed}: {e}"));
                    last = None;
                    break;
                }
            };
            let b = physics::energy::balance(&net, &w, rtol, atol);
            let holds = b.holds();
            last = Some((b, scenario));
            if holds {
                break;
            }
            refined += 1;
        }
        let Some((b, scenario)) = last else { continue };
        assert!(
            b.holds(),
            "seed {seed}: energy balance off on the finest grid: delivered {} J, dissipated {} J, \
             stored {} J, residual {} J, tolerance {} J (quadrature) + {} J (solver)\n{circuit}\n{scenario}",
            b.source,
            b.dissipated,
            b.stored,
            b.residual,
            b.quadrature,
            b.solver
        );
        worst = worst.max(b.residual.abs() / (b.quadrature + b.solver));
        checked += 1;
    }
    eprintln!(
        "energy balance: {checked} networks in {:.1} s, worst |residual| / tolerance {worst:.3}; \
         {refined} re-recorded on a 10x finer grid; {} refused by the engine",
        started.elapsed().as_secs_f64(),
        refused.len()
    );
    for r in refused.iter().take(5) {
        eprintln!("  refused: {r}");
    }
    assert!(
        refused.len() * 20 <= checked,
        "more than 5 % of the networks were refused"
    );
}

fn column<'a>(w: &'a Waveforms, name: &str) -> &'a [f64] {
    &w.columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .values
}

#[test]
fn regulated_networks_balance_power_through_their_losses() {
    use physics::regulated::{regulated, Device};
    let (rtol, atol) = (1e-6, 1e-9);
    let started = Instant::now();
    let (mut checked, mut samples, mut refused) = (0, 0, Vec::new());
    let mut worst: f64 = 0.0;
    for seed in seeds(100) {
        let net = regulated(&mut Rng::new(seed), rtol, atol);
        let w = match run(&net.circuit, &net.scenario) {
            Ok(w) => w,
            Err(e) => {
                if std::env::var_os("BUSBAR_PHYSICS_SHOW").is_some() {
                    eprintln!("{}\n{}", net.circuit, net.scenario);
                }
                refused.push(format!("seed {seed}: {e}"));
                continue;
            }
        };
        let rms_spread = (w.stats.unknowns.max(1) as f64).sqrt();
        for (k, device) in net.devices.iter().enumerate() {
            let k = k + 1;
            let v_bus = column(&w, "v(bus)");
            let r_sense = net.sense[k - 1];
            let v_in = column(&w, &format!("v(in{k})"));
            let i_in = column(&w, &format!("i(s{k})"));
            let v_out = column(&w, &format!("v(out{k})"));
            let i_out = column(&w, &format!("i(d{k})"));
            let p_out = column(&w, &format!("p(d{k})"));
            for j in 0..w.time.len() {
                let p_in = v_in[j] * i_in[j];
                let expected = match *device {
                    // Forward and reverse by the direction of the current
                    // (a collapsed output carries forward current at
                    // negative power).
                    Device::Converter { efficiency } if i_out[j] >= 0.0 => p_out[j] / efficiency,
                    Device::Converter { efficiency } => p_out[j] * efficiency,
                    Device::Dcx {
                        ohms,
                        no_load_watts,
                    } => {
                        // docs/components.md, "Low-voltage guard": below
                        // 1 V at the input the no-load term is a
                        // conductance P_nl/(1 V)², as on a collapsed bus
                        // (seed 503183: below 1 V at its operating point).
                        let v = v_in[j].abs();
                        let no_load = if v >= 1.0 {
                            no_load_watts
                        } else {
                            no_load_watts * v * v
                        };
                        p_out[j] + ohms * i_out[j] * i_out[j] + no_load
                    }
                };
                // The engine keeps the RMS over its n unknowns of the
                // local error, weighted by rtol·|y| + atol, below 1: one
                // unknown may carry up to √n times its weight (seed
                // 501258: 3.3 W off at rtol 1e-6, 0.12 W at 1e-8, 0.004 W
                // at 1e-10, so integration error and no model error). With
                // each recorded unknown within √n·(rtol·|y| + atol), a
                // product v·i is within √n·(2·rtol·|p| + atol·(|v| + |i|));
                // the sense current, (v_bus − v_in)/R, is within
                // √n·(rtol·(|v_bus| + |v_in|) + 2·atol)/R, times v_in.
                let sensed = v_in[j].abs() * (rtol * (v_bus[j].abs() + v_in[j].abs()) + 2.0 * atol)
                    / r_sense;
                let tol = rms_spread
                    * (2.0 * rtol * (p_in.abs() + expected.abs())
                        + sensed
                        + atol * (v_in[j].abs() + i_in[j].abs() + v_out[j].abs() + i_out[j].abs()));
                let off = (p_in - expected).abs();
                assert!(
                    off <= tol,
                    "seed {seed}, device d{k}, t = {:e} s: input {p_in} W, expected {expected} W \
                     through its losses (off by {off:e}, tolerance {tol:e})\n{}\n{}",
                    w.time[j],
                    net.circuit,
                    net.scenario
                );
                worst = worst.max(off / tol);
                samples += 1;
            }
        }
        checked += 1;
    }
    eprintln!(
        "power balance: {checked} regulated networks ({samples} device-samples) in {:.1} s, \
         worst |off| / tolerance {worst:.3}; {} refused",
        started.elapsed().as_secs_f64(),
        refused.len()
    );
    for r in refused.iter().take(5) {
        eprintln!("  refused: {r}");
    }
    // Some feasible networks find no operating point (a DCX without
    // output inductance fed through a resistor: Newton stalls with a small
    // residual); the check keeps its strength while most networks run.
    assert!(refused.len() * 5 <= checked, "more than a sixth refused");
}

/// (σ₁, ω₁, σ₂, max |λ|) of a circuit's modes, or why the network is
/// skipped.
fn slowest_modes(circuit: &str) -> Result<(f64, f64, f64, f64), String> {
    use busbar::analysis::stability::{stability_report, CircuitSource, ReportOptions, Setup};
    let setup = Setup {
        circuit: CircuitSource::from_text(circuit, Path::new("decay.ron"))
            .map_err(|e| e.to_string())?,
        scenario: None,
        at: 0.0,
        overrides: BTreeMap::new(),
    };
    let options = ReportOptions {
        per_decade: 5,
        auto_interfaces: false,
        ..ReportOptions::default()
    };
    let report = stability_report(&setup, &options).map_err(|e| e.to_string())?;
    let modes = report.modes.ok_or("no modes")?.modes;
    let s1 = modes
        .iter()
        .map(|m| m.real)
        .fold(f64::NEG_INFINITY, f64::max);
    let same: Vec<_> = modes
        .iter()
        .filter(|m| (m.real - s1).abs() <= 1e-9 * s1.abs())
        .collect();
    if same.is_empty() {
        return Err("no modes".into());
    }
    let w1 = same[0].imag.abs();
    // One real mode or one conjugate pair: two distinct slowest modes
    // would beat against each other.
    let pair = same.len() == 2 && (same[0].imag + same[1].imag).abs() <= 1e-9 * w1;
    if !(s1 < 0.0 && (same.len() == 1 || pair)) {
        return Err(format!("σ₁ = {s1:e} with {} modes", same.len()));
    }
    let s2 = modes
        .iter()
        .map(|m| m.real)
        .filter(|&r| r < s1 - 1e-9 * s1.abs())
        .fold(f64::NEG_INFINITY, f64::max);
    let largest = modes
        .iter()
        .map(|m| m.real.hypot(m.imag))
        .fold(0.0, f64::max);
    Ok((s1, w1, s2, largest))
}

#[test]
fn decay_after_a_step_follows_the_least_damped_eigenvalue() {
    use physics::decay::{envelope, network};
    use std::f64::consts::TAU;
    let started = Instant::now();
    let (mut checked, mut skipped, mut unexcited) = (0, 0, 0);
    let mut worst: f64 = 0.0;
    for seed in seeds(150) {
        let mut rng = Rng::new(seed);
        let net = network(&mut rng);
        let Ok((s1, w1, s2, largest_mode)) = slowest_modes(&net.circuit) else {
            skipped += 1;
            continue;
        };
        let rate = -s1;
        // Samples: h divides half a period of ω₁ (m samples), and the
        // window's ends fall on samples n·m apart, so that for a pure
        // mode the sampled envelopes scale by exactly e^{σ₁·span}.
        let (period, m) = if w1 > 1e-9 * rate {
            let p = TAU / w1;
            (p, ((p / 2.0) / (p / 40.0).min(0.05 / rate)).ceil())
        } else {
            (0.0, 1.0)
        };
        let h = if period > 0.0 {
            period / 2.0 / m
        } else {
            0.05 / rate
        };
        let half = if period > 0.0 {
            (3.0 / rate / (period / 2.0)).ceil() as usize
        } else {
            60
        };
        let shift = half * m as usize;
        let span = shift as f64 * h;
        // Faster modes 10⁶ below the slowest at the window's start.
        let a = if s2.is_finite() {
            ((1e6f64).ln() / (s1 - s2) / h).ceil() * h
        } else {
            0.0
        };
        let t_s = 10.0 * h;
        let duration = t_s + a + span + period + 30.0 / rate;
        // The slowest mode must still stand well above the solver's error
        // at the window's end, and the record stay small.
        // The engine refuses steps below 1e-14 of the run's duration
        // (`engine::MIN_STEP_FRACTION`). Right after the source step the
        // fastest mode needs steps near τ·rtol^(1/5) (order 4, error per
        // step ~ (h/τ)⁵), 0.016·τ at rtol 1e-9: a network whose fastest
        // time constant is below ~1e-11 of the run cannot be followed
        // there and ends in the engine's located error instead (seed
        // 500263: τ = 3.4 ns in a 5,293 s run).
        let unresolvable = duration * largest_mode > 1e11;
        if (a + span) * rate > 9.2 || duration / h > 3e5 || unresolvable {
            skipped += 1;
            continue;
        }
        let record: Vec<String> = (1..=net.nodes).map(|k| format!("\"n{k}\"")).collect();
        let scenario = format!(
            "Scenario(name: \"step\", duration: {duration:e}, sample: {h:e}, start: OperatingPoint, \
             rtol: 1e-9, atol: 1e-12, events: [Set(at: {t_s:e}, component: \"v0\", field: \"volts\", value: 200)], \
             record: [{}])",
            record.join(", ")
        );
        let w = run(&net.circuit, &scenario)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{}\n{scenario}", net.circuit));
        // At each node the faster modes start below D₀, taken as 10× the
        // 100 V step (modal parts can exceed the deviation they sum to,
        // where they cancel), and have decayed by e^{σ₂·a} at the window's
        // start: ε = D₀·e^{σ₂·a} / E(a) bounds their share there. The node
        // with the smallest ε measures the slowest mode best.
        let (mut slowest, mut eps, mut e_end) = (f64::NAN, f64::INFINITY, 0.0);
        for k in 1..=net.nodes {
            let v = column(&w, &format!("v(n{k})"));
            let end = v[v.len() - 1];
            let dev: Vec<f64> = v.iter().map(|x| x - end).collect();
            let d0 = 10.0 * 100.0;
            let i_a = w.time.partition_point(|&t| t < t_s + a - 0.5 * h);
            let e_a = envelope(&dev, i_a, 2 * m as usize);
            let e_b = envelope(&dev, i_a + shift, 2 * m as usize);
            let share = d0 * (s2 * a).exp() / e_a;
            if e_b > 1e-3 && share < eps {
                (slowest, eps, e_end) = ((e_a / e_b).ln() / span, share, e_b);
            }
        }
        // At least 10⁻⁵ of the 100 V step left (far above the solver's
        // error at rtol 10⁻⁹) and faster modes under 5 %; else the step
        // hardly excites the slowest mode where it can be told apart.
        if e_end <= 1e-3 || eps > 0.05 {
            unexcited += 1;
            continue;
        }
        // The faster modes move ln E(a) by up to 2ε; the solver's error,
        // rtol·|v| + atol on v ≤ 200 V, moves ln E by up to that over E.
        let solver = (1e-9 * 200.0 + 1e-12) / e_end;
        // A backward-stable eigensolver finds σ₁ to a few ε·‖A‖ (‖A‖ at
        // least the largest |λ|): stiff networks put that above the rest.
        let eigen = 10.0 * f64::EPSILON * largest_mode / rate;
        let tol = (2.0 * eps + 2.0 * solver) / (span * rate) + eigen;
        let off = (slowest - rate).abs() / rate;
        assert!(
            off <= tol,
            "seed {seed}: decay rate {slowest:e}/s against σ₁ = {s1:e}/s (ω₁ = {w1:e} rad/s, \
             σ₂ = {s2:e}): off by {off:e}, tolerance {tol:e}\n{}\n{scenario}",
            net.circuit
        );
        worst = worst.max(off / tol);
        checked += 1;
    }
    eprintln!(
        "decay: {checked} networks in {:.1} s, worst |rate − σ₁| / tolerance {worst:.3}; \
         {skipped} skipped (slowest modes too close, or too slow to record), {unexcited} \
         where no node shows the slowest mode clear of the faster ones",
        started.elapsed().as_secs_f64()
    );
    assert!(checked * 2 >= skipped, "too few networks checked");
}
