//! The machine-readable run summary (`summary.json`): per-column extremes,
//! events and solver statistics, plus the analysis metrics and limit
//! verdicts when the caller has them, and the failure and warnings of a
//! run that stopped early.
//!
//! Owns the JSON schema of the summary. Must not write files or judge
//! limits; verdicts come from the analysis and check code.

use super::stats::{time_span, ColumnStats};
use crate::analysis::{Analysis, Metrics, Verdict};
use crate::results::{EventRecord, Failure, Quantity, SolverStats, Waveforms};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The whole summary. Field order here is the key order in the output when
/// this struct is serialised directly (`serde_json::to_vec_pretty(&summary)`),
/// which keeps diffs of committed summaries readable. It borrows from the
/// run when written and owns what it read back (`busbar diff`); fields a
/// file lacks read as empty.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary<'a> {
    pub circuit: Cow<'a, str>,
    pub scenario: Cow<'a, str>,
    /// The inputs the run was given, when the caller knows them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Inputs>,
    /// Wall-clock run time; left out when unknown so tests can compare
    /// summaries byte for byte.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_seconds: Option<f64>,
    pub samples: usize,
    pub t_start: Option<f64>,
    pub t_end: Option<f64>,
    pub columns: Vec<ColumnSummary<'a>>,
    pub events: Cow<'a, [EventRecord]>,
    pub solver: Cow<'a, SolverStats>,
    /// Time-domain metrics, when the run was analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Cow<'a, Metrics>>,
    /// Verdicts on the scenario's limits, when the run was analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdicts: Option<Cow<'a, [Verdict]>>,
    /// Why the run stopped before its end, when it did: the summary then
    /// describes the part computed up to `failure.time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Warnings on the run, e.g. scheduled events that never happened.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// What a run was given beyond its files, so that `diff` can say which
/// input changed: the circuit's top-level parameters as applied, and the
/// overrides that were applied (the scenario's, with `--set` on top).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Inputs {
    /// Every top-level parameter, evaluated with the overrides in place.
    pub params: BTreeMap<String, f64>,
    /// Parameter names and `component.field` keys with their values.
    pub overrides: BTreeMap<String, f64>,
}

/// Summary of one recorded column. Values are `null` when the column has
/// no samples (or the value is NaN, which JSON cannot carry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSummary<'a> {
    pub name: Cow<'a, str>,
    pub quantity: Quantity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nominal: Option<f64>,
    pub initial: Option<f64>,
    pub min: Option<f64>,
    pub t_min: Option<f64>,
    pub max: Option<f64>,
    pub t_max: Option<f64>,
    #[serde(rename = "final")]
    pub last: Option<f64>,
    /// (min − nominal)/nominal in %, for voltages on a bus with a nominal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_deviation_pct: Option<f64>,
    /// (max − nominal)/nominal in %, for voltages on a bus with a nominal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_deviation_pct: Option<f64>,
}

impl<'a> Summary<'a> {
    /// Builds the summary of one run.
    pub fn new(
        circuit: &'a str,
        scenario: &'a str,
        w: &'a Waveforms,
        wall_seconds: Option<f64>,
    ) -> Self {
        let span = time_span(w);
        Summary {
            circuit: circuit.into(),
            scenario: scenario.into(),
            inputs: None,
            wall_seconds,
            samples: w.time.len(),
            t_start: span.map(|s| s.0),
            t_end: span.map(|s| s.1),
            columns: w
                .columns
                .iter()
                .map(|c| {
                    let stats = ColumnStats::of(&w.time, c);
                    let deviation = if c.quantity == Quantity::Voltage {
                        stats.deviation_percent(c.nominal)
                    } else {
                        None
                    };
                    let (min_dev, max_dev) = deviation.unwrap_or((None, None));
                    ColumnSummary {
                        name: c.name.as_str().into(),
                        quantity: c.quantity,
                        nominal: c.nominal,
                        initial: stats.initial,
                        min: stats.min.map(|m| m.value),
                        t_min: stats.min.map(|m| m.time),
                        max: stats.max.map(|m| m.value),
                        t_max: stats.max.map(|m| m.time),
                        last: stats.last,
                        min_deviation_pct: min_dev,
                        max_deviation_pct: max_dev,
                    }
                })
                .collect(),
            events: Cow::Borrowed(&w.events),
            solver: Cow::Borrowed(&w.stats),
            metrics: None,
            verdicts: None,
            failure: None,
            warnings: Vec::new(),
        }
    }

