//! What a scenario and its verdicts add to the waveform figures: limit
//! bands (from `limits`), markers for load changes (load steps are not
//! engine events, so they would otherwise be invisible) and the worst
//! point each limit measured. The zoom windows are chosen in `zoom`.
//!
//! Owns the translation of scenario limits into drawable bands. The
//! highlight of samples outside a band is a visual aid only: verdicts come
//! from the analysis. Must not draw or write files.

use crate::analysis::limits::{BandShape, Scenario};
use crate::analysis::Verdict;
use crate::glob;
use crate::results::{Column, EventRecord, Quantity, Waveforms};
use crate::scenario::Profile;
use crate::units::{eng, eng_time};

/// One scenario limit drawn on the figure of one recorded column.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitBand {
    /// Legend text, e.g. `MinVoltage 48.50 V (> 2.000 ms)`.
    pub label: String,
    /// The recorded column it applies to (`Column::name`).
    pub column: String,
    /// Lowest allowed value in SI units, if bounded below.
    pub lower: Option<f64>,
    /// Highest allowed value in SI units, if bounded above.
    pub upper: Option<f64>,
    /// Time span the band applies to, seconds.
    pub from: f64,
    pub to: f64,
    /// Excursions lasting no longer than this are tolerated by the limit
    /// and are not highlighted (`MinVoltage::longer_than`).
    pub tolerated: f64,
}

/// A moment where the scenario disturbs the circuit.
#[derive(Debug, Clone, PartialEq)]
pub struct Disturbance {
    pub time: f64,
    /// What happens, e.g. `tray*.gpu: step 0.3 → 1 pu`.
    pub what: String,
}

/// The bands of every time-domain limit of `scenario` on the columns of
/// `w` they name. Stability limits (damping, margins) have no band.
pub fn limit_bands(scenario: &Scenario, w: &Waveforms) -> Vec<LimitBand> {
    let (t0, t1) = match (w.time.first(), w.time.last()) {
        (Some(&a), Some(&b)) => (a, b),
        _ => return Vec::new(),
    };
    let first = disturbances(scenario)
        .first()
        .map(|d| d.time)
        .or_else(|| w.events.iter().map(|e| e.time).find(|t| t.is_finite()))
        .unwrap_or(t0);
    let mut out = Vec::new();
    for spec in scenario.limits.iter().filter_map(|l| l.spec().band()) {
        for c in columns_of(w, &spec.pattern, spec.quantity) {
            let (lower, upper, span, tolerated) = match spec.shape {
                BandShape::Fixed {
                    lower,
                    upper,
                    tolerated,
                } => (lower, upper, (t0, t1), tolerated),
                BandShape::AroundFirst { percent } => {
                    let Some(pre) = value_at(&w.time, &c.values, first) else {
                        continue;
                    };
                    let half = percent / 100.0 * c.nominal.unwrap_or(pre).abs();
                    (Some(pre - half), Some(pre + half), (t0, t1), 0.0)
                }
                BandShape::AroundLast { percent, after } => {
                    let from = first + after;
                    let last = c.values.iter().rev().copied().find(|v| v.is_finite());
                    let Some(last) = last.filter(|_| from < t1) else {
                        continue;
                    };
                    let half = percent / 100.0 * c.nominal.unwrap_or(last).abs();
                    (Some(last - half), Some(last + half), (from, t1), 0.0)
                }
            };
            let mut b = band(&spec.label, c, lower, upper, span);
            b.tolerated = tolerated;
            out.push(b);
        }
    }
    out
}

fn band(
    label: &str,
    c: &Column,
    lower: Option<f64>,
    upper: Option<f64>,
    span: (f64, f64),
) -> LimitBand {
    LimitBand {
        label: label.to_string(),
        column: c.name.clone(),
        lower,
        upper,
        from: span.0,
        to: span.1,
        tolerated: 0.0,
    }
}

fn columns_of<'w>(
    w: &'w Waveforms,
    target: &'w str,
    quantity: Quantity,
) -> impl Iterator<Item = &'w Column> {
    w.columns.iter().filter(move |c| {
        c.quantity == quantity
            && (glob::matches(target, &c.target) || glob::matches(target, &c.name))
    })
}

/// The value of the last sample at or before `t` (the first sample when
/// `t` precedes the run): the "pre-event value" of a deviation band.
fn value_at(time: &[f64], values: &[f64], t: f64) -> Option<f64> {
    let n = time.len().min(values.len());
    let k = time[..n].partition_point(|&s| s <= t).max(1);
    values.get(k - 1).copied().filter(|v| v.is_finite())
}

/// The load changes of `scenario` in time order: the start of every step,
/// pulse train and piecewise-linear profile, and the scheduled events.
pub fn disturbances(scenario: &Scenario) -> Vec<Disturbance> {
    let mut out: Vec<Disturbance> = load_changes(scenario)
        .into_iter()
        .map(|(target, time, what)| Disturbance {
            time,
            what: format!("{target}: {what}"),
        })
        .collect();
    out.extend(scenario.events.iter().map(|e| Disturbance {
        time: e.at(),
        what: e.kind().to_string(),
    }));
    out.retain(|d| d.time.is_finite());
    out.sort_by(|a, b| a.time.total_cmp(&b.time));
    out
}

