//! Ripple of a signal in a time window: peak-to-peak, RMS of the AC part
//! and the dominant frequencies, and the quiet windows it is measured in
//! when the user names none.
//!
//! Ripple is the periodic part of a steady state, not the response to a
//! load change: by default it is measured where no event acts (see
//! [`quiet_windows`] and docs/metrics.md). A peak-to-peak below the
//! solver's error tolerance is integration noise and is flagged so.
//!
//! Peak-to-peak and RMS are taken on the recorded samples (interpolated
//! linearly, as plotted); the spectrum needs a uniform grid, so the window
//! is resampled at the recording's typical step first.

use super::signal::Signal;
use super::spectrum::{amplitude_spectrum, dominant_lines, Line};
use super::transient::{response, EventWindow};
use serde::{Deserialize, Serialize};

/// Largest FFT length used for one window; longer records are resampled
/// more coarsely, which only drops content above the new Nyquist limit.
pub const MAX_FFT_POINTS: usize = 1 << 21;

/// Number of spectral lines reported per window.
pub const LINES: usize = 3;

/// Fewest samples a quiet window must hold to be measured.
const MIN_QUIET_SAMPLES: usize = 8;

/// Where a ripple window came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum WindowKind {
    /// Named by the user (a `Ripple` limit's or the scenario's window).
    #[default]
    Named,
    /// Found in the run: the settled part of an interval between events.
    Quiet,
}

/// Ripple of one signal in one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ripple {
    pub window: (f64, f64),
    #[serde(default)]
    pub window_kind: WindowKind,
    pub mean: f64,
    pub peak_to_peak: f64,
    /// RMS of v − mean (the AC part).
    pub rms_ac: f64,
    /// Strongest sinusoids, strongest first (empty when the window is too
    /// short to resolve any, or the ripple is below the solver tolerance).
    pub lines: Vec<Line>,
    /// The solver's error tolerance at the window's level,
    /// atol + rtol·|mean| (V), when known.
    #[serde(default)]
    pub solver_tolerance: Option<f64>,
    /// The peak-to-peak is below `solver_tolerance`: integration noise, not
    /// ripple. Reports say "below solver tolerance" instead of a number.
    #[serde(default)]
    pub below_tolerance: bool,
}

impl Ripple {
    /// Flags the ripple as noise when its peak-to-peak is below the
    /// solver's tolerance `atol + rtol·|mean|`, and drops its lines.
    pub fn judge_tolerance(&mut self, rtol: f64, atol: f64) {
        let tolerance = atol + rtol * self.mean.abs();
        self.solver_tolerance = Some(tolerance);
        self.below_tolerance = self.peak_to_peak < tolerance;
        if self.below_tolerance {
            self.lines.clear();
        }
    }
}

/// The ripple of `s` in `[start, end]`; `None` if the window holds fewer
/// than two finite samples.
pub fn ripple(s: &Signal, start: f64, end: f64) -> Option<Ripple> {
    let (lo, hi) = s.extremes(start, end)?;
    if end <= start {
        return None;
    }
    let mean = s.mean(start, end);
    let rms_ac = ac_rms(s, start, end, mean);
    let lines = s
        .resample(start, end, MAX_FFT_POINTS)
        .map(|u| dominant_lines(&u, LINES))
        .unwrap_or_default();
    Some(Ripple {
        window: (start, end),
        window_kind: WindowKind::Named,
        mean,
        peak_to_peak: hi.value - lo.value,
        rms_ac,
        lines,
        solver_tolerance: None,
        below_tolerance: false,
    })
}

/// The windows of `s` in which no load change acts: for each event window,
/// the part from max(midpoint between the event's last instant and the
/// next event, event start + 2 × settling time) to the next event; for the
/// lead-in from the start of the run (or a whole run without events), from
/// 2 × its settling time. Twice the settling time leaves an exponential
/// recovery at (band)² of the step; the later half keeps slower tails out.
/// Windows in which the node never settles into `band_pct` (% of
/// `reference`) give none.
pub fn quiet_windows(
    s: &Signal,
    events: &[EventWindow],
    reference: Option<f64>,
    band_pct: f64,
) -> Vec<(f64, f64)> {
    let Some((t0, _)) = s.span() else {
        return Vec::new();
    };
    let mut intervals = Vec::with_capacity(events.len() + 1);
    if let Some(first) = events.first().filter(|e| e.start > t0) {
        intervals.push(EventWindow {
            start: t0,
            last: t0,
            end: first.start,
        });
    }
    intervals.extend_from_slice(events);
    intervals
        .into_iter()
        .filter_map(|e| {
            let settling = response(s, e, reference, band_pct)?.settling_time?;
            let settled = e.start + 2.0 * settling;
            // Nothing acts before the run's first instant: the lead-in is
            // quiet once settled (a cold start settles too).
            let from = if e.start <= t0 {
                settled
            } else {
                settled.max(0.5 * (e.last + e.end))
            };
            let held = s.range(from, e.end).len();
            (from < e.end && held >= MIN_QUIET_SAMPLES).then_some((from, e.end))
        })
        .collect()
}

