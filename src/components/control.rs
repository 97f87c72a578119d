//! Pieces shared by the regulated converters (`Converter`, `Rectifier`,
//! `Bbu`, `CapBank`): the `voltage_loop` schema, the PI voltage loop with
//! droop, limits and anti-windup, the power-balance input current, and a
//! helper that maps a device's local unknowns to Jacobian slots.
//!
//! Owns the control equations only. Must not allocate a device's unknowns,
//! decide its modes or apply scenario actions: each component does that.

use crate::device::{check, Builder, ComponentError, Num, Slot};
use crate::field_doc::{Field as F, Range as R, Schema, Variant};
use serde::Deserialize;
use std::f64::consts::TAU;

/// Its documentation table (see `field_doc`).
impl VoltageLoop {
    pub const DOC: Schema = Schema {
        name: "VoltageLoop",
        summary: "The gains of a converter's PI voltage loop.",
        variants: &[
            Variant::with(
                "Pi",
                "Gains given directly (kp and ki not both zero).",
                &[
                    F::req("kp", "A/V", R::NonNegative, "Proportional gain k_p."),
                    F::req("ki", "A/(V·s)", R::NonNegative, "Integral gain k_i."),
                ],
            ),
            Variant::with(
                "Bandwidth",
                "Crossover `hz` on the `capacitance` the loop regulates: k_p = 2π·f·C, k_i = k_p·2π·f/4 (PI zero a quarter of the way up).",
                &[
                    F::req("hz", "Hz", R::Positive, "Crossover frequency f."),
                    F::req("capacitance", "F", R::Positive, "Capacitance C of the regulated bus."),
                ],
            ),
        ],
        ..Schema::EMPTY
    };
}

/// How the outer voltage loop is tuned.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum VoltageLoop {
    /// Gains given directly: k_p in A/V, k_i in A/(V·s).
    Pi { kp: Num, ki: Num },
    /// Crossover `hz` on the `capacitance` the loop regulates:
    /// k_p = 2π·f·C and k_i = k_p·2π·f/4 (PI zero a quarter of the way up).
    Bandwidth { hz: Num, capacitance: Num },
}

impl VoltageLoop {
    /// Numeric fields under `prefix` (e.g. `"voltage_loop."`).
    pub(crate) fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        match self {
            VoltageLoop::Pi { kp, ki } => vec![("voltage_loop.kp", kp), ("voltage_loop.ki", ki)],
            VoltageLoop::Bandwidth { hz, capacitance } => vec![
                ("voltage_loop.hz", hz),
                ("voltage_loop.capacitance", capacitance),
            ],
        }
    }

    pub(crate) fn validate(&self, name: &str) -> Result<(), ComponentError> {
        match self {
            VoltageLoop::Pi { kp, ki } => {
                check::non_negative(name, "voltage_loop.kp", kp)?;
                check::non_negative(name, "voltage_loop.ki", ki)?;
                if kp.value() == 0.0 && ki.value() == 0.0 {
                    return Err(ComponentError::with_help(
                        name,
                        "`voltage_loop` has kp = ki = 0: the converter would never regulate",
                        "give a positive kp or ki, or use Bandwidth(hz, capacitance)",
                    ));
                }
                Ok(())
            }
            VoltageLoop::Bandwidth { hz, capacitance } => {
                check::positive(name, "voltage_loop.hz", hz)?;
                check::positive(name, "voltage_loop.capacitance", capacitance)
            }
        }
    }

    /// (k_p, k_i).
    pub(crate) fn gains(&self) -> (f64, f64) {
        match self {
            VoltageLoop::Pi { kp, ki } => (kp.value(), ki.value()),
            VoltageLoop::Bandwidth { hz, capacitance } => {
                let w = TAU * hz.value();
                let kp = w * capacitance.value();
                (kp, kp * w / 4.0)
            }
        }
    }
}

/// Jacobian slots of one device over its local unknowns (terminals and
/// internal unknowns), so that stamping reads `st.add(jac, ROW, COL, v)`.
/// A local unknown that does not exist (a Rectifier's input) is ground:
/// its stamps land in the trash slot and its value reads 0.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    /// Extended index of each local unknown.
    index: Vec<usize>,
    /// slots[r·n + c]; `usize::MAX` where the pair was not declared, so a
    /// stamp outside the pattern panics instead of vanishing silently.
    slots: Vec<Slot>,
}

