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
//! Owns the call into faer only; must not balance, split into blocks or
//! interpret the result (`modes`).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, ComputeEigenvectors, EvdError, EvdParams};
use faer::{c64, Auto, Mat, MatRef};

/// Eigenvalues and right eigenvectors (columns of the returned matrix,
/// complex pairs as conjugate columns, in faer's order).
pub fn eigen(a: MatRef<'_, f64>) -> Result<(Vec<c64>, Mat<c64>), EvdError> {
    let n = a.nrows();
    let mut vectors = Mat::<f64>::zeros(n, n);
    let values = decompose(a, Some(&mut vectors))?;
    let mut complex = Mat::<c64>::zeros(n, n);
    let mut j = 0;
    while j < n {
        if values[j].im == 0.0 {
            for i in 0..n {
                complex[(i, j)] = c64::new(vectors[(i, j)], 0.0);
            }
            j += 1;
        } else {
            // A pair λ, λ̄ is stored as the real and imaginary parts of λ's
            // eigenvector in columns j and j + 1.
            for i in 0..n {
                let (re, im) = (vectors[(i, j)], vectors[(i, j + 1)]);
                complex[(i, j)] = c64::new(re, im);
                complex[(i, j + 1)] = c64::new(re, -im);
            }
            j += 2;
        }
    }
    Ok((values, complex))
}

/// Eigenvalues only: what counting right-half-plane poles needs.
pub fn eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<c64>, EvdError> {
    decompose(a, None)
}

fn decompose(a: MatRef<'_, f64>, vectors: Option<&mut Mat<f64>>) -> Result<Vec<c64>, EvdError> {
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
    let scratch = evd::evd_scratch::<f64>(n, ComputeEigenvectors::No, want, par, params.into());
    let mut buffer = MemBuffer::new(scratch);
    let (mut re, mut im) = (
        faer::diag::Diag::<f64>::zeros(n),
        faer::diag::Diag::<f64>::zeros(n),
    );
    evd::evd_real(
        a,
        re.as_mut(),
        im.as_mut(),
        None,
        vectors.map(|v| v.as_mut()),
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
        let (values, v) = eigen(a.as_ref()).unwrap();
        for (j, lambda) in values.iter().enumerate() {
            let mut worst: f64 = 0.0;
            for i in 0..a.nrows() {
                let av: c64 = (0..a.ncols()).map(|k| v[(k, j)] * a[(i, k)]).sum();
                worst = worst.max((av - v[(i, j)] * lambda).norm());
            }
            assert!(worst <= 1e-9 * 5e4, "λ = {lambda}: residual {worst:e}");
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
