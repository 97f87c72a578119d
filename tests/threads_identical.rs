//! One thread or two, the same bytes: `busbar simulate` of a 50-rack hall
//! with the glob limits of `hall_step_10.ron` (about 110 matched columns,
//! judged in parallel tasks of 16) run under `RAYON_NUM_THREADS=1` and
//! `=2` writes the same `waveforms.csv` and the same `summary.json`, apart
//! from the wall time it reports; so does a 600-rack hall, large enough
//! that its devices are evaluated in two halves side by side and its
//! loads' profiles read in parallel; `busbar stability` gives the same
//! report.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the hall of `rows` rows of 10 racks on `threads` threads into `out`.
fn simulate(threads: &str, rows: usize, out: &Path) {
    Command::cargo_bin("busbar")
        .expect("binary")
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", threads)
        .args([
            "simulate",
            "circuits/hall.ron",
            "scenarios/hall_step_10.ron",
        ])
        .args(["--set", &format!("n_rows={rows}"), "-q", "-o"])
        .arg(out)
        .assert()
        .success();
}

/// summary.json without its `wall_seconds` line, the one value that is
/// allowed to differ between two runs.
fn summary_without_wall_time(out: &Path) -> String {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    assert!(text.contains("\"wall_seconds\""), "the key this test drops");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("\"wall_seconds\""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn one_and_two_threads_write_the_same_bytes() {
    same_bytes_on_one_and_two_threads(5);
}

#[test]
fn split_device_evaluation_writes_the_same_bytes_on_one_and_two_threads() {
    let overrides = std::collections::BTreeMap::from([("n_rows".to_string(), 60.0)]);
    let hall = busbar::components::load(&root().join("circuits/hall.ron"), &overrides)
        .expect("hall circuit");
    let model = busbar::compile::compile(&hall).expect("compiles");
    assert!(
        model.devices.len() >= busbar::compile::SPLIT_EVAL_DEVICES,
        "{} devices: the split path is not exercised",
        model.devices.len()
    );
    same_bytes_on_one_and_two_threads(60);
}

fn same_bytes_on_one_and_two_threads(rows: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    simulate("1", rows, &one);
    simulate("2", rows, &two);
    let csv = |p: &Path| std::fs::read(p.join("waveforms.csv")).expect("waveforms.csv");
    let (a, b) = (csv(&one), csv(&two));
    assert!(a.len() > 100_000, "a real run: {} bytes", a.len());
    assert!(a == b, "waveforms.csv differs between 1 and 2 threads");
    let (sa, sb) = (
        summary_without_wall_time(&one),
        summary_without_wall_time(&two),
    );
    // The glob limits were judged: their verdicts are what runs in parallel.
    assert!(sa.contains("\"kind\": \"MinVoltage\""), "{sa}");
    assert!(sa.contains("\"status\": \"pass\""), "{sa}");
    assert_eq!(sa, sb, "summary.json differs between 1 and 2 threads");
}

/// `busbar stability --json` on `threads` threads, without the wall times.
fn stability(threads: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::cargo_bin("busbar")
        .expect("binary")
        .current_dir(root())
        .env("RAYON_NUM_THREADS", threads)
        .args(["stability", "--json"])
        .args(args)
        .output()
        .expect("busbar runs");
    assert!(out.status.success(), "{out:?}");
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v.as_object_mut().expect("object").remove("timings");
    v["modes"].as_object_mut().expect("modes").remove("seconds");
    v
}

/// The stability report computes its loop gains, its frequency sweeps and
/// its shift-invert shifts in parallel, and its modes beside the loop
/// gains and bus impedances: one thread or two give the same report. The
/// 29-row hall (2 090 states) takes the shift-invert path and sweeps 64
/// buses; the 10-row hall (722 states) decomposes its one coupled block
/// densely while the other core computes its loop gains; the hybrid hall
/// computes 24 loop gains.
#[test]
fn one_and_two_threads_give_the_same_stability_report() {
    for args in [
        &["circuits/hall.ron", "--set", "n_rows=29"][..],
        &["circuits/hall.ron", "--set", "n_rows=10"][..],
        &["circuits/hybrid_hall.ron", "--no-auto-interfaces"][..],
    ] {
        let (one, two) = (stability("1", args), stability("2", args));
        assert!(one["loops"].is_array() && one["buses"].is_array());
        assert_eq!(one, two, "{args:?}");
    }
}
