//! Rodas4: a 6-stage, order-4(3), L-stable and stiffly accurate Rosenbrock
//! method for M·y' = F(y, t) with singular M (index-1 DAEs), with its
//! order-3 dense output.
//!
//! Coefficients are those of Hairer & Wanner, *Solving Ordinary
//! Differential Equations II* (2nd ed., 1996), §VI.4, in the transformed
//! form that needs no Jacobian–vector products:
//! (M/(hγ) − J)·u_i = F(t + α_i·h, y + Σ a_ij·u_j) + M·Σ (c_ij/h)·u_j + h·d_i·∂F/∂t,
//! y₁ = y + Σ m_i·u_i, error estimate u₆.
//!
//! Owns one step and its interpolant; the time loop, events and step-size
//! policy live in `engine::run`.

use super::inputs::InputTable;
use super::linear::{LinearError, SparseLu};
use crate::compile::{EvalScratch, Model};
use crate::device::Ctx;
use crate::halves::in_halves;

const GAMMA: f64 = 0.25;
const ALPHA: [f64; 6] = [0.0, 0.386, 0.21, 0.63, 1.0, 1.0];
const D: [f64; 6] = [0.25, -0.1043, 0.1035, -0.0362, 0.0, 0.0];
/// a_ij, row-wise lower triangle (stage 2..6).
const A: [[f64; 5]; 6] = [
    [0.0; 5],
    [1.544, 0.0, 0.0, 0.0, 0.0],
    [0.9466785280815826, 0.2557011698983284, 0.0, 0.0, 0.0],
    [
        3.314825187068521,
        2.896124015972201,
        0.9986419139977817,
        0.0,
        0.0,
    ],
    [
        1.221224509226641,
        6.019134481288629,
        12.53708332932087,
        -0.687886036105895,
        0.0,
    ],
    [
        1.221224509226641,
        6.019134481288629,
        12.53708332932087,
        -0.687886036105895,
        1.0,
    ],
];
const C: [[f64; 5]; 6] = [
    [0.0; 5],
    [-5.6688, 0.0, 0.0, 0.0, 0.0],
    [-2.430093356833875, -0.2063599157091915, 0.0, 0.0, 0.0],
    [
        -0.1073529058151375,
        -9.594562251023355,
        -20.47028614809616,
        0.0,
        0.0,
    ],
    [
        7.496443313967647,
        -10.24680431464352,
        -33.99990352819905,
        11.7089089320616,
        0.0,
    ],
    [
        8.083246795921522,
        -7.981132988064893,
        -31.52159432874371,
        16.31930543123136,
        -6.058818238834054,
    ],
];
/// Dense-output coefficients.
const H2: [f64; 5] = [
    10.12623508344586,
    -7.487995877610167,
    -34.80091861555747,
    -7.992771707568823,
    1.025137723295662,
];
const H3: [f64; 5] = [
    -0.6762803392801253,
    6.087714651680015,
    16.43084320892478,
    24.76722511418386,
    -6.594389125716872,
];

