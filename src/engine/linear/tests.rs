//! Tests of the sparse LU: refactorisation against the pivoting path, the
//! fallback on a vanishing pivot, off-diagonal pivots of random matrices and
//! singular matrices.

use super::*;

/// A pattern with every stored entry, from a dense row-major matrix.
fn pattern(a: &[&[f64]]) -> (Pattern, Vec<f64>) {
    let n = a.len();
    let mut col_ptr = vec![0];
    let mut row_idx = Vec::new();
    let mut values = Vec::new();
    let mut diagonal = vec![0; n];
    for j in 0..n {
        for (i, row) in a.iter().enumerate() {
            if row[j] != 0.0 || i == j {
                if i == j {
                    diagonal[j] = row_idx.len();
                }
                row_idx.push(i);
                values.push(row[j]);
            }
        }
        col_ptr.push(row_idx.len());
    }
    let p = Pattern {
        n,
        col_ptr,
        row_idx,
        slot_of_entry: Vec::new(),
        diagonal,
    };
    (p, values)
}

fn residual(a: &[&[f64]], x: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(row, bi)| (row.iter().zip(x).map(|(r, x)| r * x).sum::<f64>() - bi).abs())
        .fold(0.0, f64::max)
}

#[test]
fn refactorisation_solves_like_the_pivoting_path() {
    let a: [&[f64]; 4] = [
        &[4.0, 1.0, 0.0, 0.0],
        &[1.0, 0.0, 2.0, 0.0],
        &[0.0, 3.0, 5.0, 1.0],
        &[0.0, 0.0, 1.0, 2.0],
    ];
    let (p, mut values) = pattern(&a);
    let mut lu = SparseLu::new(&p).unwrap();
    let b = [1.0, 2.0, 3.0, 4.0];
    lu.factor(&values).unwrap();
    let mut x = b;
    lu.solve(&mut x).unwrap();
    assert!(residual(&a, &x, &b) < 1e-14);
    assert_eq!(lu.counters.pivoting, 1);

    // Slightly different values on the same pattern: refactorised.
    let scaled: Vec<Vec<f64>> = a
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v * 1.1 + if *v != 0.0 { 0.01 } else { 0.0 })
                .collect()
        })
        .collect();
    let rows: Vec<&[f64]> = scaled.iter().map(|r| r.as_slice()).collect();
    let (_, v2) = pattern(&rows);
    values.copy_from_slice(&v2);
    lu.factor(&values).unwrap();
    let mut x = b;
    lu.solve(&mut x).unwrap();
    assert!(residual(&rows, &x, &b) < 1e-13);
    assert_eq!(lu.counters.refactorisations, 1);
}

#[test]
fn a_vanishing_pivot_falls_back_to_pivoting() {
    let a: [&[f64]; 2] = [&[1.0, 1e-3], &[1e-3, 1.0]];
    let (p, values) = pattern(&a);
    let mut lu = SparseLu::new(&p).unwrap();
    lu.factor(&values).unwrap();
    // Both diagonal pivots shrink far below the off-diagonal entries.
    let b: [&[f64]; 2] = [&[1e-9, 1.0], &[1.0, 1e-9]];
    let (_, v2) = pattern(&b);
    lu.factor(&v2).unwrap();
    assert_eq!(lu.counters.pivoting, 2);
    let mut x = [1.0, 2.0];
    lu.solve(&mut x).unwrap();
    assert!(residual(&b, &x, &[1.0, 2.0]) < 1e-12);
}

/// Deterministic pseudo-random numbers in [0, 1).
fn lcg(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn random_matrices_with_zero_diagonals_pivot_off_the_diagonal() {
    // Sparse, unsymmetric, every third diagonal zero (as in a source's
    // branch row), so the pivoting path must leave the diagonal; then
    // perturbed values on the same pattern, refactorised or re-pivoted.
    let n = 40;
    let mut seed = 7u64;
    for trial in 0..20 {
        let mut a = vec![vec![0.0; n]; n];
        for (i, row) in a.iter_mut().enumerate() {
            row[i] = if i % 3 == 0 {
                0.0
            } else {
                4.0 + lcg(&mut seed)
            };
            for _ in 0..3 {
                let j = (lcg(&mut seed) * n as f64) as usize;
                if j != i {
                    row[j] = 2.0 * lcg(&mut seed) - 1.0 + if i % 3 == 0 { 3.0 } else { 0.0 };
                }
            }
        }
        let rows: Vec<&[f64]> = a.iter().map(|r| r.as_slice()).collect();
        let (p, values) = pattern(&rows);
        let mut lu = SparseLu::new(&p).unwrap();
        let b: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        if lu.factor(&values).is_err() {
            continue; // structurally singular draw
        }
        let mut x = b.clone();
        lu.solve(&mut x).unwrap();
        assert!(residual(&rows, &x, &b) < 1e-10, "trial {trial}");
        let perturbed: Vec<Vec<f64>> = a
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v * (1.0 + 0.05 * lcg(&mut seed)))
                    .collect()
            })
            .collect();
        let rows: Vec<&[f64]> = perturbed.iter().map(|r| r.as_slice()).collect();
        let (_, values) = pattern(&rows);
        lu.factor(&values).unwrap();
        let mut x = b.clone();
        lu.solve(&mut x).unwrap();
        assert!(
            residual(&rows, &x, &b) < 1e-10,
            "trial {trial}, second matrix"
        );
    }
}

#[test]
fn a_singular_matrix_is_an_error() {
    let a: [&[f64]; 2] = [&[1.0, 0.0], &[0.0, 0.0]];
    let (p, values) = pattern(&a);
    let mut lu = SparseLu::new(&p).unwrap();
    assert!(lu.factor(&values).is_err());
}
