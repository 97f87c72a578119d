//! Elaboration: expands parameters, expressions, subcircuit instances and
//! `Repeat` blocks into a [`FlatCircuit`] of primitives with hierarchical
//! names (`row3.rack2.tray7.load`), then applies overrides.
//!
//! Owns naming, node binding, scoping and the structural checks (unknown
//! subcircuit, unbound port, recursion, duplicate names). Component values
//! are checked by each component's own `validate`; arithmetic belongs to
//! `expr`, scopes to `params`, source locations to `locate`, and override
//! matching to `overrides`. Must not know component equations.

use super::expr::{self, Expr};
use super::locate::{Locator, TemplateKey};
use super::params::{self, Scope};
use super::schema::{BusDecl, Circuit};
use super::structure::{Instance, Repeat};
use super::{overrides, BusSpec, FlatCircuit, NetlistError, Num, Resolver};
use crate::components::{ComponentSpec, Primitive};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Largest `Repeat` count.
pub const MAX_REPEAT: i64 = 100_000;
/// Largest number of primitives a circuit may expand to; far beyond any
/// data hall, small enough to fail with a message before memory runs out.
pub const MAX_COMPONENTS: usize = 2_000_000;
/// Deepest nesting of `Instance` and `Repeat` together.
pub const MAX_NESTING: usize = 64;

