//! Diagonal entries of (s·M − J)⁻¹ at chosen unknowns from one sparse LU:
//! the driving-point impedance of a node is the diagonal entry of the
//! inverse at that node, and a sweep over many buses needs only those
//! entries, not whole solution vectors.
//!
//! With the row-pivoted LU P·A·Q = L·U, the entry (A⁻¹)ₖₖ is entry
//! Q⁻¹(k) of U⁻¹·L⁻¹·P·eₖ. The forward solve starts at row P(k) and runs
//! only over the columns that the unit vector reaches; the backward solve
//! stops at column Q⁻¹(k), since U is upper triangular. For a network of
//! feeders and branches the factors barely fill, so each entry costs a
//! small fraction of a full solve.
//!
//! Owns these partial triangular solves. Must not know what the unknowns
//! mean; the factorisation is faer's simplicial LU with its COLAMD column
//! order, the same as `Pencil::factor` uses for such networks.

use super::pencil::{numerically_singular, Pencil};
use super::StabilityError;
use faer::c64;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::perm::PermRef;
use faer::sparse::linalg::colamd;
use faer::sparse::linalg::lu::simplicial::{
    factorize_simplicial_numeric_lu, factorize_simplicial_numeric_lu_scratch, SimplicialLu,
};
use faer::sparse::SparseColMatRef;

/// A pencil with its fill-reducing column order computed once.
pub struct InverseDiagonal<'p> {
    pencil: &'p Pencil,
    col_fwd: Vec<usize>,
    col_inv: Vec<usize>,
}

impl<'p> InverseDiagonal<'p> {
    pub fn new(pencil: &'p Pencil) -> Result<Self, StabilityError> {
        let n = pencil.n();
        let pattern = pencil.pattern();
        let (mut col_fwd, mut col_inv) = (vec![0; n], vec![0; n]);
        let scratch = colamd::order_scratch::<usize>(n, n, pattern.compute_nnz());
        let mut memory = MemBuffer::try_new(scratch).map_err(|_| out_of_memory())?;
        colamd::order(
            &mut col_fwd,
            &mut col_inv,
            pattern,
            Default::default(),
            MemStack::new(&mut memory),
        )
        .map_err(|e| {
            StabilityError::Singular(format!("column ordering of s·M − J failed: {e:?}"))
        })?;
        Ok(InverseDiagonal {
            pencil,
            col_fwd,
            col_inv,
        })
    }

    /// (s·M − J)⁻¹ₖₖ for each 0-based unknown k of `unknowns`, in order.
    pub fn at(&self, s: c64, unknowns: &[usize]) -> Result<Vec<c64>, StabilityError> {
        let n = self.pencil.n();
        let values = self.pencil.values_at(s);
        let matrix = SparseColMatRef::new(self.pencil.pattern(), &values);
        let (mut row_fwd, mut row_inv) = (vec![0; n], vec![0; n]);
        let mut lu = SimplicialLu::<usize, c64>::new();
        let scratch = factorize_simplicial_numeric_lu_scratch::<usize, c64>(n, n);
        let mut memory = MemBuffer::try_new(scratch).map_err(|_| out_of_memory())?;
        let col_perm = PermRef::new_checked(&self.col_fwd, &self.col_inv, n);
        factorize_simplicial_numeric_lu(
            &mut row_fwd,
            &mut row_inv,
            &mut lu,
            matrix,
            col_perm,
            MemStack::new(&mut memory),
        )
        .map_err(|e| {
            StabilityError::Singular(format!(
                "s·M − J is singular at s = {:.6e}{:+.6e}j ({e:?})",
                s.re, s.im
            ))
        })?;
        let mut work = vec![c64::new(0.0, 0.0); n];
        let mut out = Vec::with_capacity(unknowns.len());
        for &k in unknowns {
            let z = entry(&lu, &mut work, row_inv[k], self.col_inv[k]);
            if !(z.re.is_finite() && z.im.is_finite()) {
                return Err(numerically_singular(s));
            }
            out.push(z);
        }
        Ok(out)
    }
}

