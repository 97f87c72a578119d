//! busbar: stability and transient simulation of 800 VDC / 48 VDC power
//! systems for AI data centres.
//!
//! Data flows through the modules in this order:
//! `netlist` (circuit files → `FlatCircuit`) → `compile` (→ `Model`, a
//! semi-explicit index-1 DAE M·y' = F(y, t) with a sparse analytic
//! Jacobian) → `engine` (operating point and transient integration →
//! `Waveforms`) → `analysis` (metrics) → `report` (CSV, JSON, tables, plots).
//! `scenario` describes what to simulate: load profiles, events, recording.
//! `components` holds one file per component: its schema and its equations.
//!
//! The modules are layered; each may use only its own layer and those
//! below it (`tests/module_graph.rs` enforces this):
//! 0. `error`, `budget`, `glob`, `hash`, `results` and `device`: the contract a component
//!    implements (`Primitive`, `Device`, `Builder`, `Num`, its validation
//!    error), so the code that implements it never reaches upwards;
//! 1. `netlist` (generic over the component library) and `scenario`;
//! 2. `components`, whose `ComponentSpec` is the registry of primitives;
//! 3. `compile`; 4. `engine`; 5. `analysis`, `export`;
//! 6. `report`, `study`; 7. `sweep` (many points of a study); the command
//!    line (`src/cli`) sits on top.
#![deny(unsafe_code)]
// Input errors carry the file text and location so the CLI can underline
// the offending span; they are built once, on the cold path.
#![allow(clippy::result_large_err)]

pub mod analysis;
pub mod budget;
pub mod compile;
pub mod components;
pub mod device;
pub mod engine;
pub mod error;
pub mod export;
pub mod field_doc;
pub mod glob;
pub(crate) mod halves;
pub mod hash;
pub mod netlist;
pub mod prepare;
pub mod reference;
pub mod report;
pub mod results;
mod ron_tokens;
pub mod scenario;
pub mod study;
pub mod sweep;
pub mod units;
