//! `Battery(name, pos, neg = "gnd", ocv: [(soc, volts)], r0, r1, c1,
//! capacity_ah, soc)`: a Thevenin cell or string with one RC pair.
//!
//! v_t = OCV(soc) − r0·i − v1, c1·v1' = i − v1/r1, soc' = −i/(3600·Ah),
//! discharge current positive (also in the recorded `i(...)` and `p(...)`,
//! which count delivered current and power). OCV is linear between table
//! points and flat beyond them. The unknown is the charge drawn,
//! q = soc₀ − soc, so that a zero initial state is the given `soc`; the DC
//! operating point holds q (a battery carrying current has no equilibrium).
//!
//! Also owns the cell model that `Bbu` embeds. Must not know about the
//! converter in front of it.

use super::control::Stamp;
use super::doc::{node, ret, NAME};
use super::gnd;
use crate::device::{
    check, Branch, BranchKind, Builder, ComponentError, Ctx, Device, Num, Primitive, Reaction,
    SignalKind,
};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

/// Most points an OCV table may have (each gets a field name for
/// expressions and overrides, e.g. `ocv.3.volts`).
pub const MAX_OCV_POINTS: usize = 16;

macro_rules! ocv_names {
    ($prefix:literal; $($i:literal)*) => {
        [$((concat!($prefix, "ocv.", $i, ".soc"), concat!($prefix, "ocv.", $i, ".volts"))),*]
    };
}

