//! `Dcx(name, input, output, ratio, ohms, henries = 0, no_load_watts = 0,
//! input_ret = "gnd", output_ret = "gnd")`: a fixed-ratio (LLC) bus
//! converter, bidirectional.
//!
//! Secondary EMF v_in/N; output branch L_out·i' = v_in/N − v_out − R_out·i
//! (algebraic when L_out = 0); input current i/N + P_nl/v_in. A tripped Dcx
//! carries no current.

use super::doc::{node, ret, NAME};
use super::gnd;
use super::inductor::zero;
use crate::device::{
    check, Action, Branch, BranchKind, Builder, ComponentError, Ctx, Device, DeviceError, Num,
    Primitive, Reaction, SignalKind, Slot,
    TerminalRole::{self, PowerInput, PowerOutput},
};
use crate::field_doc::{Field as F, Range as R, Schema};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dcx {
    pub name: String,
    pub input: String,
    pub output: String,
    pub ratio: Num,
    pub ohms: Num,
    #[serde(default = "zero")]
    pub henries: Num,
    #[serde(default = "zero")]
    pub no_load_watts: Num,
    #[serde(default = "gnd")]
    pub input_ret: String,
    #[serde(default = "gnd")]
    pub output_ret: String,
}

impl Dcx {
    /// Every event a `Dcx` raises (see `apply`).
    pub const EVENTS: &'static [&'static str] = &["trip"];
    /// Its documentation table (see `field_doc`).
    pub const DOC: Schema = Schema {
        name: "Dcx",
        summary: "A fixed-ratio (LLC) bus converter, e.g. 800 V → 50 V, bidirectional.",
        about: "Secondary EMF v_in/N; output branch L_out·i' = v_in/N − v_out − R_out·i (algebraic when `henries` = 0); input current i/N + P_nl/v_in. A tripped Dcx carries no current.",
        fields: &[
            NAME,
            node("input", "Input (high-voltage) terminal."),
            node("output", "Output (low-voltage) terminal."),
            F::req("ratio", "", R::Positive, "Turns ratio N = v_in/v_out at no load (16 for 800 → 50 V)."),
            F::req("ohms", "Ω", R::NonNegative, "Output resistance R_out."),
            F::opt("henries", "H", "0", R::NonNegative, "Output inductance L_out; 0 makes the output current algebraic."),
            F::opt("no_load_watts", "W", "0", R::NonNegative, "No-load loss P_nl drawn from the input."),
            ret("input_ret", "Input return."),
            ret("output_ret", "Output return."),
        ],
        actions: &[("Trip", "Stops the converter (no current from then on); reports `trip`.")],
        example: r#"Dcx(name: "dcx", input: "bus800", output: "bus50", ratio: 16, ohms: 1e-3)"#,
        ..Schema::EMPTY
    };
}

impl Primitive for Dcx {
    crate::named!();
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)> {
        vec![
            ("ratio", &mut self.ratio),
            ("ohms", &mut self.ohms),
            ("henries", &mut self.henries),
            ("no_load_watts", &mut self.no_load_watts),
        ]
    }
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![
            ("input", &mut self.input),
            ("output", &mut self.output),
            ("input_ret", &mut self.input_ret),
            ("output_ret", &mut self.output_ret),
        ]
    }
    fn nodes(&self) -> Vec<&str> {
        vec![&self.input, &self.output, &self.input_ret, &self.output_ret]
    }
    fn terminal_roles(&self) -> Vec<(&'static str, TerminalRole)> {
        vec![("input", PowerInput), ("output", PowerOutput)]
    }
    fn validate(&self) -> Result<(), ComponentError> {
        check::positive(&self.name, "ratio", &self.ratio)?;
        check::non_negative(&self.name, "ohms", &self.ohms)?;
        check::non_negative(&self.name, "henries", &self.henries)?;
        check::non_negative(&self.name, "no_load_watts", &self.no_load_watts)?;
        check::distinct(&self.name, &self.input, &self.input_ret)?;
        check::distinct(&self.name, &self.output, &self.output_ret)
    }
    fn build(&self, b: &mut Builder) -> Box<dyn Device> {
        let input = b.node(&self.input);
        let input_ret = b.node(&self.input_ret);
        let output = b.node(&self.output);
        let output_ret = b.node(&self.output_ret);
        let henries = self.henries.value();
        let current = b.state(&self.name, "i", henries);
        let n = current;
        let slots = [
            b.slot(n, input),
            b.slot(n, input_ret),
            b.slot(n, output),
            b.slot(n, output_ret),
            b.slot(n, n),
            b.slot(output, n),
            b.slot(output_ret, n),
            b.slot(input, n),
            b.slot(input_ret, n),
            b.slot(input, input),
            b.slot(input, input_ret),
            b.slot(input_ret, input),
            b.slot(input_ret, input_ret),
        ];
        Box::new(DcxDevice {
            name: self.name.clone(),
            input,
            input_ret,
            output,
            output_ret,
            current,
            ratio: self.ratio.value(),
            ohms: self.ohms.value(),
            no_load_watts: self.no_load_watts.value(),
            tripped: false,
            inductive: henries > 0.0,
            slots,
        })
    }
}

