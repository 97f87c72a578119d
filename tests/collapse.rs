//! A design that collapses keeps its evidence. An 800 V source behind a
//! 1 Ω feed (a closed switch, which the scenarios open after the run has
//! ended) supplies a constant-power load ramped from 100 kW to 200 kW
//! between 5 ms and 15 ms; the feed delivers at most Vs²/4R = 160 kW, so
//! the bus follows the upper root of V² − Vs·V + R·P(t) = 0 down to the
//! nose (V = Vs/2 = 400 V) at P = 160 kW, t = 11 ms, where the equations
//! have no solution left and the engine stops.
//!
//! `simulate`, `check` and `report` must then keep the waveforms up to
//! 11 ms, name the failure's time, unknown, component and node, fail the
//! `MinVoltage` crossed before the collapse (value and time against the
//! closed form), report the collapse as one JUnit `<error>`, exit 1 from
//! `check`, and draw the report with a red banner.

#[path = "support/xml.rs"]
mod xml;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const VS: f64 = 800.0;
const R: f64 = 1.0;
const P_RATED: f64 = 200e3;
/// The load's profile: 0.5 pu until 5 ms, ramping to 1 pu at 15 ms.
const RAMP_START: f64 = 5e-3;
const RAMP: f64 = 10e-3;

/// When the demand reaches Vs²/4R: the nose of the feed's P–V curve.
fn collapse_time() -> f64 {
    let pu_nose = VS * VS / (4.0 * R) / P_RATED;
    RAMP_START + (pu_nose - 0.5) / 0.5 * RAMP
}

/// The bus voltage on the upper branch before the collapse.
fn bus_volts(t: f64) -> f64 {
    let pu = 0.5 + 0.5 * ((t - RAMP_START) / RAMP).clamp(0.0, 1.0);
    let p = P_RATED * pu;
    0.5 * (VS + (VS * VS - 4.0 * R * p).max(0.0).sqrt())
}

const CIRCUIT: &str = r#"Circuit(name: "weak feed", components: [
    VoltageSource(name: "vsrc", pos: "src", volts: 800.0),
    Switch(name: "feed", a: "src", b: "bus", on_ohms: 1.0, off_ohms: 1e12),
    Load(name: "cpl", node: "bus", watts: 200e3, model: ConstantPower(min_volts: 100.0)),
], buses: {"bus": (nominal: 800.0)})
"#;

/// The scenario with `limits`, `duration` and `events` filled in.
fn scenario(duration: f64, limits: &str, events: &str) -> String {
    format!(
        r#"Scenario(name: "overload", circuit: "c.ron", duration: {duration}, sample: 1e-4,
    loads: [(target: "cpl", profile: Step(from: 0.5, to: 1.0, at: 5e-3, rise: 10e-3))],
    events: [{events}],
    record: ["bus", "i(cpl)"],
    limits: [{limits}])
"#
    )
}

const LIMITS: &str = r#"MinVoltage(node: "bus", volts: 700.0),
    MaxCurrent(component: "cpl", amps: 1000.0),
    Settling(node: "bus", band_percent: 1.0, within: 0.02)"#;
