//! The reference manual (`docs/reference/`) against the code: every field
//! serde accepts in a circuit, scenario, limit-set or sweep file has a
//! documentation row (and every row a field), and the committed pages are
//! exactly what `busbar help --write-reference` generates now.
//!
//! Regenerate after a change with
//! `cargo run --release -- help --write-reference docs/reference`
//! (or run this test with `BUSBAR_BLESS=1`).

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::Path;

const REGENERATE: &str = "regenerate with `cargo run --release -- help --write-reference docs/reference` (or `BUSBAR_BLESS=1 cargo test --release --test reference`)";

fn busbar() -> Command {
    Command::cargo_bin("busbar").expect("the busbar binary")
}

#[test]
fn every_field_of_every_file_format_is_documented() {
    let problems = busbar::reference::problems();
    assert!(
        problems.is_empty(),
        "undocumented (add a row to the type's `Schema` table):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_walk_reaches_every_component_limit_and_profile() {
    let walks = busbar::reference::walks();
    let names =
        |i: usize| -> BTreeSet<&str> { walks[i].entries.iter().map(|e| e.doc.name).collect() };
    let circuit = names(0);
    for (kind, _) in busbar::components::declared_events() {
        assert!(circuit.contains(kind), "component {kind} not reached");
    }
    for part in [
        "VoltageLoop",
        "AntiWindup",
        "LoadModel",
        "Cell",
        "Repeat",
        "Instance",
    ] {
        assert!(circuit.contains(part), "{part} not reached");
    }
    let scenario = names(1);
    for kind in [
        "Step",
        "Pulse",
        "Trace",
        "Event",
        "MinVoltage",
        "NoEvent",
        "RampRate",
    ] {
        assert!(scenario.contains(kind), "{kind} not reached");
    }
    assert!(names(3).contains("Tolerance"));
}

/// A table that lost a row is caught: the walk of a type with one field
/// fewer documented reports exactly that field.
#[test]
fn a_missing_row_is_reported() {
    use busbar::field_doc::trace::trace;
    use busbar::field_doc::Schema;
    let full = busbar::components::resistor::Resistor::DOC;
    let cut = Schema {
        fields: &full.fields[..full.fields.len() - 1],
        ..full
    };
    let cut: &'static Schema = Box::leak(Box::new(cut));
    let w = busbar::reference::walk(
        "test",
        trace::<busbar::components::resistor::Resistor>,
        &[cut],
    );
    assert_eq!(
        w.problems,
        vec!["field `ohms` of `Resistor` has no documentation row".to_string()]
    );
}

#[test]
fn committed_reference_is_current() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference");
    if std::env::var_os("BUSBAR_BLESS").is_some() {
        busbar()
            .args(["help", "--write-reference"])
            .arg(&committed)
            .assert()
            .success();
    }
    let fresh = tempfile::tempdir().expect("temp dir");
    busbar()
        .args(["help", "--write-reference"])
        .arg(fresh.path())
        .assert()
        .success();
    let files = |dir: &Path| -> BTreeSet<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (want, have) = (files(fresh.path()), files(&committed));
    assert_eq!(
        want, have,
        "docs/reference/ holds other files than generated; {REGENERATE}"
    );
    for file in &want {
        let new = std::fs::read_to_string(fresh.path().join(file)).expect("generated page");
        let old = std::fs::read_to_string(committed.join(file)).expect("committed page");
        if new != old {
            let line = new
                .lines()
                .zip(old.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(new.lines().count().min(old.lines().count()));
            panic!(
                "docs/reference/{file} is stale (first difference at line {}); {REGENERATE}",
                line + 1
            );
        }
    }
}

/// Every relative link of the reference and of the README's reference
/// section leads to a file that exists, and every `#anchor` to a heading.
#[test]
fn reference_links_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("docs/reference");
    let mut broken = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("docs/reference") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("page");
        for target in links(&text) {
            if target.starts_with("http") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let file = if file.is_empty() {
                path.clone()
            } else {
                dir.join(file)
            };
            let Ok(linked) = std::fs::read_to_string(&file) else {
                broken.push(format!("{}: {target}", path.display()));
                continue;
            };
            if !anchor.is_empty() && !anchors(&linked).contains(anchor) {
                broken.push(format!("{}: {target} (no such heading)", path.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The targets of `[text](target)` links.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        if let Some(end) = after.find(')') {
            out.push(after[..end].to_string());
        }
        rest = after;
    }
    out
}

/// The anchors of a page's headings, as Markdown renderers make them.
fn anchors(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            l.trim_start_matches('#')
                .strip_prefix(' ')
                .filter(|_| l.starts_with('#'))
        })
        .map(|h| {
            h.to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

#[test]
fn help_converter_lists_each_field_with_unit_and_default() {
    let out = busbar().args(["help", "Converter"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).expect("utf-8");
    for row in [
        "| `volts` | number or expression | V | required | 1e-9 to 1e7 |",
        "| `current_limit_pu` | number or expression | pu | `1.2` | > 0 |",
        "| `anti_windup` | AntiWindup |  | `BackCalculation` |",
    ] {
        assert!(text.contains(row), "missing `{row}` in:\n{text}");
    }
    assert!(text.contains("Events it raises: `current limit`"));
}

#[test]
fn help_topics_and_commands() {
    let text = |args: &[&str]| {
        let out = busbar().args(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
    };
    let components = text(&["help", "components"]);
    for (kind, _) in busbar::components::declared_events() {
        assert!(
            components.contains(&format!("| {kind} |")),
            "{kind} not listed"
        );
    }
    assert!(text(&["help", "limits"]).contains("## NoEvent"));
    assert!(text(&["help", "profiles"]).contains("## Pulse"));
    assert!(text(&["help", "events"]).contains("triggered (ac loss)"));
    assert!(text(&["help", "bbu"]).contains("`current_limit_pu` | number or expression | pu | `1`"));
    // A command name shows that command's own help.
    assert!(text(&["help", "simulate"]).contains("Usage: busbar simulate"));
    assert!(text(&["help", "sweep", "merge"]).contains("Usage: busbar sweep merge"));
}

#[test]
fn unknown_topic_is_an_error_with_suggestions() {
    let out = busbar().args(["help", "Converer"]).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).expect("utf-8");
    assert!(err.contains("no help topic `Converer`"), "{err}");
    assert!(err.contains("did you mean Converter"), "{err}");
}

/// Every example in the reference is a valid entry: each component's
/// parses and validates in a circuit, each limit's in a scenario.
#[test]
fn examples_are_valid() {
    use std::collections::BTreeMap;
    let path = Path::new("example.ron");
    for doc in busbar::components::documented() {
        assert!(!doc.example.is_empty(), "{} has no example", doc.name);
        let text = format!("Circuit(components: [{}])", doc.example);
        if let Err(e) = busbar::components::parse_str(&text, path, &BTreeMap::new()) {
            panic!("example of {}: {e}\n{text}", doc.name);
        }
    }
    for doc in busbar::analysis::limits::doc::documented() {
        if doc.example.is_empty() || doc.name == "LimitSet" {
            continue;
        }
        // 60 s: long enough for the grid-side examples (a 1 s averaging
        // window, a 0.1 Hz band edge) as well as the converter ones.
        let text = format!(
            "Scenario(name: \"x\", duration: 60, sample: 1e-3, limits: [{}])",
            doc.example
        );
        if let Err(e) = busbar::scenario::parse_str::<busbar::analysis::limits::Limit>(&text, path)
        {
            panic!("example of {}: {e}\n{text}", doc.name);
        }
    }
}
