//! `--verify`: the study reruns its scenario at tolerances
//! [`TIGHTER`](crate::analysis::accuracy::TIGHTER) times tighter and
//! compares the recorded nodes with the plain run.
//!
//! The rerun records only what the scenario's `record` asks for, not the
//! probes its limits need: it is judged on nothing, and recording every
//! rack bus of a hall costs as much as integrating it.
//!
//! Also the warning every run gets when its least-damped mode at the final
//! operating point has ζ < 0.01 (`analysis::stability::light_damping`).
//!
//! Owns the rerun and when the check runs. Must not compare
//! (`analysis::accuracy`) or lay out.

use super::{Simulation, Study, StudyError};
use crate::analysis::accuracy::{Accuracy, TIGHTER};
use crate::analysis::stability::{light_damping, light_damping_warning, MAX_STATES};
use crate::prepare::prepare_flat;
use std::time::Instant;

impl Study {
    /// Reruns the scenario of `run` at rtol and atol divided by
    /// [`TIGHTER`] and compares its recorded nodes with `run`'s.
    pub fn verify(&self, run: &Simulation) -> Result<Accuracy, StudyError> {
        let (rtol, atol) = (run.prepared.spec.rtol, run.prepared.spec.atol);
        let mut scenario = self.scenario_or_err()?.clone();
        scenario.rtol = Some(rtol / TIGHTER);
        scenario.atol = Some(atol / TIGHTER);
        let started = Instant::now();
        let mut prepared = prepare_flat(self.elaborate()?, scenario)?;
        let tight = prepared.run(None)?;
        let seconds = started.elapsed().as_secs_f64();
        let mut accuracy = Accuracy::compare(&run.waveforms, &tight, (rtol, atol));
        accuracy.seconds = seconds;
        Ok(accuracy)
    }

    /// The warning for a run whose least-damped mode at the final
    /// operating point has ζ < 0.01; models above
    /// [`MAX_STATES`](crate::analysis::stability::MAX_STATES) states are
    /// not checked (the eigen-decomposition would cost more than the run).
    /// An operating point that cannot be found gives no warning: the run
    /// stands on its own.
    pub fn damping_warning(&self, run: &Simulation) -> Option<String> {
        if run.prepared.model.states() > MAX_STATES {
            return None;
        }
        let mode = light_damping(&self.setup(self.final_time())).ok()??;
        Some(light_damping_warning(&mode))
    }
}