impl Stamp {
    /// Declares every (row, col) pair of local unknowns the device writes.
    pub(crate) fn new(b: &mut Builder, index: Vec<usize>, pairs: &[(usize, usize)]) -> Self {
        let n = index.len();
        let mut slots = vec![usize::MAX; n * n];
        for &(r, c) in pairs {
            slots[r * n + c] = b.slot(index[r], index[c]);
        }
        Stamp { index, slots }
    }

    /// Extended index of local unknown `local`.
    pub(crate) fn at(&self, local: usize) -> usize {
        self.index[local]
    }

    /// Adds `value` to ∂F[row]/∂y[col].
    pub(crate) fn add(&self, jac: &mut [f64], row: usize, col: usize, value: f64) {
        jac[self.slots[row * self.index.len() + col]] += value;
    }

    /// Value of local unknown `local`.
    pub(crate) fn y(&self, y: &[f64], local: usize) -> f64 {
        y[self.index[local]]
    }
}

/// Its documentation table (see `field_doc`).
impl AntiWindup {
    pub const DOC: Schema = Schema {
        name: "AntiWindup",
        summary: "What a PI integrator does while the current command is limited.",
        variants: &[
            Variant::unit("BackCalculation", "The integrator relaxes to the limit with the PI's own time constant: ξ' = k_i·e + (k_i/k_p)·(clamp(u) − u)."),
            Variant::unit("Hold", "The integrator is frozen (ξ' = 0) from the moment the limit is reached until the command comes back inside it."),
        ],
        ..Schema::EMPTY
    };
}

/// What the integrator does while the command is at a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum AntiWindup {
    /// ξ' = k_i·e + ω_t·(clamp(u) − u): the integrator relaxes to the
    /// limit with the PI's own time constant (see [`PiLoop`]).
    #[default]
    BackCalculation,
    /// ξ' = 0 from the moment the limit is reached until the command
    /// comes back inside it (conditional integration, a frozen integrator).
    Hold,
}

/// Where the PI command sits relative to its limits (as last reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Saturation {
    Free,
    Upper,
    Lower,
}

/// PI voltage loop with droop: e = V_ref − R_droop·i − v_out,
/// i* = clamp(k_p·e + ξ, I_min, I_max), ξ' = k_i·e while unsaturated.
///
/// Anti-windup is back-calculation: ξ' = k_i·e + ω_t·(clamp(u) − u) with
/// u = k_p·e + ξ and ω_t = k_i/k_p. Unsaturated the extra term is zero;
/// saturated it is ξ' = ω_t·(I_lim − ξ): the integrator stops winding and
/// relaxes to the limit with the PI's own time constant. Unlike a hard
/// hold (ξ' = 0), this vector field is continuous across the boundary
/// u = I_lim, so the boundary is crossed cleanly instead of becoming a
/// sliding surface where entry and exit events would chatter, and the DC
/// operating point can find a converter that sits at a limit (one of two
/// paralleled units idling at zero). Both rows are piecewise analytic with
/// a corner at the limits; the roots make the engine land on the corners
/// and report them, and `sat` only remembers what was reported.
///
/// With [`AntiWindup::Hold`] the integrator is frozen, ξ' = 0, while a
/// limit is reported (`sat` not `Free`), and runs again from the reported
/// exit on. Until the engine has landed on the entry, and while the DC
/// operating point is solved, the back-calculation law stands in: it is
/// continuous at the boundary, so the crossing is found on a smooth field,
/// and a converter that sits at a limit in steady state keeps a regular
/// integrator row. In the limit u = k_p·e + ξ_held, so without droop the
/// converter leaves it when v_out returns to the voltage at which it
/// entered.
#[derive(Debug, Clone)]
pub(crate) struct PiLoop {
    pub kp: f64,
    pub ki: f64,
    pub v_ref: f64,
    pub droop: f64,
    pub i_max: f64,
    pub i_min: f64,
    /// ω_t: k_i/k_p, or the given fallback rate without a proportional
    /// gain. Also the rate at which ξ relaxes to 0 without an integral gain
    /// (keeping its row regular at an operating point).
    pub tracking: f64,
    pub sat: Saturation,
    pub anti_windup: AntiWindup,
}

