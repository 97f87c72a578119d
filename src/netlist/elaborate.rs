//! Elaboration: expands parameters, expressions, subcircuit instances and
//! `Repeat` blocks into a [`FlatCircuit`] of primitives with hierarchical
//! names (`row3.rack2.tray7.load`), then applies overrides.
//!
//! Owns naming, node binding, scoping and the structural checks (unknown
//! subcircuit, unbound port, recursion, duplicate names). Component values
//! are checked by each component's own `validate`; arithmetic belongs to
//! `expr`, scopes to `params`, source locations to `locate`, and override
//! matching to `overrides`. Must not know component equations.

use super::expr;
use super::locate::Locator;
use super::params::{self, Scope};
use super::schema::Circuit;
use super::structure::{Item, Library, Repeat};
use super::{overrides, BusSpec, FlatCircuit, NetlistError};
use crate::device::{ComponentError, Num};
use crate::hash::FastMap;
use frame::{Blank, Frame};
use names::NameIndex;
use std::collections::BTreeMap;
use std::path::Path;

/// Largest `Repeat` count.
pub const MAX_REPEAT: i64 = 100_000;
/// Deepest nesting of `Instance` and `Repeat` together.
pub const MAX_NESTING: usize = 64;

/// A top-level parameter as a run applies it.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    /// As written in the file: a number or an expression.
    pub written: Num,
    /// The value used, after overrides.
    pub value: f64,
    /// Whether an override set it instead of the file.
    pub overridden: bool,
}

/// The top-level parameters of `circuit` with `overrides` applied, in name
/// order: what elaboration uses. Errors carry no location (elaboration
/// reports the same ones located).
pub fn top_parameters<P: Library>(
    circuit: &Circuit<P>,
    overrides: &BTreeMap<String, f64>,
) -> Result<Vec<Parameter>, NetlistError> {
    let (fixed, _) = overrides::split(overrides, &circuit.params)?;
    let root = Scope::root(BTreeMap::new());
    let values =
        params::resolve(&circuit.params, &fixed, &root).map_err(|e| NetlistError::Parameter {
            location: None,
            text: None,
            name: e.name,
            message: with_expression(e.message, &e.expression),
        })?;
    Ok(circuit
        .params
        .iter()
        .map(|(name, num)| Parameter {
            name: name.clone(),
            written: num.clone(),
            value: values.get(name).copied().unwrap_or(f64::NAN),
            overridden: fixed.contains_key(name),
        })
        .collect())
}

