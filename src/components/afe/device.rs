//! The compiled `ActiveFrontEnd`: its unknowns (PI integrator ξ, d-axis
//! current command i_d*, grid currents i_d and i_q in the PLL frame, PLL
//! angle error δ and PLL integrator ω_x), their rows, the PCC voltage
//! behind the grid's Thevenin impedance, and the DC current it delivers.
//! The rows are written once as `Lin` values (value and gradient), so the
//! Jacobian is the exact derivative of the residual. Modes, roots and
//! scenario actions live in `modes.rs`. Owns no schema (see `afe.rs`).

use super::lin::{Lin, N};
use crate::components::control::{self, per_volt, PiLoop, Stamp};
use crate::device::{
    Action, Branch, BranchKind, Builder, Ctx, Device, DeviceError, Reaction, SignalKind,
};

// Local unknowns of the device.
pub(super) const OUT: usize = 0;
pub(super) const ORET: usize = 1;
pub(super) const XI: usize = 2;
pub(super) const CMD: usize = 3;
pub(super) const ID: usize = 4;
pub(super) const IQ: usize = 5;
pub(super) const DEL: usize = 6;
pub(super) const WX: usize = 7;

/// The grid behind the point of common coupling, and the fixed gains.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrontEndParams {
    /// Nominal line-to-line RMS voltage V_ll (V): 1 pu of the PCC voltage.
    pub v_ll: f64,
    /// Nominal phase-voltage peak Ê = √2·V_ll/√3 (V): the dq amplitude.
    pub e_peak: f64,
    /// Thevenin resistance and reactance per phase at the nominal
    /// frequency (Ω), and the inductance L = X/ω₀ (H).
    pub r: f64,
    pub x: f64,
    pub l: f64,
    /// Current-loop rate 2π·f_i (1/s).
    pub rate: f64,
    pub efficiency: f64,
    /// SRF-PLL gains on v_q/Ê: k_p = 2ζω_n, k_i = ω_n².
    pub pll_kp: f64,
    pub pll_ki: f64,
    /// DC-link trip rule: (volts, seconds) below which, for how long.
    pub trip: Option<(f64, f64)>,
}

/// What the PCC and the DC port see at one y.
pub(super) struct Port {
    /// d-axis PCC voltage (phase peak).
    pub vd: Lin,
    /// q-axis PCC voltage, what the PLL drives to zero.
    pub vq: Lin,
    /// Active power drawn from the grid at the PCC, 1.5·(v_d·i_d + v_q·i_q).
    pub p: Lin,
    /// DC current delivered into `output`.
    pub i_dc: Lin,
    /// Voltage-loop error V_ref − R_droop·i_dc − v_dc.
    pub e: Lin,
}

/// Compiled ActiveFrontEnd.
#[derive(Debug, Clone)]
pub(crate) struct FrontEndDevice {
    pub(super) name: String,
    pub(super) st: Stamp,
    /// The DC-link PI in AC amperes (d-axis command), with the current limit.
    pub(super) pi: PiLoop,
    pub(super) k: FrontEndParams,
    /// Per-unit grid EMF g (`grid_volts`).
    pub(super) grid: f64,
    /// Grid phase as last set (degrees), so a jump is new − old.
    pub(super) phase_deg: f64,
    pub(super) tripped: bool,
    /// The DC link is below the trip volts (reported `dc link low`).
    pub(super) low: bool,
    /// Identifies the trip timer that is still valid.
    pub(super) generation: u64,
}

impl FrontEndDevice {
    pub(crate) fn new(
        b: &mut Builder,
        name: &str,
        terminals: [usize; 2],
        pi: PiLoop,
        k: FrontEndParams,
    ) -> Self {
        let xi = b.state(name, "xi", 1.0);
        let cmd = b.algebraic(name, "id_cmd");
        let id = b.state(name, "id", 1.0 / k.rate);
        let iq = b.state(name, "iq", 1.0 / k.rate);
        let del = b.state(name, "pll_angle", 1.0);
        let wx = b.state(name, "pll_integrator", 1.0);
        let index = vec![terminals[0], terminals[1], xi, cmd, id, iq, del, wx];
        let pairs: Vec<(usize, usize)> = (0..N).flat_map(|r| (0..N).map(move |c| (r, c))).collect();
        let st = Stamp::new(b, index, &pairs);
        FrontEndDevice {
            name: name.to_string(),
            st,
            pi,
            k,
            grid: 1.0,
            phase_deg: 0.0,
            tripped: false,
            low: false,
            generation: 0,
        }
    }

    fn var(&self, y: &[f64], local: usize) -> Lin {
        Lin::var(local, self.st.y(y, local))
    }

