//! Figures of a design-space sweep: a metric against one parameter with
//! passing and failing points in their colours, a two-parameter stability
//! map (least damping as filled bands, the ζ = 0 and ζ = 0.05 contours, the
//! failing points shaded), and a histogram of a margin with its limit line
//! and the yield.
//!
//! Owns these three charts. The values come from the sweep driver. Must
//! not run or read sweeps.

use super::canvas::{frame, log_axis, render, Chart, Legend, Swatch};
use super::draw::{label_decimals, DrawResult, FONT, GRID_BOLD, GRID_LIGHT, LIMIT_COLOR};
use super::plot::{Figure, PlotError};
use super::scale::{finite_range, padded, step_decimals, tick_label, value_unit, AxisUnit};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::iter::once;

const PASS_COLOR: RGBColor = RGBColor(0, 140, 60);
const FAIL_COLOR: RGBColor = RGBColor(220, 20, 20);

/// An axis: quantity name and SI unit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AxisLabel {
    pub name: String,
    pub unit: String,
}

/// A metric against one parameter, one marker per point.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScatterData {
    pub name: String,
    pub title: String,
    pub x: AxisLabel,
    pub y: AxisLabel,
    pub pass: Vec<(f64, f64)>,
    pub fail: Vec<(f64, f64)>,
    pub notes: Vec<String>,
    /// Draw the parameter on a log axis (a `Log` grid); ignored unless
    /// every value is positive.
    pub log_x: bool,
}

/// Least damping over a grid of two parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MapData {
    pub name: String,
    pub title: String,
    pub x: AxisLabel,
    pub y: AxisLabel,
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    /// `zeta[j][i]` at (xs[i], ys[j]); `None` where nothing was computed.
    pub zeta: Vec<Vec<Option<f64>>>,
    /// `failing[j][i]`: the point failed a limit.
    pub failing: Vec<Vec<bool>>,
    pub notes: Vec<String>,
}

/// A histogram of one margin over Monte Carlo samples.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistogramData {
    pub name: String,
    pub title: String,
    pub x: AxisLabel,
    pub values: Vec<f64>,
    /// Where the limit lies on the axis (0 for a margin).
    pub limit: f64,
    /// e.g. `yield 92.3 % (95 % CI 91.1 – 93.4 %)`.
    pub headline: String,
    pub notes: Vec<String>,
}

pub fn scatter_figure(d: &ScatterData) -> Result<Figure, PlotError> {
    render(&d.name, &d.title, &Scatter(d))
}

pub fn map_figure(d: &MapData) -> Result<Figure, PlotError> {
    render(&d.name, &d.title, &Map(d))
}

pub fn histogram_figure(d: &HistogramData) -> Result<Figure, PlotError> {
    render(&d.name, &d.title, &Histogram(d))
}

fn desc(a: &AxisLabel, u: &AxisUnit) -> String {
    if u.unit.is_empty() {
        a.name.clone()
    } else {
        format!("{} [{}]", a.name, u.unit)
    }
}

fn unit_for(lo: f64, hi: f64, unit: &str) -> AxisUnit {
    if unit.is_empty() {
        value_unit(0.0, "")
    } else {
        value_unit(lo.abs().max(hi.abs()), unit)
    }
}

type Chart2d<'a, DB, X> = ChartContext<'a, DB, Cartesian2d<X, RangedCoordf64>>;

/// A chart over the data range `x`, `y` (already scaled) with its mesh.
fn axes<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    (x0, x1): (f64, f64),
    y: (f64, f64),
    x_desc: String,
    y_desc: String,
) -> Result<Chart2d<'a, DB, RangedCoordf64>, DrawingAreaErrorKind<DB::ErrorType>> {
    let xd = label_decimals((x0, x1), 10);
    let x_fmt = move |v: &f64| tick_label(*v, xd);
    axes_on(plot, (x0..x1).into(), &x_fmt, y, x_desc, y_desc)
}

/// A chart with the x coordinate `x` (linear or log) and linear `y`.
fn axes_on<'a, DB: DrawingBackend, X>(
    plot: &'a DrawingArea<DB, Shift>,
    x: X,
    x_fmt: &dyn Fn(&f64) -> String,
    (y0, y1): (f64, f64),
    x_desc: String,
    y_desc: String,
) -> Result<Chart2d<'a, DB, X>, DrawingAreaErrorKind<DB::ErrorType>>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(plot)
        .margin(10)
        .margin_right(24)
        .x_label_area_size(58)
        .y_label_area_size(92)
        .build_cartesian_2d(x, y0..y1)?;
    let yd = label_decimals((y0, y1), 10);
    let y_fmt = |v: &f64| tick_label(*v, yd);
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(10)
        .x_label_formatter(x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 21))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .axis_style(BLACK.stroke_width(1))
        .draw()?;
    Ok(chart)
}

