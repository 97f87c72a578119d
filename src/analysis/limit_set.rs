//! Limit sets: named, sourced lists of limits kept in their own RON files
//! (`scenarios/limits/*.ron`) and applied to any scenario with
//! `busbar check --limits FILE`.
//!
//! ```ron
//! LimitSet(
//!     name: "ORv3 48 V busbar",
//!     source: ["OCP ORv3 HPR PSU/BBU talk: BBU trigger 48.5 V for 2 ms"],
//!     limits: [ MinVoltage(node: "*bus50", volts: 48.5, longer_than: 2e-3) ],
//! )
//! ```
//!
//! The limits are the scenario's own `Limit` type, so a set reads exactly
//! like a scenario's `limits` list and can be pasted into one.

use super::limits::Limit;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A named list of limits with where its numbers come from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSet {
    pub name: String,
    /// Where each number comes from, one entry per source.
    #[serde(default)]
    pub source: Vec<String>,
    pub limits: Vec<Limit>,
}

/// A limit-set file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LimitSetError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{problem}", path.display())]
    Invalid { path: PathBuf, problem: SetProblem },
}

/// What is wrong with the text of a limit-set file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SetProblem {
    /// Not valid RON for the schema; 1-based line and column.
    #[error("{line}:{column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(" the set has no limits")]
    Empty,
    /// The `index`-th limit (1-based) holds an infinity or NaN.
    #[error(" limit {index} (`{kind}`): {value} is not a finite number")]
    NotFinite {
        index: usize,
        kind: &'static str,
        value: f64,
    },
}

/// Reads and checks a limit-set file. Errors name the file, and the line
/// and column for syntax errors.
pub fn load(path: &Path) -> Result<LimitSet, LimitSetError> {
    let text = crate::budget::read_input_text(path).map_err(|source| LimitSetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|problem| LimitSetError::Invalid {
        path: path.to_path_buf(),
        problem,
    })
}

/// Parses the text of a limit-set file.
/// A leading byte-order mark is skipped.
pub fn parse(text: &str) -> Result<LimitSet, SetProblem> {
    let text = crate::ron_tokens::strip_bom(text);
    let options = ron::Options::default().with_default_extension(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    );
    let set: LimitSet = options.from_str(text).map_err(|e| SetProblem::Syntax {
        line: e.span.start.line,
        column: e.span.start.col,
        message: e.code.to_string(),
    })?;
    if set.limits.is_empty() {
        return Err(SetProblem::Empty);
    }
    for (i, limit) in set.limits.iter().enumerate() {
        if let Some(value) = numbers(limit).into_iter().find(|x| !x.is_finite()) {
            return Err(SetProblem::NotFinite {
                index: i + 1,
                kind: limit.kind(),
                value,
            });
        }
    }
    Ok(set)
}

/// The numbers of a limit, for the finiteness check; the full range rules
/// apply again when the limits join a scenario's and are evaluated. Read
/// back from the limit's own RON form, so that every kind's numbers are
/// found without each kind listing them.
fn numbers(limit: &Limit) -> Vec<f64> {
    fn walk(v: &ron::Value, out: &mut Vec<f64>) {
        match v {
            ron::Value::Number(n) => out.push(n.into_f64()),
            ron::Value::Seq(items) => items.iter().for_each(|i| walk(i, out)),
            ron::Value::Map(map) => map.values().for_each(|i| walk(i, out)),
            ron::Value::Option(Some(inner)) => walk(inner, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let text = ron::to_string(limit).unwrap_or_default();
    if let Ok(value) = ron::from_str::<ron::Value>(&text) {
        walk(&value, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let set = parse(
            r#"LimitSet(name: "x", source: ["a"], limits: [
                MinVoltage(node: "*bus50", volts: 48.5, longer_than: 2e-3),
                NoEvent(target: "*bbu*", what: "trigger*"),
            ])"#,
        )
        .expect("parses");
        assert_eq!(set.limits.len(), 2);
        assert!(parse(r#"LimitSet(name: "x", limits: [])"#).is_err());
        let typo = parse(r#"LimitSet(name: "x", limitz: [])"#)
            .unwrap_err()
            .to_string();
        assert!(typo.starts_with("1:"), "{typo}");
        let nan = parse(
            r#"LimitSet(name: "x", limits: [Ripple(node: "b", max_pp_volts: 1, window: (0, inf))])"#,
        );
        assert_eq!(
            nan.unwrap_err().to_string(),
            " limit 1 (`Ripple`): inf is not a finite number"
        );
    }
}
