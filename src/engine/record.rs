//! Output sampling: the uniform grid from the step interpolant, plus
//! post-event rows at event instants, and the true extremes of every probe.
//!
//! Owns the recorded columns; must not decide step sizes or events.
//!
//! The extremes see more than the grid: every recorded row, both ends of
//! every accepted step (a step is re-taken to end exactly on an event or
//! breakpoint, so those instants are step ends) and, for probes that read
//! an unknown, the stationary points of the cubic dense output inside the
//! step. A dip narrower than the output interval therefore still reaches
//! the summary and the limits.
//!
//! When every probe reads an unknown directly, only those unknowns are
//! interpolated at a grid point; a device signal (a current or power
//! computed from y and y') needs the whole interpolated state.

use super::rodas::Rodas4;
use super::{ProbeSource, RunSpec};
use crate::compile::Model;
use crate::device::Ctx;
use crate::results::{Column, EventRecord, Extremes, SolverStats, Waveforms};

/// Collects samples on the uniform grid and at event instants.
pub(crate) struct Recorder {
    time: Vec<f64>,
    columns: Vec<Column>,
    sample: f64,
    next_index: u64,
    last_index: u64,
    /// Some probe is a device signal: interpolate y and y' in full.
    signals: bool,
    /// Running extremes per column; min = +inf until a value is seen.
    extremes: Vec<Extremes>,
}

/// Nothing seen yet: any finite value replaces both ends.
const UNSEEN: Extremes = Extremes {
    min: f64::INFINITY,
    t_min: 0.0,
    max: f64::NEG_INFINITY,
    t_max: 0.0,
};

/// Widens `e` to include `value` reached at `t`; NaN is ignored.
fn widen(e: &mut Extremes, t: f64, value: f64) {
    if value < e.min {
        e.min = value;
        e.t_min = t;
    }
    if value > e.max {
        e.max = value;
        e.t_max = t;
    }
}

/// Where the dense output `y0(1−θ) + θ(y1 + (1−θ)(c2 + θ·c3))` is
/// stationary inside (0, 1): the roots of its derivative
/// `(y1 − y0 + c2) + 2(c3 − c2)θ − 3c3·θ²`, at most two.
fn stationary_thetas(y0: f64, y1: f64, c2: f64, c3: f64) -> [Option<f64>; 2] {
    let c = y1 - y0 + c2;
    let b = 2.0 * (c3 - c2);
    let a = -3.0 * c3;
    let inside = |th: f64| (th > 0.0 && th < 1.0).then_some(th);
    let scale = c.abs() + b.abs() + a.abs();
    if scale == 0.0 || !scale.is_finite() {
        return [None, None];
    }
    if a.abs() <= 1e-12 * scale {
        if b.abs() <= 1e-12 * scale {
            return [None, None];
        }
        return [inside(-c / b), None];
    }
    let disc = b * b - 4.0 * a * c;
    if disc < 0.0 {
        return [None, None];
    }
    // Numerically stable pair of roots.
    let q = -0.5 * (b + b.signum() * disc.sqrt());
    let r1 = q / a;
    let r2 = if q != 0.0 { c / q } else { r1 };
    [inside(r1), inside(r2)]
}

impl Recorder {
    pub(crate) fn new(spec: &RunSpec, _model: &Model) -> Self {
        let samples = (spec.duration / spec.sample).round() as u64;
        let cap = samples as usize + 2;
        Recorder {
            time: Vec::with_capacity(cap),
            columns: spec
                .probes
                .iter()
                .map(|p| Column {
                    name: p.name.clone(),
                    target: p.target.clone(),
                    quantity: p.quantity,
                    nominal: p.nominal,
                    values: Vec::with_capacity(cap),
                    extremes: None,
                })
                .collect(),
            sample: spec.sample,
            next_index: 0,
            last_index: samples,
            signals: spec.probes.iter().any(|p| p.source.needs_signals()),
            extremes: vec![UNSEEN; spec.probes.len()],
        }
    }

    fn grid_time(&self, k: u64, duration: f64) -> f64 {
        if k == self.last_index {
            duration
        } else {
            k as f64 * self.sample
        }
    }

