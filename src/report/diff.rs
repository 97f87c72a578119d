//! `busbar diff`: the metrics and margins that changed between two result
//! files, in the words a reviewer reads in a pull request:
//! `min bus800: 788.20 V → 781.00 V (-7.200 V)`.
//!
//! Reads `summary.json` from `simulate` into the [`Summary`] that wrote it,
//! and the `--json` output of `check` (one block per scenario) into its
//! verdicts and [`Metrics`], so a renamed field cannot be skipped silently.

use super::summary::{ColumnSummary, Summary};
use crate::analysis::{Metrics, Verdict};
use crate::units::eng_sig;
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

/// One labelled fact of a result file.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub label: String,
    pub datum: Datum,
}

/// A fact that differs between the two files; `None` where a file lacks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub label: String,
    pub before: Option<Datum>,
    pub after: Option<Datum>,
}

/// One scenario of `busbar check --json` (a `check::Outcome`): the parts a
/// diff compares.
#[derive(Debug, Deserialize)]
struct CheckedScenario {
    file: String,
    #[serde(default)]
    verdicts: Vec<Verdict>,
    metrics: Option<Metrics>,
}

/// Every fact of a result file, in file order; an error when the JSON is
/// not a run summary nor the output of `check --json`.
pub fn facts(v: &Value) -> Result<Vec<Fact>, serde_json::Error> {
    let mut out = Vec::new();
    if let Some(scenarios) = v.get("scenarios") {
        let scenarios = Vec::<CheckedScenario>::deserialize(scenarios)?;
        for s in &scenarios {
            let prefix = format!("[{}] ", s.file);
            collect(&[], s.metrics.as_ref(), &s.verdicts, &prefix, &mut out);
        }
    } else {
        let summary = Summary::deserialize(v)?;
        let verdicts = summary.verdicts.as_deref().unwrap_or_default();
        let metrics = summary.metrics.as_deref();
        collect(&summary.columns, metrics, verdicts, "", &mut out);
    }
    Ok(out)
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
            datum: Datum::Text(status.as_str().unwrap_or_default().to_string()),
        });
    }
}

/// The metrics a diff reports, through `num(label, value, unit)`.
fn metric_facts(m: &Metrics, num: &mut impl FnMut(String, Option<f64>, &str)) {
    for n in &m.nodes {
        let (name, w) = (&n.name, &n.worst);
        num(format!("deviation {name}"), w.deviation_pct, "%");
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
            // The absolute floor keeps round-off (1e-14 V against 0 V) quiet.
            (x - y).abs() > (rel_tol * x.abs().max(y.abs())).max(1e-12)
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
                before: old,
                after: Some(f.datum.clone()),
            });
        }
    }
    for f in before {
        if find(after, &f.label).is_none() {
            out.push(Change {
                label: f.label.clone(),
                before: Some(f.datum.clone()),
                after: None,
            });
        }
    }
    out
}

/// One line per change: `min bus800: 788.20 V → 781.00 V (-7.200 V)`.
/// Numbers get as many digits as it takes for the two sides to differ.
pub fn render(changes: &[Change]) -> String {
    let mut out = String::new();
    for c in changes {
        let line = match (&c.before, &c.after) {
            (
                Some(Datum::Number {
                    value: x,
                    unit,
                    margin: mx,
                }),
                Some(Datum::Number {
                    value: y,
                    margin: my,
                    ..
                }),
            ) => {
                let mut sig = 5;
                while sig < 12 && fmt(*x, unit, sig) == fmt(*y, unit, sig) {
                    sig += 1;
                }
                let tail = match (mx, my) {
                    (Some(a), Some(b)) => {
                        format!("margin {} → {}", fmt(*a, unit, sig), fmt(*b, unit, sig))
                    }
                    _ => {
                        // Fixed-point units keep the decimals that told the
                        // two values apart; SI-prefixed ones need 4 digits.
                        let fixed = matches!(unit.as_str(), "%" | "dB" | "°" | "" | "events");
                        let delta = fmt(y - x, unit, if fixed { sig } else { 4 });
                        format!("{}{delta}", if y >= x { "+" } else { "" })
                    }
                };
                format!(
                    "{}: {} → {} ({tail})",
                    c.label,
                    fmt(*x, unit, sig),
                    fmt(*y, unit, sig)
                )
            }
            (a, b) => format!("{}: {} → {}", c.label, show(a), show(b)),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn show(d: &Option<Datum>) -> String {
    match d {
        None => "(absent)".to_string(),
        Some(Datum::Text(t)) if t == "fail" => "FAIL".to_string(),
        Some(Datum::Text(t)) => t.clone(),
        Some(Datum::Number { value, unit, .. }) => fmt(*value, unit, 5),
    }
}

/// Percentages, angles and decibels in fixed point (a margin of 0.5 %
/// reads `0.50 %`, not `500.0 m%`); everything else with SI prefixes.
fn fmt(x: f64, unit: &str, significant: usize) -> String {
    let decimals = significant.saturating_sub(3).max(2);
    match unit {
        "%" | "dB" => format!("{x:.decimals$} {unit}"),
        "°" => format!("{x:.decimals$}°"),
        "" | "events" => format!("{x:.decimals$} {unit}").trim_end().to_string(),
        u => eng_sig(x, u, significant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_metrics_and_verdicts() {
        let a = json!({
            "columns": [{"name": "bus800", "quantity": "voltage", "min": 788.2, "max": 800.0, "final": 799.0}],
            "verdicts": [{"name": "Deviation bus800 ≤ ±3 %", "status": "pass", "measured": 1.5, "margin": 1.5, "unit": "%"}],
        });
        let b = json!({
            "columns": [{"name": "bus800", "quantity": "voltage", "min": 781.0, "max": 800.0, "final": 799.0}],
            "verdicts": [{"name": "Deviation bus800 ≤ ±3 %", "status": "fail", "measured": 3.5, "margin": -0.5, "unit": "%"}],
        });
        let (a, b) = (facts(&a).expect("a summary"), facts(&b).expect("a summary"));
        let text = render(&diff(&a, &b, 1e-9));
        assert!(
            text.contains("min bus800: 788.20 V → 781.00 V (-7.200 V)"),
            "{text}"
        );
        assert!(
            text.contains("Deviation bus800 ≤ ±3 %: verdict: pass → FAIL"),
            "{text}"
        );
        assert!(
            text.contains("Deviation bus800 ≤ ±3 %: 1.50 % → 3.50 % (margin 1.50 % → -0.50 %)"),
            "{text}"
        );
        assert!(!text.contains("max bus800"));
        assert!(diff(&a, &a, 1e-9).is_empty());
    }
}
