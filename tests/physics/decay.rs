//! Decay after a step against the least-damped eigenvalue. A random RLC
//! network (no switches: one linear system) starts at its operating
//! point; its source steps at t_s. From the stability analysis: σ₁ (the
//! largest real part), its frequency ω₁, and σ₂, the next real part. The
//! window starts where the faster modes have fallen 10⁶ below the slowest
//! (a = ln 10⁶ / (σ₁ − σ₂)) and spans a whole number of half periods of
//! ω₁, on samples, so that the envelope E(t) = max over one period of
//! |v(t) − v(∞)| shrinks by exactly e^{σ₁·(b − a)} for a pure mode.

use crate::rng::Rng;
use std::fmt::Write;

pub struct Decaying {
    pub circuit: String,
    pub nodes: usize,
}

/// A connected RLC network (every capacitor with an ESR, so that the
/// step moves no charge in an impulse).
pub fn network(rng: &mut Rng) -> Decaying {
    let nodes = 2 + rng.below(4);
    let mut c = String::from("Circuit(name: \"decay\", components: [\n");
    let _ = writeln!(c, r#"VoltageSource(name: "v0", pos: "n1", volts: 100),"#);
    let mut k = 0;
    let mut add = |c: &mut String, rng: &mut Rng, kind: usize, a: String, b: String| {
        k += 1;
        let _ = match kind {
            0 => writeln!(
                c,
                r#"Resistor(name: "x{k}", a: "{a}", b: "{b}", ohms: {:e}),"#,
                rng.log_uniform(1e-2, 1e4)
            ),
            1 => writeln!(
                c,
                r#"Inductor(name: "x{k}", a: "{a}", b: "{b}", henries: {:e}, ohms: {:e}),"#,
                rng.log_uniform(1e-6, 1.0),
                rng.log_uniform(1e-3, 1e3)
            ),
            _ => writeln!(
                c,
                r#"Capacitor(name: "x{k}", a: "{a}", b: "{b}", farads: {:e}, esr: {:e}),"#,
                rng.log_uniform(1e-7, 1e-1),
                rng.log_uniform(1e-3, 1e3)
            ),
        };
    };
    for n in 2..=nodes {
        let from = format!("n{}", 1 + rng.below(n - 1));
        let kind = *rng.pick(&[0, 1, 1]);
        add(&mut c, rng, kind, from, format!("n{n}"));
        let kind = *rng.pick(&[0, 2, 2]);
        add(&mut c, rng, kind, format!("n{n}"), "gnd".into());
    }
    c.push_str("])\n");
    Decaying { circuit: c, nodes }
}

/// The envelope of `dev` over `width` samples from sample `from` (one
/// period, or one sample for a real mode).
pub fn envelope(dev: &[f64], from: usize, width: usize) -> f64 {
    dev[from.min(dev.len() - 1)..(from + width.max(1)).min(dev.len())]
        .iter()
        .map(|d| d.abs())
        .fold(0.0, f64::max)
}