/// Expands `circuit` into primitives. `file` and `text` (the file's
/// contents) let errors point at the offending component; without them
/// errors carry no location.
pub fn elaborate<P: Library>(
    circuit: Circuit<P>,
    overrides: &BTreeMap<String, f64>,
    file: Option<&Path>,
    text: Option<&str>,
) -> Result<FlatCircuit<P>, NetlistError> {
    let locator = text.map(|t| Locator::new(file.unwrap_or(Path::new("<circuit>")), t, &circuit));
    let mut elab = Elab {
        circuit: &circuit,
        loc: locator.as_ref(),
        out: Vec::new(),
        anchors: Vec::new(),
        names: NameIndex::default(),
        instances: FastMap::default(),
        buses: Vec::new(),
        stack: Vec::new(),
        used: 0,
        sizes: FastMap::default(),
        blanks: FastMap::default(),
    };

    let (param_overrides, field_overrides) = overrides::split(overrides, &circuit.params)?;
    let root = Scope::root(BTreeMap::new());
    let values = params::resolve(&circuit.params, &param_overrides, &root).map_err(|e| {
        NetlistError::Parameter {
            location: elab.loc.and_then(|l| l.param(&None, &e.name)),
            text: elab.text(),
            name: e.name,
            message: with_expression(e.message, &e.expression),
        }
    })?;
    let globals = Scope::child(&root, values);

    for (pattern, decl) in &circuit.buses {
        let nominal = elab.nominal(decl, &globals, pattern, "buses", || {
            elab.loc.and_then(|l| l.bus(&None, pattern))
        })?;
        elab.buses.push(BusSpec {
            pattern: pattern.clone(),
            nominal,
        });
    }

    let exprs = expr::ExprCache::default();
    let top = Frame {
        scope: &globals,
        globals: &globals,
        prefix: "",
        ports: &BTreeMap::new(),
        sub: None,
        depth: 0,
        exprs: &exprs,
    };
    elab.list(&top, &circuit.components, &mut Vec::new())?;

    for (key, value) in field_overrides {
        let changed = overrides::apply(&mut elab.out, key, value)?;
        for i in changed {
            let checked = elab.out[i].primitive().validate();
            if let Err(mut e) = checked.and_then(|()| elab.out[i].check_magnitudes()) {
                e.help.get_or_insert_with(|| {
                    format!("the value comes from override `{key}` = {value}")
                });
                return Err(elab.located(e.into(), elab.anchors[i]));
            }
        }
    }

    // Every subsystem pattern must match a component (none to check
    // without subsystems).
    let names: Vec<&str> = match circuit.subsystems.is_empty() {
        true => Vec::new(),
        false => elab.out.iter().map(|c| c.name()).collect(),
    };
    if let Some((subsystem, pattern)) = super::subsystems::unmatched(&circuit.subsystems, &names) {
        return Err(NetlistError::Subsystem {
            subsystem: subsystem.to_string(),
            pattern: pattern.to_string(),
            location: elab
                .loc
                .and_then(|l| l.subsystem_pattern(subsystem, pattern)),
            text: elab.text(),
        });
    }

    // Exact bus names before globs, so that `bus800` is not shadowed by a
    // catch-all pattern that happens to sort first.
    let (mut buses, globs): (Vec<BusSpec>, Vec<BusSpec>) = elab
        .buses
        .into_iter()
        .partition(|b| !crate::glob::is_glob(&b.pattern));
    buses.extend(globs);

    let name = circuit.display_name(file);
    Ok(FlatCircuit {
        name,
        components: elab.out,
        buses,
        subsystems: circuit.subsystems.clone(),
        file: file.map(Path::to_path_buf),
    })
}

fn with_expression(message: String, expression: &str) -> String {
    if expression.is_empty() {
        message
    } else {
        format!("cannot evaluate `{expression}`: {message}")
    }
}

mod frame;
mod instance;
mod names;
mod size;

struct Elab<'c, P> {
    circuit: &'c Circuit<P>,
    loc: Option<&'c Locator>,
    out: Vec<P>,
    /// Per output component: the locator anchor of its template.
    anchors: Vec<Option<usize>>,
    /// Full name → index in `out`, for duplicate detection.
    names: NameIndex,
    /// Full instance name → anchor of its template.
    instances: FastMap<String, Option<usize>>,
    buses: Vec<BusSpec>,
    /// Subcircuits being expanded, outermost first, to catch recursion.
    stack: Vec<String>,
    /// Elements built so far, against the `elements` budget (`size`).
    used: u64,
    /// Elements one instance of each subcircuit expands to at least.
    sizes: FastMap<String, f64>,
    /// Each primitive template met so far (by address: templates stay in
    /// `circuit` throughout), blanked for copying.
    blanks: FastMap<*const P, Blank<P>>,
}

impl<'c, P: Library> Elab<'c, P> {
    fn text(&self) -> Option<String> {
        self.loc.map(|l| l.text().to_string())
    }

    fn anchor(&self, sub: Option<&str>, path: &[usize]) -> Option<usize> {
        self.loc.and_then(|l| l.anchor(sub, path))
    }

    /// Adds the template's location to an error that has none.
    fn located(&self, err: NetlistError, anchor: Option<usize>) -> NetlistError {
        let text = self.text();
        match err {
            NetlistError::Component {
                component,
                message,
                help,
                location: None,
                ..
            } => NetlistError::Component {
                component,
                message,
                help,
                location: self.loc.and_then(|l| l.component(anchor)),
                text,
            },
            NetlistError::Expression {
                component,
                field,
                expression,
                message,
                location: None,
                ..
            } => NetlistError::Expression {
                location: self.loc.and_then(|l| l.field_of(anchor, &field)),
                component,
                field,
                expression,
                message,
                text,
            },
            other => other,
        }
    }

    fn component_error(
        &self,
        component: &str,
        message: String,
        anchor: Option<usize>,
    ) -> NetlistError {
        self.located(ComponentError::new(component, message).into(), anchor)
    }