/// Entry `col` of U⁻¹·L⁻¹·e_row, with `work` all zeros on entry and on
/// return. L is unit lower triangular, U upper triangular, both in the
/// pivoted order (faer stores each column's diagonal among its entries).
fn entry(lu: &SimplicialLu<usize, c64>, work: &mut [c64], row: usize, col: usize) -> c64 {
    let zero = c64::new(0.0, 0.0);
    let (l, u) = (lu.l_factor_unsorted(), lu.u_factor_unsorted());
    let n = work.len();
    work[row] = c64::new(1.0, 0.0);
    // Forward: y = L⁻¹·e_row; entries above `row` stay zero.
    for j in row..n {
        let yj = work[j];
        if yj == zero {
            continue;
        }
        for (&i, &v) in l.row_idx_of_col_raw(j).iter().zip(l.val_of_col(j)) {
            if i > j {
                work[i] -= v * yj;
            }
        }
    }
    // Backward: U·z = y from the last column down to `col`.
    let (mut result, mut lowest) = (zero, row);
    for j in (col..n).rev() {
        let yj = work[j];
        if yj == zero {
            continue;
        }
        let (rows, vals) = (u.row_idx_of_col_raw(j), u.val_of_col(j));
        let diagonal = rows
            .iter()
            .zip(vals)
            .find(|(&i, _)| i == j)
            .map_or(zero, |(_, &v)| v);
        let zj = yj / diagonal;
        if j == col {
            result = zj;
        }
        for (&i, &v) in rows.iter().zip(vals) {
            if i < j {
                work[i] -= v * zj;
                lowest = lowest.min(i);
            }
        }
        work[j] = zero;
    }
    // The backward sweep stopped at `col`: clear what it and the forward
    // sweep left below it.
    for w in work.iter_mut().take(col).skip(lowest) {
        *w = zero;
    }
    result
}

fn out_of_memory() -> StabilityError {
    StabilityError::Singular("out of memory for the sparse LU of s·M − J".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stability::SparseMatrix;
    use faer::Mat;

    /// A nonsymmetric pencil whose algebraic rows have zero diagonals (so
    /// the LU must pivot): every diagonal entry of the inverse agrees with
    /// the matching entry of a full solve against the identity.
    #[test]
    fn matches_full_solves() {
        let n = 12;
        let mut entries = Vec::new();
        for i in 0..n {
            if i % 3 != 2 {
                entries.push((i, i, -1.0 - 0.3 * i as f64));
            }
            entries.push(((i + 1) % n, i, 0.7 + 0.05 * i as f64));
            entries.push((i, (i + 4) % n, -0.4 + 0.1 * (i % 5) as f64));
        }
        let mass: Vec<f64> = (0..n)
            .map(|i| {
                if i % 3 == 2 {
                    0.0
                } else {
                    1e-3 * (1 + i) as f64
                }
            })
            .collect();
        let pencil = Pencil::new(SparseMatrix::from_triplets(n, &entries), mass).expect("pencil");
        let diagonal = InverseDiagonal::new(&pencil).expect("ordering");
        let all: Vec<usize> = (0..n).collect();
        for s in [c64::new(0.0, 1.0), c64::new(0.0, 2e3), c64::new(-5.0, 40.0)] {
            let fast = diagonal.at(s, &all).expect("entries");
            let mut full = Mat::<c64>::identity(n, n);
            pencil.solve(s, &mut full).expect("solve");
            for k in 0..n {
                // Relative to the column's size: some diagonal entries are 0.
                let scale = (0..n).map(|r| full[(r, k)].norm()).fold(0.0, f64::max);
                let error = (fast[k] - full[(k, k)]).norm() / scale;
                assert!(
                    error < 1e-12,
                    "s = {s}, k = {k}: {} vs {}",
                    fast[k],
                    full[(k, k)]
                );
            }
            // Any subset, in any order, gives the same entries.
            let picked = diagonal.at(s, &[7, 0, 11, 7]).expect("entries");
            assert_eq!(picked, vec![fast[7], fast[0], fast[11], fast[7]]);
        }
    }
}
