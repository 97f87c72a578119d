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

use super::modes::eigenvalues;
use super::nyquist::{nyquist, Nyquist};
use super::pencil::{Pencil, SparseMatrix};
use super::setup::OperatingPoint;
use super::state_space::state_matrix;
use super::StabilityError;
use crate::compile::Model;
use faer::{c64, Mat};
use serde::Serialize;
use std::f64::consts::TAU;

/// Crossovers and margins of an open-loop response L(jω).
///
/// With a Nyquist count (`nyquist`) the phase margin is the smallest
/// rotation of L, lag or lead, that brings a gain crossover onto −1:
/// positive for a stable closed loop, negative (the same distance) for an
/// unstable one. Without it (`margins`) it is the classical 180° + ∠L.
/// Gain margins are the gain changes that put a phase crossover onto −1:
/// the upper one an increase, the lower one a decrease (an open loop with
/// unstable poles is destabilised by too little gain).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Margins {
    /// Gain crossover |L| = 1 with the smallest phase margin.
    pub crossover_hz: Option<f64>,
    /// Phase margin at that crossover, degrees in [−180°, 180°];
    /// negative on the unstable side. Classical (no Nyquist count): where
    /// |L| falls through 1 this is 180° + ∠L; where |L| rises through 1
    /// (a loop weak at low frequency, such as a virtual-capacitance
    /// storage converter) the stable side is mirrored: −(180° + ∠L).
    pub phase_margin_deg: Option<f64>,
    /// Phase crossover (L real and negative) of the upper gain margin.
    pub phase_crossover_hz: Option<f64>,
    /// Upper gain margin −20·log10|L| > 0 there, dB.
    pub gain_margin_db: Option<f64>,
    /// Phase crossover of the lower gain margin (|L| > 1 there).
    pub lower_phase_crossover_hz: Option<f64>,
    /// Lower gain margin −20·log10|L| < 0 there, dB: the gain reduction
    /// that destabilises the loop.
    pub lower_gain_margin_db: Option<f64>,
}

/// Every gain crossover (|L| = 1) and phase crossover (L < 0 real) of a
/// sampled response, as (frequency, L there).
#[derive(Debug, Clone, Default)]
pub struct Crossings {
    pub gain: Vec<(f64, c64)>,
    /// Per gain crossover: |L| rises through 1 there.
    pub gain_rising: Vec<bool>,
    pub phase: Vec<(f64, c64)>,
}

impl Margins {
    /// Margins from the crossings; `stable` is the closed-loop verdict
    /// when known (Nyquist-consistent phase margin), else classical.
    pub fn assemble(c: &Crossings, stable: Option<bool>) -> Self {
        let mut out = Margins::default();
        for (k, &(f, l)) in c.gain.iter().enumerate() {
            // 180° + ∠L is the angle of −L: how far L is from −1.
            let theta = (-l).arg().to_degrees();
            // Leaving the unit circle, the locus encircles −1 only if its
            // phase, still falling, has not yet passed −180°.
            let rising = c.gain_rising.get(k).copied().unwrap_or(false);
            let pm = match stable {
                Some(true) => theta.abs(),
                Some(false) => -theta.abs(),
                None if rising && theta != 180.0 => -theta,
                None => theta,
            };
            let better = match stable {
                Some(_) => pm.abs() < out.phase_margin_deg.map_or(f64::INFINITY, f64::abs),
                None => out.phase_margin_deg.is_none_or(|old| pm < old),
            };
            if better {
                out.phase_margin_deg = Some(pm);
                out.crossover_hz = Some(f);
            }
        }
        for &(f, l) in &c.phase {
            let gm = -20.0 * l.norm().log10();
            if gm >= 0.0 {
                if out.gain_margin_db.is_none_or(|old| gm < old) {
                    out.gain_margin_db = Some(gm);
                    out.phase_crossover_hz = Some(f);
                }
            } else if out.lower_gain_margin_db.is_none_or(|old| gm > old) {
                out.lower_gain_margin_db = Some(gm);
                out.lower_phase_crossover_hz = Some(f);
            }
        }
        out
    }
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

/// Every crossing of L(j·2πf) sampled on `freqs` (ascending), refined
/// by bisection on `eval`.
pub fn crossings(
    eval: &mut dyn FnMut(f64) -> Result<c64, StabilityError>,
    freqs: &[f64],
    values: &[c64],
) -> Result<Crossings, StabilityError> {
    let mut out = Crossings::default();
    let log_mag = |l: c64| l.norm().ln();
    let imag = |l: c64| l.im;
    for k in 1..freqs.len() {
        let (a, b) = (values[k - 1], values[k]);
        if (a.norm() >= 1.0) != (b.norm() >= 1.0) {
            let f = bisect(eval, log_mag, freqs[k - 1], freqs[k])?;
            out.gain.push((f, eval(f)?));
            out.gain_rising.push(b.norm() > a.norm());
        }
        let crosses = (a.im < 0.0) != (b.im < 0.0);
        if crosses && (a.re < 0.0 || b.re < 0.0) {
            let f = bisect(eval, imag, freqs[k - 1], freqs[k])?;
            let l = eval(f)?;
            if l.re < 0.0 {
                out.phase.push((f, l));
            }
        }
    }
    Ok(out)
}

/// Classical margins of L(j·2πf) sampled on `freqs` (ascending), with
/// every crossing refined by bisection on `eval`. Correct for a stable
/// open loop only; `nyquist` gives the margins for any loop.
pub fn margins(
    eval: &mut dyn FnMut(f64) -> Result<c64, StabilityError>,
    freqs: &[f64],
    values: &[c64],
) -> Result<Margins, StabilityError> {
    Ok(Margins::assemble(&crossings(eval, freqs, values)?, None))
}

/// The loop gain of one control loop and its margins.
#[derive(Debug, Clone, Serialize)]
pub struct LoopGain {
    pub device: String,
    /// Name of the i* unknown.
    pub command: String,
    /// Nyquist-consistent when `nyquist` is present, else classical.
    pub margins: Margins,
    /// |L| at the lowest swept frequency, dB (how stiff the regulation is).
    pub low_frequency_gain_db: f64,
    /// Open-loop unstable poles, encirclements and the closed-loop verdict.
    pub nyquist: Option<Nyquist>,
    /// Why the Nyquist count is absent or doubtful.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
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

