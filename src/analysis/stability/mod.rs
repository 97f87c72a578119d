//! Small-signal stability of the whole averaged network.
//!
//! From a DC operating point (`setup`) the model is linearised: the full
//! DAE pencil (s·M − J) for frequency responses (`pencil`, `frequency`,
//! `loops`) and the reduced state-space model A, B, C, D with the algebraic
//! unknowns eliminated (`state_space`). On A: modes, damping and
//! participation factors (`modes`). Re-binding the circuit with perturbed
//! overrides gives eigenvalue sensitivities and stability boundaries
//! (`sweep`). `report` gathers everything into one serialisable result;
//! its terminal text is rendered by the crate's `report` module.
//!
//! Owns the linear analysis only. Must not change component equations,
//! the compiler or the time-domain engine; the model is read, never
//! modified, except for scenario actions applied before the operating
//! point (`--at`).

mod clusters;
mod dense_eigen;
mod eigen_failure;
#[cfg(test)]
mod eigen_match;
mod extremum;
mod frequency;
mod inverse_diagonal;
mod jzz_singular;
mod light_damping;
mod loops;
mod modes;
mod nyquist;
mod partial;
mod pencil;
mod report;
mod selection;
mod setup;
mod shares;
mod spectrum;
mod state_space;
mod sweep;
mod symmetry;
mod triangular;
mod unit_pencil;

pub use frequency::{
    bus_impedance, default_frequencies, impedance_at, minor_loop_gain, power_inputs, BusImpedance,
    InterfaceSweep, MinorLoop, Sweep,
};
pub use light_damping::{light_damping, light_damping_warning, MAX_STATES, WARN_DAMPING};
pub use loops::{
    closed_loop_unstable, crossings, loop_gain, loop_gain_known, loop_gains, margins, Crossings,
    LoopBreak, LoopGain, Margins,
};
pub use modes::{eigenvalues, modes, Mode, Modes, Share};
pub use nyquist::{nyquist, Nyquist};
pub use partial::partial_modes;
pub use pencil::{Pencil, SparseMatrix};
pub use report::{stability_report, BusPoint, ReportOptions, StabilityReport, Timings};
pub use setup::{
    bind_prepared, merged_overrides, operating_point, Bound, CircuitSource, OperatingPoint, Setup,
};
pub use state_space::{state_matrix, state_owners, state_space, StateSpace};
pub use sweep::{
    boundary_search, least_damping_sweep, sensitivity, Boundary, ModeSensitivity, Sensitivity,
};

use crate::compile::CompileError;
use crate::netlist::NetlistError;
use crate::prepare::PrepareError;

/// Largest reduced model (differential states) given to the dense
/// eigen-solver; above it `partial_modes` finds the least-damped modes.
/// Measured on two cores at a load average of 5.8: 1 946 states (27 hall
/// rows, of which 1 676 form one coupled block) in 13.9 s wall, 8.4 s
/// user, 187 MB when the block is decomposed whole. Its rows are identical,
/// so `symmetry` reduces it to blocks of 62 and 64 states: 1.4 s for the
/// whole report, 0.17 s of it for the modes, 72 MB.
pub const DENSE_LIMIT: usize = 2000;

/// Why a stability analysis could not be done.
#[derive(Debug, thiserror::Error)]
pub enum StabilityError {
    #[error(transparent)]
    Netlist(#[from] NetlistError),
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// No DC operating point (Newton and continuation failed, or a load
    /// below its regulation floor).
    #[error("no DC operating point: {message}")]
    NoEquilibrium { message: String, help: String },
    /// The algebraic block J_zz or a frequency-domain pencil is singular.
    #[error("{0}")]
    Singular(String),
    /// More differential states than the dense eigen-solver accepts.
    #[error(
        "{states} differential states exceed the dense eigen-solver limit of {limit}; \
             reduce the circuit (fewer sections, merged racks) or analyse a part of it"
    )]
    TooLarge { states: usize, limit: usize },
    /// The eigen-solver did not converge; the text names the states,
    /// their components and the likely cause.
    #[error("the eigenvalue decomposition did not converge {0}")]
    Eigen(String),
    /// An entry of the linearised model, or a frequency it implies, is not
    /// a finite number: a component value far outside its physical range.
    #[error("{0}; check the values of the components named (far outside any physical range?)")]
    NonFinite(String),
    /// A bad request: unknown node, component or parameter, empty range.
    #[error("{0}")]
    Invalid(String),
}
