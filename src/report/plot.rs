//! Waveform figures as PNG and SVG: the public entry points of plotting,
//! the embedded font, rendering to memory and writing figure files.
//!
//! Text is rendered with DejaVu Sans compiled into the binary and registered
//! with plotters' ab_glyph backend, so plots need no system fonts and the
//! same waveforms always give the same bytes on every machine.
//!
//! Owns backend set-up, font registration and figure file names. Must not
//! decide grouping (`groups`), data scaling (`series`) or layout (`draw`).

use super::draw::{draw_figure, HEIGHT, WIDTH};
use super::folder::StagedFolder;
use super::groups::{plan_figures, unique_stem, FigurePlan};
use super::overlay::{limit_bands, load_markers, worst_points};
use super::png::encode_rgb;
use super::series::{figure_data_in, FigureData, View};
use super::smooth::{average_down, large_buffer, Supersampled};
use super::zoom::{zoom_plan, ZoomPlan};
use crate::analysis::{Scenario, Verdict};
use crate::results::Waveforms;
use crate::units::eng_time;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_REGISTERED: OnceLock<bool> = OnceLock::new();

/// One rendered figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem, safe on common file systems and unique within one run,
    /// e.g. `bus800` or `tray_bus50`.
    pub name: String,
    /// Human-readable title, e.g. `Voltage: tray#.bus50 (18 signals)`.
    pub title: String,
    pub png: Vec<u8>,
    pub svg: String,
}

/// Why a figure could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("the embedded plot font could not be loaded")]
    Font,
    #[error("cannot draw figure `{figure}`: {message}")]
    Draw { figure: String, message: String },
}

/// Registers the embedded font as "sans-serif" once per process; plotters'
/// default text style uses that family.
pub(crate) fn ensure_font() -> Result<(), PlotError> {
    let ok = *FONT_REGISTERED
        .get_or_init(|| register_font("sans-serif", FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(PlotError::Font)
    }
}

/// Renders one figure per bus group (voltages whose names differ only in
/// digits share a figure), plus one for currents and one for powers when
/// recorded. 1200×700 px; the same waveforms give byte-identical output.
/// No recorded columns give no figures.
///
/// Rendering happens in memory with a font compiled into the binary, so it
/// cannot fail on user data; a figure that fails anyway (a defect, caught
/// by the tests) is left out. Use [`try_waveform_figures`] to see the error.
pub fn waveform_figures(w: &Waveforms) -> Vec<Figure> {
    if ensure_font().is_err() {
        return Vec::new();
    }
    plan_figures(&w.columns)
        .iter()
        .filter_map(|plan| render_plan(w, plan, &View::default(), None).ok())
        .map(|(figure, _)| figure)
        .collect()
}

/// Like [`waveform_figures`], but reports the first figure that could not
/// be rendered instead of leaving it out.
pub fn try_waveform_figures(w: &Waveforms) -> Result<Vec<Figure>, PlotError> {
    ensure_font()?;
    plan_figures(&w.columns)
        .iter()
        .map(|plan| render_plan(w, plan, &View::default(), None).map(|(figure, _)| figure))
        .collect()
}

/// The waveform figures of a study and what they show.
#[derive(Debug, Clone)]
pub struct StudyFigures {
    pub figures: Vec<Figure>,
    /// What each figure plots, in the order of `figures`.
    pub ranges: Vec<PlotRanges>,
    /// The zoom windows drawn and those left out.
    pub zooms: ZoomPlan,
    /// For the reader: the windows that were not zoomed, and why.
    pub notes: Vec<String>,
}

/// The axis ranges of a waveform figure in SI units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotRanges {
    /// Seconds.
    pub time: (f64, f64),
    /// Units of the figure's quantity (V, A, W).
    pub value: (f64, f64),
}