/// Passing points as green dots, failing ones as red crosses.
fn draw_points<DB: DrawingBackend, X>(
    chart: &mut Chart2d<'_, DB, X>,
    pass: &[(f64, f64)],
    fail: &[(f64, f64)],
) -> DrawResult<DB>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart.draw_series(pass.iter().map(|&p| Circle::new(p, 4, PASS_COLOR.filled())))?;
    chart.draw_series(
        fail.iter()
            .map(|&p| Cross::new(p, 5, FAIL_COLOR.stroke_width(2))),
    )?;
    Ok(())
}

/// A positive range widened by `fraction` of its span in log space.
fn log_padded(lo: f64, hi: f64, fraction: f64) -> (f64, f64) {
    let span = (hi / lo).ln().max(1e-9);
    (lo * (-span * fraction).exp(), hi * (span * fraction).exp())
}

struct Scatter<'a>(&'a ScatterData);

impl Chart for Scatter<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let d = self.0;
        let (plot, panel) = frame(root, &d.title)?;
        let all = || d.pass.iter().chain(&d.fail).copied();
        let (xl, xh) = finite_range(all().map(|p| p.0)).unwrap_or((0.0, 1.0));
        let (yl, yh) = finite_range(all().map(|p| p.1)).unwrap_or((0.0, 1.0));
        let (xu, yu) = (unit_for(xl, xh, &d.x.unit), unit_for(yl, yh, &d.y.unit));
        let yr = padded(yl / yu.divisor, yh / yu.divisor, 0.08);
        let (x_desc, y_desc) = (desc(&d.x, &xu), desc(&d.y, &yu));
        let scaled = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
            pts.iter()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .map(|(x, y)| (x / xu.divisor, y / yu.divisor))
                .collect()
        };
        let (pass, fail) = (scaled(&d.pass), scaled(&d.fail));
        if d.log_x && xl > 0.0 {
            let (x0, x1) = log_padded(xl / xu.divisor, xh / xu.divisor, 0.04);
            // Ticks of a log axis span decades: each label gets its own decimals.
            let x_fmt = |v: &f64| tick_label(*v, step_decimals(*v));
            let mut chart = axes_on(&plot, log_axis(x0, x1), &x_fmt, yr, x_desc, y_desc)?;
            draw_points(&mut chart, &pass, &fail)?;
        } else {
            let xr = padded(xl / xu.divisor, xh / xu.divisor, 0.05);
            let mut chart = axes(&plot, xr, yr, x_desc, y_desc)?;
            draw_points(&mut chart, &pass, &fail)?;
        }
        let mut legend = Legend::new(&panel);
        legend.entry(
            Swatch::Line(PASS_COLOR, 6),
            &format!("pass ({})", pass.len()),
        )?;
        legend.entry(
            Swatch::Marker(FAIL_COLOR),
            &format!("fail ({})", fail.len()),
        )?;
        for n in &d.notes {
            legend.note(n)?;
        }
        Ok(())
    }
}

struct Map<'a>(&'a MapData);

/// Band edges of least damping and their colours: unstable red through
/// poorly damped orange to well damped blues.
const BANDS: [(f64, RGBColor); 7] = [
    (f64::NEG_INFINITY, RGBColor(200, 40, 40)),
    (0.0, RGBColor(245, 160, 80)),
    (0.05, RGBColor(250, 225, 140)),
    (0.1, RGBColor(205, 230, 200)),
    (0.2, RGBColor(150, 200, 225)),
    (0.4, RGBColor(90, 150, 205)),
    (0.7, RGBColor(40, 90, 165)),
];

fn band_color(z: f64) -> RGBColor {
    BANDS
        .iter()
        .rev()
        .find(|(edge, _)| z >= *edge)
        .map_or(BANDS[0].1, |b| b.1)
}

/// Cell edges around grid values: midpoints, and half a step outside.
fn edges(v: &[f64]) -> Vec<f64> {
    if v.len() < 2 {
        let x = v.first().copied().unwrap_or(0.0);
        return vec![x - 0.5, x + 0.5];
    }
    let n = v.len();
    let mut out = vec![v[0] - 0.5 * (v[1] - v[0])];
    out.extend(v.windows(2).map(|w| 0.5 * (w[0] + w[1])));
    out.push(v[n - 1] + 0.5 * (v[n - 1] - v[n - 2]));
    out
}

