//! Input channels (load profiles) as the engine sees them: value and slope
//! at any time, and the corner times that must be breakpoints.
//!
//! Owns only the evaluation buffer; profile shapes live in `scenario`.

use crate::device::InputValue;

/// Channel counts from which `InputTable::at` reads in parallel: one
/// profile evaluation costs tens of nanoseconds, so below a few thousand
/// channels the split costs more than it saves.
const PARALLEL_CHANNELS: usize = 4096;

/// Every input channel of a run, evaluated together.
///
/// A hall binds 10,000 loads; evaluating them through one box per channel
/// costs a cache miss per channel and stage wherever the allocator put
/// each box (measured: 88 % of the profile time was the first load of each
/// profile at 10,000 racks). A bank keeps its channels in one array.
pub trait InputBank: Send + Sync + std::fmt::Debug + CloneBank {
    /// How many channels the bank drives (channels 0..len).
    fn len(&self) -> usize;
    /// Whether the bank drives no channel.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Writes the value and slope at t of channels `first..first +
    /// out.len()`; an unbound channel's slot is left as it is.
    fn fill(&self, first: usize, t: f64, out: &mut [InputValue]);
    /// Times in [0, t_end] where some channel's slope changes, channel by
    /// channel in channel order.
    fn breakpoints(&self, t_end: f64) -> Vec<f64>;
}

/// A boxed copy of a bank, so that a bound run can be copied.
pub trait CloneBank {
    fn clone_bank(&self) -> Box<dyn InputBank>;
}

impl<T: InputBank + Clone + 'static> CloneBank for T {
    fn clone_bank(&self) -> Box<dyn InputBank> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn InputBank> {
    fn clone(&self) -> Self {
        self.clone_bank()
    }
}

/// A bank that binds none of its channels (a model analysed with its
/// loads at rated power, or without loads).
#[derive(Debug, Clone)]
struct Unbound(usize);

impl InputBank for Unbound {
    fn len(&self) -> usize {
        self.0
    }

    fn fill(&self, _first: usize, _t: f64, _out: &mut [InputValue]) {}

    fn breakpoints(&self, _t_end: f64) -> Vec<f64> {
        Vec::new()
    }
}

/// Channels plus a reusable buffer of their values at one time.
#[derive(Debug, Clone)]
pub struct InputTable {
    bank: Box<dyn InputBank>,
    buffer: Vec<InputValue>,
    buffer_time: f64,
}

impl InputTable {
    /// `channels` channels, all held at 1.0 per unit.
    pub fn unbound(channels: usize) -> Self {
        InputTable::from_bank(Box::new(Unbound(channels)))
    }

    /// A table over `bank`; channels it leaves unbound hold 1.0 per unit.
    pub fn from_bank(bank: Box<dyn InputBank>) -> Self {
        let n = bank.len();
        InputTable {
            bank,
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
    /// Thousands of channels (a hall's loads) are read in two halves at
    /// once: each slot is written by its own channel alone, so the values
    /// are the same on any number of threads.
    pub fn at(&mut self, t: f64) -> &[InputValue] {
        if t != self.buffer_time {
            let bank = &*self.bank;
            if self.buffer.len() >= PARALLEL_CHANNELS {
                let half = self.buffer.len() / 2;
                let (low, high) = self.buffer.split_at_mut(half);
                rayon::join(|| bank.fill(0, t, low), || bank.fill(half, t, high));
            } else {
                bank.fill(0, t, &mut self.buffer);
            }
            self.buffer_time = t;
        }
        &self.buffer
    }

    /// All breakpoints of all channels in [0, t_end].
    pub fn breakpoints(&self, t_end: f64) -> Vec<f64> {
        self.bank.breakpoints(t_end)
    }
}
