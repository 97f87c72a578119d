//! Time integration of a compiled model through events, and the DC
//! operating point.
//!
//! `run::simulate` is the executor: it owns the time loop, breakpoints,
//! state events and output sampling. The numerics sit behind it:
//! `rodas` (the stiff Rosenbrock method), `newton` (operating point and
//! re-initialisation) and `linear` (sparse LU). Must not parse files or write output.

mod culprit;
pub mod diagnose;
pub mod inputs;
pub mod linear;
pub mod newton;
mod record;
pub mod rodas;
pub mod run;
mod runaway;
mod steplog;

pub use culprit::Culprit;
pub use inputs::{InputBank, InputTable};
pub use run::{simulate, simulate_keeping_partial, Observer, Stopped, MIN_STEP_FRACTION};

use crate::device::{Action, DeviceError};
use crate::results::{Failure, Quantity};

/// How the run starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    /// The DC steady state with the inputs at t = 0.
    #[default]
    OperatingPoint,
    /// Every state at zero (algebraic unknowns made consistent).
    Zero,
}

/// A discrete action at a fixed time on one device.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledAction {
    pub time: f64,
    pub device: usize,
    pub action: Action,
}

/// What a probe reads.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeSource {
    /// Voltage of an unknown (a node).
    Unknown(usize),
    /// Signal `index` of device `device`.
    Signal { device: usize, index: usize },
    /// A weighted sum of several devices' signals, `(device, index,
    /// weight)` each: one column for a whole stage of a loss breakdown,
    /// however many components it has (a weight of −1 takes a part out,
    /// e.g. a no-load loss from a total).
    Sum(Vec<(usize, usize, f64)>),
}

impl ProbeSource {
    /// Whether reading it needs the devices' signals (y and y' in full).
    pub fn needs_signals(&self) -> bool {
        !matches!(self, ProbeSource::Unknown(_))
    }

    /// Its value from the devices' signals; `None` for a node voltage.
    pub(crate) fn signal_value(
        &self,
        model: &crate::compile::Model,
        ctx: &crate::device::Ctx,
        y: &[f64],
        ydot: &[f64],
    ) -> Option<f64> {
        match self {
            ProbeSource::Unknown(_) => None,
            ProbeSource::Signal { device, index } => {
                Some(model.devices[*device].signal(*index, ctx, y, ydot))
            }
            ProbeSource::Sum(parts) => Some(
                parts
                    .iter()
                    .map(|&(d, k, w)| w * model.devices[d].signal(k, ctx, y, ydot))
                    .sum(),
            ),
        }
    }
}

/// One recorded quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub name: String,
    pub target: String,
    pub quantity: Quantity,
    pub nominal: Option<f64>,
    pub source: ProbeSource,
}

/// Everything the engine needs besides the model.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub duration: f64,
    pub sample: f64,
    pub start: Start,
    pub rtol: f64,
    pub atol: f64,
    /// Upper bound on the step; None = the duration.
    pub max_step: Option<f64>,
    pub inputs: InputTable,
    pub actions: Vec<ScheduledAction>,
    pub probes: Vec<Probe>,
    /// Keep node voltages as the solver's dense output, rebuilt into
    /// samples when read (`results::Samples`), instead of sampling them
    /// into memory as the run goes. The values are the same bits either
    /// way; deferred, a hall's thousands of judged bus voltages take about
    /// a quarter of the memory, and are rebuilt inside the limits' parallel
    /// tasks instead of on the integrator's thread.
    pub defer_node_columns: bool,
}

/// Why a run failed, with where and when.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no DC operating point: {message}")]
    NoEquilibrium { message: String, help: String },
    #[error("at t = {time:.6e} s the step size fell below {step:.1e} s; {culprit} changes too fast (possible collapse or instability)")]
    StepTooSmall {
        time: f64,
        step: f64,
        culprit: Culprit,
    },
    #[error("at t = {time:.6e} s the linear solve failed ({source}); the circuit may be singular near {culprit}")]
    Linear {
        time: f64,
        culprit: Culprit,
        #[source]
        source: linear::LinearError,
    },
    #[error("at t = {time:.6e} s the algebraic equations could not be re-solved after an event; worst equation: {culprit}")]
    Reinitialisation { time: f64, culprit: Culprit },
    #[error("at t = {time:.6e} s, event on `{component}`: {source}")]
    Action {
        time: f64,
        component: String,
        #[source]
        source: DeviceError,
    },
    #[error("at t = {time:.6e} s {culprit} reached {volts:.3e} V, beyond any voltage a circuit can hold: the solution runs away, so the circuit is unstable as written (for instance a constant-power load that no capacitor or source holds up); `busbar stability` shows its modes")]
    Runaway {
        time: f64,
        volts: f64,
        culprit: Culprit,
    },
    #[error(
        "more than {limit} steps before t = {time:.6e} s; loosen rtol/atol or shorten the run"
    )]
    TooManySteps { time: f64, limit: u64 },
    #[error("invalid run settings: {0}")]
    Settings(String),
}

impl EngineError {
    /// The failure as results record it: when, why, and the unknown,
    /// component and node concerned where the engine knows them.
    pub fn failure(&self) -> Failure {
        let (time, culprit) = match self {
            EngineError::StepTooSmall { time, culprit, .. }
            | EngineError::Linear { time, culprit, .. }
            | EngineError::Reinitialisation { time, culprit }
            | EngineError::Runaway { time, culprit, .. } => (*time, Some(culprit)),
            EngineError::Action { time, .. } | EngineError::TooManySteps { time, .. } => {
                (*time, None)
            }
            EngineError::NoEquilibrium { .. } | EngineError::Settings(_) => (0.0, None),
        };
        let component = match self {
            EngineError::Action { component, .. } => Some(component.clone()),
            _ => culprit.and_then(|c| c.component.clone()),
        };
        Failure {
            time,
            message: self.to_string(),
            unknown: culprit.map(|c| c.unknown.clone()),
            component,
            node: culprit.and_then(|c| c.node.clone()),
        }
    }
}
