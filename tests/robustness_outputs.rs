//! Outputs never replace inputs, goldens of same-named scenarios in
//! different folders stay apart, `diff` refuses files that are not busbar
//! results, and output folders are all new or all old after a run.
//!
//! Each case is a small RC circuit run for a millisecond: seconds in all.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

fn busbar(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("busbar").expect("binary");
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

const CIRCUIT: &str = r#"Circuit(name: "rc", components: [
  VoltageSource(name: "src", pos: "a", volts: 48.0),
  Resistor(name: "r", a: "a", b: "bus", ohms: 0.1),
  Capacitor(name: "cbus", a: "bus", b: "gnd", farads: 1e-3),
  Load(name: "ld", node: "bus", watts: 500.0, model: Resistive(volts: 48.0)),
])
"#;

fn scenario(circuit: &str) -> String {
    format!(
        r#"Scenario(name: "s", circuit: "{circuit}", duration: 1e-3, sample: 1e-5,
  loads: [(target: "ld", profile: Step(from: 0.5, to: 1.0, at: 2e-4))],
  record: ["bus"], limits: [MinVoltage(node: "bus", volts: 40.0)])
"#
    )
}

/// A folder with `c.ron` and `s.ron` (which names `c.ron`).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("c.ron"), CIRCUIT).expect("circuit");
    fs::write(dir.path().join("s.ron"), scenario("c.ron")).expect("scenario");
    dir
}

/// Stderr with the diagnostic's line wrapping and box drawing undone, so
/// that a phrase can be looked for whatever the terminal width.
fn stderr(out: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ")
}

/// Runs `args` in `dir`, expecting exit 2 with an error naming the input,
/// and `victim` unchanged.
fn refused(dir: &Path, args: &[&str], victim: &str) {
    let before = fs::read(dir.join(victim)).expect("input");
    let out = busbar(dir).args(args).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("an input of this command"),
        "{args:?}: {text}"
    );
    assert_eq!(
        fs::read(dir.join(victim)).expect("input"),
        before,
        "{args:?} replaced {victim}"
    );
}

#[test]
fn no_output_may_replace_an_input() {
    let p = project();
    let d = p.path();
    refused(d, &["report", "c.ron", "s.ron", "-o", "c.ron"], "c.ron");
    refused(d, &["report", "c.ron", "s.ron", "-o", "./s.ron"], "s.ron");
    refused(d, &["export", "c.ron", "--spice", "c.ron"], "c.ron");
    refused(d, &["export", "c.ron", "--state-space", "c.ron"], "c.ron");
    refused(
        d,
        &["export", "c.ron", "-s", "s.ron", "--spice", "s.ron"],
        "s.ron",
    );
    refused(d, &["check", "s.ron", "--junit", "s.ron"], "s.ron");
    // The circuit a scenario names is an input too, found through the scenario.
    refused(d, &["check", "s.ron", "--junit", "c.ron"], "c.ron");
    // A trace the scenario reads, where simulate would write waveforms.csv.
    fs::create_dir(d.join("out")).expect("out");
    fs::write(d.join("out/waveforms.csv"), "time,p\n0,0.5\n1,0.5\n").expect("trace");
    fs::write(
        d.join("t.ron"),
        r#"Scenario(name: "t", circuit: "c.ron", duration: 1e-3, sample: 1e-5,
  loads: [(target: "ld", profile: Trace(file: "out/waveforms.csv", time: "time", value: "p"))],
  record: ["bus"])
"#,
    )
    .expect("scenario");
    refused(
        d,
        &["simulate", "c.ron", "t.ron", "-o", "out"],
        "out/waveforms.csv",
    );
    // A hard link is the same file under another name.
    fs::hard_link(d.join("c.ron"), d.join("link.ron")).expect("link");
    refused(d, &["export", "c.ron", "--spice", "link.ron"], "c.ron");
    // Outputs elsewhere are fine.
    let ok = busbar(d)
        .args(["export", "c.ron", "--spice", "deck.cir"])
        .output()
        .expect("runs");
    assert!(ok.status.success(), "{}", stderr(&ok));
}

