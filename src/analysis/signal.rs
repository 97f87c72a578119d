//! Sampled-signal primitives shared by the analysers: a borrowed view of
//! one recorded column on its time grid, linear interpolation, windows,
//! time integrals and resampling onto a uniform grid.
//!
//! Recorded waveforms sit on a uniform grid plus the exact event instants,
//! so samples are not evenly spaced; everything here treats the signal as
//! piecewise linear between samples, which is what the CSV and the plots
//! show. NaN samples (a column that stopped) are skipped.

/// A signal: ascending sample times and their values (same length).
#[derive(Debug, Clone, Copy)]
pub struct Signal<'a> {
    pub time: &'a [f64],
    pub values: &'a [f64],
}

/// A value and the instant it occurred.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct At {
    pub value: f64,
    pub time: f64,
}

impl<'a> Signal<'a> {
    /// A view of `values` on `time`, truncated to the shorter of the two.
    pub fn new(time: &'a [f64], values: &'a [f64]) -> Self {
        let n = time.len().min(values.len());
        Signal {
            time: &time[..n],
            values: &values[..n],
        }
    }

    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// First and last time stamp.
    pub fn span(&self) -> Option<(f64, f64)> {
        Some((*self.time.first()?, *self.time.last()?))
    }

    /// Value at `t` by linear interpolation, clamped to the end values.
    /// At a repeated time stamp (an event instant recorded twice) the later
    /// sample wins, i.e. the value just after the event.
    pub fn at(&self, t: f64) -> f64 {
        let n = self.len();
        if n == 0 {
            return f64::NAN;
        }
        let k = self.time.partition_point(|&x| x <= t);
        if k == 0 {
            return self.values[0];
        }
        if k >= n {
            return self.values[n - 1];
        }
        let (t0, t1) = (self.time[k - 1], self.time[k]);
        let (v0, v1) = (self.values[k - 1], self.values[k]);
        if t1 <= t0 {
            return v1;
        }
        v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    }

    /// Value just before `t`: the last sample strictly before it (the
    /// first sample when none is). A sample at `t` itself may already hold
    /// the jump of an event at `t`, so it is not used.
    pub fn before(&self, t: f64) -> f64 {
        let k = self.time.partition_point(|&x| x < t);
        match k {
            0 => self.values.first().copied().unwrap_or(f64::NAN),
            k => self.values[k - 1],
        }
    }

    /// Indices of the samples with `start ≤ t ≤ end`.
    pub fn range(&self, start: f64, end: f64) -> std::ops::Range<usize> {
        let a = self.time.partition_point(|&x| x < start);
        let b = self.time.partition_point(|&x| x <= end);
        a..b.max(a)
    }

    /// Smallest and largest non-NaN sample in `[start, end]`, first
    /// occurrence of each.
    pub fn extremes(&self, start: f64, end: f64) -> Option<(At, At)> {
        let mut lo: Option<At> = None;
        let mut hi: Option<At> = None;
        for k in self.range(start, end) {
            let (t, v) = (self.time[k], self.values[k]);
            if v.is_nan() {
                continue;
            }
            if lo.is_none_or(|m| v < m.value) {
                lo = Some(At { value: v, time: t });
            }
            if hi.is_none_or(|m| v > m.value) {
                hi = Some(At { value: v, time: t });
            }
        }
        Some((lo?, hi?))
    }

    /// ∫ f(v) dt over the whole signal by the trapezoidal rule on the
    /// samples. With `f` a clamp (`max(v, 0)`) a sign change inside an
    /// interval is split at its zero so the positive and negative parts
    /// add up to the plain integral.
    pub fn integral(&self, positive_part: Option<bool>) -> f64 {
        let mut sum = 0.0;
        for k in 1..self.len() {
            let dt = self.time[k] - self.time[k - 1];
            let (a, b) = (self.values[k - 1], self.values[k]);
            if dt <= 0.0 || a.is_nan() || b.is_nan() {
                continue;
            }
            sum += match positive_part {
                None => 0.5 * (a + b) * dt,
                Some(sign) => {
                    let s = if sign { 1.0 } else { -1.0 };
                    clamped_trapezoid(s * a, s * b, dt)
                }
            };
        }
        sum
    }

