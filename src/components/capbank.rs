//! `CapBank(name, bus, ret = "gnd", farads, esr = 0, leakage_ohms = None,
//! v_init, v_min, v_max, rated_watts, law, current_loop_hz, efficiency = 1,
//! derivative_hz = current_loop_hz, recharge_seconds = None)`: a
//! supercapacitor or electrolytic bank behind a bidirectional converter,
//! the "storage close to the GPU".
//!
//! Bank: C·v_c' = −i_b − v_c/R_leak, terminal v_c − esr·i_b, and the
//! converter's power balance (v_c − esr·i_b)·i_b = p_in with p_in as in
//! `Converter`. Bus side: the current loop i' = 2π·f_i·(i* − i), with the
//! command i* an algebraic unknown (row F = c(y) − i*) set by the outer law:
//! - `Droop(ohms, volts)`: c = (volts − v)/ohms;
//! - `VirtualCapacitance(farads)`: c = −C_v·dv/dt, dv/dt realised as
//!   (v − z)·2π·f_d with the filter state z' = 2π·f_d·(v − z).
//!
//! `recharge_seconds` adds a state-of-charge term that restores v_c to
//! v_init with that time constant. The command is limited to ±rated_watts/v
//! (v floored at 1 V)
//! and by the voltage window: no discharge once v_c has fallen to v_min, no
//! charge once it has risen to v_max (state events "empty"/"full", cleared
//! with a hysteresis of 1 % of the window). `soc(name)` records the share
//! of the usable energy left, (v_c² − v_min²)/(v_max² − v_min²). The
//! unknown is v_c − v_init, held
//! at zero by the DC operating point, so a run starts with the bank at
//! v_init. Must not know about the bus around it.

use super::control::{self, Saturation, Stamp};
use super::converter::one;
use super::doc::{node, ret, NAME};
use super::gnd;
use super::inductor::zero;
use crate::device::{
    check, Action, Branch, BranchKind, Builder, ComponentError, Ctx, Device, DeviceError, Num,
    Primitive, Reaction, SignalKind, GROUND,
};
use crate::field_doc::{Field as F, Range as R, Schema, Variant};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapBank {
    pub name: String,
    pub bus: String,
    #[serde(default = "gnd")]
    pub ret: String,
    pub farads: Num,
    #[serde(default = "zero")]
    pub esr: Num,
    #[serde(default)]
    pub leakage_ohms: Option<Num>,
    pub v_init: Num,
    pub v_min: Num,
    pub v_max: Num,
    pub rated_watts: Num,
    pub law: BankLaw,
    pub current_loop_hz: Num,
    #[serde(default = "one")]
    pub efficiency: Num,
    #[serde(default)]
    pub derivative_hz: Option<Num>,
    #[serde(default)]
    pub recharge_seconds: Option<Num>,
}

/// Its documentation table (see `field_doc`).
impl BankLaw {
    pub const DOC: Schema = Schema {
        name: "BankLaw",
        summary: "The outer law of a `CapBank`: the current command c from the bus voltage v.",
        variants: &[
            Variant::with(
                "Droop",
                "c = (volts − v)/ohms.",
                &[
                    F::req("ohms", "Ω", R::Positive, "Droop resistance."),
                    F::req("volts", "V", R::Positive, "Bus voltage at zero current."),
                ],
            ),
            Variant::with(
                "VirtualCapacitance",
                "c = −farads·dv/dt: the bus sees extra capacitance within the loop bandwidth.",
                &[F::req(
                    "farads",
                    "F",
                    R::Positive,
                    "Emulated capacitance C_v.",
                )],
            ),
        ],
        ..Schema::EMPTY
    };
}

/// The outer law that sets the bank converter's current command.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum BankLaw {
    /// c = (volts − v)/ohms.
    Droop { ohms: Num, volts: Num },
    /// c = −farads·dv/dt: the bus sees extra capacitance within the loop
    /// bandwidth.
    VirtualCapacitance { farads: Num },
}

