//! The explicit Dormand–Prince 5(4) path (`ode_solvers`), for small
//! non-stiff models and as an independent cross-check of the stiff engine.
//!
//! The DAE is reduced to an ODE in the differential unknowns: at every
//! right-hand-side call the algebraic unknowns are re-solved by Newton.
//! Profile corners are honoured by integrating segment by segment. Discrete
//! actions and state events are not supported here.

use super::newton::Newton;
use super::record::Recorder;
use super::run::initial_state;
use super::{EngineError, RunSpec};
use crate::compile::Model;
use crate::device::Ctx;
use crate::results::{SolverStats, Waveforms};
use ode_solvers::{DVector, Dopri5, System};
use std::cell::RefCell;

struct Reduced<'a> {
    model: &'a Model,
    spec: RefCell<&'a mut RunSpec>,
    newton: RefCell<Newton>,
    /// Full extended state; algebraic part is the last solution (warm start).
    full: RefCell<Vec<f64>>,
    f: RefCell<Vec<f64>>,
    states: Vec<usize>,
}

impl System<f64, DVector<f64>> for Reduced<'_> {
    fn system(&self, t: f64, x: &DVector<f64>, dx: &mut DVector<f64>) {
        let mut full = self.full.borrow_mut();
        let mut spec = self.spec.borrow_mut();
        for (k, &i) in self.states.iter().enumerate() {
            full[i] = x[k];
        }
        // A failed inner solve leaves NaN, which the step-size control rejects.
        if self
            .newton
            .borrow_mut()
            .reinitialise(self.model, &mut spec.inputs, t, &mut full, 1e-11)
            .is_err()
        {
            dx.fill(f64::NAN);
            return;
        }
        let mut f = self.f.borrow_mut();
        let ctx = Ctx {
            t,
            inputs: spec.inputs.at(t),
        };
        self.model.eval(&ctx, &full, &mut f);
        for (k, &i) in self.states.iter().enumerate() {
            dx[k] = f[i] / self.model.mass[i];
        }
    }
}

pub fn simulate(model: &mut Model, spec: &mut RunSpec) -> Result<Waveforms, EngineError> {
    if !spec.actions.is_empty() || model.devices.iter().any(|d| d.root_count() > 0) {
        return Err(EngineError::Settings(
            "the Dormand–Prince method supports neither scenario events nor state events; use the default stiff method".into(),
        ));
    }
    let model: &Model = model;
    let mut newton = Newton::new(model).map_err(|e| EngineError::Settings(e.to_string()))?;
    let y0 = initial_state(model, spec, &mut newton)?;
    let states: Vec<usize> = (1..=model.n()).filter(|&i| model.mass[i] != 0.0).collect();
    let mut bps = spec.inputs.breakpoints(spec.duration);
    bps.push(spec.duration);
    bps.retain(|t| *t > 0.0);
    bps.sort_by(f64::total_cmp);
    bps.dedup();
    let mut recorder = Recorder::new(spec, model);
    let size = model.n() + 1;
    recorder.record(model, spec, 0.0, &y0, &vec![0.0; size]);
    let (rtol, atol, sample, duration) = (spec.rtol, spec.atol, spec.sample, spec.duration);
    let mut x = DVector::from_iterator(states.len(), states.iter().map(|&i| y0[i]));
    let mut full = y0;
    let mut stats = SolverStats {
        method: "DormandPrince5".into(),
        unknowns: model.n(),
        ..Default::default()
    };
    let mut t0 = 0.0;
    for &t1 in &bps {
        // Integrate grid point to grid point so every sample is a step end
        // of the explicit method, with no interpolation in the comparison.
        let first_k = (t0 / sample).floor() as u64 + 1;
        let mut grid: Vec<f64> = (first_k..)
            .map(|k| k as f64 * sample)
            .take_while(|t| *t < t1 - 1e-9 * sample)
            .collect();
        grid.push(t1);
        let mut ta = t0;
        for &tb in &grid {
            let reduced = Reduced {
                model,
                spec: RefCell::new(&mut *spec),
                newton: RefCell::new(
                    Newton::new(model).map_err(|e| EngineError::Settings(e.to_string()))?,
                ),
                full: RefCell::new(full.clone()),
                f: RefCell::new(vec![0.0; size]),
                states: states.clone(),
            };
            let mut solver = Dopri5::new(reduced, ta, tb, tb - ta, x.clone(), rtol, atol);
            let res = solver.integrate().map_err(|e| EngineError::Explicit {
                time: ta,
                message: e.to_string(),
            })?;
            stats.steps += res.accepted_steps as u64;
            stats.rejected_steps += res.rejected_steps as u64;
            stats.function_evaluations += res.num_eval as u64;
            x = solver.y_out().last().cloned().unwrap_or(x);
            drop(solver);
            for (k, &i) in states.iter().enumerate() {
                full[i] = x[k];
            }
            newton
                .reinitialise(model, &mut spec.inputs, tb, &mut full, 1e-11)
                .map_err(|e| EngineError::Reinitialisation {
                    time: tb,
                    unknown: model.names[e.worst].clone(),
                })?;
            recorder.record(model, spec, tb, &full, &vec![0.0; size]);
            ta = tb;
        }
        t0 = t1;
    }
    let _ = duration;
    Ok(recorder.finish(Vec::new(), stats))
}
