//! The architecture as a test: reads every `src/**/*.rs`, collects which
//! top-level modules each one refers to (`crate::X`, or `busbar::X` in the
//! binary) and checks them against the layer table below.
//!
//! A module may refer only to modules of its own or a lower layer, and the
//! module graph has no cycle. Comments are ignored; everything else counts,
//! tests included.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every top-level module with its layer, lowest first.
const LAYERS: &[(&str, u32)] = &[
    // Ground floor: shared vocabulary with no knowledge of circuits.
    ("error", 0),
    ("budget", 0),
    ("glob", 0),
    ("halves", 0),
    ("hash", 0),
    ("results", 0),
    ("units", 0),
    ("ron_tokens", 0),
    // Documentation tables of the file formats, and the serde tracer that
    // checks them.
    ("field_doc", 0),
    // The device contract: `Primitive`, `Device`, `Builder`, `Num`.
    ("device", 0),
    // Inputs: circuit files (generic over the component library) and
    // scenario files.
    ("netlist", 1),
    ("scenario", 1),
    // The component library and its registry.
    ("components", 2),
    // Flat circuit to DAE model.
    ("compile", 3),
    // Operating point and transient integration.
    ("engine", 4),
    // A scenario bound to a compiled circuit: the run specification.
    ("prepare", 5),
    // Numbers from waveforms and models; other file formats.
    ("analysis", 6),
    ("export", 6),
    // Presentation.
    ("report", 7),
    // One circuit and one scenario in memory: the pipeline of every command.
    ("study", 8),
    // Many points of a study: sweeps, Monte Carlo, sizing.
    ("sweep", 9),
    // The reference manual: documents every layer's file formats.
    ("reference", 10),
    // The command line: `src/main.rs` and `src/cli`.
    ("cli", 11),
];

/// Known violations of the table, to be removed, not added to. None are
/// left; the list stays so that a temporary one is written down, not
/// hidden.
const KNOWN_VIOLATIONS: &[(&str, &str)] = &[];

fn layer(module: &str) -> u32 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("module `{module}` has no layer: add it to LAYERS"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to; `None` for the crate root.
fn owner(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).expect("file under src");
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    match first.trim_end_matches(".rs") {
        "lib" => None,
        "main" => Some("cli".to_string()),
        name => Some(name.to_string()),
    }
}

/// Code without `//` comments (doc comments included).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| line.find("//").map_or(line, |i| &line[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first identifier of each item of a `{a::b, c, d::{e, f}}` group that
/// starts at the beginning of `rest` (just after the `{`).
fn group_heads(rest: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    for c in rest.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => heads.push(std::mem::take(&mut item)),
            _ if depth == 0 => item.push(c),
            _ => {}
        }
    }
    heads.push(item);
    heads
        .iter()
        .filter_map(|h| h.trim().split("::").next().map(str::to_string))
        .filter(|h| !h.is_empty())
        .collect()
}

/// Top-level modules that `code` refers to through `prefix` (`crate::`).
fn references(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(group_heads(group));
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // `crate::name!` is a macro exported at the crate root, not a module.
            if !rest[name.len()..].starts_with('!') {
                out.insert(name);
            }
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// Which top-level modules each top-level module refers to.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = owner(&src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("readable source");
        // In the binary, `crate::` is the binary itself and the library is `busbar::`.
        let prefix = if module == "cli" {
            "busbar::"
        } else {
            "crate::"
        };
        let mut used = references(&code(&text), prefix);
        used.remove(&module);
        graph.entry(module).or_default().extend(used);
    }
    graph
}

fn is_known(from: &str, to: &str) -> bool {
    KNOWN_VIOLATIONS.contains(&(from, to))
}

#[test]
fn every_module_refers_only_to_its_own_or_lower_layers() {
    let mut violations = Vec::new();
    for (from, targets) in module_graph() {
        for to in targets {
            if layer(&to) > layer(&from) && !is_known(&from, &to) {
                violations.push(format!(
                    "`{from}` (layer {}) refers to `{to}` (layer {})",
                    layer(&from),
                    layer(&to)
                ));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = module_graph();
    // Depth-first search; a module met again while still on the path closes a cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if is_known(node, next) {
                continue;
            }
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_stated_rules_hold() {
    let graph = module_graph();
    let refers = |from: &str, to: &str| graph.get(from).is_some_and(|t| t.contains(to));
    assert!(
        !refers("netlist", "components"),
        "netlist must not know the components"
    );
    assert!(
        !refers("netlist", "compile"),
        "netlist must not know compilation"
    );
    assert!(
        !refers("components", "compile"),
        "components build on device, not compile"
    );
    for (module, targets) in &graph {
        assert!(
            module == "cli" || !targets.contains("cli"),
            "`{module}` refers to the command line"
        );
    }
}

#[test]
fn known_violations_are_still_real() {
    let graph = module_graph();
    for (from, to) in KNOWN_VIOLATIONS {
        assert!(
            graph.get(*from).is_some_and(|t| t.contains(*to)),
            "`{from}` no longer refers to `{to}`: remove it from KNOWN_VIOLATIONS"
        );
    }
}

#[test]
fn references_are_read_from_paths_and_groups() {
    let text = "use crate::{a::B, c::{d, e}, f};\nlet x = crate::g::h(); // crate::ignored\nmycrate::no();";
    let found = references(&code(text), "crate::");
    let expected: BTreeSet<String> = ["a", "c", "f", "g"].iter().map(|s| s.to_string()).collect();
    assert_eq!(found, expected);
}
