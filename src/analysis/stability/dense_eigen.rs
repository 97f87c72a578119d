//! Dense eigen-decomposition of one real block of A, through faer's
//! `evd_real` with the Schur parameters chosen here.
//!
//! **Why not `Mat::eigen()`.** faer 0.24's multishift QR sorts the window of
//! its aggressive early deflation by bubble sort, and that sort need not
//! end: with a cluster of nearly equal complex pairs, each swap of two 2×2
//! blocks re-rounds them so that the pair compares out of order again. The
//! single-value fuzzer found it on the Kyber rack with `c_bus` of 16 F: its
//! 18 identical trays give eight pairs within 3e-3 of −50 000 rad/s, and
//! the loop-gain poles (133 states) never returned. The unblocked
//! double-shift QR (`lahqr`) has no such sort and stops after a fixed
//! number of sweeps with `NoConvergence`.
//!
//! So every block takes the unblocked path. An earlier version kept the
//! multishift code above 400 states, where it is several times faster on
//! random matrices (1500 states: 1.5 s against 5.1 s, eigenvalues only),
//! but the hybrid hall's 795-state block of identical racks made that sort
//! cycle too: `busbar stability circuits/hybrid_hall.ron` never returned.
//! On the matrices busbar builds the unblocked code is not slower: the
//! 27-row hall (1 946 states, one coupled block) takes 13.7 s for all
//! modes with eigenvectors, against 16.4 s through the multishift code.
//!
//! Owns the call into faer and the layout of its real eigenvectors; must
//! not balance, split into blocks or interpret the result (`modes`).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, ComputeEigenvectors, EvdError, EvdParams};
use faer::{c64, Auto, Mat, MatRef};

/// Eigenvalues, right eigenvectors X and left eigenvectors Y.
pub type Decomposition = (Vec<c64>, Mat<f64>, Mat<f64>);

/// Eigenvalues with right and left eigenvectors in faer's real layout: a
/// real eigenvalue's vector in its own column; a complex pair λ_j,
/// λ_{j+1} = conj(λ_j) as the real and imaginary parts of λ_j's vector in
/// columns j and j + 1 (see [`Columns`]). Kept real: the complex matrices
/// would double the memory of the largest blocks.
///
/// The left vectors come from the Schur form, like the right ones, and not
/// as the rows of X⁻¹: identical units give nearly parallel columns of X,
/// and the inverse of that nearly singular basis spoils every row of it,
/// also those of well-separated modes (on the 27-row hall the least-damped
/// mode came out made by single racks instead of the backbone and the SST,
/// and five well-conditioned modes were taken for unresolved zeros).
pub fn eigen(a: MatRef<'_, f64>) -> Result<Decomposition, EvdError> {
    let n = a.nrows();
    let mut right = Mat::<f64>::zeros(n, n);
    let mut left = Mat::<f64>::zeros(n, n);
    let values = decompose(a, Some((&mut right, &mut left)))?;
    Ok((values, right, left))
}

/// Where eigenvector i lives in the real layout of [`eigen`]:
/// v_i = X[:, re] + sign·i·X[:, im] (no imaginary part for a real λ).
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    pub re: usize,
    pub im: Option<usize>,
    pub sign: f64,
}

/// The columns of every eigenvector, in the order of `values`.
pub fn columns(values: &[c64]) -> Vec<Columns> {
    let mut out = Vec::with_capacity(values.len());
    let mut j = 0;
    while j < values.len() {
        if values[j].im == 0.0 || j + 1 == values.len() {
            out.push(Columns {
                re: j,
                im: None,
                sign: 1.0,
            });
            j += 1;
        } else {
            for sign in [1.0, -1.0] {
                out.push(Columns {
                    re: j,
                    im: Some(j + 1),
                    sign,
                });
            }
            j += 2;
        }
    }
    out
}

impl Columns {
    /// Entry r of this eigenvector of the real layout `x`.
    pub fn right(&self, x: MatRef<'_, f64>, r: usize) -> c64 {
        match self.im {
            None => c64::new(x[(r, self.re)], 0.0),
            Some(im) => c64::new(x[(r, self.re)], self.sign * x[(r, im)]),
        }
    }

    /// Entry k of this left eigenvector (the row w with w·A = λ·w, not
    /// yet scaled to w·v = 1) from `y`, faer's left vectors u in the real
    /// layout: faer's u satisfies uᴴ·A = λ·uᴴ, so w = conj(u).
    pub fn left(&self, y: MatRef<'_, f64>, k: usize) -> c64 {
        match self.im {
            None => c64::new(y[(k, self.re)], 0.0),
            Some(im) => c64::new(y[(k, self.re)], -self.sign * y[(k, im)]),
        }
    }
}

/// Eigenvalues only: what counting right-half-plane poles needs.
pub fn eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<c64>, EvdError> {
    decompose(a, None)
}

