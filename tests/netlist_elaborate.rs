//! Circuit files end to end: parsing, elaboration and the errors users see.
// Errors carry the file text for underlining, as in the library.
#![allow(clippy::result_large_err)]

use busbar::components::{load, parse_str, ComponentSpec, FlatCircuit};
use busbar::netlist::{Library, NetlistError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/netlist")
        .join(name)
}

fn no_overrides() -> BTreeMap<String, f64> {
    BTreeMap::new()
}

fn overrides(items: &[(&str, f64)]) -> BTreeMap<String, f64> {
    items.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn parse(text: &str) -> Result<FlatCircuit, NetlistError> {
    parse_str(text, Path::new("test.ron"), &no_overrides())
}

fn parse_err(text: &str) -> NetlistError {
    match parse(text) {
        Ok(c) => panic!("expected an error, got {} components", c.components.len()),
        Err(e) => e,
    }
}

fn find<'a>(c: &'a FlatCircuit, name: &str) -> &'a ComponentSpec {
    c.components
        .iter()
        .find(|s| s.name() == name)
        .unwrap_or_else(|| panic!("no component `{name}`"))
}

fn number(c: &FlatCircuit, name: &str, field: &str) -> f64 {
    let mut spec = find(c, name).clone();
    let prim = spec.primitive_mut();
    let value = prim
        .numbers_mut()
        .into_iter()
        .find(|(f, _)| *f == field)
        .map(|(_, n)| n.value());
    value.unwrap_or_else(|| panic!("`{name}` has no field `{field}`"))
}

fn nodes(c: &FlatCircuit, name: &str) -> Vec<String> {
    let spec = find(c, name);
    spec.primitive()
        .nodes()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Line and column of an error's location.
fn line_col(e: &NetlistError) -> (usize, usize) {
    let loc = match e {
        NetlistError::Syntax { location, .. } => Some(location),
        NetlistError::Component { location, .. }
        | NetlistError::Expression { location, .. }
        | NetlistError::Parameter { location, .. } => location.as_ref(),
        _ => None,
    };
    let loc = loc.unwrap_or_else(|| panic!("no location in {e:?}"));
    (loc.line, loc.column)
}

/// The text an error's span underlines.
fn underlined(e: &NetlistError) -> String {
    match e {
        NetlistError::Syntax { location, text, .. } => {
            text[location.span.0..location.span.1].to_string()
        }
        NetlistError::Component {
            location: Some(l),
            text: Some(t),
            ..
        }
        | NetlistError::Expression {
            location: Some(l),
            text: Some(t),
            ..
        }
        | NetlistError::Parameter {
            location: Some(l),
            text: Some(t),
            ..
        } => t[l.span.0..l.span.1].to_string(),
        other => panic!("no span in {other:?}"),
    }
}

#[test]
fn reference_rack_elaborates() {
    let c = load(&data("rack.ron"), &no_overrides()).expect("rack.ron");
    assert_eq!(c.name, "NVL72-class 800 V rack");
    assert_eq!(c.components.len(), 3 + 18 * 3);
    assert_eq!(number(&c, "tray7.gpu", "watts"), 7.5e3);
    assert_eq!(number(&c, "tray18.c50", "farads"), 10e-3);
    assert_eq!(number(&c, "tray1.c50", "esr"), 1e-3);
    assert_eq!(number(&c, "cbus", "farads"), 1e-3);
    assert_eq!(
        nodes(&c, "tray3.dcx"),
        ["bus800", "tray3.bus50", "gnd", "gnd"]
    );
    assert_eq!(nodes(&c, "tray3.c50"), ["tray3.bus50", "gnd"]);
    assert_eq!(c.nominal("tray12.bus50"), Some(50.0));
    assert_eq!(c.nominal("bus800"), Some(800.0));
    assert_eq!(c.nominal("src"), None);
    assert_eq!(c.file.as_deref(), Some(data("rack.ron").as_path()));
}

#[test]
fn repeat_builds_a_busway_chain() {
    let c = load(&data("busway.ron"), &no_overrides()).expect("busway.ron");
    assert_eq!(c.components.len(), 1 + 10 * 2);
    for k in 1..=10 {
        let seg = format!("seg{k}");
        assert_eq!(
            nodes(&c, &seg),
            [format!("tap{}", k - 1), format!("tap{k}")]
        );
        assert!((number(&c, &seg, "ohms") - 50e-6 * k as f64).abs() < 1e-15);
        assert_eq!(
            nodes(&c, &format!("c{k}")),
            [format!("tap{k}"), "gnd".to_string()]
        );
    }
    assert!(matches!(find(&c, "seg1"), ComponentSpec::Inductor(_)));
    assert_eq!(number(&c, "seg4", "henries"), 0.2e-6);
}

#[test]
fn repeat_index_arithmetic_and_nesting() {
    let c = parse(
        r#"Circuit(name: "grid", components: [
            Repeat(count: 2, index: "r", start: 0, components: [
                Repeat(count: 3, index: "c", components: [
                    Resistor(name: "r{r}_{c}", a: "n{r*3+c}", b: "n{r*3+c+1}", ohms: "r + c / 10"),
                    Resistor(name: "h{r}_{c}", a: "n{(r+1)*3}", b: "m{c*2-1}", ohms: 1),
                ]),
            ]),
        ])"#,
    )
    .expect("nested repeats");
    assert_eq!(c.components.len(), 12);
    assert_eq!(nodes(&c, "r1_3"), ["n6", "n7"]);
    assert_eq!(number(&c, "r1_3", "ohms"), 1.3);
    assert_eq!(nodes(&c, "h0_2"), ["n3", "m3"]);
    let empty = parse(r#"Circuit(components: [Repeat(count: 0, components: [Resistor(name: "x", a: "a", b: "0", ohms: 1)])])"#)
        .expect("count 0");
    assert!(empty.components.is_empty());
    assert_eq!(empty.name, "test");
}