    fn list(
        &mut self,
        frame: &Frame,
        items: &'c [Item<P>],
        path: &mut Vec<usize>,
    ) -> Result<(), NetlistError> {
        for (i, item) in items.iter().enumerate() {
            path.push(i);
            let anchor = self.anchor(frame.sub, path);
            match item {
                Item::Repeat(r) => self.repeat(frame, r, path, anchor)?,
                Item::Instance(inst) => self.instance(frame, inst, anchor)?,
                Item::Primitive(p) => self.primitive(frame, p, anchor)?,
            }
            path.pop();
        }
        Ok(())
    }

    fn primitive(
        &mut self,
        frame: &Frame,
        template: &P,
        anchor: Option<usize>,
    ) -> Result<(), NetlistError> {
        self.charge(template.name(), anchor)?;
        let blank = self
            .blanks
            .entry(std::ptr::from_ref(template))
            .or_insert_with(|| Blank::of(template));
        let mut spec = blank
            .resolve(template.name(), frame)
            .map_err(|e| self.located(e, anchor))?;
        spec.check_magnitudes()
            .map_err(|e| self.located(e.into(), anchor))?;

        let out = &self.out;
        if let Some(first) = self.names.get(spec.name(), |i| out[i].name()) {
            let name = spec.name();
            let first_anchor = self.anchors[first];
            let mut message = format!("two components are named `{name}`");
            if let Some(at) = self.loc.and_then(|l| l.component(first_anchor)) {
                message.push_str(&format!("; the first is at {at}"));
            }
            let help = if first_anchor == anchor && anchor.is_some() {
                "this name is expanded more than once: put the Repeat index in it, e.g. `c{i}`"
            } else {
                "rename one of them"
            };
            return Err(self.located(
                ComponentError::with_help(name, message, help).into(),
                anchor,
            ));
        }
        self.names.insert(spec.name(), self.out.len());
        self.out.push(spec);
        self.anchors.push(anchor);
        Ok(())
    }

    fn repeat(
        &mut self,
        frame: &Frame,
        r: &'c Repeat<P>,
        path: &mut Vec<usize>,
        anchor: Option<usize>,
    ) -> Result<(), NetlistError> {
        let label = format!("{}Repeat", frame.prefix);
        let count = match &r.count {
            Num::Value(v) => *v,
            Num::Expr(src) => frame.exprs.evaluate(src, frame.scope).map_err(|e| {
                let err = NetlistError::Expression {
                    component: label.clone(),
                    field: "count".to_string(),
                    expression: src.clone(),
                    message: e.0,
                    location: None,
                    text: None,
                };
                self.located(err, anchor)
            })?,
        };
        if !(count.fract() == 0.0 && (0.0..=MAX_REPEAT as f64).contains(&count)) {
            return Err(self.component_error(
                &label,
                format!("`count` must be a whole number from 0 to {MAX_REPEAT}, got {count}"),
                anchor,
            ));
        }
        if !expr::is_identifier(&r.index) || expr::is_reserved(&r.index) {
            return Err(self.component_error(
                &label,
                format!("`index` must be a name such as \"i\", got \"{}\"", r.index),
                anchor,
            ));
        }
        if frame.depth >= MAX_NESTING {
            return Err(self.component_error(
                &label,
                format!("Instance and Repeat nest more than {MAX_NESTING} levels deep"),
                anchor,
            ));
        }
        let end = r
            .start
            .checked_add(count as i64)
            .filter(|e| e.unsigned_abs() < 1 << 53)
            .ok_or_else(|| {
                self.component_error(
                    &label,
                    format!("`start` {} is out of range", r.start),
                    anchor,
                )
            })?;
        self.charge(&label, anchor)?;
        let size = count * (1.0 + self.written_size(&r.components));
        self.reserve(
            size,
            &format!("the circuit up to this `Repeat` of {count}"),
            &label,
            anchor,
        )?;
        self.make_room(size);
        for k in r.start..end {
            self.charge(&label, anchor)?;
            let scope = Scope::child(frame.scope, BTreeMap::from([(r.index.clone(), k as f64)]));
            let inner = Frame {
                scope: &scope,
                depth: frame.depth + 1,
                ..*frame
            };
            self.list(&inner, &r.components, path)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
