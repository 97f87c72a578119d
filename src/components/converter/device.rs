//! The compiled Converter or Rectifier: unknowns ξ, i* and i (plus the
//! hold-up energy of a Rectifier that has one), their rows, the limit
//! events and the scenario actions. Owns no schema; see `converter.rs` and
//! `rectifier.rs`.

use super::super::control::{
    self, limit_events, AntiWindup, PiLoop, Saturation, Stamp, LIMIT_EVENTS,
};
use crate::device::{
    Action, Branch, BranchKind, Builder, Ctx, Device, DeviceError, Reaction, SignalKind, GROUND,
};

/// Where the input power comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Supply {
    /// Drawn from the `input` terminals as p_in/v_in.
    Network,
    /// An ideal AC grid (a Rectifier): `ripple` is (amplitude_pu, 2π·hz) on
    /// the delivered current; `holdup_joules` > 0 lets it ride through an
    /// AC loss on stored energy; `drop` lowers its set-point part-way
    /// through the hold-up.
    Grid {
        ripple: Option<(f64, f64)>,
        holdup_joules: f64,
        drop: Option<HoldupDrop>,
    },
}

/// The ORv3 PSU's hand-over signal: once `after_fraction` of the hold-up
/// energy is used, the set-point falls by `volts` at a constant rate over
/// `fall_seconds`, so that a BBU set below the PSU takes the load
/// gradually instead of all at once when the store runs dry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HoldupDrop {
    pub volts: f64,
    pub fall_seconds: f64,
    pub after_fraction: f64,
}

/// Every event a `Converter` raises (globs where the text carries a value).
pub(crate) const CONVERTER_EVENTS: &[&str] = &[
    LIMIT_EVENTS[0],
    LIMIT_EVENTS[1],
    LIMIT_EVENTS[2],
    LIMIT_EVENTS[3],
    "trip",
    "volts set to *",
];

/// Every event a `Rectifier` raises: a converter's and its grid's.
pub(crate) const RECTIFIER_EVENTS: &[&str] = &[
    LIMIT_EVENTS[0],
    LIMIT_EVENTS[1],
    LIMIT_EVENTS[2],
    LIMIT_EVENTS[3],
    "trip",
    "volts set to *",
    "ac loss",
    "ac restored",
    "hold-up low: output drops * V",
    "hold-up exhausted",
];

// Local unknowns of the device.
const OUT: usize = 0;
const ORET: usize = 1;
const IN: usize = 2;
const IRET: usize = 3;
const XI: usize = 4;
const CMD: usize = 5;
const CUR: usize = 6;
/// Energy drawn from the hold-up store since the AC loss (J).
const USED: usize = 7;

/// Compiled Converter or Rectifier.
#[derive(Debug)]
pub(crate) struct RegulatedDevice {
    name: String,
    st: Stamp,
    pi: PiLoop,
    /// Current-loop rate 2π·f_i.
    rate: f64,
    efficiency: f64,
    supply: Supply,
    tripped: bool,
    ac_ok: bool,
    /// The hold-up store ran dry during this AC loss.
    exhausted: bool,
    /// When the hold-up set-point drop began during this AC loss.
    drop_start: Option<f64>,
}

impl RegulatedDevice {
    /// `terminals` are [output, output_ret, input, input_ret]; ground for
    /// an absent input.
    pub(crate) fn new(
        b: &mut Builder,
        name: &str,
        terminals: [usize; 4],
        pi: PiLoop,
        current_loop_hz: f64,
        efficiency: f64,
        supply: Supply,
    ) -> Self {
        let rate = control::loop_rate(current_loop_hz);
        let xi = b.state(name, "xi", 1.0);
        let cmd = b.algebraic(name, "i_cmd");
        let cur = b.state(name, "i", 1.0 / rate);
        let used = match supply {
            Supply::Grid { holdup_joules, .. } if holdup_joules > 0.0 => {
                b.state(name, "holdup_used", 1.0)
            }
            _ => GROUND,
        };
        let [o, or, i, ir] = terminals;
        let mut pairs = vec![
            (XI, OUT),
            (XI, ORET),
            (XI, CUR),
            (XI, XI),
            (CMD, OUT),
            (CMD, ORET),
            (CMD, CUR),
            (CMD, XI),
            (CMD, CMD),
            (CUR, CMD),
            (CUR, CUR),
            (OUT, CUR),
            (ORET, CUR),
            (USED, CUR),
            (USED, OUT),
            (USED, ORET),
            (USED, USED),
        ];
        for row in [IN, IRET] {
            pairs.extend([(row, CUR), (row, OUT), (row, ORET), (row, IN), (row, IRET)]);
        }
        let st = Stamp::new(b, vec![o, or, i, ir, xi, cmd, cur, used], &pairs);
        RegulatedDevice {
            name: name.to_string(),
            st,
            pi,
            rate,
            efficiency,
            supply,
            tripped: false,
            ac_ok: true,
            exhausted: false,
            drop_start: None,
        }
    }

