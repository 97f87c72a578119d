//! `Capacitor(name, a, b, farads, esr = 0)`: C·v_c' = i; v_a − v_b = v_c + esr·i.
//!
//! Three compiled forms keep the unknown count low:
//! - ideal and grounded: the capacitance adds to the mass of its node's row
//!   (no unknown of its own);
//! - with ESR: one state v_c, and i = (v_a − v_b − v_c)/esr;
//! - ideal and floating: a state v_c and an algebraic current i.

use super::doc::{node, NAME};
use super::inductor::zero;
use crate::device::{
    check, Branch, BranchKind, Builder, ComponentError, Ctx, Device, Num, Primitive, SignalKind,
    Slot, GROUND,
};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacitor {
    pub name: String,
    pub a: String,
    pub b: String,
    pub farads: Num,
    #[serde(default = "zero")]
    pub esr: Num,
}

impl Capacitor {
    /// Events a `Capacitor` raises: none.
    pub const EVENTS: &'static [&'static str] = &[];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Capacitor",
        summary: "A capacitor with optional ESR: C·v_c' = i, v_a − v_b = v_c + esr·i.",
        fields: &[
            NAME,
            node("a", "First terminal; current is positive from `a` to `b`."),
            node("b", "Second terminal (often `gnd`)."),
            F::req("farads", "F", R::Positive, "Capacitance C."),
            F::opt(
                "esr",
                "Ω",
                "0",
                R::NonNegative,
                "Equivalent series resistance.",
            ),
        ],
        example: r#"Capacitor(name: "c_bus", a: "bus800", b: "gnd", farads: 2e-3, esr: 5e-3)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Capacitor {
    crate::named!();
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        vec![("farads", &mut self.farads), ("esr", &mut self.esr)]
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("a", &mut self.a), ("b", &mut self.b)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.a, &self.b]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        check::positive(&self.name, "farads", &self.farads)?;
        check::non_negative(&self.name, "esr", &self.esr)?;
        check::distinct(&self.name, &self.a, &self.b)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let (na, nb) = (b.node(&self.a), b.node(&self.b));
        build_capacitor(b, &self.name, na, nb, self.farads.value(), self.esr.value())
    }
}

/// Compiles a capacitor in the cheapest exact form for its connection.
pub fn build_capacitor(
    b: &mut Builder,
    name: &str,
    na: usize,
    nb: usize,
    farads: f64,
    esr: f64,
) -> Box<dyn Device> {
    if esr > 0.0 {
        let vc = b.state(name, "v", farads);
        let g = 1.0 / esr;
        let slots = [
            b.slot(vc, na),
            b.slot(vc, nb),
            b.slot(vc, vc),
            b.slot(na, na),
            b.slot(na, nb),
            b.slot(na, vc),
            b.slot(nb, na),
            b.slot(nb, nb),
            b.slot(nb, vc),
        ];
        Box::new(EsrCapacitor {
            name: name.into(),
            a: na,
            b: nb,
            vc,
            g,
            slots,
        })
    } else if na == GROUND || nb == GROUND {
        let node = if na == GROUND { nb } else { na };
        b.add_mass(node, farads);
        Box::new(GroundedCapacitor {
            name: name.into(),
            a: na,
            b: nb,
            node,
            sign: if na == GROUND { -1.0 } else { 1.0 },
            farads,
        })
    } else {
        let vc = b.state(name, "v", farads);
        let i = b.algebraic(name, "i");
        let slots = [
            b.slot(vc, i),
            b.slot(i, na),
            b.slot(i, nb),
            b.slot(i, vc),
            b.slot(na, i),
            b.slot(nb, i),
        ];
        Box::new(FloatingCapacitor {
            name: name.into(),
            a: na,
            b: nb,
            vc,
            i,
            slots,
        })
    }
}

#[derive(Debug, Clone)]
struct EsrCapacitor {
    name: String,
    a: usize,
    b: usize,
    vc: usize,
    g: f64,
    slots: [Slot; 9],
}

impl EsrCapacitor {
    fn current(&self, y: &[f64]) -> f64 {
        self.g * (y[self.a] - y[self.b] - y[self.vc])
    }
}

impl Device for EsrCapacitor {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let i = self.current(y);
        f[self.vc] += i;
        f[self.a] -= i;
        f[self.b] += i;
    }
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], jac: &mut [f64]) {
        let g = self.g;
        let s = &self.slots;
        jac[s[0]] += g;
        jac[s[1]] -= g;
        jac[s[2]] -= g;
        jac[s[3]] -= g;
        jac[s[4]] += g;
        jac[s[5]] += g;
        jac[s[6]] += g;
        jac[s[7]] -= g;
        jac[s[8]] -= g;
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
    /// Current, power and the ESR's loss i²·ESR.
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = self.current(y);
        match index {
            0 => i,
            1 => i * (y[self.a] - y[self.b]),
            _ => i * i / self.g,
        }
    }
}

#[derive(Debug, Clone)]
struct GroundedCapacitor {
    name: String,
    a: usize,
    b: usize,
    node: usize,
    /// +1 if the node is terminal a (current a→b is C·v'), −1 if it is b.
    sign: f64,
    farads: f64,
}

impl Device for GroundedCapacitor {
    fn name(&self) -> &str {
        &self.name
    }
    // The capacitance lives in M; the current C·v' is implied by KCL.
    fn eval(&self, _ctx: &Ctx, _y: &[f64], _f: &mut [f64]) {}
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], _jac: &mut [f64]) {}
    fn branches(&self) -> Vec<Branch> {
        vec![Branch {
            a: self.a,
            b: self.b,
            kind: BranchKind::GroundedCapacitor,
        }]
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![SignalKind::Current, SignalKind::Power, SignalKind::Loss]
    }
    /// Current, power and loss (none: an ideal capacitor only stores).
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], ydot: &[f64]) -> f64 {
        let i = self.sign * self.farads * ydot[self.node];
        match index {
            0 => i,
            1 => i * (y[self.a] - y[self.b]),
            _ => 0.0,
        }
    }
}

#[derive(Debug, Clone)]
struct FloatingCapacitor {
    name: String,
    a: usize,
    b: usize,
    vc: usize,
    i: usize,
    slots: [Slot; 6],
}

impl Device for FloatingCapacitor {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let i = y[self.i];
        f[self.vc] += i;
        f[self.i] += y[self.a] - y[self.b] - y[self.vc];
        f[self.a] -= i;
        f[self.b] += i;
    }
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], jac: &mut [f64]) {
        let s = &self.slots;
        jac[s[0]] += 1.0;
        jac[s[1]] += 1.0;
        jac[s[2]] -= 1.0;
        jac[s[3]] -= 1.0;
        jac[s[4]] -= 1.0;
        jac[s[5]] += 1.0;
    }
    fn branches(&self) -> Vec<Branch> {
        vec![Branch {
            a: self.a,
            b: self.b,
            kind: BranchKind::VoltageDefining,
        }]
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![SignalKind::Current, SignalKind::Power, SignalKind::Loss]
    }
    fn signal_unknown(&self, index: usize) -> Option<usize> {
        (index == 0).then_some(self.i)
    }
    /// Current, power and loss (none: an ideal capacitor only stores).
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = y[self.i];
        match index {
            0 => i,
            1 => i * (y[self.a] - y[self.b]),
            _ => 0.0,
        }
    }
}
