//! Tests of the terminal tables: units, alignment, the number rules and
//! the folding of identical units.

use super::*;
use crate::results::EventRecord;

fn col(name: &str, quantity: Quantity, nominal: Option<f64>, values: Vec<f64>) -> Column {
    Column {
        name: name.into(),
        target: name.into(),
        quantity,
        nominal,
        values: values.into(),
        extremes: None,
    }
}

#[test]
fn engineering_units_and_alignment() {
    let w = Waveforms {
        time: vec![0.0, 250e-6, 0.0125, 0.05],
        columns: vec![
            col(
                "bus800",
                Quantity::Voltage,
                Some(800.0),
                vec![800.0, 799.84, 768.31, 799.84],
            ),
            col(
                "i(lfeed)",
                Quantity::Current,
                None,
                vec![168.75, 1234.0, 1200.0, 168.75],
            ),
            col(
                "p(tray1.gpu)",
                Quantity::Power,
                None,
                vec![135e3, 135e3, 135e3, 135e3],
            ),
            col("empty", Quantity::Voltage, None, vec![]),
        ],
        events: vec![EventRecord {
            time: 0.01,
            target: "tray*.gpu".into(),
            what: "load step".into(),
        }],
        stats: SolverStats {
            method: "esdirk34".into(),
            steps: 1200,
            ..SolverStats::default()
        },
    };
    let t = summary_table(&w);
    for expected in [
        "800.00 V",
        "799.84 V",
        "768.31 V",
        "12.50 ms",
        "1.234 kA",
        "250.0 µs",
        "135.0 kW",
        "-3.96 % .. +0.00 %",
        "10.00 ms",
        "load step",
        "esdirk34",
        "1200 steps",
    ] {
        assert!(t.contains(expected), "missing {expected:?} in\n{t}");
    }
    let lines: Vec<&str> = t.lines().collect();
    assert!(lines[0].starts_with("signal"));
    // Right-aligned columns end at the same character position.
    let end = |line: &str, pat: &str| {
        line.find(pat)
            .map(|i| line[..i + pat.len()].chars().count())
    };
    assert_eq!(end(lines[1], "800.00 V"), end(lines[2], "168.8 A"));
    assert!(lines[4].starts_with("empty") && lines[4].contains('-'));
}

/// A bus 40 mV under nominal dips by 0.12 % after a load step at 1 ms;
/// a current that is round-off; a battery's state of charge.
fn number_rules_run() -> Waveforms {
    let time: Vec<f64> = (0..=200).map(|i| f64::from(i) * 1e-4).collect();
    let bus = time
        .iter()
        .map(|&t| {
            if (2e-3..4e-3).contains(&t) {
                799.0
            } else {
                799.96
            }
        })
        .collect();
    let amps = time.iter().map(|_| -1.975e-220).collect();
    let soc = time.iter().map(|&t| 0.9953 - 0.01 * t).collect();
    Waveforms {
        time,
        columns: vec![
            col("bus800", Quantity::Voltage, Some(800.0), bus),
            col("i(idle)", Quantity::Current, None, amps),
            col("soc(bbu1)", Quantity::StateOfCharge, None, soc),
        ],
        events: vec![],
        stats: SolverStats::default(),
    }
}

#[test]
fn numbers_as_an_engineer_writes_them() {
    let w = number_rules_run();
    let t = summary_table(&w);
    // Zero to the solver's tolerance is 0 A, not -1.975e-220 A.
    assert!(t.contains(" 0 A") && !t.contains("e-220"), "{t}");
    // A fraction is a percentage, never `995.3 m`.
    assert!(t.contains("99.530 %") && !t.contains(" m "), "{t}");
    // 799.96 V is not rounded to 800.0 V.
    assert!(t.contains("799.96 V") && !t.contains("800.0 V"), "{t}");

    let m = crate::analysis::analyse(&w, &[1e-3], &Default::default());
    let text = metrics_table(&m);
    let row = text
        .lines()
        .find(|l| l.starts_with("bus800"))
        .unwrap_or_default();
    // The pre-event value keeps its fifth digit; the deviation is a dip
    // and its percentage says so: -960.0 mV is -0.12 %, never +0.12 %.
    assert!(row.contains("799.96 V"), "{text}");
    assert!(row.contains("-0.12 %"), "{text}");
}

#[test]
fn identical_units_fold_and_different_ones_do_not() {
    let mut w = number_rules_run();
    let bus = w.columns[0].values.clone();
    w.columns = (1..=18)
        .map(|i| {
            col(
                &format!("tray{i}.bus50"),
                Quantity::Voltage,
                Some(50.0),
                bus.to_vec(),
            )
        })
        .collect();
    // Tray 7 differs in the printed digits (799.97 V at the end).
    if let Some(v) = w.columns[6].values.to_mut().last_mut() {
        *v = 799.97;
    }
    let t = summary_table(&w);
    let folded = "tray{1,2,3,4,5,6,8,9,10,11,12,13,14,15,16,17,18}.bus50 (17 identical)";
    assert!(t.contains(folded), "{t}");
    assert!(t.contains("\ntray7.bus50 "), "{t}");
}

#[test]
fn empty_run() {
    let w = Waveforms {
        time: vec![],
        columns: vec![],
        events: vec![],
        stats: SolverStats::default(),
    };
    let t = summary_table(&w);
    assert!(t.contains("no recorded signals"));
    assert!(t.contains("events: none"));
    assert!(t.ends_with("state events\n"));
}
