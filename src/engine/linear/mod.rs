//! Sparse LU of the iteration matrices (M/(hγ) − J, Newton matrices) with
//! the ordering computed once per model and the factor structure reused
//! from one factorisation to the next.
//!
//! The columns are ordered once by approximate minimum degree on the
//! pattern of A + Aᵀ (faer's AMD): circuit matrices are nearly
//! structurally symmetric, and a star of rows on one backbone then
//! factors with almost no fill. Two numeric paths share one set of
//! factors:
//! - a *pivoting* factorisation (left-looking Gilbert–Peierls LU with
//!   threshold partial pivoting that keeps the diagonal whenever it is at
//!   least `DIAGONAL_PREFERENCE` times the largest candidate, so that the
//!   row order follows the fill-reducing column order), which fixes the
//!   pivot sequence and the structure of L and U;
//! - a *refactorisation* that keeps that pivot sequence and structure and
//!   only recomputes the values: no graph search, no allocation. A pivot
//!   smaller than `PIVOT_TOLERANCE` times the largest candidate in its
//!   column sends the matrix back to the pivoting path.
//!
//! The iteration matrices of one model keep their pattern, and their
//! values change smoothly from step to step, so nearly every
//! factorisation is a refactorisation.
//!
//! Owns the sparse LU; nothing else in the engine touches faer's sparse
//! routines.

mod kernels;
mod split;

use kernels::{Own, Shape, Triangle};

use crate::compile::Pattern;
use crate::halves::{all_in_halves, in_halves};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::sparse::linalg::amd;
use faer::sparse::SymbolicSparseColMatRef;

/// A refactorisation keeps a pivot only if it is at least this fraction of
/// the largest entry it is chosen among (the multipliers in L then stay
/// below 1/PIVOT_TOLERANCE in magnitude).
const PIVOT_TOLERANCE: f64 = 1e-3;

/// The pivoting factorisation takes the diagonal entry as pivot when it is
/// at least this fraction of the largest candidate (KLU's default).
const DIAGONAL_PREFERENCE: f64 = 0.01;

/// No row chosen yet.
const NONE: usize = usize::MAX;

/// Why a linear solve failed.
#[derive(Debug, thiserror::Error)]
pub enum LinearError {
    #[error("sparse LU analysis failed: {0}")]
    Analysis(String),
    #[error("the matrix is singular (no pivot for column {column})")]
    Singular { column: usize },
    #[error("the solution contains non-finite values")]
    NonFinite,
}

/// How often each numeric path ran.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LuCounters {
    /// Factorisations with partial pivoting (new pivot sequence).
    pub pivoting: u64,
    /// Refactorisations on the previous pivot sequence.
    pub refactorisations: u64,
}

/// A reusable sparse LU for one fixed pattern.
pub struct SparseLu {
    n: usize,
    /// The matrix pattern (compressed columns).
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    /// Pivot step j eliminates matrix column `col_perm[j]`; its preferred
    /// pivot row is the row of the same index (the diagonal).
    col_perm: Vec<usize>,
    /// Matrix column → its pivot step (the inverse of `col_perm`).
    col_step: Vec<usize>,
    /// Matrix row → pivot position.
    row_perm_inv: Vec<usize>,
    /// Pivot position → matrix row (the inverse of `row_perm_inv`), so
    /// that the solves gather, which splits into halves, instead of
    /// scattering.
    row_perm: Vec<usize>,
    /// Per stored matrix entry: the pivot position of its row.
    entry_pivot_row: Vec<usize>,
    /// Unit lower factor without its diagonal, by columns, rows in pivot
    /// numbering.
    l_ptr: Vec<usize>,
    l_idx: Vec<usize>,
    l_val: Vec<f64>,
    /// Upper factor without its diagonal, by columns, rows ascending.
    u_ptr: Vec<usize>,
    u_idx: Vec<usize>,
    u_val: Vec<f64>,
    diag: Vec<f64>,
    /// For the solves, entry by entry: the column of each L and U entry,
    /// U's entries divided by their column's pivot, and 1 / pivot.
    l_col: Vec<usize>,
    u_col: Vec<usize>,
    u_scaled: Vec<f64>,
    inverse_diag: Vec<f64>,
    /// Dense work column, all zero between calls.
    work: Vec<f64>,
    /// Work arrays of the pivoting path's depth-first search.
    reach: Vec<usize>,
    stack: Vec<usize>,
    stack_pos: Vec<usize>,
    visited: Vec<usize>,
    /// The two independent bins and the top of large factors (see
    /// `split`); `b == 0` when the factor is one piece.
    split: split::Split,
    /// Bin B's dense work column, and each bin's updates to the top's
    /// rows during the forward solve: all zero between calls.
    work_b: Vec<f64>,
    rest_a: Vec<f64>,
    rest_b: Vec<f64>,
    /// A pivot sequence exists that refactorisation can reuse.
    planned: bool,
    factored: bool,
    pub counters: LuCounters,
}

