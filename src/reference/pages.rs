//! What goes on which page of the reference and in which order, the
//! pages' own text, and the `busbar help` topics.
//!
//! Every documented type a walk reaches is placed on exactly one page by
//! the module that documents it, so nothing reached can be left out.
//! Must not trace types (`walk`) or format a type's section (`markdown`).

use super::markdown::{anchor, cell, section, summary_table, Ctx, Places, Style};
use super::walk::{Entry, Walk};
use crate::field_doc::Schema;
use std::fmt::Write;

/// The walks' indices (see `reference::walks`).
const CIRCUIT: usize = 0;
const SCENARIO: usize = 1;
const LIMIT_SET: usize = 2;
const SWEEP: usize = 3;

/// The pages, in the index's order: file, title, one line.
pub const PAGES: &[(&str, &str, &str)] = &[
    (
        "circuit-file.md",
        "Circuit files",
        "`Circuit`, `Subcircuit`, `Instance`, `Repeat`, parameters, buses and expressions",
    ),
    (
        "components.md",
        "Components",
        "every component with its fields, actions, events and an example",
    ),
    (
        "scenario-file.md",
        "Scenario files",
        "duration, loads, stagger, overrides, recording, tolerances",
    ),
    (
        "profiles.md",
        "Load profiles",
        "`Step`, `Pulse`, `Pwl`, `Trace`",
    ),
    (
        "events.md",
        "Events",
        "scheduled events, which component takes which action, and the events components raise",
    ),
    (
        "record.md",
        "Record entries",
        "what a scenario's `record` list may name",
    ),
    (
        "limits.md",
        "Limits",
        "every limit kind, and limit-set files",
    ),
    (
        "sweep-file.md",
        "Sweep files",
        "grids, corners, Monte Carlo draws and what to collect",
    ),
    (
        "commands.md",
        "Commands",
        "every command and flag of `busbar`",
    ),
];

fn is_in(list: &[&'static Schema], name: &str) -> bool {
    list.iter().any(|s| s.name == name)
}

/// The page of a documented type reached by walk `root`.
fn place(root: usize, name: &str) -> &'static str {
    use crate::scenario::doc as s;
    match root {
        CIRCUIT if is_in(&crate::components::documented(), name) => "components.md",
        CIRCUIT if is_in(&crate::components::documented_parts(), name) => "components.md",
        CIRCUIT => "circuit-file.md",
        SCENARIO
            if is_in(
                &[&s::PROFILE, &s::STEP, &s::PULSE, &s::JITTER, &s::TRACE],
                name,
            ) =>
        {
            "profiles.md"
        }
        SCENARIO if name == s::EVENT.name => "events.md",
        SCENARIO if is_in(&crate::analysis::limits::doc::documented(), name) => "limits.md",
        SCENARIO => "scenario-file.md",
        LIMIT_SET => "limits.md",
        _ => "sweep-file.md",
    }
}

fn places(walks: &[Walk], root: usize) -> Places {
    walks[root]
        .entries
        .iter()
        .map(|e| (e.doc.name, place(root, e.doc.name)))
        .collect()
}

/// The entries of walk `root` placed on `file`, in the walk's order.
fn on<'a>(walks: &'a [Walk], root: usize, file: &str) -> Vec<&'a Entry> {
    walks[root]
        .entries
        .iter()
        .filter(|e| place(root, e.doc.name) == file)
        .collect()
}

/// A component's declared events, if `name` is a component.
fn events_of(name: &str) -> Option<&'static [&'static str]> {
    crate::components::declared_events()
        .into_iter()
        .find(|(kind, _)| *kind == name)
        .map(|(_, events)| events)
}

/// The sections of walk `root`'s entries on `file`.
fn sections(walks: &[Walk], root: usize, file: &'static str, style: Style) -> String {
    let places = places(walks, root);
    let ctx = Ctx {
        page: file,
        places: &places,
        style,
    };
    on(walks, root, file)
        .iter()
        .map(|e| section(e, events_of(e.doc.name), &ctx))
        .collect()
}

const GENERATED: &str = "Generated from the code by `busbar help --write-reference docs/reference`; `tests/reference.rs` fails when this page is stale or a field is undocumented. Do not edit by hand.";

/// Every page but the commands page, as (file, text).
pub fn pages(walks: &[Walk]) -> Vec<(&'static str, String)> {
    let s = Style::Page;
    vec![
        ("index.md", index()),
        ("circuit-file.md", circuit_page(walks, s)),
        ("components.md", components_page(walks, s)),
        (
            "scenario-file.md",
            page(walks, SCENARIO, "scenario-file.md", s),
        ),
        ("profiles.md", page(walks, SCENARIO, "profiles.md", s)),
        ("events.md", events_page(walks, s)),
        ("record.md", record_page()),
        ("limits.md", limits_page(walks, s)),
        ("sweep-file.md", page(walks, SWEEP, "sweep-file.md", s)),
    ]
}

