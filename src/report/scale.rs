//! Axis arithmetic for plots: choosing display units (ms, kV, kW…), padded
//! ranges, tick label precision, splitting series at missing data and
//! thinning long series to what a figure can show.
//!
//! Owns pure numeric helpers. Must not depend on plotters or draw anything.

use crate::units::{prefix_exponent, prefix_for};

/// A display unit for one axis: plotted value = SI value / `divisor`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AxisUnit {
    pub divisor: f64,
    pub unit: String,
}

/// Picks the time unit from the simulated span so axis numbers stay
/// between about 1 and 1000: a 50 ms transient is labelled in ms, a
/// 200 µs fault in µs. A zero span gets ms, the usual transient scale.
pub(crate) fn time_unit(span: f64) -> AxisUnit {
    let span = span.abs();
    let (divisor, unit) = if !span.is_finite() || span >= 1.0 {
        (1.0, "s")
    } else if span >= 1e-3 || span == 0.0 {
        (1e-3, "ms")
    } else if span >= 1e-6 {
        (1e-6, "µs")
    } else {
        (1e-9, "ns")
    };
    AxisUnit {
        divisor,
        unit: unit.to_string(),
    }
}

/// Picks the SI prefix that suits the largest magnitude on the axis
/// (`kV` for an 800 V/1.2 kV plot only when values reach 1000 V).
pub(crate) fn value_unit(max_abs: f64, unit: &str) -> AxisUnit {
    let exp3 = prefix_exponent(max_abs);
    AxisUnit {
        divisor: 10f64.powi(exp3),
        unit: format!("{}{unit}", prefix_for(exp3).unwrap_or("")),
    }
}

/// Smallest and largest finite value, or `None` if there is none.
pub(crate) fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Widens a data range by `fraction` of its span on each side so curves
/// do not sit on the frame; a flat range gets a small band around it.
pub(crate) fn padded(lo: f64, hi: f64, fraction: f64) -> (f64, f64) {
    let span = hi - lo;
    let magnitude = lo.abs().max(hi.abs());
    // A span within rounding noise of the values is drawn as flat.
    let pad = if span > magnitude * 1e-9 && span.is_finite() {
        span * fraction
    } else if magnitude > 0.0 && magnitude.is_finite() {
        magnitude * 0.01
    } else {
        1.0
    };
    let (a, b) = (lo - pad, hi + pad);
    // The span itself must be finite for tick placement to terminate.
    if a.is_finite() && b.is_finite() && a < b && (b - a).is_finite() {
        (a, b)
    } else {
        (-1.0, 1.0)
    }
}

/// Decimals needed to print ticks spaced `step` apart (1-2-5 steps):
/// 5 → 0, 0.5 → 1, 0.02 → 2.
pub(crate) fn step_decimals(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 {
        return 0;
    }
    // The small offset keeps exact powers of ten (0.1) from rounding up.
    let d = (-step.log10() - 1e-9).ceil();
    d.clamp(0.0, 12.0) as usize
}

