//! Impedance magnitude plots on log-log axes: a bus impedance against its
//! target impedance ΔV/ΔI, or the interface pair |Z_source| and |Z_load|
//! with the region the source impedance must stay out of (the forbidden
//! region of the minor-loop gain) shaded.
//!
//! Owns the impedance figure. The curves, target and boundary are inputs
//! filled by the stability analysis. Must not compute impedances.

use super::bode::padded_with;
use super::canvas::{dashed, frame, label_style, log_axis, render, Chart, Legend, Swatch};
use super::draw::{
    color, DrawResult, FONT, GRID_BOLD, GRID_LIGHT, LIMIT_ALPHA, LIMIT_COLOR, NOTE_COLOR,
};
use super::plot::{Figure, PlotError};
use super::scale::finite_range;
use crate::units::{frequency, short_eng};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::iter::once;

const TARGET_COLOR: RGBColor = RGBColor(204, 102, 0);

/// One magnitude curve over frequency.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MagnitudeCurve {
    /// Legend text, e.g. `|Z_source| at bus800`.
    pub label: String,
    /// Ascending frequencies, Hz.
    pub freq_hz: Vec<f64>,
    /// Magnitudes in ohms (or the plot's unit).
    pub magnitude: Vec<f64>,
}

impl MagnitudeCurve {
    /// A curve from complex values (real, imaginary).
    pub fn from_complex(label: &str, freq_hz: &[f64], values: &[(f64, f64)]) -> Self {
        MagnitudeCurve {
            label: label.to_string(),
            freq_hz: freq_hz.to_vec(),
            magnitude: values.iter().map(|(re, im)| re.hypot(*im)).collect(),
        }
    }

    fn points(&self) -> Vec<(f64, f64)> {
        self.freq_hz
            .iter()
            .zip(&self.magnitude)
            .filter(|(f, m)| **f > 0.0 && **m > 0.0 && f.is_finite() && m.is_finite())
            .map(|(f, m)| (*f, *m))
            .collect()
    }
}

/// An impedance figure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImpedanceData {
    pub name: String,
    pub title: String,
    pub curves: Vec<MagnitudeCurve>,
    /// Target impedance ΔV/ΔI in ohms, drawn as a horizontal line.
    pub target_ohm: Option<f64>,
    /// A boundary whose upper side is shaded as forbidden, e.g.
    /// |Z_load| lowered by the gain margin: |Z_source| must stay below it.
    pub forbidden_above: Option<MagnitudeCurve>,
    pub notes: Vec<String>,
}

/// Renders an impedance plot to PNG and SVG.
pub fn impedance_figure(data: &ImpedanceData) -> Result<Figure, PlotError> {
    render(&data.name, &data.title, &ImpedancePlot(data))
}

struct ImpedancePlot<'a>(&'a ImpedanceData);

/// The highest point of a curve if it lies inside the sweep: a maximum at
/// either end is a trend, not a resonance.
fn interior_peak(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let k = (0..points.len()).max_by(|&a, &b| points[a].1.total_cmp(&points[b].1))?;
    (k > 0 && k + 1 < points.len() && points[k].1 > points[0].1 * 1.01).then(|| points[k])
}

impl Chart for ImpedancePlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let data = self.0;
        let (plot, panel) = frame(root, &data.title)?;
        let curves: Vec<Vec<(f64, f64)>> = data.curves.iter().map(MagnitudeCurve::points).collect();
        let boundary = data.forbidden_above.as_ref().map(MagnitudeCurve::points);
        let all = || curves.iter().chain(boundary.iter()).flatten();
        let (f0, f1) = match finite_range(all().map(|p| p.0)) {
            Some((a, b)) if b > a => (a, b),
            Some((a, _)) => (a / 10.0, a * 10.0),
            None => (1.0, 1e5),
        };
        let logs: Vec<f64> = all().map(|p| p.1.log10()).collect();
        let extra: Vec<f64> = data
            .target_ohm
            .filter(|t| *t > 0.0)
            .map(f64::log10)
            .into_iter()
            .collect();
        // Pad in decades so curves keep off the frame on a log axis.
        let (l0, l1) = padded_with(&logs, &extra);
        let (z0, z1) = (10f64.powf(l0), 10f64.powf(l1));
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(58)
            .y_label_area_size(100)
            .build_cartesian_2d(log_axis(f0, f1), log_axis(z0, z1))?;
        let x_fmt = |f: &f64| short_eng(*f, "Hz");
        let y_fmt = |z: &f64| short_eng(*z, "Ω");
        chart
            .configure_mesh()
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("frequency [Hz]")
            .y_desc("impedance magnitude [Ω]")
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 21))
            .light_line_style(GRID_LIGHT)
            .bold_line_style(GRID_BOLD)
            .axis_style(BLACK.stroke_width(1))
            .draw()?;

        if let Some(b) = boundary.as_ref().filter(|b| b.len() > 1) {
            let outline: Vec<(f64, f64)> = b
                .iter()
                .copied()
                .chain([(b[b.len() - 1].0, z1), (b[0].0, z1)])
                .collect();
            chart.draw_series(once(Polygon::new(
                outline,
                LIMIT_COLOR.mix(LIMIT_ALPHA).filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                b.iter().copied(),
                LIMIT_COLOR.stroke_width(1),
            ))?;
        }
        if let Some(t) = data.target_ohm.filter(|t| *t > 0.0) {
            dashed(&mut chart, (f0, t), (f1, t), TARGET_COLOR)?;
        }
        let marker = label_style(15, &NOTE_COLOR);
        for (k, points) in curves.iter().enumerate() {
            chart.draw_series(LineSeries::new(
                points.iter().copied(),
                color(k).stroke_width(2),
            ))?;
            if let Some((f, z)) = interior_peak(points) {
                chart.draw_series(once(Circle::new((f, z), 5, color(k).filled())))?;
                // Labels right of a peak near the right edge would run
                // into the legend panel, so they go to its left there.
                let right_side = (f / f0).ln() > 0.7 * (f1 / f0).ln();
                let style = if right_side {
                    marker.pos(Pos::new(HPos::Right, VPos::Center))
                } else {
                    marker.clone()
                };
                let text = format!("  {} at {}  ", short_eng(z, "Ω"), frequency(f));
                chart.draw_series(once(Text::new(text, (f, z), style)))?;
            }
        }
        let mut legend = Legend::new(&panel);
        for (k, c) in data.curves.iter().enumerate() {
            legend.entry(Swatch::Line(color(k), 3), &c.label)?;
        }
        if let Some(t) = data.target_ohm {
            legend.entry(
                Swatch::Dashed(TARGET_COLOR),
                &format!("target {}", short_eng(t, "Ω")),
            )?;
        }
        if let Some(b) = &data.forbidden_above {
            legend.entry(Swatch::Area(LIMIT_COLOR, LIMIT_ALPHA * 2.0), &b.label)?;
        }
        legend.entry(Swatch::None, "dots: resonance peaks")?;
        for n in &data.notes {
            legend.note(n)?;
        }
        Ok(())
    }
}
