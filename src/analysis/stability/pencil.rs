//! The linearised DAE as a sparse matrix pencil: J = ∂F/∂y at the
//! operating point and the mass diagonal M, with complex sparse LU solves of
//! (s·M − J)·X = R for frequency responses.
//!
//! Owns the complex sparse factorisations of the stability analysis (the
//! engine's real LU in `engine::linear` is not touched). Must not know what
//! the right-hand sides mean.

use super::setup::OperatingPoint;
use super::StabilityError;
use crate::compile::Model;
use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::{Lu, SymbolicLu};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{c64, Mat};

/// A real n×n matrix in compressed columns (0-based, rows sorted within
/// each column, every diagonal entry stored).
#[derive(Debug, Clone)]
pub struct SparseMatrix {
    pub n: usize,
    pub col_ptr: Vec<usize>,
    pub row_idx: Vec<usize>,
    pub values: Vec<f64>,
}

impl SparseMatrix {
    /// ∂F/∂y at the point over unknowns 1..=n, stored 0-based.
    pub fn jacobian(model: &Model, point: &OperatingPoint) -> Self {
        let p = &model.pattern;
        let mut jac = vec![0.0; model.slot_count];
        model.jacobian(&point.ctx(), &point.y, &mut jac);
        SparseMatrix {
            n: p.n,
            col_ptr: p.col_ptr.clone(),
            row_idx: p.row_idx.clone(),
            values: p.slot_of_entry.iter().map(|&s| jac[s]).collect(),
        }
    }

    /// Assembles (row, col, value) entries; duplicates are summed and
    /// missing diagonals stored as zeros (the pencil writes s·m there).
    pub fn from_triplets(n: usize, entries: &[(usize, usize, f64)]) -> Self {
        let mut by_col: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for &(r, c, v) in entries {
            by_col[c].push((r, v));
        }
        for (c, col) in by_col.iter_mut().enumerate() {
            col.push((c, 0.0));
        }
        let mut col_ptr = Vec::with_capacity(n + 1);
        let mut row_idx = Vec::new();
        let mut values = Vec::new();
        col_ptr.push(0);
        for col in by_col.iter_mut() {
            col.sort_by_key(|e| e.0);
            for &(r, v) in col.iter() {
                if row_idx.len() > *col_ptr.last().unwrap_or(&0) && row_idx.last() == Some(&r) {
                    if let Some(last) = values.last_mut() {
                        *last += v;
                    }
                } else {
                    row_idx.push(r);
                    values.push(v);
                }
            }
            col_ptr.push(row_idx.len());
        }
        SparseMatrix {
            n,
            col_ptr,
            row_idx,
            values,
        }
    }

    /// Every stored entry as (row, col, value).
    pub fn triplets(&self) -> Vec<(usize, usize, f64)> {
        let mut out = Vec::with_capacity(self.values.len());
        for c in 0..self.n {
            for k in self.col_ptr[c]..self.col_ptr[c + 1] {
                out.push((self.row_idx[k], c, self.values[k]));
            }
        }
        out
    }

    /// Entries of row `r` as (col, value).
    pub fn row(&self, r: usize) -> Vec<(usize, f64)> {
        let mut out = Vec::new();
        for c in 0..self.n {
            let rows = &self.row_idx[self.col_ptr[c]..self.col_ptr[c + 1]];
            if let Ok(k) = rows.binary_search(&r) {
                out.push((c, self.values[self.col_ptr[c] + k]));
            }
        }
        out
    }

    fn diagonal_positions(&self) -> Vec<usize> {
        (0..self.n)
            .map(|c| {
                let rows = &self.row_idx[self.col_ptr[c]..self.col_ptr[c + 1]];
                // from_triplets and the compiler's pattern both store every diagonal.
                self.col_ptr[c] + rows.binary_search(&c).unwrap_or(0)
            })
            .collect()
    }
}

/// s·M − J with its symbolic LU analysed once; one numeric factorisation
/// per complex frequency.
#[derive(Debug)]
pub struct Pencil {
    j: SparseMatrix,
    /// Mass per unknown, 0-based.
    mass: Vec<f64>,
    diagonal: Vec<usize>,
    symbolic: SymbolicLu<usize>,
}

impl Pencil {
    pub fn new(j: SparseMatrix, mass: Vec<f64>) -> Result<Self, StabilityError> {
        let sym = SymbolicSparseColMatRef::new_checked(j.n, j.n, &j.col_ptr, None, &j.row_idx);
        let symbolic = SymbolicLu::try_new(sym).map_err(|e| {
            StabilityError::Singular(format!("sparse LU analysis of s·M − J failed: {e:?}"))
        })?;
        let diagonal = j.diagonal_positions();
        Ok(Pencil {
            j,
            mass,
            diagonal,
            symbolic,
        })
    }

    /// The pencil of a model at its operating point.
    pub fn of_model(model: &Model, point: &OperatingPoint) -> Result<Self, StabilityError> {
        Pencil::new(
            SparseMatrix::jacobian(model, point),
            model.mass[1..].to_vec(),
        )
    }

    pub fn n(&self) -> usize {
        self.j.n
    }

    pub fn jacobian(&self) -> &SparseMatrix {
        &self.j
    }

    /// Mass per unknown, 0-based.
    pub fn mass(&self) -> &[f64] {
        &self.mass
    }

    /// Solves (s·M − J)·X = R in place, one column per right-hand side.
    pub fn solve(&self, s: c64, rhs: &mut Mat<c64>) -> Result<(), StabilityError> {
        let lu = self.factor(s)?;
        lu.solve_in_place(rhs.as_mut());
        let finite = (0..rhs.ncols()).all(|c| {
            (0..rhs.nrows()).all(|r| rhs[(r, c)].re.is_finite() && rhs[(r, c)].im.is_finite())
        });
        if finite {
            Ok(())
        } else {
            Err(numerically_singular(s))
        }
    }

    /// The entries of s·M − J in the order of `jacobian()`'s pattern.
    pub fn values_at(&self, s: c64) -> Vec<c64> {
        let mut values: Vec<c64> = self.j.values.iter().map(|v| c64::new(-v, 0.0)).collect();
        for (i, &d) in self.diagonal.iter().enumerate() {
            values[d] += s * self.mass[i];
        }
        values
    }

    /// The sparsity pattern of s·M − J (that of J with every diagonal).
    pub fn pattern(&self) -> SymbolicSparseColMatRef<'_, usize> {
        SymbolicSparseColMatRef::new_checked(
            self.j.n,
            self.j.n,
            &self.j.col_ptr,
            None,
            &self.j.row_idx,
        )
    }

    /// The sparse LU of s·M − J, for repeated solves at one s.
    pub fn factor(&self, s: c64) -> Result<Lu<usize, c64>, StabilityError> {
        let values = self.values_at(s);
        let mat = SparseColMatRef::new(self.pattern(), &values);
        Lu::try_new_with_symbolic(self.symbolic.clone(), mat).map_err(|e| {
            StabilityError::Singular(format!(
                "s·M − J is singular at s = {:.6e}{:+.6e}j ({e:?})",
                s.re, s.im
            ))
        })
    }
}

/// The error of a solve at s that gave non-finite values.
pub(super) fn numerically_singular(s: c64) -> StabilityError {
    StabilityError::Singular(format!(
        "s·M − J is numerically singular at f = {:.6e} Hz: some node or state is not determined at that frequency (a part of the network joined to the rest only through ideal sources, or a pole exactly on the frequency axis); check the circuit with `busbar validate` and the modes with `busbar stability`",
        s.im / std::f64::consts::TAU
    ))
}
