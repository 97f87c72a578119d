//! Ripple spectrum figures: amplitude over frequency of a recorded signal
//! in a time window, with the dominant component annotated, plus the
//! amplitude spectrum that feeds them when no analysis result is at hand.
//!
//! Owns the spectrum figure and a display spectrum (uniform resampling,
//! Hann window, radix-2 FFT, single-sided amplitude). Ripple verdicts and
//! their metrics belong to the analysis. Must not judge limits.

use super::bode::padded_with;
use super::canvas::{frame, label_style, log_axis, render, short_eng, Chart, Legend, Swatch};
use super::draw::{color, label_decimals, DrawResult, FONT, GRID_BOLD, GRID_LIGHT, NOTE_COLOR};
use super::plot::{Figure, PlotError};
use super::scale::{finite_range, tick_label, value_unit};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::f64::consts::PI;
use std::iter::once;

/// Largest transform: 16 k points resolve a 30 ms window to 33 Hz bins up
/// to 270 kHz, beyond what an averaged model rings at.
const MAX_POINTS: usize = 1 << 14;
/// Spectra with fewer bins than this are drawn as stems.
const MAX_STEMS: usize = 200;

/// An amplitude spectrum of one signal.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpectrumData {
    pub name: String,
    pub title: String,
    /// The signal analysed, e.g. `bus800`.
    pub signal: String,
    /// SI unit of the amplitudes, e.g. `V`.
    pub unit: String,
    /// Ascending frequencies, Hz (zero is left out on the log axis).
    pub freq_hz: Vec<f64>,
    /// Peak amplitude of each component, in `unit`.
    pub amplitude: Vec<f64>,
    pub notes: Vec<String>,
}

/// Single-sided amplitude spectrum of `values` sampled at `time`, over
/// `window` (seconds): resampled to a uniform power-of-two grid (event
/// instants make the recorded grid uneven), linear trend removed (a slow
/// recovery would otherwise leak into the low bins), Hann window.
/// Returns (frequencies, amplitudes) from two periods per window up, or `None` when
/// the window holds fewer than 8 samples.
pub fn amplitude_spectrum(
    time: &[f64],
    values: &[f64],
    window: (f64, f64),
) -> Option<(Vec<f64>, Vec<f64>)> {
    let n_in = time.len().min(values.len());
    let (t0, t1) = window;
    let inside = time[..n_in]
        .iter()
        .filter(|t| (t0..=t1).contains(*t))
        .count();
    if inside < 8 || t1 <= t0 {
        return None;
    }
    let n = inside.next_power_of_two().min(MAX_POINTS);
    let dt = (t1 - t0) / n as f64;
    let mut samples: Vec<f64> = (0..n)
        .map(|k| interpolate(&time[..n_in], &values[..n_in], t0 + k as f64 * dt))
        .collect::<Option<_>>()?;
    let trend = linear_fit(&samples);
    let hann: Vec<f64> = (0..n)
        .map(|k| 0.5 - 0.5 * (2.0 * PI * k as f64 / n as f64).cos())
        .collect();
    let gain: f64 = hann.iter().sum();
    for (k, (s, w)) in samples.iter_mut().zip(&hann).enumerate() {
        *s = (*s - trend.0 - trend.1 * k as f64) * w;
    }
    let spectrum = fft(&samples);
    // Bin 1 is one period per window: a trend, not a ripple, and where
    // the detrending residue of a slow recovery lands.
    let freq = (2..n / 2).map(|k| k as f64 / (n as f64 * dt)).collect();
    let amp = spectrum[2..n / 2]
        .iter()
        .map(|(re, im)| 2.0 * re.hypot(*im) / gain)
        .collect();
    Some((freq, amp))
}

/// Least-squares line through `(k, y[k])`: (intercept, slope).
fn linear_fit(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (k, v) in y.iter().enumerate() {
        let dx = k as f64 - mean_x;
        sxy += dx * (v - mean_y);
        sxx += dx * dx;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (mean_y - slope * mean_x, slope)
}

/// Linear interpolation in an ascending series; `None` on a non-finite value.
fn interpolate(time: &[f64], values: &[f64], t: f64) -> Option<f64> {
    let k = time.partition_point(|&s| s < t);
    let v = if k == 0 {
        values[0]
    } else if k >= time.len() {
        values[time.len() - 1]
    } else {
        let (a, b) = (time[k - 1], time[k]);
        let s = if b > a { (t - a) / (b - a) } else { 1.0 };
        values[k - 1] + s * (values[k] - values[k - 1])
    };
    v.is_finite().then_some(v)
}

/// Iterative radix-2 FFT of a real sequence whose length is a power of two.
fn fft(input: &[f64]) -> Vec<(f64, f64)> {
    let n = input.len();
    let bits = n.trailing_zeros();
    let mut a: Vec<(f64, f64)> = vec![(0.0, 0.0); n];
    for (k, &x) in input.iter().enumerate() {
        let r = if bits == 0 {
            0
        } else {
            k.reverse_bits() >> (usize::BITS - bits)
        };
        a[r] = (x, 0.0);
    }
    let mut len = 2;
    while len <= n {
        let angle = -2.0 * PI / len as f64;
        for start in (0..n).step_by(len) {
            for j in 0..len / 2 {
                let (wr, wi) = ((angle * j as f64).cos(), (angle * j as f64).sin());
                let (ur, ui) = a[start + j];
                let (xr, xi) = a[start + j + len / 2];
                let (vr, vi) = (xr * wr - xi * wi, xr * wi + xi * wr);
                a[start + j] = (ur + vr, ui + vi);
                a[start + j + len / 2] = (ur - vr, ui - vi);
            }
        }
        len *= 2;
    }
    a
}

/// Renders a spectrum to PNG and SVG.
pub fn spectrum_figure(data: &SpectrumData) -> Result<Figure, PlotError> {
    render(&data.name, &data.title, &SpectrumPlot(data))
}

struct SpectrumPlot<'a>(&'a SpectrumData);

