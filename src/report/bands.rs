//! Limit bands in plot coordinates: merges the bands of a figure's columns
//! into one per limit, decides which stay on scale, and finds the runs of
//! samples outside a band that deserve a highlight.
//!
//! Owns the geometry of limit overlays. Must not read scenarios (see
//! `overlay`), call plotters (see `draw`) or judge pass/fail.

use super::overlay::LimitBand;
use super::scale::decimate;
use super::series::Segment;
use crate::units::eng;
use std::ops::Range;

/// Points per highlighted run kept after thinning.
const BUCKETS: usize = 500;
/// A limit further from the data than this many data spans would squash
/// the curves into a line, so it is listed as off scale instead.
const REACH_SPANS: f64 = 2.0;

/// One limit as drawn on a figure, in display units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LimitDraw {
    pub label: String,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub x_from: f64,
    pub x_to: f64,
    /// Bounds too far from the data to draw; named in the legend instead.
    pub off_scale: bool,
    /// The bounds in engineering units, e.g. `776.0 V to 824.0 V`.
    pub bounds: String,
}

/// The bounds of a band as text, e.g. `776.0 V to 824.0 V`; empty when
/// the label already states its only bound (`MinVoltage 48.50 V`).
pub(crate) fn bounds_text(band: &LimitBand, unit: &str) -> String {
    let stated = |v: f64| band.label.contains(&eng(v, unit));
    match (band.lower, band.upper) {
        (Some(l), None) if stated(l) => String::new(),
        (None, Some(u)) if stated(u) => String::new(),
        (Some(l), Some(u)) => format!("{} to {}", eng(l, unit), eng(u, unit)),
        (Some(l), None) => format!("≥ {}", eng(l, unit)),
        (None, Some(u)) => format!("≤ {}", eng(u, unit)),
        (None, None) => String::new(),
    }
}

/// The limits of one figure, merged per label, in SI units: a group of
/// buses shares one drawn band, the tightest bound of its members.
pub(crate) fn merge(bands: &[&LimitBand]) -> Vec<LimitBand> {
    let mut out: Vec<LimitBand> = Vec::new();
    for b in bands {
        match out.iter_mut().find(|m| m.label == b.label) {
            Some(m) => {
                m.lower = tighter(m.lower, b.lower, f64::max);
                m.upper = tighter(m.upper, b.upper, f64::min);
                m.from = m.from.min(b.from);
                m.to = m.to.max(b.to);
            }
            None => out.push((*b).clone()),
        }
    }
    out
}

fn tighter(a: Option<f64>, b: Option<f64>, pick: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(pick(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Widens the data range `(lo, hi)` to take in the bounds within reach,
/// and says for each merged band whether it is off scale.
pub(crate) fn widen(lo: f64, hi: f64, merged: &[LimitBand]) -> ((f64, f64), Vec<bool>) {
    let span = (hi - lo).max(lo.abs().max(hi.abs()) * 1e-3);
    let reach = (lo - REACH_SPANS * span, hi + REACH_SPANS * span);
    let (mut a, mut b) = (lo, hi);
    let mut off = Vec::with_capacity(merged.len());
    for m in merged {
        let bounds: Vec<f64> = [m.lower, m.upper]
            .into_iter()
            .flatten()
            .filter(|v| v.is_finite())
            .collect();
        let near: Vec<f64> = bounds
            .iter()
            .copied()
            .filter(|v| (reach.0..=reach.1).contains(v))
            .collect();
        off.push(near.is_empty());
        for v in near {
            a = a.min(v);
            b = b.max(v);
        }
    }
    ((a, b), off)
}

/// Runs of samples of one column outside `band`, longer than the band's
/// tolerated duration, clipped to the sample range `view`, in display
/// units (`xs` are display times for the samples in `view`).
pub(crate) fn violations(
    time: &[f64],
    values: &[f64],
    band: &LimitBand,
    view: Range<usize>,
    xs: &[f64],
    y_divisor: f64,
) -> Vec<Segment> {
    let n = time.len().min(values.len());
    let outside = |k: usize| {
        let (t, v) = (time[k], values[k]);
        (band.from..=band.to).contains(&t)
            && v.is_finite()
            && (band.lower.is_some_and(|l| v < l) || band.upper.is_some_and(|u| v > u))
    };
    let mut out = Vec::new();
    let mut k = 0;
    while k < n {
        if !outside(k) {
            k += 1;
            continue;
        }
        let start = k;
        while k < n && outside(k) {
            k += 1;
        }
        // The run lasts until the first sample back inside the band.
        let end_time = time[k.min(n - 1)];
        if end_time - time[start] <= band.tolerated {
            continue;
        }
        let (a, b) = (start.max(view.start), k.min(view.end));
        if a < b {
            let points: Segment = (a..b)
                .map(|i| (xs[i - view.start], values[i] / y_divisor))
                .collect();
            out.push(decimate(&points, BUCKETS));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(lower: Option<f64>, upper: Option<f64>, tolerated: f64) -> LimitBand {
        LimitBand {
            label: "x".into(),
            column: "c".into(),
            lower,
            upper,
            from: 0.0,
            to: 10.0,
            tolerated,
        }
    }

    #[test]
    fn merging_keeps_the_tightest_bounds() {
        let a = band(Some(1.0), Some(5.0), 0.0);
        let b = band(Some(2.0), None, 0.0);
        let m = merge(&[&a, &b]);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].lower, m[0].upper), (Some(2.0), Some(5.0)));
    }

    #[test]
    fn far_limits_are_off_scale() {
        let near = band(Some(48.5), None, 0.0);
        let far = band(Some(10.0), None, 0.0);
        let ((lo, hi), off) = widen(49.0, 49.9, &[near, far]);
        assert_eq!((lo, hi), (48.5, 49.9));
        assert_eq!(off, vec![false, true]);
    }

    #[test]
    fn short_excursions_are_tolerated() {
        let time: Vec<f64> = (0..10).map(f64::from).collect();
        let values = [5.0, 0.0, 5.0, 0.0, 0.0, 0.0, 5.0, 5.0, 0.0, 0.0];
        let xs: Vec<f64> = time.clone();
        let runs = violations(&time, &values, &band(Some(1.0), None, 1.5), 0..10, &xs, 1.0);
        // The one-sample dip at t = 1 lasts 1 s: tolerated. The dip from
        // 3 to 6 lasts 3 s; the final one runs to the end (1 s): tolerated.
        assert_eq!(runs, vec![vec![(3.0, 0.0), (4.0, 0.0), (5.0, 0.0)]]);
        let clipped = violations(
            &time,
            &values,
            &band(Some(1.0), None, 0.0),
            4..8,
            &xs[4..8],
            1.0,
        );
        assert_eq!(clipped, vec![vec![(4.0, 0.0), (5.0, 0.0)]]);
    }
}
