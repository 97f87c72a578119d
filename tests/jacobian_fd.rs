//! Every bundled circuit's analytic Jacobian against central finite
//! differences of its residual, at a deterministic point near the nominal
//! bus voltages with every other unknown perturbed. A wrong entry makes
//! Newton converge linearly or stall (the operating point) and Rodas4
//! lose its order; no other test sees a single wrong derivative inside a
//! large model.

use busbar::device::{Ctx, InputValue};
use busbar::study::Study;
use std::path::{Path, PathBuf};

/// A repeatable pseudo-random sequence in [−1, 1).
fn noise(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

fn check(path: &Path) -> Vec<String> {
    let study = Study::open(Some(path), None).expect("bundled circuit opens");
    let (_, model) = study.compile().expect("bundled circuit compiles");
    let n = model.n();
    let mut seed = 7u64;
    let mut y = vec![0.0; n + 1];
    for v in y.iter_mut().skip(1) {
        *v = 10.0 * noise(&mut seed);
    }
    for (name, &i) in &model.node_index {
        if let Some(v) = model.nominal(name) {
            y[i] = v * (1.0 + 0.01 * noise(&mut seed));
        }
    }
    let inputs: Vec<InputValue> = (0..model.inputs.len())
        .map(|_| InputValue {
            value: 0.8,
            slope: 0.0,
        })
        .collect();
    let ctx = Ctx {
        t: 0.0,
        inputs: &inputs,
    };
    let mut jac = vec![0.0; model.slot_count];
    model.jacobian(&ctx, &y, &mut jac);
    let p = &model.pattern;
    let (mut fp, mut fm) = (vec![0.0; n + 1], vec![0.0; n + 1]);
    let mut bad = Vec::new();
    for col in 0..n {
        let j = col + 1;
        let h = 1e-6 * y[j].abs().max(1.0);
        let keep = y[j];
        y[j] = keep + h;
        model.eval(&ctx, &y, &mut fp);
        y[j] = keep - h;
        model.eval(&ctx, &y, &mut fm);
        y[j] = keep;
        let mut fd: Vec<f64> = (0..=n).map(|i| (fp[i] - fm[i]) / (2.0 * h)).collect();
        for e in p.col_ptr[col]..p.col_ptr[col + 1] {
            let row = p.row_idx[e] + 1;
            let analytic = jac[p.slot_of_entry[e]];
            let numeric = fd[row];
            fd[row] = 0.0;
            if (analytic - numeric).abs() > tolerance(analytic, numeric, &fp, &fm, row, h) {
                bad.push(format!(
                    "∂F[{}]/∂{} analytic {analytic:e} numeric {numeric:e}",
                    model.names[row], model.names[j]
                ));
            }
        }
        for (row, v) in fd.iter().enumerate().skip(1) {
            if v.abs() > tolerance(0.0, *v, &fp, &fm, row, h) {
                bad.push(format!(
                    "∂F[{}]/∂{} = {v:e} outside the pattern",
                    model.names[row], model.names[j]
                ));
            }
        }
    }
    bad
}

/// 1e-5 relative, plus the rounding error of the difference quotient:
/// the residual's own magnitude times a few ulps, over the step.
fn tolerance(analytic: f64, numeric: f64, fp: &[f64], fm: &[f64], row: usize, h: f64) -> f64 {
    1e-5 * analytic.abs().max(numeric.abs()) + 1e-13 * (fp[row].abs() + fm[row].abs() + 1.0) / h
}

#[test]
fn every_bundled_circuit_has_an_exact_jacobian() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/circuits"));
    let mut failures = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("circuits/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    paths.sort();
    for path in &paths {
        for b in check(path) {
            failures.push(format!("{}: {b}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
