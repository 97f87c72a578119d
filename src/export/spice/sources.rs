//! Independent voltage and current sources, with their `Set` events as
//! piecewise-linear values.
//!
//! Owns these elements only.

use super::deck::Deck;
use super::events::steps;
use super::names::source_value;
use crate::components::sources::{CurrentSource, VoltageSource};

impl Deck {
    pub(super) fn voltage_source(&mut self, v: &VoltageSource, events: Option<&Vec<(f64, f64)>>) {
        let (p, n) = (self.names.node(&v.pos), self.names.node(&v.neg));
        let name = self.names.element('V', &v.name);
        let points = steps(v.volts.value(), events.map_or(&[][..], |e| e), self.jump);
        self.line(format!("{name} {p} {n} {}", source_value(&points)));
    }

    pub(super) fn current_source(&mut self, i: &CurrentSource, events: Option<&Vec<(f64, f64)>>) {
        // SPICE's I flows from n+ through the source to n−: out of `from`
        // into `to`, as busbar's.
        let (from, to) = (self.names.node(&i.from), self.names.node(&i.to));
        let name = self.names.element('I', &i.name);
        let points = steps(i.amps.value(), events.map_or(&[][..], |e| e), self.jump);
        self.line(format!("{name} {from} {to} {}", source_value(&points)));
    }
}