impl PiLoop {
    pub(crate) fn error(&self, v_out: f64, i: f64) -> f64 {
        self.v_ref - self.droop * i - v_out
    }

    /// The command before the clamp.
    pub(crate) fn unclamped(&self, e: f64, xi: f64) -> f64 {
        self.kp * e + xi
    }

    /// The active limit, if u is beyond one.
    fn limit(&self, u: f64) -> Option<f64> {
        if u > self.i_max {
            Some(self.i_max)
        } else if u < self.i_min {
            Some(self.i_min)
        } else {
            None
        }
    }

    /// The integrator is frozen: a held limit is reported.
    pub(crate) fn holding(&self) -> bool {
        self.anti_windup == AntiWindup::Hold && self.sat != Saturation::Free
    }

    /// ξ' with ∂/∂e and ∂/∂ξ.
    pub(crate) fn integrator(&self, e: f64, xi: f64) -> (f64, f64, f64) {
        let w = self.tracking;
        if self.holding() && self.ki != 0.0 {
            return (0.0, 0.0, 0.0);
        }
        if self.ki == 0.0 {
            return (-w * xi, 0.0, -w);
        }
        let u = self.unclamped(e, xi);
        match self.limit(u) {
            None => (self.ki * e, self.ki, 0.0),
            Some(limit) => (self.ki * e + w * (limit - u), self.ki - w * self.kp, -w),
        }
    }

    /// (c, ∂c/∂e, ∂c/∂ξ).
    pub(crate) fn command(&self, e: f64, xi: f64) -> (f64, f64, f64) {
        let u = self.unclamped(e, xi);
        match self.limit(u) {
            None => (u, self.kp, 1.0),
            Some(limit) => (limit, 0.0, 0.0),
        }
    }

    /// Two roots: I_max − u (negative: above the upper limit) and
    /// u − I_min (negative: below the lower one).
    pub(crate) fn roots(&self, e: f64, xi: f64, out: &mut [f64]) {
        let u = self.unclamped(e, xi);
        out[0] = self.i_max - u;
        out[1] = u - self.i_min;
    }

    /// Reported state after root `index` (0 or 1) crossed; returns whether
    /// it changed.
    pub(crate) fn on_root(&mut self, index: usize, rising: bool) -> bool {
        let next = match (index, rising, self.sat) {
            (0, false, _) => Saturation::Upper,
            (0, true, Saturation::Upper) => Saturation::Free,
            (1, false, _) => Saturation::Lower,
            (1, true, Saturation::Lower) => Saturation::Free,
            _ => self.sat,
        };
        let changed = next != self.sat;
        self.sat = next;
        changed
    }

    /// Sets the reported state from y after a jump the root functions did
    /// not see as a crossing (a set-point change, the loop switching on),
    /// and returns the limit events the jump raises.
    pub(crate) fn resync(&mut self, e: f64, xi: f64) -> Vec<String> {
        let u = self.unclamped(e, xi);
        self.move_to(if u >= self.i_max {
            Saturation::Upper
        } else if u <= self.i_min {
            Saturation::Lower
        } else {
            Saturation::Free
        })
    }

    /// Sets the reported state and returns the limit events of the change
    /// (see [`limit_events`]).
    pub(crate) fn move_to(&mut self, to: Saturation) -> Vec<String> {
        let from = std::mem::replace(&mut self.sat, to);
        limit_events(from, to, self.i_min < 0.0)
    }
}

/// Entering the upper limit of a current command.
pub(crate) const CURRENT_LIMIT: &str = "current limit";
/// Leaving it.
pub(crate) const CURRENT_LIMIT_CLEARED: &str = "current limit cleared";
/// Entering the lower limit of a bidirectional unit (reverse current).
pub(crate) const REVERSE_CURRENT_LIMIT: &str = "reverse current limit";
/// Leaving it.
pub(crate) const REVERSE_CURRENT_LIMIT_CLEARED: &str = "reverse current limit cleared";
/// The limit events every PI-regulated unit can raise.
pub(crate) const LIMIT_EVENTS: [&str; 4] = [
    CURRENT_LIMIT,
    CURRENT_LIMIT_CLEARED,
    REVERSE_CURRENT_LIMIT,
    REVERSE_CURRENT_LIMIT_CLEARED,
];

