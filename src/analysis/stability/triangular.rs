//! States that sit alone in a 1×1 diagonal block of A's block-triangular
//! form, found without forming that form.
//!
//! A state whose column of A is zero off the diagonal feeds nothing back
//! (a battery's charge in standby); a state whose row is zero off the
//! diagonal is driven by nothing (a filter on a constant setpoint, a state
//! only upstream of the rest). Either way A is block-triangular with the
//! state alone in one block, so:
//!
//! - A_kk is exactly one eigenvalue, and its participation lies on state k
//!   alone: for a sink, v = e_k; for a source, w = e_k; either way
//!   p_j = v_j·w_j vanishes for j ≠ k.
//! - Every other eigenvalue is one of A with row and column k removed, and
//!   its right and left eigenvectors are those of the smaller matrix on the
//!   remaining states (the entry at k of one of them is zero, so state k
//!   does not participate and the normalisation w·v is unchanged).
//!
//! Removing a state can leave another alone, so the search repeats until
//! nothing changes. On the 27-row hall it takes 270 of the 1 946 states out
//! of the dense eigenproblem, which costs O(m³) in the block size m.
//!
//! Owns only the search; must not decompose or classify (`modes`).

use faer::Mat;

/// The states alone in a diagonal block (sinks and sources of the coupling
/// graph, repeatedly), in the order found, and the rest in index order.
pub(super) fn lone_states(a: &Mat<f64>) -> (Vec<usize>, Vec<usize>) {
    let n = a.nrows();
    // Off-diagonal couplings per state among the states not yet removed:
    // `feeds[k]` states that x_k drives (column k), `driven[k]` that drive
    // it (row k). Counters keep each pass O(n) and each removal O(n).
    let mut feeds = vec![0usize; n];
    let mut driven = vec![0usize; n];
    for c in 0..n {
        for r in 0..n {
            if r != c && a[(r, c)] != 0.0 {
                feeds[c] += 1;
                driven[r] += 1;
            }
        }
    }
    let mut removed = vec![false; n];
    let mut order = Vec::new();
    loop {
        let before = order.len();
        for k in 0..n {
            if removed[k] || (feeds[k] != 0 && driven[k] != 0) {
                continue;
            }
            removed[k] = true;
            order.push(k);
            for j in (0..n).filter(|&j| j != k && !removed[j]) {
                if a[(j, k)] != 0.0 {
                    driven[j] -= 1;
                }
                if a[(k, j)] != 0.0 {
                    feeds[j] -= 1;
                }
            }
        }
        if order.len() == before {
            break;
        }
    }
    let rest = (0..n).filter(|&k| !removed[k]).collect();
    (order, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stability::eigen_match::{assert_same_eigenvalues, dense_eigenvalues};
    use crate::analysis::stability::{modes, state_space, CircuitSource, Setup};

    /// x0 → x1 ↔ x2 → x3, x4 alone: x0 is a source, x3 a sink, x4 both;
    /// x1 and x2 drive each other and stay.
    #[test]
    fn sources_sinks_and_chains_are_lone_and_a_cycle_stays() {
        let mut a = Mat::<f64>::zeros(5, 5);
        for k in 0..5 {
            a[(k, k)] = -(k as f64) - 1.0;
        }
        a[(1, 0)] = 1.0;
        a[(2, 1)] = 1.0;
        a[(1, 2)] = 1.0;
        a[(3, 2)] = 1.0;
        let (lone, rest) = lone_states(&a);
        assert_eq!(lone, vec![0, 3, 4]);
        assert_eq!(rest, vec![1, 2]);
        // x3 drives x2 drives x1 drives x0, which is in a cycle with x4:
        // the sources come free one pass after the other, the cycle stays.
        let mut chain = Mat::<f64>::zeros(5, 5);
        for k in 0..5 {
            chain[(k, k)] = -1.0;
        }
        for k in 0..3 {
            chain[(k, k + 1)] = 1.0;
        }
        chain[(0, 4)] = 1.0;
        chain[(4, 0)] = 1.0;
        let (lone, rest) = lone_states(&chain);
        assert_eq!(lone, vec![3, 2, 1]);
        assert_eq!(rest, vec![0, 4]);
    }

    /// The shortcut against the plain dense decomposition of the whole
    /// state matrix of a hall with stagger (sources and sinks among its
    /// states): every eigenvalue found to 1e-9 relative, one for one.
    #[test]
    fn the_modes_of_a_hall_match_the_dense_eigenvalues_of_its_whole_state_matrix() {
        let circuit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/hall.ron");
        let mut setup = Setup::new(CircuitSource::read(&circuit).expect("circuit file"));
        setup.overrides.insert("n_rows".into(), 10.0);
        let bound = setup.bind().expect("bind");
        let ss = state_space(&bound.model, &bound.point, false).expect("state space");
        let (lone, _) = lone_states(&ss.a);
        assert!(!lone.is_empty(), "the hall has lone states");
        let split = modes(&ss).expect("modes");
        assert_same_eigenvalues(&split.eigenvalues(), dense_eigenvalues(&ss.a), 1e-9);
    }
}