impl CapBank {
    /// Every event a `CapBank` raises (declared with its device below).
    pub const EVENTS: &'static [&'static str] = EVENTS;
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "CapBank",
        summary: "A supercapacitor or electrolytic bank behind a bidirectional converter: the storage close to the GPUs.",
        about: "Bank C·v_c' = −i_b − v_c/R_leak behind `esr`; bus side a current loop i' = 2π·f_i·(i* − i) whose command comes from the `law`. The command is limited to ±rated_watts/v and by the voltage window: no discharge once v_c has fallen to `v_min` (`empty`), no charge once it has risen to `v_max` (`full`), each cleared with a hysteresis of 1 % of the window. `soc(name)` records the share of usable energy left, (v_c² − v_min²)/(v_max² − v_min²).",
        fields: &[
            NAME,
            node("bus", "The bus it supports."),
            ret("ret", "Return terminal."),
            F::req("farads", "F", R::Positive, "Bank capacitance C."),
            F::opt("esr", "Ω", "0", R::NonNegative, "Bank series resistance."),
            F::opt("leakage_ohms", "Ω", "None (no leakage)", R::Positive, "Leakage resistance R_leak."),
            F::req("v_init", "V", R::Rule("v_min < v_init < v_max"), "Bank voltage at the start of a run."),
            F::req("v_min", "V", R::Positive, "Lowest usable bank voltage."),
            F::req("v_max", "V", R::Rule("> v_init"), "Highest bank voltage."),
            F::req("rated_watts", "W", R::Positive, "Power rating of the converter."),
            F::req("law", "", R::Any, "Outer control law setting the current command."),
            F::req("current_loop_hz", "Hz", R::Positive, "Bandwidth f_i of the current loop."),
            F::opt("efficiency", "", "1", R::Fraction, "Converter efficiency."),
            F::opt("derivative_hz", "Hz", "current_loop_hz", R::Positive, "Bandwidth f_d of the dv/dt filter of `VirtualCapacitance`."),
            F::opt("recharge_seconds", "s", "None (no restoring term)", R::Positive, "Time constant of a term that restores v_c to v_init."),
        ],
        actions: &[
            ("Trip", "Stops the converter; reports `trip`."),
            ("Set(field: \"volts\", value)", "With a `Droop` law only: moves the droop law's `volts`; reports `volts set to <value>`."),
        ],
        example: r#"CapBank(name: "cbu", bus: "bus800", farads: 10, v_init: 400, v_min: 200, v_max: 450, rated_watts: 200e3, law: Droop(ohms: 0.5, volts: 800), current_loop_hz: 5e3)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for CapBank {
    crate::named!();
    fn supplies_power(&self) -> bool {
        true
    }
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        let mut v = vec![
            ("farads", &mut self.farads),
            ("esr", &mut self.esr),
            ("v_init", &mut self.v_init),
            ("v_min", &mut self.v_min),
            ("v_max", &mut self.v_max),
            ("rated_watts", &mut self.rated_watts),
            ("current_loop_hz", &mut self.current_loop_hz),
            ("efficiency", &mut self.efficiency),
        ];
        let optional = [
            ("leakage_ohms", &mut self.leakage_ohms),
            ("derivative_hz", &mut self.derivative_hz),
            ("recharge_seconds", &mut self.recharge_seconds),
        ];
        v.extend(
            optional
                .into_iter()
                .filter_map(|(n, x)| x.as_mut().map(|x| (n, x))),
        );
        match &mut self.law {
            BankLaw::Droop { ohms, volts } => {
                v.push(("law.ohms", ohms));
                v.push(("law.volts", volts));
            }
            BankLaw::VirtualCapacitance { farads } => v.push(("law.farads", farads)),
        }
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
        check::positive(n, "farads", &self.farads)?;
        check::non_negative(n, "esr", &self.esr)?;
        check::positive(n, "v_min", &self.v_min)?;
        check::positive(n, "rated_watts", &self.rated_watts)?;
        check::positive(n, "current_loop_hz", &self.current_loop_hz)?;
        check::positive(n, "efficiency", &self.efficiency)?;
        for (field, x) in [
            ("leakage_ohms", &self.leakage_ohms),
            ("derivative_hz", &self.derivative_hz),
            ("recharge_seconds", &self.recharge_seconds),
        ] {
            if let Some(x) = x {
                check::positive(n, field, x)?;
            }
        }
        match &self.law {
            BankLaw::Droop { ohms, volts } => {
                check::positive(n, "law.ohms", ohms)?;
                check::positive(n, "law.volts", volts)?;
            }
            BankLaw::VirtualCapacitance { farads } => check::positive(n, "law.farads", farads)?,
        }
        let (lo, init, hi) = (self.v_min.value(), self.v_init.value(), self.v_max.value());
        if !(lo < init && init < hi) || self.efficiency.value() > 1.0 {
            return Err(ComponentError::with_help(
                n,
                format!("need v_min < v_init < v_max and efficiency ≤ 1, got v_min {lo}, v_init {init}, v_max {hi}, efficiency {}", self.efficiency.value()),
                "the bank starts at v_init inside its usable window",
            ));
        }
        check::distinct(n, &self.bus, &self.ret)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let name = &self.name;
        let (bus, ret) = (b.node(&self.bus), b.node(&self.ret));
        let rate = control::loop_rate(self.current_loop_hz.value());
        let farads = self.farads.value();
        let cmd = b.algebraic(name, "i_cmd");
        let cur = b.state(name, "i", 1.0 / rate);
        let ib = b.algebraic(name, "i_bank");
        let dv = b.state(name, "dv", farads);
        let filter = control::loop_rate(
            self.derivative_hz
                .as_ref()
                .map_or(self.current_loop_hz.value(), Num::value),
        );
        let (law, z) = match &self.law {
            BankLaw::Droop { ohms, volts } => (
                Law::Droop {
                    conductance: 1.0 / ohms.value(),
                    volts: volts.value(),
                },
                GROUND,
            ),
            BankLaw::VirtualCapacitance { farads } => (
                Law::Virtual {
                    gain: farads.value() * filter,
                },
                b.state(name, "v_filtered", 1.0 / filter),
            ),
        };
        let pairs = [
            (CMD, BUS),
            (CMD, RET),
            (CMD, Z),
            (CMD, DV),
            (CMD, CMD),
            (CUR, CMD),
            (CUR, CUR),
            (BUS, CUR),
            (RET, CUR),
            (IB, IB),
            (IB, DV),
            (IB, CUR),
            (IB, BUS),
            (IB, RET),
            (DV, IB),
            (DV, DV),
            (Z, BUS),
            (Z, RET),
            (Z, Z),
        ];
        let (v_min, v_max) = (self.v_min.value(), self.v_max.value());
        Box::new(CapBankDevice {
            name: name.clone(),
            st: Stamp::new(b, vec![bus, ret, cmd, cur, ib, dv, z], &pairs),
            law,
            esr: self.esr.value(),
            leak: self.leakage_ohms.as_ref().map_or(0.0, |r| 1.0 / r.value()),
            v_init: self.v_init.value(),
            window: (v_min, v_max),
            hysteresis: 0.01 * (v_max - v_min),
            restore: self
                .recharge_seconds
                .as_ref()
                .map_or(0.0, |s| farads / s.value()),
            rated_watts: self.rated_watts.value(),
            efficiency: self.efficiency.value(),
            empty: false,
            full: false,
            tripped: false,
            limited: Saturation::Free,
        })
    }
}

