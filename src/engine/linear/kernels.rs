//! The numeric kernels the LU runs over ranges of pivot positions: the
//! triangular solves (`Triangle`) and the refactorisation with a fixed
//! pivot sequence (`Shape`), each over whatever range `mod.rs` or the
//! two-bin plan of `split` hands them.
//!
//! Owns the arithmetic only; must not choose pivots, orderings or ranges.

use super::PIVOT_TOLERANCE;
use std::ops::Range;

/// The stored entries of L (unit diagonal) or of Ũ (unit diagonal, the
/// pivots divided out), entry by entry with their column.
pub(super) struct Triangle<'a> {
    pub(super) col: &'a [usize],
    pub(super) row: &'a [usize],
    pub(super) val: &'a [f64],
}

impl Triangle<'_> {
    /// w[i] -= l·w[k] over the L entries `range`, in order.
    pub(super) fn forward(&self, range: Range<usize>, w: &mut [f64]) {
        for ((&k, &i), &l) in self.col[range.clone()]
            .iter()
            .zip(&self.row[range.clone()])
            .zip(&self.val[range])
        {
            w[i] -= l * w[k];
        }
    }

    /// The forward pass over one bin's L entries: `w` holds the bin's rows
    /// from position `base`; rows of the top (from `top`) go to `rest`.
    pub(super) fn forward_bin(
        &self,
        range: Range<usize>,
        w: &mut [f64],
        base: usize,
        top: usize,
        rest: &mut [f64],
    ) {
        for ((&k, &i), &l) in self.col[range.clone()]
            .iter()
            .zip(&self.row[range.clone()])
            .zip(&self.val[range])
        {
            let update = l * w[k - base];
            if i < top {
                w[i - base] -= update;
            } else {
                rest[i - top] -= update;
            }
        }
    }

    /// w[k] -= u·w[j] over the Ũ entries `range`, from the last; `w`
    /// holds the rows from position `base`.
    pub(super) fn backward(&self, range: Range<usize>, w: &mut [f64], base: usize) {
        for ((&j, &k), &u) in self.col[range.clone()]
            .iter()
            .zip(&self.row[range.clone()])
            .zip(&self.val[range])
            .rev()
        {
            w[k - base] -= u * w[j - base];
        }
    }
}

/// The factor's fixed structure and the matrix values, read by the
/// refactorisation of any range of pivot positions.
pub(super) struct Shape<'a> {
    pub(super) col_perm: &'a [usize],
    pub(super) col_ptr: &'a [usize],
    pub(super) entry_pivot_row: &'a [usize],
    pub(super) l_ptr: &'a [usize],
    pub(super) l_idx: &'a [usize],
    pub(super) u_ptr: &'a [usize],
    pub(super) u_idx: &'a [usize],
    pub(super) values: &'a [f64],
}

/// The factor values a range of pivot positions writes: its L and U
/// entries and its pivots, from the range's first position on.
pub(super) struct Own<'a> {
    pub(super) l_val: &'a mut [f64],
    pub(super) u_val: &'a mut [f64],
    pub(super) diag: &'a mut [f64],
}

impl<'a> Own<'a> {
    pub(super) fn new(l_val: &'a mut [f64], u_val: &'a mut [f64], diag: &'a mut [f64]) -> Self {
        Own { l_val, u_val, diag }
    }
}

impl Shape<'_> {
    /// Refactors pivot positions `range` into `own`; the L columns they
    /// read below the range are in `before` (every column from position 0).
    /// False, with `x` cleared, on a pivot below `PIVOT_TOLERANCE`.
    pub(super) fn refactor(
        &self,
        range: Range<usize>,
        before: &[f64],
        own: Own,
        x: &mut [f64],
    ) -> bool {
        let (l_base, u_base, d_base) = (
            self.l_ptr[range.start],
            self.u_ptr[range.start],
            range.start,
        );
        for j in range.clone() {
            let c = self.col_perm[j];
            let entries = self.col_ptr[c]..self.col_ptr[c + 1];
            for (&r, &v) in self.entry_pivot_row[entries.clone()]
                .iter()
                .zip(&self.values[entries])
            {
                x[r] += v;
            }
            let upper = self.u_ptr[j]..self.u_ptr[j + 1];
            for (e, &k) in upper.clone().zip(&self.u_idx[upper]) {
                let xk = x[k];
                x[k] = 0.0;
                own.u_val[e - u_base] = xk;
                if xk != 0.0 {
                    let column = self.l_ptr[k]..self.l_ptr[k + 1];
                    let l_k = if k >= range.start {
                        &own.l_val[column.start - l_base..column.end - l_base]
                    } else {
                        &before[column.clone()]
                    };
                    for (&i, &l) in self.l_idx[column].iter().zip(l_k) {
                        x[i] -= l * xk;
                    }
                }
            }
            let pivot = x[j];
            x[j] = 0.0;
            let lower = self.l_ptr[j]..self.l_ptr[j + 1];
            let rows = &self.l_idx[lower.clone()];
            let largest = rows.iter().fold(0.0f64, |m, &i| m.max(x[i].abs()));
            if !(pivot.abs() >= PIVOT_TOLERANCE * largest && pivot != 0.0 && pivot.is_finite()) {
                for &i in rows {
                    x[i] = 0.0;
                }
                return false;
            }
            let inverse = 1.0 / pivot;
            let l_j = &mut own.l_val[lower.start - l_base..lower.end - l_base];
            for (&i, l) in rows.iter().zip(l_j) {
                *l = x[i] * inverse;
                x[i] = 0.0;
            }
            own.diag[j - d_base] = pivot;
        }
        true
    }
}