/// Expands `circuit` into primitives. `file` and `text` (the file's
/// contents) let errors point at the offending component; without them
/// errors carry no location.
pub fn elaborate(
    circuit: Circuit,
    overrides: &BTreeMap<String, f64>,
    file: Option<&Path>,
    text: Option<&str>,
) -> Result<FlatCircuit, NetlistError> {
    let locator = text.map(|t| Locator::new(file.unwrap_or(Path::new("<circuit>")), t, &circuit));
    let mut elab = Elab {
        circuit: &circuit,
        loc: locator.as_ref(),
        out: Vec::new(),
        anchors: Vec::new(),
        names: HashMap::new(),
        instances: HashMap::new(),
        buses: Vec::new(),
        stack: Vec::new(),
    };

    let (param_overrides, field_overrides) = overrides::split(overrides, &circuit.params)?;
    let root = Scope::root(BTreeMap::new());
    let values = params::resolve(&circuit.params, &param_overrides, &root).map_err(|e| NetlistError::Parameter {
        location: elab.loc.and_then(|l| l.param(&None, &e.name)),
        text: elab.text(),
        name: e.name,
        message: with_expression(e.message, &e.expression),
    })?;
    let globals = Scope::child(&root, values);

    for (pattern, decl) in &circuit.buses {
        let nominal = elab.nominal(decl, &globals, pattern, "buses", || elab.loc.and_then(|l| l.bus(&None, pattern)))?;
        elab.buses.push(BusSpec {
            pattern: pattern.clone(),
            nominal,
        });
    }

    let top = Frame {
        scope: &globals,
        globals: &globals,
        prefix: "",
        ports: &BTreeMap::new(),
        sub: None,
        depth: 0,
    };
    elab.list(&top, &circuit.components, &mut Vec::new())?;

    for (key, value) in field_overrides {
        let changed = overrides::apply(&mut elab.out, key, value)?;
        for i in changed {
            let result = elab.out[i].primitive().map_or(Ok(()), |p| p.validate());
            if let Err(e) = result {
                let e = match e {
                    NetlistError::Component {
                        component,
                        message,
                        help: None,
                        location,
                        text,
                    } => NetlistError::Component {
                        component,
                        message,
                        help: Some(format!("the value comes from override `{key}` = {value}")),
                        location,
                        text,
                    },
                    other => other,
                };
                return Err(elab.located(e, elab.anchors[i]));
            }
        }
    }

    // Exact bus names before globs, so that `bus800` is not shadowed by a
    // catch-all pattern that happens to sort first.
    let (mut buses, globs): (Vec<BusSpec>, Vec<BusSpec>) =
        elab.buses.into_iter().partition(|b| !crate::glob::is_glob(&b.pattern));
    buses.extend(globs);

    let name = if circuit.name.is_empty() {
        file.and_then(|f| f.file_stem())
            .map_or_else(|| "circuit".to_string(), |s| s.to_string_lossy().into_owned())
    } else {
        circuit.name.clone()
    };
    Ok(FlatCircuit {
        name,
        components: elab.out,
        buses,
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

struct Elab<'c> {
    circuit: &'c Circuit,
    loc: Option<&'c Locator>,
    out: Vec<ComponentSpec>,
    /// Per output component: the locator anchor of its template.
    anchors: Vec<Option<usize>>,
    /// Full name → index in `out`, for duplicate detection.
    names: HashMap<String, usize>,
    /// Full instance name → anchor of its template.
    instances: HashMap<String, Option<usize>>,
    buses: Vec<BusSpec>,
    /// Subcircuits being expanded, outermost first, to catch recursion.
    stack: Vec<String>,
}

/// Where a component list is being expanded.
struct Frame<'s> {
    scope: &'s Scope<'s>,
    globals: &'s Scope<'s>,
    /// Instance path with a trailing dot (`row1.rack2.`), empty at top level.
    prefix: &'s str,
    /// Port name → node in the enclosing circuit.
    ports: &'s BTreeMap<String, String>,
    /// Which written list the templates come from (for locations).
    sub: Option<&'s str>,
    depth: usize,
}

impl Frame<'_> {
    /// Replaces each `{expr}` with its integer value in this scope.
    fn substitute(&self, template: &str) -> Result<String, String> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(format!("`}}` without `{{` in `{template}`"));
            }
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after
                .find(['{', '}'])
                .filter(|&c| after[c..].starts_with('}'))
                .ok_or_else(|| format!("`{{` without a matching `}}` in `{template}`"))?;
            let inner = &after[..close];
            let value = Expr::parse(inner)
                .and_then(|e| e.eval_int(self.scope))
                .map_err(|e| format!("cannot substitute `{{{inner}}}` in `{template}`: {e}"))?;
            out.push_str(&value.to_string());
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A component or instance name: substituted, checked, prefixed.
    fn name(&self, template: &str) -> Result<String, String> {
        let local = self.substitute(template)?;
        check_name("name", &local)?;
        Ok(format!("{}{local}", self.prefix))
    }

    /// A node: substituted, then ground, a port of this subcircuit, or a
    /// node local to this instance.
    fn node(&self, template: &str) -> Result<String, String> {
        let local = self.substitute(template)?;
        if local == "gnd" || local == "0" {
            return Ok("gnd".to_string());
        }
        if let Some(bound) = self.ports.get(&local) {
            return Ok(bound.clone());
        }
        check_name("node", &local)?;
        Ok(format!("{}{local}", self.prefix))
    }
}

/// Names and nodes are matched by globs and written in records such as
/// `i(grid)`, so the characters those use are reserved.
fn check_name(what: &str, name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name.starts_with('.')
        || name.ends_with('.')
        || name.contains("..")
        || name.chars().any(|c| c.is_whitespace() || "*?(),{}[]\"".contains(c));
    if bad {
        Err(format!(
            "{what} `{name}` is not valid: use letters, digits, `_`, `-` and `.` \
             (not at the ends), without spaces or any of * ? ( ) , {{ }} [ ]"
        ))
    } else {
        Ok(())
    }
}

/// Resolves one primitive's fields in a frame; errors carry no location yet.
struct FieldResolver<'f> {
    frame: &'f Frame<'f>,
    /// The component's name for messages (as written until it is resolved).
    component: String,
}

