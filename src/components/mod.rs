//! The component library: one file per component, each owning its RON
//! schema, its validation and its equations (a `Device`), and the registry
//! `ComponentSpec` that `netlist` reads circuits with.
//!
//! Builds on `device` (the contract each component implements) and
//! `netlist` (the circuit structure); must not import `compile`. Adding a
//! component means a new file here plus one line in `registry!`. Nothing in
//! `netlist`, `compile` or `engine` changes.

pub mod afe;
pub mod battery;
pub mod bbu;
pub mod cable;
pub mod capacitor;
pub mod capbank;
pub mod control;
pub mod converter;
pub mod dcx;
pub mod ess;
pub mod inductor;
pub mod load;
mod magnitude;
pub mod rectifier;
pub mod resistor;
pub mod smoothing;
pub mod sources;
pub mod switch;

use crate::device::Primitive;
use crate::netlist::structure::{Library, INSTANCE, REPEAT};
use serde::de::{Error, VariantAccess};
use std::borrow::{Borrow, BorrowMut};
use std::collections::BTreeMap;
use std::path::Path;

/// A circuit elaborated into this library's primitives.
pub type FlatCircuit = crate::netlist::FlatCircuit<ComponentSpec>;
/// A circuit file as written, with this library's primitives.
pub type Circuit = crate::netlist::Circuit<ComponentSpec>;

/// Reads, parses and elaborates a circuit file (see [`crate::netlist::load`]).
pub fn load(
    path: &Path,
    overrides: &BTreeMap<String, f64>,
) -> Result<FlatCircuit, crate::netlist::NetlistError> {
    crate::netlist::load(path, overrides)
}

/// Parses and elaborates circuit text (see [`crate::netlist::parse_str`]).
pub fn parse_str(
    text: &str,
    path: &Path,
    overrides: &BTreeMap<String, f64>,
) -> Result<FlatCircuit, crate::netlist::NetlistError> {
    crate::netlist::parse_str(text, path, overrides)
}

/// How a variant of `ComponentSpec` holds its component: in place, or
/// boxed (`boxed` after the type in `registry!`).
macro_rules! held {
    ($ty:ty) => { $ty };
    ($ty:ty, boxed) => { Box<$ty> };
}

/// Declares `ComponentSpec`, one variant per primitive kind, and reads and
/// dispatches it by the variant name.
macro_rules! registry {
    ($($kind:ident($ty:ty $(, $boxed:ident)?),)*) => {
        /// One primitive of a circuit, by kind.
        #[derive(Debug, Clone)]
        pub enum ComponentSpec {
            $($kind(held!($ty $(, $boxed)?)),)*
        }

        impl Library for ComponentSpec {
            const NAME: &'static str = "ComponentSpec";
            const KINDS: &'static [&'static str] = &[$(stringify!($kind),)* INSTANCE, REPEAT];

            fn deserialize_kind<'de, A: VariantAccess<'de>>(
                kind: &str,
                access: A,
            ) -> Result<Self, A::Error> {
                match kind {
                    $(stringify!($kind) => access
                        .newtype_variant::<held!($ty $(, $boxed)?)>()
                        .map(ComponentSpec::$kind),)*
                    _ => Err(A::Error::unknown_variant(kind, Self::KINDS)),
                }
            }

            fn kind(&self) -> &'static str {
                match self {
                    $(ComponentSpec::$kind(_) => stringify!($kind),)*
                }
            }

            fn primitive(&self) -> &dyn Primitive {
                match self {
                    $(ComponentSpec::$kind(c) => Borrow::<$ty>::borrow(c),)*
                }
            }

            fn primitive_mut(&mut self) -> &mut dyn Primitive {
                match self {
                    $(ComponentSpec::$kind(c) => BorrowMut::<$ty>::borrow_mut(c),)*
                }
            }

            fn check_magnitudes(&mut self) -> Result<(), crate::device::ComponentError> {
                magnitude::check(self)
            }
        }

        impl ComponentSpec {
            /// The documentation table of this component's kind.
            pub fn schema(&self) -> &'static crate::field_doc::Schema {
                match self {
                    $(ComponentSpec::$kind(_) => &<$ty>::DOC,)*
                }
            }
        }

        impl ComponentSpec {
            /// The scenario actions this component takes, as its
            /// documentation lists them, e.g. `("Trip", "…")`.
            pub fn actions(&self) -> &'static [(&'static str, &'static str)] {
                match self {
                    $(ComponentSpec::$kind(_) => <$ty>::DOC.actions,)*
                }
            }

            /// The names of the events this component can raise (globs
            /// where the text carries a value, e.g. `volts set to *`).
            pub fn events(&self) -> &'static [&'static str] {
                match self {
                    $(ComponentSpec::$kind(_) => <$ty>::EVENTS,)*
                }
            }
        }

        /// Every component kind with the names of the events it can raise,
        /// in registry order: what `NoEvent(what: …)` can name, and the
        /// list the reference documentation prints.
        pub fn declared_events() -> Vec<(&'static str, &'static [&'static str])> {
            vec![$((stringify!($kind), <$ty>::EVENTS),)*]
        }

        /// The documentation of a component list's entries: every kind,
        /// then `Instance` and `Repeat`.
        pub const SPEC_DOC: crate::field_doc::Schema = crate::field_doc::Schema {
            name: <ComponentSpec as Library>::NAME,
            summary: "One entry of a `components` list: a component, an `Instance` of a subcircuit or a `Repeat` block.",
            variants: &[
                $(crate::field_doc::Variant::unit(stringify!($kind), <$ty>::DOC.summary),)*
                crate::field_doc::Variant::unit(INSTANCE, crate::netlist::doc::INSTANCE.summary),
                crate::field_doc::Variant::unit(REPEAT, crate::netlist::doc::REPEAT.summary),
            ],
            ..crate::field_doc::Schema::EMPTY
        };

        /// Every component kind's documentation table, in registry
        /// order (the reference checks each against the fields serde
        /// accepts).
        pub fn documented() -> Vec<&'static crate::field_doc::Schema> {
            vec![$(&<$ty>::DOC,)*]
        }
    };
}

