//! The interface through which a component resolves its own fields during
//! elaboration: numeric expressions, node names and its instance name.
//!
//! The elaborator (`netlist::elaborate`) implements this trait and drives it
//! over each component's `numbers_mut` and `nodes_mut`. This file owns only
//! the contract, so that adding a component never touches the elaborator.

use super::NetlistError;
use crate::device::Num;

/// Resolves the fields of one component in the scope of its instance.
pub trait Resolver {
    /// Evaluates `num` in the current parameter scope and stores the value.
    /// `field` names the field for error messages (`"farads"`).
    fn num(&mut self, field: &str, num: &mut Num) -> Result<(), NetlistError>;
    /// Maps a node name through port bindings and the hierarchical prefix,
    /// substituting `{i}`-style Repeat indices. Ground (`gnd`, `0`) stays `gnd`.
    fn node(&mut self, node: &mut String) -> Result<(), NetlistError>;
    /// Substitutes Repeat indices and prefixes the instance path.
    fn name(&mut self, name: &mut String) -> Result<(), NetlistError>;
}
