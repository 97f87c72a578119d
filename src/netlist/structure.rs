//! The entries of a written component list: a primitive, a subcircuit
//! instance or a `Repeat` block. Elaboration expands the last two into
//! primitives, so only primitives ever leave `netlist`.
//!
//! Owns the schema of `Instance` and `Repeat`, and reading an entry by its
//! RON variant name: these two are read here, every other name is handed to
//! the component library through [`Library`]. Must not name any component.

use crate::device::{Num, Primitive};
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, VariantAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// The variant name of a subcircuit instance.
pub const INSTANCE: &str = "Instance";
/// The variant name of a `Repeat` block.
pub const REPEAT: &str = "Repeat";

/// The set of primitive kinds a circuit file may use (the component
/// registry): how each is read from RON and reached as a [`Primitive`].
pub trait Library: Clone + fmt::Debug + Sized {
    /// The type name ron shows in "unknown variant ... in enum" messages.
    const NAME: &'static str;
    /// Every variant name a component list accepts, in the order an
    /// "expected one of" message lists them: the primitive kinds, then
    /// [`INSTANCE`] and [`REPEAT`].
    const KINDS: &'static [&'static str];
    /// Reads the primitive of kind `kind` (already read); an unknown kind
    /// is `unknown_variant(kind, KINDS)`.
    fn deserialize_kind<'de, A: VariantAccess<'de>>(
        kind: &str,
        access: A,
    ) -> Result<Self, A::Error>;
    /// The kind as written in RON (`"Resistor"`).
    fn kind(&self) -> &'static str;
    fn primitive(&self) -> &dyn Primitive;
    fn primitive_mut(&mut self) -> &mut dyn Primitive;
    /// The component's name.
    fn name(&self) -> &str {
        self.primitive().name()
    }
    /// Refuses a resolved numeric field outside the magnitudes its unit
    /// allows; a library without units accepts every value.
    fn check_magnitudes(&mut self) -> Result<(), crate::device::ComponentError> {
        Ok(())
    }
}

/// One entry of a written component list.
#[derive(Debug, Clone)]
pub enum Item<P> {
    Primitive(P),
    /// An instance of a subcircuit; expanded by elaboration.
    Instance(Instance),
    /// N copies of a component list; expanded by elaboration.
    Repeat(Repeat<P>),
}

/// `Instance(name: "tray{i}", of: "tray", ports: {"in": "bus800"}, params: {"p": "p_rack / 18"})`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub name: String,
    pub of: String,
    #[serde(default, deserialize_with = "super::schema::unique_keys")]
    pub ports: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "super::schema::unique_keys")]
    pub params: BTreeMap<String, Num>,
}

/// `Repeat(count: 18, index: "i", components: [...])`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "P: Library"))]
pub struct Repeat<P> {
    pub count: Num,
    #[serde(default = "default_index")]
    pub index: String,
    /// First index value (default 1, so `tray1` … `tray18`).
    #[serde(default = "default_start")]
    pub start: i64,
    pub components: Vec<Item<P>>,
}

fn default_index() -> String {
    "i".to_string()
}

fn default_start() -> i64 {
    1
}

impl<'de, P: Library> Deserialize<'de> for Item<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_enum(P::NAME, P::KINDS, ItemVisitor(PhantomData))
    }
}

struct ItemVisitor<P>(PhantomData<P>);

impl<'de, P: Library> Visitor<'de> for ItemVisitor<P> {
    type Value = Item<P>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "enum {}", P::NAME)
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Item<P>, A::Error> {
        let (kind, access) = data.variant_seed(KindName)?;
        match kind.as_str() {
            INSTANCE => access.newtype_variant().map(Item::Instance),
            REPEAT => access.newtype_variant().map(Item::Repeat),
            other => P::deserialize_kind(other, access).map(Item::Primitive),
        }
    }
}

/// Reads a variant name as an identifier, the way a derived enum does.
struct KindName;

impl<'de> DeserializeSeed<'de> for KindName {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KindName {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("variant identifier")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
}
