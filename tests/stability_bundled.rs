//! Small-signal verdicts on every bundled circuit, and the rule that makes
//! structural zeros neutral.
//!
//! - Every bundled circuit is a sound design: `busbar stability` exits 0,
//!   and for every loop the Nyquist count agrees with the closed-loop
//!   eigenvalues.
//! - A state that feeds nothing back (a BBU's charge in standby) is a pure
//!   integrator: its mode is neutral, listed as such, and never UNSTABLE.
//!   A zero eigenvalue of a conserved quantity is below the resolution of
//!   the decomposition: neutral too. A small but resolvable positive σ
//!   stays UNSTABLE.

use assert_cmd::Command;
use busbar::analysis::stability::{modes, StateSpace};
use faer::Mat;
use std::path::Path;

fn stability_json(circuit: &Path) -> (i32, serde_json::Value) {
    let out = Command::cargo_bin("busbar")
        .expect("binary")
        .arg("stability")
        .arg(circuit)
        .arg("--json")
        .output()
        .expect("run busbar");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: no JSON ({e}); stderr: {}",
            circuit.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), json)
}

#[test]
fn every_bundled_circuit_is_stable_and_nyquist_agrees_with_the_eigenvalues() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits");
    let mut circuits: Vec<_> = std::fs::read_dir(&dir)
        .expect("circuits/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    circuits.sort();
    assert!(circuits.len() >= 8, "{circuits:?}");
    let mut loops_checked = 0;
    for circuit in &circuits {
        let (code, json) = stability_json(circuit);
        let name = circuit.display();
        assert_eq!(code, 0, "{name}: exit {code}");
        let modes = json["modes"]["modes"].as_array().expect("modes");
        for m in modes {
            assert!(
                m["real"].as_f64().expect("σ") <= 0.0 || m.get("neutral").is_some(),
                "{name}: {m}"
            );
        }
        for l in json["loops"].as_array().expect("loops") {
            let n = &l["nyquist"];
            assert_eq!(n["consistent"], true, "{name}: {l}");
            assert_eq!(n["closed_loop_unstable_nyquist"], 0, "{name}: {l}");
            loops_checked += 1;
        }
    }
    assert!(loops_checked >= 20, "only {loops_checked} loops");
}

#[test]
fn a_battery_charge_in_standby_is_a_neutral_integrator() {
    let circuit = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/orv3_48v_rack.ron");
    let (code, json) = stability_json(&circuit);
    assert_eq!(code, 0);
    let neutral: Vec<&str> = json["modes"]["modes"]
        .as_array()
        .expect("modes")
        .iter()
        .filter_map(|m| m.get("neutral").and_then(|n| n.as_str()))
        .collect();
    for k in 1..=4 {
        let want = format!("integrator: bbu{k}.bbu.q");
        assert!(neutral.contains(&want.as_str()), "{want} in {neutral:?}");
    }
    let text = Command::cargo_bin("busbar")
        .expect("binary")
        .arg("stability")
        .arg(&circuit)
        .args(["--modes", "200"])
        .output()
        .expect("run busbar");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("neutral (integrators: bbu1.bbu.q, bbu2.bbu.q, bbu3.bbu.q, bbu4.bbu.q)"),
        "{text}"
    );
    assert!(!text.contains("UNSTABLE"), "{text}");
}

fn state_space(a: Mat<f64>) -> StateSpace {
    let n = a.nrows();
    StateSpace {
        a,
        b: Mat::zeros(n, 0),
        c: Mat::zeros(0, n),
        d: Mat::zeros(0, 0),
        states: (0..n).map(|k| format!("x{k}")).collect(),
        owners: (0..n).map(|k| format!("c{k}")).collect(),
        subsystems: (0..n).map(|k| format!("c{k}")).collect(),
        inputs: Vec::new(),
        outputs: Vec::new(),
        unknowns: (1..=n).collect(),
    }
}

fn from_rows(rows: &[&[f64]]) -> Mat<f64> {
    Mat::from_fn(rows.len(), rows.len(), |r, c| rows[r][c])
}

