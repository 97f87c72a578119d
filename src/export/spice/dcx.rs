//! The DC transformer (Dcx) as SPICE elements: a controlled EMF v_in/N
//! behind R_out and L_out on the output, and the input current
//! i/N + P_nl/v_in, mirroring `components/dcx.rs`: one behavioural source,
//! or (`SpiceStyle::Linear`) a linear F source for i/N and a behavioural
//! one for the no-load loss only.
//!
//! Owns the Dcx's elements only.

use super::deck::Deck;
use super::names::{num, vdiff};
use super::{SpiceStyle, NO_LOAD_MIN_VOLTS};
use crate::components::dcx::Dcx;

impl Deck {
    /// Output branch: EMF v_in/N, R_out, L_out and a zero-volt sense source
    /// in series into `output`; input side: a behavioural current
    /// i/N + P_nl/v_in drawn from `input`.
    pub(super) fn dcx(&mut self, d: &Dcx) {
        let input = self.names.node(&d.input);
        let input_ret = self.names.node(&d.input_ret);
        let output = self.names.node(&d.output);
        let output_ret = self.names.node(&d.output_ret);
        let ratio = d.ratio.value();
        let (ohms, henries) = (d.ohms.value(), d.henries.value());

        let emf = self.names.internal(&format!("{}.emf", d.name));
        let e = self.names.element('E', &d.name);
        self.line(format!(
            "{e} {emf} {output_ret} {input} {input_ret} {}",
            num(1.0 / ratio)
        ));
        let mut at = emf;
        if ohms > 0.0 {
            let next = self.names.internal(&format!("{}.rout", d.name));
            let r = self.names.element('R', &format!("{}.rout", d.name));
            self.line(format!("{r} {at} {next} {}", num(ohms)));
            at = next;
        }
        if henries > 0.0 {
            let next = self.names.internal(&format!("{}.lout", d.name));
            let l = self.names.element('L', &format!("{}.lout", d.name));
            let ic = self.ic();
            self.line(format!("{l} {at} {next} {}{ic}", num(henries)));
            at = next;
        }
        let sense = self.names.element('V', &format!("{}.sense", d.name));
        self.line(format!("{sense} {at} {output} DC 0"));

        let sense_gain = num(1.0 / ratio);
        let no_load = self.no_load_current(d, &input, &input_ret);
        let b = self.names.element('B', &format!("{}.in", d.name));
        match self.style {
            SpiceStyle::Behavioural => {
                let mut current = format!("i({sense}) * {sense_gain}");
                if let Some(no_load) = no_load {
                    current.push_str(&format!(" + {no_load}"));
                }
                self.line(format!("{b} {input} {input_ret} I = {current}"));
            }
            SpiceStyle::Linear => {
                let f = self.names.element('F', &format!("{}.in", d.name));
                self.line(format!("{f} {input} {input_ret} {sense} {sense_gain}"));
                if let Some(no_load) = no_load {
                    self.line(format!("{b} {input} {input_ret} I = {no_load}"));
                }
            }
        }
    }

    /// P_nl/v_in, a conductance below `NO_LOAD_MIN_VOLTS`; `None` without
    /// a no-load loss.
    fn no_load_current(&self, d: &Dcx, input: &str, input_ret: &str) -> Option<String> {
        let p_nl = d.no_load_watts.value();
        if p_nl <= 0.0 {
            return None;
        }
        let v_in = vdiff(input, input_ret);
        let g = p_nl / (NO_LOAD_MIN_VOLTS * NO_LOAD_MIN_VOLTS);
        Some(format!(
            "({v_in} >= {} ? {} / {v_in} : {} * {v_in})",
            num(NO_LOAD_MIN_VOLTS),
            num(p_nl),
            num(g)
        ))
    }
}
