//! Analyses on a compiled model or on its results: time-domain metrics
//! and limit verdicts (the modules below), small-signal stability and
//! frequency response (`stability`).
//!
//! Time domain, in the order data flows:
//! - `signal`: sampled-signal primitives (interpolation, windows,
//!   integrals, uniform resampling);
//! - `transient`: load events and each node's response to them;
//! - `ripple`, `spectrum`: ripple in a window and FFT lines, band shares;
//! - `storage`: per storage layer, energy, peak power, the share of the
//!   load's fluctuation it absorbed and the recharge debt;
//! - `losses`: the energy account of a `losses` block: energy in, out,
//!   from storage and lost per stage, efficiency and the residual;
//! - `metrics`: everything measured on a run, for `summary.json`;
//! - `sustain`, `limits`, `verdict`: limits judged on the waveforms, one
//!   kind per file under `limits`; `small_signal` binds the operating
//!   points the damping, loop and interface limits are judged at;
//! - `run`: the glue with a prepared scenario; `partial`: the verdicts
//!   of a run that stopped early;
//! - `golden`, `junit`, `limit_set`: what `busbar check` reads and
//!   writes;
//! - `accuracy`: a run against its rerun at tighter tolerances
//!   (`--verify`).
//!
//! Owns post-processing only: must not integrate in time (`engine`) or
//! render output (`report`).

pub mod accuracy;
pub mod finite;
pub mod golden;
pub mod junit;
pub mod limit_set;
pub mod limits;
pub mod losses;
pub mod metrics;
pub mod partial;
pub mod pcc;
pub mod ripple;
pub mod run;
pub mod signal;
pub mod small_signal;
pub mod spectrum;
pub mod stability;
pub mod storage;
pub mod sustain;
pub mod transient;
pub mod verdict;

pub use limits::{evaluate, Limit, LimitKind, NoSmallSignal, Prepared, Scenario, SmallSignal};
pub use metrics::{analyse, AnalysisOptions, Metrics};
pub use run::{analyse_run, Analysis};
pub use verdict::{Measure, Status, Verdict};
