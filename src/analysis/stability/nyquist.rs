//! The Nyquist criterion for a broken loop, and the margins consistent
//! with it.
//!
//! With the loop opened the network may already be unstable (a
//! constant-power rack on its capacitor is a negative resistance): the
//! open loop then has P right-half-plane poles and a Bode reading of L(jω)
//! says nothing. Here P comes from the eigenvalues of the open-loop state
//! matrix, N (clockwise encirclements of −1 by L) from the unwrapped phase
//! of 1 + L(jω) on a grid spanning the poles, and Z = N + P is the number
//! of closed-loop right-half-plane poles, cross-checked against the
//! eigenvalues of the closed loop. Poles on the imaginary axis are skirted
//! on the right (docs/stability.md). Owns the contour, the encirclement
//! count and the Nyquist-consistent margins; must not build matrices
//! (`loops`, `state_space`).

use super::loops::{crossings, Margins};
use super::StabilityError;
use faer::c64;
use serde::Serialize;
use std::f64::consts::{PI, TAU};

/// Log-spaced samples per decade before refinement.
const PER_DECADE: usize = 40;
/// Largest phase step of L or 1 + L between neighbouring samples: above
/// it the interval is halved, so unwrapping cannot skip a turn.
const MAX_STEP_RAD: f64 = PI / 8.0;
/// Upper bound on samples per contour (refinement stops there).
const MAX_SAMPLES: usize = 20_000;
/// Widest contour, decades from its lowest to its highest frequency. The
/// bundled circuits span under 30 (a battery's 30 s time constant, a
/// controller's integrator pushed 12 decades lower, and current loops at
/// 10 kHz, each with 3 decades beyond); a pole near 1e300 Hz (a loop
/// bandwidth of 1e300 Hz) would otherwise take minutes of sampling.
const MAX_DECADES: f64 = 60.0;
/// Decades the grid reaches beyond the slowest and the fastest open-loop
/// pole, where L(jω) has settled to its asymptote.
const DECADES_BEYOND: f64 = 3.0;
/// Poles with |λ| (or Re λ) below this fraction of the largest |λ| are on
/// the origin (or the imaginary axis): integrators of a controller.
const POLE_TOLERANCE: f64 = 1e-9;
/// Relative radius of the semicircle around a pole on the imaginary axis.
const INDENT: f64 = 1e-6;

/// The Nyquist count of one loop.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Nyquist {
    /// P: open-loop poles with Re λ > 0.
    pub open_loop_unstable_poles: usize,
    /// L's own poles at s = 0 (integrators of the loop), skirted on the
    /// right; open-loop poles there that L does not see are not counted.
    pub open_loop_poles_at_origin: usize,
    /// N: clockwise encirclements of −1 by L(s) on the Nyquist contour.
    pub encirclements: i64,
    /// Z = N + P: closed-loop right-half-plane poles by Nyquist.
    pub closed_loop_unstable_nyquist: i64,
    /// Closed-loop right-half-plane poles from the eigenvalues of A.
    pub closed_loop_unstable_eigen: Option<usize>,
    /// The verdict: from the eigenvalues when known, else from Nyquist.
    pub stable: bool,
    /// Nyquist and the eigenvalues count the same Z.
    pub consistent: Option<bool>,
    /// How far −Θ/2π was from an integer (0 for a clean count).
    pub count_residual: f64,
    pub frequency_range_hz: [f64; 2],
    pub samples: usize,
}

impl Nyquist {
    /// "open loop has 1 unstable pole; Nyquist: stable (N = −1, Z = 0),
    /// eigenvalues agree".
    pub fn describe(&self) -> String {
        let p = self.open_loop_unstable_poles;
        let poles = match p {
            0 => "open loop stable".to_string(),
            1 => "open loop has 1 unstable pole".to_string(),
            _ => format!("open loop has {p} unstable poles"),
        };
        let verdict = if self.closed_loop_unstable_nyquist == 0 {
            "stable"
        } else {
            "UNSTABLE"
        };
        let check = match (self.consistent, self.closed_loop_unstable_eigen) {
            (Some(true), _) => ", eigenvalues agree".to_string(),
            (Some(false), Some(z)) => {
                format!(", DISAGREES with the eigenvalues ({z} closed-loop pole(s) with σ > 0)")
            }
            _ => String::new(),
        };
        format!(
            "{poles}; Nyquist: {verdict} (N = {}, Z = {}){check}",
            self.encirclements, self.closed_loop_unstable_nyquist
        )
    }
}