/// Up to five (coefficient, earlier stage) pairs of one stage formula.
#[derive(Default)]
struct Terms<'a> {
    pairs: [(f64, &'a [f64]); 5],
    len: usize,
}

impl<'a> Terms<'a> {
    fn push(&mut self, coefficient: f64, stage: &'a [f64]) {
        self.pairs[self.len] = (coefficient, stage);
        self.len += 1;
    }

    fn as_slice(&self) -> &[(f64, &'a [f64])] {
        &self.pairs[..self.len]
    }
}

/// Work counters.
#[derive(Debug, Default, Clone, Copy)]
pub struct StepCounters {
    pub function_evaluations: u64,
    pub jacobian_evaluations: u64,
    pub factorizations: u64,
}

/// The stepper with all its work vectors, allocated once.
#[derive(Debug)]
pub struct Rodas4 {
    lu: SparseLu,
    jac: Vec<f64>,
    matrix: Vec<f64>,
    ft: Vec<f64>,
    stages: [Vec<f64>; 6],
    y_stage: Vec<f64>,
    rhs: Vec<f64>,
    /// Solution at the end of the last attempted step (extended vector).
    pub y_new: Vec<f64>,
    cont2: Vec<f64>,
    cont3: Vec<f64>,
    /// The second half of a split model's device evaluation.
    scratch: EvalScratch,
    pub counters: StepCounters,
}

impl Rodas4 {
    pub fn new(model: &Model) -> Result<Self, LinearError> {
        let size = model.n() + 1;
        let v = || vec![0.0; size];
        Ok(Rodas4 {
            lu: SparseLu::new(&model.pattern)?,
            jac: vec![0.0; model.slot_count],
            matrix: vec![0.0; model.pattern.row_idx.len()],
            ft: v(),
            stages: [v(), v(), v(), v(), v(), v()],
            y_stage: v(),
            rhs: v(),
            y_new: v(),
            cont2: v(),
            cont3: v(),
            scratch: EvalScratch::default(),
            counters: StepCounters::default(),
        })
    }

    /// One step of size h from (t, y). On success `y_new` holds y(t + h) and
    /// the return value is the weighted RMS error estimate (≤ 1 means accept).
    #[allow(clippy::too_many_arguments)] // the step's whole input; a struct would only rename it
    #[allow(clippy::needless_range_loop)] // stage loops index the tableau and several vectors in step
    pub fn step(
        &mut self,
        model: &Model,
        inputs: &mut InputTable,
        t: f64,
        h: f64,
        y: &[f64],
        rtol: f64,
        atol: f64,
    ) -> Result<f64, LinearError> {
        let n = model.n();
        let ctx = Ctx {
            t,
            inputs: inputs.at(t),
        };
        model.jacobian_with(&ctx, y, &mut self.jac, &mut self.scratch);
        model.time_derivative_with(&ctx, y, &mut self.ft, &mut self.scratch);
        self.counters.jacobian_evaluations += 1;
        let pattern = &model.pattern;
        let jac = &self.jac;
        in_halves(&mut self.matrix, |from, out| {
            for (m, &slot) in out.iter_mut().zip(&pattern.slot_of_entry[from..]) {
                *m = -jac[slot];
            }
        });
        let shift = 1.0 / (h * GAMMA);
        for (i, &d) in pattern.diagonal.iter().enumerate() {
            self.matrix[d] += model.mass[i + 1] * shift;
        }
        self.lu.factor(&self.matrix)?;
        self.counters.factorizations += 1;

        for s in 0..6 {
            // Stage point: y plus the earlier stages, in one pass.
            let mut terms = Terms::default();
            for j in 0..s {
                if A[s][j] != 0.0 {
                    terms.push(A[s][j], &self.stages[j]);
                }
            }
            in_halves(&mut self.y_stage, |from, out| {
                for (i, ys) in (from..).zip(out.iter_mut()) {
                    let mut v = y[i];
                    for &(a, k) in terms.as_slice() {
                        v += a * k[i];
                    }
                    *ys = v;
                }
            });
            let ts = t + ALPHA[s] * h;
            let ctx = Ctx {
                t: ts,
                inputs: inputs.at(ts),
            };
            model.eval_with(&ctx, &self.y_stage, &mut self.rhs, &mut self.scratch);
            self.counters.function_evaluations += 1;
            // The mass-weighted earlier stages and the time derivative,
            // added to each entry in the same order as separate passes.
            let mut terms = Terms::default();
            for j in 0..s {
                terms.push(C[s][j] / h, &self.stages[j]);
            }
            let hd = h * D[s];
            let (mass, ft) = (&model.mass, &self.ft);
            in_halves(&mut self.rhs, |from, out| {
                for (i, r) in (from..).zip(out.iter_mut()) {
                    let mut v = *r;
                    for &(c, k) in terms.as_slice() {
                        v += mass[i] * c * k[i];
                    }
                    if hd != 0.0 {
                        v += hd * ft[i];
                    }
                    *r = v;
                }
            });
            self.rhs[0] = 0.0;
            self.lu.solve(&mut self.rhs[1..])?;
            std::mem::swap(&mut self.stages[s], &mut self.rhs);
        }
        // Stiffly accurate: y₁ is the last stage point plus u₆.
        let mut err = 0.0;
        for (((y1, &ys), &u6), &y0) in self
            .y_new
            .iter_mut()
            .zip(&self.y_stage)
            .zip(&self.stages[5])
            .zip(y)
            .skip(1)
        {
            *y1 = ys + u6;
            let scale = atol + rtol * y0.abs().max(y1.abs());
            let e = u6 / scale;
            err += e * e;
        }
        self.y_new[0] = 0.0;
        let [k0, k1, k2, k3, k4, _] = &self.stages;
        let at = |i: usize| [k0[i], k1[i], k2[i], k3[i], k4[i]];
        in_halves(&mut self.cont2, |from, out| {
            for (i, c2) in (from..).zip(out.iter_mut()) {
                *c2 = H2.iter().zip(&at(i)).map(|(h, k)| h * k).sum();
            }
        });
        in_halves(&mut self.cont3, |from, out| {
            for (i, c3) in (from..).zip(out.iter_mut()) {
                *c3 = H3.iter().zip(&at(i)).map(|(h, k)| h * k).sum();
            }
        });
        Ok((err / n.max(1) as f64).sqrt())
    }

    /// The unknown (extended index) with the largest weighted error
    /// estimate in the last attempted step from `y0`; a non-finite error
    /// counts as the largest. None before any step.
    pub fn worst_error(&self, y0: &[f64], rtol: f64, atol: f64) -> Option<usize> {
        let mut worst: Option<(f64, usize)> = None;
        for (i, ((&u6, &y1), &y0)) in self.stages[5]
            .iter()
            .zip(&self.y_new)
            .zip(y0)
            .enumerate()
            .skip(1)
        {
            let e = (u6 / (atol + rtol * y0.abs().max(y1.abs()))).abs();
            let e = if e.is_nan() { f64::INFINITY } else { e };
            if worst.is_none_or(|(w, _)| e > w) {
                worst = Some((e, i));
            }
        }
        worst.map(|(_, i)| i)
    }

    /// Dense output at t + θ·h of the last step taken from `y0`.
    pub fn interpolate(&self, y0: &[f64], theta: f64, out: &mut [f64]) {
        let s1 = 1.0 - theta;
        for ((((o, &y0), &y1), &c2), &c3) in out
            .iter_mut()
            .zip(y0)
            .zip(&self.y_new)
            .zip(&self.cont2)
            .zip(&self.cont3)
        {
            *o = y0 * s1 + theta * (y1 + s1 * (c2 + theta * c3));
        }
    }

    /// The two dense-output coefficients of unknown `i` for the last step,
    /// for callers that analyse the interpolating cubic itself.
    pub fn dense_coefficients(&self, i: usize) -> (f64, f64) {
        (self.cont2[i], self.cont3[i])
    }

    /// Dense output of unknown `i` alone at t + θ·h.
    pub fn interpolate_one(&self, y0: &[f64], theta: f64, i: usize) -> f64 {
        let s1 = 1.0 - theta;
        y0[i] * s1 + theta * (self.y_new[i] + s1 * (self.cont2[i] + theta * self.cont3[i]))
    }

    /// Time derivative of the dense output at t + θ·h.
    pub fn interpolate_derivative(&self, y0: &[f64], h: f64, theta: f64, out: &mut [f64]) {
        let s1 = 1.0 - theta;
        for i in 0..out.len() {
            let q = self.cont2[i] + theta * self.cont3[i];
            let dq = self.cont3[i];
            let d = -y0[i] + self.y_new[i] + s1 * q + theta * (-q + s1 * dq);
            out[i] = d / h;
        }
    }
}
