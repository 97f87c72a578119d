//! Participation by subsystem: two decoupled halves of a circuit each make
//! their own modes entirely (exactly 100 % one subsystem), every mode's
//! subsystem shares sum to 1 (the participations do), a circuit without
//! `subsystems` is grouped by top-level instance, and a pattern that
//! matches nothing is an error naming the pattern, its subsystem and its
//! place in the file.

use busbar::analysis::stability::{modes, state_space, CircuitSource, Mode, Setup};
use busbar::netlist::NetlistError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Two LC filters feeding resistive loads from their own sources, no
/// shared node: A is block diagonal.
fn two_parts(subsystems: &str) -> String {
    let half = |p: &str| {
        format!(
            r#"VoltageSource(name: "{p}_src", pos: "{p}_in", volts: 800),
            Inductor(name: "{p}_l", a: "{p}_in", b: "{p}_bus", henries: 50e-6, ohms: 1e-3),
            Capacitor(name: "{p}_c", a: "{p}_bus", b: "gnd", farads: 2e-3),
            Resistor(name: "{p}_r", a: "{p}_bus", b: "gnd", ohms: 4.0),"#
        )
    };
    format!(
        r#"Circuit(name: "two parts", {subsystems}
    components: [
            {}
            {}
    ])"#,
        half("a"),
        half("b")
    )
}

fn all_modes(text: &str) -> Vec<Mode> {
    let source =
        CircuitSource::from_text(text, Path::new("two.ron")).unwrap_or_else(|e| panic!("{e}"));
    all_modes_of(Setup::new(source))
}

fn all_modes_of(setup: Setup) -> Vec<Mode> {
    let bound = setup.bind().expect("operating point");
    let ss = state_space(&bound.model, &bound.point, false).expect("state space");
    modes(&ss).expect("modes").modes
}

fn bundled(name: &str) -> Setup {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("circuits")
        .join(name);
    Setup::new(CircuitSource::read(&path).expect("circuit file"))
}

/// Σ of a mode's subsystem shares.
fn total(m: &Mode) -> f64 {
    m.subsystems.iter().map(|s| s.fraction).sum()
}

#[test]
fn a_decoupled_part_makes_its_modes_alone() {
    let m = all_modes(&two_parts(
        r#"subsystems: { "left": ["a_*"], "right": ["b_*"] },"#,
    ));
    // Each half is an LC pair: two oscillatory modes, one per half.
    assert_eq!(m.len(), 2, "{m:?}");
    let mut makers: Vec<&str> = Vec::new();
    for mode in &m {
        assert_eq!(
            mode.subsystems.len(),
            1,
            "{}: {:?}",
            mode.describe(),
            mode.subsystems
        );
        let only = &mode.subsystems[0];
        // The decoupled block is decomposed alone, so the other half's
        // participation is exactly zero; the share is a normalised sum of
        // two terms, 1 up to rounding.
        assert!((only.fraction - 1.0).abs() < 1e-15, "{only:?}");
        assert_eq!(mode.made_by(), Some(only));
        makers.push(&only.name);
    }
    makers.sort_unstable();
    assert_eq!(makers, ["left", "right"]);
}

