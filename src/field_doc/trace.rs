//! Asks serde what a file format accepts: a deserializer that, instead of
//! reading text, follows a path of steps (a field, a variant, a list
//! element) into a type and reports what the type asks for there: a
//! struct with its field names, an enum with its variant names, a number,
//! a string…
//!
//! These are the very lists a derived `Deserialize` checks input against
//! (`deny_unknown_fields` refuses anything else), so documentation checked
//! against them cannot miss a field. Nothing is read and nothing is built;
//! every trace ends in an error value carrying the answer. Must not know
//! any particular schema.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use std::fmt;

/// One step into a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A field of a struct or of a struct variant.
    Field(&'static str),
    /// A variant of an enum.
    Variant(&'static str),
    /// The first element of a tuple.
    Element,
}

/// A container around the traced value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapper {
    /// May be left out or written `None` (`Option`).
    Optional,
    /// `[…]`.
    List,
    /// `{"name": …}`.
    Map,
}

/// What a type asks for at the end of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A struct (or struct variant) and the field names it accepts.
    Struct {
        name: &'static str,
        fields: &'static [&'static str],
    },
    /// An enum and the variant names it accepts.
    Enum {
        name: &'static str,
        variants: &'static [&'static str],
    },
    /// A tuple of `len` elements.
    Tuple(usize),
    Number,
    Integer,
    Bool,
    Text,
    /// A value whose type the input decides (a number or an expression).
    Any,
    /// Anything at all, read and thrown away.
    Ignored,
    /// A variant without data.
    Unit,
}

/// The answer: the containers met after the last step, outermost first,
/// and what they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traced {
    pub wrappers: Vec<Wrapper>,
    pub shape: Shape,
}

/// Follows `path` into `T` and reports what it asks for there; an error
/// says which step does not exist.
pub fn trace<T: DeserializeOwned>(path: &[Step]) -> Result<Traced, String> {
    let tracer = Tracer {
        path,
        wrappers: Vec::new(),
    };
    match T::deserialize(tracer) {
        Ok(_) => Err("the type accepted an empty input".to_string()),
        Err(Found(result)) => result,
    }
}

/// The error every trace ends with: the answer, or why there is none.
#[derive(Debug)]
struct Found(Result<Traced, String>);

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.0 {
            Ok(t) => write!(f, "traced {t:?}"),
            Err(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for Found {}

impl de::Error for Found {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Found(Err(msg.to_string()))
    }
}

struct Tracer<'p> {
    path: &'p [Step],
    wrappers: Vec<Wrapper>,
}

impl<'p> Tracer<'p> {
    /// Ends the trace at a leaf: only valid at the end of the path.
    fn leaf<T>(self, shape: Shape) -> Result<T, Found> {
        match self.path.first() {
            None => Err(Found(Ok(Traced {
                wrappers: self.wrappers,
                shape,
            }))),
            Some(step) => Err(Found(Err(format!("cannot take {step:?} into {shape:?}")))),
        }
    }

    fn wrapped(mut self, w: Wrapper) -> Self {
        self.wrappers.push(w);
        self
    }

    /// The tracer for the rest of the path after one step.
    fn rest(&self) -> Tracer<'p> {
        Tracer {
            path: &self.path[1..],
            wrappers: Vec::new(),
        }
    }
}

