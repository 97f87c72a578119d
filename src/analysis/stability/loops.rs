//! Loop gains of regulated converters and the margins of any open-loop
//! frequency response.
//!
//! A loop is broken at its current command i* (`Device::control_loops`):
//! the row F = c(y) − i* is replaced by the injection i* = w, and the
//! return c(y) = F_row + i* is read from the solution of the full pencil.
//! With the loop closed i* = c, so the characteristic equation is
//! 1 − ĉ/ŵ = 0 and the loop gain in the usual 1 + L convention is
//! L = −ĉ/ŵ. Owns this construction and the margin search; must not
//! modify devices.

use super::pencil::{Pencil, SparseMatrix};
use super::setup::OperatingPoint;
use super::StabilityError;
use crate::compile::Model;
use faer::{c64, Mat};
use serde::Serialize;
use std::f64::consts::TAU;

/// Crossovers and margins of an open-loop response L(jω).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Margins {
    /// Gain crossover |L| = 1 with the smallest phase margin.
    pub crossover_hz: Option<f64>,
    /// The phase that may be lost at that crossover before L reaches −1,
    /// in (−180°, 180°]; negative on the unstable side. Where |L| falls
    /// through 1 (the usual case) this is 180° + ∠L. Where |L| rises
    /// through 1 (a loop that is weak at low frequency, such as a
    /// virtual-capacitance storage converter) the locus leaves the unit
    /// circle there and the stable side is mirrored: −(180° + ∠L).
    pub phase_margin_deg: Option<f64>,
    /// Phase crossover (L real and negative) with the smallest gain margin.
    pub phase_crossover_hz: Option<f64>,
    /// −20·log10|L| there, dB.
    pub gain_margin_db: Option<f64>,
}

/// Bisection on log-frequency for a sign change of `g`, to near machine
/// precision in frequency (a closed-form check at 0.1° needs it).
fn bisect(
    eval: &mut dyn FnMut(f64) -> Result<c64, StabilityError>,
    g: fn(c64) -> f64,
    mut lo: f64,
    mut hi: f64,
) -> Result<f64, StabilityError> {
    let mut g_lo = g(eval(lo)?);
    for _ in 0..60 {
        if hi / lo - 1.0 < 1e-12 {
            break;
        }
        let mid = (lo * hi).sqrt();
        let g_mid = g(eval(mid)?);
        if (g_mid < 0.0) == (g_lo < 0.0) {
            lo = mid;
            g_lo = g_mid;
        } else {
            hi = mid;
        }
    }
    Ok((lo * hi).sqrt())
}

/// Margins of L(j·2πf) sampled on `freqs` (ascending), with every
/// crossing refined by bisection on `eval`.
pub fn margins(
    eval: &mut dyn FnMut(f64) -> Result<c64, StabilityError>,
    freqs: &[f64],
    values: &[c64],
) -> Result<Margins, StabilityError> {
    let mut out = Margins::default();
    let log_mag = |l: c64| l.norm().ln();
    let imag = |l: c64| l.im;
    for k in 1..freqs.len() {
        let (a, b) = (values[k - 1], values[k]);
        if (a.norm() >= 1.0) != (b.norm() >= 1.0) {
            let f = bisect(eval, log_mag, freqs[k - 1], freqs[k])?;
            let l = eval(f)?;
            // 180° + ∠L is the angle of −L. Leaving the unit circle, the
            // locus encircles −1 only if its phase, still falling, has not
            // yet passed −180°: the margin is how far past it already is.
            let rising = b.norm() > a.norm();
            let angle = (-l).arg().to_degrees();
            let pm = if rising && angle != 180.0 {
                -angle
            } else {
                angle
            };
            if out.phase_margin_deg.is_none_or(|old| pm < old) {
                out.phase_margin_deg = Some(pm);
                out.crossover_hz = Some(f);
            }
        }
        let crosses = (a.im < 0.0) != (b.im < 0.0);
        if crosses && (a.re < 0.0 || b.re < 0.0) {
            let f = bisect(eval, imag, freqs[k - 1], freqs[k])?;
            let l = eval(f)?;
            if l.re < 0.0 {
                let gm = -20.0 * l.norm().log10();
                if out.gain_margin_db.is_none_or(|old| gm < old) {
                    out.gain_margin_db = Some(gm);
                    out.phase_crossover_hz = Some(f);
                }
            }
        }
    }
    Ok(out)
}

/// The loop gain of one control loop and its margins.
#[derive(Debug, Clone, Serialize)]
pub struct LoopGain {
    pub device: String,
    /// Name of the i* unknown.
    pub command: String,
    pub margins: Margins,
    /// |L| at the lowest swept frequency, dB (how stiff the regulation is).
    pub low_frequency_gain_db: f64,
}

