//! Turns a figure plan into drawable data: scaled to display units, split
//! at missing samples, thinned to the plot resolution, with axis ranges,
//! event markers and legend text decided.
//!
//! Owns what is drawn, in plot coordinates. Must not call plotters (see
//! `draw`) or group columns (see `groups`).

use super::bands::{self, LimitDraw};
use super::groups::{FigurePlan, Trace, ValueAxis};
use super::overlay::{LimitBand, WorstPoint};
use super::per_unit;
use super::scale::{
    decimate, finite_range, finite_segments, padded, time_unit, value_unit, AxisUnit,
};
use crate::results::{EventRecord, Quantity, Waveforms};
use crate::units::{eng, eng_time};
use std::ops::Range;

/// Points per series kept after thinning: about two per horizontal pixel.
const BUCKETS: usize = 1000;
/// Events closer than this fraction of the time axis share one marker.
const EVENT_MERGE_FRACTION: f64 = 2e-3;
/// Markers beyond this many only clutter the figure.
const MAX_EVENT_MARKERS: usize = 40;

pub(crate) type Segment = Vec<(f64, f64)>;

/// Everything `draw` needs for one figure, in display units.
#[derive(Debug, Clone)]
pub(crate) struct FigureData {
    pub title: String,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub x_desc: String,
    pub y_desc: String,
    pub traces: Vec<TraceData>,
    pub nominal: Option<(f64, String)>,
    pub events: Vec<EventMarker>,
    /// Events not drawn because there were too many.
    pub hidden_events: usize,
    pub notes: Vec<String>,
    /// Shown in the plot area when there is nothing to draw.
    pub empty_message: Option<String>,
    /// Scenario limits on the figure's columns.
    pub limits: Vec<LimitDraw>,
    /// Runs of samples outside a limit band, drawn highlighted.
    pub violations: Vec<Segment>,
    /// The extremes limits measured inside the figure: point and legend.
    pub worst: Vec<((f64, f64), String)>,
    /// Plotted value × these = SI value, for time and for the quantity.
    pub x_divisor: f64,
    pub y_divisor: f64,
}

/// What a rendering of a plan adds to the recorded data: a time window
/// (zoomed figures), event markers the engine did not record (load
/// changes), scenario limit bands and the worst points limits measured.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct View<'a> {
    pub window: Option<(f64, f64)>,
    pub markers: &'a [EventRecord],
    pub limits: &'a [LimitBand],
    pub worst: &'a [WorstPoint],
}

impl View<'_> {
    /// The samples of `time` inside the window (all without one).
    fn samples(&self, time: &[f64]) -> Range<usize> {
        match self.window {
            Some((a, b)) => time.partition_point(|&t| t < a)..time.partition_point(|&t| t <= b),
            None => 0..time.len(),
        }
    }
}

/// One legend entry with its colour index.
#[derive(Debug, Clone)]
pub(crate) struct TraceData {
    pub label: String,
    pub color: usize,
    pub kind: TraceKind,
}

#[derive(Debug, Clone)]
pub(crate) enum TraceKind {
    Line(Vec<Segment>),
    /// Min/max band: lower and upper curves over the same sample segments.
    Band(Vec<(Segment, Segment)>),
}

/// A dashed vertical line for one or more events at (nearly) one time.
#[derive(Debug, Clone)]
pub(crate) struct EventMarker {
    pub x: f64,
    pub number: usize,
    /// Description of the first event, e.g. `10.00 ms tray*.gpu: load step`.
    pub first: String,
    /// How many more events share this marker.
    pub merged: usize,
}

impl EventMarker {
    /// Legend text, e.g. `10.00 ms tray*.gpu: load step (+17)`.
    pub fn text(&self) -> String {
        if self.merged == 0 {
            self.first.clone()
        } else {
            format!("{} (+{})", self.first, self.merged)
        }
    }
}

/// Prepares the data of one planned figure.
#[cfg(test)]
pub(crate) fn figure_data(w: &Waveforms, plan: &FigurePlan) -> FigureData {
    figure_data_in(w, plan, &View::default())
}

