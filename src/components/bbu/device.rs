//! The compiled `Bbu`: its unknowns, equations, roots and mode machine.
//! Owns the mode transitions and their timers; the schema and validation
//! are in `bbu.rs`, the cell model in `battery`, the PI loop in `control`.

use super::super::battery::CellModel;
use super::super::control::{self, limit_events, PiLoop, Saturation, Stamp};
use crate::device::{
    Action, Branch, BranchKind, Builder, Ctx, Device, DeviceError, Reaction, SignalKind,
};

/// Timing, thresholds and ratings of the mode machine.
pub(super) struct Settings {
    pub current_loop_hz: f64,
    pub efficiency: f64,
    /// (volts, seconds)
    pub trigger: (f64, f64),
    pub start_seconds: f64,
    /// (volts, seconds)
    pub release: (f64, f64),
    pub charge_watts: f64,
    pub recharge_delay: f64,
}

const BUS: usize = 0;
const RET: usize = 1;
const XI: usize = 2;
const CMD: usize = 3;
const CUR: usize = 4;
const IB: usize = 5;
const Q: usize = 6;
const V1: usize = 7;

/// Every event a `Bbu` raises (globs where the text carries a value). Its
/// lower current limit is zero: idling is not news.
pub(crate) const EVENTS: &[&str] = &[
    control::CURRENT_LIMIT,
    control::CURRENT_LIMIT_CLEARED,
    "triggered",
    "triggered (ac loss)",
    "discharging",
    "depleted",
    "released",
    "charging",
    "charged",
    "volts set to *",
];

// Timer kinds, in the low three bits of a token.
const TRIGGER: usize = 1;
const START: usize = 2;
const RELEASE: usize = 3;
const RECHARGE: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Standby,
    Triggered,
    Discharging,
    Depleted,
}

#[derive(Debug, Clone)]
pub(super) struct BbuDevice {
    name: String,
    st: Stamp,
    cell: CellModel,
    pi: PiLoop,
    rate: f64,
    efficiency: f64,
    /// (volts, seconds)
    trigger: (f64, f64),
    start_seconds: f64,
    /// (volts, seconds)
    release: (f64, f64),
    charge_watts: f64,
    recharge_delay: f64,
    mode: Mode,
    charging: bool,
    /// Per timer kind; a timer whose generation is stale was cancelled.
    generation: [u64; 5],
}

impl BbuDevice {
    pub(super) fn new(
        b: &mut Builder,
        name: &str,
        (bus, ret): (usize, usize),
        cell: CellModel,
        pi: PiLoop,
        s: Settings,
    ) -> Self {
        let rate = control::loop_rate(s.current_loop_hz);
        let xi = b.state(name, "xi", 1.0);
        let cmd = b.algebraic(name, "i_cmd");
        let cur = b.state(name, "i", 1.0 / rate);
        let ib = b.algebraic(name, "i_batt");
        let q = b.state(name, "q", 1.0);
        let v1 = b.state(name, "v1", cell.c1);
        let pairs = [
            (XI, BUS),
            (XI, RET),
            (XI, CUR),
            (XI, XI),
            (CMD, BUS),
            (CMD, RET),
            (CMD, CUR),
            (CMD, XI),
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
        ];
        BbuDevice {
            name: name.to_string(),
            st: Stamp::new(b, vec![bus, ret, xi, cmd, cur, ib, q, v1], &pairs),
            cell,
            pi,
            rate,
            efficiency: s.efficiency,
            trigger: s.trigger,
            start_seconds: s.start_seconds,
            release: s.release,
            charge_watts: s.charge_watts,
            recharge_delay: s.recharge_delay,
            mode: Mode::Standby,
            charging: false,
            generation: [0; 5],
        }
    }

    fn v_bus(&self, y: &[f64]) -> f64 {
        self.st.y(y, BUS) - self.st.y(y, RET)
    }

    fn soc(&self, y: &[f64]) -> f64 {
        self.cell.soc(self.st.y(y, Q))
    }

    fn error(&self, y: &[f64]) -> f64 {
        self.pi.error(self.v_bus(y), self.st.y(y, CUR))
    }

    /// Command c(y) with ∂c/∂v_bus, ∂c/∂i and ∂c/∂ξ.
    fn command(&self, y: &[f64]) -> (f64, f64, f64, f64) {
        match self.mode {
            Mode::Discharging => {
                let (c, dc_de, dc_dxi) = self.pi.command(self.error(y), self.st.y(y, XI));
                (c, -dc_de, -dc_de * self.pi.droop, dc_dxi)
            }
            Mode::Standby if self.charging => {
                let (g, dg) = control::per_volt(self.v_bus(y));
                (-self.charge_watts * g, -self.charge_watts * dg, 0.0, 0.0)
            }
            _ => (0.0, 0.0, 0.0, 0.0),
        }
    }

    fn schedule(&mut self, kind: usize, at: f64) -> Option<(f64, u64)> {
        self.generation[kind] += 1;
        Some((at, (self.generation[kind] << 3) | kind as u64))
    }

