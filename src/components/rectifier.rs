//! `Rectifier(name, output, output_ret = "gnd", volts, rated_watts,
//! droop_ohms = 0, voltage_loop, current_loop_hz, current_limit_pu = 1.2,
//! efficiency = 1, bidirectional = false, ac_ripple = None,
//! holdup_joules = 0, holdup_drop = None, anti_windup = BackCalculation)`:
//! a front end or SST behind an ideal AC grid.
//!
//! The control is the Converter's (`converter::RegulatedDevice`) with no
//! input terminals: the grid supplies p_in. `ac_ripple: (hz, amplitude_pu)`
//! multiplies the delivered current by 1 + a·sin(2π·hz·t), the
//! characteristic 6·f or 12·f ripple of a diode or thyristor front end; it
//! scales with the load, as that ripple does. Its `i(...)` and `p(...)` are
//! the delivered current and power, positive when delivering.
//!
//! `Set(field: "grid_volts", value: g)` sets the per-unit grid voltage g:
//! 0 is AC loss, 1 (or more) a normal grid. With `holdup_joules` the unit
//! keeps regulating through an AC loss until it has delivered that much
//! input energy (a PSU's bulk capacitor), then stops: a reported "hold-up
//! exhausted" event.
//!
//! A partial sag, 0 < g < 1, acts through the front end's input current
//! limit: the grid current cannot exceed its limit, so the input power
//! available is P_in,max = g·current_limit_pu·rated_watts/η (at g = 1 this
//! is the input power at the output current limit and the set-point, so a
//! normal grid is limited by the output current limit alone). While the
//! load needs more, the grid's input current is at its limit ("input
//! current limit", and "input current limit cleared" when it no longer
//! is, both located). The shortfall p_in − P_in,max comes from the hold-up
//! store while it lasts ("hold-up exhausted" when it runs dry; the store is
//! not recharged during the sag and is full again once the grid returns to
//! 1 pu); without it, or after it, the command is capped at
//! I_in = g·current_limit_pu·rated_watts/v_out, so the output delivers at
//! most g·current_limit_pu·rated_watts and its voltage falls to where the
//! load takes that power. The hold-up drop below acts on AC loss only. `holdup_drop: (volts,
//! fall_seconds, after_fraction)` is the ORv3 PSU's hand-over to a BBU:
//! once that fraction of the hold-up energy is used the set-point falls by
//! `volts` over `fall_seconds` (ORv3 HPR: 3 V in 1 ms after 50 %), a
//! reported "hold-up low" event.

use super::control::{AntiWindup, VoltageLoop};
use super::converter::{
    default_limit, one, pi_loop, validate_regulation, HoldupDrop, RegulatedDevice, Supply,
};
use super::doc::{node, ret, NAME};
use super::gnd;
use super::inductor::zero;
use crate::device::{check, Builder, ComponentError, Device, Num, Primitive, GROUND};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;
use std::f64::consts::TAU;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rectifier {
    pub name: String,
    pub output: String,
    #[serde(default = "gnd")]
    pub output_ret: String,
    pub volts: Num,
    pub rated_watts: Num,
    #[serde(default = "zero")]
    pub droop_ohms: Num,
    pub voltage_loop: VoltageLoop,
    pub current_loop_hz: Num,
    #[serde(default = "default_limit")]
    pub current_limit_pu: Num,
    #[serde(default = "one")]
    pub efficiency: Num,
    #[serde(default)]
    pub bidirectional: bool,
    #[serde(default)]
    pub ac_ripple: Option<Ripple>,
    /// Input energy (J) the unit can deliver from its store through an AC
    /// loss or a sag's shortfall.
    #[serde(default = "zero")]
    pub holdup_joules: Num,
    #[serde(default)]
    pub holdup_drop: Option<HoldupDropSpec>,
    /// What the integrator does at the current limit.
    #[serde(default)]
    pub anti_windup: AntiWindup,
}

/// Its documentation table (see `field_doc`).
impl HoldupDropSpec {
    pub const DOC: Schema = Schema {
        name: "HoldupDropSpec",
        summary: "`holdup_drop: (volts, fall_seconds, after_fraction)`: the set-point falls by `volts` over `fall_seconds` once `after_fraction` of the hold-up energy is used (ORv3 HPR: 3 V in 1 ms after 50 %); reports `hold-up low`.",
        fields: &[
            F::req("volts", "V", R::Positive, "How far the set-point falls."),
            F::req("fall_seconds", "s", R::Positive, "Time the fall takes."),
            F::req("after_fraction", "", R::Rule("0 < x < 1"), "Fraction of `holdup_joules` used when the drop starts."),
        ],
        ..Schema::EMPTY
    };
}