// The registry: adding a component is its file plus one line here.
// Components much larger than a Dcx are boxed: every elaborated component
// takes the size of the largest variant, and a hall of 10,000 racks holds
// 72,000 of them (584 bytes each with every variant in place, 224 so).
registry! {
    Resistor(resistor::Resistor),
    Inductor(inductor::Inductor),
    Capacitor(capacitor::Capacitor),
    Cable(cable::Cable),
    Switch(switch::Switch),
    VoltageSource(sources::VoltageSource),
    CurrentSource(sources::CurrentSource),
    Dcx(dcx::Dcx),
    Load(load::Load, boxed),
    Converter(converter::Converter, boxed),
    Rectifier(rectifier::Rectifier, boxed),
    Battery(battery::Battery),
    Bbu(bbu::Bbu, boxed),
    CapBank(capbank::CapBank, boxed),
    ActiveFrontEnd(afe::ActiveFrontEnd, boxed),
    Ess(ess::Ess, boxed),
}

/// The documentation tables of the types components are built from
/// (loops, load models, …), beside [`documented`]'s components.
pub fn documented_parts() -> Vec<&'static crate::field_doc::Schema> {
    vec![
        &control::VoltageLoop::DOC,
        &control::AntiWindup::DOC,
        &converter::InputUvlo::DOC,
        &load::LoadModel::DOC,
        &load::Uvlo::DOC,
        &smoothing::Smoothing::DOC,
        &capbank::BankLaw::DOC,
        &rectifier::Ripple::DOC,
        &rectifier::HoldupDropSpec::DOC,
        &battery::Cell::DOC,
        &afe::DcTrip::DOC,
    ]
}

/// Rows shared by many components' documentation tables.
pub(crate) mod doc {
    use crate::field_doc::{Field, Range::Any};

    pub const NAME: Field = Field::req(
        "name",
        "",
        Any,
        "Component name, unique in its scope; inside a subcircuit instance it becomes `instance.name`.",
    );
    /// A terminal node that is required.
    pub const fn node(name: &'static str, meaning: &'static str) -> Field {
        Field::req(name, "", Any, meaning)
    }
    /// A return terminal, ground unless given.
    pub const fn ret(name: &'static str, meaning: &'static str) -> Field {
        Field::opt(name, "", "\"gnd\"", Any, meaning)
    }
}

/// Default return terminal.
pub(crate) fn gnd() -> String {
    "gnd".to_string()
}
