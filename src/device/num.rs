//! Numeric field values as written in a circuit file: a literal number or a
//! string expression over parameters (`"p_rack / 18"`, `"47u"`).
//!
//! Owns only the representation and its deserialisation. Evaluating
//! expressions belongs to `netlist::expr`; this file must not know about
//! parameters or scopes.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A numeric field: resolved (`Value`) after elaboration, possibly an
/// expression (`Expr`) before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Num {
    Value(f64),
    Expr(String),
}

impl Num {
    /// The resolved value. Elaboration resolves every `Num`, so components
    /// only ever see `Value`; an unresolved expression here is a bug in the
    /// elaborator, and NaN makes it fail loudly in validation rather than
    /// silently using zero.
    pub fn value(&self) -> f64 {
        match self {
            Num::Value(v) => *v,
            Num::Expr(_) => f64::NAN,
        }
    }
}

impl From<f64> for Num {
    fn from(v: f64) -> Self {
        Num::Value(v)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumVisitor;
        impl Visitor<'_> for NumVisitor {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a string expression such as \"2 * c_bus\" or \"47u\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num::Value(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num::Value(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num::Value(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                Ok(Num::Expr(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Num, E> {
                Ok(Num::Expr(v))
            }
        }
        deserializer.deserialize_any(NumVisitor)
    }
}