#[test]
fn undeclared_subsystems_group_by_top_level_name_and_unmatched_is_other() {
    // Without `subsystems`, `a_l` and `a_c` are top-level names of their own.
    let m = all_modes(&two_parts(""));
    for mode in &m {
        let names: Vec<&str> = mode.subsystems.iter().map(|s| s.name.as_str()).collect();
        let components: Vec<&str> = mode.components.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>(),
            components.iter().copied().collect(),
            "{}",
            mode.describe()
        );
    }
    // Only the left half declared: the right half's modes are `other`.
    let m = all_modes(&two_parts(r#"subsystems: { "left": ["a_*"] },"#));
    let names: Vec<&str> = m.iter().map(|x| x.subsystems[0].name.as_str()).collect();
    assert!(
        names.contains(&"left") && names.contains(&"other"),
        "{names:?}"
    );
}

#[test]
fn subsystem_shares_sum_to_one_on_bundled_circuits() {
    // Participations of a mode sum to 1; every state belongs to exactly
    // one subsystem and none is dropped (beyond 12 subsystems the rest is
    // one share), so the subsystem shares do too. Rounding of ~30 terms:
    // 1e-12.
    for (name, declared) in [
        ("diablo_sidecar.ron", true),
        ("grid_afe.ron", true),
        ("kyber_row.ron", false),
        ("nvl72_row.ron", false),
    ] {
        let m = all_modes_of(bundled(name));
        assert!(!m.is_empty(), "{name}");
        for mode in &m {
            assert!(
                (total(mode) - 1.0).abs() < 1e-12,
                "{name}: {} sums to {}",
                mode.describe(),
                total(mode)
            );
            if declared {
                assert!(
                    mode.subsystems.iter().all(|s| s.name != "other"),
                    "{name}: every component is in a declared subsystem: {:?}",
                    mode.subsystems
                );
            }
        }
    }
}

#[test]
fn the_sidecar_groups_its_modes_by_part() {
    // Storage, sidecar front end, ±400 V link, rack conversion: the BBU
    // modes are storage's (first match wins over `plus.*`), the DCX modes
    // the rack's, and the 1.5 kHz link resonance is mostly the link's.
    let m = all_modes_of(bundled("diablo_sidecar.ron"));
    let made_by = |pred: &dyn Fn(&Mode) -> bool| -> Vec<String> {
        m.iter()
            .filter(|x| pred(x))
            .map(|x| x.made_by().expect("shares").name.clone())
            .collect()
    };
    let bbu = made_by(&|x| {
        x.components
            .first()
            .is_some_and(|c| c.name.ends_with(".bbu"))
    });
    assert!(
        !bbu.is_empty() && bbu.iter().all(|n| n == "storage"),
        "{bbu:?}"
    );
    let dcx = made_by(&|x| {
        x.components
            .first()
            .is_some_and(|c| c.name.ends_with(".dcx"))
    });
    assert!(
        !dcx.is_empty() && dcx.iter().all(|n| n == "rack 50 V"),
        "{dcx:?}"
    );
    let link = made_by(&|x| {
        x.imag > 0.0
            && x.components
                .first()
                .is_some_and(|c| c.name.starts_with("link_"))
    });
    assert!(
        !link.is_empty() && link.iter().all(|n| n == "±400 V link"),
        "{link:?}"
    );
}

#[test]
fn a_pattern_matching_nothing_is_a_located_error() {
    let text = two_parts(
        r#"subsystems: {
        "left": ["a_*"],
        "right": ["b_*", "c_*"],
    },"#,
    );
    let err = busbar::components::parse_str(&text, Path::new("two.ron"), &BTreeMap::new())
        .expect_err("`c_*` matches nothing");
    let message = err.to_string();
    assert!(
        message.contains("`right`")
            && message.contains("`c_*`")
            && message.contains("matches no component"),
        "{message}"
    );
    match err {
        NetlistError::Subsystem {
            location: Some(l), ..
        } => {
            assert_eq!((l.line, l.column), (3, 26), "located at {l}");
            assert!(message.starts_with("two.ron:3:26: "), "{message}");
        }
        other => panic!("no location in {other:?}"),
    }
    // A repeated name, an empty list and the reserved `other` are refused.
    for (subsystems, expected) in [
        (
            r#"subsystems: { "x": ["a_*"], "x": ["b_*"] },"#,
            "defined twice",
        ),
        (r#"subsystems: { "x": [] },"#, "has no patterns"),
        (
            r#"subsystems: { "other": ["a_*"] },"#,
            "give the subsystem another name",
        ),
    ] {
        let err = busbar::components::parse_str(
            &two_parts(subsystems),
            Path::new("two.ron"),
            &BTreeMap::new(),
        )
        .expect_err(expected);
        assert!(err.to_string().contains(expected), "{expected}: {err}");
    }
}

#[test]
fn terminal_and_html_report_say_which_part_makes_each_mode() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let circuit = root.join("circuits/diablo_sidecar.ron");
    let out = assert_cmd::Command::cargo_bin("busbar")
        .expect("binary")
        .arg("stability")
        .arg(&circuit)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // The 1.53 kHz link resonance, least damped, heads the list.
    let first = text
        .lines()
        .find(|l| l.trim_start().starts_with("mode "))
        .expect("a mode line");
    assert!(first.contains("— made by ±400 V link"), "{first}");

    let dir = tempfile::tempdir().expect("temporary folder");
    let html = dir.path().join("r.html");
    assert_cmd::Command::cargo_bin("busbar")
        .expect("binary")
        .arg("report")
        .arg(&circuit)
        .arg(root.join("scenarios/diablo/s1_step.ron"))
        .arg("-o")
        .arg(&html)
        .assert()
        .success();
    let html = std::fs::read_to_string(html).expect("report");
    for needle in [
        "made by",
        "Participation by subsystem",
        "storage",
        "±400 V sidecar",
        "±400 V link",
        "rack 50 V",
    ] {
        assert!(html.contains(needle), "the report lacks `{needle}`");
    }
}

#[test]
fn beyond_twelve_subsystems_the_rest_is_one_share() {
    // An LC ladder of 14 sections, every inductor and capacitor a
    // top-level name of its own: 28 subsystems, and the ladder's modes
    // spread over most of them. Twelve are listed, the rest summed into
    // "N others", and the total stays 1.
    let mut parts = vec![r#"VoltageSource(name: "src", pos: "n0", volts: 800),"#.to_string()];
    for k in 1..=14 {
        parts.push(format!(
            r#"Inductor(name: "l{k}", a: "n{}", b: "n{k}", henries: 10e-6, ohms: 1e-3),
            Capacitor(name: "c{k}", a: "n{k}", b: "gnd", farads: 1e-3),"#,
            k - 1
        ));
    }
    parts.push(r#"Resistor(name: "r", a: "n14", b: "gnd", ohms: 4.0),"#.into());
    let text = format!(
        r#"Circuit(name: "ladder", components: [{}])"#,
        parts.join("\n")
    );
    let m = all_modes(&text);
    let spread = m
        .iter()
        .find(|x| x.subsystems.len() == 13)
        .expect("a mode over more than 12 subsystems");
    let last = spread.subsystems.last().expect("shares");
    assert!(last.name.ends_with(" others"), "{:?}", spread.subsystems);
    let others: usize = last
        .name
        .trim_end_matches(" others")
        .parse()
        .expect("a count");
    assert!((1..=16).contains(&others), "{}", last.name);
    for mode in &m {
        assert!(mode.subsystems.len() <= 13, "{:?}", mode.subsystems);
        assert!((total(mode) - 1.0).abs() < 1e-12, "{}", total(mode));
    }
}
