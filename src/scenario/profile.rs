//! Evaluation of per-unit load profiles: value, slope and breakpoints.
//!
//! Owns the arithmetic of `Step`, `Pulse`, `Pwl` and `Trace` once a delay
//! (stagger) is applied. This is the integrator's hot path: `value` and
//! `slope` must not allocate or fail. Must not parse, validate or know
//! about circuits.
//!
//! Every corner is kept in absolute time and `value`/`slope` compare `t`
//! against corners computed by exactly the same arithmetic as
//! `breakpoints`. Evaluating at a breakpoint therefore always lands on the
//! segment that starts there, which shifting `t` back by the delay would
//! not guarantee after rounding.

use super::schema::{Profile, Pulse};
use std::sync::Arc;

/// A profile bound to one load: shape plus that load's stagger delay.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadProfile {
    shape: Shape,
    delay: f64,
}

#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Constant(f64),
    /// Ramp from `t0` to `t1` (absolute); `t0 == t1` is a jump.
    Step {
        from: f64,
        to: f64,
        t0: f64,
        t1: f64,
    },
    Pulse(PulseShape),
    /// `(t, pu)` relative to the delay; shared between loads.
    Table(Arc<[(f64, f64)]>),
}

#[derive(Debug, Clone, PartialEq)]
struct PulseShape {
    low: f64,
    high: f64,
    /// Absolute start of cycle 0.
    start: f64,
    period: f64,
    /// Offsets of the corners within a cycle: rise end, fall start, fall end.
    rise_end: f64,
    fall_start: f64,
    fall_end: f64,
    cycles: Option<u64>,
}

impl PulseShape {
    /// Corner `j` (0 = cycle start, 1..=3 = `rise_end`, `fall_start`,
    /// `fall_end`) of cycle `k`, in absolute time. The single formula
    /// shared by evaluation and `breakpoints`.
    fn corner(&self, k: u64, j: usize) -> f64 {
        let offset = match j {
            0 => 0.0,
            1 => self.rise_end,
            2 => self.fall_start,
            _ => self.fall_end,
        };
        self.start + k as f64 * self.period + offset
    }

    /// The cycle containing `t`, or `None` before the first or after the
    /// last cycle.
    fn cycle(&self, t: f64) -> Option<u64> {
        if t < self.corner(0, 0) {
            return None;
        }
        let guess = ((t - self.start) / self.period).floor();
        // Float-to-int casts saturate; the ±1 fix-up below corrects the
        // rounding of the division near a cycle boundary.
        let mut k = if guess.is_finite() && guess > 0.0 {
            guess as u64
        } else {
            0
        };
        if k > 0 && t < self.corner(k, 0) {
            k -= 1;
        } else if t >= self.corner(k.saturating_add(1), 0) {
            k = k.saturating_add(1);
        }
        match self.cycles {
            Some(n) if k >= n => None,
            _ => Some(k),
        }
    }

    /// (value, slope) at `t`, right-continuous at the corners.
    fn eval(&self, t: f64) -> (f64, f64) {
        let Some(k) = self.cycle(t) else {
            return (self.low, 0.0);
        };
        let c = [
            self.corner(k, 0),
            self.corner(k, 1),
            self.corner(k, 2),
            self.corner(k, 3),
        ];
        if t < c[1] {
            ramp(self.low, self.high, c[0], c[1], t)
        } else if t < c[2] {
            (self.high, 0.0)
        } else if t < c[3] {
            ramp(self.high, self.low, c[2], c[3], t)
        } else {
            (self.low, 0.0)
        }
    }
}

/// (value, slope) on a linear segment from `(t0, v0)` to `(t1, v1)`, for
/// `t0 <= t < t1`.
fn ramp(v0: f64, v1: f64, t0: f64, t1: f64, t: f64) -> (f64, f64) {
    let width = t1 - t0;
    if width > 0.0 {
        let slope = (v1 - v0) / width;
        (v0 + slope * (t - t0), slope)
    } else {
        (v1, 0.0)
    }
}

impl LoadProfile {
    /// Binds `profile` to a load delayed by `delay` seconds.
    ///
    /// A `Trace` must already hold its samples (as after
    /// [`crate::scenario::load`]); an unloaded trace evaluates to NaN so that
    /// the mistake fails loudly instead of simulating a zero load.
    pub fn new(profile: &Profile, delay: f64) -> Self {
        let shape = match profile {
            Profile::Step(s) => {
                let t0 = delay + s.at;
                Shape::Step {
                    from: s.from,
                    to: s.to,
                    t0,
                    t1: t0 + s.rise.max(0.0),
                }
            }
            Profile::Pulse(p) => Shape::Pulse(pulse_shape(p, delay)),
            Profile::Pwl(points) => Shape::Table(points.as_slice().into()),
            Profile::Trace(trace) => Shape::Table(trace.samples.clone()),
        };
        LoadProfile { shape, delay }
    }

    /// Like [`LoadProfile::new`], reusing an already shared point table so
    /// that many loads on one `Pwl` share a single copy.
    pub(crate) fn with_table(table: Arc<[(f64, f64)]>, delay: f64) -> Self {
        LoadProfile {
            shape: Shape::Table(table),
            delay,
        }
    }

    /// A profile that never changes, e.g. 1.0 for a load no entry targets.
    pub fn constant(pu: f64) -> Self {
        LoadProfile {
            shape: Shape::Constant(pu),
            delay: 0.0,
        }
    }

    /// This load's stagger delay, seconds.
    pub fn delay(&self) -> f64 {
        self.delay
    }

