//! A run whose node voltages run away is stopped with the node named, not
//! ground on until the step budget is spent.
//!
//! A circuit that is unstable as written (a constant-power load that
//! nothing holds up, say, whose voltage grows without bound as the current
//! feeding it decays) has a correct but meaningless solution: it grew from
//! 143 V to 1e60 V in half a millisecond in one fuzzed case, taking 20
//! million steps and 34 s before the step budget stopped it with "loosen
//! rtol/atol". No voltage busbar accepts comes near [`RUNAWAY_VOLTS`]: it
//! is 1e5 times the largest source voltage a file may hold (1e7 V), so a
//! node beyond it is a runaway, not a result.
//!
//! Owns that bound and the scan. Must not decide what the run does next.

use crate::compile::Model;
use crate::device::UnknownKind;

/// A node voltage beyond this magnitude stops the run.
pub const RUNAWAY_VOLTS: f64 = 1e12;

/// The node unknowns (1-based indices) of `model`, scanned after every
/// accepted step.
pub(super) fn node_unknowns(model: &Model) -> Vec<usize> {
    (1..model.kinds.len())
        .filter(|&i| matches!(model.kinds[i], UnknownKind::Node))
        .collect()
}

/// The first node of `nodes` whose voltage in `y` is beyond
/// [`RUNAWAY_VOLTS`] (or not finite), with that voltage.
pub(super) fn runaway(nodes: &[usize], y: &[f64]) -> Option<(usize, f64)> {
    nodes
        .iter()
        .map(|&i| (i, y[i]))
        .find(|(_, v)| v.is_nan() || v.abs() > RUNAWAY_VOLTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_nodes_beyond_the_bound_are_runaways() {
        let y = [0.0, 800.0, 2e12, -5e12, f64::NAN];
        assert_eq!(runaway(&[1], &y), None);
        assert_eq!(runaway(&[1, 3, 2], &y), Some((3, -5e12)));
        assert!(runaway(&[4], &y).is_some_and(|(i, v)| i == 4 && v.is_nan()));
    }
}