    /// Running integral ∫₀ᵗ v dt at every sample (trapezoidal).
    pub fn cumulative(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.len());
        let mut sum = 0.0;
        for k in 0..self.len() {
            if k > 0 {
                let dt = self.time[k] - self.time[k - 1];
                let (a, b) = (self.values[k - 1], self.values[k]);
                if dt > 0.0 && a.is_finite() && b.is_finite() {
                    sum += 0.5 * (a + b) * dt;
                }
            }
            out.push(sum);
        }
        out
    }

    /// Time-weighted mean over `[start, end]` (the integral of the
    /// interpolated signal divided by the length); the value at `start`
    /// when the window has no length.
    pub fn mean(&self, start: f64, end: f64) -> f64 {
        if end <= start {
            return self.at(start);
        }
        let mut points: Vec<(f64, f64)> = vec![(start, self.at(start))];
        for k in self.range(start, end) {
            if self.time[k] > start && self.time[k] < end && self.values[k].is_finite() {
                points.push((self.time[k], self.values[k]));
            }
        }
        points.push((end, self.at(end)));
        let area: f64 = points
            .windows(2)
            .map(|p| 0.5 * (p[0].1 + p[1].1) * (p[1].0 - p[0].0))
            .sum();
        area / (end - start)
    }

    /// The most common sample spacing in `[start, end]`: the median of the
    /// positive time steps, which is the scenario's `sample` even where
    /// event instants add extra samples.
    pub fn typical_step(&self, start: f64, end: f64) -> Option<f64> {
        let r = self.range(start, end);
        let mut steps: Vec<f64> = self.time[r]
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 0.0)
            .collect();
        if steps.is_empty() {
            return None;
        }
        steps.sort_by(f64::total_cmp);
        Some(steps[steps.len() / 2])
    }

    /// The signal on a uniform grid `start, start + dt, …` covering
    /// `[start, end]`, by linear interpolation. `dt` is the typical step,
    /// widened so that at most `max_points` points are produced.
    pub fn resample(&self, start: f64, end: f64, max_points: usize) -> Option<Uniform> {
        let step = self.typical_step(start, end)?;
        let span = end - start;
        if span.is_nan() || span <= 0.0 {
            return None;
        }
        let mut dt = step;
        let mut n = (span / dt + 1e-9).floor() as usize + 1;
        if n > max_points {
            dt = span / (max_points - 1) as f64;
            n = max_points;
        }
        let values = (0..n).map(|k| self.at(start + k as f64 * dt)).collect();
        Some(Uniform { start, dt, values })
    }
}

/// A signal on a uniform grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Uniform {
    pub start: f64,
    pub dt: f64,
    pub values: Vec<f64>,
}

/// ∫ max(v, 0) dt over one linear piece from `a` to `b` of length `dt`.
fn clamped_trapezoid(a: f64, b: f64, dt: f64) -> f64 {
    match (a >= 0.0, b >= 0.0) {
        (true, true) => 0.5 * (a + b) * dt,
        (false, false) => 0.0,
        // One end negative: only the triangle on the positive side counts.
        (true, false) => 0.5 * a * dt * a / (a - b),
        (false, true) => 0.5 * b * dt * b / (b - a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_and_windows() {
        let t = [0.0, 1.0, 1.0, 2.0, 3.0];
        let v = [0.0, 1.0, 5.0, 7.0, 7.0];
        let s = Signal::new(&t, &v);
        assert_eq!(s.at(0.5), 0.5);
        assert_eq!(s.at(1.0), 5.0);
        assert_eq!(s.before(1.0), 0.0);
        assert_eq!(s.before(1.5), 5.0);
        assert_eq!(s.at(9.0), 7.0);
        assert_eq!(s.range(1.0, 2.0), 1..4);
        let (lo, hi) = s.extremes(0.5, 3.0).expect("samples in the window");
        assert_eq!((lo.value, hi.value, hi.time), (1.0, 7.0, 2.0));
        assert_eq!(s.typical_step(0.0, 3.0), Some(1.0));
    }

    #[test]
    fn integrals_split_at_zero() {
        let t = [0.0, 2.0];
        let v = [-1.0, 1.0];
        let s = Signal::new(&t, &v);
        assert!((s.integral(None)).abs() < 1e-15);
        assert!((s.integral(Some(true)) - 0.5).abs() < 1e-15);
        assert!((s.integral(Some(false)) - 0.5).abs() < 1e-15);
        assert_eq!(s.cumulative(), vec![0.0, 0.0]);
        assert!((s.mean(1.0, 2.0) - 0.5).abs() < 1e-15);
    }
}
