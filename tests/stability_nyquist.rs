//! Nyquist criterion and margins of loops whose open loop is unstable:
//! L(s) = K/(s − a) in closed form, and the SST loop of the Kyber row,
//! whose constant-power racks on their capacitors are unstable with the
//! SST's current command held.

use busbar::analysis::stability::{loop_gains, nyquist, CircuitSource, Setup, StabilityError};
use faer::c64;
use std::f64::consts::TAU;
use std::path::PathBuf;

/// L(j·2πf) = K/(j·2πf − a). The error type is the one `nyquist` takes
/// (large, but never built here).
#[allow(clippy::result_large_err)]
fn first_order(k: f64, a: f64) -> impl FnMut(f64) -> Result<c64, StabilityError> {
    move |f| Ok(c64::new(k, 0.0) / c64::new(-a, TAU * f))
}

#[test]
fn unstable_pole_stabilised_by_feedback_has_lower_gain_margin() {
    // a = 2π·10 rad/s, K = 2a: closed-loop pole a − K = −a (stable).
    let a = TAU * 10.0;
    let k = 2.0 * a;
    let (n, m) = nyquist(
        &mut first_order(k, a),
        (1.0, 1e6),
        &[c64::new(a, 0.0)],
        None,
    )
    .expect("nyquist");
    assert_eq!(n.open_loop_unstable_poles, 1);
    assert_eq!(n.encirclements, -1, "one counter-clockwise encirclement");
    assert_eq!(n.closed_loop_unstable_nyquist, 0);
    assert!(n.stable);
    // |L| = 1 at ω_c = √(K² − a²) = √3·a; ∠L = −(180° − 60°), so −L is
    // 60° from the negative real axis: PM 60°.
    let fc = (k * k - a * a).sqrt() / TAU;
    let got_fc = m.crossover_hz.expect("crossover");
    assert!((got_fc - fc).abs() / fc < 1e-6, "fc {got_fc} vs {fc}");
    let pm = m.phase_margin_deg.expect("phase margin");
    assert!((pm - 60.0).abs() < 0.1, "PM {pm}");
    // L(0) = −K/a = −2: a gain reduction by 2 puts the pole on the origin.
    let lower = m.lower_gain_margin_db.expect("lower gain margin");
    let expected = -20.0 * 2f64.log10();
    assert!(
        (lower - expected).abs() < 1e-6,
        "lower GM {lower} vs {expected}"
    );
    assert_eq!(m.lower_phase_crossover_hz, Some(0.0));
    assert_eq!(m.gain_margin_db, None, "no gain increase destabilises it");
}

#[test]
fn too_little_gain_leaves_the_unstable_pole_in_place() {
    // K = a/2: closed-loop pole at a/2 > 0; |L| ≤ 1/2, no encirclement.
    let a = TAU * 10.0;
    let (n, m) = nyquist(
        &mut first_order(a / 2.0, a),
        (1.0, 1e6),
        &[c64::new(a, 0.0)],
        Some(1),
    )
    .expect("nyquist");
    assert_eq!(n.encirclements, 0);
    assert_eq!(n.closed_loop_unstable_nyquist, 1);
    assert_eq!(n.consistent, Some(true));
    assert!(!n.stable);
    assert_eq!(m.phase_margin_deg, None);
    // The critical gain is 2 (L(0) = −1/2): +6.02 dB would stabilise.
    let up = m.gain_margin_db.expect("critical gain above 1");
    assert!((up - 20.0 * 2f64.log10()).abs() < 1e-6, "{up}");
}

#[test]
fn kyber_sst_loop_is_open_loop_unstable_and_nyquist_stable() {
    let circuit = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("circuits/kyber_row.ron");
    let bound = Setup::new(CircuitSource::read(&circuit).expect("circuit file"))
        .bind()
        .expect("operating point");
    let freqs = busbar::analysis::stability::default_frequencies(1.0, 1e6, 40);
    let loops = loop_gains(&bound.model, &bound.point, &freqs).expect("loop gains");
    let sst = loops.iter().find(|l| l.device == "sst").expect("SST loop");
    let n = sst.nyquist.as_ref().expect("Nyquist count");
    assert!(n.open_loop_unstable_poles >= 1, "{}", n.describe());
    assert_eq!(n.closed_loop_unstable_eigen, Some(0));
    assert_eq!(n.closed_loop_unstable_nyquist, 0, "{}", n.describe());
    assert_eq!(n.encirclements, -(n.open_loop_unstable_poles as i64));
    assert!(n.stable && n.consistent == Some(true));
    assert!(n.count_residual < 0.05, "{}", n.count_residual);
    let pm = sst.margins.phase_margin_deg.expect("phase margin");
    assert!(pm > 0.0, "a stable loop has a positive margin: {pm}");
    let lower = sst.margins.lower_gain_margin_db.expect("lower GM");
    assert!(lower < 0.0, "{lower}");
    eprintln!(
        "sst: {}; PM {pm:.2}° at {:?} Hz; lower GM {lower:.2} dB at {:?} Hz",
        n.describe(),
        sst.margins.crossover_hz,
        sst.margins.lower_phase_crossover_hz
    );
    for l in &loops {
        let n = l.nyquist.as_ref().expect("Nyquist count");
        assert!(
            n.stable && n.consistent == Some(true),
            "{}: {}",
            l.device,
            n.describe()
        );
    }
}
