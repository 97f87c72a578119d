//! `busbar diff`: the facts that changed between two result files, in the
//! words a reviewer reads in a pull request:
//! `min bus800: 788.20 V → 781.00 V (-7.200 V)`. Facts are the run's
//! inputs (top-level parameters as applied, overrides), its metrics and
//! limit margins (the stability limits among them: `summary.json` carries
//! stability only as the verdicts of its small-signal limits) and its
//! verdicts; `diff_render` lays them out.
//!
//! Reads `summary.json` from `simulate` into the [`Summary`] that wrote it,
//! and the `--json` output of `check` (one block per scenario) into its
//! verdicts and [`Metrics`], so a renamed field cannot be skipped silently;
//! any other JSON is refused with what was expected.
//!
//! Owns the facts and their comparison. Must not format them (that is
//! `diff_render`) nor read files.

use super::summary::{ColumnSummary, Inputs, Summary};
use crate::analysis::{Metrics, Verdict};
use crate::units::NOISE_FRACTION;
use serde::Deserialize;
use serde_json::Value;

/// What one fact holds: a number with its unit (and, for a limit, its
/// margin in the same unit), or a word (a verdict).
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    Number {
        value: f64,
        unit: String,
        margin: Option<f64>,
    },
    Text(String),
}

/// What a fact is about, which decides where a diff shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A parameter or an override the run was given.
    Input,
    /// A measured value (a metric, or a limit's measurement and margin).
    Metric,
    /// A limit's verdict: `pass`, `fail` or `error`.
    Verdict,
}

/// One labelled fact of a result file.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub label: String,
    pub kind: Kind,
    pub datum: Datum,
}

/// A fact that differs between the two files; `None` where a file lacks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub label: String,
    pub kind: Kind,
    pub before: Option<Datum>,
    pub after: Option<Datum>,
}

/// A JSON document that is not a busbar result file.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("expected {EXPECTED}, found {found}")]
    NotAResult { found: String },
    #[error("expected {EXPECTED}: {0}")]
    Schema(#[from] serde_json::Error),
    /// Keys every file of that kind has are missing.
    #[error("it lacks {}, which every {what} has", list(.missing))]
    Missing {
        what: &'static str,
        missing: Vec<String>,
    },
}

fn list(keys: &[String]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    keys.join(", ")
}

/// Keys `summary.json` (and `report --json`) always holds.
const SUMMARY_KEYS: &[&str] = &[
    "circuit", "scenario", "samples", "columns", "events", "solver",
];
/// Keys `check --json` always holds, and those of each of its scenarios.
const CHECK_KEYS: &[&str] = &["passed", "failed", "errors", "scenarios"];
const CHECKED_KEYS: &[&str] = &["file", "verdicts"];

/// Fails naming the keys of `keys` that `v` lacks.
fn require(v: &Value, keys: &[&str], what: &'static str) -> Result<(), DiffError> {
    let missing: Vec<String> = keys
        .iter()
        .filter(|k| v.get(**k).is_none())
        .map(|k| k.to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DiffError::Missing { what, missing })
    }
}

const EXPECTED: &str = "a JSON object with `columns` (summary.json of `simulate`, or \
                        `report --json`) or with `scenarios` (`check --json`)";

/// One scenario of `busbar check --json` (a `check::Outcome`): the parts a
/// diff compares.
#[derive(Debug, Deserialize)]
struct CheckedScenario {
    file: String,
    #[serde(default)]
    inputs: Option<Inputs>,
    #[serde(default)]
    verdicts: Vec<Verdict>,
    metrics: Option<Metrics>,
}

/// Every fact of a result file, in file order; an error when the JSON is
/// not a run summary nor the output of `check --json`.
pub fn facts(v: &Value) -> Result<Vec<Fact>, DiffError> {
    let mut out = Vec::new();
    let scenarios = v.get("scenarios").filter(|s| s.is_array());
    let columns = v.get("columns").filter(|c| c.is_array());
    if let Some(scenarios) = scenarios {
        require(v, CHECK_KEYS, "`check --json` output")?;
        for (i, s) in scenarios.as_array().into_iter().flatten().enumerate() {
            require(s, CHECKED_KEYS, "`check --json` scenario").map_err(|e| match e {
                DiffError::Missing { missing, .. } => DiffError::Missing {
                    what: "`check --json` scenario",
                    missing: missing
                        .into_iter()
                        .map(|k| format!("scenarios[{i}].{k}"))
                        .collect(),
                },
                other => other,
            })?;
        }
        let scenarios = Vec::<CheckedScenario>::deserialize(scenarios)?;
        for s in &scenarios {
            let prefix = format!("[{}] ", s.file);
            input_facts(s.inputs.as_ref(), &prefix, &mut out);
            collect(&[], s.metrics.as_ref(), &s.verdicts, &prefix, &mut out);
        }
    } else if columns.is_some() {
        require(v, SUMMARY_KEYS, "run summary")?;
        let summary = Summary::deserialize(v)?;
        let verdicts = summary.verdicts.as_deref().unwrap_or_default();
        let metrics = summary.metrics.as_deref();
        input_facts(summary.inputs.as_ref(), "", &mut out);
        collect(&summary.columns, metrics, verdicts, "", &mut out);
    } else {
        return Err(DiffError::NotAResult { found: shape(v) });
    }
    Ok(out)
}

