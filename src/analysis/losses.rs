//! The energy account of a run with a `losses` block: energy from the
//! grid (E_in), delivered to the loads (E_out), net out of storage
//! (E_storage), lost in each stage, the grid-to-load efficiency
//! η = E_out / (E_in + E_storage), and what the balance leaves
//! unaccounted: E_in + E_storage − E_out − ΣE_loss.
//!
//! Energies are trapezoid integrals of the recorded sums (the columns of
//! `prepare::losses`) over the output grid. The unaccounted energy is the
//! change of the energy stored in the circuit's capacitors and inductors
//! between the first and the last sample (½·C·v², ½·L·i², which no column
//! records) plus the error of integrating on the output grid; a run that
//! starts and ends at rest near the same operating point leaves little of
//! the first, a coarse `sample` under fast edges more of the second.
//!
//! Works on `Waveforms` only; must not render (report) or judge limits.

use super::signal::{At, Signal};
use crate::prepare::losses::{column, OTHER};
use crate::results::{Column, Waveforms};
use serde::{Deserialize, Serialize};

/// The account of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossAccount {
    /// The run's span (s), first to last sample.
    pub duration: f64,
    /// ∫ p[input] dt: energy drawn by the input components (J).
    pub energy_in: f64,
    /// ∫ p[output] dt: energy absorbed by the output components (J).
    pub energy_out: f64,
    /// ∫ p[storage] dt: net energy out of storage, inside its losses (J);
    /// negative when the run left the storage fuller than it found it.
    pub energy_storage: f64,
    /// Sum of every stage's loss energy, `other` included (J).
    pub energy_lost: f64,
    /// E_out / (E_in + E_storage); `None` when nothing was supplied.
    pub efficiency: Option<f64>,
    /// E_in + E_storage − E_out − E_lost (J): the change of the energy
    /// stored in capacitors and inductors plus the integration error.
    pub unaccounted: f64,
    /// `unaccounted` over E_in + E_storage.
    pub unaccounted_fraction: Option<f64>,
    /// The stages as listed, then `other`.
    pub stages: Vec<StageLoss>,
}

/// One stage's loss over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageLoss {
    pub name: String,
    /// ∫ loss dt (J).
    pub energy: f64,
    /// Share of E_in + E_storage (0–1).
    pub share_of_input: Option<f64>,
    /// energy / duration (W).
    pub mean_power: f64,
    /// The largest loss power (W) and when, between samples too.
    pub peak_power: Option<At>,
}

/// The account of `w`, or `None` when it has no `losses` columns.
pub fn loss_account(w: &Waveforms) -> Option<LossAccount> {
    let find = |name: &str| w.columns.iter().find(|c| c.name == name);
    let energy = |c: &Column| Signal::new(&w.time, &c.values).integral(None);
    let (input, output, storage) = (
        find(&column("input"))?,
        find(&column("output"))?,
        find(&column("storage"))?,
    );
    let duration = Signal::new(&w.time, &w.time)
        .span()
        .map_or(0.0, |(a, b)| b - a);
    let (e_in, e_out, e_st) = (energy(input), energy(output), energy(storage));
    let supplied = e_in + e_st;
    let share = |e: f64| (supplied > 0.0).then(|| e / supplied);
    let stages: Vec<StageLoss> = w
        .columns
        .iter()
        .filter(|c| c.name.starts_with("loss[") && c.name.ends_with(']'))
        .map(|c| {
            let e = energy(c);
            StageLoss {
                name: c.name["loss[".len()..c.name.len() - 1].to_string(),
                energy: e,
                share_of_input: share(e),
                mean_power: if duration > 0.0 { e / duration } else { 0.0 },
                peak_power: peak(&w.time, c),
            }
        })
        .collect();
    debug_assert!(stages.last().is_some_and(|s| s.name == OTHER));
    let lost: f64 = stages.iter().map(|s| s.energy).sum();
    let unaccounted = supplied - e_out - lost;
    Some(LossAccount {
        duration,
        energy_in: e_in,
        energy_out: e_out,
        energy_storage: e_st,
        energy_lost: lost,
        efficiency: share(e_out),
        unaccounted,
        unaccounted_fraction: share(unaccounted),
        stages,
    })
}

/// The largest value of a loss column, at the samples or (from the
/// recorder's extremes) between them.
fn peak(time: &[f64], c: &Column) -> Option<At> {
    let s = Signal::new(time, &c.values);
    let mut best = s.span().and_then(|(a, b)| s.extremes(a, b)).map(|e| e.1);
    if let Some(e) = c.extremes {
        if e.max.is_finite() && best.is_none_or(|b| e.max > b.value) {
            best = Some(At {
                value: e.max,
                time: e.t_max,
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Quantity, SolverStats};

    fn col(name: &str, values: Vec<f64>) -> Column {
        Column {
            name: name.into(),
            target: name.into(),
            quantity: Quantity::Power,
            nominal: None,
            values: values.into(),
            extremes: None,
        }
    }

    #[test]
    fn trapezoid_energies_and_balance() {
        // Input ramps 100 → 300 W over 2 s: 400 J by the trapezoid rule;
        // output 80 → 240 W: 320 J; storage gives 10 W: 20 J; a stage of
        // 20 → 60 W loses 80 J and `other` 10 W loses 20 J.
        let w = Waveforms {
            time: vec![0.0, 1.0, 2.0],
            columns: vec![
                col("p[input]", vec![100.0, 200.0, 300.0]),
                col("p[output]", vec![80.0, 160.0, 240.0]),
                col("p[storage]", vec![10.0, 10.0, 10.0]),
                col("loss[dcx]", vec![20.0, 40.0, 60.0]),
                col("loss[other]", vec![10.0, 10.0, 10.0]),
            ],
            events: Vec::new(),
            stats: SolverStats::default(),
        };
        let a = loss_account(&w).expect("columns present");
        assert_eq!(
            (a.energy_in, a.energy_out, a.energy_storage),
            (400.0, 320.0, 20.0)
        );
        assert_eq!(a.energy_lost, 100.0);
        assert_eq!(a.unaccounted, 0.0);
        assert_eq!(a.efficiency, Some(320.0 / 420.0));
        assert_eq!(a.stages[0].name, "dcx");
        assert_eq!(a.stages[0].mean_power, 40.0);
        assert_eq!(
            a.stages[0].peak_power.map(|p| (p.value, p.time)),
            Some((60.0, 2.0))
        );
    }

    #[test]
    fn absent_without_the_columns() {
        let w = Waveforms {
            time: vec![0.0, 1.0],
            columns: vec![col("p(sst)", vec![1.0, 1.0])],
            events: Vec::new(),
            stats: SolverStats::default(),
        };
        assert!(loss_account(&w).is_none());
    }
}
