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

use crate::scenario::Limit;
use serde::Deserialize;
use std::path::Path;

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

/// Reads and checks a limit-set file. Errors name the file, and the line
/// and column for syntax errors.
pub fn load(path: &Path) -> Result<LimitSet, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}:{e}", path.display()))
}

/// Parses the text of a limit-set file.
pub fn parse(text: &str) -> Result<LimitSet, String> {
    let options = ron::Options::default().with_default_extension(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    );
    let set: LimitSet = options
        .from_str(text)
        .map_err(|e| format!("{}:{}: {}", e.span.start.line, e.span.start.col, e.code))?;
    if set.limits.is_empty() {
        return Err(" the set has no limits".into());
    }
    for (i, limit) in set.limits.iter().enumerate() {
        if let Some(bad) = numbers(limit).into_iter().find(|x| !x.is_finite()) {
            return Err(format!(
                " limit {} (`{}`): {bad} is not a finite number",
                i + 1,
                limit.kind()
            ));
        }
    }
    Ok(set)
}

/// The numbers of a limit, for the finiteness check; the full range rules
/// apply again when the limits join a scenario's and are evaluated.
fn numbers(limit: &Limit) -> Vec<f64> {
    match limit {
        Limit::MinVoltage {
            volts, longer_than, ..
        }
        | Limit::MaxVoltage {
            volts, longer_than, ..
        } => vec![*volts, longer_than.unwrap_or(0.0)],
        Limit::Deviation { max_percent, .. } => vec![*max_percent],
        Limit::Settling {
            band_percent,
            within,
            ..
        } => vec![*band_percent, *within],
        Limit::Ripple {
            max_pp_volts,
            window,
            ..
        } => {
            let (a, b) = window.unwrap_or((0.0, 0.0));
            vec![*max_pp_volts, a, b]
        }
        Limit::MinDamping { ratio } => vec![*ratio],
        Limit::PhaseMargin { min_degrees, .. } => vec![*min_degrees],
        Limit::GainMargin { min_db, .. } => vec![*min_db],
        Limit::ImpedanceRatio {
            min_gm_db,
            min_pm_degrees,
            ..
        } => vec![*min_gm_db, *min_pm_degrees],
        Limit::MaxCurrent { amps, .. } => vec![*amps],
        Limit::RampRate {
            max_watts_per_second,
            ..
        } => vec![*max_watts_per_second],
        Limit::MaxEnergy { joules, .. } => vec![*joules],
        Limit::NoEvent { .. } => Vec::new(),
    }
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
        let typo = parse(r#"LimitSet(name: "x", limitz: [])"#).unwrap_err();
        assert!(typo.starts_with("1:"), "{typo}");
    }
}
