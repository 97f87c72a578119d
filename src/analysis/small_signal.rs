//! The operating points small-signal limits (`MinDamping`, `PhaseMargin`,
//! `GainMargin`, `ImpedanceRatio`) are judged at, bound through
//! `stability` on the circuit of a run.
//!
//! A margin that holds at idle can be gone at full load (a CPL's negative
//! resistance grows with its power), so each limit is judged at several
//! operating points: at t = 0 and at the end of every load event of the
//! scenario, and the kinds report the worst one with its instant as
//! "when". Owns when each point is bound; the measures live with the
//! kinds in `limits`.

use super::limits::{Scenario, SmallSignal};
use super::stability::{Bound, CircuitSource, Setup};
use std::path::PathBuf;

/// Judges small-signal limits at the operating points of a scenario.
pub struct StabilityLimits {
    circuit: PathBuf,
    scenario: Scenario,
    instants: Vec<f64>,
    /// Operating points, bound on first use, one per instant.
    bound: Vec<Option<Result<Bound, String>>>,
}

impl StabilityLimits {
    /// `instants`: where to linearise (t = 0 and the end of each event).
    pub fn new(circuit: PathBuf, scenario: Scenario, mut instants: Vec<f64>) -> Self {
        instants.sort_by(f64::total_cmp);
        instants.dedup();
        let bound = instants.iter().map(|_| None).collect();
        StabilityLimits {
            circuit,
            scenario,
            instants,
            bound,
        }
    }

    fn bound(&mut self, k: usize) -> Result<&Bound, String> {
        if self.bound[k].is_none() {
            let setup = Setup {
                circuit: CircuitSource::File(self.circuit.clone()),
                scenario: Some(self.scenario.clone()),
                at: self.instants[k],
                overrides: Default::default(),
            };
            self.bound[k] = Some(setup.bind().map_err(|e| e.to_string()));
        }
        match &self.bound[k] {
            Some(Ok(b)) => Ok(b),
            Some(Err(e)) => Err(format!(
                "not evaluated: no operating point at t = {} s: {e}",
                self.instants[k]
            )),
            None => Err("not evaluated".into()),
        }
    }
}

impl SmallSignal for StabilityLimits {
    fn visit(
        &mut self,
        visit: &mut dyn FnMut(f64, &Bound) -> Result<(), String>,
    ) -> Result<(), String> {
        for k in 0..self.instants.len() {
            let t = self.instants[k];
            visit(t, self.bound(k)?)?;
        }
        Ok(())
    }
}
