//! The scenario file's schema: the serde types a `Scenario(...)` RON file
//! deserialises into.
//!
//! Owns field names, defaults and the shape of every variant. Must not hold
//! validation rules (`validate`), profile arithmetic (`profile`) or anything
//! that needs the circuit (`bind`). Every struct and enum denies unknown
//! fields so that a misspelt field is an error instead of a silent default.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;

/// A parsed scenario: what to simulate on a circuit and what to check,
/// with limits of type `L` (the analysis's registry of limit kinds).
///
/// Built by [`crate::scenario::load`] or [`crate::scenario::parse_str`],
/// which also validate it and load its traces; a value built any other way
/// has not been checked.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, bound(deserialize = "L: Deserialize<'de>"))]
pub struct Scenario<L> {
    pub name: String,
    /// Circuit file as written, relative to the scenario file; see
    /// [`Scenario::circuit_path`] for the resolved path.
    #[serde(default)]
    pub circuit: Option<String>,
    /// Simulated time, seconds.
    pub duration: f64,
    /// Output grid spacing, seconds.
    pub sample: f64,
    #[serde(default)]
    pub start: Start,
    #[serde(default)]
    pub rtol: Option<f64>,
    #[serde(default)]
    pub atol: Option<f64>,
    #[serde(default)]
    pub loads: Vec<LoadSpec>,
    #[serde(default)]
    pub events: Vec<Event>,
    /// Parameter or `component.field` overrides applied before elaboration.
    #[serde(default, deserialize_with = "unique_keys")]
    pub overrides: BTreeMap<String, f64>,
    /// Quantities to record; empty means every declared bus.
    #[serde(default)]
    pub record: Vec<String>,
    /// `(start, end)`, seconds: where the ripple of every recorded node is
    /// measured instead of its quiet windows (a `Ripple` limit's own
    /// `window` takes precedence for its node).
    #[serde(default)]
    pub ripple_window: Option<(f64, f64)>,
    /// The energy and loss breakdown of the run, stage by stage.
    #[serde(default)]
    pub losses: Option<LossSpec>,
    #[serde(default)]
    /// Pass/fail criteria, of a limit type the analysis defines.
    pub limits: Vec<L>,
    /// Refused by validation: see [`RetiredSweep`].
    #[serde(default, skip_serializing, deserialize_with = "present")]
    pub sweep: Option<RetiredSweep>,
    /// The scenario file itself, so that relative paths and later errors
    /// (binding to a circuit) can refer back to it.
    #[serde(skip)]
    pub(crate) path: PathBuf,
    /// The file's text, kept so that errors found after parsing can still
    /// underline the offending entry.
    #[serde(skip)]
    pub(crate) text: Arc<str>,
}

/// `losses`: where energy enters, where it is used, and the stages its
/// losses are summed over. Every entry is a component name or glob.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LossSpec {
    /// Components that draw from the grid: their `p` plus their own loss.
    pub input: Vec<String>,
    /// Components whose absorbed power is the useful output (the GPUs).
    pub output: Vec<String>,
    /// Named stages; a component belongs to the first stage that matches.
    pub stages: Vec<LossStage>,
}

/// One stage of a loss breakdown.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LossStage {
    pub name: String,
    pub components: Vec<String>,
    /// Which part of each component's loss the stage takes.
    #[serde(default)]
    pub part: LossPart,
}

/// A part of a component's loss, so that one converter can appear in a
/// "no-load" stage and a "conduction" stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum LossPart {
    /// The whole loss.
    #[default]
    All,
    /// The load-independent part: a Dcx's no-load loss; zero for a
    /// component whose model has no such term.
    NoLoad,
    /// The rest: the whole loss less the no-load part (a Dcx's R_out·i²;
    /// all of a constant-efficiency converter's (1/η − 1)·p_out, which the
    /// model does not split further).
    Conduction,
}

/// Initial state of the transient run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Start {
    /// DC steady state of the circuit at t = 0.
    #[default]
    OperatingPoint,
    /// Every state starts at zero (cold start).
    Zero,
}

/// One `loads` entry: which loads follow which per-unit profile.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSpec {
    /// Load name or glob over hierarchical load names.
    pub target: String,
    pub profile: Profile,
    #[serde(default)]
    pub stagger: Option<Stagger>,
}

/// A per-unit demand profile, multiplied into each load's rated watts.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Profile {
    Step(Step),
    Pulse(Pulse),
    /// `(t, pu)` corners, strictly increasing in t; constant outside.
    Pwl(Vec<(f64, f64)>),
    Trace(Trace),
}

/// A step from `from` to `to`, ramped linearly over `rise` seconds starting
/// at `at` (`rise` = 0 is an ideal jump).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub from: f64,
    pub to: f64,
    pub at: f64,
    #[serde(default)]
    pub rise: f64,
}

