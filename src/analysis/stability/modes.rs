//! Modes of the state matrix A: eigenvalues with frequency, damping ratio
//! ζ = −σ/|λ| and time constant, and participation factors
//! p_ki = |v_ik·w_ki| (right and left eigenvectors with w_i·v_i = 1)
//! normalised per mode, aggregated per state and per owning component.
//!
//! A is first split into its decoupled blocks (connected components of its
//! sparsity graph) and each block is decomposed on its own: this is cheaper
//! and makes the participation of a decoupled subsystem exactly zero. A
//! block of identical units on a common hub (the rows of a hall) is reduced
//! to two small eigenproblems first (`symmetry`); `spectrum` runs these
//! steps.
//!
//! Before that, the states alone in a diagonal block of A's
//! block-triangular form are taken out (`triangular`): a state whose
//! column of A is zero off the diagonal feeds nothing back at the
//! operating point (a battery's charge in standby, an energy counter), one
//! whose row is zero is driven by nothing. A_kk is exactly one eigenvalue,
//! with the state as its only participant, and the rest of A keeps its
//! eigenvectors.
//!
//! **Neutral modes.** When such a state has A_kk = 0 its mode is a pure
//! integrator: *neutral*, neither stable nor unstable. A mode whose |λ| is
//! below the resolution of the floating-point decomposition,
//! κ(λ)·m·ε·‖A‖₂ (κ the eigenvalue's condition number, m the block size),
//! cannot be told from zero and is neutral too; for a mode repeated by
//! identical units, whose eigenvector basis is nearly singular, the
//! scatter of its copies takes the place of κ (`clusters`). Neutral modes never make a
//! verdict UNSTABLE nor poorly damped, and are listed last.
//!
//! Owns the modes and their shares; must not build A (`state_space`) nor
//! decompose it (`spectrum`).

use super::dense_eigen;
use super::eigen_failure::eigen_failure;
pub use super::shares::Share;
use super::shares::{NameIds, Sums};
use super::spectrum::{self, spectrum, Labels, Spectrum};
use super::state_space::StateSpace;
use super::triangular::lone_states;
use super::StabilityError;
use faer::{c64, Mat};
use serde::Serialize;
use std::f64::consts::TAU;
use std::time::Instant;

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
    /// Participation per subsystem (the circuit's `subsystems`, else
    /// top-level instances), largest first; all of it, so the fractions
    /// sum to 1.
    pub subsystems: Vec<Share>,
    /// Why the mode is neutral (λ = 0 by structure or to working
    /// precision), e.g. "integrator: bbu2.bbu.q"; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neutral: Option<String>,
}

impl Mode {
    /// The mode of eigenvalue `lambda` (Im λ ≥ 0) with its participations
    /// per component, state and subsystem.
    pub fn new(lambda: c64, [components, states, subsystems]: [Vec<Share>; 3]) -> Mode {
        let magnitude = lambda.norm();
        Mode {
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
            subsystems,
            neutral: None,
        }
    }

    /// Marks the mode neutral: its σ is not a rate (no time constant, ζ 0).
    fn into_neutral(mut self, why: String) -> Mode {
        self.damping = 0.0;
        self.time_constant_s = None;
        self.neutral = Some(why);
        self
    }

    /// The subsystem that takes the largest part in the mode.
    pub fn made_by(&self) -> Option<&Share> {
        self.subsystems.first()
    }

    pub fn eigenvalue(&self) -> c64 {
        c64::new(self.real, self.imag)
    }

    pub fn is_neutral(&self) -> bool {
        self.neutral.is_some()
    }

    pub fn is_unstable(&self) -> bool {
        self.real > 0.0 && !self.is_neutral()
    }

    /// Damped less than `threshold`; neutral modes never are.
    pub fn is_poorly_damped(&self, threshold: f64) -> bool {
        !self.is_neutral() && self.damping < threshold
    }

