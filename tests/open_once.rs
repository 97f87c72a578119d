//! Every command reads its circuit file and its scenario file exactly
//! once, whatever it does with them afterwards (overrides, operating
//! points per load event, boundary searches, stability figures): the
//! study keeps both in memory. Checked from outside the process, by
//! counting the successful `open`/`openat` calls that resolve to each file
//! under `strace -f`.
//!
//! Needs `strace`; skips with a note where it is missing, except when
//! `CI=true`, where a missing `strace` fails the run.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn have_strace() -> bool {
    let found = Command::new("strace").arg("-V").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "strace is missing, and CI=true requires it"
        );
        eprintln!("note: strace not found; the open-once test is skipped");
    }
    found
}

/// Runs busbar under strace; returns how often each file in `watch` was
/// opened successfully. The ngspice export may refuse a circuit it cannot
/// write exactly (exit 2, after reading it); anything else must run.
fn opens(args: &[&str], watch: &[&Path], scratch: &Path) -> Vec<usize> {
    let log = scratch.join("strace.log");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-y", "-e", "trace=open,openat,openat2", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_busbar"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("strace runs");
    let refusable = args.contains(&"--spice");
    assert!(
        status.code().is_some_and(|c| c <= 1 || refusable && c == 2),
        "busbar {args:?} failed ({status})"
    );
    let text = std::fs::read_to_string(&log).expect("strace log");
    let canonical: Vec<PathBuf> = watch
        .iter()
        .map(|p| p.canonicalize().expect("watched file exists"))
        .collect();
    let mut counts = vec![0; watch.len()];
    for line in text.lines() {
        // A successful open ends in `= FD</resolved/path>`.
        let Some((_, result)) = line.rsplit_once(" = ") else {
            continue;
        };
        let Some(path) = result
            .split_once('<')
            .and_then(|(_, rest)| rest.strip_suffix('>'))
        else {
            continue;
        };
        for (k, c) in canonical.iter().enumerate() {
            if Path::new(path) == c {
                counts[k] += 1;
            }
        }
    }
    counts
}

/// One scenario per bundled circuit: the first that names it, except the
/// 1000-rack hall, which is opened through its 10-rack scenario.
fn scenario_per_circuit() -> BTreeMap<PathBuf, PathBuf> {
    let mut out = BTreeMap::new();
    for path in common::bundled_scenarios() {
        let s: busbar::analysis::Scenario =
            busbar::scenario::load(&path).expect("bundled scenario loads");
        let circuit = s.circuit_path().expect("names its circuit");
        let circuit = circuit.canonicalize().expect("circuit exists");
        let is_big_hall = path.ends_with("hall_step.ron") || path.ends_with("hall_step_100.ron");
        if !is_big_hall {
            out.entry(circuit).or_insert(path);
        }
    }
    out
}

#[test]
fn every_command_opens_circuit_and_scenario_once() {
    if !have_strace() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let circuits: Vec<PathBuf> = std::fs::read_dir(root.join("circuits"))
        .expect("circuits/")
        .map(|e| e.expect("entry").path().canonicalize().expect("path"))
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    let pairs = scenario_per_circuit();
    assert_eq!(
        pairs.len(),
        circuits.len(),
        "a scenario for every bundled circuit"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let mut failures = Vec::new();
    for (circuit, scenario) in &pairs {
        let (c, s) = (
            circuit.to_str().expect("path"),
            scenario.to_str().expect("path"),
        );
        let (sim, html, cir, ss) = (out("sim"), out("r.html"), out("x.cir"), out("ss.json"));
        let commands: Vec<Vec<&str>> = vec![
            vec!["simulate", c, s, "-o", &sim, "--plot"],
            vec!["check", s],
            vec!["check", "-c", c, s],
            vec!["report", c, s, "-o", &html],
            vec!["stability", c, "-s", s, "--at", "0.0"],
            vec!["validate", c],
            vec!["export", c, "-s", s, "--spice", &cir, "--state-space", &ss],
        ];
        for args in commands {
            let n = opens(&args, &[circuit, scenario], dir.path());
            let wanted_scenario = usize::from(args.contains(&s));
            if n != [1, wanted_scenario] {
                failures.push(format!(
                    "busbar {}: circuit opened {} times, scenario {} times",
                    args.join(" "),
                    n[0],
                    n[1]
                ));
            }
        }
    }
    // Searches that re-bind the circuit at many parameter values.
    let row = root.join("circuits/busway_row.ron");
    let rack = root.join("circuits/nvl72_rack.ron");
    let step = root.join("scenarios/step_30_100.ron");
    let (row_s, rack_s, step_s) = (
        row.to_str().expect("path"),
        rack.to_str().expect("path"),
        step.to_str().expect("path"),
    );
    let html = out("b.html");
    let searches: Vec<(Vec<&str>, Vec<&Path>)> = vec![
        (
            vec![
                "stability",
                row_s,
                "--sensitivity",
                "c_src",
                "--boundary",
                "p_rack=50e3:2e6",
            ],
            vec![&row],
        ),
        (
            vec![
                "report",
                rack_s,
                step_s,
                "-o",
                &html,
                "--boundary",
                "l_feed=1e-6:300e-6",
            ],
            vec![&rack, &step],
        ),
    ];
    for (args, files) in searches {
        let n = opens(&args, &files, dir.path());
        if n.iter().any(|&k| k != 1) {
            failures.push(format!("busbar {}: opened {n:?} times", args.join(" ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
