//! The component library: one file per component, each owning its RON
//! schema, its validation and its equations (a `Device`).
//!
//! Adding a component means a new file here plus one line in
//! `ComponentSpec` and in the `dispatch!` list. Nothing in `netlist`,
//! `compile` or `engine` changes.

pub mod battery;
pub mod bbu;
pub mod cable;
pub mod capacitor;
pub mod capbank;
pub mod control;
pub mod converter;
pub mod dcx;
pub mod inductor;
pub mod load;
pub mod rectifier;
pub mod resistor;
pub mod smoothing;
pub mod sources;
pub mod switch;

use crate::compile::{Builder, Device};
use crate::netlist::structure::{Instance, Repeat};
use crate::netlist::{NetlistError, Num};
use serde::Deserialize;

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
    /// Rejects impossible values, naming the component and field.
    fn validate(&self) -> Result<(), NetlistError>;
    /// Allocates unknowns and slots and returns the compiled equations.
    fn build(&self, b: &mut Builder) -> Box<dyn Device>;
}

/// One entry of a circuit's component list.
#[derive(Debug, Clone, Deserialize)]
pub enum ComponentSpec {
    Resistor(resistor::Resistor),
    Inductor(inductor::Inductor),
    Capacitor(capacitor::Capacitor),
    Cable(cable::Cable),
    Switch(switch::Switch),
    VoltageSource(sources::VoltageSource),
    CurrentSource(sources::CurrentSource),
    Dcx(dcx::Dcx),
    Load(load::Load),
    Converter(converter::Converter),
    Rectifier(rectifier::Rectifier),
    Battery(battery::Battery),
    Bbu(bbu::Bbu),
    CapBank(capbank::CapBank),
    /// An instance of a subcircuit; expanded by elaboration.
    Instance(Instance),
    /// N copies of a component list; expanded by elaboration.
    Repeat(Repeat),
}

macro_rules! dispatch {
    ($self:expr, $c:ident => $body:expr, $other:expr) => {
        match $self {
            ComponentSpec::Resistor($c) => Some($body),
            ComponentSpec::Inductor($c) => Some($body),
            ComponentSpec::Capacitor($c) => Some($body),
            ComponentSpec::Cable($c) => Some($body),
            ComponentSpec::Switch($c) => Some($body),
            ComponentSpec::VoltageSource($c) => Some($body),
            ComponentSpec::CurrentSource($c) => Some($body),
            ComponentSpec::Dcx($c) => Some($body),
            ComponentSpec::Load($c) => Some($body),
            ComponentSpec::Converter($c) => Some($body),
            ComponentSpec::Rectifier($c) => Some($body),
            ComponentSpec::Battery($c) => Some($body),
            ComponentSpec::Bbu($c) => Some($body),
            ComponentSpec::CapBank($c) => Some($body),
            ComponentSpec::Instance(_) | ComponentSpec::Repeat(_) => $other,
        }
    };
}

impl ComponentSpec {
    /// The primitive inside, or None for `Instance`/`Repeat`.
    pub fn primitive(&self) -> Option<&dyn Primitive> {
        dispatch!(self, c => c as &dyn Primitive, None)
    }

    /// Mutable access to the primitive inside.
    pub fn primitive_mut(&mut self) -> Option<&mut dyn Primitive> {
        dispatch!(self, c => c as &mut dyn Primitive, None)
    }

    /// The component's kind as written in RON (`"Resistor"`).
    pub fn kind(&self) -> &'static str {
        match self {
            ComponentSpec::Resistor(_) => "Resistor",
            ComponentSpec::Inductor(_) => "Inductor",
            ComponentSpec::Capacitor(_) => "Capacitor",
            ComponentSpec::Cable(_) => "Cable",
            ComponentSpec::Switch(_) => "Switch",
            ComponentSpec::VoltageSource(_) => "VoltageSource",
            ComponentSpec::CurrentSource(_) => "CurrentSource",
            ComponentSpec::Dcx(_) => "Dcx",
            ComponentSpec::Load(_) => "Load",
            ComponentSpec::Converter(_) => "Converter",
            ComponentSpec::Rectifier(_) => "Rectifier",
            ComponentSpec::Battery(_) => "Battery",
            ComponentSpec::Bbu(_) => "Bbu",
            ComponentSpec::CapBank(_) => "CapBank",
            ComponentSpec::Instance(_) => "Instance",
            ComponentSpec::Repeat(_) => "Repeat",
        }
    }

    /// Name as written (for Instance: the instance name; Repeat has none).
    pub fn name(&self) -> &str {
        match self {
            ComponentSpec::Instance(i) => &i.name,
            ComponentSpec::Repeat(_) => "",
            other => other.primitive().map(|p| p.name()).unwrap_or(""),
        }
    }
}

/// Shared validation helpers: each returns an error naming component and field.
pub(crate) mod check {
    use super::{NetlistError, Num};

    pub fn positive(component: &str, field: &str, v: &Num) -> Result<(), NetlistError> {
        let x = v.value();
        if x.is_finite() && x > 0.0 {
            Ok(())
        } else {
            Err(NetlistError::component(
                component,
                format!("`{field}` must be a positive finite number, got {x}"),
            ))
        }
    }

    pub fn non_negative(component: &str, field: &str, v: &Num) -> Result<(), NetlistError> {
        let x = v.value();
        if x.is_finite() && x >= 0.0 {
            Ok(())
        } else {
            Err(NetlistError::component(
                component,
                format!("`{field}` must be zero or positive and finite, got {x}"),
            ))
        }
    }

    pub fn finite(component: &str, field: &str, v: &Num) -> Result<(), NetlistError> {
        let x = v.value();
        if x.is_finite() {
            Ok(())
        } else {
            Err(NetlistError::component(
                component,
                format!("`{field}` must be a finite number, got {x}"),
            ))
        }
    }

    pub fn distinct(component: &str, a: &str, b: &str) -> Result<(), NetlistError> {
        let ground = |n: &str| n == "gnd" || n == "0";
        if a == b || (ground(a) && ground(b)) {
            Err(NetlistError::component_help(
                component,
                format!("both terminals are connected to the same node `{a}`"),
                "connect the two terminals to different nodes",
            ))
        } else {
            Ok(())
        }
    }
}

/// Default return terminal.
pub(crate) fn gnd() -> String {
    "gnd".to_string()
}
