//! Nonlinear solves on the compiled model: the DC operating point (Newton,
//! then pseudo-transient continuation), and consistent re-initialisation of
//! the algebraic unknowns after a discontinuity.
//!
//! Owns these iterations only; time stepping lives in `rodas` and `run`.

use super::inputs::InputTable;
use super::linear::{LinearError, SparseLu};
use crate::compile::{EvalScratch, Model};
use crate::device::Ctx;

/// Why a nonlinear solve did not converge.
#[derive(Debug, Clone)]
pub struct NoConvergence {
    /// The unknown with the largest residual at the end.
    pub worst: usize,
    pub residual: f64,
    pub iterations: usize,
}

/// Work vectors for Newton iterations on one model.
#[derive(Debug)]
pub struct Newton {
    lu: SparseLu,
    jac: Vec<f64>,
    matrix: Vec<f64>,
    f: Vec<f64>,
    dy: Vec<f64>,
    trial: Vec<f64>,
    /// Per stored entry: true if its row is differential (for re-init).
    row_is_differential: Vec<bool>,
    /// Per unknown (extended) and per stored entry: the operating point
    /// holds this row's unknown (`Device::held_at_operating_point`).
    held: Vec<bool>,
    row_is_held: Vec<bool>,
    /// The second half of a split model's device evaluation.
    scratch: EvalScratch,
    pub function_evaluations: u64,
}

/// A Newton update below this fraction of every unknown (plus one unit)
/// has reached the solution to rounding: about 500 ulps.
const NEGLIGIBLE_UPDATE: f64 = 1e-13;

/// Which rows to solve.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// F(y) = 0 on every row.
    Steady,
    /// Algebraic rows only, differential unknowns held fixed.
    Algebraic,
    /// Backward-Euler pseudo-time step of size dtau from `anchor`.
    PseudoTime(f64),
}

impl Newton {
    pub fn new(model: &Model) -> Result<Self, LinearError> {
        let size = model.n() + 1;
        let p = &model.pattern;
        let mut row_is_differential = vec![false; p.row_idx.len()];
        for (k, &r) in p.row_idx.iter().enumerate() {
            row_is_differential[k] = model.mass[r + 1] != 0.0;
        }
        let mut held = vec![false; size];
        for d in &model.devices {
            for i in d.held_at_operating_point() {
                held[i] = true;
            }
        }
        let row_is_held = p.row_idx.iter().map(|&r| held[r + 1]).collect();
        Ok(Newton {
            lu: SparseLu::new(p)?,
            jac: vec![0.0; model.slot_count],
            matrix: vec![0.0; p.row_idx.len()],
            f: vec![0.0; size],
            dy: vec![0.0; size],
            trial: vec![0.0; size],
            row_is_differential,
            held,
            row_is_held,
            scratch: EvalScratch::default(),
            function_evaluations: 0,
        })
    }

    /// Scaled residual norm: each row against a typical magnitude.
    fn residual(&self, model: &Model, mode: Mode, anchor: &[f64], y: &[f64]) -> (f64, usize) {
        let mut worst = (0.0, 0);
        for i in 1..=model.n() {
            let r = match mode {
                Mode::Steady | Mode::PseudoTime(_) if self.held[i] => 0.0,
                Mode::Steady => self.f[i],
                Mode::Algebraic if model.mass[i] != 0.0 => 0.0,
                Mode::Algebraic => self.f[i],
                Mode::PseudoTime(dtau) => self.f[i] - model.mass[i] * (y[i] - anchor[i]) / dtau,
            }
            .abs();
            if r > worst.0 || r.is_nan() {
                worst = (r, i);
            }
        }
        worst
    }

    fn eval(&mut self, model: &Model, inputs: &mut InputTable, t: f64, y: &[f64]) {
        let ctx = Ctx {
            t,
            inputs: inputs.at(t),
        };
        model.eval_with(&ctx, y, &mut self.f, &mut self.scratch);
        self.function_evaluations += 1;
    }