    pub(crate) fn record(
        &mut self,
        model: &Model,
        spec: &mut RunSpec,
        t: f64,
        y: &[f64],
        ydot: &[f64],
    ) {
        if self.time.last() == Some(&t) {
            // A post-event row replaces the pre-event row at the same instant.
            self.time.pop();
            for c in &mut self.columns {
                c.values.pop();
            }
        }
        self.time.push(t);
        let inputs = if self.signals { spec.inputs.at(t) } else { &[] };
        let ctx = Ctx { t, inputs };
        for (c, p) in self.columns.iter_mut().zip(&spec.probes) {
            let v = match p.source {
                ProbeSource::Unknown(i) => y[i],
                ref signal => signal
                    .signal_value(model, &ctx, y, ydot)
                    .unwrap_or(f64::NAN),
            };
            c.values.push(v);
        }
        for (e, c) in self.extremes.iter_mut().zip(&self.columns) {
            if let Some(&v) = c.values.last() {
                widen(e, t, v);
            }
        }
        while self.next_index <= self.last_index
            && self.grid_time(self.next_index, spec.duration) <= t + 1e-12 * self.sample
        {
            self.next_index += 1;
        }
    }

    pub(crate) fn record_event_row(
        &mut self,
        model: &Model,
        spec: &mut RunSpec,
        t: f64,
        y: &[f64],
        ydot: &[f64],
    ) {
        self.record(model, spec, t, y, ydot);
    }

    /// Records every grid point in (t, t + h] from the step's interpolant
    /// and widens the extremes over the whole step.
    #[allow(clippy::too_many_arguments)] // the step and two scratch vectors
    pub(crate) fn sample_interval(
        &mut self,
        model: &Model,
        spec: &mut RunSpec,
        stepper: &Rodas4,
        y0: &[f64],
        t: f64,
        h: f64,
        y: &mut [f64],
        ydot: &mut [f64],
    ) {
        self.widen_over_step(model, spec, stepper, y0, t, h, y, ydot);
        while self.next_index <= self.last_index {
            let ts = self.grid_time(self.next_index, spec.duration);
            if ts > t + h + 1e-12 * self.sample {
                break;
            }
            let theta = ((ts - t) / h).clamp(0.0, 1.0);
            let end = theta >= 1.0 - 1e-12;
            if self.signals {
                if end {
                    y.copy_from_slice(&stepper.y_new);
                } else {
                    stepper.interpolate(y0, theta, y);
                }
                stepper.interpolate_derivative(y0, h, theta, ydot);
            } else {
                for p in &spec.probes {
                    if let ProbeSource::Unknown(i) = p.source {
                        y[i] = if end {
                            stepper.y_new[i]
                        } else {
                            stepper.interpolate_one(y0, theta, i)
                        };
                    }
                }
            }
            self.record(model, spec, ts, y, ydot);
        }
    }

    /// Widens the extremes with both ends of the step from `t` to `t + h`
    /// and, for unknowns, the stationary points of the dense output.
    ///
    /// A device signal needs y and y' in full, so it is evaluated at the
    /// two step ends only; between them it is seen on the grid.
    #[allow(clippy::too_many_arguments)] // the step and two scratch vectors
    fn widen_over_step(
        &mut self,
        model: &Model,
        spec: &mut RunSpec,
        stepper: &Rodas4,
        y0: &[f64],
        t: f64,
        h: f64,
        y: &mut [f64],
        ydot: &mut [f64],
    ) {
        if h <= 0.0 {
            return;
        }
        for (e, p) in self.extremes.iter_mut().zip(&spec.probes) {
            if let ProbeSource::Unknown(i) = p.source {
                widen(e, t, y0[i]);
                widen(e, t + h, stepper.y_new[i]);
                let (c2, c3) = stepper.dense_coefficients(i);
                let thetas = stationary_thetas(y0[i], stepper.y_new[i], c2, c3);
                for theta in thetas.into_iter().flatten() {
                    widen(e, t + theta * h, stepper.interpolate_one(y0, theta, i));
                }
            }
        }
        if !self.signals {
            return;
        }
        for (theta, state) in [(0.0, y0), (1.0, &stepper.y_new[..])] {
            let ts = t + theta * h;
            y.copy_from_slice(state);
            stepper.interpolate_derivative(y0, h, theta, ydot);
            let ctx = Ctx {
                t: ts,
                inputs: spec.inputs.at(ts),
            };
            for (e, p) in self.extremes.iter_mut().zip(&spec.probes) {
                if let Some(v) = p.source.signal_value(model, &ctx, y, ydot) {
                    widen(e, ts, v);
                }
            }
        }
    }

    /// Whether anything was recorded (a run that stopped before its
    /// first sample has nothing to show).
    pub(crate) fn has_samples(&self) -> bool {
        !self.time.is_empty()
    }

    pub(crate) fn finish(self, events: Vec<EventRecord>, stats: SolverStats) -> Waveforms {
        let mut columns = self.columns;
        for (c, e) in columns.iter_mut().zip(self.extremes) {
            c.extremes = (e.min <= e.max).then_some(e);
        }
        Waveforms {
            time: self.time,
            columns,
            events,
            stats,
        }
    }
}