const LATE_OPEN: &str = r#"Open(at: 0.025, component: "feed")"#;

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(scenario: &str) -> Case {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("c.ron"), CIRCUIT).expect("circuit");
        std::fs::write(dir.path().join("s.ron"), scenario).expect("scenario");
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn busbar(&self) -> Command {
        let mut c = Command::cargo_bin("busbar").expect("binary");
        c.current_dir(self.dir.path()).env("NO_COLOR", "1");
        c
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

/// (time, bus volts) rows of a `waveforms.csv`.
fn bus_rows(csv: &Path) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(csv).expect("waveforms.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let bus = header
        .iter()
        .position(|h| *h == "bus" || *h == "v(bus)")
        .unwrap_or_else(|| panic!("no bus column in {header:?}"));
    lines
        .map(|l| {
            let cells: Vec<f64> = l.split(',').map(|c| c.parse().expect("number")).collect();
            (cells[0], cells[bus])
        })
        .collect()
}

#[test]
fn simulate_keeps_partial_waveforms_and_names_the_failure() {
    let case = Case::new(&scenario(0.03, LIMITS, LATE_OPEN));
    let out = case.path("out");
    let run = case
        .busbar()
        .args(["simulate", "c.ron", "s.ron", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the run stopped at t = 1.1"), "{stderr}");
    assert!(
        stderr.contains("what was computed up to then is in"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: event 1 (`Open` on `feed`) at t = 25.00 ms did not happen"),
        "{stderr}"
    );

    // The waveforms stop at the collapse and follow the closed form to it.
    let rows = bus_rows(&out.join("waveforms.csv"));
    let t_collapse = collapse_time();
    let last = rows.last().expect("rows").0;
    assert!(
        (last - t_collapse).abs() <= 1e-4 + 1e-9,
        "last row at {last}, collapse at {t_collapse}"
    );
    for &(t, v) in &rows {
        assert!(
            (v - bus_volts(t)).abs() < 1e-3 * VS,
            "t = {t}: {v} V, closed form {} V",
            bus_volts(t)
        );
    }

    let summary = json(&out.join("summary.json"));
    let failure = &summary["failure"];
    let time = failure["time"].as_f64().expect("failure time");
    assert!((time - t_collapse).abs() < 1e-6, "stopped at {time}");
    assert_eq!(failure["unknown"], "bus");
    assert_eq!(failure["node"], "bus");
    assert_eq!(failure["component"], "cpl");
    assert!(failure["message"]
        .as_str()
        .unwrap_or("")
        .contains("step size"));
    let warnings = summary["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0]
        .as_str()
        .unwrap_or("")
        .contains("`Open` on `feed`"));

    // MinVoltage failed before the collapse, at the nose of the P–V curve.
    let verdicts = summary["verdicts"].as_array().expect("verdicts");
    let min_voltage = &verdicts[0];
    assert_eq!(min_voltage["status"], "fail");
    let measured = min_voltage["measured"].as_f64().expect("measured");
    let at = min_voltage["time"].as_f64().expect("time");
    let grid_min = rows.iter().map(|r| r.1).fold(f64::INFINITY, f64::min);
    assert!(
        measured <= grid_min,
        "{measured} V above the samples' {grid_min} V"
    );
    assert!((at - t_collapse).abs() < 1e-6, "minimum at {at}");
    // Below the nose there is no solution on the upper branch: the bus
    // never goes below Vs/2, and reaches it at the collapse.
    assert!(
        measured >= VS / 2.0 && measured - VS / 2.0 < 0.05,
        "{measured} V"
    );
    assert!((measured - bus_volts(at)).abs() < 0.05, "{measured} V");
    assert_eq!(min_voltage["margin"].as_f64(), Some(measured - 700.0));
    // What the rest of the run could still break is not a pass.
    for v in &verdicts[1..] {
        assert_eq!(v["status"], "error", "{v}");
        assert!(
            v["detail"].as_str().unwrap_or("").starts_with("not judged"),
            "{v}"
        );
    }
}

#[test]
fn check_fails_the_limit_crossed_before_the_collapse() {
    let case = Case::new(&scenario(0.03, LIMITS, ""));
    let junit = case.path("check.xml");
    let run = case
        .busbar()
        .args(["check", "s.ron", "--junit"])
        .arg(&junit)
        .output()
        .expect("runs");
    let stdout = text(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&run.stderr)
    );
    assert!(stdout.contains("ERROR at t = 1.1"), "{stdout}");
    assert!(
        stdout.contains("`bus` (component `cpl`, node `bus`)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  MinVoltage bus ≥ 700 V: 400.01 V"),
        "{stdout}"
    );
    assert!(stdout.contains("t = 11.00 ms"), "{stdout}");
    assert!(stdout.contains("ERROR Settling bus"), "{stdout}");

    let report = xml::parse(&std::fs::read_to_string(&junit).expect("junit")).expect("XML");
    // One case per limit plus the run: MinVoltage fails; the run is an
    // error, and so are the two limits the rest of the run could break.
    assert_eq!(xml::check_junit(&report), Ok((4, 1, 3)));
    let cases = &report.children[0].children;
    let outcome = |name: &str| {
        cases
            .iter()
            .find(|c| c.attribute("name").is_some_and(|n| n.starts_with(name)))
            .and_then(|c| c.children.first())
            .map(|o| o.name.clone())
    };
    assert_eq!(outcome("run").as_deref(), Some("error"));
    assert_eq!(outcome("MinVoltage").as_deref(), Some("failure"));
}

#[test]
fn check_exits_2_when_nothing_failed_before_the_collapse() {
    // 300 V is below the nose: nothing is crossed before the collapse, and
    // the rest of the run was never seen.
    let limits = r#"MinVoltage(node: "bus", volts: 300.0)"#;
    let case = Case::new(&scenario(0.03, limits, ""));
    let run = case
        .busbar()
        .args(["check", "s.ron"])
        .output()
        .expect("runs");
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains(
            "ERROR MinVoltage bus ≥ 300 V: not judged: the run stopped at t = 11.00 ms of 30.00 ms"
        ),
        "{stdout}"
    );
    assert!(stdout.ends_with("0 passed, 0 failed\n"), "{stdout}");
}

#[test]
fn report_renders_the_partial_run_under_a_red_banner() {
    let case = Case::new(&scenario(0.03, LIMITS, ""));
    let html_path = case.path("report.html");
    let run = case
        .busbar()
        .args(["report", "c.ron", "s.ron", "-o"])
        .arg(&html_path)
        .output()
        .expect("runs");
    assert_ne!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let html = std::fs::read_to_string(&html_path).expect("report written");
    let banner = html
        .lines()
        .find(|l| l.contains("role=\"alert\""))
        .unwrap_or_else(|| panic!("no banner"));
    assert!(banner.contains("#9b1c1c"), "{banner}");
    assert!(
        banner.contains("The simulation stopped at t = 11.00 ms of 30.00 ms"),
        "{banner}"
    );
    assert!(banner.contains("component cpl, node bus"), "{banner}");
    // The waveforms are drawn: the section holds figures of the bus.
    let waveforms = &html[html.find("id=\"waveforms\"").expect("waveforms section")..];
    assert!(waveforms.contains("<svg"), "no figure");
}

#[test]
fn events_after_a_shortened_run_are_warnings() {
    // The same design looked at for 4 ms only: it does not collapse, and
    // the feed's opening at 25 ms is after the end.
    let case = Case::new(&scenario(
        4e-3,
        r#"MinVoltage(node: "bus", volts: 600.0)"#,
        LATE_OPEN,
    ));
    let out = case.path("out");
    let run = case
        .busbar()
        .args(["simulate", "c.ron", "s.ron", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: event 1 (`Open` on `feed`) at t = 25.00 ms did not happen: the run ends at t = 4.000 ms"),
        "{stderr}"
    );
    let summary = json(&out.join("summary.json"));
    assert!(summary.get("failure").is_none());
    assert_eq!(summary["warnings"].as_array().map(Vec::len), Some(1));
    // Before the ramp the bus sits at the closed-form operating point.
    let bus = &summary["columns"][0];
    assert!((bus["final"].as_f64().unwrap_or(0.0) - bus_volts(0.0)).abs() < 1e-6);
    let check = case
        .busbar()
        .args(["check", "s.ron"])
        .output()
        .expect("runs");
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}
