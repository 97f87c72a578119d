//! `--verify`: the study reruns its scenario at tolerances
//! [`TIGHTER`](crate::analysis::accuracy::TIGHTER) times tighter and
//! compares the recorded nodes with the plain run.
//!
//! The rerun records only what the scenario's `record` asks for, not the
//! probes its limits need: it is judged on nothing, and recording every
//! rack bus of a hall costs as much as integrating it. It needs nothing
//! from the plain run but the tolerances, which the scenario gives, so it
//! runs on a second thread beside it.
//!
//! Also the warning every run gets when its least-damped mode at the final
//! operating point has ζ < 0.01 (`analysis::stability::light_damping`).
//!
//! Owns the rerun and when the check runs. Must not compare
//! (`analysis::accuracy`) or lay out.

use super::{Simulation, Study, StudyError};
use crate::analysis::accuracy::{Accuracy, TIGHTER};
use crate::analysis::stability::{light_damping, light_damping_warning, MAX_STATES};
use crate::prepare::{prepare_flat, DEFAULT_ATOL, DEFAULT_RTOL};
use crate::results::Waveforms;
use std::time::Instant;

/// The rerun at tighter tolerances.
#[derive(Debug)]
pub struct TightRun {
    pub waveforms: Waveforms,
    /// The plain run's (rtol, atol); the rerun used them ÷ [`TIGHTER`].
    pub tolerances: (f64, f64),
    /// Wall time of the rerun, seconds.
    pub seconds: f64,
}

impl TightRun {
    /// Compares `run` with this rerun.
    pub fn accuracy(&self, run: &Simulation) -> Accuracy {
        let mut accuracy = Accuracy::compare(&run.waveforms, &self.waveforms, self.tolerances);
        accuracy.seconds = self.seconds;
        accuracy
    }
}

impl Study {
    /// The scenario's (rtol, atol).
    fn tolerances(&self) -> Result<(f64, f64), StudyError> {
        let s = self.scenario_or_err()?;
        Ok((
            s.rtol.unwrap_or(DEFAULT_RTOL),
            s.atol.unwrap_or(DEFAULT_ATOL),
        ))
    }

    /// Runs the scenario at rtol and atol divided by [`TIGHTER`],
    /// recording its `record` entries only.
    pub fn tight_run(&self) -> Result<TightRun, StudyError> {
        let (rtol, atol) = self.tolerances()?;
        let mut scenario = self.scenario_or_err()?.clone();
        scenario.rtol = Some(rtol / TIGHTER);
        scenario.atol = Some(atol / TIGHTER);
        let started = Instant::now();
        let mut prepared = prepare_flat(self.elaborate()?, scenario)?;
        let waveforms = prepared.run(None)?;
        Ok(TightRun {
            waveforms,
            tolerances: (rtol, atol),
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Runs `plain` (the plain run and whatever follows it) on this thread
    /// and [`Study::tight_run`] on another, and returns both.
    pub fn beside_tight_run<T>(
        &self,
        plain: impl FnOnce() -> T,
    ) -> (T, Result<TightRun, StudyError>) {
        std::thread::scope(|s| {
            let tight = s.spawn(|| self.tight_run());
            let out = plain();
            let tight = tight
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (out, tight)
        })
    }

    /// Reruns the scenario of `run` at tighter tolerances and compares
    /// its recorded nodes with `run`'s.
    pub fn verify(&self, run: &Simulation) -> Result<Accuracy, StudyError> {
        Ok(self.tight_run()?.accuracy(run))
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
