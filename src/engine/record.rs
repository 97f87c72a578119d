//! Output sampling: the uniform grid from the step interpolant, plus
//! post-event rows at event instants.
//!
//! Owns the recorded columns; must not decide step sizes or events.
//!
//! When every probe reads an unknown directly, only those unknowns are
//! interpolated at a grid point; a device signal (a current or power
//! computed from y and y') needs the whole interpolated state.

use super::rodas::Rodas4;
use super::{ProbeSource, RunSpec};
use crate::compile::{Ctx, Model};
use crate::results::{Column, EventRecord, SolverStats, Waveforms};

/// Collects samples on the uniform grid and at event instants.
pub(crate) struct Recorder {
    time: Vec<f64>,
    columns: Vec<Column>,
    sample: f64,
    next_index: u64,
    last_index: u64,
    /// Some probe is a device signal: interpolate y and y' in full.
    signals: bool,
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
                })
                .collect(),
            sample: spec.sample,
            next_index: 0,
            last_index: samples,
            signals: spec
                .probes
                .iter()
                .any(|p| matches!(p.source, ProbeSource::Signal { .. })),
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
                ProbeSource::Signal { device, index } => {
                    model.devices[device].signal(index, &ctx, y, ydot)
                }
            };
            c.values.push(v);
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

    /// Records every grid point in (t, t + h] from the step's interpolant.
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

    pub(crate) fn finish(self, events: Vec<EventRecord>, stats: SolverStats) -> Waveforms {
        Waveforms {
            time: self.time,
            columns: self.columns,
            events,
            stats,
        }
    }
}
