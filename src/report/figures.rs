//! The stability figures of a circuit at one operating point, shared by
//! `busbar report`, `busbar simulate --plot` and `busbar stability --plot`
//! so that all three draw the same pictures: the pole map, one loop-gain
//! Bode plot per control loop, bus impedance against its target, the
//! |Z_source|/|Z_load| interface plot with the minor-loop forbidden region,
//! and, when a boundary search was asked for, least damping against the
//! searched parameter with the boundary marked.
//!
//! The adapter from analysis results to the plain plot data of the
//! figure modules. Must not compute analysis results of its own nor draw.

use super::{
    bode_figure, impedance_figure, pole_map_figure, sweep_figure, BodeAnnotations, BodeData,
    Figure, ImpedanceData, MagnitudeCurve, ModePoint, PlotError, PoleMapData, SweepBoundary,
    SweepData, SweepSeries,
};
use crate::analysis::stability::{
    self as stab, stability_report, Boundary, LoopBreak, MinorLoop, ReportOptions, Setup,
    StabilityError, StabilityReport,
};
use crate::units::eng;

/// Loop gains drawn as Bode plots.
const MAX_BODE: usize = 6;
/// Interface plots: one per bus, the interface with the least Middlebrook
/// margin there, for at most this many buses.
const MAX_INTERFACE_PLOTS: usize = 4;
/// Points of the least-damping sweep drawn around a boundary.
const SWEEP_POINTS: usize = 17;
/// Gain margin of the minor-loop forbidden region (Middlebrook): |Z_source|
/// must stay 6 dB below |Z_load|.
const MINOR_LOOP_GM_DB: f64 = 6.0;

/// The analysis and its figures; `notes` says what could not be drawn.
pub struct StabilityFigures {
    pub report: StabilityReport,
    pub figures: Vec<Figure>,
    pub notes: Vec<String>,
}

/// Runs the stability analysis of `setup` (keeping the sweeps) and draws
/// every figure of it.
pub fn stability_figures(
    setup: &Setup,
    options: &ReportOptions,
) -> Result<StabilityFigures, StabilityError> {
    let options = ReportOptions {
        keep_sweeps: true,
        ..options.clone()
    };
    let r = stability_report(setup, &options)?;
    let bodes = bode_data(setup, &r, &options)?;
    let sweep = match &r.boundary {
        Some(b) => {
            let (lo, hi) = options
                .boundary
                .as_ref()
                .map_or((b.bracket[0], b.bracket[1]), |(_, lo, hi)| (*lo, *hi));
            Some(sweep_data(setup, b, lo, hi)?)
        }
        None => None,
    };
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    let mut keep = |what: &str, drawn: Result<Figure, PlotError>| match drawn {
        Ok(f) => figures.push(f),
        Err(e) => notes.push(format!("{what} could not be drawn: {e}")),
    };
    if let Some(data) = pole_map_data(&r) {
        keep("the pole map", pole_map_figure(&data));
    }
    for b in &bodes {
        keep(&b.title, bode_figure(b));
    }
    for z in impedance_data(&r) {
        keep(&z.title, impedance_figure(&z));
    }
    for z in interface_data(&r) {
        keep(&z.title, impedance_figure(&z));
    }
    if let Some(s) = &sweep {
        keep(&s.title, sweep_figure(s));
    }
    Ok(StabilityFigures {
        report: r,
        figures,
        notes,
    })
}

/// Every mode on the s-plane; complex pairs and poorly damped modes are
/// labelled with their top participating components.
fn pole_map_data(r: &StabilityReport) -> Option<PoleMapData> {
    let modes = r.modes.as_ref()?;
    let mut points = Vec::new();
    for m in &modes.modes {
        let pair = m.imag > 1e-6 * m.real.hypot(m.imag);
        let label = (pair || m.is_poorly_damped(r.damping_threshold)).then(|| {
            m.components
                .iter()
                .filter(|s| s.fraction >= 0.05)
                .take(3)
                .map(|s| format!("{} {:.0} %", s.name, 100.0 * s.fraction))
                .collect::<Vec<_>>()
                .join(", ")
        });
        points.push(ModePoint {
            re: m.real,
            im: m.imag,
            label: label.filter(|l| !l.is_empty()),
        });
        if pair {
            points.push(ModePoint {
                re: m.real,
                im: -m.imag,
                label: None,
            });
        }
    }
    Some(PoleMapData::new(
        "poles",
        "Modes at the operating point",
        points,
    ))
}

