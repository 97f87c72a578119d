//! Every plot kind rendered for the reference rack study
//! (`circuits/nvl72_rack.ron` with `scenarios/step_30_100.ron`): waveforms
//! with limit bands and zooms and the ripple spectrum from the run; Bode,
//! impedance, pole map and sweep figures from synthetic data of known shape
//! and, through `busbar stability --plot` and `simulate --plot`, from the
//! rack's own analysis (storage loop gain, bus impedance, the tray
//! interface with its minor-loop forbidden region, poles, the
//! feed-inductance boundary). Checks that rendering is deterministic (same
//! bytes twice), that the SVG carries the axis titles, and that the PNG has
//! ink where the labels are. The HTML report is checked for completeness
//! and for having no network fetches.
//!
//! Set `BUSBAR_FIGURES_DIR` to also write the figures there for viewing.

use busbar::analysis::ripple::ripple_spectrum;
use busbar::analysis::signal::Signal;
use busbar::report::{
    bode_figure, impedance_figure, pole_map_figure, spectrum_figure, sweep_figure,
    try_study_figures, write_figures, Figure, SpectrumData,
};
use busbar::study;
use figures::assert_labelled;
use std::error::Error;
use std::path::Path;

#[path = "support/figures.rs"]
mod figures;
#[path = "support/synthetic.rs"]
mod synthetic;
use synthetic::{bode, impedance, pole_map, sweep};

type TestResult = Result<(), Box<dyn Error>>;

/// Every kind of figure for the reference study.
fn all_figures() -> Result<Vec<Figure>, Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (prepared, w) = study::run_files(
        Some(&root.join("circuits/nvl72_rack.ron")),
        &root.join("scenarios/step_30_100.ron"),
    )?;
    let mut figures = try_study_figures(&w, &prepared.scenario, &[], &[])?.figures;
    let bus = w.column("bus800").ok_or("bus800 not recorded")?;
    let (freq, amp) =
        ripple_spectrum(&Signal::new(&w.time, &bus.values), 6e-3, 0.03).ok_or("no spectrum")?;
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
        assert_labelled(&f.name, &f.svg, &f.png, titles)?;
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

/// The date the determinism tests give the reports: 2025-12-01 00:00 UTC.
const EPOCH: &str = "1764547200";

/// Runs `busbar report` (dated [`EPOCH`]) and returns the HTML text.
fn report_html(circuit: &Path, scenario: &Path, out: &Path) -> Result<String, Box<dyn Error>> {
    report_html_with(circuit, scenario, out, &[])
}

/// Runs `busbar report` with extra arguments, dated [`EPOCH`].
fn report_html_with(
    circuit: &Path,
    scenario: &Path,
    out: &Path,
    extra: &[&str],
) -> Result<String, Box<dyn Error>> {
    assert_cmd::Command::cargo_bin("busbar")?
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .arg("report")
        .arg(circuit)
        .arg(scenario)
        .args(extra)
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
        "Loop gain: store",
        "Interface at bus800",
        "forbidden: |Z_source| &gt; |Z_load|",
        "<details open>",
        "id=\"run-table\"",
        "2025-12-01 00:00 UTC",
        "id=\"worst-margins-table\"",
        "id=\"least-damped-table\"",
        "id=\"parameter-table\"",
        "<td>p_rack</td><td>135000</td><td class=\"num\">135000</td><td></td>",
        "id=\"zoom-table\"",
        "MinVoltage worst",
        "Scenario(",
        "Circuit(",
        concat!("busbar ", env!("CARGO_PKG_VERSION")),
        "@media print",
    ] {
        assert!(html.contains(needle), "the report lacks `{needle}`");
    }
    // The first page (stamp, verdicts, worst margins, least-damped modes)
    // comes before the appendix, which opens with the parameters.
    let at = |needle: &str| html.find(needle).ok_or(format!("no `{needle}`"));
    assert!(at("id=\"run-table\"")? < at("id=\"verdict-table\"")?);
    assert!(at("id=\"verdict-table\"")? < at("id=\"least-damped-table\"")?);
    assert!(at("id=\"least-damped-table\"")? < at("class=\"appendix\"")?);
    assert!(at("class=\"appendix\"")? < at("id=\"parameter-table\"")?);
    assert!(at("id=\"parameter-table\"")? < at("id=\"circuit\"")?);
    // The hash is SHA-256 over the framed inputs (see `report::stamp`).
    let hash = input_hash(&circuit, &scenario, "")?;
    assert!(
        html.contains(&hash),
        "the report lacks the input hash {hash}"
    );
    // Waveforms, zooms, spectrum, pole map and impedance, all inline.
    assert!(html.matches("<svg ").count() >= 8);
    for fetch in [
        "http://", "https://", "<script", "<link", "<img", "url(", "@import", "src=",
    ] {
        assert!(!html.contains(fetch), "the report contains `{fetch}`");
    }
    Ok(())
}

