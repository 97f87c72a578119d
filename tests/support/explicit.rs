//! The explicit Dormand–Prince 5(4) path (`ode_solvers`), an independent
//! cross-check of the stiff engine on small non-stiff models.
//!
//! The DAE is reduced to an ODE in the differential unknowns: at every
//! right-hand-side call the algebraic unknowns are re-solved by Newton.
//! Profile corners are honoured by integrating segment by segment. Only a
//! zero start, node-voltage probes and runs without events are supported.

use busbar::compile::Model;
use busbar::device::Ctx;
use busbar::engine::newton::Newton;
use busbar::engine::{simulate, ProbeSource, RunSpec, Start};
use busbar::results::{Column, SolverStats, Waveforms};
use ode_solvers::{DVector, Dopri5, System};
use std::cell::RefCell;

/// Which integrator a cross-check runs.
#[derive(Debug, Clone, Copy)]
pub enum Method {
    /// The engine's own stiff method.
    Rodas4,
    /// Dormand–Prince 5(4) through `ode_solvers`.
    DormandPrince,
}

/// Runs `spec` on `model` with `method`.
pub fn simulate_with(
    method: Method,
    model: &mut Model,
    spec: &mut RunSpec,
) -> Result<Waveforms, String> {
    match method {
        Method::Rodas4 => simulate(model, spec, None).map_err(|e| e.to_string()),
        Method::DormandPrince => dormand_prince(model, spec),
    }
}

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

fn dormand_prince(model: &Model, spec: &mut RunSpec) -> Result<Waveforms, String> {
    if !spec.actions.is_empty() || spec.start != Start::Zero {
        return Err("only event-free runs from a zero start are supported".into());
    }
    let mut newton = Newton::new(model).map_err(|e| e.to_string())?;
    let size = model.n() + 1;
    let mut y0 = vec![0.0; size];
    newton
        .reinitialise(model, &mut spec.inputs, 0.0, &mut y0, 1e-11)
        .map_err(|e| format!("initialisation: {e:?}"))?;
    let states: Vec<usize> = (1..=model.n()).filter(|&i| model.mass[i] != 0.0).collect();
    let mut bps = spec.inputs.breakpoints(spec.duration);
    bps.push(spec.duration);
    bps.retain(|t| *t > 0.0);
    bps.sort_by(f64::total_cmp);
    bps.dedup();
    let mut out = Recorded::new(spec)?;
    out.push(0.0, &y0);
    let (rtol, atol, sample) = (spec.rtol, spec.atol, spec.sample);
    let mut x = DVector::from_iterator(states.len(), states.iter().map(|&i| y0[i]));
    let mut full = y0;
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
                newton: RefCell::new(Newton::new(model).map_err(|e| e.to_string())?),
                full: RefCell::new(full.clone()),
                f: RefCell::new(vec![0.0; size]),
                states: states.clone(),
            };
            let mut solver = Dopri5::new(reduced, ta, tb, tb - ta, x.clone(), rtol, atol);
            let res = solver
                .integrate()
                .map_err(|e| format!("at t = {ta:e} s: {e}"))?;
            out.stats.steps += res.accepted_steps as u64;
            out.stats.rejected_steps += res.rejected_steps as u64;
            out.stats.function_evaluations += res.num_eval as u64;
            x = solver.y_out().last().cloned().unwrap_or(x);
            drop(solver);
            for (k, &i) in states.iter().enumerate() {
                full[i] = x[k];
            }
            newton
                .reinitialise(model, &mut spec.inputs, tb, &mut full, 1e-11)
                .map_err(|e| format!("re-initialisation at t = {tb:e} s: {e:?}"))?;
            out.push(tb, &full);
            ta = tb;
        }
        t0 = t1;
    }
    Ok(out.finish())
}

/// The samples of the node-voltage probes.
struct Recorded {
    unknowns: Vec<usize>,
    waveforms: Waveforms,
    stats: SolverStats,
}

impl Recorded {
    fn new(spec: &RunSpec) -> Result<Self, String> {
        let mut unknowns = Vec::new();
        let mut columns = Vec::new();
        for p in &spec.probes {
            let ProbeSource::Unknown(i) = p.source else {
                return Err(format!("probe `{}` is not a node voltage", p.name));
            };
            unknowns.push(i);
            columns.push(Column {
                name: p.name.clone(),
                target: p.target.clone(),
                quantity: p.quantity,
                nominal: p.nominal,
                values: Vec::new().into(),
                extremes: None,
            });
        }
        let waveforms = Waveforms {
            time: Vec::new(),
            columns,
            events: Vec::new(),
            stats: SolverStats::default(),
        };
        let stats = SolverStats {
            method: "DormandPrince5".into(),
            ..Default::default()
        };
        Ok(Recorded {
            unknowns,
            waveforms,
            stats,
        })
    }

    fn push(&mut self, t: f64, y: &[f64]) {
        self.waveforms.time.push(t);
        for (column, &i) in self.waveforms.columns.iter_mut().zip(&self.unknowns) {
            column.values.to_mut().push(y[i]);
        }
    }

    fn finish(mut self) -> Waveforms {
        self.waveforms.stats = self.stats;
        self.waveforms
    }
}
