//! Bode plots of a loop gain: magnitude in dB and phase in degrees over a
//! log frequency axis, with the crossover and the phase and gain margins
//! drawn where they are read.
//!
//! Owns the Bode figure. The response and the margins are inputs filled by
//! the stability analysis; this file only unwraps the phase for display
//! and interpolates to place the annotations. Must not compute margins.

use super::canvas::{dashed, frame, label_style, log_axis, render, Chart, Legend, Swatch};
use super::draw::{color, label_decimals, DrawResult, FONT, GRID_BOLD, GRID_LIGHT, NOTE_COLOR};
use super::plot::{Figure, PlotError};
use super::scale::{finite_range, padded, tick_label};
use crate::units::{frequency, short_eng};
use plotters::coord::combinators::{LogCoord, WithKeyPoints};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::iter::once;

/// The frequency axis of every frequency-domain chart.
pub(crate) type LogAxis = WithKeyPoints<LogCoord<f64>>;

const MARGIN_COLOR: RGBColor = RGBColor(0, 128, 64);
const CROSSOVER_COLOR: RGBColor = RGBColor(110, 110, 110);

/// The frequency response of one loop gain, ready to plot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BodeData {
    /// File stem, e.g. `loop_rect`.
    pub name: String,
    /// Figure title, e.g. `Loop gain of rect (current command broken)`.
    pub title: String,
    /// Ascending frequencies, Hz.
    pub freq_hz: Vec<f64>,
    /// The response at each frequency as (real, imaginary).
    pub response: Vec<(f64, f64)>,
    pub annotations: BodeAnnotations,
}

/// What the analysis found about the loop, drawn on the plot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BodeAnnotations {
    /// Gain crossover (|L| = 0 dB), Hz.
    pub crossover_hz: Option<f64>,
    /// 180° + ∠L at the crossover, degrees.
    pub phase_margin_deg: Option<f64>,
    /// Phase crossover (∠L = −180°), Hz.
    pub phase_crossover_hz: Option<f64>,
    /// −|L| in dB at the phase crossover.
    pub gain_margin_db: Option<f64>,
    /// Further lines for the legend panel.
    pub notes: Vec<String>,
}

/// Renders a Bode plot to PNG and SVG.
pub fn bode_figure(data: &BodeData) -> Result<Figure, PlotError> {
    render(&data.name, &data.title, &BodePlot::new(data))
}

/// Magnitude, unwrapped phase and annotation geometry in plot units.
struct BodePlot<'a> {
    data: &'a BodeData,
    freq: Vec<f64>,
    mag_db: Vec<f64>,
    phase: Vec<f64>,
}

impl<'a> BodePlot<'a> {
    fn new(data: &'a BodeData) -> Self {
        let mut freq = Vec::new();
        let mut mag_db = Vec::new();
        let mut wrapped = Vec::new();
        for (&f, &(re, im)) in data.freq_hz.iter().zip(&data.response) {
            let m = re.hypot(im);
            if f > 0.0 && f.is_finite() && m > 0.0 && m.is_finite() {
                freq.push(f);
                mag_db.push(20.0 * m.log10());
                wrapped.push(im.atan2(re).to_degrees());
            }
        }
        let mut plot = BodePlot {
            data,
            freq,
            mag_db,
            phase: unwrap_degrees(&wrapped),
        };
        // Unwrapping fixes the phase only up to whole turns. Margins are
        // read against −180°, so the turn is chosen that puts the phase at
        // the crossover between −360° and 0° (without a crossover, the
        // lowest frequency between −270° and 90°).
        let ann = &data.annotations;
        let shift = match (ann.crossover_hz, ann.phase_margin_deg) {
            (Some(fc), Some(_)) => plot
                .at(&plot.phase, fc)
                .map(|p| ((p + 180.0) / 360.0).round()),
            _ => plot.phase.first().map(|p| ((p + 90.0) / 360.0).round()),
        };
        if let Some(turns) = shift.filter(|t| t.is_finite()) {
            for p in &mut plot.phase {
                *p -= 360.0 * turns;
            }
        }
        plot
    }

    /// Linear interpolation of `ys` at frequency `f` on the log axis.
    fn at(&self, ys: &[f64], f: f64) -> Option<f64> {
        let k = self.freq.partition_point(|&x| x < f);
        if k == 0 || k >= self.freq.len() {
            return (k < self.freq.len() && self.freq[k] == f).then(|| ys[k]);
        }
        let (f0, f1) = (self.freq[k - 1].ln(), self.freq[k].ln());
        let s = (f.ln() - f0) / (f1 - f0);
        Some(ys[k - 1] + s * (ys[k] - ys[k - 1]))
    }
}

