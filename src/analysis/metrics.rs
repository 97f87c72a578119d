//! Time-domain metrics of a whole run: the response of every recorded node
//! to every load event, its static droop and ripple; peak current per
//! current channel; peak power, ramp rate, energy and band share per power
//! channel; the storage layers (`storage`); the energy account of a
//! `losses` block (`losses`).
//!
//! Works on `Waveforms` plus the scheduled instants of the scenario, so it
//! can be fed synthetic signals in tests. Sign convention of power columns
//! (`p(x)`, docs/conventions.md): a source-like component (named in
//! [`AnalysisOptions::delivering`]) reports positive power while it
//! delivers, so its delivered energy is ∫ max(p, 0); any other component
//! reports positive power while it absorbs, so its delivered energy is
//! ∫ max(−p, 0).

use super::losses::{loss_account, LossAccount};
use super::ripple::{quiet_ripple, ripple, Ripple};
use super::signal::{At, Signal};
use super::spectrum::band_share;
use super::storage::{storage_layers, StorageLayer};
use super::transient::{
    event_windows, reference_scale, response, EventWindow, Response, DEFAULT_SETTLE_BAND_PCT,
};
use crate::prepare::losses::is_loss_column;
use crate::results::{Column, Quantity, Waveforms};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The utility band for source power fluctuations (docs/sources.md §2.1: a
/// critical range of 0.1–20 Hz, example limit ≤ 20 % of the energy).
pub const UTILITY_BAND_HZ: (f64, f64) = (0.1, 20.0);

/// Knobs of [`analyse`]; the defaults follow docs/sources.md §6(d) S1.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisOptions {
    /// Settling band, % of nominal (S1: ±1 % within 20 ms).
    pub settle_band_pct: f64,
    /// Scheduled instants closer than this form one event; `None` takes
    /// max(1 ms, 5 samples).
    pub merge_gap: Option<f64>,
    /// Ripple windows per node glob named by the user (`Ripple` limits,
    /// the scenario's `ripple_window`); other nodes use their quiet windows
    /// (`ripple::quiet_windows`).
    pub ripple_windows: Vec<(String, (f64, f64))>,
    /// The run's (rtol, atol): ripple below atol + rtol·|v| is flagged as
    /// integration noise.
    pub solver_tolerance: Option<(f64, f64)>,
    /// Component kinds by name, to label channels.
    pub kinds: BTreeMap<String, String>,
    /// Components whose `p(...)` is positive while they deliver (the
    /// source convention); the others' is positive while they absorb.
    pub delivering: BTreeSet<String>,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            settle_band_pct: DEFAULT_SETTLE_BAND_PCT,
            merge_gap: None,
            ripple_windows: Vec::new(),
            solver_tolerance: None,
            kinds: BTreeMap::new(),
            delivering: BTreeSet::new(),
        }
    }
}

/// Everything measured on one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub settle_band_pct: f64,
    pub band_hz: (f64, f64),
    pub events: Vec<EventWindow>,
    pub nodes: Vec<NodeMetrics>,
    pub currents: Vec<CurrentMetrics>,
    pub powers: Vec<PowerMetrics>,
    /// Storage layers (`storage`): absent from runs without a recorded
    /// storage power, so their summaries read as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<StorageLayer>,
    /// The energy account of a `losses` block (`losses`): absent without
    /// one, so other summaries read as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub losses: Option<LossAccount>,
}

/// One recorded voltage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeMetrics {
    pub name: String,
    pub target: String,
    pub nominal: Option<f64>,
    #[serde(rename = "final")]
    pub last: f64,
    /// Final value minus nominal (static droop), volts and %.
    pub static_droop: Option<f64>,
    pub static_droop_pct: Option<f64>,
    /// The worst of the responses below.
    pub worst: Worst,
    pub responses: Vec<Response>,
    pub ripple: Option<Ripple>,
}

/// Worst response of a node over all events.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Worst {
    /// Signed deviation from the pre-event value at its largest.
    pub deviation: Option<At>,
    pub deviation_pct: Option<f64>,
    pub undershoot: f64,
    pub overshoot: f64,
    /// Longest settling time among the events that settled.
    pub settling_time: Option<f64>,
    /// Events whose window ended outside the settling band.
    pub unsettled: usize,
    pub recovery_time: Option<f64>,
}

/// One recorded current.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentMetrics {
    pub name: String,
    pub target: String,
    pub kind: Option<String>,
    /// The largest magnitude (signed), between samples too.
    pub peak: Option<At>,
    pub rms: f64,
}

