//! Draws one prepared figure with plotters on any backend (bitmap or SVG):
//! title, axes with units, light grid, traces, min/max bands, nominal line,
//! numbered event markers, and a legend panel to the right of the plot.
//!
//! Owns the visual layout and styling. Must not choose data, units or
//! ranges (see `series`) and must not encode or write files (see `plot`).

use super::bands::LimitDraw;
use super::scale::{step_decimals, tick_label};
use super::series::{FigureData, Segment, TraceKind};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::iter::once;

/// Figure size in pixels: wide enough for a 50 ms transient at 10 µs
/// resolution to show its detail, and for a legend beside the plot.
pub(crate) const WIDTH: u32 = 1200;
pub(crate) const HEIGHT: u32 = 700;
/// The legend lives in its own panel so it never hides a curve.
pub(crate) const LEGEND_WIDTH: u32 = 290;
pub(crate) const LEGEND_LINE: i32 = 24;
pub(crate) const LEGEND_TEXT_X: i32 = 46;
/// Event lines listed in the legend before the rest are summarised.
const MAX_LEGEND_EVENTS: usize = 10;
pub(crate) const FONT: &str = "sans-serif";
const X_LABELS: usize = 12;
const Y_LABELS: usize = 10;

/// Colour-blind-friendly "tab10" colours plus two dark ones, in legend order.
const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 128),
    RGBColor(128, 0, 0),
];
pub(crate) const NOMINAL_COLOR: RGBColor = RGBColor(70, 70, 70);
pub(crate) const EVENT_COLOR: RGBColor = RGBColor(200, 40, 40);
pub(crate) const GRID_LIGHT: RGBColor = RGBColor(242, 242, 242);
pub(crate) const GRID_BOLD: RGBColor = RGBColor(215, 215, 215);
pub(crate) const NOTE_COLOR: RGBColor = RGBColor(90, 90, 90);
const BAND_ALPHA: f64 = 0.22;
/// Limits are dark orange, apart from the red of events and violations.
pub(crate) const LIMIT_COLOR: RGBColor = RGBColor(204, 102, 0);
pub(crate) const LIMIT_ALPHA: f64 = 0.12;
pub(crate) const VIOLATION_COLOR: RGBColor = RGBColor(230, 0, 0);

pub(crate) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

pub(crate) fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Draws `fig` onto `root`, which must be [`WIDTH`] × [`HEIGHT`].
pub(crate) fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &FigureData,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (plot_area, legend_area) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
    let (x0, x1) = fig.x_range;
    let (y0, y1) = fig.y_range;
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(&fig.title, (FONT, 28))
        .margin_top(12)
        .margin_left(14)
        .margin_right(24)
        .margin_bottom(10)
        .x_label_area_size(58)
        .y_label_area_size(92)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let x_decimals = label_decimals(fig.x_range, X_LABELS);
    let y_decimals = label_decimals(fig.y_range, Y_LABELS);
    let x_fmt = |x: &f64| tick_label(*x, x_decimals);
    let y_fmt = |y: &f64| tick_label(*y, y_decimals);
    chart
        .configure_mesh()
        .x_desc(fig.x_desc.as_str())
        .y_desc(fig.y_desc.as_str())
        .x_labels(X_LABELS)
        .y_labels(Y_LABELS)
        .max_light_lines(4)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 21))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .axis_style(BLACK.stroke_width(1))
        .draw()?;

    // Back to front: bands, reference lines, then curves on top.
    for trace in &fig.traces {
        if let TraceKind::Band(parts) = &trace.kind {
            let c = color(trace.color);
            for (lower, upper) in parts {
                let outline: Segment = upper.iter().chain(lower.iter().rev()).copied().collect();
                chart.draw_series(once(Polygon::new(outline, c.mix(BAND_ALPHA).filled())))?;
                chart.draw_series(LineSeries::new(lower.iter().copied(), c.stroke_width(1)))?;
                chart.draw_series(LineSeries::new(upper.iter().copied(), c.stroke_width(1)))?;
            }
        }
    }
    for limit in fig.limits.iter().filter(|l| !l.off_scale) {
        draw_limit(&mut chart, limit, (y0, y1))?;
    }
    if let Some((nominal, _)) = &fig.nominal {
        chart.draw_series(once(PathElement::new(
            vec![(x0, *nominal), (x1, *nominal)],
            NOMINAL_COLOR.stroke_width(1),
        )))?;
    }
    for marker in &fig.events {
        chart.draw_series(once(DashedPathElement::new(
            [(marker.x, y0), (marker.x, y1)],
            7,
            5,
            EVENT_COLOR.stroke_width(1),
        )))?;
    }
    for trace in &fig.traces {
        if let TraceKind::Line(segments) = &trace.kind {
            let c = color(trace.color);
            for segment in segments {
                if let [point] = segment[..] {
                    // A lone sample (a one-sample run or one between gaps)
                    // has no line to draw; a dot keeps it visible.
                    chart.draw_series(once(Circle::new(point, 3, c.filled())))?;
                } else {
                    chart
                        .draw_series(LineSeries::new(segment.iter().copied(), c.stroke_width(2)))?;
                }
            }
        }
    }
    for run in &fig.violations {
        if let [point] = run[..] {
            chart.draw_series(once(Circle::new(point, 4, VIOLATION_COLOR.filled())))?;
        } else {
            chart.draw_series(LineSeries::new(
                run.iter().copied(),
                VIOLATION_COLOR.stroke_width(4),
            ))?;
        }
    }
    // A ring with a dot at the extreme each limit measured.
    for (point, _) in &fig.worst {
        chart.draw_series(once(
            EmptyElement::at(*point)
                + Circle::new((0, 0), 8, LIMIT_COLOR.stroke_width(2))
                + Circle::new((0, 0), 2, LIMIT_COLOR.filled()),
        ))?;
    }
    let number_style = TextStyle::from((FONT, 16).into_font()).color(&EVENT_COLOR);
    for marker in &fig.events {
        chart.draw_series(once(
            EmptyElement::at((marker.x, y1))
                + Text::new(marker.number.to_string(), (4, 3), number_style.clone()),
        ))?;
    }
    if let Some(message) = &fig.empty_message {
        let style = TextStyle::from((FONT, 22).into_font())
            .color(&NOTE_COLOR)
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart.draw_series(once(Text::new(
            message.clone(),
            ((x0 + x1) / 2.0, (y0 + y1) / 2.0),
            style,
        )))?;
    }
    draw_legend(&legend_area, fig)
}