type Names = [(&'static str, &'static str); MAX_OCV_POINTS];
const OCV_NAMES: Names = ocv_names!(""; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
pub(crate) const BBU_OCV_NAMES: Names =
    ocv_names!("battery."; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Battery {
    pub name: String,
    pub pos: String,
    #[serde(default = "gnd")]
    pub neg: String,
    /// (soc, volts) points, soc strictly increasing.
    pub ocv: Vec<(Num, Num)>,
    pub r0: Num,
    pub r1: Num,
    pub c1: Num,
    pub capacity_ah: Num,
    /// Initial state of charge, 0…1.
    pub soc: Num,
}

/// Its documentation table (see `field_doc`).
impl Cell {
    pub const DOC: Schema = Schema {
        name: "Cell",
        summary:
            "A `Bbu`'s `battery: (...)`: the cell fields of `Battery`, same meanings and units.",
        fields: &[
            F::req(
                "ocv",
                "(—, V)",
                R::Rule("2 to 16 points, soc increasing, volts > 0"),
                "Open-circuit voltage table of (soc, volts) points.",
            ),
            F::req("r0", "Ω", R::NonNegative, "Series resistance."),
            F::req("r1", "Ω", R::NonNegative, "Resistance of the RC pair."),
            F::req("c1", "F", R::Positive, "Capacitance of the RC pair."),
            F::req("capacity_ah", "Ah", R::Positive, "Capacity."),
            F::req("soc", "", R::UnitInterval, "Initial state of charge."),
        ],
        ..Schema::EMPTY
    };
}

/// The cell fields of a `Bbu`'s `battery: (...)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    pub ocv: Vec<(Num, Num)>,
    pub r0: Num,
    pub r1: Num,
    pub c1: Num,
    pub capacity_ah: Num,
    pub soc: Num,
}

/// Numeric fields of a cell: the table, then r0, r1, c1, capacity_ah, soc.
pub(crate) fn cell_numbers<'a>(
    names: &Names,
    scalars: [&'static str; 5],
    ocv: &'a mut [(Num, Num)],
    values: [&'a mut Num; 5],
) -> Vec<(&'static str, &'a mut Num)> {
    let mut v: Vec<(&'static str, &'a mut Num)> = Vec::new();
    for ((s, volts), (ns, nv)) in ocv.iter_mut().zip(names.iter()) {
        v.push((ns, s));
        v.push((nv, volts));
    }
    v.extend(scalars.into_iter().zip(values));
    v
}

/// Checks a cell; `prefix` is "" or "battery.".
pub(crate) fn validate_cell(
    name: &str,
    prefix: &str,
    ocv: &[(Num, Num)],
    scalars: [&Num; 5],
) -> Result<(), ComponentError> {
    let field = |f: &str| format!("{prefix}{f}");
    let [r0, r1, c1, ah, soc] = scalars;
    check::non_negative(name, &field("r0"), r0)?;
    check::non_negative(name, &field("r1"), r1)?;
    check::positive(name, &field("c1"), c1)?;
    check::positive(name, &field("capacity_ah"), ah)?;
    let s = soc.value();
    if !(0.0..=1.0).contains(&s) {
        return Err(ComponentError::new(
            name,
            format!("`{}` must be between 0 and 1, got {s}", field("soc")),
        ));
    }
    if ocv.len() < 2 || ocv.len() > MAX_OCV_POINTS {
        return Err(ComponentError::with_help(
            name,
            format!(
                "`{}` has {} points; it needs 2 to {MAX_OCV_POINTS}",
                field("ocv"),
                ocv.len()
            ),
            "give (soc, volts) pairs, e.g. [(0.0, 42.0), (1.0, 54.0)]",
        ));
    }
    for (k, (s, v)) in ocv.iter().enumerate() {
        check::finite(name, &field(&format!("ocv.{k}.soc")), s)?;
        check::positive(name, &field(&format!("ocv.{k}.volts")), v)?;
        if k > 0 && s.value() <= ocv[k - 1].0.value() {
            return Err(ComponentError::with_help(
                name,
                format!(
                    "`{}` is not increasing in soc: point {k} has soc {} after {}",
                    field("ocv"),
                    s.value(),
                    ocv[k - 1].0.value()
                ),
                "list the (soc, volts) points in increasing soc",
            ));
        }
    }
    Ok(())
}

/// The cell's equations in plain numbers.
#[derive(Debug, Clone)]
pub(crate) struct CellModel {
    table: Vec<(f64, f64)>,
    pub r0: f64,
    r1: f64,
    pub c1: f64,
    /// 1/(3600·Ah): q' = i·charge_rate.
    pub charge_rate: f64,
    pub soc0: f64,
}

impl CellModel {
    pub(crate) fn new(ocv: &[(Num, Num)], scalars: [&Num; 5]) -> Self {
        let [r0, r1, c1, ah, soc] = scalars;
        CellModel {
            table: ocv.iter().map(|(s, v)| (s.value(), v.value())).collect(),
            r0: r0.value(),
            r1: r1.value(),
            c1: c1.value(),
            charge_rate: 1.0 / (3600.0 * ah.value()),
            soc0: soc.value(),
        }
    }

    /// OCV and dOCV/dsoc: linear between points, flat beyond them.
    pub(crate) fn ocv(&self, soc: f64) -> (f64, f64) {
        let t = &self.table;
        if soc <= t[0].0 {
            return (t[0].1, 0.0);
        }
        for w in t.windows(2) {
            let ((s0, v0), (s1, v1)) = (w[0], w[1]);
            if soc <= s1 {
                let slope = (v1 - v0) / (s1 - s0);
                return (v0 + slope * (soc - s0), slope);
            }
        }
        (t[t.len() - 1].1, 0.0)
    }

    pub(crate) fn soc(&self, q: f64) -> f64 {
        self.soc0 - q
    }

    /// Power dissipated in the cell at discharge current `i` with the RC
    /// pair at `v1`: r0·i² + v1²/r1.
    pub(crate) fn loss(&self, i: f64, v1: f64) -> f64 {
        let rc = if self.r1 > 0.0 {
            v1 * v1 / self.r1
        } else {
            0.0
        };
        self.r0 * i * i + rc
    }

    /// Row of v1 (mass c1): i − v1/r1, or −v1 without an RC pair.
    /// Returns (value, ∂/∂i, ∂/∂v1).
    pub(crate) fn rc_row(&self, i: f64, v1: f64) -> (f64, f64, f64) {
        if self.r1 > 0.0 {
            (i - v1 / self.r1, 1.0, -1.0 / self.r1)
        } else {
            (-v1, 0.0, -1.0)
        }
    }
}

impl Battery {
    fn scalars(&self) -> [&Num; 5] {
        [&self.r0, &self.r1, &self.c1, &self.capacity_ah, &self.soc]
    }
}

impl Battery {
    /// Every event a `Battery` raises (see `on_root`: the charge crossing empty).
    pub const EVENTS: &'static [&'static str] = &["depleted", "recharged"];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Battery",
        summary: "A Thevenin cell or string with one RC pair.",
        about: "v_t = OCV(soc) − r0·i − v1, c1·v1' = i − v1/r1, soc' = −i/(3600·Ah), discharge current positive (also in the recorded `i(...)` and `p(...)`). OCV is linear between table points and flat beyond them.",
        fields: &[
            NAME,
            node("pos", "Positive terminal."),
            ret("neg", "Negative terminal."),
            F::req("ocv", "(—, V)", R::Rule("2 to 16 points, soc increasing, volts > 0"), "Open-circuit voltage table of (soc, volts) points."),
            F::req("r0", "Ω", R::NonNegative, "Series resistance."),
            F::req("r1", "Ω", R::NonNegative, "Resistance of the RC pair."),
            F::req("c1", "F", R::Positive, "Capacitance of the RC pair."),
            F::req("capacity_ah", "Ah", R::Positive, "Capacity."),
            F::req("soc", "", R::UnitInterval, "Initial state of charge."),
        ],
        example: r#"Battery(name: "string", pos: "bat", ocv: [(0.0, 42.0), (1.0, 54.0)], r0: 0.02, r1: 0.01, c1: 100, capacity_ah: 10, soc: 0.9)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Battery {
    crate::named!();
    fn supplies_power(&self) -> bool {
        true
    }
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        cell_numbers(
            &OCV_NAMES,
            ["r0", "r1", "c1", "capacity_ah", "soc"],
            &mut self.ocv,
            [
                &mut self.r0,
                &mut self.r1,
                &mut self.c1,
                &mut self.capacity_ah,
                &mut self.soc,
            ],
        )
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("pos", &mut self.pos), ("neg", &mut self.neg)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.pos, &self.neg]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        validate_cell(&self.name, "", &self.ocv, self.scalars())?;
        check::distinct(&self.name, &self.pos, &self.neg)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let cell = CellModel::new(&self.ocv, self.scalars());
        let pos = b.node(&self.pos);
        let neg = b.node(&self.neg);
        let i = b.algebraic(&self.name, "i");
        let q = b.state(&self.name, "q", 1.0);
        let v1 = b.state(&self.name, "v1", cell.c1);
        let pairs = [
            (I, I),
            (I, Q),
            (I, V1),
            (I, POS),
            (I, NEG),
            (Q, I),
            (V1, I),
            (V1, V1),
            (POS, I),
            (NEG, I),
        ];
        Box::new(BatteryDevice {
            name: self.name.clone(),
            st: Stamp::new(b, vec![pos, neg, i, q, v1], &pairs),
            cell,
        })
    }
}