#[test]
fn goldens_of_same_named_scenarios_in_different_folders_do_not_collide() {
    let p = project();
    let d = p.path();
    for (folder, volts) in [("nvl72", 48.0), ("orv3", 50.0)] {
        fs::create_dir(d.join(folder)).expect("folder");
        fs::write(
            d.join(folder).join("c.ron"),
            CIRCUIT.replace("volts: 48.0),", &format!("volts: {volts}),")),
        )
        .expect("circuit");
        fs::write(d.join(folder).join("s1_step.ron"), scenario("c.ron")).expect("scenario");
    }
    let (a, b) = ("nvl72/s1_step.ron", "orv3/s1_step.ron");
    let bless = busbar(d)
        .args(["check", a, b, "--golden", "g", "--bless"])
        .output()
        .expect("runs");
    assert!(bless.status.success(), "{}", stderr(&bless));
    assert!(d.join("g/nvl72/s1_step.csv").is_file());
    assert!(d.join("g/orv3/s1_step.csv").is_file());
    let check = busbar(d)
        .args(["check", a, b, "--golden", "g"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{stdout}\n{}", stderr(&check));
}

fn summary_of(dir: &Path) -> PathBuf {
    let out = busbar(dir)
        .args(["simulate", "c.ron", "s.ron", "-o", "run", "-q"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    dir.join("run/summary.json")
}

#[test]
fn diff_refuses_json_that_is_not_a_busbar_result() {
    let p = project();
    let d = p.path();
    let summary = summary_of(d);
    for (name, text, says) in [
        ("array.json", "[1,2,3]", "an array of 3 items"),
        ("object.json", r#"{"x": 1}"#, "an object with keys x"),
        ("null.json", "null", "null"),
        (
            "columns.json",
            r#"{"columns": []}"#,
            "`circuit`, `scenario`, `samples`, `events`, `solver`",
        ),
    ] {
        fs::write(d.join(name), text).expect("json");
        for args in [[name, name], [summary.to_str().expect("utf-8"), name]] {
            let out = busbar(d)
                .arg("diff")
                .args(args)
                .arg("--exit-code")
                .output()
                .expect("runs");
            assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
            let text = stderr(&out);
            assert!(text.contains(name) && text.contains(says), "{name}: {text}");
        }
    }
    let same = busbar(d)
        .args(["diff", "--exit-code"])
        .args([&summary, &summary])
        .output()
        .expect("runs");
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .expect("folder")
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| {
            let bytes = fs::read(e.path()).expect("file");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_failed_plot_run_leaves_the_folder_as_it_was() {
    let p = project();
    let d = p.path();
    let first = busbar(d)
        .args(["simulate", "c.ron", "s.ron", "-o", "run", "--plot", "-q"])
        .output()
        .expect("runs");
    assert!(first.status.success(), "{}", stderr(&first));
    let figure = snapshot(&d.join("run"))
        .into_iter()
        .map(|(n, _)| n)
        .find(|n| n.ends_with(".png"))
        .expect("a figure");
    // A folder where a figure goes: its write fails after the CSV is ready.
    fs::remove_file(d.join("run").join(&figure)).expect("remove");
    fs::create_dir(d.join("run").join(&figure)).expect("dir");
    fs::write(d.join("run").join(&figure).join("keep"), "x").expect("keep");
    let before = snapshot(&d.join("run"));
    let second = busbar(d)
        .args([
            "simulate",
            "c.ron",
            "s.ron",
            "-o",
            "run",
            "--plot",
            "-q",
            "--set",
            "r.ohms=0.2",
        ])
        .output()
        .expect("runs");
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert_eq!(snapshot(&d.join("run")), before, "the folder changed");
    // A run without --plot after one with it leaves no stale figures.
    fs::remove_dir_all(d.join("run").join(&figure)).expect("rm");
    let plain = busbar(d)
        .args(["simulate", "c.ron", "s.ron", "-o", "run", "-q"])
        .output()
        .expect("runs");
    assert!(plain.status.success(), "{}", stderr(&plain));
    let names: Vec<String> = snapshot(&d.join("run"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [".busbar-simulate.manifest", "summary.json", "waveforms.csv"]
    );
}

#[test]
fn stale_temporary_files_of_a_killed_run_are_removed() {
    let p = project();
    let d = p.path();
    fs::create_dir(d.join("run")).expect("run");
    // 4194305 is above Linux's largest pid: a writer that is gone.
    let stale = d.join("run/.waveforms.csv.4194305.0.tmp");
    fs::write(&stale, "time,v(bus)\n0,4").expect("stale");
    let live = d.join(format!("run/.summary.json.{}.0.tmp", std::process::id()));
    fs::write(&live, "{").expect("live");
    summary_of(d);
    if Path::new("/proc/self").exists() {
        assert!(!stale.exists(), "the stale temporary file is still there");
    }
    assert!(
        live.exists(),
        "a running writer's temporary file was removed"
    );
}
