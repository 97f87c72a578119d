//! Ripple spectrum figures: amplitude over frequency of a recorded signal
//! in a time window, with the dominant component annotated.
//!
//! Owns the drawing only: the spectrum itself comes from the analysis
//! (`analysis::ripple::ripple_spectrum`), the one the ripple verdict reads,
//! so figure and verdict cannot disagree. Must not judge limits.

use super::bode::padded_with;
use super::canvas::{frame, label_style, log_axis, render, Chart, Legend, Swatch};
use super::draw::{color, label_decimals, DrawResult, FONT, GRID_BOLD, GRID_LIGHT, NOTE_COLOR};
use super::plot::{Figure, PlotError};
use super::scale::{finite_range, tick_label, value_unit};
use crate::units::{frequency, short_eng};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::iter::once;

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
            let text = format!("peak {} at {}", short_eng(a, &data.unit), frequency(f));
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