const BUS: usize = 0;
const RET: usize = 1;
const CMD: usize = 2;
const CUR: usize = 3;
const IB: usize = 4;
const DV: usize = 5;
const Z: usize = 6;

#[derive(Debug, Clone, Copy)]
enum Law {
    Droop {
        conductance: f64,
        volts: f64,
    },
    /// gain = C_v·2π·f_d.
    Virtual {
        gain: f64,
    },
}

#[derive(Debug, Clone)]
struct CapBankDevice {
    name: String,
    st: Stamp,
    law: Law,
    esr: f64,
    /// 1/R_leak.
    leak: f64,
    v_init: f64,
    /// (v_min, v_max)
    window: (f64, f64),
    hysteresis: f64,
    /// C/τ_r of the state-of-charge term, 0 without it.
    restore: f64,
    rated_watts: f64,
    efficiency: f64,
    empty: bool,
    full: bool,
    tripped: bool,
    /// Where the demand sits relative to the power rating, as last reported.
    limited: Saturation,
}

/// Every event a `CapBank` raises (globs where the text carries a value).
pub(crate) const EVENTS: &[&str] = &[
    control::POWER_LIMIT,
    control::POWER_LIMIT_CLEARED,
    control::REVERSE_POWER_LIMIT,
    control::REVERSE_POWER_LIMIT_CLEARED,
    "empty",
    "empty cleared",
    "full",
    "full cleared",
    "trip",
    "volts set to *",
];

/// The command and its partials ∂c/∂v, ∂c/∂z, ∂c/∂(v_c − v_init).
struct Command {
    c: f64,
    dv: f64,
    dz: f64,
    dbank: f64,
}

impl CapBankDevice {
    fn v_bus(&self, y: &[f64]) -> f64 {
        self.st.y(y, BUS) - self.st.y(y, RET)
    }

    fn v_bank(&self, y: &[f64]) -> f64 {
        self.v_init + self.st.y(y, DV)
    }

    /// The power rating as a current limit at bus voltage `v`, kept
    /// positive on a collapsed bus: (limit, ∂limit/∂v).
    fn rating(&self, v: f64) -> (f64, f64) {
        if v > 1.0 {
            (self.rated_watts / v, -self.rated_watts / (v * v))
        } else {
            (self.rated_watts, 0.0)
        }
    }

