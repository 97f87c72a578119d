//! Spectra of uniformly resampled signals by real FFT: the dominant
//! sinusoids of a ripple and the share of fluctuation energy in a band.
//!
//! Both use a Hann window on the signal minus its mean; the ripple lines
//! also remove the least-squares straight line first, so that a slow drift
//! across the window (a bus still creeping to its final value) does not
//! leak into the lowest bins and pass for the strongest line. A Hann window
//! keeps a leak from a large low-frequency component (a load step inside
//! the window) from burying the ripple lines, and its main lobe has a
//! closed form, so a line between two bins can be located and its
//! amplitude corrected exactly rather than read off the nearest bin (up to
//! 15 % low).

use super::signal::Uniform;
use realfft::num_complex::Complex;
use realfft::RealFftPlanner;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// One spectral line: a sinusoid's frequency and peak amplitude.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub frequency_hz: f64,
    /// Peak (not RMS) amplitude, in the signal's unit.
    pub amplitude: f64,
}

thread_local! {
    /// One planner per thread: it caches each length's plan, and every
    /// column of a run has the same length. Building a plan is most of the
    /// cost of a short transform (prime lengths need Rader's twiddles).
    static PLANNER: RefCell<RealFftPlanner<f64>> = RefCell::new(RealFftPlanner::new());
}

/// One-sided Hann-windowed spectrum of a uniform signal minus its mean
/// (minus its least-squares line with `detrend`).
struct Windowed {
    bins: Vec<Complex<f64>>,
    n: usize,
    /// Bin spacing, Hz.
    df: f64,
}

fn windowed(u: &Uniform, detrend: bool) -> Option<Windowed> {
    let n = u.values.len();
    if n < 8 || u.dt.is_nan() || u.dt <= 0.0 || u.values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mean = u.values.iter().sum::<f64>() / n as f64;
    // Least-squares slope about the centre index c: Σ(k−c)(v−mean)/Σ(k−c)².
    let centre = (n - 1) as f64 / 2.0;
    let slope = if detrend {
        let (num, den) = u
            .values
            .iter()
            .enumerate()
            .fold((0.0, 0.0), |(p, q), (k, v)| {
                let x = k as f64 - centre;
                (p + x * (v - mean), q + x * x)
            });
        num / den
    } else {
        0.0
    };
    let fft = PLANNER.with(|p| p.borrow_mut().plan_fft_forward(n));
    let mut input: Vec<f64> = u
        .values
        .iter()
        .enumerate()
        .map(|(k, v)| {
            // Periodic Hann: its DFT has exactly three non-zero taps, which
            // is what the peak interpolation below assumes.
            let w = 0.5 * (1.0 - (2.0 * std::f64::consts::PI * k as f64 / n as f64).cos());
            (v - mean - slope * (k as f64 - centre)) * w
        })
        .collect();
    let mut bins = fft.make_output_vec();
    fft.process(&mut input, &mut bins).ok()?;
    Some(Windowed {
        bins,
        n,
        df: 1.0 / (n as f64 * u.dt),
    })
}

/// Main-lobe shape of the Hann window at `delta` bins from a line,
/// normalised to 1 at the line.
fn hann_lobe(delta: f64) -> f64 {
    if delta.abs() < 1e-12 {
        return 1.0;
    }
    let x = std::f64::consts::PI * delta;
    (x.sin() / x) / (1.0 - delta * delta)
}

/// Up to `count` strongest lines of `u` (detrended), strongest first.
///
/// Each local maximum of the magnitude spectrum (bins 2 and up: bins 0
/// and 1 carry the mean and the leak of any trend) is refined with the
/// Hann ratio formula, δ = (2α − 1)/(α + 1) with α the ratio of the larger
/// neighbour to the peak, and its amplitude divided by the window's loss
/// at δ. Lines below 1e-6 of the strongest are dropped as numerical noise.
pub fn dominant_lines(u: &Uniform, count: usize) -> Vec<Line> {
    let Some(w) = windowed(u, true) else {
        return Vec::new();
    };
    let mag: Vec<f64> = w.bins.iter().map(|c| c.norm()).collect();
    let last = mag.len().saturating_sub(1);
    let mut lines: Vec<Line> = Vec::new();
    for k in 2..last {
        if !(mag[k] > mag[k - 1] && mag[k] >= mag[k + 1]) {
            continue;
        }
        let (left, right) = (mag[k - 1], mag[k + 1]);
        let delta = if right >= left {
            let a = right / mag[k];
            (2.0 * a - 1.0) / (a + 1.0)
        } else {
            let a = left / mag[k];
            -(2.0 * a - 1.0) / (a + 1.0)
        };
        let amplitude = 4.0 * mag[k] / (w.n as f64 * hann_lobe(delta));
        lines.push(Line {
            frequency_hz: (k as f64 + delta) * w.df,
            amplitude,
        });
    }
    lines.sort_by(|a, b| b.amplitude.total_cmp(&a.amplitude));
    let floor = lines.first().map_or(0.0, |l| l.amplitude * 1e-6);
    lines.retain(|l| l.amplitude > floor);
    lines.truncate(count);
    lines
}

