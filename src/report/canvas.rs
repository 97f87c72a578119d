//! Shared machinery of the analysis figures (Bode, impedance, pole map,
//! spectrum, sweep): rendering one chart to PNG (anti-aliased, see
//! `smooth`) and SVG, the legend panel
//! beside the plot, compact engineering tick labels, and the frequency
//! axis ticks (1-2-5 per decade).
//!
//! Owns what those figures have in common. Must not know what any of them
//! shows, and must not write files (see `plot::write_figures`).

use super::draw::{fit, wrap, DrawResult, FONT, LEGEND_LINE, LEGEND_TEXT_X, NOTE_COLOR};
use super::plot::{ensure_font, Figure, PlotError};
use super::png::encode_rgb;
use super::smooth::{average_down, large_buffer, Supersampled};
use plotters::coord::combinators::{IntoLogRange, LogCoord, WithKeyPoints};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Size of every analysis figure: the waveform figures' width, and room
/// for two stacked panels in a Bode plot.
pub(crate) const CHART_WIDTH: u32 = 1200;
pub(crate) const CHART_HEIGHT: u32 = 760;
/// Width of the legend panel on the right.
pub(crate) const PANEL_WIDTH: u32 = 300;

/// A figure that can draw itself on any plotters backend.
pub(crate) trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Renders `chart` into a [`Figure`] (PNG and SVG, the same pixels).
pub(crate) fn render(name: &str, title: &str, chart: &impl Chart) -> Result<Figure, PlotError> {
    ensure_font()?;
    let error = |message: String| PlotError::Draw {
        figure: title.to_string(),
        message,
    };
    let (w, h) = (CHART_WIDTH, CHART_HEIGHT);
    let mut large = large_buffer(w, h);
    {
        let root = Supersampled::new(&mut large, (w, h))
            .map_err(error)?
            .into_drawing_area();
        chart.draw(&root).map_err(|e| error(e.to_string()))?;
        root.present().map_err(|e| error(e.to_string()))?;
    }
    let rgb = average_down(&large, w, h);
    let png = encode_rgb(w, h, &rgb).ok_or_else(|| error("bitmap size mismatch".into()))?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        chart.draw(&root).map_err(|e| error(e.to_string()))?;
        root.present().map_err(|e| error(e.to_string()))?;
    }
    Ok(Figure {
        name: super::groups::sanitize_stem(name),
        title: title.to_string(),
        png,
        svg,
    })
}

/// A plot area and the legend panel beside it.
pub(crate) type Areas<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);

/// Clears the figure, draws the title and splits off the legend panel.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<Areas<DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let body = root.margin(6, 0, 0, 0).titled(title, (FONT, 28))?;
    Ok(body.split_horizontally(CHART_WIDTH - PANEL_WIDTH))
}

/// Writes legend entries top-down in the panel beside a plot.
pub(crate) struct Legend<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    y: i32,
}

/// How a legend entry's swatch looks.
pub(crate) enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Area(RGBColor, f64),
    Marker(RGBColor),
    None,
}

impl<'a, DB: DrawingBackend> Legend<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>) -> Self {
        Legend { area, y: 30 }
    }

    fn bottom(&self) -> i32 {
        self.area.dim_in_pixel().1 as i32 - 12
    }

    /// One entry: a swatch and a label wrapped to the panel width.
    pub fn entry(&mut self, swatch: Swatch, text: &str) -> DrawResult<DB> {
        if self.y > self.bottom() {
            return Ok(());
        }
        let y = self.y;
        match swatch {
            Swatch::Line(c, w) => self
                .area
                .draw(&PathElement::new(vec![(8, y), (38, y)], c.stroke_width(w)))?,
            Swatch::Dashed(c) => self.area.draw(&DashedPathElement::new(
                [(8, y), (38, y)],
                6,
                4,
                c.stroke_width(2),
            ))?,
            Swatch::Area(c, alpha) => self.area.draw(&Rectangle::new(
                [(8, y - 7), (38, y + 7)],
                c.mix(alpha).filled(),
            ))?,
            Swatch::Marker(c) => self.area.draw(&Cross::new((23, y), 6, c.stroke_width(2)))?,
            Swatch::None => {}
        }
        let style = label_style(16, &BLACK);
        let max = self.area.dim_in_pixel().0 as i32 - LEGEND_TEXT_X - 8;
        for line in wrap(self.area, text, &style, max) {
            if self.y > self.bottom() {
                break;
            }
            self.area
                .draw(&Text::new(line, (LEGEND_TEXT_X, self.y), style.clone()))?;
            self.y += LEGEND_LINE - 4;
        }
        self.y += 4;
        Ok(())
    }

    /// A numbered entry, for markers numbered in the plot.
    pub fn numbered(&mut self, number: usize, color: &RGBColor, text: &str) -> DrawResult<DB> {
        if self.y <= self.bottom() {
            let style = label_style(16, color);
            self.area
                .draw(&Text::new(number.to_string(), (14, self.y), style))?;
        }
        self.entry(Swatch::None, text)
    }

    /// Small grey text across the panel's width.
    pub fn note(&mut self, text: &str) -> DrawResult<DB> {
        self.y += 6;
        let style = label_style(14, &NOTE_COLOR);
        let max = self.area.dim_in_pixel().0 as i32 - 16;
        for line in wrap(self.area, text, &style, max) {
            if self.y > self.bottom() {
                break;
            }
            let line = fit(self.area, &line, &style, max, false);
            self.area
                .draw(&Text::new(line, (8, self.y), style.clone()))?;
            self.y += LEGEND_LINE - 6;
        }
        Ok(())
    }
}