/// One recorded power.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerMetrics {
    pub name: String,
    pub target: String,
    pub kind: Option<String>,
    /// The largest magnitude (signed), between samples too.
    pub peak: Option<At>,
    pub mean: f64,
    /// Largest |dP/dt| (W/s) on the uniform grid, and where.
    pub ramp_rate: Option<At>,
    /// ∫ max(p, 0) dt: energy taken in (J).
    pub energy_absorbed: f64,
    /// ∫ max(−p, 0) dt: energy given out (J).
    pub energy_delivered: f64,
    /// Largest net energy given out over any interval (J), at the instant
    /// that interval ends: the depth of discharge a store must cover.
    pub max_discharge: At,
    /// Share of the fluctuation energy in [`UTILITY_BAND_HZ`] (0–1).
    pub band_share: Option<f64>,
}

/// Measures `w`. `instants` are the scheduled instants (profile corners
/// and scenario events) that delimit load events.
pub fn analyse(w: &Waveforms, instants: &[f64], options: &AnalysisOptions) -> Metrics {
    let (t0, t1) = match (w.time.first(), w.time.last()) {
        (Some(&a), Some(&b)) => (a, b),
        _ => (0.0, 0.0),
    };
    let sample = whole_step(w).unwrap_or(0.0);
    let gap = options.merge_gap.unwrap_or_else(|| merge_gap(sample));
    let events = event_windows(instants, t0, t1, gap);
    let mut metrics = Metrics {
        settle_band_pct: options.settle_band_pct,
        band_hz: UTILITY_BAND_HZ,
        events: events.clone(),
        nodes: Vec::new(),
        currents: Vec::new(),
        powers: Vec::new(),
        storage: storage_layers(w, &options.kinds, &options.delivering),
        losses: loss_account(w),
    };
    for c in &w.columns {
        let s = Signal::new(&w.time, &c.values);
        let kind = options.kinds.get(&c.target).cloned();
        match c.quantity {
            Quantity::Voltage => {
                let window = options
                    .ripple_windows
                    .iter()
                    .find(|(glob, _)| crate::glob::matches(glob, &c.target))
                    .map(|(_, w)| *w);
                let mut node = node_metrics(c, &s, &events, options.settle_band_pct, window);
                if let (Some(r), Some((rtol, atol))) = (&mut node.ripple, options.solver_tolerance)
                {
                    r.judge_tolerance(rtol, atol);
                }
                metrics.nodes.push(node);
            }
            Quantity::Current => metrics.currents.push(CurrentMetrics {
                name: c.name.clone(),
                target: c.target.clone(),
                kind,
                peak: column_peak(c, &s),
                rms: rms(&s),
            }),
            // A `losses` sum is accounted for in `losses`, not a channel.
            Quantity::Power if is_loss_column(&c.name) => {}
            Quantity::Power => {
                let delivering = options.delivering.contains(&c.target);
                metrics.powers.push(power_metrics(c, &s, kind, delivering))
            }
            // Its start, extremes and end are in the summary's columns.
            Quantity::StateOfCharge => {}
        }
    }
    metrics
}

/// Default gap below which scheduled instants form one event: 1 ms, or
/// five output samples on a coarse grid (a staggered step of a row is one
/// event; two training edges a period apart are two).
pub fn merge_gap(sample: f64) -> f64 {
    (5.0 * sample).max(1e-3)
}

fn whole_step(w: &Waveforms) -> Option<f64> {
    let s = Signal::new(&w.time, &w.time);
    let (a, b) = s.span()?;
    s.typical_step(a, b)
}

fn node_metrics(
    c: &Column,
    s: &Signal,
    events: &[EventWindow],
    band_pct: f64,
    ripple_window: Option<(f64, f64)>,
) -> NodeMetrics {
    let responses: Vec<Response> = events
        .iter()
        .filter_map(|e| response(s, *e, c.nominal, band_pct))
        .collect();
    let last = s.values.last().copied().unwrap_or(f64::NAN);
    let nominal = c.nominal.filter(|n| n.is_finite() && *n != 0.0);
    let mut worst = Worst::default();
    for r in &responses {
        if worst
            .deviation
            .is_none_or(|d| r.deviation.value.abs() > d.value.abs())
        {
            worst.deviation = Some(r.deviation);
            worst.deviation_pct = Some(r.deviation_pct);
        }
        worst.undershoot = worst.undershoot.max(r.undershoot);
        worst.overshoot = worst.overshoot.max(r.overshoot);
        match r.settling_time {
            Some(t) => worst.settling_time = Some(worst.settling_time.map_or(t, |w| w.max(t))),
            None => worst.unsettled += 1,
        }
        if let Some(t) = r.recovery_time {
            worst.recovery_time = Some(worst.recovery_time.map_or(t, |w| w.max(t)));
        }
    }
    NodeMetrics {
        name: c.name.clone(),
        target: c.target.clone(),
        nominal: c.nominal,
        last,
        static_droop: nominal.map(|n| last - n),
        static_droop_pct: nominal.map(|n| (last - n) / reference_scale(Some(n), last) * 100.0),
        worst,
        responses,
        ripple: match ripple_window {
            Some((a, b)) => ripple(s, a, b),
            None => quiet_ripple(s, events, c.nominal, band_pct),
        },
    }
}

