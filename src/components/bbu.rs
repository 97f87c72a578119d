//! `Bbu(name, bus, ret = "gnd", battery: (ocv, r0, r1, c1, capacity_ah,
//! soc), rated_watts, volts, droop_ohms, voltage_loop, current_loop_hz,
//! current_limit_pu = 1, efficiency = 1, trigger_volts, trigger_seconds,
//! start_seconds, release_volts, release_seconds, charge_watts,
//! recharge_delay_seconds = 60)`: an ORv3-style battery backup unit.
//!
//! A battery (`battery::CellModel`) behind a converter whose output current
//! i follows the command i* through the current loop, as in `Converter`.
//! Modes, each change a reported event:
//! - *standby*: i* = 0, or −charge_watts/v_bus while charging ("charging",
//!   "charged" when soc reaches 1). Charging starts `recharge_delay_seconds`
//!   after a release, or after t = 0 when the battery starts below full.
//! - *triggered*: the bus stayed below `trigger_volts` for `trigger_seconds`,
//!   or the scenario sent the PSUs' AC_LOSS signal (`Set(field: "ac_ok",
//!   value: 0)`, ORv3 HPR); i* = 0 for `start_seconds`.
//! - *discharging*: PI regulation of the bus at `volts` with droop, like a
//!   Converter fed from the battery. Discharge only (I_min = 0): a BBU set
//!   below the PSUs must not sink current from them when AC returns.
//! - *released*: the bus stayed above `release_volts` for `release_seconds`;
//!   back to standby. *depleted*: soc reached 0 while discharging; the unit
//!   stops until released.
//!
//! Must not know about the PSUs or loads around it.

mod device;

use super::battery::{cell_numbers, validate_cell, Cell, CellModel, BBU_OCV_NAMES};
use super::control::VoltageLoop;
use super::converter::{one, pi_loop, validate_regulation};
use super::doc::{node, ret, NAME};
use super::gnd;
use crate::device::{check, Builder, ComponentError, Device, Num, Primitive};
use crate::field_doc::{Field as F, Range as R, Schema};
use device::{BbuDevice, Settings};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bbu {
    pub name: String,
    pub bus: String,
    #[serde(default = "gnd")]
    pub ret: String,
    pub battery: Cell,
    pub rated_watts: Num,
    /// Regulation set-point while discharging (no-load voltage).
    pub volts: Num,
    pub droop_ohms: Num,
    pub voltage_loop: VoltageLoop,
    pub current_loop_hz: Num,
    #[serde(default = "one")]
    pub current_limit_pu: Num,
    #[serde(default = "one")]
    pub efficiency: Num,
    pub trigger_volts: Num,
    pub trigger_seconds: Num,
    pub start_seconds: Num,
    pub release_volts: Num,
    pub release_seconds: Num,
    pub charge_watts: Num,
    #[serde(default = "default_recharge_delay")]
    pub recharge_delay_seconds: Num,
}

/// ORv3 BBU modules wait at least a minute before recharging.
fn default_recharge_delay() -> Num {
    Num::Value(60.0)
}

impl Bbu {
    fn cell_scalars(&self) -> [&Num; 5] {
        let c = &self.battery;
        [&c.r0, &c.r1, &c.c1, &c.capacity_ah, &c.soc]
    }
}

