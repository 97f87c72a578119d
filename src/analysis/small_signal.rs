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

use super::limits::{Prepared, SmallSignal};
use super::stability::{bind_prepared, Bound, Setup};

/// Where an operating point's model comes from.
enum Source {
    /// Elaborated and compiled again from the circuit and scenario; `at` is
    /// set per operating point.
    Setup(Box<Setup>),
    /// Copied from the study as prepared before its run (same circuit,
    /// same values): no elaboration or compile, which is most of a sweep
    /// point's cost on a small circuit.
    Copy(Box<Prepared>),
}

/// Judges small-signal limits at the operating points of a scenario.
pub struct StabilityLimits {
    source: Source,
    instants: Vec<f64>,
    /// Operating points, bound on first use, one per instant.
    bound: Vec<Option<Result<Bound, String>>>,
}

impl StabilityLimits {
    /// `setup`: the circuit with its scenario (its `at` is ignored);
    /// `instants`: where to linearise (t = 0 and the end of each event).
    pub fn new(setup: Setup, instants: Vec<f64>) -> Self {
        Self::with_source(Source::Setup(Box::new(setup)), instants)
    }

    /// Like [`StabilityLimits::new`], on copies of `prepared`: the study
    /// compiled with every override and bound to its scenario, not yet run.
    pub fn on_copies(prepared: Prepared, instants: Vec<f64>) -> Self {
        Self::with_source(Source::Copy(Box::new(prepared)), instants)
    }

    fn with_source(source: Source, mut instants: Vec<f64>) -> Self {
        instants.sort_by(f64::total_cmp);
        instants.dedup();
        let bound = instants.iter().map(|_| None).collect();
        StabilityLimits {
            source,
            instants,
            bound,
        }
    }

    fn bound(&mut self, k: usize) -> Result<&Bound, String> {
        if self.bound[k].is_none() {
            let at = self.instants[k];
            let bound = match &mut self.source {
                Source::Setup(setup) => {
                    setup.at = at;
                    setup.bind()
                }
                Source::Copy(prepared) => bind_prepared((**prepared).clone(), at),
            };
            self.bound[k] = Some(bound.map_err(|e| e.to_string()));
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
