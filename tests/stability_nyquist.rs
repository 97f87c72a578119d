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
    let freqs =
        busbar::analysis::stability::default_frequencies(1.0, 1e6, 40).expect("frequency grid");
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

/// L(s) = K·ω0²/((s² + ω0²)(s + a)): an undamped resonance in the open
/// loop, poles at ±jω0 on the imaginary axis.
#[allow(clippy::result_large_err)]
fn resonant(k: f64, w0: f64, a: f64) -> impl FnMut(f64) -> Result<c64, StabilityError> {
    move |f| {
        let s = c64::new(0.0, TAU * f);
        Ok(c64::new(k * w0 * w0, 0.0) / ((s * s + w0 * w0) * (s + a)))
    }
}

#[test]
fn poles_on_the_imaginary_axis_are_skirted() {
    // Closed loop s³ + a·s² + ω0²·s + ω0²(a + K). Routh: the s¹ entry is
    // −K·ω0²/a, so K > 0 gives two right-half-plane poles and
    // −a < K < 0 none.
    let (w0, a) = (TAU * 100.0, TAU * 10.0);
    let poles = [c64::new(0.0, w0), c64::new(0.0, -w0), c64::new(-a, 0.0)];
    for (k, z) in [(0.5, 2), (5.0, 2), (-0.5, 0), (-0.9 * a, 0)] {
        let (n, _) = nyquist(&mut resonant(k, w0, a), (1.0, 1e6), &poles, None).expect("nyquist");
        assert_eq!(n.open_loop_unstable_poles, 0);
        assert_eq!(n.closed_loop_unstable_nyquist, z, "K = {k}: {n:?}");
        assert!(n.count_residual < 1e-3, "K = {k}: {n:?}");
    }
}

#[test]
#[allow(clippy::result_large_err)]
fn open_loop_poles_the_loop_gain_does_not_see_are_not_counted() {
    // L(s) = K/(s·(s + a)) has one integrator; the open loop has a second
    // pole at s = 0 (a battery's charge in standby) that L does not see.
    // Closed loop s² + a·s + K: stable for K > 0.
    let a = TAU * 10.0;
    let k = 4.0 * a * a;
    let mut eval = |f: f64| {
        let s = c64::new(0.0, TAU * f);
        Ok(c64::new(k, 0.0) / (s * (s + a)))
    };
    let poles = [c64::new(0.0, 0.0), c64::new(0.0, 0.0), c64::new(-a, 0.0)];
    let (n, _) = nyquist(&mut eval, (1.0, 1e6), &poles, Some(0)).expect("nyquist");
    assert_eq!(n.open_loop_poles_at_origin, 1, "{n:?}");
    assert_eq!(n.closed_loop_unstable_nyquist, 0, "{n:?}");
    assert_eq!(n.consistent, Some(true));

    // A unit that ignores its input (L ≡ 0) with integrators around it.
    let mut zero = |_f: f64| Ok(c64::new(0.0, 0.0));
    let (n, _) = nyquist(&mut zero, (1.0, 1e6), &poles, Some(0)).expect("nyquist");
    assert_eq!(n.encirclements, 0, "{n:?}");
    assert_eq!(n.consistent, Some(true));
}
