//! Where a component list is being expanded (scope, instance prefix,
//! port bindings) and how names and nodes are resolved there: `{i}`
//! substitution, ground, ports and the hierarchical prefix.
//!
//! Owns the naming rules only; the walk over the circuit belongs to the
//! parent module.

use super::super::expr::ExprCache;
use super::super::params::Scope;
use super::super::{Library, NetlistError, Resolver};
use crate::device::{ComponentError, Num};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Where a component list is being expanded.
pub(super) struct Frame<'s> {
    pub scope: &'s Scope<'s>,
    pub globals: &'s Scope<'s>,
    /// Instance path with a trailing dot (`row1.rack2.`), empty at top level.
    pub prefix: &'s str,
    /// Port name → node in the enclosing circuit.
    pub ports: &'s BTreeMap<String, String>,
    /// Which written list the templates come from (for locations).
    pub sub: Option<&'s str>,
    pub depth: usize,
    /// Expressions parsed so far, shared by the whole elaboration.
    pub exprs: &'s ExprCache,
}

impl Frame<'_> {
    /// Replaces each `{expr}` with its integer value in this scope.
    #[cfg(test)]
    pub fn substitute(&self, template: &str) -> Result<String, String> {
        let mut out = String::with_capacity(template.len());
        self.substitute_into(template, &mut out)?;
        Ok(out)
    }

    /// [`Frame::substitute`], appended to `out`.
    fn substitute_into(&self, template: &str, out: &mut String) -> Result<(), String> {
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
            let value = self
                .exprs
                .evaluate_int(inner, self.scope)
                .map_err(|e| format!("cannot substitute `{{{inner}}}` in `{template}`: {e}"))?;
            write!(out, "{value}").expect("writing to a String cannot fail");
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(())
    }

    /// The prefix, then `template` substituted: one allocation for the
    /// full name of every elaborated component and node.
    fn prefixed(&self, template: &str) -> Result<String, String> {
        let mut out = String::with_capacity(self.prefix.len() + template.len() + 4);
        out.push_str(self.prefix);
        self.substitute_into(template, &mut out)?;
        Ok(out)
    }

    /// A component or instance name: substituted, checked, prefixed.
    pub fn name(&self, template: &str) -> Result<String, String> {
        let full = self.prefixed(template)?;
        check_name("name", &full[self.prefix.len()..])?;
        Ok(full)
    }

    /// A node: substituted, then ground, a port of this subcircuit, or a
    /// node local to this instance. Only a local node's full name is
    /// built: ground and ports (two terminals in five on the hall) are
    /// known by the written name when it has nothing to substitute.
    pub fn node(&self, template: &str) -> Result<String, String> {
        let substituted;
        let local = if template.contains(['{', '}']) {
            substituted = {
                let mut out = String::with_capacity(template.len() + 4);
                self.substitute_into(template, &mut out)?;
                out
            };
            substituted.as_str()
        } else {
            template
        };
        if local == "gnd" || local == "0" {
            return Ok("gnd".to_string());
        }
        if let Some(bound) = self.ports.get(local) {
            return Ok(bound.clone());
        }
        check_name("node", local)?;
        let mut full = String::with_capacity(self.prefix.len() + local.len());
        full.push_str(self.prefix);
        full.push_str(local);
        Ok(full)
    }
}

/// Names and nodes are matched by globs and written in records such as
/// `i(grid)`, so the characters those use are reserved.
pub(super) fn check_name(what: &str, name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name.starts_with('.')
        || name.ends_with('.')
        || name.contains("..")
        || name
            .chars()
            .any(|c| c.is_whitespace() || "*?(),{}[]\"".contains(c));
    // Names reach terminals and reports verbatim: a control character
    // (an escape sequence, a bell) could rewrite what the user reads.
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "{what} `{}` is not valid: it holds the control character U+{:04X}; \
             use letters, digits, `_`, `-` and `.`",
            name.escape_debug(),
            u32::from(c)
        ));
    }
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
pub(super) struct FieldResolver<'f> {
    pub frame: &'f Frame<'f>,
    /// The component's name for messages (as written until it is resolved).
    pub component: &'f str,
}

