//! Extrema of a frequency response between the points of a sweep grid.
//!
//! A sweep samples |Z(jω)| or |T(jω)| on a log grid; a lightly damped
//! resonance falls between two points and the grid reads its peak low.
//! Since the response can be evaluated at any frequency, each grid extremum
//! is bracketed by its two neighbours and refined by Brent's minimisation
//! (golden section with parabolic steps) in log-frequency. Owns this search
//! only; the callers own the responses.

use super::StabilityError;

/// Bracket width in ln f below which the search stops: the value is then
/// within (Q·1e-7)² of the extremum's, far below 1e-3 dB for any Q < 1e4.
const LOG_TOLERANCE: f64 = 1e-7;
/// Iteration cap (golden section alone reaches the tolerance in ~40).
const MAX_ITERATIONS: usize = 100;
/// Grid extrema refined per response, the most extreme first: enough for
/// every resonance of a sweep without paying for ripples of a flat curve.
const MAX_REFINED: usize = 4;
/// Only grid minima within this factor of the smallest sample are refined:
/// between two points of a 10-per-decade grid a resonance with Q < 50
/// reads at most 4× off its extremum, and each refinement costs a
/// factorisation per step.
const CANDIDATE_FACTOR: f64 = 4.0;

/// The frequency and value of the smallest `g` over `[lo, hi]` (Hz) by
/// Brent's method on ln f.
pub fn minimise(
    g: &mut dyn FnMut(f64) -> Result<f64, StabilityError>,
    lo: f64,
    hi: f64,
) -> Result<(f64, f64), StabilityError> {
    const GOLD: f64 = 0.381_966_011_250_105_1; // (3 − √5)/2
    let mut at = |x: f64| g(x.exp());
    let (mut a, mut b) = (lo.ln(), hi.ln());
    // x: best so far; w: second best; v: the previous w.
    let mut x = a + GOLD * (b - a);
    let mut fx = at(x)?;
    let (mut w, mut v, mut fw, mut fv) = (x, x, fx, fx);
    let (mut d, mut e) = (0.0f64, 0.0f64);
    for _ in 0..MAX_ITERATIONS {
        let mid = 0.5 * (a + b);
        if b - a < LOG_TOLERANCE {
            break;
        }
        let tol = 0.25 * LOG_TOLERANCE;
        // A parabola through x, w, v when it lands inside and moves less
        // than half the step before last; a golden step otherwise.
        let mut golden = true;
        if e.abs() > tol {
            let r = (x - w) * (fx - fv);
            let q0 = (x - v) * (fx - fw);
            let mut p = (x - v) * q0 - (x - w) * r;
            let mut q = 2.0 * (q0 - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            if p.abs() < (0.5 * q * e).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                golden = false;
                if (x + d) - a < 2.0 * tol || b - (x + d) < 2.0 * tol {
                    d = if mid > x { tol } else { -tol };
                }
            }
        }
        if golden {
            e = if x >= mid { a - x } else { b - x };
            d = GOLD * e;
        }
        let u = if d.abs() >= tol {
            x + d
        } else {
            x + tol.copysign(d)
        };
        let fu = at(u)?;
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                (v, fv, w, fw) = (w, fw, u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
    }
    Ok((x.exp(), fx))
}

/// The smallest `g` over the swept band: the interior local minima of the
/// sampled `values` on `freqs` (ascending) within [`CANDIDATE_FACTOR`] of
/// the smallest sample, at most [`MAX_REFINED`] of them, are refined
/// between their neighbours; a minimum at either end of the band stays as
/// sampled.
/// `(f64::NAN, f64::NAN)` for an empty grid.
pub fn refined_minimum(
    g: &mut dyn FnMut(f64) -> Result<f64, StabilityError>,
    freqs: &[f64],
    values: &[f64],
) -> Result<(f64, f64), StabilityError> {
    let mut best = (f64::NAN, f64::INFINITY);
    for (&f, &y) in freqs.iter().zip(values) {
        if y < best.1 {
            best = (f, y);
        }
    }
    if best.1 == f64::INFINITY {
        return Ok((f64::NAN, f64::NAN));
    }
    let mut dips: Vec<usize> = (1..values.len().saturating_sub(1))
        .filter(|&k| values[k] <= values[k - 1] && values[k] <= values[k + 1])
        .filter(|&k| near(values[k], best.1))
        .collect();
    dips.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    dips.truncate(MAX_REFINED);
    for k in dips {
        let (f, y) = minimise(g, freqs[k - 1], freqs[k + 1])?;
        if y < best.1 {
            best = (f, y);
        }
    }
    Ok(best)
}

/// `value` is within [`CANDIDATE_FACTOR`] of the smallest sample `least`,
/// on either side of zero (the maximum search negates its values).
fn near(value: f64, least: f64) -> bool {
    if least > 0.0 {
        value <= least * CANDIDATE_FACTOR
    } else {
        value <= least / CANDIDATE_FACTOR
    }
}

/// The largest `g` over the swept band, as [`refined_minimum`].
pub fn refined_maximum(
    g: &mut dyn FnMut(f64) -> Result<f64, StabilityError>,
    freqs: &[f64],
    values: &[f64],
) -> Result<(f64, f64), StabilityError> {
    let negated: Vec<f64> = values.iter().map(|y| -y).collect();
    let (f, y) = refined_minimum(&mut |f| g(f).map(|y| -y), freqs, &negated)?;
    Ok((f, -y))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// |1/(1 − (f/f0)² + j·f/(Q·f0))|: peak Q/√(1 − 1/(4Q²)) at
    /// f0·√(1 − 1/(2Q²)).
    #[test]
    fn resonance_between_grid_points() {
        let (f0, q) = (1234.5, 20.0);
        let mut g = |f: f64| -> Result<f64, StabilityError> {
            let x = f / f0;
            Ok(1.0 / ((1.0 - x * x).powi(2) + (x / q).powi(2)).sqrt())
        };
        let freqs: Vec<f64> = (0..=40)
            .map(|k| 10f64.powf(2.0 + k as f64 / 10.0))
            .collect();
        let values: Vec<f64> = freqs.iter().map(|&f| g(f).unwrap_or(0.0)).collect();
        let (f, peak) = refined_maximum(&mut g, &freqs, &values).expect("peak");
        let expected = q / (1.0 - 1.0 / (4.0 * q * q)).sqrt();
        let at = f0 * (1.0 - 1.0 / (2.0 * q * q)).sqrt();
        assert!(
            (peak / expected - 1.0).abs() < 1e-12,
            "{peak} vs {expected}"
        );
        assert!((f / at - 1.0).abs() < 1e-6, "{f} vs {at}");
        let grid_peak = values.iter().copied().fold(0.0, f64::max);
        assert!(grid_peak < 0.9 * expected, "the grid alone misses it");
    }

    #[test]
    fn minimum_at_the_band_edge_stays_sampled() {
        let mut g = |f: f64| -> Result<f64, StabilityError> { Ok(f) };
        let freqs = [1.0, 2.0, 4.0];
        let (f, y) = refined_minimum(&mut g, &freqs, &[1.0, 2.0, 4.0]).expect("min");
        assert_eq!((f, y), (1.0, 1.0));
    }
}