    /// The law's demand before the power rating and the voltage window.
    fn demand(&self, y: &[f64]) -> Command {
        let v = self.v_bus(y);
        let (mut c, mut dv, dz) = match self.law {
            Law::Droop { conductance, volts } => ((volts - v) * conductance, -conductance, 0.0),
            Law::Virtual { gain } => (-gain * (v - self.st.y(y, Z)), -gain, gain),
        };
        let (g, dg) = control::per_volt(v);
        let vc = self.v_bank(y);
        // State-of-charge term: bank current restore·(v_c − v_init),
        // referred to the bus through v_c/v.
        let k = self.restore;
        c += k * (vc - self.v_init) * vc * g;
        dv += k * (vc - self.v_init) * vc * dg;
        let dbank = k * (2.0 * vc - self.v_init) * g;
        Command { c, dv, dz, dbank }
    }

    /// The command: the demand within ±rating, and within the voltage
    /// window (no discharge when empty, no charge when full).
    fn command(&self, y: &[f64]) -> Command {
        let off = Command {
            c: 0.0,
            dv: 0.0,
            dz: 0.0,
            dbank: 0.0,
        };
        if self.tripped {
            return off;
        }
        let demand = self.demand(y);
        let (limit, dlimit) = self.rating(self.v_bus(y));
        let (hi, dhi) = if self.empty {
            (0.0, 0.0)
        } else {
            (limit, dlimit)
        };
        let (lo, dlo) = if self.full {
            (0.0, 0.0)
        } else {
            (-limit, -dlimit)
        };
        if demand.c > hi {
            return Command {
                c: hi,
                dv: dhi,
                ..off
            };
        }
        if demand.c < lo {
            return Command {
                c: lo,
                dv: dlo,
                ..off
            };
        }
        demand
    }

    /// Where the demand is against the power rating, from y.
    fn power_state(&self, y: &[f64]) -> Saturation {
        let c = self.demand(y).c;
        let limit = self.rating(self.v_bus(y)).0;
        if self.tripped {
            Saturation::Free
        } else if c >= limit {
            Saturation::Upper
        } else if c <= -limit {
            Saturation::Lower
        } else {
            Saturation::Free
        }
    }

    /// Moves the reported power-limit state; the events of the change,
    /// leaving before entering.
    fn move_to(&mut self, to: Saturation) -> Vec<String> {
        let from = std::mem::replace(&mut self.limited, to);
        control::power_limit_events(from, to)
    }

    fn event(&self, what: &str) -> Reaction {
        Reaction {
            schedule: None,
            report: vec![what.to_string()],
            discontinuity: true,
        }
    }
}

