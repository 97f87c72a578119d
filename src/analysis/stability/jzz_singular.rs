//! Which algebraic unknown a singular J_zz leaves undetermined, so that
//! the error of a linearisation names a place instead of a solver's
//! internal pivot number.
//!
//! The unknown is read off the null vector of J_zz: the right singular
//! vector of its smallest singular value, after each row is scaled to a
//! largest entry of 1 (which leaves the null space as it is but keeps an
//! equation written in kiloamps from outweighing one in millivolts). The
//! unknown with the largest component there is the one the algebraic
//! equations fail to fix. A dense SVD costs O(n³), so only blocks of up to
//! [`MAX_DIAGNOSED`] unknowns are diagnosed; this runs on the error path
//! only.
//!
//! Owns that diagnosis. Must not build J_zz nor decide the message's
//! wording beyond the cause and the fix.

use faer::sparse::Triplet;
use faer::Mat;

/// Largest J_zz diagnosed (a dense SVD of 1500² takes about a second).
const MAX_DIAGNOSED: usize = 1500;

/// The position in z of the unknown J_zz's null vector loads most, if
/// the block is small enough to decompose.
pub(super) fn undetermined(zz: &[Triplet<usize, usize, f64>], nz: usize) -> Option<usize> {
    if nz == 0 || nz > MAX_DIAGNOSED {
        return None;
    }
    let mut m = Mat::<f64>::zeros(nz, nz);
    for t in zz {
        m[(t.row, t.col)] += t.val;
    }
    for r in 0..nz {
        let largest = (0..nz).map(|c| m[(r, c)].abs()).fold(0.0, f64::max);
        if largest.is_finite() && largest > 0.0 {
            for c in 0..nz {
                m[(r, c)] /= largest;
            }
        }
    }
    let svd = m.svd().ok()?;
    let s = svd.S().column_vector();
    let smallest = (0..nz).min_by(|&a, &b| s[a].total_cmp(&s[b]))?;
    let v = svd.V();
    (0..nz)
        .filter(|&i| v[(i, smallest)].is_finite())
        .max_by(|&a, &b| v[(a, smallest)].abs().total_cmp(&v[(b, smallest)].abs()))
}

/// The message for a singular J_zz, naming `who` (the undetermined
/// unknown and its component, when known).
pub(super) fn message(who: Option<String>, numerically: bool) -> String {
    let what = if numerically {
        "the algebraic block J_zz is numerically singular at the operating point"
    } else {
        "the algebraic block J_zz is singular at the operating point"
    };
    match who {
        Some(who) => format!(
            "{what}: {who} is not fixed by the algebraic equations there; a node held only \
             by current sources, loads or open switches has no defined voltage (give it a \
             resistive path, such as a resistor or a capacitor's ESR, to the rest of the \
             circuit), and values that span many decades around it can cancel to rounding"
        ),
        None => format!(
            "{what}: some node has no defined voltage (held only by current sources, loads \
             or open switches), or values span too many decades to be told apart"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(row: usize, col: usize, val: f64) -> Triplet<usize, usize, f64> {
        Triplet::new(row, col, val)
    }

    #[test]
    fn an_unknown_in_no_equation_is_the_one_named() {
        // z1 appears in no equation: its column is empty.
        let zz = [t(0, 0, 2.0), t(1, 2, 1e3), t(2, 2, -1e3), t(2, 0, 1.0)];
        assert_eq!(undetermined(&zz, 3), Some(1));
    }

    #[test]
    fn two_equations_that_fix_only_a_difference_name_one_of_the_pair() {
        // Rows 1 and 2 both say z1 − z2 = …, in units a thousand apart:
        // only the difference is fixed, so the null vector is (0, 1, 1)/√2.
        let zz = [
            t(0, 0, 1.0),
            t(1, 1, 1e-3),
            t(1, 2, -1e-3),
            t(2, 1, 1e3),
            t(2, 2, -1e3),
        ];
        let k = undetermined(&zz, 3).expect("diagnosed");
        assert!(k == 1 || k == 2, "{k}");
    }

    #[test]
    fn messages_give_a_cause_and_a_fix() {
        let m = message(Some("the voltage of node `n3`".into()), false);
        assert!(
            m.contains("node `n3`") && m.contains("resistive path"),
            "{m}"
        );
        let m = message(None, true);
        assert!(
            m.contains("numerically singular") && m.contains("decades"),
            "{m}"
        );
    }
}
