//! `--verify`: how far a run lies from the same run at tolerances
//! [`TIGHTER`] times tighter, per recorded node, as a fraction of the
//! node's nominal voltage, and the verdict on it.
//!
//! The nominal of a node is its bus declaration's (`buses:` in the
//! circuit), the voltage the limits and the summary refer to. A node on no
//! declared bus has no nominal; its full scale, the largest |v| of the
//! tighter run, stands in.
//!
//! Owns the comparison and its verdict. Must not run anything (the study
//! reruns) nor lay out output (`report`).

use super::verdict::{Measure, Verdict};
use crate::results::{Column, Quantity, Waveforms};
use serde::Serialize;

/// The reference run's rtol and atol are this many times tighter.
pub const TIGHTER: f64 = 100.0;

/// The largest difference a verified run may show, as a fraction of nominal.
pub const THRESHOLD: f64 = 1e-4;

/// Where a node's nominal voltage comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NominalFrom {
    /// The circuit's bus declaration.
    Bus,
    /// No declaration: the largest |v| of the tighter run.
    FullScale,
}

/// The largest difference on one recorded node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeDifference {
    /// The column, as in waveforms.csv.
    pub node: String,
    pub nominal: f64,
    pub nominal_from: NominalFrom,
    /// Largest |plain − tighter| over the plain run's samples, volts.
    pub volts: f64,
    /// `volts` over `nominal`.
    pub fraction: f64,
    /// When it occurred.
    pub time: f64,
}

/// The comparison of a run with its tighter rerun.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accuracy {
    pub rtol: f64,
    pub atol: f64,
    pub tight_rtol: f64,
    pub tight_atol: f64,
    pub threshold: f64,
    /// Largest fraction first.
    pub nodes: Vec<NodeDifference>,
    /// Wall time of the tighter run, seconds.
    pub seconds: f64,
}

impl Accuracy {
    /// Compares every voltage column of `plain` with the same column of
    /// `tight`, interpolated onto the plain run's time grid.
    pub fn compare(plain: &Waveforms, tight: &Waveforms, tolerances: (f64, f64)) -> Accuracy {
        let mut nodes: Vec<NodeDifference> = plain
            .columns
            .iter()
            .filter(|c| c.quantity == Quantity::Voltage)
            .filter_map(|c| {
                let reference = tight.column(&c.name)?;
                Some(difference(&plain.time, c, &tight.time, reference))
            })
            .collect();
        nodes.sort_by(|a, b| b.fraction.total_cmp(&a.fraction));
        let (rtol, atol) = tolerances;
        Accuracy {
            rtol,
            atol,
            tight_rtol: rtol / TIGHTER,
            tight_atol: atol / TIGHTER,
            threshold: THRESHOLD,
            nodes,
            seconds: 0.0,
        }
    }

    /// The largest difference over every node.
    pub fn worst(&self) -> Option<&NodeDifference> {
        self.nodes.first()
    }

    pub fn passed(&self) -> bool {
        self.worst().is_none_or(|w| w.fraction <= self.threshold)
    }

    /// The verdict, in ppm of nominal: `Verify ≤ 100 ppm of nominal`.
    pub fn verdict(&self) -> Verdict {
        let ppm = 1e6;
        let name = format!(
            "Verify ≤ {} ppm of nominal (rtol and atol ÷ {TIGHTER})",
            self.threshold * ppm
        );
        let measured = self.worst().map_or(0.0, |w| w.fraction * ppm);
        let detail = match self.worst() {
            Some(w) => format!(
                "{:.3e} V of {} V ({}) against rtol {:.1e}, atol {:.1e}",
                w.volts,
                w.nominal,
                match w.nominal_from {
                    NominalFrom::Bus => "bus nominal",
                    NominalFrom::FullScale => "full scale",
                },
                self.tight_rtol,
                self.tight_atol
            ),
            None => "no voltage recorded".to_string(),
        };
        let mut verdict = Verdict::new(
            "Verify",
            name,
            Measure {
                measured,
                limit: self.threshold * ppm,
                margin: self.threshold * ppm - measured,
                unit: "ppm",
                target: self.worst().map(|w| w.node.clone()),
                time: self.worst().map(|w| w.time),
                detail,
            },
        );
        if self.nodes.is_empty() {
            verdict.measured = None;
        }
        verdict
    }
}

/// The largest |plain − tight| of one column over the plain grid.
fn difference(time: &[f64], plain: &Column, tight_time: &[f64], tight: &Column) -> NodeDifference {
    let reference = on_grid(time, tight_time, &tight.values);
    let (mut volts, mut at) = (0.0, 0.0);
    for ((t, p), r) in time.iter().zip(&plain.values).zip(&reference) {
        let d = (p - r).abs();
        if d > volts || d.is_nan() {
            volts = d;
            at = *t;
        }
    }
    let (nominal, nominal_from) = match plain.nominal {
        Some(v) if v != 0.0 => (v.abs(), NominalFrom::Bus),
        _ => (
            tight.values.iter().fold(0.0, |m: f64, v| m.max(v.abs())),
            NominalFrom::FullScale,
        ),
    };
    let fraction = if nominal > 0.0 { volts / nominal } else { 0.0 };
    NodeDifference {
        node: plain.name.clone(),
        nominal,
        nominal_from,
        volts,
        fraction,
        time: at,
    }
}

/// `values` sampled at `from` (ascending), linearly interpolated at every
/// time of `to` (ascending). An instant recorded twice (before and after
/// an event) in both runs pairs occurrence with occurrence, so a jump at
/// an event is not smeared into a difference.
fn on_grid(to: &[f64], from: &[f64], values: &[f64]) -> Vec<f64> {
    let last = from.len().saturating_sub(1);
    to.iter()
        .enumerate()
        .map(|(j, &t)| {
            let at = from.partition_point(|&x| x < t);
            if at < from.len() && from[at] == t {
                let repeat = to[..j].iter().rev().take_while(|&&x| x == t).count();
                let same = from[at..].iter().take_while(|&&x| x == t).count();
                values[at + repeat.min(same - 1)]
            } else if at == 0 || at > last {
                values[at.min(last)]
            } else {
                let (t0, t1) = (from[at - 1], from[at]);
                values[at - 1] + (t - t0) / (t1 - t0) * (values[at] - values[at - 1])
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_between_samples_and_pairs_repeated_instants() {
        let from = [0.0, 1.0, 1.0, 2.0];
        let values = [0.0, 1.0, 5.0, 7.0];
        let got = on_grid(&[0.0, 0.5, 1.0, 1.0, 1.5, 2.0], &from, &values);
        assert_eq!(got, vec![0.0, 0.5, 1.0, 5.0, 6.0, 7.0]);
    }
}
