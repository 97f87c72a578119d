//! `ActiveFrontEnd(name, output, output_ret = "gnd", volts, rated_watts,
//! grid_vll, grid_hz = 60, scr, x_over_r, droop_ohms = 0, voltage_loop,
//! current_loop_hz, current_limit_pu = 1.2, efficiency = 1,
//! bidirectional = false, pll_hz, pll_damping = 0.707, trip = None,
//! anti_windup = BackCalculation)`: an average-value three-phase active
//! front end (or the grid side of a solid-state transformer) feeding a DC
//! link from a utility grid behind its Thevenin impedance.
//!
//! **Grid.** An EMF of `grid_vll` (line-line RMS, phase peak
//! Ê = √2·V_ll/√3) at `grid_hz`, behind R + jX per phase with
//! |Z| = Z_base/SCR, Z_base = V_ll²/rated_watts, X/R = `x_over_r`.
//!
//! **Frames.** Everything is in the PLL's dq frame (amplitude-invariant);
//! δ = θ_pll − θ_grid, so the grid EMF reads g·Ê·e^{−jδ}. The PCC voltage
//! is the dq form of the series R-L, v = e − R·i − L·di/dt − jX·i, with
//! di/dt taken from the current loop (X at the nominal frequency: the
//! PLL's frequency deviation is neglected in the reactance). The grid
//! impedance is therefore seen by the PLL (weak-grid coupling) and in the
//! power at the PCC, 1.5·(v_d·i_d + v_q·i_q).
//!
//! **Control.** Current loop first order, i' = 2π·f_i·(i* − i), with
//! i_q* = 0 (unity power factor). DC-link loop: e = V_ref −
//! R_droop·i_dc − v_dc through `control::PiLoop` whose output is i_d*;
//! its gains are the `voltage_loop` design (DC amperes per volt) referred
//! to the AC side by the nominal power balance k_r = 1.5·η·Ê/V_ref, so at
//! 1 pu grid and light load the loop is exactly the designed one; in a sag
//! to g its gain falls by g (no voltage feed-forward). The current limit
//! is |i*| ≤ current_limit_pu·I_rated, I_rated = 2·rated_watts/(3·Ê) peak
//! (i_d* in [0 or −I_max, I_max]). DC side: i_dc = η·p/v_dc forward,
//! p/(η·v_dc) in reverse. PLL: SRF with a PI on v_q/Ê: δ' = k_p·v_q/Ê +
//! ω_x, ω_x' = k_i·v_q/Ê, k_p = 2ζω_n, k_i = ω_n² (ω_n = 2π·`pll_hz`),
//! so on a stiff grid at no load a phase jump settles as s² + 2ζω_n·s +
//! ω_n²; the bandwidth scales with g in a sag.
//!
//! **Ride-through.** A sag lowers the power available at the current
//! limit, P_max = 1.5·v_d·I_max; beyond it the command stays at the limit
//! (`current limit`), the DC link droops to where the load takes P_max·η,
//! and with `trip: (volts, seconds)` a DC link below `volts` for
//! `seconds` (`dc link low`, cancelled by `dc link recovered`) trips the
//! unit (`trip`): the command is zero and the grid current decays with
//! the current loop. `grid_volts` = 0 is a zero-volt sag at the grid EMF
//! (a bolted fault behind the grid impedance), not an open breaker: the
//! unit keeps its limit current into the impedance and draws no power.
//!
//! **Signals.** Source convention (docs/conventions.md): `p(...)` is the
//! active power drawn from the grid at the PCC, positive while power flows
//! from the grid to the DC link; `i(...)` the d-axis line current, RMS
//! (i_d/√2, the active current once the PLL is locked), with the same
//! sign; `v(...)` the PCC voltage as line-to-line RMS, |v_dq|·√3/√2,
//! whose 1 pu is `grid_vll` (what a ride-through curve judges).
//!
//! **The Rectifier as a special case.** A `Rectifier` is this front end
//! on an ideal stiff grid (SCR → ∞), with an ideal PLL and its current
//! limit stated on the DC side: the same power-balance port and PI law,
//! and its `grid_volts` sag caps the input power at g·(the power at its
//! limit), where this unit's cap is 1.5·v_d·I_max with v_d = g·Ê less the
//! drop across the grid impedance.
//!
//! Must not know about other components; the equations are in
//! `afe/device.rs`, modes and actions in `afe/modes.rs`.