    /// Records the inputs the run was given.
    pub fn with_inputs(mut self, inputs: Inputs) -> Self {
        self.inputs = Some(inputs);
        self
    }

    /// Records why the run stopped early (if it did) and its warnings.
    pub fn with_failure(mut self, failure: Option<Failure>, warnings: Vec<String>) -> Self {
        self.failure = failure;
        self.warnings = warnings;
        self
    }

    /// Adds the metrics and verdicts of an analysis of the same run.
    pub fn with_analysis(mut self, analysis: &'a Analysis) -> Self {
        self.metrics = Some(Cow::Borrowed(&analysis.metrics));
        self.verdicts = Some(Cow::Borrowed(&analysis.verdicts));
        self
    }
}

/// The run summary as a JSON value.
///
/// Note that `serde_json::Value` objects sort their keys; to keep the
/// documented field order in a file, serialise [`Summary`] directly.
pub fn summary_json(
    circuit_name: &str,
    scenario_name: &str,
    w: &Waveforms,
    wall_seconds: Option<f64>,
) -> serde_json::Value {
    let summary = Summary::new(circuit_name, scenario_name, w, wall_seconds);
    // Cannot fail: every map key is a string and NaN becomes null.
    serde_json::to_value(summary).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Column;

    fn waveforms() -> Waveforms {
        Waveforms {
            time: vec![0.0, 0.001, 0.002],
            columns: vec![
                Column {
                    name: "bus800".into(),
                    target: "bus800".into(),
                    quantity: Quantity::Voltage,
                    nominal: Some(800.0),
                    values: vec![800.0, 760.0, 808.0].into(),
                    extremes: None,
                },
                Column {
                    name: "p(load)".into(),
                    target: "load".into(),
                    quantity: Quantity::Power,
                    nominal: None,
                    values: vec![f64::NAN, 1.0, 2.0].into(),
                    extremes: None,
                },
                Column {
                    name: "i(none)".into(),
                    target: "none".into(),
                    quantity: Quantity::Current,
                    nominal: None,
                    values: vec![].into(),
                    extremes: None,
                },
            ],
            events: vec![EventRecord {
                time: 0.001,
                target: "load".into(),
                what: "step".into(),
            }],
            stats: SolverStats {
                method: "esdirk34".into(),
                steps: 42,
                ..SolverStats::default()
            },
        }
    }

    #[test]
    fn fields_and_deviation() {
        let w = waveforms();
        let v = summary_json("rack", "step", &w, None);
        assert_eq!(v["circuit"], "rack");
        assert!(v.get("wall_seconds").is_none());
        let bus = &v["columns"][0];
        assert_eq!(bus["quantity"], "voltage");
        assert_eq!(bus["min"], 760.0);
        assert_eq!(bus["t_min"], 0.001);
        assert_eq!(bus["final"], 808.0);
        assert_eq!(bus["min_deviation_pct"], -5.0);
        assert_eq!(bus["max_deviation_pct"], 1.0);
        let power = &v["columns"][1];
        assert!(power["initial"].is_null());
        assert_eq!(power["min"], 1.0);
        assert!(power.get("nominal").is_none());
        assert!(v["columns"][2]["max"].is_null());
        assert_eq!(v["events"][0]["what"], "step");
        assert_eq!(v["solver"]["steps"], 42);
        assert_eq!(
            summary_json("rack", "step", &w, Some(1.5))["wall_seconds"],
            1.5
        );
    }

    #[test]
    fn struct_keeps_key_order_and_is_deterministic() {
        let w = waveforms();
        let a = serde_json::to_string(&Summary::new("rack", "step", &w, None)).unwrap_or_default();
        let b = serde_json::to_string(&Summary::new("rack", "step", &w, None)).unwrap_or_default();
        assert_eq!(a, b);
        assert!(a.starts_with(r#"{"circuit":"rack","scenario":"step","samples":3,"#));
        let name = a.find(r#""name":"bus800""#).unwrap_or(usize::MAX);
        let fin = a.find(r#""final":808.0"#).unwrap_or(0);
        assert!(name < fin);
    }
}