    fn holdup_joules(&self) -> f64 {
        match self.supply {
            Supply::Grid { holdup_joules, .. } => holdup_joules,
            Supply::Network => 0.0,
        }
    }

    fn drop(&self) -> Option<HoldupDrop> {
        match self.supply {
            Supply::Grid { drop, .. } if self.holdup_joules() > 0.0 => drop,
            _ => None,
        }
    }

    /// How far the set-point has dropped at `t`, and its rate of change.
    fn sag(&self, t: f64) -> (f64, f64) {
        match (self.drop(), self.drop_start) {
            (Some(d), Some(t0)) if self.on_store() => {
                let rate = d.volts / d.fall_seconds;
                if t >= t0 + d.fall_seconds {
                    (d.volts, 0.0)
                } else {
                    ((rate * (t - t0)).max(0.0), rate)
                }
            }
            _ => (0.0, 0.0),
        }
    }

    /// Running on the hold-up store (AC lost, store not yet empty).
    fn on_store(&self) -> bool {
        !self.tripped && !self.ac_ok && !self.exhausted && self.holdup_joules() > 0.0
    }

    fn regulating(&self) -> bool {
        !self.tripped && (self.ac_ok || self.on_store())
    }

    /// Delivered current over loop current: 1 + a·sin(ωt), and its time
    /// derivative.
    fn ripple(&self, t: f64) -> (f64, f64) {
        match self.supply {
            Supply::Grid {
                ripple: Some((a, w)),
                ..
            } => (1.0 + a * (w * t).sin(), a * w * (w * t).cos()),
            _ => (1.0, 0.0),
        }
    }

    fn v_out(&self, y: &[f64]) -> f64 {
        self.st.y(y, OUT) - self.st.y(y, ORET)
    }

    /// Loop error at time `t`, with the hold-up drop applied.
    fn error(&self, y: &[f64], t: f64) -> f64 {
        self.pi.error(self.v_out(y), self.st.y(y, CUR)) - self.sag(t).0
    }

    /// The reported limit state after a jump (a set-point change, AC loss
    /// or return), with the limit events it raises; a unit that does not
    /// regulate is in no limit. Without the time: a set-point change
    /// during a hold-up drop resyncs on the undropped error; the PI roots
    /// correct the reported state at the next crossing.
    fn resync_limits(&mut self, y: &[f64]) -> Vec<String> {
        if !self.regulating() {
            return self.pi.move_to(Saturation::Free);
        }
        let (e, xi) = (
            self.pi.error(self.v_out(y), self.st.y(y, CUR)),
            self.st.y(y, XI),
        );
        self.pi.resync(e, xi)
    }

    fn switched(&self, what: &str) -> Reaction {
        Reaction {
            schedule: None,
            report: vec![what.to_string()],
            discontinuity: true,
        }
    }
}