/// Formats a tick label with fixed decimals, never printing `-0`.
/// Magnitudes far outside what an SI prefix leaves on an axis (beyond the
/// giga or pico prefixes) switch to exponent form instead of long digit runs.
pub(crate) fn tick_label(value: f64, decimals: usize) -> String {
    if value != 0.0 && (value.abs() >= 1e6 || decimals > 6) {
        return format!("{value:.3e}");
    }
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

/// Pairs samples into points and splits them where either coordinate is
/// not finite, so a NaN gap shows as a gap instead of a spike.
pub(crate) fn finite_segments(xs: &[f64], ys: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut segments = Vec::new();
    let mut current = Vec::new();
    for (&x, &y) in xs.iter().zip(ys) {
        if x.is_finite() && y.is_finite() {
            current.push((x, y));
        } else if !current.is_empty() {
            segments.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    segments
}

/// Thins a series to at most four points per bucket (first, min, max, last
/// in time order), with `buckets` about the plot width in pixels. Peaks
/// and dips survive exactly, which plain subsampling would lose, and SVG
/// files stay small on long runs.
pub(crate) fn decimate(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    let buckets = buckets.max(1);
    if points.len() <= 4 * buckets {
        return points.to_vec();
    }
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let width = x1 - x0;
    if width.is_nan() || width <= 0.0 {
        return points.to_vec();
    }
    let bucket_of = |x: f64| (((x - x0) / width * buckets as f64) as usize).min(buckets - 1);
    let mut out = Vec::with_capacity(4 * buckets);
    let mut start = 0;
    while start < points.len() {
        let b = bucket_of(points[start].0);
        let mut end = start + 1;
        while end < points.len() && bucket_of(points[end].0) == b {
            end += 1;
        }
        let slice = &points[start..end];
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in slice.iter().enumerate() {
            if p.1 < slice[lo].1 {
                lo = i;
            }
            if p.1 > slice[hi].1 {
                hi = i;
            }
        }
        let mut keep = [0, lo, hi, slice.len() - 1];
        keep.sort_unstable();
        let mut last = None;
        for k in keep {
            if last != Some(k) {
                out.push(slice[k]);
                last = Some(k);
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_data() {
        assert_eq!(time_unit(0.05).unit, "ms");
        assert_eq!(time_unit(2.0).unit, "s");
        assert_eq!(time_unit(200e-6).unit, "µs");
        assert_eq!(time_unit(5e-9).unit, "ns");
        assert_eq!(time_unit(f64::NAN).unit, "s");
        assert_eq!(time_unit(0.0).unit, "ms");
        assert_eq!(value_unit(810.0, "V").unit, "V");
        assert_eq!(value_unit(1200.0, "V").unit, "kV");
        assert_eq!(
            value_unit(135e3, "W"),
            AxisUnit {
                divisor: 1e3,
                unit: "kW".into()
            }
        );
        assert_eq!(value_unit(2.5e6, "W").unit, "MW");
        assert_eq!(value_unit(0.0, "A").unit, "A");
    }

    #[test]
    fn ranges_and_ticks() {
        assert_eq!(
            finite_range([f64::NAN, 3.0, -1.0, f64::INFINITY]),
            Some((-1.0, 3.0))
        );
        assert_eq!(finite_range([f64::NAN]), None);
        assert_eq!(padded(0.0, 10.0, 0.05), (-0.5, 10.5));
        assert_eq!(padded(800.0, 800.0, 0.05), (792.0, 808.0));
        assert_eq!(padded(0.0, 0.0, 0.05), (-1.0, 1.0));
        assert_eq!(padded(f64::MAX, f64::MAX, 0.05), (-1.0, 1.0));
        assert_eq!(padded(-1e308, 1e308, 0.05), (-1.0, 1.0));
        let (lo, hi) = padded(800.0, 800.0 + 1e-12, 0.05);
        assert_eq!(lo, 792.0);
        assert!((hi - 808.0).abs() < 1e-9);
        assert_eq!(step_decimals(5.0), 0);
        assert_eq!(step_decimals(1.0), 0);
        assert_eq!(step_decimals(0.5), 1);
        assert_eq!(step_decimals(0.1), 1);
        assert_eq!(step_decimals(0.2), 1);
        assert_eq!(step_decimals(0.05), 2);
        assert_eq!(step_decimals(0.0), 0);
        assert_eq!(step_decimals(f64::NAN), 0);
        assert_eq!(tick_label(-0.0001, 2), "0.00");
        assert_eq!(tick_label(-1.5, 1), "-1.5");
        assert_eq!(tick_label(799.95, 1), "800.0");
        assert_eq!(tick_label(2.5e300, 0), "2.500e300");
        assert_eq!(tick_label(1.5e-9, 10), "1.500e-9");
        assert_eq!(tick_label(0.0, 10), "0.0000000000");
    }

    #[test]
    fn segments_split_at_gaps() {
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
        let ys = [1.0, f64::NAN, 2.0, 3.0, f64::INFINITY];
        assert_eq!(
            finite_segments(&xs, &ys),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
        assert!(finite_segments(&[], &[]).is_empty());
    }

    #[test]
    fn decimation_keeps_extremes() {
        let points: Vec<(f64, f64)> = (0..10_000)
            .map(|i| {
                (
                    f64::from(i),
                    if i == 5_123 { -50.0 } else { f64::from(i % 7) },
                )
            })
            .collect();
        let thin = decimate(&points, 100);
        assert!(thin.len() <= 400);
        assert!(thin.contains(&(5123.0, -50.0)));
        assert_eq!(thin.first(), points.first());
        assert_eq!(thin.last(), points.last());
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(decimate(&points[..10], 100).len(), 10);
    }
}
