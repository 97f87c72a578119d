//! The pole map: eigenvalues in the s-plane with constant-damping lines
//! (ζ = 0.05 and 0.1 by default), the lightly damped wedge and the right
//! half-plane shaded, and the least-damped modes numbered and listed with
//! their top participating components.
//!
//! Owns the pole-map figure and the choice of what part of the plane to
//! show. Eigenvalues and participation labels are inputs from the
//! stability analysis. Must not compute modes.

use super::canvas::{frame, label_style, render, Chart, Legend, Swatch};
use super::draw::{
    color, label_decimals, DrawResult, FONT, GRID_BOLD, GRID_LIGHT, LIMIT_COLOR, VIOLATION_COLOR,
};
use super::plot::{Figure, PlotError};
use crate::units::{frequency, rate, short_eng};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::f64::consts::PI;
use std::iter::once;

/// Modes kept in view besides the labelled ones: the least damped.
const VIEW_MODES: usize = 12;
/// Numbered modes listed in the legend.
const MAX_NUMBERED: usize = 8;

/// One eigenvalue λ = re + j·im (1/s).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModePoint {
    pub re: f64,
    pub im: f64,
    /// Top participating components, e.g. `cbus 61 %, lfeed 30 %`.
    pub label: Option<String>,
}

impl ModePoint {
    /// True for one of a complex pair; an imaginary part at rounding level
    /// (eigen-solvers leave ~1e-9 on real modes) does not count.
    pub fn is_oscillatory(&self) -> bool {
        self.im.abs() > 1e-6 * self.re.hypot(self.im)
    }

    /// Damping ratio ζ = −σ/|λ| (1 for λ = 0).
    pub fn damping(&self) -> f64 {
        let m = self.re.hypot(self.im);
        if m > 0.0 {
            -self.re / m
        } else {
            1.0
        }
    }
}

/// A pole map.
#[derive(Debug, Clone, PartialEq)]
pub struct PoleMapData {
    pub name: String,
    pub title: String,
    pub modes: Vec<ModePoint>,
    /// Damping ratios drawn as lines through the origin.
    pub damping_lines: Vec<f64>,
    pub notes: Vec<String>,
}

impl PoleMapData {
    /// A pole map with the usual ζ = 0.05 and 0.1 lines.
    pub fn new(name: &str, title: &str, modes: Vec<ModePoint>) -> Self {
        PoleMapData {
            name: name.to_string(),
            title: title.to_string(),
            modes,
            damping_lines: vec![0.05, 0.1],
            notes: Vec::new(),
        }
    }
}

/// Renders a pole map to PNG and SVG.
pub fn pole_map_figure(data: &PoleMapData) -> Result<Figure, PlotError> {
    render(&data.name, &data.title, &PoleMap(data))
}

struct PoleMap<'a>(&'a PoleMapData);

/// The visible part of the plane: x = σ, y = ω (both 1/s), symmetric in
/// y. It frames the least-damped oscillatory modes and the labelled ones;
/// fast real modes would squash them against the imaginary axis.
fn view(modes: &[&ModePoint]) -> ((f64, f64), (f64, f64)) {
    let mut oscillatory: Vec<&ModePoint> = modes
        .iter()
        .copied()
        .filter(|m| m.is_oscillatory())
        .collect();
    if oscillatory.is_empty() {
        oscillatory = modes.to_vec();
    }
    oscillatory.sort_by(|a, b| a.damping().total_cmp(&b.damping()));
    let labelled = modes.iter().copied().filter(|m| m.label.is_some());
    let shown = oscillatory.iter().copied().take(VIEW_MODES).chain(labelled);
    let (mut x0, mut x1, mut y1) = (0.0f64, 0.0f64, 0.0f64);
    for m in shown {
        x0 = x0.min(m.re);
        x1 = x1.max(m.re);
        y1 = y1.max(m.im.abs());
    }
    if y1 == 0.0 {
        y1 = (x0.abs() * 0.5).max(1.0);
    }
    // Keep the damping lines readable: at least a fifth of the height.
    x0 = x0.min(-0.2 * y1);
    let pad = 0.06 * (x1 - x0);
    ((x0 - pad, x1 + pad), (-1.1 * y1, 1.1 * y1))
}