/// SHA-256 of the report's inputs as `report::stamp` documents the
/// framing: each part's label, its length (u64, little-endian), its bytes.
fn input_hash(circuit: &Path, scenario: &Path, overrides: &str) -> Result<String, Box<dyn Error>> {
    use sha2::{Digest, Sha256};
    let (c, s) = (
        std::fs::read_to_string(circuit)?,
        std::fs::read_to_string(scenario)?,
    );
    let mut h = Sha256::new();
    for (label, bytes) in [
        ("circuit", c.as_bytes()),
        ("scenario", s.as_bytes()),
        ("overrides", overrides.as_bytes()),
        ("version", env!("CARGO_PKG_VERSION").as_bytes()),
    ] {
        h.update(label.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// `--set` shows in the parameter table and in the hash; the date follows
/// SOURCE_DATE_EPOCH, and a malformed one is an error; `--zoom` adds the
/// window asked for.
#[test]
fn html_report_marks_overrides_dates_and_zooms() -> TestResult {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir()?;
    let (circuit, scenario) = (
        root.join("circuits/nvl72_rack.ron"),
        root.join("scenarios/step_30_100.ron"),
    );
    let html = report_html_with(
        &circuit,
        &scenario,
        &dir.path().join("set.html"),
        &["--set", "c_bus=2e-3", "--zoom", "4m:9ms"],
    )?;
    for needle in [
        "<td>c_bus</td><td>0.001</td><td class=\"num\">0.002</td><td class=\"warn\">overridden: --set</td>",
        "<td>v_src</td><td>800</td><td class=\"num\">800</td><td></td>",
        "4.000 ms to 9.000 ms",
        "asked for",
    ] {
        assert!(html.contains(needle), "the report lacks `{needle}`");
    }
    let hash = input_hash(&circuit, &scenario, "c_bus=2e-3\n")?;
    assert!(
        html.contains(&hash),
        "the report lacks the input hash {hash}"
    );
    assert!(!html.contains(&input_hash(&circuit, &scenario, "")?));

    let bad = assert_cmd::Command::cargo_bin("busbar")?
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .arg("report")
        .arg(&circuit)
        .arg(&scenario)
        .arg("-o")
        .arg(dir.path().join("bad.html"))
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&bad.get_output().stderr).into_owned();
    assert!(stderr.contains("SOURCE_DATE_EPOCH"), "{stderr}");
    Ok(())
}

/// `--zoom` windows that are malformed or outside the run are errors that
/// say so, before anything runs.
#[test]
fn zoom_windows_outside_the_run_are_errors() -> TestResult {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // An existing folder: `-o` is checked first, and must not be the error.
    let dir = tempfile::tempdir()?;
    let html = dir.path().join("never.html");
    for (zoom, says) in [
        ("9m:4m", "T0 must come before T1"),
        ("4m", "expected T0:T1"),
        ("4x:5m", "is not a time"),
        ("20m:40m", "which lasts 30.00 ms"),
    ] {
        let out = assert_cmd::Command::cargo_bin("busbar")?
            .current_dir(root)
            .args([
                "report",
                "circuits/nvl72_rack.ron",
                "scenarios/step_30_100.ron",
            ])
            .arg("-o")
            .arg(&html)
            .args(["--zoom", zoom])
            .assert()
            .failure();
        // Diagnostics wrap to the terminal: compare the words only.
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).replace('│', " ");
        let words = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains(says), "--zoom {zoom}: {stderr}");
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

/// The files of a figure folder, by name.
fn folder(dir: &Path) -> Result<std::collections::BTreeMap<String, Vec<u8>>, Box<dyn Error>> {
    let mut out = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("file name")?
            .to_string();
        out.insert(name, std::fs::read(&path)?);
    }
    Ok(out)
}

/// `busbar stability --plot` on the reference rack at the end of its step
/// (full load), with a boundary search on the feed inductance.
fn stability_plot(out: &Path) -> Result<serde_json::Value, Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let a = assert_cmd::Command::cargo_bin("busbar")?
        .current_dir(root)
        .args([
            "--json",
            "stability",
            "circuits/nvl72_rack.ron",
            "-s",
            "scenarios/step_30_100.ron",
            "--at",
            "0.03",
            "--boundary",
            "l_feed=1e-6:300e-6",
            "--plot",
            "-o",
        ])
        .arg(out)
        .assert()
        .success();
    Ok(serde_json::from_slice(&a.get_output().stdout)?)
}