/// Evaluates L(j·2πf) for the loop whose i* is unknown `command`
/// (extended index).
pub struct LoopBreak {
    pencil: Pencil,
    row: Vec<(usize, f64)>,
    k: usize,
}

impl LoopBreak {
    pub fn new(
        model: &Model,
        point: &OperatingPoint,
        command: usize,
    ) -> Result<Self, StabilityError> {
        if command == 0 || command > model.n() || model.mass[command] != 0.0 {
            return Err(StabilityError::Invalid(format!(
                "control-loop unknown {command} is not an algebraic unknown of the model"
            )));
        }
        let k = command - 1;
        let j = SparseMatrix::jacobian(model, point);
        let row = j.row(k);
        // Row k becomes F = w − i*: ∂/∂i* = −1, input w on the right.
        let mut entries: Vec<(usize, usize, f64)> =
            j.triplets().into_iter().filter(|e| e.0 != k).collect();
        entries.push((k, k, -1.0));
        let broken = SparseMatrix::from_triplets(j.n, &entries);
        Ok(LoopBreak {
            pencil: Pencil::new(broken, model.mass[1..].to_vec())?,
            row,
            k,
        })
    }

    /// L(j·2πf) = −(J_k·ŷ + ŷ_k) for a unit injection.
    pub fn eval(&self, f: f64) -> Result<c64, StabilityError> {
        let n = self.pencil.n();
        let mut rhs = Mat::<c64>::zeros(n, 1);
        rhs[(self.k, 0)] = c64::new(1.0, 0.0);
        self.pencil.solve(c64::new(0.0, TAU * f), &mut rhs)?;
        let mut ret = rhs[(self.k, 0)];
        for &(c, v) in &self.row {
            ret += rhs[(c, 0)] * v;
        }
        Ok(-ret)
    }
}

/// Loop gain and margins of the loop whose current command is `command`.
pub fn loop_gain(
    model: &Model,
    point: &OperatingPoint,
    device: &str,
    command: usize,
    freqs: &[f64],
) -> Result<LoopGain, StabilityError> {
    let lb = LoopBreak::new(model, point, command)?;
    let values = freqs
        .iter()
        .map(|&f| lb.eval(f))
        .collect::<Result<Vec<_>, _>>()?;
    let margins = margins(&mut |f| lb.eval(f), freqs, &values)?;
    Ok(LoopGain {
        device: device.to_string(),
        command: model.names[command].clone(),
        margins,
        low_frequency_gain_db: values.first().map_or(f64::NAN, |l| 20.0 * l.norm().log10()),
    })
}

/// Loop gains of every control loop of every device, in device order.
pub fn loop_gains(
    model: &Model,
    point: &OperatingPoint,
    freqs: &[f64],
) -> Result<Vec<LoopGain>, StabilityError> {
    let mut out = Vec::new();
    for d in &model.devices {
        for command in d.control_loops() {
            out.push(loop_gain(model, point, d.name(), command, freqs)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Margins of L(f) = f^power·e^{jθ}: a single crossover at 1 Hz, rising
    /// for power 1, falling for power −1.
    fn phase_margin(power: i32, theta_deg: f64) -> f64 {
        let l = move |f: f64| -> Result<c64, StabilityError> {
            let r = f.powi(power);
            let t = theta_deg.to_radians();
            Ok(c64::new(r * t.cos(), r * t.sin()))
        };
        let freqs = default_frequencies_for_test();
        let values: Vec<c64> = freqs.iter().map(|&f| l(f).expect("value")).collect();
        let mut eval = l;
        let m = margins(&mut eval, &freqs, &values).expect("margins");
        assert!((m.crossover_hz.expect("crossover") - 1.0).abs() < 1e-9);
        m.phase_margin_deg.expect("phase margin")
    }

    fn default_frequencies_for_test() -> Vec<f64> {
        (0..=40)
            .map(|k| 10f64.powf(-2.0 + 0.1 * k as f64))
            .collect()
    }

    #[test]
    fn falling_crossover_margin_is_180_plus_phase() {
        assert!((phase_margin(-1, -136.0) - 44.0).abs() < 1e-9);
        assert!((phase_margin(-1, -200.0) + 20.0).abs() < 1e-9);
    }

    /// Rising through |L| = 1 at −224° the locus has already passed −180°:
    /// the phase keeps falling outside the circle without crossing the
    /// negative real axis (stable, 44° to spare). At −170° it has not, and
    /// will cross it outside the circle (unstable by 10°).
    #[test]
    fn rising_crossover_margin_is_mirrored() {
        assert!((phase_margin(1, -224.0) - 44.0).abs() < 1e-9);
        assert!((phase_margin(1, -170.0) + 10.0).abs() < 1e-9);
    }
}
