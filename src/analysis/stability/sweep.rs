//! Parameter studies that re-bind the circuit with perturbed overrides:
//! eigenvalue sensitivity ∂λ/∂p by central differences, and the stability
//! boundary (the parameter value where the least-damped mode crosses a
//! damping threshold) by bisection.
//!
//! Each evaluation recompiles and finds a new operating point, so these
//! are cold-path studies. Owns the matching of modes between perturbed
//! models; must not touch the compiler or devices.

use super::modes::{modes, Mode, Modes};
use super::setup::Setup;
use super::state_space::state_space;
use super::StabilityError;
use faer::c64;
use serde::Serialize;
use std::f64::consts::TAU;

/// Relative step of the central difference.
const RELATIVE_STEP: f64 = 1e-4;

fn modes_with(setup: &Setup, key: &str, value: f64) -> Result<Modes, StabilityError> {
    let bound = setup.bind_with(&[(key.to_string(), value)])?;
    let ss = state_space(&bound.model, &bound.point, false)?;
    modes(&ss)
}

/// ∂/∂p of one mode.
#[derive(Debug, Clone, Serialize)]
pub struct ModeSensitivity {
    pub frequency_hz: f64,
    pub damping: f64,
    /// ∂σ/∂p and ∂ω/∂p, (1/s) per unit of p.
    pub d_real: f64,
    pub d_imag: f64,
    pub d_damping: f64,
    pub d_frequency_hz: f64,
    /// p·∂ζ/∂p: the change of ζ for a 100 % change of p (first order).
    pub relative_d_damping: f64,
}

/// Sensitivity of the least-damped modes to one parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Sensitivity {
    pub parameter: String,
    pub value: f64,
    pub step: f64,
    pub modes: Vec<ModeSensitivity>,
}

fn nearest(target: c64, candidates: &[c64]) -> c64 {
    candidates
        .iter()
        .copied()
        .min_by(|a, b| (a - target).norm().total_cmp(&(b - target).norm()))
        .unwrap_or(target)
}

fn with_conjugates(m: &Modes) -> Vec<c64> {
    let mut out = m.eigenvalues();
    out.extend(
        m.eigenvalues()
            .iter()
            .filter(|l| l.im > 0.0)
            .map(|l| l.conj()),
    );
    out
}

fn damping(l: c64) -> f64 {
    let r = l.norm();
    if r > 0.0 {
        -l.re / r
    } else {
        0.0
    }
}

/// ∂λ/∂p of the `count` least-damped modes for parameter or field `key`.
pub fn sensitivity(setup: &Setup, key: &str, count: usize) -> Result<Sensitivity, StabilityError> {
    let value = setup.value_of(key)?;
    let step = if value != 0.0 {
        RELATIVE_STEP * value.abs()
    } else {
        RELATIVE_STEP
    };
    let base = modes_with(setup, key, value)?;
    let plus = with_conjugates(&modes_with(setup, key, value + step)?);
    let minus = with_conjugates(&modes_with(setup, key, value - step)?);
    let out = base
        .modes
        .iter()
        .take(count)
        .map(|m| {
            let l = m.eigenvalue();
            let (lp, lm) = (nearest(l, &plus), nearest(l, &minus));
            let d = (lp - lm) / (2.0 * step);
            let d_damping = (damping(lp) - damping(lm)) / (2.0 * step);
            ModeSensitivity {
                frequency_hz: m.frequency_hz,
                damping: m.damping,
                d_real: d.re,
                d_imag: d.im,
                d_damping,
                d_frequency_hz: d.im / TAU,
                relative_d_damping: value * d_damping,
            }
        })
        .collect();
    Ok(Sensitivity {
        parameter: key.to_string(),
        value,
        step,
        modes: out,
    })
}

/// Where the least-damped mode crosses the damping threshold.
#[derive(Debug, Clone, Serialize)]
pub struct Boundary {
    pub parameter: String,
    pub threshold: f64,
    /// The crossing, to `relative_tolerance`.
    pub value: f64,
    /// Final bracket [stable side, unstable side].
    pub bracket: [f64; 2],
    pub evaluations: usize,
    /// The least-damped mode on the stable side of the bracket.
    pub mode: Option<Mode>,
}

/// Least damping minus threshold; no equilibrium counts as below it.
fn margin(
    setup: &Setup,
    key: &str,
    value: f64,
    threshold: f64,
) -> Result<(f64, Option<Mode>), StabilityError> {
    match modes_with(setup, key, value) {
        Ok(m) => {
            let least = m.least_damped().cloned();
            Ok((least.as_ref().map_or(1.0, |l| l.damping) - threshold, least))
        }
        Err(StabilityError::NoEquilibrium { .. }) => Ok((f64::NEG_INFINITY, None)),
        Err(e) => Err(e),
    }
}

/// The least damping ratio at each of `values` of `key`, for a sweep
/// plot around a boundary; `None` where the circuit has no operating point.
pub fn least_damping_sweep(
    setup: &Setup,
    key: &str,
    values: &[f64],
) -> Result<Vec<(f64, Option<f64>)>, StabilityError> {
    let mut out = Vec::with_capacity(values.len());
    for &value in values {
        match modes_with(setup, key, value) {
            Ok(m) => out.push((value, Some(m.least_damped().map_or(1.0, |l| l.damping)))),
            Err(StabilityError::NoEquilibrium { .. }) => out.push((value, None)),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Bisection on `key` in [lo, hi] for the value where min ζ = `threshold`.
pub fn boundary_search(
    setup: &Setup,
    key: &str,
    lo: f64,
    hi: f64,
    threshold: f64,
    relative_tolerance: f64,
) -> Result<Boundary, StabilityError> {
    if !(lo.is_finite() && hi.is_finite() && lo != hi) {
        return Err(StabilityError::Invalid(format!(
            "boundary search on `{key}` needs a finite range with two different ends, got [{lo}, {hi}]"
        )));
    }
    let (g_lo, m_lo) = margin(setup, key, lo, threshold)?;
    let (g_hi, m_hi) = margin(setup, key, hi, threshold)?;
    if (g_lo >= 0.0) == (g_hi >= 0.0) {
        return Err(StabilityError::Invalid(format!(
            "the least damping minus {threshold} is {g_lo:.4} at {key} = {lo} and {g_hi:.4} at {key} = {hi}: no crossing in the range"
        )));
    }
    // Keep `good` on the side that meets the threshold.
    let (mut good, mut bad, mut mode) = if g_lo >= 0.0 {
        (lo, hi, m_lo)
    } else {
        (hi, lo, m_hi)
    };
    let mut evaluations = 2;
    while (good - bad).abs() > relative_tolerance * good.abs().max(bad.abs()) && evaluations < 200 {
        let mid = 0.5 * (good + bad);
        let (g, m) = margin(setup, key, mid, threshold)?;
        evaluations += 1;
        if g >= 0.0 {
            good = mid;
            mode = m;
        } else {
            bad = mid;
        }
    }
    Ok(Boundary {
        parameter: key.to_string(),
        threshold,
        value: 0.5 * (good + bad),
        bracket: [good, bad],
        evaluations,
        mode,
    })
}