#[derive(Debug, Clone)]
struct DcxDevice {
    name: String,
    input: usize,
    input_ret: usize,
    output: usize,
    output_ret: usize,
    current: usize,
    ratio: f64,
    ohms: f64,
    no_load_watts: f64,
    tripped: bool,
    /// L_out > 0: the output current is a state.
    inductive: bool,
    slots: [Slot; 13],
}

/// Below this input voltage the no-load loss is scaled down like a resistor,
/// so that a collapsing bus does not make P_nl/v_in blow up.
const NO_LOAD_MIN_VOLTS: f64 = 1.0;

impl DcxDevice {
    /// The no-load loss drawn at the input, v_in·i_nl(v_in): P_NL above
    /// the floor voltage, a conductance below it.
    fn no_load_loss(&self, y: &[f64]) -> f64 {
        let v_in = y[self.input] - y[self.input_ret];
        v_in * self.no_load_current(v_in).0
    }

    fn no_load_current(&self, v_in: f64) -> (f64, f64) {
        if self.no_load_watts == 0.0 || self.tripped {
            return (0.0, 0.0);
        }
        if v_in >= NO_LOAD_MIN_VOLTS {
            (
                self.no_load_watts / v_in,
                -self.no_load_watts / (v_in * v_in),
            )
        } else {
            let g = self.no_load_watts / (NO_LOAD_MIN_VOLTS * NO_LOAD_MIN_VOLTS);
            (g * v_in, g)
        }
    }
}

impl Device for DcxDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn eval(&self, _ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        let i = y[self.current];
        let v_in = y[self.input] - y[self.input_ret];
        let v_out = y[self.output] - y[self.output_ret];
        if self.tripped {
            // The current was reset to zero at the trip and stays there.
            f[self.current] -= i;
            return;
        }
        f[self.current] += v_in / self.ratio - v_out - self.ohms * i;
        f[self.output] += i;
        f[self.output_ret] -= i;
        let i_in = i / self.ratio + self.no_load_current(v_in).0;
        f[self.input] -= i_in;
        f[self.input_ret] += i_in;
    }
    fn jacobian(&self, _ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        let s = &self.slots;
        if self.tripped {
            jac[s[4]] -= 1.0;
            return;
        }
        let k = 1.0 / self.ratio;
        jac[s[0]] += k;
        jac[s[1]] -= k;
        jac[s[2]] -= 1.0;
        jac[s[3]] += 1.0;
        jac[s[4]] -= self.ohms;
        jac[s[5]] += 1.0;
        jac[s[6]] -= 1.0;
        jac[s[7]] -= k;
        jac[s[8]] += k;
        let g = self.no_load_current(y[self.input] - y[self.input_ret]).1;
        jac[s[9]] -= g;
        jac[s[10]] += g;
        jac[s[11]] += g;
        jac[s[12]] -= g;
    }
    fn branches(&self) -> Vec<Branch> {
        if self.inductive {
            return vec![
                Branch {
                    a: self.input,
                    b: self.input_ret,
                    kind: BranchKind::FixedCurrent,
                },
                Branch {
                    a: self.output,
                    b: self.output_ret,
                    kind: BranchKind::FixedCurrent,
                },
            ];
        }
        // Without L_out the output voltage is tied to the input through
        // R_out (or fixed by it when R_out = 0): the two sides couple
        // algebraically.
        let kind = if self.ohms > 0.0 {
            BranchKind::Conductive
        } else {
            BranchKind::VoltageDefining
        };
        vec![
            Branch {
                a: self.output,
                b: self.input,
                kind,
            },
            Branch {
                a: self.output_ret,
                b: self.input_ret,
                kind,
            },
        ]
    }
    fn signals(&self) -> Vec<SignalKind> {
        vec![
            SignalKind::Current,
            SignalKind::Power,
            SignalKind::Loss,
            SignalKind::NoLoadLoss,
        ]
    }
    /// The output current is an unknown of its own.
    fn signal_unknown(&self, index: usize) -> Option<usize> {
        (index == 0).then_some(self.current)
    }
    /// Output current, output power, the loss: conduction R_out·i² plus
    /// the no-load loss drawn at the input (the output inductance stores,
    /// it does not dissipate), and that no-load part alone.
    fn signal(&self, index: usize, _ctx: &Ctx, y: &[f64], _ydot: &[f64]) -> f64 {
        let i = y[self.current];
        match index {
            0 => i,
            1 => i * (y[self.output] - y[self.output_ret]),
            2 => self.ohms * i * i + self.no_load_loss(y),
            _ => self.no_load_loss(y),
        }
    }
    fn apply(&mut self, action: &Action, y: &mut [f64]) -> Result<Reaction, DeviceError> {
        match action {
            Action::Trip => {
                self.tripped = true;
                y[self.current] = 0.0;
                Ok(Reaction {
                    schedule: None,
                    report: vec!["trip".into()],
                    discontinuity: true,
                })
            }
            other => Err(DeviceError::unsupported(
                format!("Dcx `{}`", self.name),
                "Trip",
                other,
            )),
        }
    }
}
