//! `Inductor(name, a, b, henries, ohms = 0)`: L·i' = v_a − v_b − R·i.

use super::doc::{node, NAME};
use crate::device::{
    check, Branch, BranchKind, Builder, ComponentError, Ctx, Device, Num, Primitive, SignalKind,
    Slot,
};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inductor {
    pub name: String,
    pub a: String,
    pub b: String,
    pub henries: Num,
    #[serde(default = "zero")]
    pub ohms: Num,
}

pub(crate) fn zero() -> Num {
    Num::Value(0.0)
}

impl Inductor {
    /// Events a `Inductor` raises: none.
    pub const EVENTS: &'static [&'static str] = &[];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Inductor",
        summary: "An inductor with series resistance: L·i' = v_a − v_b − R·i.",
        fields: &[
            NAME,
            node("a", "First terminal; current is positive from `a` to `b`."),
            node("b", "Second terminal."),
            F::req("henries", "H", R::Positive, "Inductance L."),
            F::opt("ohms", "Ω", "0", R::NonNegative, "Series resistance R."),
        ],
        example: r#"Inductor(name: "l_feed", a: "src", b: "bus800", henries: 10e-6, ohms: 1e-3)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Inductor {
    crate::named!();
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        vec![("henries", &mut self.henries), ("ohms", &mut self.ohms)]
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("a", &mut self.a), ("b", &mut self.b)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.a, &self.b]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        check::positive(&self.name, "henries", &self.henries)?;
        check::non_negative(&self.name, "ohms", &self.ohms)?;
        check::distinct(&self.name, &self.a, &self.b)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let (na, nb) = (b.node(&self.a), b.node(&self.b));
        Box::new(SeriesRl::new(
            b,
            &self.name,
            "i",
            na,
            nb,
            self.henries.value(),
            self.ohms.value(),
        ))
    }
}

/// A series R–L branch whose current is a state. Shared by inductors and
/// cable sections.
#[derive(Debug, Clone)]
pub struct SeriesRl {
    pub name: String,
    pub a: usize,
    pub b: usize,
    pub current: usize,
    pub ohms: f64,
    /// (i,a) (i,b) (i,i) (a,i) (b,i)
    slots: [Slot; 5],
}

impl SeriesRl {
    pub fn new(
        b: &mut Builder,
        name: &str,
        label: &str,
        na: usize,
        nb: usize,
        henries: f64,
        ohms: f64,
    ) -> Self {
        let current = b.state(name, label, henries);
        let slots = [
            b.slot(current, na),
            b.slot(current, nb),
            b.slot(current, current),
            b.slot(na, current),
            b.slot(nb, current),
        ];
        SeriesRl {
            name: name.to_string(),
            a: na,
            b: nb,
            current,
            ohms,
            slots,
        }
    }
}

impl Device for SeriesRl {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let i = y[self.current];
        f[self.current] += y[self.a] - y[self.b] - self.ohms * i;
        f[self.a] -= i;
        f[self.b] += i;
    }
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], jac: &mut [f64]) {
        jac[self.slots[0]] += 1.0;
        jac[self.slots[1]] -= 1.0;
        jac[self.slots[2]] -= self.ohms;
        jac[self.slots[3]] -= 1.0;
        jac[self.slots[4]] += 1.0;
    }
    fn branches(&self) -> Vec<Branch> {
        vec![Branch {
            a: self.a,
            b: self.b,
            kind: BranchKind::FixedCurrent,
        }]
    }
    /// A series R–L drops only I·R at DC: an end left at the 0 V default
    /// guess (no declared nominal) takes the other end's guess, so that a
    /// node fed through a link starts near its source's voltage (the minus
    /// pole of a bipolar feed would otherwise start at 0 V, where a Dcx's
    /// no-load loss behaves as a near short and Newton can settle there).
    fn refine_guess(&self, y: &mut [f64]) {
        use crate::device::GROUND;
        if self.a == GROUND || self.b == GROUND {
            return;
        }
        if y[self.a] == 0.0 {
            y[self.a] = y[self.b];
        } else if y[self.b] == 0.0 {
            y[self.b] = y[self.a];
        }
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![SignalKind::Current, SignalKind::Power, SignalKind::Loss]
    }
    fn signal_unknown(&self, index: usize) -> Option<usize> {
        (index == 0).then_some(self.current)
    }
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = y[self.current];
        match index {
            0 => i,
            1 => i * (y[self.a] - y[self.b]),
            _ => self.ohms * i * i,
        }
    }
}
