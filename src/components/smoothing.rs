//! `Load.smoothing: (floor_pu, ramp_up_pu_per_s, ramp_down_pu_per_s,
//! hysteresis_seconds)`: GPU power smoothing on a load's demand, as in the
//! NVML power-smoothing profile (floor, ramp rates, ramp-down hysteresis).
//!
//! The smoothed demand s (per unit of the load's rated watts) is a state
//! that follows the target T = max(p(t), floor_pu) with its rate limited:
//! s' = clamp(ω·(T − s), −ramp_down, ramp_up), ω = 10⁵ 1/s, so that s equals
//! T to within T'/ω when neither limit binds. When T falls more than 0.1 %
//! of rated below s, s holds (s' ≥ 0) for `hysteresis_seconds` before
//! ramping down; if T comes back up first, the hold ends. The hold starts
//! and ends at state events, so the rate stays an analytic function of
//! (s, t) between them.
//!
//! Owns only the smoothing law; `load` owns the state and stamps it.

use crate::device::{check, ComponentError, InputValue, Num, Reaction};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

/// Its documentation table (see `field_doc`).
impl Smoothing {
    pub const DOC: Schema = Schema {
        name: "Smoothing",
        summary: "`smoothing: (floor_pu, ramp_up_pu_per_s, ramp_down_pu_per_s, hysteresis_seconds)`: GPU power smoothing (floor, ramp rates, ramp-down hysteresis).",
        about: "The smoothed demand s follows the target max(p(t), floor_pu) with its rate limited to the two ramp rates; when the target falls below s, s holds for `hysteresis_seconds` before ramping down.",
        fields: &[
            F::req("floor_pu", "pu", R::NonNegative, "Lowest demand the smoothing lets through, per unit of rated watts."),
            F::req("ramp_up_pu_per_s", "pu/s", R::NonNegative, "Fastest rise of the demand."),
            F::req("ramp_down_pu_per_s", "pu/s", R::NonNegative, "Fastest fall of the demand."),
            F::req("hysteresis_seconds", "s", R::NonNegative, "Hold before ramping down."),
        ],
        ..Schema::EMPTY
    };
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smoothing {
    /// Lowest demand the smoothing lets through, per unit of rated watts.
    pub floor_pu: Num,
    pub ramp_up_pu_per_s: Num,
    pub ramp_down_pu_per_s: Num,
    pub hysteresis_seconds: Num,
}

/// How fast s follows the target when no limit binds, 1/s.
const TRACK_RATE: f64 = 1e5;
/// A fall of the target smaller than this (pu) is tracked at once.
const DEADBAND: f64 = 1e-3;
/// Marks a load timer token as the smoothing hold's (UVLO tokens are small).
pub(crate) const TOKEN_BIT: u64 = 1 << 62;

impl Smoothing {
    pub(crate) fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        vec![
            ("smoothing.floor_pu", &mut self.floor_pu),
            ("smoothing.ramp_up_pu_per_s", &mut self.ramp_up_pu_per_s),
            ("smoothing.ramp_down_pu_per_s", &mut self.ramp_down_pu_per_s),
            ("smoothing.hysteresis_seconds", &mut self.hysteresis_seconds),
        ]
    }

    pub(crate) fn validate(&self, name: &str) -> Result<(), ComponentError> {
        check::non_negative(name, "smoothing.floor_pu", &self.floor_pu)?;
        check::non_negative(name, "smoothing.ramp_up_pu_per_s", &self.ramp_up_pu_per_s)?;
        check::non_negative(
            name,
            "smoothing.ramp_down_pu_per_s",
            &self.ramp_down_pu_per_s,
        )?;
        check::non_negative(
            name,
            "smoothing.hysteresis_seconds",
            &self.hysteresis_seconds,
        )
    }