impl Chart for SpectrumPlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let data = self.0;
        let (plot, panel) = frame(root, &data.title)?;
        let points: Vec<(f64, f64)> = data
            .freq_hz
            .iter()
            .zip(&data.amplitude)
            .filter(|(f, a)| **f > 0.0 && f.is_finite() && a.is_finite())
            .map(|(f, a)| (*f, *a))
            .collect();
        let peak = points.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
        // Empty decades above the content only shrink it: the axis ends a
        // few times above the last component worth a thousandth of the peak.
        let floor = peak.map_or(0.0, |p| p.1 * 1e-3);
        let last = points.iter().rev().find(|p| p.1 > floor).map(|p| p.0 * 4.0);
        let (f0, f1) = match finite_range(points.iter().map(|p| p.0)) {
            Some((a, b)) if b > a => (a, last.map_or(b, |l| l.clamp(a * 10.0, b))),
            Some((a, _)) => (a / 10.0, a * 10.0),
            None => (1.0, 1e5),
        };
        let points: Vec<(f64, f64)> = points.into_iter().filter(|p| p.0 <= f1).collect();
        let y_unit = value_unit(peak.map_or(1.0, |p| p.1), &data.unit);
        let scaled: Vec<(f64, f64)> = points
            .iter()
            .map(|(f, a)| (*f, a / y_unit.divisor))
            .collect();
        let amps: Vec<f64> = scaled.iter().map(|p| p.1).collect();
        let (_, y1) = padded_with(&amps, &[0.0]);
        let y1 = if y1 > 0.0 { y1 } else { 1.0 };
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(58)
            .y_label_area_size(92)
            .build_cartesian_2d(log_axis(f0, f1), 0.0..y1)?;
        let decimals = label_decimals((0.0, y1), 10);
        let x_fmt = |f: &f64| short_eng(*f, "Hz");
        let y_fmt = |v: &f64| tick_label(*v, decimals);
        chart
            .configure_mesh()
            // The label count the decimals were chosen for.
            .y_labels(10)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("frequency [Hz]")
            .y_desc(format!("amplitude [{}]", y_unit.unit))
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 21))
            .light_line_style(GRID_LIGHT)
            .bold_line_style(GRID_BOLD)
            .axis_style(BLACK.stroke_width(1))
            .draw()?;
        let c = color(0);
        if scaled.len() <= MAX_STEMS {
            for &(f, a) in &scaled {
                chart.draw_series(once(PathElement::new(
                    vec![(f, 0.0), (f, a)],
                    c.stroke_width(2),
                )))?;
            }
        } else {
            chart.draw_series(LineSeries::new(scaled.iter().copied(), c.stroke_width(2)))?;
        }
        let mut legend = Legend::new(&panel);
        legend.entry(Swatch::Line(c, 3), &format!("{} amplitude", data.signal))?;
        if let Some((f, a)) = peak {
            let top = a / y_unit.divisor;
            chart.draw_series(once(Circle::new((f, top), 5, c.filled())))?;
            let text = format!(
                "peak {} at {}",
                short_eng(a, &data.unit),
                short_eng(f, "Hz")
            );
            chart.draw_series(once(Text::new(
                format!("  {text}"),
                (f, top),
                label_style(16, &NOTE_COLOR),
            )))?;
            legend.entry(Swatch::None, &text)?;
        } else {
            legend.entry(Swatch::None, "no finite samples in the window")?;
        }
        for n in &data.notes {
            legend.note(n)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_shows_at_its_frequency_and_amplitude() {
        let time: Vec<f64> = (0..3000).map(|k| f64::from(k) * 1e-5).collect();
        let values: Vec<f64> = time
            .iter()
            .map(|t| 800.0 + 0.5 * (2.0 * PI * 1000.0 * t).sin())
            .collect();
        let (f, a) = amplitude_spectrum(&time, &values, (0.0, 0.0299)).unwrap_or_default();
        let k = (0..a.len())
            .max_by(|&i, &j| a[i].total_cmp(&a[j]))
            .unwrap_or(0);
        assert!((f[k] - 1000.0).abs() < 40.0, "{}", f[k]);
        // Hann leaks a bin-centred tone into neighbours; the peak keeps most.
        assert!(a[k] > 0.3 && a[k] < 0.51, "{}", a[k]);
        assert!(amplitude_spectrum(&time, &values, (0.0, 1e-5)).is_none());
    }

    #[test]
    fn fft_of_an_impulse_is_flat() {
        let mut x = vec![0.0; 8];
        x[0] = 1.0;
        assert!(fft(&x)
            .iter()
            .all(|(re, im)| (re - 1.0).abs() < 1e-12 && im.abs() < 1e-12));
    }
}
