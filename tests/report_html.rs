//! Every plot kind rendered for the reference rack study
//! (`circuits/nvl72_rack.ron` with `scenarios/step_30_100.ron`): waveforms
//! with limit bands and zooms, ripple spectrum, Bode plot, impedance,
//! pole map and sweep. Checks that rendering is deterministic (same bytes
//! twice), that the SVG carries the axis titles, and that the PNG has ink
//! where the axis labels are.
//!
//! Set `BUSBAR_FIGURES_DIR` to also write the figures there for viewing.

use busbar::report::{
    amplitude_spectrum, bode_figure, impedance_figure, pole_map_figure, spectrum_figure,
    sweep_figure, try_study_figures, write_figures, BodeAnnotations, BodeData, Figure,
    ImpedanceData, MagnitudeCurve, ModePoint, PoleMapData, SpectrumData, SweepBoundary, SweepData,
    SweepSeries,
};
use busbar::study;
use std::error::Error;
use std::f64::consts::PI;
use std::path::Path;

type TestResult = Result<(), Box<dyn Error>>;

/// L(s) = K·(s + ωz)/s · 1/(1 + s/ωp)³: a PI-regulated converter loop
/// with a third-order roll-off, crossing over near 3.5 kHz.
const K: f64 = 2.35;
const FZ: f64 = 200.0;
const FP: f64 = 4.0e3;

fn loop_gain(f: f64) -> (f64, f64) {
    let (m, p) = (loop_magnitude(f), loop_phase(f).to_radians());
    (m * p.cos(), m * p.sin())
}

fn loop_magnitude(f: f64) -> f64 {
    K * (1.0 + (FZ / f).powi(2)).sqrt() / (1.0 + (f / FP).powi(2)).powf(1.5)
}

/// Unwrapped phase in degrees.
fn loop_phase(f: f64) -> f64 {
    (f / FZ).atan().to_degrees() - 90.0 - 3.0 * (f / FP).atan().to_degrees()
}

fn log_grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| lo * (hi / lo).powf(k as f64 / (n - 1) as f64))
        .collect()
}

/// Bisection on a monotonic quantity of the loop gain: the frequency where
/// `g` crosses zero between `lo` and `hi`.
fn crossing(g: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..100 {
        let mid = (lo * hi).sqrt();
        if g(lo).signum() == g(mid).signum() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo * hi).sqrt()
}

fn bode() -> BodeData {
    let freq = log_grid(1.0, 1e5, 400);
    let fc = crossing(|f| loop_magnitude(f) - 1.0, 10.0, 1e5);
    let fp = crossing(|f| loop_phase(f) + 180.0, 10.0, 1e5);
    BodeData {
        name: "loop_rect".into(),
        title: "Loop gain: rect (current command)".into(),
        response: freq.iter().map(|&f| loop_gain(f)).collect(),
        freq_hz: freq,
        annotations: BodeAnnotations {
            crossover_hz: Some(fc),
            phase_margin_deg: Some(180.0 + loop_phase(fc)),
            phase_crossover_hz: Some(fp),
            gain_margin_db: Some(-20.0 * loop_magnitude(fp).log10()),
            notes: vec!["synthetic PI loop for the figure test".into()],
        },
    }
}

fn impedance() -> ImpedanceData {
    let freq = log_grid(10.0, 1e5, 300);
    // A 2 mF bus behind a 20 µH feeder: a resonance near 800 Hz.
    let z_source: Vec<(f64, f64)> = freq
        .iter()
        .map(|&f| {
            let w = 2.0 * PI * f;
            let (zl, zc) = ((0.01, w * 20e-6), (0.0, -1.0 / (w * 2e-3)));
            let num = (zl.0 * zc.0 - zl.1 * zc.1, zl.0 * zc.1 + zl.1 * zc.0);
            let den = (zl.0 + zc.0, zl.1 + zc.1);
            let d = den.0 * den.0 + den.1 * den.1;
            (
                (num.0 * den.0 + num.1 * den.1) / d,
                (num.1 * den.0 - num.0 * den.1) / d,
            )
        })
        .collect();
    let z_load = vec![4.7; freq.len()];
    ImpedanceData {
        name: "interface_bus800".into(),
        title: "Interface at bus800: |Z_source| and |Z_load|".into(),
        curves: vec![
            MagnitudeCurve::from_complex("|Z_source| at bus800", &freq, &z_source),
            MagnitudeCurve {
                label: "|Z_load| (negative incremental)".into(),
                freq_hz: freq.clone(),
                magnitude: z_load.clone(),
            },
        ],
        target_ohm: Some(0.05),
        forbidden_above: Some(MagnitudeCurve {
            label: "forbidden for |Z_source| (6 dB below |Z_load|)".into(),
            freq_hz: freq,
            magnitude: z_load.iter().map(|z| z / 2.0).collect(),
        }),
        notes: Vec::new(),
    }
}