/// Left-aligned, vertically centred text of `size` in `color`.
pub(crate) fn label_style(size: u32, color: &RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Center),
    }
}

/// Tick positions on a log axis: every decade, with 2 and 5 in between
/// when the axis spans few decades; the first and last visible ones only.
pub(crate) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let decades = (hi / lo).log10();
    let mantissas: &[f64] = if decades <= 3.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let step = if decades > 8.0 { 2 } else { 1 };
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let mut out = Vec::new();
    for e in (first..=last).step_by(step) {
        for m in mantissas {
            let v = m * 10f64.powi(e);
            // A relative tolerance keeps ticks sitting on the range ends.
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                out.push(v);
            }
        }
    }
    out
}

/// A log axis over `lo..hi` with [`log_ticks`] as labelled ticks and every
/// 1…9 × 10ⁿ as light grid lines.
pub(crate) fn log_axis(lo: f64, hi: f64) -> WithKeyPoints<LogCoord<f64>> {
    let light: Vec<f64> = log_ticks(lo, hi)
        .first()
        .map(|_| {
            let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
            (first..=last)
                .flat_map(|e| (1..10).map(move |m| f64::from(m) * 10f64.powi(e)))
                .filter(|v| (lo..=hi).contains(v))
                .collect()
        })
        .unwrap_or_default();
    (lo..hi)
        .log_scale()
        .with_key_points(log_ticks(lo, hi))
        .with_light_points(light)
}

/// Draws a dashed reference line between two points of a chart.
pub(crate) fn dashed<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    from: (X::ValueType, Y::ValueType),
    to: (X::ValueType, Y::ValueType),
    color: RGBColor,
) -> DrawResult<DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    X::ValueType: Clone + 'static,
    Y::ValueType: Clone + 'static,
{
    chart.draw_series(std::iter::once(DashedPathElement::new(
        [from, to],
        8,
        5,
        color.stroke_width(2),
    )))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_have_ink_in_the_label_areas() -> Result<(), String> {
        use crate::report::png::decode_rgb;
        use crate::report::polemap::{pole_map_figure, ModePoint, PoleMapData};
        let modes = vec![ModePoint {
            re: -100.0,
            im: 2000.0,
            label: Some("cbus 61 %".into()),
        }];
        let figure =
            pole_map_figure(&PoleMapData::new("p", "Poles", modes)).map_err(|e| e.to_string())?;
        let img = decode_rgb(&figure.png)?;
        assert_eq!((img.width, img.height), (CHART_WIDTH, CHART_HEIGHT));
        let ink = |(x0, x1): (u32, u32), (y0, y1): (u32, u32)| {
            (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| ((y * img.width + x) * 3) as usize))
                .filter(|&i| img.rgb[i..i + 3] != [255, 255, 255])
                .count()
        };
        assert!(ink((0, 90), (100, 600)) > 300, "y tick labels");
        assert!(
            ink((150, 850), (CHART_HEIGHT - 60, CHART_HEIGHT)) > 300,
            "x tick labels"
        );
        assert!(
            ink((CHART_WIDTH - PANEL_WIDTH, CHART_WIDTH), (40, 200)) > 300,
            "legend"
        );
        Ok(())
    }

    #[test]
    fn ticks_per_decade() {
        assert_eq!(
            log_ticks(10.0, 1000.0),
            vec![10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        );
        assert_eq!(log_ticks(1.0, 1e6).len(), 7);
        assert!(log_ticks(0.0, 1.0).is_empty());
    }
}
