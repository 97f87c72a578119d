//! Overrides from a scenario or the command line: `"p_rack": 150e3` sets a
//! top-level parameter before elaboration; `"cbus.farads": 2e-3` (or
//! `"*.c50.farads"`) sets a field of elaborated components.
//!
//! Owns the matching of override keys. Re-validation and error locations
//! stay with `elaborate`; must not evaluate expressions.

use super::{Library, NetlistError};
use crate::device::Num;
use crate::glob;
use crate::units::nearest_first;
use std::collections::BTreeMap;

/// Parameter values, then `component.field` keys with their values.
type Split<'a> = (BTreeMap<String, f64>, Vec<(&'a str, f64)>);

/// Splits overrides into parameter values and `component.field` keys.
/// A key without a dot must name a top-level parameter.
pub(super) fn split<'a>(
    overrides: &'a BTreeMap<String, f64>,
    params: &BTreeMap<String, Num>,
) -> Result<Split<'a>, NetlistError> {
    let mut values = BTreeMap::new();
    let mut fields = Vec::new();
    for (key, &value) in overrides {
        if !value.is_finite() {
            return Err(NetlistError::Override {
                key: key.clone(),
                message: format!("the value must be a finite number, got {value}"),
            });
        }
        if key.contains('.') {
            fields.push((key.as_str(), value));
        } else if params.contains_key(key) {
            values.insert(key.clone(), value);
        } else {
            let known: Vec<String> = params.keys().cloned().collect();
            let listed = if known.is_empty() {
                "the circuit has no parameters".to_string()
            } else {
                format!("parameters: {}", nearest_first(key, &known, 12))
            };
            return Err(NetlistError::Override {
                key: key.clone(),
                message: format!(
                    "no top-level parameter is named `{key}` ({listed}); \
                     to set a component field write `component.field`, e.g. `cbus.farads`"
                ),
            });
        }
    }
    Ok((values, fields))
}

/// Sets `key` = `value` on every matching component field and returns the
/// indices of the changed components. The component part may be a glob and
/// may contain dots itself, so every split of the key at a dot is tried,
/// longest component part first.
pub(super) fn apply<P: Library>(
    components: &mut [P],
    key: &str,
    value: f64,
) -> Result<Vec<usize>, NetlistError> {
    let mut changed = Vec::new();
    // The first component that matched a component part without having the field.
    let mut near_miss: Option<(usize, &str)> = None;
    let splits: Vec<usize> = key.match_indices('.').map(|(i, _)| i).rev().collect();
    for &dot in &splits {
        let (pattern, field) = (&key[..dot], &key[dot + 1..]);
        for (i, spec) in components.iter_mut().enumerate() {
            let prim = spec.primitive_mut();
            if !glob::matches(pattern, prim.name()) {
                continue;
            }
            match prim.numbers_mut().into_iter().find(|(f, _)| *f == field) {
                Some((_, num)) => {
                    *num = Num::Value(value);
                    if !changed.contains(&i) {
                        changed.push(i);
                    }
                }
                None => {
                    near_miss.get_or_insert((i, field));
                }
            }
        }
    }
    if !changed.is_empty() {
        changed.sort_unstable();
        return Ok(changed);
    }
    if let Some((i, field)) = near_miss {
        let name = components[i].name().to_string();
        let known: Vec<String> = components[i]
            .primitive_mut()
            .numbers_mut()
            .into_iter()
            .map(|(f, _)| f.to_string())
            .collect();
        return Err(NetlistError::Override {
            key: key.to_string(),
            message: format!(
                "{} `{name}` has no numeric field `{field}`; its fields are: {}",
                components[i].kind(),
                nearest_first(field, &known, 20)
            ),
        });
    }
    let component_part = splits.first().map_or(key, |&d| &key[..d]);
    let names: Vec<String> = components.iter().map(|c| c.name().to_string()).collect();
    Err(NetlistError::Override {
        key: key.to_string(),
        message: format!(
            "no component matches `{component_part}`; components: {}",
            nearest_first(component_part, &names, 8)
        ),
    })
}
