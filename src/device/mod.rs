//! The ground floor of the simulator: the contract between a component and
//! everything that uses it.
//!
//! Owns the `Primitive` trait (what a component file provides), the
//! compiled-equation contract (`Device`, `Ctx`, slots, branches, actions),
//! the `Builder` that numbers unknowns, the `Num` field value, terminal
//! roles and the validation error with its shared checks. It imports
//! nothing from the crate except the ground floor, so `netlist`,
//! `components`, `compile` and `engine` can all build on it.

mod builder;
pub mod check;
mod contract;
mod num;
mod slots;

pub use builder::{Builder, RowSlots, UnknownKind, GROUND, TRASH};
pub use check::ComponentError;
pub use contract::{
    Action, Branch, BranchKind, Ctx, Device, DeviceError, InputValue, Reaction, SignalKind, Slot,
};
pub use num::Num;

/// What a terminal is for, where a component declares it. Analyses ask for
/// a role instead of guessing from a field's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalRole {
    /// Where a converter draws power from the upstream bus: a minor-loop
    /// gain splits the network here.
    PowerInput,
    /// Where a converter delivers power to the downstream bus.
    PowerOutput,
}

/// `name` and `name_mut` of a `Primitive` whose name is its `name` field,
/// as every component's is: `impl Primitive for X { named!(); … }`.
#[macro_export]
macro_rules! named {
    () => {
        fn name(&self) -> &str {
            &self.name
        }
        fn name_mut(&mut self) -> &mut String {
            &mut self.name
        }
    };
}

/// What every primitive component provides.
pub trait Primitive {
    fn name(&self) -> &str;
    fn name_mut(&mut self) -> &mut String;
    /// Every numeric field with its name, for expression resolution and
    /// scenario overrides (`"cbus.farads"`). Nested fields use dots
    /// (`"uvlo.volts"`).
    fn numbers_mut(&mut self) -> Vec<(&'static str, &mut Num)>;
    /// Every terminal with its field name.
    fn nodes_mut(&mut self) -> Vec<(&'static str, &mut String)>;
    /// Terminal names (read-only view of `nodes_mut`).
    fn nodes(&self) -> Vec<&str>;
    /// Terminals (by field name) that have a declared role; most have none.
    fn terminal_roles(&self) -> Vec<(&'static str, TerminalRole)> {
        Vec::new()
    }
    /// The field name of the terminal declared with `role`, if any.
    fn terminal_with(&self, role: TerminalRole) -> Option<&'static str> {
        let roles = self.terminal_roles();
        roles.into_iter().find(|(_, r)| *r == role).map(|(f, _)| f)
    }
    /// Whether the component sets a DC level or supplies power on its
    /// terminals by itself (a source, a cell, a grid-fed rectifier, a
    /// storage unit); a network with loads needs one to have an operating
    /// point.
    fn supplies_power(&self) -> bool {
        false
    }
    /// Whether its `i(...)` and `p(...)` are positive when it delivers
    /// power (the source convention of sources, stores and converter
    /// outputs) rather than when it absorbs it (the load convention of
    /// passives and loads); docs/conventions.md.
    fn source_convention(&self) -> bool {
        self.supplies_power() || self.terminal_with(TerminalRole::PowerOutput).is_some()
    }
    /// Rejects impossible values, naming the component and field.
    fn validate(&self) -> Result<(), ComponentError>;
    /// Allocates unknowns and slots and returns the compiled equations.
    fn build(&self, b: &mut Builder) -> Box<dyn Device>;
}