/// The events a change of the reported saturation raises, leaving before
/// entering. The lower limit is news only when it is a `reverse` current
/// limit: a unidirectional unit idling at zero is not.
pub(crate) fn limit_events(from: Saturation, to: Saturation, reverse: bool) -> Vec<String> {
    if from == to {
        return Vec::new();
    }
    let mut out = Vec::new();
    match from {
        Saturation::Upper => out.push(CURRENT_LIMIT_CLEARED),
        Saturation::Lower if reverse => out.push(REVERSE_CURRENT_LIMIT_CLEARED),
        _ => {}
    }
    match to {
        Saturation::Upper => out.push(CURRENT_LIMIT),
        Saturation::Lower if reverse => out.push(REVERSE_CURRENT_LIMIT),
        _ => {}
    }
    out.into_iter().map(str::to_string).collect()
}

/// A storage converter's demand reaching its power rating (`CapBank`,
/// `Ess`), and leaving it; the reverse pair is the charging side.
pub(crate) const POWER_LIMIT: &str = "power limit";
pub(crate) const POWER_LIMIT_CLEARED: &str = "power limit cleared";
pub(crate) const REVERSE_POWER_LIMIT: &str = "reverse power limit";
pub(crate) const REVERSE_POWER_LIMIT_CLEARED: &str = "reverse power limit cleared";

/// The events of a storage converter's demand moving against its power
/// rating, leaving before entering.
pub(crate) fn power_limit_events(from: Saturation, to: Saturation) -> Vec<String> {
    if from == to {
        return Vec::new();
    }
    let left = match from {
        Saturation::Upper => Some(POWER_LIMIT_CLEARED),
        Saturation::Lower => Some(REVERSE_POWER_LIMIT_CLEARED),
        Saturation::Free => None,
    };
    let entered = match to {
        Saturation::Upper => Some(POWER_LIMIT),
        Saturation::Lower => Some(REVERSE_POWER_LIMIT),
        Saturation::Free => None,
    };
    left.into_iter()
        .chain(entered)
        .map(str::to_string)
        .collect()
}

/// Below this input voltage the input current is scaled down like a
/// resistor, so that a collapsing input does not make p/v blow up (the same
/// guard as the Dcx's no-load loss).
pub(crate) const MIN_INPUT_VOLTS: f64 = 1.0;

/// 1/v with the low-voltage guard: (g, dg/dv).
pub(crate) fn per_volt(v: f64) -> (f64, f64) {
    if v >= MIN_INPUT_VOLTS {
        (1.0 / v, -1.0 / (v * v))
    } else {
        let k = 1.0 / (MIN_INPUT_VOLTS * MIN_INPUT_VOLTS);
        (v * k, k)
    }
}

/// Input power of a converter delivering `i` at `v_out` with efficiency η:
/// v·i/η forward, v·i·η reverse. Returns (p, ∂p/∂i, ∂p/∂v_out).
pub(crate) fn input_power(v_out: f64, i: f64, efficiency: f64) -> (f64, f64, f64) {
    let k = if i >= 0.0 {
        1.0 / efficiency
    } else {
        efficiency
    };
    (v_out * i * k, v_out * k, i * k)
}

/// Seeds an output whose terminals have no declared nominal (both guessed
/// at 0 V) at the set-point: the terminal that is not ground takes +V_ref,
/// or −V_ref when it is the return (the minus pole of a bipolar system),
/// instead of leaving Newton to find the sign.
pub(crate) fn start_at_set_point(y: &mut [f64], out: usize, ret: usize, v_ref: f64) {
    if y[out] != 0.0 || y[ret] != 0.0 {
        return;
    }
    if out != crate::device::GROUND {
        y[out] = v_ref;
    } else if ret != crate::device::GROUND {
        y[ret] = -v_ref;
    }
}