/// The stability figures of the reference rack, drawn from the analysis:
/// the storage converter's loop gain, bus impedance against its target,
/// the tray interface with the minor-loop forbidden region, the pole map
/// and the feed-inductance boundary. Same bytes twice, labelled, and the
/// same files from `simulate --plot` (which linearises at the scenario's
/// end, t = 30 ms).
#[test]
fn stability_figures_of_the_reference_rack() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (one, two, sim) = (
        dir.path().join("one"),
        dir.path().join("two"),
        dir.path().join("sim"),
    );
    let json = stability_plot(&one)?;
    stability_plot(&two)?;
    let (first, second) = (folder(&one)?, folder(&two)?);
    assert!(first == second, "stability --plot differs between runs");

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_cmd::Command::cargo_bin("busbar")?
        .current_dir(root)
        .args([
            "-q",
            "simulate",
            "circuits/nvl72_rack.ron",
            "scenarios/step_30_100.ron",
            "--plot",
            "-o",
        ])
        .arg(&sim)
        .assert()
        .success();
    let simulated = folder(&sim)?;

    let pm = json["loops"][0]["margins"]["phase_margin_deg"]
        .as_f64()
        .ok_or("no phase margin in the JSON")?;
    let boundary = json["boundary"]["value"]
        .as_f64()
        .ok_or("no boundary in the JSON")?;
    let pm_text = format!("PM {pm:.1}°");
    let boundary_text = format!("{:.1} µH", boundary * 1e6);
    let expected: [(&str, Vec<&str>); 6] = [
        (
            "loop_store",
            vec![
                "frequency [Hz]",
                "magnitude [dB]",
                "phase [°]",
                &pm_text,
                "GM ",
            ],
        ),
        (
            "impedance_bus800",
            vec!["frequency [Hz]", "impedance magnitude [Ω]", "|Z| at bus800"],
        ),
        (
            "impedance_tray1_bus50",
            vec!["frequency [Hz]", "impedance magnitude [Ω]", "target"],
        ),
        (
            "interface_tray1_dcx_input",
            vec![
                "frequency [Hz]",
                "impedance magnitude [Ω]",
                "|Z_source| at bus800",
                "|Z_load| of tray1.dcx",
                "forbidden",
                "Middlebrook margin",
            ],
        ),
        (
            "poles",
            vec![
                "real part σ [1/s]",
                "imaginary part ω [rad/s]",
                "ζ = 0.05",
                "ζ = 0.1",
                "store",
            ],
        ),
        (
            "boundary",
            vec![
                "l_feed [µH]",
                "least damping ratio ζ",
                "threshold 0.05",
                &boundary_text,
            ],
        ),
    ];
    for (name, texts) in &expected {
        let (png, svg) = (format!("{name}.png"), format!("{name}.svg"));
        let (Some(png_bytes), Some(svg_bytes)) = (first.get(&png), first.get(&svg)) else {
            panic!("no {name} in {:?}", first.keys().collect::<Vec<_>>());
        };
        assert_labelled(name, std::str::from_utf8(svg_bytes)?, png_bytes, texts)?;
        if *name != "boundary" {
            for file in [&png, &svg] {
                assert!(
                    simulated.get(file) == first.get(file),
                    "simulate --plot wrote a different {file}"
                );
            }
        }
    }
    // The storage loop is stable with margin (crossover where |L| rises,
    // counted on its stable side), and the boundary lies inside the range.
    assert!(pm > 30.0 && pm < 90.0, "phase margin {pm}");
    assert!(boundary > 1e-6 && boundary < 300e-6, "boundary {boundary}");
    Ok(())
}

/// With `--boundary` the report's stability section draws least damping
/// against the parameter with the boundary marked.
#[test]
fn html_report_draws_the_boundary_sweep_when_asked() -> TestResult {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("r.html");
    assert_cmd::Command::cargo_bin("busbar")?
        .current_dir(root)
        .args([
            "-q",
            "report",
            "circuits/nvl72_rack.ron",
            "scenarios/step_30_100.ron",
            "--boundary",
            "l_feed=1e-6:300e-6",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(&out)?;
    for needle in [
        "Stability boundary: least damping against l_feed",
        "l_feed [µH]",
        "beyond the boundary",
    ] {
        assert!(html.contains(needle), "the report lacks `{needle}`");
    }
    Ok(())
}