    pub(crate) fn smoother(&self) -> Smoother {
        Smoother {
            floor: self.floor_pu.value(),
            up: self.ramp_up_pu_per_s.value(),
            down: self.ramp_down_pu_per_s.value(),
            hysteresis: self.hysteresis_seconds.value(),
            phase: Phase::Track,
            generation: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// s follows T both ways (rate-limited).
    Track,
    /// T fell below s: s may only rise until the hysteresis timer fires.
    Wait,
    /// Ramping down after the hysteresis, until s is back within the
    /// deadband of T.
    Ramp,
}

/// The smoothing law with its phase.
#[derive(Debug, Clone)]
pub(crate) struct Smoother {
    floor: f64,
    up: f64,
    down: f64,
    hysteresis: f64,
    phase: Phase,
    /// Bumped whenever a pending hold timer becomes stale.
    generation: u64,
}

impl Smoother {
    /// T and dT/dt.
    fn target(&self, p: InputValue) -> (f64, f64) {
        if p.value >= self.floor {
            (p.value, p.slope)
        } else {
            (self.floor, 0.0)
        }
    }

    /// s' with ∂s'/∂s and ∂s'/∂t.
    pub(crate) fn rate(&self, p: InputValue, s: f64) -> (f64, f64, f64) {
        let (target, slope) = self.target(p);
        let x = TRACK_RATE * (target - s);
        let low = if self.phase == Phase::Wait {
            0.0
        } else {
            -self.down
        };
        if x > self.up {
            (self.up, 0.0, 0.0)
        } else if x < low {
            (low, 0.0, 0.0)
        } else {
            (x, -TRACK_RATE, TRACK_RATE * slope)
        }
    }

    /// Positive while the target has fallen more than the deadband below s.
    pub(crate) fn root(&self, p: InputValue, s: f64) -> f64 {
        s - self.target(p).0 - DEADBAND
    }

    pub(crate) fn on_root(&mut self, t: f64, rising: bool) -> Reaction {
        let quiet = |discontinuity| Reaction {
            schedule: None,
            report: Vec::new(),
            discontinuity,
        };
        match (self.phase, rising) {
            (Phase::Track, true) if self.hysteresis > 0.0 => {
                self.phase = Phase::Wait;
                self.generation += 1;
                Reaction {
                    schedule: Some((t + self.hysteresis, TOKEN_BIT | self.generation)),
                    report: Vec::new(),
                    // s' jumps from the ramp-down value to zero.
                    discontinuity: true,
                }
            }
            (Phase::Track, true) => {
                self.phase = Phase::Ramp;
                quiet(false)
            }
            (Phase::Wait, false) => {
                self.phase = Phase::Track;
                self.generation += 1;
                quiet(true)
            }
            (Phase::Ramp, false) => {
                // Same law in both phases: no jump.
                self.phase = Phase::Track;
                quiet(false)
            }
            _ => quiet(false),
        }
    }

    pub(crate) fn on_timer(&mut self, token: u64) -> Reaction {
        if self.phase != Phase::Wait || token != TOKEN_BIT | self.generation {
            return Reaction::default();
        }
        self.phase = Phase::Ramp;
        Reaction {
            schedule: None,
            report: Vec::new(),
            discontinuity: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pu(value: f64) -> InputValue {
        InputValue { value, slope: 0.0 }
    }

    #[test]
    fn floor_and_rate_limits() {
        let s = Smoothing {
            floor_pu: Num::Value(0.5),
            ramp_up_pu_per_s: Num::Value(10.0),
            ramp_down_pu_per_s: Num::Value(2.0),
            hysteresis_seconds: Num::Value(0.1),
        };
        let mut m = s.smoother();
        assert_eq!(m.rate(pu(1.0), 0.5).0, 10.0);
        assert_eq!(m.rate(pu(0.2), 1.0).0, -2.0);
        assert!(m.root(pu(0.2), 1.0) > 0.0);
        let r = m.on_root(1.0, true);
        assert_eq!(r.schedule, Some((1.1, TOKEN_BIT | 1)));
        assert_eq!(m.rate(pu(0.2), 1.0).0, 0.0);
        assert!(m.on_timer(TOKEN_BIT | 1).discontinuity);
        assert_eq!(m.rate(pu(0.2), 1.0).0, -2.0);
    }
}
