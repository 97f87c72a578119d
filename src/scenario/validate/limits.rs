//! Rules for `limits`: the part of a scenario that analyses read.
//!
//! Owns the contract a limit type signs to sit in a scenario
//! ([`ScenarioLimit`]), the field rules limit kinds check their numbers
//! with. Must not know any limit kind:
//! those live with their evaluation and only implement the contract.

use super::{issue, require, Check};
use crate::scenario::locate::Seg::{Index, Key};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// What the scenario reader needs from the limits it holds: a name for
/// messages, the limit's own rules, and the circuit name it applies to.
pub trait ScenarioLimit: Debug + Clone + PartialEq + Serialize + DeserializeOwned {
    /// The kind as written in the file, e.g. `MinVoltage`.
    fn kind(&self) -> &'static str;
    /// Checks the limit's own numbers; `duration` is the run's, seconds.
    fn validate(&self, duration: f64) -> Result<(), LimitIssue>;
    /// The node or component name (glob) the limit applies to, if any.
    fn target(&self) -> Option<LimitTarget<'_>>;
    /// A second name the limit reads, besides `target`: the voltage a
    /// limit judged on its target's events is read at (`RideThrough`).
    fn voltage_node(&self) -> Option<LimitTarget<'_>> {
        None
    }
    /// For a limit judged on the events its target components raise: the
    /// field that names them and its glob, if given (absent: any event).
    /// Checked against the events the target components can raise.
    fn event_names(&self) -> Option<(&'static str, Option<&str>)> {
        None
    }
}

/// A limit's target: which field holds it and what it must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitTarget<'a> {
    /// The field's name, for messages and for pointing into the file.
    pub field: &'static str,
    pub pattern: &'a str,
    /// Whether it names nodes (else components).
    pub on_node: bool,
    /// Whether it names voltages: a node's, or a component's own (an
    /// ActiveFrontEnd's PCC), written `x` or `v(x)`.
    pub voltage: bool,
}

impl<'a> LimitTarget<'a> {
    /// A `node` field that names nodes only (a small-signal interface).
    pub fn node(pattern: &'a str) -> Self {
        LimitTarget {
            field: "node",
            pattern,
            on_node: true,
            voltage: false,
        }
    }

    /// A `node` field whose recorded voltage the limit judges: a node, or
    /// a component with a voltage of its own, as a `record` entry names it.
    pub fn voltage(pattern: &'a str) -> Self {
        LimitTarget {
            voltage: true,
            ..LimitTarget::node(pattern)
        }
    }

    /// A `component` field.
    pub fn component(pattern: &'a str) -> Self {
        LimitTarget {
            field: "component",
            pattern,
            on_node: false,
            voltage: false,
        }
    }
}

/// A limit rule that failed: the offending field and the message, which
/// the validator prefixes with the limit's number and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitIssue {
    pub field: &'static str,
    pub message: String,
}

/// Field rules for limit kinds, with the messages every scenario rule uses.
pub mod rules {
    use super::LimitIssue;
    use crate::scenario::locate::Seg::Key;

    /// Requires `x` finite and `rule` true, else fails with `what` (a
    /// phrase such as "must be > 0").
    pub fn require(field: &'static str, x: f64, rule: bool, what: &str) -> Result<(), LimitIssue> {
        super::require(x, rule, what, "", vec![Key(field)]).map_err(|i| LimitIssue {
            field,
            message: i.message,
        })
    }

    pub fn finite(field: &'static str, x: f64) -> Result<(), LimitIssue> {
        require(field, x, true, "")
    }

    pub fn positive(field: &'static str, x: f64) -> Result<(), LimitIssue> {
        require(field, x, x > 0.0, "must be > 0")
    }

    pub fn non_negative(field: &'static str, x: f64) -> Result<(), LimitIssue> {
        require(field, x, x >= 0.0, "must be ≥ 0")
    }

    /// Fails with `message` on `field` when `ok` is false.
    pub fn ensure(field: &'static str, ok: bool, message: String) -> Result<(), LimitIssue> {
        if ok {
            Ok(())
        } else {
            Err(LimitIssue { field, message })
        }
    }
}

/// The `i`-th limit's own rules, then a non-empty target.
pub(super) fn check_limit<L: ScenarioLimit>(limit: &L, duration: f64, i: usize) -> Check<'_> {
    let at = |key: &'static str| vec![Key("limits"), Index(i), Key(key)];
    let ctx = format!("limit {} (`{}`): ", i + 1, limit.kind());
    if let Err(e) = limit.validate(duration) {
        return Err(issue(at(e.field), format!("{ctx}{}", e.message)));
    }
    match limit.target() {
        Some(t) if t.pattern.trim().is_empty() => Err(issue(
            at(t.field),
            format!("{ctx}`{}` must not be empty", t.field),
        )),
        _ => Ok(()),
    }
}
