//! The discrete side of a compiled Converter or Rectifier: its root
//! functions (PI limits, hold-up, input UVLO, a sagged grid's input current
//! limit), what each crossing switches and reports, the limit state after a
//! jump, and the scenario actions. The equations are in `device.rs`.

use super::{
    RegulatedDevice, Supply, CMD, CUR, INPUT_LIMIT, INPUT_LIMIT_CLEARED, USED, UVLO, UVLO_CLEARED,
    XI,
};
use crate::components::control::{limit_events, AntiWindup, Saturation};
use crate::device::{Action, Ctx, DeviceError, Reaction};

/// Timer token that lands the end of the hold-up drop ramp (a corner).
const RAMP_END: u64 = 0;
/// Timer token that re-reads the limit states from the solution right
/// after a switch that a root reported (the root callback has no y).
const RESYNC: u64 = 1;

impl RegulatedDevice {
    pub(super) fn write_roots(&self, ctx: &Ctx, y: &[f64], out: &mut [f64]) {
        let v_out = self.v_out(y);
        let (e, xi) = (self.error(y, ctx.t), self.st.y(y, XI));
        let u = self.pi.unclamped(e, xi);
        let cap = self.cap(v_out).map(|(c, _)| c);
        match (self.regulating(), cap) {
            (true, Some(c)) => {
                // Only the lower of the two upper limits is reported.
                out[0] = self.pi.i_max - u.min(c);
                out[1] = u - self.pi.i_min;
            }
            (true, None) => self.pi.roots(e, xi, out),
            (false, _) => {
                out[0] = 1.0;
                out[1] = 1.0;
            }
        }
        if let Some(k) = self.roots.exhausted {
            // Inactive it stays negative: the engine keeps the sign a root
            // crossed to, and this root switches itself off by falling.
            out[k] = if self.on_store() || self.sag_store() {
                self.holdup_joules() - self.st.y(y, USED)
            } else {
                -1.0
            };
        }
        if let (Some(k), Some(d)) = (self.roots.drop, self.drop()) {
            // Falls through zero when `after_fraction` of the store is used.
            out[k] = if self.on_store() && self.drop_start.is_none() {
                d.after_fraction * self.holdup_joules() - self.st.y(y, USED)
            } else {
                -1.0
            };
        }
        if let (
            Some(k),
            Supply::Network {
                uvlo: Some((off, on)),
            },
        ) = (self.roots.uvlo, self.supply)
        {
            let threshold = if self.locked_out { on } else { off };
            out[k] = if self.tripped {
                1.0
            } else {
                self.v_in(y) - threshold
            };
        }
        if let Some(k) = self.roots.input {
            // Negative while the grid's input current is at its limit.
            out[k] = match cap {
                _ if self.sag_store() => self.available_watts() - self.input_power(y).0,
                Some(c) if self.regulating() => c - u.min(self.pi.i_max),
                _ => 1.0,
            };
        }
    }