/// Samples L on `grid`, halving every interval over which the phase of L
/// or of 1 + L turns by more than `MAX_STEP_RAD`.
fn refined(
    eval: &mut dyn FnMut(f64) -> Result<c64, StabilityError>,
    grid: &[f64],
    axis: &[AxisPole],
) -> Result<(Vec<f64>, Vec<c64>), StabilityError> {
    let one = c64::new(1.0, 0.0);
    let turns = |a: c64, b: c64| (b / a).arg().abs().max(((one + b) / (one + a)).arg().abs());
    let mut freqs = vec![grid[0]];
    let mut values = vec![eval(grid[0])?];
    for &f in &grid[1..] {
        // Pending right ends, nearest last.
        let mut stack = vec![(f, eval(f)?)];
        while let Some(&(fb, lb)) = stack.last() {
            let (fa, la) = (freqs[freqs.len() - 1], values[values.len() - 1]);
            let budget = freqs.len() + stack.len() < MAX_SAMPLES;
            let refine = fb / fa > 1.0 + 1e-9 && turns(la, lb) > MAX_STEP_RAD;
            if budget && refine && AxisPole::across(axis, fa, fb).is_none() {
                let mid = (fa * fb).sqrt();
                stack.push((mid, eval(mid)?));
            } else {
                stack.pop();
                freqs.push(fb);
                values.push(lb);
            }
        }
    }
    Ok((freqs, values))
}

/// An open-loop pole on the imaginary axis at ±j·2π·f (an undamped
/// resonance), skirted on the right by a small semicircle.
#[derive(Debug, Clone, Copy)]
struct AxisPole {
    f: f64,
    /// Poles of the open loop at this frequency.
    multiplicity: usize,
}

impl AxisPole {
    /// The poles with |Re λ| ≤ `tol` and Im λ > `tol`, merged by frequency.
    fn find(open_poles: &[c64], tol: f64) -> Vec<AxisPole> {
        let mut f: Vec<f64> = open_poles
            .iter()
            .filter(|l| l.re.abs() <= tol && l.im > tol)
            .map(|l| l.im / TAU)
            .collect();
        f.sort_by(f64::total_cmp);
        let mut out: Vec<AxisPole> = Vec::new();
        for fk in f {
            match out.last_mut() {
                Some(last) if fk - last.f <= INDENT * last.f => last.multiplicity += 1,
                _ => out.push(AxisPole {
                    f: fk,
                    multiplicity: 1,
                }),
            }
        }
        out
    }

    /// The pole strictly inside (fa, fb), if any.
    fn across(axis: &[AxisPole], fa: f64, fb: f64) -> Option<AxisPole> {
        axis.iter().copied().find(|p| fa < p.f && p.f < fb)
    }

    /// The grid with the points next to each pole replaced by f·(1 ± INDENT).
    fn indent(grid: Vec<f64>, axis: &[AxisPole]) -> Vec<f64> {
        let near = |f: f64| axis.iter().any(|p| (f - p.f).abs() <= INDENT * p.f);
        let mut out: Vec<f64> = grid.into_iter().filter(|&f| !near(f)).collect();
        for p in axis {
            out.push(p.f * (1.0 - INDENT));
            out.push(p.f * (1.0 + INDENT));
        }
        out.sort_by(f64::total_cmp);
        out
    }

    /// The turn of 1 + L over the semicircle from f·(1 − INDENT) to
    /// f·(1 + INDENT) (values `la`, `lb`): −k·π for a pole of order k of L,
    /// where k comes from |L| ≈ K/|ω − ω_p|^k; a pole L does not see
    /// (k = 0) turns it by the principal step only.
    fn turn(
        &self,
        eval: &mut dyn FnMut(f64) -> Result<c64, StabilityError>,
        la: c64,
        lb: c64,
    ) -> Result<f64, StabilityError> {
        let one = c64::new(1.0, 0.0);
        let far = eval(self.f * (1.0 + 100.0 * INDENT))?.norm();
        let k = if far > 0.0 && lb.norm() > 0.0 {
            ((lb.norm() / far).log10() / 2.0).round().max(0.0) as usize
        } else {
            0
        };
        let k = k.min(self.multiplicity) as f64;
        let principal = ((one + lb) / (one + la)).arg();
        Ok(principal + TAU * ((-k * PI - principal) / TAU).round())
    }
}

/// The order m of L's pole at s = 0, from |L| ≈ K/ω^m over the decade
/// below `f` (which lies decades below every other pole), at most
/// `at_origin`, the open loop's poles there.
fn origin_order(
    eval: &mut dyn FnMut(f64) -> Result<c64, StabilityError>,
    f: f64,
    at_origin: usize,
) -> Result<usize, StabilityError> {
    let (below, at) = (eval(f / 10.0)?.norm(), eval(f)?.norm());
    if below == 0.0 {
        // L vanishes there (a unit that ignores its inputs, e.g. a BBU in
        // standby): no pole of L at the origin.
        return Ok(0);
    }
    let ratio = below / at;
    if !ratio.is_finite() {
        return Ok(at_origin);
    }
    Ok((ratio.log10().round().max(0.0) as usize).min(at_origin))
}

