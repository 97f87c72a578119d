//! Storage across timescales: for every storage element of a run
//! (`Capacitor`, `CapBank`, `Bbu`, `Battery`, `Ess`, each a layer named by
//! its kind) whose power `p(name)` is recorded, the energy it delivered and
//! took back, its peak power, the share of the load's power fluctuation it
//! absorbed in each timescale band, and every discharge with the state of
//! charge and the energy still owed when it began (the recharge debt).
//!
//! Band shares are projections on the load's spectrum: with P_s and P_L
//! the Hann-windowed spectra (mean removed) of the element's delivered
//! power and of the total load power (every recorded `p(...)` of a `Load`),
//! share = Σ Re(P_s·conj(P_L)) / Σ |P_L|² over the bins of the band. The
//! shares of all suppliers of a bus sum to 1 in every band (power balance
//! is linear), and a first-order split has the closed form
//! Re H = (ωτ)²/(1 + (ωτ)²) for the high-pass side.
//!
//! Also the cumulative energy each element has delivered over the run
//! ([`storage_energy`]), which the report draws.
//!
//! Works on `Waveforms` only; must not render (report) or judge limits.

use super::ripple::MAX_FFT_POINTS;
use super::signal::{At, Signal, Uniform};
use super::spectrum::fluctuation_bins;
use crate::results::{Quantity, Waveforms};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Component kinds that store energy, in the order of their timescales.
pub const STORAGE_KINDS: [&str; 5] = ["Capacitor", "CapBank", "Bbu", "Battery", "Ess"];

/// The timescale bands of the storage hierarchy (Hz): slower than 10 s
/// (BBU and facility BESS, minutes), 0.1–10 Hz (supercapacitors and LICs,
/// 0.1–10 s, and the 0.2–3 Hz training swing), above 10 Hz (capacitors,
/// under 100 ms). Layers after the NVIDIA 800 VDC white paper's three
/// timescales.
pub const STORAGE_BANDS_HZ: [(f64, f64); 3] = [(0.0, 0.1), (0.1, 10.0), (10.0, f64::INFINITY)];

/// A discharge starts when the delivered power rises above this share of
/// the element's peak delivered power, and ends when it falls below.
pub const DISCHARGE_THRESHOLD: f64 = 0.01;

/// One storage element's account of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorageLayer {
    pub name: String,
    /// The layer: the component kind.
    pub kind: String,
    /// ∫ max(p, 0) dt of the delivered power (J).
    pub energy_delivered: f64,
    /// ∫ max(−p, 0) dt: energy taken back, recharge (J).
    pub energy_recharged: f64,
    /// Largest delivered power (W) and when.
    pub peak_power: Option<At>,
    /// Share of the load's fluctuation absorbed in each band of
    /// [`STORAGE_BANDS_HZ`]; empty without a recorded load power.
    pub bands: Vec<BandShare>,
    /// The same share over every frequency.
    pub share: Option<f64>,
    pub discharges: Vec<Discharge>,
}

/// Share of the load's fluctuation in `[low_hz, high_hz)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandShare {
    pub low_hz: f64,
    /// `null` for an open band.
    pub high_hz: Option<f64>,
    /// `None` when the load has no fluctuation in the band.
    pub share: Option<f64>,
}

/// One discharge: delivered power above [`DISCHARGE_THRESHOLD`] of peak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discharge {
    pub start: f64,
    pub end: f64,
    /// Energy delivered during it (J).
    pub energy: f64,
    /// State of charge when it began, when `soc(name)` is recorded.
    pub soc_at_start: Option<f64>,
    /// Net energy delivered from the start of the run to its start (J):
    /// what earlier discharges left unrecharged.
    pub owed_at_start: f64,
}