/// The ripple of `s` in its quiet windows (see [`quiet_windows`]): the
/// window with the largest peak-to-peak; `None` when there is none.
pub fn quiet_ripple(
    s: &Signal,
    events: &[EventWindow],
    reference: Option<f64>,
    band_pct: f64,
) -> Option<Ripple> {
    let spread = |w: &(f64, f64)| {
        s.extremes(w.0, w.1)
            .map_or(0.0, |(lo, hi)| hi.value - lo.value)
    };
    let (a, b) = quiet_windows(s, events, reference, band_pct)
        .into_iter()
        .max_by(|x, y| spread(x).total_cmp(&spread(y)))?;
    let r = ripple(s, a, b)?;
    Some(Ripple {
        window_kind: WindowKind::Quiet,
        ..r
    })
}

/// The amplitude spectrum (frequencies, peak amplitudes) that the lines of
/// [`ripple`] are read from: the same window, resampling and Hann window.
pub fn ripple_spectrum(s: &Signal, start: f64, end: f64) -> Option<(Vec<f64>, Vec<f64>)> {
    amplitude_spectrum(&s.resample(start, end, MAX_FFT_POINTS)?)
}

/// √(mean of (v − mean)²) over the window, exact for a piecewise linear
/// signal: each linear piece from a to b contributes (a² + ab + b²)/3·dt.
fn ac_rms(s: &Signal, start: f64, end: f64, mean: f64) -> f64 {
    let mut points: Vec<(f64, f64)> = vec![(start, s.at(start) - mean)];
    for k in s.range(start, end) {
        if s.time[k] > start && s.time[k] < end && s.values[k].is_finite() {
            points.push((s.time[k], s.values[k] - mean));
        }
    }
    points.push((end, s.at(end) - mean));
    let sum: f64 = points
        .windows(2)
        .map(|p| {
            let (a, b) = (p[0].1, p[1].1);
            (a * a + a * b + b * b) / 3.0 * (p[1].0 - p[0].0)
        })
        .sum();
    (sum / (end - start)).max(0.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triangle_wave() {
        // Triangle of ±1 around 5: p-p 2, RMS 1/√3.
        let t: Vec<f64> = (0..=400).map(|k| k as f64 * 0.25).collect();
        let v: Vec<f64> = t
            .iter()
            .map(|&x| {
                let phase = x % 4.0;
                5.0 + if phase < 2.0 {
                    phase - 1.0
                } else {
                    3.0 - phase
                }
            })
            .collect();
        let r = ripple(&Signal::new(&t, &v), 0.0, 100.0).expect("samples");
        assert!((r.peak_to_peak - 2.0).abs() < 1e-12);
        assert!((r.mean - 5.0).abs() < 1e-12);
        assert!((r.rms_ac - 1.0 / 3f64.sqrt()).abs() < 1e-9);
        assert!((r.lines[0].frequency_hz - 0.25).abs() < 0.01);
    }

    #[test]
    fn a_sine_shows_at_its_frequency_and_amplitude() {
        use std::f64::consts::PI;
        let time: Vec<f64> = (0..3000).map(|k| f64::from(k) * 1e-5).collect();
        let values: Vec<f64> = time
            .iter()
            .map(|t| 800.0 + 0.5 * (2.0 * PI * 1000.0 * t).sin())
            .collect();
        let signal = Signal::new(&time, &values);
        let (f, a) = ripple_spectrum(&signal, 0.0, 0.0299).unwrap_or_default();
        let k = (0..a.len())
            .max_by(|&i, &j| a[i].total_cmp(&a[j]))
            .unwrap_or(0);
        assert!((f[k] - 1000.0).abs() < 40.0, "{}", f[k]);
        // Hann leaks a bin-centred tone into neighbours; the peak keeps most.
        assert!(a[k] > 0.3 && a[k] < 0.51, "{}", a[k]);
        assert!(ripple_spectrum(&signal, 0.0, 1e-5).is_none());
    }
}