/// Shades the forbidden side of each bound of a limit over its time span
/// and draws the bound as a dashed line.
fn draw_limit<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    limit: &LimitDraw,
    (y0, y1): (f64, f64),
) -> DrawResult<DB> {
    let (a, b) = (limit.x_from, limit.x_to);
    for (bound, edge) in [(limit.lower, y0), (limit.upper, y1)] {
        let Some(v) = bound.filter(|v| v.is_finite()) else {
            continue;
        };
        let v = v.clamp(y0, y1);
        chart.draw_series(once(Rectangle::new(
            [(a, edge), (b, v)],
            LIMIT_COLOR.mix(LIMIT_ALPHA).filled(),
        )))?;
        chart.draw_series(once(DashedPathElement::new(
            [(a, v), (b, v)],
            10,
            6,
            LIMIT_COLOR.stroke_width(2),
        )))?;
    }
    Ok(())
}

/// Decimals that tell apart the ticks plotters will place on `range`
/// (it picks 1-2-5 steps), so labels read `2`, `3`… rather than `2.0`.
pub(crate) fn label_decimals((lo, hi): (f64, f64), labels: usize) -> usize {
    let ticks = RangedCoordf64::from(lo..hi).key_points(labels);
    match ticks.as_slice() {
        [a, b, ..] => step_decimals(b - a),
        _ => step_decimals(hi - lo),
    }
}

