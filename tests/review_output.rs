//! Output made for design reviews, end to end on the bundled NVL72 rack:
//! the 18 identical trays are one row in the terminal table, in `diff`
//! and in the HTML report; `diff` puts verdict flips first, shows the
//! inputs that changed, speaks Markdown, and refuses JSON that is not a
//! result file; `report` refuses an output folder that does not exist
//! before running anything; `check --junit` has unique test names and
//! real times.

#[path = "support/xml.rs"]
mod xml;

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn busbar() -> Command {
    let mut c = Command::cargo_bin("busbar").expect("binary");
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A diagnostic on one line: the terminal renderer wraps long messages
/// and draws a margin (`│`) before continuation lines.
fn flat(bytes: &[u8]) -> String {
    text(bytes)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

const GROUP: &str = "tray1…18.bus50 (18 identical)";

/// `simulate` of the rack into `out` with `--set` pairs; its stdout.
fn simulate(out: &Path, set: &[&str]) -> String {
    let mut c = busbar();
    c.args([
        "simulate",
        "circuits/nvl72_rack.ron",
        "scenarios/step_30_100.ron",
    ])
    .arg("-o")
    .arg(out);
    for s in set {
        c.args(["--set", s]);
    }
    text(&c.assert().code(0).get_output().stdout)
}

#[test]
fn identical_trays_are_one_row_in_the_table_the_diff_and_the_html() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let table = simulate(&a, &[]);
    assert!(table.contains(GROUP), "{table}");
    assert!(!table.contains("tray2.bus50"), "{table}");

    // A heavier rack: the inputs and the trays change, the trays alike.
    let html = dir.path().join("b.html");
    let out = busbar()
        .args([
            "report",
            "circuits/nvl72_rack.ron",
            "scenarios/step_30_100.ron",
            "--set",
            "p_rack=160e3",
            "--json",
            "-o",
        ])
        .arg(&html)
        .assert()
        .code(0);
    std::fs::create_dir_all(&b).expect("folder");
    std::fs::write(b.join("summary.json"), &out.get_output().stdout).expect("summary");
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.contains(GROUP), "no grouped row in the HTML");
    assert!(!page.contains(">tray2.bus50<"), "tray2 has its own row");
    // One mode, one frequency: each pole-map legend entry (`607 Hz, ζ = …`)
    // reads exactly as a cell of the modes table.
    let legends: Vec<&str> = page
        .split(", ζ = ")
        .filter_map(|before| before.rsplit('>').next())
        .map(str::trim)
        .filter(|f| f.ends_with("Hz"))
        .collect();
    assert!(!legends.is_empty(), "no pole map legend");
    for f in legends {
        assert!(
            page.contains(&format!("<td class=\"num\">{f}</td>")),
            "pole map says {f}, the modes table does not"
        );
    }

    let summary = |d: &Path| d.join("summary.json");
    let diff = busbar()
        .arg("diff")
        .arg(summary(&a))
        .arg(summary(&b))
        .assert()
        .code(0);
    let diff = text(&diff.get_output().stdout);
    let first = diff.lines().next().unwrap_or_default();
    assert!(
        first.contains("inputs changed") && first.contains("metrics changed"),
        "{diff}"
    );
    assert!(diff.contains("param p_rack: 135000 → 160000"), "{diff}");
    assert!(
        diff.contains("override p_rack: (absent) → 160000"),
        "{diff}"
    );
    assert!(
        diff.contains("min tray1…18.bus50 (18 identical): "),
        "{diff}"
    );
    assert!(!diff.contains("min tray2.bus50"), "{diff}");

    let md = busbar()
        .args(["diff", "--format", "markdown"])
        .arg(summary(&a))
        .arg(summary(&b))
        .assert()
        .code(0);
    let md = text(&md.get_output().stdout);
    assert!(md.starts_with("**busbar diff: "), "{md}");
    let inputs = md.find("#### Inputs").unwrap_or(usize::MAX);
    let metrics = md.find("#### Metrics").unwrap_or(0);
    assert!(inputs < metrics, "{md}");
    assert!(md.contains("| param p_rack | 135000 | 160000 |"), "{md}");
}

#[test]
fn diff_refuses_what_is_not_a_result_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        p
    };
    let array = write("array.json", "[1,2,3]");
    let object = write("object.json", "{\"x\":1}");
    let null = write("null.json", "null");
    for (a, b, named) in [(&array, &object, &array), (&null, &null, &null)] {
        let out = busbar().arg("diff").arg(a).arg(b).assert().code(2);
        let err = flat(&out.get_output().stderr);
        assert!(
            err.contains(&named.display().to_string()) && err.contains("`columns`"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn report_into_a_missing_folder_fails_before_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no/such/folder/report.html");
    let started = Instant::now();
    let out = busbar()
        .args([
            "report",
            "circuits/nvl72_rack.ron",
            "scenarios/step_30_100.ron",
            "-o",
        ])
        .arg(&missing)
        .assert()
        .code(2);
    let err = flat(&out.get_output().stderr);
    assert!(err.contains("does not exist"), "{err}");
    assert!(err.contains("no/such/folder"), "{err}");
    // Refused before the circuit was even read: well under a run's time.
    assert!(started.elapsed().as_secs_f64() < 5.0);

    let file = dir.path().join("plain");
    std::fs::write(&file, "x").expect("write");
    let out = busbar()
        .args([
            "report",
            "circuits/nvl72_rack.ron",
            "scenarios/step_30_100.ron",
            "--figures",
        ])
        .arg(file.join("figs"))
        .arg("-o")
        .arg(dir.path().join("r.html"))
        .assert()
        .code(2);
    let err = flat(&out.get_output().stderr);
    assert!(err.contains("cannot create the figures folder"), "{err}");
    assert!(!dir.path().join("r.html").exists());
}

#[test]
fn junit_names_are_unique_and_times_are_measured() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("check.xml");
    // The scenario already has two limits of this set, written alike.
    busbar()
        .args([
            "check",
            "scenarios/step_30_100.ron",
            "--limits",
            "scenarios/limits/nvidia_800v.ron",
            "--limits",
            "scenarios/limits/nvidia_800v.ron",
            "--junit",
        ])
        .arg(&junit)
        .assert()
        .code(0);
    let report = xml::parse(&std::fs::read_to_string(&junit).expect("junit")).expect("xml");
    assert_eq!(xml::check_junit(&report), Ok((9, 0, 0)));
    let suite = &report.children[0];
    let suite_time: f64 = suite
        .attribute("time")
        .and_then(|t| t.parse().ok())
        .expect("suite time");
    assert!(suite_time > 0.0);
    let mut names: Vec<&str> = suite
        .children
        .iter()
        .filter(|c| c.name == "testcase")
        .filter_map(|c| c.attribute("name"))
        .collect();
    let count = names.len();
    // 7 limits in the scenario; the set adds the two that differ from them
    // (`*bus800` against `bus800`) and repeats two it already has.
    assert_eq!(count, 9, "{names:?}");
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count, "duplicate test names");
    let total: f64 = suite
        .children
        .iter()
        .filter_map(|c| c.attribute("time")?.parse::<f64>().ok())
        .sum();
    assert!(
        (total - suite_time).abs() <= 0.001 * count as f64,
        "{total} vs {suite_time}"
    );
}