impl Resolver for FieldResolver<'_> {
    fn num(&mut self, field: &str, num: &mut Num) -> Result<(), NetlistError> {
        let value = match num {
            Num::Value(v) => *v,
            Num::Expr(src) => expr::evaluate(src, self.frame.scope).map_err(|e| NetlistError::Expression {
                component: self.component.clone(),
                field: field.to_string(),
                expression: src.clone(),
                message: e.0,
                location: None,
                text: None,
            })?,
        };
        if !value.is_finite() {
            return Err(NetlistError::component(
                &self.component,
                format!("`{field}` must be a finite number, got {value}"),
            ));
        }
        *num = Num::Value(value);
        Ok(())
    }

    fn node(&mut self, node: &mut String) -> Result<(), NetlistError> {
        *node = self.frame.node(node).map_err(|m| NetlistError::component(&self.component, m))?;
        Ok(())
    }

    fn name(&mut self, name: &mut String) -> Result<(), NetlistError> {
        *name = self.frame.name(name).map_err(|m| NetlistError::component(&self.component, m))?;
        Ok(())
    }
}

/// Resolves name, numbers and nodes, then lets the component check itself.
fn resolve_primitive(prim: &mut dyn Primitive, r: &mut FieldResolver) -> Result<(), NetlistError> {
    r.name(prim.name_mut())?;
    r.component = prim.name().to_string();
    for (field, num) in prim.numbers_mut() {
        r.num(field, num)?;
    }
    for (_, node) in prim.nodes_mut() {
        r.node(node)?;
    }
    prim.validate()
}

impl<'c> Elab<'c> {
    fn text(&self) -> Option<String> {
        self.loc.map(|l| l.text().to_string())
    }

