//! Subcircuit instances: port binding, parameter passing, instance buses
//! and the descent into the subcircuit's components.
//!
//! Owns the instance checks (unknown subcircuit, unbound or unknown port,
//! unknown parameter, recursion); the walk itself is the parent module's.

use super::frame::{check_name, Frame};
use super::{with_expression, Elab, MAX_NESTING};
use crate::device::{ComponentError, Num};
use crate::netlist::expr;
use crate::netlist::params::{self, Scope};
use crate::netlist::schema::{BusDecl, Subcircuit};
use crate::netlist::structure::Instance;
use crate::netlist::{BusSpec, Library, NetlistError};
use std::collections::BTreeMap;

impl<'c, P: Library> Elab<'c, P> {
    pub(super) fn instance(
        &mut self,
        frame: &Frame,
        inst: &'c Instance,
        anchor: Option<usize>,
    ) -> Result<(), NetlistError> {
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
                format!(
                    "known subcircuits: {}",
                    crate::units::nearest_first(&inst.of, &known, 12)
                )
            };
            let err =
                ComponentError::with_help(&full, format!("unknown subcircuit `{}`", inst.of), help)
                    .into();
            return Err(self.located(err, anchor));
        };
        if self.stack.contains(&inst.of) {
            let mut chain = self.stack.clone();
            chain.push(inst.of.clone());
            let start = chain.iter().position(|s| *s == inst.of).unwrap_or(0);
            return Err(self.component_error(
                &full,
                format!(
                    "subcircuit `{}` contains itself: {}",
                    inst.of,
                    chain[start..].join(" → ")
                ),
                anchor,
            ));
        }
        if frame.depth >= MAX_NESTING {
            return Err(self.component_error(
                &full,
                format!("Instance and Repeat nest more than {MAX_NESTING} levels deep"),
                anchor,
            ));
        }

        self.charge(&full, anchor)?;
        let size = self.subcircuit_size(&inst.of);
        self.reserve(
            size,
            &format!("the circuit up to this instance of `{}`", inst.of),
            &full,
            anchor,
        )?;

        let ports = self.bind_ports(frame, inst, sub, &full, anchor)?;
        let scope_values = self.instance_params(frame, inst, sub, &full, anchor)?;
        let scope = Scope::child(frame.globals, scope_values);
        let prefix = format!("{full}.");
        let sub_key = Some(inst.of.clone());
        for (pattern, decl) in &sub.buses {
            let nominal = self.nominal(decl, &scope, pattern, &full, || {
                self.loc.and_then(|l| l.bus(&sub_key, pattern))
            })?;
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
            exprs: frame.exprs,
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
        sub: &Subcircuit<P>,
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
                    format!(
                        "subcircuit `{}` declares an invalid or repeated port `{p}`",
                        inst.of
                    ),
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
                    format!(
                        "its ports are: {}",
                        crate::units::nearest_first(given, &sub.ports, 12)
                    ),
                ));
            }
        }
        let mut bound = BTreeMap::new();
        for p in &sub.ports {
            let Some(node) = inst.ports.get(p) else {
                return Err(self.located(
                    ComponentError::with_help(
                        full,
                        format!("port `{p}` of subcircuit `{}` is not connected", inst.of),
                        format!("bind it in `ports`, e.g. ports: {{ \"{p}\": \"some_node\" }}"),
                    )
                    .into(),
                    anchor,
                ));
            };
            let node = frame.node(node).map_err(|m| {
                port_error(
                    p,
                    m,
                    "port bindings follow the rules of node names".to_string(),
                )
            })?;
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
        sub: &Subcircuit<P>,
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
                    format!(
                        "its parameters are: {}",
                        crate::units::nearest_first(name, &known, 12)
                    )
                };
                return Err(NetlistError::Component {
                    component: full.to_string(),
                    message: format!("subcircuit `{}` has no parameter `{name}`", inst.of),
                    help: Some(help),
                    location: location(),
                    text: self.text(),
                });
            }
            let value =
                match num {
                    Num::Value(v) => Ok(*v),
                    Num::Expr(src) => frame.exprs.evaluate(src, frame.scope).map_err(|e| {
                        NetlistError::Expression {
                            component: full.to_string(),
                            field: format!("params.{name}"),
                            expression: src.clone(),
                            message: e.0,
                            location: location(),
                            text: self.text(),
                        }
                    }),
                }?;
            given.insert(name.clone(), value);
        }
        params::resolve(&sub.params, &given, frame.globals).map_err(|e| NetlistError::Parameter {
            location: self
                .loc
                .and_then(|l| l.param(&Some(inst.of.clone()), &e.name)),
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
    pub(super) fn nominal(
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
                message: format!(
                    "bus `{pattern}` must have a positive nominal voltage, got {value}"
                ),
                help: None,
                location: location(),
                text: self.text(),
            })
        }
    }
}
