//! Modes of models above the dense limit: shift-invert Arnoldi on the
//! full sparse pencil. For J·y = λ·M·y the operator (σ·M − J)⁻¹·M has the
//! eigenvalues 1/(σ − λ), so the modes nearest each shift σ dominate and
//! the algebraic unknowns (infinite eigenvalues) vanish. Shifts lie along
//! the imaginary axis, where poorly damped modes are, so the result is the
//! least-damped part of the spectrum, not all of it.
//!
//! Owns the operator and the merging of modes found from several shifts.
//! Participation uses the left eigenvector from one transposed solve.

use super::modes::{Mode, Modes};
use super::pencil::Pencil;
use super::setup::OperatingPoint;
use super::shares::{NameIds, Sums};
use super::state_space::{state_owners, state_subsystems};
use super::StabilityError;
use crate::compile::Model;
use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::solvers::Solve;
use faer::matrix_free::eigen::{partial_eigen, partial_eigen_scratch, PartialEigenParams};
use faer::matrix_free::LinOp;
use faer::sparse::linalg::solvers::Lu;
use faer::{c64, Col, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;
use std::f64::consts::TAU;
use std::time::Instant;

/// Eigenvalues sought per shift.
const PER_SHIFT: usize = 8;

/// x ↦ (σ·M − J)⁻¹·M·x.
#[derive(Debug)]
struct ShiftInvert<'a> {
    lu: Lu<usize, c64>,
    mass: &'a [f64],
}

impl LinOp<c64> for ShiftInvert<'_> {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.mass.len()
    }
    fn ncols(&self) -> usize {
        self.mass.len()
    }
    fn apply(&self, mut out: MatMut<'_, c64>, rhs: MatRef<'_, c64>, _par: Par, _: &mut MemStack) {
        for c in 0..rhs.ncols() {
            for r in 0..rhs.nrows() {
                out[(r, c)] = rhs[(r, c)] * self.mass[r];
            }
        }
        self.lu.solve_in_place(out);
    }
    fn conj_apply(
        &self,
        mut out: MatMut<'_, c64>,
        rhs: MatRef<'_, c64>,
        par: Par,
        s: &mut MemStack,
    ) {
        let conj = Mat::<c64>::from_fn(rhs.nrows(), rhs.ncols(), |r, c| rhs[(r, c)].conj());
        self.apply(out.as_mut(), conj.as_ref(), par, s);
        for c in 0..out.ncols() {
            for r in 0..out.nrows() {
                out[(r, c)] = out[(r, c)].conj();
            }
        }
    }
}

/// An eigenvalue λ with its right eigenvector.
type Eigenpair = (c64, Col<c64>);

/// The eigenvalues λ of the pencil nearest `sigma` (shift-invert Arnoldi,
/// [`PER_SHIFT`] of them), with their right eigenvectors.
fn nearest_modes(pencil: &Pencil, sigma: c64) -> Result<Vec<Eigenpair>, StabilityError> {
    let n = pencil.n();
    let op = ShiftInvert {
        lu: pencil.factor(sigma)?,
        mass: pencil.mass(),
    };
    let k = PER_SHIFT.min(n.saturating_sub(2)).max(1);
    let params = PartialEigenParams::default();
    let mut vecs = Mat::<c64>::zeros(n, k);
    let mut vals = vec![c64::new(0.0, 0.0); k];
    // A deterministic, generic start vector.
    let v0 = Col::<c64>::from_fn(n, |i| c64::new(1.0 + (i % 7) as f64 * 0.1, 0.0));
    let mut buffer = MemBuffer::new(partial_eigen_scratch(&op, k, Par::Seq, params));
    let info = partial_eigen(
        vecs.as_mut(),
        &mut vals,
        &op,
        v0.as_ref(),
        1e-10,
        Par::Seq,
        MemStack::new(&mut buffer),
        params,
    );
    Ok(vals
        .iter()
        .enumerate()
        .take(info.n_converged_eigen)
        .filter(|(_, mu)| mu.norm() != 0.0)
        .map(|(i, mu)| (sigma - mu.inv(), vecs.col(i).to_owned()))
        .collect())
}

