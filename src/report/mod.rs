//! Writers of results: CSV waveforms, JSON summaries, terminal tables and
//! PNG/SVG plots, plus the atomic file writing they all share.
//!
//! Every function here is a pure rendering of `results::Waveforms` into
//! bytes or text, except `write_atomic` and `write_figures`, which are the
//! only places that touch the file system. Output is deterministic: the
//! same waveforms give byte-identical files, so results can be committed
//! and diffed.
//!
//! Owns presentation of results. Must not run simulations, compute
//! analysis metrics or decide pass/fail verdicts.

mod atomic;
mod csv;
mod draw;
mod groups;
mod plot;
mod png;
mod scale;
mod series;
mod stats;
mod summary;
mod table;
pub mod units;

pub use atomic::write_atomic;
pub use csv::waveforms_csv;
pub use plot::{try_waveform_figures, waveform_figures, write_figures, Figure, PlotError};
pub use summary::{summary_json, ColumnSummary, Summary};
pub use table::summary_table;
pub use units::{eng, eng_time};