/// Peak amplitude of every bin of `u` from the second up (bins 0 and 1
/// carry the mean and the leak of any trend), with its frequency: the
/// spectrum [`dominant_lines`] reads, uncorrected between bins.
pub fn amplitude_spectrum(u: &Uniform) -> Option<(Vec<f64>, Vec<f64>)> {
    let w = windowed(u, true)?;
    let last = w.bins.len().saturating_sub(1);
    let bin = |k: usize| (k as f64 * w.df, 4.0 * w.bins[k].norm() / w.n as f64);
    Some((2..last).map(bin).unzip())
}

/// One-sided Hann-windowed spectrum of `u` minus its mean (not
/// detrended, as [`band_share`] reads it) and its bin spacing in Hz; `None`
/// when the record is too short or not finite. Two signals on the same
/// grid give bins that can be multiplied (cross-spectra).
pub fn fluctuation_bins(u: &Uniform) -> Option<(Vec<Complex<f64>>, f64)> {
    let w = windowed(u, false)?;
    Some((w.bins, w.df))
}

/// Share (0–1) of the fluctuation energy of `u` (its windowed spectrum
/// without the mean) that lies in `[low_hz, high_hz]`; `None` when the
/// record is too short to resolve the band (bin spacing above `high_hz`)
/// or holds no fluctuation at all.
pub fn band_share(u: &Uniform, low_hz: f64, high_hz: f64) -> Option<f64> {
    let w = windowed(u, false)?;
    if w.df > high_hz {
        return None;
    }
    let mut total = 0.0;
    let mut band = 0.0;
    for (k, c) in w.bins.iter().enumerate().skip(1) {
        let p = c.norm_sqr();
        total += p;
        let f = k as f64 * w.df;
        if f >= low_hz && f <= high_hz {
            band += p;
        }
    }
    (total > 0.0).then(|| band / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(f: f64, a: f64, dt: f64, n: usize, offset: f64) -> Uniform {
        Uniform {
            start: 0.0,
            dt,
            values: (0..n)
                .map(|k| offset + a * (2.0 * std::f64::consts::PI * f * k as f64 * dt + 0.3).sin())
                .collect(),
        }
    }

    #[test]
    fn off_bin_line_is_located_and_corrected() {
        // 1000 points at 10 µs: 100 Hz bins; 1234.5 Hz sits between bins.
        let u = sine(1234.5, 0.2, 1e-5, 1000, 800.0);
        let lines = dominant_lines(&u, 3);
        let first = lines[0];
        assert!((first.frequency_hz - 1234.5).abs() < 5.0, "{first:?}");
        assert!((first.amplitude - 0.2).abs() < 0.2 * 1e-3, "{first:?}");
    }

    #[test]
    fn a_drift_does_not_pass_for_the_strongest_line() {
        // 5 mV at 1 kHz on a bus creeping up by 50 mV over the window.
        let mut u = sine(1000.0, 0.005, 1e-5, 2000, 50.0);
        for (k, v) in u.values.iter_mut().enumerate() {
            *v += 0.05 * k as f64 / 2000.0;
        }
        let first = dominant_lines(&u, 3)[0];
        assert!((first.frequency_hz - 1000.0).abs() < 5.0, "{first:?}");
        assert!((first.amplitude - 0.005).abs() < 0.005 * 1e-2, "{first:?}");
    }

    #[test]
    fn band_share_of_two_tones() {
        // Equal amplitudes at 2 Hz and 50 Hz: half the energy in 0.1–20 Hz.
        let dt = 1e-3;
        let values: Vec<f64> = (0..20_000)
            .map(|k| {
                let t = k as f64 * dt;
                (2.0 * std::f64::consts::PI * 2.0 * t).sin()
                    + (2.0 * std::f64::consts::PI * 50.0 * t).sin()
            })
            .collect();
        let u = Uniform {
            start: 0.0,
            dt,
            values,
        };
        let share = band_share(&u, 0.1, 20.0).unwrap_or(f64::NAN);
        assert!((share - 0.5).abs() < 1e-3, "{share}");
        let short = sine(50.0, 1.0, 1e-3, 30, 0.0);
        assert_eq!(band_share(&short, 0.1, 20.0), None);
    }
}