impl Device for RegulatedDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let st = &self.st;
        let (i, xi, cmd) = (st.y(y, CUR), st.y(y, XI), st.y(y, CMD));
        let v_out = self.v_out(y);
        if self.regulating() {
            let e = self.error(y, ctx.t);
            f[st.at(XI)] += self.pi.integrator(e, xi).0;
            f[st.at(CMD)] += self.pi.command(e, xi).0 - cmd;
        } else {
            // Off: the command is zero and the integrator relaxes to zero,
            // so that the rows stay regular at an operating point.
            f[st.at(XI)] -= self.rate * xi;
            f[st.at(CMD)] -= cmd;
        }
        f[st.at(CUR)] += cmd - i;
        let delivered = i * self.ripple(ctx.t).0;
        f[st.at(OUT)] += delivered;
        f[st.at(ORET)] -= delivered;
        let (p, _, _) = control::input_power(v_out, i, self.efficiency);
        let (g, _) = control::per_volt(st.y(y, IN) - st.y(y, IRET));
        f[st.at(IN)] -= p * g;
        f[st.at(IRET)] += p * g;
        if self.on_store() {
            f[st.at(USED)] += p;
        } else {
            f[st.at(USED)] -= st.y(y, USED);
        }
    }
    fn jacobian(&self, ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        let st = &self.st;
        let (i, xi) = (st.y(y, CUR), st.y(y, XI));
        let v_out = self.v_out(y);
        let droop = self.pi.droop;
        if self.regulating() {
            // ∂e/∂v_out = −1, ∂e/∂i = −R_droop.
            let e = self.error(y, ctx.t);
            let (_, d, d_dxi) = self.pi.integrator(e, xi);
            st.add(jac, XI, OUT, -d);
            st.add(jac, XI, ORET, d);
            st.add(jac, XI, CUR, -d * droop);
            st.add(jac, XI, XI, d_dxi);
            let (_, dc_de, dc_dxi) = self.pi.command(e, xi);
            st.add(jac, CMD, OUT, -dc_de);
            st.add(jac, CMD, ORET, dc_de);
            st.add(jac, CMD, CUR, -dc_de * droop);
            st.add(jac, CMD, XI, dc_dxi);
        } else {
            st.add(jac, XI, XI, -self.rate);
        }
        st.add(jac, CMD, CMD, -1.0);
        st.add(jac, CUR, CMD, 1.0);
        st.add(jac, CUR, CUR, -1.0);
        let m = self.ripple(ctx.t).0;
        st.add(jac, OUT, CUR, m);
        st.add(jac, ORET, CUR, -m);
        let (p, dp_di, dp_dv) = control::input_power(v_out, i, self.efficiency);
        let (g, dg) = control::per_volt(st.y(y, IN) - st.y(y, IRET));
        for (row, sign) in [(IN, -1.0), (IRET, 1.0)] {
            st.add(jac, row, CUR, sign * dp_di * g);
            st.add(jac, row, OUT, sign * dp_dv * g);
            st.add(jac, row, ORET, -sign * dp_dv * g);
            st.add(jac, row, IN, sign * p * dg);
            st.add(jac, row, IRET, -sign * p * dg);
        }
        if self.on_store() {
            st.add(jac, USED, CUR, dp_di);
            st.add(jac, USED, OUT, dp_dv);
            st.add(jac, USED, ORET, -dp_dv);
        } else {
            st.add(jac, USED, USED, -1.0);
        }
    }
    fn time_derivative(&self, ctx: &Ctx, y: &[f64], ft: &mut [f64]) {
        let sag_rate = self.sag(ctx.t).1;
        if sag_rate != 0.0 && self.regulating() {
            // ∂e/∂t = −(set-point fall rate).
            let (e, xi) = (self.error(y, ctx.t), self.st.y(y, XI));
            ft[self.st.at(XI)] -= self.pi.integrator(e, xi).1 * sag_rate;
            ft[self.st.at(CMD)] -= self.pi.command(e, xi).1 * sag_rate;
        }
        let slope = self.ripple(ctx.t).1;
        if slope != 0.0 {
            let i = self.st.y(y, CUR);
            ft[self.st.at(OUT)] += i * slope;
            ft[self.st.at(ORET)] -= i * slope;
        }
    }
    fn branches(&self) -> Vec<Branch> {
        // The output current is a state; the input is a power sink whose
        // current follows from its voltage, like a constant-power load.
        vec![
            Branch {
                a: self.st.at(OUT),
                b: self.st.at(ORET),
                kind: BranchKind::FixedCurrent,
            },
            Branch {
                a: self.st.at(IN),
                b: self.st.at(IRET),
                kind: BranchKind::Conductive,
            },
        ]
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![SignalKind::Current, SignalKind::Power]
    }
    /// Delivered output current and output power.
    fn signal(&self, index: usize, ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let delivered = self.st.y(y, CUR) * self.ripple(ctx.t).0;
        if index == 0 {
            delivered
        } else {
            delivered * self.v_out(y)
        }
    }
    fn control_loops(&self) -> Vec<usize> {
        vec![self.st.at(CMD)]
    }
    /// An output with no declared nominal on either terminal (both guessed
    /// at 0 V) starts at the set-point: the terminal that is not ground
    /// takes +V_ref, or −V_ref when it is the return (the minus pole of a
    /// bipolar system), instead of leaving Newton to find the sign.
    fn refine_guess(&self, y: &mut [f64]) {
        let (out, ret) = (self.st.at(OUT), self.st.at(ORET));
        if y[out] != 0.0 || y[ret] != 0.0 {
            return;
        }
        if out != GROUND {
            y[out] = self.pi.v_ref;
        } else if ret != GROUND {
            y[ret] = -self.pi.v_ref;
        }
    }
    fn root_count(&self) -> usize {
        match (self.holdup_joules() > 0.0, self.drop().is_some()) {
            (true, true) => 4,
            (true, false) => 3,
            _ => 2,
        }
    }
    fn roots(&self, ctx: &Ctx, y: &[f64], out: &mut [f64]) {
        if self.regulating() {
            self.pi.roots(self.error(y, ctx.t), self.st.y(y, XI), out);
        } else {
            out[0] = 1.0;
            out[1] = 1.0;
        }
        if out.len() > 2 {
            // Inactive it stays negative: the engine keeps the sign a root
            // crossed to, and this root switches itself off by falling.
            out[2] = if self.on_store() {
                self.holdup_joules() - self.st.y(y, USED)
            } else {
                -1.0
            };
        }
        if let (Some(d), true) = (self.drop(), out.len() > 3) {
            // Falls through zero when `after_fraction` of the store is used.
            out[3] = if self.on_store() && self.drop_start.is_none() {
                d.after_fraction * self.holdup_joules() - self.st.y(y, USED)
            } else {
                -1.0
            };
        }
    }
    fn on_root(&mut self, index: usize, t: f64, rising: bool) -> Reaction {
        if index == 3 {
            let Some(d) = self.drop() else {
                return Reaction::default();
            };
            if rising || !self.on_store() || self.drop_start.is_some() {
                return Reaction::default();
            }
            self.drop_start = Some(t);
            // A timer lands the step on the end of the ramp (a corner).
            return Reaction {
                schedule: Some((t + d.fall_seconds, 0)),
                report: vec![format!("hold-up low: output drops {} V", d.volts)],
                discontinuity: true,
            };
        }
        if index == 2 {
            if !rising && self.on_store() {
                self.exhausted = true;
                let mut r = self.switched("hold-up exhausted");
                r.report.extend(self.pi.move_to(Saturation::Free));
                return r;
            }
            return Reaction::default();
        }
        let before = self.pi.sat;
        if !self.regulating() || !self.pi.on_root(index, rising) {
            return Reaction::default();
        }
        // i* is continuous across the boundary, and so is ξ' under
        // back-calculation; a held integrator's ξ' jumps, so the step
        // restarts there.
        Reaction {
            schedule: None,
            report: limit_events(before, self.pi.sat, self.pi.i_min < 0.0),
            discontinuity: self.pi.anti_windup == AntiWindup::Hold,
        }
    }
    fn apply(&mut self, action: &Action, y: &mut [f64]) -> Result<Reaction, DeviceError> {
        match action {
            Action::Trip => {
                self.tripped = true;
                for local in [CUR, CMD, XI] {
                    y[self.st.at(local)] = 0.0;
                }
                let mut r = self.switched("trip");
                r.report.extend(self.pi.move_to(Saturation::Free));
                Ok(r)
            }
            Action::Set { field, value } if field == "volts" && *value > 0.0 => {
                self.pi.v_ref = *value;
                let limits = self.resync_limits(y);
                let mut r = self.switched(&format!("volts set to {value}"));
                r.report.extend(limits);
                Ok(r)
            }
            Action::Set { field, value }
                if matches!(self.supply, Supply::Grid { .. })
                    && (field == "grid_volts" || field == "ac_ok")
                    && *value >= 0.0 =>
            {
                let ok = *value > 0.0;
                if ok == self.ac_ok {
                    return Ok(Reaction::default());
                }
                self.ac_ok = ok;
                self.exhausted = false;
                self.drop_start = None;
                y[self.st.at(USED)] = 0.0;
                // The drop restarts from zero in either direction.
                let limits = self.resync_limits(y);
                let mut r = self.switched(if ok { "ac restored" } else { "ac loss" });
                r.report.extend(limits);
                Ok(r)
            }
            other => {
                let grid = if matches!(self.supply, Supply::Grid { .. }) {
                    ", Set(field: \"grid_volts\") (0 = AC loss)"
                } else {
                    ""
                };
                Err(DeviceError::unsupported(
                    format!("`{}`", self.name),
                    &format!("Trip, Set(field: \"volts\") with a positive value{grid}"),
                    other,
                ))
            }
        }
    }
}