fn heading(file: &str) -> String {
    let (_, title, line) = PAGES.iter().find(|p| p.0 == file).expect("a listed page");
    format!("# {title}\n\n{}.\n\n{GENERATED}\n\n", capitalise(line))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn index() -> String {
    let mut out = String::from("# busbar reference\n\n");
    let _ = write!(out, "{GENERATED}\n\n| page | |\n|---|---|\n");
    for (file, title, line) in PAGES {
        let _ = writeln!(out, "| [{title}]({file}) | {line} |");
    }
    out.push_str("\nThe same text is in the binary: `busbar help` lists the topics, e.g. `busbar help components`, `busbar help Converter`, `busbar help limits`, `busbar help profiles`, `busbar help events`; `busbar help simulate` is the command's own help.\n\nIn every table, *type* is what the file holds (`number or expression`: a number or a string expression over parameters, see [expressions](circuit-file.md#expressions)); *default* is used when the field is left out (*required* fields must be written); *range* is what validation accepts.\n");
    out
}

fn page(walks: &[Walk], root: usize, file: &'static str, style: Style) -> String {
    heading(file) + &sections(walks, root, file, style)
}

fn circuit_page(walks: &[Walk], style: Style) -> String {
    let mut out = heading("circuit-file.md");
    let _ = write!(
        out,
        "## Expressions\n\n{}\n\n",
        crate::netlist::doc::EXPRESSIONS
    );
    out + &sections(walks, CIRCUIT, "circuit-file.md", style)
}

fn components_page(walks: &[Walk], style: Style) -> String {
    let mut out = heading("components.md");
    let places = places(walks, CIRCUIT);
    let ctx = Ctx {
        page: "components.md",
        places: &places,
        style,
    };
    let kinds: Vec<&Entry> = on(walks, CIRCUIT, "components.md")
        .into_iter()
        .filter(|e| events_of(e.doc.name).is_some())
        .collect();
    out.push_str(&summary_table("component", &kinds, &ctx));
    out.push_str(
        "\nThe types some fields hold (loops, load models, cells…) follow the components.\n\n",
    );
    out + &sections(walks, CIRCUIT, "components.md", style)
}

fn events_page(walks: &[Walk], style: Style) -> String {
    let mut out = heading("events.md");
    out.push_str("A scenario schedules events (`events:`, each at a time); during a run, components raise events of their own (a limiter reaching its limit, a BBU triggering), reported with their time in `summary.json`, the HTML report and the terminal table, and judged by the `NoEvent` limit.\n\n");
    out += &sections(walks, SCENARIO, "events.md", style);
    out.push_str("## Actions by component\n\nWhat `Trip`, `Open`, `Close` and `Set` may do to each kind; any other action on it is an error naming the ones it takes. `Fault` applies to any node.\n\n| component | actions it takes |\n|---|---|\n");
    for doc in crate::components::documented() {
        let actions: Vec<String> = doc
            .actions
            .iter()
            .map(|(a, effect)| format!("`{a}`: {effect}"))
            .collect();
        let text = if actions.is_empty() {
            "none".to_string()
        } else {
            actions.join("<br>")
        };
        let name = component_link(doc.name, style);
        let _ = writeln!(out, "| {name} | {} |", cell(&text));
    }
    out.push_str("\n## Events components raise\n\nWhat `NoEvent(target, what)` may name; a `*` stands for a value. Limiters report entering and leaving their limit, also when an action or a mode change puts them there.\n\n| component | events it can raise |\n|---|---|\n");
    for (kind, events) in crate::components::declared_events() {
        let list: Vec<String> = events.iter().map(|e| format!("`{e}`")).collect();
        let list = if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        };
        let _ = writeln!(out, "| {} | {} |", component_link(kind, style), cell(&list));
    }
    out.push_str("\n## AC loss and battery backup\n\nAn AC loss is `Set(component: \"<rectifier>\", field: \"grid_volts\", value: 0)` (or `field: \"ac_ok\"`): the rectifier rides through on its `holdup_joules` and reports `ac loss`, then `hold-up low` and `hold-up exhausted`. It does **not** start a `Bbu` by itself. A BBU starts either on its own trigger (its bus below `trigger_volts` for `trigger_seconds`, reported `triggered`) or, at once, when the scenario also sends it the PSUs' AC_LOSS signal: `Set(component: \"<bbu>\", field: \"ac_ok\", value: 0)` at the same time (reported `triggered (ac loss)`). Either way it discharges after `start_seconds`.\n");
    out
}

fn component_link(name: &str, style: Style) -> String {
    match style {
        Style::Page => format!("[{name}](components.md#{})", anchor(name)),
        Style::Terminal => name.to_string(),
    }
}