/// Where each `loads` entry first changes its demand: target, time, what.
fn load_changes(scenario: &Scenario) -> Vec<(&str, f64, String)> {
    scenario
        .loads
        .iter()
        .filter_map(|load| {
            let (time, what) = match &load.profile {
                Profile::Step(s) => (s.at, format!("step {} → {} pu", s.from, s.to)),
                Profile::Pulse(p) => (p.start, format!("pulses {} ↔ {} pu", p.low, p.high)),
                Profile::Pwl(corners) => corners
                    .windows(2)
                    .find(|w| w[0].1 != w[1].1)
                    .map(|w| (w[0].0, "piecewise-linear profile".to_string()))?,
                Profile::Trace(_) => return None,
            };
            Some((load.target.as_str(), time, what))
        })
        .collect()
}

/// Event markers for the load changes, which the engine does not record
/// (scheduled events already are in `Waveforms::events`).
pub(crate) fn load_markers(scenario: &Scenario) -> Vec<EventRecord> {
    load_changes(scenario)
        .into_iter()
        .filter(|(_, time, _)| time.is_finite())
        .map(|(target, time, what)| EventRecord {
            time,
            target: target.to_string(),
            what,
        })
        .collect()
}

/// The extreme a limit measured, drawn where it happened on the figure
/// of the column it was measured on: the solver sees extremes between
/// output samples, so the drawn curve may not reach it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorstPoint {
    /// The recorded column (`Column::name`).
    pub column: String,
    /// Seconds.
    pub time: f64,
    /// SI units of the column.
    pub value: f64,
    /// Legend text, e.g. `MinVoltage worst 46.83 V at 40.12 ms`.
    pub label: String,
}

/// The worst points of the verdicts measured in the unit of a recorded
/// column (a `MinVoltage` in volts, not a `Deviation` in percent).
pub fn worst_points(w: &Waveforms, verdicts: &[Verdict]) -> Vec<WorstPoint> {
    verdicts
        .iter()
        .filter_map(|v| {
            let (time, value) = (v.time?, v.measured?);
            let column = w
                .columns
                .iter()
                .find(|c| Some(&c.name) == v.target.as_ref())?;
            let fits = time.is_finite() && value.is_finite() && !v.unit.is_empty();
            (fits && column.quantity.unit() == v.unit).then(|| WorstPoint {
                column: column.name.clone(),
                time,
                value,
                label: format!(
                    "{} worst {} at {}",
                    v.kind,
                    eng(value, &v.unit),
                    eng_time(time)
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::SolverStats;
    use crate::scenario::parse_str;
    use std::path::Path;

    fn scenario(limits: &str, events: &str) -> Scenario {
        let text = format!(
            "Scenario(name: \"t\", duration: 0.03, sample: 1e-4, \
             loads: [(target: \"gpu*\", profile: Step(from: 0.3, to: 1.0, at: 5e-3))], \
             events: [{events}], limits: [{limits}])"
        );
        parse_str(&text, Path::new("t.ron")).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn waveforms() -> Waveforms {
        let time: Vec<f64> = (0..=300).map(|i| f64::from(i) * 1e-4).collect();
        let v = time
            .iter()
            .map(|&t| if t < 6e-3 { 800.0 } else { 780.0 })
            .collect();
        Waveforms {
            columns: vec![Column {
                name: "bus800".into(),
                target: "bus800".into(),
                quantity: Quantity::Voltage,
                nominal: Some(800.0),
                values: v,
                extremes: None,
            }],
            time,
            events: Vec::new(),
            stats: SolverStats::default(),
        }
    }

    #[test]
    fn bands_follow_the_limits() {
        let s = scenario(
            "Deviation(node: \"bus*\", max_percent: 3.0), MinVoltage(node: \"bus800\", volts: 790.0, longer_than: 1e-3), \
             Settling(node: \"bus800\", band_percent: 1.0, within: 0.01), MinDamping(ratio: 0.05)",
            "",
        );
        let bands = limit_bands(&s, &waveforms());
        assert_eq!(bands.len(), 3);
        assert_eq!(bands[0].label, "Deviation ±3 %");
        assert_eq!((bands[0].lower, bands[0].upper), (Some(776.0), Some(824.0)));
        assert_eq!(bands[1].label, "MinVoltage 790.0 V (> 1.000 ms)");
        assert_eq!(bands[1].tolerated, 1e-3);
        assert_eq!((bands[2].lower, bands[2].upper), (Some(772.0), Some(788.0)));
        assert!((bands[2].from - 0.015).abs() < 1e-12);
    }

    #[test]
    fn markers_and_worst_points() {
        let s = scenario("", "Trip(at: 0.02, component: \"x\")");
        let d = disturbances(&s);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].what, "gpu*: step 0.3 → 1 pu");
        let markers = load_markers(&s);
        assert_eq!(markers.len(), 1);
        assert_eq!(markers[0].target, "gpu*");
        let mut v = crate::analysis::Verdict {
            kind: "MinVoltage".into(),
            name: "MinVoltage bus800 ≥ 770 V".into(),
            status: crate::analysis::Status::Pass,
            measured: Some(779.5),
            limit: Some(770.0),
            margin: Some(9.5),
            unit: "V".into(),
            target: Some("bus800".into()),
            time: Some(6.2e-3),
            detail: String::new(),
        };
        let points = worst_points(&waveforms(), std::slice::from_ref(&v));
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].label, "MinVoltage worst 779.5 V at 6.200 ms");
        // A deviation in percent is not a point on a voltage figure.
        v.unit = "%".into();
        assert!(worst_points(&waveforms(), &[v]).is_empty());
    }
}
