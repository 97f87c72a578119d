//! The DC transformer (Dcx) as SPICE elements: a controlled EMF v_in/N
//! behind R_out and L_out on the output, a behavioural input current
//! i/N + P_nl/v_in, mirroring `components/dcx.rs`.
//!
//! Owns the Dcx's elements only.

use super::deck::Deck;
use super::names::{num, vdiff};
use super::NO_LOAD_MIN_VOLTS;
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

        let mut current = format!("i({sense}) * {}", num(1.0 / ratio));
        let p_nl = d.no_load_watts.value();
        if p_nl > 0.0 {
            let v_in = vdiff(&input, &input_ret);
            let g = p_nl / (NO_LOAD_MIN_VOLTS * NO_LOAD_MIN_VOLTS);
            current.push_str(&format!(
                " + ({v_in} >= {} ? {} / {v_in} : {} * {v_in})",
                num(NO_LOAD_MIN_VOLTS),
                num(p_nl),
                num(g)
            ));
        }
        let b = self.names.element('B', &format!("{}.in", d.name));
        self.line(format!("{b} {input} {input_ret} I = {current}"));
    }
}
