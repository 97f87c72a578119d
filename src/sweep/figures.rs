//! Which figures a finished sweep gets, and their data:
//! - every collected metric, the least damping and the worst relative
//!   margin against each parameter, passing and failing points coloured;
//! - with exactly two grid parameters and the least damping collected, the
//!   stability map over them;
//! - with Monte Carlo draws, a histogram of every limit's margin and of the
//!   worst relative margin, with the yield and its Wilson 95 % interval.
//!
//! Owns the choice and the data of the figures. Drawing is `report`'s.

use super::output::Yield;
use super::spec::Axis;
use super::study::{ColumnKind, PointVerdict, Row, SmallKind, Sweep};
use crate::report::{
    histogram_figure, map_figure, scatter_figure, AxisLabel, Figure, HistogramData, MapData,
    ScatterData,
};

/// Every figure of the sweep; a figure that cannot be drawn is left out.
pub fn sweep_figures(sweep: &Sweep, rows: &[Row]) -> Vec<Figure> {
    use rayon::prelude::*;
    let mut charts = Vec::new();
    let names = sweep.points.names();
    let metrics = plotted_metrics(sweep);
    for (p, param) in names.iter().enumerate() {
        for (label, unit, value) in &metrics {
            charts.push(Chart::Scatter(scatter(
                sweep, rows, p, param, label, unit, value,
            )));
        }
    }
    if let Some(map) = stability_map(sweep, rows) {
        charts.push(Chart::Map(map));
    }
    if sweep.points.is_monte_carlo() {
        charts.extend(histograms(sweep, rows).into_iter().map(Chart::Histogram));
    }
    // Each figure is drawn on its own (the sweep's thread pool, when it
    // is installed); collecting keeps their order.
    charts.par_iter().filter_map(Chart::render).collect()
}

/// The data of one figure, gathered before any is drawn.
enum Chart {
    Scatter(ScatterData),
    Map(MapData),
    Histogram(HistogramData),
}

impl Chart {
    fn render(&self) -> Option<Figure> {
        match self {
            Chart::Scatter(d) => scatter_figure(d).ok(),
            Chart::Map(d) => map_figure(d).ok(),
            Chart::Histogram(d) => histogram_figure(d).ok(),
        }
    }
}

/// Picks a value out of a row.
type Pick = Box<dyn Fn(&Row) -> Option<f64>>;

/// (label, unit, value) of every plotted metric.
fn plotted_metrics(sweep: &Sweep) -> Vec<(String, String, Pick)> {
    let mut out: Vec<(String, String, Pick)> = Vec::new();
    for (i, c) in sweep.columns.iter().enumerate() {
        let plotted = matches!(
            c.kind,
            ColumnKind::Metric(_) | ColumnKind::SmallSignal(SmallKind::LeastDamping)
        );
        if plotted {
            out.push((
                c.name.clone(),
                c.unit.clone(),
                Box::new(move |r: &Row| r.cells[i]),
            ));
        }
    }
    if sweep
        .columns
        .iter()
        .any(|c| matches!(c.kind, ColumnKind::Margin(_)))
    {
        out.push((
            "worst relative margin".into(),
            String::new(),
            Box::new(|r: &Row| r.worst_margin),
        ));
    }
    out
}

fn scatter(
    sweep: &Sweep,
    rows: &[Row],
    p: usize,
    param: &str,
    label: &str,
    unit: &str,
    value: &Pick,
) -> ScatterData {
    let mut data = ScatterData {
        name: format!("{label} vs {param}"),
        title: format!("{}: {label} against {param}", sweep.spec.name),
        x: AxisLabel {
            name: param.into(),
            unit: unit_of(param).into(),
        },
        y: AxisLabel {
            name: label.into(),
            unit: unit.into(),
        },
        log_x: matches!(sweep.spec.parameters.get(param), Some(Axis::Log { .. })),
        ..Default::default()
    };
    for r in rows {
        let Some(y) = value(r) else { continue };
        let point = (r.values[p], y);
        match r.verdict {
            PointVerdict::Pass => data.pass.push(point),
            _ => data.fail.push(point),
        }
    }
    let y = Yield::of(rows);
    data.notes.push(format!(
        "{} of {} points pass every limit",
        y.passed, y.total
    ));
    data
}

