//! SPICE names and number formatting: busbar's hierarchical node and
//! component names mapped to unique ngspice identifiers, numbers written so
//! that they read back as the same f64, and source value lists.
//!
//! Owns naming and formatting; must not emit elements.

use std::collections::{HashMap, HashSet};

/// SPICE names: ngspice folds case and only takes plain identifiers, so
/// hierarchical names are mapped (`tray3.bus50` → `tray3_bus50`) and made
/// unique deterministically (first come keeps the plain name).
#[derive(Debug, Default)]
pub(super) struct Names {
    pub(super) nodes: HashMap<String, String>,
    /// busbar nodes in order of first use.
    pub(super) order: Vec<String>,
    pub(super) taken_nodes: HashSet<String>,
    pub(super) taken_elements: HashSet<String>,
}

impl Names {
    /// The ngspice name of busbar node `name`; ground is `0`.
    pub(super) fn node(&mut self, name: &str) -> String {
        if name == "gnd" || name == "0" {
            return "0".into();
        }
        if let Some(s) = self.nodes.get(name) {
            return s.clone();
        }
        let s = unique(&mut self.taken_nodes, node_base(name));
        self.nodes.insert(name.to_string(), s.clone());
        self.order.push(name.to_string());
        s
    }

    pub(super) fn has_node(&self, name: &str) -> bool {
        self.nodes.contains_key(name)
    }

    /// A node private to the deck (between a series R and L, a control
    /// signal), never confused with a busbar node.
    pub(super) fn internal(&mut self, hint: &str) -> String {
        unique(&mut self.taken_nodes, node_base(hint))
    }

    /// A unique element name starting with its SPICE type letter.
    pub(super) fn element(&mut self, letter: char, hint: &str) -> String {
        unique(
            &mut self.taken_elements,
            format!("{letter}_{}", sanitize(hint)),
        )
    }
}

/// Lower-case alphanumerics and `_`; everything else becomes `_`.
pub(super) fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "x".into()
    } else {
        s
    }
}

/// SPICE reads an all-digit node name as a number (`00` would be ground),
/// so node names never start with a digit.
pub(super) fn node_base(name: &str) -> String {
    let s = sanitize(name);
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{s}")
    } else {
        s
    }
}

pub(super) fn unique(taken: &mut HashSet<String>, base: String) -> String {
    let mut candidate = base.clone();
    let mut k = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}_{k}");
        k += 1;
    }
    candidate
}

/// Shortest decimal that reads back as the same f64, so the deck carries
/// exactly the values busbar uses.
pub(super) fn num(x: f64) -> String {
    format!("{x:e}")
}

/// The expression for v(a) − v(b).
pub(super) fn vdiff(a: &str, b: &str) -> String {
    match (a, b) {
        (a, "0") => format!("v({a})"),
        ("0", b) => format!("(-v({b}))"),
        (a, b) => format!("(v({a})-v({b}))"),
    }
}

/// A piecewise-linear source value list as `PWL(...)` continued over lines.
pub(super) fn pwl(points: &[(f64, f64)]) -> String {
    let mut out = String::from("PWL(");
    let mut line_len = out.len();
    for (k, (t, v)) in points.iter().enumerate() {
        let pair = format!("{} {}", num(*t), num(*v));
        if k > 0 {
            if line_len + pair.len() > 100 {
                out.push_str("\n+ ");
                line_len = 2;
            } else {
                out.push(' ');
                line_len += 1;
            }
        }
        line_len += pair.len();
        out.push_str(&pair);
    }
    out.push(')');
    out
}

/// A source value: constant (`DC x`) unless it changes.
pub(super) fn source_value(points: &[(f64, f64)]) -> String {
    match points {
        [(_, v)] => format!("DC {}", num(*v)),
        _ if points.iter().all(|(_, v)| *v == points[0].1) => format!("DC {}", num(points[0].1)),
        _ => pwl(points),
    }
}
