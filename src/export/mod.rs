//! Export of a circuit (and optionally a scenario) to other tools' formats.
//!
//! Owns the writers and their error type. `spice` writes an ngspice deck of
//! the same averaged model that `compile` builds, for peer comparison.
//! Must not change the model, run the engine or write files: writers
//! return text and the caller decides where it goes.

pub mod spice;

pub use spice::{spice_deck, SpiceMethod, SpiceOptions};

use crate::netlist::NetlistError;
use crate::scenario::ScenarioError;

/// Why a circuit or scenario cannot be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A component, event or load feature the target format cannot express
    /// exactly. Exporting an approximation silently would defeat the point
    /// of a peer comparison, so it is refused instead.
    #[error("`{name}`: {feature} cannot be exported to {format} exactly")]
    Unsupported {
        /// The component, event or node concerned.
        name: String,
        /// What it uses, e.g. "`uvlo` (a state event)".
        feature: String,
        format: &'static str,
    },
    /// A component value is impossible (unresolved expression, negative
    /// capacitance, …).
    #[error(transparent)]
    Netlist(#[from] NetlistError),
    /// The scenario does not fit the circuit (a load target that matches
    /// nothing).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// An event or record entry names nothing in the circuit.
    #[error("{0}")]
    Binding(String),
    /// The output file name cannot be written into the deck.
    #[error("output path `{0}` cannot be used in an ngspice control block: it must be valid UTF-8 without whitespace or quotes")]
    OutputPath(String),
}