    /// The PCC voltage in the PLL frame, v = e − R·i − L·di/dt − jX·i with
    /// e = g·Ê·e^{−jδ} and di/dt from the current loop; the power and the
    /// DC current it gives.
    pub(super) fn port(&self, y: &[f64]) -> Port {
        let k = &self.k;
        let v_dc = self.var(y, OUT) - self.var(y, ORET);
        let (id, iq, cmd) = (self.var(y, ID), self.var(y, IQ), self.var(y, CMD));
        let del = self.var(y, DEL);
        let amp = self.grid * k.e_peak;
        let (ed, eq) = (del.cos() * amp, del.sin() * -amp);
        let did = (cmd - id) * k.rate;
        let diq = iq * -k.rate;
        let vd = ed - id * k.r - did * k.l + iq * k.x;
        let vq = eq - iq * k.r - diq * k.l - id * k.x;
        let p = (vd * id + vq * iq) * 1.5;
        // Forward the DC side gets η·p, in reverse the grid gets η·p_dc.
        let eta = if p.v >= 0.0 {
            k.efficiency
        } else {
            1.0 / k.efficiency
        };
        let (g, dg) = per_volt(v_dc.v);
        let i_dc = p * v_dc.map(g, dg) * eta;
        let e = Lin::constant(self.pi.v_ref) - i_dc * self.pi.droop - v_dc;
        Port { vd, vq, p, i_dc, e }
    }

    /// Every residual row (F of M·y' = F) with its gradient.
    fn rows(&self, y: &[f64]) -> [Lin; N] {
        let port = self.port(y);
        let (xi, cmd) = (self.var(y, XI), self.var(y, CMD));
        let (id, iq) = (self.var(y, ID), self.var(y, IQ));
        let (xi_row, cmd_row) = if self.tripped {
            // Off: no command, the integrator relaxes to zero.
            (xi * -self.k.rate, -cmd)
        } else {
            let e = port.e;
            let (f, de, dxi) = self.pi.integrator(e.v, xi.v);
            let (c, ce, cxi) = self.pi.command(e.v, xi.v);
            (
                Lin::combine(de, e, dxi, xi).with_value(f),
                Lin::combine(ce, e, cxi, xi).with_value(c) - cmd,
            )
        };
        let vqn = port.vq * (1.0 / self.k.e_peak);
        [
            port.i_dc,
            -port.i_dc,
            xi_row,
            cmd_row,
            cmd - id,
            -iq,
            vqn * self.k.pll_kp + self.var(y, WX),
            vqn * self.k.pll_ki,
        ]
    }

    /// The two losses of the front end (W): the conversion loss
    /// p_pcc − p_dc, (1 − η)·p_pcc forward and (1/η − 1)·|p_pcc| in
    /// reverse, and the I²R of the grid's Thevenin resistance,
    /// 1.5·R·(i_d² + i_q²) (dq peak amplitudes), dissipated upstream of
    /// the PCC.
    pub(crate) fn losses(&self, y: &[f64]) -> (f64, f64) {
        let port = self.port(y);
        let conversion = port.p.v - port.i_dc.v * self.v_dc(y);
        let (id, iq) = (self.st.y(y, ID), self.st.y(y, IQ));
        (conversion, 1.5 * self.k.r * (id * id + iq * iq))
    }

    /// Active power of the grid's EMF, 1.5·(e_d·i_d + e_q·i_q): the PCC
    /// power plus the grid resistance's I²R plus the rate of change of the
    /// energy 0.75·L·(i_d² + i_q²) in the grid inductance.
    pub(crate) fn emf_power(&self, y: &[f64]) -> f64 {
        let amp = self.grid * self.k.e_peak;
        let del = self.st.y(y, DEL);
        let (id, iq) = (self.st.y(y, ID), self.st.y(y, IQ));
        1.5 * amp * (del.cos() * id - del.sin() * iq)
    }

    /// The PCC voltage as line-to-line RMS, V: |v_dq|·√3/√2 (v_dq are
    /// amplitude-invariant phase peaks), so 1 pu is `grid_vll`.
    pub(crate) fn pcc_volts(&self, y: &[f64]) -> f64 {
        let port = self.port(y);
        port.vd.v.hypot(port.vq.v) * 1.5f64.sqrt()
    }

    pub(super) fn v_dc(&self, y: &[f64]) -> f64 {
        self.st.y(y, OUT) - self.st.y(y, ORET)
    }

    pub(super) fn switched(&self, what: String) -> Reaction {
        Reaction {
            schedule: None,
            report: vec![what],
            discontinuity: true,
        }
    }
}

