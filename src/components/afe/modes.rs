//! The discrete side of a compiled `ActiveFrontEnd`: the current-limit and
//! DC-link trip roots, the trip timer, and the scenario actions (grid sag
//! or loss, phase jump, set-point, trip). The equations are in `device.rs`.

use super::device::{FrontEndDevice, DEL, XI};
use crate::components::control::{limit_events, AntiWindup, Saturation, LIMIT_EVENTS};
use crate::device::{Action, DeviceError, Reaction};

/// The DC link fell below the trip volts: the trip timer runs.
pub(crate) const DC_LOW: &str = "dc link low";
/// It rose above them again before the timer ran out.
pub(crate) const DC_RECOVERED: &str = "dc link recovered";

/// Every event an `ActiveFrontEnd` raises (globs where the text carries a
/// value).
pub(crate) const EVENTS: &[&str] = &[
    LIMIT_EVENTS[0],
    LIMIT_EVENTS[1],
    LIMIT_EVENTS[2],
    LIMIT_EVENTS[3],
    "trip",
    "volts set to *",
    "ac loss",
    "ac restored",
    "grid volts set to *",
    "phase jump to * deg",
    DC_LOW,
    DC_RECOVERED,
];

impl FrontEndDevice {
    pub(super) fn write_roots(&self, y: &[f64], out: &mut [f64]) {
        if self.tripped {
            out.iter_mut().for_each(|o| *o = 1.0);
            return;
        }
        let e = self.port(y).e.v;
        self.pi.roots(e, self.st.y(y, XI), out);
        if let Some((volts, _)) = self.k.trip {
            out[2] = self.v_dc(y) - volts;
        }
    }

    pub(super) fn root_crossed(&mut self, index: usize, t: f64, rising: bool) -> Reaction {
        if self.tripped {
            return Reaction::default();
        }
        if index == 2 {
            return self.dc_link_crossed(t, rising);
        }
        let before = self.pi.sat;
        if !self.pi.on_root(index, rising) {
            return Reaction::default();
        }
        Reaction {
            schedule: None,
            report: limit_events(before, self.pi.sat, self.pi.i_min < 0.0),
            discontinuity: self.pi.anti_windup == AntiWindup::Hold,
        }
    }

    /// Below the trip volts a timer starts; rising above them cancels it
    /// (a newer generation makes the pending timer stale).
    fn dc_link_crossed(&mut self, t: f64, rising: bool) -> Reaction {
        let Some((_, seconds)) = self.k.trip else {
            return Reaction::default();
        };
        if rising == self.low {
            self.low = !rising;
            self.generation += 1;
            return Reaction {
                schedule: (!rising).then_some((t + seconds, self.generation)),
                report: vec![if rising { DC_RECOVERED } else { DC_LOW }.to_string()],
                discontinuity: false,
            };
        }
        Reaction::default()
    }

    pub(super) fn timer(&mut self, token: u64) -> Reaction {
        if token != self.generation || !self.low || self.tripped {
            return Reaction::default();
        }
        self.trip()
    }

    /// Stops the unit: the command is zero from here on, so the grid
    /// current decays with the current loop's time constant.
    fn trip(&mut self) -> Reaction {
        self.tripped = true;
        self.low = false;
        let mut r = self.switched("trip".to_string());
        r.report.extend(self.pi.move_to(Saturation::Free));
        r
    }

    /// The reported limit state after a jump the roots did not see.
    fn resync(&mut self, y: &[f64]) -> Vec<String> {
        if self.tripped {
            return self.pi.move_to(Saturation::Free);
        }
        let e = self.port(y).e.v;
        self.pi.resync(e, self.st.y(y, XI))
    }

    pub(super) fn act(&mut self, action: &Action, y: &mut [f64]) -> Result<Reaction, DeviceError> {
        let report = match action {
            Action::Trip if self.tripped => return Ok(Reaction::default()),
            Action::Trip => return Ok(self.trip()),
            Action::Set { field, value } if field == "volts" && *value > 0.0 => {
                self.pi.v_ref = *value;
                format!("volts set to {value}")
            }
            Action::Set { field, value } if field == "grid_volts" && *value >= 0.0 && value.is_finite() => {
                let was = std::mem::replace(&mut self.grid, *value);
                let what = match (was > 0.0, *value > 0.0) {
                    (true, false) => "ac loss".to_string(),
                    (false, true) => "ac restored".to_string(),
                    _ => format!("grid volts set to {value}"),
                };
                what
            }
            Action::Set { field, value } if field == "grid_phase_deg" && value.is_finite() => {
                // δ = θ_pll − θ_grid: the grid's angle jumps, the PLL's
                // does not, so δ jumps by the opposite amount.
                let jump = value - std::mem::replace(&mut self.phase_deg, *value);
                y[self.st.at(DEL)] -= jump.to_radians();
                format!("phase jump to {value} deg")
            }
            other => {
                return Err(DeviceError::unsupported(
                    format!("`{}`", self.name),
                    "Trip, Set(field: \"volts\") with a positive value, Set(field: \"grid_volts\") with the per-unit grid EMF (0 = a zero-volt sag), Set(field: \"grid_phase_deg\") with the grid's phase in degrees",
                    other,
                ))
            }
        };
        let mut r = self.switched(report);
        r.report.extend(self.resync(y));
        Ok(r)
    }
}
