//! Modes of the state matrix A: eigenvalues with frequency, damping ratio
//! ζ = −σ/|λ| and time constant, and participation factors
//! p_ki = |v_ik·w_ki| (W = V⁻¹) normalised per mode, aggregated per state
//! and per owning component.
//!
//! A is first split into its decoupled blocks (connected components of its
//! sparsity graph) and each block is decomposed on its own: this is cheaper
//! and makes the participation of a decoupled subsystem exactly zero.
//! Owns the eigen-decomposition only; must not build A (`state_space`).

use super::state_space::StateSpace;
use super::StabilityError;
use faer::linalg::solvers::DenseSolveCore;
use faer::{c64, Mat};
use serde::Serialize;
use std::collections::BTreeMap;
use std::f64::consts::TAU;
use std::time::Instant;

/// Shares listed per mode (the largest ones).
const MAX_SHARES: usize = 12;

/// One named share of a mode's participation (fractions sum to 1).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Share {
    pub name: String,
    pub fraction: f64,
}

/// One mode; complex pairs are listed once, with the positive frequency.
#[derive(Debug, Clone, Serialize)]
pub struct Mode {
    /// σ, 1/s.
    pub real: f64,
    /// ω, rad/s (≥ 0).
    pub imag: f64,
    pub frequency_hz: f64,
    /// ζ = −σ/|λ|; 1 for a stable real mode, negative when unstable.
    pub damping: f64,
    /// 1/|σ|, absent for σ = 0.
    pub time_constant_s: Option<f64>,
    /// Participation per owning component, largest first.
    pub components: Vec<Share>,
    /// Participation per state, largest first.
    pub states: Vec<Share>,
}

impl Mode {
    pub fn eigenvalue(&self) -> c64 {
        c64::new(self.real, self.imag)
    }

    pub fn is_unstable(&self) -> bool {
        self.real > 0.0
    }

    /// "mode 142 Hz, ζ 0.031: cbus 61 %, lfeed 30 %".
    pub fn describe(&self) -> String {
        let head = if self.imag > 0.0 {
            format!(
                "mode {}, ζ {:.3}",
                crate::units::eng3(self.frequency_hz, "Hz"),
                self.damping
            )
        } else {
            format!("real mode σ = {:.4e} 1/s", self.real)
        };
        let shares: Vec<String> = self
            .components
            .iter()
            .filter(|s| s.fraction >= 0.05)
            .take(5)
            .map(|s| format!("{} {:.0} %", s.name, 100.0 * s.fraction))
            .collect();
        if shares.is_empty() {
            head
        } else {
            format!("{head}: {}", shares.join(", "))
        }
    }
}

/// All modes of A, least damped first.
#[derive(Debug, Clone, Serialize)]
pub struct Modes {
    pub modes: Vec<Mode>,
    pub states: usize,
    /// Decoupled blocks A was split into.
    pub blocks: usize,
    /// max over modes of ‖A·v − λ·v‖ / (‖A‖·‖v‖).
    pub residual: f64,
    pub seconds: f64,
    pub method: String,
}

impl Modes {
    /// The least damped mode, if any.
    pub fn least_damped(&self) -> Option<&Mode> {
        self.modes.first()
    }

    pub fn is_stable(&self) -> bool {
        self.modes.iter().all(|m| !m.is_unstable())
    }

    /// Every eigenvalue with non-negative imaginary part.
    pub fn eigenvalues(&self) -> Vec<c64> {
        self.modes.iter().map(Mode::eigenvalue).collect()
    }
}