/// A few words on what a JSON value is, for the error message.
fn shape(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(o) if o.is_empty() => "an empty object".into(),
        Value::Object(o) => {
            let keys: Vec<&str> = o.keys().take(6).map(String::as_str).collect();
            format!("an object with keys {}", keys.join(", "))
        }
    }
}

/// Parameters (as applied) and overrides, as input facts.
fn input_facts(inputs: Option<&Inputs>, prefix: &str, out: &mut Vec<Fact>) {
    let Some(inputs) = inputs else { return };
    for (what, map) in [("param", &inputs.params), ("override", &inputs.overrides)] {
        for (name, &value) in map {
            out.push(Fact {
                label: format!("{prefix}{what} {name}"),
                kind: Kind::Input,
                datum: Datum::Number {
                    value,
                    unit: String::new(),
                    margin: None,
                },
            });
        }
    }
}

fn collect(
    columns: &[ColumnSummary],
    metrics: Option<&Metrics>,
    verdicts: &[Verdict],
    prefix: &str,
    out: &mut Vec<Fact>,
) {
    let mut num = |label: String, x: Option<f64>, unit: &str| {
        if let Some(value) = x.filter(|x| x.is_finite()) {
            out.push(Fact {
                label: format!("{prefix}{label}"),
                kind: Kind::Metric,
                datum: Datum::Number {
                    value,
                    margin: None,
                    unit: unit.to_string(),
                },
            });
        }
    };
    for c in columns {
        let (name, unit) = (&c.name, c.quantity.unit());
        num(format!("min {name}"), c.min, unit);
        num(format!("max {name}"), c.max, unit);
        num(format!("final {name}"), c.last, unit);
    }
    if let Some(m) = metrics {
        metric_facts(m, &mut num);
    }
    // Verdicts after the metrics: the measured value with its margin,
    // then the word.
    for verdict in verdicts {
        let name = &verdict.name;
        if let Some(value) = verdict.measured.filter(|x| x.is_finite()) {
            out.push(Fact {
                label: format!("{prefix}{name}"),
                kind: Kind::Metric,
                datum: Datum::Number {
                    value,
                    unit: verdict.unit.clone(),
                    margin: verdict.margin.filter(|x| x.is_finite()),
                },
            });
        }
        let status = serde_json::to_value(verdict.status).unwrap_or_default();
        out.push(Fact {
            label: format!("{prefix}{name}: verdict"),
            kind: Kind::Verdict,
            datum: Datum::Text(status.as_str().unwrap_or_default().to_string()),
        });
    }
}

/// The metrics a diff reports, through `num(label, value, unit)`.
fn metric_facts(m: &Metrics, num: &mut impl FnMut(String, Option<f64>, &str)) {
    for n in &m.nodes {
        let (name, w) = (&n.name, &n.worst);
        // Signed as the tables show it: below the pre-event value is negative.
        let sign = w.deviation.map_or(1.0, |d| d.value.signum());
        num(
            format!("deviation {name}"),
            w.deviation_pct.map(|p| sign * p),
            "%",
        );
        num(format!("undershoot {name}"), Some(w.undershoot), "V");
        num(format!("overshoot {name}"), Some(w.overshoot), "V");
        num(format!("settling {name}"), w.settling_time, "s");
        num(format!("recovery {name}"), w.recovery_time, "s");
        num(format!("static droop {name}"), n.static_droop_pct, "%");
        // Ripple below the solver tolerance is noise: no change to report.
        let ripple = n.ripple.as_ref().filter(|r| !r.below_tolerance);
        num(
            format!("ripple p-p {name}"),
            ripple.map(|r| r.peak_to_peak),
            "V",
        );
        num(format!("ripple rms {name}"), ripple.map(|r| r.rms_ac), "V");
        if let Some(line) = ripple.and_then(|r| r.lines.first()) {
            num(
                format!("ripple frequency {name}"),
                Some(line.frequency_hz),
                "Hz",
            );
        }
    }
    for c in &m.currents {
        let peak = c.peak.map(|p| p.value.abs());
        num(format!("peak {}", c.name), peak, "A");
    }
    for p in &m.powers {
        let name = &p.name;
        num(format!("peak {name}"), p.peak.map(|a| a.value.abs()), "W");
        num(
            format!("ramp rate {name}"),
            p.ramp_rate.map(|a| a.value),
            "W/s",
        );
        num(
            format!("energy delivered {name}"),
            Some(p.energy_delivered),
            "J",
        );
        num(
            format!("energy absorbed {name}"),
            Some(p.energy_absorbed),
            "J",
        );
        num(
            format!("max discharge {name}"),
            Some(p.max_discharge.value),
            "J",
        );
        let share = p.band_share.map(|x| 100.0 * x);
        num(format!("0.1–20 Hz share {name}"), share, "%");
    }
}

