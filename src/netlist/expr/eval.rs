//! Evaluation of parsed expressions, in floating point and in the integer
//! arithmetic of `{i-1}` templates. Owns no parsing; "did you mean" ranking
//! of unknown names lives in `crate::units`.

use super::{ExprError, Func, Lookup, Node};
use std::f64::consts::PI;

fn lookup(name: &str, at: usize, scope: &dyn Lookup) -> Result<f64, ExprError> {
    scope
        .value(name)
        .ok_or_else(|| unknown_name(name, at, scope))
}

fn unknown_name(name: &str, at: usize, scope: &dyn Lookup) -> ExprError {
    let names = scope.names();
    let listed = if names.is_empty() {
        "no parameters are defined here".to_string()
    } else {
        format!(
            "parameters in scope: {}",
            crate::units::nearest_first(name, &names, 12)
        )
    };
    ExprError(format!(
        "unknown parameter `{name}` at character {at}; {listed}"
    ))
}

fn finite(v: f64, what: impl FnOnce() -> String) -> Result<f64, ExprError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ExprError(format!("{} is not a finite number", what())))
    }
}

pub(super) fn eval(node: &Node, scope: &dyn Lookup) -> Result<f64, ExprError> {
    match node {
        Node::Number(v) => Ok(*v),
        Node::Pi => Ok(PI),
        Node::Param(name, at) => lookup(name, *at, scope),
        Node::Neg(a) => Ok(-eval(a, scope)?),
        Node::Sum(first, rest) => {
            let mut acc = eval(first, scope)?;
            for (minus, n) in rest {
                let v = eval(n, scope)?;
                acc = if *minus { acc - v } else { acc + v };
            }
            finite(acc, || "the sum".to_string())
        }
        Node::Product(first, rest) => {
            let mut acc = eval(first, scope)?;
            for (divide, n, at) in rest {
                let v = eval(n, scope)?;
                if *divide {
                    if v == 0.0 {
                        return Err(ExprError(format!("division by zero at character {at}")));
                    }
                    acc /= v;
                } else {
                    acc *= v;
                }
            }
            finite(acc, || "the product".to_string())
        }
        Node::Pow(a, b) => {
            let (x, y) = (eval(a, scope)?, eval(b, scope)?);
            finite(x.powf(y), || format!("{x} ^ {y}"))
        }
        Node::Call(func, args, _) => {
            let mut values = Vec::with_capacity(args.len());
            for a in args {
                values.push(eval(a, scope)?);
            }
            call(*func, &values)
        }
    }
}

fn call(func: Func, values: &[f64]) -> Result<f64, ExprError> {
    let x = values.first().copied().unwrap_or(f64::NAN);
    let (name, y) = match func {
        Func::Sqrt => ("sqrt", x.sqrt()),
        Func::Abs => ("abs", x.abs()),
        Func::Min => ("min", values.iter().copied().fold(f64::INFINITY, f64::min)),
        Func::Max => (
            "max",
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ),
        Func::Exp => ("exp", x.exp()),
        Func::Ln => ("ln", x.ln()),
        Func::Log10 => ("log10", x.log10()),
        Func::Sin => ("sin", x.sin()),
        Func::Cos => ("cos", x.cos()),
        Func::Tan => ("tan", x.tan()),
        Func::Floor => ("floor", x.floor()),
        Func::Ceil => ("ceil", x.ceil()),
        Func::Round => ("round", x.round()),
    };
    finite(y, || {
        let args: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        format!("{name}({})", args.join(", "))
    })
}

fn whole(v: f64, what: impl std::fmt::Display) -> Result<i64, ExprError> {
    // 2^53: beyond it f64 no longer holds every integer exactly.
    const LIMIT: f64 = 9_007_199_254_740_992.0;
    if v.fract() == 0.0 && v.abs() <= LIMIT {
        Ok(v as i64)
    } else {
        Err(ExprError(format!("{what} is {v}, not a whole number")))
    }
}

fn overflow() -> ExprError {
    ExprError("integer overflow".to_string())
}

pub(super) fn eval_int(node: &Node, scope: &dyn Lookup) -> Result<i64, ExprError> {
    match node {
        Node::Number(v) => whole(*v, "a number"),
        Node::Param(name, at) => whole(lookup(name, *at, scope)?, format_args!("`{name}`")),
        Node::Neg(a) => eval_int(a, scope)?.checked_neg().ok_or_else(overflow),
        Node::Sum(first, rest) => {
            let mut acc = eval_int(first, scope)?;
            for (minus, n) in rest {
                let v = eval_int(n, scope)?;
                let r = if *minus {
                    acc.checked_sub(v)
                } else {
                    acc.checked_add(v)
                };
                acc = r.ok_or_else(overflow)?;
            }
            Ok(acc)
        }
        Node::Product(first, rest) => {
            let mut acc = eval_int(first, scope)?;
            for (divide, n, at) in rest {
                let v = eval_int(n, scope)?;
                acc = if *divide {
                    if v == 0 {
                        return Err(ExprError(format!("division by zero at character {at}")));
                    }
                    acc.checked_div(v)
                } else {
                    acc.checked_mul(v)
                }
                .ok_or_else(overflow)?;
            }
            Ok(acc)
        }
        Node::Pow(a, b) => {
            let (x, y) = (eval_int(a, scope)?, eval_int(b, scope)?);
            let y = u32::try_from(y)
                .map_err(|_| ExprError(format!("negative exponent {y} in integer arithmetic")))?;
            x.checked_pow(y).ok_or_else(overflow)
        }
        Node::Pi | Node::Call(..) => Err(ExprError(
            "only whole numbers, names and + - * / ^ are allowed in `{…}`".to_string(),
        )),
    }
}