const POS: usize = 0;
const NEG: usize = 1;
const I: usize = 2;
const Q: usize = 3;
const V1: usize = 4;

#[derive(Debug, Clone)]
struct BatteryDevice {
    name: String,
    st: Stamp,
    cell: CellModel,
}

impl BatteryDevice {
    fn terminal(&self, y: &[f64]) -> f64 {
        self.st.y(y, POS) - self.st.y(y, NEG)
    }
}

impl Device for BatteryDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let st = &self.st;
        let (i, q, v1) = (st.y(y, I), st.y(y, Q), st.y(y, V1));
        let (ocv, _) = self.cell.ocv(self.cell.soc(q));
        f[st.at(I)] += ocv - self.cell.r0 * i - v1 - self.terminal(y);
        f[st.at(Q)] += i * self.cell.charge_rate;
        f[st.at(V1)] += self.cell.rc_row(i, v1).0;
        f[st.at(POS)] += i;
        f[st.at(NEG)] -= i;
    }
    fn jacobian(&self, _ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        let st = &self.st;
        let (i, q, v1) = (st.y(y, I), st.y(y, Q), st.y(y, V1));
        // soc = soc₀ − q, so ∂OCV/∂q = −slope.
        let (_, slope) = self.cell.ocv(self.cell.soc(q));
        st.add(jac, I, I, -self.cell.r0);
        st.add(jac, I, Q, -slope);
        st.add(jac, I, V1, -1.0);
        st.add(jac, I, POS, -1.0);
        st.add(jac, I, NEG, 1.0);
        st.add(jac, Q, I, self.cell.charge_rate);
        let (_, d_di, d_dv1) = self.cell.rc_row(i, v1);
        st.add(jac, V1, I, d_di);
        st.add(jac, V1, V1, d_dv1);
        st.add(jac, POS, I, 1.0);
        st.add(jac, NEG, I, -1.0);
    }
    fn branches(&self) -> Vec<Branch> {
        let kind = if self.cell.r0 > 0.0 {
            BranchKind::Conductive
        } else {
            BranchKind::VoltageDefining
        };
        vec![Branch {
            a: self.st.at(POS),
            b: self.st.at(NEG),
            kind,
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
    /// Discharge current, delivered power, state of charge and the loss in
    /// its internal resistances.
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = self.st.y(y, I);
        match index {
            0 => i,
            1 => i * self.terminal(y),
            2 => self.cell.soc(self.st.y(y, Q)),
            _ => self.cell.loss(i, self.st.y(y, V1)),
        }
    }
    fn held_at_operating_point(&self) -> Vec<usize> {
        vec![self.st.at(Q)]
    }
    fn root_count(&self) -> usize {
        1
    }
    fn roots(&self, _ctx: &Ctx, y: &[f64], out: &mut [f64]) {
        out[0] = self.cell.soc(self.st.y(y, Q));
    }
    fn on_root(&mut self, _index: usize, _t: f64, rising: bool) -> Reaction {
        Reaction {
            schedule: None,
            report: vec![if rising { "recharged" } else { "depleted" }.into()],
            discontinuity: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocv_is_linear_between_points_and_flat_beyond() {
        let n = |x: f64| Num::Value(x);
        let ocv = [(n(0.0), n(40.0)), (n(0.5), n(48.0)), (n(1.0), n(54.0))];
        let s = [&n(0.01), &n(0.0), &n(1.0), &n(10.0), &n(1.0)];
        let c = CellModel::new(&ocv, s);
        assert_eq!(c.ocv(0.25), (44.0, 16.0));
        assert_eq!(c.ocv(0.75), (51.0, 12.0));
        assert_eq!(c.ocv(-0.1), (40.0, 0.0));
        assert_eq!(c.ocv(1.2), (54.0, 0.0));
    }
}