/// Prepares one planned figure as seen through `view`.
pub(crate) fn figure_data_in(w: &Waveforms, plan: &FigurePlan, view: &View) -> FigureData {
    let range = view.samples(&w.time);
    let time = &w.time[range.clone()];
    let values = |c: usize| -> &[f64] {
        w.columns.get(c).map_or(&[], |col| {
            let end = range.end.min(col.values.len());
            col.values.get(range.start..end).unwrap_or(&[])
        })
    };
    let (t0, t1) = finite_range(time.iter().copied()).unwrap_or((0.0, 0.0));
    // A single sample has no span; its time still suggests a unit.
    let x_unit = time_unit(if t1 > t0 { t1 - t0 } else { t1.abs() });
    let xs: Vec<f64> = time.iter().map(|t| t / x_unit.divisor).collect();

    // Per unit, each column is divided by its own nominal; otherwise the
    // recorded values are drawn as they are.
    let gain = |c: usize| -> f64 {
        match plan.axis {
            ValueAxis::PerUnit => w
                .columns
                .get(c)
                .and_then(per_unit::nominal)
                .map_or(f64::NAN, |n| 1.0 / n),
            ValueAxis::Quantity | ValueAxis::Energy => 1.0,
        }
    };
    let member_values = plan
        .columns
        .iter()
        .flat_map(|&c| values(c).iter().map(move |v| v * gain(c)));
    let data_range = finite_range(member_values);
    let nominal = plan.nominal.filter(|n| n.is_finite());
    let names: Vec<&str> = plan
        .columns
        .iter()
        .filter_map(|&c| w.columns.get(c).map(|col| col.name.as_str()))
        .collect();
    // Limits are in the columns' own units: a per-unit figure has none.
    let judged = |column: &str| plan.axis != ValueAxis::PerUnit && names.contains(&column);
    // A worst point between samples is part of the data: the range takes
    // it in, so the extreme a limit judged is always on the figure.
    let worst: Vec<&WorstPoint> = view
        .worst
        .iter()
        .filter(|p| judged(&p.column) && (t0..=t1).contains(&p.time))
        .collect();
    let data_range = data_range.map(|(lo, hi)| {
        worst
            .iter()
            .fold((lo, hi), |(lo, hi), p| (lo.min(p.value), hi.max(p.value)))
    });
    let (lo, hi) = match (data_range, nominal) {
        (Some((lo, hi)), Some(n)) => (lo.min(n), hi.max(n)),
        (Some(r), None) => r,
        (None, Some(n)) => (n, n),
        (None, None) => (0.0, 0.0),
    };
    let own: Vec<&LimitBand> = view.limits.iter().filter(|b| judged(&b.column)).collect();
    let merged = bands::merge(&own);
    let ((lo, hi), off_scale) = if data_range.is_some() {
        bands::widen(lo, hi, &merged)
    } else {
        ((lo, hi), vec![true; merged.len()])
    };
    let y_unit = axis_unit(plan, lo.abs().max(hi.abs()));
    let (y0, y1) = padded(lo / y_unit.divisor, hi / y_unit.divisor, 0.06);
    let (x0, x1) = padded(t0 / x_unit.divisor, t1 / x_unit.divisor, 0.0);

    let scaled = |c: usize| -> Vec<f64> {
        let k = gain(c) / y_unit.divisor;
        values(c).iter().map(|v| v * k).collect()
    };
    let traces = plan
        .traces
        .iter()
        .enumerate()
        .map(|(color, trace)| match trace {
            Trace::Line { column, label } => TraceData {
                label: label.clone(),
                color,
                kind: TraceKind::Line(
                    finite_segments(&xs, &scaled(*column))
                        .iter()
                        .map(|s| decimate(s, BUCKETS))
                        .collect(),
                ),
            },
            Trace::Envelope { columns, label } => TraceData {
                label: label.clone(),
                color,
                kind: TraceKind::Band(band(&xs, columns, &scaled)),
            },
        })
        .collect();

    let limits = merged
        .iter()
        .zip(off_scale)
        .map(|(m, off_scale)| LimitDraw {
            label: m.label.clone(),
            lower: m.lower.map(|v| v / y_unit.divisor),
            upper: m.upper.map(|v| v / y_unit.divisor),
            x_from: (m.from / x_unit.divisor).max(x0),
            x_to: (m.to / x_unit.divisor).min(x1),
            off_scale,
            bounds: bands::bounds_text(m, plan.quantity.unit()),
        })
        .collect();
    let violations = own
        .iter()
        .filter_map(|b| Some((b, w.columns.iter().find(|c| c.name == b.column)?)))
        .flat_map(|(b, col)| {
            bands::violations(&w.time, &col.values, b, range.clone(), &xs, y_unit.divisor)
        })
        .collect();
    let all_events: Vec<&EventRecord> = w.events.iter().chain(view.markers).collect();
    let (events, hidden_events) = event_markers(&all_events, x_unit.divisor, (x0, x1));
    FigureData {
        title: plan.title.clone(),
        x_range: (x0, x1),
        y_range: (y0, y1),
        x_desc: format!("time [{}]", x_unit.unit),
        y_desc: format!("{} [{}]", axis_word(plan), y_unit.unit),
        traces,
        nominal: nominal.map(|n| {
            let text = match plan.axis {
                ValueAxis::PerUnit => format!("nominal, {n:.1} p.u."),
                _ => format!("nominal {}", eng(n, plan.quantity.unit())),
            };
            (n / y_unit.divisor, text)
        }),
        events,
        hidden_events,
        notes: plan.notes.clone(),
        empty_message: data_range
            .is_none()
            .then(|| "no finite samples".to_string()),
        limits,
        violations,
        worst: worst
            .iter()
            .map(|p| {
                let at = (p.time / x_unit.divisor, p.value / y_unit.divisor);
                (at, p.label.clone())
            })
            .collect(),
        x_divisor: x_unit.divisor,
        y_divisor: y_unit.divisor,
    }
}