#[test]
fn nested_instances_get_hierarchical_names() {
    let c = load(&data("hall.ron"), &no_overrides()).expect("hall.ron");
    assert_eq!(c.components.len(), 1 + 2 * 3 * 2);
    assert_eq!(number(&c, "row2.rack3.c50", "farads"), 2e-3);
    assert_eq!(nodes(&c, "row2.rack3.c50"), ["row2.rack3.bus50", "gnd"]);
    assert_eq!(
        nodes(&c, "row1.rack2.dcx"),
        ["bus800", "row1.rack2.bus50", "gnd", "gnd"]
    );
    assert_eq!(c.nominal("row2.rack3.bus50"), Some(50.0));
    assert_eq!(c.nominal("row2.rack3.x"), None);
}

#[test]
fn parameter_precedence() {
    let text = r#"Circuit(
        params: { "p": 100.0, "scale": 2 },
        subcircuits: {
            "s": Subcircuit(ports: ["a"], params: { "p": 7.0, "q": "p * scale" }, components: [
                Resistor(name: "r", a: "a", b: "gnd", ohms: "q"),
                Resistor(name: "t", a: "a", b: "gnd", ohms: "p"),
            ]),
        },
        components: [
            Instance(name: "dflt", of: "s", ports: { "a": "n" }),
            Instance(name: "given", of: "s", ports: { "a": "n" }, params: { "p": "p / 4" }),
            Resistor(name: "top", a: "n", b: "gnd", ohms: "p"),
        ],
    )"#;
    let c = parse(text).expect("params");
    // Subcircuit default, evaluated in the subcircuit's scope.
    assert_eq!(number(&c, "dflt.t", "ohms"), 7.0);
    assert_eq!(number(&c, "dflt.r", "ohms"), 14.0);
    // Instance value, evaluated in the parent's scope, feeds dependants.
    assert_eq!(number(&c, "given.t", "ohms"), 25.0);
    assert_eq!(number(&c, "given.r", "ohms"), 50.0);
    assert_eq!(number(&c, "top", "ohms"), 100.0);

    // A parameter override reaches everything that depends on it.
    let c = parse_str(
        text,
        Path::new("t.ron"),
        &overrides(&[("p", 40.0), ("scale", 3.0)]),
    )
    .expect("override");
    assert_eq!(number(&c, "top", "ohms"), 40.0);
    assert_eq!(number(&c, "given.t", "ohms"), 10.0);
    assert_eq!(number(&c, "dflt.r", "ohms"), 21.0);
}

