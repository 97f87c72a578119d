//! The loss figure of a `losses` block: one horizontal bar per stage, its
//! loss energy over the run, labelled with the energy and its share of
//! the energy supplied; and the report section that holds it with the
//! balance tables.
//!
//! Owns the drawing and the section only; the numbers come from
//! `analysis::losses`. Must not compute energies.

use super::canvas::{frame, label_style, render, Chart, Legend, Swatch};
use super::draw::{color, label_decimals, DrawResult, FONT, GRID_BOLD, GRID_LIGHT};
use super::html::Section;
use super::loss_table::loss_tables;
use super::plot::{Figure, PlotError};
use super::scale::{tick_label, value_unit};
use crate::analysis::losses::LossAccount;
use crate::units::short_eng;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::iter::once;

/// Renders the bar chart of loss energy per stage to PNG and SVG.
pub fn loss_figure(a: &LossAccount) -> Result<Figure, PlotError> {
    render("losses", "Loss energy per stage", &LossBars(a))
}

/// The report section of a run with a `losses` block.
pub fn loss_section(a: &LossAccount) -> Result<Section, PlotError> {
    Ok(Section {
        id: "losses".into(),
        title: "Losses".into(),
        paragraphs: vec![
            "Energies are trapezoid integrals of the recorded sums over the output grid. \
             Supplied energy is the input's plus the net energy out of storage (taken \
             inside the storage, so its own losses are a stage). Efficiency is output over \
             supplied. What the balance leaves unaccounted is the change of the energy \
             stored in capacitors and inductors over the run plus the integration error."
                .into(),
        ],
        tables: loss_tables(a),
        figures: vec![loss_figure(a)?],
        notes: Vec::new(),
    })
}

struct LossBars<'a>(&'a LossAccount);

impl Chart for LossBars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let a = self.0;
        let (plot, panel) = frame(root, "Loss energy per stage")?;
        let largest = a
            .stages
            .iter()
            .map(|s| s.energy.abs())
            .filter(|e| e.is_finite())
            .fold(0.0, f64::max);
        let unit = value_unit(largest, "J");
        let x1 = if largest > 0.0 {
            1.4 * largest / unit.divisor
        } else {
            1.0
        };
        let n = a.stages.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(58)
            .y_label_area_size(20)
            .build_cartesian_2d(0.0..x1, 0.0..n)?;
        let xd = label_decimals((0.0, x1), 10);
        let x_fmt = |v: &f64| tick_label(*v, xd);
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(0)
            .disable_y_mesh()
            .x_label_formatter(&x_fmt)
            .x_desc(format!("loss energy over the run [{}]", unit.unit))
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 21))
            .light_line_style(GRID_LIGHT)
            .bold_line_style(GRID_BOLD)
            .axis_style(BLACK.stroke_width(1))
            .draw()?;
        let mut legend = Legend::new(&panel);
        // The first stage on top.
        for (k, s) in a.stages.iter().enumerate() {
            let c = color(k);
            let (top, bottom) = (n - k as f64 - 0.15, n - k as f64 - 0.85);
            let e = (s.energy / unit.divisor).max(0.0);
            chart.draw_series(once(Rectangle::new(
                [(0.0, bottom), (e, top)],
                c.mix(0.75).filled(),
            )))?;
            let share = s
                .share_of_input
                .map_or_else(String::new, |x| format!(", {:.2} %", 100.0 * x));
            chart.draw_series(once(Text::new(
                format!(" {} {}{share}", s.name, short_eng(s.energy, "J")),
                (e, 0.5 * (top + bottom) + 0.12),
                label_style(16, &BLACK),
            )))?;
            legend.entry(Swatch::Area(c, 0.75), &s.name)?;
        }
        if let Some(eta) = a.efficiency {
            legend.note(&format!(
                "efficiency {:.2} %, {} supplied, {} lost",
                100.0 * eta,
                short_eng(a.energy_in + a.energy_storage, "J"),
                short_eng(a.energy_lost, "J")
            ))?;
        }
        Ok(())
    }
}
