//! Limits: the pass/fail criteria of a scenario, one kind per file behind
//! one trait ([`LimitKind`]), and the registry ([`Limit`]) that a scenario
//! file's `limits` list deserialises into.
//!
//! Each kind's file owns its schema (the fields as written in the file),
//! its rules, the `record` entry it needs, its measurement and how it is
//! described. Adding a kind is its file plus one line in the registry
//! below. Every limit with a glob is judged on each column it matches, and
//! the verdict reports the worst one; a limit that matches nothing recorded
//! is an error, never a pass. Must not parse files or render output.

pub mod columnwise;
mod common;
pub mod doc;
mod loops;

use super::stability::Bound;
use super::transient::EventWindow;
use super::verdict::{Measure, Verdict};
use crate::results::{Quantity, Waveforms};
use crate::scenario::{LimitIssue, LimitTarget, ScenarioLimit};
use serde::{Deserialize, Serialize};

/// A scenario whose limits are this crate's limit kinds.
pub type Scenario = crate::scenario::Scenario<Limit>;
/// A prepared run of such a scenario.
pub type Prepared = crate::prepare::Prepared<Limit>;

/// One kind of limit: everything the crate needs to know about it.
pub trait LimitKind {
    /// Checks the limit's own numbers; `duration` is the run's, seconds.
    fn validate(&self, duration: f64) -> Result<(), LimitIssue>;
    /// The node or component name (glob) it applies to, checked against
    /// the circuit.
    fn target(&self) -> Option<LimitTarget<'_>>;
    /// The voltage a limit judged on its target's events reads, checked
    /// against the circuit too (see [`ScenarioLimit::voltage_node`]).
    fn voltage_node(&self) -> Option<LimitTarget<'_>> {
        None
    }
    /// For a limit judged on events: the field naming them and its glob,
    /// if given; checked against the events the targets can raise.
    fn event_names(&self) -> Option<(&'static str, Option<&str>)> {
        None
    }
    /// The `record` entry it is judged on, added to every run that
    /// judges it.
    fn record(&self) -> Option<String> {
        None
    }
    /// Whether it is judged on the small-signal analysis (operating
    /// points bound only when some limit needs them).
    fn small_signal(&self) -> bool {
        false
    }
    /// Measures it on a finished run, or says why it cannot.
    fn measure(&self, run: Run, small: &mut dyn SmallSignal) -> Result<Measure, String>;
    /// For a limit judged column by column, that view of it: [`evaluate`]
    /// then reads each column once for all such limits.
    fn columnwise(&self) -> Option<&dyn columnwise::Columnwise> {
        None
    }
    /// The limit as a reader would say it: `Deviation bus800 ≤ ±3 %`.
    fn name(&self) -> String;
    /// How it is drawn on the figures of the columns it applies to.
    fn band(&self) -> Option<Band> {
        None
    }
    /// The node pattern and window whose ripple it judges, so that the
    /// metrics measure ripple where the limit does.
    fn ripple_window(&self) -> Option<(&str, Option<(f64, f64)>)> {
        None
    }
}

/// The registry: one line per kind, `Variant: module`. The variant, its
/// struct and the name written in scenario files are the same word.
macro_rules! registry {
    ($($kind:ident: $module:ident),* $(,)?) => {
        $(mod $module; pub use $module::$kind;)*

        /// A pass/fail criterion for `check`, as written in a scenario's
        /// `limits` list, e.g. `MinVoltage(node: "bus800", volts: 760)`.
        #[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub enum Limit {
            $($kind($kind),)*
        }

        impl Limit {
            /// The kind's name as written in the file, for messages.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Limit::$kind(_) => stringify!($kind),)*
                }
            }

            /// The kind behind the limit.
            pub fn spec(&self) -> &dyn LimitKind {
                match self {
                    $(Limit::$kind(l) => l,)*
                }
            }
        }
    };
}

registry! {
    MinVoltage: min_voltage,
    Deviation: deviation,
    Settling: settling,
    Ripple: ripple,
    MinDamping: min_damping,
    PhaseMargin: phase_margin,
    GainMargin: gain_margin,
    ImpedanceRatio: impedance_ratio,
    MaxCurrent: max_current,
    RampRate: ramp_rate,
    MaxVoltage: max_voltage,
    MaxEnergy: max_energy,
    NoEvent: no_event,
    BandShare: band_share,
    DynamicRange: dynamic_range,
    RideThrough: ride_through,
}

