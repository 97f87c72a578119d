//! Sparse LU of the iteration matrices (M/(hγ) − J, Newton matrices) with
//! the symbolic analysis done once per model and the numeric factorisation
//! and workspace reused at every step.
//!
//! Owns the faer calls; nothing else in the crate touches faer's sparse LU.

use crate::compile::Pattern;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::lu::partial_pivoting::factor::PartialPivLuParams;
use faer::sparse::linalg::lu::{factorize_symbolic_lu, NumericLu, SymbolicLu};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par, Spec};

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

/// A reusable sparse LU for one fixed pattern.
pub struct SparseLu {
    n: usize,
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    symbolic: SymbolicLu<usize>,
    numeric: NumericLu<usize, f64>,
    factor_buffer: MemBuffer,
    solve_buffer: MemBuffer,
    factored: bool,
}

impl std::fmt::Debug for SparseLu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SparseLu(n = {}, nnz = {})", self.n, self.row_idx.len())
    }
}

impl SparseLu {
    /// Symbolic analysis (fill-reducing ordering, elimination structure).
    pub fn new(pattern: &Pattern) -> Result<Self, LinearError> {
        let n = pattern.n;
        let col_ptr = pattern.col_ptr.clone();
        let row_idx = pattern.row_idx.clone();
        let sym = SymbolicSparseColMatRef::new_checked(n, n, &col_ptr, None, &row_idx);
        let symbolic = factorize_symbolic_lu(sym, Default::default())
            .map_err(|e| LinearError::Analysis(format!("{e:?}")))?;
        let factor_buffer = MemBuffer::new(symbolic.factorize_numeric_lu_scratch::<f64>(
            Par::Seq,
            Spec::<PartialPivLuParams, f64>::default(),
        ));
        let solve_buffer = MemBuffer::new(symbolic.solve_in_place_scratch::<f64>(1, Par::Seq));
        Ok(SparseLu {
            n,
            col_ptr,
            row_idx,
            symbolic,
            numeric: NumericLu::new(),
            factor_buffer,
            solve_buffer,
            factored: false,
        })
    }

    /// Numeric factorisation of the matrix with entry values `values`
    /// (in pattern order).
    pub fn factor(&mut self, values: &[f64]) -> Result<(), LinearError> {
        self.factored = false;
        let sym = SymbolicSparseColMatRef::new_checked(
            self.n,
            self.n,
            &self.col_ptr,
            None,
            &self.row_idx,
        );
        let mat = SparseColMatRef::new(sym, values);
        let stack = MemStack::new(&mut self.factor_buffer);
        self.symbolic
            .factorize_numeric_lu(&mut self.numeric, mat, Par::Seq, stack, Default::default())
            .map_err(|e| match e {
                faer::sparse::linalg::LuError::SymbolicSingular { index } => {
                    LinearError::Singular { column: index }
                }
                other => LinearError::Analysis(format!("{other:?}")),
            })?;
        self.factored = true;
        Ok(())
    }

    /// Solves in place with the last factorisation.
    pub fn solve(&mut self, rhs: &mut [f64]) -> Result<(), LinearError> {
        debug_assert!(self.factored);
        let lu = faer::sparse::linalg::lu::LuRef::new_unchecked(&self.symbolic, &self.numeric);
        let stack = MemStack::new(&mut self.solve_buffer);
        let n = rhs.len();
        let mat = MatMut::from_column_major_slice_mut(rhs, n, 1);
        lu.solve_in_place_with_conj(Conj::No, mat, Par::Seq, stack);
        if rhs.iter().all(|v| v.is_finite()) {
            Ok(())
        } else {
            Err(LinearError::NonFinite)
        }
    }
}
