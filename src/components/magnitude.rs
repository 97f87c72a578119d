//! Every numeric field of a component within the magnitudes its unit
//! allows (`field_doc::magnitude`), checked when the component is built
//! from its file and again after an override: a capacitor of 1e-300 F or
//! a resistor of 1e300 Ω is refused with the field and the range named,
//! before an analysis could overflow on it.
//!
//! A field's unit comes from its component's documentation table, or for
//! a nested field (`model.volts`) from the table of the type it belongs
//! to, so the range the reference prints is the range enforced. Owns the
//! lookup and the message; the ranges belong to `field_doc`.

use super::{documented_parts, ComponentSpec};
use crate::device::ComponentError;
use crate::field_doc::{magnitude, Field, Schema};
use crate::netlist::Library;

/// The unit of `field` (as `numbers_mut` names it) on a component with
/// documentation `doc`; `None` when undocumented or ambiguous.
fn unit_of(doc: &Schema, field: &str) -> Option<&'static str> {
    fn rows(s: &'static Schema) -> impl Iterator<Item = &'static Field> {
        s.fields
            .iter()
            .chain(s.variants.iter().flat_map(|v| v.fields.iter()))
    }
    let Some((_, last)) = field.rsplit_once('.') else {
        return doc.field(field).map(|f| f.unit);
    };
    let mut units = documented_parts()
        .into_iter()
        .flat_map(rows)
        .filter(|f| f.name == last)
        .map(|f| f.unit);
    let first = units.next()?;
    units.all(|u| u == first).then_some(first)
}

/// `Ok` when every numeric field of `spec` is zero or within the
/// magnitudes of its unit.
pub fn check(spec: &mut ComponentSpec) -> Result<(), ComponentError> {
    let doc = spec.schema();
    let outside = spec
        .primitive_mut()
        .numbers_mut()
        .into_iter()
        .find_map(|(field, num)| {
            let x = num.value();
            let unit = unit_of(doc, field)?;
            let (lo, hi) = magnitude(unit)?;
            (x != 0.0 && !(lo..=hi).contains(&x.abs())).then_some((field, x, unit, lo, hi))
        });
    match outside {
        None => Ok(()),
        Some((field, x, unit, lo, hi)) => Err(ComponentError::with_help(
            spec.name(),
            format!("`{field}` = {x:e} {unit} is outside the physical range: 0 or a magnitude from {lo:e} to {hi:e} {unit}"),
            format!("check the unit and the exponent of `{field}` (`busbar help {}` lists each field's range)", spec.kind()),
        )),
    }
}
