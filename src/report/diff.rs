//! `busbar diff`: the metrics and margins that changed between two result
//! files, in the words a reviewer reads in a pull request:
//! `min bus800: 788.20 V → 781.00 V (-7.200 V)`.
//!
//! Works on the JSON text, not on typed structs, so that a summary written
//! by an older busbar (fewer fields) still compares on what both have.
//! Reads `summary.json` from `simulate` and the `--json` output of
//! `check` (one block per scenario).

use crate::units::eng_sig;
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

/// Every fact of a result file, in file order.
pub fn facts(v: &Value) -> Vec<Fact> {
    let mut out = Vec::new();
    if let Some(scenarios) = v.get("scenarios").and_then(Value::as_array) {
        for s in scenarios {
            let prefix = s
                .get("file")
                .and_then(Value::as_str)
                .map(|f| format!("[{f}] "))
                .unwrap_or_default();
            collect(s, &prefix, &mut out);
        }
    } else {
        collect(v, "", &mut out);
    }
    out
}

fn collect(v: &Value, prefix: &str, out: &mut Vec<Fact>) {
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
    for c in array(v, &["columns"]) {
        let name = text(c, &["name"]);
        let unit = match text(c, &["quantity"]).as_str() {
            "current" => "A",
            "power" => "W",
            "state_of_charge" => "",
            _ => "V",
        };
        for key in ["min", "max", "final"] {
            num(format!("{key} {name}"), number(c, &[key]), unit);
        }
    }
    for n in array(v, &["metrics", "nodes"]) {
        let name = text(n, &["name"]);
        num(
            format!("deviation {name}"),
            number(n, &["worst", "deviation_pct"]),
            "%",
        );
        num(
            format!("undershoot {name}"),
            number(n, &["worst", "undershoot"]),
            "V",
        );
        num(
            format!("overshoot {name}"),
            number(n, &["worst", "overshoot"]),
            "V",
        );
        num(
            format!("settling {name}"),
            number(n, &["worst", "settling_time"]),
            "s",
        );
        num(
            format!("recovery {name}"),
            number(n, &["worst", "recovery_time"]),
            "s",
        );
        num(
            format!("static droop {name}"),
            number(n, &["static_droop_pct"]),
            "%",
        );
        num(
            format!("ripple p-p {name}"),
            number(n, &["ripple", "peak_to_peak"]),
            "V",
        );
        num(
            format!("ripple rms {name}"),
            number(n, &["ripple", "rms_ac"]),
            "V",
        );
        if let Some(line) = array(n, &["ripple", "lines"]).first() {
            num(
                format!("ripple frequency {name}"),
                number(line, &["frequency_hz"]),
                "Hz",
            );
        }
    }
    for c in array(v, &["metrics", "currents"]) {
        let name = text(c, &["name"]);
        num(
            format!("peak {name}"),
            number(c, &["peak", "value"]).map(f64::abs),
            "A",
        );
    }
    for p in array(v, &["metrics", "powers"]) {
        let name = text(p, &["name"]);
        num(
            format!("peak {name}"),
            number(p, &["peak", "value"]).map(f64::abs),
            "W",
        );
        num(
            format!("ramp rate {name}"),
            number(p, &["ramp_rate", "value"]),
            "W/s",
        );
        num(
            format!("energy delivered {name}"),
            number(p, &["energy_delivered"]),
            "J",
        );
        num(
            format!("energy absorbed {name}"),
            number(p, &["energy_absorbed"]),
            "J",
        );
        num(
            format!("max discharge {name}"),
            number(p, &["max_discharge", "value"]),
            "J",
        );
        num(
            format!("0.1–20 Hz share {name}"),
            number(p, &["band_share"]).map(|x| 100.0 * x),
            "%",
        );
    }
    for l in array(v, &["stability", "loops"]) {
        let name = text(l, &["device"]);
        num(
            format!("phase margin {name}"),
            number(l, &["margins", "phase_margin_deg"]),
            "°",
        );
        num(
            format!("gain margin {name}"),
            number(l, &["margins", "gain_margin_db"]),
            "dB",
        );
        num(
            format!("crossover {name}"),
            number(l, &["margins", "crossover_hz"]),
            "Hz",
        );
    }
    // Verdicts after the metrics (the closure above holds `out`): the
    // measured value with its margin, then the word.
    for verdict in array(v, &["verdicts"]) {
        let name = text(verdict, &["name"]);
        if let Some(value) = number(verdict, &["measured"]).filter(|x| x.is_finite()) {
            out.push(Fact {
                label: format!("{prefix}{name}"),
                datum: Datum::Number {
                    value,
                    unit: text(verdict, &["unit"]),
                    margin: number(verdict, &["margin"]).filter(|x| x.is_finite()),
                },
            });
        }
        let status = text(verdict, &["status"]);
        if !status.is_empty() {
            out.push(Fact {
                label: format!("{prefix}{}: verdict", text(verdict, &["name"])),
                datum: Datum::Text(status),
            });
        }
    }
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| v.get(key))
}

fn array<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn number(v: &Value, path: &[&str]) -> Option<f64> {
    get(v, path).and_then(Value::as_f64)
}

fn text(v: &Value, path: &[&str]) -> String {
    get(v, path)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The facts that differ: numbers whose relative change exceeds `rel_tol`
/// (of the larger magnitude), words that differ, and facts only one file
/// has. In the order of `b`, then what only `a` has.
pub fn diff(a: &Value, b: &Value, rel_tol: f64) -> Vec<Change> {
    let before = facts(a);
    let after = facts(b);
    let find = |list: &[Fact], label: &str| {
        list.iter()
            .find(|f| f.label == label)
            .map(|f| f.datum.clone())
    };
    let mut out = Vec::new();
    for f in &after {
        let old = find(&before, &f.label);
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
    for f in &before {
        if find(&after, &f.label).is_none() {
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