/// The unit of the value axis: plotted value = drawn value / `divisor`.
fn axis_unit(plan: &FigurePlan, max_abs: f64) -> AxisUnit {
    match plan.axis {
        // A per-unit value or a fraction never takes an SI prefix (`940 m`).
        ValueAxis::PerUnit => AxisUnit {
            divisor: 1.0,
            unit: "p.u.".into(),
        },
        ValueAxis::Quantity if plan.quantity == Quantity::StateOfCharge => AxisUnit {
            divisor: 0.01,
            unit: "%".into(),
        },
        ValueAxis::Quantity => value_unit(max_abs, plan.quantity.unit()),
        ValueAxis::Energy => value_unit(max_abs, "J"),
    }
}

fn axis_word(plan: &FigurePlan) -> &'static str {
    match plan.axis {
        ValueAxis::Energy => "energy delivered",
        ValueAxis::PerUnit | ValueAxis::Quantity => quantity_word(plan.quantity),
    }
}

fn quantity_word(q: Quantity) -> &'static str {
    match q {
        Quantity::Voltage => "voltage",
        Quantity::Current => "current",
        Quantity::Power => "power",
        Quantity::StateOfCharge => "state of charge",
    }
}

/// Per-sample min and max across `columns`, split where no column has a
/// finite value, each curve thinned separately so its extremes survive.
fn band(
    xs: &[f64],
    columns: &[usize],
    scaled: &dyn Fn(usize) -> Vec<f64>,
) -> Vec<(Segment, Segment)> {
    let n = xs.len();
    let mut lower = vec![f64::NAN; n];
    let mut upper = vec![f64::NAN; n];
    // One column at a time: a hall can have tens of thousands of buses.
    for &c in columns {
        for (k, &v) in scaled(c).iter().take(n).enumerate() {
            if v.is_finite() {
                lower[k] = if lower[k].is_nan() {
                    v
                } else {
                    lower[k].min(v)
                };
                upper[k] = if upper[k].is_nan() {
                    v
                } else {
                    upper[k].max(v)
                };
            }
        }
    }
    // lower and upper are finite at the same samples, so segments pair up.
    finite_segments(xs, &lower)
        .into_iter()
        .zip(finite_segments(xs, &upper))
        .map(|(lo, hi)| (decimate(&lo, BUCKETS), decimate(&hi, BUCKETS)))
        .collect()
}

/// Groups events that would overlap on the time axis into numbered markers.
fn event_markers(
    all: &[&EventRecord],
    divisor: f64,
    (x0, x1): (f64, f64),
) -> (Vec<EventMarker>, usize) {
    let merge = (x1 - x0) * EVENT_MERGE_FRACTION;
    let mut events: Vec<_> = all
        .iter()
        .filter(|e| e.time.is_finite())
        .map(|e| (e.time / divisor, e))
        .filter(|(x, _)| (x0..=x1).contains(x))
        .collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut markers: Vec<EventMarker> = Vec::new();
    let mut group_start = f64::NEG_INFINITY;
    let mut hidden = 0usize;
    for (x, e) in events {
        if x - group_start <= merge {
            if let Some(m) = markers.last_mut() {
                m.merged += 1;
                continue;
            }
        }
        if markers.len() == MAX_EVENT_MARKERS {
            hidden += 1;
            continue;
        }
        group_start = x;
        markers.push(EventMarker {
            x,
            number: markers.len() + 1,
            first: format!("{} {}: {}", eng_time(e.time), e.target, e.what),
            merged: 0,
        });
    }
    (markers, hidden)
}

#[cfg(test)]
#[path = "series_tests.rs"]
mod tests;
