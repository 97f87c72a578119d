//! Energy balance of a recorded run of a passive network: the energy the
//! sources delivered equals the energy dissipated plus the change of the
//! energy stored, E_src = E_diss + ΔE_stored.
//!
//! Stored energy is read at the two ends of the run from the states
//! (½·C·v_c² with v_c = v_ab − esr·i, ½·L·i²), so it carries no
//! quadrature error; the two integrals are trapezoids over the recorded
//! samples. The tolerance has two parts, neither tuned:
//! - quadrature: for each integrand and each pair of sample intervals,
//!   |two trapezoids − one trapezoid over both| (pairs start at each
//!   event, which the recorder writes on both its sides). For a smooth integrand the error over 2h is 4× the
//!   one over h, so the difference is 3× the error; where a jump makes it
//!   first order, it is 1×: the sum of the absolute differences bounds
//!   the error either way, and errors of opposite sign cannot cancel in it;
//! - solver: Rodas4 keeps each state's error per step below
//!   rtol·|y| + atol. An energy quadratic in the states then has a
//!   relative error of at most 2·(rtol + atol/|y|): 2·rtol times the
//!   energies involved plus 2·atol times Σ C·|v_c| + L·|i| (stored) and
//!   ∫ |v| + |i| dt over the branches (dissipated and delivered).

use super::network::{Network, Part};
use busbar::results::Waveforms;

fn column<'a>(w: &'a Waveforms, name: &str) -> &'a [f64] {
    &w.columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .values
}

fn voltage<'a>(w: &'a Waveforms, node: &str, zeros: &'a [f64]) -> &'a [f64] {
    if node == "gnd" {
        zeros
    } else {
        column(w, &format!("v({node})"))
    }
}

/// ∫ f dt by trapezoids over every sample, and the local Richardson
/// bound of its error: Σ over pairs of intervals of |two trapezoids − one
/// over both|, in absolute value so that errors of opposite sign (a kink
/// here, a curvature there) cannot cancel in the bound. The recorder
/// writes an event's instant twice (before and after it); pairs start
/// afresh after each event, so that none straddles one.
fn integral(t: &[f64], f: impl Fn(usize) -> f64) -> (f64, f64) {
    let trap = |a: usize, b: usize| 0.5 * (t[b] - t[a]) * (f(a) + f(b));
    let value = (1..t.len()).map(|k| trap(k - 1, k)).sum();
    let mut bound = 0.0;
    // Both sides of an event: the same instant up to rounding.
    let h = t[t.len() - 1] / t.len() as f64;
    let mut start = 0;
    for end in 1..=t.len() {
        if end == t.len() || t[end] - t[end - 1] < 1e-6 * h {
            bound += (start + 2..end)
                .step_by(2)
                .map(|k| (trap(k - 2, k - 1) + trap(k - 1, k) - trap(k - 2, k)).abs())
                .sum::<f64>();
            start = end;
        }
    }
    (value, bound)
}

#[derive(Debug)]
pub struct Balance {
    pub source: f64,
    pub dissipated: f64,
    pub stored: f64,
    /// E_src − E_diss − ΔE_stored on every sample.
    pub residual: f64,
    pub quadrature: f64,
    pub solver: f64,
}

impl Balance {
    pub fn holds(&self) -> bool {
        self.residual.abs() <= self.quadrature + self.solver
    }
}

pub fn balance(net: &Network, w: &Waveforms, rtol: f64, atol: f64) -> Balance {
    let t = &w.time;
    let zeros = vec![0.0; t.len()];
    let last = t.len() - 1;
    let (mut source, mut dissipated, mut quadrature) = (0.0, 0.0, 0.0);
    for b in &net.branches {
        let p = column(w, &format!("p({})", b.name));
        let i = column(w, &format!("i({})", b.name));
        let (value, bound) = match b.part {
            Part::VoltageSource | Part::CurrentSource => {
                let (v, q) = integral(t, |k| p[k]);
                source += v;
                (0.0, q)
            }
            Part::Resistor { .. } | Part::Switch => integral(t, |k| p[k]),
            Part::Inductor { ohms: r, .. } | Part::Capacitor { esr: r, .. } => {
                integral(t, |k| r * i[k] * i[k])
            }
        };
        dissipated += value;
        quadrature += bound;
    }
    let (mut stored, mut scale_stored, mut scale_atol) = (0.0, 0.0, 0.0);
    let mut throughput = 0.0;
    for b in &net.branches {
        let i = column(w, &format!("i({})", b.name));
        let (va, vb) = (voltage(w, &b.a, &zeros), voltage(w, &b.b, &zeros));
        throughput += integral(t, |k| (va[k] - vb[k]).abs() + i[k].abs()).0;
        match b.part {
            Part::Capacitor { farads, esr } => {
                let vc = |k: usize| va[k] - vb[k] - esr * i[k];
                let e = |k: usize| 0.5 * farads * vc(k) * vc(k);
                stored += e(last) - e(0);
                scale_stored += (0..=last).map(e).fold(0.0, f64::max);
                scale_atol += farads * (0..=last).map(|k| vc(k).abs()).fold(0.0, f64::max);
            }
            Part::Inductor { henries, .. } => {
                let e = |k: usize| 0.5 * henries * i[k] * i[k];
                stored += e(last) - e(0);
                scale_stored += (0..=last).map(e).fold(0.0, f64::max);
                scale_atol += henries * (0..=last).map(|k| i[k].abs()).fold(0.0, f64::max);
            }
            _ => {}
        }
    }
    let residual = source - dissipated - stored;
    let delivered: f64 = net
        .branches
        .iter()
        .filter(|b| matches!(b.part, Part::VoltageSource | Part::CurrentSource))
        .map(|b| integral(t, |k| column(w, &format!("p({})", b.name))[k].abs()).0)
        .sum();
    Balance {
        source,
        dissipated,
        stored,
        residual,
        quadrature,
        solver: 2.0 * rtol * (delivered + dissipated + scale_stored)
            + 2.0 * atol * (scale_atol + throughput),
    }
}
