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
//!
//! Node voltages are deferred: the recorder logs the steps and rows once
//! for all of them (`steplog`) and each column is rebuilt from the log
//! when it is read, bit for bit as it would have been sampled. Should a
//! run take so many steps per sample that the log outgrows the samples
//! (a long horizon sampled coarsely), the deferred columns are rebuilt
//! there and then and sampled in memory for the rest of the run.

use super::rodas::Rodas4;
use super::steplog::{widen, widen_cubic, StepLog, UNSEEN};
use super::{ProbeSource, RunSpec};
use crate::compile::Model;
use crate::device::Ctx;
use crate::results::{
    Column, EventRecord, Extremes, SampleSource, Samples, SolverStats, Waveforms,
};
use rayon::prelude::*;
use std::sync::Arc;

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

/// Deferred columns per parallel task when their extremes are replayed.
const COLUMNS_PER_TASK: usize = 64;

/// Where a grid row comes from: step θ of the step just taken.
#[derive(Debug, Clone, Copy)]
struct FromStep {
    theta: f64,
    end: bool,
}

/// Collects samples on the uniform grid and at event instants.
pub(crate) struct Recorder {
    time: Vec<f64>,
    columns: Vec<Column>,
    reads: Vec<Read>,
    /// The columns sampled into memory as the run goes, ascending.
    held: Vec<usize>,
    /// Their values, by column (empty for deferred columns).
    values: Vec<Vec<f64>>,
    /// The latest rows of the held columns not yet in `values`, row-major.
    pending: Vec<f64>,
    pending_rows: usize,
    sample: f64,
    next_index: u64,
    last_index: u64,
    /// Some probe is a device signal: interpolate y and y' in full.
    signals: bool,
    /// Running extremes per column; min = +inf until a value is seen.
    /// Deferred columns get theirs from the log at the end.
    extremes: Vec<Extremes>,
    /// The deferred node voltages, with the column of each log slot.
    log: Option<(StepLog, Vec<usize>)>,
    /// The log's index of the step whose rows are being recorded.
    log_step: u32,
    /// Rows expected: the grid and its two ends.
    rows_expected: usize,
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
        let deferrable = |r: &Read| spec.defer_node_columns && matches!(r, Read::Node(_));
        let deferred: Vec<usize> = (0..reads.len())
            .filter(|&c| deferrable(&reads[c]))
            .collect();
        let held: Vec<usize> = (0..reads.len())
            .filter(|&c| !deferrable(&reads[c]))
            .collect();
        let unknowns = deferred
            .iter()
            .filter_map(|&c| reads[c].unknown())
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
                    values: Samples::default(),
                    extremes: None,
                })
                .collect(),
            values: reads
                .iter()
                .map(|r| {
                    let size = if deferrable(r) { 0 } else { cap };
                    Vec::with_capacity(size)
                })
                .collect(),
            sample: spec.sample,
            next_index: 0,
            last_index: samples,
            signals: reads
                .iter()
                .any(|r| matches!(r, Read::Device { .. } | Read::Sum)),
            pending: Vec::with_capacity(ROWS_PER_FLUSH * held.len()),
            pending_rows: 0,
            held,
            reads,
            extremes: vec![UNSEEN; spec.probes.len()],
            log: (!deferred.is_empty()).then(|| (StepLog::new(unknowns), deferred)),
            log_step: 0,
            rows_expected: cap,
        }
    }

    fn grid_time(&self, k: u64, duration: f64) -> f64 {
        if k == self.last_index {
            duration
        } else {
            k as f64 * self.sample
        }
    }

    /// Records the state `y` itself at `t` (the first row, event rows).
    pub(crate) fn record(
        &mut self,
        model: &Model,
        spec: &mut RunSpec,
        t: f64,
        y: &[f64],
        ydot: &[f64],
    ) {
        self.record_row(model, spec, t, y, ydot, None);
    }

    #[allow(clippy::too_many_arguments)] // the row and where it comes from
    fn record_row(
        &mut self,
        model: &Model,
        spec: &mut RunSpec,
        t: f64,
        y: &[f64],
        ydot: &[f64],
        from: Option<FromStep>,
    ) {
        if self.time.last() == Some(&t) {
            // A post-event row replaces the pre-event row at the same instant.
            self.time.pop();
            self.drop_last_row();
        }
        self.time.push(t);
        if let Some((log, _)) = &mut self.log {
            match from {
                Some(f) => log.interpolated_row(t, self.log_step, f.theta, f.end),
                None => log.state_row(t, y),
            }
        }
        let inputs = if self.signals { spec.inputs.at(t) } else { &[] };
        let ctx = Ctx { t, inputs };
        for &c in &self.held {
            let v = match self.reads[c] {
                Read::Node(i) | Read::State(i) => y[i],
                Read::Device { device, index } => {
                    model.devices[device].signal(index, &ctx, y, ydot)
                }
                Read::Sum => spec.probes[c]
                    .source
                    .signal_value(model, &ctx, y, ydot)
                    .unwrap_or(f64::NAN),
            };
            self.pending.push(v);
            widen(&mut self.extremes[c], t, v);
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
        if let Some((log, _)) = &mut self.log {
            log.drop_last_row();
        }
        if self.pending_rows > 0 {
            self.pending.truncate(self.pending.len() - self.held.len());
            self.pending_rows -= 1;
        } else {
            for &c in &self.held {
                self.values[c].pop();
            }
        }
    }

    /// Moves the buffered rows into their columns.
    fn flush(&mut self) {
        let n = self.held.len();
        for (k, &c) in self.held.iter().enumerate() {
            self.values[c].extend((0..self.pending_rows).map(|row| self.pending[row * n + k]));
        }
        self.pending.clear();
        self.pending_rows = 0;
    }

    /// Rebuilds the deferred columns from the log and samples every column
    /// in memory from here on: the log has grown past the samples.
    fn hold_all(&mut self) {
        let Some((log, deferred)) = self.log.take() else {
            return;
        };
        self.flush();
        for (slot, &c) in deferred.iter().enumerate() {
            self.values[c].reserve_exact(self.rows_expected);
            self.extremes[c] = log.replay(slot, Some(&mut self.values[c]));
        }
        self.held = (0..self.reads.len()).collect();
        self.pending = Vec::with_capacity(ROWS_PER_FLUSH * self.held.len());
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
        // A step logs about 3 values per column; past the samples' own
        // size the log saves nothing.
        let outgrown = self
            .log
            .as_ref()
            .is_some_and(|(log, _)| log.blocks_per_column() + 4 > self.rows_expected);
        if outgrown {
            self.hold_all();
        }
        if let Some((log, _)) = &mut self.log {
            self.log_step = log.step(stepper, y0, t, h, h > 0.0);
        }
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
                for &c in &self.held {
                    if let Some(i) = self.reads[c].unknown() {
                        y[i] = if end {
                            stepper.y_new[i]
                        } else {
                            stepper.interpolate_one(y0, theta, i)
                        };
                    }
                }
            }
            self.record_row(model, spec, ts, y, ydot, Some(FromStep { theta, end }));
        }
    }

    /// Widens the extremes of the held columns with both ends of the step
    /// from `t` to `t + h` and, for unknowns, the stationary points of the
    /// dense output.
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
        for &c in &self.held {
            let e = &mut self.extremes[c];
            if let Read::State(i) = self.reads[c] {
                // As a signal: the two step ends only.
                widen(e, t, y0[i]);
                widen(e, t + h, stepper.y_new[i]);
            }
            if let Read::Node(i) = self.reads[c] {
                let (c2, c3) = stepper.dense_coefficients(i);
                widen_cubic(e, t, h, [y0[i], stepper.y_new[i], c2, c3]);
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
            for &c in &self.held {
                let v = match self.reads[c] {
                    Read::Device { device, index } => {
                        model.devices[device].signal(index, &ctx, y, ydot)
                    }
                    Read::Sum => spec.probes[c]
                        .source
                        .signal_value(model, &ctx, y, ydot)
                        .unwrap_or(f64::NAN),
                    Read::Node(_) | Read::State(_) => continue,
                };
                widen(&mut self.extremes[c], ts, v);
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
        for (c, values) in columns.iter_mut().zip(self.values) {
            c.values = Samples::from(values);
        }
        if let Some((log, deferred)) = self.log {
            // Each deferred column's extremes, replayed in parallel: every
            // column on its own, so the bytes do not depend on the threads.
            let found: Vec<Extremes> = (0..deferred.len())
                .into_par_iter()
                .with_min_len(COLUMNS_PER_TASK)
                .map(|slot| log.replay(slot, None))
                .collect();
            let source: Arc<dyn SampleSource> = Arc::new(log);
            for (slot, (&c, e)) in deferred.iter().zip(found).enumerate() {
                columns[c].values = Samples::deferred(Arc::clone(&source), slot);
                self.extremes[c] = e;
            }
        }
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
