//! Tests of the identical-unit reduction: its eigenvalues against the
//! dense decomposition of the whole matrix, its participation against the
//! dense eigenvectors, and that no unit differing in one bit is reduced.

use super::*;
use crate::analysis::stability::eigen_match::{assert_same_eigenvalues, dense_eigenvalues};
use crate::analysis::stability::spectrum::{spectrum, Labels};
use crate::analysis::stability::{dense_eigen, modes, state_space, CircuitSource, Setup};
use faer::c64;

/// `k` units of three states (`u{i}.a`, `.b`, `.c`) with the same
/// couplings among themselves (`cross`), to a hub of two states (`h1`,
/// `h2`), plus the hub's own.
fn units_on_a_hub(k: usize, cross: f64) -> (Mat<f64>, Vec<String>) {
    let r = 3;
    let n = k * r + 2;
    let within = [[-3.0, 40.0, 0.5], [-40.0, -2.0, 7.0], [0.0, -9.0, -11.0]];
    let mut a = Mat::<f64>::zeros(n, n);
    for i in 0..k {
        for x in 0..r {
            for y in 0..r {
                a[(i * r + x, i * r + y)] = within[x][y];
                for j in (0..k).filter(|&j| j != i) {
                    a[(i * r + x, j * r + y)] = cross * (1 + x + 2 * y) as f64;
                }
            }
            // Unit → hub and hub → unit.
            a[(i * r + x, k * r)] = 0.3 * (x + 1) as f64;
            a[(k * r + 1, i * r + x)] = -0.7 / (x + 1) as f64;
        }
    }
    let h = k * r;
    a[(h, h)] = -1.0;
    a[(h, h + 1)] = 25.0;
    a[(h + 1, h)] = -25.0;
    a[(h + 1, h + 1)] = -0.5;
    let mut names: Vec<String> = (0..k)
        .flat_map(|i| ["a", "b", "c"].map(|s| format!("u{}.{s}", i + 1)))
        .collect();
    names.extend(["h1".to_string(), "h2".to_string()]);
    (a, names)
}

fn labels(names: &[String]) -> Labels<'_> {
    Labels {
        states: names.iter().map(String::as_str).collect(),
        owners: names.iter().map(String::as_str).collect(),
    }
}

/// The eigenvalues found in `a`, each as often as it occurs.
fn found_eigenvalues(a: &Mat<f64>, names: &[String]) -> (Vec<c64>, Vec<String>) {
    let found = spectrum(a, &labels(names)).expect("spectrum");
    let values = found
        .found
        .iter()
        .flat_map(|f| std::iter::repeat_n(f.lambda, f.copies))
        .collect();
    (values, found.reductions)
}

#[test]
fn identical_units_with_cross_coupling_give_the_eigenvalues_of_the_whole_matrix() {
    for cross in [0.0, 0.8] {
        let (a, names) = units_on_a_hub(5, cross);
        let group: Vec<usize> = (0..a.nrows()).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let orbit = orbit(&a, &group, &refs).expect("five identical units");
        assert_eq!(orbit.units.len(), 5);
        assert_eq!(orbit.hub, vec![15, 16]);
        assert_eq!(orbit.labels[0], "u1");
        let (values, reductions) = found_eigenvalues(&a, &names);
        assert_eq!(reductions.len(), 1, "{reductions:?}");
        assert_same_eigenvalues(&values, dense_eigenvalues(&a), 1e-12);
    }
}

#[test]
fn a_unit_that_differs_in_one_bit_or_one_coupling_is_not_reduced() {
    let (a, names) = units_on_a_hub(4, 0.8);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let group: Vec<usize> = (0..a.nrows()).collect();
    let nudged = |r: usize, c: usize| {
        let mut b = a.clone();
        b[(r, c)] = f64::from_bits(b[(r, c)].to_bits() + 1);
        b
    };
    // Within unit 3, from unit 3 to the hub, from the hub to unit 2, and
    // between units 2 and 4: each breaks the symmetry.
    for (r, c) in [(7, 8), (6, 12), (13, 4), (3, 10)] {
        let b = nudged(r, c);
        assert_eq!(orbit(&b, &group, &refs), None, "entry ({r}, {c}) nudged");
    }
    // The same names on a different coupling pattern: no orbit either.
    let mut b = a.clone();
    b[(0, 12)] = 0.0;
    assert_eq!(orbit(&b, &group, &refs), None);
}

