//! Every number a run derives must be finite: a value that overflowed
//! (a source of 1e308 V, say) must stop the run with the quantity named,
//! not turn into a silent `null` in `summary.json`.
//!
//! The metrics are walked through their serialised form (RON keeps
//! `inf` and `NaN`, where JSON would write `null`), so a metric added
//! later is checked without a change here.
//!
//! Owns the check only. Must not compute metrics nor decide what a
//! command does with the error.

use super::Metrics;
use crate::results::Waveforms;

/// A recorded sample or a metric that is not a finite number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} is {value}, not a finite number: the run's values overflow double precision; check the magnitudes of the components and nodes it names (far outside any physical range?)")]
pub struct NonFinite {
    /// The quantity: a column at a time, or a metric's path with the name
    /// of the node or component it belongs to.
    pub what: String,
    pub value: f64,
}

/// The first non-finite recorded sample, then the first non-finite
/// metric, if any.
pub fn check(metrics: &Metrics, waveforms: &Waveforms) -> Result<(), NonFinite> {
    for column in &waveforms.columns {
        if let Some((k, &v)) = column
            .values
            .iter()
            .enumerate()
            .find(|(_, v)| !v.is_finite())
        {
            let t = waveforms.time.get(k).copied().unwrap_or(f64::NAN);
            return Err(NonFinite {
                what: format!("`{}` at t = {}", column.name, crate::units::eng_time(t)),
                value: v,
            });
        }
    }
    let text = ron::to_string(metrics).unwrap_or_default();
    let Ok(value) = ron::from_str::<ron::Value>(&text) else {
        return Ok(());
    };
    match first_non_finite(&value, "") {
        Some((what, value)) => Err(NonFinite {
            what: format!("metric `{what}`"),
            value,
        }),
        None => Ok(()),
    }
}

/// The path (with each list entry's `name`, where it has one) and value
/// of the first non-finite number in `v`.
fn first_non_finite(v: &ron::Value, path: &str) -> Option<(String, f64)> {
    match v {
        ron::Value::Number(n) => {
            let x = n.into_f64();
            (!x.is_finite()).then(|| (path.to_string(), x))
        }
        ron::Value::Option(Some(inner)) => first_non_finite(inner, path),
        ron::Value::Seq(items) => items.iter().enumerate().find_map(|(i, item)| {
            let name = entry_name(item).map_or_else(String::new, |n| format!(" ({n})"));
            first_non_finite(item, &format!("{path}[{i}]{name}"))
        }),
        ron::Value::Map(map) => map.iter().find_map(|(k, item)| {
            let key = match k {
                ron::Value::String(s) => s.clone(),
                other => format!("{other:?}"),
            };
            let sub = if path.is_empty() {
                key
            } else {
                format!("{path}.{key}")
            };
            first_non_finite(item, &sub)
        }),
        _ => None,
    }
}

/// The `name` field of a struct, when it has one.
fn entry_name(v: &ron::Value) -> Option<&str> {
    let ron::Value::Map(map) = v else { return None };
    map.iter().find_map(|(k, item)| match (k, item) {
        (ron::Value::String(k), ron::Value::String(name)) if k == "name" => Some(name.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::{NodeMetrics, Worst};

    fn node(name: &str, undershoot: f64) -> NodeMetrics {
        NodeMetrics {
            name: name.into(),
            target: name.into(),
            nominal: None,
            last: 1.0,
            static_droop: None,
            static_droop_pct: None,
            worst: Worst {
                undershoot,
                ..Worst::default()
            },
            responses: Vec::new(),
            ripple: None,
        }
    }

    #[test]
    fn an_overflowed_metric_is_named_with_its_node() {
        let waveforms = Waveforms {
            time: Vec::new(),
            columns: Vec::new(),
            events: Vec::new(),
            stats: Default::default(),
        };
        let mut metrics = Metrics {
            settle_band_pct: 1.0,
            band_hz: (0.0, 1.0),
            events: Vec::new(),
            nodes: Vec::new(),
            currents: Vec::new(),
            powers: Vec::new(),
            storage: Vec::new(),
            losses: None,
        };
        metrics.nodes.push(node("bus", 1.0));
        assert_eq!(check(&metrics, &waveforms), Ok(()));
        metrics.nodes.push(node("v(big)", f64::INFINITY));
        let e = check(&metrics, &waveforms).expect_err("inf metric");
        assert!(e.what.contains("nodes[1] (v(big))"), "{e}");
        assert!(e.what.contains("undershoot"), "{e}");
        assert_eq!(e.value, f64::INFINITY);
    }
}