#[test]
fn overrides_of_parameters_and_fields() {
    let o = overrides(&[
        ("cbus.farads", 2e-3),
        ("p_rack", 180e3),
        ("tray*.c50.esr", 5e-3),
        ("tray2.gpu.model.min_volts", 40.0),
    ]);
    let c = load(&data("rack.ron"), &o).expect("overrides");
    assert_eq!(number(&c, "cbus", "farads"), 2e-3);
    assert_eq!(number(&c, "tray5.gpu", "watts"), 10e3);
    assert_eq!(number(&c, "tray9.c50", "esr"), 5e-3);
    assert_eq!(number(&c, "tray9.c50", "farads"), 10e-3);
    assert_eq!(number(&c, "tray2.gpu", "model.min_volts"), 40.0);
    assert_eq!(number(&c, "tray3.gpu", "model.min_volts"), 30.0);

    let c = load(
        &data("hall.ron"),
        &overrides(&[("*.c50.farads", 1e-3), ("row1.rack2.c50.farads", 4e-3)]),
    )
    .expect("hall");
    assert_eq!(number(&c, "row2.rack1.c50", "farads"), 1e-3);
    assert_eq!(number(&c, "row1.rack2.c50", "farads"), 4e-3);
}

#[test]
fn syntax_error_has_line_and_column() {
    let text = "Circuit(\n    name: \"x\",\n    components: [\n        Resistor(name: \"r\", a: \"a\", b: \"gnd\" ohms: 1.0),\n    ],\n)\n";
    let e = parse_err(text);
    assert!(matches!(e, NetlistError::Syntax { .. }), "{e:?}");
    assert_eq!(line_col(&e), (4, 46));
    assert_eq!(underlined(&e), "ohms");
    assert!(
        e.to_string().starts_with("test.ron:4:46: expected `,`"),
        "{e}"
    );
}

#[test]
fn unknown_kind_lists_every_kind_in_order() {
    let text = "Circuit(components: [\n    Resistr(name: \"r\", a: \"a\", b: \"0\", ohms: 1),\n])";
    let e = parse_err(text);
    assert_eq!(
        e.to_string(),
        "test.ron:2:5: Unexpected variant named `Resistr` in enum `ComponentSpec`, expected one of \
         `Resistor`, `Inductor`, `Capacitor`, `Cable`, `Switch`, `VoltageSource`, `CurrentSource`, \
         `Dcx`, `Load`, `Converter`, `Rectifier`, `Battery`, `Bbu`, `CapBank`, `ActiveFrontEnd`, `Ess`, `Instance`, or \
         `Repeat` instead"
    );
    assert_eq!(underlined(&e), "Resistr");
}