impl Chart for PoleMap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let data = self.0;
        let (plot, panel) = frame(root, &data.title)?;
        let modes: Vec<&ModePoint> = data
            .modes
            .iter()
            .filter(|m| m.re.is_finite() && m.im.is_finite())
            .collect();
        let ((x0, x1), (y0, y1)) = view(&modes);
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(58)
            .y_label_area_size(92)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let (xd, yd) = (label_decimals((x0, x1), 10), label_decimals((y0, y1), 10));
        let x_fmt = |v: &f64| tick(*v, xd);
        let y_fmt = |v: &f64| tick(*v, yd);
        chart
            .configure_mesh()
            // The label counts the decimals were chosen for.
            .x_labels(10)
            .y_labels(10)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("real part σ [1/s]")
            .y_desc("imaginary part ω [rad/s]")
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 21))
            .light_line_style(GRID_LIGHT)
            .bold_line_style(GRID_BOLD)
            .axis_style(BLACK.stroke_width(1))
            .draw()?;

        // Shading first: the unstable half-plane, then the wedge damped
        // less than the smallest line.
        if x1 > 0.0 {
            chart.draw_series(once(Rectangle::new(
                [(0.0, y0), (x1, y1)],
                VIOLATION_COLOR.mix(0.07).filled(),
            )))?;
        }
        let lines: Vec<f64> = data
            .damping_lines
            .iter()
            .copied()
            .filter(|z| *z > 0.0 && *z < 1.0)
            .collect();
        if let Some(&zmin) = lines.iter().min_by(|a, b| a.total_cmp(b)) {
            for sign in [1.0, -1.0] {
                let end = line_end(zmin, sign, (x0, y0, y1));
                chart.draw_series(once(Polygon::new(
                    vec![(0.0, 0.0), end, (0.0, end.1)],
                    LIMIT_COLOR.mix(0.12).filled(),
                )))?;
            }
        }
        chart.draw_series(once(PathElement::new(
            vec![(0.0, y0), (0.0, y1)],
            BLACK.stroke_width(1),
        )))?;
        let line_label = label_style(15, &LIMIT_COLOR).pos(Pos::new(HPos::Right, VPos::Center));
        for (k, &z) in lines.iter().enumerate() {
            for sign in [1.0, -1.0] {
                let end = line_end(z, sign, (x0, y0, y1));
                chart.draw_series(once(plotters::element::DashedPathElement::new(
                    [(0.0, 0.0), end],
                    8,
                    5,
                    LIMIT_COLOR.stroke_width(2),
                )))?;
                if sign > 0.0 {
                    // Each label sits left of its own line at its own
                    // height, so labels of nearly parallel lines never meet.
                    let y = y1 * (0.93 - 0.09 * k as f64);
                    let x = -z / (1.0 - z * z).sqrt() * y;
                    if x >= x0 {
                        chart.draw_series(once(Text::new(
                            format!("ζ = {z} "),
                            (x, y),
                            line_label.clone(),
                        )))?;
                    }
                }
            }
        }

        let inside = |m: &&ModePoint| (x0..=x1).contains(&m.re) && (y0..=y1).contains(&m.im);
        let visible: Vec<&ModePoint> = modes.iter().copied().filter(inside).collect();
        chart.draw_series(
            visible
                .iter()
                .map(|m| Cross::new((m.re, m.im), 7, color(0).stroke_width(2))),
        )?;
        let numbered = numbered_modes(&visible);
        let number_style = label_style(17, &VIOLATION_COLOR);
        for (k, m) in numbered.iter().enumerate() {
            chart.draw_series(once(Text::new(
                format!("  {}", k + 1),
                (m.re, m.im),
                number_style.clone(),
            )))?;
        }

        let mut legend = Legend::new(&panel);
        legend.entry(Swatch::Marker(color(0)), "eigenvalue")?;
        legend.entry(Swatch::Dashed(LIMIT_COLOR), "constant damping ζ")?;
        if x1 > 0.0 {
            legend.entry(Swatch::Area(VIOLATION_COLOR, 0.15), "unstable (σ > 0)")?;
        }
        for (k, m) in numbered.iter().enumerate() {
            let mut text = if m.is_oscillatory() {
                let f = m.im.abs() / (2.0 * PI);
                format!("{}, ζ = {:.3}", frequency(f), m.damping())
            } else {
                format!("real, σ = {}", rate(m.re))
            };
            if let Some(l) = &m.label {
                text.push_str(": ");
                text.push_str(l);
            }
            legend.numbered(k + 1, &VIOLATION_COLOR, &text)?;
        }
        let hidden = modes.len() - visible.len();
        if hidden > 0 {
            legend.note(&format!(
                "{hidden} better damped or faster modes lie outside this view"
            ))?;
        }
        for n in &data.notes {
            legend.note(n)?;
        }
        Ok(())
    }
}

/// The least-damped visible modes worth a number: labelled ones first,
/// then oscillatory ones, upper half-plane only (a conjugate pair is one
/// mode). Unlabelled real modes have nothing to tell.
fn numbered_modes<'m>(visible: &[&'m ModePoint]) -> Vec<&'m ModePoint> {
    let mut candidates: Vec<&ModePoint> = visible
        .iter()
        .copied()
        .filter(|m| m.im >= 0.0 && (m.label.is_some() || m.is_oscillatory()))
        .collect();
    candidates.sort_by(|a, b| {
        b.label
            .is_some()
            .cmp(&a.label.is_some())
            .then(a.damping().total_cmp(&b.damping()))
    });
    candidates.truncate(MAX_NUMBERED);
    candidates.sort_by(|a, b| a.damping().total_cmp(&b.damping()));
    candidates
}

/// Where the ray of damping `z` (upper or lower by `sign`) leaves the view.
fn line_end(z: f64, sign: f64, (x0, y0, y1): (f64, f64, f64)) -> (f64, f64) {
    let (dx, dy) = (-z, sign * (1.0 - z * z).sqrt());
    let ylim = if sign > 0.0 { y1 } else { y0 };
    let t = (x0 / dx).min(ylim / dy);
    (dx * t, dy * t)
}

/// Tick labels with SI prefixes, no unit: `-2 k`, `500`, `1.5 k`.
fn tick(v: f64, decimals: usize) -> String {
    if v.abs() >= 1e3 {
        short_eng(v, "")
    } else {
        super::scale::tick_label(v, decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damping_and_view() {
        let m = ModePoint {
            re: -1.0,
            im: 0.0,
            label: None,
        };
        assert_eq!(m.damping(), 1.0);
        let m = ModePoint {
            re: -3.0,
            im: 4.0,
            label: None,
        };
        assert!((m.damping() - 0.6).abs() < 1e-12);
        let modes = [
            m.clone(),
            ModePoint {
                re: -3.0,
                im: -4.0,
                label: None,
            },
        ];
        let refs: Vec<&ModePoint> = modes.iter().collect();
        let ((x0, x1), (y0, y1)) = view(&refs);
        assert!(x0 < -3.0 && x1 > 0.0 && y0 < -4.0 && y1 > 4.0);
        let end = line_end(0.05, 1.0, (x0, y0, y1));
        assert!((end.1 - y1).abs() < 1e-9 && end.0 < 0.0);
    }
}