impl FieldResolver<'_> {
    /// The value of a numeric field as written (`num`), in this frame.
    fn value(&self, field: &str, num: &Num) -> Result<f64, NetlistError> {
        let value = match num {
            Num::Value(v) => *v,
            Num::Expr(src) => self
                .frame
                .exprs
                .evaluate(src, self.frame.scope)
                .map_err(|e| NetlistError::Expression {
                    component: self.component.to_string(),
                    field: field.to_string(),
                    expression: src.clone(),
                    message: e.0,
                    location: None,
                    text: None,
                })?,
        };
        if !value.is_finite() {
            return Err(ComponentError::new(
                self.component,
                format!("`{field}` must be a finite number, got {value}"),
            )
            .into());
        }
        Ok(value)
    }

    /// The node a terminal written as `node` connects to, in this frame.
    fn resolved_node(&self, node: &str) -> Result<String, NetlistError> {
        self.frame
            .node(node)
            .map_err(|m| ComponentError::new(self.component, m).into())
    }

    /// The full name of a component written as `name`, in this frame.
    fn resolved_name(&self, name: &str) -> Result<String, NetlistError> {
        self.frame
            .name(name)
            .map_err(|m| ComponentError::new(self.component, m).into())
    }
}

impl Resolver for FieldResolver<'_> {
    fn num(&mut self, field: &str, num: &mut Num) -> Result<(), NetlistError> {
        *num = Num::Value(self.value(field, num)?);
        Ok(())
    }

    fn node(&mut self, node: &mut String) -> Result<(), NetlistError> {
        *node = self.resolved_node(node)?;
        Ok(())
    }

    fn name(&mut self, name: &mut String) -> Result<(), NetlistError> {
        *name = self.resolved_name(name)?;
        Ok(())
    }
}

/// A template with the fields that elaboration replaces taken out: its
/// name, numbers and nodes are kept beside it, and the template left with
/// an empty name and nodes and every number zero. A copy of that blank
/// allocates none of the strings the resolved values replace at once; on
/// a hall of 10,000 racks copies of the written templates were 72,000
/// components' names, nodes and expressions allocated only to be freed.
pub(super) struct Blank<P> {
    spec: P,
    /// As written, in the order of `numbers_mut`.
    numbers: Vec<Num>,
    /// As written, in the order of `nodes_mut`.
    nodes: Vec<String>,
}

impl<P: Library> Blank<P> {
    pub fn of(template: &P) -> Self {
        let mut spec = template.clone();
        let prim = spec.primitive_mut();
        std::mem::take(prim.name_mut());
        let numbers = prim
            .numbers_mut()
            .into_iter()
            .map(|(_, num)| std::mem::replace(num, Num::Value(0.0)))
            .collect();
        let nodes = prim
            .nodes_mut()
            .into_iter()
            .map(|(_, node)| std::mem::take(node))
            .collect();
        Blank {
            spec,
            numbers,
            nodes,
        }
    }

    /// The template (written with name `written`) resolved in `frame`:
    /// its name, then its numbers and nodes in field order, then the
    /// component's own check, each error naming it as far as it is known.
    pub fn resolve(&self, written: &str, frame: &Frame) -> Result<P, NetlistError> {
        let name = FieldResolver {
            frame,
            component: written,
        }
        .resolved_name(written)?;
        let r = FieldResolver {
            frame,
            component: &name,
        };
        let mut spec = self.spec.clone();
        let prim = spec.primitive_mut();
        for ((field, num), written) in prim.numbers_mut().into_iter().zip(&self.numbers) {
            *num = Num::Value(r.value(field, written)?);
        }
        for ((_, node), written) in prim.nodes_mut().into_iter().zip(&self.nodes) {
            *node = r.resolved_node(written)?;
        }
        *prim.name_mut() = name;
        prim.validate()?;
        Ok(spec)
    }
}
