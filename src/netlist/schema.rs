//! The RON schema of a circuit file (`Circuit(...)`) and its parsing into
//! typed structs, with syntax errors turned into located messages.
//!
//! Owns the top-level and subcircuit structure only. Component schemas
//! belong to the component library (the type parameter `P`),
//! `Instance`/`Repeat` to `structure`; expanding anything belongs to
//! `elaborate`.

use super::locate::{location_at, syntax_span};
use super::structure::{Item, Library};
use super::subsystems::SubsystemSpec;
use super::NetlistError;
use crate::device::Num;
use crate::ron_tokens::{control_char, string_span, strip_bom};
use ron::extensions::Extensions;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

/// A whole circuit file, its components from the library `P`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "P: Library"))]
pub struct Circuit<P> {
    /// Display name; defaults to the file name.
    #[serde(default)]
    pub name: String,
    /// Top-level parameters, usable in every expression of the file.
    #[serde(default, deserialize_with = "unique_keys")]
    pub params: BTreeMap<String, Num>,
    /// Node-name globs with their nominal voltage.
    #[serde(default, deserialize_with = "unique_keys")]
    pub buses: BTreeMap<String, BusDecl>,
    #[serde(default, deserialize_with = "unique_keys")]
    pub subcircuits: BTreeMap<String, Subcircuit<P>>,
    /// Named groups of component globs, in the written order.
    #[serde(default, deserialize_with = "super::subsystems::ordered")]
    pub subsystems: Vec<SubsystemSpec>,
    pub components: Vec<Item<P>>,
}

impl<P> Circuit<P> {
    /// The name results carry: the file's `name`, else the stem of `file`.
    pub fn display_name(&self, file: Option<&Path>) -> String {
        if !self.name.is_empty() {
            return self.name.clone();
        }
        file.and_then(|f| f.file_stem()).map_or_else(
            || "circuit".to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    }
}

/// `(nominal: 800.0)`: a bus's nominal voltage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusDecl {
    pub nominal: Num,
}

/// `Subcircuit(ports: ["in"], params: {...}, components: [...], buses: {...})`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "P: Library"))]
pub struct Subcircuit<P> {
    /// Node names bound to the instantiating circuit's nodes.
    #[serde(default)]
    pub ports: Vec<String>,
    /// Parameters with their defaults; an `Instance` may override them.
    #[serde(default, deserialize_with = "unique_keys")]
    pub params: BTreeMap<String, Num>,
    /// Bus globs relative to each instance (`bus50` → `tray3.bus50`).
    #[serde(default, deserialize_with = "unique_keys")]
    pub buses: BTreeMap<String, BusDecl>,
    pub components: Vec<Item<P>>,
}

/// A map in which a repeated key is an error: the second definition of a
/// parameter must not silently replace the first.
pub(crate) fn unique_keys<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct UniqueVisitor<V>(PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for UniqueVisitor<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map from names to values, such as { \"a\": 1.0 }")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "`{key}` is defined twice in this map"
                    )));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(UniqueVisitor(PhantomData))
}

/// The RON options every circuit file is read with: `Some(..)` may be
/// left out, and `Resistor(name: ...)` needs no extra parentheses.
pub fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES)
}

/// Parses a circuit file's text. `path` is only used in messages.
/// A leading byte-order mark is skipped.
pub fn parse_circuit<P: Library>(text: &str, path: &Path) -> Result<Circuit<P>, NetlistError> {
    let text = strip_bom(text);
    let circuit = ron_options().from_str::<Circuit<P>>(text).map_err(|e| {
        let span = syntax_span(text, &e.span);
        NetlistError::Syntax {
            message: syntax_message(&e.code),
            location: location_at(text, path, span),
            text: text.to_string(),
        }
    })?;
    if let Some(c) = control_char(&circuit.name) {
        let span = string_span(text, &circuit.name).unwrap_or((0, 0));
        return Err(NetlistError::Syntax {
            message: format!(
                "the circuit's `name` holds the control character U+{:04X}; names are printed as written, so use visible characters",
                u32::from(c)
            ),
            location: location_at(text, path, span),
            text: text.to_string(),
        });
    }
    Ok(circuit)
}

/// ron's message, reworded where it does not say what was expected.
fn syntax_message(code: &ron::Error) -> String {
    use ron::Error as E;
    match code {
        E::ExpectedComma => "expected `,` between items, or a closing bracket".to_string(),
        E::Eof => "unexpected end of file: a bracket or string is not closed".to_string(),
        E::MissingStructField { field, outer } => match outer {
            Some(outer) => format!("missing field `{field}` in `{outer}`"),
            None => format!("missing field `{field}`"),
        },
        E::DuplicateStructField { field, outer } => match outer {
            Some(outer) => format!("field `{field}` is given twice in `{outer}`"),
            None => format!("field `{field}` is given twice"),
        },
        E::ExceededRecursionLimit => {
            "the file nests too deeply to read (Repeat inside Repeat more than 20 levels)"
                .to_string()
        }
        other => other.to_string(),
    }
}
