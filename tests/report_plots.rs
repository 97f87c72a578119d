//! End-to-end checks of the report writers on a synthetic rack transient:
//! CSV, JSON summary, terminal table, PNG/SVG figures and their files.

use busbar::report::{
    summary_json, summary_table, try_waveform_figures, waveform_figures, waveforms_csv,
    write_atomic, write_figures, Figure, Summary,
};
use busbar::results::{Column, EventRecord, Quantity, SolverStats, Waveforms};
use std::error::Error;
use std::fs;

type TestResult = Result<(), Box<dyn Error>>;

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// 50 ms at 10 µs: a load step at 10 ms rings the 800 V bus (damped sine),
/// eighteen 50 V tray buses follow it through a 16:1 DCX, plus a feeder
/// current and one tray's power.
fn rack_transient() -> Waveforms {
    let time: Vec<f64> = (0..=5000).map(|i| f64::from(i) * 1e-5).collect();
    let ring = |t: f64| {
        if t < 0.01 {
            0.0
        } else {
            (-(t - 0.01) / 4e-3).exp() * (2.0e3 * (t - 0.01)).cos()
        }
    };
    let bus800: Vec<f64> = time.iter().map(|&t| 800.0 - 30.0 * ring(t)).collect();
    let mut columns = vec![Column {
        name: "bus800".into(),
        target: "bus800".into(),
        quantity: Quantity::Voltage,
        nominal: Some(800.0),
        values: bus800.clone().into(),
        extremes: None,
    }];
    for k in 1..=18 {
        columns.push(Column {
            name: format!("tray{k}.bus50"),
            target: format!("tray{k}.bus50"),
            quantity: Quantity::Voltage,
            nominal: Some(50.0),
            extremes: None,
            values: bus800
                .iter()
                .map(|v| v / 16.0 - 0.005 * f64::from(k))
                .collect(),
        });
    }
    columns.push(Column {
        name: "i(lfeed)".into(),
        target: "lfeed".into(),
        quantity: Quantity::Current,
        nominal: None,
        extremes: None,
        values: time
            .iter()
            .map(|&t| {
                if t < 0.01 {
                    50.625
                } else {
                    168.75 + 40.0 * ring(t)
                }
            })
            .collect(),
    });
    columns.push(Column {
        name: "p(tray1.gpu)".into(),
        target: "tray1.gpu".into(),
        quantity: Quantity::Power,
        nominal: None,
        extremes: None,
        values: time
            .iter()
            .map(|&t| if t < 0.01 { 2.25e3 } else { 7.5e3 })
            .collect(),
    });
    Waveforms {
        time,
        columns,
        events: vec![
            EventRecord {
                time: 0.01,
                target: "tray*.gpu".into(),
                what: "load step".into(),
            },
            EventRecord {
                time: 0.03,
                target: "tray7.gpu".into(),
                what: "uvlo trip".into(),
            },
        ],
        stats: SolverStats {
            method: "esdirk34".into(),
            unknowns: 93,
            steps: 812,
            rejected_steps: 7,
            ..SolverStats::default()
        },
    }
}

#[test]
fn csv_has_a_header_and_one_row_per_sample() -> TestResult {
    let w = rack_transient();
    let text = String::from_utf8(waveforms_csv(&w))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    assert_eq!(header.len(), 1 + 18 + 3);
    assert_eq!(&header[..3], ["time", "bus800", "tray1.bus50"]);
    assert_eq!(header.last(), Some(&"p(tray1.gpu)"));
    assert_eq!(lines.clone().count(), 5001);
    let first: Vec<f64> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    assert_eq!(first[..2], [0.0, 800.0]);
    assert_eq!(waveforms_csv(&w), waveforms_csv(&w));
    Ok(())
}

