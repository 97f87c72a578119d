//! Output sampling: the uniform grid from the step interpolant, plus
//! post-event rows at event instants, and the true extremes of every probe.
//!
//! Owns the recorded columns; must not decide step sizes or events.
//!
//! Samples are first written row by row into a small buffer and spread
//! into the columns every `ROWS_PER_FLUSH` rows: a hall records tens of
//! thousands of columns, and a push into each column at every sample
//! touches a different cache line per column and sample.
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
//! computed from y and y') needs the whole interpolated state and every
//! input channel. A signal that is exactly one unknown (an inductor's
//! current, `Device::signal_unknown`) is read like a node, but keeps a
//! signal's extremes: both step ends and the grid.

use super::rodas::Rodas4;
use super::{ProbeSource, RunSpec};
use crate::compile::Model;
use crate::device::Ctx;
use crate::results::{Column, EventRecord, Extremes, SolverStats, Waveforms};

/// How the recorder reads one probe.
#[derive(Debug, Clone, Copy)]
enum Read {
    /// A node voltage: extremes also at the dense output's stationary points.
    Node(usize),
    /// A device signal that is exactly this unknown.
    State(usize),
    /// A device signal computed from y, y' and the inputs.
    Device { device: usize, index: usize },
    /// A weighted sum of device signals (a losses column), evaluated by
    /// its probe's source.
    Sum,
}

impl Read {
    fn of(source: &ProbeSource, model: &Model) -> Read {
        match *source {
            ProbeSource::Unknown(i) => Read::Node(i),
            ProbeSource::Sum(_) => Read::Sum,
            ProbeSource::Signal { device, index } => {
                match model.devices[device].signal_unknown(index) {
                    Some(i) => Read::State(i),
                    None => Read::Device { device, index },
                }
            }
        }
    }

    /// The unknown read directly, if any.
    fn unknown(self) -> Option<usize> {
        match self {
            Read::Node(i) | Read::State(i) => Some(i),
            Read::Device { .. } | Read::Sum => None,
        }
    }
}

/// Rows buffered before they are spread into the columns: 8 values of a
/// column fill one 64-byte cache line.
const ROWS_PER_FLUSH: usize = 8;

/// Collects samples on the uniform grid and at event instants.
pub(crate) struct Recorder {
    time: Vec<f64>,
    columns: Vec<Column>,
    reads: Vec<Read>,
    /// The latest rows not yet in `columns`, row-major.
    pending: Vec<f64>,
    pending_rows: usize,
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
    pub(crate) fn new(spec: &RunSpec, model: &Model) -> Self {
        let samples = (spec.duration / spec.sample).round() as u64;
        let cap = samples as usize + 2;
        let reads: Vec<Read> = spec
            .probes
            .iter()
            .map(|p| Read::of(&p.source, model))
            .collect();
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
            signals: reads
                .iter()
                .any(|r| matches!(r, Read::Device { .. } | Read::Sum)),
            pending: Vec::with_capacity(ROWS_PER_FLUSH * reads.len()),
            pending_rows: 0,
            reads,
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
            self.drop_last_row();
        }
        self.time.push(t);
        let inputs = if self.signals { spec.inputs.at(t) } else { &[] };
        let ctx = Ctx { t, inputs };
        for ((e, r), p) in self.extremes.iter_mut().zip(&self.reads).zip(&spec.probes) {
            let v = match *r {
                Read::Node(i) | Read::State(i) => y[i],
                Read::Device { device, index } => {
                    model.devices[device].signal(index, &ctx, y, ydot)
                }
                Read::Sum => p
                    .source
                    .signal_value(model, &ctx, y, ydot)
                    .unwrap_or(f64::NAN),
            };
            self.pending.push(v);
            widen(e, t, v);
        }
        self.pending_rows += 1;
        if self.pending_rows == ROWS_PER_FLUSH {
            self.flush();
        }
        while self.next_index <= self.last_index
            && self.grid_time(self.next_index, spec.duration) <= t + 1e-12 * self.sample
        {
            self.next_index += 1;
        }
    }

    /// Removes the last recorded row of every column.
    fn drop_last_row(&mut self) {
        if self.pending_rows > 0 {
            self.pending.truncate(self.pending.len() - self.reads.len());
            self.pending_rows -= 1;
        } else {
            for c in &mut self.columns {
                c.values.pop();
            }
        }
    }

    /// Moves the buffered rows into their columns.
    fn flush(&mut self) {
        let n = self.reads.len();
        for (k, c) in self.columns.iter_mut().enumerate() {
            c.values
                .extend((0..self.pending_rows).map(|row| self.pending[row * n + k]));
        }
        self.pending.clear();
        self.pending_rows = 0;
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
                for r in &self.reads {
                    if let Some(i) = r.unknown() {
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
        for (e, r) in self.extremes.iter_mut().zip(&self.reads) {
            if let Read::State(i) = *r {
                // As a signal: the two step ends only.
                widen(e, t, y0[i]);
                widen(e, t + h, stepper.y_new[i]);
            }
            if let Read::Node(i) = *r {
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
            for ((e, r), p) in self.extremes.iter_mut().zip(&self.reads).zip(&spec.probes) {
                let v = match *r {
                    Read::Device { device, index } => {
                        model.devices[device].signal(index, &ctx, y, ydot)
                    }
                    Read::Sum => p
                        .source
                        .signal_value(model, &ctx, y, ydot)
                        .unwrap_or(f64::NAN),
                    Read::Node(_) | Read::State(_) => continue,
                };
                widen(e, ts, v);
            }
        }
    }

    /// Whether anything was recorded (a run that stopped before its
    /// first sample has nothing to show).
    pub(crate) fn has_samples(&self) -> bool {
        !self.time.is_empty()
    }

    pub(crate) fn finish(mut self, events: Vec<EventRecord>, stats: SolverStats) -> Waveforms {
        self.flush();
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