/// The waveform figures of a study: those of [`waveform_figures`] with the
/// scenario's limit bands (samples outside a band highlighted), markers at
/// the load changes and the worst point of each limit in `verdicts`, then
/// the same figures zoomed into each window of [`zoom_plan`] (the
/// `requested` windows last), named `<name>_zoom<k>`. The first figure
/// that cannot be rendered is the error.
pub fn try_study_figures(
    w: &Waveforms,
    scenario: &Scenario,
    verdicts: &[Verdict],
    requested: &[(f64, f64)],
) -> Result<StudyFigures, PlotError> {
    ensure_font()?;
    let limits = limit_bands(scenario, w);
    let markers = load_markers(scenario);
    let worst = worst_points(w, verdicts);
    let plans = plan_figures(&w.columns);
    let full = View {
        window: None,
        markers: &markers,
        limits: &limits,
        worst: &worst,
    };
    let mut drawn = plans
        .iter()
        .map(|plan| render_plan(w, plan, &full, None))
        .collect::<Result<Vec<_>, _>>()?;
    let zooms = zoom_plan(scenario, w, verdicts, requested);
    for (k, window) in zooms.windows.iter().enumerate() {
        let view = View {
            window: Some((window.from, window.to)),
            ..full
        };
        for plan in &plans {
            let zoom = Zoom {
                stem: format!("{}_zoom{}", plan.stem, k + 1),
                title: format!(
                    "{}, {} to {}",
                    plan.title,
                    eng_time(window.from),
                    eng_time(window.to)
                ),
            };
            drawn.push(render_plan(w, plan, &view, Some(zoom))?);
        }
    }
    let notes = zooms
        .dropped
        .iter()
        .map(|(z, why)| format!("Not zoomed ({why}): {}.", z.describe()))
        .collect();
    let (figures, ranges) = drawn.into_iter().unzip();
    Ok(StudyFigures {
        figures,
        ranges,
        zooms,
        notes,
    })
}

/// Name and title of a zoomed copy of a planned figure.
pub(crate) struct Zoom {
    stem: String,
    title: String,
}

/// Renders one planned figure to PNG and SVG.
pub(crate) fn render_plan(
    w: &Waveforms,
    plan: &FigurePlan,
    view: &View,
    zoom: Option<Zoom>,
) -> Result<(Figure, PlotRanges), PlotError> {
    let (stem, title) = match zoom {
        Some(z) => (z.stem, z.title),
        None => (plan.stem.clone(), plan.title.clone()),
    };
    let mut data = figure_data_in(w, plan, view);
    data.title.clone_from(&title);
    let draw_error = |message: String| PlotError::Draw {
        figure: title.clone(),
        message,
    };
    let rgb = render_rgb(&data).map_err(draw_error)?;
    let png = encode_rgb(WIDTH, HEIGHT, &rgb)
        .ok_or_else(|| draw_error("bitmap size mismatch".to_string()))?;
    let svg = render_svg(&data).map_err(draw_error)?;
    let si = |(a, b): (f64, f64), d: f64| (a * d, b * d);
    let ranges = PlotRanges {
        time: si(data.x_range, data.x_divisor),
        value: si(data.y_range, data.y_divisor),
    };
    let figure = Figure {
        name: stem,
        title,
        png,
        svg,
    };
    Ok((figure, ranges))
}

/// Writes `<name>.png` and `<name>.svg` for every figure into `dir`
/// (created if missing) as one set (`folder`: all written or none), and
/// returns the paths written. Names are sanitised again and made unique,
/// so figures built by hand cannot escape `dir` or overwrite each other.
pub fn write_figures(dir: &Path, figures: &[Figure]) -> io::Result<Vec<PathBuf>> {
    let mut set = StagedFolder::begin(dir, "figures")?;
    stage_figures(&mut set, figures)?;
    set.commit()
}

/// Stages `<name>.png` and `<name>.svg` for every figure into `set`, with
/// the names `write_figures` gives them.
pub fn stage_figures(set: &mut StagedFolder, figures: &[Figure]) -> io::Result<()> {
    let mut used = HashSet::new();
    for figure in figures {
        let stem = unique_stem(&figure.name, &mut used);
        for (ext, bytes) in [
            ("png", figure.png.as_slice()),
            ("svg", figure.svg.as_bytes()),
        ] {
            set.add(&format!("{stem}.{ext}"), bytes)?;
        }
    }
    Ok(())
}