/// The storage layers of `w`. `kinds` maps component names to kinds;
/// `delivering` names those whose `p(...)` is positive while delivering.
pub fn storage_layers(
    w: &Waveforms,
    kinds: &BTreeMap<String, String>,
    delivering: &BTreeSet<String>,
) -> Vec<StorageLayer> {
    let load = load_power(w, kinds);
    let span = Signal::new(&w.time, &w.time).span();
    let load_bins = match (&load, span) {
        (Some(l), Some((a, b))) if b > a => {
            uniform(&w.time, l, a, b).and_then(|u| fluctuation_bins(&u))
        }
        _ => None,
    };
    let mut out = Vec::new();
    for (name, kind, p) in delivered_powers(w, kinds, delivering) {
        let s = Signal::new(&w.time, &p);
        let soc = w
            .columns
            .iter()
            .find(|x| x.quantity == Quantity::StateOfCharge && x.target == name)
            .map(|x| Signal::new(&w.time, &x.values));
        let (bands, share) = match (&load_bins, span) {
            (Some((lb, df)), Some((a, b))) => {
                let sb = uniform(&w.time, &p, a, b).and_then(|u| fluctuation_bins(&u));
                sb.map_or((Vec::new(), None), |(sb, _)| shares(&sb, lb, *df))
            }
            _ => (Vec::new(), None),
        };
        out.push(StorageLayer {
            name: name.to_string(),
            kind: kind.to_string(),
            energy_delivered: s.integral(Some(true)),
            energy_recharged: s.integral(Some(false)),
            peak_power: peak_delivered(&s),
            bands,
            share,
            discharges: discharges(&s, soc.as_ref()),
        });
    }
    out
}

/// The energy one storage element has delivered since the start of the
/// run.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyCurve {
    pub name: String,
    /// The layer: the component kind.
    pub kind: String,
    /// E(t) = ∫₀ᵗ p dt at every sample of the waveforms' time (J), by the
    /// trapezoidal rule on the samples, positive when delivered to the bus:
    /// its last value is the layer's `energy_delivered − energy_recharged`.
    pub energy: Vec<f64>,
}

/// The cumulative delivered energy of every storage element of `w` that
/// [`storage_layers`] reports, in the same order.
pub fn storage_energy(
    w: &Waveforms,
    kinds: &BTreeMap<String, String>,
    delivering: &BTreeSet<String>,
) -> Vec<EnergyCurve> {
    delivered_powers(w, kinds, delivering)
        .into_iter()
        .map(|(name, kind, p)| EnergyCurve {
            name: name.to_string(),
            kind: kind.to_string(),
            energy: Signal::new(&w.time, &p).cumulative(),
        })
        .collect()
}

/// Name, kind and delivered power (positive out of the element, whatever
/// its column's sign convention) of every storage element with a recorded
/// `p(name)`, in column order.
fn delivered_powers<'a>(
    w: &'a Waveforms,
    kinds: &'a BTreeMap<String, String>,
    delivering: &BTreeSet<String>,
) -> Vec<(&'a str, &'a str, Vec<f64>)> {
    let power = |target: &str| {
        w.columns
            .iter()
            .find(|c| c.quantity == Quantity::Power && c.target == target)
    };
    let mut out = Vec::new();
    for c in &w.columns {
        let Some(kind) = kinds.get(&c.target) else {
            continue;
        };
        if c.quantity != Quantity::Power || !STORAGE_KINDS.contains(&kind.as_str()) {
            continue;
        }
        let Some(col) = power(&c.target) else {
            continue;
        };
        let sign = if delivering.contains(&c.target) {
            1.0
        } else {
            -1.0
        };
        let p = col.values.iter().map(|v| sign * v).collect();
        out.push((c.target.as_str(), kind.as_str(), p));
    }
    out
}

/// The summed power of every recorded `Load` (absorbing convention).
fn load_power(w: &Waveforms, kinds: &BTreeMap<String, String>) -> Option<Vec<f64>> {
    let mut total: Option<Vec<f64>> = None;
    for c in &w.columns {
        if c.quantity == Quantity::Power && kinds.get(&c.target).is_some_and(|k| k == "Load") {
            let sum = total.get_or_insert_with(|| vec![0.0; c.values.len()]);
            sum.iter_mut().zip(&c.values).for_each(|(s, v)| *s += v);
        }
    }
    total
}