mod device;
mod lin;
mod modes;

use super::control::{self, AntiWindup, PiLoop, Saturation, VoltageLoop};
use super::converter::{default_limit, one, validate_regulation};
use super::doc::{node, ret, NAME};
use super::gnd;
use super::inductor::zero;
use crate::device::{check, Builder, ComponentError, Device, Num, Primitive};
use crate::field_doc::{Field as F, Range as R, Schema};
use device::{FrontEndDevice, FrontEndParams};
use serde::Deserialize;
use std::f64::consts::TAU;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveFrontEnd {
    pub name: String,
    pub output: String,
    #[serde(default = "gnd")]
    pub output_ret: String,
    pub volts: Num,
    pub rated_watts: Num,
    pub grid_vll: Num,
    #[serde(default = "sixty")]
    pub grid_hz: Num,
    pub scr: Num,
    pub x_over_r: Num,
    #[serde(default = "zero")]
    pub droop_ohms: Num,
    pub voltage_loop: VoltageLoop,
    pub current_loop_hz: Num,
    #[serde(default = "default_limit")]
    pub current_limit_pu: Num,
    #[serde(default = "one")]
    pub efficiency: Num,
    #[serde(default)]
    pub bidirectional: bool,
    pub pll_hz: Num,
    #[serde(default = "damping")]
    pub pll_damping: Num,
    #[serde(default)]
    pub trip: Option<DcTrip>,
    #[serde(default)]
    pub anti_windup: AntiWindup,
}

fn sixty() -> Num {
    Num::Value(60.0)
}

fn damping() -> Num {
    Num::Value(0.707)
}

/// The DC-link trip rule: below `volts` for `seconds`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DcTrip {
    pub volts: Num,
    pub seconds: Num,
}

impl DcTrip {
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "DcTrip",
        summary: "`trip: (volts, seconds)`: an ActiveFrontEnd trips when its DC link stays below `volts` for `seconds`.",
        fields: &[
            F::req("volts", "V", R::Positive, "DC-link voltage below which the trip timer runs; below the set-point."),
            F::req("seconds", "s", R::NonNegative, "How long the DC link must stay below it."),
        ],
        ..Schema::EMPTY
    };
}