#[test]
fn summary_reports_extremes_events_and_solver() {
    let w = rack_transient();
    let v = summary_json("NVL72-class rack", "load step", &w, None);
    assert_eq!(v["circuit"], "NVL72-class rack");
    assert_eq!(v["samples"], 5001);
    let bus = &v["columns"][0];
    assert_eq!(bus["name"], "bus800");
    assert_eq!(bus["nominal"], 800.0);
    assert_eq!(bus["min"], 770.0);
    assert_eq!(bus["t_min"], 0.01);
    let deviation = bus["min_deviation_pct"].as_f64().unwrap_or(0.0);
    assert!((deviation + 3.75).abs() < 1e-9);
    assert!(bus["max"].as_f64().unwrap_or(0.0) > 800.0);
    assert!(v["columns"][19].get("min_deviation_pct").is_none());
    assert_eq!(v["events"][1]["what"], "uvlo trip");
    assert_eq!(v["solver"]["steps"], 812);

    let a = serde_json::to_vec_pretty(&Summary::new("rack", "step", &w, None)).unwrap_or_default();
    let b = serde_json::to_vec_pretty(&Summary::new("rack", "step", &w, None)).unwrap_or_default();
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

#[test]
fn table_uses_engineering_units() {
    let t = summary_table(&rack_transient());
    for expected in [
        "bus800",
        "800.00 V",
        "770.00 V",
        "10.00 ms",
        "tray18.bus50",
        "208.8 A",
        "7.500 kW",
        "2.250 kW",
        "uvlo trip",
        "esdirk34",
        "812 steps (7 rejected)",
    ] {
        assert!(t.contains(expected), "missing {expected:?} in\n{t}");
    }
}

#[test]
fn figures_are_grouped_deterministic_and_labelled() -> TestResult {
    let w = rack_transient();
    let figures = try_waveform_figures(&w)?;
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    // 800 V and 50 V buses: their groups, then both per unit.
    assert_eq!(
        names,
        ["bus800", "tray_bus50", "buses_pu", "currents", "powers"]
    );
    for f in &figures {
        assert_eq!(f.png[..8], PNG_SIGNATURE, "{}", f.name);
        assert!(f.svg.starts_with("<svg"), "{}", f.name);
        assert!(f.svg.contains("time [ms]"), "{}", f.name);
        assert!(f.svg.contains(&f.title), "{}: title {:?}", f.name, f.title);
    }
    assert_eq!(figures[1].title, "Voltage: tray#.bus50 (18 signals)");
    assert!(figures[1].svg.contains("min/max"));
    assert!(figures[0].svg.contains("nominal 800.0 V"));
    assert!(figures[0].svg.contains("voltage [V]"));
    assert!(figures[2].svg.contains("voltage [p.u.]"));
    assert!(figures[2].svg.contains("nominal, 1.0 p.u."));
    assert!(figures[2].svg.contains("tray#.bus50 min/max (18)"));
    assert!(figures[4].svg.contains("power [kW]"));

    let again = waveform_figures(&w);
    assert!(figures == again, "rendering is not deterministic");
    Ok(())
}

#[test]
fn figures_are_written_atomically_with_safe_names() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("plots");
    let mut figures = waveform_figures(&rack_transient());
    figures.truncate(1);
    figures.push(Figure {
        name: "../escape/v(n#1)".into(),
        title: "hand-made".into(),
        png: vec![1, 2, 3],
        svg: "<svg/>".into(),
    });
    let paths = write_figures(&out, &figures)?;
    let mut names: Vec<String> = fs::read_dir(&out)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    assert_eq!(
        names,
        [
            ".busbar-figures.manifest",
            "bus800.png",
            "bus800.svg",
            "escape_v_n_1.png",
            "escape_v_n_1.svg"
        ]
    );
    assert_eq!(paths.len(), 4);
    assert!(paths.iter().all(|p| p.starts_with(&out)));
    assert_eq!(fs::read(&paths[0])?, figures[0].png);
    assert_eq!(fs::read_dir(dir.path())?.count(), 1);

    let csv = dir.path().join("waveforms.csv");
    write_atomic(&csv, b"time\n0\n")?;
    assert_eq!(fs::read(&csv)?, b"time\n0\n");
    Ok(())
}