impl std::fmt::Debug for SparseLu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SparseLu(n = {}, nnz = {}, nnz(L + U) = {})",
            self.n,
            self.row_idx.len(),
            self.factor_nonzeros()
        )
    }
}

impl SparseLu {
    /// Symbolic analysis: the fill-reducing order.
    pub fn new(pattern: &Pattern) -> Result<Self, LinearError> {
        let n = pattern.n;
        let col_ptr = pattern.col_ptr.clone();
        let row_idx = pattern.row_idx.clone();
        let sym = SymbolicSparseColMatRef::new_checked(n, n, &col_ptr, None, &row_idx);
        let mut col_perm = vec![0usize; n];
        let mut col_perm_inv = vec![0usize; n];
        let mut buffer =
            MemBuffer::try_new(amd::order_maybe_unsorted_scratch::<usize>(n, row_idx.len()))
                .map_err(|e| LinearError::Analysis(format!("{e:?}")))?;
        amd::order_maybe_unsorted(
            &mut col_perm,
            &mut col_perm_inv,
            sym,
            amd::Control::default(),
            MemStack::new(&mut buffer),
        )
        .map_err(|e| LinearError::Analysis(format!("{e:?}")))?;
        let mut col_step = vec![0usize; n];
        for (j, &c) in col_perm.iter().enumerate() {
            col_step[c] = j;
        }
        Ok(SparseLu {
            n,
            entry_pivot_row: vec![0; row_idx.len()],
            col_ptr,
            row_idx,
            col_perm,
            col_step,
            row_perm_inv: vec![0; n],
            row_perm: vec![0; n],
            l_ptr: vec![0; n + 1],
            l_idx: Vec::new(),
            l_val: Vec::new(),
            u_ptr: vec![0; n + 1],
            u_idx: Vec::new(),
            u_val: Vec::new(),
            diag: vec![0.0; n],
            l_col: Vec::new(),
            u_col: Vec::new(),
            u_scaled: Vec::new(),
            inverse_diag: vec![0.0; n],
            work: vec![0.0; n],
            reach: vec![0; n],
            stack: vec![0; n],
            stack_pos: vec![0; n],
            visited: vec![NONE; n],
            split: split::Split::default(),
            work_b: Vec::new(),
            rest_a: Vec::new(),
            rest_b: Vec::new(),
            planned: false,
            factored: false,
            counters: LuCounters::default(),
        })
    }

