//! `Ess(name, bus, ret = "gnd", battery: (ocv, r0, r1, c1, capacity_ah,
//! soc), rated_watts, volts, droop_ohms, filter_seconds, current_loop_hz,
//! efficiency = 1, soc_min = 0.1, soc_max = 0.9, taper_soc = 0.1,
//! soc_target = 0.5, charge_watts = 0)`: a facility battery energy storage
//! system (BESS) on the 800 V bus, the slow layer of the storage hierarchy.
//!
//! A battery (`battery::CellModel`) behind a bidirectional converter in
//! power-balance form, as in `Bbu` and `CapBank`. Its outer law is a slow
//! droop on the low-pass-filtered bus voltage: z' = (v − z)/filter_seconds,
//! i_d = (volts − z)/droop_ohms. Beside a faster front end with its own
//! droop it takes the part of a load change below 1/(2π·filter_seconds)
//! (its bandwidth) and leaves the faster part to the front end and the
//! capacitor layers. The command is limited to ±P(soc)/v with SOC-aware
//! ratings that taper linearly over `taper_soc`: discharge
//! rated_watts·clamp((soc − soc_min)/taper_soc, 0, 1), charge
//! rated_watts·clamp((soc_max − soc)/taper_soc, 0, 1). While its soc is
//! below `soc_target` it recharges at `charge_watts`, yielding linearly as
//! the droop's discharge demand rises to charge_watts/volts, so that it
//! never recharges against a discharge. The schema is here; the equations,
//! roots and events are in `ess/device.rs`. Must not know about the bus
//! around it.

mod device;

use super::battery::{cell_numbers, validate_cell, Cell, CellModel, BBU_OCV_NAMES};
use super::converter::one;
use super::doc::{node, ret, NAME};
use super::gnd;
use super::inductor::zero;
use crate::device::{check, Builder, ComponentError, Device, Num, Primitive};
use crate::field_doc::{Field as F, Range as R, Schema};
use device::{EssDevice, Settings};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ess {
    pub name: String,
    pub bus: String,
    #[serde(default = "gnd")]
    pub ret: String,
    pub battery: Cell,
    pub rated_watts: Num,
    /// Bus voltage at which the droop demands nothing.
    pub volts: Num,
    pub droop_ohms: Num,
    pub filter_seconds: Num,
    pub current_loop_hz: Num,
    #[serde(default = "one")]
    pub efficiency: Num,
    #[serde(default = "default_soc_min")]
    pub soc_min: Num,
    #[serde(default = "default_soc_max")]
    pub soc_max: Num,
    #[serde(default = "default_taper")]
    pub taper_soc: Num,
    #[serde(default = "default_target")]
    pub soc_target: Num,
    #[serde(default = "zero")]
    pub charge_watts: Num,
}

fn default_soc_min() -> Num {
    Num::Value(0.1)
}
fn default_soc_max() -> Num {
    Num::Value(0.9)
}
fn default_taper() -> Num {
    Num::Value(0.1)
}
fn default_target() -> Num {
    Num::Value(0.5)
}

impl Ess {
    fn cell_scalars(&self) -> [&Num; 5] {
        let c = &self.battery;
        [&c.r0, &c.r1, &c.c1, &c.capacity_ah, &c.soc]
    }