    /// Damped Newton in the given mode. `anchor` is the pseudo-time origin.
    #[allow(clippy::too_many_arguments)] // the iteration's whole state; a struct would only rename it
    #[allow(clippy::needless_range_loop)] // y, dy and trial are indexed together
    fn solve(
        &mut self,
        model: &Model,
        inputs: &mut InputTable,
        t: f64,
        mode: Mode,
        anchor: &[f64],
        y: &mut [f64],
        tolerance: f64,
        max_iterations: usize,
    ) -> Result<(), NoConvergence> {
        let n = model.n();
        let p = &model.pattern;
        self.eval(model, inputs, t, y);
        let (mut norm, mut worst) = self.residual(model, mode, anchor, y);
        for iteration in 0..max_iterations {
            if norm <= tolerance {
                return Ok(());
            }
            let ctx = Ctx {
                t,
                inputs: inputs.at(t),
            };
            model.jacobian_with(&ctx, y, &mut self.jac, &mut self.scratch);
            for k in 0..self.matrix.len() {
                let v = self.jac[p.slot_of_entry[k]];
                self.matrix[k] = match mode {
                    Mode::Algebraic if self.row_is_differential[k] => 0.0,
                    Mode::Steady | Mode::PseudoTime(_) if self.row_is_held[k] => 0.0,
                    _ => v,
                };
            }
            for (i, &d) in p.diagonal.iter().enumerate() {
                match mode {
                    Mode::Algebraic if model.mass[i + 1] != 0.0 => self.matrix[d] = 1.0,
                    Mode::Steady | Mode::PseudoTime(_) if self.held[i + 1] => self.matrix[d] = 1.0,
                    Mode::PseudoTime(dtau) => self.matrix[d] -= model.mass[i + 1] / dtau,
                    _ => {}
                }
            }
            // Newton step: J·dy = −F (with the mode's rows).
            for i in 1..=n {
                self.dy[i] = -match mode {
                    Mode::Steady | Mode::PseudoTime(_) if self.held[i] => 0.0,
                    Mode::Steady => self.f[i],
                    Mode::Algebraic if model.mass[i] != 0.0 => 0.0,
                    Mode::Algebraic => self.f[i],
                    Mode::PseudoTime(dtau) => self.f[i] - model.mass[i] * (y[i] - anchor[i]) / dtau,
                };
            }
            let failed = self
                .lu
                .factor(&self.matrix)
                .and_then(|_| self.lu.solve(&mut self.dy[1..]));
            if failed.is_err() {
                return Err(NoConvergence {
                    worst,
                    residual: norm,
                    iterations: iteration,
                });
            }
            // An update at the rounding level of every unknown is a
            // converged iterate even when the residual sits above the
            // absolute tolerance: a bus summing tens of kiloamperes keeps
            // a residual of some nA from rounding alone.
            if (1..=n).all(|i| self.dy[i].abs() <= NEGLIGIBLE_UPDATE * (y[i].abs() + 1.0)) {
                for i in 1..=n {
                    y[i] += self.dy[i];
                }
                return Ok(());
            }
            // Backtracking keeps Newton out of the far side of a
            // constant-power load's nose curve.
            let mut lambda = 1.0;
            loop {
                for i in 0..=n {
                    self.trial[i] = y[i] + lambda * self.dy[i];
                }
                self.trial[0] = 0.0;
                let trial = std::mem::take(&mut self.trial);
                self.eval(model, inputs, t, &trial);
                let (trial_norm, trial_worst) = self.residual(model, mode, anchor, &trial);
                self.trial = trial;
                if trial_norm.is_finite() && (trial_norm < norm || lambda < 1.0 / 64.0) {
                    y.copy_from_slice(&self.trial);
                    norm = trial_norm;
                    worst = trial_worst;
                    break;
                }
                lambda *= 0.5;
                if lambda < 1.0 / 64.0 {
                    return Err(NoConvergence {
                        worst,
                        residual: norm,
                        iterations: iteration,
                    });
                }
            }
        }
        if norm <= tolerance {
            Ok(())
        } else {
            Err(NoConvergence {
                worst,
                residual: norm,
                iterations: max_iterations,
            })
        }
    }

    /// DC operating point from the guess in `y`: Newton, then
    /// pseudo-transient continuation (implicit Euler in a growing pseudo
    /// time) when Newton alone does not converge.
    pub fn operating_point(
        &mut self,
        model: &Model,
        inputs: &mut InputTable,
        t: f64,
        y: &mut [f64],
        tolerance: f64,
    ) -> Result<(), NoConvergence> {
        let guess = y.to_vec();
        if self
            .solve(model, inputs, t, Mode::Steady, &guess, y, tolerance, 50)
            .is_ok()
        {
            return Ok(());
        }
        y.copy_from_slice(&guess);
        // Start from a consistent point, then walk in pseudo time.
        let _ = self.solve(model, inputs, t, Mode::Algebraic, &guess, y, tolerance, 50);
        let mut dtau = 1e-7;
        let mut anchor = y.to_vec();
        let mut last = NoConvergence {
            worst: 0,
            residual: f64::INFINITY,
            iterations: 0,
        };
        for _ in 0..400 {
            match self.solve(
                model,
                inputs,
                t,
                Mode::PseudoTime(dtau),
                &anchor,
                y,
                tolerance,
                12,
            ) {
                Ok(()) => {
                    anchor.copy_from_slice(y);
                    dtau *= 2.0;
                    if dtau > 1e3 {
                        break;
                    }
                }
                Err(e) => {
                    last = e;
                    y.copy_from_slice(&anchor);
                    dtau *= 0.25;
                    if dtau < 1e-14 {
                        return Err(last);
                    }
                }
            }
        }
        self.solve(model, inputs, t, Mode::Steady, &guess, y, tolerance, 50)
            .map_err(|e| if e.residual.is_finite() { e } else { last })
    }

    /// Solves the algebraic rows for the algebraic unknowns with the
    /// differential unknowns fixed (consistent initialisation).
    pub fn reinitialise(
        &mut self,
        model: &Model,
        inputs: &mut InputTable,
        t: f64,
        y: &mut [f64],
        tolerance: f64,
    ) -> Result<(), NoConvergence> {
        let anchor = Vec::new();
        self.solve(model, inputs, t, Mode::Algebraic, &anchor, y, tolerance, 50)
    }
}