    /// Numeric factorisation of the matrix with entry values `values`
    /// (in pattern order): a refactorisation on the last pivot sequence
    /// when its pivots stay large enough, else a pivoting factorisation.
    pub fn factor(&mut self, values: &[f64]) -> Result<(), LinearError> {
        debug_assert_eq!(values.len(), self.row_idx.len());
        self.factored = false;
        if self.planned && self.refactor(values) {
            self.counters.refactorisations += 1;
        } else {
            self.factor_pivoting(values)?;
            self.counters.pivoting += 1;
        }
        let diag = &self.diag;
        in_halves(&mut self.inverse_diag, |from, part| {
            for (d, &p) in part.iter_mut().zip(&diag[from..]) {
                *d = 1.0 / p;
            }
        });
        let (u_val, u_col, inverse_diag) = (&self.u_val, &self.u_col, &self.inverse_diag);
        in_halves(&mut self.u_scaled, |from, part| {
            for ((s, &u), &j) in part.iter_mut().zip(&u_val[from..]).zip(&u_col[from..]) {
                *s = u * inverse_diag[j];
            }
        });
        self.factored = true;
        Ok(())
    }

    /// Stored entries of L and U (diagonal included once).
    pub fn factor_nonzeros(&self) -> usize {
        self.l_idx.len() + self.u_idx.len() + self.n
    }

    /// Recomputes the factor values on the current pivot sequence; false
    /// (with the work columns cleared) if a pivot is too small. A split
    /// factor refactors its two bins at once, then the top.
    fn refactor(&mut self, values: &[f64]) -> bool {
        let split::Split { a, b } = self.split;
        let shape = Shape {
            col_perm: &self.col_perm,
            col_ptr: &self.col_ptr,
            entry_pivot_row: &self.entry_pivot_row,
            l_ptr: &self.l_ptr,
            l_idx: &self.l_idx,
            u_ptr: &self.u_ptr,
            u_idx: &self.u_idx,
            values,
        };
        let (l_bins, l_top) = self.l_val.split_at_mut(self.l_ptr[b]);
        let (u_bins, u_top) = self.u_val.split_at_mut(self.u_ptr[b]);
        let (d_bins, d_top) = self.diag.split_at_mut(b);
        if b > 0 {
            let (l_a, l_b) = l_bins.split_at_mut(self.l_ptr[a]);
            let (u_a, u_b) = u_bins.split_at_mut(self.u_ptr[a]);
            let (d_a, d_b) = d_bins.split_at_mut(a);
            let (x_a, x_b) = (&mut self.work, &mut self.work_b);
            let (ok_a, ok_b) = rayon::join(
                || shape.refactor(0..a, &[], Own::new(l_a, u_a, d_a), x_a),
                || shape.refactor(a..b, &[], Own::new(l_b, u_b, d_b), x_b),
            );
            if !(ok_a && ok_b) {
                return false;
            }
        }
        let own = Own::new(l_top, u_top, d_top);
        shape.refactor(b..self.n, l_bins, own, &mut self.work)
    }

