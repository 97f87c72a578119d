//! `Load(name, node, ret = "gnd", watts, model, bandwidth_hz = None, uvlo =
//! None)`: a rack, tray or GPU load driven by the scenario's per-unit
//! profile p(t).
//!
//! Demand P_d(t) = watts·p(t). With `bandwidth_hz` the drawn power follows
//! through a first-order lag, P' = 2π·f·(P_d − P). `uvlo: (volts, seconds)`
//! trips the load to zero current once its voltage has stayed below `volts`
//! for `seconds` (a state event). `smoothing` puts GPU power smoothing
//! (`smoothing.rs`) between the profile and the demand: P_d = watts·s.

use super::doc::{node, ret, NAME};
use super::gnd;
use super::smoothing::{self, Smoother, Smoothing};
use crate::device::{
    check, Action, Branch, BranchKind, Builder, ComponentError, Ctx, Device, DeviceError, Num,
    Primitive, Reaction, SignalKind, Slot,
};
use crate::field_doc::{Field as F, Range as R, Schema, Variant};
use serde::Deserialize;
use std::f64::consts::TAU;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    pub name: String,
    pub node: String,
    #[serde(default = "gnd")]
    pub ret: String,
    /// Rated power; the profile scales it.
    pub watts: Num,
    pub model: LoadModel,
    #[serde(default)]
    pub bandwidth_hz: Option<Num>,
    #[serde(default)]
    pub uvlo: Option<Uvlo>,
    #[serde(default)]
    pub smoothing: Option<Smoothing>,
}

/// Its documentation table (see `field_doc`).
impl LoadModel {
    pub const DOC: Schema = Schema {
        name: "LoadModel",
        summary: "How a load's current depends on its voltage v, with P the (per-unit scaled) power.",
        variants: &[
            Variant::with(
                "ConstantPower",
                "i = P/v above `min_volts`, i = P·v/min_volts² below it (a regulated downstream converter that falls out of regulation).",
                &[F::req("min_volts", "V", R::Positive, "Voltage below which the load turns resistive.")],
            ),
            Variant::with(
                "ConstantCurrent",
                "i = P/volts whatever the voltage.",
                &[F::req("volts", "V", R::Positive, "Reference voltage.")],
            ),
            Variant::with(
                "Resistive",
                "i = P·v/volts².",
                &[F::req("volts", "V", R::Positive, "Voltage at which it draws P.")],
            ),
            Variant::with(
                "Zip",
                "A mix of the three by fractions p + i + z = 1 referred to `volts`; the constant-power part turns resistive below `min_volts`.",
                &[
                    F::req("p", "", R::Rule("≥ 0, p + i + z = 1"), "Constant-power fraction."),
                    F::req("i", "", R::Rule("≥ 0, p + i + z = 1"), "Constant-current fraction."),
                    F::req("z", "", R::Rule("≥ 0, p + i + z = 1"), "Constant-impedance fraction."),
                    F::req("volts", "V", R::Positive, "Reference voltage."),
                    F::req("min_volts", "V", R::Positive, "Voltage below which the constant-power part turns resistive."),
                ],
            ),
        ],
        ..Schema::EMPTY
    };
}

/// How the drawn current depends on the terminal voltage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum LoadModel {
    /// i = P/v above `min_volts`, i = P·v/min_volts² below it (a tightly
    /// regulated downstream converter that falls out of regulation).
    ConstantPower { min_volts: Num },
    /// i = P/volts whatever the voltage.
    ConstantCurrent { volts: Num },
    /// i = P·v/volts².
    Resistive { volts: Num },
    /// Mix of the three by fractions p + i + z = 1, referred to `volts`;
    /// the constant-power part switches to constant impedance below
    /// `min_volts`.
    Zip {
        p: Num,
        i: Num,
        z: Num,
        volts: Num,
        min_volts: Num,
    },
}

