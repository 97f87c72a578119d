//! Sweep and boundary figures: a metric against a swept parameter (for
//! example the least damping ratio against bus capacitance), with the
//! acceptance threshold and the stability boundary marked and the side
//! beyond the boundary shaded.
//!
//! Owns the sweep figure. Points, threshold and boundary are inputs from
//! the sweep driver or the boundary search. Must not run sweeps.

use super::canvas::{dashed, frame, label_style, render, Chart, Legend, Swatch};
use super::draw::{
    color, label_decimals, DrawResult, FONT, GRID_BOLD, GRID_LIGHT, LIMIT_COLOR, VIOLATION_COLOR,
};
use super::plot::{Figure, PlotError};
use super::scale::{finite_range, padded, tick_label, value_unit};
use crate::units::short_eng;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::iter::once;

/// One curve of a sweep.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepSeries {
    pub label: String,
    /// (parameter, metric) in SI units, in sweep order.
    pub points: Vec<(f64, f64)>,
}

/// Where the stability boundary lies on the parameter axis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepBoundary {
    /// Parameter value at the boundary, SI units.
    pub at: f64,
    /// e.g. `boundary: ζ = 0.05 at 1.23 mF`.
    pub label: String,
    /// True when values below `at` are the unstable side (a smallest
    /// capacitance); false when values above it are (a largest load).
    pub unstable_below: bool,
}

/// A sweep figure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepData {
    pub name: String,
    pub title: String,
    /// Parameter name and SI unit, e.g. `bus capacitance`, `F`.
    pub parameter: String,
    pub parameter_unit: String,
    /// Metric name and SI unit, e.g. `least damping ratio ζ`, ``.
    pub metric: String,
    pub metric_unit: String,
    pub series: Vec<SweepSeries>,
    /// Acceptance level of the metric, drawn as a dashed line.
    pub threshold: Option<f64>,
    pub boundary: Option<SweepBoundary>,
    pub notes: Vec<String>,
}

/// Renders a sweep figure to PNG and SVG.
pub fn sweep_figure(data: &SweepData) -> Result<Figure, PlotError> {
    render(&data.name, &data.title, &SweepPlot(data))
}

struct SweepPlot<'a>(&'a SweepData);

fn axis_desc(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} [{unit}]")
    }
}

impl Chart for SweepPlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let data = self.0;
        let (plot, panel) = frame(root, &data.title)?;
        let all = || data.series.iter().flat_map(|s| s.points.iter().copied());
        let xs = all()
            .map(|p| p.0)
            .chain(data.boundary.as_ref().map(|b| b.at));
        let ys = all().map(|p| p.1).chain(data.threshold);
        let (xl, xh) = finite_range(xs).unwrap_or((0.0, 1.0));
        let (yl, yh) = finite_range(ys).unwrap_or((0.0, 1.0));
        let x_unit = value_unit(xl.abs().max(xh.abs()), &data.parameter_unit);
        let y_unit = if data.metric_unit.is_empty() {
            value_unit(0.0, "")
        } else {
            value_unit(yl.abs().max(yh.abs()), &data.metric_unit)
        };
        let (x0, x1) = padded(xl / x_unit.divisor, xh / x_unit.divisor, 0.05);
        let (y0, y1) = padded(yl / y_unit.divisor, yh / y_unit.divisor, 0.08);
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(58)
            .y_label_area_size(92)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let (xd, yd) = (label_decimals((x0, x1), 10), label_decimals((y0, y1), 10));
        let x_fmt = |v: &f64| tick_label(*v, xd);
        let y_fmt = |v: &f64| tick_label(*v, yd);
        chart
            .configure_mesh()
            // The label counts the decimals were chosen for.
            .x_labels(10)
            .y_labels(10)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(axis_desc(&data.parameter, &x_unit.unit))
            .y_desc(axis_desc(&data.metric, &y_unit.unit))
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 21))
            .light_line_style(GRID_LIGHT)
            .bold_line_style(GRID_BOLD)
            .axis_style(BLACK.stroke_width(1))
            .draw()?;

        let mut legend = Legend::new(&panel);
        if let Some(b) = &data.boundary {
            let at = b.at / x_unit.divisor;
            let (a, z) = if b.unstable_below { (x0, at) } else { (at, x1) };
            if a < z {
                chart.draw_series(once(Rectangle::new(
                    [(a, y0), (z, y1)],
                    VIOLATION_COLOR.mix(0.08).filled(),
                )))?;
            }
            chart.draw_series(once(PathElement::new(
                vec![(at, y0), (at, y1)],
                VIOLATION_COLOR.stroke_width(2),
            )))?;
            let style = label_style(16, &VIOLATION_COLOR);
            chart.draw_series(once(Text::new(
                format!(" {}", short_eng(b.at, &data.parameter_unit)),
                (at, y1 - 0.04 * (y1 - y0)),
                style,
            )))?;
        }
        if let Some(t) = data.threshold {
            let t = t / y_unit.divisor;
            dashed(&mut chart, (x0, t), (x1, t), LIMIT_COLOR)?;
        }
        for (k, s) in data.series.iter().enumerate() {
            let c = color(k);
            let points: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .map(|(x, y)| (x / x_unit.divisor, y / y_unit.divisor))
                .collect();
            chart.draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))?;
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
            legend.entry(Swatch::Line(c, 3), &s.label)?;
        }
        if let Some(t) = data.threshold {
            let text = if data.metric_unit.is_empty() {
                format!("threshold {t}")
            } else {
                format!("threshold {}", short_eng(t, &data.metric_unit))
            };
            legend.entry(Swatch::Dashed(LIMIT_COLOR), &text)?;
        }
        if let Some(b) = &data.boundary {
            legend.entry(Swatch::Line(VIOLATION_COLOR, 2), &b.label)?;
            legend.entry(Swatch::Area(VIOLATION_COLOR, 0.16), "beyond the boundary")?;
        }
        if data.series.iter().all(|s| s.points.is_empty()) {
            legend.entry(Swatch::None, "no sweep points")?;
        }
        for n in &data.notes {
            legend.note(n)?;
        }
        Ok(())
    }
}