/// Applies the Nyquist criterion to L(j·2πf) given by `eval`, with the
/// open-loop poles `open_poles` (eigenvalues of the open-loop state
/// matrix) and, when known, the closed-loop right-half-plane pole count.
/// The grid covers `band` (Hz) and extends to `DECADES_BEYOND` decades
/// past the poles. Returns the count and the margins consistent with it.
pub fn nyquist(
    eval: &mut dyn FnMut(f64) -> Result<c64, StabilityError>,
    band: (f64, f64),
    open_poles: &[c64],
    closed_unstable: Option<usize>,
) -> Result<(Nyquist, Margins), StabilityError> {
    let largest = open_poles
        .iter()
        .map(|p| p.norm())
        .fold(TAU * band.1, f64::max);
    let tol = POLE_TOLERANCE * largest;
    let p = open_poles.iter().filter(|l| l.re > tol).count();
    let at_origin = open_poles.iter().filter(|l| l.norm() <= tol).count();
    let slowest = open_poles
        .iter()
        .map(|l| l.norm())
        .filter(|&m| m > tol)
        .fold(TAU * band.0, f64::min);
    let beyond = 10f64.powf(DECADES_BEYOND);
    let mut f_lo = band.0.min(slowest / TAU / beyond);
    let f_hi = band.1.max(largest / TAU * beyond);
    // Poles at s = 0 that L does not see (a battery's charge in standby:
    // neither driven by nor feeding the loop) must not count: the order of
    // L's own pole there is read off its slope, L ≈ K/s^m.
    let order = if at_origin > 0 {
        origin_order(eval, f_lo, at_origin)?
    } else {
        0
    };
    // With integrators the contour skirts s = 0 on a small arc; start
    // where |L| is large, so that the arc is L's own asymptote.
    if order > 0 {
        for _ in 0..12 {
            if eval(f_lo)?.norm() >= 1e3 {
                break;
            }
            f_lo /= 10.0;
        }
    }
    let decades = (f_hi / f_lo).log10();
    if !(decades.is_finite() && decades <= MAX_DECADES) {
        return Err(StabilityError::NonFinite(format!(
            "the loop's poles span {f_lo:.3e} Hz to {f_hi:.3e} Hz, more than the \
             {MAX_DECADES} decades of any physical loop"
        )));
    }
    let count = ((decades * PER_DECADE as f64).ceil() as usize).max(2);
    let grid: Vec<f64> = (0..=count)
        .map(|k| f_lo * 10f64.powf(decades * k as f64 / count as f64))
        .collect();
    let axis = AxisPole::find(open_poles, tol);
    let (freqs, values) = refined(eval, &AxisPole::indent(grid, &axis), &axis)?;

    let one = c64::new(1.0, 0.0);
    let mut positive_half = 0.0;
    for k in 1..freqs.len() {
        let (la, lb) = (values[k - 1], values[k]);
        positive_half += match AxisPole::across(&axis, freqs[k - 1], freqs[k]) {
            Some(pole) => pole.turn(eval, la, lb)?,
            None => ((one + lb) / (one + la)).arg(),
        };
    }
    let start = (one + values[0]).arg();
    let end = (one + values[values.len() - 1]).arg();
    // From −jε to +jε around the origin on the right: the principal turn
    // 2·start up to whole turns, the one nearest −m·π (L ≈ K/s^m).
    let expected = -(order as f64) * PI;
    let arc_origin = 2.0 * start + TAU * ((expected - 2.0 * start) / TAU).round();
    // The large arc: L has settled, so the turn nearest zero.
    let arc_infinity = -2.0 * end + TAU * (end / PI).round();
    let total = 2.0 * positive_half + arc_origin + arc_infinity;
    let winding = -total / TAU;
    let n = winding.round() as i64;
    let z = n + p as i64;

    let mut found = crossings(eval, &freqs, &values)?;
    if at_origin == 0 {
        // L(0) real and negative is a phase crossover at DC.
        if let Ok(l0) = eval(0.0) {
            if l0.re < 0.0 && l0.im.abs() <= 1e-9 * l0.norm() {
                found.phase.push((0.0, l0));
            }
        }
    }
    let stable = match closed_unstable {
        Some(count) => count == 0,
        None => z == 0,
    };
    let result = Nyquist {
        open_loop_unstable_poles: p,
        open_loop_poles_at_origin: order,
        encirclements: n,
        closed_loop_unstable_nyquist: z,
        closed_loop_unstable_eigen: closed_unstable,
        stable,
        consistent: closed_unstable.map(|c| c as i64 == z),
        count_residual: (winding - n as f64).abs(),
        frequency_range_hz: [f_lo, f_hi],
        samples: freqs.len(),
    };
    Ok((result, Margins::assemble(&found, Some(stable))))
}