impl ActiveFrontEnd {
    /// Every event an `ActiveFrontEnd` raises.
    pub const EVENTS: &'static [&'static str] = modes::EVENTS;
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "ActiveFrontEnd",
        summary: "An average-value three-phase active front end (or an SST's grid side) behind a grid given by its short-circuit ratio and X/R, with a dq current loop, a DC-link PI with droop, a current limit, an SRF-PLL and a DC-link trip rule.",
        about: "Grid EMF `grid_vll` behind R + jX per phase, |Z| = (grid_vll²/rated_watts)/scr, X/R = x_over_r. In the PLL's dq frame the PCC voltage is v = e − R·i − L·di/dt − jX·i; the current loop is first order with i_q* = 0; the DC-link PI (the `voltage_loop` design referred to the AC side by 1.5·η·Ê/volts, Ê = √2·grid_vll/√3) commands i_d*, limited to current_limit_pu·2·rated_watts/(3·Ê). SRF-PLL: k_p = 2ζω_n, k_i = ω_n² on v_q/Ê. Ride-through: in a sag the command reaches its limit (`current limit`), the DC link droops to where the load takes the power at the limit, and with `trip` a DC link below `trip.volts` for `trip.seconds` trips the unit (`dc link low`, `trip`). `p(...)` is the active power drawn from the grid at the PCC, `i(...)` the d-axis line current RMS, both positive from the grid to the DC link; `v(...)` is the PCC voltage, line-to-line RMS |v_dq|·√3/√2, with `grid_vll` as its nominal (so `RideThrough`, `MinVoltage` and `Deviation` judge it in per unit). A `Rectifier` is the special case of an ideal stiff grid and PLL (docs/components.md).",
        fields: &[
            NAME,
            node("output", "DC-link terminal (regulated)."),
            ret("output_ret", "DC-link return."),
            F::req("volts", "V", R::Positive, "DC-link set-point V_ref (the no-load voltage)."),
            F::req("rated_watts", "W", R::Positive, "Rated power S of the unit: the base of the SCR and of the rated current."),
            F::req("grid_vll", "V", R::Positive, "Grid line-line RMS voltage at the PCC (the base of the per-unit grid voltage)."),
            F::opt("grid_hz", "Hz", "60", R::Positive, "Grid frequency; sets L = X/(2π·f)."),
            F::req("scr", "", R::Positive, "Short-circuit ratio on `rated_watts`: |Z| = (grid_vll²/rated_watts)/scr."),
            F::req("x_over_r", "", R::NonNegative, "X/R of the grid impedance."),
            F::opt("droop_ohms", "Ω", "0", R::NonNegative, "DC-link droop resistance on the delivered DC current."),
            F::req("voltage_loop", "", R::Any, "PI gains of the DC-link loop, in DC amperes per volt (referred to the AC side by 1.5·η·Ê/volts)."),
            F::req("current_loop_hz", "Hz", R::Positive, "Bandwidth of the dq current loop."),
            F::opt("current_limit_pu", "pu", "1.2", R::Positive, "Current limit as a multiple of the rated current 2·rated_watts/(3·Ê) (peak)."),
            F::opt("efficiency", "", "1", R::Fraction, "Conversion efficiency η (DC power = η · PCC power)."),
            F::opt("bidirectional", "", "false", R::Any, "Whether it may also feed power back to the grid (i_d* ≥ −I_max)."),
            F::req("pll_hz", "Hz", R::Positive, "Natural frequency f_n of the SRF-PLL (ω_n = 2π·f_n)."),
            F::opt("pll_damping", "", "0.707", R::Positive, "Damping ratio ζ of the SRF-PLL."),
            F::opt("trip", "", "None", R::Any, "DC-link trip rule `(volts, seconds)`; none: it never trips by itself."),
            F::opt("anti_windup", "", "BackCalculation", R::Any, "What the DC-link integrator does at the current limit."),
        ],
        actions: &[
            ("Trip", "Stops the unit; reports `trip`."),
            ("Set(field: \"volts\", value)", "Moves the DC-link set-point to `value` > 0; reports `volts set to <value>`."),
            ("Set(field: \"grid_volts\", value)", "The per-unit grid EMF g ≥ 0 (a sag to any depth; 0 is a zero-volt sag behind the grid impedance): `ac loss` when it falls to 0, `ac restored` when it leaves 0, `grid volts set to <g>` otherwise."),
            ("Set(field: \"grid_phase_deg\", value)", "The grid's phase in degrees from its starting phase: a phase jump of value − (previous value); reports `phase jump to <value> deg`."),
        ],
        example: r#"ActiveFrontEnd(name: "sst", output: "bus800", volts: 800, rated_watts: 1.5e6, grid_vll: 480, scr: 10, x_over_r: 10, voltage_loop: Bandwidth(hz: 50, capacitance: 20e-3), current_loop_hz: 2e3, pll_hz: 20)"#,
        ..Schema::EMPTY
    };

    /// The grid and control constants the device runs on.
    fn params(&self) -> FrontEndParams {
        let vll = self.grid_vll.value();
        let z = vll * vll / self.rated_watts.value() / self.scr.value();
        let xr = self.x_over_r.value();
        let r = z / (1.0 + xr * xr).sqrt();
        let wn = TAU * self.pll_hz.value();
        FrontEndParams {
            v_ll: vll,
            e_peak: vll * (2.0f64 / 3.0).sqrt(),
            r,
            x: r * xr,
            l: r * xr / (TAU * self.grid_hz.value()),
            rate: control::loop_rate(self.current_loop_hz.value()),
            efficiency: self.efficiency.value(),
            pll_kp: 2.0 * self.pll_damping.value() * wn,
            pll_ki: wn * wn,
            trip: self
                .trip
                .as_ref()
                .map(|t| (t.volts.value(), t.seconds.value())),
        }
    }

    /// The DC-link PI in AC amperes: the `voltage_loop` gains divided by
    /// k_r = 1.5·η·Ê/V_ref, limited at current_limit_pu·2S/(3Ê).
    fn pi(&self, k: &FrontEndParams) -> PiLoop {
        let v_ref = self.volts.value();
        let kr = 1.5 * k.efficiency * k.e_peak / v_ref;
        let (kp, ki) = self.voltage_loop.gains();
        let i_max =
            self.current_limit_pu.value() * 2.0 * self.rated_watts.value() / (3.0 * k.e_peak);
        PiLoop {
            kp: kp / kr,
            ki: ki / kr,
            v_ref,
            droop: self.droop_ohms.value(),
            i_max,
            i_min: if self.bidirectional { -i_max } else { 0.0 },
            tracking: if kp > 0.0 && ki > 0.0 {
                ki / kp
            } else {
                k.rate
            },
            sat: Saturation::Free,
            anti_windup: self.anti_windup,
        }
    }
}

