//! `busbar export CIRCUIT --spice F`: an ngspice deck of the same averaged
//! model that `compile` builds, so that the two simulators can be compared
//! waveform for waveform.
//!
//! Owns the translation of every component, load profile and scheduled
//! event into SPICE elements, the mapping of hierarchical node names to
//! SPICE names, and the analysis/control cards. Must not compile or run
//! the model, nor touch files: it returns the deck as text.
//!
//! Every element mirrors the equations in `components/*.rs` exactly (same
//! section splitting, same values computed by the same arithmetic); what
//! cannot be mirrored exactly (state events such as UVLO, trips) is an
//! error rather than an approximation.
//!
//! Layout: this file holds the options and `spice_deck`, which walks the
//! components; `deck` the deck's lines, building blocks and closing cards;
//! one module per component kind (`passive`, `switch`, `sources`, `dcx`,
//! `load`); `events` the PWL timing of events and load profiles; `names`
//! the SPICE names and number format; `record` the recorded columns.

mod dcx;
mod deck;
mod events;
mod load;
mod names;
mod passive;
mod record;
mod sources;
mod switch;
#[cfg(test)]
mod tests;

use super::ExportError;
use crate::analysis::Scenario;
use crate::components::{ComponentSpec, FlatCircuit};
use crate::netlist::{Library, NetlistError};
use deck::Deck;
use events::{load_profiles, EventPlan};
use names::num;
use record::recorded_nodes;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

pub(super) const FORMAT: &str = "SPICE";

/// Below this input voltage a Dcx's no-load loss becomes a conductance
/// (mirrors `components/dcx.rs`).
pub(super) const NO_LOAD_MIN_VOLTS: f64 = 1.0;

/// Width of a PWL jump as a fraction of TMAX: 20 times ngspice's minimum
/// breakpoint spacing, and short enough that what the ramp moves meanwhile
/// is far below any tolerance.
pub(super) const JUMP_FRACTION: f64 = 1e-3;

/// ngspice's integration method (`.options method=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpiceMethod {
    /// Gear (BDF) up to order 2: stiff-stable, no trapezoidal ringing.
    #[default]
    Gear,
    /// Trapezoidal rule, ngspice's own default.
    Trap,
}

impl SpiceMethod {
    /// The keyword ngspice expects.
    pub fn keyword(self) -> &'static str {
        match self {
            SpiceMethod::Gear => "gear",
            SpiceMethod::Trap => "trap",
        }
    }
}

impl fmt::Display for SpiceMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl FromStr for SpiceMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "gear" => Ok(SpiceMethod::Gear),
            "trap" | "trapezoidal" => Ok(SpiceMethod::Trap),
            other => Err(format!(
                "unknown ngspice method `{other}`: expected `gear` or `trap`"
            )),
        }
    }
}

/// How the deck writes a Dcx's input side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpiceStyle {
    /// One behavioural current source per Dcx, i/N + P_nl/v_in: the
    /// component's input law in a single expression.
    #[default]
    Behavioural,
    /// The deck a SPICE user writes by hand: the ideal transformer as a
    /// linear current-controlled current source (F, gain 1/N) beside the
    /// output's E source, and a behavioural source only for the constant
    /// power of the no-load loss. The same equations; ngspice solves the
    /// linear part without re-evaluating an expression.
    Linear,
}

impl FromStr for SpiceStyle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "behavioural" | "behavioral" => Ok(SpiceStyle::Behavioural),
            "linear" => Ok(SpiceStyle::Linear),
            other => Err(format!(
                "unknown deck style `{other}`: expected `behavioural` or `linear`"
            )),
        }
    }
}

/// Solver settings written into the deck, and where its `wrdata` goes.
#[derive(Debug, Clone, PartialEq)]
pub struct SpiceOptions {
    pub reltol: f64,
    /// Absolute current tolerance, amperes.
    pub abstol: f64,
    /// Absolute voltage tolerance, volts.
    pub vntol: f64,
    pub method: SpiceMethod,
    /// `.tran` TMAX; `None` lets ngspice choose.
    pub maxstep: Option<f64>,
    /// File the control block writes the recorded nodes to (`wrdata`),
    /// relative to ngspice's working directory unless absolute.
    pub output: PathBuf,
    pub style: SpiceStyle,
}