#[test]
fn structural_and_numerical_zeros_are_neutral_resolvable_growth_is_not() {
    // x0' = x1, x1' = −2·x1: x0 integrates and feeds nothing back.
    let m = modes(&state_space(from_rows(&[&[0.0, 1.0], &[0.0, -2.0]]))).expect("modes");
    assert!(m.is_stable());
    let zero = m.modes.iter().find(|x| x.is_neutral()).expect("neutral");
    assert_eq!(zero.neutral.as_deref(), Some("integrator: x0"));
    assert_eq!(m.least_damped().expect("mode").real, -2.0);

    // x0' = −x0 + x1, x1' = x0 − x1 conserves x0 + x1: eigenvalues 0, −2;
    // the zero comes out of the decomposition at roundoff level.
    let m = modes(&state_space(from_rows(&[&[-1.0, 1.0], &[1.0, -1.0]]))).expect("modes");
    assert!(m.is_stable(), "{:?}", m.modes);
    assert_eq!(m.modes.iter().filter(|x| x.is_neutral()).count(), 1);
    assert!((m.least_damped().expect("mode").real + 2.0).abs() < 1e-12);

    // σ = 1e-3 1/s on a state that feeds nothing back: resolvable growth.
    let m = modes(&state_space(from_rows(&[&[1e-3, 1.0], &[0.0, -1.0]]))).expect("modes");
    assert!(!m.is_stable());
    assert!(m.modes.iter().all(|x| !x.is_neutral()));

    // Eigenvalues 1 and −3, coupled: UNSTABLE.
    let m = modes(&state_space(from_rows(&[&[-1.0, 2.0], &[2.0, -1.0]]))).expect("modes");
    assert!(!m.is_stable());
    assert!((m.modes[0].real - 1.0).abs() < 1e-12, "{:?}", m.modes);
}

/// Ten identical damped oscillators on one hub (a row of identical racks
/// on a bus): the differential modes are the oscillator's own, −a ± jω,
/// nine times over. Their eigenvector basis is nearly singular, which must
/// not make them "neutral": they are resolvable, poorly damped modes.
#[test]
fn repeated_modes_of_identical_units_are_resolved_not_neutral() {
    // Each unit: an LC filter (series L with R, shunt C) feeding a
    // constant-power-like negative conductance, states (i_L, v_C); scaled
    // like a rack (henries and farads of a 800 V rack filter).
    let (k, l, r, c, g_neg) = (10, 2e-6, 5e-3, 100e-6, -0.02);
    let n = 2 * k + 1;
    let hub = n - 1;
    let mut m = Mat::<f64>::zeros(n, n);
    for i in 0..k {
        let (x, y) = (2 * i, 2 * i + 1);
        // L di/dt = v_hub - R i - v_C ; C dv/dt = i - g v
        m[(x, x)] = -r / l;
        m[(x, y)] = -1.0 / l;
        m[(x, hub)] = 1.0 / l;
        m[(y, x)] = 1.0 / c;
        m[(y, y)] = -g_neg / c;
        m[(hub, x)] = -1.0 / 1e-3;
    }
    m[(hub, hub)] = -1.0 / (1e-3 * 0.01);
    // The unit's own modes (hub held): eigenvalues of its 2x2 block.
    let (p11, p12, p21, p22) = (-r / l, -1.0 / l, 1.0 / c, -g_neg / c);
    let half_trace = 0.5 * (p11 + p22);
    let det = p11 * p22 - p12 * p21;
    let (a, w) = (-half_trace, (det - half_trace * half_trace).sqrt());
    let modes = modes(&state_space(m)).expect("modes");
    let neutral: Vec<_> = modes.modes.iter().filter(|x| x.is_neutral()).collect();
    assert!(neutral.is_empty(), "{neutral:?}");
    let least = modes.least_damped().expect("mode");
    assert!((least.real + a).abs() < 1e-9 * w, "{least:?}");
    assert!((least.imag - w).abs() < 1e-9 * w, "{least:?}");
    let copies = modes
        .modes
        .iter()
        .filter(|x| (x.real + a).abs() < 1e-9 * w && (x.imag - w).abs() < 1e-9 * w)
        .count();
    assert_eq!(copies, k - 1, "{:?}", modes.modes);
}

/// `--loops GLOB` computes exactly the loops of the matching devices (the
/// same margins as in the full report), and a glob that matches no loop is
/// an error naming it, never an empty table.
#[test]
fn loops_glob_selects_and_a_glob_matching_nothing_is_an_error() {
    let circuit = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/diablo_sidecar.ron");
    let (_, all) = stability_json(&circuit);
    let all = all["loops"].as_array().expect("loops").clone();
    assert!(all.len() >= 2, "{all:?}");
    let first = all[0]["device"].as_str().expect("device").to_string();
    let run = |glob: &str| {
        Command::cargo_bin("busbar")
            .expect("binary")
            .args(["stability", "--json", "--loops", glob])
            .arg(&circuit)
            .output()
            .expect("run busbar")
    };
    let out = run(&first);
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let picked = json["loops"].as_array().expect("loops");
    assert_eq!(picked.len(), 1, "{picked:?}");
    assert_eq!(picked[0], all[0]);
    let out = run("nosuch*");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`nosuch*` matches no control loop"), "{err}");
    assert!(err.contains(&first), "{err}");
}
