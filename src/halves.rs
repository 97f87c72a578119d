//! Element-wise passes over long vectors in two halves at once.
//!
//! Owns only the split. Every entry is computed by the same operations in
//! the same order whichever half it falls in, and the cut depends only on
//! the length, so the bytes out do not depend on the number of threads.
//! Must not be used for reductions (a sum over the halves would change the
//! order of its additions).

/// Vectors from this many entries are split: below it, a pass takes a few
/// microseconds, about what a `rayon::join` costs.
pub(crate) const PARALLEL_ENTRIES: usize = 16_384;

/// Runs `f(first index, entries)` over `v` in one piece, or in two halves
/// at once for long vectors.
pub(crate) fn in_halves<T: Send>(v: &mut [T], f: impl Fn(usize, &mut [T]) + Sync) {
    if v.len() < PARALLEL_ENTRIES {
        f(0, v);
    } else {
        let half = v.len() / 2;
        let (low, high) = v.split_at_mut(half);
        rayon::join(|| f(0, low), || f(half, high));
    }
}

/// Whether `test` holds for every entry of `v`, the halves of a long
/// vector tested at once.
pub(crate) fn all_in_halves(v: &[f64], test: impl Fn(f64) -> bool + Sync) -> bool {
    if v.len() < PARALLEL_ENTRIES {
        return v.iter().all(|&x| test(x));
    }
    let (low, high) = v.split_at(v.len() / 2);
    let (a, b) = rayon::join(
        || low.iter().all(|&x| test(x)),
        || high.iter().all(|&x| test(x)),
    );
    a && b
}