    pub(super) fn root_crossed(&mut self, index: usize, t: f64, rising: bool) -> Reaction {
        let r = self.roots;
        if Some(index) == r.drop {
            return self.drop_reached(t, rising);
        }
        if Some(index) == r.exhausted {
            return self.store_ran_dry(rising);
        }
        if Some(index) == r.uvlo {
            return self.uvlo_crossed(rising);
        }
        if Some(index) == r.input {
            return self.input_limit_crossed(rising);
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

    fn drop_reached(&mut self, t: f64, rising: bool) -> Reaction {
        let Some(d) = self.drop() else {
            return Reaction::default();
        };
        if rising || !self.on_store() || self.drop_start.is_some() {
            return Reaction::default();
        }
        self.drop_start = Some(t);
        // A timer lands the step on the end of the ramp (a corner).
        Reaction {
            schedule: Some((t + d.fall_seconds, RAMP_END)),
            report: vec![format!("hold-up low: output drops {} V", d.volts)],
            discontinuity: true,
        }
    }

    fn store_ran_dry(&mut self, rising: bool) -> Reaction {
        if rising || !(self.on_store() || self.sag_store()) {
            return Reaction::default();
        }
        let sag = self.sag_store();
        self.exhausted = true;
        let mut r = self.switched("hold-up exhausted");
        if sag {
            // From here on the command is capped at the input limit.
            r.schedule = Some((0.0, RESYNC));
        } else {
            r.report.extend(self.pi.move_to(Saturation::Free));
        }
        r
    }

    fn uvlo_crossed(&mut self, rising: bool) -> Reaction {
        if self.tripped || rising != self.locked_out {
            return Reaction::default();
        }
        self.locked_out = !rising;
        if self.locked_out {
            // The command drops to zero; the integrator and the current
            // decay with the current loop's time constant (see `eval`).
            let mut r = self.switched(UVLO);
            r.report.extend(self.pi.move_to(Saturation::Free));
            return r;
        }
        let mut r = self.switched(UVLO_CLEARED);
        r.schedule = Some((0.0, RESYNC));
        r
    }

    fn input_limit_crossed(&mut self, rising: bool) -> Reaction {
        if rising != self.input_limited {
            return Reaction::default();
        }
        self.input_limited = !rising;
        self.switched(if rising {
            INPUT_LIMIT_CLEARED
        } else {
            INPUT_LIMIT
        })
    }

    pub(super) fn timer(&mut self, token: u64, y: &[f64]) -> Reaction {
        if token != RESYNC {
            return Reaction::default();
        }
        Reaction {
            schedule: None,
            report: self.resync_limits(y),
            discontinuity: true,
        }
    }

    /// The reported limit states after a jump (a set-point change, a grid
    /// change, a restart), with the events they raise; a unit that does not
    /// regulate is in no limit. Without the time: a set-point change during
    /// a hold-up drop resyncs on the undropped error; the roots correct the
    /// reported state at the next crossing.
    pub(super) fn resync_limits(&mut self, y: &[f64]) -> Vec<String> {
        let (e, xi) = (
            self.pi.error(self.v_out(y), self.st.y(y, CUR)),
            self.st.y(y, XI),
        );
        let u = self.pi.unclamped(e, xi);
        let input = if !self.regulating() {
            false
        } else if self.sag_store() {
            self.input_power(y).0 > self.available_watts()
        } else {
            matches!(self.cap(self.v_out(y)), Some((c, _)) if c < self.pi.i_max && u >= c)
        };
        let mut out = if !self.regulating() || input {
            self.pi.move_to(Saturation::Free)
        } else {
            self.pi.resync(e, xi)
        };
        if input != self.input_limited {
            self.input_limited = input;
            out.push(
                if input {
                    INPUT_LIMIT
                } else {
                    INPUT_LIMIT_CLEARED
                }
                .to_string(),
            );
        }
        out
    }

    /// The operating point is solved with the converter running, so an
    /// input that starts below `uvlo.off_volts` is an error, not a silent
    /// run that never locks out.
    pub(super) fn check_uvlo_at_start(&self, y: &[f64]) -> Result<(), DeviceError> {
        match self.supply {
            Supply::Network {
                uvlo: Some((off, _)),
            } if self.v_in(y) < off => Err(DeviceError::Collapse(format!(
                "its input starts at {:.4} V, below `uvlo.off_volts` {off} V: the converter would start locked out; raise the input or lower `uvlo.off_volts`",
                self.v_in(y)
            ))),
            _ => Ok(()),
        }
    }

    pub(super) fn act(&mut self, action: &Action, y: &mut [f64]) -> Result<Reaction, DeviceError> {
        let grid = matches!(self.supply, Supply::Grid { .. });
        match action {
            Action::Trip => {
                self.tripped = true;
                for local in [CUR, CMD, XI] {
                    y[self.st.at(local)] = 0.0;
                }
                let mut r = self.switched("trip");
                r.report.extend(self.pi.move_to(Saturation::Free));
                if std::mem::take(&mut self.input_limited) {
                    r.report.push(INPUT_LIMIT_CLEARED.to_string());
                }
                Ok(r)
            }
            Action::Set { field, value } if field == "volts" && *value > 0.0 => {
                self.pi.v_ref = *value;
                let limits = self.resync_limits(y);
                let mut r = self.switched(&format!("volts set to {value}"));
                r.report.extend(limits);
                Ok(r)
            }
            Action::Set { field, value } if grid && field == "grid_volts" && *value >= 0.0 => {
                Ok(self.set_grid(*value, y))
            }
            Action::Set { field, value } if grid && field == "ac_ok" && *value >= 0.0 => {
                Ok(self.set_grid(if *value > 0.0 { 1.0 } else { 0.0 }, y))
            }
            other => {
                let grid = if grid {
                    ", Set(field: \"grid_volts\") with the per-unit grid voltage (0 = AC loss, below 1 a sag)"
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

    /// A new per-unit grid voltage g. AC loss and return reset the store
    /// and the drop as before; entering or leaving a sag (1 pu and above is
    /// a normal grid) refills the store; a change within a sag keeps what
    /// is left of it.
    fn set_grid(&mut self, g: f64, y: &mut [f64]) -> Reaction {
        let (was, now) = (self.grid.min(1.0), g.min(1.0));
        self.grid = g;
        if was == now {
            return Reaction::default();
        }
        let loss_or_return = (was > 0.0) != (now > 0.0);
        if loss_or_return || was == 1.0 || now == 1.0 {
            self.exhausted = false;
            self.drop_start = None;
            y[self.st.at(USED)] = 0.0;
        }
        let limits = self.resync_limits(y);
        let mut r = if loss_or_return {
            self.switched(if now > 0.0 { "ac restored" } else { "ac loss" })
        } else {
            Reaction {
                schedule: None,
                report: Vec::new(),
                discontinuity: true,
            }
        };
        r.report.extend(limits);
        r
    }
}