/// The loop gain of each regulated converter over the report's frequency
/// range, with the margins the analysis found.
fn bode_data(
    setup: &Setup,
    r: &StabilityReport,
    options: &ReportOptions,
) -> Result<Vec<BodeData>, StabilityError> {
    if r.loops.is_empty() {
        return Ok(Vec::new());
    }
    let bound = setup.bind()?;
    let freqs = stab::default_frequencies(
        options.f_min,
        options.f_max,
        (options.per_decade / 2).max(1),
    )?;
    let mut out = Vec::new();
    let loops = bound.model.devices.iter().flat_map(|d| {
        d.control_loops()
            .into_iter()
            .map(move |c| (d.name().to_string(), c))
    });
    for ((device, command), gain) in loops.zip(&r.loops).take(MAX_BODE) {
        let lb = LoopBreak::new(&bound.model, &bound.point, command)?;
        let response = freqs
            .iter()
            .map(|&f| lb.eval(f).map(|l| (l.re, l.im)))
            .collect::<Result<Vec<_>, _>>()?;
        let m = &gain.margins;
        out.push(BodeData {
            name: format!("loop_{device}"),
            title: format!("Loop gain: {device} (broken at {})", gain.command),
            freq_hz: freqs.clone(),
            response,
            annotations: BodeAnnotations {
                crossover_hz: m.crossover_hz,
                phase_margin_deg: m.phase_margin_deg,
                phase_crossover_hz: m.phase_crossover_hz,
                gain_margin_db: m.gain_margin_db,
                notes: Vec::new(),
            },
        });
    }
    Ok(out)
}

/// |Z| against the target for the first bus of each nominal voltage.
fn impedance_data(r: &StabilityReport) -> Vec<ImpedanceData> {
    let mut seen: Vec<u64> = Vec::new();
    let mut out = Vec::new();
    for b in &r.buses {
        let key = b.nominal_volts.unwrap_or(f64::NAN).to_bits();
        let Some(sweep) = &b.sweep else { continue };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(ImpedanceData {
            name: format!("impedance_{}", b.node),
            title: format!("Bus impedance at {}", b.node),
            curves: vec![MagnitudeCurve {
                label: format!("|Z| at {}", b.node),
                freq_hz: sweep.frequency_hz.clone(),
                magnitude: sweep.magnitude.clone(),
            }],
            target_ohm: b.target_ohms,
            forbidden_above: None,
            notes: b
                .step_amps
                .map(|i| {
                    vec![format!(
                        "target: 3 % of nominal over a {} step",
                        eng(i, "A")
                    )]
                })
                .unwrap_or_default(),
        });
    }
    out
}

