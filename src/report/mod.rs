//! Writers of results: CSV waveforms, JSON summaries, terminal tables,
//! PNG/SVG plots and the self-contained HTML report, plus the atomic file
//! writing they all share, and `diff`, which reads summaries back to say
//! what changed between two runs.
//!
//! Plots: waveform figures with the scenario's limit bands and zooms
//! (`plot`, `overlay`, `bands`), and figures of analysis results built from
//! plain data structs that the analysis fills: Bode (`bode`), impedance
//! (`impedance`), pole map (`polemap`), ripple spectrum (`spectrum`),
//! sweep and boundary (`sweep_plot`). The HTML report (`html`,
//! `html_sections`) inlines them as SVG.
//!
//! Every function here is a pure rendering into bytes or text, except
//! `write_atomic` and `write_figures`, which are the only places that touch
//! the file system. Output is deterministic: the same inputs give
//! byte-identical files, so results can be committed and diffed.
//!
//! Owns presentation of results. Must not run simulations, compute
//! analysis metrics or decide pass/fail verdicts.

mod atomic;
mod bands;
mod bode;
mod canvas;
mod csv;
pub mod diff;
mod draw;
mod groups;
mod html;
mod html_sections;
mod impedance;
mod overlay;
mod plot;
mod png;
mod polemap;
mod scale;
mod series;
mod spectrum;
mod stats;
mod summary;
mod sweep_plot;
mod table;

pub use atomic::write_atomic;
pub use bode::{bode_figure, BodeAnnotations, BodeData};
pub use csv::waveforms_csv;
pub use html::{escape, render_html, Cell, HtmlReport, InputFile, Section, Status, Table};
pub use html_sections::{
    circuit_section, limit_text, scenario_section, time_domain_section, unevaluated_verdicts,
    verdict_headers, VERDICT_TABLE_ID,
};
pub use impedance::{impedance_figure, ImpedanceData, MagnitudeCurve};
pub use overlay::{disturbances, limit_bands, zoom_windows, Disturbance, LimitBand};
pub use plot::{
    study_figures, try_study_figures, try_waveform_figures, waveform_figures, write_figures,
    Figure, PlotError,
};
pub use polemap::{pole_map_figure, ModePoint, PoleMapData};
pub use spectrum::{spectrum_figure, SpectrumData};
pub use summary::{summary_json, ColumnSummary, Summary};
pub use sweep_plot::{sweep_figure, SweepBoundary, SweepData, SweepSeries};
pub use table::{metrics_table, summary_table, verdict_lines};