    /// "mode 142 Hz, ζ 0.031: cbus 61 %, lfeed 30 %".
    pub fn describe(&self) -> String {
        let head = if let Some(why) = &self.neutral {
            format!("neutral ({why})")
        } else if self.imag > 0.0 {
            format!(
                "mode {}, ζ {:.3}",
                crate::units::frequency(self.frequency_hz),
                self.damping
            )
        } else {
            format!("real mode σ = {}", crate::units::rate(self.real))
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
    /// The least damped mode that is not neutral, if any.
    pub fn least_damped(&self) -> Option<&Mode> {
        self.modes.iter().find(|m| !m.is_neutral())
    }

    /// Least damped first, neutral modes last.
    pub fn sort(modes: &mut [Mode]) {
        modes.sort_by(|x, y| {
            x.is_neutral()
                .cmp(&y.is_neutral())
                .then(x.damping.total_cmp(&y.damping))
                .then(x.imag.total_cmp(&y.imag))
                .then(y.real.total_cmp(&x.real))
        });
    }

    pub fn is_stable(&self) -> bool {
        self.modes.iter().all(|m| !m.is_unstable())
    }

    /// Every eigenvalue with non-negative imaginary part.
    pub fn eigenvalues(&self) -> Vec<c64> {
        self.modes.iter().map(Mode::eigenvalue).collect()
    }
}

/// Diagonal similarity D⁻¹·A·D with powers of two (Parlett–Reinsch, as
/// LAPACK's balancing): the entries of A span many decades (1/(L·C) next to
/// 1/(R·C)), and balancing keeps the eigenvectors accurate. Returns D.
pub(super) fn balance(a: &mut Mat<f64>) -> Vec<f64> {
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
            // Sums that overflow would keep the scaling loops below from
            // ever ending; such a row is left as it is.
            if c == 0.0 || r == 0.0 || !(c + r).is_finite() {
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

/// `Ok` when every entry of A is finite, else an error naming the first
/// state pair whose coupling is not (`names` of the states, if known).
pub(super) fn check_finite<S: AsRef<str>>(
    a: &Mat<f64>,
    names: Option<&[S]>,
) -> Result<(), StabilityError> {
    for c in 0..a.ncols() {
        for r in 0..a.nrows() {
            let x = a[(r, c)];
            if !x.is_finite() {
                let name =
                    |k: usize| names.map_or(format!("state {k}"), |n| n[k].as_ref().to_string());
                return Err(StabilityError::NonFinite(format!(
                    "the state matrix entry ∂({})'/∂({}) is {x}",
                    name(r),
                    name(c)
                )));
            }
        }
    }
    Ok(())
}

/// Eigen-decomposition of A with participation factors.
pub fn modes(ss: &StateSpace) -> Result<Modes, StabilityError> {
    let started = Instant::now();
    let a = &ss.a;
    check_finite(a, Some(&ss.states))?;
    let labels = Labels {
        states: ss.states.iter().map(String::as_str).collect(),
        owners: ss.owners.iter().map(String::as_str).collect(),
    };
    let found = spectrum(a, &labels)?;
    let names = [&ss.owners[..], &ss.states, &ss.subsystems];
    Ok(modes_of(found, names, started))
}

/// The modes of everything `found` (participation indexed by state), with
/// shares per owner, state and subsystem (`names`, one per state).
pub(super) fn modes_of(found: Spectrum, names: [&[String]; 3], started: Instant) -> Modes {
    let n = names[1].len();
    let all: Vec<usize> = (0..n).collect();
    let [owners, states, subsystems] = names.map(|list| NameIds::new(&all, list));
    let mut sums = Sums::default();
    let mut out = Vec::with_capacity(n);
    for f in found.found {
        let total = f.p.iter().map(|&(_, w)| w).sum::<f64>();
        let total = f64::max(total, f64::MIN_POSITIVE);
        let mode = Mode::new(
            f.lambda,
            [
                owners.shares(&f.p, total, &mut sums),
                states.shares(&f.p, total, &mut sums),
                subsystems.complete_shares(&f.p, total, &mut sums),
            ],
        );
        let mode = match f.neutral {
            Some(why) => mode.into_neutral(why),
            None => mode,
        };
        out.extend(std::iter::repeat_n(mode, f.copies));
    }
    Modes::sort(&mut out);
    let mut method = String::from("dense (faer real Schur, per decoupled block)");
    if !found.reductions.is_empty() {
        method += &format!("; reduced by {}", found.reductions.join(", then "));
    }
    Modes {
        modes: out,
        states: n,
        blocks: found.blocks,
        residual: found.residual,
        seconds: started.elapsed().as_secs_f64(),
        method,
    }
}

/// Eigenvalues of a real square matrix (balanced, per decoupled block),
/// without eigenvectors: what counting right-half-plane poles needs.
pub fn eigenvalues(a: &Mat<f64>) -> Result<Vec<c64>, StabilityError> {
    check_finite(a, None::<&[&str]>)?;
    let (decoupled, coupled) = lone_states(a);
    let mut out: Vec<c64> = decoupled
        .iter()
        .map(|&k| c64::new(a[(k, k)], 0.0))
        .collect();
    for group in spectrum::blocks(a, &coupled) {
        let m = group.len();
        let mut sub = Mat::<f64>::from_fn(m, m, |r, c| a[(group[r], group[c])]);
        balance(&mut sub);
        out.extend(
            dense_eigen::eigenvalues(sub.as_ref())
                .map_err(|e| eigen_failure(a, None::<&[&str]>, &group, &format!("{e:?}")))?,
        );
    }
    Ok(out)
}
