//! Writers of results: CSV waveforms, JSON summaries, terminal tables,
//! PNG/SVG plots and the self-contained HTML report, plus the atomic file
//! writing they all share, and `diff`, which reads summaries back to say
//! what changed between two runs.
//!
//! Plots: waveform figures with the scenario's limit bands and zooms
//! (`plot`, `overlay`, `bands`, `zoom`), and figures of analysis results built from
//! plain data structs that the analysis fills: Bode (`bode`), impedance
//! (`impedance`), pole map (`polemap`), ripple spectrum (`spectrum`),
//! sweep and boundary (`sweep_plot`), energy per storage element
//! (`storage_plot`); buses of different nominals also get a per-unit
//! figure (`per_unit`); `figures` turns a stability analysis
//! into the set of them that every command draws. The design-review
//! document (`review`, `review_summary`, `review_tables`, `html`,
//! `html_sections`, `stamp`) inlines them as SVG; `check` lays out the outcome of `busbar check`.
//!
//! Every function here is a pure rendering into bytes or text, except
//! `write_atomic`, `write_figures` and `StagedFolder` (an output folder
//! written as one set), which are the only places that write to the file
//! system, and `clobber`, which only looks at it. Output is deterministic: the same inputs give
//! byte-identical files, so results can be committed and diffed.
//!
//! Owns presentation of results. Must not run simulations, compute
//! analysis metrics or decide pass/fail verdicts.

mod accuracy;
mod atomic;
mod bands;
mod bode;
mod canvas;
mod check;
mod clobber;
mod csv;
pub mod diff;
pub mod diff_render;
mod draw;
mod explore_plot;
mod figures;
mod folder;
mod groups;
mod html;
mod html_sections;
mod impedance;
mod loss_plot;
mod loss_table;
mod overlay;
mod per_unit;
mod plot;
mod png;
mod polemap;
mod review;
mod review_summary;
mod review_tables;
mod ripple_table;
mod row_groups;
mod scale;
mod series;
mod smooth;
mod spectrum;
mod stability_text;
mod stamp;
mod stats;
mod storage_plot;
mod subsystem_table;
mod summary;
mod sweep_plot;
mod table;
mod zoom;

pub use accuracy::accuracy_table;
pub use atomic::{write_atomic, write_atomic_with};
pub use bode::{bode_figure, BodeAnnotations, BodeData};
pub use check::{check_json, check_junit, Outcome, Tally};
pub use clobber::{Clobber, InputFiles};
pub use csv::{waveforms_csv, write_waveforms_csv};
pub use explore_plot::{
    contour, histogram_figure, map_figure, scatter_figure, AxisLabel, HistogramData, MapData,
    ScatterData,
};
pub use figures::{stability_figures, StabilityFigures};
pub use folder::StagedFolder;
pub use html::{escape, render_html, Cell, HtmlReport, InputFile, Section, Status, Table};
pub use html_sections::{circuit_section, scenario_section, time_domain_section, VERDICT_TABLE_ID};
pub use impedance::{impedance_figure, ImpedanceData, MagnitudeCurve};
pub use loss_plot::{loss_figure, loss_section};
pub use loss_table::loss_tables;
pub use overlay::{disturbances, limit_bands, worst_points, Disturbance, LimitBand, WorstPoint};
pub use plot::{
    stage_figures, try_study_figures, try_waveform_figures, waveform_figures, write_figures,
    Figure, PlotError, PlotRanges, StudyFigures,
};
pub use polemap::{pole_map_figure, ModePoint, PoleMapData};
pub use review::{review_document, review_figures, Review};
pub use row_groups::group_table;
pub use spectrum::{spectrum_figure, SpectrumData};
pub use storage_plot::storage_energy_figure;
pub use summary::{summary_json, ColumnSummary, Inputs, Summary};
pub use sweep_plot::{sweep_figure, SweepBoundary, SweepData, SweepSeries};
pub use table::{metrics_table, summary_table, verdict_lines};
pub use zoom::{zoom_plan, ZoomPlan, ZoomWindow, MAX_ZOOMS};
