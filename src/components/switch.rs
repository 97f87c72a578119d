//! `Switch(name, a, b, closed = true, on_ohms = 1e-4, off_ohms = 1e6)`: a
//! resistor whose value changes at `Open`/`Close` events.

use super::doc::{node, NAME};
use crate::device::{
    check, Action, Branch, BranchKind, Builder, ComponentError, Ctx, Device, DeviceError, Num,
    Primitive, Reaction, SignalKind, Slot,
};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    pub name: String,
    pub a: String,
    pub b: String,
    #[serde(default = "yes")]
    pub closed: bool,
    #[serde(default = "on_default")]
    pub on_ohms: Num,
    #[serde(default = "off_default")]
    pub off_ohms: Num,
}

fn yes() -> bool {
    true
}
fn on_default() -> Num {
    Num::Value(1e-4)
}
fn off_default() -> Num {
    Num::Value(1e6)
}

impl Switch {
    /// Every event a `Switch` raises (see `apply`).
    pub const EVENTS: &'static [&'static str] = &["open", "close"];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Switch",
        summary:
            "A breaker or contactor: a resistor that changes value at `Open` and `Close` events.",
        fields: &[
            NAME,
            node("a", "First terminal; current is positive from `a` to `b`."),
            node("b", "Second terminal."),
            F::opt(
                "closed",
                "",
                "true",
                R::Any,
                "Whether the switch starts closed.",
            ),
            F::opt(
                "on_ohms",
                "Ω",
                "1e-4",
                R::Positive,
                "Resistance when closed.",
            ),
            F::opt("off_ohms", "Ω", "1e6", R::Positive, "Resistance when open."),
        ],
        actions: &[
            ("Open", "Switches to `off_ohms`; reports `open`."),
            ("Close", "Switches to `on_ohms`; reports `close`."),
        ],
        example: r#"Switch(name: "breaker", a: "src", b: "bus800", closed: true)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Switch {
    crate::named!();
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        vec![
            ("on_ohms", &mut self.on_ohms),
            ("off_ohms", &mut self.off_ohms),
        ]
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("a", &mut self.a), ("b", &mut self.b)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.a, &self.b]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        check::positive(&self.name, "on_ohms", &self.on_ohms)?;
        check::positive(&self.name, "off_ohms", &self.off_ohms)?;
        check::distinct(&self.name, &self.a, &self.b)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let (na, nb) = (b.node(&self.a), b.node(&self.b));
        Box::new(SwitchDevice::new(
            b,
            &self.name,
            na,
            nb,
            self.closed,
            1.0 / self.on_ohms.value(),
            1.0 / self.off_ohms.value(),
        ))
    }
}

/// A two-valued conductance. Also used for scenario faults (off = 0 S).
#[derive(Debug, Clone)]
pub struct SwitchDevice {
    name: String,
    a: usize,
    b: usize,
    closed: bool,
    on_siemens: f64,
    off_siemens: f64,
    slots: [Slot; 4],
}

impl SwitchDevice {
    pub fn new(
        b: &mut Builder,
        name: &str,
        na: usize,
        nb: usize,
        closed: bool,
        on_siemens: f64,
        off_siemens: f64,
    ) -> Self {
        let slots = [
            b.slot(na, na),
            b.slot(na, nb),
            b.slot(nb, na),
            b.slot(nb, nb),
        ];
        SwitchDevice {
            name: name.into(),
            a: na,
            b: nb,
            closed,
            on_siemens,
            off_siemens,
            slots,
        }
    }

    fn siemens(&self) -> f64 {
        if self.closed {
            self.on_siemens
        } else {
            self.off_siemens
        }
    }
}

impl Device for SwitchDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let i = self.siemens() * (y[self.a] - y[self.b]);
        f[self.a] -= i;
        f[self.b] += i;
    }
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], jac: &mut [f64]) {
        let g = self.siemens();
        jac[self.slots[0]] -= g;
        jac[self.slots[1]] += g;
        jac[self.slots[2]] += g;
        jac[self.slots[3]] -= g;
    }
    fn branches(&self) -> Vec<Branch> {
        vec![Branch {
            a: self.a,
            b: self.b,
            kind: BranchKind::Conductive,
        }]
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![SignalKind::Current, SignalKind::Power, SignalKind::Loss]
    }
    /// Current, power and loss: all of a switch's power is lost.
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let v = y[self.a] - y[self.b];
        let i = self.siemens() * v;
        if index == 0 {
            i
        } else {
            i * v
        }
    }
    fn apply(&mut self, action: &Action, _y: &mut [f64]) -> Result<Reaction, DeviceError> {
        let closed = match action {
            Action::Open => false,
            Action::Close => true,
            other => {
                return Err(DeviceError::unsupported(
                    format!("switch `{}`", self.name),
                    "Open and Close",
                    other,
                ))
            }
        };
        let changed = closed != self.closed;
        self.closed = closed;
        Ok(Reaction {
            schedule: None,
            report: vec![if closed { "close" } else { "open" }.into()],
            discontinuity: changed,
        })
    }
}