impl Default for SpiceOptions {
    /// Tight tolerances: the deck exists to serve as a reference.
    fn default() -> Self {
        SpiceOptions {
            reltol: 1e-7,
            abstol: 1e-9,
            vntol: 1e-7,
            method: SpiceMethod::Gear,
            maxstep: None,
            output: PathBuf::from("busbar-spice.dat"),
            style: SpiceStyle::Behavioural,
        }
    }
}

impl SpiceOptions {
    /// The settings for reference runs: relative tolerance `reltol`, tight
    /// absolute tolerances, Gear, and with a scenario a step cap of a
    /// quarter of its output grid spacing. The cap matters: on smooth
    /// averaged models ngspice's step is set by TMAX rather than by its
    /// truncation-error control, so tolerances alone do not buy accuracy.
    pub fn tight(reltol: f64, output: impl Into<PathBuf>, scenario: Option<&Scenario>) -> Self {
        SpiceOptions {
            reltol,
            maxstep: scenario.map(|s| s.sample / 4.0),
            output: output.into(),
            ..SpiceOptions::default()
        }
    }
}

/// Writes an ngspice deck of `circuit` driven by `scenario` (load profiles,
/// switch and source events, faults, start, duration, sampling and
/// recording). Without a scenario the deck computes the operating point
/// with every load at 1 pu.
///
/// The deck's header maps every ngspice node back to its busbar name and
/// lists the recorded columns, one `* record <vector> <busbar column>
/// <nominal volts or ->` line each, in the order `wrdata` writes them after
/// the time column.
pub fn spice_deck(
    circuit: &FlatCircuit,
    scenario: Option<&Scenario>,
    options: &SpiceOptions,
) -> Result<String, ExportError> {
    let output = options
        .output
        .to_str()
        .filter(|s| {
            !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        })
        .ok_or_else(|| ExportError::OutputPath(options.output.display().to_string()))?;
    for c in &circuit.components {
        c.primitive().validate().map_err(NetlistError::from)?;
    }

    let mut deck = Deck::new(scenario, options);
    // Every busbar node first, so that their natural names win over the
    // private nodes invented below.
    for c in &circuit.components {
        for n in c.primitive().nodes() {
            deck.names.node(n);
        }
        if let ComponentSpec::Cable(cable) = c {
            for k in 1..cable.sections.value() as usize {
                deck.names.node(&format!("{}.n{k}", cable.name));
            }
        }
    }
    let events = EventPlan::new(circuit, scenario, &deck.names)?;
    let profiles = load_profiles(circuit, scenario)?;

    let mut load_index = 0usize;
    for c in &circuit.components {
        match c {
            ComponentSpec::Resistor(r) => {
                let (a, b) = (deck.names.node(&r.a), deck.names.node(&r.b));
                let name = deck.names.element('R', &r.name);
                deck.line(format!("{name} {a} {b} {}", num(r.ohms.value())));
            }
            ComponentSpec::Inductor(l) => deck.inductor(l),
            ComponentSpec::Capacitor(cap) => deck.capacitor(cap),
            ComponentSpec::Cable(cable) => deck.cable(cable),
            ComponentSpec::Switch(s) => deck.switch(s, events.switches.get(&s.name)),
            ComponentSpec::VoltageSource(v) => deck.voltage_source(v, events.sets.get(&v.name)),
            ComponentSpec::CurrentSource(i) => deck.current_source(i, events.sets.get(&i.name)),
            ComponentSpec::Dcx(d) => deck.dcx(d),
            ComponentSpec::Load(l) => {
                deck.load(l, &profiles[load_index])?;
                load_index += 1;
            }
            ComponentSpec::Converter(_)
            | ComponentSpec::Rectifier(_)
            | ComponentSpec::Battery(_)
            | ComponentSpec::Bbu(_)
            | ComponentSpec::CapBank(_)
            | ComponentSpec::ActiveFrontEnd(_)
            | ComponentSpec::Ess(_) => {
                return Err(ExportError::Unsupported {
                    name: c.name().to_string(),
                    feature: format!("a `{}` (limits and modes are state events)", c.kind()),
                    format: FORMAT,
                })
            }
        }
    }
    for fault in &events.faults {
        deck.fault(fault);
    }
    let record = recorded_nodes(circuit, scenario, &deck.names)?;
    Ok(deck.finish(circuit, scenario, options, output, &record))
}
