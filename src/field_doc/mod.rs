//! Documentation tables for the file formats: one [`Schema`] next to each
//! serde type a circuit, scenario or sweep file is read into, giving every
//! field its unit, default, valid range and meaning.
//!
//! Mechanism: the tables are plain `const` data written beside the struct
//! they describe (so an edit to a struct sits next to its table), and the
//! field *names* and *types* are never written by hand: [`trace`] asks
//! serde itself which names a type accepts and what each field's value is.
//! `reference` compares the two and refuses a field without a row, or a
//! row without a field, so the generated reference cannot drift from the
//! code. Must not know any particular schema; owns no file format.

pub mod trace;

/// The documentation of one struct or enum of a file format, by the name
/// serde gives it (the Rust type name).
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The type's name as serde reports it, e.g. `Converter`.
    pub name: &'static str,
    /// One line: what it is.
    pub summary: &'static str,
    /// Longer explanation (Markdown, may be empty): equations, behaviour.
    pub about: &'static str,
    /// A struct's fields, or the fields common to no variant (empty for
    /// an enum).
    pub fields: &'static [Field],
    /// An enum's variants (empty for a struct).
    pub variants: &'static [Variant],
    /// Scenario actions the component takes, `(action, effect)`; for
    /// components only.
    pub actions: &'static [(&'static str, &'static str)],
    /// A short, valid example as written in a file (may be empty).
    pub example: &'static str,
}

impl Schema {
    /// A schema with nothing filled in, for struct-update syntax.
    pub const EMPTY: Schema = Schema {
        name: "",
        summary: "",
        about: "",
        fields: &[],
        variants: &[],
        actions: &[],
        example: "",
    };

    /// The documented field `name`, if any.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The documented variant `name`, if any.
    pub fn variant(&self, name: &str) -> Option<&'static Variant> {
        self.variants.iter().find(|v| v.name == name)
    }
}

/// One variant of an enum.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    pub name: &'static str,
    pub summary: &'static str,
    /// The fields of a struct variant (a newtype variant documents its
    /// inner struct in that struct's own [`Schema`]).
    pub fields: &'static [Field],
}

impl Variant {
    /// A variant without fields of its own.
    pub const fn unit(name: &'static str, summary: &'static str) -> Variant {
        Variant {
            name,
            summary,
            fields: &[],
        }
    }

    /// A struct variant.
    pub const fn with(name: &'static str, summary: &'static str, fields: &'static [Field]) -> Self {
        Variant {
            name,
            summary,
            fields,
        }
    }
}

/// One field: everything but its name's spelling and its type, which the
/// reference takes from serde.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    /// SI unit (`V`, `W`, `s`, `Hz`, `pu`…), empty when dimensionless or
    /// not a number.
    pub unit: &'static str,
    /// The value used when the field is left out; `None`: required.
    pub default: Option<&'static str>,
    /// The values validation accepts.
    pub range: Range,
    pub meaning: &'static str,
}

impl Field {
    /// The range as the reference prints it: the rule, then the
    /// magnitudes its unit allows (see [`magnitude`]).
    pub fn range_text(&self) -> String {
        let rule = self.range.text();
        let Some((lo, hi)) = magnitude(self.unit) else {
            return rule.to_string();
        };
        match self.range {
            Range::Positive => format!("{lo:e} to {hi:e}"),
            Range::NonNegative => format!("0, or {lo:e} to {hi:e}"),
            _ if rule.is_empty() => format!("0, or magnitude {lo:e} to {hi:e}"),
            _ => format!("{rule}; 0, or magnitude {lo:e} to {hi:e}"),
        }
    }

    /// A required field.
    pub const fn req(
        name: &'static str,
        unit: &'static str,
        range: Range,
        meaning: &'static str,
    ) -> Field {
        Field {
            name,
            unit,
            default: None,
            range,
            meaning,
        }
    }

    /// An optional field with its default as written in a file.
    pub const fn opt(
        name: &'static str,
        unit: &'static str,
        default: &'static str,
        range: Range,
        meaning: &'static str,
    ) -> Field {
        Field {
            name,
            unit,
            default: Some(default),
            range,
            meaning,
        }
    }
}

/// The magnitudes a nonzero value in `unit` may take, `(smallest,
/// largest)`: far outside any power system on either side, so that a
/// value beyond them is a typo (µ for M, a missing exponent sign) or an
/// attack on the solver, never a design. The reference prints them
/// beside each field's range, and elaboration refuses a component field
/// outside them (`components::magnitude`): one table for both.
pub fn magnitude(unit: &str) -> Option<(f64, f64)> {
    Some(match unit {
        "F" => (1e-15, 1e6),
        "H" => (1e-15, 1e6),
        // 1e15 Ω: the insulation of an open switch.
        "Ω" => (1e-12, 1e15),
        "V" => (1e-9, 1e7),
        "A" => (1e-12, 1e8),
        "W" => (1e-9, 1e10),
        "J" => (1e-9, 1e15),
        "Ah" => (1e-9, 1e9),
        "Hz" => (1e-9, 1e12),
        "s" => (1e-12, 1e9),
        _ => return None,
    })
}

/// The values a numeric field accepts, as validation checks them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// Not a number, or any finite number.
    Any,
    /// Greater than zero.
    Positive,
    /// Zero or more.
    NonNegative,
    /// Greater than zero and at most one.
    Fraction,
    /// From zero to one, both included.
    UnitInterval,
    /// A rule that depends on other fields, in words.
    Rule(&'static str),
}

impl Range {
    /// The range as the reference prints it.
    pub fn text(&self) -> &'static str {
        match self {
            Range::Any => "",
            Range::Positive => "> 0",
            Range::NonNegative => "≥ 0",
            Range::Fraction => "(0, 1]",
            Range::UnitInterval => "[0, 1]",
            Range::Rule(s) => s,
        }
    }
}