/// Removes the ±360° jumps of `atan2` so the phase reads as one curve.
pub(crate) fn unwrap_degrees(wrapped: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(wrapped.len());
    let mut offset = 0.0_f64;
    for (k, &p) in wrapped.iter().enumerate() {
        if k > 0 {
            let step: f64 = p + offset - out[k - 1];
            offset -= 360.0 * (step / 360.0).round();
        }
        out.push(p + offset);
    }
    out
}

impl Chart for BodePlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (plot, panel) = frame(root, &self.data.title)?;
        let ann = &self.data.annotations;
        let (f0, f1) = match finite_range(self.freq.iter().copied()) {
            Some((a, b)) if b > a => (a, b),
            Some((a, _)) => (a / 10.0, a * 10.0),
            None => (1.0, 1e5),
        };
        let (top, bottom) = plot.split_vertically(plot.dim_in_pixel().1 / 2);
        // The margin reference lines belong on the plot even when the curve
        // stays far from them.
        // The −180° line (modulo a turn) nearest the phase at crossover: the
        // margin is the gap to it, on whichever side the analysis counts
        // as stable (below it where |L| rises through 0 dB).
        let pm_ref = match (ann.crossover_hz, ann.phase_margin_deg) {
            (Some(fc), Some(pm)) => self
                .at(&self.phase, fc)
                .map(|p| (fc, p, 360.0 * ((p + 180.0) / 360.0).round() - 180.0, pm)),
            _ => None,
        };
        let mag_range = padded_with(&self.mag_db, &[0.0]);
        // A delay or many poles wind the phase down by thousands of
        // degrees; margins are read within a turn of the −180° reference
        // (a resonance in the loop adds half a turn below it), so the axis
        // stops a turn either side.
        let anchor = pm_ref.map_or(-180.0, |r| r.2);
        let shown: Vec<f64> = self
            .phase
            .iter()
            .map(|p| p.clamp(anchor - 360.0, anchor + 360.0))
            .collect();
        let phase_range = padded_with(&shown, &[anchor]);

        let mut mag = ChartBuilder::on(&top)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(30)
            .y_label_area_size(92)
            .build_cartesian_2d(log_axis(f0, f1), mag_range.0..mag_range.1)?;
        mesh(&mut mag, "", "magnitude [dB]", mag_range)?;
        let mut phase = ChartBuilder::on(&bottom)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(58)
            .y_label_area_size(92)
            .build_cartesian_2d(log_axis(f0, f1), phase_range.0..phase_range.1)?;
        mesh(&mut phase, "frequency [Hz]", "phase [°]", phase_range)?;

        dashed(&mut mag, (f0, 0.0), (f1, 0.0), NOTE_COLOR)?;
        let curve = color(0);
        let points = |ys: &[f64]| -> Vec<(f64, f64)> {
            self.freq.iter().copied().zip(ys.iter().copied()).collect()
        };
        mag.draw_series(LineSeries::new(points(&self.mag_db), curve.stroke_width(2)))?;
        for run in points(&self.phase)
            .split(|p| !(phase_range.0..=phase_range.1).contains(&p.1))
            .filter(|run| !run.is_empty())
        {
            phase.draw_series(LineSeries::new(run.iter().copied(), curve.stroke_width(2)))?;
        }

        let note = label_style(16, &MARGIN_COLOR);
        if let Some(fc) = ann.crossover_hz.filter(|f| (f0..=f1).contains(f)) {
            dashed(
                &mut mag,
                (fc, mag_range.0),
                (fc, mag_range.1),
                CROSSOVER_COLOR,
            )?;
            dashed(
                &mut phase,
                (fc, phase_range.0),
                (fc, phase_range.1),
                CROSSOVER_COLOR,
            )?;
            mag.draw_series(once(Circle::new((fc, 0.0), 5, MARGIN_COLOR.filled())))?;
        }
        if let Some((fc, p, reference, pm)) = pm_ref.filter(|r| (f0..=f1).contains(&r.0)) {
            dashed(&mut phase, (f0, reference), (f1, reference), NOTE_COLOR)?;
            phase.draw_series(once(PathElement::new(
                vec![(fc, reference), (fc, p)],
                MARGIN_COLOR.stroke_width(4),
            )))?;
            phase.draw_series(once(Text::new(
                format!(" PM {pm:.1}°"),
                (fc, (p + reference) / 2.0),
                note.clone(),
            )))?;
            phase.draw_series(once(Text::new(
                format!(" {reference:.0}°"),
                (f0, reference),
                label_style(14, &NOTE_COLOR).pos(Pos::new(HPos::Left, VPos::Bottom)),
            )))?;
        }
        if let (Some(fp), Some(gm)) = (ann.phase_crossover_hz, ann.gain_margin_db) {
            if (f0..=f1).contains(&fp) {
                dashed(
                    &mut phase,
                    (fp, phase_range.0),
                    (fp, phase_range.1),
                    CROSSOVER_COLOR,
                )?;
                let level = (-gm).clamp(mag_range.0, mag_range.1);
                mag.draw_series(once(PathElement::new(
                    vec![(fp, 0.0), (fp, level)],
                    MARGIN_COLOR.stroke_width(4),
                )))?;
                mag.draw_series(once(Text::new(
                    format!(" GM {gm:.1} dB"),
                    (fp, level / 2.0),
                    note,
                )))?;
            }
        }
        if self.freq.is_empty() {
            let style = TextStyle::from((FONT, 22).into_font()).color(&NOTE_COLOR);
            mag.draw_series(once(Text::new(
                "no finite response".to_string(),
                ((f0 * f1).sqrt(), (mag_range.0 + mag_range.1) / 2.0),
                style,
            )))?;
        }
        self.legend(&panel)
    }
}