/// Set-point drop part-way through the hold-up (the BBU hand-over).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldupDropSpec {
    pub volts: Num,
    pub fall_seconds: Num,
    /// Fraction of `holdup_joules` used when the drop starts, in (0, 1).
    pub after_fraction: Num,
}

/// Its documentation table (see `field_doc`).
impl Ripple {
    pub const DOC: Schema = Schema {
        name: "Ripple",
        summary: "`ac_ripple: (hz, amplitude_pu)`: multiplies the delivered current by 1 + a·sin(2π·hz·t).",
        fields: &[
            F::req("hz", "Hz", R::Positive, "Ripple frequency: 6·f_grid (6-pulse) or 12·f_grid (12-pulse), e.g. 360 Hz."),
            F::req("amplitude_pu", "pu", R::Rule("0 ≤ a < 1"), "Peak ripple a as a fraction of the delivered current."),
        ],
        ..Schema::EMPTY
    };
}

/// Characteristic ripple on the delivered current.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ripple {
    /// 6·f_grid (6-pulse) or 12·f_grid (12-pulse), e.g. 360 Hz.
    pub hz: Num,
    /// Peak ripple as a fraction of the delivered current.
    pub amplitude_pu: Num,
}

impl Rectifier {
    /// Every event a `Rectifier` raises (declared with its device).
    pub const EVENTS: &'static [&'static str] = super::converter::RECTIFIER_EVENTS;
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Rectifier",
        summary: "An AC front end, PSU or solid-state transformer behind an ideal AC grid: a Converter without input terminals.",
        about: "The control is the Converter's. `Set(field: \"grid_volts\", value: 0)` (or `ac_ok`) is an AC loss: the unit rides through on `holdup_joules` of input energy and then stops (`hold-up exhausted`); 1 restores a normal grid, and 0 < g < 1 is a partial sag that acts through the input current limit (module doc, `docs/converters.md`). An AC loss on a rectifier does not start a `Bbu` by itself: a BBU starts on its own undervoltage trigger, or at once when the scenario also sends it `Set(field: \"ac_ok\", value: 0)` (the ORv3 AC_LOSS signal).",
        fields: &[
            NAME,
            node("output", "Output terminal (regulated)."),
            ret("output_ret", "Output return."),
            F::req("volts", "V", R::Positive, "Regulation set-point V_ref (the no-load output voltage)."),
            F::req("rated_watts", "W", R::Positive, "Rated output power; sets the current limit."),
            F::opt("droop_ohms", "Ω", "0", R::NonNegative, "Output droop resistance."),
            F::req("voltage_loop", "", R::Any, "PI gains of the voltage loop."),
            F::req("current_loop_hz", "Hz", R::Positive, "Bandwidth of the inner current loop."),
            F::opt("current_limit_pu", "pu", "1.2", R::Positive, "Current limit as a multiple of rated_watts/volts."),
            F::opt("efficiency", "", "1", R::Fraction, "Conversion efficiency (grid power = output power / η)."),
            F::opt("bidirectional", "", "false", R::Any, "Whether it may also sink current from the output."),
            F::opt("ac_ripple", "", "None", R::Any, "Characteristic 6·f or 12·f ripple on the delivered current."),
            F::opt("holdup_joules", "J", "0", R::NonNegative, "Input energy available to ride through an AC loss (a PSU's bulk capacitor)."),
            F::opt("holdup_drop", "", "None", R::Rule("needs holdup_joules > 0"), "Set-point drop part-way through the hold-up (ORv3 hand-over to a BBU)."),
            F::opt("anti_windup", "", "BackCalculation", R::Any, "What the integrator does at the current limit."),
        ],
        actions: &[
            ("Trip", "Stops the unit; reports `trip`."),
            ("Set(field: \"volts\", value)", "Moves the set-point to `value` > 0; reports `volts set to <value>`."),
            ("Set(field: \"grid_volts\", value)", "The per-unit grid voltage g. 0: AC loss (`ac loss`, ride-through on the hold-up); 1 or more: a normal grid (`ac restored`); 0 < g < 1: a sag, the input power limited to g·current_limit_pu·rated_watts/efficiency (`input current limit` / `input current limit cleared`), the shortfall from the hold-up while it lasts."),
            ("Set(field: \"ac_ok\", value)", "The same as `grid_volts`."),
        ],
        example: r#"Rectifier(name: "sst", output: "bus800", volts: 800, rated_watts: 1.5e6, voltage_loop: Bandwidth(hz: 200, capacitance: 10e-3), current_loop_hz: 2e3)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Rectifier {
    crate::named!();
    fn supplies_power(&self) -> bool {
        true
    }
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        let mut v = vec![
            ("volts", &mut self.volts),
            ("rated_watts", &mut self.rated_watts),
            ("droop_ohms", &mut self.droop_ohms),
            ("current_loop_hz", &mut self.current_loop_hz),
            ("current_limit_pu", &mut self.current_limit_pu),
            ("efficiency", &mut self.efficiency),
            ("holdup_joules", &mut self.holdup_joules),
        ];
        v.extend(self.voltage_loop.numbers_mut());
        if let Some(r) = &mut self.ac_ripple {
            v.push(("ac_ripple.hz", &mut r.hz));
            v.push(("ac_ripple.amplitude_pu", &mut r.amplitude_pu));
        }
        if let Some(d) = &mut self.holdup_drop {
            v.push(("holdup_drop.volts", &mut d.volts));
            v.push(("holdup_drop.fall_seconds", &mut d.fall_seconds));
            v.push(("holdup_drop.after_fraction", &mut d.after_fraction));
        }
        v
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![
            ("output", &mut self.output),
            ("output_ret", &mut self.output_ret),
        ]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.output, &self.output_ret]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        let n = &self.name;
        validate_regulation(
            n,
            &self.volts,
            &self.rated_watts,
            &self.droop_ohms,
            &self.current_limit_pu,
            &self.efficiency,
        )?;
        self.voltage_loop.validate(n)?;
        check::positive(n, "current_loop_hz", &self.current_loop_hz)?;
        check::non_negative(n, "holdup_joules", &self.holdup_joules)?;
        if let Some(r) = &self.ac_ripple {
            check::positive(n, "ac_ripple.hz", &r.hz)?;
            check::non_negative(n, "ac_ripple.amplitude_pu", &r.amplitude_pu)?;
            if r.amplitude_pu.value() >= 1.0 {
                return Err(ComponentError::new(
                    n,
                    "`ac_ripple.amplitude_pu` must be below 1: the delivered current would reverse",
                ));
            }
        }
        if let Some(d) = &self.holdup_drop {
            if self.holdup_joules.value() <= 0.0 {
                return Err(ComponentError::new(
                    n,
                    "`holdup_drop` needs a positive `holdup_joules`: without a hold-up store there is nothing to drop during",
                ));
            }
            check::positive(n, "holdup_drop.volts", &d.volts)?;
            check::positive(n, "holdup_drop.fall_seconds", &d.fall_seconds)?;
            let f = d.after_fraction.value();
            if !(f > 0.0 && f < 1.0) {
                return Err(ComponentError::new(
                    n,
                    format!(
                        "`holdup_drop.after_fraction` must be between 0 and 1 (exclusive), got {f}"
                    ),
                ));
            }
        }
        check::distinct(n, &self.output, &self.output_ret)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let terminals = [
            b.node(&self.output),
            b.node(&self.output_ret),
            GROUND,
            GROUND,
        ];
        let mut pi = pi_loop(
            &self.voltage_loop,
            self.volts.value(),
            self.rated_watts.value(),
            self.droop_ohms.value(),
            self.current_limit_pu.value(),
            self.bidirectional,
            self.current_loop_hz.value(),
        );
        pi.anti_windup = self.anti_windup;
        let ripple = self
            .ac_ripple
            .as_ref()
            .map(|r| (r.amplitude_pu.value(), TAU * r.hz.value()));
        Box::new(RegulatedDevice::new(
            b,
            &self.name,
            terminals,
            pi,
            self.current_loop_hz.value(),
            self.efficiency.value(),
            Supply::Grid {
                ripple,
                holdup_joules: self.holdup_joules.value(),
                drop: self.holdup_drop.as_ref().map(|d| HoldupDrop {
                    volts: d.volts.value(),
                    fall_seconds: d.fall_seconds.value(),
                    after_fraction: d.after_fraction.value(),
                }),
            },
        ))
    }
}
