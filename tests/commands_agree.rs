//! `simulate`, `check` and `report` run one study the same way: for every
//! bundled scenario, the three commands give identical verdicts, measured
//! values, margins, locations and times (issue: a `MinVoltage` limit was
//! judged on `bus800` by `simulate` and on `rack4.bus800` by `check`).
//!
//! Runs the binary built with the tests, three processes per scenario:
//! `simulate` (its summary.json), `check --json` and `report --json`; the
//! report's HTML verdict table must have one row per verdict.

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn busbar(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_busbar"))
        .args(args)
        .output()
        .expect("busbar runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn json(text: &str, what: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text}"))
}

/// Runs the three commands on one scenario in `dir`; returns how many
/// verdicts agreed.
fn compare(path: &Path, dir: &Path) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario: busbar::analysis::Scenario =
        busbar::scenario::load(path).expect("bundled scenario loads");
    let circuit = scenario
        .circuit_path()
        .expect("bundled scenario names its circuit");
    let (c, s) = (
        circuit.to_str().expect("path"),
        path.to_str().expect("path"),
    );
    let rel = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();

    let sim_dir = dir.join("sim");
    let (code, _) = busbar(&[
        "--quiet",
        "simulate",
        c,
        s,
        "-o",
        sim_dir.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(0), "{rel}: simulate");
    let text = std::fs::read_to_string(sim_dir.join("summary.json")).expect("summary.json");
    let simulated = json(&text, "summary.json")["verdicts"].clone();

    let (_, text) = busbar(&["--json", "check", "-c", c, s]);
    let checked = json(&text, "check --json")["scenarios"][0]["verdicts"].clone();

    let html = dir.join("report.html");
    let (code, text) = busbar(&["--json", "report", c, s, "-o", html.to_str().expect("path")]);
    assert_eq!(code, Some(0), "{rel}: report");
    let reported = json(&text, "report --json")["verdicts"].clone();

    assert_eq!(simulated, checked, "{rel}: simulate and check disagree");
    assert_eq!(simulated, reported, "{rel}: simulate and report disagree");
    let n = simulated.as_array().map_or(0, Vec::len);
    let html = std::fs::read_to_string(&html).expect("report.html");
    let table = html
        .split("id=\"verdict-table\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or("");
    assert_eq!(
        table.matches("<tr").count(),
        n + 1,
        "{rel}: the HTML verdict table has one row per verdict and a header"
    );
    n
}

#[test]
fn simulate_check_and_report_agree_on_every_bundled_scenario() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = common::bundled_scenarios();
    assert!(scenarios.len() >= 20, "bundled scenarios: {scenarios:?}");
    // Two workers, each with its own output folder.
    let compared: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|k| {
                let (scenarios, dir) = (&scenarios, dir.path().join(k.to_string()));
                scope.spawn(move || {
                    std::fs::create_dir_all(&dir).expect("worker folder");
                    scenarios
                        .iter()
                        .skip(k)
                        .step_by(2)
                        .map(|p| compare(p, &dir))
                        .sum::<usize>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker finished"))
            .sum()
    });
    assert!(compared > 50, "only {compared} verdicts compared");
}
