//! Scenario files: what to simulate on a circuit (load profiles, events,
//! overrides, recording) and what to check (limits).
//!
//! Owns everything between the text of `scenario.ron` and a validated
//! [`Scenario`] with its traces in memory, plus the per-unit profile
//! arithmetic the engine calls on its hot path and the binding of targets
//! to a circuit's names. Must not know component equations, the solver, or
//! how limits are evaluated. The limit type is a parameter: the
//! analysis defines the kinds, and this module sees them only through
//! [`ScenarioLimit`].

mod bind;
pub mod doc;
mod jitter;
pub(crate) mod locate;
mod profile;
mod record;
pub(crate) mod schema;
mod trace;
mod validate;

pub use bind::LoadBinding;
pub use profile::LoadProfile;
pub use record::{voltage_target, Probe, ProbeKind, FORMS as RECORD_FORMS};
pub use schema::{
    Event, Jitter, LoadSpec, LossPart, LossSpec, LossStage, Phased, Profile, Pulse, RandomDelay,
    RetiredSweep, Scenario, Stagger, Start, Step, Trace,
};
pub use validate::limits::{rules, LimitIssue, LimitTarget, ScenarioLimit};

use crate::error::SourceLocation;
use crate::units::eng_time;
use locate::Seg;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything that can be wrong with a scenario file.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not valid RON for the schema: syntax, unknown field or variant,
    /// missing field, wrong type.
    #[error("{location}: {message}")]
    Syntax {
        message: String,
        location: SourceLocation,
        /// The whole file text, so that the CLI can underline the span.
        text: String,
    },
    /// Well-formed but impossible: a negative time, an unordered table, a
    /// name that matches nothing in the circuit.
    #[error("{}{message}", location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default())]
    Invalid {
        message: String,
        location: Option<SourceLocation>,
        text: Option<String>,
    },
    /// A `Trace` CSV that cannot be used.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Trace {
        path: PathBuf,
        /// 1-based line in the CSV, when the problem is on one line.
        line: Option<usize>,
        message: String,
    },
}

/// Reads, parses and validates a scenario file and loads its traces.
pub fn load<L: ScenarioLimit>(path: &Path) -> Result<Scenario<L>, ScenarioError> {
    let text = crate::budget::read_input_text(path).map_err(|source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text, path)
}

/// Like [`load`] with the text already in memory. `path` names the file in
/// messages and anchors relative paths (circuit, traces).
/// A leading byte-order mark is skipped.
pub fn parse_str<L: ScenarioLimit>(text: &str, path: &Path) -> Result<Scenario<L>, ScenarioError> {
    let text = crate::ron_tokens::strip_bom(text);
    let options = ron::Options::default().with_default_extension(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    );
    let mut scenario: Scenario<L> = options
        .from_str(text)
        .map_err(|e| syntax_error(e, text, path))?;
    scenario.path = path.to_path_buf();
    scenario.text = Arc::from(text);
    if let Err(issue) = validate::validate(&scenario) {
        return Err(invalid_at(path, text, issue.message, &issue.path));
    }
    load_traces(&mut scenario)?;
    Ok(scenario)
}

impl<L> Scenario<L> {
    /// The file this scenario was read from (empty if built in code).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text as read (empty if built in code).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The `circuit` field resolved against the scenario file's folder.
    pub fn circuit_path(&self) -> Option<PathBuf> {
        self.circuit.as_ref().map(|c| self.resolve(c))
    }

    /// Every scheduled event instant and every profile corner of every bound
    /// load in `[0, duration]`, sorted and deduplicated: where the engine
    /// must restart its integrator.
    ///
    /// Refused, before any is listed, when the corners could exceed the
    /// `breakpoints` budget (a 1 µs pulse train over a second, on many
    /// staggered loads).
    pub fn breakpoints(&self, bindings: &[LoadBinding]) -> Result<Vec<f64>, ScenarioError> {
        let corners: f64 = bindings
            .iter()
            .map(|b| b.profile.corner_count(self.duration))
            .sum::<f64>()
            + 2.0 * self.events.len() as f64;
        crate::budget::Budget::Breakpoints
            .check(corners, "the load profiles and events of this scenario")
            .map_err(|message| invalid_at(&self.path, &self.text, message, &[Seg::Key("loads")]))?;
        let mut out: Vec<f64> = self.events.iter().map(Event::at).collect();
        for event in &self.events {
            if let Event::Fault {
                at,
                clear_after: Some(c),
                ..
            } = event
            {
                out.push(at + c);
            }
        }
        for binding in bindings {
            out.extend(binding.profile.breakpoints(self.duration));
        }
        out.retain(|t| (0.0..=self.duration).contains(t));
        out.sort_by(f64::total_cmp);
        out.dedup();
        Ok(out)
    }