/// A trapezoid train, the shape of synchronous training iterations.
///
/// Cycle k starts at `start + k·period`: a ramp low→high over `rise`, high
/// until `duty·period` into the cycle, then a ramp back over `fall`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pulse {
    pub low: f64,
    pub high: f64,
    pub period: f64,
    pub duty: f64,
    #[serde(default)]
    pub rise: f64,
    #[serde(default)]
    pub fall: f64,
    #[serde(default)]
    pub start: f64,
    /// Number of cycles; `None` repeats to the end of the run.
    #[serde(default)]
    pub cycles: Option<u64>,
    /// Cycle-to-cycle variation, drawn separately for every matched load;
    /// `None` repeats every cycle exactly.
    #[serde(default)]
    pub jitter: Option<Jitter>,
}

/// Random variation of a `Pulse`, cycle by cycle and load by load: cycle
/// k of a load lasts `period·(1 + period_fraction·u)`, reaches
/// `high·(1 + level_fraction·v)` and falls back to `low·(1 + level_fraction·w)`,
/// with u, v, w uniform in [-1, 1] and drawn from that load's own stream.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Jitter {
    /// Largest relative change of a cycle's period.
    #[serde(default)]
    pub period_fraction: f64,
    /// Largest relative change of a cycle's high and low levels.
    #[serde(default)]
    pub level_fraction: f64,
    /// Seed of the draws: the same seed gives the same profiles.
    pub seed: u64,
}

/// A measured per-unit trace in a CSV file with a header row.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    /// CSV path as written, relative to the scenario file.
    pub file: String,
    /// Header of the time column (seconds).
    pub time: String,
    /// Header of the per-unit value column.
    pub value: String,
    /// `(t, pu)` rows, filled when the scenario is loaded; shared because
    /// thousands of loads may follow the same trace.
    #[serde(skip)]
    pub samples: Arc<[(f64, f64)]>,
}

/// Desynchronises the loads matched by one entry, taken in name order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Stagger {
    /// The k-th load is delayed by `(k mod phases)·seconds`.
    Stagger(Phased),
    /// Each load is delayed by a reproducible draw uniform in `[0, seconds)`.
    Random(RandomDelay),
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Phased {
    pub seconds: f64,
    /// `None` keeps delaying every further load (no wrap-around).
    #[serde(default)]
    pub phases: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RandomDelay {
    pub seconds: f64,
    pub seed: u64,
}

/// A scheduled discrete event; every `at` is a solver breakpoint.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Event {
    Trip {
        at: f64,
        component: String,
    },
    Open {
        at: f64,
        component: String,
    },
    Close {
        at: f64,
        component: String,
    },
    /// A resistive fault from `node` to ground, cleared after `clear_after`
    /// seconds if given, otherwise permanent.
    Fault {
        at: f64,
        node: String,
        ohms: f64,
        #[serde(default)]
        clear_after: Option<f64>,
    },
    /// Changes a component's numeric field, e.g. a source's `volts`.
    Set {
        at: f64,
        component: String,
        field: String,
        value: f64,
    },
}

impl Event {
    pub fn at(&self) -> f64 {
        match self {
            Event::Trip { at, .. }
            | Event::Open { at, .. }
            | Event::Close { at, .. }
            | Event::Fault { at, .. }
            | Event::Set { at, .. } => *at,
        }
    }

    /// The component or node the event acts on.
    pub fn target(&self) -> &str {
        match self {
            Event::Trip { component, .. }
            | Event::Open { component, .. }
            | Event::Close { component, .. }
            | Event::Set { component, .. } => component,
            Event::Fault { node, .. } => node,
        }
    }

    /// The variant's name as written in the file, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Trip { .. } => "Trip",
            Event::Open { .. } => "Open",
            Event::Close { .. } => "Close",
            Event::Fault { .. } => "Fault",
            Event::Set { .. } => "Set",
        }
    }
}

/// A `sweep` block, which scenarios no longer take: sweeps live in their
/// own files (`busbar sweep`). Read whatever it holds so that validation
/// can refuse it with its location and point to the sweep file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetiredSweep;

impl<'de> Deserialize<'de> for RetiredSweep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| RetiredSweep)
    }
}

/// `Some` whenever the field is written, even as `None`: a retired field
/// is refused for being there.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<RetiredSweep>, D::Error> {
    RetiredSweep::deserialize(deserializer).map(Some)
}

/// Deserialises a map, rejecting a key that appears twice: with a plain map
/// the later value would silently win, hiding a copy-paste slip.
pub(crate) fn unique_keys<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct UniqueKeys<V>(PhantomData<V>);

    impl<'de, V: Deserialize<'de>> Visitor<'de> for UniqueKeys<V> {
        type Value = BTreeMap<String, V>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map from names to values, e.g. { \"c_bus\": 2e-3 }")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((key, value)) = map.next_entry::<String, V>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "duplicate key `{key}`: each name may appear only once"
                    )));
                }
                out.insert(key, value);
            }
            Ok(out)
        }
    }

    deserializer.deserialize_map(UniqueKeys(PhantomData))
}
