//! Circuit files: RON schema, parameter expressions, subcircuits, `Repeat`
//! and elaboration into a flat list of primitive components with
//! hierarchical names.
//!
//! Owns everything between the text of `circuit.ron` and a `FlatCircuit`.
//! Generic over the component library `P` (see [`Library`]): it reaches
//! components only through the `device::Primitive` trait, and must not
//! import `components` (which builds on it) or `compile`.

mod buses;
pub mod doc;
pub mod elaborate;
pub mod expr;
pub mod locate;
mod overrides;
pub mod params;
pub mod resolve;
pub mod schema;
pub mod structure;
pub mod subsystems;

use crate::device::ComponentError;
use crate::error::SourceLocation;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use buses::BusIndex;
pub use elaborate::{elaborate, top_parameters, Parameter};
pub use resolve::Resolver;
pub use schema::{parse_circuit, Circuit, Subcircuit};
pub use structure::{Item, Library};
pub use subsystems::{subsystem_of, SubsystemSpec};

/// Reads, parses and elaborates a circuit file. `overrides` maps parameter
/// names (`"p_rack"`) or component fields (`"cbus.farads"`, globs allowed
/// in the component part: `"*.c50.farads"`) to values.
pub fn load<P: Library>(
    path: &Path,
    overrides: &BTreeMap<String, f64>,
) -> Result<FlatCircuit<P>, NetlistError> {
    let text = crate::budget::read_input_text(path).map_err(|source| NetlistError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text, path, overrides)
}

/// Parses and elaborates circuit text; `path` names the file in messages.
pub fn parse_str<P: Library>(
    text: &str,
    path: &Path,
    overrides: &BTreeMap<String, f64>,
) -> Result<FlatCircuit<P>, NetlistError> {
    let text = crate::ron_tokens::strip_bom(text);
    let circuit = parse_circuit(text, path)?;
    elaborate(circuit, overrides, Some(path), Some(text))
}

/// Everything that can be wrong with a circuit file.
#[derive(Debug, thiserror::Error)]
pub enum NetlistError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid RON for the schema (syntax, unknown field, wrong type).
    #[error("{location}: {message}")]
    Syntax {
        message: String,
        location: SourceLocation,
        /// The whole file text, so that the CLI can underline the span.
        text: String,
    },
    /// A component's value or connection is impossible.
    #[error("component `{component}`: {message}")]
    Component {
        component: String,
        message: String,
        help: Option<String>,
        location: Option<SourceLocation>,
        text: Option<String>,
    },
    /// An expression could not be evaluated.
    #[error("component `{component}`, field `{field}`: cannot evaluate `{expression}`: {message}")]
    Expression {
        component: String,
        field: String,
        expression: String,
        message: String,
        location: Option<SourceLocation>,
        text: Option<String>,
    },
    /// A circuit parameter could not be evaluated (bad expression, unknown
    /// name, cycle).
    #[error("parameter `{name}`: {message}")]
    Parameter {
        name: String,
        message: String,
        location: Option<SourceLocation>,
        text: Option<String>,
    },
    /// A subsystem pattern matches no component: a typo would otherwise
    /// silently leave its components in `other`.
    #[error(
        "{}subsystem `{subsystem}`: pattern `{pattern}` matches no component",
        at(location)
    )]
    Subsystem {
        subsystem: String,
        pattern: String,
        location: Option<SourceLocation>,
        text: Option<String>,
    },
    /// An override names no parameter and no component field.
    #[error("override `{key}`: {message}")]
    Override { key: String, message: String },
}

/// `file:line:column: ` of a location, or nothing.
fn at(location: &Option<SourceLocation>) -> String {
    location
        .as_ref()
        .map_or(String::new(), |l| format!("{l}: "))
}

impl From<ComponentError> for NetlistError {
    fn from(e: ComponentError) -> Self {
        NetlistError::Component {
            component: e.component,
            message: e.message,
            help: e.help,
            location: None,
            text: None,
        }
    }
}

/// A bus declared in the circuit: a node-name glob and its nominal voltage.
#[derive(Debug, Clone, PartialEq)]
pub struct BusSpec {
    pub pattern: String,
    pub nominal: f64,
}

/// The elaborated circuit: primitive components with hierarchical names and
/// every numeric field resolved.
#[derive(Debug, Clone)]
pub struct FlatCircuit<P> {
    pub name: String,
    pub components: Vec<P>,
    pub buses: Vec<BusSpec>,
    /// Declared subsystems in file order; empty: group by top-level name.
    pub subsystems: Vec<SubsystemSpec>,
    /// Path of the circuit file, if it came from one.
    pub file: Option<PathBuf>,
}

impl<P> FlatCircuit<P> {
    /// Nominal voltage of `node` from the first matching bus glob. Scans
    /// the list: for many nodes, build a [`BusIndex`] once instead.
    pub fn nominal(&self, node: &str) -> Option<f64> {
        self.buses
            .iter()
            .find(|b| crate::glob::matches(&b.pattern, node))
            .map(|b| b.nominal)
    }
}