/// Power lost in a conversion delivering `i` at `v_out` with efficiency
/// η: p_in − p_out, v·i·(1/η − 1) forward and |v·i|·(1 − η) in reverse,
/// so never negative.
pub(crate) fn conversion_loss(v_out: f64, i: f64, efficiency: f64) -> f64 {
    input_power(v_out, i, efficiency).0 - v_out * i
}

/// Current a source with terminal law v = emf − r·i draws to deliver power
/// p: the row (emf − r·i)·i − p = 0 of an algebraic unknown i. Returns
/// (residual, ∂/∂i, ∂/∂emf). Its ∂/∂i stays positive on the physical
/// branch (r·i below half the EMF).
pub(crate) fn power_balance(emf: f64, r: f64, i: f64, p: f64) -> (f64, f64, f64) {
    ((emf - r * i) * i - p, emf - 2.0 * r * i, i)
}

/// Current-loop rate 2π·f_i, the mass of a current-loop state being 1/rate.
pub(crate) fn loop_rate(hz: f64) -> f64 {
    TAU * hz
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pi() -> PiLoop {
        PiLoop {
            kp: 2.0,
            ki: 100.0,
            v_ref: 800.0,
            droop: 0.1,
            i_max: 100.0,
            i_min: -100.0,
            tracking: 50.0,
            sat: Saturation::Free,
            anti_windup: AntiWindup::BackCalculation,
        }
    }

    #[test]
    fn bandwidth_tuning() {
        let l = VoltageLoop::Bandwidth {
            hz: Num::Value(100.0),
            capacitance: Num::Value(1e-3),
        };
        let (kp, ki) = l.gains();
        assert!((kp - TAU * 0.1).abs() < 1e-15);
        assert!((ki - kp * TAU * 100.0 / 4.0).abs() < 1e-9);
    }

    #[test]
    fn saturated_integrator_tracks_the_limit_continuously() {
        let mut p = pi();
        // On the boundary u = I_max both sides give ξ' = k_i·e.
        let (e, xi) = (10.0, 80.0);
        let below = p.integrator(e, xi - 1e-9).0;
        let above = p.integrator(e, xi + 1e-9).0;
        assert!((below - above).abs() < 1e-6);
        assert_eq!(p.command(50.0, 0.0).0, 100.0);
        // Inside saturation it relaxes to the limit, independent of e.
        assert_eq!(p.integrator(30.0, 90.0), (500.0, 0.0, -50.0));
        assert!(p.on_root(0, false));
        assert!(p.on_root(0, true));
        assert_eq!(p.sat, Saturation::Free);
        assert_eq!(p.resync(-60.0, 0.0), vec![REVERSE_CURRENT_LIMIT]);
        assert_eq!(p.sat, Saturation::Lower);
        assert_eq!(
            p.resync(60.0, 0.0),
            vec![REVERSE_CURRENT_LIMIT_CLEARED, CURRENT_LIMIT]
        );
        assert_eq!(p.move_to(Saturation::Free), vec![CURRENT_LIMIT_CLEARED]);
        p.i_min = 0.0;
        assert!(
            p.resync(-60.0, 0.0).is_empty(),
            "idling at zero is not news"
        );
    }

    #[test]
    fn held_integrator_freezes_only_while_the_limit_is_reported() {
        let mut p = pi();
        p.anti_windup = AntiWindup::Hold;
        // Beyond the limit but not yet reported: back-calculation.
        assert_eq!(p.integrator(30.0, 90.0), (500.0, 0.0, -50.0));
        assert!(p.on_root(0, false));
        assert_eq!(p.integrator(30.0, 90.0), (0.0, 0.0, 0.0));
        // Back inside but the exit not yet reported: still frozen.
        assert_eq!(p.integrator(1.0, 0.0), (0.0, 0.0, 0.0));
        assert!(p.on_root(0, true));
        assert_eq!(p.integrator(1.0, 0.0), (100.0, 100.0, 0.0));
    }

    #[test]
    fn efficiency_loses_power_both_ways() {
        assert_eq!(input_power(100.0, 2.0, 0.5).0, 400.0);
        assert_eq!(input_power(100.0, -2.0, 0.5).0, -100.0);
    }
}