/// Least-damped modes from shift-invert Arnoldi at shifts j·2π·f for each
/// f in `shifts_hz` (plus one on the real axis).
pub fn partial_modes(
    model: &Model,
    point: &OperatingPoint,
    shifts_hz: &[f64],
) -> Result<Modes, StabilityError> {
    let started = Instant::now();
    let pencil = Pencil::of_model(model, point)?;
    let n = pencil.n();
    let states: Vec<usize> = (1..=n).filter(|&i| model.mass[i] != 0.0).collect();
    let owners = state_owners(model, &states);
    let subsystems = state_subsystems(model, &owners);
    let state_names: Vec<String> = states.iter().map(|&i| model.names[i].clone()).collect();
    let all: Vec<usize> = (0..states.len()).collect();
    let (by_owner, by_state, by_subsystem) = (
        NameIds::new(&all, &owners),
        NameIds::new(&all, &state_names),
        NameIds::new(&all, &subsystems),
    );
    let lowest = shifts_hz.first().copied().unwrap_or(1.0);
    let mut shifts: Vec<c64> = vec![c64::new(TAU * lowest * 1e-3, 0.0)];
    shifts.extend(shifts_hz.iter().map(|f| c64::new(0.0, TAU * f)));
    // The shifts are independent: each runs on its own thread, and their
    // modes are merged in shift order, so the result does not depend on the
    // thread count.
    let per_shift: Vec<Result<Vec<Eigenpair>, StabilityError>> = shifts
        .par_iter()
        .map(|&sigma| nearest_modes(&pencil, sigma))
        .collect();
    let mut found: Vec<(c64, Col<c64>)> = Vec::new();
    for modes in per_shift {
        for (lambda, v) in modes? {
            let duplicate = found
                .iter()
                .any(|(l, _)| (l - lambda).norm() <= 1e-6 * lambda.norm().max(1.0));
            if !duplicate {
                found.push((lambda, v));
            }
        }
    }
    let upper: Vec<&(c64, Col<c64>)> = found
        .iter()
        .filter(|(l, _)| l.im >= -1e-8 * l.norm())
        .collect();
    let shares: Vec<Result<Mode, StabilityError>> = upper
        .par_iter()
        .map(|(lambda, v)| {
            let lambda = if lambda.im.abs() <= 1e-8 * lambda.norm() {
                c64::new(lambda.re, 0.0)
            } else {
                *lambda
            };
            // Left eigenvector: one transposed solve at λ (nearly singular,
            // so the solution is dominated by it); w = M·u on the states.
            let lu = pencil.factor(lambda)?;
            let mut u = Mat::<c64>::from_fn(n, 1, |i, _| c64::new(1.0 + (i % 5) as f64 * 0.1, 0.0));
            lu.solve_transpose_in_place(u.as_mut());
            let p: Vec<(usize, f64)> = states
                .iter()
                .map(|&i| (v[i - 1] * u[(i - 1, 0)] * model.mass[i]).norm())
                .enumerate()
                .collect();
            let total = p
                .iter()
                .map(|&(_, w)| w)
                .sum::<f64>()
                .max(f64::MIN_POSITIVE);
            let mut sums = Sums::default();
            Ok(Mode::new(
                lambda,
                [
                    by_owner.shares(&p, total, &mut sums),
                    by_state.shares(&p, total, &mut sums),
                    by_subsystem.complete_shares(&p, total, &mut sums),
                ],
            ))
        })
        .collect();
    let mut modes = shares.into_iter().collect::<Result<Vec<Mode>, _>>()?;
    Modes::sort(&mut modes);
    Ok(Modes {
        modes,
        states: states.len(),
        blocks: 1,
        residual: f64::NAN,
        seconds: started.elapsed().as_secs_f64(),
        method: format!(
            "shift-invert Arnoldi at {} shifts ({} nearest each): least-damped modes only",
            shifts_hz.len() + 1,
            PER_SHIFT
        ),
    })
}