/// The legend panel: one swatch and label per trace, the nominal line, the
/// numbered events, then notes on what was simplified.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &FigureData,
) -> DrawResult<DB> {
    let label = TextStyle::from((FONT, 16).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let small = TextStyle::from((FONT, 14).into_font())
        .color(&NOTE_COLOR)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let max_text = LEGEND_WIDTH as i32 - LEGEND_TEXT_X - 10;
    let bottom = HEIGHT as i32 - 16;
    let mut y = 70;

    for trace in &fig.traces {
        let c = color(trace.color);
        match &trace.kind {
            TraceKind::Line(_) => {
                area.draw(&PathElement::new(vec![(8, y), (38, y)], c.stroke_width(3)))?;
            }
            TraceKind::Band(_) => {
                area.draw(&Rectangle::new(
                    [(8, y - 7), (38, y + 7)],
                    c.mix(BAND_ALPHA).filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(8, y - 7), (38, y + 7)],
                    c.stroke_width(1),
                ))?;
            }
        }
        let text = fit(area, &trace.label, &label, max_text, true);
        area.draw(&Text::new(text, (LEGEND_TEXT_X, y), label.clone()))?;
        y += LEGEND_LINE;
    }
    if let Some((_, text)) = &fig.nominal {
        area.draw(&PathElement::new(
            vec![(8, y), (38, y)],
            NOMINAL_COLOR.stroke_width(1),
        ))?;
        area.draw(&Text::new(text.clone(), (LEGEND_TEXT_X, y), label.clone()))?;
        y += LEGEND_LINE;
    }
    for limit in &fig.limits {
        area.draw(&Rectangle::new(
            [(8, y - 7), (38, y + 7)],
            LIMIT_COLOR.mix(LIMIT_ALPHA).filled(),
        ))?;
        area.draw(&DashedPathElement::new(
            [(8, y - 7), (38, y - 7)],
            6,
            4,
            LIMIT_COLOR.stroke_width(2),
        ))?;
        let text = if limit.off_scale {
            if limit.bounds.is_empty() {
                format!("{}, off scale", limit.label)
            } else {
                format!("{}: {}, off scale", limit.label, limit.bounds)
            }
        } else {
            limit.label.clone()
        };
        for line in wrap(area, &text, &label, max_text) {
            area.draw(&Text::new(line, (LEGEND_TEXT_X, y), label.clone()))?;
            y += LEGEND_LINE - 4;
        }
        y += 4;
    }
    if !fig.violations.is_empty() {
        area.draw(&PathElement::new(
            vec![(8, y), (38, y)],
            VIOLATION_COLOR.stroke_width(4),
        ))?;
        area.draw(&Text::new(
            "outside a limit",
            (LEGEND_TEXT_X, y),
            label.clone(),
        ))?;
        y += LEGEND_LINE;
    }
    for (_, text) in &fig.worst {
        area.draw(&Circle::new((23, y), 7, LIMIT_COLOR.stroke_width(2)))?;
        area.draw(&Circle::new((23, y), 2, LIMIT_COLOR.filled()))?;
        for line in wrap(area, text, &label, max_text) {
            area.draw(&Text::new(line, (LEGEND_TEXT_X, y), label.clone()))?;
            y += LEGEND_LINE - 4;
        }
        y += 4;
    }
    if !fig.events.is_empty() {
        area.draw(&DashedPathElement::new(
            [(8, y), (38, y)],
            5,
            4,
            EVENT_COLOR.stroke_width(1),
        ))?;
        area.draw(&Text::new("events", (LEGEND_TEXT_X, y), label.clone()))?;
        y += LEGEND_LINE - 4;
        for marker in fig.events.iter().take(MAX_LEGEND_EVENTS) {
            if y > bottom {
                return Ok(());
            }
            let number = small.color(&EVENT_COLOR);
            area.draw(&Text::new(marker.number.to_string(), (20, y), number))?;
            for line in wrap(area, &marker.text(), &small, max_text) {
                if y > bottom {
                    return Ok(());
                }
                area.draw(&Text::new(line, (LEGEND_TEXT_X, y), small.clone()))?;
                y += LEGEND_LINE - 6;
            }
            y += 2;
        }
        let more = fig.events.len().saturating_sub(MAX_LEGEND_EVENTS) + fig.hidden_events;
        if more > 0 && y <= bottom {
            let text = format!("… {more} more events (see summary)");
            area.draw(&Text::new(text, (LEGEND_TEXT_X, y), small.clone()))?;
            y += LEGEND_LINE - 4;
        }
    }
    y += 8;
    for note in &fig.notes {
        for line in wrap(area, note, &small, LEGEND_WIDTH as i32 - 18) {
            if y > bottom {
                return Ok(());
            }
            area.draw(&Text::new(line, (8, y), small.clone()))?;
            y += LEGEND_LINE - 6;
        }
    }
    Ok(())
}

/// Text width in pixels; falls back to a generous per-character guess if
/// the font cannot measure it.
pub(crate) fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> i32 {
    area.estimate_text_size(text, style)
        .map(|(w, _)| w as i32)
        .unwrap_or_else(|_| 9 * text.chars().count() as i32)
}

/// Shortens `text` with an ellipsis until it fits `max` pixels, keeping the
/// end (the distinctive part of hierarchical names like
/// `row3.rack7.tray18.bus50`) or the start.
pub(crate) fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max: i32,
    keep_end: bool,
) -> String {
    if text_width(area, text, style) <= max {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    for cut in 1..chars.len() {
        let candidate: String = if keep_end {
            once('…').chain(chars[cut..].iter().copied()).collect()
        } else {
            chars[..chars.len() - cut]
                .iter()
                .copied()
                .chain(once('…'))
                .collect()
        };
        if text_width(area, &candidate, style) <= max {
            return candidate;
        }
    }
    "…".to_string()
}

/// Greedy word wrap to `max` pixels; over-long words are shortened.
pub(crate) fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max: i32,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || text_width(area, &candidate, style) <= max {
            current = candidate;
        } else {
            lines.push(fit(area, &current, style, max, false));
            current = word.to_string();
        }
    }
    if !current.is_empty() {
        lines.push(fit(area, &current, style, max, false));
    }
    lines
}