impl BodePlot<'_> {
    fn legend<DB: DrawingBackend>(&self, panel: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let ann = &self.data.annotations;
        let mut legend = Legend::new(panel);
        legend.entry(Swatch::Line(color(0), 3), "loop gain L(jω)")?;
        legend.entry(Swatch::Dashed(NOTE_COLOR), "0 dB and −180° references")?;
        if let Some(fc) = ann.crossover_hz {
            legend.entry(
                Swatch::Dashed(CROSSOVER_COLOR),
                &format!("crossover {}", frequency(fc)),
            )?;
        }
        let margin = |what: &str, value: Option<String>, at: Option<f64>| match (value, at) {
            (Some(v), Some(f)) => format!("{what} {v} at {}", frequency(f)),
            (Some(v), None) => format!("{what} {v}"),
            (None, _) => format!("{what}: none (no crossing)"),
        };
        legend.entry(
            Swatch::Line(MARGIN_COLOR, 4),
            &margin(
                "phase margin",
                ann.phase_margin_deg.map(|v| format!("{v:.1}°")),
                ann.crossover_hz,
            ),
        )?;
        legend.entry(
            Swatch::Line(MARGIN_COLOR, 4),
            &margin(
                "gain margin",
                ann.gain_margin_db.map(|v| format!("{v:.1} dB")),
                ann.phase_crossover_hz,
            ),
        )?;
        for n in &ann.notes {
            legend.note(n)?;
        }
        Ok(())
    }
}

/// The padded range of the finite `values` together with `extra` levels.
pub(crate) fn padded_with(values: &[f64], extra: &[f64]) -> (f64, f64) {
    let all = values.iter().chain(extra).copied();
    let (lo, hi) = finite_range(all).unwrap_or((-1.0, 1.0));
    padded(lo, hi, 0.08)
}

/// The common mesh of the frequency-domain charts: log x with engineering
/// labels, light grid, axis titles.
pub(crate) fn mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Cartesian2d<LogAxis, RangedCoordf64>>,
    x_desc: &str,
    y_desc: &str,
    y_range: (f64, f64),
) -> DrawResult<DB> {
    let decimals = label_decimals(y_range, 8);
    let x_fmt = |f: &f64| short_eng(*f, "Hz");
    let y_fmt = |v: &f64| tick_label(*v, decimals);
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_labels(8)
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 21))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .axis_style(BLACK.stroke_width(1));
    if !x_desc.is_empty() {
        mesh.x_desc(x_desc);
    }
    mesh.y_desc(y_desc).draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_unwraps_through_minus_180() {
        let p = unwrap_degrees(&[-170.0, -179.0, 178.0, 170.0, -175.0]);
        assert_eq!(p, vec![-170.0, -179.0, -182.0, -190.0, -175.0]);
    }
}
