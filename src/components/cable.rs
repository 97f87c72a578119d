//! `Cable(name, a, b, ohms, henries, farads = 0, sections = 1)`: a chain of
//! π-sections, each R/n and L/n in series with C/2n to ground at each end.
//! Internal nodes are named `name.n1` … `name.n{n-1}`.

use super::capacitor::build_capacitor;
use super::doc::{node, NAME};
use super::inductor::{zero, SeriesRl};
use super::resistor::Conductance;
use crate::device::{
    check, Branch, Builder, ComponentError, Ctx, Device, Num, Primitive, SignalKind,
};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cable {
    pub name: String,
    pub a: String,
    pub b: String,
    pub ohms: Num,
    pub henries: Num,
    #[serde(default = "zero")]
    pub farads: Num,
    #[serde(default = "one")]
    pub sections: Num,
}

fn one() -> Num {
    Num::Value(1.0)
}

impl Cable {
    /// Events a `Cable` raises: none.
    pub const EVENTS: &'static [&'static str] = &[];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Cable",
        summary: "A cable or busway as a chain of π-sections.",
        about: "Each of the `sections` sections is R/n and L/n in series with C/2n to ground at each end. Internal nodes are named `name.n1` … `name.n{n-1}`. `ohms` and `henries` may not both be zero.",
        fields: &[
            NAME,
            node("a", "First end; current is positive from `a` to `b`."),
            node("b", "Second end."),
            F::req("ohms", "Ω", R::NonNegative, "Total series resistance."),
            F::req("henries", "H", R::NonNegative, "Total series inductance."),
            F::opt("farads", "F", "0", R::NonNegative, "Total shunt capacitance to ground."),
            F::opt("sections", "", "1", R::Rule("whole number, 1 to 10000"), "Number of π-sections n."),
        ],
        example: r#"Cable(name: "busway", a: "bus800", b: "row_end", ohms: 4e-3, henries: 8e-6, farads: 20e-9, sections: 4)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Cable {
    crate::named!();
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        vec![
            ("ohms", &mut self.ohms),
            ("henries", &mut self.henries),
            ("farads", &mut self.farads),
            ("sections", &mut self.sections),
        ]
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("a", &mut self.a), ("b", &mut self.b)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.a, &self.b]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        check::non_negative(&self.name, "ohms", &self.ohms)?;
        check::non_negative(&self.name, "henries", &self.henries)?;
        check::non_negative(&self.name, "farads", &self.farads)?;
        check::distinct(&self.name, &self.a, &self.b)?;
        let n = self.sections.value();
        if !(n >= 1.0 && n.fract() == 0.0 && n <= 10_000.0) {
            return Err(ComponentError::new(
                &self.name,
                format!("`sections` must be a whole number from 1 to 10000, got {n}"),
            ));
        }
        if self.ohms.value() == 0.0 && self.henries.value() == 0.0 {
            return Err(ComponentError::with_help(
                &self.name,
                "a cable needs resistance or inductance (both are zero)",
                "give `ohms` or `henries` a positive value, or join the nodes directly",
            ));
        }
        Ok(())
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let n = self.sections.value() as usize;
        let (r, l, c) = (
            self.ohms.value() / n as f64,
            self.henries.value() / n as f64,
            self.farads.value() / n as f64,
        );
        let mut nodes = vec![b.node(&self.a)];
        for k in 1..n {
            nodes.push(b.node(&format!("{}.n{k}", self.name)));
        }
        nodes.push(b.node(&self.b));
        let ground = b.node("gnd");
        let mut parts: Vec<Box<dyn Device>> = Vec::new();
        for k in 0..n {
            let part_name = format!("{}.s{}", self.name, k + 1);
            let (na, nb) = (nodes[k], nodes[k + 1]);
            if l > 0.0 {
                parts.push(Box::new(SeriesRl::new(b, &part_name, "i", na, nb, l, r)));
            } else {
                parts.push(Box::new(Conductance::new(b, &part_name, na, nb, 1.0 / r)));
            }
        }
        if c > 0.0 {
            for (k, &node) in nodes.iter().enumerate() {
                // Interior nodes carry the halves of two adjacent sections.
                let share = if k == 0 || k == n { c / 2.0 } else { c };
                let cap_name = format!("{}.c{k}", self.name);
                parts.push(build_capacitor(b, &cap_name, node, ground, share, 0.0));
            }
        }
        Box::new(CableDevice {
            name: self.name.clone(),
            parts,
            series: n,
        })
    }
}

/// The compiled cable: its sections and shunt capacitances.
#[derive(Debug, Clone)]
struct CableDevice {
    name: String,
    /// The `series` R–L sections first, then the shunt capacitances.
    parts: Vec<Box<dyn Device>>,
    series: usize,
}

impl Device for CableDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        for p in &self.parts {
            p.eval(ctx, y, f);
        }
    }
    fn jacobian(&self, ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        for p in &self.parts {
            p.jacobian(ctx, y, jac);
        }
    }
    fn branches(&self) -> Vec<Branch> {
        self.parts.iter().flat_map(|p| p.branches()).collect()
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![SignalKind::Current, SignalKind::Power, SignalKind::Loss]
    }
    /// Current entering at terminal a (first section), and the power lost
    /// in the cable's resistance (both its power and its loss).
    fn signal(&self, index: usize, ctx: &Ctx, y: &[f64], ydot: &[f64]) -> f64 {
        let first = &self.parts[0];
        if index == 0 {
            return first.signal(0, ctx, y, ydot);
        }
        self.parts[..self.series]
            .iter()
            .map(|p| p.signal(1, ctx, y, ydot))
            .sum()
    }
}