    /// Every event an `Ess` raises (declared with its device).
    pub const EVENTS: &'static [&'static str] = device::EVENTS;
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Ess",
        summary: "A facility battery energy storage system: a Thevenin battery behind a bidirectional converter with a slow droop and SOC-aware power limits.",
        about: "Slow droop on the filtered bus voltage: z' = (v − z)/filter_seconds, i_d = (volts − z)/droop_ohms, so the unit takes the part of a load change below 1/(2π·filter_seconds). Limits: discharge rated_watts·clamp((soc − soc_min)/taper_soc, 0, 1), charge rated_watts·clamp((soc_max − soc)/taper_soc, 0, 1), divided by the bus voltage (`power limit`, `reverse power limit`; `soc low` and `soc high` when soc enters a taper). Below `soc_target` it recharges at `charge_watts` (`recharging`, `recharged` at the target, again below target − 0.01), yielding linearly as the droop's discharge current rises to charge_watts/volts. The battery draws p_in = v·i/efficiency discharging and v·i·efficiency charging. Power and current are positive while discharging.",
        fields: &[
            NAME,
            node("bus", "The bus it supports."),
            ret("ret", "Return terminal."),
            F::req("battery", "", R::Any, "The cell model (same fields as a `Bbu`'s)."),
            F::req("rated_watts", "W", R::Positive, "Power rating, both directions."),
            F::req("volts", "V", R::Positive, "Bus voltage at which the droop demands nothing."),
            F::req("droop_ohms", "Ω", R::Positive, "Droop: discharge current (volts − z)/droop_ohms."),
            F::req("filter_seconds", "s", R::Positive, "Time constant τ of the bus-voltage filter; the layer's bandwidth is 1/(2π·τ)."),
            F::req("current_loop_hz", "Hz", R::Positive, "Bandwidth of the inner current loop."),
            F::opt("efficiency", "", "1", R::Fraction, "Converter efficiency, both directions."),
            F::opt("soc_min", "", "0.1", R::UnitInterval, "Lowest state of charge: discharge power is zero here."),
            F::opt("soc_max", "", "0.9", R::UnitInterval, "Highest state of charge: charge power is zero here."),
            F::opt("taper_soc", "", "0.1", R::Rule("> 0, soc_min + 2·taper_soc ≤ soc_max"), "Width of the SOC bands over which each rating tapers linearly to zero."),
            F::opt("soc_target", "", "0.5", R::Rule("soc_min < soc_target ≤ soc_max"), "State of charge the unit recharges to."),
            F::opt("charge_watts", "W", "0 (no recharge)", R::NonNegative, "Recharge power drawn from the bus below soc_target."),
        ],
        actions: &[
            ("Trip", "Stops the converter; reports `trip`."),
            ("Set(field: \"volts\", value)", "Moves the droop's `volts`; reports `volts set to <value>`."),
        ],
        example: r#"Ess(name: "bess", bus: "bus800", battery: (ocv: [(0.0, 600.0), (1.0, 700.0)], r0: 0.05, r1: 0.02, c1: 2000, capacity_ah: 200, soc: 0.6), rated_watts: 500e3, volts: 800, droop_ohms: 2.0, filter_seconds: 2.0, current_loop_hz: 500, soc_target: 0.6, charge_watts: 50e3)"#,
        ..Schema::EMPTY
    };

    fn soc_fields(&self) -> [(&'static str, f64); 4] {
        [
            ("soc_min", self.soc_min.value()),
            ("soc_max", self.soc_max.value()),
            ("taper_soc", self.taper_soc.value()),
            ("soc_target", self.soc_target.value()),
        ]
    }

    /// soc_min + 2·taper ≤ soc_max and soc_min < soc_target ≤ soc_max.
    fn validate_window(&self) -> Result<(), ComponentError> {
        let n = &self.name;
        for (field, x) in self.soc_fields() {
            if !(0.0..=1.0).contains(&x) {
                return Err(ComponentError::new(
                    n,
                    format!("`{field}` must be between 0 and 1, got {x}"),
                ));
            }
        }
        check::positive(n, "taper_soc", &self.taper_soc)?;
        let [(_, lo), (_, hi), (_, taper), (_, target)] = self.soc_fields();
        if lo + 2.0 * taper > hi + 1e-12 {
            return Err(ComponentError::with_help(
                n,
                format!("the SOC window is too narrow for its tapers: soc_min {lo} + 2·taper_soc {taper} > soc_max {hi}"),
                "widen soc_min…soc_max or shorten taper_soc, e.g. soc_min: 0.1, soc_max: 0.9, taper_soc: 0.1",
            ));
        }
        if !(lo < target && target <= hi) {
            return Err(ComponentError::with_help(
                n,
                format!("`soc_target` ({target}) must be above soc_min ({lo}) and at most soc_max ({hi})"),
                "recharge to a state of charge inside the usable window",
            ));
        }
        Ok(())
    }
}

impl Primitive for Ess {
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
            ("filter_seconds", &mut self.filter_seconds),
            ("current_loop_hz", &mut self.current_loop_hz),
            ("efficiency", &mut self.efficiency),
            ("soc_min", &mut self.soc_min),
            ("soc_max", &mut self.soc_max),
            ("taper_soc", &mut self.taper_soc),
            ("soc_target", &mut self.soc_target),
            ("charge_watts", &mut self.charge_watts),
        ]);
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
        check::positive(n, "rated_watts", &self.rated_watts)?;
        check::positive(n, "volts", &self.volts)?;
        check::positive(n, "droop_ohms", &self.droop_ohms)?;
        check::positive(n, "filter_seconds", &self.filter_seconds)?;
        check::positive(n, "current_loop_hz", &self.current_loop_hz)?;
        check::positive(n, "efficiency", &self.efficiency)?;
        if self.efficiency.value() > 1.0 {
            return Err(ComponentError::new(
                n,
                format!(
                    "`efficiency` must be at most 1, got {}",
                    self.efficiency.value()
                ),
            ));
        }
        check::non_negative(n, "charge_watts", &self.charge_watts)?;
        self.validate_window()?;
        check::distinct(n, &self.bus, &self.ret)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let cell = CellModel::new(&self.battery.ocv, self.cell_scalars());
        let terminals = (b.node(&self.bus), b.node(&self.ret));
        let settings = Settings {
            rated_watts: self.rated_watts.value(),
            volts: self.volts.value(),
            droop_ohms: self.droop_ohms.value(),
            filter_seconds: self.filter_seconds.value(),
            current_loop_hz: self.current_loop_hz.value(),
            efficiency: self.efficiency.value(),
            soc_window: (self.soc_min.value(), self.soc_max.value()),
            taper: self.taper_soc.value(),
            soc_target: self.soc_target.value(),
            charge_watts: self.charge_watts.value(),
        };
        Box::new(EssDevice::new(b, &self.name, terminals, cell, settings))
    }
}