/// The map over two grid parameters, when the sweep has exactly two and
/// collects the least damping.
fn stability_map(sweep: &Sweep, rows: &[Row]) -> Option<MapData> {
    let grid = sweep.points.grid();
    if grid.len() != 2 || sweep.points.is_monte_carlo() {
        return None;
    }
    let zeta = sweep
        .columns
        .iter()
        .position(|c| c.kind == ColumnKind::SmallSignal(SmallKind::LeastDamping))?;
    let ((xname, xs), (yname, ys)) = (&grid[1], &grid[0]);
    // The last grid parameter varies fastest: row k is (k / nx, k % nx).
    let nx = xs.len();
    let mut z = vec![vec![None; nx]; ys.len()];
    let mut failing = vec![vec![false; nx]; ys.len()];
    for r in rows {
        let (j, i) = (r.point / nx, r.point % nx);
        z[j][i] = r.cells[zeta];
        failing[j][i] = r.verdict != PointVerdict::Pass;
    }
    Some(MapData {
        name: format!("stability map {xname} {yname}"),
        title: format!(
            "{}: least damping over {xname} and {yname}",
            sweep.spec.name
        ),
        x: AxisLabel {
            name: xname.clone(),
            unit: unit_of(xname).into(),
        },
        y: AxisLabel {
            name: yname.clone(),
            unit: unit_of(yname).into(),
        },
        xs: xs.clone(),
        ys: ys.clone(),
        zeta: z,
        failing,
        notes: vec![format!(
            "least damping at t = {} s of the first scenario",
            sweep.spec.collect.small_signal_at.unwrap_or(0.0)
        )],
    })
}

fn histograms(sweep: &Sweep, rows: &[Row]) -> Vec<HistogramData> {
    let y = Yield::of(rows);
    let headline = format!(
        "yield {:.1} % ({} of {}); 95 % CI {:.1} – {:.1} % (Wilson)",
        100.0 * y.fraction,
        y.passed,
        y.total,
        100.0 * y.low,
        100.0 * y.high
    );
    let mut out = Vec::new();
    let add = |out: &mut Vec<HistogramData>, label: &str, values: Vec<f64>| {
        out.push(HistogramData {
            name: format!("histogram {label}"),
            title: format!("{}: {label}", sweep.spec.name),
            x: AxisLabel {
                name: label.to_string(),
                unit: String::new(),
            },
            values,
            limit: 0.0,
            headline: headline.clone(),
            notes: vec![format!("{} Monte Carlo points", rows.len())],
        });
    };
    for (i, c) in sweep.columns.iter().enumerate() {
        if matches!(c.kind, ColumnKind::Margin(_)) {
            add(
                &mut out,
                &c.name,
                rows.iter().filter_map(|r| r.cells[i]).collect(),
            );
        }
    }
    if !out.is_empty() {
        add(
            &mut out,
            "worst relative margin",
            rows.iter().filter_map(|r| r.worst_margin).collect(),
        );
    }
    out
}

/// The SI unit of a `component.field` parameter from the field's name
/// (the component schemas name fields by their unit); none for a circuit
/// parameter, whose unit the circuit does not declare.
fn unit_of(parameter: &str) -> &'static str {
    let field = parameter.rsplit('.').next().unwrap_or_default();
    match field {
        "watts" => "W",
        "farads" => "F",
        "henries" => "H",
        "ohms" | "esr" => "Ω",
        "volts" | "min_volts" => "V",
        "amps" => "A",
        "seconds" => "s",
        f if f.ends_with("_hz") => "Hz",
        _ => "",
    }
}