/// The facts that differ: numbers whose relative change exceeds `rel_tol`
/// (of the larger magnitude), words that differ, and facts only one file
/// has. In the order of `b`, then what only `a` has.
pub fn diff(before: &[Fact], after: &[Fact], rel_tol: f64) -> Vec<Change> {
    let find = |list: &[Fact], label: &str| {
        list.iter()
            .find(|f| f.label == label)
            .map(|f| f.datum.clone())
    };
    let mut out = Vec::new();
    for f in after {
        let old = find(before, &f.label);
        let moved = |x: f64, y: f64| {
            // The absolute floor keeps round-off (1e-14 V against 0 V) quiet:
            // what would print as `0 V → 0 V` (`units::is_noise`) is no change.
            (x - y).abs() > (rel_tol * x.abs().max(y.abs())).max(NOISE_FRACTION)
        };
        let changed = match (&old, &f.datum) {
            (
                Some(Datum::Number {
                    value: x,
                    margin: mx,
                    ..
                }),
                Datum::Number {
                    value: y,
                    margin: my,
                    ..
                },
            ) => {
                moved(*x, *y)
                    || match (mx, my) {
                        (Some(a), Some(b)) => moved(*a, *b),
                        (a, b) => a.is_some() != b.is_some(),
                    }
            }
            (Some(o), n) => o != n,
            (None, _) => true,
        };
        if changed {
            out.push(Change {
                label: f.label.clone(),
                kind: f.kind,
                before: old,
                after: Some(f.datum.clone()),
            });
        }
    }
    for f in before {
        if find(after, &f.label).is_none() {
            out.push(Change {
                label: f.label.clone(),
                kind: f.kind,
                before: Some(f.datum.clone()),
                after: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::diff_render::render;
    use super::*;
    use serde_json::json;

    /// A summary with the keys every `summary.json` holds, plus `extra`.
    fn summary(extra: Value) -> Value {
        let mut v = json!({
            "circuit": "c", "scenario": "s", "samples": 1, "columns": [], "events": [],
            "solver": serde_json::to_value(crate::results::SolverStats::default()).expect("stats"),
        });
        if let (Some(map), Value::Object(extra)) = (v.as_object_mut(), extra) {
            map.extend(extra);
        }
        v
    }

    #[test]
    fn changed_metrics_and_verdicts() {
        let a = summary(json!({
            "columns": [{"name": "bus800", "quantity": "voltage", "min": 788.2, "max": 800.0, "final": 799.0}],
            "verdicts": [{"name": "Deviation bus800 ≤ ±3 %", "status": "pass", "measured": 1.5, "margin": 1.5, "unit": "%"}],
        }));
        let b = summary(json!({
            "columns": [{"name": "bus800", "quantity": "voltage", "min": 781.0, "max": 800.0, "final": 799.0}],
            "verdicts": [{"name": "Deviation bus800 ≤ ±3 %", "status": "fail", "measured": 3.5, "margin": -0.5, "unit": "%"}],
        }));
        let (a, b) = (facts(&a).expect("a summary"), facts(&b).expect("a summary"));
        let text = render(&diff(&a, &b, 1e-9));
        assert!(
            text.contains("min bus800: 788.20 V → 781.00 V (-7.200 V)"),
            "{text}"
        );
        assert!(
            text.contains("Deviation bus800 ≤ ±3 %: pass → FAIL"),
            "{text}"
        );
        assert!(
            text.contains("Deviation bus800 ≤ ±3 %: 1.50 % → 3.50 % (margin 1.50 % → -0.50 %)"),
            "{text}"
        );
        assert!(!text.contains("max bus800"));
        assert!(diff(&a, &a, 1e-9).is_empty());
    }

    #[test]
    fn anything_but_a_result_file_is_refused_with_what_was_expected() {
        for (v, found) in [
            (json!([1, 2, 3]), "an array of 3 items"),
            (json!({"x": 1}), "an object with keys x"),
            (json!(null), "null"),
            (json!({}), "an empty object"),
        ] {
            let e = facts(&v).expect_err("not a result file").to_string();
            assert!(e.contains("`columns`") && e.contains(found), "{e}");
        }
        let e = facts(&summary(json!({"columns": [{"name": 3}]}))).expect_err("bad column");
        assert!(e.to_string().starts_with("expected a JSON object"), "{e}");
    }

    #[test]
    fn a_result_file_missing_its_keys_is_refused_naming_them() {
        let e = facts(&json!({"columns": []})).expect_err("incomplete summary");
        let text = e.to_string();
        for key in [
            "`circuit`",
            "`scenario`",
            "`samples`",
            "`events`",
            "`solver`",
        ] {
            assert!(text.contains(key), "{text}");
        }
        assert!(!text.contains("`columns`"), "{text}");
        let e = facts(
            &json!({"passed": 0, "failed": 0, "errors": 0, "scenarios": [{"file": "a.ron"}]}),
        )
        .expect_err("incomplete check output");
        assert!(e.to_string().contains("`scenarios[0].verdicts`"), "{e}");
        assert!(facts(&summary(json!({}))).is_ok());
    }
}
