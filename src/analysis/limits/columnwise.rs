//! Limits judged column by column over a glob (Deviation, Settling,
//! Ripple, MinVoltage, MaxVoltage): the measure of one column kept apart
//! from the choice of the worst, so that [`measure_together`] rebuilds each
//! deferred column once for every such limit that reads it.
//!
//! Why: a hall's rack buses are read by five limits; rebuilding a column
//! from the step log costs more than most measures on it, so reading it
//! once per limit did most of the judging's work five times over.
//!
//! Must not know any one kind's fields. The verdicts must be, to the bit,
//! those each limit's own `measure` gives: the same measure of each column,
//! and the worst chosen in recording order.

use super::common::{matched_indices, per_column, COLUMNS_PER_TASK};
use super::{Limit, Run};
use crate::analysis::signal::Signal;
use crate::analysis::verdict::Measure;
use crate::results::{Column, Quantity};
use rayon::prelude::*;

/// One column's measure: the value the columns are ranked by and what
/// goes with it (an instant), or `None` when the column gives none.
pub type PerColumn = Option<(f64, f64)>;

/// A limit judged column by column.
pub trait Columnwise: Sync {
    /// The glob and quantity of the columns it reads.
    fn columns(&self) -> (&str, Quantity);
    /// Its measure on one column, `s` being the column's values.
    fn column(&self, run: Run, column: &Column, s: &Signal) -> PerColumn;
    /// The measure of the limit from those of its columns, in recording
    /// order.
    fn judge(&self, run: Run, per: Vec<(&Column, PerColumn)>) -> Result<Measure, String>;
}

/// A columnwise limit and the indices of its columns, or why it has none.
type Plan<'a> = (&'a dyn Columnwise, Result<Vec<usize>, String>);

/// `limit` measured on its own, each column read inside its own task.
pub(super) fn measure(limit: &dyn Columnwise, run: Run) -> Result<Measure, String> {
    let (pattern, quantity) = limit.columns();
    let per = per_column(run.waveforms, pattern, quantity, |c, s| {
        limit.column(run, c, s)
    })?;
    limit.judge(run, per)
}

/// The measure of every columnwise limit among `limits` (`None` for the
/// others), with each matched column read once, in parallel, for all the
/// limits that match it; one column's values are held per task at a time.
pub(super) fn measure_together(limits: &[Limit], run: Run) -> Vec<Option<Result<Measure, String>>> {
    let w = run.waveforms;
    // Each columnwise limit and its columns, or why it has none.
    let plans: Vec<Option<Plan>> = limits
        .iter()
        .map(|l| {
            let limit = l.spec().columnwise()?;
            let (pattern, quantity) = limit.columns();
            Some((limit, matched_indices(w, pattern, quantity)))
        })
        .collect();
    // The limits reading each column, in limit order.
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); w.columns.len()];
    for (k, plan) in plans.iter().enumerate() {
        if let Some((_, Ok(found))) = plan {
            for &c in found {
                readers[c].push(k);
            }
        }
    }
    let read: Vec<usize> = (0..w.columns.len())
        .filter(|&c| !readers[c].is_empty())
        .collect();
    let measured: Vec<Vec<PerColumn>> = read
        .par_iter()
        .with_min_len(COLUMNS_PER_TASK)
        .map(|&c| {
            let column = &w.columns[c];
            let values = column.values.read();
            let s = Signal::new(&w.time, &values);
            readers[c]
                .iter()
                .filter_map(|&k| plans[k].as_ref())
                .map(|(limit, _)| limit.column(run, column, &s))
                .collect()
        })
        .collect();
    let mut at: Vec<usize> = vec![0; w.columns.len()];
    for (k, &c) in read.iter().enumerate() {
        at[c] = k;
    }
    // Each column's measures are in limit order: the next one unclaimed
    // is the current limit's.
    let mut next: Vec<usize> = vec![0; w.columns.len()];
    plans
        .into_iter()
        .map(|plan| {
            let (limit, found) = plan?;
            Some(found.and_then(|found| {
                let per = found
                    .into_iter()
                    .map(|c| {
                        let m = measured[at[c]][next[c]];
                        next[c] += 1;
                        (&w.columns[c], m)
                    })
                    .collect();
                limit.judge(run, per)
            }))
        })
        .collect()
}