macro_rules! leaves {
    ($($method:ident => $shape:expr,)*) => {
        $(fn $method<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Found> {
            self.leaf($shape)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Tracer<'_> {
    type Error = Found;

    leaves! {
        deserialize_any => Shape::Any,
        deserialize_bool => Shape::Bool,
        deserialize_i8 => Shape::Integer,
        deserialize_i16 => Shape::Integer,
        deserialize_i32 => Shape::Integer,
        deserialize_i64 => Shape::Integer,
        deserialize_u8 => Shape::Integer,
        deserialize_u16 => Shape::Integer,
        deserialize_u32 => Shape::Integer,
        deserialize_u64 => Shape::Integer,
        deserialize_f32 => Shape::Number,
        deserialize_f64 => Shape::Number,
        deserialize_char => Shape::Text,
        deserialize_str => Shape::Text,
        deserialize_string => Shape::Text,
        deserialize_bytes => Shape::Text,
        deserialize_byte_buf => Shape::Text,
        deserialize_identifier => Shape::Text,
        deserialize_unit => Shape::Unit,
        deserialize_ignored_any => Shape::Ignored,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Found> {
        visitor.visit_some(self.wrapped(Wrapper::Optional))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _visitor: V,
    ) -> Result<V::Value, Found> {
        self.leaf(Shape::Unit)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Found> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Found> {
        visitor.visit_seq(One(Some(self.wrapped(Wrapper::List))))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Found> {
        match self.path.first() {
            Some(Step::Element) => visitor.visit_seq(One(Some(self.rest()))),
            _ => self.leaf(Shape::Tuple(len)),
        }
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Found> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Found> {
        visitor.visit_map(Entry {
            key: Some("name"),
            value: Some(self.wrapped(Wrapper::Map)),
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Found> {
        match self.path.first() {
            Some(Step::Field(f)) if fields.contains(f) => visitor.visit_map(Entry {
                key: Some(f),
                value: Some(self.rest()),
            }),
            _ => self.leaf(Shape::Struct { name, fields }),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Found> {
        match self.path.first() {
            Some(Step::Variant(v)) if variants.contains(v) => visitor.visit_enum(Choice {
                variant: v,
                rest: self.rest(),
            }),
            _ => self.leaf(Shape::Enum { name, variants }),
        }
    }
}

/// A sequence of one element, the traced one.
struct One<'p>(Option<Tracer<'p>>);

impl<'de> SeqAccess<'de> for One<'_> {
    type Error = Found;
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Found> {
        match self.0.take() {
            Some(tracer) => seed.deserialize(tracer).map(Some),
            None => Ok(None),
        }
    }
}

/// A map (or struct body) of one entry whose value is traced.
struct Entry<'p> {
    key: Option<&'static str>,
    value: Option<Tracer<'p>>,
}

impl<'de> MapAccess<'de> for Entry<'_> {
    type Error = Found;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Found> {
        match self.key.take() {
            Some(k) => seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some),
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Found> {
        match self.value.take() {
            Some(tracer) => seed.deserialize(tracer),
            None => Err(Found(Err("a map value was asked for twice".into()))),
        }
    }
}

/// An enum value of the chosen variant.
struct Choice<'p> {
    variant: &'static str,
    rest: Tracer<'p>,
}

impl<'de, 'p> EnumAccess<'de> for Choice<'p> {
    type Error = Found;
    type Variant = Tracer<'p>;
    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Tracer<'p>), Found> {
        let v = seed.deserialize(BorrowedStrDeserializer::new(self.variant))?;
        Ok((v, self.rest))
    }
}

impl<'de> VariantAccess<'de> for Tracer<'_> {
    type Error = Found;
    fn unit_variant(self) -> Result<(), Found> {
        self.leaf(Shape::Unit)
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Found> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Found> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Found> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        volts: f64,
        #[serde(default)]
        mode: Option<Mode>,
        corners: Vec<(f64, f64)>,
        #[serde(skip)]
        hidden: u8,
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    enum Mode {
        Off,
        Droop { ohms: f64, name: String },
        Table(Vec<u32>),
    }

    #[test]
    fn reports_what_serde_accepts() {
        let t = trace::<Outer>(&[]).unwrap();
        assert_eq!(
            t.shape,
            Shape::Struct {
                name: "Outer",
                fields: &["volts", "mode", "corners"]
            }
        );
        let mode = trace::<Outer>(&[Step::Field("mode")]).unwrap();
        assert_eq!(mode.wrappers, vec![Wrapper::Optional]);
        assert!(
            matches!(mode.shape, Shape::Enum { name: "Mode", variants } if variants.len() == 3)
        );
        let droop = [Step::Field("mode"), Step::Variant("Droop")];
        assert!(matches!(
            trace::<Outer>(&droop).unwrap().shape,
            Shape::Struct {
                fields: &["ohms", "name"],
                ..
            }
        ));
        let name = [droop[0], droop[1], Step::Field("name")];
        assert_eq!(trace::<Outer>(&name).unwrap().shape, Shape::Text);
        let table = [Step::Field("mode"), Step::Variant("Table")];
        let t = trace::<Outer>(&table).unwrap();
        assert_eq!((t.wrappers, t.shape), (vec![Wrapper::List], Shape::Integer));
        let c = trace::<Outer>(&[Step::Field("corners")]).unwrap();
        assert_eq!(
            (c.wrappers, c.shape),
            (vec![Wrapper::List], Shape::Tuple(2))
        );
        let e = trace::<Outer>(&[Step::Field("corners"), Step::Element]).unwrap();
        assert_eq!(e.shape, Shape::Number);
        assert!(trace::<Outer>(&[Step::Field("nope")]).is_err());
        assert!(trace::<Outer>(&[Step::Field("volts"), Step::Element]).is_err());
    }
}
