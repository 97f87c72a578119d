//! The compiled `Ess`: its unknowns, the slow droop with SOC-aware limits
//! and recharge, and its state events. The schema and validation are in
//! `ess.rs`, the cell model in `battery`, the converter's power balance in
//! `control`.

use super::super::battery::CellModel;
use super::super::control::{self, power_limit_events, Saturation, Stamp};
use crate::device::{
    Action, Branch, BranchKind, Builder, Ctx, Device, DeviceError, Reaction, SignalKind,
};

/// Ratings, droop, filter and SOC window, in plain numbers.
pub(super) struct Settings {
    pub rated_watts: f64,
    pub volts: f64,
    pub droop_ohms: f64,
    pub filter_seconds: f64,
    pub current_loop_hz: f64,
    pub efficiency: f64,
    /// (soc_min, soc_max)
    pub soc_window: (f64, f64),
    pub taper: f64,
    pub soc_target: f64,
    pub charge_watts: f64,
}

/// Below soc_target by this much a recharged unit starts recharging again.
pub(crate) const RECHARGE_HYSTERESIS: f64 = 0.01;

/// Every event an `Ess` raises (globs where the text carries a value).
pub(crate) const EVENTS: &[&str] = &[
    control::POWER_LIMIT,
    control::POWER_LIMIT_CLEARED,
    control::REVERSE_POWER_LIMIT,
    control::REVERSE_POWER_LIMIT_CLEARED,
    "soc low",
    "soc low cleared",
    "soc high",
    "soc high cleared",
    "recharging",
    "recharged",
    "trip",
    "volts set to *",
];

const BUS: usize = 0;
const RET: usize = 1;
const CMD: usize = 2;
const CUR: usize = 3;
const IB: usize = 4;
const Q: usize = 5;
const V1: usize = 6;
const Z: usize = 7;

#[derive(Debug, Clone)]
pub(super) struct EssDevice {
    name: String,
    st: Stamp,
    cell: CellModel,
    s: SettingsCopy,
    recharging: bool,
    tripped: bool,
    /// Where the demand sits against the SOC-aware ratings, as reported.
    limited: Saturation,
}

/// `Settings` kept by the device (it is `Clone`, `Settings` need not be).
#[derive(Debug, Clone, Copy)]
struct SettingsCopy {
    rated_watts: f64,
    volts: f64,
    droop_ohms: f64,
    efficiency: f64,
    soc_window: (f64, f64),
    taper: f64,
    soc_target: f64,
    charge_watts: f64,
}

/// The command and its partials ∂c/∂v, ∂c/∂z, ∂c/∂q.
#[derive(Debug, Clone, Copy, Default)]
struct Command {
    c: f64,
    dv: f64,
    dz: f64,
    dq: f64,
}

/// clamp(x, 0, 1) with its slope.
fn ramp(x: f64) -> (f64, f64) {
    if x <= 0.0 {
        (0.0, 0.0)
    } else if x >= 1.0 {
        (1.0, 0.0)
    } else {
        (x, 1.0)
    }
}

impl EssDevice {
    pub(super) fn new(
        b: &mut Builder,
        name: &str,
        (bus, ret): (usize, usize),
        cell: CellModel,
        s: Settings,
    ) -> Self {
        let rate = control::loop_rate(s.current_loop_hz);
        let cmd = b.algebraic(name, "i_cmd");
        let cur = b.state(name, "i", 1.0 / rate);
        let ib = b.algebraic(name, "i_batt");
        let q = b.state(name, "q", 1.0);
        let v1 = b.state(name, "v1", cell.c1);
        let z = b.state(name, "v_filtered", s.filter_seconds);
        let pairs = [
            (CMD, BUS),
            (CMD, RET),
            (CMD, Z),
            (CMD, Q),
            (CMD, CMD),
            (CUR, CMD),
            (CUR, CUR),
            (BUS, CUR),
            (RET, CUR),
            (IB, IB),
            (IB, Q),
            (IB, V1),
            (IB, CUR),
            (IB, BUS),
            (IB, RET),
            (Q, IB),
            (V1, IB),
            (V1, V1),
            (Z, BUS),
            (Z, RET),
            (Z, Z),
        ];
        let recharging = s.charge_watts > 0.0 && cell.soc0 < s.soc_target;
        EssDevice {
            name: name.to_string(),
            st: Stamp::new(b, vec![bus, ret, cmd, cur, ib, q, v1, z], &pairs),
            cell,
            s: SettingsCopy {
                rated_watts: s.rated_watts,
                volts: s.volts,
                droop_ohms: s.droop_ohms,
                efficiency: s.efficiency,
                soc_window: s.soc_window,
                taper: s.taper,
                soc_target: s.soc_target,
                charge_watts: s.charge_watts,
            },
            recharging,
            tripped: false,
            limited: Saturation::Free,
        }
    }

    fn v_bus(&self, y: &[f64]) -> f64 {
        self.st.y(y, BUS) - self.st.y(y, RET)
    }