fn pole_map() -> PoleMapData {
    let mut modes = Vec::new();
    let mut pair = |zeta: f64, f: f64, label: Option<&str>| {
        let wn = 2.0 * PI * f;
        let (re, im) = (-zeta * wn, wn * (1.0 - zeta * zeta).sqrt());
        modes.push(ModePoint {
            re,
            im,
            label: label.map(str::to_string),
        });
        modes.push(ModePoint {
            re,
            im: -im,
            label: None,
        });
    };
    pair(0.031, 142.0, Some("cbus 61 %, lfeed 30 %"));
    pair(0.08, 1.6e3, Some("tray1.c50 40 %, tray1.dcx 35 %"));
    pair(0.3, 900.0, None);
    pair(0.6, 3e3, None);
    modes.push(ModePoint {
        re: -5e4,
        im: 0.0,
        label: None,
    });
    modes.push(ModePoint {
        re: -300.0,
        im: 0.0,
        label: None,
    });
    PoleMapData::new("poles", "Modes at the operating point", modes)
}

fn sweep() -> SweepData {
    let points = [0.5e-3, 1e-3, 1.5e-3, 2e-3, 3e-3, 4e-3]
        .iter()
        .map(|&c: &f64| (c, 0.12 * (1.0 - (-(c - 0.4e-3) / 1.2e-3).exp())))
        .collect();
    SweepData {
        name: "sweep_cbus".into(),
        title: "Least damping ratio against bus capacitance".into(),
        parameter: "bus capacitance".into(),
        parameter_unit: "F".into(),
        metric: "least damping ratio ζ".into(),
        metric_unit: String::new(),
        series: vec![SweepSeries {
            label: "rack at 135 kW".into(),
            points,
        }],
        threshold: Some(0.05),
        boundary: Some(SweepBoundary {
            at: 1.047e-3,
            label: "boundary ζ = 0.05 at 1.05 mF".into(),
            unstable_below: true,
        }),
        notes: Vec::new(),
    }
}

/// Every kind of figure for the reference study.
fn all_figures() -> Result<Vec<Figure>, Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (prepared, w) = study::run_files(
        Some(&root.join("circuits/nvl72_rack.ron")),
        &root.join("scenarios/step_30_100.ron"),
    )?;
    let mut figures = try_study_figures(&w, &prepared.scenario)?;
    let bus = w.column("bus800").ok_or("bus800 not recorded")?;
    let (freq, amp) =
        amplitude_spectrum(&w.time, &bus.values, (6e-3, 0.03)).ok_or("no spectrum")?;
    figures.push(spectrum_figure(&SpectrumData {
        name: "spectrum_bus800".into(),
        title: "Ripple spectrum: bus800, 6 ms to 30 ms".into(),
        signal: "bus800".into(),
        unit: "V".into(),
        freq_hz: freq,
        amplitude: amp,
        notes: Vec::new(),
    })?);
    figures.push(bode_figure(&bode())?);
    figures.push(impedance_figure(&impedance())?);
    figures.push(pole_map_figure(&pole_map())?);
    figures.push(sweep_figure(&sweep())?);
    if let Some(dir) = std::env::var_os("BUSBAR_FIGURES_DIR") {
        write_figures(Path::new(&dir), &figures)?;
    }
    Ok(figures)
}

/// Decodes a PNG to (width, height, RGB8).
fn decode(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), Box<dyn Error>> {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        other => return Err(format!("unexpected colour type {other:?}").into()),
    };
    Ok((info.width, info.height, rgb))
}

/// Non-white pixels in the rectangle `x0..x1` × `y0..y1`.
fn ink(rgb: &[u8], width: u32, (x0, x1): (u32, u32), (y0, y1): (u32, u32)) -> usize {
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| ((y * width + x) * 3) as usize))
        .filter(|&i| rgb[i..i + 3] != [255, 255, 255])
        .count()
}