/// |Z_source| and |Z_load| of the weakest interface on each bus (least
/// Middlebrook margin; the first in circuit order among equals), with the
/// region above |Z_load| − 6 dB shaded: |Z_source| there breaks the
/// minor-loop gain margin.
fn interface_data(r: &StabilityReport) -> Vec<ImpedanceData> {
    let mut weakest: Vec<&MinorLoop> = Vec::new();
    for m in r.interfaces.iter().filter(|m| m.sweep.is_some()) {
        match weakest.iter_mut().find(|w| w.node == m.node) {
            Some(w) if m.middlebrook_margin_db < w.middlebrook_margin_db => *w = m,
            Some(_) => {}
            None => weakest.push(m),
        }
    }
    let scale = 10f64.powf(-MINOR_LOOP_GM_DB / 20.0);
    weakest
        .into_iter()
        .take(MAX_INTERFACE_PLOTS)
        .filter_map(|m| {
            let sweep = m.sweep.as_ref()?;
            let f = &sweep.source.frequency_hz;
            let curve = |label: String, magnitude: Vec<f64>| MagnitudeCurve {
                label,
                freq_hz: f.clone(),
                magnitude,
            };
            let verdict = |ok: bool| if ok { "ok" } else { "FAIL" };
            Some(ImpedanceData {
                name: format!("interface_{}_{}", m.component, m.terminal),
                title: format!(
                    "Interface at {}: {}.{} against the rest",
                    m.node, m.component, m.terminal
                ),
                curves: vec![
                    curve(
                        format!("|Z_source| at {}", m.node),
                        sweep.source.magnitude.clone(),
                    ),
                    curve(
                        format!("|Z_load| of {}", m.component),
                        sweep.load.magnitude.clone(),
                    ),
                ],
                target_ohm: None,
                forbidden_above: Some(curve(
                    format!("forbidden: |Z_source| > |Z_load| − {MINOR_LOOP_GM_DB:.0} dB"),
                    sweep.load.magnitude.iter().map(|z| z * scale).collect(),
                )),
                notes: vec![
                    format!(
                        "Middlebrook margin {:.1} dB ({})",
                        m.middlebrook_margin_db,
                        verdict(m.middlebrook_ok)
                    ),
                    format!("GMPM (6 dB, 60°) {}", verdict(m.gmpm_ok)),
                ],
            })
        })
        .collect()
}

/// SI unit of a swept parameter, from the field name of a
/// `component.field` key or the usual prefix of a circuit parameter
/// (`p_` power, `c_` capacitance, ...); empty when neither tells.
fn parameter_unit(key: &str) -> &'static str {
    let field = key.rsplit('.').next().unwrap_or(key);
    let by_field = [
        ("watts", "W"),
        ("farads", "F"),
        ("henries", "H"),
        ("ohms", "Ω"),
        ("volts", "V"),
        ("amps", "A"),
        ("hz", "Hz"),
        ("seconds", "s"),
    ];
    if let Some((_, unit)) = by_field.iter().find(|(f, _)| field.ends_with(f)) {
        return unit;
    }
    let by_prefix = [
        ("p_", "W"),
        ("c_", "F"),
        ("l_", "H"),
        ("r_", "Ω"),
        ("v_", "V"),
        ("i_", "A"),
        ("f_", "Hz"),
    ];
    by_prefix
        .iter()
        .find(|(p, _)| field.starts_with(p))
        .map_or("", |(_, unit)| unit)
}

/// Least damping against the boundary's parameter over the searched range,
/// with the threshold and the boundary marked.
fn sweep_data(setup: &Setup, b: &Boundary, lo: f64, hi: f64) -> Result<SweepData, StabilityError> {
    let values: Vec<f64> = (0..SWEEP_POINTS)
        .map(|k| lo + (hi - lo) * k as f64 / (SWEEP_POINTS - 1) as f64)
        .collect();
    let points = stab::least_damping_sweep(setup, &b.parameter, &values)?;
    let unit = parameter_unit(&b.parameter);
    let (good, bad) = (b.bracket[0], b.bracket[1]);
    let missing = points.iter().filter(|(_, z)| z.is_none()).count();
    let mut notes = vec![format!(
        "{SWEEP_POINTS} operating points from {} to {}; boundary by bisection ({} evaluations)",
        eng(lo, unit),
        eng(hi, unit),
        b.evaluations
    )];
    if missing > 0 {
        notes.push(format!("{missing} points have no operating point"));
    }
    Ok(SweepData {
        name: "boundary".into(),
        title: format!("Stability boundary: least damping against {}", b.parameter),
        parameter: b.parameter.clone(),
        parameter_unit: unit.into(),
        metric: "least damping ratio ζ".into(),
        metric_unit: String::new(),
        series: vec![SweepSeries {
            label: "least-damped mode".into(),
            points: points
                .into_iter()
                .filter_map(|(x, z)| z.map(|z| (x, z)))
                .collect(),
        }],
        threshold: Some(b.threshold),
        boundary: Some(SweepBoundary {
            at: b.value,
            label: format!("boundary: ζ = {} at {}", b.threshold, eng(b.value, unit)),
            unstable_below: bad < good,
        }),
        notes,
    })
}