/// Segments of the contour `level` of `z` over the grid (marching
/// squares with linear interpolation on each cell edge).
pub fn contour(xs: &[f64], ys: &[f64], z: &[Vec<Option<f64>>], level: f64) -> Vec<[(f64, f64); 2]> {
    let mut out = Vec::new();
    for j in 0..ys.len().saturating_sub(1) {
        for i in 0..xs.len().saturating_sub(1) {
            let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let vals: Option<Vec<f64>> = corners.iter().map(|&(a, b)| z[b][a]).collect();
            let Some(vals) = vals else { continue };
            let mut crossings = Vec::new();
            for e in 0..4 {
                let (a, b) = (e, (e + 1) % 4);
                let (za, zb) = (vals[a] - level, vals[b] - level);
                if (za < 0.0) != (zb < 0.0) {
                    let t = za / (za - zb);
                    let (pa, pb) = (corners[a], corners[b]);
                    let x = xs[pa.0] + t * (xs[pb.0] - xs[pa.0]);
                    let y = ys[pa.1] + t * (ys[pb.1] - ys[pa.1]);
                    crossings.push((x, y));
                }
            }
            for pair in crossings.chunks(2).filter(|c| c.len() == 2) {
                out.push([pair[0], pair[1]]);
            }
        }
    }
    out
}

/// Bilinear value of the grid at fractional cell position.
fn bilinear(z: &[Vec<Option<f64>>], i: usize, j: usize, u: f64, v: f64) -> Option<f64> {
    let (a, b, c, d) = (z[j][i]?, z[j][i + 1]?, z[j + 1][i]?, z[j + 1][i + 1]?);
    Some((1.0 - v) * ((1.0 - u) * a + u * b) + v * ((1.0 - u) * c + u * d))
}

impl Chart for Map<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let d = self.0;
        let (plot, panel) = frame(root, &d.title)?;
        let (xl, xh) = finite_range(d.xs.iter().copied()).unwrap_or((0.0, 1.0));
        let (yl, yh) = finite_range(d.ys.iter().copied()).unwrap_or((0.0, 1.0));
        let (xu, yu) = (unit_for(xl, xh, &d.x.unit), unit_for(yl, yh, &d.y.unit));
        let xs: Vec<f64> = d.xs.iter().map(|x| x / xu.divisor).collect();
        let ys: Vec<f64> = d.ys.iter().map(|y| y / yu.divisor).collect();
        let mut chart = axes(
            &plot,
            (xs[0].min(xs[xs.len() - 1]), xs[0].max(xs[xs.len() - 1])),
            (ys[0].min(ys[ys.len() - 1]), ys[0].max(ys[ys.len() - 1])),
            desc(&d.x, &xu),
            desc(&d.y, &yu),
        )?;
        // Filled bands: each grid cell split into 12×12 bilinear pieces.
        const SUB: usize = 12;
        let mut pieces = Vec::new();
        for j in 0..ys.len().saturating_sub(1) {
            for i in 0..xs.len().saturating_sub(1) {
                for b in 0..SUB {
                    for a in 0..SUB {
                        let (u0, v0) = (a as f64 / SUB as f64, b as f64 / SUB as f64);
                        let (u1, v1) = (u0 + 1.0 / SUB as f64, v0 + 1.0 / SUB as f64);
                        let z = bilinear(&d.zeta, i, j, 0.5 * (u0 + u1), 0.5 * (v0 + v1));
                        let Some(z) = z else { continue };
                        let x = |u: f64| xs[i] + u * (xs[i + 1] - xs[i]);
                        let y = |v: f64| ys[j] + v * (ys[j + 1] - ys[j]);
                        pieces.push(Rectangle::new(
                            [(x(u0), y(v0)), (x(u1), y(v1))],
                            band_color(z).filled(),
                        ));
                    }
                }
            }
        }
        chart.draw_series(pieces)?;
        // Failing points: a translucent red cell around each.
        let (xe, ye) = (edges(&xs), edges(&ys));
        let mut shaded = Vec::new();
        for (j, row) in d.failing.iter().enumerate() {
            for (i, fails) in row.iter().enumerate() {
                if *fails {
                    shaded.push(Rectangle::new(
                        [(xe[i], ye[j]), (xe[i + 1], ye[j + 1])],
                        FAIL_COLOR.mix(0.22).filled(),
                    ));
                }
            }
        }
        chart.draw_series(shaded)?;
        for (level, style) in [(0.0, BLACK.stroke_width(3)), (0.05, BLACK.stroke_width(1))] {
            let segments = contour(&xs, &ys, &d.zeta, level);
            chart.draw_series(
                segments
                    .into_iter()
                    .map(|s| PathElement::new(vec![s[0], s[1]], style)),
            )?;
        }
        chart.draw_series(
            ys.iter()
                .flat_map(|&y| xs.iter().map(move |&x| (x, y)))
                .map(|p| Circle::new(p, 2, BLACK.mix(0.5).filled())),
        )?;
        let mut legend = Legend::new(&panel);
        legend.entry(Swatch::Line(BLACK, 3), "ζ = 0 (stability boundary)")?;
        legend.entry(Swatch::Line(BLACK, 1), "ζ = 0.05")?;
        legend.entry(Swatch::Area(FAIL_COLOR, 0.35), "a limit fails")?;
        for w in BANDS.windows(2) {
            legend.entry(Swatch::Area(w[0].1, 1.0), &format!("ζ < {}", w[1].0))?;
        }
        let last = BANDS[BANDS.len() - 1];
        legend.entry(Swatch::Area(last.1, 1.0), &format!("ζ ≥ {}", last.0))?;
        for n in &d.notes {
            legend.note(n)?;
        }
        Ok(())
    }
}