    fn soc(&self, y: &[f64]) -> f64 {
        self.cell.soc(self.st.y(y, Q))
    }

    /// Discharge and charge power ratings at `soc`, with d/dsoc.
    fn ratings(&self, soc: f64) -> ((f64, f64), (f64, f64)) {
        let (lo, hi) = self.s.soc_window;
        let (p, t) = (self.s.rated_watts, self.s.taper);
        let (d, dd) = ramp((soc - lo) / t);
        let (c, dc) = ramp((hi - soc) / t);
        ((p * d, p * dd / t), (p * c, -p * dc / t))
    }

    /// The droop demand plus the recharge, before the limits.
    fn demand(&self, y: &[f64]) -> Command {
        let s = &self.s;
        let (v, z) = (self.v_bus(y), self.st.y(y, Z));
        let i_d = (s.volts - z) / s.droop_ohms;
        let mut out = Command {
            c: i_d,
            dz: -1.0 / s.droop_ohms,
            ..Command::default()
        };
        if self.recharging {
            // Full recharge while the droop asks for nothing or for charge,
            // none once it asks for charge_watts/volts of discharge.
            let i_cw = s.charge_watts / s.volts;
            let (w, dw) = ramp(1.0 - i_d / i_cw);
            let dw_dz = dw / (s.droop_ohms * i_cw);
            let (g, dg) = control::per_volt(v);
            out.c -= s.charge_watts * g * w;
            out.dv -= s.charge_watts * dg * w;
            out.dz -= s.charge_watts * g * dw_dz;
        }
        out
    }

    /// (upper, lower) current limits from the SOC-aware ratings.
    fn limits(&self, y: &[f64]) -> (Command, Command) {
        let ((pd, dpd), (pc, dpc)) = self.ratings(self.soc(y));
        let (g, dg) = control::per_volt(self.v_bus(y));
        // soc = soc₀ − q: ∂/∂q = −∂/∂soc.
        let hi = Command {
            c: pd * g,
            dv: pd * dg,
            dz: 0.0,
            dq: -dpd * g,
        };
        let lo = Command {
            c: -pc * g,
            dv: -pc * dg,
            dz: 0.0,
            dq: dpc * g,
        };
        (hi, lo)
    }

    fn command(&self, y: &[f64]) -> Command {
        if self.tripped {
            return Command::default();
        }
        let demand = self.demand(y);
        let (hi, lo) = self.limits(y);
        if demand.c > hi.c {
            hi
        } else if demand.c < lo.c {
            lo
        } else {
            demand
        }
    }

    fn power_state(&self, y: &[f64]) -> Saturation {
        let c = self.demand(y).c;
        let (hi, lo) = self.limits(y);
        if self.tripped {
            Saturation::Free
        } else if c >= hi.c {
            Saturation::Upper
        } else if c <= lo.c {
            Saturation::Lower
        } else {
            Saturation::Free
        }
    }

    fn move_to(&mut self, to: Saturation) -> Vec<String> {
        let from = std::mem::replace(&mut self.limited, to);
        power_limit_events(from, to)
    }

    fn event(&self, what: &str) -> Reaction {
        Reaction {
            schedule: None,
            report: vec![what.to_string()],
            discontinuity: true,
        }
    }
}

