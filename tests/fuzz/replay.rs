//! The `diff` target's inputs and check, and the replay of every input a
//! fuzzer ever broke (`tests/data/fuzz-regressions/`).
//!
//! A regression file is the input as it broke, after a header of `//`
//! lines: `// target: circuit|scenario|engine|stability|trace|diff`, and,
//! for an engine case, the scenario after a line `// scenario:`. Each is
//! replayed through the same call and oracle as its fuzzer. An input
//! whose fix belongs to an open item says so (`// open: issue 17 item 6
//!`) and is only listed until that line is removed at the merge:
//! such inputs hang or exhaust memory before their fix.

use super::oracle::{guarded, Caught, Place, Watchdog, KNOWN_UNLOCATED};
use crate::{circuit_case, engine_case, root, scenario_case, stability_case, Verdict};
use busbar::report::diff::{diff, facts, Fact};
use busbar::report::diff_render::{render, render_markdown};
use std::path::Path;
use std::time::{Duration, Instant};

/// Run summaries (`summary.json` as `simulate` writes it, metrics and
/// verdicts included) of a small RC circuit, the `diff` target's corpus.
pub fn summaries() -> Vec<serde_json::Value> {
    let circuit = r#"Circuit(name: "rc", params: {"r": 0.1}, components: [
        VoltageSource(name: "vs", pos: "a", volts: 800),
        Resistor(name: "r", a: "a", b: "bus", ohms: "r"),
        Capacitor(name: "c", a: "bus", b: "gnd", farads: 1e-3),
        Load(name: "ld", node: "bus", watts: 50e3, model: ConstantPower(min_volts: 400)),
    ])"#;
    let scenario = r#"Scenario(name: "step", duration: 0.02, sample: 1e-4, start: OperatingPoint,
        loads: [(target: "ld", profile: Step(from: 0.3, to: 1.0, at: 5e-3))],
        record: ["bus", "i(vs)", "p(ld)"],
        limits: [MinVoltage(node: "bus", volts: 790), Settling(node: "bus", band_percent: 1, within: 0.01)])"#;
    let mut out = Vec::new();
    for r in [0.1, 0.2] {
        let source =
            busbar::analysis::stability::CircuitSource::from_text(circuit, Path::new("rc.ron"))
                .expect("circuit");
        let sc = busbar::scenario::parse_str(scenario, Path::new("step.ron")).expect("scenario");
        let set = [("r".to_string(), r)].into_iter().collect();
        let study = busbar::study::Study::new(source, Some(sc)).with_overrides(&set);
        let run = study.simulate(None).expect("run");
        let analysis = study.judge(&run);
        let summary = busbar::report::Summary::new("rc", "step", &run.waveforms, None)
            .with_analysis(&analysis);
        out.push(serde_json::to_value(summary).expect("summary"));
    }
    out
}

/// Reads JSON text as `diff` does and compares it with `before`, in both
/// directions, rendering the changes as text and Markdown.
pub fn diff_case(text: &str, before: &[Fact]) -> Verdict {
    // serde_json reports the line and column of a syntax error.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| (Place::File, e.to_string()))?;
    // A JSON document of the wrong shape is an error about the whole file,
    // which the command names; the message says what was expected.
    let after = facts(&value).map_err(|e| (Place::Named, e.to_string()))?;
    for changes in [diff(before, &after, 1e-6), diff(&after, before, 0.0)] {
        render(&changes);
        render_markdown(&changes);
    }
    Ok(())
}

fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .take_while(|l| l.starts_with("//"))
        .find_map(|l| l.strip_prefix("// ")?.strip_prefix(key)?.strip_prefix(": "))
}

fn replay(path: &Path, text: &str) -> Verdict {
    let target = header(text, "target").unwrap_or_else(|| panic!("{}: no target", path.display()));
    match target {
        "circuit" => circuit_case(text, path),
        "scenario" => scenario_case(text, path, None),
        "stability" => stability_case(text),
        "engine" => {
            let (c, s) = text
                .split_once("// scenario:")
                .unwrap_or_else(|| panic!("{}: no scenario", path.display()));
            engine_case(c, s, Duration::from_secs(10))
        }
        "trace" => {
            let dir = tempfile::tempdir().expect("temp dir");
            std::fs::write(dir.path().join("trace.csv"), text).expect("write trace");
            let s = "Scenario(name: \"t\", duration: 0.01, sample: 1e-3, start: OperatingPoint, \
                     loads: [(target: \"ld\", profile: Trace(file: \"trace.csv\", time: \"t\", value: \"pu\"))])";
            scenario_case(s, &dir.path().join("s.ron"), None)
        }
        "diff" => diff_case(text, &facts(&summaries()[0]).expect("facts")),
        other => panic!("{}: unknown target {other}", path.display()),
    }
}

/// Replays every regression input: each must end in a result or a
/// located error, without a panic.
pub fn all() {
    let dir = root().join("tests/data/fuzz-regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/fuzz-regressions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "ron" || e == "csv" || e == "json")
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    let watchdog = Watchdog::start("regressions", Duration::from_secs(60));
    for path in &files {
        let text = std::fs::read_to_string(path).expect("regression input");
        watchdog.case(path.display().to_string(), "");
        let started = Instant::now();
        if let Some(item) = header(&text, "open") {
            eprintln!("{}: not replayed until {item} is merged", path.display());
            continue;
        }
        match guarded(|| replay(path, &text)) {
            Ok(Ok(())) => {}
            Ok(Err((Place::Nowhere, message))) => {
                let known = KNOWN_UNLOCATED.iter().find(|(p, _)| message.contains(p));
                let Some((_, item)) = known else {
                    panic!("{}: error without a location: {message}", path.display())
                };
                eprintln!("{}: still unlocated ({item}): {message}", path.display());
            }
            Ok(Err(_)) => {}
            Err(Caught::Panic(m)) => panic!("{}: panicked: {m}", path.display()),
            Err(Caught::OverBudget) => panic!("{}: over its time budget", path.display()),
        }
        let seconds = started.elapsed().as_secs_f64();
        eprintln!("{}: replayed in {seconds:.2} s", path.display());
        assert!(seconds < 10.0, "{}: took {seconds:.1} s", path.display());
    }
}