/// Renders a figure into a raw RGB8 buffer of `WIDTH × HEIGHT` pixels,
/// anti-aliased (see `smooth`).
pub(crate) fn render_rgb(data: &FigureData) -> Result<Vec<u8>, String> {
    ensure_font().map_err(|e| e.to_string())?;
    let mut large = large_buffer(WIDTH, HEIGHT);
    {
        let root = Supersampled::new(&mut large, (WIDTH, HEIGHT))?.into_drawing_area();
        draw_figure(&root, data).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(average_down(&large, WIDTH, HEIGHT))
}

fn render_svg(data: &FigureData) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw_figure(&root, data).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Renders every planned figure of `w` to raw RGB buffers, named by stem.
#[cfg(test)]
pub(crate) fn waveform_bitmaps(w: &Waveforms) -> Result<Vec<(String, Vec<u8>)>, String> {
    plan_figures(&w.columns)
        .iter()
        .map(|plan| {
            let data = super::series::figure_data(w, plan);
            Ok((plan.stem.clone(), render_rgb(&data)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::png::decode_rgb;
    use crate::results::{Column, EventRecord, Quantity, SolverStats};

    fn sample() -> Waveforms {
        let time: Vec<f64> = (0..=500).map(|i| f64::from(i) * 1e-4).collect();
        let bus: Vec<f64> = time
            .iter()
            .map(|&t| {
                if t < 0.01 {
                    800.0
                } else {
                    800.0 - 30.0 * (-(t - 0.01) / 4e-3).exp() * (2e3 * (t - 0.01)).cos()
                }
            })
            .collect();
        let mut columns = vec![Column {
            name: "bus800".into(),
            target: "bus800".into(),
            quantity: Quantity::Voltage,
            nominal: Some(800.0),
            values: bus.clone().into(),
            extremes: None,
        }];
        for k in 1..=18 {
            columns.push(Column {
                name: format!("tray{k}.bus50"),
                target: format!("tray{k}.bus50"),
                quantity: Quantity::Voltage,
                nominal: Some(50.0),
                values: bus.iter().map(|v| v / 16.0 - 0.01 * f64::from(k)).collect(),
                extremes: None,
            });
        }
        Waveforms {
            time,
            columns,
            events: vec![EventRecord {
                time: 0.01,
                target: "tray*.gpu".into(),
                what: "load step".into(),
            }],
            stats: SolverStats::default(),
        }
    }

    fn non_white(rgb: &[u8]) -> usize {
        rgb.chunks_exact(3)
            .filter(|p| *p != [255, 255, 255])
            .count()
    }

    #[test]
    fn bitmaps_have_ink_and_png_decodes_to_the_same_pixels() -> Result<(), String> {
        let w = sample();
        let bitmaps = waveform_bitmaps(&w)?;
        let stems: Vec<&str> = bitmaps.iter().map(|(stem, _)| stem.as_str()).collect();
        // Two nominals (800 V and 50 V): their groups, then both per unit.
        assert_eq!(stems, ["bus800", "tray_bus50", "buses_pu"]);
        let figures = try_waveform_figures(&w).map_err(|e| e.to_string())?;
        assert!(figures == waveform_figures(&w));
        for ((stem, rgb), figure) in bitmaps.iter().zip(&figures) {
            assert_eq!(stem, &figure.name);
            let ink = non_white(rgb);
            assert!(ink > 5_000, "{stem}: only {ink} non-white pixels");
            // A curve pixel in the plot: the trace colour appears.
            assert!(rgb.chunks_exact(3).any(|p| p == [31, 119, 180]));
            let decoded = decode_rgb(&figure.png)?;
            assert_eq!((decoded.width, decoded.height), (WIDTH, HEIGHT));
            assert!(decoded.rgb == *rgb, "{stem}: PNG does not round-trip");
        }
        Ok(())
    }

    /// Anti-aliased: the edges of the ringing bus800 curve blend its blue
    /// into the white background (a 2-pixel line drawn without
    /// anti-aliasing has only the pure colour; text blends grey, and the
    /// figure has no other blue).
    #[test]
    fn curves_are_anti_aliased() -> Result<(), String> {
        let (name, rgb) = waveform_bitmaps(&sample())?.remove(0);
        assert_eq!(name, "bus800");
        let blue = [31.0, 119.0, 180.0];
        let blended = rgb
            .chunks_exact(3)
            .filter(|p| {
                // The share of blue in each channel; all three agree on a blend.
                let a: Vec<f64> = (0..3)
                    .map(|c| (255.0 - f64::from(p[c])) / (255.0 - blue[c]))
                    .collect();
                let mean = a.iter().sum::<f64>() / 3.0;
                (0.15..0.85).contains(&mean) && a.iter().all(|x| (x - mean).abs() < 0.06)
            })
            .count();
        assert!(blended > 300, "only {blended} blended pixels");
        Ok(())
    }

    #[test]
    fn odd_data_still_renders() -> Result<(), PlotError> {
        let mut w = sample();
        w.time.truncate(1);
        w.columns[0].values = vec![f64::NAN; 3].into();
        w.columns[1].values.to_mut().clear();
        w.events.push(EventRecord {
            time: f64::NAN,
            target: "x".into(),
            what: "nan time".into(),
        });
        assert_eq!(try_waveform_figures(&w)?.len(), 3);
        w.columns.clear();
        assert!(try_waveform_figures(&w)?.is_empty());
        Ok(())
    }
}
