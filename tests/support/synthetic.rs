//! Synthetic analysis results with known shapes for the figure tests: a
//! PI loop gain with its margins found by bisection, an LC interface, a
//! pole map and a damping sweep.

use busbar::report::{
    BodeAnnotations, BodeData, ImpedanceData, MagnitudeCurve, ModePoint, PoleMapData,
    SweepBoundary, SweepData, SweepSeries,
};
use std::f64::consts::PI;

/// L(s) = K·(s + ωz)/s · 1/(1 + s/ωp)³: a PI-regulated converter loop
/// with a third-order roll-off, crossing over near 3.5 kHz.
const K: f64 = 2.35;
const FZ: f64 = 200.0;
const FP: f64 = 4.0e3;

fn loop_gain(f: f64) -> (f64, f64) {
    let (m, p) = (loop_magnitude(f), loop_phase(f).to_radians());
    (m * p.cos(), m * p.sin())
}

fn loop_magnitude(f: f64) -> f64 {
    K * (1.0 + (FZ / f).powi(2)).sqrt() / (1.0 + (f / FP).powi(2)).powf(1.5)
}

/// Unwrapped phase in degrees.
fn loop_phase(f: f64) -> f64 {
    (f / FZ).atan().to_degrees() - 90.0 - 3.0 * (f / FP).atan().to_degrees()
}

fn log_grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| lo * (hi / lo).powf(k as f64 / (n - 1) as f64))
        .collect()
}

/// Bisection on a monotonic quantity of the loop gain: the frequency where
/// `g` crosses zero between `lo` and `hi`.
fn crossing(g: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..100 {
        let mid = (lo * hi).sqrt();
        if g(lo).signum() == g(mid).signum() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo * hi).sqrt()
}

pub fn bode() -> BodeData {
    let freq = log_grid(1.0, 1e5, 400);
    let fc = crossing(|f| loop_magnitude(f) - 1.0, 10.0, 1e5);
    let fp = crossing(|f| loop_phase(f) + 180.0, 10.0, 1e5);
    BodeData {
        name: "loop_rect".into(),
        title: "Loop gain: rect (current command)".into(),
        response: freq.iter().map(|&f| loop_gain(f)).collect(),
        freq_hz: freq,
        annotations: BodeAnnotations {
            crossover_hz: Some(fc),
            phase_margin_deg: Some(180.0 + loop_phase(fc)),
            phase_crossover_hz: Some(fp),
            gain_margin_db: Some(-20.0 * loop_magnitude(fp).log10()),
            notes: vec!["synthetic PI loop for the figure test".into()],
        },
    }
}

pub fn impedance() -> ImpedanceData {
    let freq = log_grid(10.0, 1e5, 300);
    // A 2 mF bus behind a 20 µH feeder: a resonance near 800 Hz.
    let z_source: Vec<(f64, f64)> = freq
        .iter()
        .map(|&f| {
            let w = 2.0 * PI * f;
            let (zl, zc) = ((0.01, w * 20e-6), (0.0, -1.0 / (w * 2e-3)));
            let num = (zl.0 * zc.0 - zl.1 * zc.1, zl.0 * zc.1 + zl.1 * zc.0);
            let den = (zl.0 + zc.0, zl.1 + zc.1);
            let d = den.0 * den.0 + den.1 * den.1;
            (
                (num.0 * den.0 + num.1 * den.1) / d,
                (num.1 * den.0 - num.0 * den.1) / d,
            )
        })
        .collect();
    let z_load = vec![4.7; freq.len()];
    ImpedanceData {
        name: "interface_bus800".into(),
        title: "Interface at bus800: |Z_source| and |Z_load|".into(),
        curves: vec![
            MagnitudeCurve::from_complex("|Z_source| at bus800", &freq, &z_source),
            MagnitudeCurve {
                label: "|Z_load| (negative incremental)".into(),
                freq_hz: freq.clone(),
                magnitude: z_load.clone(),
            },
        ],
        target_ohm: Some(0.05),
        forbidden_above: Some(MagnitudeCurve {
            label: "forbidden for |Z_source| (6 dB below |Z_load|)".into(),
            freq_hz: freq,
            magnitude: z_load.iter().map(|z| z / 2.0).collect(),
        }),
        notes: Vec::new(),
    }
}

pub fn pole_map() -> PoleMapData {
    let mut modes = Vec::new();
    let mut pair = |zeta: f64, f: f64, label: Option<&str>| {
        let wn = 2.0 * PI * f;
        let (re, im) = (-zeta * wn, wn * (1.0 - zeta * zeta).sqrt());
        modes.push(ModePoint {
            re,
            im,
            label: label.map(str::to_string),
        });
        modes.push(ModePoint {
            re,
            im: -im,
            label: None,
        });
    };
    pair(0.031, 142.0, Some("cbus 61 %, lfeed 30 %"));
    pair(0.08, 1.6e3, Some("tray1.c50 40 %, tray1.dcx 35 %"));
    pair(0.3, 900.0, None);
    pair(0.6, 3e3, None);
    modes.push(ModePoint {
        re: -5e4,
        im: 0.0,
        label: None,
    });
    modes.push(ModePoint {
        re: -300.0,
        im: 0.0,
        label: None,
    });
    PoleMapData::new("poles", "Modes at the operating point", modes)
}

pub fn sweep() -> SweepData {
    let points = [0.5e-3, 1e-3, 1.5e-3, 2e-3, 3e-3, 4e-3]
        .iter()
        .map(|&c: &f64| (c, 0.12 * (1.0 - (-(c - 0.4e-3) / 1.2e-3).exp())))
        .collect();
    SweepData {
        name: "sweep_cbus".into(),
        title: "Least damping ratio against bus capacitance".into(),
        parameter: "bus capacitance".into(),
        parameter_unit: "F".into(),
        metric: "least damping ratio ζ".into(),
        metric_unit: String::new(),
        series: vec![SweepSeries {
            label: "rack at 135 kW".into(),
            points,
        }],
        threshold: Some(0.05),
        boundary: Some(SweepBoundary {
            at: 1.047e-3,
            label: "boundary ζ = 0.05 at 1.05 mF".into(),
            unstable_below: true,
        }),
        notes: Vec::new(),
    }
}
