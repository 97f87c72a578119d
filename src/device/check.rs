//! The error a component's `validate` returns and the checks most
//! components share: each names the component and the field.
//!
//! Owns only the messages of these checks; where in a file the component
//! was written is added later by `netlist`.

use super::Num;

/// A component's value or connection is impossible.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("component `{component}`: {message}")]
pub struct ComponentError {
    pub component: String,
    pub message: String,
    /// A suggested fix, if there is an obvious one.
    pub help: Option<String>,
}

impl ComponentError {
    pub fn new(component: &str, message: impl Into<String>) -> Self {
        ComponentError {
            component: component.to_string(),
            message: message.into(),
            help: None,
        }
    }

    /// Same as [`ComponentError::new`] with a suggested fix.
    pub fn with_help(component: &str, message: impl Into<String>, help: impl Into<String>) -> Self {
        ComponentError {
            help: Some(help.into()),
            ..ComponentError::new(component, message)
        }
    }
}

/// `Ok` if `ok`, else an error naming `component` with the message.
fn require(
    ok: bool,
    component: &str,
    message: impl FnOnce() -> String,
) -> Result<(), ComponentError> {
    if ok {
        Ok(())
    } else {
        Err(ComponentError::new(component, message()))
    }
}

/// Zero or a normal double: a subnormal (below 2.2e-308) has lost its
/// precision, and its reciprocal overflows to infinity.
fn computable(x: f64) -> bool {
    x == 0.0 || x.is_normal()
}

pub fn positive(component: &str, field: &str, v: &Num) -> Result<(), ComponentError> {
    let x = v.value();
    require(x.is_normal() && x > 0.0, component, || {
        format!("`{field}` must be a positive finite number above 2.2e-308, got {x}")
    })
}

pub fn non_negative(component: &str, field: &str, v: &Num) -> Result<(), ComponentError> {
    let x = v.value();
    require(computable(x) && x >= 0.0, component, || {
        format!("`{field}` must be zero, or positive, finite and above 2.2e-308, got {x}")
    })
}

pub fn finite(component: &str, field: &str, v: &Num) -> Result<(), ComponentError> {
    let x = v.value();
    require(computable(x), component, || {
        format!("`{field}` must be zero or a finite number of magnitude above 2.2e-308, got {x}")
    })
}

pub fn distinct(component: &str, a: &str, b: &str) -> Result<(), ComponentError> {
    let ground = |n: &str| n == "gnd" || n == "0";
    if a == b || (ground(a) && ground(b)) {
        Err(ComponentError::with_help(
            component,
            format!("both terminals are connected to the same node `{a}`"),
            "connect the two terminals to different nodes",
        ))
    } else {
        Ok(())
    }
}