struct Histogram<'a>(&'a HistogramData);

impl Chart for Histogram<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let d = self.0;
        let (plot, panel) = frame(root, &d.title)?;
        let values: Vec<f64> = d.values.iter().copied().filter(|v| v.is_finite()).collect();
        let (lo, hi) =
            finite_range(values.iter().copied().chain(once(d.limit))).unwrap_or((0.0, 1.0));
        let xu = unit_for(lo, hi, &d.x.unit);
        let (lo, hi) = (lo / xu.divisor, hi / xu.divisor);
        // Freedman–Diaconis would need sorting; √n bins, 10 to 60, suffice.
        let bins = ((values.len() as f64).sqrt().round() as usize).clamp(10, 60);
        let width = if hi > lo {
            (hi - lo) / bins as f64
        } else {
            1.0
        };
        let mut counts = vec![0usize; bins];
        for v in &values {
            let k = (((v / xu.divisor) - lo) / width).floor() as isize;
            counts[k.clamp(0, bins as isize - 1) as usize] += 1;
        }
        let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
        let xr = padded(lo, hi, 0.03);
        let mut chart = axes(&plot, xr, (0.0, top), desc(&d.x, &xu), "points".into())?;
        let limit = d.limit / xu.divisor;
        chart.draw_series(counts.iter().enumerate().map(|(k, &c)| {
            let (a, b) = (lo + k as f64 * width, lo + (k + 1) as f64 * width);
            let colour = if 0.5 * (a + b) < limit {
                FAIL_COLOR
            } else {
                PASS_COLOR
            };
            Rectangle::new([(a, 0.0), (b, c as f64)], colour.mix(0.7).filled())
        }))?;
        chart.draw_series(once(PathElement::new(
            vec![(limit, 0.0), (limit, top)],
            LIMIT_COLOR.stroke_width(3),
        )))?;
        let mut legend = Legend::new(&panel);
        legend.entry(Swatch::None, &d.headline)?;
        legend.entry(Swatch::Line(LIMIT_COLOR, 3), "limit")?;
        legend.entry(Swatch::Area(PASS_COLOR, 0.7), "inside the limit")?;
        legend.entry(Swatch::Area(FAIL_COLOR, 0.7), "outside the limit")?;
        for n in &d.notes {
            legend.note(n)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::contour;

    #[test]
    fn contour_of_a_plane_is_its_level_line() {
        // z = x − y: the level 0 line is y = x.
        let xs = [0.0, 1.0, 2.0];
        let ys = [0.0, 1.0, 2.0];
        let z: Vec<Vec<Option<f64>>> = ys
            .iter()
            .map(|y| xs.iter().map(|x| Some(x - y + 0.5)).collect())
            .collect();
        let segs = contour(&xs, &ys, &z, 0.0);
        assert!(!segs.is_empty());
        for s in segs {
            for (x, y) in s {
                assert!((y - x - 0.5).abs() < 1e-12, "({x}, {y})");
            }
        }
    }
}