impl Bbu {
    /// Every event a `Bbu` raises (declared with its mode machine).
    pub const EVENTS: &'static [&'static str] = device::EVENTS;
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Bbu",
        summary: "An ORv3-style battery backup unit: a battery behind a discharge converter that starts on bus undervoltage or on the AC_LOSS signal.",
        about: "Modes, each change a reported event. *standby*: no current, or charging at `charge_watts` (`charging`, `charged`) from `recharge_delay_seconds` after a release. *triggered*: the bus stayed below `trigger_volts` for `trigger_seconds`, or the scenario sent `Set(field: \"ac_ok\", value: 0)`; no current for `start_seconds`. *discharging*: PI regulation of the bus at `volts` with droop, discharge only, clamped at `current_limit_pu` (1.0 pu unless given). *released*: the bus stayed above `release_volts` for `release_seconds`. *depleted*: soc reached 0. An AC loss on a `Rectifier` does not trigger a BBU by itself: only the bus undervoltage or its own `ac_ok` does.",
        fields: &[
            NAME,
            node("bus", "The bus it backs up."),
            ret("ret", "Return terminal."),
            F::req("battery", "", R::Any, "The cell model."),
            F::req("rated_watts", "W", R::Positive, "Rated discharge power; sets the current limit."),
            F::req("volts", "V", R::Positive, "Regulation set-point while discharging (no-load voltage)."),
            F::req("droop_ohms", "Ω", R::NonNegative, "Output droop resistance."),
            F::req("voltage_loop", "", R::Any, "PI gains of the voltage loop."),
            F::req("current_loop_hz", "Hz", R::Positive, "Bandwidth of the inner current loop."),
            F::opt("current_limit_pu", "pu", "1", R::Positive, "Discharge current limit as a multiple of rated_watts/volts."),
            F::opt("efficiency", "", "1", R::Fraction, "Discharge converter efficiency."),
            F::req("trigger_volts", "V", R::Positive, "Bus voltage below which the unit triggers."),
            F::req("trigger_seconds", "s", R::Positive, "How long the bus must stay below `trigger_volts`."),
            F::req("start_seconds", "s", R::Positive, "Delay from trigger to discharge."),
            F::req("release_volts", "V", R::Rule("≥ trigger_volts"), "Bus voltage above which the unit releases."),
            F::req("release_seconds", "s", R::Positive, "How long the bus must stay above `release_volts`."),
            F::req("charge_watts", "W", R::NonNegative, "Recharge power drawn from the bus in standby."),
            F::opt("recharge_delay_seconds", "s", "60", R::Positive, "Delay from release (or t = 0 below full) to recharging."),
        ],
        actions: &[
            ("Set(field: \"volts\", value)", "Moves the set-point to `value` > 0; reports `volts set to <value>`."),
            ("Set(field: \"ac_ok\", value)", "`value` = 0 is the PSUs' AC_LOSS signal: a unit in standby triggers at once (`triggered (ac loss)`) and discharges after `start_seconds`; a positive value releases nothing by itself."),
        ],
        example: r#"Bbu(name: "bbu", bus: "bus48", battery: (ocv: [(0.0, 42.0), (1.0, 54.0)], r0: 0.02, r1: 0.01, c1: 100, capacity_ah: 10, soc: 1.0), rated_watts: 6e3, volts: 48.5, droop_ohms: 0, voltage_loop: Bandwidth(hz: 500, capacitance: 0.05), current_loop_hz: 5e3, trigger_volts: 48.5, trigger_seconds: 1e-3, start_seconds: 1e-3, release_volts: 48.5, release_seconds: 0.1, charge_watts: 0)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Bbu {
    crate::named!();
    fn supplies_power(&self) -> bool {
        true
    }
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        let c = &mut self.battery;
        let mut v = cell_numbers(
            &BBU_OCV_NAMES,
            [
                "battery.r0",
                "battery.r1",
                "battery.c1",
                "battery.capacity_ah",
                "battery.soc",
            ],
            &mut c.ocv,
            [
                &mut c.r0,
                &mut c.r1,
                &mut c.c1,
                &mut c.capacity_ah,
                &mut c.soc,
            ],
        );
        v.extend([
            ("rated_watts", &mut self.rated_watts),
            ("volts", &mut self.volts),
            ("droop_ohms", &mut self.droop_ohms),
            ("current_loop_hz", &mut self.current_loop_hz),
            ("current_limit_pu", &mut self.current_limit_pu),
            ("efficiency", &mut self.efficiency),
            ("trigger_volts", &mut self.trigger_volts),
            ("trigger_seconds", &mut self.trigger_seconds),
            ("start_seconds", &mut self.start_seconds),
            ("release_volts", &mut self.release_volts),
            ("release_seconds", &mut self.release_seconds),
            ("charge_watts", &mut self.charge_watts),
            ("recharge_delay_seconds", &mut self.recharge_delay_seconds),
        ]);
        v.extend(self.voltage_loop.numbers_mut());
        v
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("bus", &mut self.bus), ("ret", &mut self.ret)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.bus, &self.ret]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        let n = &self.name;
        validate_cell(n, "battery.", &self.battery.ocv, self.cell_scalars())?;
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
        check::positive(n, "trigger_volts", &self.trigger_volts)?;
        // Delays are timers; a zero delay would schedule at the current
        // instant, which the engine cannot step to.
        check::positive(n, "trigger_seconds", &self.trigger_seconds)?;
        check::positive(n, "start_seconds", &self.start_seconds)?;
        check::positive(n, "release_seconds", &self.release_seconds)?;
        check::positive(n, "recharge_delay_seconds", &self.recharge_delay_seconds)?;
        check::non_negative(n, "charge_watts", &self.charge_watts)?;
        if self.release_volts.value() < self.trigger_volts.value() {
            return Err(ComponentError::with_help(
                n,
                format!(
                    "`release_volts` ({}) is below `trigger_volts` ({}): the unit could release into a bus that triggers it again",
                    self.release_volts.value(),
                    self.trigger_volts.value()
                ),
                "set release_volts at or above trigger_volts (ORv3: both 48.5 V)",
            ));
        }
        check::distinct(n, &self.bus, &self.ret)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let cell = CellModel::new(&self.battery.ocv, self.cell_scalars());
        let terminals = (b.node(&self.bus), b.node(&self.ret));
        let pi = pi_loop(
            &self.voltage_loop,
            self.volts.value(),
            self.rated_watts.value(),
            self.droop_ohms.value(),
            self.current_limit_pu.value(),
            false,
            self.current_loop_hz.value(),
        );
        let settings = Settings {
            current_loop_hz: self.current_loop_hz.value(),
            efficiency: self.efficiency.value(),
            trigger: (self.trigger_volts.value(), self.trigger_seconds.value()),
            start_seconds: self.start_seconds.value(),
            release: (self.release_volts.value(), self.release_seconds.value()),
            charge_watts: self.charge_watts.value(),
            recharge_delay: self.recharge_delay_seconds.value(),
        };
        Box::new(BbuDevice::new(b, &self.name, terminals, cell, pi, settings))
    }
}
