//! `busbar check` over every bundled scenario: each file under
//! `scenarios/` (recursively, except the limit sets in `scenarios/limits/`)
//! must pass with exit 0, except the deliberately marginal designs, whose
//! scenario `name` starts with `MARGINAL`: they must exit 1, with failed
//! limits and no error. For the two Kyber-class marginal designs the test
//! also pins which limits fail, so a change that makes them fail for
//! another reason (or pass) is caught.
//!
//! Runs the binary built with the tests (release under `cargo test
//! --release`), one process per scenario, and prints each one's time.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

/// The names (`kind target threshold`) of the failed limits of one checked scenario.
fn failed(report: &Value) -> BTreeSet<String> {
    report["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .filter(|v| v["status"] == "fail")
        .map(|v| v["name"].as_str().expect("limit name").to_string())
        .collect()
}

/// Failed limits expected of the two Kyber-class marginal designs (see the
/// comments in their files): the ±3 % transient deviation on the main bus
/// and at the racks, and the 48.5 V / 2 ms BBU trigger on the 50 V buses.
/// Their MinDamping passes: the full model is stable (see
/// tests/stability_kyber.rs).
fn expected_kyber_failures() -> BTreeSet<String> {
    [
        "Deviation bus800 ≤ ±3 %",
        "Deviation rack*.bus800 ≤ ±3 %",
        "MinVoltage rack*.bus50 ≥ 48.5 V for > 2 ms",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

#[test]
fn every_bundled_scenario_passes_or_is_marked_marginal() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let files = common::bundled_scenarios();
    assert!(files.len() >= 3, "bundled scenarios: {files:?}");
    let mut problems = Vec::new();
    let mut marginal = BTreeSet::new();
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        let started = Instant::now();
        let out = assert_cmd::Command::cargo_bin("busbar")
            .expect("binary")
            .current_dir(&root)
            .args(["check", "--json", &rel])
            .output()
            .expect("busbar runs");
        eprintln!("{rel}: {:.2} s", started.elapsed().as_secs_f64());
        let code = out.status.code();
        let doc: Value = match serde_json::from_slice(&out.stdout) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!(
                    "{rel}: exit {code:?}, no JSON report ({e}); stderr:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
        };
        let report = &doc["scenarios"][0];
        let name = report["scenario"].as_str().unwrap_or("");
        let fails = failed(report);
        if name.starts_with("MARGINAL") {
            marginal.insert(rel.clone());
            if code != Some(1) || fails.is_empty() {
                problems.push(format!(
                    "{rel} (marginal): exit {code:?}, failed {fails:?}, expected exit 1"
                ));
            }
            if rel.contains("kyber/") && fails != expected_kyber_failures() {
                problems.push(format!(
                    "{rel}: failed {fails:?}, expected {:?}",
                    expected_kyber_failures()
                ));
            }
        } else if code != Some(0) {
            let why: Vec<String> = report["verdicts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| v["status"] != "pass")
                .map(|v| format!("{} {}: {}", v["status"], v["name"], v["detail"]))
                .collect();
            problems.push(format!(
                "{rel}: exit {code:?}, expected 0; {why:?} {}",
                report["error"]
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The two deliberately marginal Kyber-class designs are among them.
    for f in [
        "scenarios/kyber/filter_50uH.ron",
        "scenarios/kyber/small_bus_cap.ron",
    ] {
        assert!(marginal.contains(f), "{f} not checked as marginal");
    }
}