    /// Factorisation with threshold partial pivoting; sets the pivot
    /// sequence and the structure that later refactorisations reuse.
    ///
    /// Left-looking (Gilbert–Peierls): column j of L and U solves
    /// L·x = A(:, q_j) over the rows reachable from that column's pattern
    /// through the columns of L computed so far. While it runs, rows are
    /// matrix rows and `row_perm_inv` marks the rows already pivoted.
    fn factor_pivoting(&mut self, values: &[f64]) -> Result<(), LinearError> {
        self.planned = false;
        let n = self.n;
        self.row_perm_inv.fill(NONE);
        self.visited.fill(NONE);
        self.l_idx.clear();
        self.l_val.clear();
        self.u_idx.clear();
        self.u_val.clear();
        let mut column: Vec<(usize, f64)> = Vec::new();
        for j in 0..n {
            self.l_ptr[j] = self.l_idx.len();
            self.u_ptr[j] = self.u_idx.len();
            let c = self.col_perm[j];
            let entries = self.col_ptr[c]..self.col_ptr[c + 1];
            let top = self.reach(j, entries.clone());
            let x = &mut self.work;
            for &r in &self.reach[top..] {
                x[r] = 0.0;
            }
            for (&r, &v) in self.row_idx[entries.clone()].iter().zip(&values[entries]) {
                x[r] += v;
            }
            // Triangular solve in topological order.
            for &r in &self.reach[top..] {
                let k = self.row_perm_inv[r];
                if k == NONE {
                    continue;
                }
                let xr = x[r];
                if xr != 0.0 {
                    let lower = self.l_ptr[k]..self.l_ptr[k + 1];
                    for (&i, &l) in self.l_idx[lower.clone()].iter().zip(&self.l_val[lower]) {
                        x[i] -= l * xr;
                    }
                }
            }
            // Pivot: the diagonal if large enough, else the largest.
            let mut largest = (NONE, -1.0f64);
            let mut diagonal = None;
            for &r in &self.reach[top..] {
                if self.row_perm_inv[r] != NONE {
                    continue;
                }
                let a = x[r].abs();
                if a > largest.1 {
                    largest = (r, a);
                }
                if r == c {
                    diagonal = Some(a);
                }
            }
            let pivot_row = match diagonal {
                Some(d) if d > 0.0 && d >= DIAGONAL_PREFERENCE * largest.1 => c,
                _ => largest.0,
            };
            let pivot = if pivot_row == NONE { 0.0 } else { x[pivot_row] };
            if pivot == 0.0 || !pivot.is_finite() {
                for &r in &self.reach[top..] {
                    x[r] = 0.0;
                }
                return Err(LinearError::Singular { column: c });
            }
            self.row_perm_inv[pivot_row] = j;
            self.diag[j] = pivot;
            column.clear();
            for &r in &self.reach[top..] {
                if r != pivot_row {
                    match self.row_perm_inv[r] {
                        NONE => {
                            self.l_idx.push(r);
                            self.l_val.push(x[r] / pivot);
                        }
                        k => column.push((k, x[r])),
                    }
                }
                x[r] = 0.0;
            }
            column.sort_unstable_by_key(|&(k, _)| k);
            for &(k, u) in &column {
                self.u_idx.push(k);
                self.u_val.push(u);
            }
        }
        self.l_ptr[n] = self.l_idx.len();
        self.u_ptr[n] = self.u_idx.len();
        // From matrix rows to pivot positions.
        for r in &mut self.l_idx {
            *r = self.row_perm_inv[*r];
        }
        for (p, &r) in self.entry_pivot_row.iter_mut().zip(&self.row_idx) {
            *p = self.row_perm_inv[r];
        }
        self.index_columns();
        self.plan_split();
        // The split renumbers the pivots: the inverses follow it.
        for (r, &p) in self.row_perm_inv.iter().enumerate() {
            self.row_perm[p] = r;
        }
        for (j, &c) in self.col_perm.iter().enumerate() {
            self.col_step[c] = j;
        }
        self.planned = true;
        Ok(())
    }

    /// The column of every stored L and U entry, for the solves.
    fn index_columns(&mut self) {
        self.l_col.clear();
        self.u_col.clear();
        for j in 0..self.n {
            self.l_col
                .extend(std::iter::repeat_n(j, self.l_ptr[j + 1] - self.l_ptr[j]));
            self.u_col
                .extend(std::iter::repeat_n(j, self.u_ptr[j + 1] - self.u_ptr[j]));
        }
        self.u_scaled.resize(self.u_val.len(), 0.0);
    }