    /// Value and slope at `t` from one evaluation of the shape.
    pub fn value_and_slope(&self, t: f64) -> (f64, f64) {
        self.eval(t)
    }

    /// Per-unit demand at time `t`.
    pub fn value(&self, t: f64) -> f64 {
        self.eval(t).0
    }

    /// d(pu)/dt on the segment that starts at or before `t` (the right
    /// derivative at a corner), 0 on flat parts and jumps.
    pub fn slope(&self, t: f64) -> f64 {
        self.eval(t).1
    }

    fn eval(&self, t: f64) -> (f64, f64) {
        match &self.shape {
            Shape::Constant(v) => (*v, 0.0),
            Shape::Step { from, to, t0, t1 } => {
                if t < *t0 {
                    (*from, 0.0)
                } else if t < *t1 {
                    ramp(*from, *to, *t0, *t1, t)
                } else {
                    (*to, 0.0)
                }
            }
            Shape::Pulse(p) => p.eval(t),
            Shape::Table(points) => eval_table(points, self.delay, t),
        }
    }

    /// How many corners [`LoadProfile::breakpoints`] can give at most,
    /// counted without listing them (a pulse train's may be billions).
    pub fn corner_count(&self, t_end: f64) -> f64 {
        match &self.shape {
            Shape::Constant(_) => 0.0,
            Shape::Step { .. } => 2.0,
            Shape::Pulse(p) => {
                let in_run = ((t_end - p.start) / p.period).floor() + 1.0;
                let cycles = p.cycles.map_or(in_run, |n| in_run.min(n as f64));
                4.0 * cycles.max(0.0)
            }
            Shape::Table(points) => points.len() as f64,
        }
    }

    /// Every corner time in `[0, t_end]`, sorted and deduplicated: the
    /// instants the integrator must land on exactly.
    ///
    /// For an endless `Pulse` this is four corners per period up to
    /// `t_end`, so its length grows with `t_end / period`.
    pub fn breakpoints(&self, t_end: f64) -> Vec<f64> {
        let mut out = Vec::new();
        match &self.shape {
            Shape::Constant(_) => {}
            Shape::Step { t0, t1, .. } => out.extend([*t0, *t1]),
            Shape::Pulse(p) => {
                let mut k = 0u64;
                while p.cycles.is_none_or(|n| k < n) && p.corner(k, 0) <= t_end {
                    out.extend((0..4).map(|j| p.corner(k, j)));
                    k += 1;
                }
            }
            Shape::Table(points) => out.extend(points.iter().map(|(t, _)| t + self.delay)),
        }
        out.retain(|t| (0.0..=t_end).contains(t));
        out.sort_by(f64::total_cmp);
        dedup_close(&mut out);
        out
    }
}

fn pulse_shape(p: &Pulse, delay: f64) -> PulseShape {
    let high_for = p.duty.clamp(0.0, 1.0) * p.period;
    let rise = p.rise.max(0.0).min(high_for);
    PulseShape {
        low: p.low,
        high: p.high,
        start: delay + p.start,
        period: p.period,
        rise_end: rise,
        fall_start: high_for,
        fall_end: (high_for + p.fall.max(0.0)).min(p.period),
        cycles: p.cycles,
    }
}

/// Linear interpolation in a table whose times are shifted by `delay`;
/// constant before the first and after the last point.
fn eval_table(points: &[(f64, f64)], delay: f64, t: f64) -> (f64, f64) {
    // Index of the first point strictly after t: the segment that starts at
    // or before t ends there.
    let i = points.partition_point(|(pt, _)| pt + delay <= t);
    match (i.checked_sub(1).and_then(|j| points.get(j)), points.get(i)) {
        (None, Some((_, v))) => (*v, 0.0),
        (Some((_, v)), None) => (*v, 0.0),
        (Some(&(ta, va)), Some(&(tb, vb))) => ramp(va, vb, ta + delay, tb + delay, t),
        (None, None) => (f64::NAN, 0.0),
    }
}

/// Removes corners closer than rounding noise to the previous one, which
/// would otherwise force the integrator into a step of a few ulps.
fn dedup_close(sorted: &mut Vec<f64>) {
    sorted.dedup_by(|next, kept| (*next - *kept).abs() <= 1e-12 * kept.abs().max(1e-3));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::schema::Step;

    #[test]
    fn corners_are_right_continuous_after_a_delay() {
        // 0.01 + 2e-4 - 2e-4 != 0.01 in binary; evaluation must still land
        // on the ramp at the breakpoint.
        let p = LoadProfile::new(
            &Profile::Step(Step {
                from: 0.3,
                to: 1.0,
                at: 0.01,
                rise: 1e-3,
            }),
            2e-4,
        );
        let bp = p.breakpoints(1.0);
        assert_eq!(bp.len(), 2);
        assert_eq!(p.value(bp[0]), 0.3);
        assert!((p.slope(bp[0]) - 700.0).abs() < 1e-9);
        assert_eq!(p.slope(bp[1]), 0.0);
        assert_eq!(p.value(bp[1]), 1.0);
    }

    #[test]
    fn table_with_delay_picks_segment_at_breakpoint() {
        let table: Arc<[(f64, f64)]> = vec![(0.0, 0.0), (0.1, 1.0), (0.3, 0.0)].into();
        let p = LoadProfile::with_table(table, 0.07);
        let bp = p.breakpoints(1.0);
        assert_eq!(bp.len(), 3);
        assert!((p.slope(bp[1]) + 5.0).abs() < 1e-9);
        assert!((p.slope(bp[0]) - 10.0).abs() < 1e-9);
        assert_eq!(p.slope(bp[2]), 0.0);
    }
}
