//! Grid-side measurements of a recorded power P(t) at the point of common
//! coupling (PCC), as a utility measures them: the ramp of P averaged over
//! a window (rise and fall apart), the ramp over one sample step, and the
//! trailing running mean that a dynamic-range band is drawn around.
//!
//! P(t) is the linear interpolant of the samples. Works on a `Signal` only;
//! must not know limits, scenarios or the circuit.

use super::signal::{At, Signal, Uniform};

/// The steepest rise and the steepest fall of a power, W/s, both ≥ 0,
/// each at the instant it ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ramp {
    pub rise: At,
    pub fall: At,
}

/// Ramp of P averaged over the trailing `window` seconds.
///
/// The running mean P̄(t) = (1/W)∫_{t−W}^{t} P has the derivative
/// (P(t) − P(t−W))/W exactly, so its steepest rise and fall are the
/// extremes of that difference. Both P(t) and P(t−W) are piecewise
/// linear in t, so the extremes lie at t = tᵢ or t = tᵢ + W for some sample
/// time tᵢ; every such t in [t₀ + W, t_end] is evaluated, which makes the
/// result exact for the interpolant and independent of how 1 s blocks
/// would be aligned (block averages can halve a step that falls mid-block;
/// the running mean sees every alignment). `None` when the record is
/// shorter than the window.
pub fn averaged_ramp(s: &Signal, window: f64) -> Option<Ramp> {
    let (t0, t1) = s.span()?;
    if window.is_nan() || window <= 0.0 || t1 - t0 < window {
        return None;
    }
    let rate = |t: f64| (s.at(t) - s.at(t - window)) / window;
    let candidates = s
        .time
        .iter()
        .flat_map(|&t| [t, t + window])
        .filter(|&t| t >= t0 + window && t <= t1);
    extremes(candidates.map(|t| At {
        value: rate(t),
        time: t,
    }))
}

/// Ramp over one step of a uniform grid: the signed slope between
/// neighbours, at the midpoint.
pub fn step_ramp(u: &Uniform) -> Option<Ramp> {
    extremes(u.values.windows(2).enumerate().map(|(k, p)| At {
        value: (p[1] - p[0]) / u.dt,
        time: u.start + (k as f64 + 0.5) * u.dt,
    }))
}

/// The largest and the (negated) smallest of finite signed rates.
fn extremes(rates: impl Iterator<Item = At>) -> Option<Ramp> {
    let mut rise: Option<At> = None;
    let mut fall: Option<At> = None;
    for r in rates.filter(|r| r.value.is_finite()) {
        if rise.is_none_or(|x| r.value > x.value) {
            rise = Some(r);
        }
        let down = At {
            value: -r.value,
            time: r.time,
        };
        if fall.is_none_or(|x| down.value > x.value) {
            fall = Some(down);
        }
    }
    Some(Ramp {
        rise: rise?,
        fall: fall?,
    })
}

/// The running integral E(t) = ∫_{t₀}^{t} P of the interpolant, at any t.
pub struct Integral<'a> {
    s: &'a Signal<'a>,
    at_samples: Vec<f64>,
}

impl<'a> Integral<'a> {
    pub fn new(s: &'a Signal<'a>) -> Self {
        Integral {
            s,
            at_samples: s.cumulative(),
        }
    }

    /// E(t), clamped to the record.
    pub fn at(&self, t: f64) -> f64 {
        let k = self.s.time.partition_point(|&x| x <= t);
        if k == 0 {
            return 0.0;
        }
        let (tk, vk) = (self.s.time[k - 1], self.s.values[k - 1]);
        if k >= self.s.len() || !vk.is_finite() {
            return self.at_samples[k - 1];
        }
        self.at_samples[k - 1] + 0.5 * (vk + self.s.at(t)) * (t - tk)
    }

    /// Mean over the trailing `window` before `t`, or over [t₀, t] while
    /// less than a window has passed (P(t₀) at t₀ itself).
    pub fn trailing_mean(&self, t: f64, window: f64) -> f64 {
        let t0 = self.s.time.first().copied().unwrap_or(t);
        let start = (t - window).max(t0);
        if t <= start {
            return self.s.at(t);
        }
        (self.at(t) - self.at(start)) / (t - start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_mean_of_a_ramp_lags_by_half_a_window() {
        // P = 3t: the mean over [t − 1, t] is 3(t − 0.5).
        let time: Vec<f64> = (0..=40).map(|k| k as f64 * 0.25).collect();
        let values: Vec<f64> = time.iter().map(|t| 3.0 * t).collect();
        let s = Signal::new(&time, &values);
        let e = Integral::new(&s);
        assert!((e.trailing_mean(5.1, 1.0) - 3.0 * 4.6).abs() < 1e-12);
        assert!((e.trailing_mean(0.5, 1.0) - 0.75).abs() < 1e-12);
        assert_eq!(e.trailing_mean(0.0, 1.0), 0.0);
        assert!((e.at(2.1) - 1.5 * 2.1 * 2.1).abs() < 1e-12);
    }
}
