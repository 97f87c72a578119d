//! The step log: node voltages kept as the solver's dense output instead of
//! as samples, and rebuilt on demand, to the bit, into the samples the
//! recorder would have stored.
//!
//! Owns the log's layout and its replay. Must not decide which columns are
//! deferred (the recorder does) nor step sizes.
//!
//! Why: a hall's limits judge every rack bus, 21 000 columns at 10 000
//! racks, over 3 001 output samples, while the solver takes 278 steps. Per
//! step the log keeps y1 and the two dense-output coefficients of each
//! deferred unknown (and y0 only when it differs from the previous step's
//! y1, i.e. after an event moved the state), about 3 values per step
//! against about 11 samples. The grid rows, event rows and extreme-value
//! checks are logged once for all columns, in the order the recorder met
//! them, so a replay of one column repeats the recorder's arithmetic and
//! its extremes in the same order.
//!
//! Values are stored in blocks of one value per deferred unknown: a block
//! is written with one pass over the unknowns at each step, and a column
//! is read with one stride through the blocks (eight neighbouring columns
//! share each cache line, and a limit rebuilds neighbours one after the
//! other).

use super::rodas::Rodas4;
use crate::results::{Extremes, SampleSource};

/// Where a logged row's value comes from.
#[derive(Debug, Clone, Copy)]
enum RowAt {
    /// The dense output of step `step` at θ.
    Interp { step: u32, theta: f64 },
    /// The end of step `step` (its y1).
    End { step: u32 },
    /// A copy of the state (the first row and post-event rows).
    Snapshot { block: u32 },
}

/// One thing the recorder did, in order.
#[derive(Debug, Clone, Copy)]
enum Entry {
    /// Widened the extremes over step `0` (its ends and the stationary
    /// points of its cubic).
    Step(u32),
    /// Recorded a row at `t`; `kept` is false once a post-event row at the
    /// same instant replaced it (its value still widened the extremes).
    Row { t: f64, at: RowAt, kept: bool },
}

/// One accepted step: its span and the blocks of its y0, y1, c2 and c3
/// (c2 and c3 are the two blocks after y1).
#[derive(Debug, Clone, Copy)]
struct Step {
    t: f64,
    h: f64,
    y0: u32,
    y1: u32,
}

/// The log of the deferred unknowns of one run.
#[derive(Debug)]
pub(crate) struct StepLog {
    /// The unknown of each deferred column, by slot.
    unknowns: Vec<usize>,
    /// Blocks of `unknowns.len()` values each.
    blocks: Vec<f64>,
    steps: Vec<Step>,
    entries: Vec<Entry>,
    /// Entry index of the latest row.
    last_row: Option<usize>,
}

/// Nothing seen yet: any finite value replaces both ends.
pub(crate) const UNSEEN: Extremes = Extremes {
    min: f64::INFINITY,
    t_min: 0.0,
    max: f64::NEG_INFINITY,
    t_max: 0.0,
};

/// Widens `e` to include `value` reached at `t`; NaN is ignored.
pub(crate) fn widen(e: &mut Extremes, t: f64, value: f64) {
    if value < e.min {
        e.min = value;
        e.t_min = t;
    }
    if value > e.max {
        e.max = value;
        e.t_max = t;
    }
}

/// The dense output `y0(1−θ) + θ(y1 + (1−θ)(c2 + θ·c3))`, written as
/// `Rodas4::interpolate_one` writes it, so that both give the same bits.
pub(crate) fn cubic(y0: f64, y1: f64, c2: f64, c3: f64, theta: f64) -> f64 {
    let s1 = 1.0 - theta;
    y0 * s1 + theta * (y1 + s1 * (c2 + theta * c3))
}