/// Connected components of the sparsity graph of A (i ~ j if A_ij ≠ 0).
fn blocks(a: &Mat<f64>) -> Vec<Vec<usize>> {
    let n = a.nrows();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for c in 0..n {
        for r in 0..n {
            if r != c && a[(r, c)] != 0.0 {
                let (x, y) = (find(&mut parent, r), find(&mut parent, c));
                if x != y {
                    parent[x.max(y)] = x.min(y);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    groups.into_values().collect()
}

/// Diagonal similarity D⁻¹·A·D with powers of two (Parlett–Reinsch, as
/// LAPACK's balancing): the entries of A span many decades (1/(L·C) next to
/// 1/(R·C)), and balancing keeps the eigenvectors accurate. Returns D.
fn balance(a: &mut Mat<f64>) -> Vec<f64> {
    let n = a.nrows();
    let mut d = vec![1.0; n];
    let mut changed = true;
    let mut sweeps = 0;
    while changed && sweeps < 100 {
        changed = false;
        sweeps += 1;
        for i in 0..n {
            let (mut c, mut r) = (0.0, 0.0);
            for k in 0..n {
                if k != i {
                    c += a[(k, i)].abs();
                    r += a[(i, k)].abs();
                }
            }
            if c == 0.0 || r == 0.0 {
                continue;
            }
            let (mut f, total) = (1.0, c + r);
            let (mut cc, mut rr) = (c, r);
            while cc < rr / 2.0 {
                cc *= 2.0;
                rr /= 2.0;
                f *= 2.0;
            }
            while cc >= rr * 2.0 {
                cc /= 2.0;
                rr *= 2.0;
                f /= 2.0;
            }
            if cc + rr < 0.95 * total {
                changed = true;
                d[i] *= f;
                for k in 0..n {
                    a[(k, i)] *= f;
                    a[(i, k)] /= f;
                }
            }
        }
    }
    d
}

fn shares(weights: impl Iterator<Item = (String, f64)>) -> Vec<Share> {
    let mut by_name: BTreeMap<String, f64> = BTreeMap::new();
    for (name, w) in weights {
        *by_name.entry(name).or_default() += w;
    }
    let mut out: Vec<Share> = by_name
        .into_iter()
        .filter(|(_, f)| *f > 0.0)
        .map(|(name, fraction)| Share { name, fraction })
        .collect();
    out.sort_by(|a, b| b.fraction.total_cmp(&a.fraction).then(a.name.cmp(&b.name)));
    out.truncate(MAX_SHARES);
    out
}

/// Eigen-decomposition of A with participation factors.
pub fn modes(ss: &StateSpace) -> Result<Modes, StabilityError> {
    let started = Instant::now();
    let a = &ss.a;
    let n = a.nrows();
    let groups = blocks(a);
    let mut out = Vec::new();
    let mut residual: f64 = 0.0;
    for group in &groups {
        let m = group.len();
        let mut sub = Mat::<f64>::from_fn(m, m, |r, c| a[(group[r], group[c])]);
        let scale = balance(&mut sub);
        let eig = sub
            .eigen()
            .map_err(|e| StabilityError::Eigen(format!("{e:?}")))?;
        // Eigenvectors of A are D·(those of D⁻¹·A·D); undo the scaling so
        // that residuals and participations refer to A itself.
        let sub = Mat::<f64>::from_fn(m, m, |r, c| a[(group[r], group[c])]);
        let v = Mat::<c64>::from_fn(m, m, |r, c| eig.U()[(r, c)] * scale[r]);
        let s: Vec<c64> = (0..m).map(|i| eig.S()[i]).collect();
        let w = v.partial_piv_lu().inverse();
        let norm_a = sub.norm_l2().max(f64::MIN_POSITIVE);
        // A is real: A·V from two real products costs half a complex one.
        let v_re = Mat::<f64>::from_fn(m, m, |r, c| v[(r, c)].re);
        let v_im = Mat::<f64>::from_fn(m, m, |r, c| v[(r, c)].im);
        let (av_re, av_im) = (&sub * &v_re, &sub * &v_im);
        let av = Mat::<c64>::from_fn(m, m, |r, c| c64::new(av_re[(r, c)], av_im[(r, c)]));
        for (i, lambda) in s.iter().enumerate() {
            let (mut num, mut den) = (0.0, 0.0);
            for r in 0..m {
                num += (av[(r, i)] - v[(r, i)] * lambda).norm_sqr();
                den += v[(r, i)].norm_sqr();
            }
            residual = residual.max(num.sqrt() / (norm_a * den.sqrt().max(f64::MIN_POSITIVE)));
            // Repeated real eigenvalues come out of the QR iteration as
            // pairs with a tiny imaginary part: they are real modes.
            let lambda = if lambda.im.abs() <= 1e-8 * lambda.norm() {
                c64::new(lambda.re, 0.0)
            } else if lambda.im < 0.0 {
                continue;
            } else {
                *lambda
            };
            let p: Vec<f64> = (0..m).map(|k| (v[(k, i)] * w[(i, k)]).norm()).collect();
            let total: f64 = p.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let states = shares(
                group
                    .iter()
                    .zip(&p)
                    .map(|(&k, pk)| (ss.states[k].clone(), pk / total)),
            );
            let components = shares(
                group
                    .iter()
                    .zip(&p)
                    .map(|(&k, pk)| (ss.owners[k].clone(), pk / total)),
            );
            let magnitude = lambda.norm();
            out.push(Mode {
                real: lambda.re,
                imag: lambda.im,
                frequency_hz: lambda.im / TAU,
                damping: if magnitude > 0.0 {
                    -lambda.re / magnitude
                } else {
                    0.0
                },
                time_constant_s: (lambda.re != 0.0).then(|| 1.0 / lambda.re.abs()),
                components,
                states,
            });
        }
    }
    out.sort_by(|x, y| {
        x.damping
            .total_cmp(&y.damping)
            .then(x.imag.total_cmp(&y.imag))
            .then(y.real.total_cmp(&x.real))
    });
    Ok(Modes {
        modes: out,
        states: n,
        blocks: groups.len(),
        residual,
        seconds: started.elapsed().as_secs_f64(),
        method: "dense (faer real Schur, per decoupled block)".into(),
    })
}

/// Eigenvalues of a real square matrix (balanced, per decoupled block),
/// without eigenvectors: what counting right-half-plane poles needs.
pub fn eigenvalues(a: &Mat<f64>) -> Result<Vec<c64>, StabilityError> {
    let mut out = Vec::with_capacity(a.nrows());
    for group in blocks(a) {
        let m = group.len();
        let mut sub = Mat::<f64>::from_fn(m, m, |r, c| a[(group[r], group[c])]);
        balance(&mut sub);
        out.extend(
            sub.eigenvalues()
                .map_err(|e| StabilityError::Eigen(format!("{e:?}")))?,
        );
    }
    Ok(out)
}
