//! Switches and scenario faults as SPICE elements: a fixed resistor for a
//! switch without events, else a behavioural conductance driven by a
//! piecewise-linear control source.
//!
//! Owns these elements only; the event timing is in `events`.

use super::deck::Deck;
use super::events::{steps, Fault};
use super::names::{num, source_value, vdiff};
use crate::components::switch::Switch;

impl Deck {
    /// A conductance `a`–`b` following `points` (siemens over time) through
    /// a behavioural source; used for switches with events and faults.
    pub(super) fn switched_conductance(
        &mut self,
        owner: &str,
        a: &str,
        b: &str,
        points: &[(f64, f64)],
    ) {
        let ctl = self.names.internal(&format!("{owner}.g"));
        let source = self.names.element('V', &format!("{owner}.g"));
        let value = source_value(points);
        self.line(format!("{source} {ctl} 0 {value}"));
        let name = self.names.element('B', owner);
        self.line(format!("{name} {a} {b} I = {} * v({ctl})", vdiff(a, b)));
    }

    pub(super) fn switch(&mut self, s: &Switch, events: Option<&Vec<(f64, bool)>>) {
        let (a, b) = (self.names.node(&s.a), self.names.node(&s.b));
        // busbar stamps conductances; keep its exact values.
        let (on, off) = (1.0 / s.on_ohms.value(), 1.0 / s.off_ohms.value());
        let g = |closed: bool| if closed { on } else { off };
        match events {
            Some(list) if !list.is_empty() => {
                let changes: Vec<(f64, f64)> =
                    list.iter().map(|&(t, closed)| (t, g(closed))).collect();
                let points = steps(g(s.closed), &changes, self.jump);
                self.switched_conductance(&s.name, &a, &b, &points);
            }
            _ => {
                let name = self.names.element('R', &s.name);
                let ohms = if s.closed {
                    s.on_ohms.value()
                } else {
                    s.off_ohms.value()
                };
                self.line(format!("{name} {a} {b} {}", num(ohms)));
            }
        }
    }

    pub(super) fn fault(&mut self, f: &Fault) {
        let node = self.names.node(&f.node);
        let mut changes = vec![(f.at, f.siemens)];
        if let Some(t) = f.clear {
            changes.push((t, 0.0));
        }
        // Open until the fault: busbar's fault switch has 0 S when open.
        let points = steps(0.0, &changes, self.jump);
        let owner = f.name.replace('@', ".");
        self.switched_conductance(&owner, &node, "0", &points);
    }
}