    fn cancel(&mut self, kind: usize) {
        self.generation[kind] += 1;
    }

    fn event(&self, what: &str, schedule: Option<(f64, u64)>) -> Reaction {
        Reaction {
            schedule,
            report: vec![what.to_string()],
            discontinuity: true,
        }
    }

    /// Switches mode; returns the limit events of leaving the current
    /// limit, which no mode but discharging holds.
    fn enter(&mut self, mode: Mode) -> Vec<String> {
        self.mode = mode;
        self.charging = false;
        for g in &mut self.generation {
            *g += 1;
        }
        self.pi.move_to(Saturation::Free)
    }

    /// `event` followed by the limit events it caused at the same instant.
    fn event_with(
        &self,
        what: &str,
        schedule: Option<(f64, u64)>,
        limits: Vec<String>,
    ) -> Reaction {
        let mut r = self.event(what, schedule);
        r.report.extend(limits);
        r
    }
}

impl Device for BbuDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let st = &self.st;
        let (i, xi, cmd, ib, q, v1) = (
            st.y(y, CUR),
            st.y(y, XI),
            st.y(y, CMD),
            st.y(y, IB),
            st.y(y, Q),
            st.y(y, V1),
        );
        let v = self.v_bus(y);
        if self.mode == Mode::Discharging {
            f[st.at(XI)] += self.pi.integrator(self.pi.error(v, i), xi).0;
        } else {
            // Idle: the integrator relaxes to zero, ready for a bumpless start.
            f[st.at(XI)] -= self.rate * xi;
        }
        f[st.at(CMD)] += self.command(y).0 - cmd;
        f[st.at(CUR)] += cmd - i;
        f[st.at(BUS)] += i;
        f[st.at(RET)] -= i;
        let (p, _, _) = control::input_power(v, i, self.efficiency);
        let (ocv, _) = self.cell.ocv(self.cell.soc(q));
        f[st.at(IB)] += control::power_balance(ocv - v1, self.cell.r0, ib, p).0;
        f[st.at(Q)] += ib * self.cell.charge_rate;
        f[st.at(V1)] += self.cell.rc_row(ib, v1).0;
    }
    fn jacobian(&self, _ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        let st = &self.st;
        let (i, ib, q, v1) = (st.y(y, CUR), st.y(y, IB), st.y(y, Q), st.y(y, V1));
        let v = self.v_bus(y);
        if self.mode == Mode::Discharging {
            let (_, d, d_dxi) = self.pi.integrator(self.pi.error(v, i), st.y(y, XI));
            st.add(jac, XI, BUS, -d);
            st.add(jac, XI, RET, d);
            st.add(jac, XI, CUR, -d * self.pi.droop);
            st.add(jac, XI, XI, d_dxi);
        } else {
            st.add(jac, XI, XI, -self.rate);
        }
        let (_, dc_dv, dc_di, dc_dxi) = self.command(y);
        st.add(jac, CMD, BUS, dc_dv);
        st.add(jac, CMD, RET, -dc_dv);
        st.add(jac, CMD, CUR, dc_di);
        st.add(jac, CMD, XI, dc_dxi);
        st.add(jac, CMD, CMD, -1.0);
        st.add(jac, CUR, CMD, 1.0);
        st.add(jac, CUR, CUR, -1.0);
        st.add(jac, BUS, CUR, 1.0);
        st.add(jac, RET, CUR, -1.0);
        let (p, dp_di, dp_dv) = control::input_power(v, i, self.efficiency);
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
    /// the cells' state of charge, and the loss: conversion plus the cells'
    /// internal resistances.
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = self.st.y(y, CUR);
        match index {
            0 => i,
            1 => i * self.v_bus(y),
            2 => self.soc(y),
            _ => {
                let v = self.v_bus(y);
                control::conversion_loss(v, i, self.efficiency)
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
    fn root_count(&self) -> usize {
        7
    }
    /// 0, 1: PI limits; 2: trigger; 3: release; 4: full while charging;
    /// 5: below full while idle in standby (t = 0 only); 6: empty.
    /// Roots 4 and 6 switch themselves off by falling, and the engine keeps
    /// the sign a root crossed to, so inactive they stay negative.
    fn roots(&self, _ctx: &Ctx, y: &[f64], out: &mut [f64]) {
        out.fill(1.0);
        out[4] = -1.0;
        out[6] = -1.0;
        let (v, soc) = (self.v_bus(y), self.soc(y));
        match self.mode {
            Mode::Standby => {
                out[2] = v - self.trigger.0;
                if self.charging {
                    out[4] = 1.0 - soc;
                } else {
                    out[5] = soc - 1.0;
                }
            }
            Mode::Discharging => {
                self.pi
                    .roots(self.error(y), self.st.y(y, XI), &mut out[..2]);
                out[3] = v - self.release.0;
                out[6] = soc;
            }
            Mode::Depleted => out[3] = v - self.release.0,
            Mode::Triggered => {}
        }
    }
    fn on_root(&mut self, index: usize, t: f64, rising: bool) -> Reaction {
        match (index, self.mode) {
            (0 | 1, Mode::Discharging) => {
                // i* and ξ' are continuous across the boundary: no restart.
                let before = self.pi.sat;
                self.pi.on_root(index, rising);
                Reaction {
                    schedule: None,
                    // The lower limit is zero: idling is not news.
                    report: limit_events(before, self.pi.sat, false),
                    discontinuity: false,
                }
            }
            (2, Mode::Standby) if !rising => Reaction {
                schedule: self.schedule(TRIGGER, t + self.trigger.1),
                ..Reaction::default()
            },
            (2, Mode::Standby) => {
                self.cancel(TRIGGER);
                Reaction::default()
            }
            (3, Mode::Discharging | Mode::Depleted) if rising => Reaction {
                schedule: self.schedule(RELEASE, t + self.release.1),
                ..Reaction::default()
            },
            (3, Mode::Discharging | Mode::Depleted) => {
                self.cancel(RELEASE);
                Reaction::default()
            }
            (4, Mode::Standby) if self.charging && !rising => {
                self.charging = false;
                self.event("charged", None)
            }
            (5, Mode::Standby) if !self.charging && !rising => Reaction {
                schedule: self.schedule(RECHARGE, t + self.recharge_delay),
                ..Reaction::default()
            },
            (6, Mode::Discharging) if !rising => {
                let limits = self.enter(Mode::Depleted);
                self.event_with("depleted", None, limits)
            }
            _ => Reaction::default(),
        }
    }
    fn on_timer(&mut self, token: u64, t: f64, y: &[f64]) -> Reaction {
        let kind = (token & 7) as usize;
        if kind >= self.generation.len() || token >> 3 != self.generation[kind] {
            return Reaction::default();
        }
        match (kind, self.mode) {
            (TRIGGER, Mode::Standby) => {
                // Standby holds no limit: nothing to report leaving.
                self.enter(Mode::Triggered);
                let start = self.schedule(START, t + self.start_seconds);
                self.event("triggered", start)
            }
            (START, Mode::Triggered) => {
                self.enter(Mode::Discharging);
                // Starting into an overload: the unit is at its limit from
                // the first instant of discharge.
                let limits = self.pi.resync(self.error(y), self.st.y(y, XI));
                // Already above the release threshold: the release root
                // will not cross, so its delay starts now.
                let release = if self.v_bus(y) > self.release.0 {
                    self.schedule(RELEASE, t + self.release.1)
                } else {
                    None
                };
                self.event_with("discharging", release, limits)
            }
            (RELEASE, Mode::Discharging | Mode::Depleted) => {
                let limits = self.enter(Mode::Standby);
                // release_volts ≥ trigger_volts, so the bus is above the
                // trigger here and the trigger root starts positive.
                let recharge = if self.soc(y) < 1.0 {
                    self.schedule(RECHARGE, t + self.recharge_delay)
                } else {
                    None
                };
                self.event_with("released", recharge, limits)
            }
            (RECHARGE, Mode::Standby)
                if !self.charging && self.charge_watts > 0.0 && self.soc(y) < 1.0 =>
            {
                self.charging = true;
                self.event("charging", None)
            }
            _ => Reaction::default(),
        }
    }
    fn apply(&mut self, action: &Action, y: &mut [f64]) -> Result<Reaction, DeviceError> {
        match action {
            Action::Set { field, value } if field == "volts" && *value > 0.0 => {
                self.pi.v_ref = *value;
                let limits = if self.mode == Mode::Discharging {
                    self.pi.resync(self.error(y), self.st.y(y, XI))
                } else {
                    Vec::new()
                };
                Ok(self.event_with(&format!("volts set to {value}"), None, limits))
            }
            other => Err(DeviceError::unsupported(
                format!("BBU `{}`", self.name),
                "Set(field: \"volts\") with a positive value and Set(field: \"ac_ok\") (0 = AC_LOSS signal)",
                other,
            )),
        }
    }
    fn apply_at(
        &mut self,
        action: &Action,
        t: f64,
        y: &mut [f64],
    ) -> Result<Reaction, DeviceError> {
        match action {
            // The PSUs' AC_LOSS signal (ORv3 HPR): 0 triggers a unit in
            // standby at once, so that it starts while the PSUs still ride
            // on their hold-up. AC return releases nothing by itself: the
            // unit stands by once the bus has stayed above release_volts.
            Action::Set { field, value } if field == "ac_ok" && *value >= 0.0 => {
                if *value > 0.0 || self.mode != Mode::Standby {
                    return Ok(Reaction::default());
                }
                // Only from standby, which holds no limit.
                self.enter(Mode::Triggered);
                let start = self.schedule(START, t + self.start_seconds);
                Ok(self.event("triggered (ac loss)", start))
            }
            _ => self.apply(action, y),
        }
    }
}