impl Device for EssDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let st = &self.st;
        let (cmd, i, ib, q, v1) = (
            st.y(y, CMD),
            st.y(y, CUR),
            st.y(y, IB),
            st.y(y, Q),
            st.y(y, V1),
        );
        let v = self.v_bus(y);
        f[st.at(CMD)] += self.command(y).c - cmd;
        f[st.at(CUR)] += cmd - i;
        f[st.at(BUS)] += i;
        f[st.at(RET)] -= i;
        let (p, _, _) = control::input_power(v, i, self.s.efficiency);
        let (ocv, _) = self.cell.ocv(self.cell.soc(q));
        f[st.at(IB)] += control::power_balance(ocv - v1, self.cell.r0, ib, p).0;
        f[st.at(Q)] += ib * self.cell.charge_rate;
        f[st.at(V1)] += self.cell.rc_row(ib, v1).0;
        f[st.at(Z)] += v - st.y(y, Z);
    }
    fn jacobian(&self, _ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        let st = &self.st;
        let (i, ib, q, v1) = (st.y(y, CUR), st.y(y, IB), st.y(y, Q), st.y(y, V1));
        let v = self.v_bus(y);
        let c = self.command(y);
        st.add(jac, CMD, BUS, c.dv);
        st.add(jac, CMD, RET, -c.dv);
        st.add(jac, CMD, Z, c.dz);
        st.add(jac, CMD, Q, c.dq);
        st.add(jac, CMD, CMD, -1.0);
        st.add(jac, CUR, CMD, 1.0);
        st.add(jac, CUR, CUR, -1.0);
        st.add(jac, BUS, CUR, 1.0);
        st.add(jac, RET, CUR, -1.0);
        let (p, dp_di, dp_dv) = control::input_power(v, i, self.s.efficiency);
        let (ocv, slope) = self.cell.ocv(self.cell.soc(q));
        let (_, d_dib, d_demf) = control::power_balance(ocv - v1, self.cell.r0, ib, p);
        st.add(jac, IB, IB, d_dib);
        st.add(jac, IB, Q, -slope * d_demf);
        st.add(jac, IB, V1, -d_demf);
        st.add(jac, IB, CUR, -dp_di);
        st.add(jac, IB, BUS, -dp_dv);
        st.add(jac, IB, RET, dp_dv);
        st.add(jac, Q, IB, self.cell.charge_rate);
        let (_, d_di, d_dv1) = self.cell.rc_row(ib, v1);
        st.add(jac, V1, IB, d_di);
        st.add(jac, V1, V1, d_dv1);
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
    /// the battery's state of charge, and the loss: the converter's
    /// conversion loss p_in − p_out plus the cells' internal resistances
    /// (r0·i_b² + v1²/r1).
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = self.st.y(y, CUR);
        match index {
            0 => i,
            1 => i * self.v_bus(y),
            2 => self.soc(y),
            _ => {
                control::conversion_loss(self.v_bus(y), i, self.s.efficiency)
                    + self.cell.loss(self.st.y(y, IB), self.st.y(y, V1))
            }
        }
    }
    fn control_loops(&self) -> Vec<usize> {
        vec![self.st.at(CMD)]
    }
    fn held_at_operating_point(&self) -> Vec<usize> {
        vec![self.st.at(Q)]
    }
    /// The filter starts at the bus voltage, so the droop starts from the
    /// operating point instead of a saturated command.
    fn refine_guess(&self, y: &mut [f64]) {
        y[self.st.at(Z)] = self.v_bus(y);
    }
    fn root_count(&self) -> usize {
        6
    }
    /// 0: demand above the discharge rating; 1: below the charge rating;
    /// 2: soc into the lower taper; 3: soc into the upper taper; 4: soc
    /// reached the target while recharging (−1 otherwise); 5: soc fell
    /// below target − hysteresis while not recharging (−1 while
    /// recharging, 1 without a recharge power). Roots 4 and 5 switch
    /// themselves off by falling; the engine keeps the sign they crossed to.
    fn roots(&self, _ctx: &Ctx, y: &[f64], out: &mut [f64]) {
        let s = &self.s;
        let soc = self.soc(y);
        if self.tripped {
            out[0] = 1.0;
            out[1] = 1.0;
        } else {
            let c = self.demand(y).c;
            let (hi, lo) = self.limits(y);
            out[0] = hi.c - c;
            out[1] = c - lo.c;
        }
        out[2] = soc - (s.soc_window.0 + s.taper);
        out[3] = s.soc_window.1 - s.taper - soc;
        out[4] = if self.recharging {
            s.soc_target - soc
        } else {
            -1.0
        };
        out[5] = match (self.recharging, s.charge_watts > 0.0) {
            (true, _) => -1.0,
            (false, true) => soc - (s.soc_target - RECHARGE_HYSTERESIS),
            (false, false) => 1.0,
        };
    }
    fn on_root(&mut self, index: usize, _t: f64, rising: bool) -> Reaction {
        let limited = match (index, rising, self.limited) {
            (0, false, _) => Some(Saturation::Upper),
            (0, true, Saturation::Upper) | (1, true, Saturation::Lower) => Some(Saturation::Free),
            (1, false, _) => Some(Saturation::Lower),
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
        let what = match (index, rising) {
            (2, false) => "soc low",
            (2, true) => "soc low cleared",
            (3, false) => "soc high",
            (3, true) => "soc high cleared",
            (4, false) if self.recharging => {
                self.recharging = false;
                "recharged"
            }
            (5, false) if !self.recharging && self.s.charge_watts > 0.0 => {
                self.recharging = true;
                "recharging"
            }
            _ => return Reaction::default(),
        };
        // Only the recharge switches the equations; the taper roots mark
        // where a continuous rating starts to fall.
        Reaction {
            discontinuity: index >= 4,
            ..self.event(what)
        }
    }
    fn apply(&mut self, action: &Action, y: &mut [f64]) -> Result<Reaction, DeviceError> {
        match action {
            Action::Trip => {
                self.tripped = true;
                y[self.st.at(CUR)] = 0.0;
                y[self.st.at(CMD)] = 0.0;
                let mut r = self.event("trip");
                r.report.extend(self.move_to(Saturation::Free));
                Ok(r)
            }
            Action::Set { field, value } if field == "volts" && *value > 0.0 => {
                self.s.volts = *value;
                let mut r = self.event(&format!("volts set to {value}"));
                let now = self.power_state(y);
                r.report.extend(self.move_to(now));
                Ok(r)
            }
            other => Err(DeviceError::unsupported(
                format!("ESS `{}`", self.name),
                "Trip and Set(field: \"volts\") with a positive value",
                other,
            )),
        }
    }
}
