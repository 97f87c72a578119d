//! `Converter(name, input, output, input_ret = "gnd", output_ret = "gnd",
//! volts, rated_watts, droop_ohms = 0, voltage_loop, current_loop_hz,
//! current_limit_pu = 1.2, efficiency = 1, bidirectional = false,
//! anti_windup = BackCalculation, uvlo = None)`: a regulated average-value
//! converter in power-balance form.
//!
//! Voltage loop e = V_ref − R_droop·i − v_out with a PI and anti-windup
//! (`control::PiLoop`: back-calculation, or `Hold` for a frozen
//! integrator); the command i* is an algebraic unknown whose row is
//! F = c(y) − i* (the stability analysis breaks the loop there); current
//! loop i' = 2π·f_i·(i* − i); i flows into `output`; the input draws
//! p_in/v_in with p_in = v_out·i/η forward and v_out·i·η reverse. Its
//! current `i(...)` and power `p(...)` are the delivered output current
//! and power, positive when delivering (docs/conventions.md).
//!
//! `uvlo: (off_volts, on_volts)` is an input under-voltage lockout with
//! hysteresis (on > off): when v_in falls through `off_volts` the unit
//! stops ("uvlo"): the current command is zero, and the delivered current
//! and the integrator decay with the current loop's time constant (the
//! integrator is reset, not held). When v_in rises through `on_volts` it
//! restarts ("uvlo cleared") from that reset state, a soft start through
//! its current limit. Both are state events, located in time.
//!
//! Its compiled device (`converter/device.rs`) is shared with `Rectifier`
//! (no input, an ideal AC grid, optional ripple and hold-up). Must not know
//! about other components.

mod device;

use super::control::{self, AntiWindup, PiLoop, Saturation, VoltageLoop};
use super::doc::{node, ret, NAME};
use super::gnd;
use super::inductor::zero;
use crate::device::{
    check, Builder, ComponentError, Device, Num, Primitive,
    TerminalRole::{self, PowerInput, PowerOutput},
};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

pub(crate) use device::{HoldupDrop, RegulatedDevice, Supply, RECTIFIER_EVENTS};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Converter {
    pub name: String,
    pub input: String,
    pub output: String,
    #[serde(default = "gnd")]
    pub input_ret: String,
    #[serde(default = "gnd")]
    pub output_ret: String,
    /// Regulation set-point V_ref (the no-load output voltage).
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
    /// What the integrator does at the current limit.
    #[serde(default)]
    pub anti_windup: AntiWindup,
    /// Input under-voltage lockout (V); none by default.
    #[serde(default)]
    pub uvlo: Option<InputUvlo>,
}

/// Input under-voltage lockout with hysteresis: stop below `off_volts`,
/// restart above `on_volts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputUvlo {
    /// Input voltage (V) below which the converter stops.
    pub off_volts: Num,
    /// Input voltage (V) above which it restarts; above `off_volts`.
    pub on_volts: Num,
}

impl InputUvlo {
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "InputUvlo",
        summary: "`uvlo: (off_volts, on_volts)`: a converter's input under-voltage lockout with hysteresis.",
        about: "Below `off_volts` at the input the converter stops (`uvlo`): the current command is zero and the delivered current and the integrator decay with the current loop. It restarts (`uvlo cleared`) when the input rises above `on_volts`, a soft start from the reset integrator. An input below `off_volts` at the operating point is an error.",
        fields: &[
            F::req("off_volts", "V", R::Positive, "Input voltage below which the converter stops."),
            F::req("on_volts", "V", R::Positive, "Input voltage above which it restarts; above `off_volts`."),
        ],
        ..Schema::EMPTY
    };
}

pub(crate) fn default_limit() -> Num {
    Num::Value(1.2)
}

pub(crate) fn one() -> Num {
    Num::Value(1.0)
}

/// Checks shared by every regulated converter's regulation fields.
pub(crate) fn validate_regulation(
    name: &str,
    volts: &Num,
    rated_watts: &Num,
    droop_ohms: &Num,
    current_limit_pu: &Num,
    efficiency: &Num,
) -> Result<(), ComponentError> {
    check::positive(name, "volts", volts)?;
    check::positive(name, "rated_watts", rated_watts)?;
    check::non_negative(name, "droop_ohms", droop_ohms)?;
    check::positive(name, "current_limit_pu", current_limit_pu)?;
    check::positive(name, "efficiency", efficiency)?;
    if efficiency.value() > 1.0 {
        return Err(ComponentError::new(
            name,
            format!("`efficiency` must be at most 1, got {}", efficiency.value()),
        ));
    }
    Ok(())
}

/// The PI loop of a converter regulating `volts` with rating `rated_watts`:
/// I_max = current_limit_pu·rated_watts/V_ref, I_min = −I_max or 0.
pub(crate) fn pi_loop(
    voltage_loop: &VoltageLoop,
    volts: f64,
    rated_watts: f64,
    droop: f64,
    limit_pu: f64,
    bidirectional: bool,
    current_loop_hz: f64,
) -> PiLoop {
    let (kp, ki) = voltage_loop.gains();
    let i_max = limit_pu * rated_watts / volts;
    PiLoop {
        kp,
        ki,
        v_ref: volts,
        droop,
        i_max,
        i_min: if bidirectional { -i_max } else { 0.0 },
        tracking: if kp > 0.0 && ki > 0.0 {
            ki / kp
        } else {
            control::loop_rate(current_loop_hz)
        },
        sat: Saturation::Free,
        anti_windup: AntiWindup::BackCalculation,
    }
}

