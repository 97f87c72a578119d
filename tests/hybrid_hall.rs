//! The verdicts of the hybrid hall's scenarios (`scenarios/hybrid/`), pinned:
//! the sound designs pass every limit, and each MARGINAL design fails on
//! exactly the limits its header names (by limit name, not just "failed"),
//! so a change that makes one fail for another reason, or pass, is caught.
//! Runs the binary built with the tests, one process per scenario.

use serde_json::Value;
use std::collections::BTreeSet;

/// `busbar check --json` of one scenario: its exit code and report.
fn check(rel: &str) -> (Option<i32>, Value) {
    let out = assert_cmd::Command::cargo_bin("busbar")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--json", rel])
        .output()
        .expect("busbar runs");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{rel}: no JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), doc["scenarios"][0].clone())
}

/// The names of the limits with the given status.
fn with_status(report: &Value, status: &str) -> BTreeSet<String> {
    report["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .filter(|v| v["status"] == status)
        .map(|v| v["name"].as_str().expect("name").to_string())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn assert_passes(rel: &str) {
    let (code, report) = check(rel);
    let bad: Vec<_> = report["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .filter(|v| v["status"] != "pass")
        .map(|v| format!("{} {}: {}", v["status"], v["name"], v["detail"]))
        .collect();
    assert_eq!(code, Some(0), "{rel}: {bad:?}");
    assert!(!with_status(&report, "pass").is_empty(), "{rel}: no limits");
}

fn assert_fails_on(rel: &str, expected: &[&str]) {
    let (code, report) = check(rel);
    assert_eq!(code, Some(1), "{rel}: {report}");
    assert!(
        report["scenario"]
            .as_str()
            .is_some_and(|n| n.starts_with("MARGINAL")),
        "{rel}: a failing design must be named MARGINAL"
    );
    assert_eq!(with_status(&report, "fail"), set(expected), "{rel}");
}

#[test]
fn training_step_across_the_hall_passes() {
    assert_passes("scenarios/hybrid/s1_step.ron");
}

#[test]
fn grid_sag_to_70_percent_is_ridden_through() {
    assert_passes("scenarios/hybrid/s4_sag_70.ron");
}

#[test]
fn row_fault_is_cleared_and_the_rest_rides_through() {
    assert_passes("scenarios/hybrid/s6_row_fault.ron");
}

#[test]
fn zero_volt_sag_collapses_the_backbone() {
    assert_fails_on(
        "scenarios/hybrid/s8_marginal_zero_sag.ron",
        &["MinVoltage row*.rack*.bus800 ≥ 640 V"],
    );
}