    /// Eigenvalues of the state matrix with the loop opened (i* held):
    /// the open-loop poles.
    pub fn open_loop_poles(&self) -> Result<Vec<c64>, StabilityError> {
        eigenvalues(&state_matrix(self.pencil.jacobian(), self.pencil.mass())?)
    }
}

/// Closed-loop right-half-plane poles of the model (every loop closed),
/// or why they could not be counted.
pub fn closed_loop_unstable(model: &Model, point: &OperatingPoint) -> Result<usize, String> {
    let j = SparseMatrix::jacobian(model, point);
    let poles = state_matrix(&j, &model.mass[1..])
        .and_then(|a| eigenvalues(&a))
        .map_err(|e| e.to_string())?;
    let largest = poles.iter().map(|l| l.norm()).fold(0.0, f64::max);
    Ok(poles.iter().filter(|l| l.re > 1e-9 * largest).count())
}

/// Loop gain and margins of the loop whose current command is `command`.
pub fn loop_gain(
    model: &Model,
    point: &OperatingPoint,
    device: &str,
    command: usize,
    freqs: &[f64],
) -> Result<LoopGain, StabilityError> {
    let closed = closed_loop_unstable(model, point);
    loop_gain_known(model, point, device, command, freqs, &closed)
}

/// `loop_gain` with the closed-loop count already known (one count
/// serves every loop of a model).
pub fn loop_gain_known(
    model: &Model,
    point: &OperatingPoint,
    device: &str,
    command: usize,
    freqs: &[f64],
    closed: &Result<usize, String>,
) -> Result<LoopGain, StabilityError> {
    let lb = LoopBreak::new(model, point, command)?;
    let values = freqs
        .iter()
        .map(|&f| lb.eval(f))
        .collect::<Result<Vec<_>, _>>()?;
    let band = (freqs[0], freqs[freqs.len() - 1]);
    let mut note = None;
    let (nyquist, margins) = match lb.open_loop_poles() {
        Ok(poles) => {
            let (n, m) = nyquist(
                &mut |f| lb.eval(f),
                band,
                &poles,
                closed.as_ref().ok().copied(),
            )
            .map_err(|e| match e {
                // Name the loop: the contour knows only its frequencies.
                StabilityError::NonFinite(m) => {
                    StabilityError::NonFinite(format!("the control loop of `{device}`: {m}"))
                }
                other => other,
            })?;
            if n.consistent == Some(false) {
                note = Some(format!(
                    "the Nyquist count (Z = {}) disagrees with the closed-loop eigenvalues ({}); the verdict follows the eigenvalues",
                    n.closed_loop_unstable_nyquist,
                    n.closed_loop_unstable_eigen.unwrap_or(0)
                ));
            } else if let Err(why) = closed {
                note = Some(format!(
                    "closed-loop eigenvalues not computed ({why}); the verdict follows Nyquist"
                ));
            }
            (Some(n), m)
        }
        Err(e) => {
            note = Some(format!(
                "open-loop poles not computed ({e}): classical margins, valid only if the open loop is stable"
            ));
            (None, margins(&mut |f| lb.eval(f), freqs, &values)?)
        }
    };
    Ok(LoopGain {
        device: device.to_string(),
        command: model.names[command].clone(),
        margins,
        low_frequency_gain_db: values.first().map_or(f64::NAN, |l| 20.0 * l.norm().log10()),
        nyquist,
        note,
    })
}

/// Every control loop of the model as (device name, i* unknown), in
/// device order.
pub fn control_loops(model: &Model) -> Vec<(&str, usize)> {
    model
        .devices
        .iter()
        .flat_map(|d| d.control_loops().into_iter().map(move |c| (d.name(), c)))
        .collect()
}

/// Loop gains of every control loop of every device, in device order.
pub fn loop_gains(
    model: &Model,
    point: &OperatingPoint,
    freqs: &[f64],
) -> Result<Vec<LoopGain>, StabilityError> {
    loop_gains_of(model, point, freqs, &control_loops(model))
}

/// Loop gains of the `wanted` loops (from [`control_loops`]), in their order.
///
/// The loops are independent (each breaks its own copy of the Jacobian),
/// so they run in parallel; the result is collected in the given order and
/// does not depend on the thread count. Each costs a dense open-loop
/// eigenproblem of the whole model (the Nyquist count needs the open-loop
/// poles): the hybrid hall's 84 loops of 795 states took 29.7 s on one
/// core, 14.9 s on two.
pub fn loop_gains_of(
    model: &Model,
    point: &OperatingPoint,
    freqs: &[f64],
    wanted: &[(&str, usize)],
) -> Result<Vec<LoopGain>, StabilityError> {
    use rayon::prelude::*;
    // The closed-loop poles are a dense eigenproblem of the whole model
    // (4 s at 1 946 states): not computed for a report without loops.
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let closed = closed_loop_unstable(model, point);
    let results: Vec<Result<LoopGain, StabilityError>> = wanted
        .par_iter()
        .map(|&(device, command)| loop_gain_known(model, point, device, command, freqs, &closed))
        .collect();
    // The first failure in the given order, whichever thread met it first.
    results.into_iter().collect()
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
