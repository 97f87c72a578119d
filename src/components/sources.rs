//! `VoltageSource(name, pos, neg = "gnd", volts)` and
//! `CurrentSource(name, from, to, amps)`.
//!
//! Signs follow the source convention of every source-like component
//! (docs/conventions.md): a source's current is positive when it delivers
//! into its pos/first terminal, so a voltage source that delivers power has
//! a positive `i(...)` and `p(...)`. `i(vs)` is the current leaving `pos`
//! into the network and `p(vs)` = i·(v(pos) − v(neg)); its unknown keeps
//! the internal MNA orientation (pos to neg through the source), the
//! opposite sign, as in SPICE. A `CurrentSource` drives `amps` out of `to`
//! into the network (and back into `from`): `i(cs)` = amps and `p(cs)` =
//! amps·(v(to) − v(from)), positive when it delivers; one that carries
//! current from a bus to ground (`from: "bus", to: "gnd"`) is a load with
//! a negative `p(...)`.

use super::doc::{node, ret, NAME};
use super::gnd;
use crate::device::{
    check, Action, Branch, BranchKind, Builder, ComponentError, Ctx, Device, DeviceError, Num,
    Primitive, Reaction, SignalKind, Slot, GROUND,
};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoltageSource {
    pub name: String,
    pub pos: String,
    #[serde(default = "gnd")]
    pub neg: String,
    pub volts: Num,
}

impl VoltageSource {
    /// Every event a `VoltageSource` raises (see `apply`; a glob, the text carries the value).
    pub const EVENTS: &'static [&'static str] = &["volts set to *"];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "VoltageSource",
        summary: "An ideal DC voltage source: v_pos − v_neg = volts.",
        about: "Passive sign convention: a source that delivers power shows a negative `i(...)` and `p(...)`, as in SPICE.",
        fields: &[
            NAME,
            node("pos", "Positive terminal."),
            ret("neg", "Negative terminal."),
            F::req("volts", "V", R::Any, "Source voltage."),
        ],
        actions: &[(
            "Set(field: \"volts\", value)",
            "Steps the voltage to `value`; reports `volts set to <value>`.",
        )],
        example: r#"VoltageSource(name: "grid", pos: "src", volts: 800)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for VoltageSource {
    crate::named!();
    fn supplies_power(&self) -> bool {
        true
    }
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        vec![("volts", &mut self.volts)]
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("pos", &mut self.pos), ("neg", &mut self.neg)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.pos, &self.neg]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        check::finite(&self.name, "volts", &self.volts)?;
        check::distinct(&self.name, &self.pos, &self.neg)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let (pos, neg) = (b.node(&self.pos), b.node(&self.neg));
        let current = b.algebraic(&self.name, "i");
        let slots = [
            b.slot(current, pos),
            b.slot(current, neg),
            b.slot(pos, current),
            b.slot(neg, current),
        ];
        Box::new(VoltageSourceDevice {
            name: self.name.clone(),
            pos,
            neg,
            current,
            volts: self.volts.value(),
            slots,
        })
    }
}

#[derive(Debug, Clone)]
struct VoltageSourceDevice {
    name: String,
    pos: usize,
    neg: usize,
    current: usize,
    volts: f64,
    slots: [Slot; 4],
}