/// Right and left eigenvectors, when wanted.
type Vectors<'m> = (&'m mut Mat<f64>, &'m mut Mat<f64>);

fn decompose(a: MatRef<'_, f64>, vectors: Option<Vectors<'_>>) -> Result<Vec<c64>, EvdError> {
    let n = a.nrows();
    let mut params: EvdParams = Auto::<f64>::auto();
    // The multishift code is entered only at or above this size: never.
    params.schur.blocking_threshold = usize::MAX;
    // One thread: faer's parallel QR rounds differently for each thread
    // count, and the caller parallelises over blocks and loops instead.
    let par = faer::Par::Seq;
    let want = if vectors.is_some() {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    };
    let scratch = evd::evd_scratch::<f64>(n, want, want, par, params.into());
    let mut buffer = MemBuffer::new(scratch);
    let (mut re, mut im) = (
        faer::diag::Diag::<f64>::zeros(n),
        faer::diag::Diag::<f64>::zeros(n),
    );
    let (right, left) = match vectors {
        Some((right, left)) => (Some(right.as_mut()), Some(left.as_mut())),
        None => (None, None),
    };
    evd::evd_real(
        a,
        re.as_mut(),
        im.as_mut(),
        left,
        right,
        par,
        MemStack::new(&mut buffer),
        params.into(),
    )?;
    Ok((0..n).map(|k| c64::new(re[k], im[k])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight nearly equal lightly damped pairs, weakly coupled: the
    /// cluster that made faer's deflation sort cycle.
    fn clustered_pairs(pairs: usize) -> Mat<f64> {
        let n = 2 * pairs;
        Mat::from_fn(n, n, |r, c| {
            let k = r / 2;
            let detune = 1e-3 * k as f64;
            match (r % 2, c) {
                (0, c) if c == r => -50_000.0 - detune,
                (0, c) if c == r + 1 => 1e-4 * (1.0 + k as f64),
                (1, c) if c + 1 == r => -1e-4 * (1.0 + k as f64),
                (1, c) if c == r => -50_000.0 - detune,
                (_, c) => 1e-9 * ((r * 7 + c * 3) % 5) as f64,
            }
        })
    }

    #[test]
    fn eigenvectors_satisfy_the_eigen_equation() {
        let a = clustered_pairs(8);
        let (values, x, _) = eigen(a.as_ref()).unwrap();
        let columns = columns(&values);
        for (lambda, col) in values.iter().zip(&columns) {
            let mut worst: f64 = 0.0;
            for i in 0..a.nrows() {
                let av: c64 = (0..a.ncols())
                    .map(|k| col.right(x.as_ref(), k) * a[(i, k)])
                    .sum();
                worst = worst.max((av - col.right(x.as_ref(), i) * lambda).norm());
            }
            assert!(worst <= 1e-9 * 5e4, "λ = {lambda}: residual {worst:e}");
        }
    }

    /// The left vectors, scaled to w_i·v_i = 1, are left eigenvectors and
    /// biorthogonal to the right ones: the rows of the complex V⁻¹.
    #[test]
    fn left_vectors_are_left_eigenvectors_biorthogonal_to_the_right_ones() {
        let a = clustered_pairs(6);
        let (values, x, y) = eigen(a.as_ref()).unwrap();
        let columns = columns(&values);
        assert!(values.iter().any(|v| v.im != 0.0), "pairs are exercised");
        let n = a.nrows();
        let dot = |ci: &Columns, cj: &Columns| -> c64 {
            (0..n)
                .map(|k| ci.left(y.as_ref(), k) * cj.right(x.as_ref(), k))
                .sum()
        };
        for (i, ci) in columns.iter().enumerate() {
            let scale = dot(ci, ci);
            for (j, cj) in columns.iter().enumerate() {
                let d = dot(ci, cj) / scale;
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((d - want).norm() < 1e-9, "w_{i}·v_{j} = {d}");
            }
            let w_norm: f64 = (0..n).map(|k| ci.left(y.as_ref(), k).norm_sqr()).sum();
            for c in 0..n {
                let wa: c64 = (0..n).map(|k| ci.left(y.as_ref(), k) * a[(k, c)]).sum();
                let lw = ci.left(y.as_ref(), c) * values[i];
                assert!(
                    (wa - lw).norm() <= 1e-9 * 5e4 * w_norm.sqrt(),
                    "w_{i}·A ≠ λ·w_{i}"
                );
            }
        }
    }

    #[test]
    fn eigenvalues_match_the_trace() {
        let a = clustered_pairs(8);
        let values = eigenvalues(a.as_ref()).unwrap();
        let trace: f64 = (0..a.nrows()).map(|k| a[(k, k)]).sum();
        let sum: c64 = values.iter().sum();
        assert!(
            (sum.re - trace).abs() <= 1e-12 * trace.abs(),
            "{sum} vs {trace}"
        );
        assert!(sum.im.abs() <= 1e-9, "{sum}");
    }
}
