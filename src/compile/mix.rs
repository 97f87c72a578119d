//! Row mixing: replaces some equation rows of the compiled DAE by constant
//! linear combinations of the rows the devices stamped.
//!
//! An inductor cut-set is reduced (see `reduce`) by writing, after every
//! device has added its terms, two rows anew: the eliminated inductor's row
//! becomes the cut-set's summed KCL, and one node's KCL becomes the time
//! derivative of that KCL. Both are fixed linear combinations of original
//! rows, so the same combination applies to F, to ∂F/∂t and, column by
//! column, to the Jacobian.
//!
//! Owns only the arithmetic of the combination and the slots it needs;
//! which rows to mix is decided by `reduce`. Must not know about devices.

use crate::device::{Builder, RowSlots, Slot, TRASH};
use std::collections::BTreeMap;

/// One rewritten row: `target` ← Σ weight · (original row).
#[derive(Debug, Clone)]
pub struct RowMix {
    target: usize,
    sources: Vec<(usize, f64)>,
    /// Per column of the new row: its slot, and the source slots with
    /// their weights.
    entries: Vec<(Slot, Vec<(Slot, f64)>)>,
}

impl RowMix {
    /// Plans the row `target` ← Σ w·row for `sources`, taking the column
    /// structure of the source rows from `stamped` (the slots the devices
    /// asked for) and allocating the new row's slots in `b`.
    pub fn new(
        b: &mut Builder,
        stamped: &RowSlots,
        target: usize,
        sources: Vec<(usize, f64)>,
    ) -> Self {
        let columns_of = |row: usize| stamped.row(row).iter().copied();
        let mut by_column: BTreeMap<usize, Vec<(Slot, f64)>> = BTreeMap::new();
        // The target row's own columns must be overwritten too, even where
        // no source row has an entry (they become zero).
        for (col, _) in columns_of(target) {
            by_column.entry(col).or_default();
        }
        for &(row, weight) in &sources {
            for (col, slot) in columns_of(row) {
                by_column.entry(col).or_default().push((slot, weight));
            }
        }
        let entries = by_column
            .into_iter()
            .map(|(col, parts)| (b.slot(target, col), parts))
            .filter(|(slot, _)| *slot != TRASH)
            .collect();
        RowMix {
            target,
            sources,
            entries,
        }
    }
}

/// Rewrites the mixed rows of an extended residual-like vector (F or
/// ∂F/∂t). Every new row is computed from the original rows before any is
/// written, because one mix's target can be another's source.
pub fn apply_rows(mixes: &[RowMix], f: &mut [f64]) {
    if mixes.is_empty() {
        return;
    }
    let new: Vec<f64> = mixes
        .iter()
        .map(|m| m.sources.iter().map(|&(row, w)| w * f[row]).sum())
        .collect();
    for (m, value) in mixes.iter().zip(new) {
        f[m.target] = value;
    }
}

/// Rewrites the mixed rows of the Jacobian slot values, with the same
/// read-all-then-write order as [`apply_rows`].
pub fn apply_jacobian(mixes: &[RowMix], jac: &mut [f64]) {
    if mixes.is_empty() {
        return;
    }
    let new: Vec<Vec<f64>> = mixes
        .iter()
        .map(|m| {
            m.entries
                .iter()
                .map(|(_, parts)| parts.iter().map(|&(s, w)| w * jac[s]).sum())
                .collect()
        })
        .collect();
    for (m, values) in mixes.iter().zip(new) {
        for ((slot, _), value) in m.entries.iter().zip(values) {
            jac[*slot] = value;
        }
    }
}
