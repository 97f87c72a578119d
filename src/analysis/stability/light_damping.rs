//! The accuracy warning of a run: its least-damped oscillatory mode at the
//! final operating point, when ζ is below [`WARN_DAMPING`]. On such a run
//! the integration error of the default tolerances is not damped away but
//! accumulates, cycle after cycle, so a long run drifts from the exact
//! solution (`--verify` measures by how much).
//!
//! The modes come from the dense eigen-decomposition of the reduced state
//! matrix, which costs O(n³): it is done only up to [`MAX_STATES`] states,
//! so that it stays a small fraction of the run it follows.
//!
//! Owns that check. Must not print (the caller decides where a warning
//! goes).

use super::modes::{modes, Mode};
use super::setup::Setup;
use super::state_space::state_space;
use super::StabilityError;

/// Below this damping ratio a mode makes the run's error grow with time.
pub const WARN_DAMPING: f64 = 0.01;

/// Models with more states than this are not checked.
pub const MAX_STATES: usize = 300;

/// The least-damped oscillatory mode at the operating point of `setup`,
/// if its damping ratio is below [`WARN_DAMPING`].
pub fn light_damping(setup: &Setup) -> Result<Option<Mode>, StabilityError> {
    let bound = setup.bind()?;
    let ss = state_space(&bound.model, &bound.point, false)?;
    let found = modes(&ss)?;
    Ok(found
        .modes
        .into_iter()
        .filter(|m| m.imag > 0.0 && m.damping < WARN_DAMPING)
        .min_by(|a, b| a.damping.total_cmp(&b.damping)))
}

/// The warning for `mode`, one sentence.
pub fn light_damping_warning(mode: &Mode) -> String {
    format!(
        "lightly damped {} (ζ < {WARN_DAMPING}) at the final operating point: integration errors grow on such a run; rerun with --verify or tighter rtol/atol",
        mode.describe()
    )
}
