//! Per-column descriptive statistics (initial, extremes with their times,
//! final) shared by the JSON summary and the terminal table, so both always
//! agree.
//!
//! Owns only plain descriptive numbers of one recorded column. Must not
//! judge limits or compute analysis metrics (ripple, settling, margins):
//! those belong to the analysis module.

use crate::results::{Column, Waveforms};

/// A value and the time it occurred.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtTime {
    pub value: f64,
    pub time: f64,
}

/// Descriptive statistics of one column over the recorded samples.
///
/// The extremes also include the column's solver-side extremes when the
/// engine recorded them (`Column::extremes`), so they are true extremes
/// of the solution, not of the grid.
///
/// Only samples that have a time stamp count: a column longer than
/// `Waveforms::time` is truncated, a shorter one simply has fewer samples.
/// Extremes skip NaN values so one bad sample does not hide the rest;
/// `initial` and `last` are reported as recorded, NaN included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnStats {
    pub initial: Option<f64>,
    /// Smallest non-NaN value, first occurrence.
    pub min: Option<AtTime>,
    /// Largest non-NaN value, first occurrence.
    pub max: Option<AtTime>,
    pub last: Option<f64>,
    /// Number of samples considered.
    pub samples: usize,
}

impl ColumnStats {
    /// Computes the statistics of `column` sampled on `time`.
    pub fn of(time: &[f64], column: &Column) -> Self {
        let n = time.len().min(column.values.len());
        let values = &column.values[..n];
        let mut min: Option<AtTime> = None;
        let mut max: Option<AtTime> = None;
        for (&t, &v) in time.iter().zip(values) {
            if v.is_nan() {
                continue;
            }
            if min.is_none_or(|m| v < m.value) {
                min = Some(AtTime { value: v, time: t });
            }
            if max.is_none_or(|m| v > m.value) {
                max = Some(AtTime { value: v, time: t });
            }
        }
        // The solver saw the solution between samples too: a dip narrower
        // than the output interval is an extreme all the same.
        if let Some(e) = column.extremes {
            if min.is_none_or(|m| e.min < m.value) {
                min = Some(AtTime {
                    value: e.min,
                    time: e.t_min,
                });
            }
            if max.is_none_or(|m| e.max > m.value) {
                max = Some(AtTime {
                    value: e.max,
                    time: e.t_max,
                });
            }
        }
        ColumnStats {
            initial: values.first().copied(),
            min,
            max,
            last: values.last().copied(),
            samples: n,
        }
    }

    /// Deviation of the extremes from `nominal` in percent, `(min, max)`;
    /// `None` without a usable (finite, non-zero) nominal.
    pub fn deviation_percent(&self, nominal: Option<f64>) -> Option<(Option<f64>, Option<f64>)> {
        let nominal = nominal.filter(|n| n.is_finite() && *n != 0.0)?;
        let pct = |x: AtTime| (x.value - nominal) / nominal * 100.0;
        Some((self.min.map(pct), self.max.map(pct)))
    }
}

/// First and last time stamp of a run, if any samples were recorded.
pub fn time_span(w: &Waveforms) -> Option<(f64, f64)> {
    Some((*w.time.first()?, *w.time.last()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Quantity;

    fn column(values: Vec<f64>) -> Column {
        Column {
            name: "bus800".into(),
            target: "bus800".into(),
            quantity: Quantity::Voltage,
            nominal: Some(800.0),
            values: values.into(),
            extremes: None,
        }
    }

    #[test]
    fn extremes_and_their_times() {
        let time = [0.0, 1.0, 2.0, 3.0, 4.0];
        let s = ColumnStats::of(&time, &column(vec![800.0, 790.0, 810.0, 790.0, 799.0]));
        assert_eq!(s.initial, Some(800.0));
        assert_eq!(s.last, Some(799.0));
        assert_eq!(
            s.min,
            Some(AtTime {
                value: 790.0,
                time: 1.0
            })
        );
        assert_eq!(
            s.max,
            Some(AtTime {
                value: 810.0,
                time: 2.0
            })
        );
        let (lo, hi) = s.deviation_percent(Some(800.0)).unwrap_or_default();
        assert!((lo.unwrap_or(0.0) + 1.25).abs() < 1e-12);
        assert!((hi.unwrap_or(0.0) - 1.25).abs() < 1e-12);
        assert_eq!(s.deviation_percent(None), None);
        assert_eq!(s.deviation_percent(Some(0.0)), None);
    }

    #[test]
    fn odd_data() {
        let empty = ColumnStats::of(&[], &column(vec![]));
        assert_eq!(
            (empty.initial, empty.min, empty.last, empty.samples),
            (None, None, None, 0)
        );

        let nan = ColumnStats::of(&[0.0, 1.0], &column(vec![f64::NAN, f64::NAN]));
        assert!(nan.initial.is_some_and(f64::is_nan));
        assert_eq!(nan.min, None);

        let mixed = ColumnStats::of(&[0.0, 1.0, 2.0], &column(vec![f64::NAN, 3.0, 1.0, 7.0]));
        assert_eq!(mixed.samples, 3);
        assert_eq!(mixed.min.map(|m| m.time), Some(2.0));
        assert_eq!(mixed.last, Some(1.0));

        let single = ColumnStats::of(&[0.5], &column(vec![42.0]));
        assert_eq!(single.min, single.max);
    }
}