impl Device for FrontEndDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        for (local, row) in self.rows(y).iter().enumerate() {
            f[self.st.at(local)] += row.v;
        }
    }
    fn jacobian(&self, _ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        for (r, row) in self.rows(y).iter().enumerate() {
            for (c, d) in row.d.iter().enumerate() {
                if *d != 0.0 {
                    self.st.add(jac, r, c, *d);
                }
            }
        }
    }
    fn branches(&self) -> Vec<Branch> {
        // The delivered current follows the current-loop states.
        vec![Branch {
            a: self.st.at(OUT),
            b: self.st.at(ORET),
            kind: BranchKind::FixedCurrent,
        }]
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![
            SignalKind::Current,
            SignalKind::Power,
            SignalKind::Loss,
            SignalKind::Drawn,
            SignalKind::PccVoltage,
        ]
    }
    /// `i`: the d-axis (active, once the PLL is locked) line current, RMS,
    /// drawn from the grid; `p`: the active power drawn at the PCC; `loss`:
    /// the conversion loss plus the grid impedance's I²R
    /// ([`FrontEndDevice::losses`]); drawn: the power of the grid's EMF;
    /// `v`: the PCC voltage ([`FrontEndDevice::pcc_volts`]).
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        match index {
            0 => self.st.y(y, ID) / std::f64::consts::SQRT_2,
            1 => self.port(y).p.v,
            2 => {
                let (conversion, grid) = self.losses(y);
                conversion + grid
            }
            3 => self.emf_power(y),
            4 => self.pcc_volts(y),
            _ => f64::NAN,
        }
    }
    /// The PCC voltage's 1 pu is the grid's nominal line-to-line voltage.
    fn signal_nominal(&self, index: usize) -> Option<f64> {
        (index == 4).then_some(self.k.v_ll)
    }
    fn control_loops(&self) -> Vec<usize> {
        vec![self.st.at(CMD)]
    }
    /// An output with no declared nominal starts at the set-point.
    fn refine_guess(&self, y: &mut [f64]) {
        control::start_at_set_point(y, self.st.at(OUT), self.st.at(ORET), self.pi.v_ref);
    }
    fn root_count(&self) -> usize {
        2 + usize::from(self.k.trip.is_some())
    }
    fn roots(&self, _ctx: &Ctx, y: &[f64], out: &mut [f64]) {
        self.write_roots(y, out);
    }
    fn on_root(&mut self, index: usize, t: f64, rising: bool) -> Reaction {
        self.root_crossed(index, t, rising)
    }
    fn on_timer(&mut self, token: u64, _t: f64, _y: &[f64]) -> Reaction {
        self.timer(token)
    }
    fn apply(&mut self, action: &Action, y: &mut [f64]) -> Result<Reaction, DeviceError> {
        self.act(action, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::control::{AntiWindup, Saturation};
    use crate::device::GROUND;

    /// The analytic Jacobian against central differences of the residual,
    /// at a loaded point away from every limit and at one inside the limit.
    #[test]
    fn jacobian_matches_finite_differences() {
        let mut b = Builder::new();
        let out = b.node("bus");
        let pi = PiLoop {
            kp: 3.0,
            ki: 900.0,
            v_ref: 800.0,
            droop: 0.05,
            i_max: 2000.0,
            i_min: 0.0,
            tracking: 300.0,
            sat: Saturation::Free,
            anti_windup: AntiWindup::BackCalculation,
        };
        let k = FrontEndParams {
            v_ll: 480.0,
            e_peak: 391.9,
            r: 0.004,
            x: 0.04,
            l: 0.04 / 377.0,
            rate: 6283.0,
            efficiency: 0.98,
            pll_kp: 88.0,
            pll_ki: 3948.0,
            trip: None,
        };
        let mut d = FrontEndDevice::new(&mut b, "afe", [out, GROUND], pi, k);
        d.grid = 0.8;
        for y in [
            vec![0.0, 790.0, 500.0, 900.0, 850.0, 30.0, 0.1, 2.0],
            vec![0.0, 780.0, 2500.0, 2000.0, 1900.0, -40.0, -0.3, -1.0],
        ] {
            let n = y.len();
            let mut jac = vec![0.0; b.slot_count];
            let ctx = Ctx {
                t: 0.0,
                inputs: &[],
            };
            d.jacobian(&ctx, &y, &mut jac);
            for col in 1..n {
                let h = 1e-6 * y[col].abs().max(1.0);
                let (mut hi, mut lo) = (y.clone(), y.clone());
                hi[col] += h;
                lo[col] -= h;
                let (mut fh, mut fl) = (vec![0.0; n], vec![0.0; n]);
                d.eval(&ctx, &hi, &mut fh);
                d.eval(&ctx, &lo, &mut fl);
                for row in 1..n {
                    let fd = (fh[row] - fl[row]) / (2.0 * h);
                    let an = b.slots.get(row, col).map_or(0.0, |s| jac[s]);
                    assert!(
                        // Rounding in the differences: ~1e-16·|F|/h ≤ 1e-4
                        // on rows of up to 1e6 with h ≥ 1e-6.
                        (fd - an).abs() <= 1e-6 * fd.abs() + 1e-4,
                        "∂F[{row}]/∂y[{col}]: analytic {an}, differences {fd}"
                    );
                }
            }
        }
    }
}