/// `delivering`: the column follows the source convention (positive out).
fn power_metrics(c: &Column, s: &Signal, kind: Option<String>, delivering: bool) -> PowerMetrics {
    let (mean, ramp_rate, band) = match s.span() {
        Some((a, b)) if b > a => {
            let uniform = s.resample(a, b, super::ripple::MAX_FFT_POINTS);
            (
                s.mean(a, b),
                uniform.as_ref().and_then(max_slope),
                uniform
                    .as_ref()
                    .and_then(|u| band_share(u, UTILITY_BAND_HZ.0, UTILITY_BAND_HZ.1)),
            )
        }
        _ => (s.values.first().copied().unwrap_or(f64::NAN), None, None),
    };
    PowerMetrics {
        name: c.name.clone(),
        target: c.target.clone(),
        kind,
        peak: column_peak(c, s),
        mean,
        ramp_rate,
        energy_absorbed: s.integral(Some(!delivering)),
        energy_delivered: s.integral(Some(delivering)),
        max_discharge: max_discharge(s, delivering),
        band_share: band,
    }
}

/// The sample of largest magnitude.
pub fn peak(s: &Signal) -> Option<At> {
    s.time
        .iter()
        .zip(s.values)
        .filter(|(_, v)| v.is_finite())
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .map(|(&time, &value)| At { value, time })
}

/// The peak of a column: the sample of largest magnitude, or the solver's
/// extreme between samples when that is larger (the engine tracks every
/// step end and, for unknowns, the dense output's stationary points, as
/// for the voltage extremes).
fn column_peak(c: &Column, s: &Signal) -> Option<At> {
    let mut best = peak(s);
    if let Some(e) = c.extremes {
        for (value, time) in [(e.min, e.t_min), (e.max, e.t_max)] {
            if value.is_finite() && best.is_none_or(|b| value.abs() > b.value.abs()) {
                best = Some(At { value, time });
            }
        }
    }
    best
}

/// RMS over the run (piecewise linear).
fn rms(s: &Signal) -> f64 {
    let squares: Vec<f64> = s.values.iter().map(|v| v * v).collect();
    let sq = Signal::new(s.time, &squares);
    match s.span() {
        Some((a, b)) if b > a => (sq.integral(None) / (b - a)).max(0.0).sqrt(),
        _ => s.values.first().map_or(f64::NAN, |v| v.abs()),
    }
}

/// Largest |Δv/Δt| between neighbours of a uniform grid, at the midpoint.
pub fn max_slope(u: &super::signal::Uniform) -> Option<At> {
    u.values
        .windows(2)
        .enumerate()
        .map(|(k, p)| At {
            value: ((p[1] - p[0]) / u.dt).abs(),
            time: u.start + (k as f64 + 0.5) * u.dt,
        })
        .filter(|a| a.value.is_finite())
        .max_by(|a, b| a.value.total_cmp(&b.value))
}

/// Largest net energy given out over any interval: the largest rise of the
/// running integral ∫p dt when p follows the source convention
/// (`delivering`), else its largest drop (between the running maximum and
/// a later minimum).
pub fn max_discharge(s: &Signal, delivering: bool) -> At {
    let mut e = s.cumulative();
    if delivering {
        e.iter_mut().for_each(|x| *x = -*x);
    }
    let mut best = At {
        value: 0.0,
        time: s.time.first().copied().unwrap_or(0.0),
    };
    let mut high = f64::NEG_INFINITY;
    for (k, &x) in e.iter().enumerate() {
        high = high.max(x);
        if high - x > best.value {
            best = At {
                value: high - x,
                time: s.time[k],
            };
        }
    }
    best
}
