//! The elaborated size, charged against the `elements` budget: every
//! instance, every `Repeat` block and each of its iterations, and every
//! primitive counts one element, so that empty bodies cost as much as
//! full ones.
//!
//! Before a `Repeat` or an `Instance` expands, its size is counted
//! arithmetically from the written counts (a subcircuit's size once per
//! subcircuit), and a block that cannot fit is refused before any of it
//! is built: 10⁵ × 10⁵ empty `Repeat`s or a 2⁴⁰ fan-out of instances end
//! at once. A count written as an expression is only known when its
//! `Repeat` is reached, so it counts as one element in the estimate; the
//! running count then stops the expansion as soon as the budget is spent.
//!
//! Owns the arithmetic only; the walk and the messages' locations belong
//! to the parent module.

use super::{Elab, MAX_REPEAT};
use crate::budget::Budget;
use crate::device::Num;
use crate::netlist::structure::{Item, Library};
use crate::netlist::NetlistError;

impl<'c, P: Library> Elab<'c, P> {
    /// Elements `items` expand to at least (saturating in f64: a product
    /// of counts may exceed every integer type).
    pub(super) fn written_size(&mut self, items: &'c [Item<P>]) -> f64 {
        items
            .iter()
            .map(|item| match item {
                Item::Primitive(_) => 1.0,
                Item::Instance(inst) => 1.0 + self.subcircuit_size(&inst.of),
                Item::Repeat(r) => {
                    let count = match &r.count {
                        Num::Value(v) if (0.0..=MAX_REPEAT as f64).contains(v) => *v,
                        _ => 0.0,
                    };
                    1.0 + count * (1.0 + self.written_size(&r.components))
                }
            })
            .sum()
    }

    /// The size of one instance's body, computed once per subcircuit. A
    /// subcircuit that contains itself counts as empty here; the walk
    /// reports the recursion.
    pub(super) fn subcircuit_size(&mut self, name: &str) -> f64 {
        if let Some(&size) = self.sizes.get(name) {
            return size;
        }
        let circuit = self.circuit;
        let Some(sub) = circuit.subcircuits.get(name) else {
            return 0.0;
        };
        self.sizes.insert(name.to_string(), 0.0);
        let size = self.written_size(&sub.components);
        self.sizes.insert(name.to_string(), size);
        size
    }

    /// Refuses a block of `size` elements when it cannot fit in what is
    /// left of the budget; `what` names it in the message.
    pub(super) fn reserve(
        &self,
        size: f64,
        what: &str,
        component: &str,
        anchor: Option<usize>,
    ) -> Result<(), NetlistError> {
        Budget::Elements
            .check(self.used as f64 + size, what)
            .map_err(|message| self.component_error(component, message, anchor))
    }

    /// Grows the output once for a block of about `size` elements (which
    /// the budget has admitted), instead of doubling it again and again
    /// while the block expands: each output component is several hundred
    /// bytes, so every doubling copied all of them.
    pub(super) fn make_room(&mut self, size: f64) {
        // Elements count instances and blocks too: an upper bound on the
        // primitives, and within the budget. Memory that cannot be had now
        // is left to the pushes to ask for, as before.
        let room = size as usize;
        let _ = self.out.try_reserve(room);
        let _ = self.anchors.try_reserve(room);
        self.names.try_reserve(room);
    }

    /// Counts one element as it is built.
    pub(super) fn charge(
        &mut self,
        component: &str,
        anchor: Option<usize>,
    ) -> Result<(), NetlistError> {
        self.used += 1;
        if self.used > Budget::Elements.get() {
            return Err(self.component_error(
                component,
                format!(
                    "the circuit expands to more than {} elements (instances, Repeat blocks and iterations, primitives): {}",
                    Budget::Elements.get(),
                    Budget::Elements.hint()
                ),
                anchor,
            ));
        }
        Ok(())
    }
}
