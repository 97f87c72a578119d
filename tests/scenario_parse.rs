//! Scenario files: parsing every section, and every kind of error with its
//! location.

use busbar::analysis::limits::{Limit, Ripple, Scenario};
use busbar::scenario::{self, Event, Profile, ScenarioError, Stagger, Start};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/scenario")
        .join(name)
}

/// Parses `text` as if it were `tests/data/scenario/inline.ron`.
fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    scenario::parse_str(text, &data("inline.ron"))
}

/// A minimal valid scenario with `extra` spliced in as further fields.
fn with(extra: &str) -> String {
    format!("Scenario(\n    name: \"t\",\n    duration: 0.05,\n    sample: 1e-5,\n{extra}\n)\n")
}

/// The error's message and (line, column), for `Invalid` errors.
fn invalid(text: &str) -> (String, Option<(usize, usize)>) {
    match parse(text) {
        Err(ScenarioError::Invalid {
            message, location, ..
        }) => (message, location.map(|l| (l.line, l.column))),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn parses_the_full_example() {
    let s = scenario::load(&data("full.ron")).expect("full.ron parses");
    assert_eq!(s.name, "synchronous training step 30% -> 100%");
    assert_eq!(s.start, Start::OperatingPoint);
    assert_eq!((s.rtol, s.atol), (Some(1e-6), Some(1e-6)));
    assert_eq!(s.circuit_path(), Some(data("../circuits/nvl72_rack.ron")));
    assert_eq!(s.path(), data("full.ron"));
    assert_eq!(s.loads.len(), 4);
    assert!(matches!(&s.loads[0].stagger, Some(Stagger::Stagger(p)) if p.phases == Some(8)));
    assert!(matches!(&s.loads[1].profile, Profile::Pulse(p) if p.cycles == Some(3)));
    assert!(matches!(&s.loads[3].stagger, Some(Stagger::Random(r)) if r.seed == 7));
    match &s.loads[3].profile {
        Profile::Trace(t) => assert_eq!(t.samples.len(), 4),
        other => panic!("expected a trace, got {other:?}"),
    }
    assert_eq!(
        s.events[3],
        Event::Fault {
            at: 0.035,
            node: "bus800".into(),
            ohms: 0.05,
            clear_after: Some(1e-3)
        }
    );
    assert_eq!(s.overrides.get("cbus.farads"), Some(&2e-3));
    assert_eq!(s.record.len(), 4);
    assert_eq!(s.limits.len(), 10);
    assert!(
        matches!(s.limits[3], Limit::Ripple(Ripple { window: Some((a, b)), .. }) if a == 0.03 && b == 0.05)
    );
    assert!(s.sweep.is_none());
}

#[test]
fn defaults() {
    let s = parse(&with("")).expect("parses");
    assert_eq!(s.start, Start::OperatingPoint);
    assert!(
        s.loads.is_empty() && s.events.is_empty() && s.record.is_empty() && s.limits.is_empty()
    );
    assert!(s.overrides.is_empty() && s.circuit_path().is_none());
    let s = parse(&with("    start: Zero,")).expect("parses");
    assert_eq!(s.start, Start::Zero);
}

/// A scenario's `sweep` block used to parse and run nothing; it is refused
/// where it stands, with a pointer to the sweep file that replaced it.
#[test]
fn a_sweep_block_is_refused_with_its_location() {
    for block in [
        "sweep: Grid({\"c_bus\": [1e-3, 2e-3]})",
        "sweep: MonteCarlo(samples: 10, seed: 1, vary: {\"c\": Tolerance(percent: 5)})",
        "sweep: None",
    ] {
        let (m, loc) = invalid(&with(&format!("    {block},")));
        assert!(m.contains("no `sweep` block"), "{m}");
        assert!(
            m.contains("docs/sweeps.md") && m.contains("busbar sweep"),
            "{m}"
        );
        assert_eq!(loc, Some((5, 5)), "{m}");
    }
}

#[test]
fn missing_file_is_an_io_error() {
    let err = scenario::load::<Limit>(&data("no_such_file.ron")).expect_err("missing");
    assert!(matches!(&err, ScenarioError::Io { path, .. } if path.ends_with("no_such_file.ron")));
    assert!(err.to_string().contains("no_such_file.ron"));
}

#[test]
fn unknown_field_lists_expected_fields_with_its_line() {
    let text = with("    loads: [\n        (target: \"a\", profile: Step(from: 0.3, too: 1.0, at: 0.01)),\n    ],");
    match parse(&text) {
        Err(ScenarioError::Syntax {
            message,
            location,
            text: t,
        }) => {
            assert_eq!((location.line, location.column), (6, 48));
            assert!(message.contains("`too`"), "{message}");
            for field in ["`from`", "`to`", "`at`", "`rise`"] {
                assert!(message.contains(field), "{message} should list {field}");
            }
            assert_eq!(&t[location.span.0..location.span.1], "too");
            assert_eq!(t, text);
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn syntax_errors_say_what_was_expected() {
    let cases = [
        (with("    bogus: 1,"), 5, "expected one of"),
        (
            with("    events: [Trip(at: 0.01)],"),
            5,
            "missing field named `component`",
        ),
        (
            with("    loads: [(target: \"a\", profile: Stp(from: 0, to: 1, at: 0))],"),
            5,
            "expected one of `Step`",
        ),
        (
            "Scenario(name: \"t\",\n duration: \"long\", sample: 1e-5)".to_string(),
            2,
            "Expected float",
        ),
        (
            "Scenario(name: \"t\",\n duration: 1, sample: 1e-5".to_string(),
            2,
            "Expected",
        ),
        (
            with("    overrides: {\"a\": 1, \"a\": 2},"),
            5,
            "duplicate key `a`",
        ),
    ];
    for (text, line, needle) in cases {
        match parse(&text) {
            Err(ScenarioError::Syntax {
                message, location, ..
            }) => {
                assert_eq!(location.line, line, "{message}");
                assert!(
                    message.contains(needle),
                    "`{message}` should contain `{needle}`"
                );
                let shown = format!("{location}: {message}");
                assert!(shown.contains("inline.ron:"), "{shown}");
            }
            other => panic!("expected a syntax error for {text}, got {other:?}"),
        }
    }
}

#[test]
fn semantic_errors_point_at_the_field() {
    let (m, at) = invalid("Scenario(name: \"t\",\n  duration: 0.0, sample: 1e-5)");
    assert!(m.contains("`duration` must be > 0"), "{m}");
    assert_eq!(at, Some((2, 3)));

    let (m, at) = invalid("Scenario(name: \"t\", duration: 0.01,\n  sample: 0.1)");
    assert!(m.contains("must not exceed `duration`"), "{m}");
    assert_eq!(at, Some((2, 3)));

    let (m, at) = invalid(&with("    rtol: 0.0,"));
    assert!(m.contains("`rtol` must be > 0"), "{m}");
    assert_eq!(at, Some((5, 5)));

    let (m, at) = invalid(&with("    sample: -1e-5,").replace("    sample: 1e-5,\n", ""));
    assert!(m.contains("`sample` must be > 0"), "{m}");
    assert_eq!(at, Some((4, 5)));

    let loads = "    loads: [\n        (target: \"a\", profile: Step(from: 0, to: 1, at: 0)),\n        (target: \"b.gpu\", profile: Step(from: 0, to: 1, at: 0.01, rise: -1e-3)),\n    ],";
    let (m, at) = invalid(&with(loads));
    assert!(
        m.contains("load `b.gpu`") && m.contains("`rise` must be ≥ 0"),
        "{m}"
    );
    assert_eq!(at, Some((7, 67)));
}

#[test]
fn profile_rules() {
    let load = |p: &str| with(&format!("    loads: [(target: \"x\",\n profile: {p})],"));
    let cases = [
        (
            "Pwl([(0.0, 0.3), (0.02, 1.0), (0.01, 0.5)])",
            "must increase strictly",
            (6, 41),
        ),
        ("Pwl([])", "at least one", (6, 2)),
        (
            "Pulse(low: 0, high: 1, period: 0.1, duty: 1.5)",
            "`duty` must be within [0, 1]",
            (6, 47),
        ),
        (
            "Pulse(low: 0, high: 1, period: 0.0, duty: 0.5)",
            "`period` must be > 0",
            (6, 34),
        ),
        (
            "Pulse(low: 0, high: 1, period: 0.1, duty: 0.5, rise: 0.06)",
            "must fit in the high part",
            (6, 58),
        ),
        (
            "Pulse(low: 0, high: 1, period: 0.1, duty: 0.5, fall: 0.06)",
            "must end within the period",
            (6, 58),
        ),
        (
            "Pulse(low: 0, high: 1, period: 0.1, duty: 0.5, cycles: 0)",
            "at least 1",
            (6, 58),
        ),
        ("Step(from: 0, to: inf, at: 0)", "finite", (6, 25)),
        (
            "Pulse(low: 0, high: 1, period: 1e-9, duty: 0.5)",
            "(50000000 cycles in the 0.05 s run)",
            (6, 34),
        ),
    ];
    for (profile, needle, at) in cases {
        let (m, loc) = invalid(&load(profile));
        assert!(m.contains(needle), "`{m}` should contain `{needle}`");
        assert_eq!(loc, Some(at), "{m}");
    }
}

#[test]
fn event_record_and_limit_rules() {
    let cases = [
        ("events: [Fault(at: 0.01, node: \"a\", ohms: 0.0)]", "`ohms` must be > 0"),
        ("events: [Fault(at: 0.01, node: \"a\", ohms: 1, clear_after: -1)]", "`clear_after` must be > 0"),
        ("events: [Open(at: -0.01, component: \"a\")]", "`at` must be ≥ 0"),
        ("record: [\"bus800\", \"x(bus800)\"]", "unknown quantity `x`"),
        ("record: [\"i(grid\"]", "expected `v(node)`"),
        ("limits: [Ripple(node: \"a\", max_pp_volts: 0.1, window: (0.04, 0.03))]", "`window`"),
        ("limits: [MinDamping(ratio: 1.5)]", "`ratio` must be within [0, 1)"),
        ("overrides: {\"p\": inf}", "override `p`"),
        ("loads: [(target: \"x\", profile: Step(from: 0, to: 1, at: 0), stagger: Stagger(seconds: 1e-3, phases: 0))]", "`phases`"),
    ];
    for (field, needle) in cases {
        let (m, loc) = invalid(&with(&format!("    {field},")));
        assert!(m.contains(needle), "`{m}` should contain `{needle}`");
        assert_eq!(loc.map(|l| l.0), Some(5), "{m}");
    }
}

#[test]
fn trace_errors_name_file_line_and_columns() {
    let trace = |file: &str, value: &str| {
        let profile = format!("Trace(file: \"{file}\", time: \"t\", value: \"{value}\")");
        parse(&with(&format!(
            "    loads: [(target: \"x\", profile: {profile})],"
        )))
    };
    let err = trace("traces/gpu.csv", "watts").expect_err("missing column");
    match &err {
        ScenarioError::Trace {
            path,
            line,
            message,
        } => {
            assert!(path.ends_with("traces/gpu.csv"));
            assert_eq!(*line, Some(2));
            assert!(message.contains("`watts`"), "{message}");
            assert!(message.contains("`t`, `pu`, `amps`"), "{message}");
        }
        other => panic!("expected a trace error, got {other:?}"),
    }
    assert!(err.to_string().contains("gpu.csv:2: "), "{err}");

    let err = trace("traces/bad_cell.csv", "pu").expect_err("bad cell");
    assert!(
        matches!(&err, ScenarioError::Trace { line: Some(3), message, .. } if message.contains("column `pu`") && message.contains("`abc`")),
        "{err:?}"
    );
    let err = trace("traces/backwards.csv", "pu").expect_err("backwards");
    assert!(
        matches!(&err, ScenarioError::Trace { line: Some(4), message, .. } if message.contains("must increase")),
        "{err:?}"
    );
    let err = trace("traces/none.csv", "pu").expect_err("missing file");
    assert!(
        matches!(&err, ScenarioError::Trace { line: None, path, .. } if path.ends_with("none.csv")),
        "{err:?}"
    );
}

/// Truncations and byte mutations of a valid file must end in an error or a
/// scenario, never a panic.
#[test]
fn never_panics_on_mangled_input() {
    let text = std::fs::read_to_string(data("full.ron")).expect("fixture");
    let bytes = text.as_bytes();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for cut in (0..bytes.len()).step_by(7) {
        let _ = parse(&String::from_utf8_lossy(&bytes[..cut]));
    }
    let alphabet = b"()[]{}:,\"'/*-0.e9 xr#\n";
    for _ in 0..2000 {
        let mut mutated = bytes.to_vec();
        for _ in 0..3 {
            let at = (next() % mutated.len() as u64) as usize;
            mutated[at] = alphabet[(next() % alphabet.len() as u64) as usize];
        }
        let _ = parse(&String::from_utf8_lossy(&mutated));
    }
}