#[test]
fn unknown_field_lists_the_expected_fields() {
    let text = "Circuit(\n  components: [\n    Capacitor(name: \"c\", a: \"a\", b: \"gnd\", farad: 1e-3),\n  ],\n)";
    let e = parse_err(text);
    let msg = e.to_string();
    assert!(msg.contains("`farad`"), "{msg}");
    assert!(msg.contains("`farads`") && msg.contains("`esr`"), "{msg}");
    assert_eq!(line_col(&e), (3, 44));
    assert_eq!(underlined(&e), "farad");

    let e = parse_err(r#"Circuit(components: [], subcircuit: {})"#);
    assert!(e.to_string().contains("`subcircuits`"), "{e}");
    let e = parse_err(r#"Circuit(components: [Resistr(name: "r", a: "a", b: "0", ohms: 1)])"#);
    assert!(e.to_string().contains("`Resistor`"), "{e}");
    let e = parse_err(r#"Circuit(params: {"a": 1, "a": 2}, components: [])"#);
    assert!(e.to_string().contains("`a` is defined twice"), "{e}");
    let e = parse_err(r#"Circuit(components: [Resistor(name: "r", a: "a", b: "0")])"#);
    assert!(
        e.to_string().contains("missing field `ohms` in `Resistor`"),
        "{e}"
    );
    let e = parse_err("Circuit(components: [");
    assert!(e.to_string().contains("end of file"), "{e}");
}

#[test]
fn unknown_subcircuit_names_instance_and_known_ones() {
    let text = "Circuit(\n subcircuits: { \"tray\": Subcircuit(components: []), \"rack\": Subcircuit(components: []) },\n components: [\n  Repeat(count: 2, components: [\n   Instance(name: \"t{i}\", of: \"trey\"),\n  ]),\n ],\n)";
    let e = parse_err(text);
    match &e {
        NetlistError::Component {
            component,
            message,
            help,
            ..
        } => {
            assert_eq!(component, "t1");
            assert!(message.contains("unknown subcircuit `trey`"), "{message}");
            assert_eq!(help.as_deref(), Some("known subcircuits: tray, rack"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(line_col(&e), (5, 19));
    assert_eq!(underlined(&e), "\"t{i}\"");
}

#[test]
fn bad_expression_points_at_the_field() {
    let text = "Circuit(\n  params: { \"c_bus\": 1e-3 },\n  components: [\n    Capacitor(name: \"cbus\", a: \"bus\", b: \"gnd\",\n              farads: \"2 * c_buss\"),\n  ],\n)";
    let e = parse_err(text);
    match &e {
        NetlistError::Expression {
            component,
            field,
            expression,
            message,
            ..
        } => {
            assert_eq!(
                (component.as_str(), field.as_str(), expression.as_str()),
                ("cbus", "farads", "2 * c_buss")
            );
            assert!(message.contains("unknown parameter `c_buss`"), "{message}");
            assert!(message.contains("parameters in scope: c_bus"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(line_col(&e), (5, 23));
    assert_eq!(underlined(&e), "\"2 * c_buss\"");

    let e =
        parse_err(r#"Circuit(components: [Resistor(name: "r", a: "a", b: "0", ohms: "1 / ")])"#);
    assert!(
        e.to_string()
            .contains("expected a number or parameter name at the end of `1 / `"),
        "{e}"
    );

    let e = parse_err(r#"Circuit(params: {"a": "b + 1", "b": "a"}, components: [])"#);
    assert!(
        matches!(&e, NetlistError::Parameter { message, .. } if message.contains("a → b → a")),
        "{e:?}"
    );
}

#[test]
fn negative_capacitance_names_component_and_line() {
    let e = load(&data("negative_cap.ron"), &no_overrides()).expect_err("negative farads");
    match &e {
        NetlistError::Component {
            component,
            message,
            text,
            ..
        } => {
            assert_eq!(component, "cbus");
            assert!(message.contains("`farads` must be a positive"), "{message}");
            assert!(message.contains("-0.001"), "{message}");
            assert!(text.as_deref().is_some_and(|t| t.contains("farads: -1e-3")));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(line_col(&e).0, 6);
    assert_eq!(underlined(&e), "\"cbus\"");
    assert!(e.to_string().contains("component `cbus`"));
}

#[test]
fn errors_inside_subcircuits_point_at_the_template() {
    let text = "Circuit(\n params: { \"c\": 1e-3 },\n subcircuits: {\n  \"t\": Subcircuit(ports: [\"in\"], params: { \"cs\": \"-c\" }, components: [\n   Capacitor(name: \"c50\", a: \"in\", b: \"gnd\", farads: \"cs\"),\n  ]),\n },\n components: [Instance(name: \"tray\", of: \"t\", ports: { \"in\": \"x\" })],\n)";
    let e = parse_err(text);
    assert!(
        matches!(&e, NetlistError::Component { component, .. } if component == "tray.c50"),
        "{e:?}"
    );
    assert_eq!(line_col(&e), (5, 20));

    // A subcircuit default that cannot be evaluated points at its key.
    let bad_default = text.replace("\"-c\"", "\"-cc\"");
    let e = parse_err(&bad_default);
    assert!(
        matches!(&e, NetlistError::Parameter { name, .. } if name == "cs"),
        "{e:?}"
    );
    assert!(e.to_string().contains("instance `tray`"), "{e}");
    assert_eq!(underlined(&e), "\"cs\": \"-cc\"");

    // A value passed by the instance is evaluated in the parent's scope.
    let bad_given = text.replace(
        "ports: { \"in\": \"x\" }",
        "ports: { \"in\": \"x\" }, params: { \"cs\": \"cs * 2\" }",
    );
    let e = parse_err(&bad_given);
    assert!(
        matches!(&e, NetlistError::Expression { field, .. } if field == "params.cs"),
        "{e:?}"
    );
    assert_eq!(underlined(&e), "\"cs\": \"cs * 2\"");
}

#[test]
fn ports_must_match_exactly() {
    let sub = r#"subcircuits: { "tray": Subcircuit(ports: ["in", "out"], components: [
        Resistor(name: "r", a: "in", b: "out", ohms: 1)]) }"#;
    let e = parse_err(&format!(
        "Circuit({sub}, components: [\n Instance(name: \"tray1\", of: \"tray\", ports: {{ \"in\": \"bus800\" }})])"
    ));
    let msg = e.to_string();
    assert!(
        msg.contains("tray1") && msg.contains("port `out`") && msg.contains("not connected"),
        "{msg}"
    );
    assert_eq!(line_col(&e), (3, 17));

    let e = parse_err(&format!(
        "Circuit({sub}, components: [\n Instance(name: \"tray1\", of: \"tray\", ports: {{ \"in\": \"a\", \"out\": \"b\", \"inn\": \"c\" }})])"
    ));
    let msg = e.to_string();
    assert!(
        msg.contains("tray1") && msg.contains("no port `inn`"),
        "{msg}"
    );
    assert_eq!(underlined(&e), "\"inn\": \"c\"");

    let ok = parse(&format!(
        "Circuit({sub}, components: [Instance(name: \"t\", of: \"tray\", ports: {{ \"in\": \"a\", \"out\": \"0\" }})])"
    ))
    .expect("bound ports");
    assert_eq!(nodes(&ok, "t.r"), ["a", "gnd"]);
}

#[test]
fn duplicate_names_show_both_places() {
    let text = "Circuit(components: [\n  Resistor(name: \"r\", a: \"a\", b: \"0\", ohms: 1),\n  Resistor(name: \"r\", a: \"b\", b: \"0\", ohms: 1),\n])";
    let e = parse_err(text);
    let msg = e.to_string();
    assert!(msg.contains("two components are named `r`"), "{msg}");
    assert!(msg.contains("test.ron:2:18"), "{msg}");
    assert_eq!(line_col(&e), (3, 18));

    let e = parse_err(
        r#"Circuit(components: [Repeat(count: 2, components: [Resistor(name: "r", a: "a", b: "0", ohms: 1)])])"#,
    );
    assert!(
        matches!(&e, NetlistError::Component { help: Some(h), .. } if h.contains("`c{i}`")),
        "{e:?}"
    );

    // A node may share a component's name.
    parse(r#"Circuit(components: [Resistor(name: "x", a: "x", b: "0", ohms: 1)])"#)
        .expect("node named like a component");
}

#[test]
fn unknown_override_is_an_error() {
    let path = data("rack.ron");
    let e = load(&path, &overrides(&[("p_rak", 1.0)])).expect_err("unknown parameter");
    let msg = e.to_string();
    assert!(
        msg.contains("override `p_rak`") && msg.contains("parameters: p_rack"),
        "{msg}"
    );

    let e = load(&path, &overrides(&[("cbus.farad", 1.0)])).expect_err("unknown field");
    let msg = e.to_string();
    assert!(
        msg.contains("no numeric field `farad`") && msg.contains("farads, esr"),
        "{msg}"
    );

    let e = load(&path, &overrides(&[("cbuss.farads", 1.0)])).expect_err("unknown component");
    assert!(
        e.to_string().contains("no component matches `cbuss`"),
        "{e}"
    );

    // An override that makes a value impossible is reported like a file value.
    let e = load(&path, &overrides(&[("cbus.farads", -1.0)])).expect_err("negative override");
    assert!(
        matches!(&e, NetlistError::Component { help: Some(h), .. } if h.contains("cbus.farads")),
        "{e:?}"
    );
    assert_eq!(line_col(&e).0, 21);
}

#[test]
fn recursion_is_an_error() {
    let e = parse_err(
        r#"Circuit(subcircuits: {
            "a": Subcircuit(components: [Instance(name: "x", of: "b")]),
            "b": Subcircuit(components: [Instance(name: "y", of: "a")]),
        }, components: [Instance(name: "top", of: "a")])"#,
    );
    assert!(e.to_string().contains("a → b → a"), "{e}");
}

#[test]
fn malformed_names_and_counts() {
    for (text, needle) in [
        (
            r#"Circuit(components: [Resistor(name: "r{j}", a: "a", b: "0", ohms: 1)])"#,
            "unknown parameter `j`",
        ),
        (
            r#"Circuit(components: [Resistor(name: "r{i", a: "a", b: "0", ohms: 1)])"#,
            "without a matching",
        ),
        (
            r#"Circuit(components: [Resistor(name: "r*", a: "a", b: "0", ohms: 1)])"#,
            "not valid",
        ),
        (
            r#"Circuit(components: [Repeat(count: -1, components: [])])"#,
            "whole number",
        ),
        (
            r#"Circuit(components: [Repeat(count: 2.5, components: [])])"#,
            "whole number",
        ),
        (
            r#"Circuit(components: [Repeat(count: 1e9, components: [])])"#,
            "100000",
        ),
        (
            r#"Circuit(components: [Repeat(count: "1 / 0", components: [])])"#,
            "division by zero",
        ),
        (
            r#"Circuit(buses: {"b": (nominal: -5)}, components: [])"#,
            "positive nominal",
        ),
        (
            r#"Circuit(components: [Resistor(name: "r", a: "a", b: "0", ohms: inf)])"#,
            "finite",
        ),
    ] {
        let msg = parse_err(text).to_string();
        assert!(msg.contains(needle), "`{text}` gave `{msg}`");
    }
}

#[test]
fn io_error_names_the_file() {
    let e = load(Path::new("/nonexistent/circuit.ron"), &no_overrides()).expect_err("missing file");
    assert!(matches!(e, NetlistError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/circuit.ron"));
}

#[test]
fn limits_are_errors_not_crashes() {
    // Deep bracket nesting stops in the parser.
    let deep = format!(
        "Circuit(components: [{}{}])",
        "Repeat(count: 1, components: [".repeat(200),
        "])".repeat(200)
    );
    assert!(matches!(parse_err(&deep), NetlistError::Syntax { .. }));

    // Nested repeats that would expand beyond any real circuit.
    let huge = r#"Circuit(components: [Repeat(count: 100000, components: [Repeat(count: 100000, components: [
        Resistor(name: "r{i}", a: "a", b: "0", ohms: 1)])])])"#;
    let e = parse_err(huge);
    assert!(
        e.to_string().contains("two components are named") || e.to_string().contains("more than"),
        "{e}"
    );

    // Garbage never panics.
    for text in [
        "",
        "(",
        "Circuit",
        "Circuit(components: [Resistor(name: \"\u{0}\")])",
        "\u{feff}Circuit(components: [])",
        "Circuit(components: [Resistor(name: r#\"x\"#, a: \"a\", b: \"0\", ohms: \"(((\")])",
    ] {
        let _ = parse(text);
    }
}

#[test]
fn nesting_limits_hold_on_a_small_stack() {
    // As deep as the parser allows: elaboration recursion stays shallow.
    let depth = 20;
    let text = format!(
        "Circuit(components: [{}Resistor(name: \"r\", a: \"a\", b: \"0\", ohms: 1){}])",
        "Repeat(count: 1, components: [".repeat(depth),
        "])".repeat(depth)
    );
    let c = parse(&text).expect("deep repeats");
    assert_eq!(c.components.len(), 1);

    // A long chain of subcircuits stops at the nesting limit with a message.
    let mut subs = String::new();
    for k in 0..100 {
        subs.push_str(&format!(
            "\"s{k}\": Subcircuit(components: [Instance(name: \"x\", of: \"s{}\")]),\n",
            k + 1
        ));
    }
    subs.push_str("\"s100\": Subcircuit(components: []),\n");
    let text = format!(
        "Circuit(subcircuits: {{ {subs} }}, components: [Instance(name: \"top\", of: \"s0\")])"
    );
    let e = parse_err(&text);
    assert!(e.to_string().contains("nest more than 64"), "{e}");
}

#[test]
fn elaboration_without_text_has_no_locations() {
    let text = r#"Circuit(components: [Capacitor(name: "c", a: "a", b: "0", farads: -1)])"#;
    let circuit =
        busbar::netlist::parse_circuit::<ComponentSpec>(text, Path::new("x.ron")).expect("parses");
    let e = busbar::netlist::elaborate(circuit, &no_overrides(), None, None).expect_err("negative");
    assert!(
        matches!(
            e,
            NetlistError::Component {
                location: None,
                text: None,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn repeated_keys_are_errors() {
    let e = parse_err(
        r#"Circuit(subcircuits: {"s": Subcircuit(ports: ["a"], components: [])},
           components: [Instance(name: "i", of: "s", ports: {"a": "x", "a": "y"})])"#,
    );
    assert!(e.to_string().contains("`a` is defined twice"), "{e}");
}
