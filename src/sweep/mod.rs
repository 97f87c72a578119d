//! Design-space exploration: sweeps over grids, corners and Monte Carlo
//! draws, their outputs and figures, and the sizing of one parameter.
//!
//! - `spec`: the sweep file (`Sweep(...)`, RON) and its rules;
//! - `points`: the values of every point, deterministic per index;
//! - `study`: the sweep in memory and the evaluation of one point;
//! - `run`: points over a thread pool, shards, and merging shards;
//! - `output`: `points.csv`, `sweep.json` and the yield;
//! - `figures`: metric, stability-map and histogram figures;
//! - `worst`: the worst point as a scenario file;
//! - `size`: bracketing and bisection for the smallest or largest passing
//!   value of one parameter.
//!
//! Sits above `study` and uses only its public methods. Must not compute
//! circuit numbers itself nor parse the circuit or scenario formats.

pub mod doc;
mod figures;
mod output;
mod points;
mod run;
mod size;
pub mod spec;
mod study;
mod worst;

pub use output::{read_points_csv, wilson_interval, Yield};
pub use points::Points;
pub use run::{merge, run, Progress, RunOptions, Shard};
pub use size::{size, SizeOptions, Sized};
pub use spec::SweepSpec;
pub use study::{Column, PointSeconds, PointVerdict, Row, Sweep};
pub use worst::worst_scenario;

use crate::scenario::ScenarioError;
use crate::study::StudyError;
use std::path::PathBuf;

/// Anything that stops a sweep or a sizing.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    File(#[from] ScenarioError),
    #[error(transparent)]
    Study(#[from] StudyError),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("swept parameter `{name}`: {message}")]
    UnknownParameter { name: String, message: String },
    #[error("collected metric `{label}` does not exist in scenario `{scenario}`; metrics of its nominal run: {known}")]
    UnknownMetric {
        label: String,
        scenario: String,
        known: String,
    },
    #[error("the nominal point (every parameter at its circuit value) cannot be evaluated: {0}")]
    Nominal(#[source] StudyError),
    #[error("{0}")]
    Merge(String),
    #[error("{0}")]
    Size(String),
}