fn uniform(time: &[f64], values: &[f64], a: f64, b: f64) -> Option<Uniform> {
    Signal::new(time, values).resample(a, b, MAX_FFT_POINTS)
}

/// Projections of the element's spectrum on the load's, per band and over
/// all bins (bin 0, the mean, left out).
fn shares(
    element: &[realfft::num_complex::Complex<f64>],
    load: &[realfft::num_complex::Complex<f64>],
    df: f64,
) -> (Vec<BandShare>, Option<f64>) {
    let sum = |low: f64, high: f64| {
        let (mut cross, mut energy) = (0.0, 0.0);
        for (k, (e, l)) in element.iter().zip(load).enumerate().skip(1) {
            let f = k as f64 * df;
            if f >= low && f < high {
                cross += (e * l.conj()).re;
                energy += l.norm_sqr();
            }
        }
        (energy > 0.0).then(|| cross / energy)
    };
    let bands = STORAGE_BANDS_HZ
        .iter()
        .map(|&(low, high)| BandShare {
            low_hz: low,
            high_hz: high.is_finite().then_some(high),
            share: sum(low, high),
        })
        .collect();
    (bands, sum(0.0, f64::INFINITY))
}

fn peak_delivered(s: &Signal) -> Option<At> {
    s.time
        .iter()
        .zip(s.values)
        .filter(|(_, v)| v.is_finite())
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(&time, &value)| At { value, time })
}

/// The runs of samples where the delivered power is above the threshold.
fn discharges(s: &Signal, soc: Option<&Signal>) -> Vec<Discharge> {
    let Some(peak) = peak_delivered(s).filter(|p| p.value > 0.0) else {
        return Vec::new();
    };
    let level = DISCHARGE_THRESHOLD * peak.value;
    let net = s.cumulative();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let n = s.len();
    for k in 0..=n {
        let above = k < n && s.values[k] > level;
        match (start, above) {
            (None, true) => start = Some(k),
            (Some(a), false) => {
                let b = k - 1;
                out.push(Discharge {
                    start: s.time[a],
                    end: s.time[b],
                    energy: net[b] - net[a],
                    soc_at_start: soc.map(|x| x.at(s.time[a])),
                    owed_at_start: net[a],
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Column, SolverStats};

    /// A constant delivered power gives E = p·t at every sample, on an
    /// uneven time grid of binary fractions (so the sums are exact), for
    /// an element of either sign convention.
    #[test]
    fn constant_power_gives_p_times_t() {
        let time = vec![0.0, 0.25, 0.5, 1.0, 2.0, 2.125];
        let p = 1536.0;
        let column = |target: &str, value: f64| Column {
            name: format!("p({target})"),
            target: target.into(),
            quantity: Quantity::Power,
            nominal: None,
            values: vec![value; time.len()].into(),
            extremes: None,
        };
        let w = Waveforms {
            time: time.clone(),
            columns: vec![column("ess", p), column("bank", -p), column("r", p)],
            events: Vec::new(),
            stats: SolverStats::default(),
        };
        let kinds = [("ess", "Ess"), ("bank", "CapBank"), ("r", "Resistor")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .into();
        let delivering = BTreeSet::from(["ess".to_string()]);
        let curves = storage_energy(&w, &kinds, &delivering);
        let names: Vec<(&str, &str)> = curves
            .iter()
            .map(|c| (c.name.as_str(), c.kind.as_str()))
            .collect();
        assert_eq!(names, [("ess", "Ess"), ("bank", "CapBank")]);
        let expected: Vec<f64> = time.iter().map(|t| p * t).collect();
        for c in &curves {
            assert_eq!(c.energy, expected, "{}", c.name);
        }
    }
}