fn hall_state_space(rows: f64) -> state_space::StateSpace {
    let circuit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/hall.ron");
    let mut setup = Setup::new(CircuitSource::read(&circuit).expect("circuit file"));
    setup.overrides.insert("n_rows".into(), rows);
    let bound = setup.bind().expect("bind");
    state_space::state_space(&bound.model, &bound.point, false).expect("state space")
}

/// The check of the shortcut: a hall of 20 identical rows, small
/// enough for the dense decomposition of its whole state matrix; every
/// eigenvalue to 1e-9 relative, one for one.
#[test]
fn the_modes_of_a_20_row_hall_match_the_dense_eigenvalues_of_its_whole_state_matrix() {
    let ss = hall_state_space(20.0);
    let found = modes(&ss).expect("modes");
    assert!(
        found.method.contains("20 identical units `row1` … `row20`"),
        "{}",
        found.method
    );
    assert_same_eigenvalues(&found.eigenvalues(), dense_eigenvalues(&ss.a), 1e-9);
}

/// The participation of every mode the dense decomposition resolves on
/// its own (no other eigenvalue within 1e-6) is the reduction's, state by
/// state, on a hall of 4 rows.
#[test]
fn participation_of_isolated_modes_matches_the_dense_eigenvectors() {
    let ss = hall_state_space(4.0);
    let n = ss.a.nrows();
    let found = spectrum(
        &ss.a,
        &Labels {
            states: ss.states.iter().map(String::as_str).collect(),
            owners: ss.owners.iter().map(String::as_str).collect(),
        },
    )
    .expect("spectrum");
    assert!(!found.reductions.is_empty(), "the rows are reduced");
    // Balanced as `spectrum` does, the vectors scaled back to A's.
    let mut balanced = ss.a.clone();
    let scale = super::super::modes::balance(&mut balanced);
    let (values, mut x, mut y) = dense_eigen::eigen(balanced.as_ref()).expect("dense");
    for c in 0..n {
        for r in 0..n {
            x[(r, c)] *= scale[r];
            y[(r, c)] /= scale[r];
        }
    }
    let columns = dense_eigen::columns(&values);
    let mut checked = 0;
    for (i, col) in columns.iter().enumerate() {
        let lambda = values[i];
        let alone = values
            .iter()
            .enumerate()
            .all(|(j, v)| j == i || (v - lambda).norm() > 1e-6 * lambda.norm());
        if !alone || lambda.im < 0.0 {
            continue;
        }
        let mut dense_p: Vec<f64> = (0..n)
            .map(|k| (col.right(x.as_ref(), k) * col.left(y.as_ref(), k)).norm())
            .collect();
        let total: f64 = dense_p.iter().sum();
        dense_p.iter_mut().for_each(|p| *p /= total);
        let f = found
            .found
            .iter()
            .min_by(|a, b| {
                (a.lambda - lambda)
                    .norm()
                    .total_cmp(&(b.lambda - lambda).norm())
            })
            .expect("modes");
        assert_eq!(f.copies, 1, "λ = {lambda} is not repeated");
        let mut p = vec![0.0; n];
        f.p.iter().for_each(|&(k, w)| p[k] += w);
        let total: f64 = p.iter().sum();
        for k in 0..n {
            let err = (p[k] / total - dense_p[k]).abs();
            assert!(err <= 1e-9, "λ = {lambda}, {}: {err:e}", ss.states[k]);
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} isolated modes");
}