impl Device for VoltageSourceDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let i = y[self.current];
        f[self.current] += y[self.pos] - y[self.neg] - self.volts;
        f[self.pos] -= i;
        f[self.neg] += i;
    }
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], jac: &mut [f64]) {
        jac[self.slots[0]] += 1.0;
        jac[self.slots[1]] -= 1.0;
        jac[self.slots[2]] -= 1.0;
        jac[self.slots[3]] += 1.0;
    }
    fn branches(&self) -> Vec<Branch> {
        vec![Branch {
            a: self.pos,
            b: self.neg,
            kind: BranchKind::VoltageDefining,
        }]
    }
    /// The source fixes its terminal difference: a terminal left at the
    /// 0 V default guess (no declared nominal) takes the other's guess
    /// ± volts, so that the network it feeds starts near its voltage.
    /// From 0 V, Newton can settle on the collapsed low-voltage branch of
    /// a constant-power load.
    fn refine_guess(&self, y: &mut [f64]) {
        if self.pos != GROUND && y[self.pos] == 0.0 {
            y[self.pos] = y[self.neg] + self.volts;
        } else if self.neg != GROUND && y[self.neg] == 0.0 {
            y[self.neg] = y[self.pos] - self.volts;
        }
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![SignalKind::Current, SignalKind::Power]
    }
    /// Delivered current (out of `pos`) and delivered power.
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = -y[self.current];
        if index == 0 {
            i
        } else {
            i * (y[self.pos] - y[self.neg])
        }
    }
    fn apply(&mut self, action: &Action, _y: &mut [f64]) -> Result<Reaction, DeviceError> {
        match action {
            Action::Set { field, value } if field == "volts" => {
                self.volts = *value;
                Ok(Reaction {
                    schedule: None,
                    report: vec![format!("volts set to {value}")],
                    discontinuity: true,
                })
            }
            other => Err(DeviceError::unsupported(
                format!("voltage source `{}`", self.name),
                "Set(field: \"volts\")",
                other,
            )),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentSource {
    pub name: String,
    pub from: String,
    pub to: String,
    pub amps: Num,
}

impl CurrentSource {
    /// Every event a `CurrentSource` raises (see `apply`; a glob, the text carries the value).
    pub const EVENTS: &'static [&'static str] = &["amps set to *"];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "CurrentSource",
        summary: "An ideal DC current source driving `amps` from `from` through itself to `to`.",
        fields: &[
            NAME,
            node("from", "Terminal the current leaves the network at."),
            node("to", "Terminal the current is injected into."),
            F::req("amps", "A", R::Any, "Source current."),
        ],
        actions: &[(
            "Set(field: \"amps\", value)",
            "Steps the current to `value`; reports `amps set to <value>`.",
        )],
        example: r#"CurrentSource(name: "inj", from: "gnd", to: "bus50", amps: 10)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for CurrentSource {
    crate::named!();
    fn supplies_power(&self) -> bool {
        true
    }
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        vec![("amps", &mut self.amps)]
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("from", &mut self.from), ("to", &mut self.to)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.from, &self.to]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        check::finite(&self.name, "amps", &self.amps)?;
        check::distinct(&self.name, &self.from, &self.to)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        Box::new(CurrentSourceDevice {
            name: self.name.clone(),
            from: b.node(&self.from),
            to: b.node(&self.to),
            amps: self.amps.value(),
        })
    }
}

#[derive(Debug, Clone)]
struct CurrentSourceDevice {
    name: String,
    from: usize,
    to: usize,
    amps: f64,
}

impl Device for CurrentSourceDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, _y: &[f64], f: &mut [f64]) {
        f[self.from] -= self.amps;
        f[self.to] += self.amps;
    }
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], _jac: &mut [f64]) {}
    fn branches(&self) -> Vec<Branch> {
        vec![Branch {
            a: self.from,
            b: self.to,
            kind: BranchKind::FixedCurrent,
        }]
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![SignalKind::Current, SignalKind::Power]
    }
    /// `amps` and the power it delivers, amps·(v(to) − v(from)).
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        if index == 0 {
            self.amps
        } else {
            self.amps * (y[self.to] - y[self.from])
        }
    }
    fn apply(&mut self, action: &Action, _y: &mut [f64]) -> Result<Reaction, DeviceError> {
        match action {
            Action::Set { field, value } if field == "amps" => {
                self.amps = *value;
                Ok(Reaction {
                    schedule: None,
                    report: vec![format!("amps set to {value}")],
                    discontinuity: true,
                })
            }
            other => Err(DeviceError::unsupported(
                format!("current source `{}`", self.name),
                "Set(field: \"amps\")",
                other,
            )),
        }
    }
}