    fn anchor(&self, sub: Option<&str>, path: &[usize]) -> Option<usize> {
        let key: TemplateKey = (sub.map(str::to_string), path.to_vec());
        self.loc.and_then(|l| l.anchor(&key))
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

    fn component_error(&self, component: &str, message: String, anchor: Option<usize>) -> NetlistError {
        self.located(NetlistError::component(component, message), anchor)
    }

    fn list(&mut self, frame: &Frame, items: &'c [ComponentSpec], path: &mut Vec<usize>) -> Result<(), NetlistError> {
        for (i, item) in items.iter().enumerate() {
            path.push(i);
            let anchor = self.anchor(frame.sub, path);
            match item {
                ComponentSpec::Repeat(r) => self.repeat(frame, r, path, anchor)?,
                ComponentSpec::Instance(inst) => self.instance(frame, inst, anchor)?,
                primitive => self.primitive(frame, primitive, anchor)?,
            }
            path.pop();
        }
        Ok(())
    }

    fn primitive(&mut self, frame: &Frame, template: &ComponentSpec, anchor: Option<usize>) -> Result<(), NetlistError> {
        if self.out.len() >= MAX_COMPONENTS {
            return Err(self.component_error(
                template.name(),
                format!("the circuit expands to more than {MAX_COMPONENTS} components"),
                anchor,
            ));
        }
        let mut spec = template.clone();
        let Some(prim) = spec.primitive_mut() else {
            return Ok(());
        };
        let mut r = FieldResolver {
            frame,
            component: prim.name().to_string(),
        };
        resolve_primitive(prim, &mut r).map_err(|e| self.located(e, anchor))?;

        let name = prim.name().to_string();
        if let Some(&first) = self.names.get(&name) {
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
            return Err(self.located(NetlistError::component_help(&name, message, help), anchor));
        }
        self.names.insert(name, self.out.len());
        self.out.push(spec);
        self.anchors.push(anchor);
        Ok(())
    }

    fn repeat(&mut self, frame: &Frame, r: &'c Repeat, path: &mut Vec<usize>, anchor: Option<usize>) -> Result<(), NetlistError> {
        let label = format!("{}Repeat", frame.prefix);
        let count = match &r.count {
            Num::Value(v) => *v,
            Num::Expr(src) => expr::evaluate(src, frame.scope).map_err(|e| {
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
            return Err(self.component_error(&label, format!("Instance and Repeat nest more than {MAX_NESTING} levels deep"), anchor));
        }
        let end = r
            .start
            .checked_add(count as i64)
            .filter(|e| e.unsigned_abs() < 1 << 53)
            .ok_or_else(|| self.component_error(&label, format!("`start` {} is out of range", r.start), anchor))?;
        for k in r.start..end {
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

    fn instance(&mut self, frame: &Frame, inst: &'c Instance, anchor: Option<usize>) -> Result<(), NetlistError> {
        let full = frame
            .name(&inst.name)
            .map_err(|m| self.component_error(&inst.name, m, anchor))?;
        if let Some(first) = self.instances.get(&full) {
            let at = self.loc.and_then(|l| l.component(*first));
            let mut message = format!("two instances are named `{full}`");
            if let Some(at) = at {
                message.push_str(&format!("; the first is at {at}"));
            }
            return Err(self.component_error(&full, message, anchor));
        }
        self.instances.insert(full.clone(), anchor);

        let circuit = self.circuit;
        let Some(sub) = circuit.subcircuits.get(&inst.of) else {
            let known: Vec<String> = circuit.subcircuits.keys().cloned().collect();
            let help = if known.is_empty() {
                "the file defines no subcircuits; add them under `subcircuits: { \"name\": Subcircuit(...) }`".to_string()
            } else {
                format!("known subcircuits: {}", expr::nearest_first(&inst.of, &known, 12))
            };
            let err = NetlistError::component_help(&full, format!("unknown subcircuit `{}`", inst.of), help);
            return Err(self.located(err, anchor));
        };
        if self.stack.contains(&inst.of) {
            let mut chain = self.stack.clone();
            chain.push(inst.of.clone());
            let start = chain.iter().position(|s| *s == inst.of).unwrap_or(0);
            return Err(self.component_error(
                &full,
                format!("subcircuit `{}` contains itself: {}", inst.of, chain[start..].join(" → ")),
                anchor,
            ));
        }
        if frame.depth >= MAX_NESTING {
            return Err(self.component_error(&full, format!("Instance and Repeat nest more than {MAX_NESTING} levels deep"), anchor));
        }

        let ports = self.bind_ports(frame, inst, sub, &full, anchor)?;
        let scope_values = self.instance_params(frame, inst, sub, &full, anchor)?;
        let scope = Scope::child(frame.globals, scope_values);
        let prefix = format!("{full}.");
        let sub_key = Some(inst.of.clone());
        for (pattern, decl) in &sub.buses {
            let nominal = self.nominal(decl, &scope, pattern, &full, || self.loc.and_then(|l| l.bus(&sub_key, pattern)))?;
            let pattern = match ports.get(pattern) {
                Some(bound) => bound.clone(),
                None => format!("{prefix}{pattern}"),
            };
            self.buses.push(BusSpec { pattern, nominal });
        }

        self.stack.push(inst.of.clone());
        let inner = Frame {
            scope: &scope,
            globals: frame.globals,
            prefix: &prefix,
            ports: &ports,
            sub: Some(&inst.of),
            depth: frame.depth + 1,
        };
        self.list(&inner, &sub.components, &mut Vec::new())?;
        self.stack.pop();
        Ok(())
    }

    /// Every port bound exactly once, to a node of the enclosing circuit.
    fn bind_ports(
        &self,
        frame: &Frame,
        inst: &Instance,
        sub: &super::Subcircuit,
        full: &str,
        anchor: Option<usize>,
    ) -> Result<BTreeMap<String, String>, NetlistError> {
        let port_error = |port: &str, message: String, help: String| NetlistError::Component {
            component: full.to_string(),
            message,
            help: Some(help),
            location: self.loc.and_then(|l| l.instance_port(anchor, port)),
            text: self.text(),
        };
        let mut seen = Vec::new();
        for p in &sub.ports {
            if p == "gnd" || p == "0" || seen.contains(&p) || check_name("port", p).is_err() {
                return Err(self.component_error(
                    full,
                    format!("subcircuit `{}` declares an invalid or repeated port `{p}`", inst.of),
                    anchor,
                ));
            }
            seen.push(p);
        }
        for given in inst.ports.keys() {
            if !sub.ports.contains(given) {
                return Err(port_error(
                    given,
                    format!("subcircuit `{}` has no port `{given}`", inst.of),
                    format!("its ports are: {}", expr::nearest_first(given, &sub.ports, 12)),
                ));
            }
        }
        let mut bound = BTreeMap::new();
        for p in &sub.ports {
            let Some(node) = inst.ports.get(p) else {
                return Err(self.located(
                    NetlistError::component_help(
                        full,
                        format!("port `{p}` of subcircuit `{}` is not connected", inst.of),
                        format!("bind it in `ports`, e.g. ports: {{ \"{p}\": \"some_node\" }}"),
                    ),
                    anchor,
                ));
            };
            let node = frame
                .node(node)
                .map_err(|m| port_error(p, m, "port bindings follow the rules of node names".to_string()))?;
            bound.insert(p.clone(), node);
        }
        Ok(bound)
    }

    /// The subcircuit's parameters for this instance: values given by the
    /// instance (evaluated in the enclosing scope) replace the defaults;
    /// the defaults are evaluated in the subcircuit's own scope.
    fn instance_params(
        &self,
        frame: &Frame,
        inst: &Instance,
        sub: &super::Subcircuit,
        full: &str,
        anchor: Option<usize>,
    ) -> Result<BTreeMap<String, f64>, NetlistError> {
        let mut given = BTreeMap::new();
        for (name, num) in &inst.params {
            let location = || self.loc.and_then(|l| l.instance_param(anchor, name));
            if !sub.params.contains_key(name) {
                let known: Vec<String> = sub.params.keys().cloned().collect();
                let help = if known.is_empty() {
                    format!("subcircuit `{}` declares no parameters", inst.of)
                } else {
                    format!("its parameters are: {}", expr::nearest_first(name, &known, 12))
                };
                return Err(NetlistError::Component {
                    component: full.to_string(),
                    message: format!("subcircuit `{}` has no parameter `{name}`", inst.of),
                    help: Some(help),
                    location: location(),
                    text: self.text(),
                });
            }
            let value = match num {
                Num::Value(v) => Ok(*v),
                Num::Expr(src) => expr::evaluate(src, frame.scope).map_err(|e| NetlistError::Expression {
                    component: full.to_string(),
                    field: format!("params.{name}"),
                    expression: src.clone(),
                    message: e.0,
                    location: location(),
                    text: self.text(),
                }),
            }?;
            given.insert(name.clone(), value);
        }
        params::resolve(&sub.params, &given, frame.globals).map_err(|e| NetlistError::Parameter {
            location: self.loc.and_then(|l| l.param(&Some(inst.of.clone()), &e.name)),
            text: self.text(),
            message: format!(
                "{} (subcircuit `{}`, instance `{full}`)",
                with_expression(e.message, &e.expression),
                inst.of
            ),
            name: e.name,
        })
    }

    /// A bus's nominal voltage: evaluated and positive.
    fn nominal(
        &self,
        decl: &BusDecl,
        scope: &Scope,
        pattern: &str,
        owner: &str,
        location: impl Fn() -> Option<crate::error::SourceLocation>,
    ) -> Result<f64, NetlistError> {
        let value = match &decl.nominal {
            Num::Value(v) => *v,
            Num::Expr(src) => expr::evaluate(src, scope).map_err(|e| NetlistError::Expression {
                component: owner.to_string(),
                field: format!("buses.{pattern}.nominal"),
                expression: src.clone(),
                message: e.0,
                location: location(),
                text: self.text(),
            })?,
        };
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(NetlistError::Component {
                component: owner.to_string(),
                message: format!("bus `{pattern}` must have a positive nominal voltage, got {value}"),
                help: None,
                location: location(),
                text: self.text(),
            })
        }
    }
}

#[cfg(test)]
mod tests;