/// Its documentation table (see `field_doc`).
impl Uvlo {
    pub const DOC: Schema = Schema {
        name: "Uvlo",
        summary: "`uvlo: (volts, seconds)`: undervoltage lockout; the trip is final for the run and reported as `uvlo trip`.",
        fields: &[
            F::req("volts", "V", R::Positive, "Trip threshold."),
            F::req("seconds", "s", R::NonNegative, "How long the voltage must stay below the threshold."),
        ],
        ..Schema::EMPTY
    };
}

/// Under-voltage lockout: trip when v < volts for longer than seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uvlo {
    pub volts: Num,
    pub seconds: Num,
}

impl Load {
    /// Every event a `Load` raises (see `on_timer` and `apply`).
    pub const EVENTS: &'static [&'static str] = &["uvlo trip", "trip"];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Load",
        summary: "A rack, tray or GPU load driven by the scenario's per-unit profile p(t).",
        about: "Demand P_d(t) = watts·p(t) (p = 1 when no `loads` entry of the scenario matches it). With `bandwidth_hz` the drawn power follows through a first-order lag P' = 2π·f·(P_d − P). `uvlo` trips the load to zero current once its voltage has stayed below `uvlo.volts` for `uvlo.seconds`. `smoothing` puts GPU power smoothing between the profile and the demand.",
        fields: &[
            NAME,
            node("node", "Supply terminal."),
            ret("ret", "Return terminal."),
            F::req("watts", "W", R::NonNegative, "Rated power; the profile's per-unit value scales it."),
            F::req("model", "", R::Any, "How the drawn current depends on the voltage."),
            F::opt("bandwidth_hz", "Hz", "None (instant)", R::Positive, "Bandwidth of a first-order lag on the drawn power."),
            F::opt("uvlo", "", "None", R::Any, "Undervoltage lockout."),
            F::opt("smoothing", "", "None", R::Any, "GPU power smoothing of the demand."),
        ],
        actions: &[("Trip", "Drops the load to zero current; reports `trip`.")],
        example: r#"Load(name: "gpu", node: "bus50", watts: 7.5e3, model: ConstantPower(min_volts: 40))"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Load {
    crate::named!();
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        let mut v = vec![("watts", &mut self.watts)];
        match &mut self.model {
            LoadModel::ConstantPower { min_volts } => v.push(("model.min_volts", min_volts)),
            LoadModel::ConstantCurrent { volts } | LoadModel::Resistive { volts } => {
                v.push(("model.volts", volts))
            }
            LoadModel::Zip {
                p,
                i,
                z,
                volts,
                min_volts,
            } => {
                v.push(("model.p", p));
                v.push(("model.i", i));
                v.push(("model.z", z));
                v.push(("model.volts", volts));
                v.push(("model.min_volts", min_volts));
            }
        }
        if let Some(f) = &mut self.bandwidth_hz {
            v.push(("bandwidth_hz", f));
        }
        if let Some(u) = &mut self.uvlo {
            v.push(("uvlo.volts", &mut u.volts));
            v.push(("uvlo.seconds", &mut u.seconds));
        }
        if let Some(s) = &mut self.smoothing {
            v.extend(s.numbers_mut());
        }
        v
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("node", &mut self.node), ("ret", &mut self.ret)]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.node, &self.ret]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        let n = &self.name;
        check::non_negative(n, "watts", &self.watts)?;
        check::distinct(n, &self.node, &self.ret)?;
        match &self.model {
            LoadModel::ConstantPower { min_volts } => {
                check::positive(n, "model.min_volts", min_volts)?
            }
            LoadModel::ConstantCurrent { volts } | LoadModel::Resistive { volts } => {
                check::positive(n, "model.volts", volts)?
            }
            LoadModel::Zip {
                p,
                i,
                z,
                volts,
                min_volts,
            } => {
                check::non_negative(n, "model.p", p)?;
                check::non_negative(n, "model.i", i)?;
                check::non_negative(n, "model.z", z)?;
                check::positive(n, "model.volts", volts)?;
                check::positive(n, "model.min_volts", min_volts)?;
                let sum = p.value() + i.value() + z.value();
                if (sum - 1.0).abs() > 1e-9 {
                    return Err(ComponentError::new(
                        n,
                        format!("ZIP fractions p + i + z must sum to 1, got {sum}"),
                    ));
                }
            }
        }
        if let Some(f) = &self.bandwidth_hz {
            check::positive(n, "bandwidth_hz", f)?;
        }
        if let Some(u) = &self.uvlo {
            check::positive(n, "uvlo.volts", &u.volts)?;
            check::non_negative(n, "uvlo.seconds", &u.seconds)?;
        }
        if let Some(s) = &self.smoothing {
            s.validate(n)?;
        }
        Ok(())
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let node = b.node(&self.node);
        let ret = b.node(&self.ret);
        let input = b.input(&self.name);
        let power = self
            .bandwidth_hz
            .as_ref()
            .map(|f| b.state(&self.name, "p", 1.0 / (TAU * f.value())));
        let p_col = power.unwrap_or(0);
        let smooth = self
            .smoothing
            .as_ref()
            .map(|_| b.state(&self.name, "s", 1.0));
        let s_col = smooth.unwrap_or(0);
        let smooth_slots = [
            b.slot(s_col, s_col),
            b.slot(p_col, s_col),
            b.slot(node, s_col),
            b.slot(ret, s_col),
        ];
        let slots = [
            b.slot(node, node),
            b.slot(node, ret),
            b.slot(ret, node),
            b.slot(ret, ret),
            b.slot(node, p_col),
            b.slot(ret, p_col),
            b.slot(p_col, p_col),
        ];
        let law = match &self.model {
            LoadModel::ConstantPower { min_volts } => Law {
                p: 1.0,
                i: 0.0,
                z: 0.0,
                volts: 1.0,
                min_volts: min_volts.value(),
            },
            LoadModel::ConstantCurrent { volts } => Law {
                p: 0.0,
                i: 1.0,
                z: 0.0,
                volts: volts.value(),
                min_volts: 1.0,
            },
            LoadModel::Resistive { volts } => Law {
                p: 0.0,
                i: 0.0,
                z: 1.0,
                volts: volts.value(),
                min_volts: 1.0,
            },
            LoadModel::Zip {
                p,
                i,
                z,
                volts,
                min_volts,
            } => Law {
                p: p.value(),
                i: i.value(),
                z: z.value(),
                volts: volts.value(),
                min_volts: min_volts.value(),
            },
        };
        Box::new(LoadDevice {
            name: self.name.clone(),
            node,
            ret,
            input,
            power,
            watts: self.watts.value(),
            law,
            uvlo: self
                .uvlo
                .as_ref()
                .map(|u| (u.volts.value(), u.seconds.value())),
            constant_current: matches!(self.model, LoadModel::ConstantCurrent { .. }),
            tripped: false,
            uvlo_generation: 0,
            slots,
            smooth,
            smoother: self.smoothing.as_ref().map(Smoothing::smoother),
            smooth_slots,
        })
    }
}