impl ScenarioLimit for Limit {
    fn kind(&self) -> &'static str {
        Limit::kind(self)
    }

    fn validate(&self, duration: f64) -> Result<(), LimitIssue> {
        self.spec().validate(duration)
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        self.spec().target()
    }

    fn voltage_node(&self) -> Option<LimitTarget<'_>> {
        self.spec().voltage_node()
    }

    fn event_names(&self) -> Option<(&'static str, Option<&str>)> {
        self.spec().event_names()
    }
}

/// How a limit is drawn on a figure: a band over the recorded columns of
/// `quantity` that `pattern` matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Legend text, e.g. `MinVoltage 48.50 V (> 2.000 ms)`.
    pub label: String,
    pub pattern: String,
    pub quantity: Quantity,
    pub shape: BandShape,
}

/// Where a band lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BandShape {
    /// Fixed bounds over the whole run, SI units; excursions lasting no
    /// longer than `tolerated` seconds are allowed by the limit.
    Fixed {
        lower: Option<f64>,
        upper: Option<f64>,
        tolerated: f64,
    },
    /// ±`percent` of nominal (else of the value) around the value at the
    /// first disturbance, over the whole run.
    AroundFirst { percent: f64 },
    /// ±`percent` of nominal (else of the value) around the final value,
    /// from `after` seconds past the first disturbance to the end.
    AroundLast { percent: f64, after: f64 },
}

/// What the time-domain limits are judged on.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub waveforms: &'a Waveforms,
    /// Load events (see [`super::transient::event_windows`]).
    pub events: &'a [EventWindow],
}

/// The operating points the small-signal limits are judged at.
pub trait SmallSignal {
    /// Calls `visit` with each operating point (instant, bound circuit)
    /// in turn, stopping at the first error.
    fn visit(
        &mut self,
        visit: &mut dyn FnMut(f64, &Bound) -> Result<(), String>,
    ) -> Result<(), String>;
}

/// For runs without a small-signal analysis: every small-signal limit is
/// an error ("not evaluated"), never a silent pass.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSmallSignal;

impl SmallSignal for NoSmallSignal {
    fn visit(
        &mut self,
        _visit: &mut dyn FnMut(f64, &Bound) -> Result<(), String>,
    ) -> Result<(), String> {
        Err("not evaluated: no small-signal analysis for this run".into())
    }
}

/// Judges every limit, in order; `small` gives the operating points of the
/// small-signal ones. The columnwise limits are measured together first
/// (each column read once), the others one by one; the verdicts are those
/// of each limit's own `measure`.
pub fn evaluate(limits: &[Limit], run: Run, small: &mut dyn SmallSignal) -> Vec<Verdict> {
    let together = columnwise::measure_together(limits, run);
    limits
        .iter()
        .zip(together)
        .map(|(limit, measured)| {
            match measured.unwrap_or_else(|| limit.spec().measure(run, small)) {
                Ok(m) => Verdict::judged(limit, m),
                Err(why) => Verdict::error(limit, why),
            }
        })
        .collect()
}

/// Measures one limit without a small-signal analysis.
pub fn measure(limit: &Limit, run: Run) -> Result<Measure, String> {
    limit.spec().measure(run, &mut NoSmallSignal)
}

/// `record` entries that the limits need, each once, in order.
pub fn limit_probes(limits: &[Limit]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in limits.iter().filter_map(|l| l.spec().record()) {
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::verdict::limit_name;

    #[test]
    fn names_read_like_the_spec() {
        let l = Limit::MinVoltage(MinVoltage {
            node: "tray*.bus50".into(),
            volts: 48.5,
            longer_than: Some(2e-3),
        });
        assert_eq!(limit_name(&l), "MinVoltage tray*.bus50 ≥ 48.5 V for > 2 ms");
        let d = Limit::Deviation(Deviation {
            node: "bus800".into(),
            max_percent: 3.0,
        });
        assert_eq!(limit_name(&d), "Deviation bus800 ≤ ±3 %");
        let r = Limit::RampRate(RampRate {
            component: "grid".into(),
            max_watts_per_second: Some(2e6),
            max_up: None,
            max_down: None,
            window: None,
        });
        assert_eq!(limit_name(&r), "RampRate grid ≤ 2 MW/s");
    }
}