impl Primitive for ActiveFrontEnd {
    crate::named!();
    fn supplies_power(&self) -> bool {
        true
    }
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        let mut v = vec![
            ("volts", &mut self.volts),
            ("rated_watts", &mut self.rated_watts),
            ("grid_vll", &mut self.grid_vll),
            ("grid_hz", &mut self.grid_hz),
            ("scr", &mut self.scr),
            ("x_over_r", &mut self.x_over_r),
            ("droop_ohms", &mut self.droop_ohms),
            ("current_loop_hz", &mut self.current_loop_hz),
            ("current_limit_pu", &mut self.current_limit_pu),
            ("efficiency", &mut self.efficiency),
            ("pll_hz", &mut self.pll_hz),
            ("pll_damping", &mut self.pll_damping),
        ];
        v.extend(self.voltage_loop.numbers_mut());
        if let Some(t) = &mut self.trip {
            v.push(("trip.volts", &mut t.volts));
            v.push(("trip.seconds", &mut t.seconds));
        }
        v
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![
            ("output", &mut self.output),
            ("output_ret", &mut self.output_ret),
        ]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.output, &self.output_ret]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        let n = &self.name;
        validate_regulation(
            n,
            &self.volts,
            &self.rated_watts,
            &self.droop_ohms,
            &self.current_limit_pu,
            &self.efficiency,
        )?;
        self.voltage_loop.validate(n)?;
        check::positive(n, "grid_vll", &self.grid_vll)?;
        check::positive(n, "grid_hz", &self.grid_hz)?;
        check::positive(n, "scr", &self.scr)?;
        check::non_negative(n, "x_over_r", &self.x_over_r)?;
        check::positive(n, "current_loop_hz", &self.current_loop_hz)?;
        check::positive(n, "pll_hz", &self.pll_hz)?;
        check::positive(n, "pll_damping", &self.pll_damping)?;
        if let Some(t) = &self.trip {
            check::positive(n, "trip.volts", &t.volts)?;
            check::non_negative(n, "trip.seconds", &t.seconds)?;
            if t.volts.value() >= self.volts.value() {
                return Err(ComponentError::with_help(
                    n,
                    format!(
                        "`trip.volts` ({} V) must be below the set-point `volts` ({} V): the unit would trip at once",
                        t.volts.value(),
                        self.volts.value()
                    ),
                    "a DC-link trip sits below the droop range, e.g. trip: (volts: 640, seconds: 0.1) on an 800 V link",
                ));
            }
        }
        check::distinct(n, &self.output, &self.output_ret)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let terminals = [b.node(&self.output), b.node(&self.output_ret)];
        let k = self.params();
        let pi = self.pi(&k);
        Box::new(FrontEndDevice::new(b, &self.name, terminals, pi, k))
    }
}