/// i(v, P) = P·(p·cp(v) + i/V + z·v/V²), with cp(v) = 1/v above min_volts
/// and v/min_volts² below it.
#[derive(Debug, Clone, Copy)]
struct Law {
    p: f64,
    i: f64,
    z: f64,
    volts: f64,
    min_volts: f64,
}

impl Law {
    /// Returns (i, ∂i/∂v, ∂i/∂P).
    fn current(&self, v: f64, power: f64) -> (f64, f64, f64) {
        let (cp, dcp) = if v >= self.min_volts {
            (1.0 / v, -1.0 / (v * v))
        } else {
            let k = 1.0 / (self.min_volts * self.min_volts);
            (v * k, k)
        };
        let per_watt = self.p * cp + self.i / self.volts + self.z * v / (self.volts * self.volts);
        let d_per_watt = self.p * dcp + self.z / (self.volts * self.volts);
        (power * per_watt, power * d_per_watt, per_watt)
    }
}

#[derive(Debug, Clone)]
struct LoadDevice {
    name: String,
    node: usize,
    ret: usize,
    input: usize,
    /// The lagged power state, if `bandwidth_hz` is set.
    power: Option<usize>,
    watts: f64,
    law: Law,
    uvlo: Option<(f64, f64)>,
    constant_current: bool,
    tripped: bool,
    /// Bumped at every crossing so that a stale UVLO timer is ignored.
    uvlo_generation: u64,
    /// (n,n) (n,r) (r,n) (r,r) (n,P) (r,P) (P,P)
    slots: [Slot; 7],
    /// The smoothed demand state s (pu), if `smoothing` is set.
    smooth: Option<usize>,
    smoother: Option<Smoother>,
    /// (s,s) (P,s) (n,s) (r,s)
    smooth_slots: [Slot; 4],
}

