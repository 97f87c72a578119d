//! `NoEvent`: a component must not fire an event during the run, e.g. a
//! BBU that must not trigger on load steps.

use super::{LimitKind, Run, SmallSignal};
use crate::analysis::verdict::Measure;
use crate::glob;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if an event fires on a component matching `target` whose
/// description matches `what` (both globs; any event when `what` is
/// absent).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NoEvent {
    /// Component name or glob.
    pub target: String,
    /// Event description or glob, e.g. `trigger*`.
    #[serde(default)]
    pub what: Option<String>,
}

impl LimitKind for NoEvent {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        let blank = self.what.as_ref().is_some_and(|w| w.trim().is_empty());
        rules::ensure("what", !blank, "`what` must not be empty".into())
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget {
            field: "target",
            pattern: &self.target,
            on_node: false,
            voltage: false,
        })
    }

    fn event_names(&self) -> Option<(&'static str, Option<&str>)> {
        Some(("what", self.what.as_deref()))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let hits: Vec<_> = run
            .waveforms
            .events
            .iter()
            .filter(|e| glob::matches(&self.target, &e.target))
            .filter(|e| self.what.as_ref().is_none_or(|p| glob::matches(p, &e.what)))
            .collect();
        let first = hits.first();
        Ok(Measure {
            measured: hits.len() as f64,
            limit: 0.0,
            // 0 − n, not −n: no hits is a margin of 0, not −0.
            margin: 0.0 - hits.len() as f64,
            unit: "events",
            target: first.map(|e| e.target.clone()),
            time: first.map(|e| e.time),
            detail: first.map_or_else(
                || "no matching event".to_string(),
                |e| format!("first: {} `{}`", e.target, e.what),
            ),
        })
    }

    fn name(&self) -> String {
        match &self.what {
            Some(w) => format!("NoEvent {} `{w}`", self.target),
            None => format!("NoEvent {}", self.target),
        }
    }

}