    /// Refuses a run whose output grid, `columns` recorded signals plus
    /// time at every `sample` over `duration`, exceeds the
    /// `output-values` budget: checked before the run allocates it.
    pub fn check_output(&self, columns: usize) -> Result<(), ScenarioError> {
        let samples = (self.duration / self.sample).ceil() + 1.0;
        let what = format!(
            "recording {columns} signals and time every {} s over {} s ({samples:.0} samples × {} columns)",
            self.sample,
            self.duration,
            columns + 1
        );
        crate::budget::Budget::OutputValues
            .check(samples * (columns + 1) as f64, &what)
            .map_err(|message| invalid_at(&self.path, &self.text, message, &[Seg::Key("sample")]))
    }

    /// A warning for each scheduled event after `end`, the end of the run
    /// (its `duration`, or where a failed run stopped): it never happened.
    pub fn late_events(&self, end: f64) -> Vec<String> {
        let stopped = end < self.duration;
        self.events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.at() > end)
            .map(|(i, e)| {
                let why = if stopped {
                    format!("the run stopped at t = {}", eng_time(end))
                } else {
                    format!("the run ends at t = {} (duration)", eng_time(end))
                };
                format!(
                    "event {} (`{}` on `{}`) at t = {} did not happen: {why}",
                    i + 1,
                    e.kind(),
                    e.target(),
                    eng_time(e.at())
                )
            })
            .collect()
    }

    /// The files this scenario was read from or reads: itself, the circuit
    /// it names and its `Trace` files (what no output may replace).
    pub fn input_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = Vec::new();
        if !self.path.as_os_str().is_empty() {
            files.push(self.path.clone());
        }
        files.extend(self.circuit_path());
        for load in &self.loads {
            if let Profile::Trace(t) = &load.profile {
                files.push(self.resolve(&t.file));
            }
        }
        files
    }

    /// The parsed `record` entries, in file order.
    pub fn probes(&self) -> Vec<Probe> {
        self.record
            .iter()
            .filter_map(|e| Probe::parse(e).ok())
            .collect()
    }

    fn resolve(&self, relative: &str) -> PathBuf {
        let base = self.path.parent().unwrap_or_else(|| Path::new(""));
        base.join(relative)
    }
}

/// Reads every `Trace` CSV into its profile, once per distinct file and
/// column pair.
fn load_traces<L>(scenario: &mut Scenario<L>) -> Result<(), ScenarioError> {
    type Key = (PathBuf, String, String);
    let mut cache: Vec<(Key, trace::Samples)> = Vec::new();
    let resolved: Vec<Option<PathBuf>> = scenario
        .loads
        .iter()
        .map(|l| match &l.profile {
            Profile::Trace(t) => Some(scenario.resolve(&t.file)),
            _ => None,
        })
        .collect();
    for (load, file) in scenario.loads.iter_mut().zip(resolved) {
        let (Profile::Trace(trace), Some(file)) = (&mut load.profile, file) else {
            continue;
        };
        let key = (file, trace.time.clone(), trace.value.clone());
        if let Some((_, samples)) = cache.iter().find(|(k, _)| *k == key) {
            trace.samples = samples.clone();
            continue;
        }
        let samples = trace::read_trace(&key.0, &trace.time, &trace.value)?;
        trace.samples = samples.clone();
        cache.push((key, samples));
    }
    Ok(())
}

/// Converts ron's error, whose positions are 1-based (line, column in
/// characters), into a byte span the CLI can underline.
pub(crate) fn syntax_error(e: ron::error::SpannedError, text: &str, path: &Path) -> ScenarioError {
    let start = locate::offset_of(text, e.span.start.line, e.span.start.col);
    let mut end = locate::offset_of(text, e.span.end.line, e.span.end.col).max(start);
    if end == start {
        end = locate::next_char_end(text, start);
    }
    let mut location = locate::location(path, text, start, end);
    // Keep ron's own line and column: they are what the message refers to,
    // even where they point past the end of the text.
    location.line = e.span.start.line;
    location.column = e.span.start.col;
    ScenarioError::Syntax {
        message: e.code.to_string(),
        location,
        text: text.to_string(),
    }
}

/// A semantic error located at `path` in `text` when that path can be found.
pub(crate) fn invalid_at(file: &Path, text: &str, message: String, path: &[Seg]) -> ScenarioError {
    let location =
        locate::find(text, path).map(|(start, end)| locate::location(file, text, start, end));
    ScenarioError::Invalid {
        message,
        location,
        text: (!text.is_empty()).then(|| text.to_string()),
    }
}