fn record_page() -> String {
    let mut out = heading("record.md");
    out.push_str("A scenario's `record` list names the quantities written to `waveforms.csv` and judged by limits; empty, it records every declared bus (`buses:` of the circuit). Every target may be a glob (`*`, `?`) over hierarchical names, and must match something. Limits add the entries they need.\n\n| entry | measures | example |\n|---|---|---|\n");
    for (_, syntax, meaning, example) in crate::scenario::RECORD_FORMS {
        let _ = writeln!(out, "| {syntax} | {} | `{example}` |", cell(meaning));
    }
    out
}

fn limits_page(walks: &[Walk], style: Style) -> String {
    let mut out = heading("limits.md");
    out.push_str("`busbar check` judges a scenario's `limits` (and those of `--limits` sets). A limit whose target glob matches several nodes or components is judged on each and reports the worst. Small-signal kinds are judged at every operating point of the run.\n\n");
    out += &sections(walks, SCENARIO, "limits.md", style);
    // The limit set's own type; its limits are the scenario's, above.
    let places = places(walks, LIMIT_SET);
    let ctx = Ctx {
        page: "limits.md",
        places: &places,
        style,
    };
    let set = &crate::analysis::limits::doc::LIMIT_SET;
    for e in on(walks, LIMIT_SET, "limits.md") {
        if e.doc.name == set.name {
            out.push_str(&section(e, None, &ctx));
        }
    }
    out
}

/// The names `busbar help` accepts besides commands.
pub fn topic_names(walks: &[Walk]) -> Vec<String> {
    let mut names: Vec<String> = [
        "components",
        "limits",
        "profiles",
        "events",
        "record",
        "circuit",
        "scenario",
        "sweep-file",
        "commands",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for w in walks {
        names.extend(w.entries.iter().map(|e| e.doc.name.to_string()));
    }
    names.sort();
    names.dedup();
    names
}

/// The text of a `busbar help` topic, if it is one.
pub fn topic(walks: &[Walk], words: &str, cli: &clap::Command) -> Option<String> {
    let t = Style::Terminal;
    let text = match words {
        "" => topics(walks, cli),
        "components" => {
            let places = places(walks, CIRCUIT);
            let ctx = Ctx {
                page: "",
                places: &places,
                style: t,
            };
            let kinds: Vec<&Entry> = on(walks, CIRCUIT, "components.md")
                .into_iter()
                .filter(|e| events_of(e.doc.name).is_some())
                .collect();
            summary_table("component", &kinds, &ctx)
                + "\n`busbar help NAME` shows a component's fields, e.g. `busbar help Converter`.\n"
        }
        "limits" => limits_page(walks, t),
        "profiles" => page(walks, SCENARIO, "profiles.md", t),
        "events" => events_page(walks, t),
        "record" => record_page(),
        "circuit" | "circuit-file" => circuit_page(walks, t),
        "scenario" | "scenario-file" => page(walks, SCENARIO, "scenario-file.md", t),
        "sweep-file" => page(walks, SWEEP, "sweep-file.md", t),
        "commands" => commands_list(cli),
        name => types(walks, name)?,
    };
    Some(text)
}

/// The sections of every documented type called `name` (any case).
fn types(walks: &[Walk], name: &str) -> Option<String> {
    let mut out = String::new();
    let mut shown = Vec::new();
    for (root, w) in walks.iter().enumerate() {
        let places = places(walks, root);
        let ctx = Ctx {
            page: "",
            places: &places,
            style: Style::Terminal,
        };
        for e in &w.entries {
            let key = (e.doc.name, place(root, e.doc.name));
            if e.doc.name.eq_ignore_ascii_case(name) && !shown.contains(&key) {
                shown.push(key);
                out.push_str(&section(e, events_of(e.doc.name), &ctx));
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

fn topics(walks: &[Walk], cli: &clap::Command) -> String {
    let mut out = String::from("busbar help TOPIC\n\nTopics:\n");
    for (file, title, line) in PAGES {
        let name = file.trim_end_matches(".md").trim_end_matches("-file");
        let name = if *file == "sweep-file.md" {
            "sweep-file"
        } else {
            name
        };
        let _ = writeln!(out, "  {name:<14} {title}: {line}");
    }
    let _ = writeln!(
        out,
        "  {:<14} a component, limit kind, profile or other type by name, e.g. Converter, MinVoltage, Pulse\n  {:<14} a command's own help, e.g. `busbar help simulate`\n",
        "NAME", "COMMAND"
    );
    let _ = writeln!(out, "Types: {}", type_names(walks).join(", "));
    out + "\n" + &commands_list(cli)
}

fn type_names(walks: &[Walk]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = walks
        .iter()
        .flat_map(|w| w.entries.iter().map(|e| e.doc.name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn commands_list(cli: &clap::Command) -> String {
    let mut out = String::from("Commands:\n");
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        let first = about.lines().next().unwrap_or_default();
        let _ = writeln!(out, "  {:<10} {first}", sub.get_name());
    }
    out
}
