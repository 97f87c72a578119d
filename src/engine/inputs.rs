//! Input channels (load profiles) as the engine sees them: value and slope
//! at any time, and the corner times that must be breakpoints.
//!
//! Owns only the evaluation buffer; profile shapes live in `scenario`.

use crate::device::InputValue;

/// Channel counts from which `InputTable::at` reads in parallel: one
/// profile evaluation costs tens of nanoseconds, so below a few thousand
/// channels the split costs more than it saves.
const PARALLEL_CHANNELS: usize = 4096;

/// A per-unit signal driving one input channel.
pub trait InputSignal: Send + Sync + std::fmt::Debug + CloneSignal {
    fn value(&self, t: f64) -> f64;
    /// Right-derivative at t.
    fn slope(&self, t: f64) -> f64;
    /// Value and slope at t; a signal whose two come from one evaluation
    /// gives both at once (the engine reads every channel at every stage).
    fn value_and_slope(&self, t: f64) -> InputValue {
        InputValue {
            value: self.value(t),
            slope: self.slope(t),
        }
    }
    /// Times in [0, t_end] where the slope changes.
    fn breakpoints(&self, t_end: f64) -> Vec<f64>;
}

/// A boxed copy of a signal, so that a bound run can be copied.
pub trait CloneSignal {
    fn clone_signal(&self) -> Box<dyn InputSignal>;
}

impl<T: InputSignal + Clone + 'static> CloneSignal for T {
    fn clone_signal(&self) -> Box<dyn InputSignal> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn InputSignal> {
    fn clone(&self) -> Self {
        self.clone_signal()
    }
}

/// Channels plus a reusable buffer of their values at one time.
#[derive(Debug, Clone)]
pub struct InputTable {
    signals: Vec<Option<Box<dyn InputSignal>>>,
    buffer: Vec<InputValue>,
    buffer_time: f64,
}

impl InputTable {
    /// `signals[k]` drives channel k; None holds it at 1.0 per unit.
    ///
    /// The signals are copied into boxes allocated one after another: the
    /// originals were made between the scenario's other allocations, and
    /// at 10,000 channels, read at every stage, scattered boxes cost a
    /// cache miss each.
    pub fn new(signals: Vec<Option<Box<dyn InputSignal>>>) -> Self {
        let signals: Vec<Option<Box<dyn InputSignal>>> = signals
            .iter()
            .map(|s| s.as_ref().map(|s| s.clone_signal()))
            .collect();
        let n = signals.len();
        InputTable {
            signals,
            buffer: vec![
                InputValue {
                    value: 1.0,
                    slope: 0.0
                };
                n
            ],
            buffer_time: f64::NAN,
        }
    }

    /// Values of all channels at t (cached for repeated calls at one t).
    /// Thousands of channels (a hall's loads) are read in parallel chunks:
    /// each slot is written by its own signal alone, so the values are the
    /// same on any number of threads.
    pub fn at(&mut self, t: f64) -> &[InputValue] {
        use rayon::prelude::*;
        if t != self.buffer_time {
            let read = |(slot, s): (&mut InputValue, &Option<Box<dyn InputSignal>>)| {
                if let Some(s) = s {
                    *slot = s.value_and_slope(t);
                }
            };
            if self.signals.len() >= PARALLEL_CHANNELS {
                self.buffer
                    .par_iter_mut()
                    .zip(&self.signals)
                    .with_min_len(PARALLEL_CHANNELS / 2)
                    .for_each(read);
            } else {
                self.buffer.iter_mut().zip(&self.signals).for_each(read);
            }
            self.buffer_time = t;
        }
        &self.buffer
    }

    /// All breakpoints of all channels in [0, t_end].
    pub fn breakpoints(&self, t_end: f64) -> Vec<f64> {
        self.signals
            .iter()
            .flatten()
            .flat_map(|s| s.breakpoints(t_end))
            .collect()
    }
}
