//! Helpers shared by the converter and storage tests: running a RON circuit
//! and scenario, reading columns and events, and the matrix exponential of
//! a small linear system (the closed-form reference for linear loops).

#![allow(dead_code)] // each test binary uses its own subset

pub mod afe;

use busbar::results::Waveforms;
use std::collections::BTreeMap;
use std::path::Path;

pub fn run(circuit: &str, scenario: &str) -> Waveforms {
    let flat = busbar::components::parse_str(circuit, Path::new("c.ron"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("circuit: {e}"));
    let sc = busbar::scenario::parse_str(scenario, Path::new("s.ron"))
        .unwrap_or_else(|e| panic!("scenario: {e}"));
    let mut p = busbar::study::prepare_flat(flat, sc).unwrap_or_else(|e| panic!("prepare: {e}"));
    p.run(None).unwrap_or_else(|e| panic!("run: {e}"))
}

pub fn column<'a>(w: &'a Waveforms, name: &str) -> &'a [f64] {
    &w.columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .values
}

/// Value of a column at the last recorded instant ≤ t.
pub fn at(w: &Waveforms, name: &str, t: f64) -> f64 {
    let k = w.time.iter().rposition(|x| *x <= t).expect("sample");
    column(w, name)[k]
}

/// Time of the first event `what` on `target`.
pub fn event_time(w: &Waveforms, target: &str, what: &str) -> f64 {
    w.events
        .iter()
        .find(|e| e.target == target && e.what == what)
        .unwrap_or_else(|| panic!("no `{what}` event on {target}; events: {:?}", w.events))
        .time
}

pub type Matrix = Vec<Vec<f64>>;

fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    let n = a.len();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| (0..n).map(|k| a[i][k] * b[k][j]).sum())
                .collect()
        })
        .collect()
}

/// e^{A·t} by scaling and squaring of a Taylor series: the norm of A·t is
/// halved until it is below 1/2, where 30 terms are exact to rounding.
pub fn expm(a: &Matrix, t: f64) -> Matrix {
    let n = a.len();
    let norm = a
        .iter()
        .map(|r| r.iter().map(|x| (x * t).abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let squarings = if norm > 0.5 {
        (norm / 0.5).log2().ceil() as i32
    } else {
        0
    };
    let scale = t / 2f64.powi(squarings);
    let x: Matrix = a
        .iter()
        .map(|r| r.iter().map(|v| v * scale).collect())
        .collect();
    let mut sum: Matrix = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let mut term = sum.clone();
    for k in 1..30 {
        term = mul(&term, &x);
        for row in term.iter_mut() {
            for v in row.iter_mut() {
                *v /= k as f64;
            }
        }
        for i in 0..n {
            for j in 0..n {
                sum[i][j] += term[i][j];
            }
        }
    }
    for _ in 0..squarings {
        sum = mul(&sum, &sum);
    }
    sum
}

/// x(t) = x_end + e^{A·t}·(x_start − x_end): the response of a stable
/// linear system moving from one equilibrium towards another.
pub fn relax(a: &Matrix, x_start: &[f64], x_end: &[f64], t: f64) -> Vec<f64> {
    let e = expm(a, t);
    (0..x_end.len())
        .map(|i| {
            x_end[i]
                + (0..x_end.len())
                    .map(|j| e[i][j] * (x_start[j] - x_end[j]))
                    .sum::<f64>()
        })
        .collect()
}

/// Composite Simpson integral of uniformly sampled values (odd count).
pub fn simpson(values: &[f64], h: f64) -> f64 {
    assert!(
        values.len() % 2 == 1,
        "Simpson needs an odd number of samples"
    );
    let n = values.len() - 1;
    let inner: f64 = (1..n)
        .map(|k| if k % 2 == 1 { 4.0 } else { 2.0 } * values[k])
        .sum();
    h / 3.0 * (values[0] + inner + values[n])
}

#[test]
fn expm_of_a_rotation() {
    let a = vec![vec![0.0, -1.0], vec![1.0, 0.0]];
    let e = expm(&a, 10.0);
    assert!((e[0][0] - 10f64.cos()).abs() < 1e-13);
    assert!((e[1][0] - 10f64.sin()).abs() < 1e-13);
}

/// Every bundled scenario file under `scenarios/` (recursively, except the
/// limit sets in `scenarios/limits/` and the sweep files in `scenarios/sweeps/`), sorted.
pub fn bundled_scenarios() -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                // Limit sets and sweep files are not scenarios.
                let other = p
                    .file_name()
                    .is_some_and(|n| n == "limits" || n == "sweeps");
                if other && dir.ends_with("scenarios") {
                    continue;
                }
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "ron") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        &mut out,
    );
    out
}