impl LoadDevice {
    /// Demanded power: the profile, or the smoothed demand.
    fn demand(&self, ctx: &Ctx, y: &[f64]) -> f64 {
        match self.smooth {
            Some(s) => self.watts * y[s],
            None => self.watts * ctx.inputs[self.input].value,
        }
    }

    fn drawn_power(&self, ctx: &Ctx, y: &[f64]) -> f64 {
        match self.power {
            Some(p) => y[p],
            None => self.demand(ctx, y),
        }
    }

    /// The smoothing state's rate with ∂/∂s and ∂/∂t.
    fn smoothing_rate(&self, ctx: &Ctx, y: &[f64]) -> Option<(usize, (f64, f64, f64))> {
        let (s, m) = (self.smooth?, self.smoother.as_ref()?);
        Some((s, m.rate(ctx.inputs[self.input], y[s])))
    }
}

impl Device for LoadDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        if let Some((s, (rate, _, _))) = self.smoothing_rate(ctx, y) {
            f[s] += rate;
        }
        if let Some(p) = self.power {
            f[p] += self.demand(ctx, y) - y[p];
        }
        if self.tripped {
            return;
        }
        let v = y[self.node] - y[self.ret];
        let (i, _, _) = self.law.current(v, self.drawn_power(ctx, y));
        f[self.node] -= i;
        f[self.ret] += i;
    }
    fn jacobian(&self, ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        let s = &self.slots;
        let ss = &self.smooth_slots;
        if let Some((_, (_, d_ds, _))) = self.smoothing_rate(ctx, y) {
            jac[ss[0]] += d_ds;
            if self.power.is_some() {
                jac[ss[1]] += self.watts;
            }
        }
        if self.power.is_some() {
            jac[s[6]] -= 1.0;
        }
        if self.tripped {
            return;
        }
        let v = y[self.node] - y[self.ret];
        let (_, di_dv, di_dp) = self.law.current(v, self.drawn_power(ctx, y));
        jac[s[0]] -= di_dv;
        jac[s[1]] += di_dv;
        jac[s[2]] += di_dv;
        jac[s[3]] -= di_dv;
        if self.power.is_some() {
            jac[s[4]] -= di_dp;
            jac[s[5]] += di_dp;
        } else if self.smooth.is_some() {
            jac[ss[2]] -= di_dp * self.watts;
            jac[ss[3]] += di_dp * self.watts;
        }
    }
    fn time_derivative(&self, ctx: &Ctx, y: &[f64], ft: &mut [f64]) {
        if let Some((s, (_, _, d_dt))) = self.smoothing_rate(ctx, y) {
            // The profile reaches the demand only through s.
            ft[s] += d_dt;
            return;
        }
        let demand_slope = self.watts * ctx.inputs[self.input].slope;
        if let Some(p) = self.power {
            ft[p] += demand_slope;
            return;
        }
        if self.tripped {
            return;
        }
        let v = y[self.node] - y[self.ret];
        let (_, _, di_dp) = self.law.current(v, self.drawn_power(ctx, y));
        ft[self.node] -= di_dp * demand_slope;
        ft[self.ret] += di_dp * demand_slope;
    }
    fn branches(&self) -> Vec<Branch> {
        let kind = if self.constant_current {
            BranchKind::FixedCurrent
        } else {
            BranchKind::Conductive
        };
        vec![Branch {
            a: self.node,
            b: self.ret,
            kind,
        }]
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![SignalKind::Current, SignalKind::Power]
    }
    fn signal(&self, index: usize, ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        if self.tripped {
            return 0.0;
        }
        let v = y[self.node] - y[self.ret];
        let (i, _, _) = self.law.current(v, self.drawn_power(ctx, y));
        if index == 0 {
            i
        } else {
            i * v
        }
    }
    fn check_operating_point(&self, ctx: &Ctx, y: &[f64]) -> Result<(), DeviceError> {
        let v = y[self.node] - y[self.ret];
        let demand = self.watts * ctx.inputs[self.input].value;
        if self.law.p > 0.0 && demand > 0.0 && v < self.law.min_volts {
            return Err(DeviceError::Collapse(format!(
                "the only equilibrium has this constant-power load at {v:.4} V, below its min_volts {:.4} V: {:.4e} W cannot be delivered at a regulated voltage",
                self.law.min_volts, demand
            )));
        }
        Ok(())
    }
    fn root_count(&self) -> usize {
        usize::from(self.uvlo.is_some()) + usize::from(self.smooth.is_some())
    }
    fn roots(&self, ctx: &Ctx, y: &[f64], out: &mut [f64]) {
        if let Some((volts, _)) = self.uvlo {
            // Once tripped the load stays off; a constant keeps the root quiet.
            out[0] = if self.tripped {
                1.0
            } else {
                y[self.node] - y[self.ret] - volts
            };
        }
        if let (Some(s), Some(m)) = (self.smooth, &self.smoother) {
            out[usize::from(self.uvlo.is_some())] = m.root(ctx.inputs[self.input], y[s]);
        }
    }
    fn on_root(&mut self, index: usize, t: f64, rising: bool) -> Reaction {
        if index == usize::from(self.uvlo.is_some()) {
            if let Some(m) = &mut self.smoother {
                return m.on_root(t, rising);
            }
        }
        self.uvlo_generation += 1;
        match self.uvlo {
            Some((_, seconds)) if !rising && !self.tripped => Reaction {
                schedule: Some((t + seconds, self.uvlo_generation)),
                report: Vec::new(),
                discontinuity: false,
            },
            _ => Reaction::default(),
        }
    }
    fn on_timer(&mut self, token: u64, _t: f64, _y: &[f64]) -> Reaction {
        if token & smoothing::TOKEN_BIT != 0 {
            return match &mut self.smoother {
                Some(m) => m.on_timer(token),
                None => Reaction::default(),
            };
        }
        if token != self.uvlo_generation || self.tripped {
            return Reaction::default();
        }
        self.tripped = true;
        Reaction {
            schedule: None,
            report: vec!["uvlo trip".into()],
            discontinuity: true,
        }
    }
    fn apply(&mut self, action: &Action, _y: &mut [f64]) -> Result<Reaction, DeviceError> {
        match action {
            Action::Trip => {
                self.tripped = true;
                Ok(Reaction {
                    schedule: None,
                    report: vec!["trip".into()],
                    discontinuity: true,
                })
            }
            other => Err(DeviceError::unsupported(
                format!("load `{}`", self.name),
                "Trip",
                other,
            )),
        }
    }
}