impl Converter {
    /// Every event a `Converter` raises (declared with its device).
    pub const EVENTS: &'static [&'static str] = device::CONVERTER_EVENTS;
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Converter",
        summary: "A regulated average-value DC/DC converter (power-balance form) with PI voltage loop, current loop and current limit.",
        about: "Voltage loop e = V_ref − droop_ohms·i − v_out through a PI with anti-windup; the command i* is limited to ±current_limit_pu·rated_watts/volts (0 below unless `bidirectional`); the current follows i' = 2π·current_loop_hz·(i* − i) into `output`. The input draws p_in/v_in with p_in = v_out·i/efficiency forward and v_out·i·efficiency in reverse. Control law and anti-windup: `docs/converters.md`.",
        fields: &[
            NAME,
            node("input", "Input terminal (power drawn from it)."),
            node("output", "Output terminal (regulated)."),
            ret("input_ret", "Input return."),
            ret("output_ret", "Output return."),
            F::req("volts", "V", R::Positive, "Regulation set-point V_ref (the no-load output voltage)."),
            F::req("rated_watts", "W", R::Positive, "Rated output power; sets the current limit."),
            F::opt("droop_ohms", "Ω", "0", R::NonNegative, "Output droop resistance R_droop."),
            F::req("voltage_loop", "", R::Any, "PI gains of the voltage loop."),
            F::req("current_loop_hz", "Hz", R::Positive, "Bandwidth f_i of the inner current loop."),
            F::opt("current_limit_pu", "pu", "1.2", R::Positive, "Current limit as a multiple of rated_watts/volts."),
            F::opt("efficiency", "", "1", R::Fraction, "Conversion efficiency η."),
            F::opt("bidirectional", "", "false", R::Any, "Whether the converter may also carry power from output to input (I_min = −I_max)."),
            F::opt("anti_windup", "", "BackCalculation", R::Any, "What the integrator does at the current limit."),
            F::opt("uvlo", "", "None", R::Any, "Input under-voltage lockout with hysteresis (`uvlo` / `uvlo cleared`)."),
        ],
        actions: &[
            ("Trip", "Stops the converter (no current from then on); reports `trip`."),
            ("Set(field: \"volts\", value)", "Moves the set-point to `value` > 0; reports `volts set to <value>`."),
        ],
        example: r#"Converter(name: "store_conv", input: "store", output: "bus800", volts: 800, rated_watts: 50e3, voltage_loop: Bandwidth(hz: 1e3, capacitance: 2e-3), current_loop_hz: 10e3)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Converter {
    crate::named!();
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        let mut v = vec![
            ("volts", &mut self.volts),
            ("rated_watts", &mut self.rated_watts),
            ("droop_ohms", &mut self.droop_ohms),
            ("current_loop_hz", &mut self.current_loop_hz),
            ("current_limit_pu", &mut self.current_limit_pu),
            ("efficiency", &mut self.efficiency),
        ];
        v.extend(self.voltage_loop.numbers_mut());
        if let Some(u) = &mut self.uvlo {
            v.push(("uvlo.off_volts", &mut u.off_volts));
            v.push(("uvlo.on_volts", &mut u.on_volts));
        }
        v
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![
            ("input", &mut self.input),
            ("output", &mut self.output),
            ("input_ret", &mut self.input_ret),
            ("output_ret", &mut self.output_ret),
        ]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.input, &self.output, &self.input_ret, &self.output_ret]
    }
    fn terminal_roles(&self) -> Vec<(&'static str, TerminalRole)> {
        vec![("input", PowerInput), ("output", PowerOutput)]
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
        if let Some(u) = &self.uvlo {
            check::positive(n, "uvlo.off_volts", &u.off_volts)?;
            check::positive(n, "uvlo.on_volts", &u.on_volts)?;
            if u.on_volts.value() <= u.off_volts.value() {
                return Err(ComponentError::with_help(
                    n,
                    format!(
                        "`uvlo.on_volts` ({} V) must be above `uvlo.off_volts` ({} V)",
                        u.on_volts.value(),
                        u.off_volts.value()
                    ),
                    "the hysteresis needs on_volts > off_volts, e.g. uvlo: (off_volts: 600, on_volts: 650)",
                ));
            }
        }
        check::distinct(n, &self.input, &self.input_ret)?;
        check::distinct(n, &self.output, &self.output_ret)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let terminals = [
            b.node(&self.output),
            b.node(&self.output_ret),
            b.node(&self.input),
            b.node(&self.input_ret),
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
        Box::new(RegulatedDevice::new(
            b,
            &self.name,
            terminals,
            pi,
            self.current_loop_hz.value(),
            self.efficiency.value(),
            Supply::Network {
                uvlo: self
                    .uvlo
                    .as_ref()
                    .map(|u| (u.off_volts.value(), u.on_volts.value())),
            },
        ))
    }
}
