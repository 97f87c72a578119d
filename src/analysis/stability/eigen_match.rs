//! Test support: eigenvalues found by a shortcut against those of the plain
//! dense decomposition of a whole matrix, one for one.
//!
//! Owns only the comparison; used by the tests of `triangular`,
//! `symmetry` and `unit_pencil`.

use super::dense_eigen;
use faer::{c64, Mat};

/// The eigenvalues of `a` by the dense solver, balanced, read as `modes`
/// reads them: a pair within 1e-8 of the real axis is two real modes.
pub(super) fn dense_eigenvalues(a: &Mat<f64>) -> Vec<c64> {
    let mut whole = a.clone();
    super::modes::balance(&mut whole);
    dense_eigen::eigenvalues(whole.as_ref())
        .expect("dense")
        .into_iter()
        .map(|d| match d.im.abs() <= 1e-8 * d.norm() {
            true => c64::new(d.re, 0.0),
            false => d,
        })
        .collect()
}

/// Every eigenvalue of `listed` (Im λ ≥ 0; a complex one stands for its
/// conjugate too) matches one of `dense`, one for one, to `tolerance`
/// relative, and none of `dense` is left over.
pub(super) fn assert_same_eigenvalues(listed: &[c64], dense: Vec<c64>, tolerance: f64) {
    let mut unmatched = dense;
    for &l in listed {
        let pair = [Some(l), (l.im != 0.0).then(|| l.conj())];
        for lambda in pair.into_iter().flatten() {
            let (k, err) = unmatched
                .iter()
                .map(|d| (d - lambda).norm() / lambda.norm().max(f64::MIN_POSITIVE))
                .enumerate()
                .min_by(|x, y| x.1.total_cmp(&y.1))
                .expect("an eigenvalue left");
            assert!(
                err <= tolerance,
                "λ = {lambda}: nearest dense one {err:e} away"
            );
            unmatched.swap_remove(k);
        }
    }
    assert!(
        unmatched.is_empty(),
        "{} dense eigenvalues not found",
        unmatched.len()
    );
}