#[test]
fn every_plot_kind_renders_deterministically_with_labels() -> TestResult {
    let first = all_figures()?;
    let second = all_figures()?;
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert!(a.png == b.png, "{}: PNG differs between runs", a.name);
        assert!(a.svg == b.svg, "{}: SVG differs between runs", a.name);
    }
    let names: Vec<&str> = first.iter().map(|f| f.name.as_str()).collect();
    for expected in [
        "bus800",
        "tray_bus50",
        "currents",
        "bus800_zoom1",
        "spectrum_bus800",
        "loop_rect",
        "interface_bus800",
        "poles",
        "sweep_cbus",
    ] {
        assert!(
            names.contains(&expected),
            "no figure {expected} in {names:?}"
        );
    }
    for f in &first {
        let titles: &[&str] = match f.name.as_str() {
            "spectrum_bus800" => &["frequency [Hz]", "amplitude ["],
            "loop_rect" => &[
                "frequency [Hz]",
                "magnitude [dB]",
                "phase [°]",
                "PM ",
                "GM ",
            ],
            "interface_bus800" => &["frequency [Hz]", "impedance magnitude [Ω]"],
            "poles" => &[
                "real part σ [1/s]",
                "imaginary part ω [rad/s]",
                "ζ = 0.05",
                "ζ = 0.1",
            ],
            "sweep_cbus" => &["bus capacitance [mF]", "least damping ratio ζ"],
            _ => &["time [ms]"],
        };
        for t in titles {
            assert!(f.svg.contains(t), "{}: SVG lacks `{t}`", f.name);
        }
        let (w, h, rgb) = decode(&f.png)?;
        assert!(w >= 1000 && h >= 600, "{}: {w}×{h}", f.name);
        // Title band, y tick labels left of the plot, x tick labels below it.
        assert!(
            ink(&rgb, w, (200, 700), (0, 45)) > 300,
            "{}: no title",
            f.name
        );
        assert!(
            ink(&rgb, w, (0, 90), (100, h - 100)) > 300,
            "{}: no y labels",
            f.name
        );
        assert!(
            ink(&rgb, w, (150, 850), (h - 60, h)) > 300,
            "{}: no x labels",
            f.name
        );
    }
    Ok(())
}

/// A 400 V bus behind one regulated converter: the smallest circuit whose
/// report has a loop gain to draw.
const REGULATED: &str = r#"Circuit(name: "regulated 400 V bus", buses: {"bus": (nominal: 400.0)}, components: [
    VoltageSource(name: "vin", pos: "in", volts: 800.0),
    Converter(name: "conv", input: "in", output: "bus", volts: 400.0, rated_watts: 100e3,
        droop_ohms: 0.05, voltage_loop: Bandwidth(hz: 500.0, capacitance: 2e-3), current_loop_hz: 5e3),
    Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 2e-3),
    Load(name: "gpu", node: "bus", watts: 60e3, model: ConstantPower(min_volts: 200.0), bandwidth_hz: 2e3),
])"#;

const REGULATED_STEP: &str = r#"Scenario(name: "load step on a regulated bus", duration: 0.02, sample: 1e-5,
    loads: [(target: "gpu", profile: Step(from: 0.3, to: 1.0, at: 5e-3, rise: 1e-4))],
    limits: [Deviation(node: "bus", max_percent: 2.0), PhaseMargin(component: "conv", min_degrees: 45.0)],
)"#;

/// Runs `busbar report` and returns the HTML text.
fn report_html(circuit: &Path, scenario: &Path, out: &Path) -> Result<String, Box<dyn Error>> {
    assert_cmd::Command::cargo_bin("busbar")?
        .arg("report")
        .arg(circuit)
        .arg(scenario)
        .arg("-o")
        .arg(out)
        .assert()
        .success();
    Ok(std::fs::read_to_string(out)?)
}

#[test]
fn html_report_is_self_contained_and_complete() -> TestResult {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir()?;
    let (circuit, scenario) = (
        root.join("circuits/nvl72_rack.ron"),
        root.join("scenarios/step_30_100.ron"),
    );
    let html = report_html(&circuit, &scenario, &dir.path().join("a.html"))?;
    let again = report_html(&circuit, &scenario, &dir.path().join("b.html"))?;
    assert!(html == again, "the report differs between runs");
    for needle in [
        "<table id=\"verdict-table\" class=\"wide\">",
        "<th scope=\"col\">verdict</th>",
        "id=\"circuit\"",
        "id=\"scenario\"",
        "id=\"time-domain\"",
        "id=\"waveforms\"",
        "id=\"stability\"",
        "Least-damped modes",
        "<details>",
        "Scenario(",
        "Circuit(",
        concat!("busbar ", env!("CARGO_PKG_VERSION")),
        "@media print",
    ] {
        assert!(html.contains(needle), "the report lacks `{needle}`");
    }
    // Waveforms, zooms, spectrum, pole map and impedance, all inline.
    assert!(html.matches("<svg ").count() >= 8);
    for fetch in [
        "http://", "https://", "<script", "<link", "<img", "url(", "@import", "src=",
    ] {
        assert!(!html.contains(fetch), "the report contains `{fetch}`");
    }
    Ok(())
}

#[test]
fn html_report_draws_the_loop_gain_of_a_regulated_converter() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (circuit, scenario) = (dir.path().join("c.ron"), dir.path().join("s.ron"));
    std::fs::write(&circuit, REGULATED)?;
    std::fs::write(&scenario, REGULATED_STEP)?;
    let html = report_html(&circuit, &scenario, &dir.path().join("r.html"))?;
    for needle in [
        "Loop gain: conv",
        "Loop gains of the regulated converters",
        "phase [°]",
        "magnitude [dB]",
    ] {
        assert!(html.contains(needle), "the report lacks `{needle}`");
    }
    Ok(())
}