    /// The rows reachable from the pattern of matrix entries `entries`
    /// through the L columns of pivoted rows, in topological order in
    /// `reach[top..]`; returns `top`. Iterative depth-first search.
    fn reach(&mut self, j: usize, entries: std::ops::Range<usize>) -> usize {
        let mut top = self.n;
        for &start in &self.row_idx[entries] {
            if self.visited[start] == j {
                continue;
            }
            let mut head = 0;
            self.stack[0] = start;
            self.visited[start] = j;
            self.stack_pos[0] = match self.row_perm_inv[start] {
                NONE => 0,
                k => self.l_ptr[k],
            };
            loop {
                let r = self.stack[head];
                let end = match self.row_perm_inv[r] {
                    NONE => 0,
                    k => self.l_ptr[k + 1],
                };
                let mut next = None;
                while self.stack_pos[head] < end {
                    let i = self.l_idx[self.stack_pos[head]];
                    self.stack_pos[head] += 1;
                    if self.visited[i] != j {
                        next = Some(i);
                        break;
                    }
                }
                match next {
                    Some(i) => {
                        self.visited[i] = j;
                        head += 1;
                        self.stack[head] = i;
                        self.stack_pos[head] = match self.row_perm_inv[i] {
                            NONE => 0,
                            k => self.l_ptr[k],
                        };
                    }
                    None => {
                        top -= 1;
                        self.reach[top] = r;
                        if head == 0 {
                            break;
                        }
                        head -= 1;
                    }
                }
            }
        }
        top
    }

    /// Solves in place with the last factorisation. A split factor runs
    /// its two bins at once: forward after them the top, backward before.
    pub fn solve(&mut self, rhs: &mut [f64]) -> Result<(), LinearError> {
        debug_assert!(self.factored);
        let n = self.n;
        let split::Split { a, b } = self.split;
        let w = &mut self.work[..n];
        let row_perm = &self.row_perm;
        in_halves(w, |from, part| {
            for (wp, &r) in part.iter_mut().zip(&row_perm[from..]) {
                *wp = rhs[r];
            }
        });
        let lower = Triangle {
            col: &self.l_col,
            row: &self.l_idx,
            val: &self.l_val,
        };
        let upper = Triangle {
            col: &self.u_col,
            row: &self.u_idx,
            val: &self.u_scaled,
        };
        let (l_a, l_b) = (self.l_ptr[a], self.l_ptr[b]);
        let (u_a, u_b) = (self.u_ptr[a], self.u_ptr[b]);
        if b > 0 {
            let (w_bins, w_top) = w.split_at_mut(b);
            let (w_a, w_b) = w_bins.split_at_mut(a);
            let (rest_a, rest_b) = (&mut self.rest_a, &mut self.rest_b);
            rayon::join(
                || lower.forward_bin(0..l_a, w_a, 0, b, rest_a),
                || lower.forward_bin(l_a..l_b, w_b, a, b, rest_b),
            );
            // Each bin's updates to the top, bin A's first.
            for ((t, ra), rb) in w_top
                .iter_mut()
                .zip(rest_a.iter_mut())
                .zip(rest_b.iter_mut())
            {
                *t += *ra;
                *t += *rb;
                (*ra, *rb) = (0.0, 0.0);
            }
        }
        // L·v = P·b, L unit lower triangular: entries in column order, so
        // each w[k] is final before its column is applied.
        lower.forward(l_b..lower.col.len(), w);
        // U·z = v with U = Ũ·D (Ũ unit upper): columns from the last, then
        // z = D⁻¹·w, and x = Q·z.
        upper.backward(u_b..upper.col.len(), w, 0);
        if b > 0 {
            let (w_a, w_b) = w[..b].split_at_mut(a);
            rayon::join(
                || upper.backward(0..u_a, w_a, 0),
                || upper.backward(u_a..u_b, w_b, a),
            );
        }
        let (col_step, inverse_diag) = (&self.col_step, &self.inverse_diag);
        let solved: &[f64] = w;
        in_halves(&mut rhs[..n], |from, part| {
            for (x, &j) in part.iter_mut().zip(&col_step[from..]) {
                *x = solved[j] * inverse_diag[j];
            }
        });
        in_halves(w, |_, part| part.fill(0.0));
        if all_in_halves(rhs, f64::is_finite) {
            Ok(())
        } else {
            Err(LinearError::NonFinite)
        }
    }
}

#[cfg(test)]
mod tests;
