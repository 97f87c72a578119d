//! The compiled Converter or Rectifier: unknowns ξ, i* and i (plus the
//! hold-up energy of a Rectifier that has one) and their rows, including
//! the input current limit of a Rectifier in a partial grid sag. The modes,
//! state events and scenario actions live in `device/modes.rs`. Owns no
//! schema; see `converter.rs` and `rectifier.rs`.

mod modes;
mod supply;

use super::super::control::{self, PiLoop, Saturation, Stamp};
use crate::device::{
    Action, Branch, BranchKind, Builder, Ctx, Device, DeviceError, Reaction, SignalKind, GROUND,
};
use supply::RootLayout;
pub(crate) use supply::{
    HoldupDrop, Supply, CONVERTER_EVENTS, INPUT_LIMIT, INPUT_LIMIT_CLEARED, RECTIFIER_EVENTS, UVLO,
    UVLO_CLEARED,
};

// Local unknowns of the device.
const OUT: usize = 0;
const ORET: usize = 1;
const IN: usize = 2;
const IRET: usize = 3;
const XI: usize = 4;
const CMD: usize = 5;
const CUR: usize = 6;
/// Energy drawn from the hold-up store since the AC loss or sag (J).
const USED: usize = 7;

/// Compiled Converter or Rectifier.
#[derive(Debug, Clone)]
pub(crate) struct RegulatedDevice {
    name: String,
    st: Stamp,
    pi: PiLoop,
    /// Current-loop rate 2π·f_i.
    rate: f64,
    efficiency: f64,
    supply: Supply,
    roots: RootLayout,
    /// Output power at the current limit and the rated set-point,
    /// current_limit_pu·rated_watts (W): what the input current limit lets
    /// through at 1 pu grid voltage.
    limit_watts: f64,
    tripped: bool,
    /// Per-unit grid voltage g (a Rectifier's `grid_volts`): 0 is AC loss,
    /// below 1 a partial sag, 1 and above a normal grid.
    grid: f64,
    /// The hold-up store ran dry during this AC loss or sag.
    exhausted: bool,
    /// When the hold-up set-point drop began during this AC loss.
    drop_start: Option<f64>,
    /// The reported state of a sagged grid's input current limit.
    input_limited: bool,
    /// The reported state of the input under-voltage lockout.
    locked_out: bool,
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
            limit_watts: pi.i_max * pi.v_ref,
            pi,
            rate,
            efficiency,
            roots: RootLayout::new(supply),
            supply,
            tripped: false,
            grid: 1.0,
            exhausted: false,
            drop_start: None,
            input_limited: false,
            locked_out: false,
        }
    }

    fn holdup_joules(&self) -> f64 {
        match self.supply {
            Supply::Grid { holdup_joules, .. } => holdup_joules,
            Supply::Network { .. } => 0.0,
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

    fn ac_ok(&self) -> bool {
        self.grid > 0.0
    }

    /// A partial grid sag: 0 < g < 1.
    fn sagged(&self) -> bool {
        self.grid > 0.0 && self.grid < 1.0
    }

    /// Running on the hold-up store through an AC loss.
    fn on_store(&self) -> bool {
        !self.tripped && !self.ac_ok() && !self.exhausted && self.holdup_joules() > 0.0
    }

    /// In a partial sag with hold-up energy left to cover a shortfall.
    fn sag_store(&self) -> bool {
        !self.tripped && self.sagged() && !self.exhausted && self.holdup_joules() > 0.0
    }

    /// In a partial sag with no hold-up left: the command is capped so
    /// that the input current stays at its limit.
    fn capped(&self) -> bool {
        !self.tripped && self.sagged() && !self.sag_store()
    }

    fn regulating(&self) -> bool {
        !self.tripped && !self.locked_out && (self.ac_ok() || self.on_store())
    }

    /// Input power the sagged grid can supply, g·current_limit_pu·rated/η.
    fn available_watts(&self) -> f64 {
        self.grid * self.limit_watts / self.efficiency
    }

    /// The cap on the command in a partial sag with no hold-up left,
    /// I_in = g·current_limit_pu·rated/v_out (output power g·P_limit, input
    /// g·P_limit/η), with ∂I_in/∂v_out; `None` otherwise.
    fn cap(&self, v_out: f64) -> Option<(f64, f64)> {
        if !self.capped() {
            return None;
        }
        let p = self.grid * self.limit_watts;
        let (g, dg) = control::per_volt(v_out);
        Some((p * g, p * dg))
    }

    /// The PI loop as it acts now: its upper limit lowered to the input
    /// cap where that is lower (reported as held when the input limit is),
    /// and ∂I_max/∂v_out while the cap is the active upper limit.
    fn law(&self, v_out: f64) -> (PiLoop, f64) {
        let mut pi = self.pi.clone();
        match self.cap(v_out) {
            Some((c, dc)) if c < pi.i_max => {
                pi.i_max = c;
                if self.input_limited {
                    pi.sat = Saturation::Upper;
                }
                (pi, dc)
            }
            _ => (pi, 0.0),
        }
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

    fn v_in(&self, y: &[f64]) -> f64 {
        self.st.y(y, IN) - self.st.y(y, IRET)
    }

    /// Input power drawn now (p, ∂p/∂i, ∂p/∂v_out).
    fn input_power(&self, y: &[f64]) -> (f64, f64, f64) {
        control::input_power(self.v_out(y), self.st.y(y, CUR), self.efficiency)
    }

    /// Loop error at time `t`, with the hold-up drop applied.
    fn error(&self, y: &[f64], t: f64) -> f64 {
        self.pi.error(self.v_out(y), self.st.y(y, CUR)) - self.sag(t).0
    }

    /// Whether the hold-up store is being drawn on: through an AC loss, or
    /// in a sag while the grid's input current is at its limit.
    fn drawing_store(&self) -> bool {
        self.on_store() || (self.sag_store() && self.input_limited)
    }

    /// Power drawn from the store: all of p_in through an AC loss, the
    /// shortfall p_in − g·P_limit/η in a sag.
    fn store_power(&self, p: f64) -> f64 {
        if self.on_store() {
            p
        } else {
            p - self.available_watts()
        }
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
            let (pi, _) = self.law(v_out);
            f[st.at(XI)] += pi.integrator(e, xi).0;
            f[st.at(CMD)] += pi.command(e, xi).0 - cmd;
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
        let (p, _, _) = self.input_power(y);
        let (g, _) = control::per_volt(self.v_in(y));
        f[st.at(IN)] -= p * g;
        f[st.at(IRET)] += p * g;
        if self.drawing_store() {
            f[st.at(USED)] += self.store_power(p);
        } else if !self.sag_store() {
            // Outside an AC loss or sag the store is full; in a sag with
            // no shortfall it keeps its charge (no recharge until the grid
            // returns to 1 pu).
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
            let (pi, d_cap) = self.law(v_out);
            let (_, d, d_dxi) = pi.integrator(e, xi);
            st.add(jac, XI, OUT, -d);
            st.add(jac, XI, ORET, d);
            st.add(jac, XI, CUR, -d * droop);
            st.add(jac, XI, XI, d_dxi);
            let (_, dc_de, dc_dxi) = pi.command(e, xi);
            st.add(jac, CMD, OUT, -dc_de);
            st.add(jac, CMD, ORET, dc_de);
            st.add(jac, CMD, CUR, -dc_de * droop);
            st.add(jac, CMD, XI, dc_dxi);
            if d_cap != 0.0 && pi.unclamped(e, xi) > pi.i_max {
                // The command sits on the cap I_in(v_out), and the
                // back-calculated integrator relaxes towards it.
                st.add(jac, CMD, OUT, d_cap);
                st.add(jac, CMD, ORET, -d_cap);
                if !pi.holding() && pi.ki != 0.0 {
                    st.add(jac, XI, OUT, pi.tracking * d_cap);
                    st.add(jac, XI, ORET, -pi.tracking * d_cap);
                }
            }
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
        let (g, dg) = control::per_volt(self.v_in(y));
        for (row, sign) in [(IN, -1.0), (IRET, 1.0)] {
            st.add(jac, row, CUR, sign * dp_di * g);
            st.add(jac, row, OUT, sign * dp_dv * g);
            st.add(jac, row, ORET, -sign * dp_dv * g);
            st.add(jac, row, IN, sign * p * dg);
            st.add(jac, row, IRET, -sign * p * dg);
        }
        if self.drawing_store() {
            st.add(jac, USED, CUR, dp_di);
            st.add(jac, USED, OUT, dp_dv);
            st.add(jac, USED, ORET, -dp_dv);
        } else if !self.sag_store() {
            st.add(jac, USED, USED, -1.0);
        }
    }
    fn time_derivative(&self, ctx: &Ctx, y: &[f64], ft: &mut [f64]) {
        let sag_rate = self.sag(ctx.t).1;
        if sag_rate != 0.0 && self.regulating() {
            // ∂e/∂t = −(set-point fall rate).
            let (e, xi) = (self.error(y, ctx.t), self.st.y(y, XI));
            let (pi, _) = self.law(self.v_out(y));
            ft[self.st.at(XI)] -= pi.integrator(e, xi).1 * sag_rate;
            ft[self.st.at(CMD)] -= pi.command(e, xi).1 * sag_rate;
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
        vec![SignalKind::Current, SignalKind::Power, SignalKind::Loss]
    }
    /// Delivered output current and output power (positive delivering),
    /// and the conversion loss p_in − p_out of the averaged current (the
    /// AC ripple averages out of it).
    fn signal(&self, index: usize, ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let delivered = self.st.y(y, CUR) * self.ripple(ctx.t).0;
        match index {
            0 => delivered,
            1 => delivered * self.v_out(y),
            _ => control::conversion_loss(self.v_out(y), self.st.y(y, CUR), self.efficiency),
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
        control::start_at_set_point(y, self.st.at(OUT), self.st.at(ORET), self.pi.v_ref);
    }
    fn check_operating_point(&self, _ctx: &Ctx, y: &[f64]) -> Result<(), DeviceError> {
        self.check_uvlo_at_start(y)
    }
    fn root_count(&self) -> usize {
        self.roots.count
    }
    fn roots(&self, ctx: &Ctx, y: &[f64], out: &mut [f64]) {
        self.write_roots(ctx, y, out);
    }
    fn on_root(&mut self, index: usize, t: f64, rising: bool) -> Reaction {
        self.root_crossed(index, t, rising)
    }
    fn on_timer(&mut self, token: u64, _t: f64, y: &[f64]) -> Reaction {
        self.timer(token, y)
    }
    fn apply(&mut self, action: &Action, y: &mut [f64]) -> Result<Reaction, DeviceError> {
        self.act(action, y)
    }
}