impl Device for CapBankDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let st = &self.st;
        let (cmd, i, ib) = (st.y(y, CMD), st.y(y, CUR), st.y(y, IB));
        let (v, vc) = (self.v_bus(y), self.v_bank(y));
        f[st.at(CMD)] += self.command(y).c - cmd;
        f[st.at(CUR)] += cmd - i;
        f[st.at(BUS)] += i;
        f[st.at(RET)] -= i;
        let (p, _, _) = control::input_power(v, i, self.efficiency);
        f[st.at(IB)] += control::power_balance(vc, self.esr, ib, p).0;
        f[st.at(DV)] += -ib - vc * self.leak;
        f[st.at(Z)] += v - st.y(y, Z);
    }
    fn jacobian(&self, _ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        let st = &self.st;
        let (i, ib) = (st.y(y, CUR), st.y(y, IB));
        let (v, vc) = (self.v_bus(y), self.v_bank(y));
        let c = self.command(y);
        st.add(jac, CMD, BUS, c.dv);
        st.add(jac, CMD, RET, -c.dv);
        st.add(jac, CMD, Z, c.dz);
        st.add(jac, CMD, DV, c.dbank);
        st.add(jac, CMD, CMD, -1.0);
        st.add(jac, CUR, CMD, 1.0);
        st.add(jac, CUR, CUR, -1.0);
        st.add(jac, BUS, CUR, 1.0);
        st.add(jac, RET, CUR, -1.0);
        let (p, dp_di, dp_dv) = control::input_power(v, i, self.efficiency);
        let (_, d_dib, d_dvc) = control::power_balance(vc, self.esr, ib, p);
        st.add(jac, IB, IB, d_dib);
        st.add(jac, IB, DV, d_dvc);
        st.add(jac, IB, CUR, -dp_di);
        st.add(jac, IB, BUS, -dp_dv);
        st.add(jac, IB, RET, dp_dv);
        st.add(jac, DV, IB, -1.0);
        st.add(jac, DV, DV, -self.leak);
        st.add(jac, Z, BUS, 1.0);
        st.add(jac, Z, RET, -1.0);
        st.add(jac, Z, Z, -1.0);
    }
    fn branches(&self) -> Vec<Branch> {
        vec![Branch {
            a: self.st.at(BUS),
            b: self.st.at(RET),
            kind: BranchKind::FixedCurrent,
        }]
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![
            SignalKind::Current,
            SignalKind::Power,
            SignalKind::StateOfCharge,
            SignalKind::Loss,
        ]
    }
    /// Current and power delivered to the bus (negative while charging),
    /// and the state of charge: the share of the usable energy left,
    /// (v_c² − v_min²)/(v_max² − v_min²), 0 empty and 1 full.
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = self.st.y(y, CUR);
        match index {
            0 => i,
            1 => i * self.v_bus(y),
            2 => {
                let (lo, hi) = self.window;
                let vc = self.v_bank(y);
                (vc * vc - lo * lo) / (hi * hi - lo * lo)
            }
            _ => {
                let (ib, vc) = (self.st.y(y, IB), self.v_bank(y));
                control::conversion_loss(self.v_bus(y), i, self.efficiency)
                    + self.esr * ib * ib
                    + vc * vc * self.leak
            }
        }
    }
    fn control_loops(&self) -> Vec<usize> {
        vec![self.st.at(CMD)]
    }
    fn held_at_operating_point(&self) -> Vec<usize> {
        vec![self.st.at(DV)]
    }
    /// The derivative filter starts at the bus voltage: from z = 0 the
    /// virtual-capacitance command would start saturated (charging at full
    /// rating), which can walk Newton onto a collapsed operating point.
    fn refine_guess(&self, y: &mut [f64]) {
        if let Law::Virtual { .. } = self.law {
            y[self.st.at(Z)] = self.v_bus(y);
        }
    }
    fn root_count(&self) -> usize {
        6
    }
    /// 0: reached v_min; 1: recovered past v_min + hysteresis; 2: reached
    /// v_max; 3: fell below v_max − hysteresis; 4: demand above the power
    /// rating (negative beyond it); 5: demand below −rating.
    fn roots(&self, _ctx: &Ctx, y: &[f64], out: &mut [f64]) {
        let vc = self.v_bank(y);
        let (lo, hi) = self.window;
        out[0] = vc - lo;
        out[1] = vc - lo - self.hysteresis;
        out[2] = hi - vc;
        out[3] = hi - self.hysteresis - vc;
        if self.tripped {
            out[4] = 1.0;
            out[5] = 1.0;
        } else {
            let c = self.demand(y).c;
            let limit = self.rating(self.v_bus(y)).0;
            out[4] = limit - c;
            out[5] = c + limit;
        }
    }
    fn on_root(&mut self, index: usize, _t: f64, rising: bool) -> Reaction {
        let limited = match (index, rising, self.limited) {
            (4, false, _) => Some(Saturation::Upper),
            (4, true, Saturation::Upper) | (5, true, Saturation::Lower) => Some(Saturation::Free),
            (5, false, _) => Some(Saturation::Lower),
            _ => None,
        };
        if let Some(to) = limited {
            // The clamp is continuous across the rating: no restart.
            return Reaction {
                schedule: None,
                report: self.move_to(to),
                discontinuity: false,
            };
        }
        match (index, rising) {
            (0, false) if !self.empty => {
                self.empty = true;
                self.event("empty")
            }
            (1, true) if self.empty => {
                self.empty = false;
                self.event("empty cleared")
            }
            (2, false) if !self.full => {
                self.full = true;
                self.event("full")
            }
            (3, true) if self.full => {
                self.full = false;
                self.event("full cleared")
            }
            _ => Reaction::default(),
        }
    }
    fn apply(&mut self, action: &Action, y: &mut [f64]) -> Result<Reaction, DeviceError> {
        match (action, &mut self.law) {
            (Action::Trip, _) => {
                self.tripped = true;
                y[self.st.at(CUR)] = 0.0;
                y[self.st.at(CMD)] = 0.0;
                let mut r = self.event("trip");
                r.report.extend(self.move_to(Saturation::Free));
                Ok(r)
            }
            (Action::Set { field, value }, Law::Droop { volts, .. })
                if field == "volts" && *value > 0.0 =>
            {
                *volts = *value;
                let mut r = self.event(&format!("volts set to {value}"));
                let now = self.power_state(y);
                r.report.extend(self.move_to(now));
                Ok(r)
            }
            (other, _) => Err(DeviceError::unsupported(
                format!("CapBank `{}`", self.name),
                "Trip and, with a Droop law, Set(field: \"volts\")",
                other,
            )),
        }
    }
}
