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

/// `busbar stability --json` of the hybrid hall with parameter overrides.
fn stability(sets: &[&str]) -> Value {
    let mut cmd = assert_cmd::Command::cargo_bin("busbar").expect("binary");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "stability",
        "--json",
        "--no-auto-interfaces",
        "--loops",
        "sst",
        "circuits/hybrid_hall.ron",
    ]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().expect("busbar runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The least damping of the modes made (≥ 90 %) by the 48 V racks.
fn least_48v_damping(report: &Value) -> f64 {
    report["modes"]["modes"]
        .as_array()
        .expect("modes")
        .iter()
        // Oscillatory and resolved (a neutral mode has no damping to judge).
        .filter(|m| m["imag"].as_f64().expect("imag") > 0.0 && m.get("neutral").is_none())
        .filter(|m| {
            m["subsystems"]
                .as_array()
                .expect("subsystems")
                .iter()
                .any(|s| {
                    s["name"] == "48 V racks" && s["fraction"].as_f64().expect("fraction") >= 0.9
                })
        })
        .map(|m| m["damping"].as_f64().expect("damping"))
        .fold(f64::INFINITY, f64::min)
}

/// The 48 V shelves are constant-power loads behind each ORv3 rack's 5 µH
/// feeder and 1 mF input bank: the bank-feeder resonance has
/// ζ = (R_feed + ESR)/2·√(C/L) − P/V²·√(L/C)/2 (the CPL's negative
/// incremental resistance −V²/P in parallel with C), with P the shelf's
/// input power and V its 800 V bus. The eigen-analysis must agree with
/// that closed form within 3 % at two 48 V shares, and the hall must be
/// "made by" the 48 V racks in those modes. (The shelf regulates at 2 kHz,
/// so it is a constant-power load up to about the resonance: the closed
/// form is the low-frequency limit, hence 3 %, not 1e-6.)
#[test]
fn the_48v_share_sets_the_damping_of_the_orv3_rack_inputs() {
    let (l, c, r_feed, esr) = (5e-6_f64, 1e-3_f64, 1.8e-3, 7e-3);
    let z0 = (l / c).sqrt();
    // p_mix of the default hall: 60 racks of 135 kW and 10 of 132 kW.
    let p_mix = 60.0 * 135e3 + 10.0 * 132e3;
    for share in [0.14, 0.25] {
        let report = stability(&[&format!("share_48v={share}")]);
        let v = report["operating_point"]
            .as_array()
            .expect("operating point")
            .iter()
            .find(|b| b["node"] == "orv3_row.rack1.bus800")
            .and_then(|b| b["volts"].as_f64())
            .expect("rack bus");
        let p_in = share * p_mix / 10.0 / 0.975;
        let zeta = (r_feed + esr) / 2.0 / z0 - p_in / (v * v) * z0 / 2.0;
        let found = least_48v_damping(&report);
        assert!(
            (found - zeta).abs() <= 0.03 * zeta,
            "share {share}: ζ {found} from the modes, {zeta} closed form"
        );
    }
}

#[test]
fn training_iterations_fail_grid_compliance_not_the_racks() {
    assert_fails_on(
        "scenarios/hybrid/s2_marginal_training_grid.ron",
        &[
            "RampRate sst up ≤ 1.32 MW/s, down ≤ 1.32 MW/s (1 s average)",
            "BandShare sst in 100 mHz–20 Hz ≤ 20 %",
            "DynamicRange sst ≥ 0 W",
        ],
    );
}

#[test]
fn comm_dip_after_a_checkpoint_dips_the_racks() {
    assert_fails_on(
        "scenarios/hybrid/s3_marginal_checkpoint.ron",
        &["Deviation row*.rack*.bus800 ≤ ±3 %"],
    );
}
