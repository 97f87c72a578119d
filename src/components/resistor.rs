//! `Resistor(name, a, b, ohms)`: i = (v_a − v_b)/R.

use super::doc::{node, NAME};
use crate::device::{
    check, Branch, BranchKind, Builder, ComponentError, Ctx, Device, Num, Primitive, SignalKind,
    Slot,
};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resistor {
    pub name: String,
    pub a: String,
    pub b: String,
    pub ohms: Num,
}

impl Resistor {
    /// Events a `Resistor` raises: none.
    pub const EVENTS: &'static [&'static str] = &[];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Resistor",
        summary: "A linear resistor: i = (v_a − v_b)/R.",
        fields: &[
            NAME,
            node("a", "First terminal; current is positive from `a` to `b`."),
            node("b", "Second terminal."),
            F::req("ohms", "Ω", R::Positive, "Resistance R."),
        ],
        example: r#"Resistor(name: "r_feed", a: "src", b: "bus800", ohms: 2e-3)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Resistor {
    crate::named!();
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        vec![("ohms", &mut self.ohms)]
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("a", &mut self.a), ("b", &mut self.b)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.a, &self.b]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        check::positive(&self.name, "ohms", &self.ohms)?;
        check::distinct(&self.name, &self.a, &self.b)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let (na, nb) = (b.node(&self.a), b.node(&self.b));
        Box::new(Conductance::new(
            b,
            &self.name,
            na,
            nb,
            1.0 / self.ohms.value(),
        ))
    }
}

/// A linear conductance between two nodes. Shared by resistors, switches
/// and cable sections without inductance.
#[derive(Debug, Clone)]
pub struct Conductance {
    pub name: String,
    pub a: usize,
    pub b: usize,
    pub siemens: f64,
    slots: [Slot; 4],
}

impl Conductance {
    pub fn new(b: &mut Builder, name: &str, na: usize, nb: usize, siemens: f64) -> Self {
        let slots = [
            b.slot(na, na),
            b.slot(na, nb),
            b.slot(nb, na),
            b.slot(nb, nb),
        ];
        Conductance {
            name: name.to_string(),
            a: na,
            b: nb,
            siemens,
            slots,
        }
    }

    pub fn current(&self, y: &[f64]) -> f64 {
        self.siemens * (y[self.a] - y[self.b])
    }
}

impl Device for Conductance {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let i = self.current(y);
        f[self.a] -= i;
        f[self.b] += i;
    }
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], jac: &mut [f64]) {
        let g = self.siemens;
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
    /// Current, power and loss: all of a resistor's power is lost.
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = self.current(y);
        match index {
            0 => i,
            _ => i * (y[self.a] - y[self.b]),
        }
    }
}
