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

use super::limits::SmallSignal;
use super::stability::{Bound, Setup};

/// Judges small-signal limits at the operating points of a scenario.
pub struct StabilityLimits {
    /// The circuit and scenario; `at` is set per operating point.
    setup: Setup,
    instants: Vec<f64>,
    /// Operating points, bound on first use, one per instant.
    bound: Vec<Option<Result<Bound, String>>>,
}

impl StabilityLimits {
    /// `setup`: the circuit with its scenario (its `at` is ignored);
    /// `instants`: where to linearise (t = 0 and the end of each event).
    pub fn new(setup: Setup, mut instants: Vec<f64>) -> Self {
        instants.sort_by(f64::total_cmp);
        instants.dedup();
        let bound = instants.iter().map(|_| None).collect();
        StabilityLimits {
            setup,
            instants,
            bound,
        }
    }

    fn bound(&mut self, k: usize) -> Result<&Bound, String> {
        if self.bound[k].is_none() {
            self.setup.at = self.instants[k];
            self.bound[k] = Some(self.setup.bind().map_err(|e| e.to_string()));
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
