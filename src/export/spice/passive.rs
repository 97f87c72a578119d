//! Inductors, capacitors and cables as SPICE elements: series R–L and R–C
//! with private nodes, cables as the same π-sections `components/cable.rs`
//! builds.
//!
//! Owns these components' elements only.

use super::deck::Deck;
use super::names::num;
use crate::components::cable::Cable;
use crate::components::capacitor::Capacitor;
use crate::components::inductor::Inductor;

impl Deck {
    pub(super) fn inductor(&mut self, l: &Inductor) {
        let (a, b) = (self.names.node(&l.a), self.names.node(&l.b));
        self.series_rl(&l.name, &a, &b, l.henries.value(), l.ohms.value());
    }

    pub(super) fn capacitor(&mut self, c: &Capacitor) {
        let (a, b) = (self.names.node(&c.a), self.names.node(&c.b));
        self.series_rc(&c.name, &a, &b, c.farads.value(), c.esr.value());
    }

    /// π-sections exactly as `components/cable.rs` builds them.
    pub(super) fn cable(&mut self, cable: &Cable) {
        let n = cable.sections.value() as usize;
        let (r, l, c) = (
            cable.ohms.value() / n as f64,
            cable.henries.value() / n as f64,
            cable.farads.value() / n as f64,
        );
        let mut nodes = vec![self.names.node(&cable.a)];
        for k in 1..n {
            nodes.push(self.names.node(&format!("{}.n{k}", cable.name)));
        }
        nodes.push(self.names.node(&cable.b));
        for k in 0..n {
            let part = format!("{}.s{}", cable.name, k + 1);
            let (na, nb) = (nodes[k].clone(), nodes[k + 1].clone());
            if l > 0.0 {
                self.series_rl(&part, &na, &nb, l, r);
            } else {
                let name = self.names.element('R', &part);
                self.line(format!("{name} {na} {nb} {}", num(r)));
            }
        }
        if c > 0.0 {
            for (k, node) in nodes.iter().enumerate() {
                // Interior nodes carry the halves of two adjacent sections.
                let share = if k == 0 || k == n { c / 2.0 } else { c };
                self.series_rc(&format!("{}.c{k}", cable.name), node, "0", share, 0.0);
            }
        }
    }
}