/// Where the dense output `y0(1−θ) + θ(y1 + (1−θ)(c2 + θ·c3))` is
/// stationary inside (0, 1): the roots of its derivative
/// `(y1 − y0 + c2) + 2(c3 − c2)θ − 3c3·θ²`, at most two.
pub(crate) fn stationary_thetas(y0: f64, y1: f64, c2: f64, c3: f64) -> [Option<f64>; 2] {
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

/// Widens `e` over a step of a node voltage: both ends, then the
/// stationary points of its cubic.
pub(crate) fn widen_cubic(e: &mut Extremes, t: f64, h: f64, [y0, y1, c2, c3]: [f64; 4]) {
    widen(e, t, y0);
    widen(e, t + h, y1);
    for theta in stationary_thetas(y0, y1, c2, c3).into_iter().flatten() {
        widen(e, t + theta * h, cubic(y0, y1, c2, c3, theta));
    }
}

impl StepLog {
    pub(crate) fn new(unknowns: Vec<usize>) -> StepLog {
        StepLog {
            unknowns,
            blocks: Vec::new(),
            steps: Vec::new(),
            entries: Vec::new(),
            last_row: None,
        }
    }

    /// Values held per deferred column so far.
    pub(crate) fn blocks_per_column(&self) -> usize {
        self.blocks.len() / self.unknowns.len().max(1)
    }

    fn push_block(&mut self, value: impl Fn(usize) -> f64) -> u32 {
        let block = self.blocks_per_column() as u32;
        let unknowns = &self.unknowns;
        self.blocks.extend(unknowns.iter().map(|&i| value(i)));
        block
    }

    fn block(&self, block: u32) -> &[f64] {
        let n = self.unknowns.len();
        &self.blocks[block as usize * n..][..n]
    }

    /// Logs the step just accepted from `y0` over `h`; returns its index
    /// for the rows sampled from it. `widened`: the recorder widens the
    /// extremes over it (it does for `h > 0`).
    pub(crate) fn step(
        &mut self,
        stepper: &Rodas4,
        y0: &[f64],
        t: f64,
        h: f64,
        widened: bool,
    ) -> u32 {
        let continues = self.steps.last().is_some_and(|s| {
            let previous = self.block(s.y1);
            self.unknowns
                .iter()
                .zip(previous)
                .all(|(&i, p)| y0[i].to_bits() == p.to_bits())
        });
        let y0_block = match self.steps.last() {
            Some(s) if continues => s.y1,
            _ => self.push_block(|i| y0[i]),
        };
        let y1 = self.push_block(|i| stepper.y_new[i]);
        self.push_block(|i| stepper.dense_coefficients(i).0);
        self.push_block(|i| stepper.dense_coefficients(i).1);
        let step = self.steps.len() as u32;
        self.steps.push(Step {
            t,
            h,
            y0: y0_block,
            y1,
        });
        if widened {
            self.entries.push(Entry::Step(step));
        }
        step
    }

    /// Logs a grid row at `t` from step `step` at θ (`end`: its y1).
    pub(crate) fn interpolated_row(&mut self, t: f64, step: u32, theta: f64, end: bool) {
        let at = if end {
            RowAt::End { step }
        } else {
            RowAt::Interp { step, theta }
        };
        self.row(t, at);
    }

    /// Logs a row at `t` holding the state `y` itself.
    pub(crate) fn state_row(&mut self, t: f64, y: &[f64]) {
        let block = self.push_block(|i| y[i]);
        self.row(t, RowAt::Snapshot { block });
    }

    fn row(&mut self, t: f64, at: RowAt) {
        self.last_row = Some(self.entries.len());
        self.entries.push(Entry::Row { t, at, kept: true });
    }

    /// The latest row was replaced by a post-event row at the same instant.
    pub(crate) fn drop_last_row(&mut self) {
        if let Some(Entry::Row { kept, .. }) = self.last_row.map(|k| &mut self.entries[k]) {
            *kept = false;
        }
    }

    /// The four dense-output values of `slot` over step `step`.
    fn coefficients(&self, step: u32, slot: usize) -> [f64; 4] {
        let s = self.steps[step as usize];
        let n = self.unknowns.len();
        let at = |block: u32| self.blocks[block as usize * n + slot];
        [at(s.y0), at(s.y1), at(s.y1 + 1), at(s.y1 + 2)]
    }

    /// Replays column `slot`: its kept rows into `values` (when given)
    /// and every row and step into its extremes, in the recorder's order.
    pub(crate) fn replay(&self, slot: usize, mut values: Option<&mut Vec<f64>>) -> Extremes {
        let mut e = UNSEEN;
        let n = self.unknowns.len();
        // The step whose coefficients are loaded: consecutive rows of one
        // step reuse them.
        let mut loaded: Option<(u32, [f64; 4])> = None;
        let mut load = |step: u32| match loaded {
            Some((s, c)) if s == step => c,
            _ => {
                let c = self.coefficients(step, slot);
                loaded = Some((step, c));
                c
            }
        };
        for entry in &self.entries {
            match *entry {
                Entry::Step(step) => {
                    let s = self.steps[step as usize];
                    widen_cubic(&mut e, s.t, s.h, load(step));
                }
                Entry::Row { t, at, kept } => {
                    let v = match at {
                        RowAt::Interp { step, theta } => {
                            let [y0, y1, c2, c3] = load(step);
                            cubic(y0, y1, c2, c3, theta)
                        }
                        RowAt::End { step } => load(step)[1],
                        RowAt::Snapshot { block } => self.blocks[block as usize * n + slot],
                    };
                    if kept {
                        if let Some(out) = values.as_deref_mut() {
                            out.push(v);
                        }
                    }
                    widen(&mut e, t, v);
                }
            }
        }
        e
    }
}

impl SampleSource for StepLog {
    fn fill(&self, slot: usize, out: &mut Vec<f64>) {
        out.clear();
        let rows = self
            .entries
            .iter()
            .filter(|e| matches!(e, Entry::Row { kept: true, .. }))
            .count();
        out.reserve_exact(rows);
        self.replay(slot, Some(out));
    }
}
